//! `--format html`: one self-contained HTML5 page for people who never used dockguard: no external
//! styles, scripts, fonts or images, no JavaScript (folding uses `<details>`).
//!
//! Every string from the report goes through [`escape`] (`&`, `<`, `>`, `"`, `'`) before it is written;
//! dockguard's own rule texts additionally get their `code` spans as `<code>` after escaping.

use crate::common::{
    exempt_reason, hostname, kind_str, limit, more_line, plural, rules_by_severity, rules_with,
    targets_with, without_exempt_note,
};
use crate::{format_score, Report, RuleReport};
use dockguard_rules::{Profile, Severity, Status, Target};
use std::io::{self, Write};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A rule text of dockguard's (title, rationale, remediation): escaped, then its `code` spans as
/// `<code>` elements.
fn prose(s: &str) -> String {
    let escaped = escape(s);
    let mut out = String::with_capacity(escaped.len());
    let mut parts = escaped.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // An unpaired last backtick stays a backtick.
    let pairs = rest.len() / 2 * 2;
    for (i, p) in rest.iter().enumerate() {
        if i >= pairs {
            out.push('`');
            out.push_str(p);
        } else if i % 2 == 0 {
            out.push_str("<code>");
            out.push_str(p);
            out.push_str("</code>");
        } else {
            out.push_str(p);
        }
    }
    out
}

const STYLE: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --line: #d1d9e0;
  --fail: #cf222e; --error: #8250df; --manual: #9a6700; --exempt: #0969da; --pass: #1a7f37; --na: #6e7781; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
h4 { font-size: .9rem; margin: .9rem 0 .3rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
p { margin: .3rem 0; }
code { font: .88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel);
  padding: .05em .3em; border-radius: 4px; overflow-wrap: anywhere; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.verdict { font-size: 1.1rem; font-weight: 600; margin: 1rem 0 .5rem; }
.score { font-size: 1.05rem; margin: .5rem 0; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: .5rem 0; }
.counts li { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: .35rem .8rem; min-width: 8rem; }
.counts b { display: block; font-size: 1.4rem; }
.c-fail { border-left-color: var(--fail) !important; } .c-error { border-left-color: var(--error) !important; }
.c-manual { border-left-color: var(--manual) !important; } .c-exempt { border-left-color: var(--exempt) !important; }
.c-pass { border-left-color: var(--pass) !important; } .c-na { border-left-color: var(--na) !important; }
.note { color: var(--muted); }
.warn { border: 1px solid var(--manual); background: #fff8c5; padding: .5rem .8rem; border-radius: 6px; }
.rule { border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: .8rem 0; }
.rule.s-critical { border-left-color: #a40e26; } .rule.s-high { border-left-color: var(--fail); }
.rule.s-medium { border-left-color: #bc4c00; } .rule.s-low { border-left-color: var(--manual); }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; text-transform: uppercase; color: #fff;
  border-radius: 999px; padding: .05rem .55rem; margin-right: .4rem; vertical-align: middle; }
.b-critical { background: #a40e26; } .b-high { background: var(--fail); } .b-medium { background: #bc4c00; }
.b-low { background: var(--manual); }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); margin-right: .3rem; }
.reason { color: var(--muted); }
.refs { font-size: .85rem; color: var(--muted); margin-top: .6rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--panel); white-space: nowrap; }
td.w { overflow-wrap: anywhere; }
details { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .8rem 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin: 2rem 0 0; font-size: .85rem; color: var(--muted); }
@media print { details { border: none; } details > summary { list-style: none; } .rule { break-inside: avoid; } }
"#;

/// Streams the HTML page to a writer, listing at most [`MAX_TARGETS`](crate::MAX_TARGETS) targets per rule.
pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    write_with(report, false, w)
}

/// [`write`], listing every target when `all_targets`.
pub fn write_with(report: &Report, all_targets: bool, w: &mut dyn Write) -> io::Result<()> {
    let host = escape(hostname(report));
    writeln!(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>")?;
    writeln!(w, "<meta charset=\"utf-8\">")?;
    writeln!(
        w,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        w,
        "<meta name=\"generator\" content=\"dockguard {}\">",
        escape(&report.tool.version)
    )?;
    writeln!(w, "<title>Docker security report for {host}</title>")?;
    writeln!(w, "<style>{STYLE}</style>\n</head>\n<body>\n<main>")?;
    header(report, w)?;
    summary(report, w)?;

    let failed = rules_by_severity(report, Status::Fail);
    if !failed.is_empty() {
        writeln!(
            w,
            "<section id=\"failed\">\n<h2>Failed rules ({})</h2>\n<p class=\"note\">Most severe first. \
             Each rule says what failed on this host, why it matters, and how to fix it.</p>",
            failed.len()
        )?;
        for r in failed {
            rule(w, r, Status::Fail, all_targets)?;
        }
        writeln!(w, "</section>")?;
    }
    let errors = rules_by_severity(report, Status::Error);
    if !errors.is_empty() {
        writeln!(
            w,
            "<section id=\"errors\">\n<h2>Could not be checked ({})</h2>\n<p class=\"note\">dockguard \
             could not read what these rules need. They are not a pass: check them by hand or fix \
             access and scan again.</p>",
            errors.len()
        )?;
        for r in errors {
            rule(w, r, Status::Error, all_targets)?;
        }
        writeln!(w, "</section>")?;
    }
    let manual = rules_by_severity(report, Status::Manual);
    if !manual.is_empty() {
        writeln!(
            w,
            "<section id=\"manual\">\n<h2>Needs a manual review ({})</h2>\n<p class=\"note\">A \
             person has to decide these: the facts dockguard collects cannot.</p>",
            manual.len()
        )?;
        for r in manual {
            rule(w, r, Status::Manual, all_targets)?;
        }
        writeln!(w, "</section>")?;
    }
    exemptions(report, all_targets, w)?;
    baseline(report, w)?;
    folded(
        w,
        "passed",
        "Passed rules",
        &rules_with(report, Status::Pass),
    )?;
    folded(
        w,
        "not-applicable",
        "Rules that do not apply to this host",
        &rules_with(report, Status::NotApplicable),
    )?;
    writeln!(
        w,
        "<footer>Generated by dockguard {} ({}) from report schema {}.</footer>",
        escape(&report.tool.version),
        escape(crate::sarif::INFORMATION_URI),
        escape(&report.schema)
    )?;
    writeln!(w, "</main>\n</body>\n</html>")
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(escape).unwrap_or_else(|| "unknown".into())
}

fn header(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let h = &report.host;
    let profile = match Profile::parse(&report.profile) {
        Some(p) => format!("{} ({})", escape(p.title()), escape(&report.profile)),
        None => escape(&report.profile),
    };
    writeln!(
        w,
        "<header>\n<h1>Docker security report for {}</h1>",
        escape(hostname(report))
    )?;
    writeln!(w, "<dl class=\"meta\">")?;
    let inv = &report.inventory;
    let rows = [
        ("Host", opt(&h.hostname)),
        ("Docker version", opt(&h.docker_version)),
        ("Operating system", opt(&h.os)),
        ("Kernel", opt(&h.kernel)),
        ("Benchmark", profile),
        ("Scanned at", escape(&report.started_at)),
        (
            "Containers",
            format!(
                "{} ({} running, {} stopped, {} inspected)",
                inv.containers.total,
                inv.containers.running,
                inv.containers.stopped,
                inv.containers.inspected
            ),
        ),
        (
            "Images",
            format!("{} ({} in use)", inv.images.total, inv.images.in_use),
        ),
    ];
    for (k, v) in rows {
        writeln!(w, "<dt>{k}</dt><dd>{v}</dd>")?;
    }
    writeln!(w, "</dl>")?;
    if let Some(o) = &h.orchestrator {
        writeln!(
            w,
            "<p class=\"warn\">{} runs on this host ({}): the {} containers it manages are not \
             assessed.</p>",
            escape(o),
            escape(h.orchestrator_evidence.as_deref().unwrap_or("")),
            h.orchestrated_containers.len()
        )?;
    }
    for c in &h.orchestrator_claims {
        writeln!(
            w,
            "<p class=\"warn\">Container {} carries orchestrator labels but is assessed: {}</p>",
            escape(&c.container),
            escape(&c.why)
        )?;
    }
    if let Some(e) = &inv.error {
        writeln!(
            w,
            "<p class=\"warn\">dockguard could not read Docker's state: {}. Rules that need it \
             could not be checked.</p>",
            escape(e)
        )?;
    }
    if let Some(c) = &h.scanner_container {
        writeln!(
            w,
            "<p class=\"note\">dockguard ran in container {} on this host: it is not assessed.</p>",
            escape(c)
        )?;
    }
    if !h.root_missing.is_empty() {
        writeln!(
            w,
            "<p class=\"warn\">The host root dockguard read is not a host's root filesystem (no {}): \
             host-side rules that do not apply may only reflect that.</p>",
            escape(&h.root_missing.join(", "))
        )?;
    }
    writeln!(w, "</header>")
}

/// `22 rules fail; 4 need a manual review; …`.
pub fn verdict(report: &Report) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    let verb = |n: usize, one: &str, many: &str| {
        format!("{} {}", plural(n, "rule"), if n == 1 { one } else { many })
    };
    if s.fail == 0 {
        parts.push("no rule fails".to_string());
    } else {
        parts.push(verb(s.fail, "fails", "fail"));
    }
    if s.error > 0 {
        parts.push(verb(
            s.error,
            "could not be checked",
            "could not be checked",
        ));
    }
    if s.manual > 0 {
        parts.push(format!(
            "{} {} a manual review",
            s.manual,
            if s.manual == 1 { "needs" } else { "need" }
        ));
    }
    if s.exempt > 0 {
        parts.push(format!(
            "{} {} exempt",
            s.exempt,
            if s.exempt == 1 { "is" } else { "are" }
        ));
    }
    if s.pass > 0 {
        parts.push(format!(
            "{} {}",
            s.pass,
            if s.pass == 1 { "passes" } else { "pass" }
        ));
    }
    if s.not_applicable > 0 {
        parts.push(format!(
            "{} {} not apply to this host",
            s.not_applicable,
            if s.not_applicable == 1 { "does" } else { "do" }
        ));
    }
    let mut out = parts.join("; ");
    if let Some(first) = out.get(..1) {
        out = first.to_uppercase() + &out[1..];
    }
    out.push('.');
    out
}

fn summary(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(w, "<section id=\"summary\">\n<h2>Summary</h2>")?;
    writeln!(w, "<p class=\"verdict\">{}</p>", escape(&verdict(report)))?;
    writeln!(w, "<ul class=\"counts\">")?;
    for (class, label, n) in [
        ("c-fail", "Fail", s.fail),
        ("c-error", "Could not be checked", s.error),
        ("c-manual", "Manual review", s.manual),
        ("c-exempt", "Exempt", s.exempt),
        ("c-pass", "Pass", s.pass),
        ("c-na", "Not applicable", s.not_applicable),
    ] {
        writeln!(w, "<li class=\"{class}\"><b>{n}</b>{label}</li>")?;
    }
    writeln!(w, "</ul>")?;
    writeln!(
        w,
        "<p class=\"score\">Score: <b>{}</b> — {} of {} decided rules pass. <span class=\"note\">The \
         score leaves out manual and not-applicable rules; errors and exemptions count against it.</span></p>",
        format_score(s.score),
        s.pass,
        s.decided()
    )?;
    if !s.sections.is_empty() {
        writeln!(
            w,
            "<table class=\"sections\">\n<thead><tr><th>Section</th><th>Score</th><th>Pass</th><th>Fail</th>\
             <th>Could not be checked</th><th>Exempt</th><th>Manual</th><th>Not applicable</th></tr></thead>\n<tbody>"
        )?;
        for x in &s.sections {
            writeln!(
                w,
                "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                x.section,
                escape(&x.title),
                format_score(x.score),
                x.pass,
                x.fail,
                x.error,
                x.exempt,
                x.manual,
                x.not_applicable
            )?;
        }
        writeln!(w, "</tbody>\n</table>")?;
    }
    writeln!(
        w,
        "<p class=\"note\">{} checked against the {}. Severity says how much a failure exposes the host: \
         fix critical and high failures first.</p>\n</section>",
        plural(s.total(), "rule"),
        escape(
            Profile::parse(&report.profile)
                .map(|p| p.title())
                .unwrap_or(report.profile.as_str())
        )
    )
}

fn severity_badge(s: Severity) -> String {
    format!("<span class=\"badge b-{s}\">{s}</span>")
}

fn refs(r: &RuleReport) -> String {
    let mut parts = Vec::new();
    if !r.refs.azure.is_empty() {
        parts.push(format!(
            "Azure baseline {}",
            escape(&r.refs.azure.join(", "))
        ));
    }
    if !r.refs.cis.is_empty() {
        parts.push(format!(
            "CIS Docker Benchmark v1.6.0 {}",
            escape(&r.refs.cis.join(", "))
        ));
    }
    if !r.refs.cis18.is_empty() {
        parts.push(format!(
            "CIS Docker Benchmark v1.8.0 {}",
            escape(&r.refs.cis18.join(", "))
        ));
    }
    parts.push(format!("CIS level {}", r.level));
    parts.push(format!("section {}", escape(&r.section)));
    parts.join(" · ")
}

fn targets_table(
    w: &mut dyn Write,
    targets: &[&Target],
    strip_exempt_note: bool,
    all_targets: bool,
) -> io::Result<()> {
    writeln!(
        w,
        "<table>\n<thead><tr><th>Kind</th><th>Name</th><th>Detail</th></tr></thead>\n<tbody>"
    )?;
    let (listed, more) = limit(targets, all_targets);
    for t in listed {
        writeln!(
            w,
            "<tr><td>{}</td><td class=\"w\">{}</td><td class=\"w\">{}</td></tr>",
            kind_str(t.kind),
            escape(&t.name),
            escape(if strip_exempt_note {
                without_exempt_note(&t.detail)
            } else {
                &t.detail
            })
        )?;
    }
    if more > 0 {
        writeln!(
            w,
            "<tr><td colspan=\"3\" class=\"note\">{}</td></tr>",
            escape(&more_line(more))
        )?;
    }
    writeln!(w, "</tbody>\n</table>")
}

fn rule(w: &mut dyn Write, r: &RuleReport, status: Status, all_targets: bool) -> io::Result<()> {
    writeln!(
        w,
        "<article class=\"rule s-{}\" id=\"rule-{}\">",
        r.severity,
        escape(&r.id)
    )?;
    writeln!(
        w,
        "<h3>{}<span class=\"id\">{}</span>{}</h3>",
        severity_badge(r.severity),
        escape(&r.id),
        prose(&r.title)
    )?;
    writeln!(w, "<p class=\"reason\">{}</p>", escape(&r.reason))?;
    let shown = targets_with(r, status);
    if !shown.is_empty() {
        let heading = match status {
            Status::Fail => "What failed",
            Status::Error => "What could not be checked",
            _ => "What to review",
        };
        writeln!(w, "<h4>{heading}</h4>")?;
        targets_table(w, &shown, false, all_targets)?;
    }
    let exempt = targets_with(r, Status::Exempt);
    if !exempt.is_empty() {
        writeln!(w, "<h4>Exempt</h4>")?;
        targets_table(w, &exempt, false, all_targets)?;
    }
    writeln!(w, "<h4>Why it matters</h4>\n<p>{}</p>", prose(&r.rationale))?;
    let fix = match status {
        Status::Error => "How to fix it once it can be checked",
        Status::Manual => "What to check and how to fix it",
        _ => "How to fix",
    };
    writeln!(w, "<h4>{fix}</h4>\n<p>{}</p>", prose(&r.remediation))?;
    writeln!(w, "<p class=\"refs\">{}</p>\n</article>", refs(r))
}

fn exemptions(report: &Report, all_targets: bool, w: &mut dyn Write) -> io::Result<()> {
    let rules = rules_by_severity(report, Status::Exempt);
    if rules.is_empty() && report.exemptions.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "<section id=\"exempt\">\n<h2>Exemptions ({})</h2>\n<p class=\"note\">Failures the \
         configuration accepts, each with a reason, an owner and usually an expiry date.</p>",
        rules.len()
    )?;
    for r in rules {
        writeln!(
            w,
            "<article class=\"rule s-{}\" id=\"rule-{}\">",
            r.severity,
            escape(&r.id)
        )?;
        writeln!(
            w,
            "<h3>{}<span class=\"id\">{}</span>{}</h3>",
            severity_badge(r.severity),
            escape(&r.id),
            prose(&r.title)
        )?;
        writeln!(
            w,
            "<p class=\"reason\">Exempt: {}</p>",
            escape(&exempt_reason(report, r, &r.reason))
        )?;
        let exempt = targets_with(r, Status::Exempt);
        if !exempt.is_empty() {
            targets_table(w, &exempt, true, all_targets)?;
        }
        writeln!(w, "<p class=\"refs\">{}</p>\n</article>", refs(r))?;
    }
    if !report.exemptions.is_empty() {
        writeln!(
            w,
            "<h3>Configured exemptions</h3>\n<table>\n<thead><tr><th>Rule</th><th>Scope</th>\
             <th>Reason</th><th>Owner</th><th>Expires</th><th>State</th><th>Matched</th></tr></thead>\n<tbody>"
        )?;
        for e in &report.exemptions {
            writeln!(
                w,
                "<tr><td>{}</td><td class=\"w\">{}</td><td class=\"w\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&e.rule),
                escape(&e.scope),
                escape(&e.reason),
                escape(&e.owner),
                e.expires.as_deref().map(escape).unwrap_or_else(|| "never".into()),
                escape(&e.state),
                e.matched
            )?;
        }
        writeln!(w, "</tbody>\n</table>")?;
    }
    writeln!(w, "</section>")
}

fn baseline(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let Some(b) = &report.baseline else {
        return Ok(());
    };
    writeln!(
        w,
        "<section id=\"baseline\">\n<h2>Changes since the baseline</h2>\n<p class=\"note\">Compared \
         with the earlier report {}.</p>",
        escape(&b.file)
    )?;
    for (title, list) in [("New failures", &b.new), ("Fixed", &b.fixed)] {
        writeln!(w, "<h3>{title} ({})</h3>", list.len())?;
        if list.is_empty() {
            writeln!(w, "<p>None.</p>")?;
            continue;
        }
        writeln!(
            w,
            "<table>\n<thead><tr><th>Rule</th><th>Kind</th><th>Name</th><th>Detail</th></tr></thead>\n<tbody>"
        )?;
        for f in list {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td class=\"w\">{}</td><td class=\"w\">{}</td></tr>",
                escape(&f.rule),
                kind_str(f.kind),
                escape(&f.name),
                escape(&f.detail)
            )?;
        }
        writeln!(w, "</tbody>\n</table>")?;
    }
    writeln!(w, "</section>")
}

fn folded(w: &mut dyn Write, id: &str, title: &str, rules: &[&RuleReport]) -> io::Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "<details id=\"{id}\">\n<summary>{title} ({})</summary>\n<table>\n<thead><tr><th>Rule</th>\
         <th>Title</th><th>Severity</th><th>Result</th></tr></thead>\n<tbody>",
        rules.len()
    )?;
    for r in rules {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"w\">{}</td></tr>",
            escape(&r.id),
            prose(&r.title),
            r.severity,
            escape(&r.reason)
        )?;
    }
    writeln!(w, "</tbody>\n</table>\n</details>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_code_spans() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            prose("set `icc` to `false` <b>"),
            "set <code>icc</code> to <code>false</code> &lt;b&gt;"
        );
        assert_eq!(prose("a `b` c ` d"), "a <code>b</code> c ` d");
    }
}
