//! The human report. By default failed rules come first, most severe first, then rules that could not be
//! checked, manual reviews, exemptions, passes and rules that do not apply; `group_by_section` keeps the
//! benchmark's order by section instead. Under each rule only the targets that did not pass are listed, up
//! to [`MAX_TARGETS`](crate::MAX_TARGETS) unless `all_targets`. A score per section and overall closes it.
//! Colours only when asked (the CLI decides: a TTY and no `NO_COLOR`).

use crate::common::{limit, more_line};
use crate::{format_score, Report, RuleReport};
use dockguard_rules::Status;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Also show the reason of passing and not-applicable rules.
    pub verbose: bool,
    /// List every target under a rule, not only the first [`MAX_TARGETS`](crate::MAX_TARGETS) (also used by
    /// the markdown and HTML formats).
    pub all_targets: bool,
    /// Benchmark order, by section, instead of failures first by severity.
    pub group_by_section: bool,
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

/// The order of the default layout: what needs action first.
const STATUS_ORDER: [(Status, &str); 6] = [
    (Status::Fail, "Failed"),
    (Status::Error, "Could not be checked"),
    (Status::Manual, "Manual review"),
    (Status::Exempt, "Exempt"),
    (Status::Pass, "Passed"),
    (Status::NotApplicable, "Not applicable"),
];

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
    if let Some(c) = &h.scanner_container {
        let _ = writeln!(
            out,
            "{}",
            st.dim(&format!(
                "dockguard runs in container {c} on this host: it is not assessed"
            ))
        );
    }
    if !h.root_missing.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            st.paint(
                "1;33",
                &format!(
                    "warning: the host root read is not a host's root filesystem (no {}): host-side rules \
                     that do not apply may only reflect that",
                    h.root_missing.join(", ")
                )
            )
        );
    }
    if report.results.is_empty() || opts.verbose {
        inventory(&mut out, &st, report);
    }
    if opts.group_by_section {
        let mut section = 0;
        for r in &report.results {
            if r.section_number() != section {
                section = r.section_number();
                let score = report
                    .summary
                    .sections
                    .iter()
                    .find(|s| s.section == section)
                    .map(|s| format!(" — score {}", format_score(s.score)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "\n{}{}",
                    st.bold(&format!("{section} {}", r.section)),
                    st.dim(&score)
                );
            }
            rule(&mut out, &st, r, opts);
        }
    } else {
        for (status, title) in STATUS_ORDER {
            let mut rules: Vec<&RuleReport> = report
                .results
                .iter()
                .filter(|r| r.status == status)
                .collect();
            if rules.is_empty() {
                continue;
            }
            rules.sort_by_key(|r| std::cmp::Reverse(r.severity));
            let order = if matches!(status, Status::Pass | Status::NotApplicable) {
                ""
            } else {
                ", most severe first"
            };
            let _ = writeln!(
                out,
                "\n{}{}",
                st.bold(&format!("{title} ({})", rules.len())),
                st.dim(order)
            );
            for r in rules {
                rule(&mut out, &st, r, opts);
            }
        }
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
        "\n{} {} — {} of {} decided rules pass (manual and not applicable left out; errors and exemptions \
         count against it)",
        st.bold("Score:"),
        st.bold(&format_score(s.score)),
        s.pass,
        s.decided()
    );
    if s.sections.len() > 1 {
        let parts: Vec<String> = s
            .sections
            .iter()
            .map(|x| format!("{} {} {}", x.section, x.title, format_score(x.score)))
            .collect();
        let _ = writeln!(out, "  {}", st.dim(&parts.join(" · ")));
    }
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

fn rule(out: &mut String, st: &Style, r: &RuleReport, opts: TextOptions) {
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
    if !detailed && !opts.verbose {
        return;
    }
    let _ = writeln!(out, "         {}", r.reason);
    if detailed {
        // Passing and not-applicable targets get no row.
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
        let (listed, more) = limit(&shown, opts.all_targets);
        for t in listed {
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
        if more > 0 {
            let _ = writeln!(out, "         {}", more_line(more));
        }
        if r.status == Status::Fail || r.status == Status::Manual {
            let _ = writeln!(out, "         {} {}", st.paint("36", "Fix:"), r.remediation);
        }
    }
}

/// `0.0` Docker inventory information: shown when no rule was selected (`--select 0.0`) or with `--show-all`.
fn inventory(out: &mut String, st: &Style, report: &Report) {
    let inv = &report.inventory;
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
    let _ = writeln!(out, "\n{}", st.bold(&format!("{} {}", inv.id, inv.title)));
    let rows = [
        ("Docker", o(&inv.docker_version)),
        ("API", o(&inv.api_version)),
        ("Storage driver", o(&inv.storage_driver)),
        ("Logging driver", o(&inv.logging_driver)),
        ("Cgroup driver", o(&inv.cgroup_driver)),
        ("Docker root", o(&inv.docker_root_dir)),
        ("Swarm", o(&inv.swarm)),
        (
            "Containers",
            format!(
                "{} ({} running, {} stopped)",
                inv.containers.total, inv.containers.running, inv.containers.stopped
            ),
        ),
        (
            "Images",
            format!("{} ({} in use)", inv.images.total, inv.images.in_use),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "  {:<15} {v}", format!("{k}:"));
    }
    if !inv.security_options.is_empty() {
        let _ = writeln!(
            out,
            "  {:<15} {}",
            "Security:",
            inv.security_options.join(", ")
        );
    }
    if let Some(e) = &inv.error {
        let _ = writeln!(out, "  {:<15} {e}", "Error:");
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
