//! 2.08 Enable user namespace support.

use super::common::{setting_target, unknown};
use crate::prelude::*;

const KEY: &str = "userns-remap";

pub static RULE: Rule = Rule {
    azure: Some("2.08"),
    cis: &["2.9"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Enable user namespace support",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Daemon,
    rationale: "Without user namespaces, root in a container is root on the host: a container escape, or a \
        bind mount of a host directory, acts with full host privileges. With remapping, container root is \
        an unprivileged subordinate uid on the host.",
    audit: "Reads `userns-remap` as the running daemon reports it (`docker info` lists `name=userns` in \
        `SecurityOptions`); without the Docker API, the `--userns-remap` flag, else daemon.json. Passes when \
        remapping is on. A rootless daemon (`name=rootless`) also passes: it runs in a user namespace of an \
        unprivileged user, which gives the same protection.",
    impact: "The daemon switches to a new data directory, so existing images and containers seem to vanish \
        until pulled or recreated, and files in bind mounts and volumes must be owned by the remapped uids \
        to stay writable. Host PID or network namespace sharing, `--privileged` and volume drivers unaware \
        of the mapping do not work unless that container opts out with `--userns=host`.",
    references: &[
        "https://docs.docker.com/engine/security/userns-remap/",
    ],
    remediation: "Make sure /etc/subuid and /etc/subgid have a range for the remap user (`dockremap` is \
        created by `default`), set `\"userns-remap\": \"default\"` in /etc/docker/daemon.json (or pass \
        `--userns-remap=default`), then `systemctl restart docker`. Images and containers live under a new \
        data directory afterwards; pull or recreate them, and give host-mounted directories to the remapped \
        uid. Containers that need host root can opt out with `--userns=host`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let rootless = ctx
        .docker()
        .is_ok_and(|d| d.info.has_security_option("rootless") == Ok(true));
    if rootless {
        return Outcome::pass("the daemon runs rootless, inside a user namespace").with_target(
            Target::setting(
                KEY,
                Status::Pass,
                "rootless daemon (from docker info SecurityOptions name=rootless)",
            ),
        );
    }
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let value = setting.and_then(|s| s.as_str()).unwrap_or_default();
    if value.is_empty() {
        Outcome::fail("user namespace remapping is off: root in a container is root on the host")
            .with_target(setting_target(ctx, KEY, Status::Fail, value, setting))
    } else {
        Outcome::pass(format!("container users are remapped ({value})"))
            .with_target(setting_target(ctx, KEY, Status::Pass, value, setting))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("userns-remap live", compliant_host()),
        Fixture::pass(
            "rootless daemon",
            host_with(|f| {
                let info = &mut docker_mut(f).info;
                info.security_options
                    .as_mut()
                    .unwrap()
                    .retain(|o| o != "name=userns");
                info.security_options
                    .as_mut()
                    .unwrap()
                    .push("name=rootless".into());
            }),
        ),
        Fixture::pass(
            "--userns-remap flag, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_remove(f, KEY);
                add_flags(f, &["--userns-remap=default"]);
            }),
        ),
        Fixture::fail(
            "configured but not live",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f)
                    .info
                    .security_options
                    .as_mut()
                    .unwrap()
                    .retain(|o| o != "name=userns")
            }),
        ),
        Fixture::fail(
            "empty userns-remap, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_set(f, KEY, json!(""));
            }),
        ),
        Fixture::error(
            "Docker API unreachable and daemon.json malformed",
            host_with(|f| {
                no_docker(f);
                break_daemon_json(f);
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn remapped_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "userns-remap=default (from docker info)"
        );
    }

    #[test]
    fn live_daemon_without_userns_fails_despite_the_file() {
        let mut f = compliant_host();
        docker_mut(&mut f)
            .info
            .security_options
            .as_mut()
            .unwrap()
            .retain(|o| o != "name=userns");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "userns-remap= (from docker info)");
    }

    #[test]
    fn rootless_passes() {
        let mut f = compliant_host();
        let info = &mut docker_mut(&mut f).info;
        info.security_options
            .as_mut()
            .unwrap()
            .retain(|o| o != "name=userns");
        info.security_options
            .as_mut()
            .unwrap()
            .push("name=rootless".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn without_docker_the_config_decides() {
        let mut f = compliant_host();
        no_docker(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        daemon_json_remove(&mut f, KEY);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        add_flags(&mut f, &["--userns-remap=default"]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn empty_value_in_daemon_json_fails() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_set(&mut f, KEY, json!(""));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unknown_without_docker_and_with_a_broken_file() {
        let mut f = compliant_host();
        no_docker(&mut f);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
