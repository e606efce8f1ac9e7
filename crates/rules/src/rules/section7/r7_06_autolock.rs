//! 7.06 Ensure swarm manager is run in auto-lock mode.

use super::common::active_swarm;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("7.06"),
    cis: &["7.5"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure swarm manager is run in auto-lock mode",
    section: Section::Swarm,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Swarm,
    rationale: "A manager keeps the Raft log (with the swarm's secrets and configs) and its mutual-TLS key \
        encrypted on disk, but without auto-lock the key that decrypts them sits on the same disk. With \
        auto-lock a stolen disk or backup is useless without the unlock key.",
    audit: "Only on swarm managers. Reads Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers from docker \
        info: passes when true, fails when false, and is an error when a manager does not report it. A node \
        in the `locked` state passes: it is waiting for its unlock key, which only happens with auto-lock. \
        Worker nodes are not applicable.",
    impact: "Every manager restart (reboot, daemon restart or upgrade) leaves that manager locked until \
        someone runs `docker swarm unlock` with the key, so unattended recovery stops working. If the key is \
        lost while all managers are locked, the swarm has to be rebuilt.",
    references: &["https://docs.docker.com/engine/swarm/swarm_manager_locking/"],
    remediation: "On a manager run `docker swarm update --autolock=true` (or initialise with `docker swarm init \
        --autolock`), store the printed unlock key in a password manager or vault, and unlock restarted \
        managers with `docker swarm unlock`. Rotate the key with `docker swarm unlock-key --rotate`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match active_swarm(ctx) {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    let target = |status, detail: &str| {
        Target::new(
            TargetKind::Swarm,
            swarm.node_id.clone().unwrap_or_else(|| "swarm".into()),
            "AutoLockManagers",
            status,
            detail.to_string(),
        )
    };
    if swarm.state.as_deref() == Some("locked") {
        return Outcome::pass(
            "the swarm is locked: auto-lock is on and the node waits for its unlock key",
        )
        .with_target(target(Status::Pass, "node state locked"));
    }
    if swarm.is_manager.is_none() {
        return Outcome::error(
            "whether this node is a swarm manager is unknown (Swarm.ControlAvailable not returned)",
        );
    }
    if swarm.is_manager == Some(false) {
        return Outcome::not_applicable(
            "this node is a swarm worker; auto-lock protects manager nodes",
        );
    }
    match swarm.autolock_managers {
        None => Outcome::error("this manager did not report the swarm's auto-lock setting"),
        Some(true) => Outcome::pass("swarm managers auto-lock")
            .with_target(target(Status::Pass, "AutoLockManagers=true")),
        Some(false) => Outcome::fail("swarm managers do not auto-lock")
            .with_target(target(Status::Fail, "AutoLockManagers=false")),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::make_manager;
    use crate::testing::*;
    vec![
        Fixture::pass("manager with auto-lock", host_with(make_manager)),
        Fixture::pass(
            "locked node",
            host_with(|f| {
                make_manager(f);
                let swarm = docker_mut(f).info.swarm.as_mut().unwrap();
                swarm.state = Some("locked".into());
                swarm.is_manager = Some(false);
                swarm.autolock_managers = None;
            }),
        ),
        Fixture::fail(
            "manager without auto-lock",
            host_with(|f| {
                make_manager(f);
                docker_mut(f).info.swarm.as_mut().unwrap().autolock_managers = Some(false);
            }),
        ),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable(
            "worker",
            host_with(|f| {
                make_manager(f);
                docker_mut(f).info.swarm.as_mut().unwrap().is_manager = Some(false);
            }),
        ),
        Fixture::error(
            "manager does not report auto-lock",
            host_with(|f| {
                make_manager(f);
                docker_mut(f).info.swarm.as_mut().unwrap().autolock_managers = None;
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::make_manager;
    use super::*;
    use crate::testing::*;

    #[test]
    fn inactive_swarm_is_not_applicable() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
    }

    #[test]
    fn autolock_on_passes() {
        let mut f = compliant_host();
        make_manager(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn autolock_off_fails() {
        let mut f = compliant_host();
        make_manager(&mut f);
        docker_mut(&mut f)
            .info
            .swarm
            .as_mut()
            .unwrap()
            .autolock_managers = Some(false);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "AutoLockManagers=false");
    }

    #[test]
    fn unknown_on_manager_is_error_and_worker_is_na() {
        let mut f = compliant_host();
        make_manager(&mut f);
        docker_mut(&mut f)
            .info
            .swarm
            .as_mut()
            .unwrap()
            .autolock_managers = None;
        assert_eq!(run(&RULE, &f).status, Status::Error);
        docker_mut(&mut f).info.swarm.as_mut().unwrap().is_manager = Some(false);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn locked_node_passes() {
        let mut f = compliant_host();
        make_manager(&mut f);
        let swarm = docker_mut(&mut f).info.swarm.as_mut().unwrap();
        swarm.state = Some("locked".into());
        swarm.is_manager = Some(false);
        swarm.autolock_managers = None;
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }
}
