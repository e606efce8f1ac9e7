//! The plain data collected from one host. No behaviour here beyond small accessors.
//!
//! **`None` means "not collected".** Every `Option` in this model says the collector could not establish
//! the value (the Docker API did not return the field, a file could not be read, the facts file is older than
//! the field). A value that legitimately does not exist is always explicit: an empty list, an empty string,
//! `Fact::Ok(None)` for a file that does not exist, `Some(0)` for "no limit". Rules read API fields through
//! the generated accessors (`c.privileged()?`), which turn `None` into a [`Missing`] error naming the field,
//! so a missing field becomes an `error` outcome, never a default.

use crate::Fact;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A fact that was not collected: the Docker API did not return the field, or the facts file predates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing {
    /// The field as the Engine API names it (`HostConfig.Privileged`).
    pub what: &'static str,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} was not collected (the Docker API did not return it)",
            self.what
        )
    }
}

impl std::error::Error for Missing {}

impl From<Missing> for String {
    fn from(m: Missing) -> String {
        m.to_string()
    }
}

/// Generates one accessor per `Option` field: `Ok(&value)`, or [`Missing`] naming the API field.
macro_rules! collected {
    ($ty:ident { $($field:ident : $t:ty => $api:literal),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("`", $api, "`, or [`Missing`] when it was not collected.")]
                pub fn $field(&self) -> Result<&$t, Missing> {
                    self.$field.as_ref().ok_or(Missing { what: $api })
                }
            )*
        }
    };
}

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
    /// Host processes that matter to the rules (containerd, kubelet, cri-dockerd, auditd, ...), found in one
    /// pass over `/proc`.
    #[serde(default = "not_collected")]
    pub processes: Fact<Vec<HostProcess>>,
    /// The pod uids the kubelet keeps (`<kubelet root>/pods/<uid>`); `Ok(None)` when no kubelet runs.
    #[serde(default = "not_collected")]
    pub kubelet_pods: Fact<Option<Vec<String>>>,
    /// Vulnerability scan reports supplied with `--image-scan` (Trivy or Grype JSON); empty when none was.
    #[serde(default)]
    pub image_scans: Vec<ImageScan>,
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

/// One host process the rules care about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostProcess {
    pub pid: u32,
    /// The program's file name (`kubelet`, `cri-dockerd`, `containerd`, `auditd`).
    pub name: String,
    /// `/proc/<pid>/cmdline`.
    pub argv: Vec<String>,
    /// When the process started (unix seconds), from `/proc/<pid>/stat` and the boot time.
    #[serde(default)]
    pub started_at: Option<i64>,
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
    /// Every image on the host, from the image list.
    #[serde(default = "not_collected")]
    pub image_list: Fact<Vec<ImageSummaryFacts>>,
    pub networks: Fact<Vec<NetworkFacts>>,
    /// Names of swarm secrets; asked only on swarm managers (`None` elsewhere).
    #[serde(default)]
    pub swarm_secrets: Option<Fact<Vec<String>>>,
    /// Why the processes of running containers could not be read from `/proc`, when they could not.
    #[serde(default)]
    pub processes_error: Option<String>,
}

/// One entry of the image list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageSummaryFacts {
    pub id: String,
    pub tags: Option<Vec<String>>,
    /// Unix seconds.
    pub created: Option<i64>,
    pub size: Option<i64>,
}

collected!(ImageSummaryFacts {
    tags: Vec<String> => "RepoTags",
    created: i64 => "Created",
    size: i64 => "Size",
});

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionFacts {
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub os: Option<String>,
    pub arch: Option<String>,
    pub kernel: Option<String>,
    pub experimental: Option<bool>,
    /// Component name and version (Engine, containerd, runc, docker-init).
    pub components: Option<BTreeMap<String, String>>,
}

collected!(VersionFacts {
    version: String => "Version",
    api_version: String => "ApiVersion",
    os: String => "Os",
    arch: String => "Arch",
    kernel: String => "KernelVersion",
    experimental: bool => "Experimental",
    components: BTreeMap<String, String> => "Components",
});

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InfoFacts {
    pub name: Option<String>,
    pub operating_system: Option<String>,
    pub kernel_version: Option<String>,
    pub architecture: Option<String>,
    pub docker_root_dir: Option<String>,
    pub driver: Option<String>,
    pub logging_driver: Option<String>,
    pub cgroup_driver: Option<String>,
    pub cgroup_version: Option<String>,
    /// Raw `SecurityOptions`, e.g. `name=apparmor`, `name=seccomp,profile=builtin`, `name=userns`.
    pub security_options: Option<Vec<String>>,
    pub live_restore: Option<bool>,
    pub experimental: Option<bool>,
    /// `Debug`: the daemon runs with debug logging (`-D`, `--debug`, `"debug": true`).
    pub debug: Option<bool>,
    /// `RegistryConfig.InsecureRegistryCIDRs`.
    pub insecure_registry_cidrs: Option<Vec<String>>,
    /// Names of `RegistryConfig.IndexConfigs` whose `Secure` is false.
    pub insecure_registries: Option<Vec<String>>,
    /// `Plugins.Authorization`.
    pub authorization_plugins: Option<Vec<String>>,
    pub containers: Option<u64>,
    pub containers_running: Option<u64>,
    pub images: Option<u64>,
    pub swarm: Option<SwarmFacts>,
}

collected!(InfoFacts {
    name: String => "Name",
    operating_system: String => "OperatingSystem",
    kernel_version: String => "KernelVersion",
    architecture: String => "Architecture",
    docker_root_dir: String => "DockerRootDir",
    driver: String => "Driver",
    logging_driver: String => "LoggingDriver",
    cgroup_driver: String => "CgroupDriver",
    cgroup_version: String => "CgroupVersion",
    security_options: Vec<String> => "SecurityOptions",
    live_restore: bool => "LiveRestoreEnabled",
    experimental: bool => "ExperimentalBuild",
    debug: bool => "Debug",
    insecure_registry_cidrs: Vec<String> => "RegistryConfig.InsecureRegistryCIDRs",
    insecure_registries: Vec<String> => "RegistryConfig.IndexConfigs",
    authorization_plugins: Vec<String> => "Plugins.Authorization",
    containers: u64 => "Containers",
    containers_running: u64 => "ContainersRunning",
    images: u64 => "Images",
    swarm: SwarmFacts => "Swarm",
});

impl InfoFacts {
    /// Whether `SecurityOptions` names the option (`apparmor`, `selinux`, `userns`, `rootless`, `seccomp`).
    pub fn has_security_option(&self, name: &str) -> Result<bool, Missing> {
        Ok(self.security_options()?.iter().any(|o| {
            o.split(',')
                .any(|kv| kv == format!("name={name}") || kv == name)
        }))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmFacts {
    /// `LocalNodeState`: `inactive`, `pending`, `active`, `error` or `locked`.
    pub state: Option<String>,
    pub node_id: Option<String>,
    pub node_addr: Option<String>,
    /// The node is a manager (`ControlAvailable`).
    pub is_manager: Option<bool>,
    /// Only visible on managers.
    pub managers: Option<u64>,
    /// Only visible on managers.
    pub nodes: Option<u64>,
    /// `Cluster.Spec.EncryptionConfig.AutoLockManagers`, only visible on managers.
    pub autolock_managers: Option<bool>,
    /// `Cluster.Spec.CAConfig.NodeCertExpiry` in seconds, only visible on managers.
    pub node_cert_expiry_secs: Option<i64>,
    /// `Cluster.RootRotationInProgress`, only visible on managers.
    pub root_rotation_in_progress: Option<bool>,
    /// `Cluster.DataPathPort`, only visible on managers.
    pub data_path_port: Option<u32>,
}

collected!(SwarmFacts {
    state: String => "Swarm.LocalNodeState",
    node_id: String => "Swarm.NodeID",
    node_addr: String => "Swarm.NodeAddr",
    is_manager: bool => "Swarm.ControlAvailable",
    managers: u64 => "Swarm.Managers",
    nodes: u64 => "Swarm.Nodes",
    autolock_managers: bool => "Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers",
    node_cert_expiry_secs: i64 => "Swarm.Cluster.Spec.CAConfig.NodeCertExpiry",
    root_rotation_in_progress: bool => "Swarm.Cluster.RootRotationInProgress",
    data_path_port: u32 => "Swarm.Cluster.DataPathPort",
});

impl SwarmFacts {
    /// The node takes part in a swarm (any state but `inactive`).
    pub fn active(&self) -> Result<bool, Missing> {
        Ok(matches!(
            self.state()?.as_str(),
            "active" | "locked" | "pending" | "error"
        ))
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
    pub image: Option<String>,
    pub image_id: Option<String>,
    /// `Created` (RFC 3339).
    pub created: Option<String>,
    /// `State.Status`: created, running, paused, restarting, removing, exited, dead.
    pub state: Option<String>,
    pub running: Option<bool>,
    /// `State.Pid`: 0 when the container is not running.
    pub pid: Option<i64>,
    /// `State.StartedAt` (RFC 3339; `0001-01-01T00:00:00Z` when never started).
    pub started_at: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    /// `Config.User` (empty when unset).
    pub user: Option<String>,
    /// `Config.Healthcheck.Test`, as merged from the image and the run options; empty when none is set.
    pub healthcheck: Option<Vec<String>>,
    /// `State.Health.Status`; empty when the container has no health check.
    pub health_status: Option<String>,
    pub privileged: Option<bool>,
    pub network_mode: Option<String>,
    pub pid_mode: Option<String>,
    pub ipc_mode: Option<String>,
    pub uts_mode: Option<String>,
    pub userns_mode: Option<String>,
    pub cgroup_parent: Option<String>,
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    pub security_opt: Option<Vec<String>>,
    pub apparmor_profile: Option<String>,
    pub process_label: Option<String>,
    pub mount_label: Option<String>,
    /// `HostConfig.Memory` in bytes; 0 = unlimited.
    pub memory: Option<i64>,
    /// `HostConfig.PidsLimit`; 0 or -1 = unlimited (the API's `null` is recorded as 0).
    pub pids_limit: Option<i64>,
    pub readonly_rootfs: Option<bool>,
    pub restart_policy: Option<RestartPolicy>,
    /// Published ports: configured (`HostConfig.PortBindings`) and actual (`NetworkSettings.Ports`).
    pub ports: Option<Vec<PortBinding>>,
    /// `HostConfig.PublishAllPorts` (`-P`).
    pub publish_all_ports: Option<bool>,
    pub mounts: Option<Vec<MountFacts>>,
    pub devices: Option<Vec<DeviceFacts>>,
    /// Names of the networks the container is attached to.
    pub networks: Option<Vec<String>>,
    /// `HostConfig.CpuShares`; 0 = the default (1024).
    pub cpu_shares: Option<i64>,
    /// `HostConfig.Ulimits` as `name=soft:hard`.
    pub ulimits: Option<Vec<String>>,
    /// Exec sessions the daemon still remembers (`ExecIDs`, each inspected).
    pub execs: Option<Vec<ExecFacts>>,
    /// Process names (`comm`) of the container, read from the host's `/proc`; empty when not running.
    pub processes: Option<Vec<String>>,
    /// `GraphDriver`: the storage driver and its directories (overlay2: `LowerDir`, `UpperDir`, ...).
    pub graph_driver: Option<GraphDriver>,
    /// The accounts of the container's own `/etc/passwd`, read from its filesystem layers under the root;
    /// asked only when the container's user is a name that needs resolving.
    pub accounts: Option<Fact<Vec<Account>>>,
    /// The user ids of the container's main process (`/proc/<pid>/status`, `/proc/<pid>/uid_map`);
    /// asked only for running containers.
    pub process_user: Option<Fact<ProcessUser>>,
}

collected!(ContainerFacts {
    image: String => "Config.Image",
    image_id: String => "Image",
    created: String => "Created",
    state: String => "State.Status",
    running: bool => "State.Running",
    pid: i64 => "State.Pid",
    started_at: String => "State.StartedAt",
    labels: BTreeMap<String, String> => "Config.Labels",
    user: String => "Config.User",
    healthcheck: Vec<String> => "Config.Healthcheck",
    health_status: String => "State.Health",
    privileged: bool => "HostConfig.Privileged",
    network_mode: String => "HostConfig.NetworkMode",
    pid_mode: String => "HostConfig.PidMode",
    ipc_mode: String => "HostConfig.IpcMode",
    uts_mode: String => "HostConfig.UTSMode",
    userns_mode: String => "HostConfig.UsernsMode",
    cgroup_parent: String => "HostConfig.CgroupParent",
    cap_add: Vec<String> => "HostConfig.CapAdd",
    cap_drop: Vec<String> => "HostConfig.CapDrop",
    security_opt: Vec<String> => "HostConfig.SecurityOpt",
    apparmor_profile: String => "AppArmorProfile",
    process_label: String => "ProcessLabel",
    mount_label: String => "MountLabel",
    memory: i64 => "HostConfig.Memory",
    pids_limit: i64 => "HostConfig.PidsLimit",
    readonly_rootfs: bool => "HostConfig.ReadonlyRootfs",
    restart_policy: RestartPolicy => "HostConfig.RestartPolicy",
    ports: Vec<PortBinding> => "HostConfig.PortBindings / NetworkSettings.Ports",
    publish_all_ports: bool => "HostConfig.PublishAllPorts",
    mounts: Vec<MountFacts> => "Mounts",
    devices: Vec<DeviceFacts> => "HostConfig.Devices",
    networks: Vec<String> => "NetworkSettings.Networks",
    cpu_shares: i64 => "HostConfig.CpuShares",
    ulimits: Vec<String> => "HostConfig.Ulimits",
    execs: Vec<ExecFacts> => "ExecIDs",
    processes: Vec<String> => "the container's processes in /proc",
});

impl ContainerFacts {
    /// The container is running (or paused or restarting: it has processes).
    pub fn is_running(&self) -> Result<bool, Missing> {
        self.running().copied()
    }

    /// The label's value, when the container has it.
    pub fn label(&self, key: &str) -> Result<Option<&str>, Missing> {
        Ok(self.labels()?.get(key).map(String::as_str))
    }
}

/// Where a container's filesystem lives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphDriver {
    pub name: String,
    pub data: BTreeMap<String, String>,
}

/// One account of a container's `/etc/passwd`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// The user ids of a container's main process.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessUser {
    pub pid: i64,
    /// Effective uid as the host sees it (`/proc/<pid>/status`, `Uid:` second field).
    pub host_euid: u32,
    /// Effective uid inside the container's user namespace (translated through `/proc/<pid>/uid_map`);
    /// `None` when the uid has no mapping.
    pub euid: Option<u32>,
}

/// One `docker exec` session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecFacts {
    pub id: String,
    pub privileged: Option<bool>,
    /// `ProcessConfig.User` (empty = the container's user).
    pub user: Option<String>,
    pub command: Option<String>,
    pub running: Option<bool>,
}

collected!(ExecFacts {
    privileged: bool => "ProcessConfig.privileged",
    user: String => "ProcessConfig.user",
    command: String => "ProcessConfig.entrypoint",
    running: bool => "Running",
});

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
    pub host_ip: Option<String>,
    pub host_port: Option<String>,
}

collected!(PortBinding {
    host_ip: String => "HostIp",
    host_port: String => "HostPort",
});

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MountFacts {
    /// `bind`, `volume`, `tmpfs`, `npipe`, `cluster`.
    pub kind: Option<String>,
    /// Host path for binds; volume path for volumes.
    pub source: Option<String>,
    pub destination: String,
    pub rw: Option<bool>,
    /// `rprivate`, `private`, `shared`, `rshared`, `slave`, `rslave` or empty.
    pub propagation: Option<String>,
}

collected!(MountFacts {
    kind: String => "Mounts[].Type",
    source: String => "Mounts[].Source",
    rw: bool => "Mounts[].RW",
    propagation: String => "Mounts[].Propagation",
});

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceFacts {
    pub path_on_host: String,
    pub path_in_container: Option<String>,
    pub cgroup_permissions: Option<String>,
}

collected!(DeviceFacts {
    path_in_container: String => "Devices[].PathInContainer",
    cgroup_permissions: String => "Devices[].CgroupPermissions",
});

/// One image, from one `GET /images/{id}/json` and one `GET /images/{id}/history`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageFacts {
    pub id: String,
    pub tags: Option<Vec<String>>,
    /// `Config.User`.
    pub user: Option<String>,
    /// `Config.Healthcheck.Test`; empty when none is set.
    pub healthcheck: Option<Vec<String>>,
    pub created: Option<String>,
    /// `Config.Env` as `NAME=value` (values may be secrets: shown only masked).
    pub env: Option<Vec<String>>,
    /// `Config.Labels`.
    pub labels: Option<BTreeMap<String, String>>,
    /// `CreatedBy` of each history entry, newest first.
    pub history: Option<Vec<String>>,
    pub repo_digests: Option<Vec<String>>,
}

collected!(ImageFacts {
    tags: Vec<String> => "RepoTags",
    user: String => "Config.User",
    healthcheck: Vec<String> => "Config.Healthcheck",
    created: String => "Created",
    env: Vec<String> => "Config.Env",
    labels: BTreeMap<String, String> => "Config.Labels",
    history: Vec<String> => "the image history",
    repo_digests: Vec<String> => "RepoDigests",
});

impl ImageFacts {
    /// `Config.Env` split into names and values.
    pub fn env_vars(&self) -> Result<Vec<(&str, &str)>, Missing> {
        Ok(self
            .env()?
            .iter()
            .map(|kv| kv.split_once('=').unwrap_or((kv.as_str(), "")))
            .collect())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkFacts {
    pub id: String,
    pub name: String,
    pub driver: Option<String>,
    pub scope: Option<String>,
    pub internal: Option<bool>,
    pub options: Option<BTreeMap<String, String>>,
}

collected!(NetworkFacts {
    driver: String => "Driver",
    scope: String => "Scope",
    internal: bool => "Internal",
    options: BTreeMap<String, String> => "Options",
});

/// A vulnerability scanner's report on one image, supplied with `--image-scan FILE`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageScan {
    /// The file it was read from.
    pub source: String,
    /// `trivy` or `grype`.
    pub scanner: String,
    /// When the scan ran (RFC 3339), when the report says.
    pub scanned_at: Option<String>,
    /// The image as the report names it.
    pub artifact: String,
    /// Image id (`sha256:...`) the report names, when it does.
    pub image_id: Option<String>,
    pub repo_digests: Vec<String>,
    pub repo_tags: Vec<String>,
    /// Every vulnerability the report lists.
    pub vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: String,
    pub package: String,
    pub installed: String,
    /// The version that fixes it; empty when no fix is available.
    pub fixed: String,
    /// `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `NEGLIGIBLE` or `UNKNOWN`.
    pub severity: String,
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
    /// When the process started (unix seconds), from `/proc/<pid>/stat` and the boot time.
    #[serde(default)]
    pub started_at: Option<i64>,
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
    /// Last modification (unix seconds).
    #[serde(default)]
    pub mtime: Option<i64>,
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
    /// Last modification (unix seconds).
    #[serde(default)]
    pub mtime: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountPoint {
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
    /// `major:minor` of the filesystem's device.
    #[serde(default)]
    pub dev: Option<String>,
    /// The directory of that filesystem mounted here (`/` unless it is a bind mount of a sub-directory).
    #[serde(default)]
    pub root: Option<String>,
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
            security_options: Some(vec![
                "name=seccomp,profile=builtin".into(),
                "name=userns".into(),
            ]),
            ..Default::default()
        };
        assert!(info.has_security_option("userns").unwrap());
        assert!(info.has_security_option("seccomp").unwrap());
        assert!(!info.has_security_option("apparmor").unwrap());
        let err = InfoFacts::default()
            .has_security_option("seccomp")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "SecurityOptions was not collected (the Docker API did not return it)"
        );
    }

    #[test]
    fn missing_fields_are_errors_not_defaults() {
        let c = ContainerFacts::default();
        assert_eq!(c.privileged().unwrap_err().what, "HostConfig.Privileged");
        let c = ContainerFacts {
            privileged: Some(true),
            ..Default::default()
        };
        assert_eq!(c.privileged(), Ok(&true));
    }
}
