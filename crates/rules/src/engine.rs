//! Runs the selected rules over a context.

use crate::context::Ctx;
use crate::inventory::INVENTORY_ID;
use crate::outcome::{Outcome, Status};
use crate::registry::{profile_rules, resolve};
use crate::rule::{Profile, Rule, Scope};

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

/// A pattern that names one rule exactly through a prefix (`cis:5.32`, `cis-1.8:2.7`); returns the id it
/// reports under when the rule is outside the profile: prefixed with the profile it was named in, so it
/// never collides with an id of the profile.
fn exact(profile: Profile, pattern: &str) -> Option<(String, &'static Rule)> {
    if !pattern.contains(':') {
        return None;
    }
    let (p, id, r) = resolve(profile, pattern)?;
    Some((format!("{}:{id}", p.name()), r))
}

/// `0.0` (the inventory, always in the report) names no rule but is a valid selection in the Azure profile.
fn is_inventory(profile: Profile, pattern: &str) -> bool {
    profile == Profile::Azure && matches!(pattern.trim(), INVENTORY_ID | "azure:0.0")
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
                    && !is_inventory(profile, p)
                    && !profile_rules(profile)
                        .iter()
                        .any(|(id, _)| id_matches(p, id))
            })
            .cloned()
            .collect()
    }
}

/// The note added to a not-applicable host-side rule when `--root` does not look like a host's root.
pub fn root_note(ctx: &Ctx) -> Option<String> {
    let c = &ctx.facts.collector;
    (!c.root_missing.is_empty()).then(|| {
        format!(
            "but --root {} is not a host's root filesystem (it has no {}): this rule reads host files there, so it \
             may well apply to the real host",
            c.root,
            c.root_missing.join(", ")
        )
    })
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
/// selection (see [`Ctx::new`]); every other container is assessed as usual. A host-side rule (host, daemon,
/// files) found not applicable under a `--root` that is not a host's root says so in its reason: the verdict
/// may only reflect the missing files.
pub fn evaluate_one(ctx: &Ctx, rule: &Rule) -> Outcome {
    let mut outcome = check(ctx, rule);
    if outcome.status == Status::NotApplicable
        && matches!(rule.scope, Scope::Host | Scope::Daemon | Scope::Files)
    {
        if let Some(note) = root_note(ctx) {
            outcome.reason = format!("{} — {note}", outcome.reason);
        }
    }
    outcome
}

fn check(ctx: &Ctx, rule: &Rule) -> Outcome {
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
    use crate::registry::find;
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

    /// A host whose only container claims to be a Kubernetes pod, privileged.
    fn labelled_host() -> dockguard_facts::Facts {
        let mut f = testing::compliant_host();
        let c = testing::first_container(&mut f);
        c.name = "k8s_web_web-0_default_0a1b_0".into();
        c.privileged = Some(true);
        let labels = c.labels.as_mut().unwrap();
        labels.insert("io.kubernetes.pod.name".into(), "web-0".into());
        labels.insert(crate::context::KUBERNETES_POD_UID.into(), "0a1b".into());
        f
    }

    fn run_kubelet(f: &mut dockguard_facts::Facts, pods: &[&str]) {
        if let dockguard_facts::Fact::Ok(p) = &mut f.processes {
            for (pid, name) in [(900, "kubelet"), (901, "cri-dockerd")] {
                p.push(dockguard_facts::HostProcess {
                    pid,
                    name: name.into(),
                    argv: vec![format!("/usr/bin/{name}")],
                    started_at: None,
                });
            }
        }
        f.kubelet_pods =
            dockguard_facts::Fact::Ok(Some(pods.iter().map(|p| p.to_string()).collect()));
    }

    /// A label anyone can set is a claim, not evidence: without a kubelet the container is assessed.
    #[test]
    fn a_kubernetes_label_alone_switches_nothing_off() {
        let f = labelled_host();
        let ctx = Ctx::new(&f, EvalOptions::default());
        assert!(ctx.orchestrator.is_none());
        assert_eq!(ctx.claims.len(), 1);
        assert!(ctx.claims[0].why.contains("no kubelet"), "{:?}", ctx.claims);
        let (_, privileged) = find(Profile::Azure, "5.04").unwrap();
        assert_eq!(evaluate_one(&ctx, privileged).status, crate::Status::Fail);
    }

    /// With a kubelet and cri-dockerd running, only the containers of the kubelet's own pods are skipped.
    #[test]
    fn only_containers_of_a_running_kubelet_are_skipped() {
        let (_, privileged) = find(Profile::Azure, "5.04").unwrap();
        let mut f = labelled_host();
        run_kubelet(&mut f, &["0a1b"]);
        let ctx = Ctx::new(&f, EvalOptions::default());
        let o = ctx.orchestrator.as_ref().unwrap();
        assert_eq!(o.managed.len(), 1);
        assert!(o
            .evidence
            .contains("kubelet (pid 900) and cri-dockerd (pid 901)"));
        let out = evaluate_one(&ctx, privileged);
        assert_eq!(out.status, crate::Status::NotApplicable);
        assert!(
            out.reason.contains("managed by kubernetes"),
            "{}",
            out.reason
        );
        // A pod uid the kubelet does not know: assessed, and reported as a claim.
        let mut f = labelled_host();
        run_kubelet(&mut f, &["ffff"]);
        let ctx = Ctx::new(&f, EvalOptions::default());
        assert_eq!(evaluate_one(&ctx, privileged).status, crate::Status::Fail);
        assert!(ctx.claims[0].why.contains("no pod with uid 0a1b"));
        // An unlabelled container next to managed ones is assessed as usual.
        let mut f = labelled_host();
        run_kubelet(&mut f, &["0a1b"]);
        let mut other = testing::container("rogue");
        other.privileged = Some(true);
        testing::docker_mut(&mut f).containers.push(other);
        let ctx = Ctx::new(&f, EvalOptions::default());
        let out = evaluate_one(&ctx, privileged);
        assert_eq!(out.status, crate::Status::Fail);
        assert_eq!(out.targets.len(), 1);
        assert_eq!(out.targets[0].name, "rogue");
        // --include-orchestrated assesses the managed ones too.
        let ctx = Ctx::new(
            &f,
            EvalOptions {
                include_orchestrated: true,
                ..Default::default()
            },
        );
        assert_eq!(evaluate_one(&ctx, privileged).targets.len(), 2);
    }

    /// When the host's processes cannot be read, labelled containers are assessed.
    #[test]
    fn unknown_processes_mean_labelled_containers_are_assessed() {
        let mut f = labelled_host();
        f.processes = dockguard_facts::Fact::Error("cannot list /proc".into());
        let ctx = Ctx::new(&f, EvalOptions::default());
        assert!(ctx.orchestrator.is_none());
        assert!(ctx.orchestrator_error.is_some());
        let (_, privileged) = find(Profile::Azure, "5.04").unwrap();
        assert_eq!(evaluate_one(&ctx, privileged).status, crate::Status::Fail);
    }

    #[test]
    fn not_applicable_host_rules_name_a_root_that_is_no_host_root() {
        let mut f = testing::compliant_host();
        f.units.docker_socket = dockguard_facts::Fact::Ok(None);
        f.collector.root = "/tmp/empty".into();
        let ctx = Ctx::new(&f, EvalOptions::default());
        let na: Vec<RuleResult> = evaluate(&ctx, Profile::Cis16, &Selection::default())
            .into_iter()
            .filter(|r| r.outcome.status == Status::NotApplicable)
            .collect();
        assert!(!na.is_empty());
        assert!(na.iter().all(|r| !r.outcome.reason.contains("--root")));
        f.collector.root_missing = vec!["/etc".into(), "/var/lib/docker".into()];
        let ctx = Ctx::new(&f, EvalOptions::default());
        let mut host_side = 0;
        for r in evaluate(&ctx, Profile::Cis16, &Selection::default()) {
            let noted = r.outcome.reason.contains(
                "but --root /tmp/empty is not a host's root filesystem (it has no /etc, /var/lib/docker)",
            );
            let expect = r.outcome.status == Status::NotApplicable
                && matches!(r.rule.scope, Scope::Host | Scope::Daemon | Scope::Files);
            assert_eq!(noted, expect, "{} {:?}", r.id, r.outcome);
            host_side += usize::from(noted);
        }
        assert!(host_side > 0);
    }

    #[test]
    fn the_scanners_own_container_is_not_assessed() {
        let mut f = testing::compliant_host();
        let c = testing::first_container(&mut f);
        c.privileged = Some(true);
        let id = c.id.clone();
        let (_, privileged) = find(Profile::Azure, "5.04").unwrap();
        let ctx = Ctx::new(&f, EvalOptions::default());
        assert_eq!(evaluate_one(&ctx, privileged).status, Status::Fail);
        f.collector.scanner_container = Some(id.clone());
        let ctx = Ctx::new(&f, EvalOptions::default());
        let o = evaluate_one(&ctx, privileged);
        assert!(o.targets.iter().all(|t| t.id != id), "{o:?}");
        assert_ne!(o.status, Status::Fail, "{o:?}");
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
            ids(Profile::Cis18, &sel(&["2.7", "cis:2.7"], &[], None)),
            ["2.7", "2.8"]
        );
        assert_eq!(
            ids(Profile::Azure, &sel(&["cis-1.8:2.7"], &[], None)),
            ["cis-1.8:2.7"]
        );
        assert!(sel(&["0.0"], &["azure:0.0"], None)
            .unknown_patterns(Profile::Azure)
            .is_empty());
        assert!(sel(&["0.0"], &[], None).rules(Profile::Azure).is_empty());
        assert_eq!(
            sel(&["0.0"], &[], None).unknown_patterns(Profile::Cis16),
            ["0.0"]
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
