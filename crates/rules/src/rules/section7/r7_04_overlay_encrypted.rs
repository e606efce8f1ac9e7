//! 7.04 Ensure data exchanged between containers are encrypted on different nodes on the overlay network.

use super::common::active_swarm;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("7.04"),
    cis: &["7.3"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure data exchanged between containers are encrypted on different nodes on the overlay network",
    section: Section::Swarm,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Swarm,
    rationale: "Overlay traffic between swarm nodes travels as plain VXLAN unless the network is created \
        encrypted. Anyone on the path between the nodes can read or inject container traffic.",
    audit: "Only on nodes in swarm mode. Lists the networks this node knows whose driver is `overlay` \
        (including the built-in `ingress` routing-mesh network, unencrypted by default) and requires the \
        `encrypted` option on each; an explicit `encrypted=false` counts as unencrypted. Not applicable when \
        there are no overlay networks. A worker only sees the overlay networks its tasks use.",
    impact: "IPsec encryption costs CPU on every node and lowers overlay throughput noticeably, so load-test \
        first. Moving services to a new network restarts their tasks, rebuilding ingress needs downtime for \
        every service that publishes ports, firewalls must pass ESP (IP protocol 50), and Windows containers \
        cannot use encrypted overlays.",
    references: &["https://docs.docker.com/engine/network/drivers/overlay/"],
    remediation: "Overlay encryption cannot be switched on in place: create a new network with `docker network \
        create -d overlay --opt encrypted <name>`, move the services to it (`docker service update \
        --network-add/--network-rm`), then remove the old one. For ingress: remove the services that publish \
        ports, `docker network rm ingress`, `docker network create -d overlay --ingress --opt encrypted \
        ingress`, and redeploy them. Allow IP protocol 50 (ESP) between the nodes.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let docker = match active_swarm(ctx) {
        Ok((d, _)) => d,
        Err(out) => return out,
    };
    let networks = match docker.networks.as_result() {
        Ok(n) => n,
        Err(e) => return Outcome::error(format!("the Docker networks could not be listed: {e}")),
    };
    let targets = networks
        .iter()
        .filter_map(|n| {
            let driver = match n.driver() {
                Ok(d) => d,
                Err(m) => {
                    return Some(Target::new(
                        TargetKind::Network,
                        n.id.clone(),
                        n.name.clone(),
                        Status::Error,
                        m.to_string(),
                    ))
                }
            };
            if driver != "overlay" {
                return None;
            }
            let ingress = if n.name == "ingress" {
                " (the built-in ingress routing-mesh network)"
            } else {
                ""
            };
            let options = match n.options() {
                Ok(o) => o,
                Err(m) => {
                    return Some(Target::new(
                        TargetKind::Network,
                        n.id.clone(),
                        n.name.clone(),
                        Status::Error,
                        m.to_string(),
                    ))
                }
            };
            let (status, detail) = match options.get("encrypted") {
                Some(v) if v.trim().eq_ignore_ascii_case("false") => (
                    Status::Fail,
                    format!("option encrypted={v} turns encryption off{ingress}"),
                ),
                Some(v) if v.is_empty() => {
                    (Status::Pass, format!("option encrypted is set{ingress}"))
                }
                Some(v) => (Status::Pass, format!("option encrypted={v}{ingress}")),
                None => (
                    Status::Fail,
                    format!("no `encrypted` option: traffic between nodes is plain VXLAN{ingress}"),
                ),
            };
            Some(Target::new(
                TargetKind::Network,
                n.id.clone(),
                n.name.clone(),
                status,
                detail,
            ))
        })
        .collect();
    Outcome::aggregate(
        targets,
        "overlay network",
        "there are no overlay networks on this node",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::Fact;
    use tests::{overlay, swarm_with};
    vec![
        Fixture::pass(
            "encrypted ingress and backend",
            swarm_with(vec![
                overlay("ingress", Some("")),
                overlay("backend", Some("true")),
            ]),
        ),
        Fixture::fail(
            "default unencrypted ingress",
            swarm_with(vec![overlay("ingress", None), overlay("backend", Some(""))]),
        ),
        Fixture::fail(
            "encrypted=false",
            swarm_with(vec![overlay("backend", Some("false"))]),
        ),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable("no overlay networks", swarm_with(vec![])),
        Fixture::error("networks could not be listed", {
            let mut f = swarm_with(vec![]);
            docker_mut(&mut f).networks = Fact::Error("GET /networks failed".into());
            f
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::make_manager;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts, NetworkFacts};

    pub(super) fn overlay(name: &str, encrypted: Option<&str>) -> NetworkFacts {
        NetworkFacts {
            id: format!("n-{name}"),
            name: name.into(),
            driver: Some("overlay".into()),
            scope: Some("swarm".into()),
            internal: Some(false),
            options: Some(
                encrypted
                    .map(|v| ("encrypted".to_string(), v.to_string()))
                    .into_iter()
                    .collect(),
            ),
        }
    }

    pub(super) fn swarm_with(extra: Vec<NetworkFacts>) -> Facts {
        let mut f = compliant_host();
        make_manager(&mut f);
        if let Fact::Ok(n) = &mut docker_mut(&mut f).networks {
            n.extend(extra);
        }
        f
    }

    #[test]
    fn inactive_swarm_is_not_applicable() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
    }

    #[test]
    fn no_overlay_networks_is_not_applicable() {
        assert_eq!(
            run(&RULE, &swarm_with(vec![])).status,
            Status::NotApplicable
        );
    }

    #[test]
    fn encrypted_overlays_pass() {
        let f = swarm_with(vec![
            overlay("ingress", Some("")),
            overlay("backend", Some("true")),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets.len(), 2);
        assert!(out.targets[0].detail.contains("ingress routing-mesh"));
    }

    #[test]
    fn default_ingress_fails() {
        let f = swarm_with(vec![overlay("ingress", None), overlay("backend", Some(""))]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        let bad: Vec<&str> = out.failing().map(|t| t.name.as_str()).collect();
        assert_eq!(bad, vec!["ingress"]);
        assert!(out
            .failing()
            .next()
            .unwrap()
            .detail
            .contains("built-in ingress"));
    }

    #[test]
    fn encrypted_false_fails() {
        let f = swarm_with(vec![overlay("backend", Some("false"))]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unlisted_networks_are_an_error() {
        let mut f = swarm_with(vec![]);
        docker_mut(&mut f).networks = Fact::Error("GET /networks failed".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
