//! Finding the Docker daemon without `--docker-host` (Docker contexts, the rootless socket), and messages
//! that name the cause, the endpoint, where it came from and the fix when it cannot be reached. Runs the
//! real binary against the real daemon, with a clean environment for each run.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::*;

const SOCKET: &str = "/var/run/docker.sock";

/// The binary with an environment holding only what is given (no DOCKER_*, HOME or XDG_RUNTIME_DIR of
/// the test runner).
fn bare(vars: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dockguard"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DOCKGUARD_LOG", "warn");
    for (k, v) in vars {
        c.env(k, v);
    }
    c
}

/// `collect -o -` and the endpoint its facts record.
fn collected_endpoint(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["collector"]["docker_host"].as_str().unwrap().to_string()
}

/// A Docker CLI config directory with one context whose endpoint is a link to the real socket.
fn config_with_context(dir: &Path, name: &str) -> String {
    let link = dir.join(format!("{name}.sock"));
    std::os::unix::fs::symlink(SOCKET, &link).unwrap();
    let host = format!("unix://{}", link.display());
    let hash = dockguard_collect::endpoint::context_dir_name(name);
    let meta = dir.join("contexts/meta").join(hash);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}})
            .to_string(),
    )
    .unwrap();
    host
}

#[test]
fn docker_contexts_and_the_rootless_socket_are_found_without_docker_host() {
    require_daemon();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("docker-config");
    std::fs::create_dir_all(&cfg).unwrap();
    let cfg_s = cfg.display().to_string();
    let ctx_host = config_with_context(&cfg, "lab");
    let other_host = config_with_context(&cfg, "current");

    // DOCKER_CONTEXT names the context.
    let o = bare(&[("DOCKER_CONFIG", &cfg_s), ("DOCKER_CONTEXT", "lab")])
        .args(["collect", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(collected_endpoint(&o), ctx_host);

    // Else the current context of config.json (here found through HOME/.docker).
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    let home_cfg = home.join(".docker");
    let current = config_with_context(&home_cfg, "current");
    std::fs::write(
        home_cfg.join("config.json"),
        r#"{"currentContext": "current"}"#,
    )
    .unwrap();
    let o = bare(&[("HOME", home.to_str().unwrap())])
        .args(["collect", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(collected_endpoint(&o), current);
    assert_ne!(current, other_host);

    // DOCKER_HOST wins over any context, the flag over DOCKER_HOST.
    let o = bare(&[
        ("HOME", home.to_str().unwrap()),
        ("DOCKER_HOST", &format!("unix://{SOCKET}")),
    ])
    .args(["collect", "-o", "-"])
    .output()
    .unwrap();
    assert_eq!(collected_endpoint(&o), format!("unix://{SOCKET}"));

    // No context: the rootless daemon's socket under XDG_RUNTIME_DIR when it exists.
    let run = tmp.path().join("run-user");
    std::fs::create_dir_all(&run).unwrap();
    std::os::unix::fs::symlink(SOCKET, run.join("docker.sock")).unwrap();
    let o = bare(&[("XDG_RUNTIME_DIR", run.to_str().unwrap())])
        .args(["collect", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(
        collected_endpoint(&o),
        format!("unix://{}/docker.sock", run.display())
    );

    // A context that does not exist is named, with where it was chosen and how to list the others.
    let o = bare(&[("DOCKER_CONFIG", &cfg_s), ("DOCKER_CONTEXT", "gone")])
        .args(["scan"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    for part in ["\"gone\"", "DOCKER_CONTEXT", "docker context ls"] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert!(o.stdout.is_empty());
}

/// Runs `dockguard scan` and checks exit 2, no report, and every part of the message.
fn fails_with(cmd: &mut Command, parts: &[&str]) {
    let o = cmd.output().unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(o.stdout.is_empty(), "no report on stdout");
    for p in parts {
        assert!(e.contains(p), "{p:?} missing from: {e}");
    }
    assert!(
        !e.contains("hyper legacy client"),
        "the client library's wording is not the message: {e}"
    );
}

#[test]
fn unreachable_daemons_name_cause_endpoint_origin_and_fix() {
    let tmp = tempfile::tempdir().unwrap();
    // Connection refused: a socket file nobody listens on.
    let dead = tmp.path().join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&dead).unwrap());
    let dead_url = format!("unix://{}", dead.display());
    fails_with(
        bare(&[("DOCKER_HOST", &dead_url)]).arg("scan"),
        &[
            &dead_url,
            "(from DOCKER_HOST)",
            "connection refused",
            "fix: start dockerd",
        ],
    );
    // No socket at all, from the flag.
    fails_with(
        bare(&[]).args(["scan", "--docker-host", "unix:///nonexistent/docker.sock"]),
        &[
            "unix:///nonexistent/docker.sock",
            "(from --docker-host)",
            "there is no socket at /nonexistent/docker.sock",
        ],
    );
    // TCP, nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tcp = format!("tcp://127.0.0.1:{port}");
    fails_with(
        bare(&[]).args(["scan", "--docker-host", &tcp]),
        &[&tcp, "(from --docker-host)", "connection refused"],
    );
    // A bad scheme, and a DOCKER_HOST without one: what is wrong, where to correct it, an example.
    fails_with(
        bare(&[]).args(["scan", "--docker-host", "htp://10.0.0.5:2376"]),
        &[
            "unsupported scheme htp://",
            "(from --docker-host)",
            "correct --docker-host",
        ],
    );
    fails_with(
        bare(&[("DOCKER_HOST", "localhost:2375")]).arg("scan"),
        &[
            "\"localhost:2375\" has no scheme",
            "(from DOCKER_HOST)",
            "correct DOCKER_HOST",
            "tcp://localhost:2375",
        ],
    );
    fails_with(
        bare(&[("DOCKER_HOST", "tcp://")]).arg("scan"),
        &["names no host", "DOCKER_HOST"],
    );
}

/// A user outside the docker group: permission denied on the default socket, and the fix says so.
#[test]
fn permission_denied_on_the_socket_says_to_join_the_docker_group() {
    use std::os::unix::process::CommandExt;
    require_daemon();
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        eprintln!(
            "skipped: only root can run dockguard as another user (.ci/run runs the tests as root)"
        );
        return;
    }
    let meta = std::fs::metadata(SOCKET).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        meta.mode() & 0o006,
        0,
        "the socket must not be open to everyone for this test"
    );
    fails_with(
        bare(&[("HOME", "/nonexistent")])
            .arg("scan")
            .uid(65534)
            .gid(65534),
        &[
            "unix:///var/run/docker.sock",
            "(the default",
            "permission denied opening the socket /var/run/docker.sock",
            "docker group",
            "run dockguard as root",
        ],
    );
}
