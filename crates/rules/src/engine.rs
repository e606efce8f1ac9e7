//! Runs the selected rules over a context.

use crate::context::Ctx;
use crate::outcome::Outcome;
use crate::registry::RULES;
use crate::rule::{Rule, Scope};

/// Which rules to run: ids or prefixes (`5`, `5.1`, `5.31`) to select and to ignore.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

/// Whether `pattern` selects `id`: the same id, or a prefix of it at a number boundary or inside the last
/// number (`5` selects `5.31`; `5.1` selects `5.10`..`5.19`; `5.01` selects `5.01-2`).
pub fn id_matches(pattern: &str, id: &str) -> bool {
    let p = pattern.trim().trim_end_matches('.');
    if p.is_empty() {
        return false;
    }
    id == p || (id.starts_with(p) && (p.contains('.') || id[p.len()..].starts_with('.')))
}

impl Selection {
    pub fn admits(&self, rule: &Rule) -> bool {
        (self.select.is_empty() || self.select.iter().any(|p| id_matches(p, rule.id)))
            && !self.ignore.iter().any(|p| id_matches(p, rule.id))
    }

    /// Patterns that match no rule at all (a typo is an error, not an empty report).
    pub fn unknown_patterns(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| !RULES.iter().any(|r| id_matches(p, r.id)))
            .cloned()
            .collect()
    }
}

/// One rule and what its check found.
#[derive(Debug, Clone)]
pub struct RuleResult {
    pub rule: &'static Rule,
    pub outcome: Outcome,
}

/// Evaluates every selected rule. A rule that panics reports `error`, never `pass`.
pub fn evaluate(ctx: &Ctx, selection: &Selection) -> Vec<RuleResult> {
    RULES
        .iter()
        .copied()
        .filter(|r| selection.admits(r))
        .map(|rule| RuleResult {
            rule,
            outcome: evaluate_one(ctx, rule),
        })
        .collect()
}

pub fn evaluate_one(ctx: &Ctx, rule: &Rule) -> Outcome {
    if matches!(rule.scope, Scope::Container | Scope::Image) && !ctx.options.include_orchestrated {
        if let Some(o) = &ctx.orchestrator {
            return Outcome::not_applicable(format!(
                "containers on this host are managed by {} ({} carry its labels); the Docker benchmark does \
                 not assess orchestrator-managed containers (use --include-orchestrated to assess them anyway)",
                o.name, o.containers
            ));
        }
    }
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
        for r in evaluate(&ctx, &Selection::default()) {
            if matches!(r.rule.scope, Scope::Container | Scope::Image) {
                assert_eq!(
                    r.outcome.status,
                    crate::Status::NotApplicable,
                    "{}",
                    r.rule.id
                );
                assert!(r.outcome.reason.contains("kubernetes"));
            }
        }
        let ctx = Ctx::new(
            &f,
            EvalOptions {
                include_orchestrated: true,
                ..Default::default()
            },
        );
        let privileged = crate::find("5.04").map(|r| evaluate_one(&ctx, r).status);
        if let Some(s) = privileged {
            assert_eq!(s, crate::Status::Pass);
        }
    }

    #[test]
    fn compliant_host_has_no_failures() {
        let f = testing::compliant_host();
        let ctx = Ctx::new(&f, EvalOptions::default());
        for r in evaluate(&ctx, &Selection::default()) {
            assert!(
                !matches!(r.outcome.status, crate::Status::Fail | crate::Status::Error),
                "{} {:?}",
                r.rule.id,
                r.outcome
            );
        }
    }
}
