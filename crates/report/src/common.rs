//! Helpers the renderers share: names of kinds, severity ordering, exemption reasons.

use crate::{Report, RuleReport};
use dockguard_rules::{Status, Target, TargetKind};

/// The hostname, or a placeholder when it is unknown.
pub(crate) fn hostname(report: &Report) -> &str {
    match report.host.hostname.as_deref() {
        Some(h) if !h.is_empty() => h,
        _ => "unknown-host",
    }
}

/// The target kind as written in the JSON report (`container`, `setting`, …).
pub(crate) fn kind_str(k: TargetKind) -> &'static str {
    match k {
        TargetKind::Host => "host",
        TargetKind::Daemon => "daemon",
        TargetKind::Setting => "setting",
        TargetKind::File => "file",
        TargetKind::Audit => "audit",
        TargetKind::Container => "container",
        TargetKind::Image => "image",
        TargetKind::Network => "network",
        TargetKind::Swarm => "swarm",
    }
}

/// The rules with `status`, most severe first; benchmark order within a severity.
pub(crate) fn rules_by_severity(report: &Report, status: Status) -> Vec<&RuleReport> {
    let mut v: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.status == status)
        .collect();
    v.sort_by_key(|r| std::cmp::Reverse(r.severity));
    v
}

/// The rules with `status`, in benchmark order.
pub(crate) fn rules_with(report: &Report, status: Status) -> Vec<&RuleReport> {
    report
        .results
        .iter()
        .filter(|r| r.status == status)
        .collect()
}

/// The rule's targets with `status`.
pub(crate) fn targets_with(r: &RuleReport, status: Status) -> Vec<&Target> {
    r.targets.iter().filter(|t| t.status == status).collect()
}

/// Why something is exempt. The policy step that applies exemptions appends `— exempt: <reason> (owner
/// …, until …)` to an exempt target's detail (and `— all exempt: …` or `— exempt: …` to the rule's
/// reason); that part is taken from `text` when present. Otherwise the report's active exemption of the
/// rule is used when there is exactly one, else `text` itself.
pub(crate) fn exempt_reason(report: &Report, r: &RuleReport, text: &str) -> String {
    for marker in [" — all exempt: ", " — exempt: "] {
        if let Some((_, why)) = text.rsplit_once(marker) {
            return why.to_string();
        }
    }
    let of_rule: Vec<_> = report
        .exemptions
        .iter()
        .filter(|e| e.state == "active" && names_rule(&e.rule, r))
        .collect();
    if let [e] = of_rule.as_slice() {
        let mut s = format!("{} (owner {}", e.reason, e.owner);
        if let Some(d) = &e.expires {
            s.push_str(&format!(", until {d}"));
        }
        s.push(')');
        return s;
    }
    text.to_string()
}

/// Whether an exemption's rule, as written in the configuration (`5.31`, `cis:5.32`, `azure:5.31`),
/// names this rule.
fn names_rule(written: &str, r: &RuleReport) -> bool {
    let (prefix, id) = match written.split_once(':') {
        Some((p, id)) => (Some(p), id),
        None => (None, written),
    };
    match prefix {
        Some(p) if p.starts_with("cis") => r.refs.cis.iter().any(|c| c == id),
        Some("azure") => r.refs.azure.iter().any(|a| a == id),
        _ => r.id == id,
    }
}

/// A target's detail without the exemption note the policy step appends, for listing under a reason
/// that already says it.
pub(crate) fn without_exempt_note(detail: &str) -> &str {
    detail
        .split_once(" — exempt: ")
        .map(|(d, _)| d)
        .unwrap_or(detail)
}

/// `1 rule`, `2 rules`.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many targets every human format lists under one rule before summarising the rest (`--all-targets`
/// lists them all).
pub const MAX_TARGETS: usize = 25;

/// The targets to list, and how many more there are, under the one limit every human format uses.
pub(crate) fn limit<T>(items: &[T], all: bool) -> (&[T], usize) {
    if all || items.len() <= MAX_TARGETS {
        (items, 0)
    } else {
        (&items[..MAX_TARGETS], items.len() - MAX_TARGETS)
    }
}

/// `… and 95 more (--all-targets lists them all)`.
pub(crate) fn more_line(more: usize) -> String {
    format!("… and {more} more (--all-targets lists them all)")
}
