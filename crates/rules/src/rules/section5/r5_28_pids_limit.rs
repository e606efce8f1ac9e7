//! 5.28 Ensure PIDs cgroup limit's used.

use crate::check::{per_container, verdict};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.28"),
    cis: &["5.29"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure PIDs cgroup limit's used",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "Process IDs are a host-wide resource. A fork bomb, or a leak of threads or processes, in one \
        container without a PIDs limit exhausts the host's PID space and nothing new can start anywhere on the \
        host, sshd and the Docker daemon included.",
    audit: "Reads HostConfig.PidsLimit of every container, running or stopped. Passes when it is greater than \
        0; unset, 0 and -1 all mean unlimited.",
    impact: "Once the limit is reached, fork and thread creation inside the container fail (threads count too), \
        so a ceiling set too low breaks workloads that spawn many threads or workers under load, such as JVMs, \
        build jobs or prefork servers. Limits must be sized from observed peaks.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container with a ceiling that fits the workload, e.g. `docker run --pids-limit \
        200 ...` (Compose: `pids_limit: 200`), or change it in place with `docker update --pids-limit 200 \
        <container>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| match *c.pids_limit()? {
        n if n > 0 => verdict(true, format!("PidsLimit={n}")),
        0 => verdict(false, "PidsLimit=unlimited (not set)"),
        n => verdict(false, format!("PidsLimit=unlimited ({n})")),
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let limit = |l: Option<i64>| host_with(move |f| first_container(f).pids_limit = l);
    vec![
        Fixture::pass("PidsLimit=100", compliant_host()),
        Fixture::error("PidsLimit not collected", limit(None)),
        Fixture::fail("PidsLimit=0", limit(Some(0))),
        Fixture::fail("PidsLimit=-1", limit(Some(-1))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn limit_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "PidsLimit=100");
    }

    #[test]
    fn unlimited_values_fail() {
        for (limit, shown) in [(0, "not set"), (-1, "-1")] {
            let mut f = compliant_host();
            first_container(&mut f).pids_limit = Some(limit);
            let out = run(&RULE, &f);
            assert_eq!(out.status, Status::Fail);
            let want = if limit == 0 {
                "PidsLimit=unlimited (not set)".to_string()
            } else {
                format!("PidsLimit=unlimited ({shown})")
            };
            assert_eq!(out.failing().next().unwrap().detail, want);
        }
        let mut f = compliant_host();
        first_container(&mut f).pids_limit = None;
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
