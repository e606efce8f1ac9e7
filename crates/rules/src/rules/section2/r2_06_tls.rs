//! 2.06 Ensure TLS authentication for Docker daemon is configured.

use super::common::{setting_target, show, unknown, worst};
use crate::prelude::*;

/// The CA that verifies clients, the server certificate and its key.
const TLS_FILES: [&str; 3] = ["tlscacert", "tlscert", "tlskey"];

pub static RULE: Rule = Rule {
    azure: Some("2.06"),
    cis: &["2.7"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure TLS authentication for Docker daemon is configured",
    section: Section::Daemon,
    severity: Severity::Critical,
    level: 1,
    scope: Scope::Daemon,
    rationale: "The Docker API gives root on the host to whoever can call it. On a TCP socket without client \
        certificate checks, anyone who can reach the port can start a privileged container and take the \
        machine. `tls` alone only encrypts; `tlsverify` is what limits callers to certificates signed by \
        your CA.",
    audit: "Not applicable unless the daemon listens on TCP (a `tcp://` entry in `-H`/`hosts`); manual when \
        none is configured but the host listens on port 2375 or 2376 (a socket-activated `-H fd://` daemon \
        may get TCP from docker.socket); an error when the daemon is socket-activated and the host's \
        listening sockets could not be read. Otherwise \
        reads the effective `tlsverify` and `tls` (flags, else daemon.json, else false) and \
        `tlscacert`/`tlscert`/`tlskey`. Passes only with `tlsverify` true; `tls` without `tlsverify` fails \
        (the server does not authenticate clients). A certificate path that is not set counts as dockerd's \
        default (~/.docker/*.pem of root), which dockerd must have loaded to be running; the evidence says \
        so. TLS turned on only through the DOCKER_TLS_VERIFY environment variable is not visible and fails.",
    impact: "Every remote client (CI jobs, management tools, other hosts) needs a client certificate signed \
        by the CA and must connect with `--tlsverify`; callers without one are refused. Operators take on \
        issuing, distributing and renewing those certificates, and an expired certificate cuts off access.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Best: drop the TCP listener and use the Unix socket (or SSH: `DOCKER_HOST=ssh://host`). If \
        TCP is needed, create a CA, a server certificate and client certificates, and set in \
        /etc/docker/daemon.json: `\"tlsverify\": true, \"tlscacert\": \"/etc/docker/tls/ca.pem\", \
        \"tlscert\": \"/etc/docker/tls/server-cert.pem\", \"tlskey\": \"/etc/docker/tls/server-key.pem\"` \
        (or the same as flags), listen on port 2376, then `systemctl restart docker`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let tcp = match ctx.daemon.tcp_hosts() {
        Ok(t) => t,
        Err(e) => return unknown("hosts", e),
    };
    // `tcp_hosts` succeeded, so `hosts` is known.
    let hosts = ctx.daemon.get("hosts").ok().flatten();
    let hosts_value = hosts.map(|s| show(&s.value)).unwrap_or_else(|| "[]".into());
    if tcp.is_empty() {
        let hosts_target = setting_target(ctx, "hosts", Status::NotApplicable, hosts_value, hosts);
        // A socket-activated daemon (`-H fd://`) gets its sockets from systemd, which may include TCP.
        let activated = ctx
            .daemon
            .list("hosts")
            .map(|h| h.iter().any(|h| h.starts_with("fd://")))
            .unwrap_or(false);
        let docker_ports = match docker_port_listeners(ctx) {
            Ok(p) => p,
            Err(e) if activated => {
                return Outcome::error(format!(
                    "the daemon takes its sockets from systemd (-H fd://), and the host's listening sockets \
                     could not be read ({e}), so a TCP socket from docker.socket cannot be ruled out"
                ))
                .with_target(hosts_target)
            }
            Err(_) => Vec::new(),
        };
        if !docker_ports.is_empty() {
            return Outcome::manual(
                "no TCP endpoint is configured, but the host listens on a Docker API port: check whether \
                 docker.socket (ListenStream) hands dockerd a TCP socket",
            )
            .with_target(hosts_target)
            .with_target(Target::new(
                TargetKind::Host,
                "listeners",
                "TCP listeners",
                Status::Manual,
                format!("listening on {}", docker_ports.join(", ")),
            ));
        }
        return Outcome::not_applicable("the daemon does not listen on TCP")
            .with_target(hosts_target);
    }
    let (verify, verify_s) = match ctx.daemon.bool("tlsverify") {
        Ok(v) => v,
        Err(e) => return unknown("tlsverify", e),
    };
    let (tls, tls_s) = match ctx.daemon.bool("tls") {
        Ok(v) => v,
        Err(e) => return unknown("tls", e),
    };

    let mut targets = Vec::new();
    if verify {
        targets.push(setting_target(
            ctx,
            "tlsverify",
            Status::Pass,
            true,
            verify_s,
        ));
    } else {
        targets.push(setting_target(
            ctx,
            "tlsverify",
            Status::Fail,
            false,
            verify_s,
        ));
        if tls {
            // Server TLS without client verification: encrypted, but open to any client.
            targets.push(setting_target(ctx, "tls", Status::Fail, true, tls_s));
        }
    }
    if verify || tls {
        for key in TLS_FILES {
            targets.push(match tls_file_target(ctx, key) {
                Ok(t) => t,
                Err(e) => return unknown(key, e),
            });
        }
    }
    let status = worst(&targets);
    let listeners = tcp.join(", ");
    let reason = match status {
        Status::Pass => format!("the TCP listener ({listeners}) requires client certificates signed by the CA"),
        _ if !verify && tls => format!(
            "the daemon serves TLS on {listeners} but does not verify client certificates (tls without \
             tlsverify): any client can connect"
        ),
        _ if !verify => format!(
            "the daemon listens on {listeners} without TLS: anyone who reaches the port controls the host"
        ),
        _ => format!("TLS on {listeners} is incomplete"),
    };
    targets.insert(0, setting_target(ctx, "hosts", status, hosts_value, hosts));
    Outcome::new(status, reason).with_targets(targets)
}

/// Host TCP listeners on the Docker API ports (2375 plain, 2376 TLS), as `addr:port`.
fn docker_port_listeners(ctx: &Ctx) -> Result<Vec<String>, String> {
    ctx.facts
        .listeners
        .as_result()
        .map(|ls| {
            ls.iter()
                .filter(|l| l.proto.starts_with("tcp") && matches!(l.port, 2375 | 2376))
                .map(|l| format!("{}:{}", l.addr, l.port))
                .collect()
        })
        .map_err(str::to_string)
}

/// One certificate file: the explicit setting, or dockerd's default path when TLS is on without one.
fn tls_file_target(ctx: &Ctx, key: &str) -> Result<Target, String> {
    let explicit = ctx
        .daemon
        .get(key)?
        .filter(|s| !s.as_str().unwrap_or_default().is_empty());
    if let Some(s) = explicit {
        return Ok(setting_target(
            ctx,
            key,
            Status::Pass,
            show(&s.value),
            Some(s),
        ));
    }
    Ok(match ctx.daemon.tls_file(key)? {
        Some(path) => Target::setting(
            key,
            Status::Pass,
            format!("{key}={path} (default path; not set, so dockerd uses its own)"),
        ),
        None => Target::setting(key, Status::Fail, format!("{key} not set")),
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    let no_tls = |f: &mut dockguard_facts::Facts| {
        for k in ["tlsverify", "tlscacert", "tlscert", "tlskey"] {
            daemon_json_remove(f, k);
        }
    };
    vec![
        Fixture::pass("TCP with tlsverify and files", compliant_host()),
        Fixture::pass(
            "--tlsverify with dockerd's default file paths",
            host_with(|f| {
                no_tls(f);
                add_flags(f, &["--tlsverify"]);
            }),
        ),
        Fixture::fail("TCP without TLS", host_with(no_tls)),
        Fixture::fail(
            "tls without tlsverify",
            host_with(|f| {
                daemon_json_remove(f, "tlsverify");
                daemon_json_set(f, "tls", json!(true));
            }),
        ),
        Fixture::fail(
            "-H tcp:// flag without TLS",
            host_with(|f| {
                daemon_json_remove(f, "hosts");
                daemon_json_set(f, "tlsverify", json!(false));
                add_flags(f, &["-H", "fd://", "-H", "tcp://0.0.0.0:2375"]);
            }),
        ),
        Fixture::not_applicable(
            "Unix socket only",
            host_with(|f| daemon_json_set(f, "hosts", json!(["unix:///var/run/docker.sock"]))),
        ),
        Fixture::manual(
            "socket activation with a listener on 2375",
            host_with(|f| {
                daemon_json_remove(f, "hosts");
                add_flags(f, &["-H", "fd://"]);
                f.listeners = dockguard_facts::Fact::Ok(vec![dockguard_facts::Listener {
                    proto: "tcp6".into(),
                    addr: "::".into(),
                    port: 2375,
                }]);
            }),
        ),
        Fixture::error(
            "socket activation, listening sockets unreadable",
            host_with(|f| {
                daemon_json_remove(f, "hosts");
                add_flags(f, &["-H", "fd://"]);
                f.listeners = dockguard_facts::Fact::Error("cannot read /proc/net/tcp".into());
            }),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn tlsverify_with_files_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, "hosts");
        assert!(out
            .targets
            .iter()
            .any(|t| t.detail == format!("tlscert={TLS_CERT} (from /etc/docker/daemon.json)")));
    }

    #[test]
    fn no_tcp_listener_is_not_applicable() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "hosts", json!(["unix:///var/run/docker.sock"]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(
            out.targets[0].detail,
            "hosts=[unix:///var/run/docker.sock] (from /etc/docker/daemon.json)"
        );
        daemon_json_remove(&mut f, "hosts");
        add_flags(&mut f, &["-H", "fd://"]);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn socket_activated_tcp_port_needs_a_look() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "hosts");
        add_flags(&mut f, &["-H", "fd://"]);
        f.listeners = dockguard_facts::Fact::Ok(vec![dockguard_facts::Listener {
            proto: "tcp6".into(),
            addr: "::".into(),
            port: 2375,
        }]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(out.targets[1].detail, "listening on :::2375");
    }

    #[test]
    fn tcp_without_tls_fails() {
        let mut f = compliant_host();
        for k in ["tlsverify", "tlscacert", "tlscert", "tlskey"] {
            daemon_json_remove(&mut f, k);
        }
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("without TLS"), "{}", out.reason);
        assert_eq!(
            out.targets[1].detail,
            "tlsverify=false (from dockerd default)"
        );
    }

    #[test]
    fn tls_without_verify_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "tlsverify");
        daemon_json_set(&mut f, "tls", json!(true));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.reason.contains("does not verify client certificates"),
            "{}",
            out.reason
        );
        assert!(out.failing().any(|t| t.id == "tls"));
    }

    #[test]
    fn tcp_flag_without_tls_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "hosts");
        daemon_json_set(&mut f, "tlsverify", json!(false));
        add_flags(&mut f, &["-H", "fd://", "-H", "tcp://0.0.0.0:2375"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("tcp://0.0.0.0:2375"), "{}", out.reason);
        assert!(out.targets[0].detail.contains("command line"));
    }

    #[test]
    fn tlsverify_flag_with_default_paths_passes_and_says_so() {
        let mut f = compliant_host();
        for k in ["tlsverify", "tlscacert", "tlscert", "tlskey"] {
            daemon_json_remove(&mut f, k);
        }
        add_flags(&mut f, &["--tlsverify"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        let ca = out.targets.iter().find(|t| t.id == "tlscacert").unwrap();
        assert!(
            ca.detail.contains("/root/.docker/ca.pem (default path"),
            "{}",
            ca.detail
        );
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
