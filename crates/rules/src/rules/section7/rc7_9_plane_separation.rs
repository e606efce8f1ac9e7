//! CIS 7.9 Ensure that management plane traffic is separated from data plane traffic.

use super::common::{active_swarm, swarm_target};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["7.9"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that management plane traffic is separated from data plane traffic",
    section: Section::Swarm,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Swarm,
    rationale: "When swarm control traffic (Raft, node heartbeats, task dispatch on 2377/tcp) shares an \
        interface with container traffic (VXLAN on 4789/udp), a noisy or compromised workload can crowd out or \
        observe the control plane. Separate interfaces let each be sized, filtered and monitored on its own.",
    audit: "The data path address a node joined with is not among the facts (docker info does not report \
        it), so on every active swarm node this asks for a manual review and shows the management address \
        (Swarm.NodeAddr) and, on managers, the VXLAN data port. Not applicable when swarm mode is off.",
    impact: "Each node needs a second interface or VLAN and firewall rules for both networks. Existing nodes \
        must be drained, leave and rejoin to take the new addresses, so their tasks are rescheduled during \
        the change.",
    references: &["https://docs.docker.com/engine/network/drivers/overlay/"],
    remediation: "Give each node a separate interface for container traffic and join it with both addresses: \
        `docker swarm init --advertise-addr <mgmt-ip> --data-path-addr <data-ip>` (or `docker swarm join \
        --advertise-addr <mgmt-ip> --data-path-addr <data-ip> ...`). An existing node must leave and rejoin \
        to change them; drain it first (`docker node update --availability drain <node>`).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match active_swarm(ctx) {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    let addr = swarm.node_addr.as_deref().unwrap_or("").trim();
    let addr = if addr.is_empty() {
        "not reported".to_string()
    } else {
        addr.to_string()
    };
    let port = swarm
        .data_path_port
        .map(|p| format!("; data path port {p}/udp"))
        .unwrap_or_default();
    Outcome::manual(
        "confirm container traffic uses its own interface: compare `AdvertiseAddr` and `DataPathAddr` in \
         `<data-root>/swarm/docker-state.json` (e.g. `jq '{AdvertiseAddr, DataPathAddr}' \
         /var/lib/docker/swarm/docker-state.json`); an empty DataPathAddr or one on the management interface \
         means the planes are not separated",
    )
    .with_target(swarm_target(
        swarm,
        "management address",
        Status::Manual,
        format!("Swarm.NodeAddr={addr}{port}"),
    ))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    vec![
        Fixture::manual("manager", host_with(make_manager)),
        Fixture::manual("worker", host_with(make_worker)),
        Fixture::not_applicable("swarm inactive", compliant_host()),
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
    fn active_nodes_are_manual_with_addresses() {
        let out = run(&RULE, &host_with(make_manager));
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "Swarm.NodeAddr=10.0.0.5; data path port 4789/udp"
        );
        let out = run(&RULE, &host_with(make_worker));
        assert_eq!(out.status, Status::Manual);
        assert_eq!(out.targets[0].detail, "Swarm.NodeAddr=10.0.0.7");
    }

    #[test]
    fn inactive_is_na_and_unknown_state_is_error() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
        let f =
            host_with(|f| docker_mut(f).info.swarm.as_mut().unwrap().state = Some(String::new()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let f = host_with(|f| f.docker = dockguard_facts::Fact::Error("unreachable".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
