//! CIS 3.21 Ensure that the /etc/sysconfig/docker file permissions are set to 644 or more restrictively.

use super::common::{fixed, NO_SYSCONFIG_DOCKER, SYSCONFIG_DOCKER};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["3.21"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that the /etc/sysconfig/docker file permissions are set to 644 or more restrictively",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Files,
    rationale: "On Red Hat-family hosts /etc/sysconfig/docker feeds options and environment to the root \
        daemon at start-up. Anyone who can write it can add a listener, an insecure registry or a proxy, or \
        switch protections off, and the daemon obeys at its next restart.",
    audit: "Stats /etc/sysconfig/docker and compares its mode with 0644 as a bitmask: write for group or \
        other (0664, 0646, 0466), any execute bit and setuid/setgid/sticky fail; 0644, 0640 and 0600 pass. \
        Not applicable when the file does not exist (most non-Red Hat hosts).",
    impact: "None for the daemon, which reads the file as root at start. Non-root accounts that edited \
        options or proxy settings in it through group or other write permission need sudo.",
    references: &[],
    remediation: "Run `chmod 644 /etc/sysconfig/docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, fixed(SYSCONFIG_DOCKER), 0o644, NO_SYSCONFIG_DOCKER)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    vec![
        Fixture::pass(
            "mode 0644",
            host_with(|f| set(f, SYSCONFIG_DOCKER, file(0o644))),
        ),
        Fixture::pass(
            "mode 0600",
            host_with(|f| set(f, SYSCONFIG_DOCKER, file(0o600))),
        ),
        Fixture::fail(
            "group-writable 0664",
            host_with(|f| set(f, SYSCONFIG_DOCKER, file(0o664))),
        ),
        Fixture::fail(
            "0466 (numerically below 644)",
            host_with(|f| set(f, SYSCONFIG_DOCKER, file(0o466))),
        ),
        Fixture::not_applicable("no /etc/sysconfig/docker", compliant_host()),
        Fixture::error(
            "unreadable",
            host_with(|f| set(f, SYSCONFIG_DOCKER, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;

    fn with_sysconfig(mode: u32) -> dockguard_facts::Facts {
        let mut f = compliant_host();
        set(&mut f, SYSCONFIG_DOCKER, file(mode));
        f
    }

    #[test]
    fn absent_file_is_not_applicable() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.targets[0].detail, "does not exist");
    }

    #[test]
    fn mode_644_or_stricter_passes() {
        for mode in [0o644, 0o640, 0o600, 0o400] {
            let out = run(&RULE, &with_sysconfig(mode));
            assert_eq!(out.status, Status::Pass, "{mode:o}");
        }
        assert_eq!(
            run(&RULE, &with_sysconfig(0o600)).targets[0].detail,
            "mode 0600"
        );
    }

    #[test]
    fn group_writable_fails() {
        let out = run(&RULE, &with_sysconfig(0o664));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0664 grants 0020 beyond 0644"
        );
    }

    #[test]
    fn mode_466_fails_although_numerically_smaller() {
        assert_eq!(run(&RULE, &with_sysconfig(0o466)).status, Status::Fail);
        assert_eq!(run(&RULE, &with_sysconfig(0o4644)).status, Status::Fail);
    }

    #[test]
    fn unreadable_or_uncollected_file_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, SYSCONFIG_DOCKER, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(SYSCONFIG_DOCKER);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.targets[0].detail.contains("was not collected"));
    }
}
