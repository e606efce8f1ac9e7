//! 1.10 Ensure auditing is configured for Docker files and directories - /etc/default/docker.

use super::common::{watch_rule, Watch};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("1.10"),
    cis: &["1.1.10"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - /etc/default/docker",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "On Debian-family hosts /etc/default/docker can feed options to dockerd (DOCKER_OPTS). A change \
        there alters the daemon at its next start, so it should be recorded.",
    audit: "Requires a loaded audit rule whose path is exactly /etc/default/docker (`auditctl -l`; a watch only in the rules files is `manual`). Not applicable when the file does not exist.",
    impact: "Negligible: the file is read at most when the daemon starts and changes only when an \
        administrator or a package upgrade edits it, so the watch produces a few records at most.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /etc/default/docker -k docker` to /etc/audit/rules.d/docker.rules, load it with \
        `augenrules --load` (or `service auditd restart`) and check `auditctl -l | grep /etc/default/docker`.",
    check,
};

const PATH: &str = "/etc/default/docker";

fn check(ctx: &Ctx) -> Outcome {
    watch_rule(ctx, &[Watch::new(PATH, "")], PATH)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};
    vec![
        Fixture::pass("/etc/default/docker watched", compliant_host()),
        Fixture::fail("unwatched", host_with(|f| drop_watch(f, PATH))),
        Fixture::fail(
            "in a rules file but not loaded",
            host_with(|f| {
                let lines = file_lines(f)
                    .into_iter()
                    .filter(|l| !l.contains(PATH))
                    .collect();
                f.audit.loaded = Some(Fact::Ok(lines));
            }),
        ),
        Fixture::not_applicable(
            "no /etc/default/docker",
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
    fn unwatched_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, PATH);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = compliant_host();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains(PATH))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn absent_file_is_not_applicable() {
        let mut f = compliant_host();
        f.files.insert(PATH.into(), FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
