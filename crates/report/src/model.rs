//! The report: what was assessed, every rule's outcome with evidence, and the summary.

use dockguard_facts::Facts;
use dockguard_rules::{Assessment, Inventory, Profile, RuleResult, Severity, Status, Target};
use serde::{Deserialize, Serialize};

pub const REPORT_SCHEMA: &str = "dockguard.report/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub hostname: Option<String>,
    pub docker_version: Option<String>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    /// `kubernetes` when the host's containers are managed by it.
    pub orchestrator: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub error: usize,
}

impl Summary {
    pub fn count(results: &[RuleReport]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Manual => s.manual += 1,
                Status::NotApplicable => s.not_applicable += 1,
                Status::Error => s.error += 1,
            }
        }
        s
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.manual + self.not_applicable + self.error
    }
}

/// Ids of the rule in each benchmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refs {
    pub azure: Vec<String>,
    #[serde(rename = "cis-1.6")]
    pub cis: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    /// The section number, from the id.
    pub fn section_number(&self) -> u32 {
        self.id
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
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
            },
            started_at,
            duration_ms,
            summary: Summary::count(&results),
            inventory,
            results,
        }
    }

    /// Whether a rule at or above `threshold` failed or could not be evaluated (fail closed: an error is
    /// not a pass).
    pub fn gate_fails(&self, threshold: Severity) -> bool {
        self.results
            .iter()
            .any(|r| matches!(r.status, Status::Fail | Status::Error) && r.severity >= threshold)
    }
}
