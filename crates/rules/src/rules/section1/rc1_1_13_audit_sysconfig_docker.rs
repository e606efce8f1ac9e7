//! CIS 1.1.13 Ensure auditing is configured for Docker files and directories - /etc/sysconfig/docker.

use super::common::path_watch_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["1.1.13"],
    profiles: CIS_ONLY,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - /etc/sysconfig/docker",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "On Red Hat-family hosts /etc/sysconfig/docker feeds options and environment variables to \
        dockerd (OPTIONS, proxies, storage settings). An edit there alters the daemon at its next start, so it \
        should be recorded.",
    audit: "Requires a loaded audit rule whose path is exactly /etc/sysconfig/docker (`auditctl -l`; a watch only in the rules files is `manual`): `-w /etc/sysconfig/docker` or `-a always,exit -F path=/etc/sysconfig/docker`. \
        Debian-family hosts usually have no such file; the rule then does not apply. Not applicable when \
        /etc/sysconfig/docker does not exist; an error when the collector has no stat of it and no rule \
        watches it.",
    impact: "Negligible: with `-p wa` only writes and attribute changes are recorded, and the file changes \
        only when an administrator or a package upgrade edits it. Nothing changes for the daemon or its \
        containers.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /etc/sysconfig/docker -p wa -k docker` to /etc/audit/rules.d/docker.rules, load it with \
        `augenrules --load` (or `service auditd restart`) and check `auditctl -l | grep /etc/sysconfig/docker`.",
    check,
};

const PATH: &str = "/etc/sysconfig/docker";

fn check(ctx: &Ctx) -> Outcome {
    path_watch_rule(
        ctx,
        PATH,
        "dockerd's environment file on Red Hat-family hosts",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    super::common::test_support::path_watch_fixtures(PATH, || crate::testing::file(0o644))
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn watched_passes() {
        let out = run(&RULE, &host_with(|f| put_watched(f, PATH, file(0o644))));
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, PATH);
        assert_eq!(out.reason, format!("audited: {PATH}"));
    }

    #[test]
    fn unwatched_fails() {
        let out = run(&RULE, &host_with(|f| put_unwatched(f, PATH, file(0o644))));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, format!("no audit rule watches {PATH}"));
        assert!(
            out.targets[0]
                .detail
                .contains("dockerd's environment file on Red Hat-family hosts"),
            "{out:?}"
        );
    }

    #[test]
    fn similar_file_does_not_count() {
        let out = run(
            &RULE,
            &host_with(|f| {
                put_unwatched(f, PATH, file(0o644));
                add_line(f, "-w /etc/sysconfig/docker-storage -p wa -k docker");
            }),
        );
        assert_eq!(out.status, Status::Fail);
    }

    #[test]
    fn in_a_rules_file_but_not_loaded_fails() {
        let mut f = host_with(|f| put_watched(f, PATH, file(0o644)));
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
        add_line(&mut f, "-w /etc/sysconfig/docker -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn unreadable_rules_are_an_error() {
        let mut f = host_with(|f| put_unwatched(f, PATH, file(0o644)));
        unreadable_audit_rules(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
