//! Recognising the container dockguard itself runs in, so that the scanner (which needs the Docker socket,
//! the host's root and its PID namespace) is not reported as a finding on the host it assesses.
//!
//! The evidence is the scanner's own process, never the host root: the container's `/etc/hostname`,
//! `/etc/hosts` and `/etc/resolv.conf` are bind mounts of `<docker root>/containers/<id>/…` (in
//! `/proc/self/mountinfo`), cgroup v1 and cgroup v2 without a cgroup namespace name `…/docker/<id>` or
//! `docker-<id>.scope` (in `/proc/self/cgroup`), and Docker sets the hostname to the short id. A candidate
//! counts only when the Docker API lists a running container with that id.

use dockguard_facts::ContainerFacts;

/// Mount points Docker always bind-mounts from the container's own directory.
const CONTAINER_FILES: &[&str] = &["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"];

fn is_full_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Container ids named by the mount table: the `containers/<id>/` directory behind `/etc/hostname` and the
/// like. Other mounts (for example another container's `…/containers/<id>/mounts/shm` seen through a bind
/// of the host's `/`) do not count.
fn ids_in_mountinfo(mountinfo: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(root), Some(mount_point)) = (fields.get(3), fields.get(4)) else {
            continue;
        };
        if !CONTAINER_FILES.contains(mount_point) {
            continue;
        }
        let parts: Vec<&str> = root.split('/').collect();
        for w in parts.windows(2) {
            if w[0] == "containers" && is_full_id(w[1]) && !out.iter().any(|x| x == w[1]) {
                out.push(w[1].to_string());
            }
        }
    }
    out
}

/// Container ids named by the cgroup paths (`/docker/<id>`, `docker-<id>.scope`).
fn ids_in_cgroup(cgroup: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in cgroup.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        for part in path.split('/') {
            let id = part
                .strip_prefix("docker-")
                .and_then(|p| p.strip_suffix(".scope"))
                .unwrap_or(part);
            if is_full_id(id) && !out.iter().any(|x| x == id) {
                out.push(id.to_string());
            }
        }
    }
    out
}

/// The running listed container the scanner runs in, from its mount table, cgroup paths and hostname.
/// The hostname alone counts only when it is a 12-digit short id that exactly one running container has.
pub fn find_own_container(
    mountinfo: &str,
    cgroup: &str,
    hostname: &str,
    containers: &[ContainerFacts],
) -> Option<String> {
    let running = |id: &str| {
        containers
            .iter()
            .any(|c| c.running == Some(true) && c.id == id)
    };
    let from_files = ids_in_mountinfo(mountinfo)
        .into_iter()
        .chain(ids_in_cgroup(cgroup))
        .find(|id| running(id));
    if from_files.is_some() {
        return from_files;
    }
    let h = hostname.trim();
    if h.len() == 12 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut matches = containers
            .iter()
            .filter(|c| c.running == Some(true) && c.id.starts_with(h));
        if let (Some(c), None) = (matches.next(), matches.next()) {
            return Some(c.id.clone());
        }
    }
    None
}

/// [`find_own_container`] for this process (`/proc/self/mountinfo`, `/proc/self/cgroup`, the hostname).
pub fn own_container(containers: &[ContainerFacts]) -> Option<String> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    find_own_container(
        &read("/proc/self/mountinfo"),
        &read("/proc/self/cgroup"),
        &read("/proc/sys/kernel/hostname"),
        containers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "96a1e49b69b07e44f8abc61155f26da73996f8d48b00ddb6b36eb8586a8c994d";
    const OTHER: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn container(id: &str, running: bool) -> ContainerFacts {
        ContainerFacts {
            id: id.into(),
            name: format!("c-{}", &id[..4]),
            running: Some(running),
            ..Default::default()
        }
    }

    fn mountinfo(id: &str) -> String {
        format!(
            "72 50 0:50 / / rw,relatime - overlay overlay rw\n\
             128 72 254:0 /var/lib/docker/containers/{id}/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw\n\
             129 72 254:0 /var/lib/docker/containers/{id}/hostname /etc/hostname rw - ext4 /dev/vda rw\n\
             140 72 0:60 / /host/var/lib/docker/containers/{OTHER}/mounts/shm rw - tmpfs shm rw\n"
        )
    }

    #[test]
    fn the_mount_table_names_the_container() {
        let cs = [container(ME, true), container(OTHER, true)];
        assert_eq!(
            find_own_container(&mountinfo(ME), "0::/\n", "myhost", &cs).as_deref(),
            Some(ME)
        );
        // Another container's shm mount under a bind of the host's / is not evidence.
        assert_eq!(ids_in_mountinfo(&mountinfo(ME)), [ME]);
    }

    #[test]
    fn cgroup_paths_name_the_container() {
        let cs = [container(ME, true)];
        let v1 = format!("4:memory:/docker/{ME}\n0::/docker/{ME}\n");
        assert_eq!(find_own_container("", &v1, "", &cs).as_deref(), Some(ME));
        let systemd = format!("0::/system.slice/docker-{ME}.scope\n");
        assert_eq!(
            find_own_container("", &systemd, "", &cs).as_deref(),
            Some(ME)
        );
    }

    #[test]
    fn the_hostname_counts_only_as_a_unique_running_short_id() {
        let cs = [container(ME, true), container(OTHER, true)];
        assert_eq!(
            find_own_container("", "0::/\n", &ME[..12], &cs).as_deref(),
            Some(ME)
        );
        assert_eq!(find_own_container("", "0::/\n", "webserver01", &cs), None);
        let stopped = [container(ME, false)];
        assert_eq!(find_own_container("", "0::/\n", &ME[..12], &stopped), None);
    }

    #[test]
    fn evidence_must_match_a_listed_running_container() {
        // Outside a container, or in one the API does not list (another daemon): nothing is excluded.
        assert_eq!(
            find_own_container(&mountinfo(ME), "", "", &[container(OTHER, true)]),
            None
        );
        assert_eq!(
            find_own_container(&mountinfo(ME), "", "", &[container(ME, false)]),
            None
        );
        assert_eq!(find_own_container("", "0::/\n", "host", &[]), None);
    }
}
