//! 2.07 Ensure the default ulimit is configured appropriately.

use super::common::{setting_target, unknown};
use crate::prelude::*;
use dockguard_facts::daemon::value_text;
use serde_json::Value;

const KEY: &str = "default-ulimits";

pub static RULE: Rule = Rule {
    azure: Some("2.07"),
    cis: &["2.8"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the default ulimit's configured appropriately",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Daemon,
    rationale: "Default ulimits cap what any one container may take of per-process resources such as open \
        files and processes. Without them a runaway or hostile container can exhaust file descriptors or \
        fork until the host stops responding.",
    audit: "Reads the effective `default-ulimits` (`--default-ulimit` flags, else daemon.json). Fails when \
        none is set; passes when at least one is, listing them. Whether the values suit the workload is \
        the operator's call: the baseline sets no threshold. Per-container `--ulimit` settings do not \
        satisfy this rule, which is about the daemon-wide default.",
    impact: "New containers get these limits unless they set their own `--ulimit`, so workloads that open \
        many files or start many processes (databases, build jobs, JVMs) can hit `too many open files` or \
        fork failures until given a higher limit. An `nproc` limit counts all processes of the same uid, \
        including those in other containers.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
        "https://docs.docker.com/reference/cli/docker/container/run/",
    ],
    remediation: "Add defaults that fit your workloads to /etc/docker/daemon.json, e.g. \
        `\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 4096}, \
        \"nproc\": {\"Name\": \"nproc\", \"Soft\": 1024, \"Hard\": 2048}}` (or `--default-ulimit \
        nofile=1024:4096`), then `systemctl restart docker`. Containers that need more can raise their own \
        limit with `docker run --ulimit`.",
    check,
};

/// One ulimit as `name=soft:hard`. daemon.json gives `{"Name", "Soft", "Hard"}`, a flag gives `soft:hard`.
fn ulimit(name: &str, v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let field = |k: &str| m.get(k).map(value_text).unwrap_or_else(|| "?".into());
            format!("{name}={}:{}", field("Soft"), field("Hard"))
        }
        v => format!("{name}={}", value_text(v)),
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let limits: Vec<String> = match setting.map(|s| &s.value) {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| ulimit(k, v)).collect(),
        _ => Vec::new(),
    };
    let value = format!("[{}]", limits.join(", "));
    if limits.is_empty() {
        Outcome::fail("no default ulimits are set: containers inherit the daemon's limits")
            .with_target(setting_target(ctx, KEY, Status::Fail, value, setting))
    } else {
        Outcome::pass(format!(
            "default ulimits are set ({}); check that the values suit your workloads",
            limits.join(", ")
        ))
        .with_target(setting_target(ctx, KEY, Status::Pass, value, setting))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    vec![
        Fixture::pass("default-ulimits in daemon.json", compliant_host()),
        Fixture::pass(
            "--default-ulimit flags",
            host_with(|f| {
                daemon_json_remove(f, KEY);
                add_flags(f, &["--default-ulimit", "nofile=100:200"]);
            }),
        ),
        Fixture::fail(
            "no default ulimits",
            host_with(|f| daemon_json_remove(f, KEY)),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn configured_passes_with_the_values() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "default-ulimits=[nofile=1024:2048] (from /etc/docker/daemon.json)"
        );
    }

    #[test]
    fn none_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, KEY);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "default-ulimits=[] (from dockerd default)"
        );
    }

    #[test]
    fn flags_pass() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, KEY);
        add_flags(
            &mut f,
            &[
                "--default-ulimit",
                "nofile=100:200",
                "--default-ulimit=nproc=50:60",
            ],
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "default-ulimits=[nofile=100:200, nproc=50:60] (from dockerd command line)"
        );
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
