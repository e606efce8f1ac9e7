//! 1.09 Ensure auditing is configured for Docker files and directories - docker.socket.

use super::common::{watch_rule, Watch};
use crate::prelude::*;
use dockguard_facts::Fact;

pub static RULE: Rule = Rule {
    azure: Some("1.09"),
    cis: &["1.1.9"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - docker.socket",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "docker.socket decides where and with what permissions the Docker API socket is created, and \
        the socket itself is root-equivalent access to the host. Audit watches on both record changes to \
        who can reach the daemon.",
    audit: "When a docker.socket unit exists, requires loaded audit rules (`auditctl -l`; a watch only in the rules files is `manual`) whose paths are exactly the unit file (Azure's reading) and every Unix socket the daemon \
        listens on (CIS 1.6's reading: `-H unix://...`, default /var/run/docker.sock; with socket activation \
        `fd://` the unit's usual /var/run/docker.sock). A watch on /run/<x> covers /var/run/<x>. Not applicable \
        when there is no docker.socket unit.",
    impact: "Little extra audit volume: the unit file changes only on package upgrades, and the socket is \
        recreated when Docker or docker.socket starts, so records cluster around restarts and upgrades. \
        Nothing changes for clients using the socket.",
    references: &[
        "https://man7.org/linux/man-pages/man8/auditctl.8.html",
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Find the unit with `systemctl show -p FragmentPath docker.socket`, then add `-w <that path> \
        -k docker` and `-w /var/run/docker.sock -k docker` (the socket's real path) to \
        /etc/audit/rules.d/docker.rules; load them with `augenrules --load` (or `service auditd restart`) and \
        check `auditctl -l | grep docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let unit = match &ctx.facts.units.docker_socket {
        Fact::Error(e) => {
            return Outcome::error(format!("the docker.socket unit could not be located: {e}"))
        }
        Fact::Ok(None) => {
            return Outcome::not_applicable("there is no docker.socket unit on this host")
        }
        Fact::Ok(Some(p)) => p,
    };
    let sockets = match ctx.daemon.unix_sockets() {
        Ok(s) => s,
        Err(e) => {
            return Outcome::error(format!(
                "the daemon's Unix sockets cannot be determined: {e}"
            ))
        }
    };
    let mut watches = vec![Watch::new(unit.as_str(), "the docker.socket unit file")];
    for s in &sockets {
        watches.push(Watch::new(
            s.as_str(),
            "a Unix socket the daemon listens on",
        ));
    }
    watch_rule(ctx, &watches, "docker.socket and the Docker socket")
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::Fact;
    vec![
        Fixture::pass("unit and socket watched", compliant_host()),
        Fixture::pass(
            "socket activation, socket watched under /run",
            host_with(|f| {
                daemon_json_set(f, "hosts", serde_json::json!(["fd://"]));
                drop_watch(f, SOCKET);
                add_line(f, "-w /run/docker.sock -k docker");
            }),
        ),
        Fixture::fail("socket unwatched", host_with(|f| drop_watch(f, SOCKET))),
        Fixture::fail(
            "unit file unwatched",
            host_with(|f| drop_watch(f, SOCKET_UNIT)),
        ),
        Fixture::fail(
            "custom socket unwatched",
            host_with(|f| {
                daemon_json_set(
                    f,
                    "hosts",
                    serde_json::json!(["unix:///srv/docker/api.sock"]),
                )
            }),
        ),
        Fixture::not_applicable(
            "no docker.socket unit",
            host_with(|f| f.units.docker_socket = Fact::Ok(None)),
        ),
        Fixture::error(
            "daemon.json unparseable",
            host_with(|f| f.daemon.config_file.content = Fact::Ok(Some("{ broken".into()))),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn unit_and_socket_watched_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        let ids: Vec<&str> = out.targets.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, vec![SOCKET_UNIT, SOCKET]);
    }

    #[test]
    fn unit_watch_alone_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, SOCKET);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "no audit rule watches /var/run/docker.sock");
    }

    #[test]
    fn socket_watch_alone_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, SOCKET_UNIT);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn socket_activation_uses_default_socket_and_run_alias() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "hosts", serde_json::json!(["fd://"]));
        drop_watch(&mut f, SOCKET);
        add_line(&mut f, "-w /run/docker.sock -k docker");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[1].id, "/var/run/docker.sock");
    }

    #[test]
    fn custom_socket_must_be_watched() {
        let mut f = compliant_host();
        daemon_json_set(
            &mut f,
            "hosts",
            serde_json::json!(["unix:///srv/docker/api.sock"]),
        );
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = compliant_host();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains("docker.socket"))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn no_unit_is_na_and_errors_propagate() {
        let mut f = compliant_host();
        f.units.docker_socket = Fact::Ok(None);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        f.units.docker_socket = Fact::Error("cannot list units".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.daemon.config_file.content = Fact::Ok(Some("{ broken".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
