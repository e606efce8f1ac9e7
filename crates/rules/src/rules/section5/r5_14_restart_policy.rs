//! 5.14 Ensure 'on-failure' container restart policy is set to '5' or lower.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.14"),
    cis: &["5.15"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure 'on-failure' container restart policy is set to '5' or lower",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Container,
    rationale: "A container that is restarted forever hides the reason it keeps dying, and a crash loop burns \
        CPU, fills logs and can starve the host (several looping containers amount to a self-inflicted denial \
        of service). A bounded on-failure policy retries a few times, then leaves a stopped container for \
        someone to investigate.",
    audit: "Reads HostConfig.RestartPolicy of every container, running or stopped. Passes for `no` (or \
        unset) and for `on-failure` with a maximum retry count from 1 to 5. Fails for `always` and \
        `unless-stopped` (both restart without limit; the benchmark names only `always`, but \
        `unless-stopped` differs from it only after a manual stop), and for `on-failure` with a count of 0 \
        (unlimited) or above 5.",
    impact: "After the last retry the container stays stopped until someone acts, so an outage of a dependency \
        that outlasts the retries can leave a service down. A container that exits with status 0 is not \
        restarted at all, so services need monitoring that notices when they stop.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container with `--restart on-failure:5` (Compose: `restart: on-failure:5`), or \
        change it in place: `docker update --restart on-failure:5 <container>`. Services that must always \
        run belong under a supervisor that alerts on restarts (systemd, an orchestrator).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let policy = c.restart_policy()?;
        let name = policy.name.trim().to_ascii_lowercase();
        let count = policy.maximum_retry_count;
        Ok(match name.as_str() {
            "" | "no" => (
                Status::Pass,
                format!(
                    "RestartPolicy={}",
                    if name.is_empty() { "no" } else { &name }
                ),
            ),
            "on-failure" if (1..=5).contains(&count) => {
                (Status::Pass, format!("RestartPolicy=on-failure:{count}"))
            }
            "on-failure" if count <= 0 => (
                Status::Fail,
                format!("RestartPolicy=on-failure:{count} (unlimited retries)"),
            ),
            "on-failure" => (
                Status::Fail,
                format!("RestartPolicy=on-failure:{count} (more than 5 retries)"),
            ),
            "always" | "unless-stopped" => (
                Status::Fail,
                format!("RestartPolicy={name} (unlimited restarts)"),
            ),
            other => (Status::Error, format!("unknown restart policy {other:?}")),
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::RestartPolicy;
    let policy = |name: &str, count: i64| {
        let p = RestartPolicy {
            name: name.into(),
            maximum_retry_count: count,
        };
        host_with(move |f| first_container(f).restart_policy = Some(p))
    };
    vec![
        Fixture::pass("on-failure:5", compliant_host()),
        Fixture::pass("no restart", policy("no", 0)),
        Fixture::pass("unset", policy("", 0)),
        Fixture::pass("on-failure:1", policy("on-failure", 1)),
        Fixture::fail("on-failure:10", policy("on-failure", 10)),
        Fixture::fail("on-failure:0 (unlimited)", policy("on-failure", 0)),
        Fixture::fail("always", policy("always", 0)),
        Fixture::fail("unless-stopped", policy("unless-stopped", 0)),
        Fixture::error("unknown policy", policy("sometimes", 0)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::RestartPolicy;

    fn with_policy(name: &str, count: i64) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f).restart_policy = Some(RestartPolicy {
            name: name.into(),
            maximum_retry_count: count,
        });
        run(&RULE, &f)
    }

    #[test]
    fn on_failure_5_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "RestartPolicy=on-failure:5");
    }

    #[test]
    fn no_restart_passes() {
        assert_eq!(with_policy("no", 0).status, Status::Pass);
        assert_eq!(with_policy("", 0).targets[0].detail, "RestartPolicy=no");
        assert_eq!(with_policy("on-failure", 1).status, Status::Pass);
    }

    #[test]
    fn too_many_retries_fail() {
        let out = with_policy("on-failure", 10);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0]
            .detail
            .starts_with("RestartPolicy=on-failure:10"));
    }

    #[test]
    fn unlimited_on_failure_fails() {
        let out = with_policy("on-failure", 0);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "RestartPolicy=on-failure:0 (unlimited retries)"
        );
    }

    #[test]
    fn always_and_unless_stopped_fail() {
        assert_eq!(with_policy("always", 0).status, Status::Fail);
        assert_eq!(with_policy("unless-stopped", 0).status, Status::Fail);
    }

    #[test]
    fn unknown_policy_is_an_error() {
        assert_eq!(with_policy("sometimes", 0).status, Status::Error);
    }
}
