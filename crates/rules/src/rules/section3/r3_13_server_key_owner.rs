//! 3.13 Ensure that Docker server certificate key file ownership is set to root:root.

use super::common::{tls_file, NO_TLS};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.13"),
    cis: &["3.13"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that Docker server certificate key file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::High,
    level: 1,
    scope: Scope::Files,
    rationale: "The server key is the daemon's TLS identity. Its owner can read it whatever the mode says (and \
        change the mode), and with it impersonate the Docker API to every client.",
    audit: "Takes the server key path the daemon uses: `tlskey` from the dockerd flag or daemon.json, or \
        /root/.docker/key.pem when TLS is on without one. Passes when it is owned by uid 0 and gid 0. Not \
        applicable when TLS is not configured or the file does not exist.",
    impact: "None for the daemon, which loads the key as root. A non-root account that owned the key loses \
        access to it, and the key should be treated as exposed: issuing a new key and server certificate \
        keeps clients working as long as the CA stays the same.",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    remediation: "Run `chown root:root <tlskey path>` (the path is in `--tlskey` or `tlskey` in daemon.json). \
        If the key may have been read by someone else, also issue a new key and certificate.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(ctx, tls_file(ctx, "tlskey"), Owner::RootRoot, NO_TLS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;
    vec![
        Fixture::pass("root:root", compliant_host()),
        Fixture::fail(
            "owned by a user",
            host_with(|f| set_owner(f, TLS_KEY, 1000, Some("app"), 1000, Some("app"))),
        ),
        Fixture::fail(
            "unnamed group 4242",
            host_with(|f| set_owner(f, TLS_KEY, 0, Some("root"), 4242, None)),
        ),
        Fixture::not_applicable("TLS off", host_with(tls_off)),
        Fixture::not_applicable(
            "key file missing",
            host_with(|f| set(f, TLS_KEY, FileFact::Missing)),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
        Fixture::error("unreadable", host_with(|f| set(f, TLS_KEY, unreadable()))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::FileFact;

    #[test]
    fn root_owned_key_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn user_owned_key_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, TLS_KEY, 1000, Some("app"), 1000, Some("app"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "owner app:app (uid 1000, gid 1000), expected root:root"
        );
    }

    #[test]
    fn numeric_group_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, TLS_KEY, 0, Some("root"), 4242, None);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.starts_with("owner root:4242"));
    }

    #[test]
    fn no_tls_or_missing_key_is_not_applicable() {
        let mut f = compliant_host();
        tls_off(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        let mut f = compliant_host();
        set(&mut f, TLS_KEY, FileFact::Missing);
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
