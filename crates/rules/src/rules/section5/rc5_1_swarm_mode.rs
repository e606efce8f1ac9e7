//! CIS 5.1 Ensure swarm mode is not Enabled, if not needed.

use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.1"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure swarm mode is not Enabled, if not needed",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Swarm,
    rationale: "A node in swarm mode listens for cluster management (2377/tcp), gossip (7946/tcp+udp) and \
        overlay traffic (4789/udp), holds swarm certificates and, on managers, the Raft store with every \
        secret. On a host that runs plain containers these are open doors nobody watches.",
    audit: "Reads Swarm.LocalNodeState from docker info. Passes when it is `inactive`. Any other state \
        (`active`, `pending`, `locked`, `error`) means swarm mode is on and is reported as manual: whether the \
        host is meant to be a swarm node is a deployment decision that the facts cannot make. The evidence \
        shows the node's role and the cluster size. An unreported state is an error.",
    impact: "Leaving the swarm stops the node's tasks (the swarm reschedules them elsewhere if it can), removes \
        its access to swarm secrets and configs, and on a manager can cost the cluster its quorum unless it is \
        demoted first. Hosts that are meant to be swarm nodes only need that decision recorded.",
    references: &["https://docs.docker.com/engine/swarm/how-swarm-mode-works/pki/"],
    remediation: "If the host is not meant to be a swarm node, leave the swarm: `docker swarm leave` on a \
        worker, `docker swarm leave --force` on the last manager (on a manager of a larger swarm, first demote \
        it with `docker node demote <node>` from another manager). Then close 2377, 7946 and 4789 in the host \
        firewall.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match ctx.docker().and_then(|d| Ok(d.info.swarm()?)) {
        Ok(s) => s,
        Err(e) => return Outcome::error(e),
    };
    let state = match swarm.state() {
        Ok(s) if !s.trim().is_empty() => s.trim(),
        _ => return Outcome::error("docker info did not report the swarm state"),
    };
    let target = |status, detail: String| {
        let id = match swarm.node_id.as_deref() {
            Some(id) if !id.is_empty() => id,
            _ => "swarm",
        };
        Target::new(TargetKind::Swarm, id, "swarm mode", status, detail)
    };
    if !matches!(state, "active" | "locked" | "pending" | "error") {
        return Outcome::pass("swarm mode is not enabled")
            .with_target(target(Status::Pass, format!("LocalNodeState={state}")));
    }
    let role = match swarm.is_manager {
        Some(true) => "manager",
        Some(false) => "worker",
        None => "manager or worker (unknown)",
    };
    let mut detail = format!("LocalNodeState={state}; this node is a {role}");
    if let (Some(m), Some(n)) = (swarm.managers, swarm.nodes) {
        let plural = |k: u64| if k == 1 { "" } else { "s" };
        detail.push_str(&format!(
            " in a swarm of {n} node{} ({m} manager{})",
            plural(n),
            plural(m)
        ));
    }
    Outcome::manual(format!(
        "swarm mode is enabled (node {role}); confirm this host is meant to be a swarm node"
    ))
    .with_target(target(Status::Manual, detail))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("swarm inactive", compliant_host()),
        Fixture::manual(
            "swarm worker",
            host_with(|f| docker_mut(f).info.swarm.as_mut().unwrap().state = Some("active".into())),
        ),
        Fixture::manual(
            "locked manager",
            host_with(|f| {
                let s = docker_mut(f).info.swarm.as_mut().unwrap();
                s.state = Some("locked".into());
                s.is_manager = Some(true);
            }),
        ),
        Fixture::error(
            "swarm state not reported",
            host_with(|f| docker_mut(f).info.swarm.as_mut().unwrap().state = Some(String::new())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn inactive_swarm_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "LocalNodeState=inactive");
    }

    #[test]
    fn active_swarm_needs_confirmation() {
        let mut f = compliant_host();
        let s = docker_mut(&mut f).info.swarm.as_mut().unwrap();
        s.state = Some("active".into());
        s.node_id = Some("n1".into());
        s.is_manager = Some(true);
        s.managers = Some(1);
        s.nodes = Some(3);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "LocalNodeState=active; this node is a manager in a swarm of 3 nodes (1 manager)"
        );
    }

    #[test]
    fn locked_and_pending_count_as_enabled() {
        for state in ["locked", "pending", "error"] {
            let mut f = compliant_host();
            docker_mut(&mut f).info.swarm.as_mut().unwrap().state = Some(state.into());
            assert_eq!(run(&RULE, &f).status, Status::Manual, "{state}");
        }
    }

    #[test]
    fn unknown_state_is_an_error() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.swarm.as_mut().unwrap().state = Some(String::new());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let mut f = compliant_host();
        f.docker = dockguard_facts::Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
