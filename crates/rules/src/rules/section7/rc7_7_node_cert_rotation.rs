//! CIS 7.7 Ensure that node certificates are rotated as appropriate.

use super::common::{manager_swarm, swarm_target};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["7.7"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that node certificates are rotated as appropriate",
    section: Section::Swarm,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Swarm,
    rationale: "Each node proves its identity and role to the swarm with a certificate from the swarm CA, and \
        renews it automatically before it expires. The validity period sets how long a certificate stolen \
        from a node, or kept by a node that was removed, remains usable.",
    audit: "On managers, reads the node certificate validity the swarm issues with \
        (Swarm.Cluster.Spec.CAConfig.NodeCertExpiry in docker info; Docker's default is 90 days) and compares \
        it with the site maximum `max_node_cert_days` (default 90). Passes when it is at most that, fails when \
        longer. Not applicable when swarm mode is off, and on workers (only managers see the CA \
        configuration). An error when a manager does not report it.",
    impact: "Nodes renew their certificates more often, a small extra load on the managers that does not \
        disturb running tasks. A node that stays offline longer than the validity period comes back with an \
        expired certificate and has to leave and rejoin the swarm.",
    references: &["https://docs.docker.com/engine/swarm/how-swarm-mode-works/pki/"],
    remediation: "Shorten the validity with `docker swarm update --cert-expiry <hours>h` on a manager (e.g. \
        `--cert-expiry 720h` for 30 days); nodes pick it up at their next renewal. To replace every node \
        certificate now, rotate the CA with `docker swarm ca --rotate`.",
    check,
};

const DAY: i64 = 24 * 3600;

/// `2160h (90 days)`, or `36h` when not a whole number of days.
fn fmt_validity(secs: i64) -> String {
    if secs % DAY == 0 {
        format!("{}h ({} days)", secs / 3600, secs / DAY)
    } else if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else {
        format!("{secs}s")
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match manager_swarm(ctx, "the node certificate validity") {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    let max_days = ctx.options.thresholds.max_node_cert_days;
    let Some(secs) = swarm.node_cert_expiry_secs else {
        return Outcome::error(
            "this manager did not report the node certificate validity (CAConfig.NodeCertExpiry)",
        );
    };
    if secs <= 0 {
        return Outcome::error(format!(
            "this manager reported an invalid node certificate validity of {secs}s"
        ));
    }
    let max_secs = i64::try_from(max_days)
        .unwrap_or(i64::MAX / DAY)
        .saturating_mul(DAY);
    let detail = format!(
        "NodeCertExpiry={}; site maximum {max_days} days (max_node_cert_days)",
        fmt_validity(secs)
    );
    if secs > max_secs {
        Outcome::fail(format!(
            "node certificates are valid for {}, longer than the site maximum of {max_days} days",
            fmt_validity(secs)
        ))
        .with_target(swarm_target(
            swarm,
            "node certificate validity",
            Status::Fail,
            detail,
        ))
    } else {
        Outcome::pass(format!(
            "node certificates are valid for {} and renewed before they expire",
            fmt_validity(secs)
        ))
        .with_target(swarm_target(
            swarm,
            "node certificate validity",
            Status::Pass,
            detail,
        ))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use tests::expiry;
    vec![
        Fixture::pass("Docker's default 90 days", expiry(Some(90 * DAY))),
        Fixture::pass("30 days", expiry(Some(30 * DAY))),
        Fixture::fail("one year", expiry(Some(365 * DAY))),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable("worker", host_with(make_worker)),
        Fixture::error("not reported by a manager", expiry(None)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::context::EvalOptions;
    use crate::testing::*;
    use dockguard_facts::Facts;

    pub(super) fn expiry(secs: Option<i64>) -> Facts {
        host_with(|f| {
            make_manager(f);
            docker_mut(f)
                .info
                .swarm
                .as_mut()
                .unwrap()
                .node_cert_expiry_secs = secs;
        })
    }

    #[test]
    fn default_validity_passes() {
        let out = run(&RULE, &expiry(Some(90 * DAY)));
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(
            out.targets[0].detail,
            "NodeCertExpiry=2160h (90 days); site maximum 90 days (max_node_cert_days)"
        );
        assert_eq!(run(&RULE, &expiry(Some(36 * 3600))).status, Status::Pass);
    }

    #[test]
    fn longer_than_the_threshold_fails() {
        let out = run(&RULE, &expiry(Some(365 * DAY)));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.reason,
            "node certificates are valid for 8760h (365 days), longer than the site maximum of 90 days"
        );
        assert_eq!(run(&RULE, &expiry(Some(90 * DAY + 1))).status, Status::Fail);
    }

    #[test]
    fn threshold_is_honoured() {
        let f = expiry(Some(90 * DAY));
        let mut opts = EvalOptions::default();
        opts.thresholds.max_node_cert_days = 30;
        let ctx = Ctx::new(&f, opts);
        assert_eq!((RULE.check)(&ctx).status, Status::Fail);
    }

    #[test]
    fn not_applicable_and_errors() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
        assert_eq!(
            run(&RULE, &host_with(make_worker)).status,
            Status::NotApplicable
        );
        assert_eq!(run(&RULE, &expiry(None)).status, Status::Error);
        assert_eq!(run(&RULE, &expiry(Some(0))).status, Status::Error);
        assert_eq!(run(&RULE, &host_with(make_locked)).status, Status::Error);
    }
}
