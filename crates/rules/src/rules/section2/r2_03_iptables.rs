//! 2.03 Ensure Docker is allowed to make changes to iptables.

use super::common::bool_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("2.03"),
    cis: &["2.4"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure Docker is allowed to make changes to iptables",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "Docker writes the NAT, forwarding and isolation rules that keep published ports, `icc=false` \
        and network separation working. With `iptables=false` none of that is enforced unless someone \
        maintains equivalent rules by hand, and hand-kept rules drift as containers come and go.",
    audit: "Reads the effective `iptables` (the `--iptables` flag, else daemon.json, else the default \
        `true`). Passes unless it is false.",
    impact: "Docker again adds its own chains (DOCKER, DOCKER-USER, DOCKER-ISOLATION) and NAT rules to the \
        host firewall, which can clash with firewall managers or hand-kept rule sets; site rules for \
        container traffic then belong in DOCKER-USER. Published ports are reached through NAT and \
        forwarding, so host INPUT rules (ufw, firewalld zones) do not filter them.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Remove `--iptables=false` from the dockerd command line (systemd unit or drop-in) and \
        `\"iptables\": false` from /etc/docker/daemon.json, then `systemctl restart docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    bool_rule(
        ctx,
        "iptables",
        true,
        "Docker manages the host's iptables rules",
        "Docker may not change iptables, so its network isolation and port publishing rules are not enforced",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("iptables=true in daemon.json", compliant_host()),
        Fixture::pass(
            "unset (default true)",
            host_with(|f| daemon_json_remove(f, "iptables")),
        ),
        Fixture::fail(
            "iptables=false in daemon.json",
            host_with(|f| daemon_json_set(f, "iptables", json!(false))),
        ),
        Fixture::fail(
            "--iptables=false flag",
            host_with(|f| {
                daemon_json_remove(f, "iptables");
                add_flags(f, &["--iptables=false"]);
            }),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn allowed_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn unset_means_allowed() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "iptables");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "iptables=true (from dockerd default)"
        );
    }

    #[test]
    fn false_in_daemon_json_fails() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "iptables", json!(false));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "iptables=false (from /etc/docker/daemon.json)"
        );
    }

    #[test]
    fn false_flag_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "iptables");
        add_flags(&mut f, &["--iptables=false"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("command line"));
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
