//! 5.20 Ensure the host's UTS namespace isn't shared.

use super::common::host_namespace_check;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.20"),
    cis: &["5.21"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the host's UTS namespace isn't shared",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "With the host's UTS namespace a container that holds SYS_ADMIN can change the host's hostname \
        and NIS domain name, which misleads logging, monitoring and anything that identifies the host by \
        name.",
    audit: "Reads HostConfig.UTSMode of every container, running or stopped. Fails for `host`; the empty \
        default (the container's own namespace) passes.",
    impact: "The container sees its own hostname rather than the host's, so agents that report the host by name \
        (monitoring, log shippers) must be told it explicitly, e.g. with `--hostname` or an environment \
        variable. Beyond that there is no effect.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/"],
    remediation: "Recreate the container without `--uts host` (Compose: drop `uts: host`); give the container its \
        own name with `--hostname` if it needs one.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    host_namespace_check(ctx, "UTSMode", ContainerFacts::uts_mode)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("own UTS namespace", compliant_host()),
        Fixture::fail(
            "host UTS namespace",
            host_with(|f| first_container(f).uts_mode = Some("host".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn own_namespace_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn host_namespace_fails() {
        let mut f = compliant_host();
        first_container(&mut f).uts_mode = Some("host".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "UTSMode=host");
    }
}
