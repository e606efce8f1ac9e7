//! `--format json`: the `dockguard.report/v1` document.

use crate::Report;
use std::io::Write;

/// Streams the report to a writer (no copy of the whole document in memory).
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}

/// The report as a string.
pub fn render(report: &Report) -> String {
    let mut buf = Vec::new();
    write(report, &mut buf).expect("writing to memory does not fail");
    String::from_utf8(buf).expect("JSON is UTF-8")
}

/// The JSON Schema of `dockguard.report/v1`, generated from the report types (shipped as
/// `docs/report.schema.json` by `cargo xtask docs`).
pub fn schema() -> serde_json::Value {
    let mut v = serde_json::to_value(schemars::schema_for!(Report)).expect("a schema serializes");
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "$id".into(),
            "https://dockguard.dev/schemas/dockguard.report.v1.json".into(),
        );
        o.insert("title".into(), "dockguard.report/v1".into());
    }
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn reports_validate_against_the_generated_schema() {
        let schema = super::schema();
        let validator = jsonschema::validator_for(&schema).expect("the generated schema is valid");
        for report in [
            crate::tests::fixture_report(),
            crate::tests::fixture_rich_report(),
        ] {
            let v: serde_json::Value = serde_json::from_str(&super::render(&report)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&v)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        // And it is not vacuous: a wrong status is rejected.
        let mut v: serde_json::Value =
            serde_json::from_str(&super::render(&crate::tests::fixture_report())).unwrap();
        v["results"][0]["status"] = "maybe".into();
        assert!(!validator.is_valid(&v));
        v = serde_json::from_str(&super::render(&crate::tests::fixture_report())).unwrap();
        v.as_object_mut().unwrap().remove("summary");
        assert!(!validator.is_valid(&v));
    }
}
