//! 3.07 Ensure that registry certificate file ownership is set to root:root.

use super::common::{registry_certs, NO_REGISTRY_CERTS};
use crate::check::{owner_rule, Owner};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.07"),
    cis: &["3.7"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that registry certificate file ownership is set to root:root",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "Files under /etc/docker/certs.d decide which registry certificates the daemon trusts and which \
        client certificate and key it presents. A non-root owner can swap them and let a rogue registry serve \
        images the host will run.",
    audit: "Stats every file under /etc/docker/certs.d, recursively: CA certificates (.crt), client \
        certificates (.cert) and keys (.key) alike. Each must have owner uid 0 and group gid 0. Not applicable \
        when the directory holds no files.",
    impact: "None for pulls and pushes: the daemon reads certs.d as root. Whoever rotated registry \
        certificates without root now needs root to do it.",
    references: &[],
    remediation: "Run `chown -R root:root /etc/docker/certs.d` (or `chown root:root` on each file reported).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    owner_rule(ctx, registry_certs(ctx), Owner::RootRoot, NO_REGISTRY_CERTS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts};
    const CLIENT_KEY: &str = "/etc/docker/certs.d/registry.example:5000/client.key";
    fn client_key(f: &mut Facts) {
        set(f, CLIENT_KEY, file(0o400));
        f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
    }
    vec![
        Fixture::pass("root-owned certificate", compliant_host()),
        Fixture::pass(
            "root-owned certificate and client key",
            host_with(client_key),
        ),
        Fixture::fail(
            "client key with a non-root group",
            host_with(|f| {
                client_key(f);
                set_owner(f, CLIENT_KEY, 0, Some("root"), 1000, Some("app"));
            }),
        ),
        Fixture::fail(
            "certificate owned by a user",
            host_with(|f| set_owner(f, REGISTRY_CERT, 1000, Some("app"), 1000, Some("app"))),
        ),
        Fixture::not_applicable(
            "no registry certificates",
            host_with(|f| f.certs_d = Fact::Ok(vec![])),
        ),
        Fixture::error(
            "certs.d not listable",
            host_with(|f| f.certs_d = Fact::Error("permission denied".into())),
        ),
        Fixture::error(
            "listed file not collected",
            host_with(|f| f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()])),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts};

    const CLIENT_KEY: &str = "/etc/docker/certs.d/registry.example:5000/client.key";

    fn with_client_key() -> Facts {
        let mut f = compliant_host();
        set(&mut f, CLIENT_KEY, file(0o400));
        f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
        f
    }

    #[test]
    fn root_owned_certificates_pass() {
        let out = run(&RULE, &with_client_key());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets.len(), 2);
    }

    #[test]
    fn key_with_non_root_group_fails() {
        // docker-bench only looks at *.crt and only at the user; the group of a .key counts too.
        let mut f = with_client_key();
        set_owner(&mut f, CLIENT_KEY, 0, Some("root"), 1000, Some("app"));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        let bad = out.failing().next().unwrap();
        assert_eq!(bad.id, CLIENT_KEY);
        assert_eq!(
            bad.detail,
            "owner root:app (uid 0, gid 1000), expected root:root"
        );
    }

    #[test]
    fn user_owned_certificate_fails() {
        let mut f = compliant_host();
        set_owner(&mut f, REGISTRY_CERT, 1000, Some("app"), 1000, Some("app"));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn no_certificates_is_not_applicable() {
        let mut f = compliant_host();
        f.certs_d = Fact::Ok(vec![]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.reason, NO_REGISTRY_CERTS);
    }

    #[test]
    fn unlistable_directory_is_an_error() {
        let mut f = compliant_host();
        f.certs_d = Fact::Error("permission denied".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("/etc/docker/certs.d"));
    }

    #[test]
    fn unreadable_or_uncollected_certificate_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, REGISTRY_CERT, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
