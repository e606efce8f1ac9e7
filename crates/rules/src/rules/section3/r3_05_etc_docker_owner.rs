//! 3.05 Ensure that /etc/docker directory ownership is set to root:root.

use super::common::{fixed, ETC_DOCKER};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.05"),
    cis: &["3.5"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that /etc/docker directory ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "/etc/docker holds daemon.json, the TLS keys and the registry certificates. The owner of the \
        directory can replace any of them (rename and recreate), so a non-root owner can reconfigure the daemon \
        or swap its certificates.",
    audit: "Stats /etc/docker. Passes when the owner is uid 0 and the group gid 0. Not applicable when the \
        directory does not exist.",
    impact: "None for the daemon, which reads /etc/docker as root. Tools or accounts that managed files \
        there without root (for example a deploy user pushing certificates) must write through sudo or run \
        as root.",
    references: &[],
    remediation: "Run `chown root:root /etc/docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(
        ctx,
        fixed(ETC_DOCKER),
        Owner::RootRoot,
        "/etc/docker does not exist",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::fail(
            "non-root group",
            host_with(|f| set_owner(f, ETC_DOCKER, 0, Some("root"), 1000, Some("app"))),
        ),
        Fixture::fail(
            "unnamed uid/gid 1000",
            host_with(|f| set_owner(f, ETC_DOCKER, 1000, None, 1000, None)),
        ),
        Fixture::not_applicable(
            "no /etc/docker",
            host_with(|f| set(f, ETC_DOCKER, FileFact::Missing)),
        ),
        Fixture::error(
            "not collected",
            host_with(|f| {
                f.files.remove(ETC_DOCKER);
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
    fn root_owned_directory_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn non_root_group_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, ETC_DOCKER, 0, Some("root"), 1000, Some("app"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner root:app (uid 0, gid 1000), expected root:root"
        );
    }

    #[test]
    fn numeric_only_owner_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, ETC_DOCKER, 1000, None, 1000, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner 1000:1000 (uid 1000, gid 1000), expected root:root"
        );
    }

    #[test]
    fn missing_directory_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, ETC_DOCKER, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_or_uncollected_directory_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, ETC_DOCKER, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(ETC_DOCKER);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
