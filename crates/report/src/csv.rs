//! `--format csv`: one row per rule and target, for spreadsheets.
//!
//! A rule without targets gets one row with empty target columns. Id lists (`azure_ids`, `cis_ids`) are
//! joined with `;`.
//!
//! Formula injection: a spreadsheet treats a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return as a formula. Every cell that comes from the scanned host (`host`, `target_id`, `target_name`,
//! `detail`, `reason`) and starts with one of them is prefixed with `'`, which spreadsheets show as
//! text (OWASP's recommendation). Rule texts and ids are dockguard's own and are written as they are.

use crate::common::kind_str;
use crate::{Report, RuleReport};
use dockguard_rules::Target;
use std::borrow::Cow;
use std::io::Write;

pub const HEADER: [&str; 17] = [
    "host",
    "profile",
    "rule_id",
    "azure_ids",
    "cis_ids",
    "title",
    "section",
    "severity",
    "level",
    "rule_status",
    "target_kind",
    "target_id",
    "target_name",
    "target_status",
    "detail",
    "reason",
    "remediation",
];

/// Streams the CSV document to a writer.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record(HEADER)?;
    let host = report.host.hostname.as_deref().unwrap_or("");
    for r in &report.results {
        if r.targets.is_empty() {
            out.write_record(row(report, host, r, None).iter().map(|c| c.as_bytes()))?;
        }
        for t in &r.targets {
            out.write_record(row(report, host, r, Some(t)).iter().map(|c| c.as_bytes()))?;
        }
    }
    out.flush()
}

fn row<'a>(
    report: &'a Report,
    host: &'a str,
    r: &'a RuleReport,
    t: Option<&'a Target>,
) -> [Cow<'a, str>; 17] {
    let b = Cow::Borrowed;
    [
        guard(host),
        b(&report.profile),
        b(&r.id),
        Cow::Owned(r.refs.azure.join(";")),
        Cow::Owned(r.refs.cis.join(";")),
        b(&r.title),
        b(&r.section),
        b(r.severity.as_str()),
        Cow::Owned(r.level.to_string()),
        b(r.status.as_str()),
        b(t.map(|t| kind_str(t.kind)).unwrap_or("")),
        t.map(|t| guard(&t.id)).unwrap_or_default(),
        t.map(|t| guard(&t.name)).unwrap_or_default(),
        b(t.map(|t| t.status.as_str()).unwrap_or("")),
        t.map(|t| guard(&t.detail)).unwrap_or_default(),
        guard(&r.reason),
        b(&r.remediation),
    ]
}

/// Neutralises a cell a spreadsheet would evaluate as a formula.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}
