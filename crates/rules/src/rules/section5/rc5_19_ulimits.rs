//! CIS 5.19 Ensure that the default ulimit is overwritten at runtime if needed.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.19"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that the default ulimit is overwritten at runtime if needed",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Container,
    rationale: "The daemon's default ulimits (rule 2.7) bound open files and processes for every \
        container. A per-container `--ulimit` replaces that bound, often with a much larger or unlimited \
        one, so each override should exist only because the workload needs it.",
    audit: "Reads HostConfig.Ulimits of every container, running or stopped. Passes when it is empty (the \
        daemon defaults apply). A container with overrides is listed with each `name=soft:hard` for a \
        person to confirm it is needed (manual): some workloads legitimately need them (databases raise \
        nofile, search engines need memlock unlimited), and the facts cannot tell which. This rule never \
        fails.",
    impact: "Removing an override that a workload needs makes it fail at start or under load (too many open \
        files, memlock errors in databases and search engines). For justified overrides the cost is only \
        documenting why each one exists.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Remove `--ulimit` overrides (Compose: `ulimits:`) that the workload does not need and \
        recreate the container; set host-wide values once with `\"default-ulimits\"` in daemon.json. Keep an \
        override only with a documented reason, at the smallest value that works.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let ulimits = c.ulimits()?;
        Ok(if ulimits.is_empty() {
            (
                Status::Pass,
                "no ulimit overrides (daemon defaults apply)".into(),
            )
        } else {
            (
                Status::Manual,
                format!("overrides {}; confirm each is needed", ulimits.join(", ")),
            )
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("no ulimit overrides", compliant_host()),
        Fixture::manual(
            "nofile raised",
            host_with(|f| first_container(f).ulimits = Some(vec!["nofile=65536:65536".into()])),
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

    #[test]
    fn no_overrides_pass() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "no ulimit overrides (daemon defaults apply)"
        );
    }

    #[test]
    fn overrides_need_review() {
        let mut f = compliant_host();
        first_container(&mut f).ulimits =
            Some(vec!["nofile=65536:65536".into(), "memlock=-1:-1".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "overrides nofile=65536:65536, memlock=-1:-1; confirm each is needed"
        );
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let mut f = compliant_host();
        f.docker = dockguard_facts::Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
