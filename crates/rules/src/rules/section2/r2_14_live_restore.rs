//! 2.14 Ensure live restore is enabled.

use super::common::bool_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("2.14"),
    cis: &["2.15"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure live restore is Enabled",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Daemon,
    rationale: "Without live restore, stopping or crashing dockerd stops every container. That makes \
        patching the daemon an outage, and outages are a reason to postpone security updates. With it, \
        containers keep running while the daemon restarts.",
    audit: "Reads `LiveRestoreEnabled` from `docker info` (the running value); without the Docker API, \
        the `--live-restore` flag, else daemon.json, else the default `false`. Passes only when true. Swarm \
        mode does not exempt a node: the baseline makes no such exception.",
    impact: "Little: containers keep running while dockerd is down, but cannot be managed during that time, \
        and those that log heavily can stall once the log buffer between them and the daemon fills. It \
        covers restarts and patch upgrades, not major-version upgrades, and only standalone containers, not \
        swarm services.",
    references: &[
        "https://docs.docker.com/engine/daemon/live-restore/",
    ],
    remediation: "Set `\"live-restore\": true` in /etc/docker/daemon.json (or pass `--live-restore`), then \
        apply it without stopping containers: `systemctl reload docker` (SIGHUP). Check with \
        `docker info -f '{{.LiveRestoreEnabled}}'`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    bool_rule(
        ctx,
        "live-restore",
        true,
        "containers keep running while the daemon restarts",
        "live restore is off: every daemon restart or crash stops all containers",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("live restore on", compliant_host()),
        Fixture::pass(
            "--live-restore flag, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_remove(f, "live-restore");
                add_flags(f, &["--live-restore"]);
            }),
        ),
        Fixture::fail(
            "configured but not live",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f).info.live_restore = Some(false);
            }),
        ),
        Fixture::fail(
            "off on a swarm node",
            host_with(|f| {
                stale_daemon_json(f);
                let d = docker_mut(f);
                d.info.live_restore = Some(false);
                d.info.swarm.as_mut().unwrap().state = Some("active".into());
            }),
        ),
        Fixture::fail(
            "false in daemon.json, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_set(f, "live-restore", json!(false));
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
    fn enabled_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "live-restore=true (from docker info)"
        );
    }

    #[test]
    fn live_value_wins_over_the_file() {
        // daemon.json says true but the daemon was never reloaded.
        let mut f = compliant_host();
        docker_mut(&mut f).info.live_restore = Some(false);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "live-restore=false (from docker info)"
        );
    }

    #[test]
    fn swarm_does_not_exempt() {
        let mut f = compliant_host();
        let d = docker_mut(&mut f);
        d.info.live_restore = Some(false);
        d.info.swarm.as_mut().unwrap().state = Some("active".into());
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn without_docker_the_file_decides() {
        let mut f = compliant_host();
        no_docker(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        daemon_json_set(&mut f, "live-restore", json!(false));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("daemon.json"));
    }

    #[test]
    fn flag_without_docker_passes() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_remove(&mut f, "live-restore");
        add_flags(&mut f, &["--live-restore"]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn unknown_without_docker_and_with_a_broken_file() {
        let mut f = compliant_host();
        no_docker(&mut f);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
