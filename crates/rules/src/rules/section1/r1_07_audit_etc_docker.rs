//! 1.07 Ensure auditing is configured for Docker files and directories - /etc/docker.

use super::common::{watch_rule, Watch};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("1.07"),
    cis: &["1.1.6"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - /etc/docker",
    section: Section::Host,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Host,
    rationale: "/etc/docker holds daemon.json, the TLS keys and certificates of the daemon and the registry \
        CA certificates. Quietly swapping a key or loosening the daemon configuration there should leave an \
        audit trail.",
    audit: "Requires a loaded audit rule whose path is exactly /etc/docker (`auditctl -l`; a watch only in the rules files is `manual`): `-w /etc/docker` or `-a always,exit -F dir=/etc/docker`. A rule for a file inside it (such as \
        daemon.json) does not count. Not applicable when /etc/docker does not exist.",
    impact: "Little extra audit volume: the directory is read when the daemon starts or reloads and written \
        when administrators change the configuration, keys or registry certificates. Package upgrades and \
        certificate renewals add expected records that reviewers must tell apart from tampering.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /etc/docker -k docker` to /etc/audit/rules.d/docker.rules, load it with \
        `augenrules --load` (or `service auditd restart`) and check `auditctl -l | grep /etc/docker`.",
    check,
};

const PATH: &str = "/etc/docker";

fn check(ctx: &Ctx) -> Outcome {
    watch_rule(ctx, &[Watch::new(PATH, "")], PATH)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("/etc/docker watched", compliant_host()),
        Fixture::pass(
            "dir= rule with a trailing slash",
            host_with(|f| {
                drop_watch(f, PATH);
                add_line(f, "-a always,exit -F dir=/etc/docker/ -F perm=wa -k docker");
            }),
        ),
        Fixture::fail(
            "only daemon.json watched",
            host_with(|f| drop_watch(f, PATH)),
        ),
        Fixture::not_applicable(
            "no /etc/docker",
            host_with(|f| {
                f.files.insert(PATH.into(), FileFact::Missing);
            }),
        ),
        Fixture::error("audit rules unreadable", host_with(unreadable_audit_rules)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn watched_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn daemon_json_watch_alone_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, PATH);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "no audit rule watches /etc/docker");
    }

    #[test]
    fn trailing_slash_and_dir_field_pass() {
        let mut f = compliant_host();
        drop_watch(&mut f, PATH);
        add_line(
            &mut f,
            "-a always,exit -F dir=/etc/docker/ -F perm=wa -k docker",
        );
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = compliant_host();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.starts_with("-w /etc/docker "))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("not loaded"));
    }

    #[test]
    fn absent_is_not_applicable() {
        let mut f = compliant_host();
        f.files.insert(PATH.into(), FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
