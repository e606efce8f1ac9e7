//! 5.30 Ensure the host's user namespace isn't shared.

use super::common::host_namespace_check;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

pub static RULE: Rule = Rule {
    azure: Some("5.30"),
    cis: &["5.31"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure the host's user namespace isn't shared",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "When the daemon remaps users (userns-remap), root in a container is an unprivileged user on the \
        host. `--userns host` opts a container out of that remapping, so its root is the host's root \
        again.",
    audit: "Reads HostConfig.UsernsMode of every container, running or stopped. Fails for `host`; the empty \
        default passes. Without userns-remap on the daemon every container shares the host's user namespace \
        anyway: that is rule 2.08's finding, not this one's.",
    impact: "Containers that opted out to use what user namespace remapping forbids (`--privileged`, `--pid \
        host`, `--network host`) or to write host-owned files in bind mounts as the real root lose those \
        abilities. Files they share with the host must be owned by the remapped uid range.",
    references: &["https://docs.docker.com/engine/security/userns-remap/"],
    remediation: "Recreate the container without `--userns host` (Compose: drop `userns_mode: host`). Keep \
        `userns-remap` enabled on the daemon (rule 2.08) so that every container runs in a remapped user \
        namespace.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    host_namespace_check(ctx, "UsernsMode", ContainerFacts::userns_mode)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("own user namespace", compliant_host()),
        Fixture::fail(
            "host user namespace",
            host_with(|f| first_container(f).userns_mode = Some("host".into())),
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
        first_container(&mut f).userns_mode = Some("host".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().detail, "UsernsMode=host");
    }
}
