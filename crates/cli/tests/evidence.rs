//! No pass without evidence, on the real Docker daemon: named users resolved from the image's own
//! /etc/passwd and confirmed by the running process, exec sessions, every port binding, read-only sensitive
//! mounts, credentials in image values, scan reports, the containerd socket in use. Hosts whose files or
//! processes a test needs to shape are fake roots beside the real daemon.

mod support;

use std::process::Command;
use support::*;

/// An image FROM the test image with its own /etc/passwd (`toor` is a second name for uid 0), a
/// credential in an ENV value and a label, and the given USER. Removed when dropped.
struct UserImage {
    tag: String,
}

impl UserImage {
    fn build(user: &str) -> UserImage {
        ensure_images();
        let tag = format!(
            "dockguard-test/users:{}-{}",
            user.replace(':', "-"),
            std::process::id()
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("passwd"),
            "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0:root again:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "FROM {image}\nCOPY passwd /etc/passwd\n\
                 ENV DB_PASSWORD=hunter2-in-the-image APP_PORT=8080\n\
                 LABEL org.example.db=\"postgres://app:s3cret-label@db:5432/app\"\n\
                 USER {user}\nCMD [\"sleep\", \"3600\"]\n",
                image = image()
            ),
        )
        .unwrap();
        let label = pid_label();
        let o = Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q", "--label", &label, "-t", &tag, "."])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docker build {tag}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        UserImage { tag }
    }
}

impl Drop for UserImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.tag])
            .output();
    }
}

/// `USER toor` looks like a user but is uid 0 in the image's /etc/passwd: read from the container's
/// overlay2 layers, it fails; `--user app` resolves to uid 1000 and, running, is confirmed by the process.
#[test]
fn named_users_are_resolved_from_the_images_own_passwd() {
    let img = UserImage::build("toor");
    let c = Containers::new("users");
    let toor = c.make("toor", false, &[], &img.tag);
    let app = c.make("app", true, &["--user", "app"], &img.tag);
    let ghost = c.make("ghost", false, &["--user", "nobody-here"], &img.tag);
    let (_, rep) = scan_json(&["--container", &c.selector(), "--select", "4.01"]);
    let d = detail(&rep, "4.01", &toor);
    assert_eq!(target_status(&rep, "4.01", &toor), "fail", "{d}");
    assert!(d.contains("toor is uid 0"), "{d}");
    let d = detail(&rep, "4.01", &app);
    assert_eq!(target_status(&rep, "4.01", &app), "pass", "{d}");
    assert!(
        d.contains(
            "app is uid 1000 in the container's /etc/passwd; the main process runs as uid 1000"
        ),
        "{d}"
    );
    let d = detail(&rep, "4.01", &ghost);
    assert_eq!(target_status(&rep, "4.01", &ghost), "manual", "{d}");
    assert!(
        d.contains("nobody-here is not in the container's /etc/passwd"),
        "{d}"
    );
}

/// The daemon forgets finished exec sessions, so none on record is `manual`; a running root exec fails.
#[test]
fn exec_sessions_are_evidence_only_when_seen() {
    let c = Containers::new("execs");
    let name = c.make("box", true, &["--user", "1000"], hardened_image());
    let (_, rep) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "5.23,5.24",
    ]);
    for id in ["5.23", "5.24"] {
        assert_eq!(
            target_status(&rep, id, &name),
            "manual",
            "{}",
            result(&rep, id)
        );
        assert!(detail(&rep, id, &name).contains("no exec sessions on record"));
    }
    let mut exec = Command::new("docker")
        .args(["exec", "--user", "0", &name, "sleep", "20"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let (_, rep) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "5.23,5.24",
    ]);
    let _ = exec.kill();
    let _ = exec.wait();
    assert_eq!(target_status(&rep, "5.24", &name), "fail");
    assert!(detail(&rep, "5.24", &name).contains("ran `sleep`"));
    assert!(detail(&rep, "5.24", &name).contains("as 0 (--user)"));
    assert_eq!(target_status(&rep, "5.23", &name), "manual");
    assert!(detail(&rep, "5.23", &name).contains("1 exec session on record, not privileged"));
}

/// `-p 127.0.0.1:X:80 -p Y:80` on a stopped container: the second binding is on every interface.
#[test]
fn every_port_binding_is_judged() {
    let c = Containers::new("ports");
    let port = 20000 + std::process::id() % 20000;
    let loopback = format!("127.0.0.1:{port}:80");
    let open = format!("{}:80", port + 1);
    let name = c.make("twice", false, &["-p", &loopback, "-p", &open], image());
    let (_, rep) = scan_json(&["--container", &c.selector(), "--select", "5.13"]);
    assert_eq!(target_status(&rep, "5.13", &name), "fail");
    let d = detail(&rep, "5.13", &name);
    assert!(d.contains(&format!("*:{}", port + 1)), "{d}");
}

/// A read-only mount of /etc or /usr is not a pass: the benchmark says not to mount them at all.
#[test]
fn read_only_sensitive_mounts_fail_and_say_so() {
    let c = Containers::new("romounts");
    let etc = c.make("etc", false, &["-v", "/etc:/host-etc:ro"], image());
    let usr = c.make("usr", false, &["-v", "/usr:/host-usr:ro"], image());
    let ok = c.make("ok", false, &["-v", "dgt-vol:/data"], image());
    let (_, rep) = scan_json(&["--container", &c.selector(), "--select", "5.05"]);
    for name in [&etc, &usr] {
        assert_eq!(target_status(&rep, "5.05", name), "fail");
        assert!(detail(&rep, "5.05", name).contains("read-only, which still exposes it"));
    }
    assert_eq!(target_status(&rep, "5.05", &ok), "pass");
    let _ = Command::new("docker")
        .args(["volume", "rm", "dgt-vol"])
        .output();
}

/// Credentials in an image's ENV values and labels fail CIS 4.10 with the value masked; the facts file
/// that holds them is private to its owner.
#[test]
fn credentials_in_image_values_are_found_and_masked() {
    let img = UserImage::build("app");
    let c = Containers::new("secrets");
    c.make("creds", false, &[], &img.tag);
    let (_, rep) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "4.10",
    ]);
    let text = serde_json::to_string(&rep).unwrap();
    assert!(!text.contains("hunter2-in-the-image"), "a value leaked");
    assert!(!text.contains("s3cret-label"), "a value leaked");
    let r = result(&rep, "4.10");
    let t = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == img.tag.as_str())
        .unwrap_or_else(|| panic!("no target for {}: {r}", img.tag));
    assert_eq!(t["status"], "fail");
    let d = t["detail"].as_str().unwrap();
    assert!(
        d.contains(
            "ENV DB_PASSWORD=******** (20 characters) (a literal value) in the image configuration"
        ),
        "{d}"
    );
    assert!(
        d.contains("label org.example.db=URL with a password postgres://app:********@db:5432"),
        "{d}"
    );
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json");
    let o = run(dockguard().args(["collect", "-o"]).arg(&facts));
    assert!(o.status.success(), "{}", stderr(&o));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&facts).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "facts files hold image ENV values");
}

/// CIS 4.4: a build date is not a scan; a Trivy report for the image's id decides.
#[test]
fn image_scan_reports_decide_cis_4_4() {
    let c = Containers::new("scans");
    c.make("scanned", false, &[], image());
    let id = docker(&["image", "inspect", "-f", "{{.Id}}", image()]);
    let (_, rep) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "4.4",
    ]);
    assert_eq!(target_status(&rep, "4.4", image()), "manual");
    assert!(
        detail(&rep, "4.4", image()).contains("no vulnerability scan of this image was supplied")
    );
    let dir = tempfile::tempdir().unwrap();
    let report = |fixed: &str| {
        let p = dir.path().join(format!("trivy-{}.json", fixed.len()));
        let now = time_now();
        std::fs::write(
            &p,
            serde_json::json!({
                "SchemaVersion": 2,
                "CreatedAt": now,
                "ArtifactName": image(),
                "ArtifactType": "container_image",
                "Metadata": {"ImageID": id, "RepoTags": [image()], "RepoDigests": []},
                "Results": [{"Target": image(), "Class": "os-pkgs", "Type": "debian",
                    "Vulnerabilities": [{"VulnerabilityID": "CVE-2026-0042", "PkgName": "busybox",
                        "InstalledVersion": "1.35.0", "FixedVersion": fixed, "Severity": "HIGH"}]}]
            })
            .to_string(),
        )
        .unwrap();
        p.display().to_string()
    };
    let fixable = report("1.35.1");
    let (code, rep) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "4.4",
        "--image-scan",
        &fixable,
    ]);
    assert_eq!(code, 1);
    assert_eq!(target_status(&rep, "4.4", image()), "fail");
    assert!(
        detail(&rep, "4.4", image()).contains("CVE-2026-0042 in busybox 1.35.0 (fixed in 1.35.1)")
    );
    let clean = report("");
    let (_, rep) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "4.4",
        "--image-scan",
        &clean,
    ]);
    // The test image was built minutes ago: within the age limit, and the scan lists nothing fixable.
    assert_eq!(
        target_status(&rep, "4.4", image()),
        "pass",
        "{}",
        result(&rep, "4.4")
    );
    // A file that is not a scan report is refused with its name.
    let bogus = dir.path().join("notes.json");
    std::fs::write(&bogus, "{\"a\": 1}").unwrap();
    let o = run(dockguard().args(["scan", "--image-scan"]).arg(&bogus));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("notes.json"), "{}", stderr(&o));
}

fn time_now() -> String {
    dockguard_facts::dates::now_rfc3339()
}

/// On this machine dockerd runs its own containerd (no system containerd): its socket is the one
/// assessed, found from the running processes, never "not applicable".
#[test]
fn the_containerd_socket_in_use_is_assessed() {
    require_daemon();
    let (_, rep) = scan_json(&["--profile", "cis-1.6", "--select", "3.23,3.24,1.1.8"]);
    for id in ["3.23", "3.24", "1.1.8"] {
        let r = result(&rep, id);
        assert_ne!(r["status"], "not_applicable", "{r}");
        let t = &r["targets"][0];
        let path = t["id"].as_str().unwrap_or_default();
        assert!(
            path.ends_with("containerd.sock"),
            "{id} looked at {path}: {r}"
        );
    }
    let t = &result(&rep, "3.23")["targets"][0];
    assert!(
        [
            "containerd dockerd started",
            "--containerd",
            "containerd setting",
            "containerd's default"
        ]
        .iter()
        .any(|w| t["detail"].as_str().unwrap().contains(w)),
        "{t}"
    );
}

/// A daemon.json changed after dockerd started says nothing about the running daemon; unknown dockerd
/// flags are reported instead of shifting the rest of the command line.
#[test]
fn a_daemon_json_newer_than_dockerd_is_not_evidence() {
    require_daemon();
    let r = FakeRoot::new();
    r.process(1, &["/sbin/init"]);
    r.dockerd(&["/usr/bin/dockerd", "--future-flag", "--log-level", "debug"]);
    r.write("/etc/docker/daemon.json", "{\"icc\": false}\n", 0o644);
    let (_, rep) = scan_json(&["--root", &r.root_arg(), "--select", "2.01,2.02"]);
    // The unknown flag did not swallow `--log-level debug`.
    assert_eq!(status(&rep, "2.02"), "fail", "{}", result(&rep, "2.02"));
    assert!(
        detail(&rep, "2.02", "log-level").contains("log-level=debug (from dockerd command line)")
    );
    // The file is older than the process: it counts.
    assert_eq!(
        target_status(&rep, "2.01", "icc"),
        "pass",
        "{}",
        result(&rep, "2.01")
    );
    // Now the file changes after dockerd started (two hours from now; dockerd started one hour from now).
    let f = std::fs::File::options()
        .write(true)
        .open(r.host("/etc/docker/daemon.json"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(7200))
        .unwrap();
    let (_, rep) = scan_json(&["--root", &r.root_arg(), "--select", "2.01"]);
    assert_eq!(
        target_status(&rep, "2.01", "icc"),
        "error",
        "{}",
        result(&rep, "2.01")
    );
    let d = detail(&rep, "2.01", "icc");
    assert!(
        d.contains("was modified at") && d.contains("after dockerd started"),
        "{d}"
    );
}
