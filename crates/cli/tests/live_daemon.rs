//! Scans against the real Docker daemon: containers created with each insecure setting the baseline names
//! must land in the right rule, and a hardened container must pass the same rules.

mod support;

use support::*;

/// One container per insecure setting, plus a hardened one; each insecure container fails its rule and
/// the hardened one passes it.
#[test]
fn each_insecure_setting_lands_in_its_rule() {
    let c = Containers::new("insecure");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().display().to_string();
    let shared_vol = format!("{data}:/data:shared");

    // Privileged containers and host devices cannot start in this sandbox: created only.
    let cases: Vec<(&str, &str, Vec<&str>, bool)> = vec![
        ("5.09", "hostnet", vec!["--network", "host"], true),
        ("5.15", "hostpid", vec!["--pid", "host"], false),
        ("5.16", "hostipc", vec!["--ipc", "host"], false),
        ("5.20", "hostuts", vec!["--uts", "host"], false),
        ("5.30", "hostuserns", vec!["--userns", "host"], false),
        (
            "5.31",
            "sock",
            vec!["-v", "/var/run/docker.sock:/var/run/docker.sock"],
            false,
        ),
        ("5.05", "etcrw", vec!["-v", "/etc:/host-etc"], false),
        ("5.19", "shared", vec!["-v", &shared_vol], false),
        ("5.03", "capadd", vec!["--cap-add", "SYS_ADMIN"], false),
        ("5.04", "priv", vec!["--privileged"], false),
        (
            "5.17",
            "device",
            vec!["--device", "/dev/null:/dev/xnull:rwm"],
            false,
        ),
        ("5.14", "always", vec!["--restart", "always"], false),
        ("5.13", "wildcard", vec!["-p", "0.0.0.0:18081:80"], false),
        ("5.13", "wildcard6", vec!["-p", "[::]:18082:80"], false),
    ];
    for (_, name, opts, start) in &cases {
        c.make(name, *start, opts, image());
    }
    // Defaults: no memory limit, no pids limit, writable root fs, root user, no healthcheck.
    let plain = c.make("plain", true, &[], image());
    let hardened = c.make(
        "hardened",
        true,
        &[
            "--read-only",
            "--memory",
            "64m",
            "--pids-limit",
            "50",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--restart",
            "on-failure:3",
            "-p",
            "127.0.0.1:18083:80",
        ],
        hardened_image(),
    );

    let (code, report) = scan_json(&["--container", &c.selector(), "--select", "4,5"]);
    assert_eq!(code, 1, "failures must exit 1");
    for (rule, name, _, _) in &cases {
        let full = c.name(name);
        assert_eq!(
            target_status(&report, rule, &full),
            "fail",
            "{full} in {rule}: {}",
            result(&report, rule)
        );
        assert_eq!(
            target_status(&report, rule, &hardened),
            "pass",
            "{hardened} in {rule}"
        );
    }
    for rule in ["5.10", "5.28", "5.12", "4.01"] {
        assert_eq!(
            target_status(&report, rule, &plain),
            "fail",
            "{plain} in {rule}"
        );
        assert_eq!(
            target_status(&report, rule, &hardened),
            "pass",
            "{hardened} in {rule}"
        );
    }
    // Evidence names the offending value.
    let sock = target(&report, "5.31", &c.name("sock"));
    assert!(
        sock["detail"]
            .as_str()
            .unwrap()
            .contains("/var/run/docker.sock"),
        "{sock}"
    );
    assert_eq!(
        target(&report, "5.04", &c.name("priv"))["detail"],
        "Privileged=true"
    );
    let wild = target(&report, "5.13", &c.name("wildcard"))["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(wild.contains("0.0.0.0"), "{wild}");
    let local = target(&report, "5.13", &hardened)["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!local.contains("0.0.0.0"), "{local}");
    // Names have no leading slash, and stopped containers are assessed too.
    assert!(report["inventory"]["containers"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !c["name"].as_str().unwrap().starts_with('/')));
    assert_eq!(
        target(&report, "5.04", &c.name("priv"))["kind"],
        "container"
    );

    // --running-only skips the created containers.
    let (_, running) = scan_json(&[
        "--container",
        &c.selector(),
        "--select",
        "5.04",
        "--running-only",
    ]);
    let names: Vec<String> = result(&running, "5.04")["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!names.contains(&c.name("priv")), "{names:?}");
    assert!(names.contains(&hardened));

    // Excluding the failing containers by name turns 5.04 into a pass.
    let (code, only_good) = scan_json(&[
        "--container",
        &c.selector(),
        "--exclude-container",
        &format!("{}*", c.name("p")),
        "--select",
        "5.04",
    ]);
    assert_eq!(result(&only_good, "5.04")["status"], "pass");
    assert_eq!(code, 0);
}

/// Images: the hardened image sets USER and HEALTHCHECK, the plain one neither.
#[test]
fn image_rules_read_the_images_in_use() {
    let c = Containers::new("images");
    c.make("plainimg", false, &[], image());
    c.make("hardimg", false, &[], hardened_image());
    let (_, report) = scan_json(&["--container", &c.selector(), "--select", "4.06,5.26"]);
    assert_eq!(target_status(&report, "4.06", image()), "fail");
    assert_eq!(target_status(&report, "4.06", hardened_image()), "pass");
    assert_eq!(target_status(&report, "5.26", &c.name("plainimg")), "fail");
    assert_eq!(target_status(&report, "5.26", &c.name("hardimg")), "pass");
}

/// A Kubernetes label is a claim anyone with `docker run --label` can make: on a host where no kubelet
/// runs, the labelled container is assessed like any other, and the report says it claims to be managed.
#[test]
fn kubernetes_labels_alone_switch_nothing_off() {
    let c = Containers::new("k8s");
    let pod = c.make(
        "pod",
        false,
        &[
            "--privileged",
            "--label",
            "io.kubernetes.pod.name=web-0",
            "--label",
            "io.kubernetes.pod.uid=0a1b2c3d",
        ],
        image(),
    );
    let (_, report) = scan_json(&["--container", &c.selector(), "--select", "5.04"]);
    assert_eq!(report["host"]["orchestrator"], serde_json::Value::Null);
    assert_eq!(result(&report, "5.04")["status"], "fail");
    assert_eq!(target_status(&report, "5.04", &pod), "fail");
    let claims = report["host"]["orchestrator_claims"].as_array().unwrap();
    let claim = claims
        .iter()
        .find(|x| x["container"] == pod.as_str())
        .unwrap();
    assert!(
        claim["why"].as_str().unwrap().contains("no kubelet"),
        "{claim}"
    );
}

/// With a kubelet and cri-dockerd running (processes of a fake host root) and the pod's uid among the
/// kubelet's pods, the container the kubelet manages is skipped, and only it: an unlabelled privileged
/// container next to it is still assessed.
#[test]
fn only_containers_a_running_kubelet_manages_are_skipped() {
    let c = Containers::new("kubelet");
    let uid = format!("pod-{}", std::process::id());
    let managed = c.make(
        "k8s_web_web-0_default",
        false,
        &[
            "--privileged",
            "--label",
            "io.kubernetes.pod.name=web-0",
            "--label",
            &format!("io.kubernetes.pod.uid={uid}"),
        ],
        image(),
    );
    // `make` prefixes names; the kubelet's own names start with k8s_, so rename it the way it would be.
    let kubelet_name = format!("k8s_web_web-0_default_{uid}_0");
    docker(&["rename", &managed, &kubelet_name]);
    let rogue = c.make("rogue", false, &["--privileged"], image());
    let r = FakeRoot::new();
    r.process(1, &["/sbin/init"]);
    r.process(700, &["/usr/bin/kubelet", "--root-dir=/var/lib/kubelet"]);
    r.process(
        701,
        &[
            "/usr/bin/cri-dockerd",
            "--container-runtime-endpoint",
            "fd://",
        ],
    );
    r.mkdir(&format!("/var/lib/kubelet/pods/{uid}"), 0o750);
    let (_, report) = scan_json(&[
        "--root",
        &r.root_arg(),
        "--container",
        &c.selector(),
        "--select",
        "5.04",
    ]);
    assert_eq!(report["host"]["orchestrator"], "kubernetes");
    assert!(report["host"]["orchestrator_evidence"]
        .as_str()
        .unwrap()
        .contains("kubelet (pid 700) and cri-dockerd (pid 701)"));
    assert_eq!(
        report["host"]["orchestrated_containers"],
        serde_json::json!([kubelet_name])
    );
    assert_eq!(result(&report, "5.04")["status"], "fail");
    assert_eq!(target_names(&report, "5.04"), vec![rogue.clone()]);
    // --include-orchestrated assesses it too.
    let (_, report) = scan_json(&[
        "--root",
        &r.root_arg(),
        "--container",
        &c.selector(),
        "--select",
        "5.04",
        "--include-orchestrated",
    ]);
    let mut names = target_names(&report, "5.04");
    names.sort();
    let mut want = vec![kubelet_name, rogue];
    want.sort();
    assert_eq!(names, want);
}

/// `collect` then `scan --facts` gives the same results as the live scan.
#[test]
fn saved_facts_evaluate_like_the_live_scan() {
    let c = Containers::new("offline");
    c.make(
        "a",
        false,
        &["--privileged", "-v", "/var/run/docker.sock:/s.sock"],
        image(),
    );
    c.make(
        "b",
        true,
        &["--read-only", "--memory", "32m"],
        hardened_image(),
    );
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json");
    let o = run(dockguard().args(["collect", "-o"]).arg(&facts));
    assert!(o.status.success(), "{}", stderr(&o));
    let f = facts.display().to_string();
    let (code_live, live) = scan_json(&["--container", &c.selector()]);
    let (code_saved, saved) = scan_json(&["--facts", &f, "--container", &c.selector()]);
    assert_eq!(code_live, code_saved);
    assert_eq!(live["results"], saved["results"]);
    assert_eq!(live["summary"], saved["summary"]);
    assert_eq!(
        live["results"].as_array().unwrap().len(),
        72,
        "every Azure rule is reported"
    );
}

#[test]
fn the_json_report_follows_the_contract() {
    let c = Containers::new("contract");
    c.make("x", false, &[], image());
    let (_, r) = scan_json(&["--container", &c.selector()]);
    assert_eq!(r["schema"], "dockguard.report/v1");
    assert_eq!(r["tool"]["name"], "dockguard");
    assert_eq!(r["profile"], "azure");
    for k in ["hostname", "docker_version", "os", "kernel", "orchestrator"] {
        assert!(r["host"].get(k).is_some(), "host.{k}");
    }
    assert!(r["started_at"].is_string() && r["duration_ms"].is_u64());
    let s = &r["summary"];
    let total: u64 = ["pass", "fail", "manual", "not_applicable", "error"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, 72);
    assert_eq!(r["inventory"]["id"], "0.0");
    assert!(r["inventory"]["docker_version"].is_string());
    for res in r["results"].as_array().unwrap() {
        for k in [
            "id",
            "title",
            "section",
            "severity",
            "status",
            "reason",
            "remediation",
            "targets",
        ] {
            assert!(res.get(k).is_some(), "{k} missing in {res}");
        }
        assert_eq!(res["refs"]["azure"][0], res["id"]);
        assert!(!res["refs"]["cis-1.6"].as_array().unwrap().is_empty());
        for t in res["targets"].as_array().unwrap() {
            for k in ["kind", "id", "name", "status", "detail"] {
                assert!(t.get(k).is_some(), "target {k} missing in {t}");
            }
        }
    }
    let ids: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    for id in ["1.01", "2.06", "3.16", "4.01", "5.01-2", "5.31", "7.06"] {
        assert!(ids.contains(&id), "{id}");
    }
}

#[test]
fn unreachable_daemon_exits_2_and_names_the_endpoint() {
    let o = run(dockguard().args(["scan", "--docker-host", "unix:///nonexistent/docker.sock"]));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("unix:///nonexistent/docker.sock"), "{e}");
    assert!(e.contains("--docker-host"), "{e}");
    assert!(o.stdout.is_empty());
    let o = run(dockguard().args(["scan", "--docker-host", "tcp://127.0.0.1:1"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("tcp://127.0.0.1:1"));
    // DOCKER_HOST is honoured when no flag is given.
    let o = run(dockguard()
        .env("DOCKER_HOST", "unix:///nonexistent/env.sock")
        .args(["scan"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/env.sock"));
}

#[test]
fn selection_and_fail_on() {
    let c = Containers::new("select");
    c.make("p", false, &["--privileged"], image());
    let (_, r) = scan_json(&[
        "--container",
        &c.selector(),
        "--select",
        "5.0",
        "--ignore",
        "5.01-2",
    ]);
    let ids: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["5.03", "5.04", "5.05", "5.09"]);
    // 5.04 (critical) fails: --fail-on critical still exits 1; selecting only low rules that pass exits 0.
    let (code, _) = scan_json(&[
        "--container",
        &c.selector(),
        "--select",
        "5.04",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code, 1);
    let (code, _) = scan_json(&[
        "--container",
        &c.selector(),
        "--select",
        "5.24",
        "--fail-on",
        "low",
    ]);
    assert_eq!(code, 0);
    // A pattern that matches nothing is an error, not an empty report.
    let o = run(dockguard().args(["scan", "--select", "9.9"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("9.9"));
}

#[test]
fn text_report_lists_offenders_and_fixes_without_colour_when_piped() {
    let c = Containers::new("text");
    let name = c.make("p", false, &["--privileged"], image());
    let o = run(dockguard().args(["scan", "--container", &c.selector(), "--select", "5.04"]));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains(&format!("container {name}: Privileged=true")),
        "{out}"
    );
    assert!(out.contains("Fix:"), "{out}");
    assert!(out.contains("Summary:"), "{out}");
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
    let o = run(dockguard().args([
        "scan",
        "--container",
        &c.selector(),
        "--select",
        "5.04",
        "--color",
        "always",
    ]));
    assert!(stdout(&o).contains('\x1b'));
}

/// Facts that need more than one inspect: processes from the host's /proc (never `docker exec`),
/// exec sessions the daemon remembers, image history and env names, the image list.
#[test]
fn collect_records_processes_execs_and_image_history() {
    let c = Containers::new("deepfacts");
    // A shell that renames itself: its comm is "sshd" while it loops (no exec, so the name sticks).
    let sshd = c.make_cmd(
        "sshd",
        true,
        &["--entrypoint", "/bin/sh", "-e", "API_TOKEN=not-in-facts"],
        image(),
        &[
            "-c",
            "echo -n sshd > /proc/$$/comm; while true; do sleep 1; done",
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    // The daemon forgets an exec session once it ends: keep one running while we collect.
    let mut exec = std::process::Command::new("docker")
        .args(["exec", "--user", "0", &sshd, "sleep", "5"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json");
    let o = run(dockguard().args(["collect", "-o"]).arg(&facts));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&facts).unwrap();
    assert!(
        !text.contains("not-in-facts"),
        "environment values never reach the facts"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let containers = v["docker"]["ok"]["containers"].as_array().unwrap();
    let me = containers
        .iter()
        .find(|x| x["name"] == sshd.as_str())
        .unwrap();
    let procs: Vec<&str> = me["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(procs.contains(&"sshd"), "{procs:?}");
    let execs = me["execs"].as_array().unwrap();
    assert!(
        execs
            .iter()
            .any(|e| e["user"] == "0" && e["command"] == "sleep 5"),
        "{execs:?}"
    );
    // The same facts under the CIS profile: sshd runs in the container (5.7), an exec ran as root (5.24).
    let f = facts.display().to_string();
    let (_, cis) = scan_json(&[
        "--facts",
        &f,
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
    ]);
    assert_eq!(cis["results"].as_array().unwrap().len(), 117);
    assert_eq!(target_status(&cis, "5.7", &sshd), "fail");
    assert_eq!(target_status(&cis, "5.24", &sshd), "fail");
    let _ = exec.wait();
    let images = v["docker"]["ok"]["images"].as_array().unwrap();
    let img = images
        .iter()
        .find(|i| i["tags"].as_array().unwrap().iter().any(|t| t == image()))
        .unwrap();
    assert!(
        img["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h.as_str().unwrap().contains("COPY")),
        "{img}"
    );
    assert!(!v["docker"]["ok"]["image_list"]["ok"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// CIS-only container rules on the real daemon: a privileged host port (5.8), and a container whose tag
/// was rebuilt since it was created (5.28).
#[test]
fn cis_rules_on_the_real_daemon() {
    let c = Containers::new("cislive");
    let dir = tempfile::tempdir().unwrap();
    let build = |label: &str| {
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!("FROM {}\nLABEL dockguard.test.retag=1 v={label}\n", image()),
        )
        .unwrap();
        BuiltImage::build(dir.path(), None, "retag")
    };
    let first = build("1");
    let old = c.make("old", false, &["-p", "127.0.0.1:80:80"], &first.tag);
    let fresh = c.make("fresh", false, &["-p", "127.0.0.1:8089:80"], image());
    let second = build("2");
    assert_eq!(first.tag, second.tag);
    let (_, r) = scan_json(&[
        "--profile",
        "cis-1.6",
        "--container",
        &c.selector(),
        "--select",
        "5.8,5.28",
    ]);
    assert_eq!(target_status(&r, "5.8", &old), "fail");
    assert_eq!(target_status(&r, "5.8", &fresh), "pass");
    assert_eq!(target_status(&r, "5.28", &old), "fail");
    assert_eq!(target_status(&r, "5.28", &fresh), "pass");
    // Containers first, then the images they use.
    drop(c);
    drop((first, second));
}

/// The live report validates against the shipped JSON Schema, and its SARIF against the official SARIF
/// 2.1.0 schema (kept in the repository as test data).
#[test]
fn live_reports_validate_against_their_schemas() {
    let c = Containers::new("schemas");
    c.make(
        "p",
        false,
        &["--privileged", "-v", "/etc:/host-etc"],
        image(),
    );
    let dir = tempfile::tempdir().unwrap();
    let (json, sarif) = (dir.path().join("r.json"), dir.path().join("r.sarif"));
    let o = run(dockguard()
        .args(["scan", "--container", &c.selector(), "-f", "json", "-o"])
        .arg(&json)
        .args(["-f", "sarif", "-o"])
        .arg(&sarif));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let check = |schema_path: std::path::PathBuf, doc: &std::path::Path| {
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&schema_path)
                .unwrap_or_else(|e| panic!("schema {} is needed: {e}", schema_path.display())),
        )
        .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(doc).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} against {}: {errors:#?}",
            doc.display(),
            schema_path.display()
        );
        v
    };
    let report = check(root.join("docs/report.schema.json"), &json);
    assert_eq!(report["schema"], "dockguard.report/v1");
    let sarif = check(
        root.join("crates/report/testdata/sarif-schema-2.1.0.json"),
        &sarif,
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "5.04"),
        "privileged container reported"
    );
    assert!(
        results.iter().any(|r| r["ruleId"] == "5.05"),
        "/etc mount reported"
    );
}
