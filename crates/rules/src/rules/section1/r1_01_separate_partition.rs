//! 1.01 Ensure a separate partition for containers has been created.

use super::common::{data_root_from_info, norm_path};
use crate::prelude::*;
use dockguard_facts::MountPoint;

pub static RULE: Rule = Rule {
    azure: Some("1.01"),
    cis: &["1.1.1"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure a separate partition for containers has been created",
    section: Section::Host,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Host,
    rationale: "Images, container layers, volumes and json-file logs all land under the Docker root \
        directory. When it shares the root filesystem, one noisy container or a pile of old images can fill \
        the disk and take down the host's logging, package manager and sshd along with Docker.",
    audit: "Takes the Docker root directory from `docker info` (DockerRootDir; with userns-remap on, its \
        parent, since dockerd then reports `<data-root>/<uid>.<gid>`) and looks for it in the host's mount \
        table (/proc/1/mountinfo). Passes when that directory is itself a mount point of a filesystem of its \
        own (a device, major:minor, that no mount above it has); fails when it only lives inside another \
        mount, or when its mount is the same device and filesystem as the mount above it (a bind mount of a \
        directory of `/`, or a btrfs subvolume: both share that filesystem's free space). Without device \
        numbers (a facts file from an older dockguard) a mount from the same source device is reported for \
        manual review.",
    impact: "Moving an existing Docker root means stopping the daemon and every container for as long as the \
        copy takes. The new filesystem's size becomes a hard limit: when it fills, image pulls, builds, \
        container writes and json-file logs fail even while the root filesystem has space, and overlay2 \
        needs a backing filesystem such as ext4, or xfs formatted with ftype=1.",
    references: &[
        "https://docs.docker.com/engine/storage/drivers/select-storage-driver/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Create a dedicated filesystem (an LVM logical volume or a separate disk), stop Docker \
        (`systemctl stop docker docker.socket`), copy the old contents across with `rsync -aHAX`, mount the new \
        filesystem at the Docker root directory, add it to /etc/fstab, then start Docker again.",
    check,
};

/// `mount` contains `path` (is it, or a directory above it).
fn contains(mount: &str, path: &str) -> bool {
    mount == "/" || path == mount || path.starts_with(&format!("{mount}/"))
}

fn describe(m: &MountPoint) -> String {
    format!(
        "{} ({}, {})",
        norm_path(&m.mount_point),
        m.source,
        m.fs_type
    )
}

fn check(ctx: &Ctx) -> Outcome {
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    let Some(root) = data_root_from_info(&docker.info) else {
        return Outcome::error(
            "docker info did not report the Docker root directory (DockerRootDir)",
        );
    };
    let mounts = match ctx.facts.mounts.as_result() {
        Ok(m) if m.is_empty() => return Outcome::error("the host's mount table is empty"),
        Ok(m) => m,
        Err(e) => return Outcome::error(format!("the host's mount table could not be read: {e}")),
    };
    let path = root.path.as_str();
    // The last entry for a mount point is the one on top.
    let own = mounts
        .iter()
        .rev()
        .find(|m| norm_path(&m.mount_point) == path);
    // max_by_key keeps the last of equal keys: the mount on top.
    let above = mounts
        .iter()
        .filter(|m| {
            let mp = norm_path(&m.mount_point);
            mp != path && contains(&mp, path)
        })
        .max_by_key(|m| norm_path(&m.mount_point).len());
    let from = format!("Docker root directory {path} ({})", root.origin);
    match own {
        Some(m) => {
            let same_fs = above.filter(|a| a.dev.is_some() && a.dev == m.dev);
            let same_source = above.filter(|a| {
                (a.dev.is_none() || m.dev.is_none())
                    && a.source.starts_with("/dev/")
                    && a.source == m.source
            });
            let bind_of = m
                .root
                .as_deref()
                .filter(|r| *r != "/")
                .map(|r| format!(", a bind mount of {r} of that filesystem"))
                .unwrap_or_default();
            if let Some(a) = same_fs {
                return Outcome::fail(format!(
                    "{path} is mounted from the same filesystem as {}{bind_of}: it shares its space",
                    norm_path(&a.mount_point)
                ))
                .with_target(Target::file(
                    path,
                    Status::Fail,
                    format!(
                        "mounted from {} ({}, device {}){bind_of}, the same device and filesystem as {}; \
                         {from}",
                        m.source,
                        m.fs_type,
                        m.dev.as_deref().unwrap_or("?"),
                        describe(a)
                    ),
                ));
            }
            match same_source {
                Some(a) => Outcome::manual(format!(
                    "{path} is a mount point but on the same device as {}; confirm it really is a separate \
                     partition",
                    norm_path(&a.mount_point)
                ))
                .with_target(Target::file(
                    path,
                    Status::Manual,
                    format!(
                        "mounted from {} ({}), the same device as {}: a bind mount or subvolume shares its \
                         free space; {from}",
                        m.source,
                        m.fs_type,
                        describe(a)
                    ),
                )),
                None => Outcome::pass(format!("{path} is a separate filesystem")).with_target(Target::file(
                    path,
                    Status::Pass,
                    format!(
                        "mounted from {} ({}{}); {from}",
                        m.source,
                        m.fs_type,
                        m.dev
                            .as_deref()
                            .map(|d| format!(", device {d}"))
                            .unwrap_or_default()
                    ),
                )),
            }
        }
        None => {
            let detail = match above {
                Some(a) => format!(
                    "no mount at {path} (it lives on the {} filesystem, {} {}); {from}",
                    norm_path(&a.mount_point),
                    a.source,
                    a.fs_type
                ),
                None => {
                    format!("no mount at {path}, and no mount in the table contains it; {from}")
                }
            };
            Outcome::fail(format!("{path} is not on a separate partition"))
                .with_target(Target::file(path, Status::Fail, detail))
        }
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::Fact;
    vec![
        Fixture::pass("Docker root on its own filesystem", compliant_host()),
        Fixture::fail(
            "Docker root on the root filesystem",
            host_with(|f| {
                f.mounts = Fact::Ok(vec![
                    tests::mount("/", "/dev/vda1"),
                    tests::mount("/var/lib/docker/overlay2/abc/merged", "overlay"),
                ])
            }),
        ),
        Fixture::fail(
            "Docker root inside /var",
            host_with(|f| {
                f.mounts = Fact::Ok(vec![
                    tests::mount("/", "/dev/vda1"),
                    tests::mount("/var", "/dev/vdc1"),
                ])
            }),
        ),
        Fixture::fail(
            "bind mount of a directory of / (same device and filesystem)",
            host_with(|f| {
                f.mounts = Fact::Ok(vec![
                    tests::mount_dev("/", "/dev/vda1", "254:1", "/"),
                    tests::mount_dev("/var/lib/docker", "/dev/vda1", "254:1", "/srv/docker"),
                ])
            }),
        ),
        Fixture::manual(
            "same source device, device numbers unknown (older facts file)",
            host_with(|f| {
                f.mounts = Fact::Ok(vec![
                    tests::mount("/", "/dev/vda1"),
                    tests::mount("/var/lib/docker", "/dev/vda1"),
                ])
            }),
        ),
        Fixture::error(
            "mount table unreadable",
            host_with(|f| f.mounts = Fact::Error("cannot read /proc/1/mountinfo".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Fact;

    pub(super) fn mount(mp: &str, src: &str) -> MountPoint {
        MountPoint {
            mount_point: mp.into(),
            fs_type: "ext4".into(),
            source: src.into(),
            dev: None,
            root: None,
        }
    }

    pub(super) fn mount_dev(mp: &str, src: &str, dev: &str, root: &str) -> MountPoint {
        MountPoint {
            dev: Some(dev.into()),
            root: Some(root.into()),
            ..mount(mp, src)
        }
    }

    #[test]
    fn same_filesystem_is_a_proven_fail() {
        let mut f = compliant_host();
        f.mounts = Fact::Ok(vec![
            mount_dev("/", "/dev/vda1", "254:1", "/"),
            mount_dev("/var/lib/docker", "/dev/vda1", "254:1", "/srv/docker"),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.targets[0]
                .detail
                .contains("a bind mount of /srv/docker of that filesystem"),
            "{}",
            out.targets[0].detail
        );
        // A different device on the same source name is a separate filesystem.
        f.mounts = Fact::Ok(vec![
            mount_dev("/", "/dev/vda1", "254:1", "/"),
            mount_dev("/var/lib/docker", "/dev/vdb1", "254:17", "/"),
        ]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn separate_mount_passes_with_userns_parent() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, "/var/lib/docker");
        assert!(out.targets[0].detail.contains("/dev/vdb1"));
    }

    #[test]
    fn root_filesystem_fails() {
        let mut f = compliant_host();
        f.mounts = Fact::Ok(vec![
            mount("/", "/dev/vda1"),
            mount("/var/lib/docker/overlay2/abc/merged", "overlay"),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.targets[0].detail.starts_with(
                "no mount at /var/lib/docker (it lives on the / filesystem, /dev/vda1"
            ),
            "{}",
            out.targets[0].detail
        );
    }

    #[test]
    fn longest_prefix_names_the_containing_mount_and_boundaries_count() {
        let mut f = compliant_host();
        f.mounts = Fact::Ok(vec![
            mount("/", "/dev/vda1"),
            mount("/var", "/dev/vdc1"),
            mount("/var/lib/dock", "/dev/vdd1"),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.targets[0].detail.contains("the /var filesystem"),
            "{}",
            out.targets[0].detail
        );
    }

    #[test]
    fn trailing_slash_and_custom_root_without_userns() {
        let mut f = compliant_host();
        let info = &mut docker_mut(&mut f).info;
        info.docker_root_dir = Some("/srv/docker".into());
        info.security_options
            .as_mut()
            .unwrap()
            .retain(|o| o != "name=userns");
        f.mounts = Fact::Ok(vec![
            mount("/", "/dev/vda1"),
            mount("/srv/docker/", "/dev/vdb1"),
        ]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn bind_mount_from_the_same_device_is_manual() {
        let mut f = compliant_host();
        f.mounts = Fact::Ok(vec![
            mount("/", "/dev/vda1"),
            mount("/var/lib/docker", "/dev/vda1"),
        ]);
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn missing_facts_are_errors() {
        let mut f = compliant_host();
        f.mounts = Fact::Error("cannot read /proc/1/mountinfo".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.docker = Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
