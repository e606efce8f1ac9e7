//! 5.04 Ensure privileged containers aren't used.

use crate::check::{per_container, verdict};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.04"),
    cis: &["5.5"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure privileged containers aren't used",
    section: Section::Runtime,
    severity: Severity::Critical,
    level: 1,
    scope: Scope::Container,
    rationale: "A privileged container gets every Linux capability, access to all host devices and no \
        seccomp, AppArmor or SELinux confinement. Anything that runs inside it can take over the host.",
    audit: "Reads HostConfig.Privileged of every container, running or stopped.",
    impact: "Workloads that relied on privileged mode (Docker-in-Docker, device or kernel tooling, mounting \
        filesystems, some system agents) stop working until they are given the specific capabilities, devices or \
        host-side helpers they use; working out that set takes testing. Ordinary applications notice nothing.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    ],
    remediation: "Recreate the container without `--privileged` (or `privileged: true` in Compose). Grant only \
        the specific capabilities (`--cap-add`) or devices (`--device`) the workload really needs.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let privileged = *c.privileged()?;
        verdict(!privileged, format!("Privileged={privileged}"))
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("unprivileged container", compliant_host()),
        Fixture::fail(
            "privileged container",
            host_with(|f| first_container(f).privileged = Some(true)),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
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
    fn unprivileged_container_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
    }

    #[test]
    fn privileged_container_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = Some(true);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "Privileged=true");
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let mut f = compliant_host();
        f.docker = dockguard_facts::Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
