//! 1.06 Ensure auditing is configured for Docker files and directories - /var/lib/docker.

use super::common::{data_root, watch_rule, Watch};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("1.06"),
    cis: &["1.1.5"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure auditing is configured for Docker files and directories - /var/lib/docker",
    section: Section::Host,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Host,
    rationale: "The Docker root directory holds every container's configuration, layers, volumes and logs. \
        Changes made there behind the daemon's back (a planted binary in a layer, an edited container config) \
        leave no trace unless the directory is audited.",
    audit: "Takes the Docker root directory (DockerRootDir from `docker info`, its parent under userns-remap; \
        else the effective `data-root`, default /var/lib/docker) and requires a loaded audit rule whose path is \
        exactly that directory: `-w <dir>` or `-a always,exit -F dir=<dir>`/`-F path=<dir>`. Rules for a \
        sub-directory or `never` exclusions do not count. Not applicable when the directory does not exist.",
    impact: "This is the busiest of the Docker watches: image pulls, builds and container creation or \
        removal create, chown and delete thousands of files under the data root, each producing audit \
        records. Expect much more audit log volume and some CPU overhead on busy hosts; size /var/log/audit \
        and auditd's space_left actions so a full audit log cannot halt the host.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /var/lib/docker -k docker` (use your data-root) to /etc/audit/rules.d/docker.rules, \
        load it with `augenrules --load` (or `service auditd restart`) and check `auditctl -l | grep docker`. \
        To keep the log volume down, `-a never,exit` exclusions for busy sub-directories such as overlay2 may \
        be added before it.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    match data_root(ctx) {
        Err(e) => Outcome::error(e),
        Ok(root) => watch_rule(
            ctx,
            &[Watch::new(
                root.path.clone(),
                format!("Docker root directory ({})", root.origin),
            )],
            &root.path,
        ),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("Docker root watched", compliant_host()),
        Fixture::pass(
            "syscall rule form",
            host_with(|f| {
                drop_watch(f, "/var/lib/docker");
                add_line(
                    f,
                    "-a exit,always -F path=/var/lib/docker -F perm=war -k docker",
                );
            }),
        ),
        Fixture::fail(
            "Docker root unwatched",
            host_with(|f| drop_watch(f, "/var/lib/docker")),
        ),
        Fixture::fail(
            "only a sub-directory watched",
            host_with(|f| {
                drop_watch(f, "/var/lib/docker");
                add_line(f, "-w /var/lib/docker/overlay2 -k docker");
            }),
        ),
        Fixture::fail(
            "custom data-root unwatched",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f).info.docker_root_dir = Some("/srv/docker/100000.100000".into());
            }),
        ),
        Fixture::not_applicable(
            "no Docker root directory",
            host_with(|f| {
                f.files.insert("/var/lib/docker".into(), FileFact::Missing);
            }),
        ),
        Fixture::error("audit rules unreadable", host_with(unreadable_audit_rules)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn watched_root_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, "/var/lib/docker");
    }

    #[test]
    fn syscall_rule_form_passes() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/var/lib/docker");
        add_line(
            &mut f,
            "-a exit,always -F path=/var/lib/docker -F perm=war -k docker",
        );
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn missing_watch_fails() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/var/lib/docker");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "no audit rule watches /var/lib/docker");
    }

    #[test]
    fn subpath_rules_and_exclusions_do_not_count() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/var/lib/docker");
        add_line(&mut f, "-w /var/lib/docker/overlay2 -k docker");
        add_line(&mut f, "-a never,exit -F dir=/var/lib/docker -k docker");
        add_line(&mut f, "-a never,exit -F dir=/var/lib/docker/overlay2");
        add_line(&mut f, "# -w /var/lib/docker -k docker");
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn loaded_rules_decide_over_files() {
        let mut f = compliant_host();
        // auditctl -l shows the watch: pass even if the files lost it.
        drop_watch(&mut f, "/var/lib/docker");
        f.audit.loaded = Some(Fact::Ok(
            vec!["-w /var/lib/docker -p rwxa -k docker".into()],
        ));
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        // A rules file has it, but the loaded set lacks it: fail, not loaded.
        let mut f = compliant_host();
        f.audit.loaded = Some(Fact::Ok(vec!["-w /etc/docker -p rwxa -k docker".into()]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("not loaded"), "{}", out.reason);
    }

    #[test]
    fn custom_data_root_is_followed() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.docker_root_dir = Some("/srv/docker/100000.100000".into());
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        add_line(&mut f, "-w /srv/docker -k docker");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains("userns-remap"));
    }

    #[test]
    fn absent_dir_is_na_and_unreadable_rules_error() {
        let mut f = compliant_host();
        unreadable_audit_rules(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        f.files.insert("/var/lib/docker".into(), FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
