//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! - `tool.driver.rules` lists every rule of the report, so `ruleIndex` is the rule's index in
//!   `report.results`.
//! - One result per failing target (a failed rule without failing targets gives one result on the host),
//!   and one per exempt target (or exempt rule without exempt targets), carrying an `external`
//!   suppression whose justification is the exemption's reason. Other statuses give no result; the
//!   run's `properties.summary` counts them.
//! - Locations: GitHub requires a physical location. A file target points at the file under the
//!   `HOSTROOT` base (`file:///`), e.g. `etc/docker/daemon.json`; any other target gets the pseudo path
//!   `dockguard/<hostname>/<kind>/<name>` plus a logical location `<hostname>/<kind>/<name>` of kind
//!   `resource`.
//! - `partialFingerprints["dockguard/v1"]` is `<rule>|<kind>|<name>`: stable across scans of the same
//!   host, so code scanning tracks an alert from scan to scan.
//! - `automationDetails.id` is `dockguard/<profile>/<hostname>/`, so uploads for several hosts to one
//!   repository are separate analyses (GitHub's "category") instead of replacing each other.
//! - With a baseline, results carry `baselineState` `new` or `unchanged`.

use crate::common::{exempt_reason, hostname, kind_str};
use crate::{Report, RuleReport};
use dockguard_rules::{Severity, Status, Target, TargetKind};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool,
    ToolComponent,
};
use std::collections::BTreeMap;
use std::io::Write;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const SARIF_VERSION: &str = "2.1.0";
pub const INFORMATION_URI: &str = "https://github.com/dockguard/dockguard";
/// The uri base id of file locations: the scanned host's root directory.
pub const HOSTROOT: &str = "HOSTROOT";
/// The key of the partial fingerprint.
pub const FINGERPRINT: &str = "dockguard/v1";

/// Streams the SARIF log to a writer.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &build(report))?;
    w.write_all(b"\n")
}

/// The SARIF log of a report.
pub fn build(report: &Report) -> Sarif {
    let rules: Vec<ReportingDescriptor> = report
        .results
        .iter()
        .map(|r| descriptor(report, r))
        .collect();
    let mut results = Vec::new();
    for (index, r) in report.results.iter().enumerate() {
        results.extend(rule_results(report, index, r));
    }
    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .semantic_version(report.tool.version.clone())
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let invocation = Invocation::builder()
        .execution_successful(true)
        .start_time_utc(report.started_at.clone())
        .build();
    let base = ArtifactLocation::builder()
        .uri("file:///")
        .description(
            Message::builder()
                .text("The root directory of the scanned host")
                .build(),
        )
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id(format!(
                    "dockguard/{}/{}/",
                    report.profile,
                    hostname(report)
                ))
                .build(),
        )
        .invocations(vec![invocation])
        .original_uri_base_ids(BTreeMap::from([(HOSTROOT.to_string(), base)]))
        .results(results)
        .properties(run_properties(report))
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!(SARIF_VERSION))
        .runs(vec![run])
        .build()
}

fn run_properties(report: &Report) -> PropertyBag {
    let mut p = BTreeMap::new();
    p.insert("schema".into(), json!(report.schema));
    p.insert("profile".into(), json!(report.profile));
    p.insert("host".into(), json!(report.host));
    p.insert("summary".into(), json!(report.summary));
    p.insert("startedAt".into(), json!(report.started_at));
    p.insert("durationMs".into(), json!(report.duration_ms));
    if let Some(e) = &report.inventory.error {
        p.insert("inventoryError".into(), json!(e));
    }
    if let Some(b) = &report.baseline {
        p.insert("baseline".into(), json!(b.file));
    }
    PropertyBag::builder().additional_properties(p).build()
}

/// `error`, `warning` or `note`.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// GitHub's `security-severity` (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low < 4.0).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.0",
        Severity::High => "7.0",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
    }
}

/// `Ensure the logging level is set to 'info'` → `EnsureTheLoggingLevelIsSetToInfo`.
fn camel_case(title: &str) -> String {
    let mut out = String::new();
    for word in title.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

fn descriptor(report: &Report, r: &RuleReport) -> ReportingDescriptor {
    let name = match camel_case(&r.title) {
        n if n.is_empty() => r.id.clone(),
        n => n,
    };
    let level_str = match level(r.severity) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        _ => "note",
    };
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".into(),
        json!(security_severity(r.severity)),
    );
    props.insert("precision".into(), json!("high"));
    props.insert("severity".into(), json!(r.severity));
    props.insert("azure".into(), json!(r.refs.azure));
    props.insert("cis-1.6".into(), json!(r.refs.cis));
    props.insert("cis-level".into(), json!(r.level));
    ReportingDescriptor::builder()
        .id(r.id.clone())
        .name(name)
        .short_description(
            MultiformatMessageString::builder()
                .text(r.title.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(r.rationale.clone())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(r.remediation.clone())
                .markdown(r.remediation.clone())
                .build(),
        )
        .default_configuration(ReportingConfiguration::builder().level(level_str).build())
        .properties(
            PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    "docker".to_string(),
                    report.profile.clone(),
                    r.section.clone(),
                ])
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// A result's subject: a target, or the host for a rule without targets of the status.
struct Subject<'a> {
    kind: TargetKind,
    name: &'a str,
    detail: &'a str,
}

fn rule_results(report: &Report, index: usize, r: &RuleReport) -> Vec<SarifResult> {
    fn subject(t: &Target) -> Subject<'_> {
        Subject {
            kind: t.kind,
            name: &t.name,
            detail: &t.detail,
        }
    }
    // The rule's reason on the host, for a failed (or exempt) rule without targets of that status.
    let on_host = Subject {
        kind: TargetKind::Host,
        name: hostname(report),
        detail: &r.reason,
    };
    let failing: Vec<Subject<'_>> = r
        .targets
        .iter()
        .filter(|t| t.status == Status::Fail)
        .map(subject)
        .collect();
    let exempt: Vec<Subject<'_>> = r
        .targets
        .iter()
        .filter(|t| t.status == Status::Exempt)
        .map(subject)
        .collect();
    let mut out = Vec::new();
    if r.status == Status::Fail && failing.is_empty() {
        out.push(result(report, index, r, &on_host, None));
    }
    if r.status == Status::Fail {
        for s in &failing {
            out.push(result(report, index, r, s, None));
        }
    }
    if r.status == Status::Exempt && exempt.is_empty() {
        out.push(result(report, index, r, &on_host, Some(&r.reason)));
    }
    // Exempt targets are suppressed results, whatever the rule's status.
    for s in &exempt {
        out.push(result(report, index, r, s, Some(s.detail)));
    }
    out
}

/// A path-like name as URI path segments: `/` kept, the leading one dropped, everything outside
/// RFC 3986's unreserved characters percent-encoded.
fn uri_path(name: &str) -> String {
    let mut out = String::new();
    for b in name.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

fn location(report: &Report, kind: TargetKind, name: &str) -> Location {
    if kind == TargetKind::File {
        let artifact = ArtifactLocation::builder()
            .uri(uri_path(name))
            .uri_base_id(HOSTROOT)
            .build();
        return Location::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(artifact)
                    .build(),
            )
            .build();
    }
    let host = hostname(report);
    let kind = kind_str(kind);
    let artifact = ArtifactLocation::builder()
        .uri(format!(
            "dockguard/{}/{kind}/{}",
            uri_path(host),
            uri_path(name)
        ))
        .build();
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .build(),
        )
        .logical_locations(vec![LogicalLocation::builder()
            .name(name)
            .kind("resource")
            .fully_qualified_name(format!("{host}/{kind}/{name}"))
            .build()])
        .build()
}

fn result(
    report: &Report,
    index: usize,
    r: &RuleReport,
    s: &Subject<'_>,
    exempt: Option<&str>,
) -> SarifResult {
    let kind = kind_str(s.kind);
    let text = format!("{}: {kind} {}: {}", r.title, s.name, s.detail);
    let fingerprint = format!("{}|{kind}|{}", r.id, s.name);
    let mut res = SarifResult::builder()
        .rule_id(r.id.clone())
        .rule_index(index as i64)
        .level(level(r.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location(report, s.kind, s.name)])
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT.to_string(), fingerprint)]))
        .build();
    if let Some(why) = exempt {
        res.suppressions = Some(vec![Suppression::builder()
            .kind(json!("external"))
            .justification(exempt_reason(report, r, why))
            .build()]);
    }
    res.baseline_state = report.baseline.as_ref().map(|b| {
        let new = b
            .new
            .iter()
            .any(|f| f.rule == r.id && f.kind == s.kind && f.name == s.name);
        json!(if new { "new" } else { "unchanged" })
    });
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            camel_case("Ensure the logging level is set to 'info'"),
            "EnsureTheLoggingLevelIsSetToInfo"
        );
        assert_eq!(
            uri_path("/etc/docker/daemon.json"),
            "etc/docker/daemon.json"
        );
        assert_eq!(uri_path("nginx:1.27 x"), "nginx%3A1.27%20x");
        assert_eq!(uri_path(""), "-");
    }
}
