//! CIS 5.2 Ensure that, if applicable, an AppArmor Profile is enabled.

use super::common::{apparmor, confinement_verdict, HostMac};
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.2"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that, if applicable, an AppArmor Profile is enabled",
    section: Section::Runtime,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "An AppArmor profile is what still stands between a container process and the host when \
        namespaces and capabilities are not enough: Docker's default profile denies writes to /proc and /sys \
        entries, mounting, and access to kernel interfaces. A container started `unconfined` has none of \
        that.",
    audit: "Reads docker info SecurityOptions to learn which mandatory access control the daemon applies. On \
        a host that uses SELinux instead of AppArmor the rule is not applicable (rule 5.3 covers it). \
        Otherwise, for every container, running or stopped: passes when an AppArmor profile other than \
        `unconfined` is applied (`AppArmorProfile`, or an `apparmor=<profile>` SecurityOpt on a host with \
        AppArmor); fails for `apparmor=unconfined`, an empty profile, and privileged containers (never \
        confined). On a host with neither AppArmor nor SELinux every container fails: nothing confines them.",
    impact: "Workloads that ran unconfined lose what `docker-default` denies (mounting, writing most /proc and \
        /sys entries, some kernel interfaces) and need a tailored profile if they rely on it; writing and \
        maintaining such profiles is ongoing work. Enabling AppArmor on a host without it requires a reboot.",
    references: &["https://docs.docker.com/engine/security/apparmor/"],
    remediation: "Keep AppArmor enabled on the host (`aa-status` lists `docker-default`) and recreate the \
        container without `--security-opt apparmor=unconfined` and without `--privileged`; Docker then \
        applies `docker-default`. For a tailored profile load it with `apparmor_parser -r -W <file>` and \
        start the container with `--security-opt apparmor=<profile>` (Compose: `security_opt: \
        [apparmor=<profile>]`). On a host without AppArmor install and enable it (`apparmor` package, \
        `apparmor=1 security=apparmor` on the kernel command line), then restart dockerd.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let host = match HostMac::of(ctx) {
        Ok(h) => h,
        Err(e) => return Outcome::error(e),
    };
    if !host.apparmor && host.selinux {
        return Outcome::not_applicable(
            "the daemon confines containers with SELinux, not AppArmor (docker info SecurityOptions); \
             rule 5.3 covers it",
        );
    }
    let mut out = per_container(ctx, |c| {
        if *c.privileged()? {
            return Ok((
                Status::Fail,
                "Privileged=true (runs without an AppArmor profile)".into(),
            ));
        }
        confinement_verdict(apparmor(c, &host))
    });
    if !host.apparmor && out.status == Status::Fail {
        out.reason.push_str(
            "; the daemon reports neither AppArmor nor SELinux (docker info SecurityOptions), so no \
             container is confined",
        );
    }
    out
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("docker-default profile", compliant_host()),
        Fixture::fail(
            "apparmor=unconfined",
            host_with(|f| {
                let c = first_container(f);
                c.security_opt = Some(vec!["apparmor=unconfined".into()]);
                c.apparmor_profile = Some("unconfined".into());
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
            "SELinux host",
            host_with(|f| {
                docker_mut(f).info.security_options = Some(vec!["name=selinux".into()]);
                let c = first_container(f);
                c.apparmor_profile = Some(String::new());
                c.security_opt.as_mut().unwrap().clear();
                c.process_label = Some("system_u:system_r:container_t:s0:c1,c2".into());
            }),
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

    #[test]
    fn docker_default_profile_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "AppArmorProfile=docker-default");
    }

    #[test]
    fn unconfined_fails() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.security_opt = Some(vec!["apparmor:unconfined".into()]);
        c.apparmor_profile = Some("unconfined".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "apparmor=unconfined");
    }

    #[test]
    fn empty_profile_fails() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.security_opt.as_mut().unwrap().clear();
        c.apparmor_profile = Some(String::new());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "no AppArmor profile");
    }

    #[test]
    fn privileged_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = Some(true);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn selinux_host_is_not_applicable() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = Some(vec!["name=selinux".into()]);
        first_container(&mut f).apparmor_profile = Some(String::new());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert!(out.reason.contains("5.3"), "{}", out.reason);
    }

    #[test]
    fn host_without_either_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options =
            Some(vec!["name=seccomp,profile=builtin".into()]);
        let c = first_container(&mut f);
        c.apparmor_profile = Some(String::new());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "apparmor=docker-default but the host has no AppArmor"
        );
        assert!(out.reason.contains("neither AppArmor nor SELinux"));
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
