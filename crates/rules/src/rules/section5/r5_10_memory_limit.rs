//! 5.10 Ensure memory usage for container is limited.

use super::common::human_bytes;
use crate::check::{per_container, verdict};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.10"),
    cis: &["5.11"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure memory usage for container is limited",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "Without a limit a container can take all of the host's memory, by accident or on purpose, and \
        the kernel's OOM killer then picks victims among other containers and host services, the Docker \
        daemon included.",
    audit: "Reads HostConfig.Memory (bytes) of every container, running or stopped. Passes when it is \
        greater than 0; 0 means unlimited.",
    impact: "A container that goes over its limit has processes killed by the OOM killer (or slows down \
        swapping, if swap is allowed), so a limit set too low turns into crashes or failed requests under load. \
        Limits must be sized from observed peak usage and revisited as the workload grows.",
    references: &[
        "https://docs.docker.com/engine/containers/resource_constraints/",
        "https://docs.docker.com/reference/cli/docker/container/run/",
    ],
    remediation: "Recreate the container with a limit sized to the workload: `docker run --memory 256m ...` \
        (Compose: `mem_limit: 256m`, or `deploy.resources.limits.memory`). A running container can be \
        changed in place with `docker update --memory 256m --memory-swap 256m <container>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let memory = *c.memory()?;
        if memory > 0 {
            verdict(true, format!("Memory={}", human_bytes(memory)))
        } else {
            verdict(false, format!("Memory={memory} (unlimited)"))
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("256 MiB limit", compliant_host()),
        Fixture::fail(
            "no memory limit",
            host_with(|f| first_container(f).memory = Some(0)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn limited_memory_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "Memory=256 MiB");
    }

    #[test]
    fn unlimited_memory_fails() {
        let mut f = compliant_host();
        first_container(&mut f).memory = Some(0);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "Memory=0 (unlimited)");
    }
}
