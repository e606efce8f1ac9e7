//! Comparing two reports: what is newly failing, what was fixed, which rules changed status. Drives
//! `--baseline` (gate only on new findings) and `dockguard diff`.

use crate::{BaselineReport, Finding, Report};
use dockguard_rules::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A rule whose status differs between the two reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChange {
    pub rule: String,
    pub title: String,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// Failing in the new report and not in the old one.
    pub new: Vec<Finding>,
    /// Failing in the old report and not in the new one.
    pub fixed: Vec<Finding>,
    /// Rules whose status changed (including rules only one report has).
    pub changed: Vec<RuleChange>,
}

/// Findings are the same across scans when rule id, target kind and target name match (a recreated
/// container keeps its name, not its id).
fn key(f: &Finding) -> (String, dockguard_rules::TargetKind, String) {
    (f.rule.clone(), f.kind, f.name.clone())
}

/// Compares `old` with `new`. Both must use the same profile (ids differ between profiles).
pub fn compare(old: &Report, new: &Report) -> Result<Comparison, String> {
    if old.profile != new.profile {
        return Err(format!(
            "the reports use different profiles ({} and {}); compare reports of the same profile",
            old.profile, new.profile
        ));
    }
    let old_f: Vec<Finding> = old.findings().into_iter().map(|(f, _)| f).collect();
    let new_f: Vec<Finding> = new.findings().into_iter().map(|(f, _)| f).collect();
    let old_keys: BTreeSet<_> = old_f.iter().map(key).collect();
    let new_keys: BTreeSet<_> = new_f.iter().map(key).collect();
    let mut added: Vec<Finding> = new_f
        .iter()
        .filter(|f| !old_keys.contains(&key(f)))
        .cloned()
        .collect();
    let mut fixed: Vec<Finding> = old_f
        .iter()
        .filter(|f| !new_keys.contains(&key(f)))
        .cloned()
        .collect();
    added.sort();
    fixed.sort();
    let mut changed = Vec::new();
    for r in &new.results {
        let before = old.results.iter().find(|o| o.id == r.id).map(|o| o.status);
        if before != Some(r.status) {
            changed.push(RuleChange {
                rule: r.id.clone(),
                title: r.title.clone(),
                from: before,
                to: Some(r.status),
            });
        }
    }
    for o in &old.results {
        if !new.results.iter().any(|r| r.id == o.id) {
            changed.push(RuleChange {
                rule: o.id.clone(),
                title: o.title.clone(),
                from: Some(o.status),
                to: None,
            });
        }
    }
    Ok(Comparison {
        new: added,
        fixed,
        changed,
    })
}

/// Reads a report written by `dockguard scan --format json`; errors name the file.
pub fn load_report(path: &std::path::Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("report {} is not valid JSON: {e}", path.display()))?;
    match v.get("schema").and_then(|s| s.as_str()) {
        Some(crate::REPORT_SCHEMA) => {}
        Some(other) => {
            return Err(format!(
                "{} has schema {other:?}; expected {:?} (a `dockguard scan --format json` report)",
                path.display(),
                crate::REPORT_SCHEMA
            ))
        }
        None => {
            return Err(format!(
                "{} is not a dockguard JSON report (no \"schema\" field); write one with `dockguard scan --format json -o FILE`",
                path.display()
            ))
        }
    }
    serde_json::from_value(v).map_err(|e| {
        format!(
            "report {} does not match {}: {e}",
            path.display(),
            crate::REPORT_SCHEMA
        )
    })
}

/// Marks `report` with what is new and fixed since `baseline` (read from `file`).
pub fn apply_baseline(report: &mut Report, baseline: &Report, file: &str) -> Result<(), String> {
    let c = compare(baseline, report)?;
    report.baseline = Some(BaselineReport {
        file: file.to_string(),
        new: c.new,
        fixed: c.fixed,
    });
    Ok(())
}

/// `dockguard diff` as text.
pub fn render_text(c: &Comparison) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let status = |s: Option<Status>| {
        s.map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "absent".into())
    };
    let _ = writeln!(out, "Newly failing ({}):", c.new.len());
    for f in &c.new {
        let _ = writeln!(out, "  + {} {:?} {}: {}", f.rule, f.kind, f.name, f.detail);
    }
    let _ = writeln!(out, "Fixed ({}):", c.fixed.len());
    for f in &c.fixed {
        let _ = writeln!(out, "  - {} {:?} {}: {}", f.rule, f.kind, f.name, f.detail);
    }
    let _ = writeln!(out, "Rules that changed status ({}):", c.changed.len());
    for ch in &c.changed {
        let _ = writeln!(
            out,
            "  ~ {} {}: {} -> {}",
            ch.rule,
            ch.title,
            status(ch.from),
            status(ch.to)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Profile, Selection, Severity};

    fn scan(f: &dockguard_facts::Facts) -> Report {
        let ctx = Ctx::new(f, EvalOptions::default());
        Report::new(
            f,
            Profile::Azure,
            &evaluate(&ctx, Profile::Azure, &Selection::default()),
            None,
            "t".into(),
            1,
        )
    }

    #[test]
    fn new_fixed_and_changed() {
        let old_facts = testing::host_with(|f| testing::first_container(f).privileged = Some(true));
        let new_facts =
            testing::host_with(|f| testing::first_container(f).readonly_rootfs = Some(false));
        let (old, new) = (scan(&old_facts), scan(&new_facts));
        let c = compare(&old, &new).unwrap();
        assert_eq!(
            c.new.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["5.12"]
        );
        assert!(c.fixed.iter().any(|f| f.rule == "5.04"));
        assert!(c
            .changed
            .iter()
            .any(|ch| ch.rule == "5.04" && ch.to == Some(Status::Pass)));
        let text = render_text(&c);
        assert!(text.contains("+ 5.12") && text.contains("- 5.04"), "{text}");
    }

    #[test]
    fn baseline_gates_only_new_failures() {
        let facts = testing::host_with(|f| testing::first_container(f).privileged = Some(true));
        let old = scan(&facts);
        let mut same = scan(&facts);
        apply_baseline(&mut same, &old, "old.json").unwrap();
        assert!(same.baseline.as_ref().unwrap().new.is_empty());
        assert!(!same.gate_fails(Severity::Low), "nothing new");
        let worse = testing::host_with(|f| {
            testing::first_container(f).privileged = Some(true);
            testing::first_container(f).readonly_rootfs = Some(false);
        });
        let mut now = scan(&worse);
        apply_baseline(&mut now, &old, "old.json").unwrap();
        assert!(now.gate_fails(Severity::Low));
        assert!(!now.gate_fails(Severity::High), "5.12 is medium");
    }

    #[test]
    fn profiles_must_match() {
        let f = testing::compliant_host();
        let a = scan(&f);
        let mut b = a.clone();
        b.profile = "cis-1.6".into();
        assert!(compare(&a, &b).unwrap_err().contains("different profiles"));
    }
}
