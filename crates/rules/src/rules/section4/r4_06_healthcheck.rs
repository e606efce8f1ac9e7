//! 4.06 Ensure HEALTHCHECK instructions have been added to the container image.

use super::common::per_image;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("4.06"),
    cis: &["4.6"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure HEALTHCHECK instructions have been added to the container image",
    section: Section::Images,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Image,
    rationale: "Without a health check Docker only knows whether the main process is alive, not whether the \
        service works. A HEALTHCHECK lets the engine, orchestrators and monitoring notice a hung or broken \
        container and replace it, which protects availability.",
    audit: "Looks at each image used by an assessed container (images nothing uses are not assessed) and reads \
        its Config.Healthcheck. Passes when the image defines a health check; fails when it has none or \
        declares `HEALTHCHECK NONE`. A `--health-cmd` given at `docker run` does not make the image compliant. \
        An image that could not be inspected is an error.",
    impact: "The check command runs inside the container at every interval, costing a little CPU, and the probe tool \
        (curl, wget or a small binary) must be in the image. A check that is too strict or slow marks working \
        containers unhealthy; Swarm replaces unhealthy tasks, while plain docker only reports the status.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Add a HEALTHCHECK to the Dockerfile and rebuild, e.g. \
        `HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8080/health || exit 1`. \
        Remove any `HEALTHCHECK NONE` inherited from your own Dockerfile.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_image(ctx, |_, img| {
        let test = img.healthcheck()?;
        Ok(match test.first() {
            None => (Status::Fail, "no HEALTHCHECK instruction".to_string()),
            Some(kind) if kind.eq_ignore_ascii_case("NONE") => (
                Status::Fail,
                "HEALTHCHECK NONE (health checks disabled)".to_string(),
            ),
            Some(_) => (Status::Pass, format!("HEALTHCHECK {}", test.join(" "))),
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("image with a HEALTHCHECK", compliant_host()),
        Fixture::pass(
            "an unused image without HEALTHCHECK is ignored",
            host_with(|f| {
                let mut unused = image();
                unused.id = "sha256:unused".into();
                unused.healthcheck = Some(vec![]);
                docker_mut(f).images.push(unused);
            }),
        ),
        Fixture::fail(
            "image without HEALTHCHECK",
            host_with(|f| docker_mut(f).images[0].healthcheck = Some(vec![])),
        ),
        Fixture::fail(
            "HEALTHCHECK NONE",
            host_with(|f| docker_mut(f).images[0].healthcheck = Some(vec!["NONE".into()])),
        ),
        Fixture::fail(
            "a failure outweighs an uninspected image",
            host_with(|f| {
                let mut other = container("db");
                other.image_id = Some("sha256:db".into());
                other.image = Some("db:2".into());
                let d = docker_mut(f);
                d.containers.push(other);
                d.images[0].healthcheck = Some(vec![]);
            }),
        ),
        Fixture::error(
            "image could not be inspected",
            host_with(|f| {
                let d = docker_mut(f);
                d.images.clear();
                d.image_errors.push(dockguard_facts::ImageError {
                    id: "sha256:app".into(),
                    error: "No such image".into(),
                });
            }),
        ),
        Fixture::error(
            "image missing from the facts",
            host_with(|f| docker_mut(f).images.clear()),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("daemon unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, ImageError};

    #[test]
    fn image_with_healthcheck_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        let t = &out.targets[0];
        assert_eq!(
            (t.kind, t.id.as_str(), t.name.as_str()),
            (TargetKind::Image, "sha256:app", "app:1.0")
        );
        assert_eq!(t.detail, "HEALTHCHECK CMD-SHELL true; used by web");
    }

    #[test]
    fn image_without_healthcheck_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].healthcheck = Some(vec![]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "no HEALTHCHECK instruction; used by web"
        );
    }

    #[test]
    fn healthcheck_none_fails() {
        // docker-bench treats `HEALTHCHECK NONE` as present.
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].healthcheck = Some(vec!["NONE".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.starts_with("HEALTHCHECK NONE"));
    }

    #[test]
    fn run_time_health_cmd_does_not_count() {
        let mut f = compliant_host();
        docker_mut(&mut f).images[0].healthcheck = Some(vec![]);
        assert!(first_container(&mut f).healthcheck.is_some());
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn shared_image_is_one_target_and_untagged_uses_short_id() {
        let mut f = compliant_host();
        docker_mut(&mut f).containers.push(container("web2"));
        let d = docker_mut(&mut f);
        d.images[0].tags.as_mut().unwrap().clear();
        d.images[0].id = "sha256:0123456789abcdef".into();
        for c in &mut d.containers {
            c.image_id = Some("sha256:0123456789abcdef".into());
            c.image = Some("sha256:0123456789abcdef".into());
        }
        let out = run(&RULE, &f);
        assert_eq!(out.targets.len(), 1);
        assert_eq!(out.targets[0].name, "0123456789ab");
        assert!(out.targets[0].detail.ends_with("used by web, web2"));
    }

    #[test]
    fn unused_images_are_ignored() {
        let mut f = compliant_host();
        let mut unused = image();
        unused.id = "sha256:unused".into();
        unused.healthcheck = Some(vec![]);
        docker_mut(&mut f).images.push(unused);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn image_that_could_not_be_inspected_is_an_error() {
        let mut f = compliant_host();
        let d = docker_mut(&mut f);
        d.images.clear();
        d.image_errors.push(ImageError {
            id: "sha256:app".into(),
            error: "No such image".into(),
        });
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert_eq!(out.targets[0].name, "app:1.0");
        assert!(out.targets[0].detail.contains("No such image"));
    }

    #[test]
    fn image_missing_from_facts_is_an_error() {
        let mut f = compliant_host();
        docker_mut(&mut f).images.clear();
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn failure_outweighs_an_uninspected_image() {
        let mut f = compliant_host();
        let mut other = container("db");
        other.image_id = Some("sha256:db".into());
        other.image = Some("db:2".into());
        let d = docker_mut(&mut f);
        d.containers.push(other);
        d.images[0].healthcheck = Some(vec![]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn no_containers_is_not_applicable() {
        let mut f = compliant_host();
        docker_mut(&mut f).containers.clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(
            out.reason,
            "no images are in use by the assessed containers"
        );
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let mut f = compliant_host();
        f.docker = Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
