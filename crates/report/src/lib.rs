//! The report model (`dockguard.report/v1`) and its renderers. One model, many formats: every renderer
//! reads the same [`Report`].

pub mod json;
pub mod model;
pub mod text;

pub use model::*;

#[cfg(test)]
mod tests {
    use super::*;
    use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Profile, Selection, Severity};

    /// A host with a few failures: a privileged container mounting the socket, debug logging.
    fn report() -> Report {
        let mut f = testing::compliant_host();
        let c = testing::first_container(&mut f);
        c.privileged = true;
        c.mounts.push(dockguard_facts::MountFacts {
            kind: "bind".into(),
            source: "/var/run/docker.sock".into(),
            destination: "/var/run/docker.sock".into(),
            rw: true,
            propagation: "rprivate".into(),
        });
        testing::daemon_json_set(&mut f, "log-level", serde_json::json!("debug"));
        let ctx = Ctx::new(&f, EvalOptions::default());
        let sel = Selection {
            select: vec![
                "2.02".into(),
                "2.14".into(),
                "5.04".into(),
                "5.31".into(),
                "7".into(),
            ],
            ignore: vec![],
            level: None,
        };
        let results = evaluate(&ctx, Profile::Azure, &sel);
        Report::new(
            &f,
            Profile::Azure,
            &results,
            None,
            "2026-11-25T00:00:00Z".into(),
            12,
        )
    }

    #[test]
    fn text_report() {
        insta::assert_snapshot!(text::render(&report(), text::TextOptions::default()));
    }

    #[test]
    fn json_report() {
        let r = report();
        let v: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
        insta::assert_json_snapshot!(v["results"]);
        assert_eq!(
            v["summary"],
            serde_json::json!({"pass": 1, "fail": 3, "manual": 0, "not_applicable": 3, "error": 0, "exempt": 0})
        );
        let back: Report = serde_json::from_value(v).unwrap();
        assert_eq!(back, r, "the JSON round-trips");
    }

    #[test]
    fn gate_respects_severity() {
        let r = report();
        assert!(
            r.gate_fails(Severity::Critical),
            "5.04 and 5.31 are critical"
        );
        let mut low_only = r.clone();
        low_only.results.retain(|x| x.severity < Severity::High);
        assert!(low_only.gate_fails(Severity::Low));
        assert!(!low_only.gate_fails(Severity::High));
    }
}
