//! Where the files of section 3 live. Each function returns the paths a rule must stat, an empty list when
//! the file does not apply to this host, or the reason the paths cannot be known (the rule then errors).

use crate::check::unit_paths;
use crate::context::Ctx;

pub const NO_SERVICE_UNIT: &str = "there is no docker.service unit on this host";
pub const NO_SOCKET_UNIT: &str = "there is no docker.socket unit on this host";
pub const NO_REGISTRY_CERTS: &str = "no registry certificates under /etc/docker/certs.d";
pub const NO_TLS: &str = "TLS is not configured";
pub const NO_UNIX_SOCKET: &str = "the daemon listens on no Unix socket";
pub const NO_CONTAINERD_SOCKET: &str =
    "the containerd socket dockerd uses does not exist on this host (a \
    containerd that dockerd starts itself, under /var/run/docker/containerd, is not assessed)";
pub const NO_SYSCONFIG_DOCKER: &str = "/etc/sysconfig/docker does not exist";
pub const ETC_DOCKER: &str = "/etc/docker";
pub const DEFAULT_DOCKER: &str = "/etc/default/docker";
pub const SYSCONFIG_DOCKER: &str = "/etc/sysconfig/docker";
/// Where a system containerd listens, and where dockerd looks for one when `--containerd` is not given.
pub const CONTAINERD_SOCKET: &str = "/run/containerd/containerd.sock";

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

/// The containerd socket dockerd talks to: the `containerd` setting (`--containerd=PATH`), else the system
/// containerd's default socket. A dockerd started without `--containerd` and without a system containerd
/// runs its own under /var/run/docker/containerd; that socket is not assessed (the default path is then
/// missing, so the rules are not applicable).
pub fn containerd_socket(ctx: &Ctx) -> Result<Vec<String>, String> {
    let configured = ctx.daemon.string("containerd")?;
    let path = configured.trim();
    let path = path.strip_prefix("unix://").unwrap_or(path);
    Ok(vec![if path.is_empty() {
        CONTAINERD_SOCKET.to_string()
    } else {
        path.to_string()
    }])
}

/// A containerd socket outcome with a clearer reason when the socket does not exist.
pub fn containerd_outcome(mut out: crate::Outcome) -> crate::Outcome {
    if out.status == crate::Status::NotApplicable {
        out.reason = NO_CONTAINERD_SOCKET.to_string();
    }
    out
}

/// A single fixed path.
pub fn fixed(path: &str) -> Result<Vec<String>, String> {
    Ok(vec![path.to_string()])
}

/// Test helpers shared by the section's rule tests.
#[cfg(test)]
pub mod fixture {
    use dockguard_facts::{Facts, FileFact, FileStat};

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

    /// Adds the containerd socket at its default path: a root-owned socket with the given mode.
    pub fn add_containerd_socket(f: &mut Facts, mode: u32) {
        let mut sock = crate::testing::file(mode);
        if let FileFact::Present(st) = &mut sock {
            st.kind = "socket".into();
        }
        set(f, super::CONTAINERD_SOCKET, sock);
    }

    /// An unreadable path.
    pub fn unreadable() -> FileFact {
        FileFact::Error {
            reason: "permission denied".into(),
        }
    }
}
