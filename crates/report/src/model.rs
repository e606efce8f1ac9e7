//! The report: what was assessed, every rule's outcome with evidence, and the summary.

use dockguard_facts::Facts;
use dockguard_rules::{
    Assessment, Inventory, Profile, RuleResult, Severity, Status, Target, TargetKind,
};
use serde::{Deserialize, Serialize};

pub const REPORT_SCHEMA: &str = "dockguard.report/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub profile: String,
    pub host: Host,
    pub started_at: String,
    pub duration_ms: u64,
    pub summary: Summary,
    pub inventory: Inventory,
    pub results: Vec<RuleReport>,
    /// Exemptions from the configuration and what became of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<ExemptionReport>,
    /// With `--baseline`: what is new and what was fixed since the baseline report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineReport>,
}

/// One exemption of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExemptionReport {
    /// The rule id as written in the configuration.
    pub rule: String,
    /// What it covers, e.g. `container portainer*` or `host *`.
    pub scope: String,
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`, when it has an expiry.
    pub expires: Option<String>,
    /// `active`, `expired` (no longer applies), or `unused` (matched nothing in this scan).
    pub state: String,
    /// How many targets it exempted.
    pub matched: usize,
}

/// A failing target, identified across scans by rule id, target kind and target name.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Finding {
    pub rule: String,
    pub kind: TargetKind,
    pub name: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BaselineReport {
    /// The baseline report file.
    pub file: String,
    /// Failing now, not failing in the baseline.
    pub new: Vec<Finding>,
    /// Failing in the baseline, not failing now.
    pub fixed: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Host {
    pub hostname: Option<String>,
    pub docker_version: Option<String>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    /// `kubernetes` when an orchestrator runs on this host (seen among its processes).
    pub orchestrator: Option<String>,
    /// What shows that the orchestrator runs here, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator_evidence: Option<String>,
    /// Containers that orchestrator manages, left out of the assessment (names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orchestrated_containers: Vec<String>,
    /// Containers that carry orchestrator labels without evidence that it manages them; they are assessed
    /// like any other.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orchestrator_claims: Vec<OrchestratorClaim>,
    /// The container dockguard ran in (`name (short id)`): recognised, and left out of the assessment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_container: Option<String>,
    /// When the host root dockguard read (`--root`) lacks directories every host has (`/etc`, `/proc`, the
    /// Docker root directory): those directories. Host-side rules found not applicable say so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub root_missing: Vec<String>,
}

/// A container that claims to be orchestrator-managed (by its labels) without evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrchestratorClaim {
    pub container: String,
    /// Why the claim was not accepted.
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub error: usize,
    /// Failures accepted by an exemption.
    #[serde(default)]
    pub exempt: usize,
    /// The share of the rules dockguard decided that pass, in percent rounded down to one decimal:
    /// pass ÷ (pass + fail + error + exempt). Manual and not-applicable rules are left out; an error or an
    /// exemption never counts as a pass. `null` when no rule was decided.
    #[serde(default)]
    pub score: Option<f64>,
    /// The same counts and score per benchmark section, in section order.
    #[serde(default)]
    pub sections: Vec<SectionSummary>,
}

/// One section's counts and score (see [`Summary::score`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SectionSummary {
    /// The section number (1 host configuration … 7 swarm).
    pub section: u32,
    pub title: String,
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub error: usize,
    pub exempt: usize,
    pub score: Option<f64>,
}

/// The score of a set of rules: pass ÷ (pass + fail + error + exempt) in percent, rounded down to one
/// decimal (so only a set where every decided rule passes reaches 100); `None` when nothing was decided.
pub fn score(pass: usize, fail: usize, error: usize, exempt: usize) -> Option<f64> {
    let decided = pass + fail + error + exempt;
    (decided > 0).then(|| (pass * 1000 / decided) as f64 / 10.0)
}

#[derive(Default)]
struct Tally {
    pass: usize,
    fail: usize,
    manual: usize,
    not_applicable: usize,
    error: usize,
    exempt: usize,
}

impl Tally {
    fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Manual => self.manual += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Error => self.error += 1,
            Status::Exempt => self.exempt += 1,
        }
    }
    fn score(&self) -> Option<f64> {
        score(self.pass, self.fail, self.error, self.exempt)
    }
}

impl Summary {
    /// Counts the results, and scores them overall and per section.
    pub fn count(results: &[RuleReport]) -> Summary {
        let mut all = Tally::default();
        let mut sections: Vec<(u32, String, Tally)> = Vec::new();
        for r in results {
            all.add(r.status);
            let n = r.section_number();
            match sections.iter_mut().find(|(x, _, _)| *x == n) {
                Some((_, _, t)) => t.add(r.status),
                None => {
                    let mut t = Tally::default();
                    t.add(r.status);
                    sections.push((n, r.section.clone(), t));
                }
            }
        }
        sections.sort_by_key(|(n, _, _)| *n);
        Summary {
            pass: all.pass,
            fail: all.fail,
            manual: all.manual,
            not_applicable: all.not_applicable,
            error: all.error,
            exempt: all.exempt,
            score: all.score(),
            sections: sections
                .into_iter()
                .map(|(section, title, t)| SectionSummary {
                    section,
                    title,
                    score: t.score(),
                    pass: t.pass,
                    fail: t.fail,
                    manual: t.manual,
                    not_applicable: t.not_applicable,
                    error: t.error,
                    exempt: t.exempt,
                })
                .collect(),
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.manual + self.not_applicable + self.error + self.exempt
    }

    /// Rules that count towards the score: pass, fail, error and exempt.
    pub fn decided(&self) -> usize {
        self.pass + self.fail + self.error + self.exempt
    }
}

/// A score for people: `87%`, `87.5%`, or `n/a` when nothing was decided.
pub fn format_score(score: Option<f64>) -> String {
    match score {
        Some(s) if s.fract() == 0.0 => format!("{s:.0}%"),
        Some(s) => format!("{s:.1}%"),
        None => "n/a".into(),
    }
}

/// Ids of the rule in each benchmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refs {
    pub azure: Vec<String>,
    #[serde(rename = "cis-1.6")]
    pub cis: Vec<String>,
    /// The rule's id in CIS Docker Benchmark v1.8.0.
    #[serde(rename = "cis-1.8", default)]
    pub cis18: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RuleReport {
    /// The rule's id in the profile (the CCEID for `azure`).
    pub id: String,
    pub refs: Refs,
    pub title: String,
    pub section: String,
    pub severity: Severity,
    pub level: u8,
    /// CIS's classification of the recommendation (automated or manual).
    pub assessment: Assessment,
    pub status: Status,
    pub reason: String,
    pub rationale: String,
    pub remediation: String,
    pub targets: Vec<Target>,
}

impl RuleReport {
    pub fn from_result(r: &RuleResult) -> RuleReport {
        RuleReport {
            id: r.id.clone(),
            refs: Refs {
                azure: r.rule.azure.iter().map(|s| s.to_string()).collect(),
                cis: r.rule.cis.iter().map(|s| s.to_string()).collect(),
                cis18: r
                    .rule
                    .id_in(Profile::Cis18)
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            assessment: r.rule.assessment,
            title: r.rule.title.to_string(),
            section: r.rule.section.title().to_string(),
            severity: r.rule.severity,
            level: r.rule.level,
            status: r.outcome.status,
            reason: r.outcome.reason.clone(),
            rationale: r.rule.rationale.to_string(),
            remediation: r.rule.remediation.to_string(),
            targets: r.outcome.targets.clone(),
        }
    }

    /// The section number, from the id (`5.31`, or `cis-1.8:2.7` for a rule outside the profile).
    pub fn section_number(&self) -> u32 {
        self.id
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// `name (short id)` of the container dockguard ran in, when it recognised one.
fn scanner_container(facts: &Facts) -> Option<String> {
    let id = facts.collector.scanner_container.as_deref()?;
    let short: String = id.chars().take(12).collect();
    let name = facts
        .docker
        .ok()
        .and_then(|d| d.containers.iter().find(|c| c.id == id))
        .map(|c| c.name.clone());
    Some(match name {
        Some(n) => format!("{n} ({short})"),
        None => short,
    })
}

impl Report {
    pub fn new(
        facts: &Facts,
        profile: Profile,
        results: &[RuleResult],
        orchestrator: Option<String>,
        started_at: String,
        duration_ms: u64,
    ) -> Report {
        let inventory = Inventory::from_facts(facts);
        let results: Vec<RuleReport> = results.iter().map(RuleReport::from_result).collect();
        Report {
            schema: REPORT_SCHEMA.into(),
            tool: Tool {
                name: "dockguard".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            profile: profile.name().into(),
            host: Host {
                hostname: inventory.hostname.clone(),
                docker_version: inventory.docker_version.clone(),
                os: inventory.os.clone(),
                kernel: inventory.kernel.clone(),
                orchestrator,
                orchestrator_evidence: None,
                orchestrated_containers: Vec::new(),
                orchestrator_claims: Vec::new(),
                scanner_container: scanner_container(facts),
                root_missing: facts.collector.root_missing.clone(),
            },
            started_at,
            duration_ms,
            summary: Summary::count(&results),
            inventory,
            results,
            exemptions: Vec::new(),
            baseline: None,
        }
    }

    /// Records what the evaluation found about orchestrators: the one running here (with its evidence and
    /// the containers it manages) and the containers that only claim to be managed.
    pub fn note_orchestration(&mut self, ctx: &dockguard_rules::Ctx) {
        let names = |ids: &[String]| -> Vec<String> {
            let all = ctx
                .facts
                .docker
                .ok()
                .map(|d| d.containers.as_slice())
                .unwrap_or_default();
            ids.iter()
                .map(|id| {
                    all.iter()
                        .find(|c| &c.id == id)
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| id.clone())
                })
                .collect()
        };
        self.host.orchestrator = ctx.orchestrator.as_ref().map(|o| o.name.clone());
        self.host.orchestrator_evidence = ctx.orchestrator.as_ref().map(|o| o.evidence.clone());
        self.host.orchestrated_containers = match &ctx.orchestrator {
            Some(o) if !ctx.options.include_orchestrated => names(&o.managed),
            _ => Vec::new(),
        };
        self.host.orchestrator_claims = ctx
            .claims
            .iter()
            .map(|c| OrchestratorClaim {
                container: c.name.clone(),
                why: c.why.clone(),
            })
            .collect();
    }

    /// Every failing target (a rule that fails without targets counts as one finding on the host).
    pub fn findings(&self) -> Vec<(Finding, Severity)> {
        let mut out = Vec::new();
        for r in &self.results {
            if r.status != Status::Fail {
                continue;
            }
            let failing: Vec<&Target> = r
                .targets
                .iter()
                .filter(|t| t.status == Status::Fail)
                .collect();
            if failing.is_empty() {
                out.push((
                    Finding {
                        rule: r.id.clone(),
                        kind: TargetKind::Host,
                        name: self.host.hostname.clone().unwrap_or_default(),
                        detail: r.reason.clone(),
                    },
                    r.severity,
                ));
            }
            for t in failing {
                out.push((
                    Finding {
                        rule: r.id.clone(),
                        kind: t.kind,
                        name: t.name.clone(),
                        detail: t.detail.clone(),
                    },
                    r.severity,
                ));
            }
        }
        out
    }

    /// Whether a rule at or above `threshold` failed or could not be evaluated (fail closed: an error is
    /// not a pass).
    ///
    /// With a baseline, only failures that are new since the baseline count, plus errors.
    pub fn gate_fails(&self, threshold: Severity) -> bool {
        let errors = self
            .results
            .iter()
            .any(|r| r.status == Status::Error && r.severity >= threshold);
        match &self.baseline {
            None => {
                errors
                    || self
                        .results
                        .iter()
                        .any(|r| r.status == Status::Fail && r.severity >= threshold)
            }
            Some(b) => {
                let severity = |rule: &str| {
                    self.results
                        .iter()
                        .find(|r| r.id == rule)
                        .map(|r| r.severity)
                };
                errors
                    || b.new
                        .iter()
                        .any(|f| severity(&f.rule).is_some_and(|s| s >= threshold))
            }
        }
    }
}
