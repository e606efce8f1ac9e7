//! The tests leave nothing on the daemon: a failing test's containers and images are removed when it
//! unwinds, and a test process that ends without running any destructor still removes everything labelled
//! with its pid at exit.

mod support;

use std::process::Command;
use support::*;

/// Containers and images carrying a test process's label.
fn leftovers(pid: &str) -> (Vec<String>, Vec<String>) {
    let filter = format!("label={PID_LABEL}={pid}");
    let list = |args: &[&str]| -> Vec<String> {
        let o = Command::new("docker").args(args).output().unwrap();
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    (
        list(&["ps", "-aq", "--filter", &filter]),
        list(&["images", "-q", "--filter", &filter]),
    )
}

/// A tiny image of this test's own (never pulled).
fn build_tiny(name: &str) -> BuiltImage {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {}\nLABEL dockguard.test.tiny={name}\n", image()),
    )
    .unwrap();
    BuiltImage::build(dir.path(), None, name)
}

#[test]
fn a_failing_test_removes_its_containers_and_images_as_it_unwinds() {
    let c = Containers::new("unwind");
    let before = leftovers(&std::process::id().to_string()).0.len();
    let outcome = std::panic::catch_unwind(|| {
        // Unwinding drops in reverse order: the containers, then the image they use.
        let img = build_tiny("unwind");
        let c = Containers::new("unwind-inner");
        let name = c.make(
            "sock",
            false,
            &["-v", "/var/run/docker.sock:/s.sock"],
            &img.tag,
        );
        assert!(!docker(&["ps", "-aq", "--filter", &format!("name={name}")]).is_empty());
        panic!("deliberate failure ({})", img.tag);
    });
    let tag = match outcome {
        Err(p) => p.downcast_ref::<String>().cloned().unwrap_or_default(),
        Ok(()) => unreachable!(),
    };
    let tag = tag
        .trim_start_matches("deliberate failure (")
        .trim_end_matches(')')
        .to_string();
    assert!(tag.starts_with("dockguard-test/unwind:"), "{tag}");
    let o = Command::new("docker")
        .args(["image", "inspect", &tag])
        .output()
        .unwrap();
    assert!(!o.status.success(), "{tag} is still there");
    let still = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label={LABEL}=unwind-inner-{}", std::process::id()),
    ]);
    assert!(still.is_empty(), "containers left: {still}");
    assert_eq!(leftovers(&std::process::id().to_string()).0.len(), before);
    drop(c);
}

/// Run by [`a_test_process_that_dies_still_removes_everything_at_exit`] in a child process: creates a
/// container and an image, skips every destructor, and fails.
#[test]
#[ignore = "a helper: run as a child process by a_test_process_that_dies_still_removes_everything_at_exit"]
fn child_creates_objects_then_fails_without_cleaning_up() {
    if std::env::var_os("DOCKGUARD_TEST_CLEANUP_CHILD").is_none() {
        return;
    }
    let c = Containers::new("atexit");
    let img = build_tiny("atexit");
    c.make("left", false, &["--privileged"], &img.tag);
    println!("CHILD_PID={}", std::process::id());
    std::mem::forget(img);
    std::mem::forget(c);
    panic!("deliberate failure");
}

#[test]
fn a_test_process_that_dies_still_removes_everything_at_exit() {
    require_daemon();
    let o = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_creates_objects_then_fails_without_cleaning_up",
            "--include-ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("DOCKGUARD_TEST_CLEANUP_CHILD", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!o.status.success(), "the child test fails: {out}");
    assert!(err.contains("deliberate failure"), "{err}");
    let pid = out
        .split("CHILD_PID=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the child did not run: {out}{err}"))
        .to_string();
    let (containers, images) = leftovers(&pid);
    // Whatever the verdict, leave nothing behind.
    let filter = format!("label={PID_LABEL}={pid}");
    if !containers.is_empty() {
        let _ = Command::new("docker")
            .args(["rm", "-f"])
            .args(&containers)
            .output();
    }
    if !images.is_empty() {
        let _ = Command::new("docker")
            .args(["rmi", "-f"])
            .args(&images)
            .output();
    }
    assert!(
        containers.is_empty() && images.is_empty(),
        "left behind by the child ({filter}): containers {containers:?}, images {images:?}"
    );
}
