//! CIS 4.5 Ensure Content trust for Docker is Enabled.

use crate::prelude::*;
use dockguard_facts::Fact;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.5"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure Content trust for Docker is Enabled",
    section: Section::Images,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Host,
    rationale: "With content trust on, the docker client refuses to pull, run or build from image tags that \
        are not signed, and signs what it pushes. Without it a tampered or substituted image in a registry \
        (or on the way from it) is used without any check of who published it.",
    audit: "Reads DOCKER_CONTENT_TRUST from /etc/environment, the environment PAM gives every login session. \
        Passes when it is set to a value the docker CLI treats as on (`1`, `true`, or anything that is not a \
        false value); fails when it is absent, empty, or false (`0`, `false`). An unreadable \
        /etc/environment is an error. This covers interactive and SSH logins only: shells that set it in \
        their own profile, CI runners and systemd services that call docker have their own environment, \
        which dockguard does not see, and `--disable-content-trust` overrides it per command.",
    impact: "Pulling, running or building from unsigned tags fails for every login session, which covers most \
        third-party images and, as their signatures expire, Docker Official Images too; pushes need signing \
        keys. Existing scripts break until the images are signed or the command is exempted with \
        `--disable-content-trust`.",
    references: &["https://docs.docker.com/engine/security/trust/"],
    remediation: "Add `DOCKER_CONTENT_TRUST=1` to /etc/environment (and to the environment of CI jobs and \
        services that pull images), then log in again. Sign what you publish (`docker trust sign`) so trusted \
        pulls of your own images succeed. Caveat: Docker began retiring Content Trust (Notary v1) in August \
        2025, and trusted pulls of Docker Official Images fail as their signing certificates expire; plan \
        signature verification with Sigstore cosign or Notation (see 4.12) and record any exception to this \
        rule.",
    check,
};

/// Go's `strconv.ParseBool` false values: the docker CLI treats every other non-empty value as on.
fn is_false(v: &str) -> bool {
    matches!(v, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

fn check(ctx: &Ctx) -> Outcome {
    const WHERE: &str = "/etc/environment";
    let env = match &ctx.facts.docker_environment {
        Fact::Ok(env) => env,
        Fact::Error(e) => {
            return Outcome::error(format!(
                "DOCKER_CONTENT_TRUST of login sessions is unknown: {e}"
            ))
        }
    };
    let target = |status, detail: String| {
        Target::new(
            TargetKind::Host,
            WHERE,
            "DOCKER_CONTENT_TRUST",
            status,
            detail,
        )
    };
    match env.get("DOCKER_CONTENT_TRUST").map(|v| v.trim()) {
        None => {
            Outcome::fail("content trust is not enabled for login sessions").with_target(target(
                Status::Fail,
                format!("DOCKER_CONTENT_TRUST is not set in {WHERE} (off by default)"),
            ))
        }
        Some(v) if v.is_empty() || is_false(v) => {
            Outcome::fail("content trust is disabled for login sessions").with_target(target(
                Status::Fail,
                format!("DOCKER_CONTENT_TRUST={v} in {WHERE}"),
            ))
        }
        Some(v) => {
            let note = if v == "1" {
                String::new()
            } else {
                " (the docker CLI treats it as on)".to_string()
            };
            Outcome::pass("content trust is enabled for login sessions").with_target(target(
                Status::Pass,
                format!("DOCKER_CONTENT_TRUST={v} in {WHERE}{note}"),
            ))
        }
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let env = |v: Option<&str>| {
        let v = v.map(str::to_string);
        host_with(move |f| {
            f.docker_environment = Fact::Ok(
                v.into_iter()
                    .map(|v| ("DOCKER_CONTENT_TRUST".to_string(), v))
                    .collect(),
            );
        })
    };
    vec![
        Fixture::pass("DOCKER_CONTENT_TRUST=1", compliant_host()),
        Fixture::pass("DOCKER_CONTENT_TRUST=true", env(Some("true"))),
        Fixture::fail("not set", env(None)),
        Fixture::fail("DOCKER_CONTENT_TRUST=0", env(Some("0"))),
        Fixture::error(
            "/etc/environment unreadable",
            host_with(|f| f.docker_environment = Fact::Error("permission denied".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_value(v: Option<&str>) -> dockguard_facts::Facts {
        host_with(|f| {
            let mut env = std::collections::BTreeMap::new();
            if let Some(v) = v {
                env.insert("DOCKER_CONTENT_TRUST".to_string(), v.to_string());
            }
            f.docker_environment = Fact::Ok(env);
        })
    }

    #[test]
    fn enabled_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "DOCKER_CONTENT_TRUST=1 in /etc/environment"
        );
    }

    #[test]
    fn other_truthy_values_pass_like_the_cli() {
        for v in ["true", "yes", "on"] {
            assert_eq!(run(&RULE, &with_value(Some(v))).status, Status::Pass, "{v}");
        }
    }

    #[test]
    fn absent_empty_or_false_fails() {
        for v in [None, Some(""), Some("0"), Some("false")] {
            assert_eq!(run(&RULE, &with_value(v)).status, Status::Fail, "{v:?}");
        }
        let out = run(&RULE, &with_value(None));
        assert!(out.targets[0].detail.contains("not set"));
    }

    #[test]
    fn unreadable_environment_is_an_error() {
        let f = host_with(|f| f.docker_environment = Fact::Error("permission denied".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
