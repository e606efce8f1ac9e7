//! CIS 5.3 Ensure that, if applicable, SELinux security options are set.

use super::common::{confinement_verdict, selinux, HostMac};
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.3"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that, if applicable, SELinux security options are set",
    section: Section::Runtime,
    severity: Severity::High,
    level: 2,
    scope: Scope::Container,
    rationale: "With SELinux every container process runs in a confined type (`container_t`) with its own \
        category pair, so a process that escapes its namespaces still cannot read or write host files or \
        other containers' files that lack the matching label. `label=disable` or a privileged container \
        throws that away.",
    audit: "Reads docker info SecurityOptions to learn which mandatory access control the daemon applies. On \
        a host that uses AppArmor instead of SELinux the rule is not applicable (rule 5.2 covers it). \
        Otherwise, for every container, running or stopped: passes when SELinux labels are in force (a \
        non-empty `ProcessLabel`, which Docker sets by itself when SELinux is enabled, or a `label=` \
        SecurityOpt on a host with SELinux); fails for `label=disable` (or `label:disable`), an empty label, \
        and privileged containers (never labelled). On a host with neither SELinux nor AppArmor every \
        container fails: nothing confines them.",
    impact: "Containers lose access to host files that are not labelled for them, so bind mounts need `:z`/`:Z` \
        relabelling (which changes the labels of the host files) and software that relied on `label=disable` \
        needs a specific type or policy module. Switching an existing host to enforcing may need a full relabel \
        and reboot, and denials have to be diagnosed from the audit log.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Enable SELinux on the host (`getenforce` says Enforcing), install the `container-selinux` \
        policy, start dockerd with `--selinux-enabled` (or `\"selinux-enabled\": true` in daemon.json) and \
        recreate the containers. Remove `--security-opt label=disable` and `--privileged`; to give a \
        container a specific level or type use `--security-opt label=level:s0:c100,c200` or \
        `label=type:<type>`. Relabel bind mounts with `:z`/`:Z` instead of disabling labels.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let host = match HostMac::of(ctx) {
        Ok(h) => h,
        Err(e) => return Outcome::error(e),
    };
    if !host.selinux && host.apparmor {
        return Outcome::not_applicable(
            "the daemon confines containers with AppArmor, not SELinux (docker info SecurityOptions); \
             rule 5.2 covers it",
        );
    }
    let mut out = per_container(ctx, |c| {
        if *c.privileged()? {
            return Ok((
                Status::Fail,
                "Privileged=true (runs without SELinux labels)".into(),
            ));
        }
        confinement_verdict(selinux(c, &host))
    });
    if !host.selinux && out.status == Status::Fail {
        out.reason.push_str(
            "; the daemon reports neither SELinux nor AppArmor (docker info SecurityOptions), so no \
             container is confined",
        );
    }
    out
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let selinux = |f: &mut dockguard_facts::Facts| {
        docker_mut(f).info.security_options = Some(vec![
            "name=selinux".into(),
            "name=seccomp,profile=builtin".into(),
        ]);
        let c = first_container(f);
        c.apparmor_profile = Some(String::new());
        c.security_opt = Some(vec!["no-new-privileges:true".into()]);
        c.process_label = Some("system_u:system_r:container_t:s0:c1,c2".into());
    };
    vec![
        Fixture::pass("SELinux host, labelled container", host_with(selinux)),
        Fixture::fail(
            "label=disable",
            host_with(|f| {
                selinux(f);
                let c = first_container(f);
                c.process_label = Some(String::new());
                c.security_opt
                    .as_mut()
                    .unwrap()
                    .push("label=disable".into());
            }),
        ),
        Fixture::fail(
            "privileged container on a SELinux host",
            host_with(|f| {
                selinux(f);
                first_container(f).privileged = Some(true);
            }),
        ),
        Fixture::fail(
            "host with neither SELinux nor AppArmor",
            host_with(|f| {
                docker_mut(f).info.security_options =
                    Some(vec!["name=seccomp,profile=builtin".into()])
            }),
        ),
        Fixture::not_applicable("AppArmor host", compliant_host()),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Facts;

    /// The compliant host moved to SELinux: the daemon has it, the container carries Docker's label.
    fn selinux_host() -> Facts {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = Some(vec![
            "name=selinux".into(),
            "name=seccomp,profile=builtin".into(),
        ]);
        let c = first_container(&mut f);
        c.apparmor_profile = Some(String::new());
        c.security_opt = Some(vec!["no-new-privileges:true".into()]);
        c.process_label = Some("system_u:system_r:container_t:s0:c1,c2".into());
        c.mount_label = Some("system_u:object_r:container_file_t:s0:c1,c2".into());
        f
    }

    #[test]
    fn process_label_passes() {
        let out = run(&RULE, &selinux_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "ProcessLabel=system_u:system_r:container_t:s0:c1,c2"
        );
    }

    #[test]
    fn label_option_passes_on_a_selinux_host() {
        let mut f = selinux_host();
        let c = first_container(&mut f);
        c.process_label = Some(String::new());
        c.security_opt
            .as_mut()
            .unwrap()
            .push("label=level:s0:c100,c200".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "label=level:s0:c100,c200");
    }

    #[test]
    fn label_disable_fails() {
        let mut f = selinux_host();
        let c = first_container(&mut f);
        c.security_opt
            .as_mut()
            .unwrap()
            .push("label:disable".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "label=disable");
    }

    #[test]
    fn missing_label_fails() {
        let mut f = selinux_host();
        first_container(&mut f).process_label = Some(String::new());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "no SELinux label");
    }

    #[test]
    fn privileged_fails() {
        let mut f = selinux_host();
        first_container(&mut f).privileged = Some(true);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn apparmor_host_is_not_applicable() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::NotApplicable);
        assert!(out.reason.contains("5.2"), "{}", out.reason);
    }

    #[test]
    fn host_without_either_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options =
            Some(vec!["name=seccomp,profile=builtin".into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "no SELinux label");
        assert!(out.reason.contains("neither SELinux nor AppArmor"));
    }

    #[test]
    fn no_docker_facts_is_an_error() {
        let mut f = compliant_host();
        f.docker = dockguard_facts::Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
