//! 3.18 Ensure that daemon.json file permissions are set to 644 or more restrictive.

use super::common::daemon_json;
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.18"),
    cis: &["3.18"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that daemon.json file permissions are set to 644 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Files,
    rationale: "Whoever can write daemon.json can, at the next daemon restart, open an unauthenticated TCP \
        listener, trust an insecure registry or drop an authorization plugin. Only root should write it.",
    audit: "Stats the daemon configuration file in use (the `--config-file` path, else \
        /etc/docker/daemon.json) and compares its mode with 0644 as a bitmask: group/other write (0664, \
        0466), execute and setuid/setgid/sticky bits fail; stricter modes such as 0600 pass. Not applicable \
        when the file does not exist.",
    impact: "None for the daemon. Non-root accounts that edited daemon.json through group write need sudo, \
        and with 600 non-root users and monitoring tools can no longer read the configuration either.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Run `chmod 644 /etc/docker/daemon.json` (or the `--config-file` path reported); `chmod 600` \
        is fine too.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(
        ctx,
        daemon_json(ctx),
        0o644,
        "there is no daemon configuration file",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    const DAEMON_JSON: &str = "/etc/docker/daemon.json";
    vec![
        Fixture::pass("mode 0644", compliant_host()),
        Fixture::pass("mode 0600", host_with(|f| set_mode(f, DAEMON_JSON, 0o600))),
        Fixture::fail(
            "0466 (numerically below 644)",
            host_with(|f| set_mode(f, DAEMON_JSON, 0o466)),
        ),
        Fixture::fail(
            "setuid 4644",
            host_with(|f| set_mode(f, DAEMON_JSON, 0o4644)),
        ),
        Fixture::not_applicable(
            "no daemon.json",
            host_with(|f| set(f, DAEMON_JSON, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable",
            host_with(|f| set(f, DAEMON_JSON, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    const DAEMON_JSON: &str = "/etc/docker/daemon.json";

    #[test]
    fn mode_644_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn mode_466_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, DAEMON_JSON, 0o466);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0466 grants 0022 beyond 0644"
        );
    }

    #[test]
    fn setuid_644_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, DAEMON_JSON, 0o4644);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn missing_file_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, DAEMON_JSON, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, DAEMON_JSON, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
