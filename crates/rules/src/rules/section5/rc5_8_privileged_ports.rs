//! CIS 5.8 Ensure privileged ports are not mapped within containers.

use super::common::{binding, cap_name, joined_container, published_ports};
use crate::check::per_container;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.8"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure privileged ports are not mapped within containers",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Container,
    rationale: "Ports below 1024 are where clients expect the host's own trusted services (SSH, DNS, HTTP, \
        SMTP). Only root may bind them on the host, but Docker's port mapping lets any container take one, \
        so a container can answer in the name of the host on a well-known port.",
    audit: "Reads the configured and actual port bindings of every container, running or stopped. Fails \
        when a port is published on a host port below 1024 (the first port of a range counts); an empty or \
        0 host port is picked by Docker from the ephemeral range and passes, as does `-P`. A container on \
        the host's network (NetworkMode=host, or joining a container that is) publishes nothing but \
        listens on host ports directly: it fails when it can bind below 1024, i.e. it is privileged or \
        keeps CAP_NET_BIND_SERVICE (not dropped, or added back), and passes when that capability is \
        dropped (unless the host lowered net.ipv4.ip_unprivileged_port_start, which the facts do not show). \
        A host port that is not a number is an error.",
    impact: "Clients must use the higher port, or a load balancer, reverse proxy or firewall redirect must map \
        the well-known port to it, which is one more component to run. Host-network containers that serve on \
        ports such as 80 or 443 must be reconfigured to listen higher or moved to a user-defined network.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    ],
    remediation: "Publish on a host port of 1024 or above and let a load balancer or the host firewall \
        forward the well-known port if clients need it: `-p 10.0.0.5:8080:80` instead of `-p 80:80` \
        (Compose: `ports: [\"10.0.0.5:8080:80\"]`). For a host-network container add `--cap-drop \
        NET_BIND_SERVICE` (or `--cap-drop ALL`), or move it to a user-defined network.",
    check,
};

/// The host network, directly or through the container it joins; `Err` when it cannot be told.
pub(crate) fn host_network(ctx: &Ctx, c: &ContainerFacts) -> Result<bool, String> {
    let mode = c.network_mode()?.trim();
    if mode.eq_ignore_ascii_case("host") {
        return Ok(true);
    }
    if !mode.starts_with("container:") {
        return Ok(false);
    }
    match joined_container(ctx, mode) {
        Some(j) => Ok(j.network_mode()?.eq_ignore_ascii_case("host")),
        None => Err(format!(
            "NetworkMode={mode}, but that container is not among the inspected containers"
        )),
    }
}

/// Whether the container's processes may bind ports below 1024 in the host's network namespace.
fn can_bind_privileged(c: &ContainerFacts) -> Result<(bool, String), String> {
    if *c.privileged()? {
        return Ok((true, "Privileged=true".into()));
    }
    let hit = |list: &[String]| {
        list.iter()
            .map(|x| cap_name(x))
            .find(|x| x == "ALL" || x == "NET_BIND_SERVICE")
    };
    if let Some(cap) = hit(c.cap_add()?) {
        return Ok((true, format!("CapAdd includes {cap}")));
    }
    Ok(match hit(c.cap_drop()?) {
        Some(cap) => (false, format!("CapDrop includes {cap}")),
        None => (true, "keeps NET_BIND_SERVICE".into()),
    })
}

/// The first host port of a binding: `None` when Docker picks it (empty or 0).
fn host_port(p: &str) -> Result<Option<u32>, String> {
    let first = p.trim().split('-').next().unwrap_or("").trim();
    if first.is_empty() {
        return Ok(None);
    }
    match first.parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(format!("host port {p:?} is not a number")),
    }
}

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        if host_network(ctx, c)? {
            let (can, why) = can_bind_privileged(c)?;
            let mode = c.network_mode()?;
            return Ok(if can {
                (
                    Status::Fail,
                    format!(
                        "NetworkMode={mode} and {why}: it can listen on any host port below 1024"
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("NetworkMode={mode} but {why}: it cannot bind host ports below 1024"),
                )
            });
        }
        let (mut fail, mut error, mut pass) = (Vec::new(), Vec::new(), Vec::new());
        for p in published_ports(c)? {
            let shown = format!("{} published on {}", p.container_port, binding(p)?);
            match host_port(p.host_port()?) {
                Ok(Some(n)) if n < 1024 => fail.push(shown),
                Ok(_) => pass.push(shown),
                Err(e) => error.push(format!("{shown}: {e}")),
            }
        }
        Ok(if !fail.is_empty() {
            (Status::Fail, fail.join("; "))
        } else if !error.is_empty() {
            (Status::Error, error.join("; "))
        } else if pass.is_empty() {
            (Status::Pass, "no published ports".into())
        } else {
            (Status::Pass, pass.join("; "))
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("port 8080 published", compliant_host()),
        Fixture::pass(
            "nothing published",
            host_with(|f| first_container(f).ports.as_mut().unwrap().clear()),
        ),
        Fixture::fail(
            "port 80 published",
            host_with(|f| {
                first_container(f).ports.as_mut().unwrap()[0].host_port = Some("80".into())
            }),
        ),
        Fixture::fail(
            "host network keeping NET_BIND_SERVICE",
            host_with(|f| {
                let c = first_container(f);
                c.network_mode = Some("host".into());
                c.ports.as_mut().unwrap().clear();
                c.cap_drop.as_mut().unwrap().clear();
            }),
        ),
        Fixture::error(
            "unreadable host port",
            host_with(|f| {
                first_container(f).ports.as_mut().unwrap()[0].host_port = Some("eighty".into())
            }),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::PortBinding;

    fn binding(ip: &str, port: &str) -> PortBinding {
        PortBinding {
            container_port: "80/tcp".into(),
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        }
    }

    fn with_ports(ports: Vec<PortBinding>) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f).ports = Some(ports);
        run(&RULE, &f)
    }

    #[test]
    fn high_port_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "80/tcp published on 10.0.0.5:8080");
    }

    #[test]
    fn port_80_fails() {
        let out = with_ports(vec![binding("0.0.0.0", "80"), binding("::", "80")]);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "80/tcp published on 0.0.0.0:80; 80/tcp published on [::]:80"
        );
    }

    #[test]
    fn boundary_is_1024() {
        assert_eq!(with_ports(vec![binding("", "1023")]).status, Status::Fail);
        assert_eq!(with_ports(vec![binding("", "1024")]).status, Status::Pass);
    }

    #[test]
    fn ranges_and_random_ports() {
        assert_eq!(
            with_ports(vec![binding("", "1000-1100")]).status,
            Status::Fail
        );
        assert_eq!(with_ports(vec![binding("", "")]).status, Status::Pass);
        assert_eq!(with_ports(vec![binding("", "0")]).status, Status::Pass);
    }

    #[test]
    fn nothing_published_passes() {
        let out = with_ports(vec![]);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "no published ports");
    }

    #[test]
    fn garbage_port_is_an_error() {
        assert_eq!(with_ports(vec![binding("", "http")]).status, Status::Error);
    }

    #[test]
    fn host_network_with_bind_capability_fails() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.network_mode = Some("host".into());
        c.ports.as_mut().unwrap().clear();
        c.cap_drop.as_mut().unwrap().clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "NetworkMode=host and keeps NET_BIND_SERVICE: it can listen on any host port below 1024"
        );
        first_container(&mut f).cap_drop = Some(vec!["ALL".into()]);
        first_container(&mut f).cap_add = Some(vec!["CAP_NET_BIND_SERVICE".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn host_network_without_bind_capability_passes() {
        let mut f = compliant_host();
        first_container(&mut f).network_mode = Some("host".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "NetworkMode=host but CapDrop includes ALL: it cannot bind host ports below 1024"
        );
    }

    #[test]
    fn joining_a_host_network_container_counts() {
        let mut f = compliant_host();
        first_container(&mut f).network_mode = Some("host".into());
        let mut sidecar = container("sidecar");
        sidecar.network_mode = Some("container:web".into());
        sidecar.ports.as_mut().unwrap().clear();
        sidecar.cap_drop.as_mut().unwrap().clear();
        docker_mut(&mut f).containers.push(sidecar);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().count(), 1);
    }
}
