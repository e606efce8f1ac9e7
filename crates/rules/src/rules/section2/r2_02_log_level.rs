//! 2.02 Ensure the logging level is set to 'info'.

use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("2.02"),
    cis: &["2.3"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the logging level is set to 'info'",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "The daemon's log is the record of who did what through the Docker API. At `info` it keeps the \
        events worth reviewing; `debug` floods it and can leak request details, while `warn` and above drop \
        events an investigation needs.",
    audit: "Reads the effective `log-level`: the dockerd `--log-level`/`-l` flag, else `log-level` in \
        daemon.json, else the default (`info`). Passes only for `info`.",
    impact: "Very little, since `info` is the default. Hosts that ran at `debug` lose the per-request detail \
        used for troubleshooting (switch it on briefly when needed), and hosts at `warn` or above write \
        somewhat more daemon log.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Remove `--log-level` from the dockerd command line and `log-level` from daemon.json (the \
        default is `info`), or set it to `info` explicitly, then restart the daemon.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get("log-level") {
        Ok(s) => s,
        Err(e) => return Outcome::error(e),
    };
    let (level, origin) = match setting {
        Some(s) => (
            s.as_str().unwrap_or_default().to_ascii_lowercase(),
            s.origin(&ctx.daemon.config_path),
        ),
        None => ("info".to_string(), "dockerd default".to_string()),
    };
    let detail = format!("log-level={level} (from {origin})");
    if level == "info" {
        Outcome::pass("the daemon logs at info").with_target(Target::setting(
            "log-level",
            Status::Pass,
            detail,
        ))
    } else {
        Outcome::fail(format!("the daemon logs at {level}, not info")).with_target(Target::setting(
            "log-level",
            Status::Fail,
            detail,
        ))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("info in daemon.json", compliant_host()),
        Fixture::pass(
            "unset (default info)",
            host_with(|f| daemon_json_remove(f, "log-level")),
        ),
        Fixture::fail(
            "debug flag",
            host_with(|f| {
                daemon_json_remove(f, "log-level");
                add_flags(f, &["--log-level=debug"]);
            }),
        ),
        Fixture::error(
            "malformed daemon.json",
            host_with(|f| {
                f.daemon.config_file.content = dockguard_facts::Fact::Ok(Some("{".into()))
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn info_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn unset_means_info() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "log-level");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains("dockerd default"));
    }

    #[test]
    fn debug_in_daemon_json_fails() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "log-level", serde_json::json!("debug"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "log-level=debug (from /etc/docker/daemon.json)"
        );
    }

    #[test]
    fn debug_flag_fails() {
        // The flag is where docker-bench looks least: `--log-level=debug` with nothing in daemon.json.
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "log-level");
        add_flags(&mut f, &["--log-level=debug"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("command line"));
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        f.daemon.config_file.content = dockguard_facts::Fact::Ok(Some("{ \"log-level\": ".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
