//! 5.17 Ensure host devices aren't directly exposed to containers.

use crate::check::per_container;
use crate::prelude::*;
use dockguard_facts::DeviceFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.17"),
    cis: &["5.18"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure host devices aren't directly exposed to containers",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "A host device passed with `--device` is the host's hardware, not a copy: write access to a \
        disk bypasses every filesystem permission, /dev/mem exposes physical memory, and the `m` (mknod) \
        permission lets the container create further device nodes. Docker grants rwm unless told otherwise.",
    audit: "Reads HostConfig.Devices of every container, running or stopped. Fails when the container is \
        privileged (it sees every host device), when a device's cgroup permissions include `m` (or are empty, \
        which Docker treats as rwm), when a disk (sd*, hd*, vd*, xvd*, nvme*, mmcblk*, dm-*, md*, loop*, \
        /dev/mapper/*) is writable, or when /dev/mem, /dev/kmem or /dev/port is mapped at all. Any other \
        device with `r` or `rw` is manual: the baseline accepts needed devices with limited permissions, \
        and only a person can say whether it is needed. No devices passes.",
    impact: "Workloads that use hardware (serial or USB adapters, sound cards, disks for storage software) must \
        have each device listed with the narrowest permissions that work and can no longer create device nodes. \
        Anything that partitions or formats disks from inside a container has to move to the host.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container without `--device` (Compose: `devices:`) if it does not need the \
        hardware. If it does, grant only the permissions it uses, never `m`: `--device /dev/ttyUSB0:/dev/ttyUSB0:rw` \
        or `--device /dev/sdb:/dev/sdb:r`. Never use `--privileged` to reach a device.",
    check,
};

const MEMORY_DEVICES: &[&str] = &["/dev/mem", "/dev/kmem", "/dev/port"];
const DISK_PREFIXES: &[&str] = &[
    "/dev/sd",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/nvme",
    "/dev/mmcblk",
    "/dev/dm-",
    "/dev/md",
    "/dev/loop",
    "/dev/mapper/",
];

/// Docker applies rwm when no permissions are given.
fn permissions(d: &DeviceFacts) -> Result<String, dockguard_facts::Missing> {
    let p = d.cgroup_permissions()?.trim().to_ascii_lowercase();
    Ok(if p.is_empty() { "rwm".into() } else { p })
}

fn assess(d: &DeviceFacts) -> Result<(Status, String), String> {
    let perms = permissions(d)?;
    let shown = format!("{} -> {} ({perms})", d.path_on_host, d.path_in_container()?);
    let host = d.path_on_host.trim();
    Ok(if perms.contains('m') {
        (Status::Fail, shown)
    } else if MEMORY_DEVICES.contains(&host) {
        (Status::Fail, format!("{shown}: host memory"))
    } else if perms.contains('w') && DISK_PREFIXES.iter().any(|p| host.starts_with(p)) {
        (Status::Fail, format!("{shown}: writable host disk"))
    } else {
        (Status::Manual, shown)
    })
}

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        if *c.privileged()? {
            return Ok((Status::Fail, "Privileged=true (every host device)".into()));
        }
        let devices = c.devices()?;
        if devices.is_empty() {
            return Ok((Status::Pass, "no host devices".into()));
        }
        let devices: Vec<(Status, String)> =
            devices.iter().map(assess).collect::<Result<_, _>>()?;
        let status = if devices.iter().any(|(s, _)| *s == Status::Fail) {
            Status::Fail
        } else {
            Status::Manual
        };
        let detail: Vec<String> = devices.into_iter().map(|(_, d)| d).collect();
        let detail = detail.join("; ");
        if status == Status::Manual {
            Ok((status, format!("{detail}; confirm the container needs it")))
        } else {
            Ok((status, detail))
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let device = |host: &str, perms: &str| {
        let d = DeviceFacts {
            path_on_host: host.into(),
            path_in_container: Some(host.into()),
            cgroup_permissions: Some(perms.into()),
        };
        host_with(move |f| first_container(f).devices = Some(vec![d]))
    };
    vec![
        Fixture::pass("no devices", compliant_host()),
        Fixture::fail("disk with rwm", device("/dev/sda", "rwm")),
        Fixture::fail("empty permissions mean rwm", device("/dev/ttyUSB0", "")),
        Fixture::fail("writable NVMe disk", device("/dev/nvme0n1", "rw")),
        Fixture::fail("host memory read-only", device("/dev/mem", "r")),
        Fixture::fail(
            "privileged container",
            host_with(|f| first_container(f).privileged = Some(true)),
        ),
        Fixture::manual("serial port rw", device("/dev/ttyUSB0", "rw")),
        Fixture::manual("disk read-only", device("/dev/sdb", "r")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_device(host: &str, inside: &str, perms: &str) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f).devices = Some(vec![DeviceFacts {
            path_on_host: host.into(),
            path_in_container: Some(inside.into()),
            cgroup_permissions: Some(perms.into()),
        }]);
        run(&RULE, &f)
    }

    #[test]
    fn no_devices_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "no host devices");
    }

    #[test]
    fn mknod_permission_fails() {
        let out = with_device("/dev/sda", "/dev/xvda", "rwm");
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "/dev/sda -> /dev/xvda (rwm)"
        );
    }

    #[test]
    fn empty_permissions_mean_rwm() {
        let out = with_device("/dev/ttyUSB0", "/dev/ttyUSB0", "");
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "/dev/ttyUSB0 -> /dev/ttyUSB0 (rwm)");
    }

    #[test]
    fn writable_disk_fails() {
        assert_eq!(
            with_device("/dev/nvme0n1", "/dev/nvme0n1", "rw").status,
            Status::Fail
        );
    }

    #[test]
    fn host_memory_fails_even_read_only() {
        assert_eq!(
            with_device("/dev/mem", "/dev/mem", "r").status,
            Status::Fail
        );
    }

    #[test]
    fn limited_permissions_need_review() {
        let out = with_device("/dev/ttyUSB0", "/dev/ttyUSB0", "rw");
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "/dev/ttyUSB0 -> /dev/ttyUSB0 (rw); confirm the container needs it"
        );
        assert_eq!(
            with_device("/dev/sdb", "/dev/sdb", "r").status,
            Status::Manual
        );
    }

    #[test]
    fn privileged_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = Some(true);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }
}
