//! CIS 6.2 Ensure that container sprawl is avoided.

use super::examples;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["6.2"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that container sprawl is avoided",
    section: Section::Operations,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Host,
    rationale: "Stopped containers keep their writable layer, logs, configuration and often secrets on disk, \
        and can be restarted as they were, old image and all. Piles of them hide what really runs on the host \
        and eat disk space.",
    audit: "Counts the stopped containers on the host (created, exited or dead; paused ones are not \
        stopped), over every container, not only the assessed ones. Fails when there are more than the site \
        threshold `max_stopped_containers` (default 25), with a few names as examples; passes otherwise. When \
        only running containers were listed the count comes from `docker info` (all containers minus running \
        ones, so paused containers are included). Containers that could not be inspected make a count that \
        only they could push over the threshold an error.",
    impact: "A removed container cannot be restarted as it was, and its writable layer and json-file logs are deleted \
        with it, so copy out anything needed for troubleshooting first. One-off jobs run with `--rm` lose their \
        output and exit state as soon as they stop unless a logging driver ships them elsewhere.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Remove containers you no longer need: `docker container prune` (all stopped), `docker \
        container prune --filter until=168h` (stopped for over a week) or `docker rm <name>`. Run one-off jobs \
        with `docker run --rm` so they clean up after themselves.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let d = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    let max = ctx.options.thresholds.max_stopped_containers;
    let (n, names, source) = if ctx.facts.collector.running_only {
        match (d.info.containers, d.info.containers_running) {
            (Some(all), Some(running)) => (
                all.saturating_sub(running),
                Vec::new(),
                " (from docker info, paused included)",
            ),
            _ => {
                return Outcome::error(
                    "docker info did not report how many containers run, and only running containers were listed",
                )
            }
        }
    } else {
        let stopped: Vec<String> = d
            .containers
            .iter()
            .filter(|c| c.running == Some(false) && c.state.as_deref() != Some("paused"))
            .map(|c| match c.state.as_deref() {
                None | Some("") => c.name.clone(),
                Some(state) => format!("{} ({state})", c.name),
            })
            .collect();
        (stopped.len() as u64, stopped, "")
    };
    let total = if ctx.facts.collector.running_only {
        d.info.containers.unwrap_or(0)
    } else {
        (d.containers.len() + d.container_errors.len()) as u64
    };
    let mut detail = format!("{n} of {total} containers are stopped{source} (limit {max})");
    if !names.is_empty() {
        detail.push_str(&format!("; e.g. {}", examples(&names, 5)));
    }
    let target = |status| {
        Target::new(
            TargetKind::Host,
            "containers",
            "containers",
            status,
            detail.clone(),
        )
    };
    // Containers that could not be inspected, or whose state was not returned, may be stopped too.
    let uninspected = if ctx.facts.collector.running_only {
        0
    } else {
        (d.container_errors.len() + d.containers.iter().filter(|c| c.running.is_none()).count())
            as u64
    };
    if n > max {
        Outcome::fail(format!("{n} stopped containers, over the limit of {max}"))
            .with_target(target(Status::Fail))
    } else if n + uninspected > max {
        Outcome::error(format!(
            "{n} stopped containers, within the limit of {max}, but {uninspected} containers could not be \
             inspected and may be stopped too"
        ))
        .with_target(target(Status::Error))
    } else {
        Outcome::pass(format!("{n} stopped containers, within the limit of {max}"))
            .with_target(target(Status::Pass))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let stopped = |n: usize| {
        host_with(move |f| {
            let d = docker_mut(f);
            for i in 0..n {
                let mut c = container(&format!("job-{i}"));
                c.running = Some(false);
                c.state = Some("exited".into());
                d.containers.push(c);
            }
            d.info.containers = Some(d.containers.len() as u64);
        })
    };
    vec![
        Fixture::pass("no stopped containers", compliant_host()),
        Fixture::pass("25 stopped containers (the limit)", stopped(25)),
        Fixture::fail("26 stopped containers", stopped(26)),
        Fixture::fail(
            "running-only scan: docker info counts 30 stopped",
            host_with(|f| {
                f.collector.running_only = true;
                docker_mut(f).info.containers = Some(31);
            }),
        ),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("down".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{ContainerError, Facts};

    fn with_stopped(n: usize) -> Facts {
        host_with(|f| {
            let d = docker_mut(f);
            for i in 0..n {
                let mut c = container(&format!("job-{i}"));
                c.running = Some(false);
                c.state = Some(if i == 0 { "created" } else { "exited" }.into());
                d.containers.push(c);
            }
            let mut paused = container("paused");
            paused.running = Some(false);
            paused.state = Some("paused".into());
            d.containers.push(paused);
            d.info.containers = Some(d.containers.len() as u64);
        })
    }

    #[test]
    fn no_stopped_containers_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "0 of 1 containers are stopped (limit 25)"
        );
    }

    #[test]
    fn over_the_limit_fails_with_examples() {
        assert_eq!(run(&RULE, &with_stopped(25)).status, Status::Pass);
        let out = run(&RULE, &with_stopped(26));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "26 of 28 containers are stopped (limit 25); e.g. job-0 (created), job-1 (exited), \
             job-2 (exited), job-3 (exited), job-4 (exited) and 21 more"
        );
    }

    #[test]
    fn running_only_scans_use_docker_info() {
        let mut f = compliant_host();
        f.collector.running_only = true;
        docker_mut(&mut f).info.containers = Some(40);
        docker_mut(&mut f).info.containers_running = Some(10);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("from docker info"));
    }

    #[test]
    fn uninspected_containers_that_could_tip_it_are_an_error() {
        let mut f = with_stopped(25);
        docker_mut(&mut f).container_errors.push(ContainerError {
            id: "dead".into(),
            name: "flaky".into(),
            error: "timeout".into(),
        });
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let f = host_with(|f| f.docker = dockguard_facts::Fact::Error("down".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
