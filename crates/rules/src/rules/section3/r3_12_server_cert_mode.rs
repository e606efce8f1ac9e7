//! 3.12 Ensure that Docker server certificate file permissions are set to 444 or more restrictive.

use super::common::{tls_file, NO_TLS};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.12"),
    cis: &["3.12"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that Docker server certificate file permissions are set to 444 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "A writable server certificate can be swapped out, breaking the daemon's TLS identity or \
        presenting one an attacker controls. Nobody needs to write it once it is issued.",
    audit: "Takes the server certificate path the daemon uses (`tlscert` flag or daemon.json key, else \
        /root/.docker/cert.pem when TLS is on) and compares its mode with 0444 as a bitmask: any write or \
        execute bit, or setuid/setgid/sticky, fails. Not applicable when TLS is not configured or the file \
        does not exist.",
    impact: "None for the daemon or its clients. Renewal tools must replace the read-only file (or change \
        its mode first) instead of writing into it.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chmod 444 <tlscert path>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, tls_file(ctx, "tlscert"), 0o444, NO_TLS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    vec![
        Fixture::pass("mode 0444", compliant_host()),
        Fixture::fail(
            "group-writable 0464",
            host_with(|f| set_mode(f, TLS_CERT, 0o464)),
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
    fn read_only_certificate_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn group_writable_certificate_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, TLS_CERT, 0o464);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0464 grants 0020 beyond 0444"
        );
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
