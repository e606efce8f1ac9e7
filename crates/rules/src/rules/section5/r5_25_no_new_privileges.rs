//! 5.25 Ensure the container is restricted from acquiring additional privileges.

use super::common::security_opt_values;
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.25"),
    cis: &["5.26"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the container is restricted from acquiring additional privileges",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "With the kernel's no_new_privs bit set, no process in the container can gain privileges \
        through execve: setuid and setgid binaries and file capabilities stop working as escalation paths. \
        Without it, a foothold as an unprivileged user inside the container can become root through any \
        setuid binary the image ships.",
    audit: "Reads HostConfig.SecurityOpt of every container, running or stopped. The last \
        `no-new-privileges` entry decides: bare, `:true` or `=true` pass; `:false` fails even when the daemon \
        default is on, because the container's option overrides it. Without an entry the daemon's effective \
        `no-new-privileges` (daemon.json or `--no-new-privileges`) decides, since it does not show up in the \
        container's SecurityOpt, but only for a container created by the dockerd that runs now (Created \
        after the process started): the daemon applies its default when it creates a container, so for an \
        older container what applied cannot be told and it is manual. When the setting cannot be determined \
        the container is an error, not a pass.",
    impact: "setuid and setgid programs (sudo, su, some package-manager helpers) and file capabilities no longer \
        raise privileges inside the container, so entrypoints that start as a normal user and escalate through \
        them fail. Images that must change user at start need to start as root and drop privileges themselves \
        (e.g. gosu) or run as the final user from the beginning.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Set it for every container at once: `\"no-new-privileges\": true` in \
        /etc/docker/daemon.json and restart dockerd (new and recreated containers get it). Per container: \
        `docker run --security-opt no-new-privileges ...` (Compose: `security_opt: [no-new-privileges:true]`). \
        Remove any `no-new-privileges:false`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let daemon = ctx.daemon.bool("no-new-privileges");
    per_container(ctx, |c| {
        if let Some(value) = security_opt_values(c, "no-new-privileges")?.last() {
            let shown = match value {
                Some(v) => format!("SecurityOpt no-new-privileges:{v}"),
                None => "SecurityOpt no-new-privileges".into(),
            };
            return Ok(
                match value.map(|v| v.to_ascii_lowercase().parse::<bool>()) {
                    None | Some(Ok(true)) => (Status::Pass, shown),
                    Some(Ok(false)) => (
                        Status::Fail,
                        format!("{shown} (overrides the daemon default)"),
                    ),
                    Some(Err(_)) => (Status::Error, format!("{shown}: not a boolean")),
                },
            );
        }
        // The daemon default is applied when the container is created; inspect does not show it.
        let (on, setting) = daemon
            .as_ref()
            .map_err(|e| format!("no no-new-privileges in SecurityOpt and {e}"))?;
        let origin = setting
            .map(|s| s.origin(&ctx.daemon.config_path))
            .unwrap_or_else(|| "dockerd default".into());
        let shown = format!("no-new-privileges={on} (daemon, from {origin})");
        match ctx.created_under_running_daemon(c) {
            Ok(true) if *on => Ok((Status::Pass, format!("not in SecurityOpt; {shown}, in force when the container was created"))),
            Ok(true) => Ok((Status::Fail, format!("not in SecurityOpt; {shown}"))),
            Ok(false) => Ok((
                Status::Manual,
                format!(
                    "not in SecurityOpt; the container was created before the running dockerd started, so \
                     whether a daemon default ({shown} now) applied to it cannot be told; recreate it or set \
                     --security-opt no-new-privileges"
                ),
            )),
            Err(e) => Ok((
                Status::Manual,
                format!(
                    "not in SecurityOpt; {shown}, but whether it applied to this container cannot be told: {e}"
                ),
            )),
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let opts = |opts: &[&str], daemon: Option<bool>| {
        let opts: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
        host_with(move |f| {
            match daemon {
                Some(b) => daemon_json_set(f, "no-new-privileges", serde_json::json!(b)),
                None => daemon_json_remove(f, "no-new-privileges"),
            }
            first_container(f).security_opt = Some(opts);
        })
    };
    vec![
        Fixture::pass("no-new-privileges:true", compliant_host()),
        Fixture::pass(
            "bare option, daemon default off",
            opts(&["no-new-privileges"], Some(false)),
        ),
        Fixture::pass(
            "daemon default on",
            opts(&["apparmor=docker-default"], Some(true)),
        ),
        Fixture::fail(
            "explicit false overrides the daemon",
            opts(&["no-new-privileges:false"], Some(true)),
        ),
        Fixture::fail(
            "last entry false",
            opts(
                &["no-new-privileges", "no-new-privileges=false"],
                Some(true),
            ),
        ),
        Fixture::fail("neither container nor daemon", opts(&[], None)),
        Fixture::error(
            "daemon.json unreadable",
            host_with(|f| {
                f.daemon.config_file.content =
                    dockguard_facts::Fact::Error("permission denied".into());
                first_container(f).security_opt.as_mut().unwrap().clear();
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_opts(opts: &[&str], daemon: Option<bool>) -> Outcome {
        let mut f = compliant_host();
        match daemon {
            Some(b) => daemon_json_set(&mut f, "no-new-privileges", serde_json::json!(b)),
            None => daemon_json_remove(&mut f, "no-new-privileges"),
        }
        first_container(&mut f).security_opt = Some(opts.iter().map(|s| s.to_string()).collect());
        run(&RULE, &f)
    }

    #[test]
    fn container_option_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "SecurityOpt no-new-privileges:true");
        for opt in [
            "no-new-privileges",
            "no-new-privileges=true",
            "no-new-privileges:TRUE",
        ] {
            assert_eq!(with_opts(&[opt], Some(false)).status, Status::Pass, "{opt}");
        }
    }

    #[test]
    fn explicit_false_fails_even_with_the_daemon_default() {
        let out = with_opts(&["no-new-privileges:false"], Some(true));
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0]
            .detail
            .starts_with("SecurityOpt no-new-privileges:false"));
    }

    #[test]
    fn daemon_default_passes() {
        let out = with_opts(&["apparmor=docker-default"], Some(true));
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "not in SecurityOpt; no-new-privileges=true (daemon, from /etc/docker/daemon.json), in force when \
             the container was created"
        );
    }

    /// A daemon default counts only for containers created by the dockerd running now.
    #[test]
    fn daemon_default_does_not_cover_containers_created_before_it_started() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.security_opt = Some(vec![]);
        c.created = Some("2026-01-01T00:00:00Z".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0]
            .detail
            .contains("created before the running dockerd started"));
        // Unknown start time: manual too.
        if let dockguard_facts::Fact::Ok(p) = &mut f.daemon.process {
            p.started_at = None;
        }
        first_container(&mut f).created = Some(CONTAINER_CREATED.into());
        assert_eq!(
            run(&RULE, &f).status,
            Status::Error,
            "the file's values are unknown too"
        );
    }

    #[test]
    fn neither_fails() {
        let out = with_opts(&[], None);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "not in SecurityOpt; no-new-privileges=false (daemon, from dockerd default)"
        );
    }

    #[test]
    fn unknown_daemon_setting_is_an_error() {
        let mut f = compliant_host();
        f.daemon.config_file.content = dockguard_facts::Fact::Error("permission denied".into());
        first_container(&mut f)
            .security_opt
            .as_mut()
            .unwrap()
            .clear();
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn last_entry_wins() {
        assert_eq!(
            with_opts(
                &["no-new-privileges", "no-new-privileges=false"],
                Some(true)
            )
            .status,
            Status::Fail
        );
    }
}
