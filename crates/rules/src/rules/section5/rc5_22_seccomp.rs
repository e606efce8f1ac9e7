//! CIS 5.22 Ensure the default seccomp profile is not Disabled.

use super::common::security_opt_values;
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.22"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure the default seccomp profile is not Disabled",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "Seccomp filters which system calls a container may make. Docker's default profile blocks \
        several dozen that containers do not need and that have a history of kernel exploits (keyctl, \
        unshare, mount, bpf, ptrace on old kernels ...). Turning it off hands the whole kernel attack \
        surface to every process in the container.",
    audit: "Reads the daemon's seccomp support and default profile from docker info SecurityOptions \
        (`name=seccomp,profile=...`), then HostConfig.SecurityOpt of every container, running or stopped. \
        Fails for `seccomp=unconfined` (or `seccomp:unconfined`), for privileged containers (which run \
        without any filter), for a custom profile whose default action allows every call and that has no \
        rules, and, for containers without their own seccomp option, when the daemon's default profile is \
        `unconfined` or the daemon reports no seccomp support at all. Passes with Docker's default profile \
        or a custom one (the evidence says which; a custom profile is shown by its size, not its text). \
        An empty SecurityOptions list from docker info is an error.",
    impact: "Containers that ran unconfined lose the system calls Docker's default profile blocks (mount, \
        unshare, keyctl, reboot, kernel module loading and others), so nested container runtimes, some debuggers \
        and tracing tools fail until given a custom profile that allows just what they need. The filtering \
        itself costs next to nothing.",
    references: &["https://docs.docker.com/engine/security/seccomp/"],
    remediation: "Recreate the container without `--security-opt seccomp=unconfined` and without \
        `--privileged` (Compose: drop `seccomp:unconfined` from `security_opt`). If one system call is \
        really needed, copy Docker's default profile, allow just that call and pass it with \
        `--security-opt seccomp=/path/profile.json`. Remove `\"seccomp-profile\": \"unconfined\"` from \
        daemon.json and restart dockerd if it is set there.",
    check,
};

/// The daemon's default seccomp profile, `None` when it reports no seccomp support.
fn daemon_profile(options: &[String]) -> Option<String> {
    options.iter().find_map(|o| {
        let kvs: Vec<&str> = o.split(',').map(str::trim).collect();
        if !kvs
            .iter()
            .any(|kv| *kv == "name=seccomp" || *kv == "seccomp")
        {
            return None;
        }
        Some(
            kvs.iter()
                .find_map(|kv| kv.strip_prefix("profile="))
                .unwrap_or("builtin")
                .to_string(),
        )
    })
}

/// A profile given inline as JSON (the docker CLI sends the file's content): whether it filters at all.
fn custom_profile(json: &str) -> (Status, String) {
    let size = format!("custom seccomp profile ({} bytes of JSON)", json.len());
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return (
            Status::Manual,
            format!("{size} that is not valid JSON; review what it filters"),
        );
    };
    let default = v
        .get("defaultAction")
        .and_then(|a| a.as_str())
        .unwrap_or("");
    let rules = v
        .get("syscalls")
        .and_then(|s| s.as_array())
        .map_or(0, |s| s.len());
    if default.eq_ignore_ascii_case("SCMP_ACT_ALLOW") && rules == 0 {
        (
            Status::Fail,
            format!("{size} allows every system call (defaultAction SCMP_ACT_ALLOW, no rules)"),
        )
    } else {
        (
            Status::Pass,
            format!("{size}, defaultAction {default}, {rules} syscall rules"),
        )
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let info = match ctx.docker() {
        Ok(d) => &d.info,
        Err(e) => return Outcome::error(e),
    };
    let options = match info.security_options() {
        Ok(o) if !o.is_empty() => o,
        _ => return Outcome::error(
            "docker info reported no SecurityOptions, so the daemon's seccomp support is unknown",
        ),
    };
    let daemon = daemon_profile(options);
    per_container(ctx, |c| {
        if *c.privileged()? {
            return Ok((
                Status::Fail,
                "Privileged=true (no seccomp filtering)".into(),
            ));
        }
        let opts = security_opt_values(c, "seccomp")?;
        if let Some(v) = opts
            .iter()
            .flatten()
            .find(|v| v.eq_ignore_ascii_case("unconfined"))
        {
            return Ok((Status::Fail, format!("seccomp={v}")));
        }
        Ok(match (opts.iter().flatten().last(), &daemon) {
            (_, None) => (
                Status::Fail,
                "the daemon reports no seccomp support (docker info SecurityOptions)".into(),
            ),
            (Some(v), _) if v.trim_start().starts_with('{') => custom_profile(v),
            (Some(v), _) => (Status::Pass, format!("seccomp={v}")),
            (None, Some(p)) if p.eq_ignore_ascii_case("unconfined") => (
                Status::Fail,
                "no seccomp option, and the daemon's default profile is unconfined".into(),
            ),
            (None, Some(p)) => (
                Status::Pass,
                format!("the daemon's default seccomp profile ({p})"),
            ),
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("default profile", compliant_host()),
        Fixture::pass(
            "custom profile",
            host_with(|f| {
                first_container(f).security_opt.as_mut().unwrap().push(
                    r#"seccomp={"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#
                        .into(),
                )
            }),
        ),
        Fixture::fail(
            "seccomp=unconfined",
            host_with(|f| {
                first_container(f)
                    .security_opt
                    .as_mut()
                    .unwrap()
                    .push("seccomp=unconfined".into())
            }),
        ),
        Fixture::fail(
            "privileged container",
            host_with(|f| first_container(f).privileged = Some(true)),
        ),
        Fixture::fail(
            "daemon default unconfined",
            host_with(|f| {
                docker_mut(f).info.security_options = Some(vec![
                    "name=apparmor".into(),
                    "name=seccomp,profile=unconfined".into(),
                ])
            }),
        ),
        Fixture::error(
            "SecurityOptions not reported",
            host_with(|f| {
                docker_mut(f)
                    .info
                    .security_options
                    .as_mut()
                    .unwrap()
                    .clear()
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_opts(opts: &[&str]) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f).security_opt = Some(opts.iter().map(|s| s.to_string()).collect());
        run(&RULE, &f)
    }

    #[test]
    fn default_profile_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "the daemon's default seccomp profile (builtin)"
        );
    }

    #[test]
    fn unconfined_fails_in_both_spellings() {
        for opt in [
            "seccomp=unconfined",
            "seccomp:unconfined",
            "SECCOMP=Unconfined",
        ] {
            let out = with_opts(&[opt]);
            assert_eq!(out.status, Status::Fail, "{opt}");
        }
        assert_eq!(
            with_opts(&["seccomp:unconfined"]).targets[0].detail,
            "seccomp=unconfined"
        );
    }

    #[test]
    fn privileged_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = Some(true);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn custom_profile_passes_without_showing_its_text() {
        let json = r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#;
        let out = with_opts(&[&format!("seccomp={json}")]);
        assert_eq!(out.status, Status::Pass);
        let d = &out.targets[0].detail;
        assert!(d.starts_with("custom seccomp profile ("), "{d}");
        assert!(
            d.ends_with("defaultAction SCMP_ACT_ERRNO, 1 syscall rules"),
            "{d}"
        );
        assert!(!d.contains("names"));
    }

    #[test]
    fn allow_everything_profile_fails() {
        let out = with_opts(&[r#"seccomp={"defaultAction":"SCMP_ACT_ALLOW"}"#]);
        assert_eq!(out.status, Status::Fail);
    }

    #[test]
    fn unconfined_daemon_default_fails_containers_without_their_own() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = Some(vec![
            "name=apparmor".into(),
            "name=seccomp,profile=unconfined".into(),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "no seccomp option, and the daemon's default profile is unconfined"
        );
    }

    #[test]
    fn daemon_without_seccomp_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = Some(vec!["name=apparmor".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unknown_security_options_are_an_error() {
        let mut f = compliant_host();
        docker_mut(&mut f)
            .info
            .security_options
            .as_mut()
            .unwrap()
            .clear();
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
