//! 1.13 Ensure auditing is configured for Docker files and directories - /usr/bin/docker-runc.

use super::common::{watch_rule, Watch};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("1.13"),
    cis: &["1.1.18"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure auditing is configured for Docker files and directories - /usr/bin/docker-runc",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "runc creates every container's namespaces and cgroups as root; a tampered runc compromises \
        every container it starts and the host with it. Changes to the binary should be recorded.",
    audit: "Looks at /usr/bin/docker-runc (the name in old Docker packages, as in Azure's text) and \
        /usr/bin/runc (current packages, CIS 1.6). Each of the two that exists needs a loaded audit rule whose \
        path is exactly that binary (`auditctl -l`; a watch only in the rules files is `manual`). Not applicable when neither exists.",
    impact: "A watch without a `-p` filter also records executions, and runc is executed for every container \
        create, start, kill, delete and `docker exec`, so audit volume grows with container churn. Use `-p \
        wa` to record only changes to the binary if that volume is a problem.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /usr/bin/runc -k docker` (and `-w /usr/bin/docker-runc -k docker` on old installs) \
        to /etc/audit/rules.d/docker.rules, load it with `augenrules --load` (or `service auditd restart`) and \
        check `auditctl -l | grep runc`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    watch_rule(
        ctx,
        &[
            Watch::new(
                "/usr/bin/docker-runc",
                "runc as old Docker packages name it (Azure)",
            ),
            Watch::new(
                "/usr/bin/runc",
                "runc as current packages name it (CIS 1.6)",
            ),
        ],
        "neither /usr/bin/docker-runc nor /usr/bin/runc",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};
    vec![
        Fixture::pass("both names watched", compliant_host()),
        Fixture::pass(
            "current install, runc watched",
            host_with(|f| {
                f.files
                    .insert("/usr/bin/docker-runc".into(), FileFact::Missing);
            }),
        ),
        Fixture::fail(
            "runc unwatched, a lookalike watched",
            host_with(|f| {
                f.files
                    .insert("/usr/bin/docker-runc".into(), FileFact::Missing);
                drop_watch(f, "/usr/bin/runc");
                add_line(f, "-w /usr/bin/runc.amd64 -k docker");
            }),
        ),
        Fixture::fail(
            "in a rules file but not loaded",
            host_with(|f| {
                let lines = file_lines(f)
                    .into_iter()
                    .filter(|l| !l.contains("/usr/bin/runc "))
                    .collect();
                f.audit.loaded = Some(Fact::Ok(lines));
            }),
        ),
        Fixture::not_applicable(
            "neither binary",
            host_with(|f| {
                f.files
                    .insert("/usr/bin/docker-runc".into(), FileFact::Missing);
                f.files.insert("/usr/bin/runc".into(), FileFact::Missing);
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

    fn current_install() -> dockguard_facts::Facts {
        let mut f = compliant_host();
        f.files
            .insert("/usr/bin/docker-runc".into(), FileFact::Missing);
        f
    }

    #[test]
    fn watched_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
        let out = run(&RULE, &current_install());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].id, "/usr/bin/runc");
    }

    #[test]
    fn unwatched_fails() {
        let mut f = current_install();
        drop_watch(&mut f, "/usr/bin/runc");
        add_line(&mut f, "-w /usr/bin/runc.amd64 -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = current_install();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains("/usr/bin/runc "))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("not loaded"));
    }

    #[test]
    fn neither_binary_is_not_applicable() {
        let mut f = current_install();
        f.files.insert("/usr/bin/runc".into(), FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
