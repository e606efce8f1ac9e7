//! CIS 7.8 Ensure that CA certificates are rotated as appropriate.

use super::common::{active_swarm, swarm_target};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["7.8"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that CA certificates are rotated as appropriate",
    section: Section::Swarm,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Swarm,
    rationale: "The swarm root CA signs every node certificate. Its key sits on every manager (in the Raft \
        store and on disk), so a leaked manager backup or a compromised former manager can mint node \
        certificates until the CA itself is replaced. Rotating it on a schedule, and after any manager \
        compromise, bounds that window.",
    audit: "The facts do not include the root CA certificate's age, so on managers this always asks for a \
        manual review against your rotation policy, and shows whether a root CA rotation is in progress \
        (Swarm.Cluster.RootRotationInProgress). Not applicable when swarm mode is off, and on workers (only \
        managers see the CA configuration).",
    impact: "Running tasks are not interrupted, but every node must fetch a new certificate, and the \
        rotation stays in progress until unreachable nodes come back or are removed. Once it completes the \
        join tokens change, so scripts and automation that add nodes need the new tokens.",
    references: &["https://docs.docker.com/engine/swarm/how-swarm-mode-works/pki/"],
    remediation: "On a manager, check when the current root CA was issued: `docker swarm ca | openssl x509 \
        -noout -subject -dates`. Rotate it with `docker swarm ca --rotate` (or `--ca-cert`/`--ca-key` for an \
        external CA) as often as your policy says and after any manager is compromised, then wait until \
        `docker info --format '{{.Swarm.Cluster.RootRotationInProgress}}'` reports false: every node then holds \
        a certificate from the new CA.",
    check,
};

const STEPS: &str =
    "check when the swarm root CA was issued (`docker swarm ca | openssl x509 -noout \
    -dates`) against your policy, and rotate it with `docker swarm ca --rotate` when due";

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match active_swarm(ctx) {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    if swarm.state.as_deref() == Some("locked") {
        return Outcome::manual(format!(
            "unlock this manager (`docker swarm unlock`), then {STEPS}"
        ))
        .with_target(swarm_target(
            swarm,
            "swarm root CA",
            Status::Manual,
            "node state locked: the CA configuration cannot be read",
        ));
    }
    if swarm.is_manager.is_none() {
        return Outcome::error(
            "whether this node is a swarm manager is unknown (Swarm.ControlAvailable not returned)",
        );
    }
    if swarm.is_manager == Some(false) {
        return Outcome::not_applicable(
            "this node is a swarm worker; the CA configuration is only visible on managers",
        );
    }
    let detail = match swarm.root_rotation_in_progress {
        Some(true) => "RootRotationInProgress=true: a root CA rotation is under way",
        Some(false) => "RootRotationInProgress=false",
        None => "RootRotationInProgress not reported",
    };
    Outcome::manual(STEPS.to_string()).with_target(swarm_target(
        swarm,
        "swarm root CA",
        Status::Manual,
        detail,
    ))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    vec![
        Fixture::manual("manager", host_with(make_manager)),
        Fixture::manual(
            "manager during a root rotation",
            host_with(|f| {
                make_manager(f);
                docker_mut(f)
                    .info
                    .swarm
                    .as_mut()
                    .unwrap()
                    .root_rotation_in_progress = Some(true);
            }),
        ),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable("worker", host_with(make_worker)),
        Fixture::error(
            "swarm state unknown",
            host_with(|f| docker_mut(f).info.swarm.as_mut().unwrap().state = Some(String::new())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn managers_are_manual_with_rotation_state() {
        let out = run(&RULE, &host_with(make_manager));
        assert_eq!(out.status, Status::Manual);
        assert!(out.reason.contains("docker swarm ca --rotate"));
        assert_eq!(out.targets[0].detail, "RootRotationInProgress=false");
        let f = host_with(|f| {
            make_manager(f);
            docker_mut(f)
                .info
                .swarm
                .as_mut()
                .unwrap()
                .root_rotation_in_progress = Some(true);
        });
        assert!(run(&RULE, &f).targets[0].detail.contains("under way"));
        assert_eq!(run(&RULE, &host_with(make_locked)).status, Status::Manual);
    }

    #[test]
    fn not_applicable_off_swarm_and_on_workers() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
        assert_eq!(
            run(&RULE, &host_with(make_worker)).status,
            Status::NotApplicable
        );
    }

    #[test]
    fn unknown_swarm_state_is_error() {
        let f =
            host_with(|f| docker_mut(f).info.swarm.as_mut().unwrap().state = Some(String::new()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
