//! 3.14 Ensure that Docker server certificate key file permissions are set to 400.

use super::common::{tls_file, NO_TLS};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.14"),
    cis: &["3.14"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that Docker server certificate key file permissions are set to 400",
    section: Section::DaemonFiles,
    severity: Severity::High,
    level: 1,
    scope: Scope::Files,
    rationale: "Anyone who can read the server key can impersonate the Docker API to its clients; anyone who \
        can write it can replace the daemon's TLS identity. Only root needs to read it, and nobody needs to \
        write it.",
    audit: "Takes the server key path the daemon uses (`tlskey` flag or daemon.json key, else \
        /root/.docker/key.pem when TLS is on) and compares its mode with 0400 as a bitmask: any bit beyond \
        owner-read fails (0600, 0440, 0444, setuid...). A stricter mode such as 0000 passes, because it grants \
        nothing 0400 does not (root reads the file regardless). Not applicable when TLS is not configured or \
        the file does not exist.",
    impact: "None for the daemon, which reads the key as root. Non-root processes that read it (a TLS proxy \
        sharing the key, a backup job) lose access, and renewal must replace the file rather than write into \
        it.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chmod 400 <tlskey path>`. If the key was readable by others, issue a new key and \
        certificate as well.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, tls_file(ctx, "tlskey"), 0o400, NO_TLS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    vec![
        Fixture::pass("mode 0400", compliant_host()),
        Fixture::pass("mode 0000", host_with(|f| set_mode(f, TLS_KEY, 0o000))),
        Fixture::fail(
            "owner-writable 0600",
            host_with(|f| set_mode(f, TLS_KEY, 0o600)),
        ),
        Fixture::fail(
            "group-readable 0440",
            host_with(|f| set_mode(f, TLS_KEY, 0o440)),
        ),
        Fixture::fail(
            "world-readable 0404",
            host_with(|f| set_mode(f, TLS_KEY, 0o404)),
        ),
        Fixture::not_applicable("TLS off", host_with(tls_off)),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error("unreadable", host_with(|f| set(f, TLS_KEY, unreadable()))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn mode_400_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "mode 0400");
    }

    #[test]
    fn stricter_mode_000_passes() {
        let mut f = compliant_host();
        set_mode(&mut f, TLS_KEY, 0o000);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn owner_writable_key_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, TLS_KEY, 0o600);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0600 grants 0200 beyond 0400"
        );
    }

    #[test]
    fn group_or_world_readable_key_fails() {
        for mode in [0o440, 0o444, 0o404] {
            let mut f = compliant_host();
            set_mode(&mut f, TLS_KEY, mode);
            assert_eq!(run(&RULE, &f).status, Status::Fail, "{mode:o}");
        }
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
        set(&mut f, TLS_KEY, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
