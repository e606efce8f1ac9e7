//! CIS 3.23 Ensure that the Containerd socket file ownership is set to root:root.

use super::common::containerd_rule;
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
    audit: "Finds the containerd socket dockerd actually uses: the `--containerd` path (or `containerd` \
        in daemon.json); else, from the host's processes, the containerd dockerd started itself (its socket \
        /var/run/docker/containerd/containerd.sock, next to the --config it runs with) or a running system \
        containerd (its --address, else /run/containerd/containerd.sock). The evidence names where the path \
        came from. A socket that cannot be found, or that does not exist, is an error: dockerd cannot run \
        without one. Passes when its owner is uid 0 and its group gid 0, whatever names the \
        host gives them.",
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
    containerd_rule(ctx, |paths| {
        owner_rule(ctx, paths, Owner::RootRoot, "no containerd socket")
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    const SOCK: &str = "/run/containerd/containerd.sock";
    vec![
        Fixture::pass("the socket --containerd names", compliant_host()),
        Fixture::pass(
            "the containerd dockerd started itself",
            host_with(dockerd_managed_containerd),
        ),
        Fixture::fail(
            "group docker",
            host_with(|f| set_owner(f, SOCK, 0, Some("root"), 998, Some("docker"))),
        ),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, SOCK, 1000, Some("app"), 0, Some("root"))),
        ),
        Fixture::error(
            "the socket dockerd is configured to use does not exist",
            host_with(|f| set(f, SOCK, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable socket",
            host_with(|f| set(f, SOCK, unreadable())),
        ),
        Fixture::error(
            "no --containerd and the host's processes unreadable",
            host_with(|f| {
                without_containerd_flag(f);
                set(f, SOCK, FileFact::Missing);
                f.processes = dockguard_facts::Fact::Error("cannot list /proc".into());
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    const SOCK: &str = "/run/containerd/containerd.sock";

    #[test]
    fn root_owned_socket_passes_and_says_where_it_was_found() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, SOCK);
        assert!(out.targets[0].detail.starts_with("owner root:root; "));
        assert!(
            out.targets[0].detail.contains("`containerd` setting"),
            "{}",
            out.targets[0].detail
        );
    }

    #[test]
    fn docker_group_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SOCK, 0, Some("root"), 998, Some("docker"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out
            .failing()
            .next()
            .unwrap()
            .detail
            .starts_with("owner root:docker (uid 0, gid 998), expected root:root"));
    }

    /// dockerd without --containerd runs its own containerd: its socket is the one assessed, not reported
    /// as not applicable.
    #[test]
    fn the_containerd_dockerd_started_is_assessed() {
        let f = host_with(dockerd_managed_containerd);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, MANAGED_SOCKET);
        assert!(out.targets[0]
            .detail
            .contains("the containerd dockerd started"));
    }

    #[test]
    fn a_missing_socket_is_an_error_not_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, SOCK, FileFact::Missing);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.targets[0].detail.contains("does not exist"));
    }
}
