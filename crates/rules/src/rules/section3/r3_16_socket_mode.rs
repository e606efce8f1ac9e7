//! 3.16 Ensure that Docker socket file permissions are set to 660 or more restrictive.

use super::common::{unix_sockets, NO_UNIX_SOCKET};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.16"),
    cis: &["3.16"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that Docker socket file permissions are set to 660 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::High,
    level: 1,
    scope: Scope::Files,
    rationale: "Connecting to the Docker socket needs write permission on it, and whoever can connect controls \
        the daemon, which is root on the host. Any permission for 'other' gives that to every local user and \
        every process.",
    audit: "Stats every Unix socket the daemon serves (the `unix://` entries of `-H`/`hosts`, \
        /var/run/docker.sock by default and for `-H fd://`) and compares its mode with 0660 as a bitmask: any \
        bit for 'other' (0666, 0606), execute bits, or setuid/setgid/sticky fail; 0600 passes. Not applicable \
        when the daemon serves no Unix socket or the socket does not exist.",
    impact: "Users outside root and the `docker` group can no longer run docker commands against the local \
        daemon; they need sudo or membership of `docker`, which amounts to root. Agents that mount the \
        socket as a non-root user without that group lose access.",
    references: &[
        "https://docs.docker.com/engine/security/",
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chmod 660 /var/run/docker.sock` (or the socket path reported). For a socket-activated \
        daemon set `SocketMode=0660` in docker.socket so the fix survives restarts, then \
        `systemctl daemon-reload && systemctl restart docker.socket`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, unix_sockets(ctx), 0o660, NO_UNIX_SOCKET)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    use serde_json::json;
    vec![
        Fixture::pass("mode 0660", compliant_host()),
        Fixture::pass("mode 0600", host_with(|f| set_mode(f, SOCKET, 0o600))),
        Fixture::fail(
            "0606 (numerically below 660)",
            host_with(|f| set_mode(f, SOCKET, 0o606)),
        ),
        Fixture::fail(
            "world-writable 0666",
            host_with(|f| set_mode(f, SOCKET, 0o666)),
        ),
        Fixture::fail(
            "socket activation, 0666",
            host_with(|f| {
                daemon_json_remove(f, "hosts");
                add_flags(f, &["-H", "fd://", "-H", "tcp://10.0.0.5:2376"]);
                set_mode(f, SOCKET, 0o666);
            }),
        ),
        Fixture::not_applicable(
            "TCP only",
            host_with(|f| daemon_json_set(f, "hosts", json!(["tcp://10.0.0.5:2376"]))),
        ),
        Fixture::not_applicable(
            "socket missing",
            host_with(|f| set(f, SOCKET, FileFact::Missing)),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error("unreadable", host_with(|f| set(f, SOCKET, unreadable()))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    #[test]
    fn mode_660_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn mode_600_passes() {
        let mut f = compliant_host();
        set_mode(&mut f, SOCKET, 0o600);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn mode_606_fails_although_numerically_smaller() {
        // docker-bench compares 606 <= 660 as numbers and passes it; every user can connect.
        let mut f = compliant_host();
        set_mode(&mut f, SOCKET, 0o606);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0606 grants 0006 beyond 0660"
        );
    }

    #[test]
    fn world_writable_socket_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, SOCKET, 0o666);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn socket_activation_checks_the_default_socket() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "hosts");
        add_flags(&mut f, &["-H", "fd://", "-H", "tcp://10.0.0.5:2376"]);
        set_mode(&mut f, SOCKET, 0o666);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, SOCKET);
    }

    #[test]
    fn tcp_only_or_missing_socket_is_not_applicable() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "hosts", serde_json::json!(["tcp://10.0.0.5:2376"]));
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        let mut f = compliant_host();
        set(&mut f, SOCKET, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_or_unreadable_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        set(&mut f, SOCKET, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
