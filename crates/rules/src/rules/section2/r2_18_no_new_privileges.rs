//! 2.18 Ensure containers are restricted from acquiring new privileges (daemon-wide `no-new-privileges`).

use super::common::bool_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("2.18"),
    cis: &["2.14"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure containers are restricted from acquiring new privileges",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "With `no_new_privs` set, setuid and setgid binaries and file capabilities cannot raise a \
        process's privileges, so an attacker inside a container cannot climb to root through a setuid \
        program in the image. Setting it on the daemon makes it the default for every new container, \
        instead of relying on each `docker run` to ask for it.",
    audit: "Reads the effective `no-new-privileges` (the `--no-new-privileges` flag, else daemon.json, else \
        the default `false`). Passes only when true. Containers started with an explicit \
        `--security-opt no-new-privileges=false` are not covered here (see the container rule).",
    impact: "Processes in new containers cannot gain privileges through setuid or setgid binaries or file \
        capabilities, so images whose non-root users rely on `sudo`, `su` or capability-marked helpers fail \
        at those steps. Such containers have to opt out with `--security-opt no-new-privileges=false`.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Set `\"no-new-privileges\": true` in /etc/docker/daemon.json (or pass \
        `--no-new-privileges`), then `systemctl restart docker`. It applies to containers created \
        afterwards; recreate existing ones.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    bool_rule(
        ctx,
        "no-new-privileges",
        true,
        "new containers cannot gain privileges through setuid binaries by default",
        "containers may gain privileges through setuid/setgid binaries unless each one opts out",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("no-new-privileges=true", compliant_host()),
        Fixture::pass(
            "--no-new-privileges flag overrides daemon.json",
            host_with(|f| {
                daemon_json_set(f, "no-new-privileges", json!(false));
                add_flags(f, &["--no-new-privileges"]);
            }),
        ),
        Fixture::fail(
            "unset (default false)",
            host_with(|f| daemon_json_remove(f, "no-new-privileges")),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error(
            "unset and the command line unknown",
            host_with(|f| {
                daemon_json_remove(f, "no-new-privileges");
                f.daemon.process =
                    dockguard_facts::Fact::Error("no dockerd process under /proc".into());
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
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn default_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "no-new-privileges");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "no-new-privileges=false (from dockerd default)"
        );
    }

    #[test]
    fn flag_decides() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "no-new-privileges", json!(false));
        add_flags(&mut f, &["--no-new-privileges"]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn unknown_command_line_is_an_error() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "no-new-privileges");
        f.daemon.process = dockguard_facts::Fact::Error("no dockerd process under /proc".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(
            out.reason.contains("command line is unknown"),
            "{}",
            out.reason
        );
    }
}
