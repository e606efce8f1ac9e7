//! 5.01-2 Ensure either SELinux or AppArmor is enabled as appropriate.

use super::common::security_opt_values;
use crate::check::per_container;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

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
    remediation: "On Debian/Ubuntu hosts keep AppArmor enabled (`aa-status`) so Docker applies \
        `docker-default`, or pass a custom profile with `--security-opt apparmor=<profile>`. On RHEL/Fedora \
        hosts enable SELinux, start dockerd with `--selinux-enabled` (or `\"selinux-enabled\": true` in \
        daemon.json) and recreate the containers. Remove `--security-opt apparmor=unconfined`, \
        `--security-opt label=disable` and `--privileged`.",
    check,
};

/// Which mechanisms the host offers, from `docker info` SecurityOptions.
struct HostMac {
    apparmor: bool,
    selinux: bool,
}

/// The AppArmor profile in force, or why there is none.
fn apparmor(c: &ContainerFacts, host: &HostMac) -> Result<String, String> {
    let opts = security_opt_values(c, "apparmor");
    if let Some(v) = opts
        .iter()
        .flatten()
        .find(|v| v.eq_ignore_ascii_case("unconfined"))
    {
        return Err(format!("apparmor={v}"));
    }
    let profile = c.apparmor_profile.trim();
    if profile.eq_ignore_ascii_case("unconfined") {
        return Err("AppArmorProfile=unconfined".into());
    }
    if !profile.is_empty() {
        return Ok(format!("AppArmorProfile={profile}"));
    }
    match opts.iter().flatten().last() {
        Some(v) if host.apparmor => Ok(format!("apparmor={v}")),
        Some(v) => Err(format!("apparmor={v} but the host has no AppArmor")),
        None => Err("no AppArmor profile".into()),
    }
}

/// The SELinux label in force, or why there is none.
fn selinux(c: &ContainerFacts, host: &HostMac) -> Result<String, String> {
    let opts = security_opt_values(c, "label");
    if opts
        .iter()
        .flatten()
        .any(|v| v.eq_ignore_ascii_case("disable"))
    {
        return Err("label=disable".into());
    }
    let label = c.process_label.trim();
    if !label.is_empty() {
        return Ok(format!("ProcessLabel={label}"));
    }
    match opts.iter().flatten().last() {
        Some(v) if host.selinux => Ok(format!("label={v}")),
        Some(v) => Err(format!("label={v} but the host has no SELinux")),
        None => Err("no SELinux label".into()),
    }
}

fn check(ctx: &Ctx) -> Outcome {
    let host = match ctx.docker() {
        Ok(d) => HostMac {
            apparmor: d.info.has_security_option("apparmor"),
            selinux: d.info.has_security_option("selinux"),
        },
        Err(e) => return Outcome::error(e),
    };
    let mut out = per_container(ctx, |c| {
        if c.privileged {
            return (
                Status::Fail,
                "Privileged=true (no AppArmor or SELinux confinement)".into(),
            );
        }
        match (apparmor(c, &host), selinux(c, &host)) {
            (Ok(a), Ok(s)) => (Status::Pass, format!("{a}; {s}")),
            (Ok(a), Err(_)) => (Status::Pass, a),
            (Err(_), Ok(s)) => (Status::Pass, s),
            (Err(a), Err(s)) => (Status::Fail, format!("{a}; {s}")),
        }
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
        c.security_opt = vec!["apparmor=unconfined".into()];
        c.apparmor_profile = "unconfined".into();
        let (status, d) = detail(&f);
        assert_eq!(status, Status::Fail);
        assert_eq!(d, "apparmor=unconfined; no SELinux label");
    }

    #[test]
    fn selinux_process_label_passes() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options =
            vec!["name=selinux".into(), "name=seccomp".into()];
        let c = first_container(&mut f);
        c.security_opt.clear();
        c.apparmor_profile.clear();
        c.process_label = "system_u:system_r:container_t:s0:c1,c2".into();
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn label_disable_fails_even_with_a_label_opt() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = vec!["name=selinux".into()];
        let c = first_container(&mut f);
        c.apparmor_profile.clear();
        c.security_opt = vec!["label:disable".into()];
        let (status, d) = detail(&f);
        assert_eq!(status, Status::Fail);
        assert!(d.contains("label=disable"), "{d}");
    }

    #[test]
    fn privileged_fails() {
        let mut f = compliant_host();
        first_container(&mut f).privileged = true;
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn host_without_either_is_named_in_the_reason() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.security_options = vec!["name=seccomp,profile=builtin".into()];
        let c = first_container(&mut f);
        c.apparmor_profile.clear();
        c.security_opt = vec![
            "no-new-privileges:true".into(),
            "apparmor=docker-default".into(),
        ];
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

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    vec![] // TODO: pass and fail fixtures
}
