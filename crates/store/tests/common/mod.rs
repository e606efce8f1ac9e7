//! Reports for the store's tests and benchmark: real rule evaluations over the rules' fixture host.
#![allow(dead_code)]

use dockguard_facts::{Facts, MountFacts};
use dockguard_report::Report;
use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Profile, Selection};
use dockguard_store::Envelope;

/// The compliant fixture host named `hostname`, with `containers` hardened containers.
pub fn host(hostname: &str, containers: usize) -> Facts {
    let mut f = testing::compliant_host();
    let d = testing::docker_mut(&mut f);
    d.info.name = Some(hostname.into());
    let template = d.containers[0].clone();
    d.containers = (0..containers.max(1))
        .map(|i| {
            let mut c = testing::container(&format!("app-{i}"));
            c.image = template.image.clone();
            c.image_id = template.image_id.clone();
            c
        })
        .collect();
    f
}

/// Makes the first container privileged and mount the Docker socket (two critical/high failures).
pub fn break_first_container(f: &mut Facts) {
    let c = testing::first_container(f);
    c.privileged = Some(true);
    c.mounts.as_mut().unwrap().push(MountFacts {
        kind: Some("bind".into()),
        source: Some("/var/run/docker.sock".into()),
        destination: "/var/run/docker.sock".into(),
        rw: Some(true),
        propagation: Some("rprivate".into()),
    });
}

/// Turns on debug logging in daemon.json (one failure).
pub fn debug_logging(f: &mut Facts) {
    testing::daemon_json_set(f, "log-level", serde_json::json!("debug"));
}

/// The Azure profile's report of `f`.
pub fn report(f: &Facts, started_at: &str) -> Report {
    let ctx = Ctx::new(f, EvalOptions::default());
    let results = evaluate(&ctx, Profile::Azure, &Selection::default());
    Report::new(f, Profile::Azure, &results, None, started_at.into(), 10)
}

pub fn envelope(report_id: &str, host_key: &str, report: Report) -> Envelope {
    Envelope {
        report_id: report_id.into(),
        host_key: host_key.into(),
        agent: "dockguard 0.1.0".into(),
        report,
    }
}
