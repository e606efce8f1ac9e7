//! The plain data collected from one host. No behaviour here beyond small accessors.

use crate::Fact;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything one scan knows about a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Always [`crate::FACTS_SCHEMA`].
    pub schema: String,
    pub collector: CollectorInfo,
    pub host: HostFacts,
    /// Everything read from the Docker Engine API.
    pub docker: Fact<DockerFacts>,
    /// The running dockerd and its configuration file.
    pub daemon: DaemonFacts,
    /// Where the systemd units of Docker live on this host.
    pub units: Units,
    /// Owner, group and mode of every path the rules name, keyed by the host path (not prefixed with the root).
    pub files: BTreeMap<String, FileFact>,
    /// Files found under `/etc/docker/certs.d`, recursively.
    pub certs_d: Fact<Vec<String>>,
    pub audit: AuditFacts,
    /// Mount points of the host, from `/proc/<pid>/mountinfo`.
    pub mounts: Fact<Vec<MountPoint>>,
    /// Listening sockets of the host network namespace, from `/proc/<pid>/net/{tcp,tcp6,udp,udp6}`.
    pub listeners: Fact<Vec<Listener>>,
    /// The `docker` group of the host (`/etc/group`, `/etc/passwd`); `None` when there is no such group.
    #[serde(default = "not_collected")]
    pub docker_group: Fact<Option<GroupMembers>>,
    /// `DOCKER_*` variables set for every login in `/etc/environment` (names and values; nothing else kept).
    #[serde(default = "not_collected")]
    pub docker_environment: Fact<BTreeMap<String, String>>,
}

/// Default for facts added after a facts file was written: not collected, so rules report it.
pub fn not_collected<T>() -> Fact<T> {
    Fact::Error("not collected (facts file written by an older dockguard)".into())
}

/// Who may use a group: its explicit members and the accounts whose primary group it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupMembers {
    pub gid: u32,
    pub members: Vec<String>,
}

impl Facts {
    /// The stat of a path the collector looked at; `None` when the collector never looked.
    pub fn file(&self, path: &str) -> Option<&FileFact> {
        self.files.get(path)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectorInfo {
    pub tool: String,
    pub version: String,
    /// The directory the host's files were read under (`/` on a live host).
    pub root: String,
    /// The Docker endpoint asked.
    pub docker_host: String,
    pub collected_at: String,
    pub duration_ms: u64,
    /// Only running containers were listed.
    pub running_only: bool,
    /// The id of the container dockguard itself ran in, recognised from its own mount table, cgroup and
    /// hostname and found among the running containers; it is not assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_container: Option<String>,
    /// Directories every host root has that `root` lacks (`/etc`, `/proc`, the Docker root directory):
    /// when any is listed, `root` is probably not a host's root filesystem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub root_missing: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostFacts {
    pub hostname: Option<String>,
    /// `PRETTY_NAME` of `/etc/os-release`.
    pub os: Option<String>,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DockerFacts {
    pub version: VersionFacts,
    pub info: InfoFacts,
    pub containers: Vec<ContainerFacts>,
    /// Containers that were listed but could not be inspected (for example removed mid-scan).
    #[serde(default)]
    pub container_errors: Vec<ContainerError>,
    /// One entry per image used by a listed container.
    pub images: Vec<ImageFacts>,
    #[serde(default)]
    pub image_errors: Vec<ImageError>,
    /// Number of images on the host (from the image list).
    pub image_count: u64,
    /// Every image on the host, from the image list.
    #[serde(default)]
    pub image_list: Vec<ImageSummaryFacts>,
    pub networks: Fact<Vec<NetworkFacts>>,
    /// Names of swarm secrets; asked only on swarm managers (`None` elsewhere).
    #[serde(default)]
    pub swarm_secrets: Option<Fact<Vec<String>>>,
    /// Running containers' processes found under `/proc` (`None` when `/proc` could not be read).
    #[serde(default)]
    pub processes_error: Option<String>,
}

/// One entry of the image list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageSummaryFacts {
    pub id: String,
    pub tags: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub size: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionFacts {
    pub version: String,
    pub api_version: String,
    pub os: String,
    pub arch: String,
    pub kernel: String,
    pub experimental: bool,
    /// Component name and version (Engine, containerd, runc, docker-init).
    #[serde(default)]
    pub components: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InfoFacts {
    pub name: String,
    pub operating_system: String,
    pub kernel_version: String,
    pub architecture: String,
    pub docker_root_dir: String,
    pub driver: String,
    pub logging_driver: String,
    pub cgroup_driver: String,
    pub cgroup_version: String,
    /// Raw `SecurityOptions`, e.g. `name=apparmor`, `name=seccomp,profile=builtin`, `name=userns`.
    pub security_options: Vec<String>,
    pub live_restore: bool,
    pub experimental: bool,
    /// `RegistryConfig.InsecureRegistryCIDRs`.
    pub insecure_registry_cidrs: Vec<String>,
    /// Names of `RegistryConfig.IndexConfigs` whose `Secure` is false.
    pub insecure_registries: Vec<String>,
    /// `Plugins.Authorization`.
    pub authorization_plugins: Vec<String>,
    pub containers: u64,
    pub containers_running: u64,
    pub images: u64,
    pub swarm: SwarmFacts,
}

impl InfoFacts {
    /// Whether `SecurityOptions` names the option (`apparmor`, `selinux`, `userns`, `rootless`, `seccomp`).
    pub fn has_security_option(&self, name: &str) -> bool {
        self.security_options.iter().any(|o| {
            o.split(',')
                .any(|kv| kv == format!("name={name}") || kv == name)
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmFacts {
    /// `LocalNodeState`: `inactive`, `pending`, `active`, `error` or `locked` (empty when unknown).
    pub state: String,
    pub node_id: String,
    pub node_addr: String,
    /// The node is a manager (`ControlAvailable`).
    pub is_manager: bool,
    pub managers: Option<u64>,
    pub nodes: Option<u64>,
    /// `Cluster.Spec.EncryptionConfig.AutoLockManagers`, only visible on managers.
    pub autolock_managers: Option<bool>,
    /// `Cluster.Spec.CAConfig.NodeCertExpiry` in seconds, only visible on managers.
    #[serde(default)]
    pub node_cert_expiry_secs: Option<i64>,
    /// `Cluster.RootRotationInProgress`, only visible on managers.
    #[serde(default)]
    pub root_rotation_in_progress: Option<bool>,
    /// `Cluster.DataPathPort`, only visible on managers.
    #[serde(default)]
    pub data_path_port: Option<u32>,
}

impl SwarmFacts {
    pub fn active(&self) -> bool {
        matches!(
            self.state.as_str(),
            "active" | "locked" | "pending" | "error"
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerError {
    pub id: String,
    pub name: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageError {
    pub id: String,
    pub error: String,
}

/// One container, from one `GET /containers/{id}/json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerFacts {
    pub id: String,
    /// Without the leading slash.
    pub name: String,
    /// The image as the container names it (`Config.Image`).
    pub image: String,
    pub image_id: String,
    /// `State.Status`: created, running, paused, restarting, removing, exited, dead.
    pub state: String,
    pub running: bool,
    pub pid: Option<i64>,
    pub labels: BTreeMap<String, String>,
    /// `Config.User` (empty when unset).
    pub user: String,
    /// `Config.Healthcheck.Test`, as merged from the image and the run options.
    pub healthcheck: Option<Vec<String>>,
    /// `State.Health.Status`.
    pub health_status: Option<String>,
    pub privileged: bool,
    pub network_mode: String,
    pub pid_mode: String,
    pub ipc_mode: String,
    pub uts_mode: String,
    pub userns_mode: String,
    pub cgroup_parent: String,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub security_opt: Vec<String>,
    pub apparmor_profile: String,
    pub process_label: String,
    pub mount_label: String,
    /// `HostConfig.Memory` in bytes; 0 = unlimited.
    pub memory: i64,
    /// `HostConfig.PidsLimit`; `None`, 0 or -1 = unlimited.
    pub pids_limit: Option<i64>,
    pub readonly_rootfs: bool,
    pub restart_policy: RestartPolicy,
    /// Published ports: configured (`HostConfig.PortBindings`) and actual (`NetworkSettings.Ports`).
    pub ports: Vec<PortBinding>,
    /// `HostConfig.PublishAllPorts` (`-P`).
    pub publish_all_ports: bool,
    pub mounts: Vec<MountFacts>,
    pub devices: Vec<DeviceFacts>,
    /// Names of the networks the container is attached to.
    pub networks: Vec<String>,
    /// `HostConfig.CpuShares`; 0 = the default (1024).
    #[serde(default)]
    pub cpu_shares: i64,
    /// `HostConfig.Ulimits` as `name=soft:hard`.
    #[serde(default)]
    pub ulimits: Vec<String>,
    /// Exec sessions the daemon still remembers (`ExecIDs`, each inspected).
    #[serde(default)]
    pub execs: Vec<ExecFacts>,
    /// Process names (`comm`) of a running container, read from the host's `/proc`; `None` when not
    /// running or not collected.
    #[serde(default)]
    pub processes: Option<Vec<String>>,
}

/// One `docker exec` session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecFacts {
    pub id: String,
    pub privileged: bool,
    /// `ProcessConfig.User` (empty = the container's user).
    pub user: String,
    pub command: String,
    pub running: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestartPolicy {
    /// `""`, `no`, `always`, `unless-stopped` or `on-failure`.
    pub name: String,
    pub maximum_retry_count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortBinding {
    /// e.g. `80/tcp`.
    pub container_port: String,
    /// Empty means all interfaces.
    pub host_ip: String,
    pub host_port: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MountFacts {
    /// `bind`, `volume`, `tmpfs`, `npipe`, `cluster`.
    pub kind: String,
    /// Host path for binds; volume path for volumes.
    pub source: String,
    pub destination: String,
    pub rw: bool,
    /// `rprivate`, `private`, `shared`, `rshared`, `slave`, `rslave` or empty.
    pub propagation: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceFacts {
    pub path_on_host: String,
    pub path_in_container: String,
    pub cgroup_permissions: String,
}

/// One image, from one `GET /images/{id}/json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageFacts {
    pub id: String,
    pub tags: Vec<String>,
    /// `Config.User`.
    pub user: String,
    /// `Config.Healthcheck.Test`.
    pub healthcheck: Option<Vec<String>>,
    pub created: String,
    /// Names (never values) of the image's `Config.Env` variables.
    #[serde(default)]
    pub env_names: Vec<String>,
    /// `CreatedBy` of each history entry, newest first.
    #[serde(default)]
    pub history: Vec<String>,
    #[serde(default)]
    pub repo_digests: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkFacts {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub options: BTreeMap<String, String>,
}

/// The running dockerd and its configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonFacts {
    /// The dockerd process found under `<root>/proc`.
    pub process: Fact<DaemonProcess>,
    /// The daemon configuration file (`/etc/docker/daemon.json` or `--config-file`).
    pub config_file: ConfigFile,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonProcess {
    pub pid: u32,
    /// `argv`, from `/proc/<pid>/cmdline`.
    pub argv: Vec<String>,
    /// The executable (`/proc/<pid>/exe`), when readable.
    #[serde(default)]
    pub exe: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub path: String,
    /// The raw text; `Ok(None)` when the file does not exist.
    pub content: Fact<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Path of the `docker.service` unit in effect, `None` when there is none.
    pub docker_service: Fact<Option<String>>,
    /// Path of the `docker.socket` unit in effect, `None` when there is none.
    pub docker_socket: Fact<Option<String>>,
}

/// The stat of one path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FileFact {
    Present(FileStat),
    Missing,
    Error { reason: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileStat {
    /// `file`, `dir`, `socket`, `symlink`, `other`.
    pub kind: String,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits, including setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    /// The user name from the host's `/etc/passwd`, when it has one.
    pub user: Option<String>,
    /// The group name from the host's `/etc/group`, when it has one.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFacts {
    /// `auditctl -l` output, asked only when scanning the live `/`; `None` when not asked.
    pub loaded: Option<Fact<Vec<String>>>,
    /// `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`, each with its lines.
    pub files: Fact<Vec<AuditFile>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFile {
    pub path: String,
    pub lines: Fact<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountPoint {
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Listener {
    /// `tcp`, `tcp6`, `udp` or `udp6`.
    pub proto: String,
    pub addr: String,
    pub port: u16,
}

impl Listener {
    /// Bound to every interface (`0.0.0.0` or `::`).
    pub fn is_wildcard(&self) -> bool {
        is_wildcard_ip(&self.addr)
    }
}

/// `0.0.0.0`, `::`, `[::]` and the empty string all mean "every interface".
pub fn is_wildcard_ip(ip: &str) -> bool {
    let ip = ip.trim().trim_start_matches('[').trim_end_matches(']');
    if ip.is_empty() {
        return true;
    }
    match ip.parse::<std::net::IpAddr>() {
        Ok(addr) => addr.is_unspecified(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses() {
        for w in ["0.0.0.0", "::", "[::]", "", "0:0:0:0:0:0:0:0"] {
            assert!(is_wildcard_ip(w), "{w}");
        }
        for s in ["127.0.0.1", "10.1.2.3", "::1", "[::1]", "fe80::1"] {
            assert!(!is_wildcard_ip(s), "{s}");
        }
    }

    #[test]
    fn security_options() {
        let info = InfoFacts {
            security_options: vec!["name=seccomp,profile=builtin".into(), "name=userns".into()],
            ..Default::default()
        };
        assert!(info.has_security_option("userns"));
        assert!(info.has_security_option("seccomp"));
        assert!(!info.has_security_option("apparmor"));
    }
}
