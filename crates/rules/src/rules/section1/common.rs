//! Helpers shared by the section 1 rules: the Docker root directory and audit watches that say why each
//! path was looked for.

use crate::check::{audit_rule_path, audit_rules, audit_watch_any};
use crate::prelude::*;
use dockguard_facts::{FileFact, InfoFacts};

/// The default Docker root directory.
pub const DEFAULT_DATA_ROOT: &str = "/var/lib/docker";

/// `/a/b/` -> `/a/b`; `/` stays `/`.
pub fn norm_path(p: &str) -> String {
    let t = p.trim().trim_end_matches('/');
    if t.is_empty() {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// A Docker root directory and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRoot {
    pub path: String,
    /// For evidence: `docker info DockerRootDir`, `/etc/docker/daemon.json`, ...
    pub origin: String,
}

/// `100000.100000`: the per-remap subdirectory dockerd creates under its data-root.
fn is_remap_dir(name: &str) -> bool {
    match name.split_once('.') {
        Some((u, g)) => {
            !u.is_empty()
                && !g.is_empty()
                && u.bytes().all(|b| b.is_ascii_digit())
                && g.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// The data-root from `docker info`. With userns-remap on, dockerd reports `<data-root>/<uid>.<gid>`, so the
/// configured directory is its parent. `None` when `DockerRootDir` is empty or was not returned, or whether
/// userns-remap is on is unknown.
pub fn data_root_from_info(info: &InfoFacts) -> Option<DataRoot> {
    let dir = info.docker_root_dir.as_deref()?;
    if dir.trim().is_empty() {
        return None;
    }
    let root = norm_path(dir);
    if info.has_security_option("userns").ok()? {
        if let Some((parent, last)) = root.rsplit_once('/') {
            if is_remap_dir(last) {
                return Some(DataRoot {
                    path: norm_path(parent),
                    origin: format!(
                        "docker info DockerRootDir {root} is the userns-remap subdirectory of it"
                    ),
                });
            }
        }
    }
    Some(DataRoot {
        path: root,
        origin: "docker info DockerRootDir".into(),
    })
}

/// The data-root: from `docker info` when the daemon answered, else the effective `data-root` setting
/// (flag, daemon.json, or the default `/var/lib/docker`).
pub fn data_root(ctx: &Ctx) -> Result<DataRoot, String> {
    if let Some(r) = ctx
        .facts
        .docker
        .ok()
        .and_then(|d| data_root_from_info(&d.info))
    {
        return Ok(r);
    }
    let setting = ctx.daemon.get("data-root")?;
    let text = setting
        .map(|s| dockguard_facts::daemon::value_text(&s.value))
        .unwrap_or_default();
    match setting {
        Some(s) if !text.trim().is_empty() => Ok(DataRoot {
            path: norm_path(&text),
            origin: format!("data-root from {}", s.origin(&ctx.daemon.config_path)),
        }),
        _ => Ok(DataRoot {
            path: DEFAULT_DATA_ROOT.into(),
            origin: "dockerd default".into(),
        }),
    }
}

/// One path an audit rule must watch, and why it is looked for (shown in the evidence; may be empty).
#[derive(Debug, Clone)]
pub struct Watch {
    pub path: String,
    pub why: String,
    /// Only the collector's stat of the path says whether it exists (no other fact implies it does). When
    /// that stat is missing or failed, an unwatched path is an `error`, not a `fail`: it may not exist.
    pub needs_stat: bool,
}

impl Watch {
    /// A path whose existence other facts imply (docker info, the unit in effect, dockerd's command line).
    pub fn new(path: impl Into<String>, why: impl Into<String>) -> Watch {
        Watch {
            path: norm_path(&path.into()),
            why: why.into(),
            needs_stat: false,
        }
    }

    /// A fixed path that may or may not exist on a host: only its stat tells.
    pub fn stat(path: impl Into<String>, why: impl Into<String>) -> Watch {
        Watch {
            needs_stat: true,
            ..Watch::new(path, why)
        }
    }
}

/// Why the existence of `path` is unknown, when the collector has no usable stat of it.
fn existence_unknown(ctx: &Ctx, path: &str) -> Option<String> {
    match ctx.facts.files.get(path) {
        None => Some(format!("{path} was not collected")),
        Some(FileFact::Error { reason }) => Some(format!("{path} could not be examined: {reason}")),
        Some(_) => None,
    }
}

/// `/var/run/x` and `/run/x` name the same file on every current distribution (`/var/run` is a symlink to
/// `/run`), and audit resolves the directory when the rule is loaded, so a watch on either covers both.
fn run_alias(path: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix("/var/run/") {
        Some(format!("/run/{rest}"))
    } else {
        path.strip_prefix("/run/")
            .map(|rest| format!("/var/run/{rest}"))
    }
}

/// Every watch must be present as an audit rule of its own (exact path, see [`audit_watch_any`]); paths the
/// collector found missing are skipped, and the rule is `not_applicable` when all are. Adds each watch's
/// `why` to its evidence, accepts the `/run` <-> `/var/run` alias, and words the reason after the paths.
pub fn watch_rule(ctx: &Ctx, watches: &[Watch], label: &str) -> Outcome {
    let mut paths: Vec<String> = Vec::new();
    for w in watches {
        if !paths.contains(&w.path) {
            paths.push(w.path.clone());
        }
    }
    let out = audit_watch_any(ctx, &paths, label);
    if out.targets.is_empty() {
        return out;
    }
    let rules = audit_rules(ctx).ok();
    let targets: Vec<Target> = out
        .targets
        .into_iter()
        .map(|mut t| {
            if t.status == Status::Fail {
                let alias_hit = run_alias(&t.id).and_then(|alias| {
                    rules.as_ref()?.lines.iter().find_map(|(src, l)| {
                        (audit_rule_path(l).as_deref() == Some(alias.as_str())).then(|| {
                            format!("{} ({src}; {alias} is the same file as {})", l.trim(), t.id)
                        })
                    })
                });
                if let Some(detail) = alias_hit {
                    match rules.as_ref().and_then(|r| r.not_loaded.as_ref()) {
                        None => {
                            t.status = Status::Pass;
                            t.detail = detail;
                        }
                        Some(why) => {
                            t.status = Status::Manual;
                            t.detail = format!(
                                "{detail}, but {why}: confirm with `auditctl -l` that it is loaded"
                            );
                        }
                    }
                }
            }
            if t.status == Status::Fail && watches.iter().any(|w| w.path == t.id && w.needs_stat) {
                if let Some(why) = existence_unknown(ctx, &t.id) {
                    t.status = Status::Error;
                    t.detail = format!("{}; whether it exists is unknown: {why}", t.detail);
                }
            }
            if let Some(w) = watches.iter().find(|w| w.path == t.id && !w.why.is_empty()) {
                t.detail = format!("{}; {}", t.detail, w.why);
            }
            t
        })
        .collect();
    let mut out = Outcome::aggregate(
        targets,
        "audited path",
        format!("{label} does not exist on this host"),
    );
    let list = |s: Status| {
        out.targets
            .iter()
            .filter(|t| t.status == s)
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match out.status {
        Status::Fail => {
            let not_loaded = out.failing().any(|t| t.detail.contains("not loaded"));
            let mut r = format!("no audit rule watches {}", list(Status::Fail));
            if not_loaded {
                r.push_str(" (a rules file has it, but it is not loaded)");
            }
            out.reason = r;
        }
        Status::Pass => out.reason = format!("audited: {}", list(Status::Pass)),
        Status::Error => {
            out.reason = format!(
                "no audit rule watches {}, and whether it exists is unknown (no usable stat)",
                list(Status::Error)
            )
        }
        _ => {}
    }
    out
}

/// The rule for one fixed path that need not exist: watched -> pass, unwatched -> fail, absent ->
/// not_applicable, existence unknown and unwatched -> error.
pub fn path_watch_rule(ctx: &Ctx, path: &str, why: &str) -> Outcome {
    watch_rule(ctx, &[Watch::stat(path, why)], path)
}

#[cfg(test)]
pub mod test_support {
    //! Audit fixtures for the section 1 tests.
    use crate::check::audit_rule_path;
    use dockguard_facts::{Fact, Facts, FileFact};

    /// Removes every line that watches `path` (exact) from the rules files and from the loaded rules, as on
    /// a host whose rules files were loaded.
    pub fn drop_watch(f: &mut Facts, path: &str) {
        if let Fact::Ok(files) = &mut f.audit.files {
            for file in files {
                if let Fact::Ok(lines) = &mut file.lines {
                    lines.retain(|l| audit_rule_path(l).as_deref() != Some(path));
                }
            }
        }
        if let Some(Fact::Ok(lines)) = &mut f.audit.loaded {
            lines.retain(|l| audit_rule_path(l).as_deref() != Some(path));
        }
    }

    /// Adds a line to the first rules file and to the loaded rules.
    pub fn add_line(f: &mut Facts, line: &str) {
        if let Fact::Ok(files) = &mut f.audit.files {
            if let Fact::Ok(lines) = &mut files[0].lines {
                lines.push(line.to_string());
            }
        }
        if let Some(Fact::Ok(lines)) = &mut f.audit.loaded {
            lines.push(line.to_string());
        }
    }

    /// Makes `path` exist on the fixture host with the given stat.
    pub fn put(f: &mut Facts, path: &str, fact: FileFact) {
        f.files.insert(path.to_string(), fact);
    }

    /// Makes `path` exist with the given stat, watched by no rule.
    pub fn put_unwatched(f: &mut Facts, path: &str, fact: FileFact) {
        put(f, path, fact);
        drop_watch(f, path);
    }

    /// Removes the collector's stat of `path` and every watch on it.
    pub fn forget(f: &mut Facts, path: &str) {
        f.files.remove(path);
        drop_watch(f, path);
    }

    /// Makes `path` exist with the given stat and adds a watch on it to the rules files.
    pub fn put_watched(f: &mut Facts, path: &str, fact: FileFact) {
        put(f, path, fact);
        add_line(f, &format!("-w {path} -p wa -k docker"));
    }

    /// The rules files' lines, as `auditctl -l` would print them once loaded.
    pub fn file_lines(f: &Facts) -> Vec<String> {
        match &f.audit.files {
            Fact::Ok(files) => files
                .iter()
                .filter_map(|x| x.lines.ok())
                .flatten()
                .cloned()
                .collect(),
            Fact::Error(_) => vec![],
        }
    }

    /// The fixtures every exact-path audit watch rule shares: watched (pass), present but unwatched (fail),
    /// in a rules file but not loaded (fail), absent (not applicable), neither stat'ed nor watched (error).
    /// `stat` is what the path looks like when present.
    pub fn path_watch_fixtures(
        path: &'static str,
        stat: fn() -> FileFact,
    ) -> Vec<crate::testing::Fixture> {
        use crate::testing::{host_with, Fixture};
        vec![
            Fixture::pass("watched", host_with(|f| put_watched(f, path, stat()))),
            Fixture::fail(
                "present, no audit rule",
                host_with(|f| put_unwatched(f, path, stat())),
            ),
            Fixture::fail(
                "in a rules file but not loaded",
                host_with(|f| {
                    put_watched(f, path, stat());
                    let lines = file_lines(f)
                        .into_iter()
                        .filter(|l| !l.contains(path))
                        .collect();
                    f.audit.loaded = Some(Fact::Ok(lines));
                }),
            ),
            Fixture::manual(
                "in a rules file, loaded rules unknown",
                host_with(|f| {
                    put_watched(f, path, stat());
                    f.audit.loaded = None;
                }),
            ),
            Fixture::not_applicable("absent", host_with(|f| put(f, path, FileFact::Missing))),
            Fixture::error(
                "not collected and not watched",
                host_with(|f| forget(f, path)),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::testing::*;

    fn info(root: &str, userns: bool) -> InfoFacts {
        InfoFacts {
            docker_root_dir: Some(root.into()),
            security_options: Some(if userns {
                vec!["name=userns".into()]
            } else {
                vec![]
            }),
            ..Default::default()
        }
    }

    #[test]
    fn remapped_root_uses_parent() {
        let r = data_root_from_info(&info("/var/lib/docker/100000.100000", true)).unwrap();
        assert_eq!(r.path, "/var/lib/docker");
        let r = data_root_from_info(&info("/srv/docker/", false)).unwrap();
        assert_eq!(r.path, "/srv/docker");
        // Without userns the numeric-looking directory is the root itself.
        let r = data_root_from_info(&info("/data/1.2", false)).unwrap();
        assert_eq!(r.path, "/data/1.2");
        assert!(data_root_from_info(&info("", false)).is_none());
    }

    #[test]
    fn data_root_falls_back_to_the_daemon_config() {
        let mut f = compliant_host();
        f.docker = dockguard_facts::Fact::Error("unreachable".into());
        daemon_json_set(&mut f, "data-root", serde_json::json!("/srv/docker/"));
        let ctx = crate::Ctx::new(&f, Default::default());
        let r = data_root(&ctx).unwrap();
        assert_eq!(r.path, "/srv/docker");
        assert!(r.origin.contains("daemon.json"), "{}", r.origin);
    }

    #[test]
    fn run_alias_is_accepted() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/var/run/docker.sock");
        add_line(&mut f, "-w /run/docker.sock -k docker");
        let ctx = crate::Ctx::new(&f, Default::default());
        let out = watch_rule(
            &ctx,
            &[Watch::new("/var/run/docker.sock", "")],
            "the socket",
        );
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.targets[0].detail.contains("/run/docker.sock"));
    }

    #[test]
    fn why_is_shown_and_reason_names_paths() {
        let mut f = compliant_host();
        drop_watch(&mut f, "/etc/docker");
        let ctx = crate::Ctx::new(&f, Default::default());
        let out = watch_rule(
            &ctx,
            &[Watch::new("/etc/docker/", "the config dir")],
            "/etc/docker",
        );
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "no audit rule watches /etc/docker");
        assert!(out.targets[0].detail.ends_with("; the config dir"));
    }

    #[test]
    fn loaded_rules_take_precedence() {
        let mut f = compliant_host();
        let mut lines = file_lines(&f);
        lines.retain(|l| !l.contains("/etc/docker "));
        f.audit.loaded = Some(dockguard_facts::Fact::Ok(lines));
        let ctx = crate::Ctx::new(&f, Default::default());
        let out = watch_rule(&ctx, &[Watch::new("/etc/docker", "")], "/etc/docker");
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("not loaded"), "{}", out.reason);
    }
}
