//! CIS 4.7 Ensure update instructions are not used alone in the Dockerfile.

use super::common::{commands, per_image_history, pm_call, Entry};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.7"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure update instructions are not used alone in the Dockerfile",
    section: Section::Images,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Image,
    rationale: "The build cache keeps a layer whose instruction text has not changed. A RUN that only \
        refreshes the package index is cached once and reused for months, so a later RUN that installs \
        packages gets old versions from a stale index and misses security fixes.",
    audit: "Reads the build history of each image used by an assessed container (`docker history \
        --no-trunc`). Fails when a RUN step refreshes a package index (`apt-get update`, `apt update`, \
        `apk update`, `yum`/`dnf`/`microdnf makecache`, `zypper refresh`) and the same step does not also \
        install or upgrade packages with that package manager; the evidence names the history entry (0 = \
        newest, the first row of `docker history`) and the command, never the rest of the line. Passes \
        otherwise, including when the base image's own steps combine them. An image whose history or \
        inspection is missing is an error.",
    impact: "None at run time. The combined RUN step is rebuilt whenever its package list changes, so builds refresh \
        the index more often and take slightly longer, and unpinned packages come in at their newest version on \
        each rebuild.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Refresh and install in one RUN, so the two are always cached together: \
        `RUN apt-get update && apt-get install -y --no-install-recommends pkg=1.2.* && rm -rf \
        /var/lib/apt/lists/*` (alpine: `RUN apk add --no-cache pkg`). Rebuild with `--no-cache` when in doubt.",
    check,
};

/// The index refreshes of a RUN step that no install by the same package manager accompanies.
fn lone_updates(e: &Entry) -> Vec<String> {
    let calls: Vec<(super::common::Pm, String, bool, bool)> = commands(e.args)
        .iter()
        .filter_map(|w| {
            pm_call(w).map(|c| {
                (
                    c.pm,
                    format!("{} {}", c.program, c.sub),
                    c.pm.is_index_update(c.sub),
                    c.pm.is_install(c.sub),
                )
            })
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (pm, text, update, _) in &calls {
        if *update
            && !calls.iter().any(|(p, _, _, install)| p == pm && *install)
            && !out.contains(text)
        {
            out.push(text.clone());
        }
    }
    out
}

fn check(ctx: &Ctx) -> Outcome {
    per_image_history(ctx, |_, _, entries| {
        let found: Vec<String> = entries
            .iter()
            .filter(|e| e.is("RUN"))
            .flat_map(|e| {
                lone_updates(e).into_iter().map(move |cmd| {
                    format!("{}: `{cmd}` without an install in the same step", e.label())
                })
            })
            .collect();
        Ok(if found.is_empty() {
            (
                Status::Pass,
                "no RUN step refreshes a package index on its own".to_string(),
            )
        } else {
            (Status::Fail, found.join("; "))
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("update and install in one RUN", compliant_host()),
        Fixture::fail(
            "apt-get update in its own RUN",
            host_with(|f| {
                docker_mut(f).images[0].history = Some(vec![
                    "/bin/sh -c apt-get install -y curl".into(),
                    "/bin/sh -c apt-get update".into(),
                ]);
            }),
        ),
        Fixture::error(
            "history not collected",
            host_with(|f| docker_mut(f).images[0].history.as_mut().unwrap().clear()),
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

    fn history(lines: &[&str]) -> dockguard_facts::Facts {
        host_with(|f| {
            docker_mut(f).images[0].history = Some(lines.iter().map(|l| l.to_string()).collect());
        })
    }

    #[test]
    fn update_with_install_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
    }

    #[test]
    fn update_alone_fails_naming_the_entry() {
        let f = history(&[
            "/bin/sh -c apt-get install -y curl",
            "/bin/sh -c apt-get update",
            "/bin/sh -c #(nop) ADD file:9a8b7c in / ",
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "history entry 1 (RUN): `apt-get update` without an install in the same step; used by web"
        );
    }

    #[test]
    fn buildkit_and_other_package_managers() {
        for line in [
            "RUN /bin/sh -c apk update # buildkit",
            "RUN |1 HTTP_PROXY=x /bin/sh -c dnf -y makecache # buildkit",
            "RUN /bin/sh -c zypper --non-interactive refresh # buildkit",
            "RUN /bin/sh -c apt update; echo done # buildkit",
            "RUN /bin/sh -c apt-get update && apk add curl # buildkit",
        ] {
            assert_eq!(run(&RULE, &history(&[line])).status, Status::Fail, "{line}");
        }
        for line in [
            "RUN /bin/sh -c apk add --no-cache --update curl # buildkit",
            "RUN /bin/sh -c apt-get update && apt-get -y upgrade # buildkit",
            "RUN /bin/sh -c yum makecache && yum install -y httpd # buildkit",
            "RUN /bin/sh -c yum update -y # buildkit",
            "/bin/sh -c #(nop)  LABEL note=apt-get update",
        ] {
            assert_eq!(run(&RULE, &history(&[line])).status, Status::Pass, "{line}");
        }
    }

    #[test]
    fn missing_history_is_an_error() {
        assert_eq!(run(&RULE, &history(&[])).status, Status::Error);
    }
}
