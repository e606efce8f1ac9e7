//! 5.31 Ensure the Docker socket isn't mounted inside any containers.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.31"),
    cis: &["5.32"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the Docker socket isn't mounted inside any containers",
    section: Section::Runtime,
    severity: Severity::Critical,
    level: 1,
    scope: Scope::Container,
    rationale: "Whoever can talk to the Docker socket controls the daemon, and the daemon runs as root: a \
        container with the socket can start a privileged container that mounts the host's root filesystem. \
        Mounting a directory that holds the socket (/var/run, /run) exposes it just the same.",
    audit: "Looks at every mount of every container for docker.sock itself, or a host directory that contains \
        the daemon's socket (/run, /var/run, or the directory of a custom -H unix:// socket).",
    impact: "Tools that drive Docker from a container (CI runners, reverse proxies that discover containers, \
        monitoring or auto-update agents) stop working until they get a restricted API proxy or run on the host. \
        Dropping a whole /run or /var/run mount also takes away any other host runtime files the container used.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Remove the volume that mounts docker.sock (or /var/run, /run) from the container. Tools that \
        need the Docker API should use a narrowly scoped proxy, or run on the host under an administrator's \
        control.",
    check,
};

/// The socket paths whose exposure matters: the daemon's own sockets plus the standard locations.
fn socket_paths(ctx: &Ctx) -> Vec<String> {
    // When the daemon's own sockets are unknown, the standard locations and any `docker.sock` still count.
    let mut paths = ctx.daemon.unix_sockets().unwrap_or_default();
    for p in ["/var/run/docker.sock", "/run/docker.sock"] {
        if !paths.iter().any(|x| x == p) {
            paths.push(p.into());
        }
    }
    paths
}

/// Whether mounting host path `source` exposes `socket`: the socket itself or a directory above it.
fn exposes(source: &str, socket: &str) -> bool {
    let source = source.trim_end_matches('/');
    if source.is_empty() {
        return true; // the host's root
    }
    socket == source || socket.starts_with(&format!("{source}/"))
}

fn check(ctx: &Ctx) -> Outcome {
    let sockets = socket_paths(ctx);
    per_container(ctx, |c| {
        let mut hits = Vec::new();
        for m in c.mounts()? {
            let kind = m.kind()?;
            if !(kind == "bind" || kind.is_empty()) {
                continue;
            }
            let source = m.source()?;
            if source.ends_with("/docker.sock") || sockets.iter().any(|s| exposes(source, s)) {
                hits.push(format!("mounts {source} at {}", m.destination));
            }
        }
        if hits.is_empty() {
            Ok((Status::Pass, "no Docker socket mounted".into()))
        } else {
            Ok((Status::Fail, hits.join("; ")))
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::MountFacts;
    let bind = |src: &str| MountFacts {
        kind: Some("bind".into()),
        source: Some(src.into()),
        destination: "/x".into(),
        rw: Some(true),
        propagation: Some("rprivate".into()),
    };
    vec![
        Fixture::pass("named volume only", compliant_host()),
        Fixture::fail(
            "docker.sock mounted",
            host_with(|f| {
                first_container(f)
                    .mounts
                    .as_mut()
                    .unwrap()
                    .push(bind("/var/run/docker.sock"))
            }),
        ),
        Fixture::fail(
            "/run mounted",
            host_with(|f| {
                first_container(f)
                    .mounts
                    .as_mut()
                    .unwrap()
                    .push(bind("/run"))
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::MountFacts;

    fn bind(src: &str, dst: &str) -> MountFacts {
        MountFacts {
            kind: Some("bind".into()),
            source: Some(src.into()),
            destination: dst.into(),
            rw: Some(true),
            propagation: Some("rprivate".into()),
        }
    }

    #[test]
    fn volume_only_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn socket_mount_fails() {
        let mut f = compliant_host();
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(bind("/var/run/docker.sock", "/var/run/docker.sock"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mounts /var/run/docker.sock at /var/run/docker.sock"
        );
    }

    #[test]
    fn run_directory_mount_fails() {
        let mut f = compliant_host();
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(bind("/run", "/host-run"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn custom_socket_path_is_honoured() {
        let mut f = compliant_host();
        daemon_json_set(
            &mut f,
            "hosts",
            serde_json::json!(["unix:///srv/docker/api.sock"]),
        );
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(bind("/srv/docker", "/d"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unrelated_bind_passes() {
        let mut f = compliant_host();
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(bind("/srv/app/config", "/config"));
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }
}
