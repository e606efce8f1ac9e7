//! The description of one rule: ids, title, severity, texts and its check function.

use crate::{context::Ctx, outcome::Outcome};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The benchmark sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Section {
    Host = 1,
    Daemon = 2,
    DaemonFiles = 3,
    Images = 4,
    Runtime = 5,
    Swarm = 7,
}

impl Section {
    pub fn number(self) -> u8 {
        self as u8
    }
    pub fn title(self) -> &'static str {
        match self {
            Section::Host => "Host configuration",
            Section::Daemon => "Docker daemon configuration",
            Section::DaemonFiles => "Docker daemon configuration files",
            Section::Images => "Container images and build files",
            Section::Runtime => "Container runtime",
            Section::Swarm => "Docker swarm configuration",
        }
    }
}

/// What a rule looks at. Container and image rules do not apply on orchestrator-managed hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Host,
    Daemon,
    Files,
    Image,
    Container,
    Swarm,
}

/// One benchmark rule.
pub struct Rule {
    /// The id in the Azure baseline (its CCEID), e.g. `5.31`.
    pub id: &'static str,
    /// CIS Docker Benchmark v1.6.0 ids this rule implements.
    pub cis: &'static [&'static str],
    pub title: &'static str,
    pub section: Section,
    pub severity: Severity,
    /// CIS profile level (1 or 2).
    pub level: u8,
    pub scope: Scope,
    /// Why the rule matters.
    pub rationale: &'static str,
    /// How the check decides, in words (what the tool looks at).
    pub audit: &'static str,
    /// How to fix a failure.
    pub remediation: &'static str,
    pub check: fn(&Ctx) -> Outcome,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rule({} {})", self.id, self.title)
    }
}
