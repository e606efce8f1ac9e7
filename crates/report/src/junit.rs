//! `--format junit`: JUnit XML for CI test dashboards. One test suite per benchmark section, one test
//! case per rule:
//!
//! | rule status      | test case                                                        |
//! |------------------|------------------------------------------------------------------|
//! | `pass`           | success                                                          |
//! | `fail`           | `<failure message=reason type=severity>` failing targets, the fix |
//! | `error`          | `<error message=reason type="error">` targets not assessed       |
//! | `manual`, `not_applicable` | `<skipped message=reason>`                             |
//! | `exempt`         | `<skipped message="exempt: <exemption reason>">`                 |

use crate::common::{exempt_reason, hostname, kind_str, targets_with};
use crate::{Report, RuleReport};
use dockguard_rules::{Status, Target};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::io::Write;
use std::time::Duration;

/// Streams the JUnit XML document to a writer.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    build(report)
        .serialize(&mut *w)
        .map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

/// The JUnit report.
pub fn build(report: &Report) -> quick_junit::Report {
    let mut out = quick_junit::Report::new("dockguard");
    out.set_time(Duration::from_millis(report.duration_ms));
    let mut suites: Vec<(u32, TestSuite)> = Vec::new();
    for r in &report.results {
        let n = r.section_number();
        if suites.last().is_none_or(|(last, _)| *last != n) {
            let mut suite = TestSuite::new(format!("{} {n} {}", report.profile, r.section));
            suite.add_properties([
                Property::new("host", hostname(report)),
                Property::new(
                    "docker_version",
                    report.host.docker_version.as_deref().unwrap_or(""),
                ),
                Property::new("profile", &report.profile),
                Property::new("started_at", &report.started_at),
            ]);
            suites.push((n, suite));
        }
        let (_, suite) = suites.last_mut().expect("pushed above");
        suite.add_test_case(case(report, r));
    }
    out.add_test_suites(suites.into_iter().map(|(_, s)| s));
    out
}

fn target_lines(targets: &[&Target]) -> String {
    targets
        .iter()
        .map(|t| format!("{} {}: {}", kind_str(t.kind), t.name, t.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

fn with_fix(lines: String, r: &RuleReport) -> String {
    if lines.is_empty() {
        format!("Fix: {}", r.remediation)
    } else {
        format!("{lines}\nFix: {}", r.remediation)
    }
}

fn case(report: &Report, r: &RuleReport) -> TestCase {
    let status = match r.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(r.reason.as_str())
                .set_type(r.severity.as_str())
                .set_description(with_fix(target_lines(&targets_with(r, Status::Fail)), r));
            s
        }
        Status::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(r.reason.as_str()).set_type("error");
            let lines = target_lines(&targets_with(r, Status::Error));
            if !lines.is_empty() {
                s.set_description(lines);
            }
            s
        }
        Status::Manual => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(r.reason.as_str()).set_type("manual");
            s.set_description(with_fix(target_lines(&targets_with(r, Status::Manual)), r));
            s
        }
        Status::NotApplicable => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(r.reason.as_str()).set_type("not_applicable");
            s
        }
        Status::Exempt => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("exempt: {}", exempt_reason(report, r, &r.reason)))
                .set_type("exempt");
            let lines = target_lines(&targets_with(r, Status::Exempt));
            if !lines.is_empty() {
                s.set_description(lines);
            }
            s
        }
    };
    let mut c = TestCase::new(format!("{} {}", r.id, r.title), status);
    c.set_classname(format!(
        "dockguard.{}.section{}",
        report.profile,
        r.section_number()
    ));
    c
}
