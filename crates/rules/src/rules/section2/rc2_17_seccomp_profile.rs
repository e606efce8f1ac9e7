//! CIS 2.17 Ensure that a daemon-wide custom seccomp profile is applied if appropriate.
//!
//! Pass when the running daemon applies a seccomp profile to containers by default, Docker's own (`builtin`,
//! `default`) or a custom one; fail when it applies none (`unconfined`, or no seccomp support at all).

use super::common::origin;
use crate::prelude::*;
use dockguard_facts::Setting;

const KEY: &str = "seccomp-profile";

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["2.17"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that a daemon-wide custom seccomp profile is applied if appropriate",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Daemon,
    rationale: "Seccomp filters the system calls a container may make; the kernel's syscall surface is where \
        most container escapes start. The daemon-wide profile is what every container gets unless it asks for \
        another, so a daemon without one leaves all containers with the whole kernel API.",
    audit: "Reads the seccomp entry of `SecurityOptions` in `docker info` (`name=seccomp,profile=...`). Passes \
        for Docker's default profile (`builtin`, or `default` on older engines), which is the recommended \
        baseline, and for a custom profile (its path is shown; its contents are not reviewed). Fails for \
        `profile=unconfined` and when the daemon reports no seccomp support at all. An engine that names no \
        profile is judged by `seccomp-profile` (flag, else daemon.json). Without the Docker API only a \
        configured `unconfined` can be judged (fail); anything else is an error. Containers that opt out with \
        `--security-opt seccomp=unconfined` are a separate rule.",
    impact: "Containers cannot make the system calls the profile blocks (with Docker's default, for example \
        `mount` or kernel module loading without the matching capability), and workloads that need them fail \
        with EPERM until given a tailored profile. A custom daemon-wide profile must be maintained as \
        kernels and runtimes add system calls, or newer software breaks.",
    references: &[
        "https://docs.docker.com/engine/security/seccomp/",
    ],
    remediation: "Keep Docker's default profile: remove `--seccomp-profile` from the dockerd command line and \
        `\"seccomp-profile\"` from /etc/docker/daemon.json, or set it to `builtin`. For a stricter profile, \
        start from Docker's default (moby `profiles/seccomp/default.json`), tighten it, install it root-owned \
        (for example /etc/docker/seccomp.json, mode 0644) and set `\"seccomp-profile\": \
        \"/etc/docker/seccomp.json\"`. Then `systemctl restart docker` and recreate the containers. If \
        `docker info` shows no seccomp at all, install a kernel with `CONFIG_SECCOMP_FILTER` and a Docker \
        build with seccomp support.",
    check,
};

/// What the daemon's seccomp entry in `SecurityOptions` says.
#[derive(Debug, PartialEq)]
enum Live<'a> {
    /// No seccomp entry: the kernel or the build has no seccomp.
    Absent,
    /// `name=seccomp` without a `profile=` part (older engines).
    Unnamed(&'a str),
    /// `name=seccomp,profile=P`: the option text and P.
    Profile(&'a str, &'a str),
}

fn live(options: &[String]) -> Live<'_> {
    for o in options {
        let parts: Vec<&str> = o.split(',').map(str::trim).collect();
        if !parts
            .iter()
            .any(|p| *p == "name=seccomp" || *p == "seccomp")
        {
            continue;
        }
        return match parts.iter().find_map(|p| p.strip_prefix("profile=")) {
            Some(p) => Live::Profile(o, p),
            None => Live::Unnamed(o),
        };
    }
    Live::Absent
}

/// How a profile name reads: Docker's default, none, or a custom profile.
enum Kind {
    Default,
    Unconfined,
    Custom,
}

fn kind(profile: &str) -> Kind {
    match profile.trim() {
        "" | "builtin" | "default" => Kind::Default,
        p if p.eq_ignore_ascii_case("unconfined") => Kind::Unconfined,
        _ => Kind::Custom,
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let configured = ctx.daemon.get(KEY);
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return without_docker(ctx, configured, e),
    };
    let options = match docker.info.security_options() {
        Ok(o) => o,
        Err(m) => return without_docker(ctx, configured, m.to_string()),
    };
    let (status, reason, detail) = match live(options) {
        Live::Absent => (
            Status::Fail,
            "the daemon applies no seccomp filtering: the kernel or the Docker build lacks seccomp, so \
             containers can make every system call"
                .to_string(),
            format!(
                "no seccomp entry in docker info SecurityOptions ({})",
                if options.is_empty() {
                    "none".to_string()
                } else {
                    options.join("; ")
                }
            ),
        ),
        Live::Profile(o, p) => {
            let (status, reason) = judge(p);
            (status, reason, format!("{o} (from docker info)"))
        }
        Live::Unnamed(o) => match &configured {
            Err(e) => {
                return Outcome::error(format!(
                    "the daemon supports seccomp but does not name its profile, and {e}"
                ))
                .with_target(Target::setting(
                    KEY,
                    Status::Error,
                    format!("{o} (from docker info); {KEY} could not be determined"),
                ))
            }
            Ok(s) => {
                let p = s
                    .and_then(|s| s.as_str())
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let (status, reason) = judge(&p);
                return Outcome::new(status, reason).with_target(config_target(
                    ctx,
                    status,
                    *s,
                    Some(format!("{o} (from docker info), profile not named")),
                ));
            }
        },
    };
    let mut out = Outcome::new(status, reason).with_target(Target::setting(KEY, status, detail));
    // The configured value, when set, as context: it can differ from the live one until a restart.
    if let Ok(Some(s)) = configured {
        out = out.with_target(config_target(ctx, status, Some(s), None));
    }
    out
}

/// Status and reason for a named profile.
fn judge(profile: &str) -> (Status, String) {
    match kind(profile) {
        Kind::Default => (
            Status::Pass,
            "containers get Docker's default seccomp profile, the recommended baseline (a custom daemon-wide \
             profile is only needed to restrict further)"
                .to_string(),
        ),
        Kind::Unconfined => (
            Status::Fail,
            "the daemon-wide seccomp profile is unconfined: containers run without a system call filter \
             unless each one sets its own"
                .to_string(),
        ),
        Kind::Custom => (
            Status::Pass,
            format!(
                "containers get the custom daemon-wide seccomp profile {profile} (review its contents: \
                 dockguard does not read it)"
            ),
        ),
    }
}

/// The configured `seccomp-profile`, with `prefix` (the live evidence) when the configuration decided.
fn config_target(ctx: &Ctx, status: Status, s: Option<&Setting>, prefix: Option<String>) -> Target {
    let value = s.and_then(|s| s.as_str()).unwrap_or_default().trim();
    let shown = match s {
        Some(s) if !value.is_empty() => format!("{KEY}={value} (from {})", origin(ctx, Some(s))),
        Some(s) => format!("{KEY} empty (from {})", origin(ctx, Some(s))),
        None => format!("{KEY} not set"),
    };
    let detail = match prefix {
        Some(p) => format!("{p}; {shown}"),
        None => shown,
    };
    Target::setting(KEY, status, detail)
}

/// Without `docker info`, only a configured `unconfined` is certain.
fn without_docker(ctx: &Ctx, configured: Result<Option<&Setting>, String>, why: String) -> Outcome {
    if let Ok(Some(s)) = configured {
        let value = s.as_str().unwrap_or_default();
        if matches!(kind(value), Kind::Unconfined) {
            let (status, reason) = judge(value);
            return Outcome::new(status, reason).with_target(config_target(
                ctx,
                status,
                Some(s),
                None,
            ));
        }
    }
    Outcome::error(format!(
        "whether the daemon applies a seccomp profile cannot be told without docker info: {why}"
    ))
    .with_target(Target::setting(
        KEY,
        Status::Error,
        "docker info SecurityOptions unavailable",
    ))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::no_docker;
    use crate::testing::*;
    use dockguard_facts::Facts;
    use serde_json::json;
    fn seccomp(f: &mut Facts, option: Option<&str>) {
        let opts = docker_mut(f).info.security_options.as_mut().unwrap();
        opts.retain(|o| !o.contains("seccomp"));
        opts.extend(option.map(String::from));
    }
    vec![
        Fixture::pass("Docker's builtin profile", compliant_host()),
        Fixture::pass(
            "custom daemon-wide profile",
            host_with(|f| {
                seccomp(f, Some("name=seccomp,profile=/etc/docker/seccomp.json"));
                daemon_json_set(f, KEY, json!("/etc/docker/seccomp.json"));
            }),
        ),
        Fixture::fail(
            "--seccomp-profile=unconfined",
            host_with(|f| {
                seccomp(f, Some("name=seccomp,profile=unconfined"));
                add_flags(f, &["--seccomp-profile=unconfined"]);
            }),
        ),
        Fixture::fail("no seccomp support", host_with(|f| seccomp(f, None))),
        Fixture::error("Docker API unreachable", host_with(no_docker)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Facts;
    use serde_json::json;

    fn set_seccomp(f: &mut Facts, option: Option<&str>) {
        let opts = docker_mut(f).info.security_options.as_mut().unwrap();
        opts.retain(|o| !o.contains("seccomp"));
        if let Some(o) = option {
            opts.push(o.into());
        }
    }

    #[test]
    fn builtin_profile_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.reason.contains("default seccomp profile"));
        assert_eq!(
            out.targets[0].detail,
            "name=seccomp,profile=builtin (from docker info)"
        );
        assert_eq!(out.targets.len(), 1);
    }

    #[test]
    fn older_default_name_passes() {
        let mut f = compliant_host();
        set_seccomp(&mut f, Some("name=seccomp,profile=default"));
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn custom_profile_passes_and_shows_it() {
        let mut f = compliant_host();
        set_seccomp(
            &mut f,
            Some("name=seccomp,profile=/etc/docker/seccomp.json"),
        );
        daemon_json_set(&mut f, KEY, json!("/etc/docker/seccomp.json"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.reason.contains("/etc/docker/seccomp.json"));
        assert_eq!(
            out.targets[1].detail,
            "seccomp-profile=/etc/docker/seccomp.json (from /etc/docker/daemon.json)"
        );
    }

    #[test]
    fn unconfined_fails() {
        let mut f = compliant_host();
        set_seccomp(&mut f, Some("name=seccomp,profile=unconfined"));
        add_flags(&mut f, &["--seccomp-profile=unconfined"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("unconfined"));
        assert_eq!(
            out.targets[1].detail,
            "seccomp-profile=unconfined (from dockerd command line)"
        );
    }

    #[test]
    fn no_seccomp_at_all_fails() {
        let mut f = compliant_host();
        set_seccomp(&mut f, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "no seccomp entry in docker info SecurityOptions (name=apparmor; name=userns)"
        );
    }

    #[test]
    fn unnamed_profile_is_judged_by_the_configuration() {
        let mut f = compliant_host();
        set_seccomp(&mut f, Some("name=seccomp"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "name=seccomp (from docker info), profile not named; seccomp-profile not set"
        );
        daemon_json_set(&mut f, KEY, json!("unconfined"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn without_docker_only_unconfined_is_decided() {
        let mut f = compliant_host();
        no_docker(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        daemon_json_set(&mut f, KEY, json!("/etc/docker/seccomp.json"));
        assert_eq!(run(&RULE, &f).status, Status::Error);
        daemon_json_set(&mut f, KEY, json!("unconfined"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn seccomp_options() {
        let o = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let a = o(&["name=apparmor", "name=seccomp,profile=builtin"]);
        assert_eq!(
            live(&a),
            Live::Profile("name=seccomp,profile=builtin", "builtin")
        );
        let b = o(&["seccomp"]);
        assert_eq!(live(&b), Live::Unnamed("seccomp"));
        assert_eq!(live(&o(&["name=apparmor"])), Live::Absent);
    }
}
