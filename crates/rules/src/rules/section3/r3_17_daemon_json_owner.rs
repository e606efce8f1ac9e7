//! 3.17 Ensure that daemon.json file ownership is set to root:root.

use super::common::daemon_json;
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.17"),
    cis: &["3.17"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that daemon.json file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Files,
    rationale: "daemon.json configures the daemon that runs as root: listeners, TLS, registries, \
        authorization plugins, default runtime. Its owner can change any of that, so it must be root.",
    audit: "Stats the daemon configuration file actually in use: the `--config-file` path when dockerd was \
        started with one, else /etc/docker/daemon.json. Passes when the owner is uid 0 and the group gid 0. \
        Not applicable when the file does not exist.",
    impact: "None for the daemon, which reads the file as root at start and on reload. Non-root accounts or \
        tools that edited it directly must go through root.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
    ],
    remediation: "Run `chown root:root /etc/docker/daemon.json` (or the `--config-file` path reported).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(
        ctx,
        daemon_json(ctx),
        Owner::RootRoot,
        "there is no daemon configuration file",
    )
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    const DAEMON_JSON: &str = "/etc/docker/daemon.json";
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, DAEMON_JSON, 1000, Some("app"), 1000, Some("app"))),
        ),
        Fixture::fail(
            "--config-file owned by a user",
            host_with(|f| {
                f.daemon.config_file.path = "/srv/docker/daemon.json".into();
                set(f, "/srv/docker/daemon.json", file(0o644));
                set_owner(f, "/srv/docker/daemon.json", 1000, None, 1000, None);
            }),
        ),
        Fixture::not_applicable(
            "no daemon.json",
            host_with(|f| set(f, DAEMON_JSON, FileFact::Missing)),
        ),
        Fixture::error(
            "unreadable",
            host_with(|f| set(f, DAEMON_JSON, unreadable())),
        ),
        Fixture::error(
            "not collected",
            host_with(|f| {
                f.files.remove(DAEMON_JSON);
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    const DAEMON_JSON: &str = "/etc/docker/daemon.json";

    #[test]
    fn root_owned_file_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn user_owned_file_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, DAEMON_JSON, 1000, Some("app"), 1000, Some("app"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:app (uid 1000, gid 1000), expected root:root"
        );
    }

    #[test]
    fn config_file_flag_is_honoured() {
        // docker-bench always looks at /etc/docker/daemon.json.
        let mut f = compliant_host();
        f.daemon.config_file.path = "/srv/docker/daemon.json".into();
        set(&mut f, "/srv/docker/daemon.json", file(0o644));
        set_owner(&mut f, "/srv/docker/daemon.json", 1000, None, 1000, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, "/srv/docker/daemon.json");
    }

    #[test]
    fn missing_file_is_not_applicable() {
        let mut f = compliant_host();
        set(&mut f, DAEMON_JSON, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_or_uncollected_file_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, DAEMON_JSON, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(DAEMON_JSON);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
