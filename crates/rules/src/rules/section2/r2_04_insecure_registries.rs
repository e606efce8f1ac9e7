//! 2.04 Ensure insecure registries aren't used.

use super::common::{setting_target, unknown};
use crate::prelude::*;
use dockguard_facts::daemon::is_builtin_insecure_cidr;

const KEY: &str = "insecure-registries";

pub static RULE: Rule = Rule {
    azure: Some("2.04"),
    cis: &["2.5"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure insecure registries aren't used",
    section: Section::Daemon,
    severity: Severity::High,
    level: 1,
    scope: Scope::Daemon,
    rationale: "For an insecure registry the daemon talks plain HTTP, or HTTPS without checking the \
        certificate. Anyone on the path can then serve a tampered image that the host will pull and run \
        as if it were the real one.",
    audit: "Reads the insecure registries of the running daemon from `docker info` (`RegistryConfig`: \
        `InsecureRegistryCIDRs` plus every index marked not secure); without the Docker API, the \
        `--insecure-registry` flags, else `insecure-registries` in daemon.json. Docker's built-in loopback \
        ranges (127.0.0.0/8, ::1/128) do not count. Passes when nothing else is listed.",
    impact: "Pulls from and pushes to registries that speak plain HTTP or present an untrusted certificate \
        fail until the registry has a valid TLS certificate, or its CA is installed under \
        /etc/docker/certs.d on every host that uses it. The change needs a daemon restart.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Remove every `--insecure-registry` flag and the `insecure-registries` list from \
        /etc/docker/daemon.json, then `systemctl restart docker`. Serve the registry over TLS; for a \
        private CA, put its certificate in /etc/docker/certs.d/<registry>:<port>/ca.crt.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let registries: Vec<String> = setting
        .map(|s| s.as_list())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !is_builtin_insecure_cidr(r))
        .collect();
    let value = format!("[{}]", registries.join(", "));
    if registries.is_empty() {
        Outcome::pass("no insecure registries are configured").with_target(setting_target(
            ctx,
            KEY,
            Status::Pass,
            value,
            setting,
        ))
    } else {
        Outcome::fail(format!(
            "the daemon pulls from insecure registries: {}",
            registries.join(", ")
        ))
        .with_target(setting_target(ctx, KEY, Status::Fail, value, setting))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("only the built-in loopback range", compliant_host()),
        Fixture::fail(
            "live insecure CIDR and registry",
            host_with(|f| {
                stale_daemon_json(f);
                let info = &mut docker_mut(f).info;
                info.insecure_registry_cidrs
                    .as_mut()
                    .unwrap()
                    .push("10.0.0.0/8".into());
                info.insecure_registries
                    .as_mut()
                    .unwrap()
                    .push("registry.local:5000".into());
            }),
        ),
        Fixture::fail(
            "--insecure-registry flags, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                add_flags(f, &["--insecure-registry", "a:5000"]);
            }),
        ),
        Fixture::fail(
            "insecure-registries in daemon.json, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_set(f, KEY, json!(["127.0.0.0/8", "registry.local:5000"]));
            }),
        ),
        Fixture::error(
            "Docker API unreachable and daemon.json malformed",
            host_with(|f| {
                no_docker(f);
                break_daemon_json(f);
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn builtin_loopback_only_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "insecure-registries=[] (from docker info)"
        );
    }

    #[test]
    fn live_cidr_and_index_fail() {
        let mut f = compliant_host();
        let info = &mut docker_mut(&mut f).info;
        info.insecure_registry_cidrs
            .as_mut()
            .unwrap()
            .push("10.0.0.0/8".into());
        info.insecure_registries
            .as_mut()
            .unwrap()
            .push("registry.local:5000".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "insecure-registries=[10.0.0.0/8, registry.local:5000] (from docker info)"
        );
    }

    #[test]
    fn flags_without_docker_fail() {
        let mut f = compliant_host();
        no_docker(&mut f);
        add_flags(
            &mut f,
            &[
                "--insecure-registry",
                "a:5000",
                "--insecure-registry=b:5000",
            ],
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "insecure-registries=[a:5000, b:5000] (from dockerd command line)"
        );
    }

    #[test]
    fn daemon_json_without_docker_fails() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_set(&mut f, KEY, json!(["127.0.0.0/8", "registry.local:5000"]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.reason.ends_with("registry.local:5000"),
            "{}",
            out.reason
        );
    }

    #[test]
    fn unknown_without_docker_and_with_a_broken_file() {
        let mut f = compliant_host();
        no_docker(&mut f);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
