//! A newcomer's first hour, through the real binary: shell completions, rule ids typed another way,
//! `0.0`, the report format from the file name, the CIS 1.8.0 profile, a `--root` that is not a host root,
//! and `dockguard server` failing to listen or being stopped.

mod support;

use dockguard_rules::testing;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn save(facts: &dockguard_facts::Facts) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("facts.json");
    std::fs::write(&p, serde_json::to_string(facts).unwrap()).unwrap();
    let s = p.display().to_string();
    (dir, s)
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(dockguard().args(["completions", shell]));
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let s = stdout(&o);
        for word in ["dockguard", "scan", "explain", "profile", "cis-1.8"] {
            assert!(s.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let o = run(dockguard().args(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dockguard.bash");
    std::fs::write(&f, &o.stdout).unwrap();
    let check = Command::new("bash").arg("-n").arg(&f).output().unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    let o = run(dockguard().args(["completions", "tcsh"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("tcsh"));
}

#[test]
fn ids_typed_another_way_get_a_did_you_mean() {
    let o = run(dockguard().args(["explain", "2.6"]));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("no rule \"2.6\" in the azure profile"), "{e}");
    assert!(
        e.contains("did you mean 2.06 (Ensure TLS authentication"),
        "{e}"
    );
    assert!(e.contains(" or cis:2.6 ("), "{e}");
    let o = run(dockguard().args(["explain", "5.01"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean 5.01-2 ("),
        "{}",
        stderr(&o)
    );
    let o = run(dockguard().args(["explain", "--profile", "cis-1.6", "2.06"]));
    assert!(stderr(&o).contains("did you mean 2.6 ("), "{}", stderr(&o));
    let (_d, f) = save(&testing::compliant_host());
    let o = run(dockguard().args(["scan", "--facts", &f, "--select", "2.6"]));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("2.6: did you mean 2.06 ("), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn inventory_0_0_works_wherever_rules_lists_it() {
    let o = run(dockguard().arg("rules"));
    assert!(stdout(&o).lines().any(|l| l.starts_with("0.0 ")));
    let o = run(dockguard().args(["rules", "-f", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["id"], "0.0");
    assert_eq!(
        v.as_array().unwrap().len(),
        73,
        "72 rules and the inventory"
    );
    let o = run(dockguard().args(["explain", "0.0"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("0.0 Docker inventory information"));
    let (_d, f) = save(&testing::compliant_host());
    let (code, r) = scan_json(&["--facts", &f, "--select", "0.0"]);
    assert_eq!(code, 0);
    assert!(r["results"].as_array().unwrap().is_empty());
    assert_eq!(r["inventory"]["id"], "0.0");
    let o = run(dockguard().args(["scan", "--facts", &f, "--select", "0.0"]));
    let t = stdout(&o);
    assert!(t.contains("0.0 Docker inventory information"), "{t}");
    assert!(t.contains("Storage driver:"), "{t}");
    let (code, r) = scan_json(&["--facts", &f, "--ignore", "0.0"]);
    assert_eq!((code, r["results"].as_array().unwrap().len()), (0, 72));
    // Not in the CIS profiles, which do not list it.
    let o = run(dockguard().args([
        "scan",
        "--facts",
        &f,
        "--profile",
        "cis-1.6",
        "--select",
        "0.0",
    ]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_report_format_follows_the_output_file_name() {
    let (dir, f) = save(&testing::compliant_host());
    let p = |n: &str| dir.path().join(n).display().to_string();
    let o = run(dockguard().args([
        "scan",
        "--facts",
        &f,
        "-o",
        &p("r.json"),
        "-o",
        &p("r.sarif.json"),
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "dockguard.report/v1");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.sarif.json")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    for (name, start) in [
        ("r.html", "<!DOCTYPE html>"),
        ("r.md", "# dockguard"),
        ("r.xml", "<?xml"),
        ("r.csv", "host,profile,rule_id"),
        ("r.txt", "dockguard "),
    ] {
        let o = run(dockguard().args(["scan", "--facts", &f, "-o", &p(name)]));
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let text = std::fs::read_to_string(p(name)).unwrap();
        assert!(
            text.starts_with(start),
            "{name}: {}",
            &text[..80.min(text.len())]
        );
    }
    for bad in ["report.foo", "report"] {
        let o = run(dockguard().args(["scan", "--facts", &f, "-o", &p(bad)]));
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let e = stderr(&o);
        assert!(e.contains(bad) && e.contains("-f json -o"), "{e}");
        assert!(!dir.path().join(bad).exists());
    }
}

#[test]
fn the_cis_1_8_profile_is_the_whole_benchmark() {
    let o = run(dockguard().args(["rules", "--profile", "cis-1.8", "-f", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let want = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/tests/cis_v1_8_ids.txt"),
    )
    .unwrap();
    let want: Vec<&str> = want.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(ids, want);
    let (_d, f) = save(&testing::compliant_host());
    let (_, r) = scan_json(&["--facts", &f, "--profile", "cis-1.8"]);
    assert_eq!(r["profile"], "cis-1.8");
    assert_eq!(r["results"].as_array().unwrap().len(), 118);
    assert!(result(&r, "2.7")["title"]
        .as_str()
        .unwrap()
        .contains("devicemapper"));
    assert_eq!(
        result(&r, "2.8")["refs"]["cis-1.6"],
        serde_json::json!(["2.7"])
    );
    assert_eq!(
        result(&r, "2.19")["refs"]["cis-1.6"],
        serde_json::json!(["2.18"])
    );
    assert_eq!(
        result(&r, "5.32")["refs"]["azure"],
        serde_json::json!(["5.31"])
    );
    let o = run(dockguard().args(["explain", "--profile", "cis-1.8", "2.8"]));
    let t = stdout(&o);
    assert!(
        t.contains("CIS Docker 1.6: 2.7") && t.contains("CIS Docker 1.8: 2.8"),
        "{t}"
    );
}

#[test]
fn a_root_that_is_no_host_root_is_warned_about_and_named_in_the_reasons() {
    require_daemon();
    let empty = tempfile::tempdir().unwrap();
    let root = empty.path().display().to_string();
    let o = run(dockguard().args([
        "scan",
        "--root",
        &root,
        "-f",
        "json",
        "--select",
        "1,2,3,5.04",
    ]));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "warning: --root {root} does not look like a host's root filesystem: it has no /etc, /proc, "
        )),
        "{e}"
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["host"]["root_missing"][0], "/etc");
    let results = r["results"].as_array().unwrap();
    let noted = |x: &serde_json::Value| {
        x["reason"].as_str().unwrap().contains(&format!(
            "but --root {root} is not a host's root filesystem"
        ))
    };
    let na_host_side: Vec<&serde_json::Value> = results
        .iter()
        .filter(|x| x["status"] == "not_applicable" && x["id"].as_str().unwrap() < "4")
        .collect();
    assert!(
        !na_host_side.is_empty(),
        "an empty root makes some host rules not applicable"
    );
    assert!(na_host_side.iter().all(|x| noted(x)), "{na_host_side:?}");
    assert!(
        !noted(result(&r, "5.04")),
        "container rules do not read the root"
    );
    // The machine's own root is a host root: no warning, no note.
    let o = run(dockguard().args(["scan", "-f", "json", "--select", "1,2,3"]));
    assert!(!stderr(&o).contains("does not look like"), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["host"].get("root_missing").is_none());
    assert!(!r["results"].as_array().unwrap().iter().any(noted));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_server_that_cannot_listen_creates_nothing_and_says_why() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let o = run(dockguard()
        .args(["server", "--no-local-agent", "--listen", &addr, "--db"])
        .arg(&db));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains(&format!("cannot listen on {addr}")), "{e}");
    assert!(
        e.contains("already in use") && e.contains("--listen"),
        "{e}"
    );
    assert!(o.stdout.is_empty(), "no URL, no token: {}", stdout(&o));
    assert!(!db.exists(), "no database was created");
    drop(busy);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockguard"))
        .args(["server", "--no-local-agent", "--listen", &listen, "--db"])
        .arg(&db)
        .env("DOCKGUARD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    assert_eq!(url, format!("dockguard console: http://{listen}"));
    assert!(lines
        .next()
        .unwrap()
        .unwrap()
        .starts_with("admin login token (shown once): dg_"));
    assert!(std::net::TcpStream::connect(&listen).is_ok(), "it listens");
    // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("SIGTERM received, shutting down"), "{err}");
    assert!(err.contains("dockguard console stopped"), "{err}");
}

/// The README tells a newcomer how to install, how to run the scanner as a container, what the tests need
/// and what the score means.
#[test]
fn the_readme_covers_install_the_scanner_image_prerequisites_and_the_score() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    for must in [
        "cargo install --locked --path crates/cli",
        "docker build -t dockguard .",
        "--pid host",
        "-v /:/host:ro",
        "-v /var/run/docker.sock:/var/run/docker.sock:ro",
        "busybox-static",
        "chromedriver",
        "clippy",
        "rustfmt",
        "privileged",
        "DOCKER_CONTEXT",
        "XDG_RUNTIME_DIR",
        "pass ÷ (pass + fail + error + exempt)",
        "dockguard completions",
        "--profile cis-1.8",
    ] {
        assert!(readme.contains(must), "README.md does not mention {must:?}");
    }
    // The Rust version it asks for is the workspace's rust-version.
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"),
    )
    .unwrap();
    let msrv = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("rust-version in Cargo.toml");
    assert!(
        readme.contains(&format!("Rust {msrv} or newer")),
        "README.md must ask for Rust {msrv} (Cargo.toml's rust-version)"
    );
}
