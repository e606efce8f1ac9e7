//! 5.15 Ensure the host's process namespace isn't shared.

use super::common::host_namespace_check;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.15"),
    cis: &["5.16"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the host's process namespace isn't shared",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "With the host's PID namespace the container sees every process on the host, with command lines \
        and environment under /proc, and a root process in it can signal or ptrace host processes, the \
        container runtime included.",
    audit: "Reads HostConfig.PidMode of every container, running or stopped. Fails for `host`. A \
        `container:<x>` mode joins x's namespace, so it fails when x uses the host's; every other value \
        passes.",
    impact: "Tools that must see or signal host processes (process monitors, debuggers, some security agents) no \
        longer can from inside the container; they must run on the host, or be scoped to one workload with \
        `--pid container:<name>`. Ordinary workloads are unaffected.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container without `--pid host` (Compose: drop `pid: host`). A debugging tool that \
        must see one workload's processes can join that container's namespace with `--pid \
        container:<name>` instead.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    host_namespace_check(ctx, "PidMode", ContainerFacts::pid_mode)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("own PID namespace", compliant_host()),
        Fixture::fail(
            "host PID namespace",
            host_with(|f| first_container(f).pid_mode = Some("host".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn own_namespace_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn host_namespace_fails() {
        let mut f = compliant_host();
        first_container(&mut f).pid_mode = Some("host".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "PidMode=host");
    }
}
