//! 5.03 Ensure Linux Kernel Capabilities are restricted within containers.

use super::common::cap_name;
use crate::check::{per_container, Verdict};
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.03"),
    cis: &["5.4"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure Linux Kernel Capabilities are restricted within containers",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "Capabilities are slices of root's power. Docker's default set is already trimmed; every \
        capability added on top widens what a compromised process can do to the kernel and the host \
        (SYS_ADMIN alone is close to full root, SYS_MODULE loads kernel code, NET_ADMIN rewires the host's \
        networking when combined with host networking). NET_RAW, kept by default, allows packet spoofing on \
        the container network.",
    audit: "Reads CapAdd and CapDrop of every container, running or stopped (names compared without the \
        `CAP_` prefix and case). Fails when the container is privileged, adds ALL, or adds a high-risk \
        capability (SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, SYS_BOOT, \
        SYS_TIME, SYS_RESOURCE, MAC_ADMIN, MAC_OVERRIDE, BPF, PERFMON, SYSLOG, AUDIT_CONTROL, \
        LINUX_IMMUTABLE). Manual when it adds another capability outside Docker's default set, or keeps \
        NET_RAW (neither ALL nor NET_RAW dropped, or NET_RAW added back): only a person can say whether the \
        workload needs it. Passes when nothing beyond Docker's defaults is added and NET_RAW is dropped.",
    impact: "Processes lose the kernel operations behind each dropped capability: without NET_RAW ping and \
        traceroute fail, without CHOWN, SETUID or SETGID entrypoints that fix file ownership or switch users \
        break, and ports below 1024 need NET_BIND_SERVICE back. Finding the minimal set takes testing per image, \
        and tools that truly need SYS_ADMIN-class rights must be redesigned.",
    references: &[
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
        "https://docs.docker.com/reference/cli/docker/container/run/",
    ],
    remediation: "Run containers with `--cap-drop=ALL` and add back only what the process needs, e.g. \
        `--cap-drop=ALL --cap-add=NET_BIND_SERVICE` (Compose: `cap_drop: [ALL]`, `cap_add: [...]`). At the \
        least add `--cap-drop=NET_RAW` when the container does not send raw packets (ping, traceroute). \
        Replace SYS_ADMIN and friends with a narrower mechanism (a specific `--device`, a volume, a sidecar \
        on the host).",
    check,
};

/// Docker's default capability set (moby `oci/caps/defaults.go`).
const DEFAULT_SET: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Capabilities that give a container a direct path to the host or the kernel.
const HIGH_RISK: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "SYS_BOOT",
    "SYS_TIME",
    "SYS_RESOURCE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
    "SYSLOG",
    "AUDIT_CONTROL",
    "LINUX_IMMUTABLE",
];

fn caps(list: &[String]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for c in list.iter().map(|c| cap_name(c)) {
        if !c.is_empty() && !v.contains(&c) {
            v.push(c);
        }
    }
    v
}

fn shown(list: &[String]) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.join(",")
    }
}

fn assess(c: &ContainerFacts) -> Verdict {
    if *c.privileged()? {
        return Ok((Status::Fail, "Privileged=true (every capability)".into()));
    }
    let added = caps(c.cap_add()?);
    let dropped = caps(c.cap_drop()?);
    let settings = format!("CapAdd={} CapDrop={}", shown(&added), shown(&dropped));
    let risky: Vec<&str> = added
        .iter()
        .map(String::as_str)
        .filter(|c| HIGH_RISK.contains(c))
        .collect();
    if !risky.is_empty() {
        return Ok((
            Status::Fail,
            format!("adds {} ({settings})", risky.join(", ")),
        ));
    }
    let mut review = Vec::new();
    let extra: Vec<&str> = added
        .iter()
        .map(String::as_str)
        .filter(|c| !DEFAULT_SET.contains(c))
        .collect();
    if !extra.is_empty() {
        review.push(format!(
            "adds {} beyond Docker's default set",
            extra.join(", ")
        ));
    }
    let drops_net_raw = dropped.iter().any(|c| c == "ALL" || c == "NET_RAW");
    if added.iter().any(|c| c == "NET_RAW") {
        review.push("adds NET_RAW back".into());
    } else if !drops_net_raw {
        review.push("keeps NET_RAW (not dropped)".into());
    }
    Ok(if review.is_empty() {
        (Status::Pass, settings)
    } else {
        (
            Status::Manual,
            format!("{}; confirm it is needed ({settings})", review.join("; ")),
        )
    })
}

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, assess)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let caps = |add: &[&str], drop: &[&str]| {
        let (add, drop): (Vec<String>, Vec<String>) = (
            add.iter().map(|s| s.to_string()).collect(),
            drop.iter().map(|s| s.to_string()).collect(),
        );
        host_with(move |f| {
            let c = first_container(f);
            c.cap_add = Some(add);
            c.cap_drop = Some(drop);
        })
    };
    vec![
        Fixture::pass("drop ALL", compliant_host()),
        Fixture::pass(
            "drop ALL, add back NET_BIND_SERVICE",
            caps(&["NET_BIND_SERVICE"], &["ALL"]),
        ),
        Fixture::pass("NET_RAW dropped", caps(&[], &["CAP_NET_RAW"])),
        Fixture::fail("adds SYS_ADMIN", caps(&["cap_sys_admin"], &["ALL"])),
        Fixture::fail("adds ALL", caps(&["all"], &[])),
        Fixture::fail(
            "privileged container",
            host_with(|f| first_container(f).privileged = Some(true)),
        ),
        Fixture::manual("default set keeps NET_RAW", caps(&[], &[])),
        Fixture::manual("adds SYS_NICE", caps(&["SYS_NICE"], &["ALL"])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_caps(add: &[&str], drop: &[&str]) -> Outcome {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.cap_add = Some(add.iter().map(|s| s.to_string()).collect());
        c.cap_drop = Some(drop.iter().map(|s| s.to_string()).collect());
        run(&RULE, &f)
    }

    #[test]
    fn drop_all_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "CapAdd=none CapDrop=ALL");
    }

    #[test]
    fn drop_all_add_back_a_default_passes() {
        assert_eq!(
            with_caps(&["NET_BIND_SERVICE"], &["ALL"]).status,
            Status::Pass
        );
    }

    #[test]
    fn sys_admin_fails_whatever_the_spelling() {
        for cap in ["SYS_ADMIN", "CAP_SYS_ADMIN", "cap_sys_admin", "sys_admin"] {
            let out = with_caps(&[cap], &["ALL"]);
            assert_eq!(out.status, Status::Fail, "{cap}");
            assert!(
                out.targets[0].detail.starts_with("adds SYS_ADMIN"),
                "{}",
                out.targets[0].detail
            );
        }
    }

    #[test]
    fn add_all_fails() {
        assert_eq!(with_caps(&["all"], &[]).status, Status::Fail);
    }

    #[test]
    fn privileged_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = Some(true);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn default_set_with_net_raw_needs_review() {
        let out = with_caps(&[], &[]);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.contains("keeps NET_RAW"));
    }

    #[test]
    fn dropping_net_raw_alone_passes() {
        assert_eq!(with_caps(&[], &["CAP_NET_RAW"]).status, Status::Pass);
    }

    #[test]
    fn net_raw_added_back_needs_review() {
        assert_eq!(with_caps(&["NET_RAW"], &["ALL"]).status, Status::Manual);
    }

    #[test]
    fn uncommon_capability_needs_review() {
        let out = with_caps(&["SYS_NICE"], &["ALL"]);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.starts_with("adds SYS_NICE beyond"));
    }
}
