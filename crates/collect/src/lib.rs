//! Collects the facts of one Docker host, once: the Docker Engine API (module [`docker`]) and the host's
//! files under a root directory (module [`host`]). Rules never do I/O; this crate does all of it.

pub mod docker;
pub mod endpoint;
pub mod host;
pub mod image_scan;
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
        let scan = fs.scan_proc();
        let argv = scan.dockerd.ok().map(|p| p.argv.clone());
        let config_path = config_file_path(argv.as_deref());
        let config_content: Fact<Option<String>> = fs.read_optional(&config_path).into();
        (scan, config_path, config_content)
    };
    let (docker_facts, (scan, config_path, config_content)) = tokio::join!(docker_task, host_task);
    let docker_facts: Fact<DockerFacts> = match docker_facts {
        Ok(d) => Fact::Ok(d),
        Err(e) => Fact::Error(format!("{e} (endpoint {})", opts.endpoint)),
    };
    let scanner_container = docker_facts
        .ok()
        .and_then(|d| scanner::own_container(&d.containers));
    let root_missing = missing_host_paths(&fs, docker_facts.ok());
    let daemon = DaemonFacts {
        process: scan.dockerd.clone(),
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
        processes: scan.processes.clone(),
        kubelet_pods: kubelet_pods(&fs, &scan.processes),
        image_scans: Vec::new(),
    };
    attach_container_host_facts(&fs, &scan, &mut facts);

    // The daemon configuration file and its directory first: whether the running daemon loaded the file
    // (their modification times against its start) decides which settings, and so which paths, are known.
    let config_path = facts.daemon.config_file.path.clone();
    let config_dir = std::path::Path::new(&config_path)
        .parent()
        .map(|d| d.to_string_lossy().to_string());
    for p in std::iter::once(config_path).chain(config_dir) {
        let st = fs.stat(&p);
        facts.files.insert(p, st);
    }
    // Every other path a rule names, stat'ed once.
    for p in paths_to_stat(&facts) {
        if let std::collections::btree_map::Entry::Vacant(slot) = facts.files.entry(p) {
            let st = fs.stat(slot.key());
            slot.insert(st);
        }
    }
    facts.collector.duration_ms = started.elapsed().as_millis() as u64;
    Ok(facts)
}

/// What a host root has and this root lacks: `/etc`, `/proc` and the Docker root directory (`/info`'s
/// `DockerRootDir`, else `/var/lib/docker`). Anything listed means the root is probably not a host's `/`.
pub fn missing_host_paths(fs: &HostFs, docker: Option<&DockerFacts>) -> Vec<String> {
    let docker_root = docker
        .and_then(|d| d.info.docker_root_dir.as_deref())
        .map(|d| d.trim_end_matches('/').to_string())
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| "/var/lib/docker".to_string());
    ["/etc".to_string(), "/proc".to_string(), docker_root]
        .into_iter()
        .filter(|p| !fs.resolve(p, true).is_ok_and(|d| d.is_dir()))
        .collect()
}

/// Fills in what the host knows about each container: the processes of running containers (from the one
/// pass over `/proc`), the effective uid of each running container's main process, and the accounts of the
/// container's own `/etc/passwd` when its user is a name that must be resolved.
fn attach_container_host_facts(fs: &HostFs, scan: &host::ProcScan, facts: &mut Facts) {
    let Fact::Ok(docker) = &mut facts.docker else {
        return;
    };
    let running: Vec<String> = docker
        .containers
        .iter()
        .filter(|c| c.running == Some(true))
        .map(|c| c.id.clone())
        .collect();
    let ids: Vec<&str> = running.iter().map(String::as_str).collect();
    let by_id = scan.container_processes(&ids);
    if let Err(e) = &by_id {
        docker.processes_error = Some(e.clone());
    }
    for c in docker.containers.iter_mut() {
        match c.running {
            Some(true) => {
                c.processes = by_id
                    .as_ref()
                    .ok()
                    .map(|m| m.get(&c.id).cloned().unwrap_or_default());
                if let Some(pid) = c.pid.filter(|p| *p > 0) {
                    c.process_user = Some(fs.process_user(pid).into());
                }
            }
            Some(false) => c.processes = Some(Vec::new()),
            None => {}
        }
        if c.user.as_deref().is_some_and(user_needs_resolving) {
            c.accounts = Some(match &c.graph_driver {
                Some(g) => fs.container_accounts(g).into(),
                None => Fact::Error(
                    "the API did not say where the container's filesystem is (GraphDriver)".into(),
                ),
            });
        }
    }
}

/// The pod uids a running kubelet keeps under its root directory (`--root-dir`, default
/// `/var/lib/kubelet`): `Ok(None)` when no kubelet runs.
fn kubelet_pods(fs: &HostFs, processes: &Fact<Vec<HostProcess>>) -> Fact<Option<Vec<String>>> {
    let procs = match processes {
        Fact::Ok(p) => p,
        Fact::Error(e) => return Fact::Error(e.clone()),
    };
    let Some(kubelet) = procs
        .iter()
        .find(|p| matches!(p.name.as_str(), "kubelet" | "k3s" | "k3s-agent"))
    else {
        return Fact::Ok(None);
    };
    let mut root = "/var/lib/kubelet".to_string();
    let mut args = kubelet.argv.iter();
    while let Some(a) = args.next() {
        if let Some(v) = a.strip_prefix("--root-dir=") {
            root = v.to_string();
        } else if a == "--root-dir" {
            if let Some(v) = args.next() {
                root = v.clone();
            }
        }
    }
    let dir = format!("{}/pods", root.trim_end_matches('/'));
    let resolved = match fs.resolve(&dir, true) {
        Ok(p) => p,
        Err(e) => return Fact::Error(format!("cannot resolve {dir}: {e}")),
    };
    match std::fs::read_dir(&resolved) {
        Ok(entries) => {
            let mut uids: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect();
            uids.sort();
            Fact::Ok(Some(uids))
        }
        Err(e) => Fact::Error(format!("cannot list {dir}: {e}")),
    }
}

/// A `Config.User` whose user part is a name (not a number, not empty): only the image's `/etc/passwd`
/// says which uid it is.
pub fn user_needs_resolving(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    !name.is_empty() && name.parse::<u32>().is_err()
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
    // Its directory's modification time tells whether a file there was replaced or deleted.
    if let Some(dir) = std::path::Path::new(&facts.daemon.config_file.path).parent() {
        paths.insert(dir.to_string_lossy().to_string());
    }
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
    if let Some(root) = facts
        .docker
        .ok()
        .and_then(|d| d.info.docker_root_dir.as_ref())
        .filter(|r| !r.is_empty())
    {
        paths.insert(root.clone());
    }
    // containerd's sockets: the ones on the command lines of containerd and dockerd, and the usual places
    // (dockerd's own containerd listens under /run/docker/containerd).
    paths.extend(
        dockguard_facts::containerd::socket_candidates(facts)
            .into_iter()
            .map(|c| c.path),
    );
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

use dockguard_facts::dates::now_rfc3339;
