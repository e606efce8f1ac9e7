//! 5.19 Ensure mount propagation mode isn't set to shared.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.19"),
    cis: &["5.20"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure mount propagation mode isn't set to shared",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "With shared propagation, mounts made inside the container's copy of a volume appear on the \
        host and in every other container sharing it, and the other way round. A container that can mount \
        (SYS_ADMIN) can then hide or replace host paths under the shared tree.",
    audit: "Reads the Propagation of every mount of every container, running or stopped. Fails for `shared` \
        and `rshared`; private, slave and their recursive forms (and the empty default) pass.",
    impact: "Mounts made inside the container no longer appear on the host or in other containers, so storage or \
        volume-plugin style agents that publish mounts back to the host stop working from a container. Host \
        mounts made later under the volume reach the container only with `slave`/`rslave` propagation.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container without `:shared`/`:rshared` on the volume (`-v /srv/data:/data` or \
        `--mount type=bind,src=/srv/data,dst=/data,bind-propagation=rprivate`; Compose: drop \
        `bind.propagation: shared`). If mounts must flow from host to container only, use `rslave`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let mut shared = Vec::new();
        for m in c.mounts()? {
            let propagation = m.propagation()?;
            if matches!(
                propagation.trim().to_ascii_lowercase().as_str(),
                "shared" | "rshared"
            ) {
                shared.push(format!(
                    "mounts {} at {} with propagation {propagation}",
                    m.source.as_deref().unwrap_or("?"),
                    m.destination
                ));
            }
        }
        if shared.is_empty() {
            Ok((Status::Pass, "no mount uses shared propagation".into()))
        } else {
            Ok((Status::Fail, shared.join("; ")))
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::MountFacts;
    let propagation = |p: &str| {
        let m = MountFacts {
            kind: Some("bind".into()),
            source: Some("/srv/data".into()),
            destination: "/data".into(),
            rw: Some(true),
            propagation: Some(p.into()),
        };
        host_with(move |f| first_container(f).mounts.as_mut().unwrap().push(m))
    };
    vec![
        Fixture::pass("default propagation", compliant_host()),
        Fixture::pass("rprivate", propagation("rprivate")),
        Fixture::pass("rslave", propagation("rslave")),
        Fixture::fail("shared", propagation("shared")),
        Fixture::fail("rshared", propagation("rshared")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::MountFacts;

    fn with_propagation(p: &str) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f)
            .mounts
            .as_mut()
            .unwrap()
            .push(MountFacts {
                kind: Some("bind".into()),
                source: Some("/srv/data".into()),
                destination: "/data".into(),
                rw: Some(true),
                propagation: Some(p.into()),
            });
        run(&RULE, &f)
    }

    #[test]
    fn private_propagation_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
        assert_eq!(with_propagation("rprivate").status, Status::Pass);
        assert_eq!(with_propagation("rslave").status, Status::Pass);
    }

    #[test]
    fn shared_propagation_fails() {
        for p in ["shared", "rshared"] {
            let out = with_propagation(p);
            assert_eq!(out.status, Status::Fail);
            assert_eq!(
                out.failing().next().unwrap().detail,
                format!("mounts /srv/data at /data with propagation {p}")
            );
        }
    }
}
