//! 5.12 Ensure the container's root filesystem is mounted as read only.

use crate::check::{per_container, verdict};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.12"),
    cis: &["5.13"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the container's root filesystem is mounted as read only",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "A read-only root filesystem stops an intruder from replacing the container's binaries, \
        dropping tools or persisting a backdoor in the image layer, and makes every place the application \
        writes to an explicit, reviewable volume or tmpfs.",
    audit: "Reads HostConfig.ReadonlyRootfs of every container, running or stopped. Passes when it is true.",
    impact: "Writes to the image's filesystem fail with a read-only error, so software that keeps caches, PID \
        files, logs or temporary files there breaks until each such path is given a tmpfs or a volume. Patching \
        or installing packages inside a running container is no longer possible; changes go through a rebuilt \
        image.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/build/building/best-practices/",
    ],
    remediation: "Recreate the container with `--read-only` (Compose: `read_only: true`) and give it explicit \
        writable locations for what it must write: `--tmpfs /tmp --tmpfs /run` for scratch data and a named \
        volume (`-v app-data:/var/lib/app`) for data that must persist.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let ro = *c.readonly_rootfs()?;
        verdict(ro, format!("ReadonlyRootfs={ro}"))
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("read-only root filesystem", compliant_host()),
        Fixture::fail(
            "writable root filesystem",
            host_with(|f| first_container(f).readonly_rootfs = Some(false)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn read_only_root_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn writable_root_fails() {
        let mut f = compliant_host();
        first_container(&mut f).readonly_rootfs = Some(false);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "ReadonlyRootfs=false");
    }
}
