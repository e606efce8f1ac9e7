//! 3.01 Ensure that docker.service file ownership is set to root:root.

use super::common::{service_unit, NO_SERVICE_UNIT};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.01"),
    cis: &["3.1"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that docker.service file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "The docker.service unit decides how dockerd is started: its binary, flags and environment. \
        Whoever owns the file can rewrite it and have their own command run as root at the next daemon \
        restart, so only root may own it.",
    audit: "Stats the docker.service unit file systemd actually loads (its FragmentPath, wherever it lives). \
        Passes when the owner is uid 0 and the group gid 0, whatever names the host gives them. Not \
        applicable when there is no docker.service unit.",
    impact: "None for the daemon or containers: systemd reads the unit as root. A non-root account that used \
        to edit the unit directly now has to go through root (sudo or configuration management).",
    references: &[],
    remediation: "Find the file with `systemctl show -p FragmentPath docker.service`, then run \
        `chown root:root <that path>` (for example `chown root:root /lib/systemd/system/docker.service`).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(ctx, service_unit(ctx), Owner::RootRoot, NO_SERVICE_UNIT)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::Fact;
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::pass(
            "uid 0 gid 0 under another group name",
            host_with(|f| set_owner(f, SERVICE, 0, None, 0, Some("wheel"))),
        ),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, SERVICE, 1000, Some("app"), 1000, Some("app"))),
        ),
        Fixture::fail(
            "non-root group",
            host_with(|f| set_owner(f, SERVICE, 0, Some("root"), 1000, Some("app"))),
        ),
        Fixture::not_applicable(
            "no docker.service unit",
            host_with(|f| f.units.docker_service = Fact::Ok(None)),
        ),
        Fixture::error(
            "unit location unknown",
            host_with(|f| f.units.docker_service = Fact::Error("systemctl not available".into())),
        ),
        Fixture::error(
            "unit unreadable",
            host_with(|f| set(f, SERVICE, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Fact;

    #[test]
    fn root_owned_unit_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].id, SERVICE);
        assert_eq!(out.targets[0].detail, "owner root:root");
    }

    #[test]
    fn root_ids_pass_whatever_their_names() {
        let mut f = compliant_host();
        set_owner(&mut f, SERVICE, 0, None, 0, Some("wheel"));
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn user_owned_unit_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SERVICE, 1000, Some("app"), 1000, Some("app"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:app (uid 1000, gid 1000), expected root:root"
        );
    }

    #[test]
    fn numeric_only_owner_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SERVICE, 1234, None, 0, Some("root"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0]
            .detail
            .starts_with("owner 1234:root (uid 1234, gid 0)"));
    }

    #[test]
    fn non_root_group_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SERVICE, 0, Some("root"), 1000, Some("app"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn no_unit_is_not_applicable() {
        let mut f = compliant_host();
        f.units.docker_service = Fact::Ok(None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_SERVICE_UNIT);
    }

    #[test]
    fn unit_listed_but_file_missing_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, SERVICE, dockguard_facts::FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_unit_location_is_an_error() {
        let mut f = compliant_host();
        f.units.docker_service = Fact::Error("systemctl not available".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("systemctl not available"));
    }

    #[test]
    fn unreadable_or_uncollected_unit_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, SERVICE, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.units.docker_service = Fact::Ok(Some("/etc/systemd/system/docker.service".into()));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.targets[0].detail.contains("was not collected"));
    }
}
