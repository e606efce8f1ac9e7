//! 5.13 Ensure incoming container traffic is bound to a specific host interface.

use super::common::{binding, published_ports};
use crate::check::per_container;
use crate::prelude::*;
use dockguard_facts::is_wildcard_ip;

pub static RULE: Rule = Rule {
    azure: Some("5.13"),
    cis: &["5.14"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure incoming container traffic is bound to a specific host interface",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "A port published on 0.0.0.0 or :: is reachable on every interface of the host, including \
        ones that bypass the firewall, load balancer or intrusion detection placed in front of the intended \
        interface. Docker's own iptables rules let such traffic in ahead of most host firewall rules.",
    audit: "Reads the configured and actual port bindings of every container, running or stopped. Judges \
        every binding on its own: `-p 127.0.0.1:8080:80 -p 9090:80` publishes port 80 twice, and the second \
        one fails. Fails when a port is published on a wildcard address (0.0.0.0, ::, [::]). A binding \
        without a host address takes the daemon's default `ip` (0.0.0.0 unless `--ip`/`\"ip\"` names one), \
        unless a runtime binding of the same container port and host port shows the address actually used. \
        A binding whose address or port the API did not return is an error. `-P` (PublishAllPorts) publishes every \
        exposed port on that default address. Containers that publish nothing pass.",
    impact: "The service answers only on the chosen address: clients that reached it through another interface \
        of the host (another network, localhost, IPv6) lose access. The address is now part of the container \
        configuration and must be changed whenever the host's IP changes.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Publish on the address that should receive the traffic: `-p 10.0.0.5:8080:80` (Compose: \
        `ports: [\"10.0.0.5:8080:80\"]`), or `127.0.0.1:8080:80` behind a local reverse proxy. Replace `-P` \
        with explicit `-p` bindings, or set a specific default with `\"ip\": \"10.0.0.5\"` in daemon.json.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    // The address a binding without a host address gets: the daemon's `ip` (default 0.0.0.0).
    let default_ip = ctx.daemon.string("ip");
    per_container(ctx, |c| {
        let ports = published_ports(c)?;
        let (mut fail, mut error, mut pass) = (Vec::new(), Vec::new(), Vec::new());
        // Every binding is judged on its own: `-p 127.0.0.1:8080:80 -p 9090:80` publishes port 80 twice,
        // once on every interface.
        for p in &ports {
            let shown = format!("{} published on {}", p.container_port, binding(p)?);
            let host_ip = p.host_ip()?;
            if !host_ip.trim().is_empty() {
                if is_wildcard_ip(host_ip) {
                    fail.push(shown);
                } else {
                    pass.push(shown);
                }
                continue;
            }
            // A configured binding without an address: where it really went shows as a runtime binding of
            // the same container port and host port. Without one (a stopped container) it goes to the
            // daemon's default `ip` (0.0.0.0 unless set).
            let host_port = p.host_port()?;
            if ports.iter().any(|q| {
                q.container_port == p.container_port
                    && q.host_port.as_deref() == Some(host_port.as_str())
                    && q.host_ip.as_deref().is_some_and(|ip| !ip.trim().is_empty())
            }) {
                continue;
            }
            match &default_ip {
                Ok(ip) if is_wildcard_ip(ip) => {
                    fail.push(format!("{shown} (no host address: all interfaces)"))
                }
                Ok(ip) => pass.push(format!("{shown} (daemon default ip {ip})")),
                Err(e) => error.push(format!("{shown}: {e}")),
            }
        }
        if *c.publish_all_ports()? {
            match &default_ip {
                Ok(ip) if is_wildcard_ip(ip) => {
                    fail.push("PublishAllPorts=true (every exposed port on all interfaces)".into())
                }
                Ok(ip) => pass.push(format!("PublishAllPorts=true (daemon default ip {ip})")),
                Err(e) => error.push(format!("PublishAllPorts=true: {e}")),
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
    use dockguard_facts::PortBinding;
    let ports = |bindings: &[(&str, &str)]| {
        let v: Vec<PortBinding> = bindings
            .iter()
            .map(|(ip, port)| PortBinding {
                container_port: "80/tcp".into(),
                host_ip: Some(ip.to_string()),
                host_port: Some(port.to_string()),
            })
            .collect();
        host_with(move |f| first_container(f).ports = Some(v))
    };
    vec![
        Fixture::pass("bound to 10.0.0.5", compliant_host()),
        Fixture::pass(
            "loopback only",
            ports(&[("127.0.0.1", "8080"), ("::1", "8080")]),
        ),
        Fixture::pass("nothing published", ports(&[])),
        Fixture::pass(
            "runtime binding on a specific address",
            ports(&[("", "8080"), ("10.0.0.5", "8080")]),
        ),
        Fixture::pass(
            "no host address, specific daemon ip",
            host_with(|f| {
                daemon_json_set(f, "ip", serde_json::json!("10.0.0.5"));
                first_container(f).ports.as_mut().unwrap()[0].host_ip = Some(String::new());
            }),
        ),
        Fixture::fail("0.0.0.0", ports(&[("0.0.0.0", "8080")])),
        Fixture::fail("[::]", ports(&[("[::]", "8080")])),
        Fixture::fail("no host address", ports(&[("", "8080")])),
        Fixture::fail(
            "one port on loopback, another without an address",
            ports(&[("127.0.0.1", "8080"), ("", "9090")]),
        ),
        Fixture::fail(
            "publish all",
            host_with(|f| first_container(f).publish_all_ports = Some(true)),
        ),
        Fixture::error(
            "daemon ip unknown",
            host_with(|f| {
                f.daemon.config_file.content =
                    dockguard_facts::Fact::Error("permission denied".into());
                first_container(f).ports.as_mut().unwrap()[0].host_ip = Some(String::new());
            }),
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
    fn specific_address_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "80/tcp published on 10.0.0.5:8080");
    }

    #[test]
    fn all_ipv4_interfaces_fails() {
        let out = with_ports(vec![binding("0.0.0.0", "8080")]);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "80/tcp published on 0.0.0.0:8080"
        );
    }

    #[test]
    fn ipv6_wildcards_fail() {
        for ip in ["::", "[::]"] {
            let out = with_ports(vec![binding(ip, "8080")]);
            assert_eq!(out.status, Status::Fail, "{ip}");
            assert_eq!(
                out.failing().next().unwrap().detail,
                "80/tcp published on [::]:8080"
            );
        }
    }

    #[test]
    fn loopback_passes() {
        assert_eq!(
            with_ports(vec![binding("127.0.0.1", "8080"), binding("::1", "8080")]).status,
            Status::Pass
        );
    }

    #[test]
    fn no_host_address_fails_with_the_default_ip() {
        let out = with_ports(vec![binding("", "8080")]);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "80/tcp published on *:8080 (no host address: all interfaces)"
        );
    }

    #[test]
    fn no_host_address_follows_a_specific_daemon_ip() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "ip", serde_json::json!("10.0.0.5"));
        first_container(&mut f).ports = Some(vec![binding("", "8080")]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    /// `-p 127.0.0.1:8080:80 -p 9090:80` on a stopped container: the second binding is on every
    /// interface, whatever the first one says.
    #[test]
    fn every_binding_is_judged() {
        let out = with_ports(vec![binding("127.0.0.1", "8080"), binding("", "9090")]);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("*:9090"), "{out:?}");
    }

    #[test]
    fn runtime_binding_decides_over_the_configured_one() {
        let out = with_ports(vec![binding("", "8080"), binding("10.0.0.5", "8080")]);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "80/tcp published on 10.0.0.5:8080");
    }

    #[test]
    fn unknown_daemon_ip_is_an_error() {
        let mut f = compliant_host();
        f.daemon.config_file.content = dockguard_facts::Fact::Error("permission denied".into());
        first_container(&mut f).ports = Some(vec![binding("", "8080")]);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn publish_all_fails() {
        let mut f = compliant_host();
        first_container(&mut f).publish_all_ports = Some(true);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.starts_with("PublishAllPorts=true"));
    }

    #[test]
    fn nothing_published_passes() {
        let out = with_ports(vec![]);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "no published ports");
    }
}
