//! CIS 3.22 Ensure that the /etc/sysconfig/docker file ownership is set to root:root.

use super::common::{fixed, NO_SYSCONFIG_DOCKER, SYSCONFIG_DOCKER};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["3.22"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that the /etc/sysconfig/docker file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Files,
    rationale: "/etc/sysconfig/docker holds options and environment for the root daemon on Red Hat-family \
        hosts. Its owner can change its mode and rewrite it at will, which amounts to choosing how dockerd \
        runs, so the owner must be root.",
    audit: "Stats /etc/sysconfig/docker. Passes when the owner is uid 0 and the group gid 0, whatever names \
        the host gives them. Not applicable when the file does not exist (most non-Red Hat hosts).",
    impact: "None for the daemon: the service reads the file as root. A non-root account that maintained it \
        loses the ability to change daemon options or proxy settings without root.",
    references: &[],
    remediation: "Run `chown root:root /etc/sysconfig/docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(
        ctx,
        fixed(SYSCONFIG_DOCKER),
        Owner::RootRoot,
        NO_SYSCONFIG_DOCKER,
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    let present = |f: &mut dockguard_facts::Facts| set(f, SYSCONFIG_DOCKER, file(0o644));
    vec![
        Fixture::pass("root:root", host_with(present)),
        Fixture::fail(
            "owned by a user",
            host_with(|f| {
                present(f);
                set_owner(f, SYSCONFIG_DOCKER, 1000, Some("app"), 0, Some("root"));
            }),
        ),
        Fixture::fail(
            "group wheel",
            host_with(|f| {
                present(f);
                set_owner(f, SYSCONFIG_DOCKER, 0, Some("root"), 10, Some("wheel"));
            }),
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

    fn with_sysconfig() -> dockguard_facts::Facts {
        let mut f = compliant_host();
        set(&mut f, SYSCONFIG_DOCKER, file(0o644));
        f
    }

    #[test]
    fn root_owned_file_passes() {
        let out = run(&RULE, &with_sysconfig());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "owner root:root");
    }

    #[test]
    fn user_owned_file_fails() {
        let mut f = with_sysconfig();
        set_owner(&mut f, SYSCONFIG_DOCKER, 1000, Some("app"), 0, Some("root"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:root (uid 1000, gid 0), expected root:root"
        );
    }

    #[test]
    fn non_root_group_fails() {
        let mut f = with_sysconfig();
        set_owner(&mut f, SYSCONFIG_DOCKER, 0, Some("root"), 10, Some("wheel"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn absent_file_is_not_applicable() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_or_uncollected_file_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, SYSCONFIG_DOCKER, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(SYSCONFIG_DOCKER);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
