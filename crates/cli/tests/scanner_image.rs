//! The scanner as a container, the way docker-bench-security is run: an image built from the locally built
//! binary (FROM scratch, the binary and the shared libraries `ldd` names, then the runtime stage of the
//! repository's Dockerfile: nothing is pulled), run on the real daemon with the host's / read-only at /host,
//! the Docker socket and `--pid host`. Its report must match a scan from outside, and the scanner's own
//! container must not be a finding.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

/// The logical lines of the repository Dockerfile's last stage, after its `FROM`.
fn runtime_stage() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Dockerfile");
    let text = std::fs::read_to_string(&path).expect("the repository has a Dockerfile");
    let mut lines: Vec<String> = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let l = raw.trim();
        if pending.is_empty() && (l.is_empty() || l.starts_with('#')) {
            continue;
        }
        match l.strip_suffix('\\') {
            Some(part) => pending.push_str(&format!("{part} ")),
            None => {
                pending.push_str(l);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    let last_from = lines
        .iter()
        .rposition(|l| l.to_ascii_uppercase().starts_with("FROM "))
        .expect("a FROM line");
    lines.split_off(last_from + 1)
}

/// The shared libraries (and the dynamic loader) a binary needs, from `ldd`.
fn shared_libraries(bin: &Path) -> Vec<PathBuf> {
    let o = Command::new("ldd")
        .arg(bin)
        .output()
        .expect("ldd is needed");
    let text = String::from_utf8_lossy(&o.stdout);
    if text.contains("not a dynamic executable") || text.contains("statically linked") {
        return Vec::new();
    }
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let path = match l.split_once("=>") {
                Some((_, rest)) => rest.split_whitespace().next()?,
                None => l.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

/// Builds the scanner image: FROM scratch, the binary at the path the Dockerfile copies it to, its shared
/// libraries, then the Dockerfile's runtime instructions (ENV, LABEL, ENTRYPOINT, CMD).
fn build_scanner_image() -> BuiltImage {
    let stage = runtime_stage();
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("rootfs");
    let mut dockerfile = String::from("FROM scratch\nCOPY rootfs/ /\n");
    let mut bin_dest = None;
    for l in &stage {
        if l.to_ascii_uppercase().starts_with("COPY --FROM=") {
            bin_dest = l.split_whitespace().last().map(str::to_string);
        } else {
            dockerfile.push_str(l);
            dockerfile.push('\n');
        }
    }
    let bin_dest = bin_dest.expect("the runtime stage copies the binary from the build stage");
    let bin = Path::new(env!("CARGO_BIN_EXE_dockguard"));
    let into = |p: &str| rootfs.join(p.trim_start_matches('/'));
    let dest = into(&bin_dest);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    // A debug binary carries hundreds of megabytes of debug info the image does not need.
    let stripped = Command::new("strip")
        .args(["--strip-debug", "-o"])
        .arg(&dest)
        .arg(bin)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(bin, &dest).unwrap();
    }
    for lib in shared_libraries(bin) {
        let d = into(&lib.display().to_string());
        std::fs::create_dir_all(d.parent().unwrap()).unwrap();
        std::fs::copy(&lib, &d).unwrap_or_else(|e| panic!("copy {}: {e}", lib.display()));
    }
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).unwrap();
    assert!(
        dockerfile.contains("ENTRYPOINT") && dockerfile.contains("DOCKGUARD_ROOT=/host"),
        "{dockerfile}"
    );
    BuiltImage::build(dir.path(), None, "scanner")
}

/// A target's kind, name and status.
type TargetVerdict = (String, String, String);

/// Per rule: its status and its targets' verdicts.
fn verdicts(r: &Value) -> BTreeMap<String, (String, Vec<TargetVerdict>)> {
    r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let mut targets: Vec<TargetVerdict> = x["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t["kind"].as_str().unwrap().to_string(),
                        t["name"].as_str().unwrap().to_string(),
                        t["status"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            targets.sort();
            (
                x["id"].as_str().unwrap().to_string(),
                (x["status"].as_str().unwrap().to_string(), targets),
            )
        })
        .collect()
}

#[test]
fn the_scanner_image_reports_what_a_scan_from_outside_reports_and_not_itself() {
    // Exclusive: a container of another test appearing between the two scans would change host-wide rules.
    let c = Containers::exclusive("scanimg");
    c.make("priv", false, &["--privileged"], image());
    c.make("plain", true, &[], image());
    let scanner = build_scanner_image();
    let name = c.name("scanner");
    let run_label = format!("{LABEL}={}", c.run_id);
    let pid_label = pid_label();
    // The README's one-liner, plus this test's labels: the scanner's container matches the --container
    // selection, so only recognising itself keeps it out of the report.
    let inside = Command::new("docker")
        .args([
            "run", "--rm", "--name", &name, "--label", &run_label, "--label", &pid_label,
        ])
        .args(["--pid", "host", "--userns", "host"])
        .args([
            "-v",
            "/:/host:ro",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock:ro",
        ])
        .arg(&scanner.tag)
        .args(["scan", "-f", "json", "--container", &c.selector()])
        .output()
        .unwrap();
    let stderr_in = String::from_utf8_lossy(&inside.stderr).to_string();
    assert_eq!(
        inside.status.code(),
        Some(1),
        "failures exit 1: {stderr_in}"
    );
    assert!(
        !stderr_in.contains("does not look like a host's root"),
        "/host is a host root: {stderr_in}"
    );
    let inside: Value = serde_json::from_slice(&inside.stdout)
        .unwrap_or_else(|e| panic!("no JSON from the scanner container ({e}): {stderr_in}"));
    let (code, outside) = scan_json(&["--container", &c.selector()]);
    assert_eq!(code, 1);

    // It saw itself, said so, and reported nothing about itself.
    let me = inside["host"]["scanner_container"]
        .as_str()
        .unwrap_or_default();
    assert!(me.starts_with(&format!("{name} (")), "{}", inside["host"]);
    let about_me: Vec<String> = inside["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == name.as_str())
        })
        .map(|r| format!("{} ({})", r["id"], r["status"]))
        .collect();
    assert!(
        about_me.is_empty(),
        "the scanner's container is a target of {about_me:?}"
    );
    assert_eq!(outside["host"]["scanner_container"], Value::Null);
    // The test's containers are assessed from inside as from outside.
    assert_eq!(
        target_status(&inside, "5.04", &c.name("priv")),
        target_status(&outside, "5.04", &c.name("priv"))
    );

    // Rule by rule, target by target, the same verdicts.
    let (a, b) = (verdicts(&inside), verdicts(&outside));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differ: Vec<String> = a
        .iter()
        .filter(|(id, v)| b[*id] != **v)
        .map(|(id, v)| format!("{id}: inside {v:?}\n      outside {:?}", b[id]))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert_eq!(inside["summary"], outside["summary"]);
    drop(c);
    drop(scanner);
}
