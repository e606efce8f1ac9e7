//! CIS 5.28 Ensure that Docker commands always make use of the latest version of their image.

use super::common::short_id;
use crate::check::{per_container, Verdict};
use crate::prelude::*;
use dockguard_facts::{ContainerFacts, ImageSummaryFacts};

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.28"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that Docker commands always make use of the latest version of their image",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "A container keeps the image it was created from. When the tag is later pulled or rebuilt \
        with fixes, the container goes on running the old image until it is recreated, so a patched image \
        on the host gives a false sense of safety while the vulnerable one still serves traffic.",
    audit: "For every container, running or stopped, compares the image it runs (`Image` id) with the \
        image its reference (Config.Image, e.g. `app:1.0`; no tag means `:latest`; `docker.io/library/` \
        prefixes are ignored) points at now in the host's image list. Fails when the tag now points to \
        another image. Passes when it points to the image the container runs, or when the container was \
        started by digest (`name@sha256:...`) or by image id, which name exactly one image. Manual when \
        the tag no longer exists on the host: what it should run must be checked against the registry. \
        The registry itself is not asked (no network access): a tag may have moved there without being \
        pulled. An image list that was not collected is an error.",
    impact: "Recreating a container to pick up the current image interrupts the service briefly unless it runs \
        with several replicas, and the new image may change behaviour and needs testing first. Pinning by digest \
        makes every update an explicit change to the deployment configuration.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Recreate the container from the current image: `docker compose up -d` (Compose \
        recreates containers whose image changed), or `docker rm -f <c>` then `docker run` again. Pull \
        before deploying (`docker compose pull`, `docker pull app:1.0`) so the tag is current, and prefer \
        references pinned by digest (`app@sha256:...`) in production so what runs is exactly what was \
        reviewed.",
    check,
};

/// A reference the way the image list shows tags: Docker Hub's `docker.io/library/` dropped, `:latest`
/// added when no tag is given.
fn normalize(reference: &str) -> String {
    let r = reference.trim();
    let last_slash = r.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match r[last_slash..].rfind(':') {
        Some(i) => (&r[..last_slash + i], &r[last_slash + i + 1..]),
        None => (r, "latest"),
    };
    let name = ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    let name = match name.strip_prefix("library/") {
        Some(rest) if !rest.contains('/') => rest,
        _ => name,
    };
    format!("{name}:{tag}")
}

/// Whether `reference` names the container's image by id (`sha256:<hex>` or a hex prefix of it).
fn is_id_of(reference: &str, image_id: &str) -> bool {
    let r = reference.trim();
    let hex = r.strip_prefix("sha256:").unwrap_or(r);
    !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && image_id
            .strip_prefix("sha256:")
            .unwrap_or(image_id)
            .starts_with(hex)
}

fn assess(c: &ContainerFacts, list: &[ImageSummaryFacts]) -> Verdict {
    let reference = c.image()?.trim();
    let image_id = c.image_id()?;
    if image_id.trim().is_empty() {
        return Ok((Status::Error, "the container's image id is unknown".into()));
    }
    if reference.is_empty() {
        return Ok((
            Status::Error,
            "the container's image reference (Config.Image) is empty".into(),
        ));
    }
    let runs = short_id(image_id);
    if reference.contains('@') {
        return Ok((
            Status::Pass,
            format!("started by digest ({reference}); runs {runs}"),
        ));
    }
    let want = normalize(reference);
    let mut tagged = None;
    for i in list {
        if i.tags()?.iter().any(|t| normalize(t) == want) {
            tagged = Some(i);
            break;
        }
    }
    Ok(match tagged {
        Some(i) if i.id == *image_id => (
            Status::Pass,
            format!("{reference} points to {runs}, the image it runs"),
        ),
        Some(i) => {
            let ours = list.iter().find(|x| x.id == *image_id);
            let age = match ours.and_then(|o| Some((o.created?, i.created?))) {
                Some((ours, theirs)) if ours < theirs => "an older",
                _ => "a different",
            };
            (
                Status::Fail,
                format!(
                    "{reference} now points to {}; the container runs {age} {runs}",
                    short_id(&i.id)
                ),
            )
        }
        None if is_id_of(reference, image_id) => {
            (Status::Pass, format!("started by image id; runs {runs}"))
        }
        None => (
            Status::Manual,
            format!(
                "{reference} is not tagged on this host any more; the container runs {runs}; compare \
                 with the registry"
            ),
        ),
    })
}

fn check(ctx: &Ctx) -> Outcome {
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    per_container(ctx, |c| {
        let list = docker
            .image_list
            .as_result()
            .map_err(|e| format!("the host's image list was not collected: {e}"))?;
        assess(c, list)
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("tag points to the running image", compliant_host()),
        Fixture::pass(
            "started by digest",
            host_with(|f| {
                first_container(f).image = Some("registry.example/app@sha256:1111".into())
            }),
        ),
        Fixture::fail(
            "tag pulled again since the container was created",
            host_with(|f| {
                let d = docker_mut(f);
                d.image_list.ok_mut().unwrap()[0]
                    .tags
                    .as_mut()
                    .unwrap()
                    .clear();
                d.image_list.ok_mut().unwrap().push(ImageSummaryFacts {
                    id: "sha256:fresh".into(),
                    tags: Some(vec!["app:1.0".into()]),
                    created: Some(IMAGE_CREATED_UNIX + 86_400),
                    size: Some(5_000_000),
                });
            }),
        ),
        Fixture::manual(
            "tag removed from the host",
            host_with(|f| {
                docker_mut(f).image_list.ok_mut().unwrap()[0]
                    .tags
                    .as_mut()
                    .unwrap()
                    .clear()
            }),
        ),
        Fixture::error(
            "image list not collected",
            host_with(|f| {
                docker_mut(f).image_list =
                    dockguard_facts::Fact::Error("GET /images/json failed".into())
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// The fixture host after `app:1.0` was pulled again: the tag moved to a newer image.
    fn tag_moved(f: &mut dockguard_facts::Facts) {
        let d = docker_mut(f);
        d.image_list.ok_mut().unwrap()[0]
            .tags
            .as_mut()
            .unwrap()
            .clear();
        d.image_list.ok_mut().unwrap().push(ImageSummaryFacts {
            id: "sha256:0123456789abcdef0123".into(),
            tags: Some(vec!["app:1.0".into()]),
            created: Some(IMAGE_CREATED_UNIX + 86_400),
            size: Some(5_000_000),
        });
    }

    #[test]
    fn references() {
        assert_eq!(normalize("app"), "app:latest");
        assert_eq!(normalize("app:1.0"), "app:1.0");
        assert_eq!(normalize("docker.io/library/nginx"), "nginx:latest");
        assert_eq!(normalize("docker.io/acme/web:2"), "acme/web:2");
        assert_eq!(
            normalize("registry.example:5000/app"),
            "registry.example:5000/app:latest"
        );
        assert_eq!(
            normalize("registry.example:5000/library/app:3"),
            "registry.example:5000/library/app:3"
        );
    }

    #[test]
    fn current_tag_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "app:1.0 points to sha256:app, the image it runs"
        );
    }

    #[test]
    fn moved_tag_fails() {
        let mut f = compliant_host();
        tag_moved(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "app:1.0 now points to sha256:0123456789ab; the container runs an older sha256:app"
        );
    }

    #[test]
    fn implicit_latest_is_matched() {
        let mut f = compliant_host();
        first_container(&mut f).image = Some("docker.io/library/app".into());
        docker_mut(&mut f).image_list.ok_mut().unwrap()[0].tags = Some(vec!["app:latest".into()]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn digest_and_id_references_pass() {
        let mut f = compliant_host();
        first_container(&mut f).image = Some("app@sha256:1111".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.image_id = Some("sha256:abcdef0123456789".into());
        c.image = Some("abcdef012345".into());
        docker_mut(&mut f).image_list.ok_mut().unwrap()[0].id = "sha256:abcdef0123456789".into();
        docker_mut(&mut f).image_list.ok_mut().unwrap()[0]
            .tags
            .as_mut()
            .unwrap()
            .clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "started by image id; runs sha256:abcdef012345"
        );
    }

    #[test]
    fn vanished_tag_needs_review() {
        let mut f = compliant_host();
        docker_mut(&mut f).image_list.ok_mut().unwrap()[0]
            .tags
            .as_mut()
            .unwrap()
            .clear();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0]
            .detail
            .starts_with("app:1.0 is not tagged on this host any more"));
    }

    #[test]
    fn missing_image_list_is_an_error() {
        let mut f = compliant_host();
        docker_mut(&mut f).image_list =
            dockguard_facts::Fact::Error("GET /images/json failed".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
