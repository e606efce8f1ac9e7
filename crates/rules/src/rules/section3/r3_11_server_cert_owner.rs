//! 3.11 Ensure that Docker server certificate file ownership is set to root:root.

use super::common::{tls_file, NO_TLS};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.11"),
    cis: &["3.11"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that Docker server certificate file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "The server certificate is how clients recognise the real daemon. A non-root owner can replace \
        it (together with the key) and break or hijack the TLS identity of the Docker API.",
    audit: "Takes the server certificate path the daemon uses: `tlscert` from the dockerd flag or daemon.json, \
        or /root/.docker/cert.pem when TLS is on without one. Passes when it is owned by uid 0 and gid 0. Not \
        applicable when TLS is not configured or the file does not exist.",
    impact: "None for the daemon or its clients. Renewing the server certificate becomes a root-only task, \
        so renewal automation that ran as another account must run as root.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chown root:root <tlscert path>` (the path is in `--tlscert` or `tlscert` in daemon.json).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(ctx, tls_file(ctx, "tlscert"), Owner::RootRoot, NO_TLS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, TLS_CERT, 1000, Some("app"), 0, Some("root"))),
        ),
        Fixture::not_applicable("TLS off", host_with(tls_off)),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error("unreadable", host_with(|f| set(f, TLS_CERT, unreadable()))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn root_owned_certificate_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn user_owned_certificate_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, TLS_CERT, 1000, Some("app"), 0, Some("root"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().next().unwrap().id, TLS_CERT);
    }

    #[test]
    fn no_tls_is_not_applicable() {
        let mut f = compliant_host();
        tls_off(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_or_unreadable_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        set(&mut f, TLS_CERT, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
