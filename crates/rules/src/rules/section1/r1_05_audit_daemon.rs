//! 1.05 Ensure auditing is configured for the docker daemon.

use super::common::{watch_rule, Watch};
use crate::check::{audit_rule_path, audit_rules};
use crate::prelude::*;
use dockguard_facts::{Fact, FileFact};

pub static RULE: Rule = Rule {
    azure: Some("1.05"),
    cis: &["1.1.3"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure auditing is configured for the docker daemon",
    section: Section::Host,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Host,
    rationale: "dockerd runs as root and can start anything on the host. An audit watch on its binary records \
        who replaced or tampered with it, which is what an investigation needs after a compromise.",
    audit: "Finds the daemon binary from the running dockerd (/proc/<pid>/exe, else an absolute argv[0], \
        else a bare argv[0] looked up in /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin) and requires a \
        loaded audit rule whose path is exactly that binary (`auditctl -l`; a watch only in the rules files \
        is `manual`). When the dockerd process cannot be seen, every dockerd in those directories must be \
        watched, and an unwatched one is an error (it may be the one that runs). Azure's \
        remediation names /usr/bin/docker, which on current packages is the CLI client, not the daemon: when \
        it exists it is reported as an extra, informational target, but only the daemon binary decides.",
    impact: "Very little: the binary changes only on package upgrades, so the watch adds a handful of \
        records per upgrade and one each time dockerd is started. The optional watch on /usr/bin/docker also \
        logs every docker CLI invocation, which adds steady volume on hosts driven by scripts or CI.",
    references: &["https://man7.org/linux/man-pages/man8/auditctl.8.html"],
    remediation: "Add `-w /usr/bin/dockerd -k docker` (use the real path of dockerd) to \
        /etc/audit/rules.d/docker.rules, optionally `-w /usr/bin/docker -k docker` too, then load the rules \
        with `augenrules --load` (or `service auditd restart`) and check with `auditctl -l | grep docker`.",
    check,
};

const DEFAULT_DOCKERD: &str = "/usr/bin/dockerd";
const CLIENT: &str = "/usr/bin/docker";

/// Where packages install dockerd, searched when argv[0] is a bare name and the executable link is unknown.
const SEARCH_DIRS: &[&str] = &["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"];

/// The daemon binary and how it was found: the process's executable (`/proc/<pid>/exe`), else an absolute
/// argv[0], else the first standard directory holding a binary of that name.
fn daemon_binary(ctx: &Ctx) -> Watch {
    match &ctx.facts.daemon.process {
        Fact::Ok(p) => {
            if let Some(exe) = p.exe.as_deref().filter(|e| e.starts_with('/')) {
                return Watch::new(
                    exe,
                    format!("the running daemon's executable (pid {})", p.pid),
                );
            }
            match p.argv.first().map(|a| a.trim()).filter(|a| !a.is_empty()) {
                Some(a) if a.starts_with('/') => Watch::new(
                    a,
                    format!("the running daemon's binary (argv[0] of pid {})", p.pid),
                ),
                Some(a) => {
                    let name = a.rsplit('/').next().unwrap_or(a);
                    let found = SEARCH_DIRS.iter().map(|d| format!("{d}/{name}")).find(|c| {
                        matches!(
                            ctx.facts.files.get(c),
                            Some(dockguard_facts::FileFact::Present(_))
                        )
                    });
                    let path = found.unwrap_or_else(|| format!("/usr/bin/{name}"));
                    Watch::new(
                        path.clone(),
                        format!(
                            "argv[0] of dockerd (pid {}) is `{a}`; found at {path}",
                            p.pid
                        ),
                    )
                }
                None => Watch::new(
                    DEFAULT_DOCKERD,
                    format!(
                        "dockerd (pid {}) has an empty argv; assuming the default path",
                        p.pid
                    ),
                ),
            }
        }
        Fact::Error(e) => Watch::new(
            DEFAULT_DOCKERD,
            format!("default path; the dockerd process was not found ({e})"),
        ),
    }
}

/// Without the dockerd process, which binary runs is unknown: every dockerd in the standard directories
/// must be watched, and an unwatched one cannot be told apart from the one that runs.
fn without_process(ctx: &Ctx, why: &str) -> Outcome {
    let present: Vec<Watch> = SEARCH_DIRS
        .iter()
        .map(|d| format!("{d}/dockerd"))
        .filter(|p| matches!(ctx.facts.files.get(p), Some(FileFact::Present(_))))
        .map(|p| Watch::stat(p, "a dockerd binary (the running one is unknown)"))
        .collect();
    let watches = if present.is_empty() {
        vec![Watch::stat(DEFAULT_DOCKERD, "the default path")]
    } else {
        present
    };
    let mut out = watch_rule(ctx, &watches, "the daemon binary");
    if out.targets.is_empty() {
        return out;
    }
    for t in &mut out.targets {
        if t.status == Status::Fail {
            t.status = Status::Error;
            t.detail = format!(
                "{}; the dockerd process was not found ({why}), so whether this is the binary that runs is \
                 unknown",
                t.detail
            );
        }
    }
    Outcome::aggregate(out.targets, "audited path", out.reason)
}

fn check(ctx: &Ctx) -> Outcome {
    if let Fact::Error(e) = &ctx.facts.daemon.process {
        return without_process(ctx, e);
    }
    let daemon = daemon_binary(ctx);
    let mut out = watch_rule(
        ctx,
        std::slice::from_ref(&daemon),
        &format!("the daemon binary {}", daemon.path),
    );
    if out.targets.is_empty() || daemon.path == CLIENT {
        return out;
    }
    if let (Some(FileFact::Present(_)), Ok(rules)) = (ctx.facts.file(CLIENT), audit_rules(ctx)) {
        let hit = rules
            .lines
            .iter()
            .find(|(_, l)| audit_rule_path(l).as_deref() == Some(CLIENT));
        let t = match hit {
            Some((src, line)) => Target::new(
                TargetKind::Audit,
                CLIENT,
                CLIENT,
                // Informational either way: it never decides the rule.
                Status::NotApplicable,
                format!("{} ({src}); the CLI client named by Azure's remediation, informational", line.trim()),
            ),
            None => Target::new(
                TargetKind::Audit,
                CLIENT,
                CLIENT,
                Status::NotApplicable,
                format!(
                    "not watched (read {}); the CLI client named by Azure's remediation, informational: only \
                     the daemon binary {} decides this rule",
                    rules.source, daemon.path
                ),
            ),
        };
        out.targets.push(t);
    }
    out
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    vec![
        Fixture::pass("dockerd watched", compliant_host()),
        Fixture::pass(
            "CLI client unwatched does not decide",
            host_with(|f| drop_watch(f, "/usr/bin/docker")),
        ),
        Fixture::fail(
            "dockerd unwatched",
            host_with(|f| drop_watch(f, "/usr/bin/dockerd")),
        ),
        Fixture::fail(
            "running dockerd elsewhere is unwatched",
            host_with(|f| {
                if let Fact::Ok(p) = &mut f.daemon.process {
                    p.argv[0] = "/usr/local/bin/dockerd".into();
                }
                f.files.insert("/usr/local/bin/dockerd".into(), file(0o755));
            }),
        ),
        Fixture::fail(
            "in a rules file but not loaded",
            host_with(|f| {
                let lines = file_lines(f)
                    .into_iter()
                    .filter(|l| !l.contains("/usr/bin/dockerd"))
                    .collect();
                f.audit.loaded = Some(Fact::Ok(lines));
            }),
        ),
        Fixture::not_applicable(
            "no dockerd binary",
            host_with(|f| {
                f.files.insert("/usr/bin/dockerd".into(), FileFact::Missing);
            }),
        ),
        Fixture::error("audit rules unreadable", host_with(unreadable_audit_rules)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;

    #[test]
    fn watched_dockerd_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, "/usr/bin/dockerd");
        assert!(out.targets[0].detail.contains("argv[0]"));
        assert_eq!(out.targets[1].id, "/usr/bin/docker");
    }

    #[test]
    fn unwatched_dockerd_fails_even_if_client_is_watched() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/usr/bin/dockerd");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "no audit rule watches /usr/bin/dockerd");
        // The client's watch is shown, but never decides the rule.
        assert_eq!(out.targets[1].status, Status::NotApplicable);
        assert!(out.targets[1].detail.starts_with("-w /usr/bin/docker"));
    }

    #[test]
    fn unwatched_client_does_not_decide() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/usr/bin/docker");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[1].status, Status::NotApplicable);
    }

    #[test]
    fn custom_daemon_path_from_argv() {
        let mut f = compliant_host();
        if let dockguard_facts::Fact::Ok(p) = &mut f.daemon.process {
            p.argv[0] = "/usr/local/bin/dockerd".into();
        }
        // Only /usr/bin/dockerd is watched: the binary actually running is not.
        assert_eq!(run(&RULE, &f).status, Status::Fail);
        add_line(
            &mut f,
            "-a always,exit -F path=/usr/local/bin/dockerd -F perm=x -k docker",
        );
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn loaded_rules_without_the_watch_fail() {
        let mut f = compliant_host();
        let lines = file_lines(&f)
            .into_iter()
            .filter(|l| !l.contains("/usr/bin/dockerd"))
            .collect();
        f.audit.loaded = Some(Fact::Ok(lines));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.targets[0].detail.contains("not loaded"),
            "{}",
            out.targets[0].detail
        );
    }

    #[test]
    fn unknown_process_needs_every_dockerd_watched_and_unreadable_rules_error() {
        let mut f = compliant_host();
        f.daemon.process = Fact::Error("no dockerd under /proc".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert!(out.targets[0].detail.contains("the running one is unknown"));
        // Another dockerd, unwatched: it may be the one that runs.
        f.files.insert("/usr/local/bin/dockerd".into(), file(0o755));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error, "{out:?}");
        unreadable_audit_rules(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn missing_binary_is_not_applicable() {
        let mut f = compliant_host();
        f.files.insert("/usr/bin/dockerd".into(), FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn executable_link_wins_over_argv() {
        let mut f = compliant_host();
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv[0] = "dockerd".into();
            p.exe = Some("/usr/sbin/dockerd".into());
        }
        f.files.insert("/usr/sbin/dockerd".into(), file(0o755));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail, "{out:?}");
        assert_eq!(out.targets[0].id, "/usr/sbin/dockerd");
    }

    #[test]
    fn bare_name_is_searched_in_standard_directories() {
        let mut f = compliant_host();
        if let Fact::Ok(p) = &mut f.daemon.process {
            p.argv[0] = "dockerd".into();
        }
        f.files.insert(
            "/usr/bin/dockerd".into(),
            dockguard_facts::FileFact::Missing,
        );
        f.files.insert("/usr/sbin/dockerd".into(), file(0o755));
        super::super::common::test_support::add_line(&mut f, "-w /usr/sbin/dockerd -k docker");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets[0].id, "/usr/sbin/dockerd");
    }
}
