//! CIS 6.1 Ensure that image sprawl is avoided.

use super::examples;
use crate::prelude::*;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["6.1"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that image sprawl is avoided",
    section: Section::Operations,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Host,
    rationale: "Images nobody runs still sit on the host with their old, unpatched packages, ready to be \
        started by mistake or by an attacker, and they fill the disk Docker needs. A short list of images in \
        use is also easier to keep patched and to audit.",
    audit: "Compares the image list of the host with the images of every container on it (running or \
        stopped, not only the assessed ones). Fails when more images than the site threshold \
        `max_unused_images` (default 20) are used by no container, giving the counts, a few examples \
        (untagged images shown as <none>) and the space they take; passes otherwise. When only running \
        containers were listed, or some containers could not be inspected, images of the missing containers \
        look unused: a count over the threshold is then an error unless it stays over the threshold after \
        allowing for them. An image list that was not collected is an error.",
    impact: "Removed images must be pulled or rebuilt before they can run again, which costs time and bandwidth and \
        fails if the tag has moved or the registry is unreachable. Rolling back to a pruned older image is \
        therefore slower.",
    references: &[],
    remediation: "Remove what no container uses: `docker image prune` (dangling images) or `docker image \
        prune -a --filter until=720h` (everything unused and older than 30 days), or `docker rmi <image>` one \
        by one. Deploy by digest or immutable tag and prune on a schedule.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let d = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    let list = match d.image_list.as_result() {
        Ok(l) => l,
        Err(e) => return Outcome::error(format!("the image list was not collected: {e}")),
    };
    let max = ctx.options.thresholds.max_unused_images;
    let used: BTreeSet<&str> = d
        .containers
        .iter()
        .filter_map(|c| c.image_id.as_deref())
        .collect();
    let unused: Vec<_> = list
        .iter()
        .filter(|i| !used.contains(i.id.as_str()))
        .collect();
    let n = unused.len() as u64;
    let dangling = unused
        .iter()
        .filter(|i| i.tags.iter().flatten().all(|t| t == "<none>:<none>"))
        .count();
    let size: i64 = unused.iter().map(|i| i.size.unwrap_or(0).max(0)).sum();
    let names: Vec<String> = unused
        .iter()
        .map(
            |i| match i.tags.iter().flatten().find(|t| *t != "<none>:<none>") {
                Some(t) => t.clone(),
                None => format!(
                    "<none> {}",
                    i.id.trim_start_matches("sha256:")
                        .chars()
                        .take(12)
                        .collect::<String>()
                ),
            },
        )
        .collect();
    let mut detail = format!(
        "{n} of {} images are used by no container (limit {max})",
        list.len()
    );
    if n > 0 {
        detail.push_str(&format!(
            "; {dangling} untagged; {} MB; e.g. {}",
            size / 1_000_000,
            examples(&names, 5)
        ));
    }
    let target = |status| {
        Target::new(
            TargetKind::Host,
            "images",
            "image list",
            status,
            detail.clone(),
        )
    };
    if n <= max {
        return Outcome::pass(format!("{n} unused images, within the limit of {max}"))
            .with_target(target(Status::Pass));
    }
    if ctx.facts.collector.running_only {
        return Outcome::error(format!(
            "{n} images look unused, over the limit of {max}, but only running containers were listed: \
             images of stopped containers are counted as unused (scan without --running-only)"
        ))
        .with_target(target(Status::Error));
    }
    // Containers whose image is unknown may use any of the "unused" images.
    let uninspected = (d.container_errors.len()
        + d.containers.iter().filter(|c| c.image_id.is_none()).count())
        as u64;
    if n.saturating_sub(uninspected) > max {
        Outcome::fail(format!("{n} images are unused, over the limit of {max}"))
            .with_target(target(Status::Fail))
    } else {
        Outcome::error(format!(
            "{n} images look unused, over the limit of {max}, but {uninspected} containers could not be \
             inspected and may use some of them"
        ))
        .with_target(target(Status::Error))
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let unused = |n: usize| {
        host_with(move |f| {
            let d = docker_mut(f);
            for i in 0..n {
                d.image_list
                    .ok_mut()
                    .unwrap()
                    .push(dockguard_facts::ImageSummaryFacts {
                        id: format!("sha256:old{i}"),
                        tags: Some(vec![format!("old/app:{i}")]),
                        created: Some(IMAGE_CREATED_UNIX),
                        size: Some(10_000_000),
                    });
            }
        })
    };
    vec![
        Fixture::pass("every image in use", compliant_host()),
        Fixture::pass("20 unused images (the limit)", unused(20)),
        Fixture::fail("21 unused images", unused(21)),
        Fixture::error(
            "image list not collected",
            host_with(|f| {
                docker_mut(f).image_list =
                    dockguard_facts::Fact::Error("GET /images/json failed".into())
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
    use dockguard_facts::{ContainerError, Facts, ImageSummaryFacts};

    fn with_unused(n: usize) -> Facts {
        host_with(|f| {
            let d = docker_mut(f);
            for i in 0..n {
                d.image_list.ok_mut().unwrap().push(ImageSummaryFacts {
                    id: format!("sha256:{i:012x}{:052}", 0),
                    tags: Some(if i % 2 == 0 {
                        vec![format!("old/app:{i}")]
                    } else {
                        vec![]
                    }),
                    created: Some(IMAGE_CREATED_UNIX),
                    size: Some(10_000_000),
                });
            }
        })
    }

    #[test]
    fn all_images_in_use_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "0 of 1 images are used by no container (limit 20)"
        );
    }

    #[test]
    fn at_the_limit_passes_and_over_it_fails() {
        assert_eq!(run(&RULE, &with_unused(20)).status, Status::Pass);
        let out = run(&RULE, &with_unused(21));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "21 of 22 images are used by no container (limit 20); 10 untagged; 210 MB; e.g. old/app:0, \
             <none> 000000000001, old/app:2, <none> 000000000003, old/app:4 and 16 more"
        );
    }

    #[test]
    fn images_of_stopped_containers_count_as_used() {
        let mut f = with_unused(21);
        let mut stopped = container("old");
        stopped.running = Some(false);
        stopped.state = Some("exited".into());
        stopped.image_id = Some(format!("sha256:{:012x}{:052}", 0, 0));
        docker_mut(&mut f).containers.push(stopped);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn incomplete_container_lists_do_not_fail() {
        let mut f = with_unused(21);
        f.collector.running_only = true;
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = with_unused(21);
        docker_mut(&mut f).container_errors.push(ContainerError {
            id: "dead".into(),
            name: "flaky".into(),
            error: "timeout".into(),
        });
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = with_unused(22);
        docker_mut(&mut f).container_errors.push(ContainerError {
            id: "dead".into(),
            name: "flaky".into(),
            error: "timeout".into(),
        });
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn missing_image_list_is_an_error() {
        let f = host_with(|f| {
            docker_mut(f).image_list =
                dockguard_facts::Fact::Error("GET /images/json failed".into())
        });
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
