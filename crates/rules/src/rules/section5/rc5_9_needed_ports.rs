//! CIS 5.9 Ensure that only needed ports are open on the container.

use super::common::{binding, published_ports};
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.9"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that only needed ports are open on the container",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "Every published port is a way into the container from outside the host. Images often \
        EXPOSE debugging, metrics or admin ports next to the one that serves users, and `-P` publishes all \
        of them without anyone choosing to.",
    audit: "Reads the configured and actual port bindings and HostConfig.PublishAllPorts of every \
        container, running or stopped. Fails when PublishAllPorts is true (`-P` publishes every port the \
        image EXPOSEs, needed or not). Passes when nothing is published. Explicitly published ports are \
        listed for a person to confirm each is needed (manual): the facts cannot know what the service \
        requires. A container on the host's network publishes nothing but exposes every port it listens \
        on: it is manual too, to be reviewed on the host with `ss -tlnup` (rule 5.10 fails it anyway).",
    impact: "Ports that are no longer published (debug, metrics, admin) can only be reached from internal \
        networks or through `docker exec`, so monitoring that scraped them from outside needs another path. Each \
        published port must be justified and kept in step with what the service actually serves.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/build/building/best-practices/",
    ],
    remediation: "Replace `-P`/`--publish-all` (Compose: `publish_all`) with explicit `-p` bindings for the \
        ports the service needs, bound to a specific address: `-p 10.0.0.5:8080:80`. Remove bindings for \
        ports nobody should reach from outside (debug, metrics, admin), and reach those through `docker \
        exec` or an internal network instead. Recreate the container after the change.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        if *c.publish_all_ports()? {
            return Ok((
                Status::Fail,
                "PublishAllPorts=true (every port the image exposes is published)".into(),
            ));
        }
        let mode = c.network_mode()?.trim();
        if super::rc5_8_privileged_ports::host_network(ctx, c)? {
            return Ok((
                Status::Manual,
                format!(
                    "NetworkMode={mode}: every port it listens on is open on the host; confirm each is \
                     needed (ss -tlnup on the host)"
                ),
            ));
        }
        let ports: Vec<String> = published_ports(c)?
            .iter()
            .map(|p| Ok(format!("{} published on {}", p.container_port, binding(p)?)))
            .collect::<Result<_, dockguard_facts::Missing>>()?;
        Ok(if ports.is_empty() {
            (Status::Pass, "no published ports".into())
        } else {
            (
                Status::Manual,
                format!("{}; confirm each is needed", ports.join("; ")),
            )
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::manual("one port published", compliant_host()),
        Fixture::pass(
            "nothing published",
            host_with(|f| first_container(f).ports.as_mut().unwrap().clear()),
        ),
        Fixture::fail(
            "publish all (-P)",
            host_with(|f| first_container(f).publish_all_ports = Some(true)),
        ),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn published_ports_need_review() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "80/tcp published on 10.0.0.5:8080; confirm each is needed"
        );
    }

    #[test]
    fn nothing_published_passes() {
        let mut f = compliant_host();
        first_container(&mut f).ports.as_mut().unwrap().clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "no published ports");
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
    fn host_network_needs_review() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.network_mode = Some("host".into());
        c.ports.as_mut().unwrap().clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.starts_with("NetworkMode=host"));
    }

    #[test]
    fn duplicate_bindings_are_listed_once() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        let p = c.ports.as_mut().unwrap()[0].clone();
        c.ports.as_mut().unwrap().push(p);
        let out = run(&RULE, &f);
        assert_eq!(
            out.targets[0].detail,
            "80/tcp published on 10.0.0.5:8080; confirm each is needed"
        );
    }
}
