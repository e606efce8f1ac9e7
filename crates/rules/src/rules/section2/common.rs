//! Helpers shared by the section 2 rules: evidence for daemon settings and rules over one boolean setting.

use crate::prelude::*;
use dockguard_facts::daemon::value_text;
use dockguard_facts::Setting;
use serde_json::Value;

/// Where a setting came from: `dockerd default`, the daemon.json path, `dockerd command line` or
/// `docker info`; `not set` when dockerd has neither a value nor a default.
pub fn origin(ctx: &Ctx, s: Option<&Setting>) -> String {
    s.map(|s| s.origin(&ctx.daemon.config_path))
        .unwrap_or_else(|| "not set".into())
}

/// A JSON value for evidence: strings without quotes, lists as `[a, b]`.
pub fn show(v: &Value) -> String {
    match v {
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        v => value_text(v),
    }
}

/// `key=value (from ORIGIN)`, the value shown as given.
pub fn detail(ctx: &Ctx, key: &str, value: impl std::fmt::Display, s: Option<&Setting>) -> String {
    format!("{key}={value} (from {})", origin(ctx, s))
}

/// A setting target with the standard `key=value (from ORIGIN)` detail.
pub fn setting_target(
    ctx: &Ctx,
    key: &str,
    status: Status,
    value: impl std::fmt::Display,
    s: Option<&Setting>,
) -> Target {
    Target::setting(key, status, detail(ctx, key, value, s))
}

/// The outcome for a setting whose value cannot be known.
pub fn unknown(key: &str, reason: String) -> Outcome {
    Outcome::error(reason).with_target(Target::setting(
        key,
        Status::Error,
        format!("{key} could not be determined"),
    ))
}

/// A rule over one boolean daemon setting: pass when its effective value is `want`.
pub fn bool_rule(ctx: &Ctx, key: &str, want: bool, pass: &str, fail: &str) -> Outcome {
    match ctx.daemon.bool(key) {
        Err(e) => unknown(key, e),
        Ok((value, s)) if value == want => {
            Outcome::pass(pass).with_target(setting_target(ctx, key, Status::Pass, value, s))
        }
        Ok((value, s)) => {
            Outcome::fail(fail).with_target(setting_target(ctx, key, Status::Fail, value, s))
        }
    }
}

/// The combined status of a rule's targets: a failure is certain, so it wins over an error; an error wins
/// over a pass.
pub fn worst(targets: &[Target]) -> Status {
    let has = |s: Status| targets.iter().any(|t| t.status == s);
    if has(Status::Fail) {
        Status::Fail
    } else if has(Status::Error) {
        Status::Error
    } else {
        Status::Pass
    }
}

#[cfg(test)]
pub mod fixtures {
    use dockguard_facts::{Fact, Facts};

    /// Makes the fixture's daemon.json unparseable.
    pub fn break_daemon_json(f: &mut Facts) {
        f.daemon.config_file.content = Fact::Ok(Some("{ \"icc\": false,, }".into()));
    }

    /// Removes the Docker API facts (the daemon did not answer), so no setting is live.
    pub fn no_docker(f: &mut Facts) {
        f.docker = Fact::Error("connection refused".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_for_evidence() {
        assert_eq!(
            show(&json!(["a:5000", "10.0.0.0/8"])),
            "[a:5000, 10.0.0.0/8]"
        );
        assert_eq!(show(&json!("syslog")), "syslog");
        assert_eq!(show(&json!(true)), "true");
    }

    #[test]
    fn failure_beats_error() {
        let t = |s| Target::setting("k", s, "");
        assert_eq!(
            worst(&[t(Status::Pass), t(Status::Error), t(Status::Fail)]),
            Status::Fail
        );
        assert_eq!(worst(&[t(Status::Pass), t(Status::Error)]), Status::Error);
        assert_eq!(worst(&[t(Status::Pass)]), Status::Pass);
    }
}
