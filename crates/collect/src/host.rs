//! Host facts read under a root directory: files, their owners and modes, systemd units, audit rules,
//! mounts, listening sockets and the dockerd process.
//!
//! Every path is a host path (`/etc/docker/daemon.json`) resolved under the root, with symbolic links
//! followed *inside* the root, so `--root /host` never escapes into the scanner's own filesystem.

use dockguard_facts::{
    Account, AuditFile, DaemonProcess, Fact, FileFact, FileStat, GroupMembers, HostFacts,
    HostProcess, Listener, MountPoint, ProcessUser,
};
use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

/// The standard systemd unit directories, in systemd's order of precedence.
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// A host filesystem mounted at `root`.
#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
    users: Option<BTreeMap<u32, String>>,
    groups: Option<BTreeMap<u32, String>>,
}

impl HostFs {
    pub fn new(root: impl Into<PathBuf>) -> HostFs {
        let mut fs = HostFs {
            root: root.into(),
            users: None,
            groups: None,
        };
        fs.users = fs
            .read_to_string("/etc/passwd")
            .ok()
            .map(|t| parse_id_names(&t));
        fs.groups = fs
            .read_to_string("/etc/group")
            .ok()
            .map(|t| parse_id_names(&t));
        fs
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn is_live_root(&self) -> bool {
        self.root == Path::new("/")
    }

    /// Resolves a host path under the root, following symbolic links within the root (at most 40).
    /// The last component is followed too unless `follow_last` is false.
    pub fn resolve(&self, host_path: &str, follow_last: bool) -> io::Result<PathBuf> {
        let mut pending: Vec<String> = components(host_path);
        pending.reverse();
        let mut resolved: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                resolved.pop();
                continue;
            }
            let candidate = self.join(&resolved, &part);
            let is_last = pending.is_empty();
            if is_last && !follow_last {
                resolved.push(part);
                break;
            }
            match std::fs::symlink_metadata(&candidate) {
                Ok(md) if md.file_type().is_symlink() => {
                    links += 1;
                    if links > 40 {
                        return Err(io::Error::other(format!(
                            "too many levels of symbolic links resolving {host_path}"
                        )));
                    }
                    let target = std::fs::read_link(&candidate)?;
                    let target = target.to_string_lossy().to_string();
                    if target.starts_with('/') {
                        resolved.clear();
                    }
                    let mut t = components(&target);
                    t.reverse();
                    pending.extend(t);
                }
                _ => resolved.push(part),
            }
        }
        Ok(self.join(&resolved, ""))
    }

    fn join(&self, parts: &[String], last: &str) -> PathBuf {
        let mut p = self.root.clone();
        for c in parts {
            p.push(c);
        }
        if !last.is_empty() {
            p.push(last);
        }
        p
    }

    pub fn read_to_string(&self, host_path: &str) -> io::Result<String> {
        std::fs::read_to_string(self.resolve(host_path, true)?)
    }

    /// Reads a file; `Ok(None)` when it does not exist.
    pub fn read_optional(&self, host_path: &str) -> Result<Option<String>, String> {
        match self.read_to_string(host_path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {host_path}: {e}")),
        }
    }

    pub fn exists(&self, host_path: &str) -> bool {
        self.resolve(host_path, true)
            .map(|p| p.exists())
            .unwrap_or(false)
    }

    /// Owner, group and mode of a host path (following links, as `stat` does).
    pub fn stat(&self, host_path: &str) -> FileFact {
        let md = self.resolve(host_path, true).and_then(std::fs::metadata);
        match md {
            Ok(md) => {
                let ft = md.file_type();
                let kind = if ft.is_dir() {
                    "dir"
                } else if ft.is_file() {
                    "file"
                } else if ft.is_socket() {
                    "socket"
                } else if ft.is_symlink() {
                    "symlink"
                } else {
                    "other"
                };
                FileFact::Present(FileStat {
                    kind: kind.into(),
                    uid: md.uid(),
                    gid: md.gid(),
                    mode: md.mode() & 0o7777,
                    user: self.users.as_ref().and_then(|u| u.get(&md.uid()).cloned()),
                    group: self.groups.as_ref().and_then(|g| g.get(&md.gid()).cloned()),
                    mtime: Some(md.mtime()),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => FileFact::Missing,
            Err(e) => FileFact::Error {
                reason: format!("cannot stat {host_path}: {e}"),
            },
        }
    }

    /// Lists the files below a host directory as host paths, following symbolic links inside the root
    /// (a linked sub-directory is walked, not reported as a file). `recursive: false` lists only the top level.
    /// `Ok(empty)` when the directory does not exist.
    pub fn list_files(&self, host_dir: &str, recursive: bool) -> Result<Vec<String>, String> {
        let base = self
            .resolve(host_dir, true)
            .map_err(|e| format!("cannot resolve {host_dir}: {e}"))?;
        if !base.exists() {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        let mut visited = std::collections::HashSet::new();
        let mut stack = vec![(base, host_dir.trim_end_matches('/').to_string())];
        while let Some((dir, host)) = stack.pop() {
            // A link cycle would otherwise walk forever.
            let key = std::fs::metadata(&dir).map(|m| (m.dev(), m.ino())).ok();
            if !visited.insert(key) {
                continue;
            }
            let entries =
                std::fs::read_dir(&dir).map_err(|e| format!("cannot list {host}: {e}"))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("cannot list {host}: {e}"))?;
                let name = entry.file_name().to_string_lossy().to_string();
                let child_host = format!("{host}/{name}");
                let real = self
                    .resolve(&child_host, true)
                    .map_err(|e| format!("cannot resolve {child_host}: {e}"))?;
                if real.is_dir() {
                    if recursive {
                        stack.push((real, child_host));
                    }
                } else {
                    out.push(child_host);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every file below a host directory, recursively; see [`HostFs::list_files`].
    pub fn walk_files(&self, host_dir: &str) -> Result<Vec<String>, String> {
        self.list_files(host_dir, true)
    }

    /// The unit file in effect for `unit` (`docker.service`), searching the standard unit directories.
    pub fn find_unit(&self, unit: &str) -> Fact<Option<String>> {
        for dir in UNIT_DIRS {
            let p = format!("{dir}/{unit}");
            match self.stat(&p) {
                FileFact::Present(_) => return Fact::Ok(Some(p)),
                FileFact::Missing => continue,
                FileFact::Error { reason } => return Fact::Error(reason),
            }
        }
        Fact::Ok(None)
    }

    /// One pass over `/proc`: the dockerd process, the other processes the rules care about
    /// ([`INTERESTING`]), and every process's name and cgroup (to find the processes of containers, see
    /// [`ProcScan::container_processes`]).
    pub fn scan_proc(&self) -> ProcScan {
        let proc_dir = match self.resolve("/proc", true) {
            Ok(p) => p,
            Err(e) => return ProcScan::failed(format!("cannot resolve /proc: {e}")),
        };
        let entries = match std::fs::read_dir(&proc_dir) {
            Ok(e) => e,
            Err(e) => {
                return ProcScan::failed(format!(
                    "cannot list /proc under {}: {e}",
                    self.root.display()
                ))
            }
        };
        let boot = self.boot_time();
        let mut pids: Vec<u32> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
            .collect();
        pids.sort_unstable();
        let mut dockerd = None;
        let mut processes = Vec::new();
        let mut cgroups = Vec::new();
        for pid in pids {
            let dir = proc_dir.join(pid.to_string());
            let Ok(raw) = std::fs::read(dir.join("cmdline")) else {
                continue; // the process ended
            };
            let argv: Vec<String> = raw
                .split(|b| *b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).to_string())
                .collect();
            let name = argv
                .first()
                .and_then(|a0| Path::new(a0).file_name())
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let started_at = || {
                let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
                Some(boot? + proc_start_ticks(&stat)? / clock_ticks())
            };
            if name == "dockerd" && dockerd.is_none() {
                let exe = std::fs::read_link(dir.join("exe")).ok().map(|p| {
                    p.to_string_lossy()
                        .trim_end_matches(" (deleted)")
                        .to_string()
                });
                dockerd = Some(DaemonProcess {
                    pid,
                    argv: argv.clone(),
                    exe,
                    started_at: started_at(),
                });
            }
            if INTERESTING.contains(&name.as_str()) {
                processes.push(HostProcess {
                    pid,
                    name: name.clone(),
                    argv: argv.clone(),
                    started_at: started_at(),
                });
            }
            if let (Ok(cgroup), Ok(comm)) = (
                std::fs::read_to_string(dir.join("cgroup")),
                std::fs::read_to_string(dir.join("comm")),
            ) {
                cgroups.push((comm.trim().to_string(), cgroup));
            }
        }
        ProcScan {
            dockerd: match dockerd {
                Some(d) => Fact::Ok(d),
                None => Fact::Error(format!(
                    "no dockerd process found under {}",
                    proc_dir.display()
                )),
            },
            processes: Fact::Ok(processes),
            cgroups: Ok(cgroups),
        }
    }

    /// The host's boot time (unix seconds), from `btime` in `/proc/stat`.
    fn boot_time(&self) -> Option<i64> {
        self.read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse().ok())
    }

    /// The user ids of a container's main process: `/proc/<pid>/status` (effective uid as the host sees it)
    /// translated through `/proc/<pid>/uid_map` into the container's user namespace.
    pub fn process_user(&self, pid: i64) -> Result<ProcessUser, String> {
        let status = self
            .read_to_string(&format!("/proc/{pid}/status"))
            .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
        let host_euid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or_else(|| format!("/proc/{pid}/status has no readable Uid line"))?;
        let map = self
            .read_to_string(&format!("/proc/{pid}/uid_map"))
            .map_err(|e| format!("cannot read /proc/{pid}/uid_map: {e}"))?;
        Ok(ProcessUser {
            pid,
            host_euid,
            euid: map_uid_in(&map, host_euid),
        })
    }

    /// The accounts of a container's `/etc/passwd`, read from its overlay2 layers under the root: the upper
    /// (container) layer first, then each lower layer from the top, as overlayfs resolves it.
    pub fn container_accounts(
        &self,
        driver: &dockguard_facts::GraphDriver,
    ) -> Result<Vec<Account>, String> {
        if !matches!(driver.name.as_str(), "overlay2" | "overlay") {
            return Err(format!(
                "the container's filesystem is kept by the {} storage driver; dockguard reads image files \
                 only from overlay2 layers",
                driver.name
            ));
        }
        let mut layers: Vec<&str> = Vec::new();
        if let Some(upper) = driver.data.get("UpperDir") {
            layers.push(upper);
        }
        if let Some(lower) = driver.data.get("LowerDir") {
            layers.extend(lower.split(':').filter(|l| !l.is_empty()));
        }
        if layers.is_empty() {
            return Err("GraphDriver names no layer directories".into());
        }
        for layer in &layers {
            let layer = layer.trim_end_matches('/');
            // A whiteout (character device) deletes the path in this and every lower layer.
            let is_whiteout = |p: &str| {
                self.resolve(p, false)
                    .and_then(std::fs::symlink_metadata)
                    .map(|m| m.file_type().is_char_device())
                    .unwrap_or(false)
            };
            if is_whiteout(&format!("{layer}/etc")) {
                return Err(format!("/etc is deleted in layer {layer}"));
            }
            // A link inside an image points into the image, never at the host: do not follow it.
            if self
                .resolve(&format!("{layer}/etc"), false)
                .and_then(std::fs::symlink_metadata)
                .map(|m| m.file_type().is_symlink())
                .unwrap_or(false)
            {
                return Err(format!(
                    "/etc is a symbolic link in layer {layer}; dockguard does not follow links inside images"
                ));
            }
            let path = format!("{layer}/etc/passwd");
            let real = self
                .resolve(&path, false)
                .map_err(|e| format!("cannot resolve {path}: {e}"))?;
            let md = match std::fs::symlink_metadata(&real) {
                Ok(md) => md,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("cannot stat {path}: {e}")),
            };
            let ft = md.file_type();
            if ft.is_char_device() {
                return Err(format!("/etc/passwd is deleted in layer {layer}"));
            }
            if ft.is_symlink() {
                return Err(format!(
                    "/etc/passwd is a symbolic link in layer {layer}; dockguard does not follow links \
                     inside images"
                ));
            }
            let text =
                std::fs::read_to_string(&real).map_err(|e| format!("cannot read {path}: {e}"))?;
            return Ok(parse_passwd(&text));
        }
        Err("no layer of the container has /etc/passwd".into())
    }

    /// `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`.
    pub fn audit_files(&self) -> Fact<Vec<AuditFile>> {
        let mut paths = Vec::new();
        if self.exists("/etc/audit/audit.rules") {
            paths.push("/etc/audit/audit.rules".to_string());
        }
        // augenrules loads only the top level of rules.d.
        match self.list_files("/etc/audit/rules.d", false) {
            Ok(files) => paths.extend(files.into_iter().filter(|f| f.ends_with(".rules"))),
            Err(e) => return Fact::Error(e),
        }
        Fact::Ok(
            paths
                .into_iter()
                .map(|path| {
                    let lines = match self.read_to_string(&path) {
                        Ok(t) => Fact::Ok(rule_lines(&t)),
                        Err(e) => Fact::Error(format!("cannot read {path}: {e}")),
                    };
                    let mtime = match self.stat(&path) {
                        FileFact::Present(st) => st.mtime,
                        _ => None,
                    };
                    AuditFile { path, lines, mtime }
                })
                .collect(),
        )
    }

    /// Mount points of the host's mount namespace (`/proc/1/mountinfo`, else `/proc/self/mountinfo`).
    pub fn mounts(&self) -> Fact<Vec<MountPoint>> {
        let text = self
            .read_to_string("/proc/1/mountinfo")
            .or_else(|_| self.read_to_string("/proc/self/mountinfo"));
        match text {
            Ok(t) => Fact::Ok(parse_mountinfo(&t)),
            Err(e) => Fact::Error(format!("cannot read /proc/self/mountinfo: {e}")),
        }
    }

    /// Listening TCP sockets and bound UDP sockets of the host network namespace.
    pub fn listeners(&self) -> Fact<Vec<Listener>> {
        let mut out = Vec::new();
        let mut read_any = false;
        let mut last_err = String::new();
        for proto in ["tcp", "tcp6", "udp", "udp6"] {
            let text = self
                .read_to_string(&format!("/proc/1/net/{proto}"))
                .or_else(|_| self.read_to_string(&format!("/proc/net/{proto}")));
            match text {
                Ok(t) => {
                    read_any = true;
                    out.extend(parse_proc_net(proto, &t));
                }
                Err(e) => last_err = format!("cannot read /proc/net/{proto}: {e}"),
            }
        }
        if read_any {
            out.sort();
            out.dedup();
            Fact::Ok(out)
        } else {
            Fact::Error(last_err)
        }
    }

    /// The `docker` group: its explicit members and the accounts whose primary group it is.
    pub fn docker_group(&self) -> Fact<Option<GroupMembers>> {
        let group = match self.read_to_string("/etc/group") {
            Ok(t) => t,
            Err(e) => return Fact::Error(format!("cannot read /etc/group: {e}")),
        };
        let Some((gid, mut members)) = group.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 4 && f[0] == "docker").then(|| {
                let members = f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect();
                (f[2].parse::<u32>().unwrap_or(u32::MAX), members)
            })
        }) else {
            return Fact::Ok(None);
        };
        let mut members: Vec<String> = std::mem::take(&mut members);
        match self.read_to_string("/etc/passwd") {
            Ok(passwd) => {
                for l in passwd.lines() {
                    let f: Vec<&str> = l.split(':').collect();
                    if f.len() >= 4
                        && f[3].parse::<u32>() == Ok(gid)
                        && !members.iter().any(|m| m == f[0])
                    {
                        members.push(f[0].to_string());
                    }
                }
            }
            Err(e) => return Fact::Error(format!("cannot read /etc/passwd: {e}")),
        }
        members.sort();
        Fact::Ok(Some(GroupMembers { gid, members }))
    }

    /// `DOCKER_*` assignments in `/etc/environment` (other variables are not kept: they may be secrets).
    pub fn docker_environment(&self) -> Fact<BTreeMap<String, String>> {
        match self.read_optional("/etc/environment") {
            Err(e) => Fact::Error(e),
            Ok(None) => Fact::Ok(BTreeMap::new()),
            Ok(Some(t)) => Fact::Ok(
                t.lines()
                    .map(|l| l.trim().trim_start_matches("export ").trim())
                    .filter_map(|l| l.split_once('='))
                    .filter(|(k, _)| k.starts_with("DOCKER_"))
                    .map(|(k, v)| {
                        (
                            k.to_string(),
                            v.trim().trim_matches('"').trim_matches('\'').to_string(),
                        )
                    })
                    .collect(),
            ),
        }
    }

    pub fn host_facts(&self) -> HostFacts {
        let hostname = self
            .read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| self.read_to_string("/etc/hostname"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let os = self
            .read_to_string("/etc/os-release")
            .or_else(|_| self.read_to_string("/usr/lib/os-release"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim().trim_matches('"').to_string())
            });
        let kernel = self
            .read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string());
        HostFacts {
            hostname,
            os,
            kernel,
        }
    }
}

/// Host processes the rules look for: container runtimes, orchestrators and the audit daemon.
pub const INTERESTING: &[&str] = &[
    "dockerd",
    "containerd",
    "docker-containerd",
    "kubelet",
    "cri-dockerd",
    "k3s",
    "k3s-server",
    "k3s-agent",
    "auditd",
];

/// What one pass over `/proc` found.
#[derive(Debug, Clone)]
pub struct ProcScan {
    pub dockerd: Fact<DaemonProcess>,
    pub processes: Fact<Vec<HostProcess>>,
    /// Every process's name (`comm`) and `/proc/<pid>/cgroup`.
    pub cgroups: Result<Vec<(String, String)>, String>,
}

impl ProcScan {
    fn failed(e: String) -> ProcScan {
        ProcScan {
            dockerd: Fact::Error(e.clone()),
            processes: Fact::Error(e.clone()),
            cgroups: Err(e),
        }
    }

    /// Process names of the given containers, found by the container id in each process's cgroup
    /// (cgroup v1 and v2), sorted.
    pub fn container_processes(
        &self,
        ids: &[&str],
    ) -> Result<BTreeMap<String, Vec<String>>, String> {
        let cgroups = self.cgroups.as_ref().map_err(Clone::clone)?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (comm, cgroup) in cgroups {
            if let Some(id) = ids
                .iter()
                .find(|id| !id.is_empty() && cgroup.contains(**id))
            {
                out.entry(id.to_string()).or_default().push(comm.clone());
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        Ok(out)
    }
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), the unit of `/proc/<pid>/stat`'s start time.
fn clock_ticks() -> i64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as i64
    } else {
        100
    }
}

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks after boot). The command name (field 2) may
/// hold spaces and parentheses, so fields are counted after its last `)`.
pub fn proc_start_ticks(stat: &str) -> Option<i64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Translates a host uid into the namespace of a `uid_map` (`inside outside count` lines).
pub fn map_uid_in(uid_map: &str, host_uid: u32) -> Option<u32> {
    uid_map.lines().find_map(|l| {
        let f: Vec<u64> = l
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let (inside, outside, count) = (*f.first()?, *f.get(1)?, *f.get(2)?);
        let h = u64::from(host_uid);
        (h >= outside && h < outside + count).then(|| (inside + h - outside) as u32)
    })
}

/// The accounts of a passwd file (`name:x:uid:gid:...`); malformed lines are skipped.
pub fn parse_passwd(text: &str) -> Vec<Account> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some(Account {
                name: f.first()?.to_string(),
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
            })
        })
        .collect()
}

fn components(p: &str) -> Vec<String> {
    Path::new(p)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().to_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// `name:x:id:...` lines of /etc/passwd or /etc/group into id -> name (first name wins).
pub fn parse_id_names(text: &str) -> BTreeMap<u32, String> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.split(':');
        if let (Some(name), Some(_), Some(id)) = (f.next(), f.next(), f.next()) {
            if let Ok(id) = id.parse() {
                m.entry(id).or_insert_with(|| name.to_string());
            }
        }
    }
    m
}

/// Non-empty, non-comment lines of an audit rules file.
pub fn rule_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Parses `/proc/<pid>/mountinfo`. Octal escapes (`\040`) in paths are decoded.
pub fn parse_mountinfo(text: &str) -> Vec<MountPoint> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let l: Vec<&str> = left.split(' ').collect();
            let r: Vec<&str> = right.split(' ').collect();
            Some(MountPoint {
                mount_point: unescape_octal(l.get(4)?),
                fs_type: r.first()?.to_string(),
                source: r.get(1).map(|s| unescape_octal(s)).unwrap_or_default(),
                dev: l.get(2).map(|s| s.to_string()),
                root: l.get(3).map(|s| unescape_octal(s)),
            })
        })
        .collect()
}

fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// Parses `/proc/net/{tcp,tcp6,udp,udp6}`: TCP sockets in LISTEN state (0A), UDP sockets bound (07).
pub fn parse_proc_net(proto: &str, text: &str) -> Vec<Listener> {
    let want_state = if proto.starts_with("tcp") { "0A" } else { "07" };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (local, state) = (f.get(1)?, f.get(3)?);
            if *state != want_state {
                return None;
            }
            let (addr_hex, port_hex) = local.split_once(':')?;
            let port = u16::from_str_radix(port_hex, 16).ok()?;
            let addr = decode_proc_addr(addr_hex)?;
            Some(Listener {
                proto: proto.to_string(),
                addr,
                port,
            })
        })
        .collect()
}

/// Addresses in /proc/net are little-endian 32-bit words in hex.
fn decode_proc_addr(hex: &str) -> Option<String> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::new(bytes[3], bytes[2], bytes[1], bytes[0]).to_string()),
        16 => {
            let mut o = [0u8; 16];
            for w in 0..4 {
                for k in 0..4 {
                    o[w * 4 + k] = bytes[w * 4 + (3 - k)];
                }
            }
            Some(std::net::Ipv6Addr::from(o).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("run")).unwrap();
        std::fs::create_dir_all(root.join("var")).unwrap();
        symlink("/run", root.join("var/run")).unwrap();
        std::fs::write(root.join("run/docker.sock"), "").unwrap();
        std::fs::set_permissions(
            root.join("run/docker.sock"),
            std::fs::Permissions::from_mode(0o606),
        )
        .unwrap();
        let fs = HostFs::new(root);
        assert_eq!(
            fs.resolve("/var/run/docker.sock", true).unwrap(),
            root.join("run/docker.sock")
        );
        match fs.stat("/var/run/docker.sock") {
            FileFact::Present(st) => assert_eq!(st.mode, 0o606),
            other => panic!("{other:?}"),
        }
        // an escaping relative link stays inside the root
        symlink("../../../../etc", root.join("escape")).unwrap();
        assert!(fs
            .resolve("/escape/passwd", true)
            .unwrap()
            .starts_with(root));
        assert_eq!(fs.stat("/nope"), FileFact::Missing);
    }

    #[test]
    fn names_come_from_the_hosts_passwd() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("etc")).unwrap();
        std::fs::write(t.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::write(t.path().join("etc/group"), "root:x:0:\ndocker:x:999:\n").unwrap();
        let fs = HostFs::new(t.path());
        assert_eq!(fs.groups.as_ref().unwrap()[&999], "docker");
    }

    #[test]
    fn mountinfo() {
        let m = parse_mountinfo(
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
             30 22 8:17 / /var/lib/docker rw,relatime shared:2 - xfs /dev/sdb1 rw\n\
             31 22 0:5 / /mnt/with\\040space rw - tmpfs tmpfs rw\n",
        );
        assert_eq!(m[1].mount_point, "/var/lib/docker");
        assert_eq!(m[1].fs_type, "xfs");
        assert_eq!(m[2].mount_point, "/mnt/with space");
    }

    #[test]
    fn mountinfo_keeps_device_and_root() {
        let m = parse_mountinfo("30 22 8:1 /srv/docker /var/lib/docker rw - ext4 /dev/sda1 rw\n");
        assert_eq!(m[0].dev.as_deref(), Some("8:1"));
        assert_eq!(m[0].root.as_deref(), Some("/srv/docker"));
    }

    #[test]
    fn process_start_and_uid_maps() {
        // The command name may hold spaces and parentheses.
        let stat =
            "4321 (dock (er) d) S 1 4321 4321 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 12 0 987654 1 2";
        assert_eq!(proc_start_ticks(stat), Some(987_654));
        assert_eq!(
            map_uid_in("         0          0 4294967295\n", 1000),
            Some(1000)
        );
        assert_eq!(map_uid_in("0 100000 65536\n", 101_000), Some(1000));
        assert_eq!(
            map_uid_in("0 100000 65536\n", 0),
            None,
            "host root is not mapped"
        );
    }

    /// The container's /etc/passwd comes from its own layers: the upper layer first, a whiteout hides the
    /// layers below, and a link inside the image is never followed onto the host.
    #[test]
    fn container_accounts_from_overlay_layers() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let layer = |name: &str| format!("/var/lib/docker/overlay2/{name}/diff");
        let mk = |p: &str, text: &str| {
            let full = root.join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        };
        mk(
            &format!("{}/etc/passwd", layer("base")),
            "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
        );
        std::fs::create_dir_all(root.join(layer("upper").trim_start_matches('/'))).unwrap();
        let fs = HostFs::new(root);
        let driver = |upper: &str, lower: &str| dockguard_facts::GraphDriver {
            name: "overlay2".into(),
            data: [
                ("UpperDir".to_string(), layer(upper)),
                ("LowerDir".to_string(), lower.to_string()),
            ]
            .into(),
        };
        let accounts = fs
            .container_accounts(&driver("upper", &layer("base")))
            .unwrap();
        assert_eq!(accounts.iter().find(|a| a.name == "app").unwrap().uid, 1000);
        // A newer layer's passwd wins.
        mk(
            &format!("{}/etc/passwd", layer("mid")),
            "toor:x:0:0::/root:/bin/sh\n",
        );
        let lower = format!("{}:{}", layer("mid"), layer("base"));
        let accounts = fs.container_accounts(&driver("upper", &lower)).unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!((accounts[0].name.as_str(), accounts[0].uid), ("toor", 0));
        // /etc as a link inside the image: refused, not followed to the host's /etc.
        std::fs::create_dir_all(root.join(layer("linked").trim_start_matches('/'))).unwrap();
        symlink(
            "/etc",
            root.join(format!("{}/etc", layer("linked")).trim_start_matches('/')),
        )
        .unwrap();
        let e = fs
            .container_accounts(&driver("linked", &layer("base")))
            .unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
        // Other storage drivers are not read.
        let e = fs
            .container_accounts(&dockguard_facts::GraphDriver {
                name: "devicemapper".into(),
                data: Default::default(),
            })
            .unwrap_err();
        assert!(e.contains("devicemapper"), "{e}");
        // No passwd in any layer.
        let e = fs
            .container_accounts(&driver("upper", &layer("nothing")))
            .unwrap_err();
        assert!(e.contains("no layer"), "{e}");
    }

    #[test]
    fn proc_net() {
        let tcp = "  sl  local_address rem_address   st\n\
           0: 00000000:0951 00000000:0000 0A 0\n\
           1: 0100007F:1F90 00000000:0000 0A 0\n\
           2: 0100007F:1F91 0100007F:0000 01 0\n";
        let l = parse_proc_net("tcp", tcp);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].addr.as_str(), l[0].port), ("0.0.0.0", 2385));
        assert_eq!((l[1].addr.as_str(), l[1].port), ("127.0.0.1", 8080));
        let tcp6 = "h\n 0: 00000000000000000000000000000000:0951 00000000000000000000000000000000:0000 0A\n";
        assert_eq!(parse_proc_net("tcp6", tcp6)[0].addr, "::");
    }
}
