//! CIS 7.6 Ensure that the swarm manager auto-lock key is rotated periodically.

use super::common::{active_swarm, swarm_target};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["7.6"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that the swarm manager auto-lock key is rotated periodically",
    section: Section::Swarm,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Swarm,
    rationale: "The unlock key decrypts every manager's Raft store and TLS key. A key that never changes \
        stays valid in every place it was ever pasted (tickets, chat, old vault entries, departed admins' \
        notes); rotating it limits how long a leaked copy is useful.",
    audit: "Docker keeps no record of when the unlock key was last rotated, so on a manager with auto-lock on \
        this always asks for a manual review against your rotation records. Not applicable when swarm mode \
        is off, on workers (the key protects managers), and when auto-lock is off (7.5 covers that: there is \
        no key to rotate). An error when a manager does not report its auto-lock setting.",
    impact: "No effect on running workloads; the cost is operational. Each rotation has to be recorded and \
        the new key distributed, and the old key kept until every manager has been unlocked with the new \
        one, or a manager that was down may stay locked.",
    references: &["https://docs.docker.com/engine/swarm/swarm_manager_locking/"],
    remediation: "On a manager run `docker swarm unlock-key --rotate`, store the new key in your vault with the \
        date, and keep the previous key until every manager has been restarted or unlocked with the new one \
        (a manager that was down during the rotation may still ask for the old key). Record each rotation and \
        schedule the next one according to your policy.",
    check,
};

const STEPS: &str = "check your records for the last `docker swarm unlock-key --rotate`; if it is older than \
    your policy allows (or unknown), rotate the key on a manager and store the new one in your vault";

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match active_swarm(ctx) {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    let target = |detail: &str| swarm_target(swarm, "auto-lock key", Status::Manual, detail);
    if swarm.state.as_deref() == Some("locked") {
        return Outcome::manual(format!("auto-lock is on (the node is locked); {STEPS}"))
            .with_target(target("node state locked: waiting for the unlock key"));
    }
    if swarm.is_manager.is_none() {
        return Outcome::error(
            "whether this node is a swarm manager is unknown (Swarm.ControlAvailable not returned)",
        );
    }
    if swarm.is_manager == Some(false) {
        return Outcome::not_applicable(
            "this node is a swarm worker; the unlock key protects manager nodes",
        );
    }
    match swarm.autolock_managers {
        None => Outcome::error("this manager did not report the swarm's auto-lock setting"),
        Some(false) => Outcome::not_applicable(
            "auto-lock is off, so there is no unlock key to rotate (see 7.5)",
        ),
        Some(true) => Outcome::manual(format!("auto-lock is on; {STEPS}")).with_target(target(
            "AutoLockManagers=true; Docker does not record key rotations",
        )),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    vec![
        Fixture::manual("manager with auto-lock on", host_with(make_manager)),
        Fixture::manual("locked manager", host_with(make_locked)),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable("worker", host_with(make_worker)),
        Fixture::not_applicable(
            "auto-lock off",
            host_with(|f| {
                make_manager(f);
                docker_mut(f).info.swarm.as_mut().unwrap().autolock_managers = Some(false);
            }),
        ),
        Fixture::error(
            "auto-lock setting not reported",
            host_with(|f| {
                make_manager(f);
                docker_mut(f).info.swarm.as_mut().unwrap().autolock_managers = None;
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn autolock_on_is_manual() {
        let out = run(&RULE, &host_with(make_manager));
        assert_eq!(out.status, Status::Manual);
        assert!(out.reason.contains("unlock-key --rotate"));
        assert_eq!(run(&RULE, &host_with(make_locked)).status, Status::Manual);
    }

    #[test]
    fn not_applicable_cases() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
        assert_eq!(
            run(&RULE, &host_with(make_worker)).status,
            Status::NotApplicable
        );
        let f = host_with(|f| {
            make_manager(f);
            docker_mut(f).info.swarm.as_mut().unwrap().autolock_managers = Some(false);
        });
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreported_setting_is_error() {
        let f = host_with(|f| {
            make_manager(f);
            docker_mut(f).info.swarm.as_mut().unwrap().autolock_managers = None;
        });
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
