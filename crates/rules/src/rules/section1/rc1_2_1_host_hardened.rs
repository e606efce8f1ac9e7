//! CIS 1.2.1 Ensure the container host has been Hardened.

use crate::check::audit_rules;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["1.2.1"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure the container host has been hardened",
    section: Section::Host,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Host,
    rationale: "Containers share the host's kernel, and the daemon runs as root on it. A host with needless \
        services, stale packages, open SSH or no mandatory access control gives an attacker who escapes a \
        container, or who never needed a container at all, an easy path to every workload on it.",
    audit: "Hardening against an OS benchmark cannot be proven from Docker's facts, so this never passes. It \
        looks for two controls that every OS hardening baseline requires: a Linux security module in use \
        (AppArmor or SELinux in docker info's SecurityOptions) and an audit subsystem with rules \
        (`auditctl -l`, else /etc/audit/rules.d). When both are missing the host plainly has not been \
        hardened and the rule fails. Otherwise it asks for a manual review and shows the kernel, the OS, the \
        security module and the number of audit rules. An error when the missing control cannot be told \
        apart from an unreadable fact.",
    impact: "Host hardening takes planning and upkeep, and its settings can break workloads: a strict \
        firewall can block published or swarm ports, noexec mounts can stop tools that run from /tmp, and an \
        enforcing SELinux or AppArmor policy can deny containers their bind mounts until they are relabelled \
        (`:z`/`:Z`) or the profile allows them. Roll it out on a staging host first.",
    references: &[
        "https://docs.docker.com/engine/security/",
        "https://docs.docker.com/engine/security/apparmor/",
    ],
    remediation: "Harden the host against the CIS benchmark (or DISA STIG) for its distribution and keep the \
        report: e.g. `oscap xccdf eval --profile cis_level1_server --report host.html \
        /usr/share/xml/scap/ssg/content/ssg-<distro>-ds.xml`, or `lynis audit system`. At minimum: install \
        only what the host needs (or use a container-optimised OS), patch the kernel and packages, keep \
        AppArmor or SELinux enforcing (`aa-status`, `getenforce`), run auditd with rules loaded \
        (`auditctl -l`), and restrict SSH to key logins by administrators.",
    check,
};

/// Audit rules that record something: watches and syscall rules, not control lines or exclusions.
fn is_recording_rule(line: &str) -> bool {
    let line = line.split('#').next().unwrap_or("").trim();
    let mut t = line.split_whitespace();
    match t.next() {
        Some("-w") => true,
        Some("-a" | "-A") => !t.next().unwrap_or("").split(',').any(|a| a == "never"),
        _ => false,
    }
}

fn host_target(id: &str, name: &str, status: Status, detail: impl Into<String>) -> Target {
    Target::new(TargetKind::Host, id, name, status, detail)
}

fn check(ctx: &Ctx) -> Outcome {
    // The security modules docker info reports; None when docker info is unavailable.
    let lsm: Result<Vec<&str>, String> = ctx.docker().and_then(|d| {
        let mut on = Vec::new();
        for m in ["apparmor", "selinux"] {
            if d.info.has_security_option(m)? {
                on.push(m);
            }
        }
        Ok(on)
    });
    let audit: Result<(usize, String), String> = audit_rules(ctx).map(|r| {
        (
            r.lines.iter().filter(|(_, l)| is_recording_rule(l)).count(),
            r.source,
        )
    });

    let host = &ctx.facts.host;
    let kernel = host
        .kernel
        .clone()
        .or_else(|| {
            ctx.docker()
                .ok()
                .and_then(|d| d.info.kernel_version.clone())
        })
        .filter(|k| !k.trim().is_empty())
        .unwrap_or_else(|| "unknown".into());
    let os = host
        .os
        .clone()
        .or_else(|| {
            ctx.docker()
                .ok()
                .and_then(|d| d.info.operating_system.clone())
        })
        .filter(|o| !o.trim().is_empty())
        .unwrap_or_else(|| "unknown OS".into());

    let no_lsm = matches!(&lsm, Ok(m) if m.is_empty());
    let no_audit = matches!(&audit, Ok((0, _)));
    let lsm_on = matches!(&lsm, Ok(m) if !m.is_empty());
    let audit_on = matches!(&audit, Ok((n, _)) if *n > 0);
    let failing = no_lsm && no_audit;

    let weak = if failing {
        Status::Fail
    } else {
        Status::Manual
    };
    let mut targets = vec![host_target(
        "kernel",
        "kernel and OS",
        Status::Manual,
        format!("kernel {kernel} on {os}: confirm it is a maintained, patched release"),
    )];
    targets.push(match &lsm {
        Ok(m) if !m.is_empty() => host_target(
            "lsm",
            "Linux security module",
            Status::Pass,
            format!("{} in use (docker info SecurityOptions)", m.join(", ")),
        ),
        Ok(_) => host_target(
            "lsm",
            "Linux security module",
            weak,
            "docker info reports neither AppArmor nor SELinux",
        ),
        Err(e) => host_target("lsm", "Linux security module", Status::Error, e.clone()),
    });
    targets.push(match &audit {
        Ok((n, src)) if *n > 0 => host_target(
            "audit",
            "audit rules",
            Status::Pass,
            format!("{n} audit rule(s) (read {src})"),
        ),
        Ok((_, src)) => host_target(
            "audit",
            "audit rules",
            weak,
            format!("no audit rules (read {src})"),
        ),
        Err(e) => host_target("audit", "audit rules", Status::Error, e.clone()),
    });

    if failing {
        return Outcome::fail(
            "no Linux security module is in use and no audit rules exist: the host has not been hardened",
        )
        .with_targets(targets);
    }
    // A control is present (so the rule cannot fail), or both are present: a person decides.
    if lsm_on || audit_on {
        return Outcome::manual(
            "confirm the host passes an OS hardening baseline: run the CIS benchmark for its distribution \
             (`oscap xccdf eval ...`, CIS-CAT or `lynis audit system`), review the report, and check the \
             evidence below (kernel patch level, AppArmor/SELinux enforcing, auditd rules)",
        )
        .with_targets(targets);
    }
    // One control is missing and the other is unknown: a failure cannot be ruled out.
    Outcome::error("cannot tell whether the host lacks both a security module and audit rules")
        .with_targets(targets)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;

    use tests::{no_audit, no_lsm};
    vec![
        Fixture::manual("AppArmor and audit rules present", compliant_host()),
        Fixture::manual("audit rules but no security module", host_with(no_lsm)),
        Fixture::fail(
            "no security module and no audit rules",
            host_with(|f| {
                no_lsm(f);
                no_audit(f);
            }),
        ),
        Fixture::error(
            "no security module, audit rules unreadable",
            host_with(|f| {
                no_lsm(f);
                unreadable_audit_rules(f);
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{AuditFile, Fact, Facts};

    pub(super) fn no_lsm(f: &mut Facts) {
        docker_mut(f)
            .info
            .security_options
            .as_mut()
            .unwrap()
            .retain(|o| !o.contains("apparmor") && !o.contains("selinux"));
    }

    pub(super) fn no_audit(f: &mut Facts) {
        f.audit.files = Fact::Ok(vec![AuditFile {
            path: "/etc/audit/rules.d/audit.rules".into(),
            lines: Fact::Ok(vec!["-D".into(), "-b 8192".into(), "-e 1".into()]),
            mtime: Some(FILES_MODIFIED),
        }]);
        f.audit.loaded = Some(Fact::Ok(vec![]));
    }

    #[test]
    fn controls_present_is_manual_never_pass() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.contains("kernel 6.1.0 on Debian"));
        assert_eq!(
            out.targets[1].detail,
            "apparmor in use (docker info SecurityOptions)"
        );
        let n = AUDITED.len();
        assert!(
            out.targets[2]
                .detail
                .starts_with(&format!("{n} audit rule(s)")),
            "{}",
            out.targets[2].detail
        );
    }

    #[test]
    fn one_control_missing_is_still_manual() {
        let mut f = compliant_host();
        no_lsm(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Manual);
        let mut f = compliant_host();
        no_audit(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(out.targets[2].status, Status::Manual);
    }

    #[test]
    fn selinux_counts() {
        let mut f = compliant_host();
        no_lsm(&mut f);
        no_audit(&mut f);
        docker_mut(&mut f)
            .info
            .security_options
            .as_mut()
            .unwrap()
            .push("name=selinux".into());
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn neither_control_fails() {
        let mut f = compliant_host();
        no_lsm(&mut f);
        no_audit(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.failing().count(), 2);
        // Exclusions and loaded-but-empty rule sets record nothing.
        f.audit.loaded = Some(Fact::Ok(vec![
            "-a never,exit -F dir=/var/lib/docker/overlay2".into(),
        ]));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn unknown_fact_hiding_a_failure_is_error() {
        let mut f = compliant_host();
        no_lsm(&mut f);
        unreadable_audit_rules(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        no_audit(&mut f);
        f.docker = Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        // Audit rules present: no failure possible, so manual despite docker info missing.
        let mut f = compliant_host();
        f.docker = Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }
}
