//! CIS 1.1.15 Ensure auditing is configured for Docker files and directories - /usr/bin/containerd-shim.

use super::common::path_watch_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["1.1.15"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure auditing is configured for Docker files and directories - /usr/bin/containerd-shim",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "A containerd shim sits between containerd and every container process and runs as root. The \
        legacy shim still ships with some containerd 1.x packages; a replaced binary there controls the \
        containers it parents, so changes to it should be recorded.",
    audit: "Requires a loaded audit rule whose path is exactly /usr/bin/containerd-shim (`auditctl -l`; a watch only in the rules files is `manual`): `-w /usr/bin/containerd-shim` or `-a always,exit -F \
        path=/usr/bin/containerd-shim`. A rule for containerd-shim-runc-v1 or -v2 does not count \
        (docker-bench's substring match accepts those). Not applicable when /usr/bin/containerd-shim does \
        not exist; an error when the collector has no stat of it and no rule watches it.",
    impact: "Negligible: with `-p wa` only writes and attribute changes to the binary are recorded, which \
        happens on package upgrades; starting shims for containers produces no records.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /usr/bin/containerd-shim -p wa -k docker` to /etc/audit/rules.d/docker.rules, load it \
        with `augenrules --load` (or `service auditd restart`) and check `auditctl -l | grep containerd-shim`.",
    check,
};

const PATH: &str = "/usr/bin/containerd-shim";

fn check(ctx: &Ctx) -> Outcome {
    path_watch_rule(ctx, PATH, "the legacy containerd shim binary")
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    super::common::test_support::path_watch_fixtures(PATH, || crate::testing::file(0o755))
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn watched_passes() {
        let out = run(&RULE, &host_with(|f| put_watched(f, PATH, file(0o755))));
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, PATH);
        assert_eq!(out.reason, format!("audited: {PATH}"));
    }

    #[test]
    fn unwatched_fails() {
        let out = run(&RULE, &host_with(|f| put_unwatched(f, PATH, file(0o755))));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, format!("no audit rule watches {PATH}"));
        assert!(
            out.targets[0]
                .detail
                .contains("the legacy containerd shim binary"),
            "{out:?}"
        );
    }

    #[test]
    fn versioned_shim_watch_does_not_count() {
        let out = run(
            &RULE,
            &host_with(|f| {
                put_unwatched(f, PATH, file(0o755));
                add_line(f, "-w /usr/bin/containerd-shim-runc-v2 -p wa -k docker");
            }),
        );
        assert_eq!(out.status, Status::Fail);
    }

    #[test]
    fn in_a_rules_file_but_not_loaded_fails() {
        let mut f = host_with(|f| put_watched(f, PATH, file(0o755)));
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains(PATH))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("not loaded"), "{}", out.reason);
    }

    #[test]
    fn absent_is_not_applicable() {
        let out = run(&RULE, &host_with(|f| put(f, PATH, FileFact::Missing)));
        assert_eq!(out.status, Status::NotApplicable);
    }

    #[test]
    fn unknown_existence_is_an_error_unless_watched() {
        let mut f = compliant_host();
        forget(&mut f, PATH);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error, "{out:?}");
        assert!(out.targets[0].detail.contains("was not collected"));
        put(
            &mut f,
            PATH,
            FileFact::Error {
                reason: "permission denied".into(),
            },
        );
        assert_eq!(run(&RULE, &f).status, Status::Error);
        add_line(&mut f, "-w /usr/bin/containerd-shim -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn unreadable_rules_are_an_error() {
        let mut f = host_with(|f| put_unwatched(f, PATH, file(0o755)));
        unreadable_audit_rules(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
