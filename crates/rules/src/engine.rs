//! Runs the selected rules over a context.

use crate::context::Ctx;
use crate::outcome::Outcome;
use crate::registry::{find, profile_rules};
use crate::rule::{Profile, Rule};

/// Which rules to run: ids or prefixes (`5`, `5.1`, `5.31`) to select and to ignore, in the profile's
/// numbering; prefixed ids and aliases (`cis:5.32`, `cis-1.8:2.8`) select one rule exactly; `level`
/// keeps only rules of that CIS level.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub level: Option<u8>,
}

/// Whether `pattern` selects `id`: the same id, or a prefix of it at a number boundary or inside the last
/// number (`5` selects `5.31`; `5.1` selects `5.10`..`5.19`; `5.01` selects `5.01-2`).
pub fn id_matches(pattern: &str, id: &str) -> bool {
    let p = pattern.trim().trim_end_matches('.');
    if p.is_empty() || p.contains(':') {
        return false;
    }
    id == p || (id.starts_with(p) && (p.contains('.') || id[p.len()..].starts_with('.')))
}

/// A pattern that names one rule exactly through a prefix or an alias; returns the id it reports under.
fn exact(profile: Profile, pattern: &str) -> Option<(String, &'static Rule)> {
    pattern
        .contains(':')
        .then(|| find(profile, pattern))
        .flatten()
}

impl Selection {
    fn matches(patterns: &[String], profile: Profile, id: &str, rule: &Rule) -> bool {
        patterns.iter().any(|p| {
            id_matches(p, id) || exact(profile, p).is_some_and(|(_, r)| std::ptr::eq(r, rule))
        })
    }

    /// The rules of `profile` this selection keeps, with their ids, plus rules outside the profile that a
    /// prefixed id or alias names (`cis-1.8:2.7`).
    pub fn rules(&self, profile: Profile) -> Vec<(String, &'static Rule)> {
        let mut out: Vec<(String, &'static Rule)> = profile_rules(profile)
            .iter()
            .filter(|(id, r)| {
                (self.select.is_empty() || Self::matches(&self.select, profile, id, r))
                    && !Self::matches(&self.ignore, profile, id, r)
            })
            .map(|(id, r)| (id.to_string(), *r))
            .collect();
        for p in &self.select {
            if let Some((id, r)) = exact(profile, p) {
                if r.id_in(profile).is_none() && !out.iter().any(|(_, x)| std::ptr::eq(*x, r)) {
                    out.push((id, r));
                }
            }
        }
        if let Some(level) = self.level {
            out.retain(|(_, r)| r.level <= level);
        }
        out
    }

    /// Patterns that match no rule at all (a typo is an error, not an empty report).
    pub fn unknown_patterns(&self, profile: Profile) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| {
                exact(profile, p).is_none()
                    && !profile_rules(profile)
                        .iter()
                        .any(|(id, _)| id_matches(p, id))
            })
            .cloned()
            .collect()
    }
}

/// One rule, the id it is reported under, and what its check found.
#[derive(Debug, Clone)]
pub struct RuleResult {
    pub id: String,
    pub rule: &'static Rule,
    pub outcome: Outcome,
}

/// Evaluates every selected rule of the profile. A rule that panics reports `error`, never `pass`.
pub fn evaluate(ctx: &Ctx, profile: Profile, selection: &Selection) -> Vec<RuleResult> {
    selection
        .rules(profile)
        .into_iter()
        .map(|(id, rule)| RuleResult {
            id,
            rule,
            outcome: evaluate_one(ctx, rule),
        })
        .collect()
}

/// Evaluates one rule. Containers that the orchestrator running here manages are not in the context's
/// selection (see [`Ctx::new`]); every other container is assessed as usual.
pub fn evaluate_one(ctx: &Ctx, rule: &Rule) -> Outcome {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (rule.check)(ctx))) {
        Ok(o) => o,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Outcome::error(format!("internal error while evaluating the rule: {msg}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use crate::EvalOptions;

    #[test]
    fn prefixes() {
        assert!(id_matches("5", "5.31"));
        assert!(id_matches("5.", "5.31"));
        assert!(id_matches("5.1", "5.10"));
        assert!(id_matches("5.1", "5.19"));
        assert!(!id_matches("5.1", "5.01-2"));
        assert!(id_matches("5.01", "5.01-2"));
        assert!(id_matches("5.31", "5.31"));
        assert!(!id_matches("5.31", "5.3"));
        assert!(!id_matches("1", "1x"));
        assert!(!id_matches("", "1.01"));
    }

    #[test]
    fn orchestrated_hosts_skip_container_rules() {
        let mut f = testing::compliant_host();
        testing::first_container(&mut f)
            .labels
            .insert("io.kubernetes.pod.name".into(), "web-0".into());
        let ctx = Ctx::new(&f, EvalOptions::default());
        for p in Profile::ALL {
            for r in evaluate(&ctx, p, &Selection::default()) {
                if matches!(r.rule.scope, Scope::Container | Scope::Image) {
                    assert_eq!(r.outcome.status, crate::Status::NotApplicable, "{}", r.id);
                    assert!(r.outcome.reason.contains("kubernetes"));
                }
            }
        }
        let ctx = Ctx::new(
            &f,
            EvalOptions {
                include_orchestrated: true,
                ..Default::default()
            },
        );
        let (_, privileged) = find(Profile::Azure, "5.04").unwrap();
        assert_eq!(evaluate_one(&ctx, privileged).status, crate::Status::Pass);
    }

    #[test]
    fn compliant_host_has_no_failures() {
        let f = testing::compliant_host();
        let ctx = Ctx::new(&f, EvalOptions::default());
        for p in Profile::ALL {
            for r in evaluate(&ctx, p, &Selection::default()) {
                assert!(
                    !matches!(r.outcome.status, crate::Status::Fail | crate::Status::Error),
                    "{} {} {:?}",
                    p.name(),
                    r.id,
                    r.outcome
                );
            }
        }
    }

    #[test]
    fn selection_by_prefix_alias_and_level() {
        let sel = |s: &[&str], i: &[&str], level| Selection {
            select: s.iter().map(|x| x.to_string()).collect(),
            ignore: i.iter().map(|x| x.to_string()).collect(),
            level,
        };
        let ids = |p, s: &Selection| s.rules(p).into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(
            ids(Profile::Azure, &sel(&["5.0"], &["5.01-2"], None)),
            ["5.03", "5.04", "5.05", "5.09"]
        );
        assert_eq!(
            ids(Profile::Cis16, &sel(&["cis-1.8:2.8"], &[], None)),
            ["2.7"]
        );
        assert_eq!(
            ids(Profile::Cis16, &sel(&["cis-1.8:2.7"], &[], None)),
            ["cis-1.8:2.7"]
        );
        assert_eq!(
            ids(Profile::Azure, &sel(&["cis:5.32"], &[], None)),
            ["5.31"]
        );
        assert_eq!(Selection::default().rules(Profile::Cis16).len(), 117);
        let l1 = sel(&[], &[], Some(1)).rules(Profile::Cis16);
        assert!(!l1.is_empty() && l1.len() < 117 && l1.iter().all(|(_, r)| r.level == 1));
        assert_eq!(
            sel(&["9", "5.31", "x:1"], &[], None).unknown_patterns(Profile::Azure),
            ["9", "x:1"]
        );
    }
}
