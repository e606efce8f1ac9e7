//! 3.04 Ensure that docker.socket file permissions are set to 644 or more restrictive.

use super::common::{socket_unit, NO_SOCKET_UNIT};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.04"),
    cis: &["3.4"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that docker.socket file permissions are set to 644 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "A writable docker.socket unit lets a non-root user change the socket's owner, group or mode, or \
        add a listener, and so reach the Docker API. Only root should be able to write it.",
    audit: "Stats the docker.socket unit file systemd loads (FragmentPath) and compares its mode with 0644 as a \
        bitmask: any bit outside 0644 fails (0664, 0466, 0646, setuid/setgid/sticky); stricter modes pass. Not \
        applicable when there is no docker.socket unit.",
    impact: "None for the daemon or its clients, since only the unit file's mode changes, not the socket's. \
        Non-root users who adjusted SocketGroup or SocketMode by editing the unit need sudo instead.",
    references: &[
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Find the file with `systemctl show -p FragmentPath docker.socket`, then run \
        `chmod 644 <that path>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, socket_unit(ctx), 0o644, NO_SOCKET_UNIT)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};
    vec![
        Fixture::pass("mode 0644", compliant_host()),
        Fixture::fail(
            "other-writable 0646",
            host_with(|f| set_mode(f, SOCKET_UNIT, 0o646)),
        ),
        Fixture::fail(
            "0466 (numerically below 644)",
            host_with(|f| set_mode(f, SOCKET_UNIT, 0o466)),
        ),
        Fixture::not_applicable(
            "no docker.socket unit",
            host_with(|f| f.units.docker_socket = Fact::Ok(None)),
        ),
        Fixture::not_applicable(
            "unit file missing",
            host_with(|f| set(f, SOCKET_UNIT, FileFact::Missing)),
        ),
        Fixture::error(
            "unit unreadable",
            host_with(|f| set(f, SOCKET_UNIT, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn mode_644_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn other_writable_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, SOCKET_UNIT, 0o646);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0646 grants 0002 beyond 0644"
        );
    }

    #[test]
    fn mode_466_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, SOCKET_UNIT, 0o466);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn absent_unit_is_not_applicable() {
        let mut f = compliant_host();
        f.units.docker_socket = Fact::Ok(None);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        let mut f = compliant_host();
        set(&mut f, SOCKET_UNIT, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_unit_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, SOCKET_UNIT, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
