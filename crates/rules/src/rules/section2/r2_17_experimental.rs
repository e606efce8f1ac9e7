//! 2.17 Ensure experimental features are avoided in production.

use super::common::{setting_target, worst};
use crate::prelude::*;

const KEY: &str = "experimental";

pub static RULE: Rule = Rule {
    azure: Some("2.17"),
    cis: &["2.18"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure experimental features are avoided in production",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "Experimental daemon features have not had the review and hardening of stable ones, may \
        change behaviour between releases, and widen the API a caller can reach. Production hosts should \
        run only the stable feature set.",
    audit: "Reads `ExperimentalBuild` from `docker info` (without the Docker API: the `--experimental` flag, \
        else daemon.json, else false) and `Server.Experimental` from `docker version`. Fails if either \
        says true. Checked on every Docker release, unlike tools that skip it after 19.03.",
    impact: "Features available only in experimental mode, such as `docker checkpoint`, stop working, and \
        scripts or tools that use them must change. Otherwise nothing changes for containers beyond the \
        daemon restart.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Remove `--experimental` from the dockerd command line and `\"experimental\": true` from \
        /etc/docker/daemon.json, then `systemctl restart docker`. Check with \
        `docker version -f '{{.Server.Experimental}}'`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let mut targets = Vec::new();
    let configured_error = match ctx.daemon.bool(KEY) {
        Ok((on, s)) => {
            let status = if on { Status::Fail } else { Status::Pass };
            targets.push(setting_target(ctx, KEY, status, on, s));
            None
        }
        Err(e) => {
            targets.push(Target::setting(
                KEY,
                Status::Error,
                "experimental could not be determined",
            ));
            Some(e)
        }
    };
    if let Ok(d) = ctx.docker() {
        let (status, detail) = match d.version.experimental {
            Some(on) => (
                if on { Status::Fail } else { Status::Pass },
                format!("Server.Experimental={on} (from docker version)"),
            ),
            None => (
                Status::Error,
                "docker version did not say whether experimental features are on".to_string(),
            ),
        };
        targets.push(Target::new(
            TargetKind::Daemon,
            "version",
            "docker version",
            status,
            detail,
        ));
    }
    let status = worst(&targets);
    let reason = match (status, configured_error) {
        (Status::Fail, _) => "the daemon runs with experimental features enabled".to_string(),
        (Status::Error, Some(e)) => e,
        _ => "experimental features are off".to_string(),
    };
    Outcome::new(status, reason).with_targets(targets)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("experimental off", compliant_host()),
        Fixture::fail(
            "live experimental despite daemon.json",
            host_with(|f| {
                stale_daemon_json(f);
                daemon_json_set(f, KEY, json!(false));
                docker_mut(f).info.experimental = Some(true);
            }),
        ),
        Fixture::fail(
            "server version reports experimental",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f).version.experimental = Some(true);
            }),
        ),
        Fixture::fail(
            "--experimental flag, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                add_flags(f, &["--experimental"]);
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
    fn off_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "experimental=false (from docker info)"
        );
        assert_eq!(
            out.targets[1].detail,
            "Server.Experimental=false (from docker version)"
        );
    }

    #[test]
    fn live_info_wins_over_the_file() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, KEY, json!(false));
        docker_mut(&mut f).info.experimental = Some(true);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "experimental=true (from docker info)"
        );
    }

    #[test]
    fn server_version_alone_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).version.experimental = Some(true);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().name, "docker version");
    }

    #[test]
    fn flag_without_docker_fails() {
        let mut f = compliant_host();
        no_docker(&mut f);
        add_flags(&mut f, &["--experimental"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("command line"));
    }

    #[test]
    fn unknown_without_docker_and_with_a_broken_file() {
        let mut f = compliant_host();
        no_docker(&mut f);
        break_daemon_json(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("not valid JSON"), "{}", out.reason);
    }
}
