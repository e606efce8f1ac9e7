//! 3.15 Ensure that Docker socket file ownership is set to root:docker.

use super::common::{unix_sockets, NO_UNIX_SOCKET};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.15"),
    cis: &["3.15"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that Docker socket file ownership is set to root:docker",
    section: Section::DaemonFiles,
    severity: Severity::High,
    level: 1,
    scope: Scope::Files,
    rationale: "Access to the Docker socket is root on the host. The socket must belong to root, and its group \
        must be `docker`, the one group whose membership administrators deliberately control; any other owner \
        or group hands the API to people nobody meant to trust.",
    audit: "Stats every Unix socket the daemon serves: the `unix://` entries of `-H`/`hosts`, \
        /var/run/docker.sock when none is given, and /var/run/docker.sock for a systemd-activated `-H fd://`. \
        Passes when the owner is uid 0 and the group is named `docker` on this host (a bare gid with no name \
        in /etc/group fails). Not applicable when the daemon serves no Unix socket, when the socket does not \
        exist, or for a rootless daemon (its socket belongs to the user running it).",
    impact: "Only root and members of `docker` can use the API through the socket; accounts that reached it \
        through another group lose access until added to `docker`, a root-equivalent membership to grant \
        sparingly. Containers that mount the socket (CI runners, monitoring agents) must run as root or with \
        the docker group's gid.",
    references: &[
        "https://docs.docker.com/engine/security/",
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chown root:docker /var/run/docker.sock` (or the socket path reported). For a \
        socket-activated daemon set `SocketUser=root` and `SocketGroup=docker` in docker.socket so the fix \
        survives restarts, then `systemctl daemon-reload && systemctl restart docker.socket`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let rootless = ctx
        .facts
        .docker
        .ok()
        .is_some_and(|d| d.info.has_security_option("rootless") == Ok(true));
    if rootless {
        return Outcome::not_applicable(
            "the daemon runs rootless: its socket belongs to the user that runs it, not root:docker",
        );
    }
    owner_rule(
        ctx,
        unix_sockets(ctx),
        Owner::RootAnd("docker"),
        NO_UNIX_SOCKET,
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    use serde_json::json;
    vec![
        Fixture::pass("root:docker", compliant_host()),
        Fixture::pass(
            "socket activation (-H fd://)",
            host_with(|f| {
                daemon_json_remove(f, "hosts");
                add_flags(f, &["-H", "fd://"]);
            }),
        ),
        Fixture::fail(
            "group root",
            host_with(|f| set_owner(f, SOCKET, 0, Some("root"), 0, Some("root"))),
        ),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, SOCKET, 1000, Some("app"), 998, Some("docker"))),
        ),
        Fixture::fail(
            "group without a name",
            host_with(|f| set_owner(f, SOCKET, 0, Some("root"), 998, None)),
        ),
        Fixture::not_applicable(
            "TCP only",
            host_with(|f| daemon_json_set(f, "hosts", json!(["tcp://10.0.0.5:2376"]))),
        ),
        Fixture::not_applicable(
            "socket missing",
            host_with(|f| set(f, SOCKET, FileFact::Missing)),
        ),
        Fixture::not_applicable(
            "rootless daemon",
            host_with(|f| {
                set_owner(f, SOCKET, 1000, Some("app"), 1000, Some("app"));
                docker_mut(f)
                    .info
                    .security_options
                    .as_mut()
                    .unwrap()
                    .push("name=rootless".into());
            }),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error(
            "custom socket not collected",
            host_with(|f| daemon_json_set(f, "hosts", json!(["unix:///run/user/docker.sock"]))),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    #[test]
    fn root_docker_socket_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].id, SOCKET);
        assert_eq!(out.targets[0].detail, "owner root:docker");
    }

    #[test]
    fn root_group_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SOCKET, 0, Some("root"), 0, Some("root"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner root:root (uid 0, gid 0), expected root:docker"
        );
    }

    #[test]
    fn user_owned_socket_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SOCKET, 1000, Some("app"), 998, Some("docker"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unnamed_group_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, SOCKET, 0, Some("root"), 998, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.starts_with("owner root:998"));
    }

    #[test]
    fn socket_activation_checks_the_default_socket() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "hosts");
        add_flags(&mut f, &["-H", "fd://"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets.len(), 1);
        assert_eq!(out.targets[0].id, SOCKET);
    }

    #[test]
    fn custom_socket_path_is_used() {
        let mut f = compliant_host();
        daemon_json_set(
            &mut f,
            "hosts",
            serde_json::json!(["unix:///run/custom/docker.sock"]),
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert_eq!(out.targets[0].id, "/run/custom/docker.sock");
        assert!(out.targets[0].detail.contains("was not collected"));
    }

    #[test]
    fn tcp_only_daemon_is_not_applicable() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "hosts", serde_json::json!(["tcp://10.0.0.5:2376"]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_UNIX_SOCKET);
    }

    #[test]
    fn missing_socket_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, SOCKET, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn rootless_daemon_is_not_applicable() {
        let mut f = compliant_host();
        set_owner(&mut f, SOCKET, 1000, Some("app"), 1000, Some("app"));
        docker_mut(&mut f)
            .info
            .security_options
            .as_mut()
            .unwrap()
            .push("name=rootless".into());
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_hosts_or_unreadable_socket_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        set(&mut f, SOCKET, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
