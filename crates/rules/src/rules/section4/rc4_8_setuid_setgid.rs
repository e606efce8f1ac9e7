//! CIS 4.8 Ensure setuid and setgid permissions are removed.

use super::common::{used_images, NO_IMAGES};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.8"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure setuid and setgid permissions are removed",
    section: Section::Images,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Image,
    rationale: "A setuid or setgid binary runs with its owner's rights, usually root. Inside a container it \
        is the usual way for a compromised unprivileged process to become root, which then makes every \
        kernel or runtime weakness more dangerous.",
    audit: "Always a manual review: the files of an image are not part of the collected facts, and dockguard \
        never runs or enters containers. For each image used by an assessed container, list its setuid and \
        setgid files without executing anything from the image: `cid=$(docker create <image>) && docker \
        export \"$cid\" | tar -tvf - | awk '$1 ~ /^-..[sS]/ || $1 ~ /^-.....[sS]/ {print $1, $NF}'; docker rm \
        \"$cid\"`. Every file listed must be one the workload really needs (most need none).",
    impact: "Tools that depend on the bits stop working for unprivileged users inside the container, such as `su`, \
        `sudo`, `passwd` or `newgrp`. A workload that genuinely needs one must keep that file and have the \
        exception recorded, and `no-new-privileges` also stops any remaining setuid binary from raising \
        privileges.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Strip the bits in the Dockerfile after installing packages: \
        `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true`, keeping only binaries the \
        application needs. Run containers with `--security-opt no-new-privileges` so the remaining bits \
        cannot raise privileges.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let (used, unknown) = match used_images(ctx) {
        Ok(x) => x,
        Err(e) => return Outcome::error(e),
    };
    let mut targets: Vec<Target> = used
        .iter()
        .map(|u| {
            u.target(
                Status::Manual,
                format!(
                    "list its setuid/setgid files: docker create {}, then docker export | tar -tv",
                    u.name
                ),
            )
        })
        .collect();
    targets.extend(unknown);
    let out = Outcome::aggregate(targets, "image", NO_IMAGES);
    if out.status == Status::Manual {
        Outcome {
            reason: "the image filesystems are not in the facts: list each image's setuid/setgid files and \
                remove those the workload does not need"
                .into(),
            ..out
        }
    } else {
        out
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::manual("image in use", compliant_host()),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
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

    #[test]
    fn every_image_in_use_needs_a_review() {
        let mut f = compliant_host();
        let mut db = container("db");
        db.image_id = Some("sha256:db".into());
        db.image = Some("postgres:16".into());
        docker_mut(&mut f).containers.push(db);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(out.targets.len(), 2);
        assert!(out.targets[1].detail.contains("docker create postgres:16"));
    }

    #[test]
    fn no_containers_is_not_applicable() {
        let f = host_with(|f| docker_mut(f).containers.clear());
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let f = host_with(|f| f.docker = dockguard_facts::Fact::Error("down".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
