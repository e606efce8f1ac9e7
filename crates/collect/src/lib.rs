//! Collects the facts of one Docker host, once: the Docker Engine API (module [`docker`]) and the host's
//! files under a root directory (module [`host`]). Rules never do I/O; this crate does all of it.

pub mod docker;
pub mod endpoint;
pub mod host;
pub mod scanner;

use dockguard_facts::daemon::{config_file_path, DaemonConfig};
use dockguard_facts::*;
use host::HostFs;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

pub use endpoint::{resolve_endpoint, Endpoint, EndpointSource, Unreachable};

/// How to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Where the host's root filesystem is (`/` on a live host, `/host` in a container).
    pub root: PathBuf,
    /// The Docker endpoint (already resolved, see [`resolve_endpoint`]).
    pub endpoint: Endpoint,
    pub running_only: bool,
    /// Concurrent inspect requests.
    pub concurrency: usize,
    /// Ask `auditctl -l` for the loaded audit rules (only meaningful on the live root).
    pub auditctl: bool,
    /// Per-request timeout in seconds.
    pub timeout_secs: u64,
}

impl CollectOptions {
    pub fn new(root: impl Into<PathBuf>, endpoint: impl Into<Endpoint>) -> Self {
        let root = root.into();
        CollectOptions {
            auditctl: root == std::path::Path::new("/"),
            root,
            endpoint: endpoint.into(),
            running_only: false,
            concurrency: 32,
            timeout_secs: 60,
        }
    }
}

/// The daemon could not be reached: the scan cannot run.
pub type CollectError = Unreachable;

/// Collects every fact. Fails only when the Docker daemon cannot be reached at all; anything else that
/// cannot be read is recorded in the facts as an error for the rules to report.
pub async fn collect(opts: &CollectOptions) -> Result<Facts, CollectError> {
    let started = Instant::now();
    let client = docker::connect(&opts.endpoint, opts.timeout_secs).await?;
    let fs = HostFs::new(&opts.root);

    // Host side first (cheap, local), while the API calls run.
    let docker_task = docker::collect(&client, opts.running_only, opts.concurrency);
    let host_task = async {
        let process = fs.find_dockerd();
        let argv = process.ok().map(|p| p.argv.clone());
        let config_path = config_file_path(argv.as_deref());
        let config_content: Fact<Option<String>> = fs.read_optional(&config_path).into();
        (process, config_path, config_content)
    };
    let (docker_facts, (process, config_path, config_content)) =
        tokio::join!(docker_task, host_task);
    let docker_facts: Fact<DockerFacts> = match docker_facts {
        Ok(d) => Fact::Ok(d),
        Err(e) => Fact::Error(format!("{e} (endpoint {})", opts.endpoint)),
    };
    let scanner_container = docker_facts
        .ok()
        .and_then(|d| scanner::own_container(&d.containers));
    let root_missing = missing_host_paths(&fs, docker_facts.ok());
    let daemon = DaemonFacts {
        process,
        config_file: ConfigFile {
            path: config_path,
            content: config_content,
        },
    };

    let units = Units {
        docker_service: fs.find_unit("docker.service"),
        docker_socket: fs.find_unit("docker.socket"),
    };
    let certs_d: Fact<Vec<String>> = fs.walk_files("/etc/docker/certs.d").into();

    let mut facts = Facts {
        schema: FACTS_SCHEMA.into(),
        collector: CollectorInfo {
            tool: "dockguard".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            root: opts.root.display().to_string(),
            docker_host: opts.endpoint.url.clone(),
            collected_at: now_rfc3339(),
            duration_ms: 0,
            running_only: opts.running_only,
            scanner_container,
            root_missing,
        },
        host: fs.host_facts(),
        docker: docker_facts,
        daemon,
        units,
        files: BTreeMap::new(),
        certs_d,
        audit: AuditFacts {
            loaded: opts.auditctl.then(auditctl_rules),
            files: fs.audit_files(),
        },
        mounts: fs.mounts(),
        listeners: fs.listeners(),
        docker_group: fs.docker_group(),
        docker_environment: fs.docker_environment(),
    };
    attach_processes(&fs, &mut facts);

    // Every path a rule names, stat'ed once.
    let paths = paths_to_stat(&facts);
    facts.files = paths
        .into_iter()
        .map(|p| {
            let st = fs.stat(&p);
            (p, st)
        })
        .collect();
    facts.collector.duration_ms = started.elapsed().as_millis() as u64;
    Ok(facts)
}

/// What a host root has and this root lacks: `/etc`, `/proc` and the Docker root directory (`/info`'s
/// `DockerRootDir`, else `/var/lib/docker`). Anything listed means the root is probably not a host's `/`.
pub fn missing_host_paths(fs: &HostFs, docker: Option<&DockerFacts>) -> Vec<String> {
    let docker_root = docker
        .map(|d| d.info.docker_root_dir.trim_end_matches('/').to_string())
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| "/var/lib/docker".to_string());
    ["/etc".to_string(), "/proc".to_string(), docker_root]
        .into_iter()
        .filter(|p| !fs.resolve(p, true).is_ok_and(|d| d.is_dir()))
        .collect()
}

/// Fills in the processes of running containers from the host's `/proc` (one pass for all of them).
fn attach_processes(fs: &HostFs, facts: &mut Facts) {
    let Fact::Ok(docker) = &mut facts.docker else {
        return;
    };
    let ids: Vec<&str> = docker
        .containers
        .iter()
        .filter(|c| c.running)
        .map(|c| c.id.as_str())
        .collect();
    if ids.is_empty() {
        return;
    }
    match fs.container_processes(&ids) {
        Ok(mut by_id) => {
            for c in docker.containers.iter_mut().filter(|c| c.running) {
                c.processes = Some(by_id.remove(&c.id).unwrap_or_default());
            }
        }
        Err(e) => docker.processes_error = Some(e),
    }
}

/// The host paths whose owner, group and mode the rules need.
pub fn paths_to_stat(facts: &Facts) -> BTreeSet<String> {
    let cfg = DaemonConfig::from_facts(facts);
    let mut paths: BTreeSet<String> = [
        "/etc/docker",
        "/etc/default/docker",
        "/etc/sysconfig/docker",
        "/usr/bin/docker",
        "/usr/bin/dockerd",
        "/usr/sbin/dockerd",
        "/usr/local/bin/dockerd",
        "/usr/local/sbin/dockerd",
        "/usr/bin/containerd",
        "/usr/bin/runc",
        "/usr/bin/docker-containerd",
        "/usr/bin/docker-runc",
        "/var/lib/docker",
        "/var/run/docker.sock",
        "/run/containerd",
        "/run/containerd/containerd.sock",
        "/etc/containerd/config.toml",
        "/usr/bin/containerd-shim",
        "/usr/bin/containerd-shim-runc-v1",
        "/usr/bin/containerd-shim-runc-v2",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    paths.insert(facts.daemon.config_file.path.clone());
    if let Some(p) = facts.daemon.process.ok() {
        for bin in p.argv.first().into_iter().chain(p.exe.as_ref()) {
            if bin.starts_with('/') {
                paths.insert(bin.clone());
            }
        }
    }
    for unit in [&facts.units.docker_service, &facts.units.docker_socket] {
        if let Fact::Ok(Some(p)) = unit {
            paths.insert(p.clone());
        }
    }
    if let Ok(root) = cfg.string("data-root") {
        if !root.is_empty() {
            paths.insert(root);
        }
    }
    if let Some(d) = facts.docker.ok() {
        if !d.info.docker_root_dir.is_empty() {
            paths.insert(d.info.docker_root_dir.clone());
        }
    }
    if let Ok(socks) = cfg.unix_sockets() {
        paths.extend(socks);
    }
    // dockerd --containerd=PATH (or "containerd" in daemon.json) names containerd's socket.
    if let Ok(p) = cfg.string("containerd") {
        let p = p.trim_start_matches("unix://");
        if p.starts_with('/') {
            paths.insert(p.to_string());
        }
    }
    for key in ["tlscacert", "tlscert", "tlskey"] {
        if let Ok(Some(p)) = cfg.tls_file(key) {
            paths.insert(p);
        }
    }
    if let Fact::Ok(files) = &facts.certs_d {
        paths.extend(files.iter().cloned());
    }
    paths
}

/// `auditctl -l`: the rules the kernel has loaded.
fn auditctl_rules() -> Fact<Vec<String>> {
    match std::process::Command::new("auditctl").arg("-l").output() {
        Err(e) => Fact::Error(format!("cannot run auditctl -l: {e}")),
        Ok(out) if !out.status.success() => Fact::Error(format!(
            "auditctl -l failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            Fact::Ok(
                host::rule_lines(&text)
                    .into_iter()
                    .filter(|l| l != "No rules")
                    .collect(),
            )
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
