//! 3.19 Ensure that /etc/default/docker file ownership is set to root:root.

use super::common::{fixed, DEFAULT_DOCKER};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.19"),
    cis: &["3.19"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that /etc/default/docker file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Files,
    rationale: "On Debian-family hosts /etc/default/docker can feed options and environment to the Docker \
        service (DOCKER_OPTS, proxies). Its owner can change how the root daemon starts, so it must be root.",
    audit: "Stats /etc/default/docker. Passes when the owner is uid 0 and the group gid 0. Not applicable when \
        the file does not exist (most non-Debian hosts).",
    impact: "None for the daemon: the file is read as root, and only by init scripts or units that reference \
        it. A non-root account that maintained DOCKER_OPTS or proxy settings there needs root to change \
        them.",
    references: &[],
    remediation: "Run `chown root:root /etc/default/docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(
        ctx,
        fixed(DEFAULT_DOCKER),
        Owner::RootRoot,
        "/etc/default/docker does not exist",
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
            "owned by a user",
            host_with(|f| set_owner(f, DEFAULT_DOCKER, 1000, Some("app"), 0, Some("root"))),
        ),
        Fixture::not_applicable(
            "no /etc/default/docker",
            host_with(|f| set(f, DEFAULT_DOCKER, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable",
            host_with(|f| set(f, DEFAULT_DOCKER, unreadable())),
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
    fn root_owned_file_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn user_owned_file_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, DEFAULT_DOCKER, 1000, Some("app"), 0, Some("root"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:root (uid 1000, gid 0), expected root:root"
        );
    }

    #[test]
    fn missing_file_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, DEFAULT_DOCKER, FileFact::Missing);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.targets[0].detail, "does not exist");
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, DEFAULT_DOCKER, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
