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
