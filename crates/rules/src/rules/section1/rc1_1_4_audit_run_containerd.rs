//! CIS 1.1.4 Ensure auditing is configured for Docker files and directories - /run/containerd.

use super::common::path_watch_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["1.1.4"],
    profiles: CIS_ONLY,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - /run/containerd",
    section: Section::Host,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Host,
    rationale: "containerd keeps its API socket, the shims' sockets and the OCI bundle of every running \
        container (config.json, the root filesystem mount) under /run/containerd. Editing a bundle or planting \
        a socket there changes how containers run without going through dockerd, so writes there should leave \
        an audit record.",
    audit: "Requires a loaded audit rule whose path is exactly /run/containerd (`auditctl -l`; a watch only in the rules files is `manual`): `-w /run/containerd` or `-a always,exit -F path=/run/containerd`. A rule for a path \
        inside it (such as containerd.sock) does not count; a watch on /var/run/containerd does, as it is \
        the same directory. Not applicable when /run/containerd does not exist; an error when the collector \
        has no stat of it and no rule watches it.",
    impact: "Each container start and stop creates and removes its bundle, shim socket and fifos under \
        /run/containerd, so audit volume grows with container churn; on hosts with short-lived containers or \
        frequent health-check execs this is noticeable. Nothing changes for the containers themselves.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /run/containerd -p wa -k docker` to /etc/audit/rules.d/docker.rules, load it with \
        `augenrules --load` (or `service auditd restart`) and check `auditctl -l | grep /run/containerd`.",
    check,
};

const PATH: &str = "/run/containerd";

fn check(ctx: &Ctx) -> Outcome {
    path_watch_rule(
        ctx,
        PATH,
        "containerd's runtime state: its sockets and the bundles of running tasks",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    super::common::test_support::path_watch_fixtures(PATH, || crate::testing::dir(0o711))
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn watched_passes() {
        let out = run(&RULE, &host_with(|f| put_watched(f, PATH, dir(0o711))));
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, PATH);
        assert_eq!(out.reason, format!("audited: {PATH}"));
    }

    #[test]
    fn unwatched_fails() {
        let out = run(&RULE, &host_with(|f| put_unwatched(f, PATH, dir(0o711))));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, format!("no audit rule watches {PATH}"));
        assert!(
            out.targets[0].detail.contains(
                "containerd's runtime state: its sockets and the bundles of running tasks"
            ),
            "{out:?}"
        );
    }

    #[test]
    fn watch_inside_does_not_count() {
        let out = run(
            &RULE,
            &host_with(|f| {
                put_unwatched(f, PATH, dir(0o711));
                add_line(f, "-w /run/containerd/containerd.sock -p wa -k docker");
            }),
        );
        assert_eq!(out.status, Status::Fail);
    }

    #[test]
    fn var_run_alias_counts() {
        let out = run(
            &RULE,
            &host_with(|f| {
                put_unwatched(f, PATH, dir(0o711));
                add_line(f, "-w /var/run/containerd -p wa -k docker");
            }),
        );
        assert_eq!(out.status, Status::Pass, "{out:?}");
    }

    #[test]
    fn in_a_rules_file_but_not_loaded_fails() {
        let mut f = host_with(|f| put_watched(f, PATH, dir(0o711)));
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
        add_line(&mut f, "-w /run/containerd -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn unreadable_rules_are_an_error() {
        let mut f = host_with(|f| put_unwatched(f, PATH, dir(0o711)));
        unreadable_audit_rules(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
