//! 5.16 Ensure the host's IPC namespace isn't shared.

use super::common::host_namespace_check;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.16"),
    cis: &["5.17"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the host's IPC namespace isn't shared",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "With the host's IPC namespace the container can read and write the host's System V shared \
        memory, semaphores and message queues: data of other programs leaks and can be tampered with.",
    audit: "Reads HostConfig.IpcMode of every container, running or stopped. Fails for `host`. A \
        `container:<x>` mode joins x's namespace, so it fails when x uses the host's; every other value \
        passes.",
    impact: "Software that exchanges data with host processes through System V or POSIX shared memory (some \
        databases, MPI jobs, X11 clients using MIT-SHM) can no longer do so and may share IPC only with named \
        containers. /dev/shm becomes the container's own, limited by `--shm-size` (64 MB by default), which \
        large shared-memory users may need to raise.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container without `--ipc host` (Compose: drop `ipc: host`). Containers that must \
        share memory with each other can use `--ipc shareable` on one and `--ipc container:<name>` on \
        the other.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    host_namespace_check(ctx, "IpcMode", ContainerFacts::ipc_mode)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("private IPC namespace", compliant_host()),
        Fixture::pass(
            "shareable namespace joined by a worker",
            host_with(|f| {
                first_container(f).ipc_mode = Some("shareable".into());
                let mut worker = container("worker");
                worker.ipc_mode = Some("container:web".into());
                docker_mut(f).containers.push(worker);
            }),
        ),
        Fixture::fail(
            "host IPC namespace",
            host_with(|f| first_container(f).ipc_mode = Some("host".into())),
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
        first_container(&mut f).ipc_mode = Some("host".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "IpcMode=host");
    }

    #[test]
    fn shareable_and_joined_pass() {
        let mut f = compliant_host();
        first_container(&mut f).ipc_mode = Some("shareable".into());
        let mut worker = container("worker");
        worker.ipc_mode = Some("container:web".into());
        docker_mut(&mut f).containers.push(worker);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[1].detail,
            "IpcMode=container:web (web has its own namespace)"
        );
    }
}
