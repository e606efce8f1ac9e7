//! Which containerd socket the running dockerd uses.
//!
//! dockerd talks to containerd over a Unix socket. With `--containerd PATH` (or `"containerd"` in
//! daemon.json) it uses that one. Without it, dockerd uses the system containerd when its socket
//! (`/run/containerd/containerd.sock`) exists, and otherwise starts a containerd of its own with a
//! generated configuration under `/var/run/docker/containerd/`, listening on
//! `/var/run/docker/containerd/containerd.sock` (the usual setup of Debian's docker.io and of dockerd run by
//! hand). The running containerd processes and their command lines tell which case holds.

use crate::{DaemonConfig, Facts, FileFact};

/// The system containerd's default socket.
pub const DEFAULT_SOCKET: &str = "/run/containerd/containerd.sock";
/// The socket of the containerd that dockerd starts itself.
pub const DOCKERD_MANAGED_SOCKET: &str = "/var/run/docker/containerd/containerd.sock";

/// A place the socket may be and what says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    pub path: String,
    /// The evidence: `dockerd --containerd`, `containerd --address (pid 42)`, ...
    pub origin: String,
}

fn strip(p: &str) -> &str {
    let p = p.trim();
    p.strip_prefix("unix://").unwrap_or(p)
}

/// The value of a flag on a command line: `--name VALUE`, `--name=VALUE`, or the shorthand.
fn flag_value<'a>(argv: &'a [String], long: &str, short: Option<&str>) -> Option<&'a str> {
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        if let Some(v) = a.strip_prefix(&format!("--{long}=")) {
            return Some(v);
        }
        if a == &format!("--{long}") || short.is_some_and(|s| a == &format!("-{s}")) {
            return it.next().map(String::as_str);
        }
    }
    None
}

/// The sockets of the containerd processes running on the host: the `--address` each was given, else the
/// one its configuration file's place implies (dockerd's own containerd), else containerd's default.
/// `Err` when the host's processes could not be read.
pub fn running_containerds(facts: &Facts) -> Result<Vec<Socket>, String> {
    let procs = facts
        .processes
        .as_result()
        .map_err(|e| format!("the host's processes could not be read: {e}"))?;
    Ok(procs
        .iter()
        .filter(|p| matches!(p.name.as_str(), "containerd" | "docker-containerd"))
        .map(|p| {
            if let Some(a) = flag_value(&p.argv, "address", Some("a")) {
                return Socket {
                    path: strip(a).to_string(),
                    origin: format!("containerd --address (pid {})", p.pid),
                };
            }
            match flag_value(&p.argv, "config", Some("c")) {
                Some(cfg) if cfg.contains("/docker/containerd/") => Socket {
                    path: format!(
                        "{}/containerd.sock",
                        cfg.rsplit_once('/').map(|(d, _)| d).unwrap_or(cfg)
                    ),
                    origin: format!(
                        "the containerd dockerd started (pid {}, --config {cfg})",
                        p.pid
                    ),
                },
                _ => Socket {
                    path: DEFAULT_SOCKET.to_string(),
                    origin: format!("containerd's default address (pid {})", p.pid),
                },
            }
        })
        .collect())
}

/// Every path the socket may have, for the collector to stat: the configured one, the running
/// containerds', and both usual places.
pub fn socket_candidates(facts: &Facts) -> Vec<Socket> {
    let cfg = DaemonConfig::from_facts(facts);
    let mut out = Vec::new();
    if let Ok(p) = cfg.string("containerd") {
        if !strip(&p).is_empty() {
            out.push(Socket {
                path: strip(&p).to_string(),
                origin: "dockerd --containerd".into(),
            });
        }
    }
    out.extend(running_containerds(facts).unwrap_or_default());
    for (p, o) in [
        (DEFAULT_SOCKET, "containerd's default address"),
        (
            DOCKERD_MANAGED_SOCKET,
            "the default of dockerd's own containerd",
        ),
    ] {
        out.push(Socket {
            path: p.into(),
            origin: o.into(),
        });
    }
    out
}

/// The containerd socket the running dockerd uses, and the evidence for it.
///
/// `Err` when it cannot be told (the daemon configuration is unknown and the host's processes could not be
/// read, or nothing points at a socket that exists).
pub fn socket_in_use(facts: &Facts, cfg: &DaemonConfig) -> Result<Socket, String> {
    let configured = cfg.string("containerd");
    if let Ok(p) = &configured {
        if !strip(p).is_empty() {
            let origin = match cfg.get("containerd") {
                Ok(Some(s)) => format!(
                    "dockerd's `containerd` setting ({})",
                    s.origin(&cfg.config_path)
                ),
                _ => "dockerd --containerd".to_string(),
            };
            return Ok(Socket {
                path: strip(p).to_string(),
                origin,
            });
        }
    }
    let exists = |p: &str| matches!(facts.files.get(p), Some(FileFact::Present(_)));
    let running = running_containerds(facts);
    // Without --containerd, dockerd uses the system containerd when its socket exists, else its own.
    if let Ok(running) = &running {
        if let Some(own) = running
            .iter()
            .find(|s| s.origin.starts_with("the containerd dockerd started"))
        {
            return Ok(own.clone());
        }
        if let Some(sys) = running.iter().find(|s| exists(&s.path)) {
            return Ok(sys.clone());
        }
    }
    if let Err(e) = configured {
        return Err(format!("dockerd's --containerd setting is unknown ({e})"));
    }
    if exists(DEFAULT_SOCKET) {
        return Ok(Socket {
            path: DEFAULT_SOCKET.into(),
            origin: "containerd's default address, which exists (dockerd uses it when no --containerd is given)"
                .into(),
        });
    }
    match running {
        Err(e) => Err(e),
        Ok(r) if r.is_empty() => Err(
            "no containerd process is running and neither --containerd nor the default socket points at one"
                .into(),
        ),
        Ok(r) => Err(format!(
            "no socket of the running containerd exists ({})",
            r.iter()
                .map(|s| format!("{} from {}", s.path, s.origin))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}
