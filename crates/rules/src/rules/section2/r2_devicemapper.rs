//! CIS 1.8.0 2.7 Ensure devicemapper storage driver is not used (not in CIS 1.6.0 nor the Azure baseline;
//! reported when selected as `cis-1.8:2.7`).

use super::common::{setting_target, unknown};
use crate::prelude::*;

const KEY: &str = "storage-driver";

pub static RULE: Rule = Rule {
    azure: None,
    cis: &[],
    profiles: NO_PROFILE,
    assessment: Assessment::Automated,
    title: "Ensure devicemapper storage driver is not used",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "devicemapper was deprecated in Docker Engine 20.10 and removed in 25.0. In loop-lvm mode it is \
        slow and fragile, and its thin pools fill up and take every container down with them. A host on it \
        cannot be upgraded to a supported Engine without migrating its storage.",
    audit: "Reads the storage driver in use from `docker info` (`Driver`); without the Docker API, the \
        `--storage-driver`/`-s` flag, else daemon.json. Passes unless it is `devicemapper`; an unknown driver \
        is an error. This is CIS Docker Benchmark 1.8.0's new 2.7 (1.6.0 has no such item).",
    impact: "Leaving devicemapper means downtime: images must be pulled or loaded again, containers \
        recreated, and data in devicemapper-backed volumes copied out and back. overlay2 also needs a \
        supported backing filesystem (ext4, or xfs formatted with ftype=1).",
    references: &[
        "https://docs.docker.com/engine/storage/drivers/select-storage-driver/",
    ],
    remediation: "Move to `overlay2`: save or push the images you need (`docker save`), set `\"storage-driver\": \
        \"overlay2\"` in /etc/docker/daemon.json, remove any `dm.*` storage options, `systemctl restart docker`, \
        then load the images again and recreate the containers. Data in devicemapper volumes must be copied out \
        first.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return unknown(
                KEY,
                "the storage driver in use is unknown: none is configured and docker info was not available".into(),
            )
        }
        Err(e) => return unknown(KEY, e),
    };
    let driver = setting.as_str().unwrap_or_default();
    if driver.eq_ignore_ascii_case("devicemapper") {
        Outcome::fail("the daemon stores images and containers with the devicemapper driver")
            .with_target(setting_target(
                ctx,
                KEY,
                Status::Fail,
                driver,
                Some(setting),
            ))
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
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("overlay2", compliant_host()),
        Fixture::fail(
            "live devicemapper",
            host_with(|f| docker_mut(f).info.driver = Some("devicemapper".into())),
        ),
        Fixture::fail(
            "devicemapper in daemon.json, Docker API unreachable",
            host_with(|f| {
                f.docker = dockguard_facts::Fact::Error("unreachable".into());
                daemon_json_set(f, KEY, json!("devicemapper"));
            }),
        ),
        Fixture::error(
            "driver unknown",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn overlay2_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn devicemapper_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.driver = Some("devicemapper".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.targets[0].detail.contains("devicemapper"),
            "{:?}",
            out.targets
        );
    }

    #[test]
    fn unknown_driver_is_an_error() {
        let mut f = compliant_host();
        f.docker = dockguard_facts::Fact::Error("unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
