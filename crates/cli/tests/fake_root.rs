//! Scans of throwaway host roots: the real binary with `--root <tmpdir>`, so every host file the rules read
//! (dockerd's command line, daemon.json, units, the socket, certificates, audit rules, the mount table) comes
//! from a fake host laid out by the test. The Docker facts still come from the live daemon, so only the
//! host-side sections (1, 2, 3) are selected, and daemon settings are tested through keys `/info` does not
//! override.

mod support;

use support::*;

const SERVICE_LIB: &str = "/lib/systemd/system/docker.service";
const SERVICE_ETC: &str = "/etc/systemd/system/docker.service";
const SOCKET: &str = "/var/run/docker.sock";
const DAEMON_JSON: &str = "/etc/docker/daemon.json";
const UNIT_TEXT: &str = "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n";
const TLS_DIR: &str = "/etc/docker/tls";

/// The live daemon's Docker root directory (`docker info` DockerRootDir); 1.01 and 1.06 look for it.
fn live_docker_root() -> String {
    require_daemon();
    let dir = docker(&["info", "-f", "{{.DockerRootDir}}"]);
    let opts = docker(&["info", "-f", "{{json .SecurityOptions}}"]);
    assert!(
        !opts.contains("userns"),
        "these tests assume no userns-remap (DockerRootDir would be a subdirectory): {opts}"
    );
    dir.trim_end_matches('/').to_string()
}

/// A compliant host as the Debian packages lay it out: a socket-activated dockerd, the unit in
/// /lib/systemd/system, /etc/docker with an empty daemon.json, /etc/default/docker, and the socket at
/// /run/docker.sock (root:docker, 0660) reached through the usual absolute link `/var/run -> /run`.
fn compliant_host() -> FakeRoot {
    let r = FakeRoot::new();
    // Every host has its Docker root directory; without it dockguard warns that the root is no host root.
    r.mkdir(&live_docker_root(), 0o710);
    r.process(1, &["/sbin/init"]);
    r.dockerd(&[
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "--containerd=/run/containerd/containerd.sock",
    ]);
    r.write(SERVICE_LIB, UNIT_TEXT, 0o644);
    r.mkdir("/etc/docker", 0o755);
    r.write(DAEMON_JSON, "{}\n", 0o644);
    r.write("/etc/default/docker", "#DOCKER_OPTS=\"\"\n", 0o644);
    r.mkdir("/run", 0o755);
    r.symlink("/var/run", "/run");
    socket_file(&r, 0o660);
    // The host's listening sockets: none (a socket-activated daemon's TCP sockets would show here).
    for proto in ["tcp", "tcp6", "udp", "udp6"] {
        r.write(
            &format!("/proc/1/net/{proto}"),
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
            0o444,
        );
    }
    r
}

/// The Docker socket, as a regular file (mode and owner are what the rules read), root:docker.
fn socket_file(r: &FakeRoot, mode: u32) {
    r.write("/run/docker.sock", "", mode);
    r.chown("/run/docker.sock", 0, 998);
}

/// A dockerd serving TCP with client verification and its certificate files under /etc/docker/tls.
fn tls_host(key_mode: u32) -> FakeRoot {
    let r = compliant_host();
    let (ca, cert, key) = tls_paths();
    r.dockerd(&[
        "/usr/bin/dockerd",
        "-H",
        "tcp://0.0.0.0:2376",
        "--tlsverify",
        "--tlscacert",
        &ca,
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
    ]);
    r.mkdir(TLS_DIR, 0o755);
    r.write(&ca, "CA\n", 0o444);
    r.write(&cert, "CERT\n", 0o444);
    r.write(&key, "KEY\n", key_mode);
    r
}

fn tls_paths() -> (String, String, String) {
    (
        format!("{TLS_DIR}/ca.pem"),
        format!("{TLS_DIR}/server-cert.pem"),
        format!("{TLS_DIR}/server-key.pem"),
    )
}

fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected {part:?} in {text:?}");
}

// ---------------------------------------------------------------------------------------------------------
// 1. Modes are bitmasks.

/// Every mode here is numerically below the limit, yet grants a bit the limit does not.
#[test]
fn modes_below_the_limit_numerically_still_fail_as_bitmasks() {
    let r = compliant_host();
    r.write(SERVICE_LIB, UNIT_TEXT, 0o606);
    r.write("/etc/default/docker", "", 0o466);
    r.mkdir("/etc/docker", 0o747);
    socket_file(&r, 0o606);
    let (code, rep) = scan_root(&r, "3.02,3.06,3.16,3.20");
    assert_eq!(code, 1, "failures exit 1");
    let cases = [
        ("3.02", SERVICE_LIB, "mode 0606 grants 0002 beyond 0644"),
        ("3.06", "/etc/docker", "mode 0747 grants 0002 beyond 0755"),
        ("3.16", SOCKET, "mode 0606 grants 0006 beyond 0660"),
        (
            "3.20",
            "/etc/default/docker",
            "mode 0466 grants 0022 beyond 0644",
        ),
    ];
    for (id, path, want) in cases {
        assert_eq!(status(&rep, id), "fail", "{id}: {}", result(&rep, id));
        assert_eq!(target_status(&rep, id, path), "fail", "{id}");
        assert_eq!(detail(&rep, id, path), want, "{id}");
    }
}

#[test]
fn correct_and_stricter_modes_pass() {
    let r = compliant_host();
    r.write(SERVICE_LIB, UNIT_TEXT, 0o600);
    let (code, rep) = scan_root(&r, "3.02,3.06,3.16,3.18,3.20");
    for (id, path, want) in [
        ("3.02", SERVICE_LIB, "mode 0600"),
        ("3.06", "/etc/docker", "mode 0755"),
        ("3.16", SOCKET, "mode 0660"),
        ("3.18", DAEMON_JSON, "mode 0644"),
        ("3.20", "/etc/default/docker", "mode 0644"),
    ] {
        assert_eq!(status(&rep, id), "pass", "{id}: {}", result(&rep, id));
        assert_eq!(detail(&rep, id, path), want, "{id}");
    }
    assert_eq!(code, 0, "nothing failed: {}", rep["summary"]);
}

/// `/var/run -> /run` is an absolute link: it must resolve to the fake root's /run, not the scanner's
/// (whose real socket is 0660 and would pass).
#[test]
fn var_run_link_resolves_inside_the_root() {
    let r = compliant_host();
    assert!(r.host("/var/run").is_symlink());
    socket_file(&r, 0o606);
    let (_, rep) = scan_root(&r, "3.16");
    assert_eq!(status(&rep, "3.16"), "fail");
    assert_eq!(target_names(&rep, "3.16"), vec![SOCKET]);
    assert_eq!(
        detail(&rep, "3.16", SOCKET),
        "mode 0606 grants 0006 beyond 0660"
    );

    socket_file(&r, 0o660);
    let (code, rep) = scan_root(&r, "3.16");
    assert_eq!(status(&rep, "3.16"), "pass");
    assert_eq!(detail(&rep, "3.16", SOCKET), "mode 0660");
    assert_eq!(code, 0);
}

// ---------------------------------------------------------------------------------------------------------
// 2. Ownership, with names from the fake root's /etc/passwd and /etc/group.

#[test]
fn root_ids_pass_and_owners_are_named_from_the_roots_passwd_and_group() {
    let r = compliant_host();
    let (_, rep) = scan_root(&r, "3.01,3.05,3.15,3.17");
    assert_eq!(status(&rep, "3.01"), "pass");
    assert_eq!(detail(&rep, "3.01", SERVICE_LIB), "owner root:root");
    assert_eq!(detail(&rep, "3.05", "/etc/docker"), "owner root:root");
    assert_eq!(detail(&rep, "3.17", DAEMON_JSON), "owner root:root");
    // gid 998 is `docker` in the fake /etc/group (on the scanner's host it is another group).
    assert_eq!(status(&rep, "3.15"), "pass");
    assert_eq!(detail(&rep, "3.15", SOCKET), "owner root:docker");
}

#[test]
fn user_owned_unit_fails_naming_the_user() {
    let r = compliant_host();
    r.chown(SERVICE_LIB, 1000, 1000);
    let (code, rep) = scan_root(&r, "3.01");
    assert_eq!(code, 1);
    assert_eq!(status(&rep, "3.01"), "fail");
    assert_eq!(
        detail(&rep, "3.01", SERVICE_LIB),
        "owner app:app (uid 1000, gid 1000), expected root:root"
    );
}

#[test]
fn socket_must_belong_to_group_docker() {
    let r = compliant_host();
    r.chown("/run/docker.sock", 0, 0);
    let (_, rep) = scan_root(&r, "3.15");
    assert_eq!(status(&rep, "3.15"), "fail");
    assert_eq!(
        detail(&rep, "3.15", SOCKET),
        "owner root:root (uid 0, gid 0), expected root:docker"
    );
    r.chown("/run/docker.sock", 1000, 998);
    let (_, rep) = scan_root(&r, "3.15");
    assert_eq!(status(&rep, "3.15"), "fail");
    assert_eq!(
        detail(&rep, "3.15", SOCKET),
        "owner app:docker (uid 1000, gid 998), expected root:docker"
    );
}

// ---------------------------------------------------------------------------------------------------------
// 3. daemon.json and dockerd's command line.

/// A malformed daemon.json: the keys only it (or a default) could give are unknown, never a pass; the
/// errors gate the exit code and the rest of the scan still runs.
#[test]
fn malformed_daemon_json_is_an_error_not_a_pass() {
    let r = compliant_host();
    r.write(DAEMON_JSON, "{\"icc\": false,,}\n", 0o644);
    let (code, rep) = scan_root(&r, "2.07,2.15,2.18,3.17,3.18");
    assert_eq!(code, 1, "errors gate the exit code: {}", rep["summary"]);
    for (id, key) in [
        ("2.07", "default-ulimits"),
        ("2.15", "userland-proxy"),
        ("2.18", "no-new-privileges"),
    ] {
        assert_eq!(status(&rep, id), "error", "{id}: {}", result(&rep, id));
        let why = reason(&rep, id);
        assert_contains(&why, &format!("{DAEMON_JSON} is not valid JSON"));
        assert_contains(&why, key);
        assert_eq!(target_status(&rep, id, key), "error");
    }
    // The file's own owner and mode are still assessed.
    assert_eq!(status(&rep, "3.17"), "pass");
    assert_eq!(status(&rep, "3.18"), "pass");
    assert_eq!(rep["summary"]["error"], 3);
    assert_eq!(rep["summary"]["pass"], 2);
}

#[test]
fn daemon_json_settings_pass_with_the_file_as_origin() {
    let r = compliant_host();
    r.write(
        DAEMON_JSON,
        r#"{"userland-proxy": false, "no-new-privileges": true,
            "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}}"#,
        0o644,
    );
    let (code, rep) = scan_root(&r, "2.07,2.15,2.18");
    for (id, key, want) in [
        ("2.15", "userland-proxy", "userland-proxy=false"),
        ("2.18", "no-new-privileges", "no-new-privileges=true"),
        (
            "2.07",
            "default-ulimits",
            "default-ulimits=[nofile=1024:2048]",
        ),
    ] {
        assert_eq!(status(&rep, id), "pass", "{id}: {}", result(&rep, id));
        assert_eq!(
            detail(&rep, id, key),
            format!("{want} (from {DAEMON_JSON})")
        );
    }
    assert_eq!(code, 0);
}

#[test]
fn defaults_fail_when_daemon_json_is_empty() {
    let r = compliant_host();
    let (_, rep) = scan_root(&r, "2.07,2.15,2.18");
    assert_eq!(status(&rep, "2.15"), "fail");
    assert_eq!(
        detail(&rep, "2.15", "userland-proxy"),
        "userland-proxy=true (from dockerd default)"
    );
    assert_eq!(status(&rep, "2.18"), "fail");
    assert_eq!(
        detail(&rep, "2.18", "no-new-privileges"),
        "no-new-privileges=false (from dockerd default)"
    );
    assert_eq!(status(&rep, "2.07"), "fail");
    assert_eq!(
        detail(&rep, "2.07", "default-ulimits"),
        "default-ulimits=[] (from dockerd default)"
    );
}

#[test]
fn log_level_flag_fails_without_any_daemon_json() {
    let r = compliant_host();
    std::fs::remove_file(r.host(DAEMON_JSON)).unwrap();
    r.dockerd(&["/usr/bin/dockerd", "-H", "fd://", "--log-level=debug"]);
    let (code, rep) = scan_root(&r, "2.02");
    assert_eq!(code, 1);
    assert_eq!(status(&rep, "2.02"), "fail");
    assert_eq!(
        detail(&rep, "2.02", "log-level"),
        "log-level=debug (from dockerd command line)"
    );

    r.dockerd(&["/usr/bin/dockerd", "-H", "fd://"]);
    let (code, rep) = scan_root(&r, "2.02");
    assert_eq!(status(&rep, "2.02"), "pass");
    assert_eq!(
        detail(&rep, "2.02", "log-level"),
        "log-level=info (from dockerd default)"
    );
    assert_eq!(code, 0);
}

/// `--config-file` replaces /etc/docker/daemon.json for both the settings and the file rules.
#[test]
fn config_file_flag_is_the_file_read_and_assessed() {
    let r = compliant_host();
    r.write(DAEMON_JSON, r#"{"no-new-privileges": false}"#, 0o644);
    r.write("/srv/docker.json", r#"{"no-new-privileges": true}"#, 0o666);
    r.dockerd(&[
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "--config-file",
        "/srv/docker.json",
    ]);
    let (_, rep) = scan_root(&r, "2.18,3.17,3.18");
    assert_eq!(status(&rep, "2.18"), "pass", "{}", result(&rep, "2.18"));
    assert_eq!(
        detail(&rep, "2.18", "no-new-privileges"),
        "no-new-privileges=true (from /srv/docker.json)"
    );
    assert_eq!(target_names(&rep, "3.18"), vec!["/srv/docker.json"]);
    assert_eq!(status(&rep, "3.18"), "fail");
    assert_eq!(
        detail(&rep, "3.18", "/srv/docker.json"),
        "mode 0666 grants 0022 beyond 0644"
    );
    assert_eq!(target_names(&rep, "3.17"), vec!["/srv/docker.json"]);
    assert_eq!(status(&rep, "3.17"), "pass");
}

/// daemon.json reached through an absolute link: read and stat'ed inside the root.
#[test]
fn daemon_json_link_resolves_inside_the_root() {
    let r = compliant_host();
    std::fs::remove_file(r.host(DAEMON_JSON)).unwrap();
    r.write(
        "/srv/dockguard-fake/daemon.json",
        r#"{"no-new-privileges": true}"#,
        0o600,
    );
    r.symlink(DAEMON_JSON, "/srv/dockguard-fake/daemon.json");
    let (_, rep) = scan_root(&r, "2.18,3.18");
    assert_eq!(status(&rep, "2.18"), "pass", "{}", result(&rep, "2.18"));
    assert_eq!(
        detail(&rep, "2.18", "no-new-privileges"),
        format!("no-new-privileges=true (from {DAEMON_JSON})")
    );
    assert_eq!(detail(&rep, "3.18", DAEMON_JSON), "mode 0600");
}

#[test]
fn iptables_and_storage_opts_flags_are_read() {
    let r = compliant_host();
    r.dockerd(&[
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "--iptables=false",
        "--storage-opt",
        "dm.basesize=20G",
    ]);
    let (_, rep) = scan_root(&r, "2.03,2.10");
    assert_eq!(status(&rep, "2.03"), "fail");
    assert_eq!(
        detail(&rep, "2.03", "iptables"),
        "iptables=false (from dockerd command line)"
    );
    assert_eq!(status(&rep, "2.10"), "fail");
    assert_eq!(
        detail(&rep, "2.10", "storage-opts"),
        "storage-opts=[dm.basesize=20G] (from dockerd command line)"
    );

    r.dockerd(&["/usr/bin/dockerd", "-H", "fd://"]);
    r.write(
        DAEMON_JSON,
        r#"{"storage-opts": ["overlay2.size=10G"]}"#,
        0o644,
    );
    let (code, rep) = scan_root(&r, "2.03,2.10");
    assert_eq!(status(&rep, "2.03"), "pass");
    assert_eq!(
        detail(&rep, "2.03", "iptables"),
        "iptables=true (from dockerd default)"
    );
    assert_eq!(status(&rep, "2.10"), "pass");
    assert_eq!(
        detail(&rep, "2.10", "storage-opts"),
        format!("storage-opts=[overlay2.size=10G] (from {DAEMON_JSON})")
    );
    assert_eq!(code, 0);
}

// ---------------------------------------------------------------------------------------------------------
// 4. An unreadable daemon.json. Root reads through chmod 000, so a directory stands in (EISDIR).

#[test]
fn unreadable_daemon_json_is_an_error_naming_the_path() {
    let r = compliant_host();
    std::fs::remove_file(r.host(DAEMON_JSON)).unwrap();
    r.mkdir(DAEMON_JSON, 0o755);
    let (code, rep) = scan_root(&r, "2.02,2.07,2.15,2.18");
    assert_eq!(code, 1);
    for id in ["2.02", "2.07", "2.15", "2.18"] {
        assert_eq!(status(&rep, id), "error", "{id}: {}", result(&rep, id));
        let why = reason(&rep, id);
        assert_contains(&why, &format!("cannot read {DAEMON_JSON}"));
    }
}

// ---------------------------------------------------------------------------------------------------------
// 5. No dockerd process: flags are unknown, so values that could only come from them fail closed.

#[test]
fn no_dockerd_process_fails_closed() {
    let r = compliant_host();
    std::fs::remove_dir_all(r.host("/proc/4321")).unwrap();
    r.process(812, &["/usr/bin/containerd"]);
    r.process(900, &["/usr/bin/dockerd-rootless.sh"]);
    r.write(DAEMON_JSON, r#"{"no-new-privileges": true}"#, 0o644);
    let (code, rep) = scan_root(&r, "2.02,2.15,2.18,3.16");
    assert_eq!(code, 1);
    for (id, key) in [("2.02", "log-level"), ("2.15", "userland-proxy")] {
        assert_eq!(status(&rep, id), "error", "{id}: {}", result(&rep, id));
        let why = reason(&rep, id);
        assert_contains(&why, key);
        assert_contains(&why, "command line is unknown");
        assert_contains(&why, "no dockerd process found");
    }
    // Which sockets it serves depends on -H: unknown.
    assert_eq!(status(&rep, "3.16"), "error");
    assert_contains(&reason(&rep, "3.16"), "command line is unknown");
    // Nor can daemon.json be shown to be what the running daemon loaded: its values are unknown too.
    assert_eq!(status(&rep, "2.18"), "error", "{}", result(&rep, "2.18"));
    assert_contains(
        &reason(&rep, "2.18"),
        "cannot tell whether a running dockerd loaded",
    );
}

// ---------------------------------------------------------------------------------------------------------
// 6. Audit rules from /etc/audit/rules.d (auditctl is not asked for a root other than /).

#[test]
fn audit_rules_files_watch_the_docker_paths() {
    let root_dir = live_docker_root();
    let r = compliant_host();
    std::fs::remove_file(r.host("/etc/default/docker")).unwrap();
    r.mkdir(&root_dir, 0o710);
    let syscall = format!("-a always,exit -F path={root_dir} -F perm=war -k docker");
    r.write(
        "/etc/audit/rules.d/docker.rules",
        &format!("# docker\n-w /etc/docker -k docker\n{syscall}\n"),
        0o640,
    );
    let (_, rep) = scan_root(&r, "1.06,1.07,1.10");
    // A rules file is what the next boot loads, not evidence of what the kernel enforces now; auditctl -l
    // is only asked when scanning the live /.
    assert_eq!(status(&rep, "1.07"), "manual", "{}", result(&rep, "1.07"));
    assert_eq!(
        detail(&rep, "1.07", "/etc/docker"),
        "-w /etc/docker -k docker (/etc/audit/rules.d/docker.rules), but the loaded audit rules were not \
         read (auditctl -l runs only when scanning the live host, --root /): confirm with `auditctl -l` that \
         it is loaded"
    );
    assert_eq!(status(&rep, "1.06"), "manual", "{}", result(&rep, "1.06"));
    let d = detail(&rep, "1.06", &root_dir);
    assert!(
        d.starts_with(&format!("{syscall} (/etc/audit/rules.d/docker.rules)")),
        "{d}"
    );
    assert_contains(&d, "docker info DockerRootDir");
    // No /etc/default/docker in this root.
    assert_eq!(status(&rep, "1.10"), "not_applicable");
    assert_eq!(
        reason(&rep, "1.10"),
        "/etc/default/docker does not exist on this host"
    );
}

#[test]
fn subdirectory_watches_never_rules_and_comments_do_not_count() {
    let root_dir = live_docker_root();
    let r = compliant_host();
    r.mkdir(&root_dir, 0o710);
    r.write(
        "/etc/audit/rules.d/docker.rules",
        &format!(
            "-w {root_dir}/overlay2 -k docker\n-a never,exit -F dir={root_dir}\n\
             # -w {root_dir} -k docker\n-w /etc/docker/daemon.json -k docker\n"
        ),
        0o640,
    );
    let (code, rep) = scan_root(&r, "1.06,1.07");
    assert_eq!(code, 1);
    assert_eq!(status(&rep, "1.06"), "fail", "{}", result(&rep, "1.06"));
    assert_eq!(
        reason(&rep, "1.06"),
        format!("no audit rule watches {root_dir}")
    );
    assert_contains(
        &detail(&rep, "1.06", &root_dir),
        "(read /etc/audit/rules.d/docker.rules)",
    );
    // A watch on a file inside /etc/docker is not a watch on /etc/docker.
    assert_eq!(status(&rep, "1.07"), "fail");
}

#[test]
fn no_audit_rules_at_all_fails() {
    let root_dir = live_docker_root();
    let r = compliant_host();
    r.mkdir(&root_dir, 0o710);
    let (_, rep) = scan_root(&r, "1.06,1.07,1.10");
    for (id, path) in [
        ("1.06", root_dir.as_str()),
        ("1.07", "/etc/docker"),
        ("1.10", "/etc/default/docker"),
    ] {
        assert_eq!(status(&rep, id), "fail", "{id}: {}", result(&rep, id));
        assert_eq!(
            detail(&rep, id, path).split("; ").next().unwrap(),
            format!("no audit rule watches {path} (read no audit rules files)")
        );
    }
}

/// augenrules loads only the `*.rules` files directly in /etc/audit/rules.d (`ls -1v rules.d | grep
/// '\.rules$'`); a file in a sub-directory (a parked or disabled rule set) is never loaded.
#[test]
fn rules_in_a_rules_d_subdirectory_are_not_loaded() {
    let r = compliant_host();
    r.write(
        "/etc/audit/rules.d/disabled/docker.rules",
        "-w /etc/docker -k docker\n",
        0o640,
    );
    let (_, rep) = scan_root(&r, "1.07");
    assert_eq!(status(&rep, "1.07"), "fail", "{}", result(&rep, "1.07"));
    assert_eq!(
        detail(&rep, "1.07", "/etc/docker"),
        "no audit rule watches /etc/docker (read no audit rules files)"
    );
}

/// 1.05 finds the daemon binary from /proc/<pid>/exe, an absolute argv[0], or a bare argv[0] looked up in
/// the standard directories of the fake root.
#[test]
fn daemon_binary_audit_follows_the_process() {
    let r = compliant_host();
    r.write("/usr/sbin/dockerd", "ELF", 0o755);
    r.write(
        "/etc/audit/rules.d/docker.rules",
        "-w /usr/sbin/dockerd -k docker\n",
        0o640,
    );
    // A bare argv[0] (as `dockerd` started by hand): found in /usr/sbin (Debian's layout).
    r.dockerd(&["dockerd", "-H", "fd://"]);
    let (_, rep) = scan_root(&r, "1.05");
    assert_eq!(status(&rep, "1.05"), "manual", "{}", result(&rep, "1.05"));
    assert_eq!(target_names(&rep, "1.05"), vec!["/usr/sbin/dockerd"]);
    assert_contains(
        &detail(&rep, "1.05", "/usr/sbin/dockerd"),
        "-w /usr/sbin/dockerd -k docker (/etc/audit/rules.d/docker.rules)",
    );

    // The executable link decides over argv[0].
    r.write("/usr/local/bin/dockerd", "ELF", 0o755);
    r.dockerd(&["/usr/sbin/dockerd", "-H", "fd://"]);
    r.symlink("/proc/4321/exe", "/usr/local/bin/dockerd");
    let (_, rep) = scan_root(&r, "1.05");
    assert_eq!(status(&rep, "1.05"), "fail", "{}", result(&rep, "1.05"));
    assert_eq!(
        reason(&rep, "1.05"),
        "no audit rule watches /usr/local/bin/dockerd"
    );
    assert_contains(
        &detail(&rep, "1.05", "/usr/local/bin/dockerd"),
        "the running daemon's executable (pid 4321)",
    );
}

// ---------------------------------------------------------------------------------------------------------
// 7. systemd units.

#[test]
fn unit_in_etc_overrides_the_packaged_one() {
    let r = compliant_host();
    r.write(SERVICE_ETC, UNIT_TEXT, 0o664);
    r.chown(SERVICE_ETC, 1000, 1000);
    let (_, rep) = scan_root(&r, "3.01,3.02");
    assert_eq!(target_names(&rep, "3.01"), vec![SERVICE_ETC]);
    assert_eq!(target_names(&rep, "3.02"), vec![SERVICE_ETC]);
    assert_eq!(status(&rep, "3.01"), "fail");
    assert_eq!(
        detail(&rep, "3.01", SERVICE_ETC),
        "owner app:app (uid 1000, gid 1000), expected root:root"
    );
    assert_eq!(status(&rep, "3.02"), "fail");
    assert_eq!(
        detail(&rep, "3.02", SERVICE_ETC),
        "mode 0664 grants 0020 beyond 0644"
    );
}

#[test]
fn unit_is_found_in_every_standard_directory() {
    for dir in [
        "/etc/systemd/system",
        "/run/systemd/system",
        "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
    ] {
        let r = compliant_host();
        std::fs::remove_file(r.host(SERVICE_LIB)).unwrap();
        let unit = format!("{dir}/docker.service");
        r.write(&unit, UNIT_TEXT, 0o644);
        let (_, rep) = scan_root(&r, "3.02");
        assert_eq!(target_names(&rep, "3.02"), vec![unit.clone()], "{dir}");
        assert_eq!(status(&rep, "3.02"), "pass", "{dir}");
    }
}

#[test]
fn no_unit_is_not_applicable() {
    let r = compliant_host();
    std::fs::remove_file(r.host(SERVICE_LIB)).unwrap();
    let (_, rep) = scan_root(&r, "3.01,3.02");
    for id in ["3.01", "3.02"] {
        assert_eq!(status(&rep, id), "not_applicable", "{id}");
        assert_eq!(
            reason(&rep, id),
            "there is no docker.service unit on this host"
        );
        assert!(target_names(&rep, id).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------------------
// 8. TLS on a TCP listener.

#[test]
fn readable_server_key_fails_and_0400_passes() {
    let (ca, cert, key) = tls_paths();
    let r = tls_host(0o644);
    let (_, rep) = scan_root(&r, "2.06,3.10,3.12,3.14");
    assert_eq!(status(&rep, "2.06"), "pass", "{}", result(&rep, "2.06"));
    assert_eq!(detail(&rep, "3.10", &ca), "mode 0444");
    assert_eq!(detail(&rep, "3.12", &cert), "mode 0444");
    assert_eq!(status(&rep, "3.14"), "fail");
    assert_eq!(target_names(&rep, "3.14"), vec![key.clone()]);
    assert_eq!(
        detail(&rep, "3.14", &key),
        "mode 0644 grants 0244 beyond 0400"
    );

    let r = tls_host(0o400);
    let (code, rep) = scan_root(&r, "2.06,3.10,3.12,3.14");
    assert_eq!(status(&rep, "3.14"), "pass");
    assert_eq!(detail(&rep, "3.14", &key), "mode 0400");
    assert_eq!(code, 0, "{}", rep["summary"]);
}

#[test]
fn tls_without_tlsverify_fails() {
    let (_, cert, key) = tls_paths();
    let r = tls_host(0o400);
    r.dockerd(&[
        "/usr/bin/dockerd",
        "-H",
        "tcp://0.0.0.0:2376",
        "--tls",
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
    ]);
    let (code, rep) = scan_root(&r, "2.06");
    assert_eq!(code, 1);
    assert_eq!(status(&rep, "2.06"), "fail");
    assert_contains(&reason(&rep, "2.06"), "does not verify client certificates");
    assert_eq!(
        detail(&rep, "2.06", "hosts"),
        "hosts=[tcp://0.0.0.0:2376] (from dockerd command line)"
    );
    assert_eq!(target_status(&rep, "2.06", "tlsverify"), "fail");
    assert_eq!(
        detail(&rep, "2.06", "tlsverify"),
        "tlsverify=false (from dockerd default)"
    );
    assert_eq!(target_status(&rep, "2.06", "tls"), "fail");
    assert_eq!(
        detail(&rep, "2.06", "tls"),
        "tls=true (from dockerd command line)"
    );
}

#[test]
fn no_tcp_host_makes_tls_rules_not_applicable() {
    let r = compliant_host();
    let (_, rep) = scan_root(&r, "2.06,3.14");
    assert_eq!(status(&rep, "2.06"), "not_applicable");
    assert_eq!(
        detail(&rep, "2.06", "hosts"),
        "hosts=[fd://] (from dockerd command line)"
    );
    assert_eq!(status(&rep, "3.14"), "not_applicable");
    assert_eq!(reason(&rep, "3.14"), "TLS is not configured");
}

/// `hosts` and TLS from daemon.json: the socket and key the file rules check follow it, and an unset
/// `tlskey` means dockerd's default /root/.docker/key.pem.
#[test]
fn hosts_and_tls_from_daemon_json_name_the_files_checked() {
    let r = compliant_host();
    let (ca, cert, _) = tls_paths();
    r.dockerd(&["/usr/bin/dockerd"]);
    r.write(
        DAEMON_JSON,
        &format!(
            r#"{{"hosts": ["unix:///run/docker-alt.sock", "tcp://0.0.0.0:2376"], "tlsverify": true,
                "tlscacert": "{ca}", "tlscert": "{cert}"}}"#
        ),
        0o644,
    );
    r.mkdir(TLS_DIR, 0o755);
    r.write(&ca, "CA\n", 0o444);
    r.write(&cert, "CERT\n", 0o444);
    r.write("/root/.docker/key.pem", "KEY\n", 0o600);
    r.write("/run/docker-alt.sock", "", 0o666);
    r.chown("/run/docker-alt.sock", 0, 998);
    let (_, rep) = scan_root(&r, "2.06,3.14,3.15,3.16");
    assert_eq!(status(&rep, "2.06"), "pass", "{}", result(&rep, "2.06"));
    assert_eq!(
        detail(&rep, "2.06", "tlsverify"),
        format!("tlsverify=true (from {DAEMON_JSON})")
    );
    assert_contains(
        &detail(&rep, "2.06", "tlskey"),
        "tlskey=/root/.docker/key.pem",
    );
    assert_eq!(target_names(&rep, "3.14"), vec!["/root/.docker/key.pem"]);
    assert_eq!(
        detail(&rep, "3.14", "/root/.docker/key.pem"),
        "mode 0600 grants 0200 beyond 0400"
    );
    assert_eq!(target_names(&rep, "3.16"), vec!["/run/docker-alt.sock"]);
    assert_eq!(
        detail(&rep, "3.16", "/run/docker-alt.sock"),
        "mode 0666 grants 0006 beyond 0660"
    );
    assert_eq!(
        detail(&rep, "3.15", "/run/docker-alt.sock"),
        "owner root:docker"
    );
}

// ---------------------------------------------------------------------------------------------------------
// 9. The mount table of the fake host (/proc/1/mountinfo).

fn mountinfo(r: &FakeRoot, extra: &str) {
    r.write(
        "/proc/1/mountinfo",
        &format!(
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n\
             23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n{extra}"
        ),
        0o444,
    );
}

#[test]
fn docker_root_on_its_own_device_is_a_separate_partition() {
    let root_dir = live_docker_root();
    let r = compliant_host();
    mountinfo(
        &r,
        &format!("30 22 8:17 / {root_dir} rw,relatime shared:2 - xfs /dev/sdb1 rw\n"),
    );
    let (_, rep) = scan_root(&r, "1.01");
    assert_eq!(status(&rep, "1.01"), "pass", "{}", result(&rep, "1.01"));
    assert_eq!(
        detail(&rep, "1.01", &root_dir),
        format!(
            "mounted from /dev/sdb1 (xfs, device 8:17); Docker root directory {root_dir} (docker info \
             DockerRootDir)"
        )
    );
}

#[test]
fn docker_root_inside_the_root_filesystem_fails() {
    let root_dir = live_docker_root();
    let r = compliant_host();
    mountinfo(
        &r,
        &format!("40 22 0:50 / {root_dir}/overlay2/abc/merged rw - overlay overlay rw\n"),
    );
    let (code, rep) = scan_root(&r, "1.01");
    assert_eq!(code, 1);
    assert_eq!(status(&rep, "1.01"), "fail");
    let d = detail(&rep, "1.01", &root_dir);
    assert!(
        d.starts_with(&format!(
            "no mount at {root_dir} (it lives on the / filesystem, /dev/sda1 ext4)"
        )),
        "{d}"
    );
}

#[test]
fn bind_mount_of_a_directory_of_the_root_filesystem_fails() {
    let root_dir = live_docker_root();
    let r = compliant_host();
    mountinfo(
        &r,
        &format!("30 22 8:1 /srv/docker {root_dir} rw - ext4 /dev/sda1 rw\n"),
    );
    let (_, rep) = scan_root(&r, "1.01");
    assert_eq!(status(&rep, "1.01"), "fail", "{}", result(&rep, "1.01"));
    assert_contains(
        &detail(&rep, "1.01", &root_dir),
        "a bind mount of /srv/docker of that filesystem, the same device and filesystem as / (/dev/sda1, ext4)",
    );
}

// ---------------------------------------------------------------------------------------------------------
// 10. Registry certificates under /etc/docker/certs.d.

#[test]
fn writable_registry_client_key_fails_3_08() {
    let r = compliant_host();
    let dir = "/etc/docker/certs.d/reg:5000";
    r.write(&format!("{dir}/ca.crt"), "CA\n", 0o444);
    r.write(&format!("{dir}/client.cert"), "CERT\n", 0o444);
    r.write(&format!("{dir}/client.key"), "KEY\n", 0o644);
    let (code, rep) = scan_root(&r, "3.07,3.08");
    assert_eq!(code, 1);
    assert_eq!(status(&rep, "3.07"), "pass");
    assert_eq!(status(&rep, "3.08"), "fail");
    assert_eq!(reason(&rep, "3.08"), "1 of 3 files fails");
    let key = format!("{dir}/client.key");
    assert_eq!(target_status(&rep, "3.08", &key), "fail");
    assert_eq!(
        detail(&rep, "3.08", &key),
        "mode 0644 grants 0200 beyond 0444"
    );
    assert_eq!(
        target_status(&rep, "3.08", &format!("{dir}/ca.crt")),
        "pass"
    );
}

/// A registry directory that is a link (`certs.d/reg:5000 -> /srv/registry-certs`): dockerd reads the files
/// through it, so they are what 3.08 must assess, not the directory the link points to.
#[test]
fn linked_registry_directory_is_assessed_through_the_link() {
    let r = compliant_host();
    r.write("/srv/registry-certs/ca.crt", "CA\n", 0o444);
    r.write("/srv/registry-certs/client.key", "KEY\n", 0o644);
    r.symlink("/etc/docker/certs.d/reg:5000", "/srv/registry-certs");
    let (_, rep) = scan_root(&r, "3.08");
    let key = "/etc/docker/certs.d/reg:5000/client.key";
    assert_eq!(
        target_names(&rep, "3.08"),
        vec!["/etc/docker/certs.d/reg:5000/ca.crt", key]
    );
    assert_eq!(status(&rep, "3.08"), "fail");
    assert_eq!(
        detail(&rep, "3.08", key),
        "mode 0644 grants 0200 beyond 0444"
    );
}

#[test]
fn no_registry_certificates_is_not_applicable() {
    let r = compliant_host();
    let (_, rep) = scan_root(&r, "3.08");
    assert_eq!(status(&rep, "3.08"), "not_applicable");
    assert_eq!(
        reason(&rep, "3.08"),
        "no registry certificates under /etc/docker/certs.d"
    );
}
