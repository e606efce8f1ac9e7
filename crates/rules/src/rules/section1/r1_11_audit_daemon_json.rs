//! 1.11 Ensure auditing is configured for Docker files and directories - /etc/docker/daemon.json.

use super::common::{watch_rule, Watch};
use crate::prelude::*;
use dockguard_facts::Fact;

pub static RULE: Rule = Rule {
    azure: Some("1.11"),
    cis: &["1.1.11"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for Docker files and directories - /etc/docker/daemon.json",
    section: Section::Host,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Host,
    rationale: "daemon.json holds most of the daemon's security settings (TLS, userns-remap, authorization \
        plugins, insecure registries). An audit watch records who loosened them.",
    audit: "Takes the daemon configuration file in effect (/etc/docker/daemon.json, or dockerd's \
        `--config-file`) and requires a loaded audit rule whose path is exactly that file (`auditctl -l`; a watch only in the rules files is `manual`). Not applicable when the file does not exist.",
    impact: "Negligible audit volume: dockerd reads the file when it starts or reloads its configuration \
        (SIGHUP), and it changes only when someone edits it. Operators should expect records for their own \
        edits and review them as change evidence.",
    references: &[
        "https://man7.org/linux/man-pages/man8/auditctl.8.html",
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Add `-w /etc/docker/daemon.json -k docker` (or the `--config-file` path) to \
        /etc/audit/rules.d/docker.rules, load it with `augenrules --load` (or `service auditd restart`) and \
        check `auditctl -l | grep daemon.json`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let path = ctx.daemon.config_path.as_str();
    if matches!(ctx.facts.daemon.config_file.content, Fact::Ok(None)) {
        return Outcome::not_applicable(format!(
            "the daemon configuration file {path} does not exist"
        ));
    }
    let why = if path == dockguard_facts::daemon::DEFAULT_CONFIG_FILE {
        "the daemon configuration file"
    } else {
        "the daemon configuration file named by --config-file"
    };
    watch_rule(ctx, &[Watch::new(path, why)], path)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    vec![
        Fixture::pass("daemon.json watched", compliant_host()),
        Fixture::pass(
            "--config-file path watched",
            host_with(|f| {
                f.daemon.config_file.path = "/srv/docker/daemon.json".into();
                add_line(f, "-w /srv/docker/daemon.json -k docker");
            }),
        ),
        Fixture::fail(
            "daemon.json unwatched",
            host_with(|f| drop_watch(f, "/etc/docker/daemon.json")),
        ),
        Fixture::fail(
            "--config-file path unwatched",
            host_with(|f| f.daemon.config_file.path = "/srv/docker/daemon.json".into()),
        ),
        Fixture::not_applicable(
            "no daemon.json",
            host_with(|f| f.daemon.config_file.content = Fact::Ok(None)),
        ),
        Fixture::error("audit rules unreadable", host_with(unreadable_audit_rules)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn watched_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn unwatched_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/etc/docker/daemon.json");
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn config_file_flag_is_honoured() {
        let mut f = compliant_host();
        f.daemon.config_file.path = "/srv/docker/daemon.json".into();
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, "/srv/docker/daemon.json");
        add_line(&mut f, "-w /srv/docker/daemon.json -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn loaded_without_watch_fails() {
        let mut f = compliant_host();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains("daemon.json"))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn absent_file_is_not_applicable() {
        let mut f = compliant_host();
        f.daemon.config_file.content = Fact::Ok(None);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
