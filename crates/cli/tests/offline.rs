//! `scan --facts`: evaluating saved facts, bad input, and where output goes. No daemon needed.

mod support;

use dockguard_facts::Fact;
use dockguard_rules::testing;
use std::os::unix::fs::FileTypeExt;
use support::*;

fn save(facts: &dockguard_facts::Facts) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("facts.json");
    std::fs::write(&p, serde_json::to_string(facts).unwrap()).unwrap();
    let s = p.display().to_string();
    (dir, s)
}

#[test]
fn a_compliant_host_passes_and_exits_0() {
    let (_d, f) = save(&testing::compliant_host());
    let (code, r) = scan_json(&["--facts", &f]);
    assert_eq!(r["summary"]["fail"], 0, "{}", r["results"]);
    assert_eq!(r["summary"]["error"], 0);
    assert_eq!(code, 0);
    assert_eq!(r["host"]["hostname"], "host-a");
}

#[test]
fn missing_docker_facts_are_errors_never_passes() {
    let mut facts = testing::compliant_host();
    facts.docker = Fact::Error("connection refused".into());
    let (_d, f) = save(&facts);
    let (code, r) = scan_json(&["--facts", &f, "--select", "5,4"]);
    assert_eq!(code, 1, "errors gate like failures");
    for res in r["results"].as_array().unwrap() {
        assert_eq!(res["status"], "error", "{}", res["id"]);
        assert!(res["reason"]
            .as_str()
            .unwrap()
            .contains("connection refused"));
    }
    assert_eq!(r["inventory"]["error"], "connection refused");
}

#[test]
fn bad_facts_files_are_named_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("missing.json", None, "cannot read facts file"),
        ("garbage.json", Some("{not json"), "is not valid JSON"),
        (
            "other.json",
            Some(r#"{"schema": "something/v9"}"#),
            "has schema",
        ),
        (
            "report.json",
            Some(r#"{"results": []}"#),
            "not a dockguard facts file",
        ),
        (
            "partial.json",
            Some(r#"{"schema": "dockguard.facts/v1"}"#),
            "does not match",
        ),
    ];
    for (name, content, needle) in cases {
        let p = dir.path().join(name);
        if let Some(c) = content {
            std::fs::write(&p, c).unwrap();
        }
        let o = run(dockguard().args(["scan", "--facts"]).arg(&p));
        assert_eq!(o.status.code(), Some(2), "{name}");
        let e = stderr(&o);
        assert!(e.contains(needle) && e.contains(name), "{name}: {e}");
        assert!(o.stdout.is_empty(), "{name}");
    }
}

#[test]
fn output_files_are_written_whole_and_devices_are_left_alone() {
    let (dir, f) = save(&testing::compliant_host());
    let out = dir.path().join("report.json");
    let o = run(dockguard()
        .args(["scan", "--facts", &f, "--format", "json", "-o"])
        .arg(&out));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "the report goes to the file, not stdout"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "dockguard.report/v1");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let o = run(dockguard().args(["scan", "--facts", &f, "--format", "json", "-o", "/dev/null"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    // A directory that does not exist: a clear error, exit 2.
    let o = run(dockguard().args(["scan", "--facts", &f, "-o", "/nonexistent/dir/r.json"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/dir/r.json"));
}

#[test]
fn rules_and_explain() {
    let o = run(dockguard().args(["rules", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 73, "0.0 and the 72 rules");
    let o = run(dockguard().args(["explain", "cis:5.32"]));
    let t = stdout(&o);
    assert!(t.starts_with("5.32 "), "{t}");
    assert!(t.contains("Azure: 5.31"), "{t}");
    assert!(t.contains("How to fix it"));
    let o = run(dockguard().args(["explain", "9.99"]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cis_profile_reports_all_117_recommendations() {
    let (_d, f) = save(&testing::compliant_host());
    let (_, r) = scan_json(&["--facts", &f, "--profile", "cis-1.6"]);
    assert_eq!(r["profile"], "cis-1.6");
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 117);
    let ids: Vec<&str> = results.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], "1.1.1");
    assert_eq!(*ids.last().unwrap(), "7.9");
    let sock = results.iter().find(|x| x["id"] == "5.32").unwrap();
    assert_eq!(sock["refs"]["azure"], serde_json::json!(["5.31"]));
    assert_eq!(sock["refs"]["cis-1.6"], serde_json::json!(["5.32"]));
    for x in results {
        assert!(
            x["assessment"] == "automated" || x["assessment"] == "manual",
            "{x}"
        );
        assert_ne!(x["status"], "error", "{}: {}", x["id"], x["reason"]);
    }
    // --level 1 keeps Level 1 only.
    let (_, l1) = scan_json(&["--facts", &f, "--profile", "cis-1.6", "--level", "1"]);
    let l1 = l1["results"].as_array().unwrap();
    assert!(l1.len() < 117 && l1.iter().all(|x| x["level"] == 1));
    // CIS 1.8 numbering through aliases: 1.8's 2.8 is 1.6's 2.7; 1.8's new 2.7 is the devicemapper rule.
    let (_, a) = scan_json(&[
        "--facts",
        &f,
        "--profile",
        "cis-1.6",
        "--select",
        "cis-1.8:2.8,cis-1.8:2.7",
    ]);
    let ids: Vec<&str> = a["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2.7", "cis-1.8:2.7"]);
}

#[test]
fn rules_and_explain_per_profile() {
    let o = run(dockguard().args(["rules", "--profile", "cis-1.6", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 117);
    let o = run(dockguard().args(["rules", "--profile", "cis-1.6"]));
    let table = stdout(&o);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("5.32") && l.contains("5.31")),
        "{table}"
    );
    let o = run(dockguard().args(["explain", "--profile", "cis-1.6", "5.7"]));
    let t = stdout(&o);
    assert!(t.starts_with("5.7 ") && t.contains("sshd"), "{t}");
    let o = run(dockguard().args(["explain", "cis-1.8:2.7"]));
    assert!(stdout(&o).contains("devicemapper"));
}

/// A host with two privileged containers, one of them Portainer.
fn risky_host() -> dockguard_facts::Facts {
    testing::host_with(|f| {
        let d = testing::docker_mut(f);
        d.containers[0].privileged = Some(true);
        let mut p = testing::container("portainer");
        p.privileged = Some(true);
        d.containers.push(p);
    })
}

#[test]
fn several_formats_in_one_run() {
    let (dir, f) = save(&risky_host());
    let p = |n: &str| dir.path().join(n).display().to_string();
    let o = run(dockguard().args([
        "scan",
        "--facts",
        &f,
        "-f",
        "json",
        "-o",
        &p("r.json"),
        "-f",
        "sarif",
        "-o",
        &p("r.sarif"),
        "-f",
        "junit",
        "-o",
        &p("r.xml"),
        "-f",
        "csv",
        "-o",
        &p("r.csv"),
        "-f",
        "markdown",
        "-o",
        &p("r.md"),
        "-f",
        "html",
        "-o",
        &p("r.html"),
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.json")).unwrap()).unwrap();
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let failing_targets: usize = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["targets"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["status"] == "fail")
                .count()
                .max(usize::from(
                    r["status"] == "fail"
                        && r["targets"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .all(|t| t["status"] != "fail"),
                ))
        })
        .sum();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        failing_targets,
        "one SARIF result per failing target"
    );
    assert!(std::fs::read_to_string(p("r.xml"))
        .unwrap()
        .contains("<testsuites"));
    let csv = std::fs::read_to_string(p("r.csv")).unwrap();
    assert!(csv.starts_with("host,profile,rule_id"));
    assert!(std::fs::read_to_string(p("r.md")).unwrap().contains("5.04"));
    let html = std::fs::read_to_string(p("r.html")).unwrap();
    assert!(html.contains("<!DOCTYPE html>") || html.contains("<!doctype html>"));
    assert!(
        !html.contains("<link") && !html.contains("<script src"),
        "self-contained"
    );
    // Several formats without an output each is an error naming the fix.
    let o = run(dockguard().args(["scan", "--facts", &f, "-f", "json", "-f", "sarif"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("its own --output"), "{}", stderr(&o));
}

#[test]
fn config_exemptions_and_errors() {
    let (dir, f) = save(&risky_host());
    let cfg = dir.path().join("dockguard.toml");
    std::fs::write(
        &cfg,
        "[rules]\nselect = [\"5.04\"]\n\n[[exemption]]\nrule = \"5.04\"\ncontainer = \"portainer\"\nreason = \"manages the host\"\nowner = \"ops@example.com\"\nexpires = 2999-01-01\n",
    )
    .unwrap();
    // Found in the working directory.
    let o = run(dockguard()
        .current_dir(dir.path())
        .args(["scan", "--facts", &f, "--format", "json"]));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let targets = r["results"][0]["targets"].as_array().unwrap();
    let portainer = targets.iter().find(|t| t["name"] == "portainer").unwrap();
    assert_eq!(portainer["status"], "exempt");
    assert!(portainer["detail"]
        .as_str()
        .unwrap()
        .contains("manages the host"));
    assert_eq!(
        targets.iter().find(|t| t["name"] == "web").unwrap()["status"],
        "fail"
    );
    assert_eq!(r["exemptions"][0]["state"], "active");
    assert_eq!(o.status.code(), Some(1), "web still fails");

    // Expired: it stops applying and says so.
    std::fs::write(
        &cfg,
        "[[exemption]]\nrule = \"5.04\"\ncontainer = \"portainer\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2001-01-01\n",
    )
    .unwrap();
    let o = run(dockguard()
        .args([
            "scan", "--facts", &f, "--format", "json", "--select", "5.04", "--config",
        ])
        .arg(&cfg));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["exemptions"][0]["state"], "expired");
    let portainer = r["results"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "portainer")
        .unwrap()
        .clone();
    assert_eq!(portainer["status"], "fail");
    assert!(portainer["detail"].as_str().unwrap().contains("expired"));

    // Errors name the file and the line, exit 2, and nothing is printed on stdout.
    for (text, needle) in [
        ("[rules]\nselect = [\"5\"]\nsevrity = 1\n", "line 3"),
        (
            "[[exemption]]\nrule = \"5.04\"\nhost = \"*\"\nowner = \"o\"\n",
            "dockguard.toml:1: exemption for 5.04 has no reason",
        ),
        (
            "\n[severity]\n\"9.99\" = \"low\"\n",
            "dockguard.toml:3: severity override for unknown rule",
        ),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let o = run(dockguard()
            .current_dir(dir.path())
            .args(["scan", "--facts", &f]));
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(stderr(&o).contains(needle), "{text}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    let o = run(dockguard().args([
        "scan",
        "--facts",
        &f,
        "--config",
        "/nonexistent/dockguard.toml",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/dockguard.toml"));
}

#[test]
fn baseline_gates_new_findings_and_diff_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, facts: &dockguard_facts::Facts| {
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_string(facts).unwrap()).unwrap();
        p.display().to_string()
    };
    let before = write(
        "before.json",
        &testing::host_with(|f| testing::first_container(f).privileged = Some(true)),
    );
    let after = write(
        "after.json",
        &testing::host_with(|f| {
            testing::first_container(f).privileged = Some(true);
            testing::first_container(f).pid_mode = Some("host".into());
        }),
    );
    let base = dir.path().join("base.json").display().to_string();
    let o = run(dockguard().args(["scan", "--facts", &before, "-f", "json", "-o", &base]));
    assert_eq!(o.status.code(), Some(1));
    // Same host against its own baseline: nothing new, exit 0.
    let o = run(dockguard().args(["scan", "--facts", &before, "--baseline", &base]));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 new"), "{}", stdout(&o));
    // A new failure: exit 1, and the report names it.
    let now = dir.path().join("now.json").display().to_string();
    let o = run(dockguard().args([
        "scan",
        "--facts",
        &after,
        "--baseline",
        &base,
        "-f",
        "json",
        "-o",
        &now,
    ]));
    assert_eq!(o.status.code(), Some(1));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&now).unwrap()).unwrap();
    let new: Vec<&str> = r["baseline"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["5.15"]);
    let o = run(dockguard().args(["diff", &base, &now]));
    assert_eq!(o.status.code(), Some(0));
    let d = stdout(&o);
    assert!(
        d.contains("+ 5.15") && d.contains("Newly failing (1)"),
        "{d}"
    );
    let o = run(dockguard().args(["diff", &base, &now, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["new"].as_array().unwrap().len(), 1);
    // A baseline that is not a report is an error naming it.
    let o = run(dockguard().args(["scan", "--facts", &after, "--baseline", &before]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("before.json"), "{}", stderr(&o));
}
