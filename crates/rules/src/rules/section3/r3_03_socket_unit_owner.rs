//! 3.03 Ensure that docker.socket file ownership is set to root:root.

use super::common::{socket_unit, NO_SOCKET_UNIT};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.03"),
    cis: &["3.3"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that docker.socket file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "The docker.socket unit tells systemd where to create the Docker API socket and who may use it \
        (SocketUser, SocketGroup, SocketMode). Its owner can widen access to the API, which is root access \
        to the host, so only root may own it.",
    audit: "Stats the docker.socket unit file systemd loads (FragmentPath). Passes when the owner is uid 0 and \
        the group gid 0. Not applicable when there is no docker.socket unit (socket activation not used).",
    impact: "None for the daemon or its clients: systemd reads the unit as root and the socket itself is \
        unchanged. Only root can change the socket's listeners and permissions from now on.",
    references: &[
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Find the file with `systemctl show -p FragmentPath docker.socket`, then run \
        `chown root:root <that path>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(ctx, socket_unit(ctx), Owner::RootRoot, NO_SOCKET_UNIT)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::Fact;
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, SOCKET_UNIT, 1000, Some("app"), 0, Some("root"))),
        ),
        Fixture::not_applicable(
            "no docker.socket unit",
            host_with(|f| f.units.docker_socket = Fact::Ok(None)),
        ),
        Fixture::error(
            "unit location unknown",
            host_with(|f| f.units.docker_socket = Fact::Error("systemd bus unreachable".into())),
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
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn user_owned_unit_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SOCKET_UNIT, 1000, Some("app"), 0, Some("root"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:root (uid 1000, gid 0), expected root:root"
        );
    }

    #[test]
    fn no_unit_is_not_applicable() {
        let mut f = compliant_host();
        f.units.docker_socket = Fact::Ok(None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_SOCKET_UNIT);
    }

    #[test]
    fn unreadable_unit_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, SOCKET_UNIT, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.units.docker_socket = Fact::Error("systemd bus unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
