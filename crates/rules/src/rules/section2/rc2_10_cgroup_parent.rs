//! CIS 2.10 Ensure the default cgroup usage has been confirmed.
//!
//! The default cgroup parent passes. A daemon-wide `cgroup-parent` is `manual`, never `fail`: CIS allows a
//! deliberate one, and only the operator knows whether it is.

use super::common::{origin, unknown};
use crate::prelude::*;

const KEY: &str = "cgroup-parent";

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["2.10"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure the default cgroup usage has been confirmed",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Daemon,
    rationale: "The cgroup parent decides under which cgroup every container's CPU, memory and pids accounting \
        and limits hang. Docker's default (`/docker` with the cgroupfs driver, `system.slice` with systemd) is \
        well understood; a different parent can put containers under limits, or outside limits, that nobody \
        reviewed.",
    audit: "Reads the effective `cgroup-parent`: the dockerd `--cgroup-parent` flag, else daemon.json, else \
        unset. Unset or empty passes. A value is reported for review with where it came from, together with \
        the cgroup driver (`native.cgroupdriver` in `exec-opts`, and `docker info` CgroupDriver) for context; \
        `exec-opts` cannot set the parent itself. Per-container `--cgroup-parent` is not judged here.",
    impact: "Removing a custom parent puts newly created containers back under Docker's default cgroup, so \
        limits, accounting or monitoring built around the custom parent no longer apply to them; existing \
        containers stay where they are until recreated. Keeping a reviewed parent costs only the review and \
        the record.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
        "https://docs.docker.com/engine/containers/resource_constraints/",
    ],
    remediation: "If the parent was not chosen on purpose, remove `--cgroup-parent` from the dockerd command \
        line (`systemctl cat docker`) and `\"cgroup-parent\"` from /etc/docker/daemon.json, then \
        `systemctl restart docker`. If it was, confirm the parent exists with the limits you expect \
        (`systemctl show <name>.slice` or `cat /sys/fs/cgroup/<path>/memory.max`) and record the decision.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let value = setting
        .map(|s| dockguard_facts::daemon::value_text(&s.value))
        .unwrap_or_default();
    let value = value.trim();
    let driver = cgroup_driver(ctx);
    if value.is_empty() {
        let default = match driver_name(ctx).as_deref() {
            Some("systemd") => "system.slice",
            Some(_) => "/docker",
            None => "/docker, or system.slice with the systemd driver",
        };
        return Outcome::pass(format!(
            "containers use dockerd's default cgroup parent ({default})"
        ))
        .with_target(Target::setting(
            KEY,
            Status::Pass,
            format!("{KEY} not set (from {})", origin(ctx, setting)),
        ))
        .with_targets(driver.map(|d| driver_target(Status::Pass, d)));
    }
    Outcome::manual(format!(
        "every container is placed under the cgroup parent {value} instead of dockerd's default: confirm that \
         this parent was chosen on purpose and carries the limits you expect"
    ))
    .with_target(Target::setting(
        KEY,
        Status::Manual,
        format!("{KEY}={value} (from {})", origin(ctx, setting)),
    ))
    .with_targets(driver.map(|d| driver_target(Status::Manual, d)))
}

/// Context: the cgroup driver the parent is interpreted by.
fn driver_target(status: Status, detail: String) -> Target {
    Target::new(
        TargetKind::Daemon,
        "cgroup-driver",
        "cgroup driver",
        status,
        detail,
    )
}

/// The cgroup driver name: the running daemon's (`docker info`), else `native.cgroupdriver` in `exec-opts`.
fn driver_name(ctx: &Ctx) -> Option<String> {
    let live = ctx
        .docker()
        .ok()
        .and_then(|d| d.info.cgroup_driver.clone())
        .filter(|d| !d.is_empty());
    live.or_else(|| {
        let opts = ctx.daemon.list("exec-opts").ok()?;
        opts.iter().rev().find_map(|o| {
            o.trim()
                .strip_prefix("native.cgroupdriver=")
                .map(String::from)
        })
    })
}

/// Evidence about the cgroup driver, from `exec-opts` and `docker info`.
fn cgroup_driver(ctx: &Ctx) -> Option<String> {
    let mut parts = Vec::new();
    if let Ok(Some(s)) = ctx.daemon.get("exec-opts") {
        if let Some(o) = s
            .as_list()
            .iter()
            .rev()
            .find(|o| o.trim().starts_with("native.cgroupdriver="))
        {
            parts.push(format!("{} (from {})", o.trim(), origin(ctx, Some(s))));
        }
    }
    if let Ok(d) = ctx.docker() {
        if let Some(driver) = d.info.cgroup_driver.as_deref().filter(|v| !v.is_empty()) {
            let mut live = format!("cgroup driver {driver}");
            if let Some(v) = d.info.cgroup_version.as_deref().filter(|v| !v.is_empty()) {
                live.push_str(&format!(", cgroup v{v}"));
            }
            parts.push(format!("{live} (from docker info)"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::break_daemon_json;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("cgroup-parent unset", compliant_host()),
        Fixture::pass(
            "cgroup-parent empty in daemon.json",
            host_with(|f| daemon_json_set(f, KEY, json!(""))),
        ),
        Fixture::manual(
            "cgroup-parent in daemon.json",
            host_with(|f| daemon_json_set(f, KEY, json!("batch.slice"))),
        ),
        Fixture::manual(
            "--cgroup-parent flag",
            host_with(|f| add_flags(f, &["--cgroup-parent", "/restricted"])),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn default_parent_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.reason.contains("system.slice"), "{}", out.reason);
        assert_eq!(
            out.targets[0].detail,
            "cgroup-parent not set (from dockerd default)"
        );
        assert_eq!(
            out.targets[1].detail,
            "cgroup driver systemd, cgroup v2 (from docker info)"
        );
    }

    #[test]
    fn empty_value_in_daemon_json_passes() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, KEY, json!(""));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains("daemon.json"));
    }

    #[test]
    fn parent_in_daemon_json_needs_a_review() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, KEY, json!("batch.slice"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "cgroup-parent=batch.slice (from /etc/docker/daemon.json)"
        );
        assert!(out.reason.contains("batch.slice"), "{}", out.reason);
    }

    #[test]
    fn parent_flag_needs_a_review_with_the_driver() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.cgroup_driver = Some("cgroupfs".into());
        add_flags(
            &mut f,
            &[
                "--cgroup-parent=/restricted",
                "--exec-opt",
                "native.cgroupdriver=cgroupfs",
            ],
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "cgroup-parent=/restricted (from dockerd command line)"
        );
        assert_eq!(
            out.targets[1].detail,
            "native.cgroupdriver=cgroupfs (from dockerd command line); cgroup driver cgroupfs, cgroup v2 \
             (from docker info)"
        );
    }

    #[test]
    fn cgroupfs_default_is_named() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_set(&mut f, "exec-opts", json!(["native.cgroupdriver=cgroupfs"]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.reason.contains("(/docker)"), "{}", out.reason);
    }

    #[test]
    fn unknown_configuration_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.daemon.process = dockguard_facts::Fact::Error("no dockerd process under /proc".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(
            out.reason.contains("command line is unknown"),
            "{}",
            out.reason
        );
    }
}
