//! CIS 1.1.8 Ensure auditing is configured for Docker files and directories - containerd.sock.

use super::common::{norm_path, watch_rule, Watch};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["1.1.8"],
    profiles: CIS_ONLY,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - containerd.sock",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "containerd's gRPC socket is root-equivalent access to every container on the host: `ctr` or \
        any client on it can start privileged tasks without passing dockerd's authorization plugins. Changes \
        to the socket (its ownership, its mode, a replacement) should leave an audit record.",
    audit: "Looks at containerd's default socket /run/containerd/containerd.sock and, when dockerd is pointed \
        at another one with `--containerd` (or `\"containerd\"` in daemon.json), at that socket too. Each \
        that exists needs a loaded audit rule whose path is exactly it (`auditctl -l`, else the rules files); \
        a watch on /var/run/containerd/containerd.sock counts as the same file. Not applicable when the \
        default socket does not exist and dockerd names no other; an error when the default socket's stat is \
        missing and no rule watches it, or when dockerd's configuration cannot be read.",
    impact: "Negligible: with `-p wa` only changes to the socket file itself are recorded, and those are \
        rare (containerd restarts, changes of its ownership or mode). Clients using the socket are not \
        affected.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /run/containerd/containerd.sock -p wa -k docker` (or the path dockerd's \
        `--containerd` names) to /etc/audit/rules.d/docker.rules, load it with `augenrules --load` (or \
        `service auditd restart`) and check `auditctl -l | grep containerd.sock`.",
    check,
};

const DEFAULT_SOCKET: &str = "/run/containerd/containerd.sock";

fn check(ctx: &Ctx) -> Outcome {
    let configured = match ctx.daemon.string("containerd") {
        Ok(s) => s,
        Err(e) => {
            return Outcome::error(format!(
                "the containerd socket dockerd uses cannot be determined: {e}"
            ))
        }
    };
    let mut watches = vec![Watch::stat(DEFAULT_SOCKET, "containerd's default socket")];
    let configured = configured.trim();
    let configured = configured.strip_prefix("unix://").unwrap_or(configured);
    if !configured.is_empty() && norm_path(configured) != DEFAULT_SOCKET {
        // dockerd connects to it, so it exists while dockerd runs.
        watches.push(Watch::new(
            configured,
            "the containerd socket dockerd connects to (--containerd)",
        ));
    }
    watch_rule(ctx, &watches, DEFAULT_SOCKET)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};
    let socket = tests::socket;
    vec![
        Fixture::pass(
            "default socket watched",
            host_with(|f| put_watched(f, DEFAULT_SOCKET, socket())),
        ),
        Fixture::fail(
            "default socket, no audit rule",
            host_with(|f| put_unwatched(f, DEFAULT_SOCKET, socket())),
        ),
        Fixture::fail(
            "dockerd uses a custom containerd socket nobody watches",
            host_with(|f| {
                put_watched(f, DEFAULT_SOCKET, socket());
                add_flags(f, &["--containerd=/srv/containerd/api.sock"]);
            }),
        ),
        Fixture::not_applicable(
            "no containerd socket",
            host_with(|f| put(f, DEFAULT_SOCKET, FileFact::Missing)),
        ),
        Fixture::error(
            "socket not collected and not watched",
            host_with(|f| forget(f, DEFAULT_SOCKET)),
        ),
        Fixture::error(
            "daemon.json unreadable and no --containerd flag",
            host_with(|f| {
                put_watched(f, DEFAULT_SOCKET, socket());
                f.daemon.config_file.content = Fact::Error("permission denied".into());
                if let Fact::Ok(p) = &mut f.daemon.process {
                    p.argv.truncate(1);
                }
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    pub(super) fn socket() -> FileFact {
        let mut s = file(0o660);
        if let FileFact::Present(st) = &mut s {
            st.kind = "socket".into();
        }
        s
    }

    #[test]
    fn watched_passes() {
        let out = run(
            &RULE,
            &host_with(|f| put_watched(f, DEFAULT_SOCKET, socket())),
        );
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets.len(), 1);
        assert_eq!(out.targets[0].id, DEFAULT_SOCKET);
    }

    #[test]
    fn var_run_alias_counts() {
        let out = run(
            &RULE,
            &host_with(|f| {
                put_unwatched(f, DEFAULT_SOCKET, socket());
                add_line(f, "-w /var/run/containerd/containerd.sock -k docker");
            }),
        );
        assert_eq!(out.status, Status::Pass, "{out:?}");
    }

    #[test]
    fn unwatched_fails_and_directory_watch_does_not_count() {
        let out = run(
            &RULE,
            &host_with(|f| {
                put_unwatched(f, DEFAULT_SOCKET, socket());
                add_line(f, "-w /run/containerd -k docker");
            }),
        );
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.reason,
            "no audit rule watches /run/containerd/containerd.sock"
        );
    }

    #[test]
    fn custom_socket_named_by_dockerd_must_be_watched() {
        let mut f = host_with(|f| {
            put_watched(f, DEFAULT_SOCKET, socket());
            f.daemon.process = Fact::Ok(dockguard_facts::DaemonProcess {
                pid: 812,
                argv: vec![
                    DOCKERD.into(),
                    "--containerd=/srv/containerd/api.sock".into(),
                ],
                exe: None,
                started_at: Some(DOCKERD_STARTED),
            });
        });
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail, "{out:?}");
        assert_eq!(out.failing().next().unwrap().id, "/srv/containerd/api.sock");
        assert!(out
            .failing()
            .next()
            .unwrap()
            .detail
            .contains("--containerd"));
        add_line(&mut f, "-w /srv/containerd/api.sock -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        // Only the custom socket exists: still assessed.
        put(&mut f, DEFAULT_SOCKET, FileFact::Missing);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets.len(), 1);
    }

    #[test]
    fn absent_is_na_unknown_is_error() {
        let out = run(
            &RULE,
            &host_with(|f| put(f, DEFAULT_SOCKET, FileFact::Missing)),
        );
        assert_eq!(out.status, Status::NotApplicable);
        let out = run(&RULE, &host_with(|f| forget(f, DEFAULT_SOCKET)));
        assert_eq!(out.status, Status::Error);
        assert!(
            out.reason.contains("whether it exists is unknown"),
            "{}",
            out.reason
        );
        let mut f = host_with(|f| put_unwatched(f, DEFAULT_SOCKET, socket()));
        f.daemon.config_file.content = Fact::Ok(Some("{ broken".into()));
        // The flag still says which socket dockerd uses.
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv.truncate(1);
        }
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(
            out.reason.contains("cannot be determined"),
            "{}",
            out.reason
        );
    }
}
