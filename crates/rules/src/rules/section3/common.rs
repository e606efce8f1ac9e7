//! Where the files of section 3 live. Each function returns the paths a rule must stat, an empty list when
//! the file does not apply to this host, or the reason the paths cannot be known (the rule then errors).

use crate::check::unit_paths;
use crate::context::Ctx;

pub const NO_SERVICE_UNIT: &str = "there is no docker.service unit on this host";
pub const NO_SOCKET_UNIT: &str = "there is no docker.socket unit on this host";
pub const NO_REGISTRY_CERTS: &str = "no registry certificates under /etc/docker/certs.d";
pub const NO_TLS: &str = "TLS is not configured";
pub const NO_UNIX_SOCKET: &str = "the daemon listens on no Unix socket";
pub const NO_SYSCONFIG_DOCKER: &str = "/etc/sysconfig/docker does not exist";
pub const ETC_DOCKER: &str = "/etc/docker";
pub const DEFAULT_DOCKER: &str = "/etc/default/docker";
pub const SYSCONFIG_DOCKER: &str = "/etc/sysconfig/docker";

/// The `docker.service` unit file in effect (systemd's FragmentPath).
pub fn service_unit(ctx: &Ctx) -> Result<Vec<String>, String> {
    unit_paths(&ctx.facts.units.docker_service)
        .map_err(|e| format!("the docker.service unit could not be located: {e}"))
}

/// The `docker.socket` unit file in effect.
pub fn socket_unit(ctx: &Ctx) -> Result<Vec<String>, String> {
    unit_paths(&ctx.facts.units.docker_socket)
        .map_err(|e| format!("the docker.socket unit could not be located: {e}"))
}

/// Every file under `/etc/docker/certs.d`, recursively (certificates, client certificates and keys alike).
pub fn registry_certs(ctx: &Ctx) -> Result<Vec<String>, String> {
    ctx.facts
        .certs_d
        .as_result()
        .cloned()
        .map_err(|e| format!("files under /etc/docker/certs.d could not be listed: {e}"))
}

/// One TLS file of the daemon (`tlscacert`, `tlscert` or `tlskey`); empty when TLS is not configured.
pub fn tls_file(ctx: &Ctx, key: &str) -> Result<Vec<String>, String> {
    ctx.daemon.tls_file(key).map(|p| p.into_iter().collect())
}

/// The Unix sockets the daemon serves (`-H fd://` counts as the default socket docker.socket creates).
pub fn unix_sockets(ctx: &Ctx) -> Result<Vec<String>, String> {
    ctx.daemon.unix_sockets()
}

/// The daemon configuration file: `/etc/docker/daemon.json` or the `--config-file` path.
pub fn daemon_json(ctx: &Ctx) -> Result<Vec<String>, String> {
    Ok(vec![ctx.daemon.config_path.clone()])
}

/// The containerd socket dockerd uses, found from the evidence (see [`dockguard_facts::containerd`]): the
/// `containerd` setting (`--containerd=PATH`), else the containerd dockerd started itself (its socket under
/// /var/run/docker/containerd), else a running system containerd. Also returns where that came from.
pub fn containerd_socket(ctx: &Ctx) -> Result<(Vec<String>, String), String> {
    dockguard_facts::containerd::socket_in_use(ctx.facts, &ctx.daemon)
        .map(|s| (vec![s.path], s.origin))
        .map_err(|e| format!("the containerd socket dockerd uses cannot be found: {e}"))
}

/// Runs an owner or mode check on the containerd socket dockerd uses. The socket is found from evidence, so a
/// socket that does not exist is an error (dockerd cannot run without it), never "not applicable".
pub fn containerd_rule(
    ctx: &Ctx,
    check: impl Fn(Result<Vec<String>, String>) -> crate::Outcome,
) -> crate::Outcome {
    let (paths, origin) = match containerd_socket(ctx) {
        Ok((p, o)) => (Ok(p), o),
        Err(e) => return crate::Outcome::error(e),
    };
    let mut out = check(paths);
    if out.targets.is_empty() {
        return out;
    }
    for t in &mut out.targets {
        if t.status == crate::Status::NotApplicable {
            t.status = crate::Status::Error;
            t.detail = format!(
                "the socket dockerd uses does not exist, so what dockerd talks to is unknown; {origin}"
            );
        } else {
            t.detail = format!("{}; {origin}", t.detail);
        }
    }
    crate::Outcome::aggregate(out.targets, "file", "no containerd socket")
}

/// A single fixed path.
pub fn fixed(path: &str) -> Result<Vec<String>, String> {
    Ok(vec![path.to_string()])
}

/// Test helpers shared by the section's rule tests.
#[cfg(test)]
pub mod fixture {
    use dockguard_facts::{Fact, Facts, FileFact, FileStat};

    /// Replaces the stat of `path`.
    pub fn set(f: &mut Facts, path: &str, fact: FileFact) {
        f.files.insert(path.to_string(), fact);
    }

    /// Sets the mode of a present file, keeping its owner.
    pub fn set_mode(f: &mut Facts, path: &str, mode: u32) {
        match f.files.get_mut(path) {
            Some(FileFact::Present(st)) => st.mode = mode,
            other => panic!("{path} is not a present file in the fixture: {other:?}"),
        }
    }

    /// Sets the owner of a present file; `None` names mean the host has no passwd/group entry.
    pub fn set_owner(
        f: &mut Facts,
        path: &str,
        uid: u32,
        user: Option<&str>,
        gid: u32,
        group: Option<&str>,
    ) {
        match f.files.get_mut(path) {
            Some(FileFact::Present(st)) => {
                *st = FileStat {
                    uid,
                    gid,
                    user: user.map(String::from),
                    group: group.map(String::from),
                    ..st.clone()
                }
            }
            other => panic!("{path} is not a present file in the fixture: {other:?}"),
        }
    }

    /// Turns TLS off: no `tlsverify` and no TLS file keys in daemon.json.
    pub fn tls_off(f: &mut Facts) {
        for k in ["tlsverify", "tls", "tlscacert", "tlscert", "tlskey"] {
            crate::testing::daemon_json_remove(f, k);
        }
    }

    /// Makes daemon.json unparseable, so TLS settings cannot be known.
    pub fn break_daemon_json(f: &mut Facts) {
        f.daemon.config_file.content = dockguard_facts::Fact::Ok(Some("{ \"tlsverify\": ".into()));
    }

    /// The socket of the containerd dockerd starts itself.
    pub const MANAGED_SOCKET: &str = "/var/run/docker/containerd/containerd.sock";

    /// dockerd's command line without `--containerd`.
    pub fn without_containerd_flag(f: &mut Facts) {
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv.retain(|a| !a.starts_with("--containerd"));
        }
    }

    /// A host whose dockerd runs its own containerd (no system containerd, no `--containerd`), as Debian's
    /// docker.io and a hand-started dockerd do.
    pub fn dockerd_managed_containerd(f: &mut Facts) {
        without_containerd_flag(f);
        f.files.insert(
            dockguard_facts::containerd::DEFAULT_SOCKET.into(),
            FileFact::Missing,
        );
        let mut sock = crate::testing::file(0o660);
        if let FileFact::Present(st) = &mut sock {
            st.kind = "socket".into();
        }
        f.files.insert(MANAGED_SOCKET.into(), sock);
        if let Fact::Ok(procs) = &mut f.processes {
            procs.retain(|p| p.name != "containerd");
            procs.push(dockguard_facts::HostProcess {
                pid: 4284,
                name: "containerd".into(),
                argv: vec![
                    "containerd".into(),
                    "--config".into(),
                    "/var/run/docker/containerd/containerd.toml".into(),
                    "--log-level".into(),
                    "info".into(),
                ],
                started_at: None,
            });
        }
    }

    /// An unreadable path.
    pub fn unreadable() -> FileFact {
        FileFact::Error {
            reason: "permission denied".into(),
        }
    }
}
