//! 2.10 Ensure base device size isn't changed until needed.

use super::common::{setting_target, show, unknown};
use crate::prelude::*;

const KEY: &str = "storage-opts";

pub static RULE: Rule = Rule {
    azure: Some("2.10"),
    cis: &["2.11"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure base device size isn't changed until needed",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Daemon,
    rationale: "`dm.basesize` raises the size of every image and container filesystem under the devicemapper \
        driver. Set without need, it lets containers fill the thin pool and take down every other \
        container on the host.",
    audit: "Reads the effective `storage-opts` (`--storage-opt` flags, else daemon.json). Fails when an \
        entry sets `dm.basesize`, passes otherwise. The option only exists for devicemapper, which current \
        Docker releases no longer ship.",
    impact: "Practically none on current engines, which no longer ship devicemapper. On a devicemapper host, \
        containers created afterwards get the default 10 GB root filesystem again, so workloads that need \
        more must keep their data in volumes; the change needs a daemon restart.",
    references: &[
        "https://docs.docker.com/engine/storage/drivers/select-storage-driver/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Remove `dm.basesize` from `storage-opts` in /etc/docker/daemon.json and any \
        `--storage-opt dm.basesize=...` flag, then `systemctl restart docker`. Set it again only when a \
        workload needs larger container filesystems.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let opts = setting.map(|s| s.as_list()).unwrap_or_default();
    let value = setting
        .map(|s| show(&s.value))
        .unwrap_or_else(|| "[]".into());
    let basesize: Vec<&String> = opts
        .iter()
        .filter(|o| o.trim().to_ascii_lowercase().starts_with("dm.basesize"))
        .collect();
    match basesize.last() {
        None => Outcome::pass("the base device size is not changed").with_target(setting_target(
            ctx,
            KEY,
            Status::Pass,
            value,
            setting,
        )),
        Some(o) => Outcome::fail(format!("the base device size is changed ({})", o.trim()))
            .with_target(setting_target(ctx, KEY, Status::Fail, value, setting)),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("no storage options", compliant_host()),
        Fixture::pass(
            "other storage options",
            host_with(|f| daemon_json_set(f, KEY, json!(["overlay2.size=10G"]))),
        ),
        Fixture::fail(
            "dm.basesize in daemon.json",
            host_with(|f| {
                daemon_json_set(
                    f,
                    KEY,
                    json!(["dm.thinpooldev=/dev/mapper/thin", "dm.basesize=50G"]),
                )
            }),
        ),
        Fixture::fail(
            "--storage-opt dm.basesize flag",
            host_with(|f| add_flags(f, &["--storage-opt", "dm.basesize=20G"])),
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
    fn unset_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "storage-opts=[] (from dockerd default)"
        );
    }

    #[test]
    fn other_options_pass() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, KEY, json!(["overlay2.size=10G"]));
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn basesize_in_daemon_json_fails() {
        let mut f = compliant_host();
        daemon_json_set(
            &mut f,
            KEY,
            json!(["dm.thinpooldev=/dev/mapper/thin", "dm.basesize=50G"]),
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.reason,
            "the base device size is changed (dm.basesize=50G)"
        );
    }

    #[test]
    fn basesize_flag_fails() {
        let mut f = compliant_host();
        add_flags(&mut f, &["--storage-opt", "dm.basesize=20G"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "storage-opts=[dm.basesize=20G] (from dockerd command line)"
        );
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
