//! CIS 5.12 Ensure that CPU priority is set appropriately on containers.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.12"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that CPU priority is set appropriately on containers",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Container,
    rationale: "Every container gets the same CPU weight unless told otherwise, so under contention a busy \
        batch job or a compromised container competes as an equal with the services that matter, and can \
        starve them. Setting CPU shares per container says which work wins when the CPU is scarce.",
    audit: "Reads HostConfig.CpuShares of every container, running or stopped. Fails when it is 0 (unset) \
        or 1024: both mean Docker's default weight, i.e. no priority was set, which is exactly what the \
        benchmark's own audit flags. Any other positive value passes; the evidence shows it so the \
        weighting can be reviewed. A CPU cap (`--cpus`, `--cpu-quota`) limits usage but sets no priority \
        and is not taken into account. A negative value is an error.",
    impact: "Shares matter only when the CPU is contended: then containers with a lower weight get \
        proportionally less CPU time and slow down, while on an idle host nothing changes. Someone has to decide \
        and maintain the relative priority of every workload.",
    references: &[
        "https://docs.docker.com/engine/containers/resource_constraints/",
        "https://docs.docker.com/reference/cli/docker/container/run/",
    ],
    remediation: "Give each container a weight that matches its priority relative to the default of 1024: \
        `docker run --cpu-shares 512 ...` for background work, `--cpu-shares 2048` for the services that \
        must win (Compose: `cpu_shares: 512`). Change a running container with `docker update --cpu-shares \
        512 <container>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        Ok(match *c.cpu_shares()? {
            0 => (
                Status::Fail,
                "CpuShares=0 (not set: the default weight 1024)".into(),
            ),
            1024 => (
                Status::Fail,
                "CpuShares=1024 (the default weight: no priority set)".into(),
            ),
            n if n > 0 => (Status::Pass, format!("CpuShares={n}")),
            n => (
                Status::Error,
                format!("CpuShares={n} is not a valid weight"),
            ),
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("cpu-shares 512", compliant_host()),
        Fixture::fail(
            "cpu-shares unset",
            host_with(|f| first_container(f).cpu_shares = Some(0)),
        ),
        Fixture::fail(
            "cpu-shares 1024",
            host_with(|f| first_container(f).cpu_shares = Some(1024)),
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

    fn with_shares(n: i64) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f).cpu_shares = Some(n);
        run(&RULE, &f)
    }

    #[test]
    fn explicit_weight_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "CpuShares=512");
        assert_eq!(with_shares(2048).status, Status::Pass);
    }

    #[test]
    fn default_weight_fails() {
        let out = with_shares(0);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "CpuShares=0 (not set: the default weight 1024)"
        );
        assert_eq!(with_shares(1024).status, Status::Fail);
    }

    #[test]
    fn negative_weight_is_an_error() {
        assert_eq!(with_shares(-1).status, Status::Error);
    }
}
