//! 5.29 Ensure Docker's default bridge docker0 isn't used.

use super::common::joined_container;
use crate::check::per_container;
use crate::prelude::*;
use dockguard_facts::{ContainerFacts, Fact};

pub static RULE: Rule = Rule {
    azure: Some("5.29"),
    cis: &["5.30"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure Docker's default bridge docker0 isn't used",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Container,
    rationale: "Every container on the default bridge shares one flat layer-2 segment with every other such \
        container, with no name-based isolation: one compromised container can ARP-spoof or MAC-flood its \
        neighbours. User-defined networks separate workloads and give them DNS by container name.",
    audit: "Finds the default bridge among the daemon's networks (the one whose \
        `com.docker.network.bridge.name` option is `docker0`, normally named `bridge`). When the network list \
        or a network's options could not be read, a container on `bridge` still fails, but one on any other \
        network is an error: whether that network sits on docker0 cannot be told. Fails for every container, \
        running or stopped, attached to it or whose NetworkMode is `default`/`bridge`; a `container:<x>` mode \
        fails when x is on it. host, none and user-defined networks pass.",
    impact: "Containers must be recreated or reconnected, and those that found each other on the default bridge \
        by IP address or legacy `--link` must share a user-defined network and use container names. Containers \
        on different user-defined networks can no longer reach each other unless attached to a common one.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Create a user-defined network and move the container onto it: `docker network create \
        app-net`, then recreate with `--network app-net` (or `docker network connect app-net <c>` followed by \
        `docker network disconnect bridge <c>`). Compose projects get their own network by default; remove \
        `network_mode: bridge`.",
    check,
};

/// Names and ids of the networks that sit on docker0; `Err` when that cannot be told (the network list, or a
/// network's options, were not collected).
fn default_bridges(
    networks: &Fact<Vec<dockguard_facts::NetworkFacts>>,
) -> Result<Vec<String>, String> {
    let ns = networks
        .as_result()
        .map_err(|e| format!("the network list could not be read ({e})"))?;
    let mut out = Vec::new();
    for n in ns {
        let options = n
            .options()
            .map_err(|m| format!("network {}: {m}", n.name))?;
        if options
            .get("com.docker.network.bridge.name")
            .map(String::as_str)
            == Some("docker0")
        {
            out.extend(
                [n.name.clone(), n.id.clone()]
                    .into_iter()
                    .filter(|s| !s.is_empty()),
            );
        }
    }
    Ok(out)
}

/// Why the container uses docker0, if it does; `Err` when it cannot be told.
fn on_docker0(
    ctx: &Ctx,
    c: &ContainerFacts,
    bridges: &[String],
    depth: u8,
) -> Result<Option<String>, String> {
    let mode = c.network_mode()?.trim();
    let is_bridge = |n: &str| bridges.iter().any(|b| b == n);
    if mode.starts_with("container:") {
        if depth >= 4 {
            return Err(format!(
                "NetworkMode={mode}: the chain of joined containers is too long"
            ));
        }
        let Some(j) = joined_container(ctx, mode) else {
            return Err(format!(
                "NetworkMode={mode}, but that container is not among the inspected containers"
            ));
        };
        return Ok(on_docker0(ctx, j, bridges, depth + 1)?
            .map(|why| format!("NetworkMode={mode}, and {} uses docker0 ({why})", j.name)));
    }
    let effective = if mode.eq_ignore_ascii_case("default") {
        "bridge"
    } else {
        mode
    };
    if is_bridge(effective) {
        return Ok(Some(format!("NetworkMode={mode} (the docker0 bridge)")));
    }
    Ok(c.networks()?
        .iter()
        .find(|n| is_bridge(n))
        .map(|n| format!("attached to network {n} (docker0)")))
}

fn check(ctx: &Ctx) -> Outcome {
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    let bridges = default_bridges(&docker.networks);
    per_container(ctx, |c| {
        let mode = c.network_mode()?;
        let networks = c.networks()?;
        // Docker's default bridge is always named `bridge`; other networks may sit on docker0 too, which
        // only the network list tells.
        let known = bridges
            .clone()
            .unwrap_or_else(|_| vec!["bridge".to_string()]);
        let on = on_docker0(ctx, c, &known, 0)?;
        if on.is_none() && !networks.is_empty() {
            if let Err(e) = &bridges {
                return Err(format!(
                    "NetworkMode={mode}; networks {}; whether one of them is the docker0 bridge cannot be \
                     told: {e}",
                    networks.join(", ")
                ));
            }
        }
        Ok(match on {
            Some(why) => (Status::Fail, why),
            None if networks.is_empty() => (Status::Pass, format!("NetworkMode={mode}")),
            None => (
                Status::Pass,
                format!("NetworkMode={mode}; networks {}", networks.join(", ")),
            ),
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("user-defined network", compliant_host()),
        Fixture::pass(
            "host, none and a joined container",
            host_with(|f| {
                let mut host = container("host-net");
                host.network_mode = Some("host".into());
                host.networks = Some(vec!["host".into()]);
                let mut none = container("isolated");
                none.network_mode = Some("none".into());
                none.networks = Some(vec!["none".into()]);
                let mut sidecar = container("sidecar");
                sidecar.network_mode = Some("container:web".into());
                sidecar.networks.as_mut().unwrap().clear();
                docker_mut(f).containers.extend([host, none, sidecar]);
            }),
        ),
        Fixture::fail(
            "default bridge",
            host_with(|f| {
                let c = first_container(f);
                c.network_mode = Some("default".into());
                c.networks = Some(vec!["bridge".into()]);
            }),
        ),
        Fixture::fail(
            "also attached to bridge",
            host_with(|f| {
                first_container(f)
                    .networks
                    .as_mut()
                    .unwrap()
                    .push("bridge".into())
            }),
        ),
        Fixture::fail(
            "renamed default bridge",
            host_with(|f| {
                if let Fact::Ok(ns) = &mut docker_mut(f).networks {
                    ns[0].name = "legacy".into();
                }
                first_container(f).networks = Some(vec!["legacy".into()]);
            }),
        ),
        Fixture::fail(
            "bridge assumed without the network list",
            host_with(|f| {
                docker_mut(f).networks = Fact::Error("permission denied".into());
                first_container(f).networks = Some(vec!["bridge".into()]);
            }),
        ),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = Fact::Error("unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn user_defined_network_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "NetworkMode=app-net; networks app-net"
        );
    }

    #[test]
    fn default_bridge_fails() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.network_mode = Some("default".into());
        c.networks = Some(vec!["bridge".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "NetworkMode=default (the docker0 bridge)"
        );
    }

    #[test]
    fn extra_attachment_to_the_bridge_fails() {
        let mut f = compliant_host();
        first_container(&mut f)
            .networks
            .as_mut()
            .unwrap()
            .push("bridge".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "attached to network bridge (docker0)"
        );
    }

    #[test]
    fn host_none_and_joined_pass() {
        let mut f = compliant_host();
        let mut host = container("host-net");
        host.network_mode = Some("host".into());
        host.networks = Some(vec!["host".into()]);
        let mut none = container("isolated");
        none.network_mode = Some("none".into());
        none.networks = Some(vec!["none".into()]);
        let mut sidecar = container("sidecar");
        sidecar.network_mode = Some("container:web".into());
        sidecar.networks.as_mut().unwrap().clear();
        docker_mut(&mut f).containers.extend([host, none, sidecar]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn joining_a_bridge_container_fails() {
        let mut f = compliant_host();
        first_container(&mut f).network_mode = Some("bridge".into());
        let mut sidecar = container("sidecar");
        sidecar.network_mode = Some("container:web".into());
        docker_mut(&mut f).containers.push(sidecar);
        let out = run(&RULE, &f);
        assert_eq!(out.failing().count(), 2);
        assert!(out.targets[1]
            .detail
            .starts_with("NetworkMode=container:web, and web uses docker0"));
    }

    #[test]
    fn renamed_bridge_is_found_by_its_interface() {
        let mut f = compliant_host();
        if let Fact::Ok(ns) = &mut docker_mut(&mut f).networks {
            ns[0].name = "legacy".into();
        }
        first_container(&mut f).networks = Some(vec!["legacy".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    /// Without the network list, `bridge` is still the default bridge, but any other network may sit on
    /// docker0 too: that cannot be told, so it is not a pass.
    #[test]
    fn without_the_network_list_only_bridge_is_known() {
        let mut f = compliant_host();
        docker_mut(&mut f).networks = Fact::Error("permission denied".into());
        first_container(&mut f).networks = Some(vec!["bridge".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        docker_mut(&mut f).containers[0].networks = Some(vec!["app-net".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error, "{out:?}");
        assert!(out.targets[0].detail.contains("cannot be told"));
    }
}
