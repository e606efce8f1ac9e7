//! Which Docker endpoint to ask, where that choice came from, and connecting to it with errors that name
//! the cause, the endpoint, its origin and the fix.
//!
//! Resolution order (the first that gives an answer wins):
//! 1. `--docker-host URL`;
//! 2. `DOCKER_HOST`;
//! 3. `DOCKER_CONTEXT` (a context name; `default` means steps 5–6);
//! 4. `currentContext` in `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`);
//! 5. the rootless daemon's socket `$XDG_RUNTIME_DIR/docker.sock`, when it exists;
//! 6. `unix:///var/run/docker.sock`.
//!
//! A named context is read from `$DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json` (its
//! `Endpoints.docker.Host`), with TLS files from `$DOCKER_CONFIG/contexts/tls/<sha256>/docker/` when present.

use bollard::Docker;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Default endpoint when nothing else names one.
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";

/// Where the endpoint came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// `--docker-host`.
    Flag,
    /// The `DOCKER_HOST` environment variable.
    DockerHost,
    /// A Docker context, named by `DOCKER_CONTEXT` (`from_env`) or by `currentContext` in the CLI config.
    Context {
        name: String,
        from_env: bool,
        meta: PathBuf,
    },
    /// The rootless daemon's socket under `$XDG_RUNTIME_DIR`.
    Rootless,
    /// Nothing named an endpoint.
    Default,
    /// Given by a program, not resolved here.
    Given,
}

impl std::fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndpointSource::Flag => f.write_str("from --docker-host"),
            EndpointSource::DockerHost => f.write_str("from DOCKER_HOST"),
            EndpointSource::Context {
                name,
                from_env,
                meta,
            } => write!(
                f,
                "from Docker context {name:?} (chosen by {}; {})",
                if *from_env {
                    "DOCKER_CONTEXT"
                } else {
                    "currentContext in the Docker CLI config"
                },
                meta.display()
            ),
            EndpointSource::Rootless => {
                f.write_str("the rootless daemon's socket $XDG_RUNTIME_DIR/docker.sock")
            }
            EndpointSource::Default => {
                f.write_str("the default: no --docker-host, DOCKER_HOST or Docker context")
            }
            EndpointSource::Given => f.write_str("as given"),
        }
    }
}

/// TLS client files (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A Docker endpoint and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port`, `http://…` or `https://…`.
    pub url: String,
    pub source: EndpointSource,
    /// TLS files that come with a Docker context; `None` means `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` decide.
    pub tls: Option<TlsFiles>,
}

impl Endpoint {
    pub fn given(url: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            source: EndpointSource::Given,
            tls: None,
        }
    }

    fn new(url: impl Into<String>, source: EndpointSource) -> Endpoint {
        Endpoint {
            url: url.into(),
            source,
            tls: None,
        }
    }

    /// The fix for a badly written endpoint: where to change it.
    fn where_to_fix(&self) -> String {
        match &self.source {
            EndpointSource::Flag => "correct --docker-host".into(),
            EndpointSource::DockerHost => {
                "correct DOCKER_HOST (or unset it to use the Docker context or the default socket)".into()
            }
            EndpointSource::Context { name, .. } => format!(
                "correct the context (`docker context inspect {name}`), or choose another with DOCKER_CONTEXT or \
                 `docker context use`"
            ),
            _ => "give the endpoint with --docker-host".into(),
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

impl From<&str> for Endpoint {
    fn from(s: &str) -> Self {
        Endpoint::given(s)
    }
}

impl From<String> for Endpoint {
    fn from(s: String) -> Self {
        Endpoint::given(s)
    }
}

impl From<&String> for Endpoint {
    fn from(s: &String) -> Self {
        Endpoint::given(s.as_str())
    }
}

impl From<&Endpoint> for Endpoint {
    fn from(e: &Endpoint) -> Self {
        e.clone()
    }
}

/// Why the daemon could not be reached, where the endpoint came from, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot reach the Docker daemon at {endpoint} ({source_desc}): {reason}\nfix: {fix}")]
pub struct Unreachable {
    pub endpoint: String,
    /// Where the endpoint came from, in words (`from DOCKER_HOST`, …).
    pub source_desc: String,
    /// What went wrong.
    pub reason: String,
    /// What to do about it.
    pub fix: String,
}

impl Unreachable {
    fn new(ep: &Endpoint, reason: impl Into<String>, fix: impl Into<String>) -> Unreachable {
        Unreachable {
            endpoint: ep.url.clone(),
            source_desc: ep.source.to_string(),
            reason: reason.into(),
            fix: fix.into(),
        }
    }
}

/// The environment the resolution reads (a seam for tests).
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// The endpoint to use, from the process environment (see the module documentation for the order).
pub fn resolve_endpoint(flag: Option<&str>) -> Result<Endpoint, Unreachable> {
    resolve_endpoint_with(flag, &ProcessEnv)
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// The Docker CLI's configuration directory: `$DOCKER_CONFIG`, else `$HOME/.docker`.
fn docker_config_dir(env: &dyn Env) -> Option<PathBuf> {
    non_empty(env.var("DOCKER_CONFIG"))
        .map(PathBuf::from)
        .or_else(|| non_empty(env.var("HOME")).map(|h| Path::new(&h).join(".docker")))
}

/// [`resolve_endpoint`] with an explicit environment.
pub fn resolve_endpoint_with(flag: Option<&str>, env: &dyn Env) -> Result<Endpoint, Unreachable> {
    if let Some(f) = flag {
        return Ok(Endpoint::new(f.trim(), EndpointSource::Flag));
    }
    if let Some(h) = non_empty(env.var("DOCKER_HOST")) {
        return Ok(Endpoint::new(h.trim(), EndpointSource::DockerHost));
    }
    let config_dir = docker_config_dir(env);
    let (context, from_env) = match non_empty(env.var("DOCKER_CONTEXT")) {
        Some(c) => (Some(c.trim().to_string()), true),
        None => (current_context(config_dir.as_deref())?, false),
    };
    if let Some(name) = context.filter(|n| n != "default") {
        return context_endpoint(config_dir.as_deref(), &name, from_env);
    }
    if let Some(dir) = non_empty(env.var("XDG_RUNTIME_DIR")) {
        let sock = Path::new(&dir).join("docker.sock");
        if sock.exists() {
            return Ok(Endpoint::new(
                format!("unix://{}", sock.display()),
                EndpointSource::Rootless,
            ));
        }
    }
    Ok(Endpoint::new(DEFAULT_ENDPOINT, EndpointSource::Default))
}

/// `currentContext` of the CLI config, when the file exists and names one.
fn current_context(config_dir: Option<&Path>) -> Result<Option<String>, Unreachable> {
    let Some(dir) = config_dir else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(config_error(
                &path,
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| config_error(&path, format!("{} is not valid JSON: {e}", path.display())))?;
    Ok(v.get("currentContext")
        .and_then(|c| c.as_str())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string))
}

fn config_error(path: &Path, reason: String) -> Unreachable {
    Unreachable {
        endpoint: "(unknown)".into(),
        source_desc: format!("the Docker CLI config {}", path.display()),
        reason,
        fix: format!(
            "repair or remove {}, or name the endpoint with --docker-host or DOCKER_HOST",
            path.display()
        ),
    }
}

/// The directory name Docker gives a context: the hex SHA-256 of its name.
pub fn context_dir_name(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn context_endpoint(
    config_dir: Option<&Path>,
    name: &str,
    from_env: bool,
) -> Result<Endpoint, Unreachable> {
    let chooser = if from_env {
        "DOCKER_CONTEXT"
    } else {
        "currentContext in the Docker CLI config"
    };
    let Some(dir) = config_dir else {
        return Err(Unreachable {
            endpoint: "(unknown)".into(),
            source_desc: format!("Docker context {name:?}, chosen by {chooser}"),
            reason: "neither DOCKER_CONFIG nor HOME is set, so the context cannot be read".into(),
            fix:
                "set HOME or DOCKER_CONFIG, or name the endpoint with --docker-host or DOCKER_HOST"
                    .into(),
        });
    };
    let hash = context_dir_name(name);
    let meta = dir.join("contexts/meta").join(&hash).join("meta.json");
    let source = EndpointSource::Context {
        name: name.to_string(),
        from_env,
        meta: meta.clone(),
    };
    let fail = |reason: String| {
        Unreachable {
        endpoint: "(unknown)".into(),
        source_desc: source.to_string(),
        reason,
        fix: "list the contexts with `docker context ls` and choose one that exists (DOCKER_CONTEXT or \
              `docker context use NAME`), or name the endpoint with --docker-host"
            .to_string(),
    }
    };
    let text = std::fs::read_to_string(&meta).map_err(|e| {
        fail(if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "there is no Docker context {name:?} ({} does not exist)",
                meta.display()
            )
        } else {
            format!("cannot read {}: {e}", meta.display())
        })
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("{} is not valid JSON: {e}", meta.display())))?;
    let host = v
        .pointer("/Endpoints/docker/Host")
        .and_then(|h| h.as_str())
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| fail(format!("{} has no Endpoints.docker.Host", meta.display())))?;
    let mut ep = Endpoint::new(host, source);
    let tls = dir.join("contexts/tls").join(&hash).join("docker");
    let files = TlsFiles {
        ca: tls.join("ca.pem"),
        cert: tls.join("cert.pem"),
        key: tls.join("key.pem"),
    };
    if files.ca.exists() && files.cert.exists() && files.key.exists() {
        ep.tls = Some(files);
    }
    Ok(ep)
}

/// A parsed endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Unix(String),
    /// `http(s)://host:port` for bollard, and whether the scheme itself asks for TLS.
    Tcp {
        url: String,
        https: bool,
    },
}

/// Checks the endpoint's form before any connection is tried: a bad scheme or a malformed `DOCKER_HOST`
/// is named with what was wrong and where to correct it.
fn parse(ep: &Endpoint) -> Result<Target, Unreachable> {
    let url = ep.url.as_str();
    let bad = |what: String, example: &str| {
        Unreachable::new(
            ep,
            what,
            format!("{}; for example {example}", ep.where_to_fix()),
        )
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        let guess = if url.starts_with('/') {
            format!("unix://{url}")
        } else {
            format!("tcp://{url}")
        };
        return Err(bad(
            format!("{url:?} has no scheme (unix://, tcp://, http:// or https://)"),
            &guess,
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "unix" => {
            if !rest.starts_with('/') {
                return Err(bad(
                    format!("{url:?} does not name an absolute socket path"),
                    DEFAULT_ENDPOINT,
                ));
            }
            Ok(Target::Unix(rest.to_string()))
        }
        s @ ("tcp" | "http" | "https") => {
            let hostport = rest.split('/').next().unwrap_or("");
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, _)) if !h.ends_with(']') && h.contains(':') => (hostport, None),
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            };
            if host.is_empty() || host == "[]" {
                return Err(bad(
                    format!("{url:?} names no host"),
                    "tcp://docker.example:2376",
                ));
            }
            if let Some(p) = port {
                if p.parse::<u16>().is_err() {
                    return Err(bad(
                        format!("{url:?} has an invalid port {p:?}"),
                        "tcp://docker.example:2376",
                    ));
                }
            }
            let https = s == "https";
            let scheme = if https { "https" } else { "http" };
            let default_port = if https { 2376 } else { 2375 };
            let url = match port {
                Some(p) => format!("{scheme}://{host}:{p}"),
                None => format!("{scheme}://{host}:{default_port}"),
            };
            Ok(Target::Tcp { url, https })
        }
        "ssh" => Err(Unreachable::new(
            ep,
            "ssh:// endpoints are not supported by dockguard",
            format!(
                "run dockguard on that host, or forward its socket (`ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock \
                 {rest}`) and use --docker-host unix:///tmp/docker.sock; or {}",
                ep.where_to_fix()
            ),
        )),
        "npipe" => Err(Unreachable::new(
            ep,
            "npipe:// (Windows named pipe) endpoints are not supported: dockguard assesses Linux hosts",
            ep.where_to_fix(),
        )),
        other => Err(bad(
            format!("unsupported scheme {other}:// in {url:?} (use unix://, tcp://, http:// or https://)"),
            DEFAULT_ENDPOINT,
        )),
    }
}

/// The TLS files for a TCP endpoint: the context's, else `DOCKER_CERT_PATH` (default `~/.docker`) when
/// `DOCKER_TLS_VERIFY` is set or the scheme is https; `None` for plain HTTP.
fn tls_files(ep: &Endpoint, https: bool) -> Result<Option<TlsFiles>, Unreachable> {
    if let Some(t) = &ep.tls {
        return Ok(Some(t.clone()));
    }
    let verify = std::env::var("DOCKER_TLS_VERIFY")
        .map(|v| !v.is_empty() && v != "0")
        .unwrap_or(false);
    if !verify && !https {
        return Ok(None);
    }
    let certs = std::env::var("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".docker")
        });
    let files = TlsFiles {
        ca: certs.join("ca.pem"),
        cert: certs.join("cert.pem"),
        key: certs.join("key.pem"),
    };
    for f in [&files.key, &files.cert, &files.ca] {
        if !f.exists() {
            return Err(Unreachable::new(
                ep,
                format!("TLS is requested but {} does not exist", f.display()),
                "set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem",
            ));
        }
    }
    Ok(Some(files))
}

/// The first `io::Error` in an error's source chain.
fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

/// Turns a failed first request into a message with the cause and the fix.
fn explain(ep: &Endpoint, target: &Target, e: &bollard::errors::Error) -> Unreachable {
    use std::io::ErrorKind as K;
    let socket = match target {
        Target::Unix(p) => Some(p.as_str()),
        Target::Tcp { .. } => None,
    };
    if let bollard::errors::Error::SocketNotFoundError(p) = e {
        return not_found(ep, p);
    }
    if let bollard::errors::Error::RequestTimeoutError = e {
        return Unreachable::new(
            ep,
            "the daemon did not answer in time",
            "check that dockerd is healthy (`systemctl status docker`), or raise --timeout",
        );
    }
    match (io_cause(e).map(|io| io.kind()), socket) {
        (Some(K::PermissionDenied), Some(p)) => permission_denied(ep, p),
        (Some(K::NotFound), Some(p)) => not_found(ep, p),
        (Some(K::ConnectionRefused), Some(p)) => Unreachable::new(
            ep,
            format!("connection refused: the socket {p} exists but no daemon listens on it"),
            "start dockerd (`sudo systemctl start docker`), or point dockguard at a running daemon with \
             --docker-host",
        ),
        (Some(K::ConnectionRefused), None) => Unreachable::new(
            ep,
            "connection refused: nothing listens at that address and port",
            format!(
                "start dockerd there with a TCP listener (`-H tcp://0.0.0.0:2376 --tlsverify …`), check the port, or {}",
                ep.where_to_fix()
            ),
        ),
        (Some(K::TimedOut), _) => Unreachable::new(
            ep,
            "the connection timed out",
            "check the address and any firewall between here and the daemon",
        ),
        _ => {
            let mut chain = e.to_string();
            let mut cur = std::error::Error::source(e);
            while let Some(c) = cur {
                chain.push_str(&format!(": {c}"));
                cur = c.source();
            }
            Unreachable::new(
                ep,
                chain,
                "check that dockerd runs and answers at that endpoint (`docker version`), or name another \
                 with --docker-host",
            )
        }
    }
}

fn not_found(ep: &Endpoint, path: &str) -> Unreachable {
    Unreachable::new(
        ep,
        format!("there is no socket at {path}"),
        "start dockerd (`sudo systemctl start docker`); for a rootless daemon set DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock; \
         or name the endpoint with --docker-host",
    )
}

fn permission_denied(ep: &Endpoint, path: &str) -> Unreachable {
    Unreachable::new(
        ep,
        format!("permission denied opening the socket {path}"),
        "add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run dockguard as root",
    )
}

/// Connects to the endpoint (unix://, tcp:// or http:// with TLS from the context or
/// `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, https://) and negotiates the API version.
pub async fn connect(
    endpoint: impl Into<Endpoint>,
    timeout_secs: u64,
) -> Result<Docker, Unreachable> {
    let ep: Endpoint = endpoint.into();
    let target = parse(&ep)?;
    let version = bollard::API_DEFAULT_VERSION;
    let docker = match &target {
        Target::Unix(path) => {
            // Tell a socket we may not open from one that is missing before bollard folds both into
            // "not found".
            match std::fs::metadata(path) {
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    return Err(permission_denied(&ep, path))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(not_found(&ep, path))
                }
                _ => {}
            }
            Docker::connect_with_unix(path, timeout_secs, version)
        }
        Target::Tcp { url, https } => match tls_files(&ep, *https)? {
            Some(t) => Docker::connect_with_ssl(
                &url.replacen("http://", "https://", 1),
                &t.key,
                &t.cert,
                &t.ca,
                timeout_secs,
                version,
            ),
            None => Docker::connect_with_http(url, timeout_secs, version),
        },
    }
    .map_err(|e| explain(&ep, &target, &e))?;
    docker
        .negotiate_version()
        .await
        .map_err(|e| explain(&ep, &target, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| m.get(k).cloned()
    }

    fn write_context(config: &Path, name: &str, host: &str) -> PathBuf {
        let dir = config.join("contexts/meta").join(context_dir_name(name));
        std::fs::create_dir_all(&dir).unwrap();
        let meta = dir.join("meta.json");
        std::fs::write(
            &meta,
            serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}})
                .to_string(),
        )
        .unwrap();
        meta
    }

    #[test]
    fn context_directories_are_the_sha256_of_the_name() {
        // `docker context create rootless` stores its meta.json under sha256("rootless").
        assert_eq!(
            context_dir_name("rootless"),
            "12b961af5feb3e9d39f93b2cefb9a1a944f18d02cca0cac2f04f5a982240605f"
        );
    }

    #[test]
    fn resolution_order() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("cfg");
        let meta = write_context(&config, "remote", "tcp://10.0.0.5:2376");
        write_context(&config, "other", "unix:///other.sock");
        std::fs::write(config.join("config.json"), r#"{"currentContext": "other"}"#).unwrap();
        let run = tmp.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("docker.sock"), "").unwrap();
        let cfg = config.display().to_string();
        let xdg = run.display().to_string();
        let all = [
            ("DOCKER_HOST", "tcp://h:1"),
            ("DOCKER_CONTEXT", "remote"),
            ("DOCKER_CONFIG", cfg.as_str()),
            ("XDG_RUNTIME_DIR", xdg.as_str()),
        ];
        let r = |flag: Option<&str>, vars: &[(&str, &str)]| {
            resolve_endpoint_with(flag, &env(vars)).unwrap()
        };
        let e = r(Some("unix:///flag.sock"), &all);
        assert_eq!(
            (e.url.as_str(), &e.source),
            ("unix:///flag.sock", &EndpointSource::Flag)
        );
        let e = r(None, &all);
        assert_eq!(
            (e.url.as_str(), &e.source),
            ("tcp://h:1", &EndpointSource::DockerHost)
        );
        let e = r(None, &all[1..]);
        assert_eq!(e.url, "tcp://10.0.0.5:2376");
        assert_eq!(
            e.source,
            EndpointSource::Context {
                name: "remote".into(),
                from_env: true,
                meta
            }
        );
        assert!(e.source.to_string().contains("DOCKER_CONTEXT"));
        let e = r(None, &all[2..]);
        assert_eq!(e.url, "unix:///other.sock");
        assert!(matches!(
            e.source,
            EndpointSource::Context {
                from_env: false,
                ..
            }
        ));
        // DOCKER_CONTEXT=default skips the config's current context.
        let e = r(None, &[all[2], all[3], ("DOCKER_CONTEXT", "default")]);
        assert_eq!(e.source, EndpointSource::Rootless);
        assert_eq!(e.url, format!("unix://{xdg}/docker.sock"));
        let e = r(None, &[("XDG_RUNTIME_DIR", "/nonexistent-run")]);
        assert_eq!(
            (e.url.as_str(), e.source),
            (DEFAULT_ENDPOINT, EndpointSource::Default)
        );
        // HOME/.docker is the config directory when DOCKER_CONFIG is unset.
        let home = tmp.path().join("home");
        write_context(&home.join(".docker"), "h", "unix:///h.sock");
        std::fs::write(
            home.join(".docker/config.json"),
            r#"{"currentContext":"h"}"#,
        )
        .unwrap();
        let e = r(None, &[("HOME", home.to_str().unwrap())]);
        assert_eq!(e.url, "unix:///h.sock");
    }

    #[test]
    fn a_missing_context_or_bad_config_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = tmp.path().display().to_string();
        let e = resolve_endpoint_with(
            None,
            &env(&[("DOCKER_CONFIG", &cfg), ("DOCKER_CONTEXT", "gone")]),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("\"gone\"") && msg.contains("DOCKER_CONTEXT"),
            "{msg}"
        );
        assert!(msg.contains("docker context ls"), "{msg}");
        std::fs::write(tmp.path().join("config.json"), "{oops").unwrap();
        let msg = resolve_endpoint_with(None, &env(&[("DOCKER_CONFIG", &cfg)]))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("config.json") && msg.contains("not valid JSON"),
            "{msg}"
        );
    }

    #[test]
    fn context_tls_files_are_used_when_present() {
        let tmp = tempfile::tempdir().unwrap();
        write_context(tmp.path(), "secure", "tcp://d:2376");
        let tls = tmp
            .path()
            .join("contexts/tls")
            .join(context_dir_name("secure"))
            .join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls.join(f), "").unwrap();
        }
        let cfg = tmp.path().display().to_string();
        let e = resolve_endpoint_with(
            None,
            &env(&[("DOCKER_CONFIG", &cfg), ("DOCKER_CONTEXT", "secure")]),
        )
        .unwrap();
        assert_eq!(e.tls.unwrap().key, tls.join("key.pem"));
    }

    #[test]
    fn malformed_endpoints_name_the_problem_and_where_to_fix_it() {
        let ep = |url: &str, source| Endpoint::new(url, source);
        let cases = [
            (
                ep("localhost:2375", EndpointSource::DockerHost),
                "has no scheme",
                "DOCKER_HOST",
                "tcp://localhost:2375",
            ),
            (
                ep("/var/run/docker.sock", EndpointSource::Flag),
                "has no scheme",
                "--docker-host",
                "unix:///var/run/docker.sock",
            ),
            (
                ep("foo://x", EndpointSource::DockerHost),
                "unsupported scheme foo://",
                "DOCKER_HOST",
                DEFAULT_ENDPOINT,
            ),
            (
                ep("tcp://", EndpointSource::DockerHost),
                "names no host",
                "DOCKER_HOST",
                "tcp://",
            ),
            (
                ep("tcp://h:port", EndpointSource::Flag),
                "invalid port",
                "--docker-host",
                "tcp://",
            ),
            (
                ep("unix://docker.sock", EndpointSource::Flag),
                "absolute socket path",
                "--docker-host",
                "unix:///",
            ),
            (
                ep("ssh://me@h", EndpointSource::DockerHost),
                "not supported",
                "DOCKER_HOST",
                "ssh -nNT",
            ),
        ];
        for (e, cause, origin, fix) in cases {
            let err = parse(&e).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(cause), "{msg}");
            assert!(msg.contains(&e.url), "{msg}");
            assert!(msg.contains(origin), "{msg}");
            assert!(err.fix.contains(fix), "{msg}");
        }
        assert_eq!(
            parse(&Endpoint::given("tcp://h")).unwrap(),
            Target::Tcp {
                url: "http://h:2375".into(),
                https: false
            }
        );
        assert_eq!(
            parse(&Endpoint::given("https://[::1]:99")).unwrap(),
            Target::Tcp {
                url: "https://[::1]:99".into(),
                https: true
            }
        );
    }

    #[tokio::test]
    async fn socket_errors_name_cause_endpoint_origin_and_fix() {
        let tmp = tempfile::tempdir().unwrap();
        // A socket file nobody listens on: connection refused.
        let path = tmp.path().join("dead.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let ep = Endpoint::new(
            format!("unix://{}", path.display()),
            EndpointSource::DockerHost,
        );
        let e = connect(&ep, 5).await.unwrap_err();
        assert!(e.reason.contains("connection refused"), "{e}");
        assert!(e.source_desc.contains("DOCKER_HOST"), "{e}");
        assert!(e.fix.contains("systemctl start docker"), "{e}");
        // No socket at all.
        let ep = Endpoint::new("unix:///nonexistent/docker.sock", EndpointSource::Default);
        let e = connect(&ep, 5).await.unwrap_err();
        assert!(
            e.reason.contains("no socket at /nonexistent/docker.sock"),
            "{e}"
        );
        assert!(e.to_string().contains("the default"), "{e}");
        // TCP: nothing listens.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let ep = Endpoint::new(format!("tcp://127.0.0.1:{port}"), EndpointSource::Flag);
        let e = connect(&ep, 5).await.unwrap_err();
        assert!(e.reason.contains("connection refused"), "{e}");
        assert!(e.to_string().contains("from --docker-host"), "{e}");
    }
}
