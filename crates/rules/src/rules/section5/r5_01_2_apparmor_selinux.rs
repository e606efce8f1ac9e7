//! 5.01-2 Ensure either SELinux or AppArmor is enabled as appropriate.

use super::common::{apparmor, selinux, HostMac};
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("5.01-2"),
    cis: &["5.2", "5.3"],
    profiles: AZURE_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure either SELinux or AppArmor is enabled as appropriate",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "A mandatory access control profile (AppArmor or SELinux) is the layer that still holds when a \
        process breaks out of its namespaces: it limits which host files, mounts and kernel interfaces the \
        container's processes can touch. A container with neither runs with only namespaces and \
        capabilities between it and the host.",
    audit: "For every container, running or stopped: passes when an AppArmor profile other than `unconfined` \
        is applied (`AppArmorProfile`, or `apparmor=<profile>` in SecurityOpt on a host that has AppArmor), \
        or when SELinux labels are in force (a non-empty `ProcessLabel`, or a `label=` SecurityOpt other than \
        `disable` on a host that has SELinux). `apparmor=unconfined` and `label=disable` switch the \
        respective mechanism off. Privileged containers are never confined and fail. The reason also says \
        when `docker info` lists neither apparmor nor selinux, since then no container can pass.",
    impact: "Containers confined by `docker-default` or SELinux's `container_t` can no longer mount filesystems, \
        write most /proc and /sys entries or touch host files outside their labels, so software that relied on \
        `unconfined` or `label=disable` needs a tailored profile or relabelled (`:z`/`:Z`) bind mounts. Turning \
        SELinux or AppArmor on for an existing host may need a reboot and, for SELinux, a filesystem relabel.",
    references: &[
        "https://docs.docker.com/engine/security/apparmor/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "On Debian/Ubuntu hosts keep AppArmor enabled (`aa-status`) so Docker applies \
        `docker-default`, or pass a custom profile with `--security-opt apparmor=<profile>`. On RHEL/Fedora \
        hosts enable SELinux, start dockerd with `--selinux-enabled` (or `\"selinux-enabled\": true` in \
        daemon.json) and recreate the containers. Remove `--security-opt apparmor=unconfined`, \
        `--security-opt label=disable` and `--privileged`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let host = match HostMac::of(ctx) {
        Ok(h) => h,
        Err(e) => return Outcome::error(e),
    };
    let mut out = per_container(ctx, |c| {
        if *c.privileged()? {
            return Ok((
                Status::Fail,
                "Privileged=true (no AppArmor or SELinux confinement)".into(),
            ));
        }
        Ok(match (apparmor(c, &host)?, selinux(c, &host)?) {
            (Ok(a), Ok(s)) => (Status::Pass, format!("{a}; {s}")),
            (Ok(a), Err(_)) => (Status::Pass, a),
            (Err(_), Ok(s)) => (Status::Pass, s),
            (Err(a), Err(s)) => (Status::Fail, format!("{a}; {s}")),
        })
    });
    if !host.apparmor && !host.selinux && out.status != Status::NotApplicable {
        out.reason.push_str(
            "; the host has neither AppArmor nor SELinux enabled (docker info SecurityOptions), so no \
             container can be confined",
        );
    }
    out
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("docker-default AppArmor profile", compliant_host()),
        Fixture::pass(
            "SELinux process label",
            host_with(|f| {
                docker_mut(f).info.security_options =
                    Some(vec!["name=selinux".into(), "name=seccomp".into()]);
                let c = first_container(f);
                c.security_opt.as_mut().unwrap().clear();
                c.apparmor_profile = Some(String::new());
                c.process_label = Some("system_u:system_r:container_t:s0:c1,c2".into());
            }),
        ),
        Fixture::fail(
            "apparmor=unconfined",
            host_with(|f| {
                let c = first_container(f);
                c.security_opt = Some(vec!["apparmor=unconfined".into()]);
                c.apparmor_profile = Some("unconfined".into());
            }),
        ),
        Fixture::fail(
            "label:disable on a SELinux host",
            host_with(|f| {
                docker_mut(f).info.security_options = Some(vec!["name=selinux".into()]);
                let c = first_container(f);
                c.apparmor_profile = Some(String::new());
                c.security_opt = Some(vec!["label:disable".into()]);
            }),
        ),
        Fixture::fail(
            "privileged container",
            host_with(|f| first_container(f).privileged = Some(true)),
        ),
        Fixture::fail(
            "host with neither AppArmor nor SELinux",
            host_with(|f| {
                docker_mut(f).info.security_options =
                    Some(vec!["name=seccomp,profile=builtin".into()]);
                first_container(f).apparmor_profile = Some(String::new());
            }),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
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

    fn detail(f: &dockguard_facts::Facts) -> (Status, String) {
        let out = run(&RULE, f);
        (out.status, out.targets[0].detail.clone())
    }

    #[test]
    fn docker_default_profile_passes() {
        assert_eq!(
            detail(&compliant_host()),
            (Status::Pass, "AppArmorProfile=docker-default".into())
        );
    }

    #[test]
    fn unconfined_fails() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.security_opt = Some(vec!["apparmor=unconfined".into()]);
        c.apparmor_profile = Some("unconfined".into());
        let (status, d) = detail(&f);
        assert_eq!(status, Status::Fail);
        assert_eq!(d, "apparmor=unconfined; no SELinux label");
    }

    #[test]
    fn selinux_process_label_passes() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options =
            Some(vec!["name=selinux".into(), "name=seccomp".into()]);
        let c = first_container(&mut f);
        c.security_opt.as_mut().unwrap().clear();
        c.apparmor_profile = Some(String::new());
        c.process_label = Some("system_u:system_r:container_t:s0:c1,c2".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn label_disable_fails_even_with_a_label_opt() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = Some(vec!["name=selinux".into()]);
        let c = first_container(&mut f);
        c.apparmor_profile = Some(String::new());
        c.security_opt = Some(vec!["label:disable".into()]);
        let (status, d) = detail(&f);
        assert_eq!(status, Status::Fail);
        assert!(d.contains("label=disable"), "{d}");
    }

    #[test]
    fn privileged_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = Some(true);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn host_without_either_is_named_in_the_reason() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options =
            Some(vec!["name=seccomp,profile=builtin".into()]);
        let c = first_container(&mut f);
        c.apparmor_profile = Some(String::new());
        c.security_opt = Some(vec![
            "no-new-privileges:true".into(),
            "apparmor=docker-default".into(),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.reason.contains("neither AppArmor nor SELinux"),
            "{}",
            out.reason
        );
        assert!(out.targets[0].detail.contains("host has no AppArmor"));
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
        f.docker = dockguard_facts::Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
