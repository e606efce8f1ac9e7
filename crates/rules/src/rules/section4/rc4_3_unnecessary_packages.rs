//! CIS 4.3 Ensure that unnecessary packages are not installed in the container.

use super::common::{commands, human_size, per_image, pm_call, Entry};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.3"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that unnecessary packages are not installed in the container",
    section: Section::Images,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Image,
    rationale: "Every package in an image is code an attacker can use after a break-in (shells, compilers, \
        network tools) and one more thing that needs security patches. Small images also scan, pull and \
        start faster.",
    audit: "Always a manual review: which packages a workload needs is a judgement about the application, \
        and the facts hold no package inventory of the image. For each image used by an assessed container \
        the evidence gives its size (from the image list), how many build steps it has, and the packages its \
        recorded RUN steps install by name (`apt-get install`, `apk add`, `yum`/`dnf`/`zypper install`). To \
        review one image: `docker history --no-trunc <image>` for the install steps, and list what is \
        installed without running the image's code, e.g. `syft <image>` or `trivy image --list-all-pkgs \
        <image>`, or `docker run --rm --entrypoint sh <image> -c 'dpkg -l || apk info || rpm -qa'`. Question \
        every package the process does not use at run time.",
    impact: "Troubleshooting inside containers gets harder once shells, package managers and network tools are gone; \
        it moves to debug images or to tools run from the host. Dockerfiles may need reworking into multi-stage \
        builds, and removing a package the application loads at run time breaks it, so slimmed images need \
        testing.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Start from a minimal base (distroless, `-slim`, alpine, or `scratch` for static binaries), \
        install with `--no-install-recommends` / `apk add --no-cache`, keep build tools in a builder stage of \
        a multi-stage build, and remove package managers and shells from the final image where practical.",
    check,
};

/// Packages a RUN step installs by name (options, versions pins and variables dropped).
fn installed_packages(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in entries.iter().filter(|e| e.is("RUN")) {
        for words in commands(e.args) {
            let Some(call) = pm_call(&words) else {
                continue;
            };
            if !matches!(call.sub, "install" | "add" | "in") {
                continue;
            }
            for w in call.rest {
                if w.starts_with('-') || w.contains(['$', '/', '*']) || w.contains("::") {
                    continue;
                }
                let name = w.split(['=', '>', '<']).next().unwrap_or(w);
                if !name.is_empty() && !out.iter().any(|p| p == name) {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

fn steps(n: usize) -> String {
    if n == 1 {
        "1 build step".into()
    } else {
        format!("{n} build steps")
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let list = ctx
        .docker()
        .ok()
        .and_then(|d| d.image_list.ok())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let out = per_image(ctx, |_, img| {
        let size = match list.iter().find(|s| s.id == img.id).and_then(|s| s.size) {
            Some(s) => human_size(s),
            None => "size unknown".to_string(),
        };
        let history = img.history.as_deref().unwrap_or_default();
        let entries: Vec<Entry> = history
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Entry::parse(i, l))
            .collect();
        let pkgs = installed_packages(&entries);
        let installs = if history.is_empty() {
            "build history not collected".to_string()
        } else if pkgs.is_empty() {
            format!("{}, none installs packages by name", steps(history.len()))
        } else {
            const SHOWN: usize = 15;
            let more = pkgs.len().saturating_sub(SHOWN);
            format!(
                "{}; installs {}{}",
                steps(history.len()),
                pkgs[..pkgs.len().min(SHOWN)].join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        };
        Ok((Status::Manual, format!("{size}; {installs}")))
    });
    if out.status == Status::Manual {
        Outcome {
            reason: "review the packages of each image in use and remove what the workload does not need"
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
        Fixture::manual("image in use: packages need review", compliant_host()),
        Fixture::manual(
            "image with an SSH server installed: still a judgement",
            host_with(|f| {
                docker_mut(f).images[0]
                    .history
                    .as_mut()
                    .unwrap()
                    .insert(0, "/bin/sh -c apt-get install -y openssh-server".into());
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
    fn lists_size_and_installed_packages_for_review() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "5.0 MB; 5 build steps; installs ca-certificates; used by web"
        );
    }

    #[test]
    fn version_pins_and_options_are_dropped() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].history = Some(vec![
            "RUN /bin/sh -c apk add --no-cache curl=8.5.0-r0 openssh-server && apt-get install -y -o Dpkg::Options::=--force-confold vim # buildkit".into(),
        ]);
        docker_mut(&mut f).image_list = dockguard_facts::Fact::Ok(vec![]);
        let out = run(&RULE, &f);
        assert_eq!(
            out.targets[0].detail,
            "size unknown; 1 build step; installs curl, openssh-server, vim; used by web"
        );
    }

    #[test]
    fn errors_and_not_applicable() {
        let f = host_with(|f| docker_mut(f).images.clear());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let f = host_with(|f| docker_mut(f).containers.clear());
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
