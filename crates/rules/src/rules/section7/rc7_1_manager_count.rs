//! CIS 7.1 Ensure that the minimum number of manager nodes have been created in a swarm.

use super::common::{manager_swarm, swarm_target};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["7.1"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that the minimum number of manager nodes have been created in a swarm",
    section: Section::Swarm,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Swarm,
    rationale: "Every manager holds the full Raft store (secrets included) and can reconfigure the swarm, so \
        each extra manager is one more host whose compromise hands over the cluster. Managers beyond what \
        fault tolerance needs add that exposure without benefit: an even count tolerates no more failures \
        than one fewer, and more than seven slows every Raft write.",
    audit: "On managers, reads Swarm.Managers and Swarm.Nodes from docker info. Passes with 3, 5 or 7 \
        managers (the odd counts that tolerate 1, 2 or 3 manager failures), and with a single manager in a \
        single-node swarm. Fails with an even number of managers or more than 7. A single manager for several \
        nodes is left for manual review: CIS accepts it when the design needs no manager fault tolerance, \
        which only you know. Not applicable when swarm mode is off, and on workers (only managers see the \
        count: assess the swarm on a manager).",
    impact: "Demoting and promoting nodes does not stop running tasks. Fewer managers means less fault \
        tolerance: with a single manager, losing it leaves the swarm unmanageable (no scheduling or updates) \
        until it is restored. Each promoted manager holds the Raft store and needs manager-grade hardening \
        and backups.",
    references: &[],
    remediation: "List the managers with `docker node ls --filter role=manager`. Demote surplus ones with \
        `docker node demote <node>` down to the smallest odd count that gives the fault tolerance you need \
        (3 tolerates one lost manager, 5 two); promote a worker with `docker node promote <node>` to turn an \
        even count into the next odd one where you need the extra tolerance.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let swarm = match manager_swarm(ctx, "the number of managers") {
        Ok((_, s)) => s,
        Err(out) => return out,
    };
    let Some(managers) = swarm.managers else {
        return Outcome::error(
            "this manager did not report the number of managers (Swarm.Managers)",
        );
    };
    let nodes = swarm
        .nodes
        .map(|n| format!("{n} node(s)"))
        .unwrap_or_else(|| "node count not reported".into());
    let detail = format!("Swarm.Managers={managers}; {nodes}");
    let target = |status| swarm_target(swarm, "swarm managers", status, detail.clone());
    match managers {
        0 => Outcome::error("this manager reported zero managers").with_target(target(Status::Error)),
        m if m > 7 => Outcome::fail(format!(
            "{m} managers: more than 7 slows consensus and widens the hosts that control the swarm"
        ))
        .with_target(target(Status::Fail)),
        m if m % 2 == 0 => Outcome::fail(format!(
            "{m} managers: an even count tolerates no more manager failures than {} and needs a larger quorum",
            m - 1
        ))
        .with_target(target(Status::Fail)),
        1 if swarm.nodes == Some(1) => {
            Outcome::pass("a single-node swarm with its one manager").with_target(target(Status::Pass))
        }
        1 => Outcome::manual(
            "one manager runs the swarm: no manager fault tolerance. Acceptable only if your design does not \
             need it; otherwise promote workers to reach 3 managers (`docker node promote <node>`)",
        )
        .with_target(target(Status::Manual)),
        m => Outcome::pass(format!(
            "{m} managers tolerate {} manager failure(s)",
            (m - 1) / 2
        ))
        .with_target(target(Status::Pass)),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use tests::managers;
    vec![
        Fixture::pass("3 managers of 10 nodes", managers(Some(3), Some(10))),
        Fixture::pass("single-node swarm", managers(Some(1), Some(1))),
        Fixture::fail("4 managers", managers(Some(4), Some(10))),
        Fixture::fail("9 managers", managers(Some(9), Some(30))),
        Fixture::manual("1 manager of 6 nodes", managers(Some(1), Some(6))),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable("worker", host_with(make_worker)),
        Fixture::error("manager count not reported", managers(None, Some(3))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Facts;

    pub(super) fn managers(m: Option<u64>, n: Option<u64>) -> Facts {
        host_with(|f| {
            make_manager(f);
            let s = docker_mut(f).info.swarm.as_mut().unwrap();
            s.managers = m;
            s.nodes = n;
        })
    }

    #[test]
    fn inactive_and_worker_are_not_applicable() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
        let out = run(&RULE, &host_with(make_worker));
        assert_eq!(out.status, Status::NotApplicable);
        assert!(out.reason.contains("worker"), "{}", out.reason);
    }

    #[test]
    fn odd_counts_up_to_seven_pass() {
        for m in [3, 5, 7] {
            let out = run(&RULE, &managers(Some(m), Some(20)));
            assert_eq!(out.status, Status::Pass, "{m}");
            assert_eq!(
                out.targets[0].detail,
                format!("Swarm.Managers={m}; 20 node(s)")
            );
        }
        assert_eq!(run(&RULE, &managers(Some(1), Some(1))).status, Status::Pass);
    }

    #[test]
    fn even_or_too_many_fail() {
        for m in [2, 4, 6, 8, 9] {
            assert_eq!(
                run(&RULE, &managers(Some(m), Some(20))).status,
                Status::Fail,
                "{m}"
            );
        }
        let out = run(&RULE, &managers(Some(4), Some(10)));
        assert!(
            out.reason.contains("no more manager failures than 3"),
            "{}",
            out.reason
        );
    }

    #[test]
    fn single_manager_of_many_nodes_is_manual() {
        assert_eq!(
            run(&RULE, &managers(Some(1), Some(6))).status,
            Status::Manual
        );
        assert_eq!(run(&RULE, &managers(Some(1), None)).status, Status::Manual);
    }

    #[test]
    fn unknown_count_or_locked_is_error() {
        assert_eq!(run(&RULE, &managers(None, Some(3))).status, Status::Error);
        assert_eq!(
            run(&RULE, &managers(Some(0), Some(3))).status,
            Status::Error
        );
        assert_eq!(run(&RULE, &host_with(make_locked)).status, Status::Error);
    }
}
