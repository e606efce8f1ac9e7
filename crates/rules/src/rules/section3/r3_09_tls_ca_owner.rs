//! 3.09 Ensure that TLS CA certificate file ownership is set to root:root.

use super::common::{tls_file, NO_TLS};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.09"),
    cis: &["3.9"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that TLS CA certificate file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "With --tlsverify the daemon admits any client whose certificate chains to this CA. Whoever owns \
        the CA file can add their own CA to it and then mint client certificates that get full access to \
        the Docker API.",
    audit: "Takes the CA path the daemon uses: `tlscacert` from the dockerd flag or daemon.json, or \
        /root/.docker/ca.pem when TLS is on without one. Passes when it is owned by uid 0 and gid 0. Not \
        applicable when TLS is not configured or the file does not exist.",
    impact: "None for the daemon or for TLS clients, which check against their own copy of the CA. Only who \
        may update the CA file changes: root alone.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chown root:root <tlscacert path>` (the path is in `--tlscacert` or `tlscacert` in \
        daemon.json).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(ctx, tls_file(ctx, "tlscacert"), Owner::RootRoot, NO_TLS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, TLS_CA, 1000, Some("app"), 1000, Some("app"))),
        ),
        Fixture::fail(
            "--tlscacert path with group staff",
            host_with(|f| {
                daemon_json_remove(f, "tlscacert");
                add_flags(f, &["--tlscacert=/srv/tls/ca.pem"]);
                set(f, "/srv/tls/ca.pem", file(0o444));
                set_owner(f, "/srv/tls/ca.pem", 0, Some("root"), 50, Some("staff"));
            }),
        ),
        Fixture::not_applicable("TLS off", host_with(tls_off)),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error(
            "default CA path not collected",
            host_with(|f| daemon_json_remove(f, "tlscacert")),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn root_owned_ca_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].id, TLS_CA);
    }

    #[test]
    fn user_owned_ca_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, TLS_CA, 1000, Some("app"), 1000, Some("app"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:app (uid 1000, gid 1000), expected root:root"
        );
    }

    #[test]
    fn path_from_flag_is_used() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "tlscacert");
        add_flags(&mut f, &["--tlscacert=/srv/tls/ca.pem"]);
        set(&mut f, "/srv/tls/ca.pem", file(0o444));
        set_owner(
            &mut f,
            "/srv/tls/ca.pem",
            0,
            Some("root"),
            50,
            Some("staff"),
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].id, "/srv/tls/ca.pem");
    }

    #[test]
    fn no_tls_is_not_applicable() {
        let mut f = compliant_host();
        tls_off(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_TLS);
    }

    #[test]
    fn unknown_tls_configuration_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn default_path_not_collected_is_an_error() {
        // --tlsverify without --tlscacert: dockerd falls back to /root/.docker/ca.pem.
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "tlscacert");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert_eq!(out.targets[0].id, "/root/.docker/ca.pem");
    }

    #[test]
    fn unreadable_ca_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, TLS_CA, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
