//! CIS 1.1.8 Ensure auditing is configured for Docker files and directories - containerd.sock.

use super::common::{watch_rule, Watch};
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
    audit: "Finds the containerd socket dockerd actually uses: the `--containerd` path (or `\"containerd\"` \
        in daemon.json); else, from the host's processes, the containerd dockerd started itself \
        (/var/run/docker/containerd/containerd.sock) or a running system containerd (its --address, else \
        /run/containerd/containerd.sock). That socket needs a loaded audit rule whose path is exactly it \
        (`auditctl -l`; a watch only in the rules files is `manual`); /var/run and /run name the same file. \
        An error when the socket cannot be found, since dockerd cannot run without one.",
    impact: "Negligible: with `-p wa` only changes to the socket file itself are recorded, and those are \
        rare (containerd restarts, changes of its ownership or mode). Clients using the socket are not \
        affected.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /run/containerd/containerd.sock -p wa -k docker` (or the path dockerd's \
        `--containerd` names) to /etc/audit/rules.d/docker.rules, load it with `augenrules --load` (or \
        `service auditd restart`) and check `auditctl -l | grep containerd.sock`.",
    check,
};

#[cfg(test)]
const DEFAULT_SOCKET: &str = dockguard_facts::containerd::DEFAULT_SOCKET;

fn check(ctx: &Ctx) -> Outcome {
    match dockguard_facts::containerd::socket_in_use(ctx.facts, &ctx.daemon) {
        Ok(sock) => {
            let label = sock.path.clone();
            watch_rule(ctx, &[Watch::new(sock.path, sock.origin)], &label)
        }
        Err(e) => Outcome::error(format!(
            "the containerd socket dockerd uses cannot be found: {e}"
        )),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::Fact;
    let socket = tests::socket;
    vec![
        Fixture::pass(
            "the socket --containerd names is watched",
            host_with(|f| put_watched(f, DEFAULT_SOCKET, socket())),
        ),
        Fixture::fail(
            "no audit rule",
            host_with(|f| put_unwatched(f, DEFAULT_SOCKET, socket())),
        ),
        Fixture::fail(
            "dockerd uses a custom containerd socket nobody watches",
            host_with(|f| {
                put_watched(f, DEFAULT_SOCKET, socket());
                if let Fact::Ok(p) = &mut f.daemon.process {
                    p.argv.truncate(1);
                }
                tests::custom_containerd(f, "/srv/containerd/api.sock");
            }),
        ),
        Fixture::fail(
            "dockerd's own containerd, only the default socket watched",
            host_with(|f| {
                put_watched(f, DEFAULT_SOCKET, socket());
                crate::rules::section3::common::fixture::dockerd_managed_containerd(f);
            }),
        ),
        Fixture::error(
            "daemon.json unreadable, no --containerd flag, processes unreadable",
            host_with(|f| {
                put_watched(f, DEFAULT_SOCKET, socket());
                f.daemon.config_file.content = Fact::Error("permission denied".into());
                if let Fact::Ok(p) = &mut f.daemon.process {
                    p.argv.truncate(1);
                }
                f.processes = Fact::Error("cannot list /proc".into());
            }),
        ),
        Fixture::manual(
            "in a rules file, loaded rules unknown",
            host_with(|f| {
                put_watched(f, DEFAULT_SOCKET, socket());
                f.audit.loaded = None;
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

    /// A containerd listening where `--containerd` says.
    pub(super) fn custom_containerd(f: &mut dockguard_facts::Facts, path: &str) {
        add_flags(f, &[&format!("--containerd={path}")]);
        put(f, path, socket());
        if let Fact::Ok(procs) = &mut f.processes {
            for p in procs.iter_mut().filter(|p| p.name == "containerd") {
                p.argv = vec![
                    "/usr/bin/containerd".into(),
                    "--address".into(),
                    path.into(),
                ];
            }
        }
    }

    #[test]
    fn custom_socket_named_by_dockerd_must_be_watched() {
        let mut f = host_with(|f| {
            put_watched(f, DEFAULT_SOCKET, socket());
            if let Fact::Ok(p) = &mut f.daemon.process {
                p.argv.truncate(1);
            }
            custom_containerd(f, "/srv/containerd/api.sock");
        });
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail, "{out:?}");
        assert_eq!(out.failing().next().unwrap().id, "/srv/containerd/api.sock");
        assert!(out.failing().next().unwrap().detail.contains("containerd"));
        add_line(&mut f, "-w /srv/containerd/api.sock -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        // Without dockerd's command line, the running containerd's --address says the same.
        f.daemon.process = Fact::Error("no dockerd under /proc".into());
        let out = run(&RULE, &f);
        assert_eq!(out.targets[0].id, "/srv/containerd/api.sock");
    }

    /// dockerd without --containerd and without a system containerd runs its own: that socket is assessed.
    #[test]
    fn dockerds_own_containerd_is_found() {
        let f = host_with(|f| {
            put_watched(f, DEFAULT_SOCKET, socket());
            crate::rules::section3::common::fixture::dockerd_managed_containerd(f);
        });
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail, "{out:?}");
        assert_eq!(
            out.targets[0].id,
            "/var/run/docker/containerd/containerd.sock"
        );
    }

    #[test]
    fn no_socket_to_be_found_is_an_error() {
        let mut f = host_with(|f| put(f, DEFAULT_SOCKET, FileFact::Missing));
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv.truncate(1);
        }
        if let Fact::Ok(procs) = &mut f.processes {
            procs.retain(|p| p.name != "containerd");
        }
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("cannot be found"), "{}", out.reason);
    }
}
