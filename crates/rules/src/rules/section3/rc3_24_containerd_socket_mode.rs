//! CIS 3.24 Ensure that the Containerd socket file permissions are set to 660 or more restrictively.

use super::common::containerd_rule;
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["3.24"],
    profiles: CIS_ONLY,
    assessment: Assessment::Automated,
    title: "Ensure that the Containerd socket file permissions are set to 660 or more restrictively",
    section: Section::DaemonFiles,
    severity: Severity::High,
    level: 1,
    scope: Scope::Files,
    rationale: "Connecting to containerd's socket needs write permission on it, and a client of containerd \
        can run privileged containers and reach into every container on the host without going through the \
        Docker API or its authorization. Any permission for 'other' hands that to every local user and \
        process.",
    audit: "Finds the containerd socket dockerd actually uses: the `--containerd` path (or `containerd` \
        in daemon.json); else, from the host's processes, the containerd dockerd started itself (its socket \
        /var/run/docker/containerd/containerd.sock, next to the --config it runs with) or a running system \
        containerd (its --address, else /run/containerd/containerd.sock). The evidence names where the path \
        came from. A socket that cannot be found, or that does not exist, is an error: dockerd cannot run \
        without one. Passes when its mode grants nothing beyond 0660 (bits are compared as a \
        mask).",
    impact: "dockerd is unaffected. Users and agents outside root and the socket's group can no longer reach \
        containerd with `ctr`, `nerdctl` or `crictl`, and a fix made only with chmod is lost when containerd \
        recreates the socket at its next start.",
    references: &[],
    remediation: "Run `chmod 660 /run/containerd/containerd.sock` (or the socket path reported). containerd \
        recreates the socket when it starts, so also check the `[grpc]` `uid`/`gid` in \
        /etc/containerd/config.toml and anything in the containerd unit that loosens it, then \
        `systemctl restart containerd`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    containerd_rule(ctx, |paths| {
        mode_rule(ctx, paths, 0o660, "no containerd socket")
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
        Fixture::fail("mode 0666", host_with(|f| set_mode(f, SOCK, 0o666))),
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
    fn mode_660_passes_and_666_fails() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        let mut f = compliant_host();
        set_mode(&mut f, SOCK, 0o666);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0]
            .detail
            .starts_with("mode 0666 grants 0006 beyond 0660"));
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
