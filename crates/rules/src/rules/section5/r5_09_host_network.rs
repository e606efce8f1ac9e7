//! 5.09 Ensure the host's network namespace isn't shared.

use super::common::host_namespace_check;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.09"),
    cis: &["5.10"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the host's network namespace isn't shared",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "With the host's network namespace the container sees every host interface, can bind any host \
        port, reach services listening only on localhost (the container runtime, D-Bus, metadata proxies) and, \
        with NET_ADMIN or NET_RAW, sniff or reconfigure the host's traffic. Docker's network isolation and \
        port publishing no longer apply.",
    audit: "Reads HostConfig.NetworkMode of every container, running or stopped. Fails for `host`. A \
        `container:<x>` mode joins x's namespace, so it fails when x uses the host network and passes \
        otherwise; bridge, user-defined networks and `none` pass.",
    impact: "Traffic now passes through the bridge and Docker's NAT, which adds a little latency and \
        connection-tracking overhead, and every port the service uses must be published explicitly. Software \
        that needs the host's interfaces directly (network monitoring, DHCP, routing, multicast discovery, \
        services on many dynamic ports) cannot run this way and needs a documented exception.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container without `--network host` (Compose: drop `network_mode: host`), \
        attach it to a user-defined network and publish only the ports it serves, bound to a specific \
        address: `-p 10.0.0.5:8080:80`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    host_namespace_check(ctx, "NetworkMode", ContainerFacts::network_mode)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("user-defined network", compliant_host()),
        Fixture::pass(
            "joins a container with its own network",
            host_with(|f| {
                let mut sidecar = container("sidecar");
                sidecar.network_mode = Some("container:web".into());
                docker_mut(f).containers.push(sidecar);
            }),
        ),
        Fixture::fail(
            "host network",
            host_with(|f| first_container(f).network_mode = Some("host".into())),
        ),
        Fixture::fail(
            "joins a host-network container",
            host_with(|f| {
                first_container(f).network_mode = Some("host".into());
                let mut sidecar = container("sidecar");
                sidecar.network_mode = Some("container:web".into());
                docker_mut(f).containers.push(sidecar);
            }),
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
        assert_eq!(out.targets[0].detail, "NetworkMode=app-net");
    }

    #[test]
    fn host_network_fails() {
        let mut f = compliant_host();
        first_container(&mut f).network_mode = Some("host".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "NetworkMode=host");
    }

    #[test]
    fn joining_another_container_passes() {
        let mut f = compliant_host();
        let mut sidecar = container("sidecar");
        sidecar.network_mode = Some("container:web".into());
        docker_mut(&mut f).containers.push(sidecar);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn joining_a_host_network_container_fails() {
        let mut f = compliant_host();
        first_container(&mut f).network_mode = Some("host".into());
        let web_id = first_container(&mut f).id.clone();
        let mut sidecar = container("sidecar");
        sidecar.network_mode = Some(format!("container:{}", &web_id[..12]));
        docker_mut(&mut f).containers.push(sidecar);
        let out = run(&RULE, &f);
        assert_eq!(out.failing().count(), 2);
        assert!(
            out.targets[1]
                .detail
                .ends_with("and web uses NetworkMode=host"),
            "{}",
            out.targets[1].detail
        );
    }
}
