//! Fixtures for rule tests: a fully compliant host that each test changes in one place.
//!
//! `compliant_host()` passes every automated rule; a rule's fail test mutates one fact and asserts `fail`,
//! its pass test asserts `pass` on the untouched (or differently tuned) host.

use crate::context::{Ctx, EvalOptions};
use crate::outcome::Outcome;
use crate::rule::Rule;
use dockguard_facts::*;
use std::collections::BTreeMap;

/// Evaluates one rule over the facts with default options.
pub fn run(rule: &Rule, facts: &Facts) -> Outcome {
    let ctx = Ctx::new(facts, EvalOptions::default());
    (rule.check)(&ctx)
}

/// A root-owned file with the given mode.
pub fn file(mode: u32) -> FileFact {
    FileFact::Present(FileStat {
        kind: "file".into(),
        uid: 0,
        gid: 0,
        mode,
        user: Some("root".into()),
        group: Some("root".into()),
        mtime: Some(FILES_MODIFIED),
    })
}

/// A root-owned directory with the given mode.
pub fn dir(mode: u32) -> FileFact {
    FileFact::Present(FileStat {
        kind: "dir".into(),
        ..match file(mode) {
            FileFact::Present(s) => s,
            _ => unreachable!(),
        }
    })
}

/// Sets owner uid/gid (and names) of a present file.
pub fn chown(f: &mut FileFact, uid: u32, user: &str, gid: u32, group: &str) {
    if let FileFact::Present(st) = f {
        st.uid = uid;
        st.gid = gid;
        st.user = Some(user.into());
        st.group = Some(group.into());
    }
}

/// A container that passes every container rule.
pub fn container(name: &str) -> ContainerFacts {
    ContainerFacts {
        id: format!(
            "{:0<64}",
            name.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        ),
        name: name.into(),
        image: Some("app:1.0".into()),
        image_id: Some("sha256:app".into()),
        created: Some(CONTAINER_CREATED.into()),
        state: Some("running".into()),
        running: Some(true),
        pid: Some(4242),
        started_at: Some(CONTAINER_CREATED.into()),
        labels: Some(BTreeMap::new()),
        user: Some("1000:1000".into()),
        healthcheck: Some(vec!["CMD-SHELL".into(), "true".into()]),
        health_status: Some("healthy".into()),
        privileged: Some(false),
        network_mode: Some("app-net".into()),
        pid_mode: Some(String::new()),
        ipc_mode: Some("private".into()),
        uts_mode: Some(String::new()),
        userns_mode: Some(String::new()),
        cgroup_parent: Some(String::new()),
        cap_add: Some(vec![]),
        cap_drop: Some(vec!["ALL".into()]),
        security_opt: Some(vec![
            "no-new-privileges:true".into(),
            "apparmor=docker-default".into(),
        ]),
        apparmor_profile: Some("docker-default".into()),
        process_label: Some(String::new()),
        mount_label: Some(String::new()),
        memory: Some(256 * 1024 * 1024),
        pids_limit: Some(100),
        readonly_rootfs: Some(true),
        restart_policy: Some(RestartPolicy {
            name: "on-failure".into(),
            maximum_retry_count: 5,
        }),
        ports: Some(vec![PortBinding {
            container_port: "80/tcp".into(),
            host_ip: Some("10.0.0.5".into()),
            host_port: Some("8080".into()),
        }]),
        publish_all_ports: Some(false),
        mounts: Some(vec![MountFacts {
            kind: Some("volume".into()),
            source: Some("/var/lib/docker/volumes/data/_data".into()),
            destination: "/data".into(),
            rw: Some(true),
            propagation: Some(String::new()),
        }]),
        devices: Some(vec![]),
        networks: Some(vec!["app-net".into()]),
        cpu_shares: Some(512),
        ulimits: Some(vec![]),
        execs: Some(vec![]),
        processes: Some(vec!["app".into()]),
        graph_driver: Some(GraphDriver {
            name: "overlay2".into(),
            data: BTreeMap::new(),
        }),
        accounts: None,
        process_user: Some(Fact::Ok(ProcessUser {
            pid: 4242,
            host_euid: 101_000,
            euid: Some(1000),
        })),
    }
}

/// The image of [`container`].
pub fn image() -> ImageFacts {
    ImageFacts {
        id: "sha256:app".into(),
        tags: Some(vec!["app:1.0".into()]),
        user: Some("1000".into()),
        healthcheck: Some(vec!["CMD-SHELL".into(), "true".into()]),
        created: Some("2026-11-01T00:00:00Z".into()),
        env: Some(vec!["PATH=/usr/local/bin:/usr/bin:/bin".into(), "APP_PORT=8080".into()]),
        labels: Some(BTreeMap::new()),
        history: Some(vec![
            "/bin/sh -c #(nop)  CMD [\"/app/server\"]".into(),
            "/bin/sh -c #(nop)  USER 1000".into(),
            "/bin/sh -c #(nop) COPY dir:4f1c in /app ".into(),
            "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates".into(),
            "/bin/sh -c #(nop) ADD file:9a8b7c in / ".into(),
        ]),
        repo_digests: Some(vec!["registry.example/app@sha256:1111".into()]),
    }
}

/// When dockerd started in the fixtures (2026-11-20T00:00:00Z); every configuration file is older.
pub const DOCKERD_STARTED: i64 = 1_795_132_800;
/// When the fixtures' configuration files were last written (2026-11-10T00:00:00Z).
pub const FILES_MODIFIED: i64 = 1_794_268_800;
/// When the fixture container was created and started, after dockerd.
pub const CONTAINER_CREATED: &str = "2026-11-21T00:00:00Z";

/// 2026-11-01T00:00:00Z, when the fixture image was built.
pub const IMAGE_CREATED_UNIX: i64 = 1_793_491_200;

pub const DOCKERD: &str = "/usr/bin/dockerd";
pub const SERVICE: &str = "/lib/systemd/system/docker.service";
pub const SOCKET_UNIT: &str = "/lib/systemd/system/docker.socket";
pub const SOCKET: &str = "/var/run/docker.sock";
pub const TLS_CA: &str = "/etc/docker/tls/ca.pem";
pub const TLS_CERT: &str = "/etc/docker/tls/server-cert.pem";
pub const TLS_KEY: &str = "/etc/docker/tls/server-key.pem";
pub const REGISTRY_CERT: &str = "/etc/docker/certs.d/registry.example:5000/ca.crt";

/// The audited paths of a compliant host.
pub const AUDITED: &[&str] = &[
    "/usr/bin/dockerd",
    "/usr/bin/docker",
    "/var/lib/docker",
    "/etc/docker",
    SERVICE,
    SOCKET_UNIT,
    SOCKET,
    "/etc/default/docker",
    "/etc/docker/daemon.json",
    "/usr/bin/containerd",
    "/usr/bin/runc",
    "/usr/bin/docker-containerd",
    "/usr/bin/docker-runc",
    "/run/containerd",
    "/run/containerd/containerd.sock",
    "/etc/containerd/config.toml",
    "/usr/bin/containerd-shim-runc-v2",
];

/// A host that passes every automated rule: hardened daemon.json, TLS on TCP, audit watches on every
/// Docker path, strict file modes, one hardened container, swarm inactive.
pub fn compliant_host() -> Facts {
    let daemon_json = serde_json::json!({
        "icc": false,
        "log-level": "info",
        "iptables": true,
        "live-restore": true,
        "userland-proxy": false,
        "no-new-privileges": true,
        "userns-remap": "default",
        "authorization-plugins": ["authz-broker"],
        "log-driver": "syslog",
        "log-opts": {"syslog-address": "tcp://logs.example:514"},
        "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}},
        "hosts": ["unix:///var/run/docker.sock", "tcp://10.0.0.5:2376"],
        "tlsverify": true,
        "tlscacert": TLS_CA,
        "tlscert": TLS_CERT,
        "tlskey": TLS_KEY
    });
    let mut files = BTreeMap::new();
    for p in AUDITED {
        files.insert(p.to_string(), file(0o755));
    }
    files.insert("/var/lib/docker".into(), dir(0o710));
    files.insert("/run/containerd".into(), dir(0o711));
    files.insert("/etc/containerd/config.toml".into(), file(0o644));
    files.insert("/usr/bin/containerd-shim".into(), FileFact::Missing);
    files.insert("/usr/bin/containerd-shim-runc-v1".into(), FileFact::Missing);
    files.insert("/etc/docker".into(), dir(0o755));
    files.insert(SERVICE.into(), file(0o644));
    files.insert(SOCKET_UNIT.into(), file(0o644));
    files.insert("/etc/default/docker".into(), file(0o644));
    files.insert("/etc/sysconfig/docker".into(), FileFact::Missing);
    files.insert("/etc/docker/daemon.json".into(), file(0o644));
    let mut sock = file(0o660);
    if let FileFact::Present(st) = &mut sock {
        st.kind = "socket".into();
        st.gid = 998;
        st.group = Some("docker".into());
    }
    files.insert(SOCKET.into(), sock);
    let mut containerd = file(0o660);
    if let FileFact::Present(st) = &mut containerd {
        st.kind = "socket".into();
    }
    files.insert("/run/containerd/containerd.sock".into(), containerd);
    files.insert(TLS_CA.into(), file(0o444));
    files.insert(TLS_CERT.into(), file(0o444));
    files.insert(TLS_KEY.into(), file(0o400));
    files.insert(REGISTRY_CERT.into(), file(0o444));
    let audit_lines = AUDITED
        .iter()
        .map(|p| format!("-w {p} -p wa -k docker"))
        .collect();

    Facts {
        schema: FACTS_SCHEMA.into(),
        collector: CollectorInfo {
            tool: "dockguard".into(),
            version: "test".into(),
            root: "/".into(),
            docker_host: "unix:///var/run/docker.sock".into(),
            collected_at: "2026-11-25T00:00:00Z".into(),
            duration_ms: 1,
            running_only: false,
            scanner_container: None,
            root_missing: Vec::new(),
        },
        host: HostFacts {
            hostname: Some("host-a".into()),
            os: Some("Debian GNU/Linux 12 (bookworm)".into()),
            kernel: Some("6.1.0".into()),
        },
        docker: Fact::Ok(DockerFacts {
            version: VersionFacts {
                version: Some("29.1.0".into()),
                api_version: Some("1.52".into()),
                os: Some("linux".into()),
                arch: Some("amd64".into()),
                kernel: Some("6.1.0".into()),
                experimental: Some(false),
                components: Some(BTreeMap::new()),
            },
            info: InfoFacts {
                name: Some("host-a".into()),
                operating_system: Some("Debian GNU/Linux 12 (bookworm)".into()),
                kernel_version: Some("6.1.0".into()),
                architecture: Some("x86_64".into()),
                docker_root_dir: Some("/var/lib/docker/100000.100000".into()),
                driver: Some("overlay2".into()),
                logging_driver: Some("syslog".into()),
                cgroup_driver: Some("systemd".into()),
                cgroup_version: Some("2".into()),
                security_options: Some(vec![
                    "name=apparmor".into(),
                    "name=seccomp,profile=builtin".into(),
                    "name=userns".into(),
                ]),
                live_restore: Some(true),
                experimental: Some(false),
                debug: Some(false),
                insecure_registry_cidrs: Some(vec!["127.0.0.0/8".into()]),
                insecure_registries: Some(vec![]),
                authorization_plugins: Some(vec!["authz-broker".into()]),
                containers: Some(1),
                containers_running: Some(1),
                images: Some(1),
                swarm: Some(SwarmFacts {
                    state: Some("inactive".into()),
                    node_id: Some(String::new()),
                    node_addr: Some(String::new()),
                    is_manager: Some(false),
                    ..Default::default()
                }),
            },
            containers: vec![container("web")],
            container_errors: vec![],
            images: vec![image()],
            image_errors: vec![],
            image_list: Fact::Ok(vec![ImageSummaryFacts {
                id: "sha256:app".into(),
                tags: Some(vec!["app:1.0".into()]),
                created: Some(IMAGE_CREATED_UNIX),
                size: Some(5_000_000),
            }]),
            swarm_secrets: None,
            processes_error: None,
            networks: Fact::Ok(vec![
                NetworkFacts {
                    id: "n-bridge".into(),
                    name: "bridge".into(),
                    driver: Some("bridge".into()),
                    scope: Some("local".into()),
                    internal: Some(false),
                    options: Some(
                        [
                            (
                                "com.docker.network.bridge.name".to_string(),
                                "docker0".to_string(),
                            ),
                            (
                                "com.docker.network.bridge.enable_icc".to_string(),
                                "false".to_string(),
                            ),
                        ]
                        .into_iter()
                        .collect(),
                    ),
                },
                NetworkFacts {
                    id: "n-app".into(),
                    name: "app-net".into(),
                    driver: Some("bridge".into()),
                    scope: Some("local".into()),
                    internal: Some(false),
                    options: Some(BTreeMap::new()),
                },
            ]),
        }),
        daemon: DaemonFacts {
            process: Fact::Ok(DaemonProcess {
                pid: 812,
                argv: vec![
                    DOCKERD.into(),
                    "--containerd=/run/containerd/containerd.sock".into(),
                ],
                exe: None,
                started_at: Some(DOCKERD_STARTED),
            }),
            config_file: ConfigFile {
                path: "/etc/docker/daemon.json".into(),
                content: Fact::Ok(Some(serde_json::to_string_pretty(&daemon_json).unwrap())),
            },
        },
        units: Units {
            docker_service: Fact::Ok(Some(SERVICE.into())),
            docker_socket: Fact::Ok(Some(SOCKET_UNIT.into())),
        },
        files,
        certs_d: Fact::Ok(vec![REGISTRY_CERT.into()]),
        audit: AuditFacts {
            loaded: Some(Fact::Ok(
                AUDITED
                    .iter()
                    .map(|p| format!("-w {p} -p wa -k docker"))
                    .collect(),
            )),
            files: Fact::Ok(vec![AuditFile {
                path: "/etc/audit/rules.d/docker.rules".into(),
                lines: Fact::Ok(audit_lines),
                mtime: Some(FILES_MODIFIED),
            }]),
        },
        mounts: Fact::Ok(vec![
            MountPoint {
                mount_point: "/".into(),
                fs_type: "ext4".into(),
                source: "/dev/vda1".into(),
                dev: Some("254:1".into()),
                root: Some("/".into()),
            },
            MountPoint {
                mount_point: "/var/lib/docker".into(),
                fs_type: "xfs".into(),
                source: "/dev/vdb1".into(),
                dev: Some("254:17".into()),
                root: Some("/".into()),
            },
        ]),
        listeners: Fact::Ok(vec![]),
        docker_group: Fact::Ok(Some(GroupMembers {
            gid: 998,
            members: vec![],
        })),
        docker_environment: Fact::Ok(
            [("DOCKER_CONTENT_TRUST".to_string(), "1".to_string())]
                .into_iter()
                .collect(),
        ),
        processes: Fact::Ok(vec![
            HostProcess {
                pid: 812,
                name: "dockerd".into(),
                argv: vec![
                    DOCKERD.into(),
                    "--containerd=/run/containerd/containerd.sock".into(),
                ],
                started_at: Some(DOCKERD_STARTED),
            },
            HostProcess {
                pid: 640,
                name: "containerd".into(),
                argv: vec!["/usr/bin/containerd".into()],
                started_at: Some(DOCKERD_STARTED - 5),
            },
            HostProcess {
                pid: 402,
                name: "auditd".into(),
                argv: vec!["/sbin/auditd".into()],
                started_at: Some(DOCKERD_STARTED - 10),
            },
        ]),
        kubelet_pods: Fact::Ok(None),
        image_scans: vec![],
    }
}

/// One example host for a rule and the status the rule must give it. Every rule lists its fixtures in
/// `fixtures()`; the registry test runs them all and requires a pass and a fail case for every rule that can
/// decide (see `registry::tests`).
pub struct Fixture {
    pub name: &'static str,
    pub facts: Facts,
    pub expect: crate::Status,
}

impl Fixture {
    pub fn new(name: &'static str, expect: crate::Status, facts: Facts) -> Fixture {
        Fixture {
            name,
            facts,
            expect,
        }
    }
    pub fn pass(name: &'static str, facts: Facts) -> Fixture {
        Self::new(name, crate::Status::Pass, facts)
    }
    pub fn fail(name: &'static str, facts: Facts) -> Fixture {
        Self::new(name, crate::Status::Fail, facts)
    }
    pub fn manual(name: &'static str, facts: Facts) -> Fixture {
        Self::new(name, crate::Status::Manual, facts)
    }
    pub fn not_applicable(name: &'static str, facts: Facts) -> Fixture {
        Self::new(name, crate::Status::NotApplicable, facts)
    }
    pub fn error(name: &'static str, facts: Facts) -> Fixture {
        Self::new(name, crate::Status::Error, facts)
    }
}

/// The compliant host changed by `change`.
pub fn host_with(change: impl FnOnce(&mut Facts)) -> Facts {
    let mut f = compliant_host();
    change(&mut f);
    f
}

/// Mutable access to the Docker facts of a fixture.
pub fn docker_mut(f: &mut Facts) -> &mut DockerFacts {
    match &mut f.docker {
        Fact::Ok(d) => d,
        Fact::Error(_) => panic!("fixture has no Docker facts"),
    }
}

/// Replaces the daemon.json of a fixture with the given JSON value.
pub fn set_daemon_json(f: &mut Facts, v: serde_json::Value) {
    f.daemon.config_file.content = Fact::Ok(Some(v.to_string()));
}

/// Changes one key of the fixture's daemon.json.
pub fn daemon_json_set(f: &mut Facts, key: &str, v: serde_json::Value) {
    let mut cur: serde_json::Value = match &f.daemon.config_file.content {
        Fact::Ok(Some(t)) => serde_json::from_str(t).unwrap(),
        _ => serde_json::json!({}),
    };
    cur[key] = v;
    set_daemon_json(f, cur);
}

/// Removes one key from the fixture's daemon.json.
pub fn daemon_json_remove(f: &mut Facts, key: &str) {
    let mut cur: serde_json::Value = match &f.daemon.config_file.content {
        Fact::Ok(Some(t)) => serde_json::from_str(t).unwrap(),
        _ => serde_json::json!({}),
    };
    if let Some(m) = cur.as_object_mut() {
        m.remove(key);
    }
    set_daemon_json(f, cur);
}

/// Appends flags to the fixture's dockerd command line.
pub fn add_flags(f: &mut Facts, flags: &[&str]) {
    if let Fact::Ok(p) = &mut f.daemon.process {
        p.argv.extend(flags.iter().map(|s| s.to_string()));
    }
}

/// The fixture's daemon.json was changed after dockerd started: the running daemon may not have loaded it
/// (how a configured value and the running one come to differ).
pub fn stale_daemon_json(f: &mut Facts) {
    if let Some(FileFact::Present(st)) = f.files.get_mut("/etc/docker/daemon.json") {
        st.mtime = Some(DOCKERD_STARTED + 3600);
    }
}

/// Neither the loaded audit rules nor the rules files can be read.
pub fn unreadable_audit_rules(f: &mut Facts) {
    f.audit.loaded = Some(Fact::Error("auditctl -l: permission denied".into()));
    f.audit.files = Fact::Error("permission denied".into());
}

/// Mutable access to the fixture's first container.
pub fn first_container(f: &mut Facts) -> &mut ContainerFacts {
    &mut docker_mut(f).containers[0]
}
