//! 3.06 Ensure that /etc/docker directory permissions are set to 755 or more restrictive.

use super::common::{fixed, ETC_DOCKER};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.06"),
    cis: &["3.6"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that /etc/docker directory permissions are set to 755 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "Write permission on /etc/docker lets a user delete or replace daemon.json, TLS keys and \
        registry certificates even when the files themselves are read-only. Only root should be able to \
        write the directory.",
    audit: "Stats /etc/docker and compares its mode with 0755 as a bitmask: any bit outside 0755 fails, such as \
        group or other write (0775, 0747) or setuid/setgid/sticky bits; stricter modes such as 0700 pass. Not \
        applicable when the directory does not exist.",
    impact: "The daemon is unaffected. Non-root users and tools can no longer create, rename or delete files \
        in /etc/docker, and with 700 they cannot even list it, which breaks non-root tooling that reads \
        daemon.json or certs.d.",
    references: &[],
    remediation: "Run `chmod 755 /etc/docker` (or `chmod 700 /etc/docker` if only root needs to read it).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, fixed(ETC_DOCKER), 0o755, "/etc/docker does not exist")
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("mode 0755", compliant_host()),
        Fixture::pass("mode 0700", host_with(|f| set_mode(f, ETC_DOCKER, 0o700))),
        Fixture::fail(
            "0747 (numerically below 755)",
            host_with(|f| set_mode(f, ETC_DOCKER, 0o747)),
        ),
        Fixture::fail(
            "group-writable 0775",
            host_with(|f| set_mode(f, ETC_DOCKER, 0o775)),
        ),
        Fixture::not_applicable(
            "no /etc/docker",
            host_with(|f| set(f, ETC_DOCKER, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable",
            host_with(|f| set(f, ETC_DOCKER, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    #[test]
    fn mode_755_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn mode_700_passes() {
        let mut f = compliant_host();
        set_mode(&mut f, ETC_DOCKER, 0o700);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn mode_747_fails_although_numerically_smaller() {
        let mut f = compliant_host();
        set_mode(&mut f, ETC_DOCKER, 0o747);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0747 grants 0002 beyond 0755"
        );
    }

    #[test]
    fn group_writable_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, ETC_DOCKER, 0o775);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn missing_directory_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, ETC_DOCKER, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_directory_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, ETC_DOCKER, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
