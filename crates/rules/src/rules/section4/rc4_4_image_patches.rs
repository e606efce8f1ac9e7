//! CIS 4.4 Ensure images are scanned and rebuilt to include security patches.

use super::common::{fmt_date, parse_rfc3339, per_image};
use crate::prelude::*;
use dockguard_facts::{ImageFacts, ImageScan};

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.4"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure images are scanned and rebuilt to include security patches",
    section: Section::Images,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Image,
    rationale: "An image is a snapshot: the packages in it never get security fixes unless the image is \
        rebuilt on a patched base and the containers are recreated from it. Old images accumulate known, \
        exploitable vulnerabilities.",
    audit: "For each image used by an assessed container: with a vulnerability scan of that exact image \
        (`--image-scan FILE`, Trivy or Grype JSON, matched by image id or registry digest, never by tag), \
        fails when the scanner lists a vulnerability that has a fixed version (counts per severity and the \
        first few ids in the evidence), passes when it lists none with a fix and the scan is no older than \
        `max_scan_age_days` (default 30). An image older than `max_image_age_days` (default 90; image inspect \
        `Created`, else the image list) fails whatever the scan says: it has missed every fix since. Without \
        a scan of the image the answer is `manual`, with the build date as evidence: a recent build is not \
        evidence that the image was scanned or is free of known vulnerabilities. Images whose build date \
        was zeroed for reproducible builds need a manual check of when they were last rebuilt. A date that \
        cannot be read is an error.",
    impact: "Regular rebuilds mean more pipeline runs and registry storage, and recreating containers from the new \
        image briefly restarts each service. A patched base can change package versions under the application, \
        so rebuilt images need retesting before they are rolled out.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Rebuild the image on the current patched base (`docker build --pull --no-cache ...`), scan \
        it, push it and recreate the containers from it (`docker compose pull && docker compose up -d`). \
        Automate rebuilds on a schedule and when the base image changes.",
    check,
};

/// Build dates before Docker existed (2013-01-01) are placeholders, not real dates.
const EARLIEST_REAL_BUILD: i64 = 1_356_998_400;

/// The scans supplied for this exact image: the same image id, or a registry digest in common. A tag says
/// nothing: it may have pointed at another image when the scan ran.
fn scans_of<'a>(img: &ImageFacts, scans: &'a [ImageScan]) -> Vec<&'a ImageScan> {
    let digests = img.repo_digests.as_deref().unwrap_or_default();
    scans
        .iter()
        .filter(|s| {
            s.image_id.as_deref() == Some(img.id.as_str())
                || s.repo_digests.iter().any(|d| digests.contains(d))
        })
        .collect()
}

/// What one scan says: the vulnerabilities with a fix available, by severity.
fn scan_verdict(scan: &ImageScan, now: i64, max_scan_days: u64) -> (Status, String) {
    let when = scan
        .scanned_at
        .as_deref()
        .and_then(parse_rfc3339)
        .map(|t| (t, fmt_date(t)));
    let source = format!(
        "{} scan of {} ({})",
        scan.scanner,
        scan.artifact,
        when.as_ref()
            .map(|(_, d)| format!("scanned {d}"))
            .unwrap_or_else(|| "scan date unknown".into())
    );
    let fixable: Vec<_> = scan
        .vulnerabilities
        .iter()
        .filter(|v| !v.fixed.trim().is_empty())
        .collect();
    if !fixable.is_empty() {
        let mut by_severity: Vec<(String, usize)> = Vec::new();
        for sev in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"] {
            let n = fixable
                .iter()
                .filter(|v| v.severity.eq_ignore_ascii_case(sev))
                .count();
            if n > 0 {
                by_severity.push((sev.to_ascii_lowercase(), n));
            }
        }
        let mut first: Vec<&str> = fixable.iter().map(|v| v.id.as_str()).collect();
        first.dedup();
        let shown: Vec<String> = fixable
            .iter()
            .take(3)
            .map(|v| {
                format!(
                    "{} in {} {} (fixed in {})",
                    v.id, v.package, v.installed, v.fixed
                )
            })
            .collect();
        return (
            Status::Fail,
            format!(
                "{source}: {} vulnerabilit{} with a fix available ({}), e.g. {}",
                fixable.len(),
                if fixable.len() == 1 { "y" } else { "ies" },
                by_severity
                    .iter()
                    .map(|(s, n)| format!("{n} {s}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                shown.join("; ")
            ),
        );
    }
    let unfixed = scan.vulnerabilities.len();
    match when {
        None => (
            Status::Manual,
            format!(
                "{source}: no fixable vulnerabilities, but the report does not say when it ran"
            ),
        ),
        Some((t, _)) if now.saturating_sub(t) / 86_400 > max_scan_days as i64 => (
            Status::Manual,
            format!(
                "{source}: no fixable vulnerabilities, but the scan is {} days old (limit \
                 max_scan_age_days {max_scan_days}); scan again",
                (now - t) / 86_400
            ),
        ),
        Some(_) => (
            Status::Pass,
            format!(
                "{source}: no vulnerability with a fix available ({unfixed} without a fix yet)"
            ),
        ),
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let now = match parse_rfc3339(&ctx.facts.collector.collected_at) {
        Some(t) => t,
        None => {
            return Outcome::error(format!(
            "the scan time (collected_at {:?}) is not an RFC 3339 date, so image ages are unknown",
            ctx.facts.collector.collected_at
        ))
        }
    };
    let max_days = ctx.options.thresholds.max_image_age_days;
    let max_scan_days = ctx.options.thresholds.max_scan_age_days;
    let list = ctx
        .docker()
        .ok()
        .and_then(|d| d.image_list.ok())
        .map(Vec::as_slice)
        .unwrap_or_default();
    per_image(ctx, |_, img| {
        let created = match img.created.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => {
                parse_rfc3339(c).ok_or_else(|| format!("creation date {c:?} cannot be read"))?
            }
            None => list
                .iter()
                .find(|s| s.id == img.id)
                .and_then(|s| s.created)
                .ok_or("the image's creation date was not collected")?,
        };
        let scans = scans_of(img, &ctx.facts.image_scans);
        let (scan_status, scan_detail) = match scans
            .iter()
            .map(|s| scan_verdict(s, now, max_scan_days))
            .max_by_key(|(st, _)| match st {
                Status::Fail => 3,
                Status::Pass => 2,
                _ => 1,
            }) {
            Some(v) => v,
            None => (
                Status::Manual,
                "no vulnerability scan of this image was supplied (--image-scan FILE with a Trivy or Grype \
                 JSON report)"
                    .to_string(),
            ),
        };
        if created < EARLIEST_REAL_BUILD {
            return Ok((
                if scan_status == Status::Fail { Status::Fail } else { Status::Manual },
                format!(
                    "build date set to {} (zeroed for a reproducible build): check when it was last rebuilt; \
                     {scan_detail}",
                    fmt_date(created)
                ),
            ));
        }
        let days = (now - created).max(0) / 86_400;
        let built = format!(
            "built {}, {days} day{} before the scan (limit {max_days})",
            fmt_date(created),
            if days == 1 { "" } else { "s" }
        );
        if days as u64 > max_days {
            return Ok((Status::Fail, format!("{built}; {scan_detail}")));
        }
        Ok((scan_status, format!("{built}; {scan_detail}")))
    })
}

#[cfg(test)]
pub(crate) fn scan(fixed: &[&str], scanned_at: &str) -> dockguard_facts::ImageScan {
    dockguard_facts::ImageScan {
        source: "trivy.json".into(),
        scanner: "trivy".into(),
        scanned_at: Some(scanned_at.into()),
        artifact: "app:1.0".into(),
        image_id: Some("sha256:app".into()),
        repo_digests: vec![],
        repo_tags: vec!["app:1.0".into()],
        vulnerabilities: fixed
            .iter()
            .enumerate()
            .map(|(i, f)| dockguard_facts::Vulnerability {
                id: format!("CVE-2026-{:04}", i + 1),
                package: "openssl".into(),
                installed: "3.0.1".into(),
                fixed: f.to_string(),
                severity: if i == 0 { "HIGH".into() } else { "LOW".into() },
            })
            .collect(),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass(
            "recent image scanned yesterday, nothing fixable",
            host_with(|f| f.image_scans = vec![scan(&[""], "2026-11-24T00:00:00Z")]),
        ),
        Fixture::manual("recent image, no scan supplied", compliant_host()),
        Fixture::fail(
            "scan lists a fixable vulnerability",
            host_with(|f| f.image_scans = vec![scan(&["3.0.2", ""], "2026-11-24T00:00:00Z")]),
        ),
        Fixture::manual(
            "scan older than max_scan_age_days",
            host_with(|f| f.image_scans = vec![scan(&[], "2026-09-01T00:00:00Z")]),
        ),
        Fixture::manual(
            "a scan that names the image only by tag",
            host_with(|f| {
                let mut s = scan(&[], "2026-11-24T00:00:00Z");
                s.image_id = Some("sha256:other".into());
                f.image_scans = vec![s];
            }),
        ),
        Fixture::fail(
            "image built 327 days ago",
            host_with(|f| docker_mut(f).images[0].created = Some("2026-01-01T08:30:00Z".into())),
        ),
        Fixture::manual(
            "build date zeroed by a reproducible build",
            host_with(|f| docker_mut(f).images[0].created = Some("1970-01-01T00:00:00Z".into())),
        ),
        Fixture::error(
            "unreadable creation date",
            host_with(|f| docker_mut(f).images[0].created = Some("not a date".into())),
        ),
        Fixture::error(
            "image not inspected",
            host_with(|f| docker_mut(f).images.clear()),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::{EvalOptions, Thresholds};

    /// A recent build date is not evidence of scanning.
    #[test]
    fn recent_image_without_a_scan_is_manual() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "built 2026-11-01, 24 days before the scan (limit 90); no vulnerability scan of this image was \
             supplied (--image-scan FILE with a Trivy or Grype JSON report); used by web"
        );
    }

    #[test]
    fn a_scan_of_this_image_decides() {
        let f = host_with(|f| f.image_scans = vec![scan(&["", ""], "2026-11-24T00:00:00Z")]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains(
            "trivy scan of app:1.0 (scanned 2026-11-24): no vulnerability with a fix available (2 without a fix yet)"
        ));
        let f = host_with(|f| {
            f.image_scans = vec![scan(&["3.0.2", "", "3.0.9"], "2026-11-24T00:00:00Z")]
        });
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.targets[0].detail.contains(
                "2 vulnerabilities with a fix available (1 high, 1 low), e.g. CVE-2026-0001 in openssl 3.0.1 \
                 (fixed in 3.0.2)"
            ),
            "{}",
            out.targets[0].detail
        );
        // Matched by registry digest.
        let f = host_with(|f| {
            let mut s = scan(&["1.1"], "2026-11-24T00:00:00Z");
            s.image_id = None;
            s.repo_digests = vec!["registry.example/app@sha256:1111".into()];
            f.image_scans = vec![s];
        });
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn old_image_fails_with_its_age() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = Some("2026-01-01T08:30:00.123456789Z".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "built 2026-01-01, 327 days before the scan (limit 90); no vulnerability scan of this image was \
             supplied (--image-scan FILE with a Trivy or Grype JSON report); used by web"
        );
    }

    #[test]
    fn threshold_is_the_sites() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = Some("2026-11-20T00:00:00Z".into());
        let ctx = Ctx::new(
            &f,
            EvalOptions {
                thresholds: Thresholds {
                    max_image_age_days: 4,
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        assert_eq!((RULE.check)(&ctx).status, Status::Fail);
    }

    #[test]
    fn exactly_at_the_limit_passes() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = Some("2026-08-27T00:00:00Z".into());
        f.image_scans = vec![scan(&[], "2026-11-24T00:00:00Z")];
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{:?}", out.targets);
    }

    #[test]
    fn falls_back_to_the_image_list() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = Some(String::new());
        f.image_scans = vec![scan(&[], "2026-11-24T00:00:00Z")];
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        docker_mut(&mut f).image_list.ok_mut().unwrap()[0].created = Some(1_700_000_000);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        docker_mut(&mut f).image_list =
            dockguard_facts::Fact::Error("GET /images/json failed".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn zeroed_build_date_needs_review() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = Some("1970-01-01T00:00:00Z".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.contains("reproducible"));
    }

    #[test]
    fn unreadable_dates_are_errors() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = Some("2026-11-01 00:00:00 UTC".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.collector.collected_at = "yesterday".into();
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn no_containers_is_not_applicable() {
        let f = host_with(|f| docker_mut(f).containers.clear());
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
