//! CIS 3.24 Ensure that the Containerd socket file permissions are set to 660 or more restrictively.

use super::common::{containerd_outcome, containerd_socket, NO_CONTAINERD_SOCKET};
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
    audit: "Stats the containerd socket dockerd uses (the `--containerd` path, or `containerd` in daemon.json, \
        else /run/containerd/containerd.sock) and compares its mode with 0660 as a bitmask: any bit for \
        'other' (0666, 0606), execute bits, or setuid/setgid/sticky fail; 0660 and 0600 pass. Not applicable \
        when the socket does not exist (a dockerd running its own containerd under /var/run/docker/containerd \
        is not assessed).",
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
    containerd_outcome(mode_rule(
        ctx,
        containerd_socket(ctx),
        0o660,
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
        Fixture::pass("mode 0660", host_with(|f| add_containerd_socket(f, 0o660))),
        Fixture::pass("mode 0600", host_with(|f| add_containerd_socket(f, 0o600))),
        Fixture::fail(
            "world-writable 0666",
            host_with(|f| add_containerd_socket(f, 0o666)),
        ),
        Fixture::fail(
            "0606 (numerically below 660)",
            host_with(|f| add_containerd_socket(f, 0o606)),
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

    fn with_socket(mode: u32) -> Facts {
        let mut f = compliant_host();
        add_containerd_socket(&mut f, mode);
        f
    }

    #[test]
    fn mode_660_or_stricter_passes() {
        let out = run(&RULE, &with_socket(0o660));
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].detail, "mode 0660");
        assert_eq!(run(&RULE, &with_socket(0o600)).status, Status::Pass);
    }

    #[test]
    fn world_accessible_socket_fails() {
        let out = run(&RULE, &with_socket(0o666));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0666 grants 0006 beyond 0660"
        );
    }

    #[test]
    fn mode_606_fails_although_numerically_smaller() {
        assert_eq!(run(&RULE, &with_socket(0o606)).status, Status::Fail);
        assert_eq!(run(&RULE, &with_socket(0o670)).status, Status::Fail);
    }

    #[test]
    fn containerd_flag_path_is_used() {
        let mut f = with_socket(0o660);
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv.retain(|a| !a.starts_with("--containerd"));
            p.argv.push("--containerd".into());
            p.argv.push("/srv/c.sock".into());
        }
        set(&mut f, "/srv/c.sock", file(0o666));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, "/srv/c.sock");
    }

    #[test]
    fn missing_socket_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, CONTAINERD_SOCKET, FileFact::Missing);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_CONTAINERD_SOCKET);
    }

    #[test]
    fn unknown_path_or_unreadable_socket_is_an_error() {
        let mut f = with_socket(0o660);
        f.daemon.process = Fact::Error("no dockerd process under /proc".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        set(&mut f, CONTAINERD_SOCKET, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(CONTAINERD_SOCKET);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.targets[0].detail.contains("was not collected"));
    }
}
