//! CIS 4.4 Ensure images are scanned and rebuilt to include security patches.

use super::common::{fmt_date, parse_rfc3339, per_image};
use crate::prelude::*;

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
    audit: "Uses the image's build date as the evidence of patching: for each image used by an assessed \
        container, compares its creation time (image inspect `Created`, else the image list) with the time \
        of the scan. Fails when it is older than the site threshold `max_image_age_days` (default 90); passes \
        otherwise. Vulnerability scanning itself is outside the facts dockguard collects, so a pass says the \
        image is recent, not that it was scanned: run a scanner too (`trivy image`, `grype`, `docker scout \
        cves`). Images whose build date was zeroed for reproducible builds (1970 or earlier than Docker \
        itself) need a manual check of when they were last rebuilt. A date that cannot be read is an error.",
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
    let list = ctx
        .docker()
        .map(|d| d.image_list.as_slice())
        .unwrap_or_default();
    per_image(ctx, |_, img| {
        let created = if img.created.trim().is_empty() {
            match list.iter().find(|s| s.id == img.id) {
                Some(s) => s.created,
                None => {
                    return (
                        Status::Error,
                        "the image's creation date was not collected".to_string(),
                    )
                }
            }
        } else {
            match parse_rfc3339(&img.created) {
                Some(t) => t,
                None => {
                    return (
                        Status::Error,
                        format!("creation date {:?} cannot be read", img.created),
                    )
                }
            }
        };
        if created < EARLIEST_REAL_BUILD {
            return (
                Status::Manual,
                format!(
                    "build date set to {} (zeroed for a reproducible build): check when it was last rebuilt",
                    fmt_date(created)
                ),
            );
        }
        if created > now {
            return (
                Status::Pass,
                format!(
                    "built {}, after the scan time (clock skew?)",
                    fmt_date(created)
                ),
            );
        }
        let days = (now - created) / 86_400;
        let detail = format!(
            "built {}, {days} day{} before the scan (limit {max_days})",
            fmt_date(created),
            if days == 1 { "" } else { "s" }
        );
        if days as u64 > max_days {
            (Status::Fail, detail)
        } else {
            (Status::Pass, detail)
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("image built 24 days ago", compliant_host()),
        Fixture::fail(
            "image built 327 days ago",
            host_with(|f| docker_mut(f).images[0].created = "2026-01-01T08:30:00Z".into()),
        ),
        Fixture::manual(
            "build date zeroed by a reproducible build",
            host_with(|f| docker_mut(f).images[0].created = "1970-01-01T00:00:00Z".into()),
        ),
        Fixture::error(
            "unreadable creation date",
            host_with(|f| docker_mut(f).images[0].created = "not a date".into()),
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

    #[test]
    fn recent_image_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "built 2026-11-01, 24 days before the scan (limit 90); used by web"
        );
    }

    #[test]
    fn old_image_fails_with_its_age() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = "2026-01-01T08:30:00.123456789Z".into();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "built 2026-01-01, 327 days before the scan (limit 90); used by web"
        );
    }

    #[test]
    fn threshold_is_the_sites() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = "2026-11-20T00:00:00Z".into();
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
        docker_mut(&mut f).images[0].created = "2026-08-27T00:00:00Z".into();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{:?}", out.targets);
    }

    #[test]
    fn falls_back_to_the_image_list() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created.clear();
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        docker_mut(&mut f).image_list[0].created = 1_700_000_000;
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        docker_mut(&mut f).image_list.clear();
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn zeroed_build_date_needs_review() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = "1970-01-01T00:00:00Z".into();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.contains("reproducible"));
    }

    #[test]
    fn unreadable_dates_are_errors() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].created = "2026-11-01 00:00:00 UTC".into();
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
