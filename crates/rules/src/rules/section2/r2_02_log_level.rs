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
    audit: "Reads whether the daemon runs in debug mode: `Debug` in docker info (the live value), else the \
        `-D`/`--debug` flag or `\"debug\": true` in daemon.json. Debug mode logs at debug level whatever \
        `log-level` says, so it fails. Then reads the effective `log-level`: the `--log-level`/`-l` flag, \
        else `log-level` in daemon.json, else the default (`info`). Passes only for `info` without debug \
        mode, and only when the daemon.json the values come from was loaded by the running dockerd (older \
        than the process); otherwise the running value is unknown and the rule is an error.",
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
    // `-D`, `--debug`, `"debug": true`: the daemon logs at debug level whatever `log-level` says.
    let (debug, debug_setting) = match ctx.daemon.bool("debug") {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    if debug {
        let origin = debug_setting
            .map(|s| s.origin(&ctx.daemon.config_path))
            .unwrap_or_else(|| "dockerd".into());
        return Outcome::fail("the daemon runs in debug mode, which logs at debug level")
            .with_target(Target::setting(
                "debug",
                Status::Fail,
                format!("debug=true (from {origin})"),
            ));
    }
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
        Fixture::fail(
            "-D (debug mode), not reported live",
            host_with(|f| {
                docker_mut(f).info.debug = None;
                add_flags(f, &["-D"]);
            }),
        ),
        Fixture::fail(
            "\"debug\": true in daemon.json, not reported live",
            host_with(|f| {
                docker_mut(f).info.debug = None;
                daemon_json_set(f, "debug", serde_json::json!(true));
            }),
        ),
        Fixture::fail(
            "docker info reports Debug (turned on by a reload of a since-changed daemon.json)",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f).info.debug = Some(true);
            }),
        ),
        Fixture::error(
            "daemon.json changed after dockerd started",
            host_with(|f| {
                stale_daemon_json(f);
                daemon_json_remove(f, "log-level");
                docker_mut(f).info.debug = None;
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
    fn debug_mode_fails_whatever_the_log_level() {
        // As a daemon that does not report Debug in docker info shows it: flags and daemon.json decide.
        let unreported = |f: &mut dockguard_facts::Facts| docker_mut(f).info.debug = None;
        for f in [
            host_with(|f| {
                unreported(f);
                add_flags(f, &["-D"])
            }),
            host_with(|f| {
                unreported(f);
                add_flags(f, &["--debug"])
            }),
            host_with(|f| {
                unreported(f);
                daemon_json_set(f, "debug", serde_json::json!(true))
            }),
        ] {
            let out = run(&RULE, &f);
            assert_eq!(out.status, Status::Fail, "{out:?}");
        }
        // The live value wins over the files.
        let mut f = host_with(|f| daemon_json_set(f, "debug", serde_json::json!(true)));
        docker_mut(&mut f).info.debug = Some(false);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        f.daemon.config_file.content = dockguard_facts::Fact::Ok(Some("{ \"log-level\": ".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
