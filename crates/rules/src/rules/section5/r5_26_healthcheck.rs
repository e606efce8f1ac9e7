//! 5.26 Ensure container health is checked at runtime.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.26"),
    cis: &["5.27"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure container health is checked at runtime",
    section: Section::Runtime,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Container,
    rationale: "A running process is not a working service. A healthcheck lets Docker, the operator and any \
        orchestrator see that a container has hung or lost its dependencies, and act on it, instead of \
        finding out from users.",
    audit: "Reads the effective Config.Healthcheck of every container, running or stopped (the image's \
        HEALTHCHECK merged with the run options). Passes when a test is configured and is not `NONE`; the \
        evidence shows the current health status of running containers. An unhealthy status still passes: \
        the rule asks for health to be checked, not for it to be good.",
    impact: "Each check runs a command inside the container at every interval, costing some CPU and memory and \
        requiring the probe tool (curl, wget or a small binary) in the image. A check that is too strict or too \
        slow marks working containers unhealthy: swarm then replaces the task, and dependants waiting for a \
        healthy state do not start.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/",
        "https://docs.docker.com/build/building/best-practices/",
    ],
    remediation: "Add a `HEALTHCHECK CMD ...` to the image's Dockerfile, or set one at run time: \
        `docker run --health-cmd 'wget -qO- http://localhost:8080/health || exit 1' --health-interval 30s ...` \
        (Compose: `healthcheck: {test: [...], interval: 30s}`). Remove `--no-healthcheck`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let test = c.healthcheck()?;
        match test.first() {
            None => return Ok((Status::Fail, "no healthcheck configured".into())),
            Some(t) if t.eq_ignore_ascii_case("NONE") => {
                return Ok((Status::Fail, "Healthcheck=NONE (disabled)".into()))
            }
            Some(_) => {}
        }
        let mut detail = format!("Healthcheck={}", test.join(" "));
        if *c.running()? {
            let status = c.health_status()?;
            let status = if status.is_empty() {
                "not reported yet"
            } else {
                status
            };
            detail.push_str(&format!("; health {status}"));
        }
        Ok((Status::Pass, detail))
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("healthcheck configured", compliant_host()),
        Fixture::pass(
            "stopped container with a healthcheck",
            host_with(|f| {
                let c = first_container(f);
                c.running = Some(false);
                c.state = Some("exited".into());
                c.health_status = None;
            }),
        ),
        Fixture::fail(
            "no healthcheck",
            host_with(|f| {
                let c = first_container(f);
                c.healthcheck = Some(vec![]);
                c.health_status = None;
            }),
        ),
        Fixture::fail(
            "healthcheck disabled",
            host_with(|f| first_container(f).healthcheck = Some(vec!["NONE".into()])),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn healthcheck_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "Healthcheck=CMD-SHELL true; health healthy"
        );
    }

    #[test]
    fn missing_healthcheck_fails() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.healthcheck = Some(vec![]);
        c.health_status = None;
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "no healthcheck configured"
        );
    }

    #[test]
    fn disabled_healthcheck_fails() {
        let mut f = compliant_host();
        first_container(&mut f).healthcheck = Some(vec!["NONE".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn stopped_container_with_healthcheck_passes() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.running = Some(false);
        c.state = Some("exited".into());
        c.health_status = None;
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "Healthcheck=CMD-SHELL true");
    }
}
