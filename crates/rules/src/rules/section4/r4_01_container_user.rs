//! 4.01 Ensure a user for the container has been created.

use crate::check::{is_root_user, per_container};
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("4.01"),
    cis: &["4.1"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure a user for the container has been created",
    section: Section::Images,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "A process running as root inside a container is root on the host's kernel in every respect \
        the isolation misses: one kernel or runtime escape, or one dangerous mount or capability, and it acts \
        as root on the host. Running as a dedicated unprivileged user takes most of that away.",
    audit: "For every container, running or stopped, reads the user it runs as: Config.User of the container, \
        which Docker fills from the image's USER unless `--user` overrides it. Fails when that user is root: \
        empty (no USER anywhere), `root`, `0`, or any `0:<group>` / `root:<group>`. A numeric non-zero UID \
        passes. A named user (`app`) also passes, but the tool does not resolve names against the image's \
        /etc/passwd, so a named account with UID 0 would not be caught. The evidence says whether the image \
        itself sets a USER.",
    impact: "The image must create the account and give it ownership of every path the process writes, and \
        bind-mounted files and volumes must be readable or writable by that UID. The process can no longer \
        change file ownership, install packages or write root-owned paths at run time, so software that expects \
        root fails until it is adjusted.",
    references: &[
        "https://docs.docker.com/build/building/best-practices/",
        "https://docs.docker.com/reference/cli/docker/container/run/",
    ],
    remediation: "In the Dockerfile create an unprivileged account and switch to it, e.g. \
        `RUN useradd --system --uid 10001 app` then `USER 10001:10001`, and rebuild. For an image you cannot \
        rebuild, run it with `docker run --user 10001:10001 ...` (Compose: `user: \"10001:10001\"`) after \
        checking it works without root.",
    check,
};

/// What the container's image says about its user, for evidence.
fn image_note(ctx: &Ctx, c: &ContainerFacts) -> String {
    let Some(img) = ctx.image(&c.image_id) else {
        return format!("image {} was not inspected", image_name(c));
    };
    let name = if c.image.is_empty() {
        img.tags
            .first()
            .cloned()
            .unwrap_or_else(|| short_id(&img.id))
    } else {
        c.image.clone()
    };
    let user = img.user.trim();
    if user.is_empty() {
        format!("image {name} sets no USER")
    } else if is_root_user(user) {
        format!("image {name} sets USER {user}")
    } else {
        format!("image {name} sets USER {user} but the container overrides it")
    }
}

fn image_name(c: &ContainerFacts) -> String {
    if c.image.is_empty() {
        short_id(&c.image_id)
    } else {
        c.image.clone()
    }
}

fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let user = c.user.trim();
        if is_root_user(user) {
            (
                Status::Fail,
                format!("User=\"{}\" (runs as root; {})", c.user, image_note(ctx, c)),
            )
        } else if user
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .parse::<u32>()
            .is_ok()
        {
            (Status::Pass, format!("User=\"{}\"", c.user))
        } else {
            (
                Status::Pass,
                format!(
                    "User=\"{}\" (named user; its UID inside the image is not checked)",
                    c.user
                ),
            )
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("numeric non-root user", compliant_host()),
        Fixture::pass(
            "named user",
            host_with(|f| first_container(f).user = "app".into()),
        ),
        Fixture::fail(
            "no USER in the image or the container",
            host_with(|f| {
                first_container(f).user = String::new();
                docker_mut(f).images[0].user = String::new();
            }),
        ),
        Fixture::fail(
            "root spelled 0:0",
            host_with(|f| first_container(f).user = "0:0".into()),
        ),
        Fixture::fail(
            "run-time override to root",
            host_with(|f| first_container(f).user = "0".into()),
        ),
        Fixture::fail(
            "root container with its image not inspected",
            host_with(|f| {
                first_container(f).user = String::new();
                docker_mut(f).images.clear();
            }),
        ),
        Fixture::fail(
            "one root container among several",
            host_with(|f| {
                let mut db = container("db");
                db.user = "root".into();
                docker_mut(f).containers.push(db);
            }),
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
    use dockguard_facts::Fact;

    #[test]
    fn numeric_non_root_user_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "User=\"1000:1000\"");
    }

    #[test]
    fn named_user_passes_with_a_caveat() {
        let mut f = compliant_host();
        first_container(&mut f).user = "app".into();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains("named user"));
    }

    #[test]
    fn no_user_anywhere_fails() {
        let mut f = compliant_host();
        first_container(&mut f).user = String::new();
        docker_mut(&mut f).images[0].user = String::new();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "User=\"\" (runs as root; image app:1.0 sets no USER)"
        );
    }

    #[test]
    fn root_spellings_fail() {
        // docker-bench string-matches Config.User, so "0:0" or "root:root" slip through.
        for u in ["root", "0", "0:0", "root:root", "0:1000"] {
            let mut f = compliant_host();
            first_container(&mut f).user = u.into();
            assert_eq!(run(&RULE, &f).status, Status::Fail, "{u}");
        }
    }

    #[test]
    fn run_time_override_to_root_is_reported() {
        let mut f = compliant_host();
        first_container(&mut f).user = "0".into();
        let out = run(&RULE, &f);
        assert_eq!(
            out.targets[0].detail,
            "User=\"0\" (runs as root; image app:1.0 sets USER 1000 but the container overrides it)"
        );
    }

    #[test]
    fn uninspected_image_is_still_judged_by_the_container() {
        let mut f = compliant_host();
        first_container(&mut f).user = String::new();
        docker_mut(&mut f).images.clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0]
            .detail
            .contains("image app:1.0 was not inspected"));
    }

    #[test]
    fn one_root_container_among_several_fails() {
        let mut f = compliant_host();
        let mut db = container("db");
        db.user = "root".into();
        docker_mut(&mut f).containers.push(db);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().name, "db");
    }

    #[test]
    fn no_containers_is_not_applicable() {
        let mut f = compliant_host();
        docker_mut(&mut f).containers.clear();
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let mut f = compliant_host();
        f.docker = Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
