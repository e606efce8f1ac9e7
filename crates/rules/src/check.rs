//! Building blocks shared by rules: file owner and mode checks, audit watches, per-container checks.
//! All pure functions over the context.

use crate::context::Ctx;
use crate::outcome::{Outcome, Status, Target, TargetKind};
use dockguard_facts::{ContainerFacts, Fact, FileFact, FileStat};

/// Shows a mode the way `stat` does: `0644`.
pub fn fmt_mode(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

/// The bits of `mode` that `allowed` does not grant. `0606` against `0660` gives `0006`.
/// Modes are compared as bitmasks, never as numbers: 0606 is not "less than" 0660 in any useful sense.
pub fn excess_bits(mode: u32, allowed: u32) -> u32 {
    mode & 0o7777 & !allowed
}

/// `user:group` as names where the host has them, else numbers.
pub fn fmt_owner(st: &FileStat) -> String {
    let u = st.user.clone().unwrap_or_else(|| st.uid.to_string());
    let g = st.group.clone().unwrap_or_else(|| st.gid.to_string());
    format!("{u}:{g}")
}

/// The owner a file must have.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    /// uid 0 and gid 0.
    RootRoot,
    /// uid 0 and the named group (for example `docker` for the socket).
    RootAnd(&'static str),
}

/// One file's ownership against the requirement.
pub fn owner_target(ctx: &Ctx, path: &str, want: Owner) -> Target {
    match ctx.file(path) {
        Err(e) => Target::file(path, Status::Error, e),
        Ok(FileFact::Missing) => Target::file(path, Status::NotApplicable, "does not exist"),
        Ok(FileFact::Error { reason }) => Target::file(path, Status::Error, reason.clone()),
        Ok(FileFact::Present(st)) => {
            let owner = fmt_owner(st);
            let ok = match want {
                Owner::RootRoot => st.uid == 0 && st.gid == 0,
                Owner::RootAnd(group) => st.uid == 0 && st.group.as_deref() == Some(group),
            };
            if ok {
                Target::file(path, Status::Pass, format!("owner {owner}"))
            } else {
                let want = match want {
                    Owner::RootRoot => "root:root".to_string(),
                    Owner::RootAnd(g) => format!("root:{g}"),
                };
                Target::file(
                    path,
                    Status::Fail,
                    format!(
                        "owner {owner} (uid {}, gid {}), expected {want}",
                        st.uid, st.gid
                    ),
                )
            }
        }
    }
}

/// One file's mode against the most permissive mode allowed (a bitmask test).
pub fn mode_target(ctx: &Ctx, path: &str, allowed: u32) -> Target {
    match ctx.file(path) {
        Err(e) => Target::file(path, Status::Error, e),
        Ok(FileFact::Missing) => Target::file(path, Status::NotApplicable, "does not exist"),
        Ok(FileFact::Error { reason }) => Target::file(path, Status::Error, reason.clone()),
        Ok(FileFact::Present(st)) => {
            let extra = excess_bits(st.mode, allowed);
            if extra == 0 {
                Target::file(path, Status::Pass, format!("mode {}", fmt_mode(st.mode)))
            } else {
                Target::file(
                    path,
                    Status::Fail,
                    format!(
                        "mode {} grants {} beyond {}",
                        fmt_mode(st.mode),
                        fmt_mode(extra),
                        fmt_mode(allowed)
                    ),
                )
            }
        }
    }
}

/// Ownership of a set of files. `paths`: the files, or why they cannot be known; an empty set is
/// `not_applicable` with `none_reason`.
pub fn owner_rule(
    ctx: &Ctx,
    paths: Result<Vec<String>, String>,
    want: Owner,
    none_reason: &str,
) -> Outcome {
    match paths {
        Err(e) => Outcome::error(e),
        Ok(paths) => Outcome::aggregate(
            paths.iter().map(|p| owner_target(ctx, p, want)).collect(),
            "file",
            none_reason,
        ),
    }
}

/// Modes of a set of files; see [`owner_rule`].
pub fn mode_rule(
    ctx: &Ctx,
    paths: Result<Vec<String>, String>,
    allowed: u32,
    none_reason: &str,
) -> Outcome {
    match paths {
        Err(e) => Outcome::error(e),
        Ok(paths) => Outcome::aggregate(
            paths.iter().map(|p| mode_target(ctx, p, allowed)).collect(),
            "file",
            none_reason,
        ),
    }
}

/// A unit file path from the facts as a list (empty when the unit does not exist).
pub fn unit_paths(unit: &Fact<Option<String>>) -> Result<Vec<String>, String> {
    match unit {
        Fact::Ok(p) => Ok(p.iter().cloned().collect()),
        Fact::Error(e) => Err(e.clone()),
    }
}

/// The path an audit rule watches: `-w PATH` or `-a ... -F path=PATH` / `-F dir=PATH`.
/// `never` rules (exclusions) and deletions watch nothing.
pub fn audit_rule_path(line: &str) -> Option<String> {
    let line = line.split('#').next().unwrap_or("").trim();
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let first = *tokens.first()?;
    let norm = |p: &str| {
        let t = p.trim_end_matches('/');
        if t.is_empty() {
            "/".to_string()
        } else {
            t.to_string()
        }
    };
    match first {
        "-w" => tokens.get(1).map(|p| norm(p)),
        "-a" | "-A" => {
            let action = tokens.get(1).copied().unwrap_or("");
            if action.split(',').any(|a| a == "never") {
                return None;
            }
            let mut i = 2;
            while i < tokens.len() {
                if tokens[i] == "-F" {
                    if let Some(f) = tokens.get(i + 1) {
                        if let Some(p) = f.strip_prefix("path=").or_else(|| f.strip_prefix("dir="))
                        {
                            return Some(norm(p));
                        }
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            None
        }
        _ => None,
    }
}

/// Where audit rules were read from, and their lines.
pub struct AuditRules {
    pub source: String,
    pub lines: Vec<(String, String)>,
    /// Why the loaded rules (`auditctl -l`) are unknown, when these lines come from the rules files: a rules
    /// file is what will be loaded at the next boot, not evidence of what the kernel enforces now.
    pub not_loaded: Option<String>,
}

/// The audit rules: the loaded rules (`auditctl -l`) when they could be read, else the rules files (with
/// [`AuditRules::not_loaded`] saying why the loaded ones are unknown).
pub fn audit_rules(ctx: &Ctx) -> Result<AuditRules, String> {
    let audit = &ctx.facts.audit;
    let not_loaded = match &audit.loaded {
        Some(Fact::Ok(lines)) => {
            return Ok(AuditRules {
                source: "auditctl -l".into(),
                lines: lines
                    .iter()
                    .map(|l| ("auditctl -l".to_string(), l.clone()))
                    .collect(),
                not_loaded: None,
            })
        }
        Some(Fact::Error(e)) => format!("the loaded audit rules could not be read ({e})"),
        None => "the loaded audit rules were not read (auditctl -l runs only when scanning the live host, \
                 --root /)"
            .to_string(),
    };
    let files = audit
        .files
        .as_result()
        .map_err(|e| format!("audit rules could not be read: {e}"))?;
    let mut lines = Vec::new();
    for f in files {
        match &f.lines {
            Fact::Ok(ls) => lines.extend(ls.iter().map(|l| (f.path.clone(), l.clone()))),
            Fact::Error(e) => return Err(format!("audit rules file {}: {e}", f.path)),
        }
    }
    let source = if files.is_empty() {
        "no audit rules files".to_string()
    } else {
        files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(AuditRules {
        source,
        lines,
        not_loaded: Some(not_loaded),
    })
}

/// Audit watches for every path in `paths` (each must be watched). `label` names the set in messages.
pub fn audit_watch_any(ctx: &Ctx, paths: &[String], label: &str) -> Outcome {
    let existing: Vec<&String> = paths
        .iter()
        .filter(|p| !matches!(ctx.facts.files.get(p.as_str()), Some(FileFact::Missing)))
        .collect();
    if existing.is_empty() {
        return Outcome::not_applicable(format!("{label} does not exist on this host"));
    }
    let rules = match audit_rules(ctx) {
        Ok(r) => r,
        Err(e) => return Outcome::error(e),
    };
    let targets = existing
        .iter()
        .map(|p| {
            let hit = rules
                .lines
                .iter()
                .find(|(_, l)| audit_rule_path(l).as_deref() == Some(p.as_str()));
            match hit {
                Some((src, line)) => match &rules.not_loaded {
                    None => Target::new(
                        TargetKind::Audit,
                        p.as_str(),
                        p.as_str(),
                        Status::Pass,
                        format!("{} ({src})", line.trim()),
                    ),
                    Some(why) => Target::new(
                        TargetKind::Audit,
                        p.as_str(),
                        p.as_str(),
                        Status::Manual,
                        format!(
                            "{} ({src}), but {why}: confirm with `auditctl -l` that it is loaded",
                            line.trim()
                        ),
                    ),
                },
                None => {
                    let mut detail = format!("no audit rule watches {p} (read {})", rules.source);
                    if rules.source == "auditctl -l" {
                        if let Some(files) = ctx.facts.audit.files.ok() {
                            let on_disk = files.iter().any(|f| {
                                f.lines.ok().is_some_and(|ls| {
                                    ls.iter()
                                        .any(|l| audit_rule_path(l).as_deref() == Some(p.as_str()))
                                })
                            });
                            if on_disk {
                                detail.push_str("; a rules file names it but it is not loaded");
                            }
                        }
                    }
                    Target::new(
                        TargetKind::Audit,
                        p.as_str(),
                        p.as_str(),
                        Status::Fail,
                        detail,
                    )
                }
            }
        })
        .collect();
    Outcome::aggregate(
        targets,
        "audited path",
        format!("{label} does not exist on this host"),
    )
}

/// What a per-container check returns: the container's status and the evidence (the offending value on
/// failure), or why it could not be assessed (a fact that was not collected), which makes the target `error`.
pub type Verdict = Result<(Status, String), String>;

/// Runs `check` on every selected container and aggregates. `check` returns the container's status and
/// the evidence, or `Err` with the reason it could not be assessed (use `?` on the fact accessors:
/// `c.privileged()?`).
///
/// Containers that were listed but could not be inspected are targets too: `error` with the reason, or
/// `not_applicable` when they were removed during the scan. They are never silently dropped.
pub fn per_container(ctx: &Ctx, check: impl Fn(&ContainerFacts) -> Verdict) -> Outcome {
    match ctx.containers() {
        Err(e) => Outcome::error(e),
        Ok(cs) => {
            let mut targets: Vec<Target> = cs
                .iter()
                .map(|c| match check(c) {
                    Ok((status, detail)) => container_target(c, status, detail),
                    Err(why) => container_target(c, Status::Error, why),
                })
                .collect();
            targets.extend(ctx.uninspected_containers().map(|e| {
                let status = if e.error == "removed during the scan" {
                    Status::NotApplicable
                } else {
                    Status::Error
                };
                Target::new(
                    TargetKind::Container,
                    e.id.clone(),
                    e.name.clone(),
                    status,
                    e.error.clone(),
                )
            }));
            Outcome::aggregate(targets, "container", ctx.no_containers_reason())
        }
    }
}

pub fn container_target(c: &ContainerFacts, status: Status, detail: impl Into<String>) -> Target {
    Target::new(
        TargetKind::Container,
        c.id.clone(),
        c.name.clone(),
        status,
        detail,
    )
}

/// Whether a user spec (`Config.User`) runs as root: empty, `root`, `0`, `0:0`, `root:root`, `0:anything`.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name.parse::<u32>() == Ok(0)
}

/// `pass`/`fail` from a condition: small sugar for per-container checks.
pub fn verdict(ok: bool, detail: impl Into<String>) -> Verdict {
    Ok((if ok { Status::Pass } else { Status::Fail }, detail.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmask_modes() {
        assert_eq!(excess_bits(0o606, 0o660), 0o006);
        assert_eq!(excess_bits(0o466, 0o644), 0o022);
        assert_eq!(excess_bits(0o747, 0o755), 0o002);
        assert_eq!(excess_bits(0o600, 0o644), 0);
        assert_eq!(excess_bits(0o4644, 0o644), 0o4000);
        assert_eq!(fmt_mode(0o606), "0606");
    }

    #[test]
    fn root_users() {
        for u in ["", "root", "0", "0:0", "root:root", "0:1000", " root "] {
            assert!(is_root_user(u), "{u:?}");
        }
        for u in ["1000", "app", "1000:0", "nobody:nogroup", "10"] {
            assert!(!is_root_user(u), "{u:?}");
        }
    }

    #[test]
    fn audit_rule_paths() {
        assert_eq!(
            audit_rule_path("-w /usr/bin/dockerd -k docker").as_deref(),
            Some("/usr/bin/dockerd")
        );
        assert_eq!(
            audit_rule_path("-w /etc/docker/ -p wa").as_deref(),
            Some("/etc/docker")
        );
        assert_eq!(
            audit_rule_path("-a exit,always -F path=/var/lib/docker -F perm=war -k docker")
                .as_deref(),
            Some("/var/lib/docker")
        );
        assert_eq!(
            audit_rule_path("-a always,exit -S all -F dir=/etc/docker -F perm=rwa -F key=docker")
                .as_deref(),
            Some("/etc/docker")
        );
        assert_eq!(
            audit_rule_path("-a never,exit -F dir=/var/lib/docker/overlay2"),
            None
        );
        assert_eq!(audit_rule_path("# -w /etc/docker"), None);
        assert_eq!(audit_rule_path("-D"), None);
    }
}

#[cfg(test)]
mod per_container_tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::ContainerError;

    fn errors(f: &mut dockguard_facts::Facts, error: &str) {
        docker_mut(f).container_errors.push(ContainerError {
            id: "deadbeef".into(),
            name: "flaky".into(),
            error: error.into(),
        });
    }

    #[test]
    fn uninspectable_container_makes_the_rule_an_error() {
        let mut f = compliant_host();
        errors(&mut f, "inspect failed: timeout");
        let ctx = crate::Ctx::new(&f, Default::default());
        let out = per_container(&ctx, |_| Ok((Status::Pass, "ok".into())));
        assert_eq!(out.status, Status::Error);
        assert!(out
            .targets
            .iter()
            .any(|t| t.name == "flaky" && t.status == Status::Error));
    }

    #[test]
    fn container_removed_mid_scan_does_not_hide_the_rest() {
        let mut f = compliant_host();
        errors(&mut f, "removed during the scan");
        let ctx = crate::Ctx::new(&f, Default::default());
        let out = per_container(&ctx, |_| Ok((Status::Pass, "ok".into())));
        assert_eq!(out.status, Status::Pass);
        let out = per_container(&ctx, |_| Ok((Status::Fail, "bad".into())));
        assert_eq!(out.status, Status::Fail);
    }
}
