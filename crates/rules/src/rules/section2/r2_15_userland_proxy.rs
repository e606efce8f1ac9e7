//! 2.15 Ensure the userland proxy is disabled.

use super::common::bool_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("2.15"),
    cis: &["2.16"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure Userland Proxy is Disabled",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Daemon,
    rationale: "The userland proxy is a `docker-proxy` process per published port that relays traffic the \
        kernel's NAT rules can forward by themselves. It is extra code listening on the host, and it hides \
        the client's address from the container. Without it, hairpin NAT does the same job.",
    audit: "Reads the effective `userland-proxy` (the `--userland-proxy` flag, else daemon.json, else the \
        default `true`). Passes only when false.",
    impact: "Published ports are then served by NAT rules only: reaching one from the host itself or from a \
        container through the host's address depends on hairpin NAT, which old kernels lack, and connections \
        through a host IPv6 address to a container that only has IPv4 are no longer relayed. The change \
        needs a daemon restart.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Set `\"userland-proxy\": false` in /etc/docker/daemon.json (or pass \
        `--userland-proxy=false`), then `systemctl restart docker`. Check first that the kernel supports \
        hairpin NAT; on old kernels, containers may then fail to reach their own published ports via \
        the host's address.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    bool_rule(
        ctx,
        "userland-proxy",
        false,
        "published ports are forwarded by the kernel, without docker-proxy",
        "the userland proxy is on: a docker-proxy process listens for every published port",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("userland-proxy=false", compliant_host()),
        Fixture::pass(
            "--userland-proxy=false flag",
            host_with(|f| {
                daemon_json_remove(f, "userland-proxy");
                add_flags(f, &["--userland-proxy=false"]);
            }),
        ),
        Fixture::fail(
            "unset (default true)",
            host_with(|f| daemon_json_remove(f, "userland-proxy")),
        ),
        Fixture::fail(
            "userland-proxy=true in daemon.json",
            host_with(|f| daemon_json_set(f, "userland-proxy", json!(true))),
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
    fn disabled_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn default_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "userland-proxy");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "userland-proxy=true (from dockerd default)"
        );
    }

    #[test]
    fn flag_decides() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "userland-proxy");
        add_flags(&mut f, &["--userland-proxy=false"]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        let mut f = compliant_host();
        daemon_json_set(&mut f, "userland-proxy", json!(true));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
