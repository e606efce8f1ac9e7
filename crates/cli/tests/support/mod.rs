//! Shared helpers for the integration tests: the real dockguard binary, the real Docker daemon, images built
//! `FROM scratch` with a static busybox (never pulled), and throwaway host roots.
//!
//! Everything a test process creates on the daemon carries the label `dockguard.test.pid=<its pid>` and,
//! for images, a tag unique to the process. Containers are removed when their test's [`Containers`] is
//! dropped (also when the test panics), images built for one test when its [`BuiltImage`] is dropped, and
//! at process exit every container and image with the process's label is removed, so a failing or
//! interrupted test leaves nothing behind and never touches another run's objects.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const LABEL: &str = "dockguard.test";
/// Marks every container and image this test process creates.
pub const PID_LABEL: &str = "dockguard.test.pid";

/// `dockguard.test.pid=<pid>`.
pub fn pid_label() -> String {
    format!("{PID_LABEL}={}", std::process::id())
}

/// The plain test image (no USER, no HEALTHCHECK), tagged for this process.
pub fn image() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| format!("dockguard-test/busybox:plain-{}", std::process::id()))
}

/// The hardened test image (USER 1000, a HEALTHCHECK), tagged for this process.
pub fn hardened_image() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| format!("dockguard-test/busybox:hardened-{}", std::process::id()))
}

/// Removes every container, then every image, carrying this process's label.
fn remove_everything_of_this_process() {
    let label = format!("label={}", pid_label());
    let list = |args: &[&str]| -> Vec<String> {
        Command::new("docker")
            .args(args)
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers = list(&["ps", "-aq", "--filter", &label]);
    if !containers.is_empty() {
        let _ = Command::new("docker")
            .args(["rm", "-f", "-v"])
            .args(&containers)
            .output();
    }
    // An image built FROM another of ours cannot go before it: repeat until nothing is left or nothing
    // more can be removed.
    let mut left = usize::MAX;
    loop {
        let mut images = list(&["images", "-q", "--no-trunc", "--filter", &label]);
        images.sort();
        images.dedup();
        if images.is_empty() || images.len() >= left {
            break;
        }
        left = images.len();
        let _ = Command::new("docker")
            .args(["rmi", "-f"])
            .args(&images)
            .output();
    }
}

extern "C" fn at_exit() {
    remove_everything_of_this_process();
}

/// Registers the removal of this process's containers and images at exit (once).
pub fn cleanup_at_exit() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // SAFETY: `at_exit` is a plain function with the C ABI; atexit only stores its address.
        let rc = unsafe { libc::atexit(at_exit) };
        assert_eq!(rc, 0, "atexit failed");
    });
}

/// An image built for one test, removed (by tag and id) when dropped.
pub struct BuiltImage {
    pub tag: String,
    pub id: String,
}

impl BuiltImage {
    /// `docker build` of `dir` (with `file`, default `Dockerfile`) tagged `<repo>:<name>-<pid>`, labelled
    /// for this process.
    pub fn build(dir: &Path, file: Option<&str>, name: &str) -> BuiltImage {
        cleanup_at_exit();
        let tag = format!("dockguard-test/{name}:{}", std::process::id());
        let label = pid_label();
        let mut args = vec!["build", "-q", "--label", &label, "-t", &tag];
        if let Some(f) = file {
            args.extend(["-f", f]);
        }
        args.push(".");
        let o = Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(&args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docker build {tag}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let id = docker(&["image", "inspect", "-f", "{{.Id}}", &tag]);
        BuiltImage { tag, id }
    }
}

impl Drop for BuiltImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.tag, &self.id])
            .output();
    }
}

pub fn dockguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dockguard"));
    c.env_remove("NO_COLOR").env("DOCKGUARD_LOG", "warn");
    c
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("failed to spawn")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Runs the docker CLI and panics with its stderr when it fails.
pub fn docker(args: &[&str]) -> String {
    let o = Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI must be installed");
    assert!(
        o.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Checks the daemon answers; the integration tests need a real one (.ci/run starts it).
pub fn require_daemon() {
    let o = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output();
    match o {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "these tests need a running Docker daemon (run .ci/run, or start dockerd): {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("these tests need the docker CLI: {e}"),
    }
}

fn static_busybox() -> PathBuf {
    for p in ["/bin/busybox", "/usr/bin/busybox"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("a static busybox is needed to build test images FROM scratch (apt-get install busybox-static)");
}

/// Builds the test images once per test binary: `plain` (no USER, no HEALTHCHECK) and `hardened`, tagged
/// for this process and removed at its exit.
pub fn ensure_images() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        require_daemon();
        cleanup_at_exit();
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(static_busybox(), dir.path().join("busybox")).unwrap();
        let base = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n";
        std::fs::write(dir.path().join("Dockerfile.plain"), format!("{base}CMD [\"sleep\", \"3600\"]\n")).unwrap();
        std::fs::write(
            dir.path().join("Dockerfile.hardened"),
            format!("{base}USER 1000:1000\nHEALTHCHECK --interval=5s CMD [\"/bin/true\"]\nCMD [\"sleep\", \"3600\"]\n"),
        )
        .unwrap();
        let label = pid_label();
        for (file, tag) in [("Dockerfile.plain", image()), ("Dockerfile.hardened", hardened_image())] {
            let o = Command::new("docker")
                .env("DOCKER_BUILDKIT", "0")
                .args(["build", "-q", "--label", &label, "-f", file, "-t", tag, "."])
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(o.status.success(), "docker build {tag}: {}", String::from_utf8_lossy(&o.stderr));
        }
    });
}

/// Tests share one daemon: most only add containers of their own (shared lock), but a test that makes the
/// whole host look different (a Kubernetes-labelled container makes the host orchestrator-managed) must run
/// alone (exclusive lock).
static HOST: std::sync::RwLock<()> = std::sync::RwLock::new(());

enum HostGuard {
    Shared(#[allow(dead_code)] std::sync::RwLockReadGuard<'static, ()>),
    Exclusive(#[allow(dead_code)] std::sync::RwLockWriteGuard<'static, ()>),
}

/// Containers of one test, labelled so scans can select them and removed when dropped.
pub struct Containers {
    pub run_id: String,
    _guard: HostGuard,
}

impl Containers {
    pub fn new(test: &str) -> Containers {
        let guard = HostGuard::Shared(HOST.read().unwrap_or_else(|e| e.into_inner()));
        Self::with_guard(test, guard)
    }

    /// For a test whose containers change how the whole host is judged: no other test runs meanwhile.
    pub fn exclusive(test: &str) -> Containers {
        let guard = HostGuard::Exclusive(HOST.write().unwrap_or_else(|e| e.into_inner()));
        Self::with_guard(test, guard)
    }

    fn with_guard(test: &str, guard: HostGuard) -> Containers {
        ensure_images();
        let run_id = format!("{test}-{}", std::process::id());
        let c = Containers {
            run_id,
            _guard: guard,
        };
        c.cleanup();
        c
    }

    pub fn name(&self, n: &str) -> String {
        format!("dgt-{}-{n}", self.run_id)
    }

    /// `docker create` (or `run -d` when `start`) with the test label; returns the container name.
    pub fn make(&self, name: &str, start: bool, opts: &[&str], image: &str) -> String {
        self.make_cmd(name, start, opts, image, &[])
    }

    /// Like [`Containers::make`], with a command after the image.
    pub fn make_cmd(
        &self,
        name: &str,
        start: bool,
        opts: &[&str],
        image: &str,
        cmd: &[&str],
    ) -> String {
        let full = self.name(name);
        let label = format!("{LABEL}={}", self.run_id);
        let pid = pid_label();
        let mut args: Vec<&str> = if start {
            vec!["run", "-d"]
        } else {
            vec!["create"]
        };
        args.extend(["--name", &full, "--label", &label, "--label", &pid]);
        args.extend(opts);
        args.push(image);
        args.extend(cmd);
        docker(&args);
        full
    }

    /// The `--container` selector for this test's containers.
    pub fn selector(&self) -> String {
        format!("label={LABEL}={}", self.run_id)
    }

    fn cleanup(&self) {
        let ids = Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label={LABEL}={}", self.run_id),
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default();
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids);
            let _ = Command::new("docker").args(&args).output();
        }
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Runs `dockguard scan --format json` with extra args; returns the exit code and the report.
pub fn scan_json(args: &[&str]) -> (i32, Value) {
    let o = run(dockguard().args(["scan", "--format", "json"]).args(args));
    let code = o.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "scan did not print JSON ({e}); exit {code}; stderr: {}; stdout: {}",
            stderr(&o),
            stdout(&o)
        )
    });
    (code, report)
}

/// The result object of one rule.
pub fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("rule {id} not in the report"))
}

/// The target of a rule for a name (container name, path, key).
pub fn target<'a>(report: &'a Value, id: &str, name: &str) -> &'a Value {
    result(report, id)["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("rule {id} has no target {name}: {}", result(report, id)))
}

pub fn target_status(report: &Value, id: &str, name: &str) -> String {
    target(report, id, name)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A throwaway host root in a temp dir, with helpers to lay files out as a host would.
pub struct FakeRoot {
    pub dir: tempfile::TempDir,
}

impl FakeRoot {
    pub fn new() -> FakeRoot {
        let r = FakeRoot {
            dir: tempfile::tempdir().unwrap(),
        };
        r.write(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
            0o644,
        );
        r.write(
            "/etc/group",
            "root:x:0:\ndocker:x:998:\napp:x:1000:\n",
            0o644,
        );
        r.write("/etc/hostname", "fake-host\n", 0o644);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn root_arg(&self) -> String {
        self.dir.path().display().to_string()
    }

    pub fn host(&self, p: &str) -> PathBuf {
        self.dir.path().join(p.trim_start_matches('/'))
    }

    pub fn write(&self, p: &str, content: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let full = self.host(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, content).unwrap();
        std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    pub fn mkdir(&self, p: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let full = self.host(p);
        std::fs::create_dir_all(&full).unwrap();
        std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    pub fn chown(&self, p: &str, uid: u32, gid: u32) {
        std::os::unix::fs::chown(self.host(p), Some(uid), Some(gid)).unwrap();
    }

    /// A fake dockerd process: `/proc/<pid>/cmdline` with the given argv.
    /// The process started an hour from now, so every file the test writes is older than it: the daemon
    /// loaded them (`/proc/stat`'s boot time and `/proc/<pid>/stat`'s start time, in clock ticks).
    pub fn dockerd(&self, argv: &[&str]) {
        let mut raw = argv.join("\0");
        raw.push('\0');
        self.write("/proc/4321/cmdline", &raw, 0o444);
        self.started(4321, "dockerd", 3600);
    }

    /// `/proc/<pid>/stat` of a process that started `secs_from_now` seconds from now (at 100 clock ticks a
    /// second; with another tick rate it is still after every file written now), and `/proc/stat`'s boot time.
    pub fn started(&self, pid: u32, comm: &str, secs_from_now: u64) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        if !self.host("/proc/stat").exists() {
            self.write("/proc/stat", &format!("cpu  0 0 0 0\nbtime {now}\n"), 0o444);
        }
        let zeros = vec!["0"; 18].join(" ");
        self.write(
            &format!("/proc/{pid}/stat"),
            &format!("{pid} ({comm}) S {zeros} {}\n", secs_from_now * 100),
            0o444,
        );
    }
}

impl FakeRoot {
    /// A symbolic link at host path `link` whose target is `target`, stored literally: an absolute target
    /// such as `/run` names a host path, which dockguard must resolve inside the root.
    pub fn symlink(&self, link: &str, target: &str) {
        let full = self.host(link);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
    }

    /// Any process: `/proc/<pid>/cmdline` with the given argv (use [`FakeRoot::dockerd`] for dockerd).
    pub fn process(&self, pid: u32, argv: &[&str]) {
        let mut raw = argv.join("\0");
        raw.push('\0');
        self.write(&format!("/proc/{pid}/cmdline"), &raw, 0o444);
    }
}

/// `dockguard scan --root <fake root> --format json --select <ids>` against the live daemon.
pub fn scan_root(root: &FakeRoot, select: &str) -> (i32, Value) {
    require_daemon();
    scan_json(&["--root", &root.root_arg(), "--select", select])
}

/// The status of a rule as a whole.
pub fn status(report: &Value, id: &str) -> String {
    result(report, id)["status"].as_str().unwrap().to_string()
}

/// The reason of a rule as a whole.
pub fn reason(report: &Value, id: &str) -> String {
    result(report, id)["reason"].as_str().unwrap().to_string()
}

/// The evidence of one target of a rule.
pub fn detail(report: &Value, id: &str, name: &str) -> String {
    target(report, id, name)["detail"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The names of a rule's targets, in report order.
pub fn target_names(report: &Value, id: &str) -> Vec<String> {
    result(report, id)["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}
