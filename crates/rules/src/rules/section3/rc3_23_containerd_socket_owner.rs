//! CIS 3.23 Ensure that the Containerd socket file ownership is set to root:root.

use super::common::{containerd_outcome, containerd_socket, NO_CONTAINERD_SOCKET};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["3.23"],
    profiles: CIS_ONLY,
    assessment: Assessment::Automated,
    title: "Ensure that the Containerd socket file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::High,
    level: 1,
    scope: Scope::Files,
    rationale: "dockerd drives containers through containerd's socket, and containerd does whatever a client \
        on it asks: start privileged containers, mount the host, exec into any container, bypassing the \
        Docker API and its authorization plugins. Whoever owns the socket, or is in its group, can grant \
        themselves that access.",
    audit: "Stats the containerd socket dockerd uses: the path of `--containerd` (or `containerd` in \
        daemon.json), else /run/containerd/containerd.sock. Passes when the owner is uid 0 and the group gid \
        0, whatever names the host gives them. Not applicable when the socket does not exist (a dockerd \
        running its own containerd under /var/run/docker/containerd is not assessed). An error when \
        dockerd's command line is unknown, since the path then cannot be known.",
    impact: "dockerd, which runs as root, is unaffected. Only root (plus the socket's group, if the mode \
        allows) can then drive containerd directly, so users, `ctr`/`nerdctl` scripts or monitoring agents \
        that used it through a non-root owner must run as root.",
    references: &[],
    remediation: "Run `chown root:root /run/containerd/containerd.sock` (or the socket path reported). To make \
        it last, set `uid = 0` and `gid = 0` in the `[grpc]` section of /etc/containerd/config.toml and \
        `systemctl restart containerd`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    containerd_outcome(owner_rule(
        ctx,
        containerd_socket(ctx),
        Owner::RootRoot,
        NO_CONTAINERD_SOCKET,
    ))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use super::common::CONTAINERD_SOCKET;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass(
            "root:root socket",
            host_with(|f| add_containerd_socket(f, 0o660)),
        ),
        Fixture::fail(
            "group docker",
            host_with(|f| {
                add_containerd_socket(f, 0o660);
                set_owner(f, CONTAINERD_SOCKET, 0, Some("root"), 998, Some("docker"));
            }),
        ),
        Fixture::fail(
            "owned by a user",
            host_with(|f| {
                add_containerd_socket(f, 0o660);
                set_owner(f, CONTAINERD_SOCKET, 1000, Some("app"), 0, Some("root"));
            }),
        ),
        Fixture::not_applicable(
            "no containerd socket",
            host_with(|f| set(f, CONTAINERD_SOCKET, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable socket",
            host_with(|f| set(f, CONTAINERD_SOCKET, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::super::common::CONTAINERD_SOCKET;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts, FileFact};

    fn with_socket() -> Facts {
        let mut f = compliant_host();
        add_containerd_socket(&mut f, 0o660);
        f
    }

    /// Replaces dockerd's `--containerd` flag (`None` drops it).
    fn containerd_flag(f: &mut Facts, path: Option<&str>) {
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv.retain(|a| !a.starts_with("--containerd"));
            if let Some(path) = path {
                p.argv.push(format!("--containerd={path}"));
            }
        }
    }

    #[test]
    fn root_owned_socket_passes() {
        let out = run(&RULE, &with_socket());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, CONTAINERD_SOCKET);
        assert_eq!(out.targets[0].detail, "owner root:root");
    }

    #[test]
    fn docker_group_fails() {
        let mut f = with_socket();
        set_owner(
            &mut f,
            CONTAINERD_SOCKET,
            0,
            Some("root"),
            998,
            Some("docker"),
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner root:docker (uid 0, gid 998), expected root:root"
        );
    }

    #[test]
    fn user_owned_socket_fails() {
        let mut f = with_socket();
        set_owner(
            &mut f,
            CONTAINERD_SOCKET,
            1000,
            Some("app"),
            0,
            Some("root"),
        );
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn containerd_flag_path_is_used() {
        let mut f = with_socket();
        containerd_flag(&mut f, Some("unix:///srv/containerd/c.sock"));
        set(&mut f, "/srv/containerd/c.sock", file(0o660));
        set_owner(&mut f, "/srv/containerd/c.sock", 1000, None, 1000, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, "/srv/containerd/c.sock");
        // A path the collector did not stat cannot be judged.
        f.files.remove("/srv/containerd/c.sock");
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn daemon_json_path_is_used() {
        let mut f = with_socket();
        containerd_flag(&mut f, None);
        daemon_json_set(&mut f, "containerd", serde_json::json!("/srv/c.sock"));
        set(&mut f, "/srv/c.sock", file(0o660));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].id, "/srv/c.sock");
    }

    #[test]
    fn without_the_flag_the_default_socket_is_checked() {
        let mut f = with_socket();
        containerd_flag(&mut f, None);
        set_owner(&mut f, CONTAINERD_SOCKET, 1000, None, 0, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, CONTAINERD_SOCKET);
    }

    #[test]
    fn missing_socket_is_not_applicable() {
        let mut f = compliant_host();
        containerd_flag(&mut f, None);
        set(&mut f, CONTAINERD_SOCKET, FileFact::Missing);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_CONTAINERD_SOCKET);
    }

    #[test]
    fn unknown_path_or_unreadable_socket_is_an_error() {
        let mut f = with_socket();
        f.daemon.process = Fact::Error("no dockerd process under /proc".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(
            out.reason.contains("command line is unknown"),
            "{}",
            out.reason
        );
        let mut f = with_socket();
        set(&mut f, CONTAINERD_SOCKET, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(CONTAINERD_SOCKET);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
