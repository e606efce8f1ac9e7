//! 3.20 Ensure that /etc/default/docker file permissions are set to 644 or more restrictive.

use super::common::{fixed, DEFAULT_DOCKER};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.20"),
    cis: &["3.20"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that /etc/default/docker file permissions are set to 644 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Files,
    rationale: "If /etc/default/docker is writable by others, they can add daemon options or environment \
        (for example a TCP listener or a proxy) that the root daemon picks up at its next start.",
    audit: "Stats /etc/default/docker and compares its mode with 0644 as a bitmask: group/other write (0664, \
        0646, 0466), execute and setuid/setgid/sticky bits fail; stricter modes pass. Not applicable when the \
        file does not exist.",
    impact: "None for the daemon, which reads the file as root when its service uses it at all. Non-root \
        accounts that edited it through group or other write permission need sudo.",
    references: &[],
    remediation: "Run `chmod 644 /etc/default/docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(
        ctx,
        fixed(DEFAULT_DOCKER),
        0o644,
        "/etc/default/docker does not exist",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("mode 0644", compliant_host()),
        Fixture::fail(
            "other-writable 0646",
            host_with(|f| set_mode(f, DEFAULT_DOCKER, 0o646)),
        ),
        Fixture::fail(
            "setgid 2644",
            host_with(|f| set_mode(f, DEFAULT_DOCKER, 0o2644)),
        ),
        Fixture::not_applicable(
            "no /etc/default/docker",
            host_with(|f| set(f, DEFAULT_DOCKER, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable",
            host_with(|f| set(f, DEFAULT_DOCKER, unreadable())),
        ),
        Fixture::error(
            "not collected",
            host_with(|f| {
                f.files.remove(DEFAULT_DOCKER);
            }),
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
    fn mode_644_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn other_writable_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, DEFAULT_DOCKER, 0o646);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0646 grants 0002 beyond 0644"
        );
    }

    #[test]
    fn setgid_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, DEFAULT_DOCKER, 0o2644);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn missing_file_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, DEFAULT_DOCKER, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_or_uncollected_file_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, DEFAULT_DOCKER, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(DEFAULT_DOCKER);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
