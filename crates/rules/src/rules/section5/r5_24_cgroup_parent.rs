//! 5.24 Ensure cgroup usage is confirmed.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.24"),
    cis: &["5.25"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure cgroup usage is confirmed",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Container,
    rationale: "The cgroup a container runs in decides which resource limits and accounting apply to it. A \
        container placed under another parent with `--cgroup-parent` escapes the limits an administrator set \
        on Docker's own cgroup and may share a budget with unrelated workloads.",
    audit: "Reads HostConfig.CgroupParent of every container, running or stopped. Passes when it is empty \
        (Docker's default cgroup) or equals the daemon's own `cgroup-parent`. Any other parent is reported \
        as manual rather than fail: the benchmark asks for the placement to be confirmed, and only the \
        operator knows whether that parent is the intended one.",
    impact: "Containers moved back to Docker's default cgroup (or the daemon-wide `cgroup-parent`) stop being \
        counted and limited under the custom parent, so any quota or accounting an operator built around that \
        slice no longer applies to them. Deliberate placements cost only the effort of confirming and recording \
        them.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
        "https://docs.docker.com/engine/containers/resource_constraints/",
    ],
    remediation: "Recreate the container without `--cgroup-parent` (Compose: `cgroup_parent:`) unless the \
        placement is deliberate; to move every container, set `\"cgroup-parent\"` in daemon.json instead.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    // The daemon-wide parent, when known; a container that names the same parent is not an exception.
    let daemon_parent = ctx.daemon.string("cgroup-parent").unwrap_or_default();
    per_container(ctx, |c| {
        let parent = c.cgroup_parent()?.trim();
        Ok(if parent.is_empty() {
            (
                Status::Pass,
                "CgroupParent=\"\" (Docker's default cgroup)".into(),
            )
        } else if parent == daemon_parent.trim() {
            (
                Status::Pass,
                format!("CgroupParent={parent} (the daemon's cgroup-parent)"),
            )
        } else {
            (
                Status::Manual,
                format!("CgroupParent={parent}; confirm this cgroup is intended"),
            )
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("default cgroup", compliant_host()),
        Fixture::pass(
            "the daemon's cgroup-parent",
            host_with(|f| {
                daemon_json_set(f, "cgroup-parent", serde_json::json!("docker.slice"));
                first_container(f).cgroup_parent = Some("docker.slice".into());
            }),
        ),
        Fixture::manual(
            "custom cgroup parent",
            host_with(|f| first_container(f).cgroup_parent = Some("/batch.slice".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn default_cgroup_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn custom_parent_needs_confirmation() {
        let mut f = compliant_host();
        first_container(&mut f).cgroup_parent = Some("/batch.slice".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "CgroupParent=/batch.slice; confirm this cgroup is intended"
        );
    }

    #[test]
    fn daemon_wide_parent_passes() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "cgroup-parent", serde_json::json!("docker.slice"));
        first_container(&mut f).cgroup_parent = Some("docker.slice".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }
}
