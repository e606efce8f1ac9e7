//! 2.11 Ensure that authorization for Docker client commands is enabled.

use super::common::{setting_target, unknown};
use crate::prelude::*;

const KEY: &str = "authorization-plugins";

pub static RULE: Rule = Rule {
    azure: Some("2.11"),
    cis: &["2.12"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that authorization for Docker client commands is enabled",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Daemon,
    rationale: "Out of the box, anyone who can reach the Docker API can do everything it offers, including \
        starting privileged containers. An authorization plugin checks each request against a policy, so \
        access can be granted per user and per action instead of all or nothing.",
    audit: "Reads the authorization plugins of the running daemon from `docker info` \
        (`Plugins.Authorization`); without the Docker API, the `--authorization-plugin` flags, else \
        daemon.json. Passes when at least one is enabled. Whether its policy is any good is not assessed.",
    impact: "Every API request goes through the plugin, which adds latency and a dependency: while the \
        plugin is down or its policy is wrong, legitimate docker commands are refused. Someone has to write \
        and maintain the policy and tie callers to identities, in practice client TLS certificates.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Install an authorization plugin (for example `docker plugin install <authz-plugin>` or a \
        systemd-managed one such as OPA's), write its policy, add it with `\"authorization-plugins\": \
        [\"<name>\"]` in /etc/docker/daemon.json (or `--authorization-plugin=<name>`), then \
        `systemctl restart docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let plugins = setting.map(|s| s.as_list()).unwrap_or_default();
    let value = format!("[{}]", plugins.join(", "));
    if plugins.is_empty() {
        Outcome::fail("no authorization plugin: every API client may do everything")
            .with_target(setting_target(ctx, KEY, Status::Fail, value, setting))
    } else {
        Outcome::pass(format!(
            "API requests are authorized by {}",
            plugins.join(", ")
        ))
        .with_target(setting_target(ctx, KEY, Status::Pass, value, setting))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    vec![
        Fixture::pass("live authorization plugin", compliant_host()),
        Fixture::pass(
            "--authorization-plugin flag, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_remove(f, KEY);
                add_flags(f, &["--authorization-plugin=opa-docker-authz"]);
            }),
        ),
        Fixture::fail(
            "live daemon without a plugin",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f)
                    .info
                    .authorization_plugins
                    .as_mut()
                    .unwrap()
                    .clear();
            }),
        ),
        Fixture::fail(
            "no plugin configured, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_remove(f, KEY);
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

    #[test]
    fn plugin_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "authorization-plugins=[authz-broker] (from docker info)"
        );
    }

    #[test]
    fn live_daemon_without_plugin_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f)
            .info
            .authorization_plugins
            .as_mut()
            .unwrap()
            .clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "authorization-plugins=[] (from docker info)"
        );
    }

    #[test]
    fn without_docker_the_config_decides() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_remove(&mut f, KEY);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        add_flags(&mut f, &["--authorization-plugin=opa-docker-authz"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains("command line"));
    }

    #[test]
    fn unknown_without_docker_and_with_a_broken_file() {
        let mut f = compliant_host();
        no_docker(&mut f);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
