//! 7.03 Ensure swarm services are bound to a specific host interface.

use super::common::active_swarm;
use crate::prelude::*;
use dockguard_facts::{is_wildcard_ip, Listener};

pub static RULE: Rule = Rule {
    azure: Some("7.03"),
    cis: &["7.2"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure swarm services are bound to a specific host interface",
    section: Section::Swarm,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Swarm,
    rationale: "By default a swarm node listens for cluster management (2377/tcp) and node gossip \
        (7946/tcp+udp) on every interface, including ones facing networks that have no business reaching the \
        swarm control plane. Binding them to the cluster interface shrinks that exposure.",
    audit: "Only on nodes in swarm mode. Reads the host's listening sockets for 2377/tcp and 7946/tcp+udp and \
        fails when any is bound to a wildcard address (0.0.0.0 or ::), or when the node address docker info \
        reports is a wildcard. Finding none of these sockets on an active node is left for manual review, \
        since nothing proves how they are bound. The VXLAN data port 4789/udp is a kernel socket and is not \
        assessed.",
    impact: "The node must leave and rejoin the swarm, so its tasks are rescheduled, and re-initialising the \
        last manager discards the swarm's services, secrets and configs. Afterwards swarm traffic only works \
        over that interface: nodes or tools on other networks cannot reach it, and a changed address on it \
        (e.g. from DHCP) breaks the node's membership.",
    references: &["https://docs.docker.com/engine/network/drivers/overlay/"],
    remediation: "Re-create the node's swarm membership on a specific interface: on a manager `docker swarm \
        init --listen-addr <ip>:2377 --advertise-addr <ip>` (or `docker swarm join --listen-addr <ip>:2377 \
        --advertise-addr <ip> ...` when joining). Plan this: leaving and rejoining a swarm reschedules its \
        tasks, and the last manager leaving destroys the cluster state.",
    check,
};

/// The role of a swarm port, for evidence.
fn role(l: &Listener) -> Option<&'static str> {
    let tcp = l.proto.starts_with("tcp");
    let udp = l.proto.starts_with("udp");
    match l.port {
        2377 if tcp => Some("swarm cluster management"),
        7946 if tcp || udp => Some("swarm node gossip"),
        _ => None,
    }
}

fn endpoint(l: &Listener) -> String {
    if l.addr.contains(':') {
        format!("{} [{}]:{}", l.proto, l.addr, l.port)
    } else {
        format!("{} {}:{}", l.proto, l.addr, l.port)
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match active_swarm(ctx) {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    let listeners = match ctx.facts.listeners.as_result() {
        Ok(l) => l,
        Err(e) => {
            return Outcome::error(format!(
                "the host's listening sockets could not be read: {e}"
            ))
        }
    };
    let mut targets: Vec<Target> = listeners
        .iter()
        .filter_map(|l| role(l).map(|r| (l, r)))
        .map(|(l, r)| {
            let (status, detail) = if l.is_wildcard() {
                (
                    Status::Fail,
                    format!(
                        "{}/{} bound to every interface ({})",
                        l.port, l.proto, l.addr
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("{}/{} bound to {}", l.port, l.proto, l.addr),
                )
            };
            Target::new(TargetKind::Swarm, endpoint(l), r, status, detail)
        })
        .collect();
    let found = !targets.is_empty();
    let addr = swarm.node_addr.as_deref().unwrap_or("").trim();
    if !addr.is_empty() {
        let (status, detail) = if is_wildcard_ip(addr) {
            (
                Status::Fail,
                format!("Swarm.NodeAddr={addr} is a wildcard address"),
            )
        } else {
            (Status::Pass, format!("Swarm.NodeAddr={addr}"))
        };
        targets.push(Target::new(
            TargetKind::Swarm,
            "node-addr",
            "swarm node address",
            status,
            detail,
        ));
    }
    if !found && !targets.iter().any(|t| t.status == Status::Fail) {
        return Outcome::manual(
            "swarm mode is active but nothing listens on 2377/tcp or 7946 in the host network namespace; check \
             `ss -ltunp | grep -E ':(2377|7946)'` by hand",
        )
        .with_targets(targets);
    }
    Outcome::aggregate(targets, "swarm endpoint", "no swarm endpoints found")
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::Fact;
    use tests::{l, manager_with};
    vec![
        Fixture::pass(
            "swarm ports on the cluster interface",
            manager_with(vec![
                l("tcp", "10.0.0.5", 2377),
                l("tcp", "10.0.0.5", 7946),
                l("udp", "10.0.0.5", 7946),
            ]),
        ),
        Fixture::fail(
            "management port on every interface",
            manager_with(vec![l("tcp6", "::", 2377), l("udp", "10.0.0.5", 7946)]),
        ),
        Fixture::fail(
            "gossip port on every interface",
            manager_with(vec![l("tcp", "10.0.0.5", 2377), l("udp", "0.0.0.0", 7946)]),
        ),
        Fixture::fail("wildcard node address", {
            let mut f = manager_with(vec![]);
            docker_mut(&mut f).info.swarm.as_mut().unwrap().node_addr = Some("0.0.0.0".into());
            f
        }),
        Fixture::manual(
            "no swarm listeners visible",
            manager_with(vec![l("tcp", "0.0.0.0", 22)]),
        ),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::error("listening sockets unreadable", {
            let mut f = manager_with(vec![]);
            f.listeners = Fact::Error("cannot read /proc/1/net/tcp".into());
            f
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::make_manager;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts};

    pub(super) fn l(proto: &str, addr: &str, port: u16) -> Listener {
        Listener {
            proto: proto.into(),
            addr: addr.into(),
            port,
        }
    }

    pub(super) fn manager_with(listeners: Vec<Listener>) -> Facts {
        let mut f = compliant_host();
        make_manager(&mut f);
        f.listeners = Fact::Ok(listeners);
        f
    }

    #[test]
    fn inactive_swarm_is_not_applicable() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
    }

    #[test]
    fn specific_binds_pass() {
        let f = manager_with(vec![
            l("tcp", "10.0.0.5", 2377),
            l("tcp", "10.0.0.5", 7946),
            l("udp", "10.0.0.5", 7946),
            l("tcp", "0.0.0.0", 22),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets.len(), 4);
    }

    #[test]
    fn wildcard_management_port_fails() {
        let f = manager_with(vec![l("tcp6", "::", 2377), l("udp", "10.0.0.5", 7946)]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        let bad = out.failing().next().unwrap();
        assert_eq!(bad.id, "tcp6 [::]:2377");
        assert!(bad.detail.contains("every interface"));
    }

    #[test]
    fn wildcard_gossip_port_fails() {
        let f = manager_with(vec![l("tcp", "10.0.0.5", 2377), l("udp", "0.0.0.0", 7946)]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn wildcard_node_addr_fails() {
        let mut f = manager_with(vec![]);
        docker_mut(&mut f).info.swarm.as_mut().unwrap().node_addr = Some("0.0.0.0".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().id, "node-addr");
    }

    #[test]
    fn no_swarm_listeners_is_manual() {
        let f = manager_with(vec![l("tcp", "0.0.0.0", 22)]);
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn unreadable_listeners_or_state_is_error() {
        let mut f = manager_with(vec![]);
        f.listeners = Fact::Error("cannot read /proc/1/net/tcp".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        docker_mut(&mut f).info.swarm.as_mut().unwrap().state = Some(String::new());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
