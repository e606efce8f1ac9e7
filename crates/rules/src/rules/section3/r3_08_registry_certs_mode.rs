//! 3.08 Ensure that registry certificate file permissions are set to 444 or more restrictive.

use super::common::{registry_certs, NO_REGISTRY_CERTS};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.08"),
    cis: &["3.8"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure that registry certificate file permissions are set to 444 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "If a registry certificate or client key under /etc/docker/certs.d is writable, it can be \
        replaced so the daemon trusts a registry it should not, and pulls images from it.",
    audit: "Stats every file under /etc/docker/certs.d, recursively (.crt, .cert and .key), and compares each \
        mode with 0444 as a bitmask: any write or execute bit, or setuid/setgid/sticky, fails; 0400 and 0440 \
        pass. Not applicable when the directory holds no files.",
    impact: "Pulls and pushes are unaffected. The files become read-only, so rotating a certificate means \
        replacing the file (or changing the mode first) rather than editing it in place, and non-root tools \
        can no longer read client keys set to 400.",
    references: &[],
    remediation: "Run `find /etc/docker/certs.d -type f -exec chmod 444 {} +`; client keys (.key) can be \
        tightened further with `chmod 400`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, registry_certs(ctx), 0o444, NO_REGISTRY_CERTS)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::Fact;
    const CLIENT_KEY: &str = "/etc/docker/certs.d/registry.example:5000/client.key";
    vec![
        Fixture::pass("mode 0444", compliant_host()),
        Fixture::pass(
            "certificate 0444 and client key 0400",
            host_with(|f| {
                set(f, CLIENT_KEY, file(0o400));
                f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
            }),
        ),
        Fixture::fail(
            "owner-writable 0644",
            host_with(|f| set_mode(f, REGISTRY_CERT, 0o644)),
        ),
        Fixture::fail(
            "0422 (numerically below 444)",
            host_with(|f| set_mode(f, REGISTRY_CERT, 0o422)),
        ),
        Fixture::fail(
            "one client key 0640 among good files",
            host_with(|f| {
                set(f, CLIENT_KEY, file(0o640));
                f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
            }),
        ),
        Fixture::not_applicable(
            "no registry certificates",
            host_with(|f| f.certs_d = Fact::Ok(vec![])),
        ),
        Fixture::error(
            "certs.d not listable",
            host_with(|f| f.certs_d = Fact::Error("permission denied".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Fact;

    const CLIENT_KEY: &str = "/etc/docker/certs.d/registry.example:5000/client.key";

    #[test]
    fn read_only_certificates_pass() {
        let mut f = compliant_host();
        set(&mut f, CLIENT_KEY, file(0o400));
        f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn owner_writable_certificate_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, REGISTRY_CERT, 0o644);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0644 grants 0200 beyond 0444"
        );
    }

    #[test]
    fn mode_422_fails_although_numerically_smaller() {
        let mut f = compliant_host();
        set_mode(&mut f, REGISTRY_CERT, 0o422);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn one_bad_file_among_good_fails() {
        let mut f = compliant_host();
        set(&mut f, CLIENT_KEY, file(0o640));
        f.certs_d = Fact::Ok(vec![REGISTRY_CERT.into(), CLIENT_KEY.into()]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().count(), 1);
        assert_eq!(out.reason, "1 of 2 files fails");
    }

    #[test]
    fn no_certificates_is_not_applicable() {
        let mut f = compliant_host();
        f.certs_d = Fact::Ok(vec![]);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unlistable_or_unreadable_is_an_error() {
        let mut f = compliant_host();
        f.certs_d = Fact::Error("permission denied".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        set(&mut f, REGISTRY_CERT, unreadable());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
