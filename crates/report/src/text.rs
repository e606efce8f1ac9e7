//! The human report: results grouped by section, failing targets and the fix under each failed rule,
//! a summary line. Colours only when asked (the CLI decides: a TTY and no `NO_COLOR`).

use crate::{Report, RuleReport};
use dockguard_rules::Status;
use std::fmt::Write;

/// How many targets to list under one rule before summarising the rest.
const MAX_TARGETS: usize = 25;

#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Also list passing and not-applicable targets' rules with their reasons.
    pub verbose: bool,
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn status(&self, st: Status) -> String {
        let (label, code) = match st {
            Status::Pass => ("PASS", "32"),
            Status::Fail => ("FAIL", "1;31"),
            Status::Manual => ("MANUAL", "33"),
            Status::NotApplicable => ("N/A", "2"),
            Status::Error => ("ERROR", "1;35"),
            Status::Exempt => ("EXEMPT", "36"),
        };
        self.paint(code, &format!("{label:<6}"))
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

pub fn render(report: &Report, opts: TextOptions) -> String {
    let st = Style { on: opts.color };
    let mut out = String::new();
    let h = &report.host;
    let _ = writeln!(
        out,
        "{} {} — host {} — Docker {} — {} — profile {}",
        st.bold("dockguard"),
        report.tool.version,
        h.hostname.as_deref().unwrap_or("(unknown)"),
        h.docker_version.as_deref().unwrap_or("(unknown)"),
        h.os.as_deref().unwrap_or("(unknown OS)"),
        report.profile
    );
    if let Some(o) = &h.orchestrator {
        let evidence = h.orchestrator_evidence.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "{}",
            st.paint(
                "33",
                &format!(
                    "{o} runs on this host ({evidence}); the {} container{} it manages {} not assessed",
                    h.orchestrated_containers.len(),
                    if h.orchestrated_containers.len() == 1 { "" } else { "s" },
                    if h.orchestrated_containers.len() == 1 { "is" } else { "are" },
                )
            )
        );
    }
    for c in &h.orchestrator_claims {
        let _ = writeln!(
            out,
            "{}",
            st.paint(
                "33",
                &format!(
                    "container {} carries orchestrator labels but is assessed: {}",
                    c.container, c.why
                )
            )
        );
    }
    if let Some(e) = &report.inventory.error {
        let _ = writeln!(
            out,
            "{}",
            st.paint("1;35", &format!("Docker facts missing: {e}"))
        );
    }
    let mut section = 0;
    for r in &report.results {
        if r.section_number() != section {
            section = r.section_number();
            let _ = writeln!(out, "\n{}", st.bold(&format!("{section} {}", r.section)));
        }
        rule(&mut out, &st, r, opts.verbose);
    }
    if !report.exemptions.is_empty() {
        let _ = writeln!(out, "\n{}", st.bold("Exemptions"));
        for e in &report.exemptions {
            let state = match e.state.as_str() {
                "expired" => st.paint("1;31", "EXPIRED (no longer applies)"),
                "unused" => st.dim("unused (matched nothing)"),
                _ => st.paint("36", &format!("active, {} target(s)", e.matched)),
            };
            let _ = writeln!(
                out,
                "  {} [{}] — {} (owner {}{}) — {}",
                e.rule,
                e.scope,
                e.reason,
                e.owner,
                e.expires
                    .as_deref()
                    .map(|d| format!(", until {d}"))
                    .unwrap_or_default(),
                state
            );
        }
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(
            out,
            "\n{} {} new, {} fixed since {}",
            st.bold("Baseline:"),
            b.new.len(),
            b.fixed.len(),
            b.file
        );
        for f in &b.new {
            let _ = writeln!(
                out,
                "  {} {} {}: {}",
                st.paint("31", "+"),
                f.rule,
                f.name,
                f.detail
            );
        }
        for f in &b.fixed {
            let _ = writeln!(
                out,
                "  {} {} {}: {}",
                st.paint("32", "-"),
                f.rule,
                f.name,
                f.detail
            );
        }
    }
    let s = &report.summary;
    let inv = &report.inventory;
    let _ = writeln!(
        out,
        "\n{} {} pass, {} fail, {} manual, {} not applicable, {} error{} — {}, {}, {} in use, {} ms",
        st.bold("Summary:"),
        st.paint("32", &s.pass.to_string()),
        st.paint("1;31", &s.fail.to_string()),
        s.manual,
        s.not_applicable,
        st.paint("1;35", &s.error.to_string()),
        if s.exempt > 0 { format!(", {} exempt", s.exempt) } else { String::new() },
        plural(s.total() as u64, "rule"),
        plural(inv.containers.inspected, "container"),
        plural(inv.images.in_use, "image"),
        report.duration_ms
    );
    out
}

fn rule(out: &mut String, st: &Style, r: &RuleReport, verbose: bool) {
    let _ = writeln!(
        out,
        "  {} {:<7} {} {}",
        st.status(r.status),
        r.id,
        r.title,
        st.dim(&format!("[{}]", r.severity))
    );
    let detailed = matches!(
        r.status,
        Status::Fail | Status::Error | Status::Manual | Status::Exempt
    );
    if !detailed && !verbose {
        return;
    }
    let _ = writeln!(out, "         {}", r.reason);
    if detailed {
        let shown: Vec<_> = r
            .targets
            .iter()
            .filter(|t| {
                matches!(
                    t.status,
                    Status::Fail | Status::Error | Status::Manual | Status::Exempt
                )
            })
            .collect();
        for t in shown.iter().take(MAX_TARGETS) {
            let mark = match t.status {
                Status::Fail => st.paint("31", "✗"),
                Status::Error => st.paint("35", "!"),
                Status::Exempt => st.paint("36", "~"),
                _ => st.paint("33", "?"),
            };
            let kind = serde_json::to_value(t.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(out, "         {mark} {kind} {}: {}", t.name, t.detail);
        }
        if shown.len() > MAX_TARGETS {
            let _ = writeln!(
                out,
                "         … and {} more (see --format json)",
                shown.len() - MAX_TARGETS
            );
        }
        if r.status == Status::Fail || r.status == Status::Manual {
            let _ = writeln!(out, "         {} {}", st.paint("36", "Fix:"), r.remediation);
        }
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
