//! `--format markdown`: a GitHub-flavoured Markdown report for pull-request comments and wikis.
//!
//! Failed rules come first, most severe first, then errors, manual reviews, exemptions and the
//! baseline comparison; passed and not-applicable rules are folded in `<details>`.
//!
//! Every string that comes from the scanned host or the configuration (names, details, reasons,
//! exemption texts) goes through [`escape`], so it renders as text: no links, emphasis, tables or HTML
//! tags of its own. dockguard's rule texts (rationale, remediation) are Markdown and are written as
//! they are.

use crate::common::{
    exempt_reason, hostname, kind_str, limit, more_line, plural, rules_by_severity, rules_with,
    without_exempt_note,
};
use crate::{format_score, Report, RuleReport};
use dockguard_rules::{Profile, Status, Target};
use std::io::{self, Write};

/// Escapes text for Markdown: punctuation that GitHub-flavoured Markdown gives a meaning inside a line
/// (code, emphasis, links and images, headings, tables, strikethrough, math) gets a backslash; `&`, `<`
/// and `>` become entities, so no HTML passes through; line breaks and other control characters become
/// spaces, so no new block starts. Host strings are never put at the start of a line, where `-`, `+`,
/// `=` or a number would matter.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Streams the Markdown report to a writer, listing at most [`MAX_TARGETS`](crate::MAX_TARGETS) targets per
/// rule.
pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    write_with(report, false, w)
}

/// [`write`], listing every target when `all_targets`.
pub fn write_with(report: &Report, all_targets: bool, w: &mut dyn Write) -> io::Result<()> {
    header(report, w)?;
    let failed = rules_by_severity(report, Status::Fail);
    if !failed.is_empty() {
        writeln!(w, "\n## Failed rules ({})", failed.len())?;
        for r in failed {
            detailed(w, r, Status::Fail, true, all_targets)?;
        }
    }
    let errors = rules_by_severity(report, Status::Error);
    if !errors.is_empty() {
        writeln!(w, "\n## Could not be assessed ({})", errors.len())?;
        for r in errors {
            detailed(w, r, Status::Error, false, all_targets)?;
        }
    }
    let manual = rules_by_severity(report, Status::Manual);
    if !manual.is_empty() {
        writeln!(w, "\n## Manual review needed ({})", manual.len())?;
        for r in manual {
            detailed(w, r, Status::Manual, true, all_targets)?;
        }
    }
    exemptions(report, w)?;
    baseline(report, all_targets, w)?;
    folded(w, "Passed rules", &rules_with(report, Status::Pass), false)?;
    folded(
        w,
        "Not applicable rules",
        &rules_with(report, Status::NotApplicable),
        true,
    )?;
    Ok(())
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(escape).unwrap_or_else(|| "unknown".into())
}

fn header(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let profile = Profile::parse(&report.profile)
        .map(|p| format!(" ({})", p.title()))
        .unwrap_or_default();
    writeln!(
        w,
        "# dockguard: host {} — Docker {} — profile {}{profile}",
        escape(hostname(report)),
        opt(&report.host.docker_version),
        escape(&report.profile),
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "OS {} · kernel {} · scanned {} in {} ms · dockguard {}",
        opt(&report.host.os),
        opt(&report.host.kernel),
        escape(&report.started_at),
        report.duration_ms,
        escape(&report.tool.version),
    )?;
    if let Some(o) = &report.host.orchestrator {
        writeln!(
            w,
            "\n> {} runs on this host ({}): the {} containers it manages are not assessed.",
            escape(o),
            escape(report.host.orchestrator_evidence.as_deref().unwrap_or("")),
            report.host.orchestrated_containers.len()
        )?;
    }
    for c in &report.host.orchestrator_claims {
        writeln!(
            w,
            "\n> Container {} carries orchestrator labels but is assessed: {}",
            escape(&c.container),
            escape(&c.why)
        )?;
    }
    if let Some(e) = &report.inventory.error {
        writeln!(w, "\n> **Docker facts missing:** {}", escape(e))?;
    }
    if let Some(c) = &report.host.scanner_container {
        writeln!(
            w,
            "\n> dockguard ran in container {} on this host: it is not assessed.",
            escape(c)
        )?;
    }
    if !report.host.root_missing.is_empty() {
        writeln!(
            w,
            "\n> **Warning:** the host root read is not a host's root filesystem (no {}): host-side rules \
             that do not apply may only reflect that.",
            escape(&report.host.root_missing.join(", "))
        )?;
    }
    let s = &report.summary;
    writeln!(
        w,
        "\n**Score: {}** — {} of {} decided rules pass (manual and not-applicable rules left out; errors and \
         exemptions count against it).",
        format_score(s.score),
        s.pass,
        s.decided()
    )?;
    if !s.sections.is_empty() {
        writeln!(
            w,
            "\n| Section | Score | Pass | Fail | Error | Exempt | Manual | N/A |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        )?;
        for x in &s.sections {
            writeln!(
                w,
                "| {} {} | {} | {} | {} | {} | {} | {} | {} |",
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
    }
    writeln!(w, "\n| Result | Rules |\n| --- | ---: |")?;
    for (label, n) in [
        ("❌ Fail", s.fail),
        ("⚠️ Error", s.error),
        ("🔍 Manual review", s.manual),
        ("🛡️ Exempt", s.exempt),
        ("✅ Pass", s.pass),
        ("➖ Not applicable", s.not_applicable),
    ] {
        writeln!(w, "| {label} | {n} |")?;
    }
    writeln!(w, "| **Total** | **{}** |", s.total())
}

fn target_line(t: &Target) -> String {
    format!(
        "- {} {}: {}",
        kind_str(t.kind),
        escape(&t.name),
        escape(&t.detail)
    )
}

fn refs(r: &RuleReport) -> String {
    let mut parts = Vec::new();
    if !r.refs.azure.is_empty() {
        parts.push(format!("Azure {}", r.refs.azure.join(", ")));
    }
    if !r.refs.cis.is_empty() {
        parts.push(format!("CIS {}", r.refs.cis.join(", ")));
    }
    parts.join(" · ")
}

/// A rule with its reason, its targets of `status` and, with `fix`, the remediation.
fn detailed(
    w: &mut dyn Write,
    r: &RuleReport,
    status: Status,
    fix: bool,
    all_targets: bool,
) -> io::Result<()> {
    writeln!(w, "\n### {} {}", escape(&r.id), escape(&r.title))?;
    writeln!(
        w,
        "\n**Severity:** {} · {} · **Reason:** {}",
        r.severity,
        refs(r),
        escape(&r.reason)
    )?;
    let shown: Vec<&Target> = r.targets.iter().filter(|t| t.status == status).collect();
    if !shown.is_empty() {
        writeln!(w)?;
        let (listed, more) = limit(&shown, all_targets);
        for t in listed {
            writeln!(w, "{}", target_line(t))?;
        }
        if more > 0 {
            writeln!(w, "- {}", more_line(more))?;
        }
    }
    if fix {
        writeln!(w, "\n**Fix:** {}", r.remediation)?;
    }
    Ok(())
}

fn exemptions(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let exempt_rules = rules_by_severity(report, Status::Exempt);
    let exempt_targets: Vec<(&RuleReport, &Target)> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Exempt)
        .flat_map(|r| {
            r.targets
                .iter()
                .filter(|t| t.status == Status::Exempt)
                .map(move |t| (r, t))
        })
        .collect();
    if exempt_rules.is_empty() && exempt_targets.is_empty() && report.exemptions.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n## Exemptions")?;
    if !exempt_rules.is_empty() || !exempt_targets.is_empty() {
        writeln!(w)?;
    }
    for r in &exempt_rules {
        writeln!(
            w,
            "- **{} {}** ({}): {}",
            escape(&r.id),
            escape(&r.title),
            r.severity,
            escape(&exempt_reason(report, r, &r.reason))
        )?;
        for t in r.targets.iter().filter(|t| t.status == Status::Exempt) {
            writeln!(
                w,
                "  - {} {}: {}",
                kind_str(t.kind),
                escape(&t.name),
                escape(without_exempt_note(&t.detail))
            )?;
        }
    }
    for (r, t) in exempt_targets {
        writeln!(
            w,
            "- **{} {}** ({}), {} {}: {}",
            escape(&r.id),
            escape(&r.title),
            r.severity,
            kind_str(t.kind),
            escape(&t.name),
            escape(&exempt_reason(report, r, &t.detail))
        )?;
    }
    if !report.exemptions.is_empty() {
        writeln!(
            w,
            "\n| Rule | Scope | Reason | Owner | Expires | State | Matched |\n| --- | --- | --- | --- | --- | --- | ---: |"
        )?;
        for e in &report.exemptions {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} |",
                escape(&e.rule),
                escape(&e.scope),
                escape(&e.reason),
                escape(&e.owner),
                e.expires.as_deref().map(escape).unwrap_or_default(),
                escape(&e.state),
                e.matched
            )?;
        }
    }
    Ok(())
}

fn baseline(report: &Report, all_targets: bool, w: &mut dyn Write) -> io::Result<()> {
    let Some(b) = &report.baseline else {
        return Ok(());
    };
    writeln!(w, "\n## Since the baseline ({})", escape(&b.file))?;
    for (title, list) in [("New failures", &b.new), ("Fixed", &b.fixed)] {
        writeln!(w, "\n**{title} ({}):**", list.len())?;
        if list.is_empty() {
            writeln!(w, "\nnone")?;
            continue;
        }
        writeln!(w)?;
        let (listed, more) = limit(list, all_targets);
        for f in listed {
            writeln!(
                w,
                "- {} {} {}: {}",
                escape(&f.rule),
                kind_str(f.kind),
                escape(&f.name),
                escape(&f.detail)
            )?;
        }
        if more > 0 {
            writeln!(w, "- {}", more_line(more))?;
        }
    }
    Ok(())
}

/// Rules folded in `<details>`, as a table, with the reason when `reason`.
fn folded(w: &mut dyn Write, title: &str, rules: &[&RuleReport], reason: bool) -> io::Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "\n<details>\n<summary>{title} ({})</summary>\n",
        plural(rules.len(), "rule")
    )?;
    if reason {
        writeln!(
            w,
            "| Rule | Title | Severity | Reason |\n| --- | --- | --- | --- |"
        )?;
    } else {
        writeln!(w, "| Rule | Title | Severity |\n| --- | --- | --- |")?;
    }
    for r in rules {
        if reason {
            writeln!(
                w,
                "| {} | {} | {} | {} |",
                escape(&r.id),
                escape(&r.title),
                r.severity,
                escape(&r.reason)
            )?;
        } else {
            writeln!(
                w,
                "| {} | {} | {} |",
                escape(&r.id),
                escape(&r.title),
                r.severity
            )?;
        }
    }
    writeln!(w, "\n</details>")
}
