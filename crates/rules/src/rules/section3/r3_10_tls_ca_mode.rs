//! 3.10 Ensure that TLS CA certificate file permissions are set to 444 or more restrictive.

use super::common::{tls_file, NO_TLS};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.10"),
    cis: &["3.10"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that TLS CA certificate file permissions are set to 444 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "A writable CA file can have another CA appended to it; the daemon then accepts client \
        certificates issued by that CA, which means full API access for whoever holds them.",
    audit: "Takes the CA path the daemon uses (`tlscacert` flag or daemon.json key, else /root/.docker/ca.pem \
        when TLS is on) and compares its mode with 0444 as a bitmask: any write or execute bit, or \
        setuid/setgid/sticky, fails; 0400 and 0440 pass. Not applicable when TLS is not configured or the file \
        does not exist.",
    impact: "None for the daemon, which reads the CA as root, or for clients. Rotating the CA becomes a \
        replace-the-file step, since the file is read-only.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chmod 444 <tlscacert path>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, tls_file(ctx, "tlscacert"), 0o444, NO_TLS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("mode 0444", compliant_host()),
        Fixture::fail(
            "owner-writable 0644",
            host_with(|f| set_mode(f, TLS_CA, 0o644)),
        ),
        Fixture::fail(
            "0406 (numerically below 444)",
            host_with(|f| set_mode(f, TLS_CA, 0o406)),
        ),
        Fixture::not_applicable("TLS off", host_with(tls_off)),
        Fixture::not_applicable(
            "CA file missing",
            host_with(|f| set(f, TLS_CA, FileFact::Missing)),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error("unreadable", host_with(|f| set(f, TLS_CA, unreadable()))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    #[test]
    fn read_only_ca_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn writable_ca_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, TLS_CA, 0o644);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0644 grants 0200 beyond 0444"
        );
    }

    #[test]
    fn mode_406_fails_although_numerically_smaller() {
        // 0406 is "smaller" than 0444 as a number only in docker-bench's eyes; other can write.
        let mut f = compliant_host();
        set_mode(&mut f, TLS_CA, 0o406);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn no_tls_or_missing_file_is_not_applicable() {
        let mut f = compliant_host();
        tls_off(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        let mut f = compliant_host();
        set(&mut f, TLS_CA, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_or_unreadable_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        set(&mut f, TLS_CA, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
