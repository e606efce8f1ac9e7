//! 2.05 The 'aufs' storage driver shouldn't be used by the docker daemon.

use super::common::{setting_target, unknown};
use crate::prelude::*;

const KEY: &str = "storage-driver";

pub static RULE: Rule = Rule {
    azure: Some("2.05"),
    cis: &["2.6"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "The 'aufs' storage driver shouldn't be used by the docker daemon",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Daemon,
    rationale: "aufs never entered the mainline kernel, has caused kernel crashes, and has been dropped from \
        current Docker releases and distributions. A host that still uses it runs an old, unmaintained \
        storage stack.",
    audit: "Reads the storage driver in use from `docker info` (`Driver`); without the Docker API, the \
        `--storage-driver`/`-s` flag, else daemon.json. Passes unless it is `aufs`. When the driver is \
        neither reported nor configured (dockerd picks one at start), the rule is an error.",
    impact: "Changing the storage driver is a migration: images, containers and their writable layers under \
        aufs are not visible to overlay2, so images must be pulled or loaded again and containers recreated, \
        after copying out any data kept outside volumes. Plan a maintenance window.",
    references: &[
        "https://docs.docker.com/engine/storage/drivers/select-storage-driver/",
    ],
    remediation: "Move to `overlay2`: save or push the images you need, set `\"storage-driver\": \
        \"overlay2\"` in /etc/docker/daemon.json (or drop the `aufs` setting), `systemctl restart docker`, \
        then pull or load the images again. Containers and images stored under aufs are not carried over.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return unknown(
                KEY,
                "the storage driver in use is unknown: none is configured and docker info was not available"
                    .into(),
            )
        }
        Err(e) => return unknown(KEY, e),
    };
    let driver = setting.as_str().unwrap_or_default();
    if driver.eq_ignore_ascii_case("aufs") {
        Outcome::fail("the daemon stores images and containers with the aufs driver").with_target(
            setting_target(ctx, KEY, Status::Fail, driver, Some(setting)),
        )
    } else {
        Outcome::pass(format!("the storage driver is {driver}")).with_target(setting_target(
            ctx,
            KEY,
            Status::Pass,
            driver,
            Some(setting),
        ))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("overlay2", compliant_host()),
        Fixture::fail(
            "live aufs",
            host_with(|f| docker_mut(f).info.driver = Some("aufs".into())),
        ),
        Fixture::fail(
            "aufs in daemon.json, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_set(f, KEY, json!("aufs"));
            }),
        ),
        Fixture::fail(
            "-s aufs flag, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                add_flags(f, &["-s", "aufs"]);
            }),
        ),
        Fixture::error("driver unknown", host_with(no_docker)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn overlay2_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "storage-driver=overlay2 (from docker info)"
        );
    }

    #[test]
    fn live_aufs_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.driver = Some("aufs".into());
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn configured_aufs_without_docker_fails() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_set(&mut f, KEY, json!("aufs"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "storage-driver=aufs (from /etc/docker/daemon.json)"
        );
        let mut f = compliant_host();
        no_docker(&mut f);
        add_flags(&mut f, &["-s", "aufs"]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unconfigured_without_docker_is_an_error() {
        let mut f = compliant_host();
        no_docker(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
