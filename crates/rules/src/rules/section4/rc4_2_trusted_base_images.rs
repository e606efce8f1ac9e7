//! CIS 4.2 Ensure that containers use only trusted base images.

use super::common::{per_image, registry_of, short_id};
use crate::prelude::*;
use dockguard_facts::InfoFacts;
use std::net::IpAddr;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.2"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that containers use only trusted base images",
    section: Section::Images,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Image,
    rationale: "An image runs with whatever its publisher put in it. Images from an unknown publisher, or \
        fetched over a connection nobody verified, can carry malware, backdoors or simply stale vulnerable \
        software straight into production.",
    audit: "For each image used by an assessed container, reads its repo digests to tell where it came from: \
        the registry it was pulled from (or pushed to), or no digest at all when it was built or loaded on \
        this host. Fails when that registry is one the daemon reaches without TLS verification \
        (`insecure-registries` by name, or an insecure CIDR other than loopback): nothing vouched for what \
        was pulled. Otherwise the image needs a person's review, listed with its registry: dockguard has no \
        allow-list of trusted registries and publishers, and a locally built image is only as trusted as the \
        FROM base of its build, which the facts do not name. An image that could not be inspected is an \
        error.",
    impact: "Teams are limited to vetted registries and publishers, so adopting a new base or tool image needs a \
        review first, and with digest pins base image fixes arrive only when someone bumps the pin. Registries \
        now reached without TLS verification must be given a trusted certificate before they can stay in use.",
    references: &[
        "https://docs.docker.com/engine/security/trust/",
        "https://docs.docker.com/build/building/best-practices/",
    ],
    remediation: "Pull only from registries you control or vetted publishers (Docker Official Images, verified \
        publishers), pin images by digest (`FROM registry.example/base@sha256:...`), verify signatures \
        (`DOCKER_CONTENT_TRUST=1`, `cosign verify`), and remove the registry from `insecure-registries` once it \
        serves TLS with a trusted certificate. Rebuild local images FROM such trusted bases.",
    check,
};

/// Whether the daemon reaches this registry host without TLS verification. Loopback CIDRs (Docker's
/// default `127.0.0.0/8`) do not count: such a registry is on the host itself.
fn insecure(info: &InfoFacts, registry: &str) -> Result<Option<String>, dockguard_facts::Missing> {
    if info
        .insecure_registries()?
        .iter()
        .any(|r| r.eq_ignore_ascii_case(registry))
    {
        return Ok(Some(format!("{registry} is listed in insecure-registries")));
    }
    let host = registry
        .strip_prefix('[')
        .and_then(|r| r.split_once(']').map(|(h, _)| h))
        .unwrap_or_else(|| registry.rsplit_once(':').map_or(registry, |(h, _)| h));
    let Ok(ip) = host.parse::<IpAddr>() else {
        return Ok(None);
    };
    Ok(info
        .insecure_registry_cidrs()?
        .iter()
        .find(|c| in_cidr(ip, c) == Some(true) && !ip.is_loopback())
        .map(|c| format!("{registry} falls in the insecure registry range {c}")))
}

fn in_cidr(ip: IpAddr, cidr: &str) -> Option<bool> {
    let (net, len) = cidr.split_once('/')?;
    let net: IpAddr = net.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    Some(match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if len <= 32 => {
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if len <= 128 => {
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    })
}

/// `registry.example/app@sha256:111111111111` (the digest cut to 12 digits).
fn short_digest(d: &str) -> String {
    match d.split_once("@sha256:") {
        Some((repo, hex)) => format!("{repo}@sha256:{}", hex.chars().take(12).collect::<String>()),
        None => d.to_string(),
    }
}

/// Who publishes a Docker Hub repository: `official image nginx`, `publisher bitnami`.
fn hub_publisher(digest: &str) -> String {
    let repo = digest.split('@').next().unwrap_or(digest);
    let path = match repo.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) => rest,
        _ => repo,
    };
    match path.split_once('/') {
        None => format!("Docker Official Image {path}"),
        Some(("library", name)) => format!("Docker Official Image {name}"),
        Some((publisher, _)) => format!("publisher {publisher}"),
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let info = match ctx.docker() {
        Ok(d) => &d.info,
        Err(e) => return Outcome::error(e),
    };
    let out = per_image(ctx, |_, img| {
        let digests = img.repo_digests()?;
        if digests.is_empty() {
            return Ok((
                Status::Manual,
                format!(
                    "no registry digest: built or loaded on this host (image {}), never pulled or pushed; \
                     check the base image its build starts FROM",
                    short_id(&img.id)
                ),
            ));
        }
        let mut sources = Vec::new();
        for d in digests {
            let registry = registry_of(d);
            if let Some(why) = insecure(info, &registry)? {
                return Ok((
                    Status::Fail,
                    format!(
                        "pulled from {} without TLS verification ({why})",
                        short_digest(d)
                    ),
                ));
            }
            let who = if registry == "docker.io" {
                format!("docker.io, {}", hub_publisher(d))
            } else {
                registry
            };
            sources.push(format!("{who} ({})", short_digest(d)));
        }
        Ok((
            Status::Manual,
            format!("from registry {}", sources.join(", ")),
        ))
    });
    if out.status == Status::Manual {
        Outcome {
            reason: "no registry allow-list is configured: confirm that each image's registry, publisher and \
                base image are trusted"
                .into(),
            ..out
        }
    } else {
        out
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::manual("image from a registry, no allow-list", compliant_host()),
        Fixture::manual(
            "locally built image",
            host_with(|f| {
                docker_mut(f).images[0]
                    .repo_digests
                    .as_mut()
                    .unwrap()
                    .clear()
            }),
        ),
        Fixture::fail(
            "image pulled from an insecure registry",
            host_with(|f| {
                docker_mut(f).info.insecure_registries = Some(vec!["registry.example".into()]);
            }),
        ),
        Fixture::error(
            "image not inspected",
            host_with(|f| docker_mut(f).images.clear()),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn registry_image_needs_review_with_its_source() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert!(out.reason.contains("allow-list"));
        assert_eq!(
            out.targets[0].detail,
            "from registry registry.example (registry.example/app@sha256:1111); used by web"
        );
    }

    #[test]
    fn local_build_names_no_registry() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0]
            .repo_digests
            .as_mut()
            .unwrap()
            .clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.starts_with("no registry digest"));
    }

    #[test]
    fn docker_hub_publishers_are_named() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].repo_digests = Some(vec![
            "nginx@sha256:abcdef0123456789".into(),
            "bitnami/nginx@sha256:99".into(),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(
            out.targets[0].detail,
            "from registry docker.io, Docker Official Image nginx (nginx@sha256:abcdef012345), \
             docker.io, publisher bitnami (bitnami/nginx@sha256:99); used by web"
        );
    }

    #[test]
    fn image_from_an_insecure_registry_fails() {
        let mut f = compliant_host();
        let d = docker_mut(&mut f);
        d.info.insecure_registries = Some(vec!["registry.example".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0]
            .detail
            .contains("registry.example is listed in insecure-registries"));
    }

    #[test]
    fn insecure_cidr_counts_but_loopback_does_not() {
        let mut f = compliant_host();
        let d = docker_mut(&mut f);
        d.info.insecure_registry_cidrs = Some(vec!["127.0.0.0/8".into(), "10.0.0.0/8".into()]);
        d.images[0].repo_digests = Some(vec!["10.1.2.3:5000/app@sha256:1".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        docker_mut(&mut f).images[0].repo_digests =
            Some(vec!["127.0.0.1:5000/app@sha256:1".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn uninspected_image_is_an_error_and_no_containers_not_applicable() {
        let mut f = compliant_host();
        docker_mut(&mut f).images.clear();
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        docker_mut(&mut f).containers.clear();
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
