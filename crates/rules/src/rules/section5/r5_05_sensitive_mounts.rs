//! 5.05 Ensure sensitive host system directories aren't mounted on containers.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.05"),
    cis: &["5.6"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure sensitive host system directories aren't mounted on containers",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "A bind mount hands the container the host's own files. Read-write access to /etc, /usr, /boot \
        or /lib lets it plant users, binaries or kernels that the host will run; read-only access to /etc, \
        /root, /proc, /sys or Docker's data directory still leaks password hashes, keys, other containers' \
        environment variables and kernel state.",
    audit: "Looks at every bind mount of every container, running or stopped (Mounts: Type, Source, RW). \
        Fails when the host source is `/`, `/run` or `/var/run`, or /boot, /dev, /etc, /lib (and lib32, lib64, \
        libx32), /proc, /sys, /usr, /bin, /sbin, /root, /var/lib/docker, the daemon's data root, or anything \
        below them. The benchmark asks that these not be mounted at all, so a read-only mount fails too; the \
        evidence says which mode each mount has (read-write lets the container change the host, read-only \
        still hands it secrets). A single harmless file such as /etc/localtime also fails: accept it with an \
        exemption in dockguard.toml. A mount whose type, source or mode the API did not return is an error.",
    impact: "Agents that look at the host through bind mounts (monitoring, log shippers, backup or security \
        scanners reading /proc, /sys, /etc or /var/lib/docker) lose that view and need a narrower read-only \
        mount or must run on the host. Applications that read their configuration from the host's /etc have to \
        get it from a dedicated directory or from secrets instead.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Remove the `-v /etc:...`-style volume from the container (Compose `volumes:`), or mount only \
        the single file the workload needs, read-only (`-v /etc/localtime:/etc/localtime:ro`). Pass \
        configuration and secrets with `docker secret`/`--env-file` or a dedicated directory such as \
        /srv/<app>, and use named volumes for data.",
    check,
};

/// Host trees the benchmark names (and Docker's data), the directory itself and everything below it.
const SENSITIVE_TREES: &[&str] = &[
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/root",
    "/var/lib/docker",
];
/// Host directories that are sensitive only as themselves (`/` is the empty string once cleaned; `/run`
/// holds the host's sockets).
const SENSITIVE_EXACT: &[&str] = &["", "/run", "/var/run"];

/// The path without duplicate or trailing slashes; the root becomes the empty string.
fn clean(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("/{}", parts.join("/"))
    }
}

/// `path` is `dir` or lies below it.
fn within(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The benchmark asks that these not be mounted at all, whatever the mode: read-write lets the container
/// change the host; read-only still hands it the host's secrets, keys and kernel state.
fn sensitive(source: &str, data_root: &str) -> bool {
    SENSITIVE_EXACT.contains(&source)
        || SENSITIVE_TREES.iter().any(|d| within(source, d))
        || (!data_root.is_empty() && within(source, data_root))
}

fn check(ctx: &Ctx) -> Outcome {
    let data_root = match ctx.docker().and_then(|d| Ok(d.info.docker_root_dir()?)) {
        Ok(r) => clean(r),
        Err(e) => return Outcome::error(e),
    };
    per_container(ctx, |c| {
        let mut bad = Vec::new();
        for m in c.mounts()? {
            let kind = m.kind()?;
            if !(kind == "bind" || kind.is_empty()) {
                continue;
            }
            let source = clean(m.source()?);
            let rw = *m.rw()?;
            if sensitive(&source, &data_root) {
                bad.push(format!(
                    "mounts {} at {} ({})",
                    if source.is_empty() { "/" } else { &source },
                    m.destination,
                    if rw {
                        "read-write"
                    } else {
                        "read-only, which still exposes it"
                    }
                ));
            }
        }
        if bad.is_empty() {
            Ok((Status::Pass, "no sensitive host directory mounted".into()))
        } else {
            Ok((Status::Fail, bad.join("; ")))
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::MountFacts;
    let mount = |src: &str, rw: bool| {
        let m = MountFacts {
            kind: Some("bind".into()),
            source: Some(src.into()),
            destination: "/mnt/x".into(),
            rw: Some(rw),
            propagation: Some("rprivate".into()),
        };
        host_with(move |f| first_container(f).mounts.as_mut().unwrap().push(m))
    };
    vec![
        Fixture::pass("named volume only", compliant_host()),
        Fixture::fail("/etc/localtime read-only", mount("/etc/localtime", false)),
        Fixture::fail("/lib/modules read-only", mount("/lib/modules", false)),
        Fixture::fail("/usr read-only", mount("/usr", false)),
        Fixture::error(
            "mount mode not returned",
            host_with(|f| {
                first_container(f)
                    .mounts
                    .as_mut()
                    .unwrap()
                    .push(MountFacts {
                        kind: Some("bind".into()),
                        source: Some("/srv/app".into()),
                        destination: "/app".into(),
                        rw: None,
                        propagation: Some(String::new()),
                    })
            }),
        ),
        Fixture::pass("application directory", mount("/srv/app/config", true)),
        Fixture::fail("/etc read-write", mount("/etc", true)),
        Fixture::fail("/etc/shadow read-only", mount("/etc/shadow", false)),
        Fixture::fail("host root", mount("/", false)),
        Fixture::fail("/usr/local/bin read-write", mount("/usr/local/bin", true)),
        Fixture::fail(
            "custom data root",
            host_with(|f| {
                docker_mut(f).info.docker_root_dir = Some("/data/docker".into());
                first_container(f)
                    .mounts
                    .as_mut()
                    .unwrap()
                    .push(MountFacts {
                        kind: Some("bind".into()),
                        source: Some("/data/docker/volumes".into()),
                        destination: "/v".into(),
                        rw: Some(false),
                        propagation: Some(String::new()),
                    });
            }),
        ),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::MountFacts;

    fn bind(src: &str, dst: &str, rw: bool) -> MountFacts {
        MountFacts {
            kind: Some("bind".into()),
            source: Some(src.into()),
            destination: dst.into(),
            rw: Some(rw),
            propagation: Some("rprivate".into()),
        }
    }

    fn with_mount(src: &str, rw: bool) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(bind(src, "/mnt/x", rw));
        run(&RULE, &f)
    }

    #[test]
    fn named_volume_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "no sensitive host directory mounted");
    }

    #[test]
    fn etc_read_write_fails() {
        let mut f = compliant_host();
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(bind("/etc", "/host-etc", true));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mounts /etc at /host-etc (read-write)"
        );
    }

    #[test]
    fn secrets_fail_read_only_too() {
        for src in [
            "/",
            "/etc/shadow",
            "/root/.ssh",
            "/proc",
            "/sys/fs/cgroup",
            "/var/lib/docker/containers",
        ] {
            assert_eq!(with_mount(src, false).status, Status::Fail, "{src}");
        }
        assert_eq!(with_mount("/var/run", false).status, Status::Fail);
        assert_eq!(with_mount("//etc/", false).status, Status::Fail);
    }

    /// The benchmark says these directories should not be mounted at all: read-only is not a pass, and the
    /// evidence says the mode.
    #[test]
    fn read_only_mounts_fail_too_and_say_so() {
        for src in [
            "/etc/localtime",
            "/etc/ssl/certs",
            "/usr",
            "/boot",
            "/lib/modules",
            "/dev",
        ] {
            let out = with_mount(src, false);
            assert_eq!(out.status, Status::Fail, "{src}");
            assert!(
                out.targets[0]
                    .detail
                    .contains("(read-only, which still exposes it)"),
                "{}",
                out.targets[0].detail
            );
        }
        assert_eq!(with_mount("/usr/local/bin", true).status, Status::Fail);
    }

    #[test]
    fn lookalike_and_application_paths_pass() {
        for src in [
            "/etcetera",
            "/srv/app/config",
            "/home/app/data",
            "/run/app",
            "/usr2",
        ] {
            assert_eq!(with_mount(src, true).status, Status::Pass, "{src}");
        }
    }

    #[test]
    fn custom_data_root_is_sensitive() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.docker_root_dir = Some("/data/docker".into());
        first_container(&mut f).mounts.as_mut().unwrap().push(bind(
            "/data/docker/volumes",
            "/v",
            false,
        ));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn volumes_are_not_bind_mounts() {
        let mut f = compliant_host();
        first_container(&mut f).mounts.as_mut().unwrap()[0].source =
            Some("/var/lib/docker/volumes/data/_data".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }
}
