//! 1.12 Ensure auditing is configured for Docker files and directories - /usr/bin/docker-containerd.

use super::common::{watch_rule, Watch};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("1.12"),
    cis: &["1.1.14"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - /usr/bin/docker-containerd",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "dockerd hands every container to containerd, which runs as root. A replaced containerd binary \
        sees and controls every container, so changes to it should be recorded.",
    audit: "Looks at /usr/bin/docker-containerd (the name in old Docker packages, as in Azure's text) and \
        /usr/bin/containerd (current packages, CIS 1.6). Each of the two that exists needs a loaded audit rule \
        whose path is exactly that binary (`auditctl -l`; a watch only in the rules files is `manual`); a rule for containerd-shim \
        does not count. Not applicable when neither exists.",
    impact: "Negligible: the binary changes only on package upgrades and is executed when containerd starts, \
        so the watch adds a few records per upgrade or restart. Nothing changes for running containers.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /usr/bin/containerd -k docker` (and `-w /usr/bin/docker-containerd -k docker` on \
        old installs) to /etc/audit/rules.d/docker.rules, load it with `augenrules --load` (or `service auditd \
        restart`) and check `auditctl -l | grep containerd`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    watch_rule(
        ctx,
        &[
            Watch::new(
                "/usr/bin/docker-containerd",
                "containerd as old Docker packages name it (Azure)",
            ),
            Watch::new(
                "/usr/bin/containerd",
                "containerd as current packages name it (CIS 1.6)",
            ),
        ],
        "neither /usr/bin/docker-containerd nor /usr/bin/containerd",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("both names watched", compliant_host()),
        Fixture::pass(
            "current install, containerd watched",
            host_with(|f| {
                f.files
                    .insert("/usr/bin/docker-containerd".into(), FileFact::Missing);
            }),
        ),
        Fixture::fail(
            "only a shim watched",
            host_with(|f| {
                f.files
                    .insert("/usr/bin/docker-containerd".into(), FileFact::Missing);
                drop_watch(f, "/usr/bin/containerd");
                add_line(f, "-w /usr/bin/containerd-shim-runc-v2 -k docker");
            }),
        ),
        Fixture::fail(
            "old name present and unwatched",
            host_with(|f| drop_watch(f, "/usr/bin/docker-containerd")),
        ),
        Fixture::not_applicable(
            "neither binary",
            host_with(|f| {
                f.files
                    .insert("/usr/bin/docker-containerd".into(), FileFact::Missing);
                f.files
                    .insert("/usr/bin/containerd".into(), FileFact::Missing);
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
            .insert("/usr/bin/docker-containerd".into(), FileFact::Missing);
        f
    }

    #[test]
    fn watched_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
        let out = run(&RULE, &current_install());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets.len(), 1);
        assert_eq!(out.targets[0].id, "/usr/bin/containerd");
    }

    #[test]
    fn shim_rule_does_not_count() {
        let mut f = current_install();
        drop_watch(&mut f, "/usr/bin/containerd");
        add_line(&mut f, "-w /usr/bin/containerd-shim-runc-v2 -k docker");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "no audit rule watches /usr/bin/containerd");
    }

    #[test]
    fn old_name_unwatched_fails_when_present() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/usr/bin/docker-containerd");
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = current_install();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains("/usr/bin/containerd "))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn neither_binary_is_not_applicable() {
        let mut f = current_install();
        f.files
            .insert("/usr/bin/containerd".into(), FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
