//! 1.08 Ensure auditing is configured for Docker files and directories - docker.service.

use super::common::{watch_rule, Watch};
use crate::prelude::*;
use dockguard_facts::Fact;

pub static RULE: Rule = Rule {
    azure: Some("1.08"),
    cis: &["1.1.7"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - docker.service",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "The docker.service unit carries dockerd's command line: an edit there can open a TCP socket \
        without TLS or switch off protections at the next restart. An audit watch records who changed it.",
    audit: "Takes the path of the docker.service unit in effect (systemd's FragmentPath, e.g. \
        /lib/systemd/system/docker.service) and requires a loaded audit rule whose path is exactly that file \
        (`auditctl -l`; a watch only in the rules files is `manual`). Not applicable when there is no docker.service unit; an error \
        when the unit could not be looked up.",
    impact: "Negligible audit volume: the unit file is read on systemd reloads and replaced only by package \
        upgrades. The watch covers that one file, so drop-in overrides under \
        /etc/systemd/system/docker.service.d/ need their own watch if they are to be recorded.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Find the unit with `systemctl show -p FragmentPath docker.service`, add `-w <that path> -k \
        docker` to /etc/audit/rules.d/docker.rules, load it with `augenrules --load` (or `service auditd \
        restart`) and check `auditctl -l | grep docker.service`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    match &ctx.facts.units.docker_service {
        Fact::Error(e) => {
            Outcome::error(format!("the docker.service unit could not be located: {e}"))
        }
        Fact::Ok(None) => Outcome::not_applicable("there is no docker.service unit on this host"),
        Fact::Ok(Some(path)) => watch_rule(
            ctx,
            &[Watch::new(
                path.as_str(),
                "the docker.service unit in effect",
            )],
            path,
        ),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    vec![
        Fixture::pass("docker.service watched", compliant_host()),
        Fixture::fail(
            "docker.service unwatched",
            host_with(|f| drop_watch(f, SERVICE)),
        ),
        Fixture::fail(
            "the unit in effect is another copy",
            host_with(|f| {
                f.units.docker_service = Fact::Ok(Some("/etc/systemd/system/docker.service".into()))
            }),
        ),
        Fixture::not_applicable(
            "no docker.service unit",
            host_with(|f| f.units.docker_service = Fact::Ok(None)),
        ),
        Fixture::error(
            "unit lookup failed",
            host_with(|f| {
                f.units.docker_service = Fact::Error("systemd unit directories unreadable".into())
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn watched_unit_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].id, SERVICE);
    }

    #[test]
    fn unwatched_unit_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, SERVICE);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn watch_on_another_copy_of_the_unit_fails() {
        let mut f = compliant_host();
        f.units.docker_service = Fact::Ok(Some("/etc/systemd/system/docker.service".into()));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, "/etc/systemd/system/docker.service");
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = compliant_host();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains("docker.service"))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn no_unit_is_na_and_lookup_failure_is_error() {
        let mut f = compliant_host();
        f.units.docker_service = Fact::Ok(None);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        f.units.docker_service = Fact::Error("systemd unit directories unreadable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
