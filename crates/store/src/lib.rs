//! Where `dockguard server` keeps what agents report: the latest state per host × rule, findings per
//! target, every change of state with its time, the hosts' inventory, and API tokens and sessions.
//!
//! [`Store`] is the interface the server is written against (SQLite now, PostgreSQL later: keep SQL
//! portable). Every method is synchronous; the server calls it from a blocking task.

pub mod sqlite;

pub use sqlite::SqliteStore;

use dockguard_report::Report;
use dockguard_rules::{Severity, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an agent submits: its report with a unique id, so a retried submission is stored once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique per assessment (a UUID); the same id submitted twice is stored once.
    pub report_id: String,
    /// The agent's own name for the host (stable across hostname changes); defaults to the hostname.
    pub host_key: String,
    /// `dockguard <version>` of the agent.
    pub agent: String,
    pub report: Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ingest {
    /// New report, stored.
    Stored { host_id: i64 },
    /// A report with this id was stored before; nothing changed.
    Duplicate { host_id: i64 },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Backend(String),
    #[error("{0}")]
    Invalid(String),
}

/// Roles of API tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Pages, GET endpoints, the query console.
    Reader,
    /// Submit reports only.
    Agent,
    /// Everything, including token management.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "reader" => Some(Role::Reader),
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: TokenInfo,
    /// Anti-CSRF value that every form of this session must carry.
    pub csrf: String,
    pub expires_at: String,
}

/// A host's place in the recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// At least one baseline rule fails.
    Unhealthy,
    /// Assessed, nothing fails.
    Healthy,
    /// Orchestrator-managed (the benchmark does not apply).
    NotApplicable,
    /// No report for longer than the staleness window.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    pub id: i64,
    pub host_key: String,
    pub hostname: String,
    pub docker_version: Option<String>,
    pub os: Option<String>,
    pub orchestrator: Option<String>,
    pub profile: String,
    pub health: Health,
    /// Why the host is not-applicable or stale, in words.
    pub health_reason: Option<String>,
    pub last_assessed: String,
    pub failed_rules: i64,
    pub highest_severity: Option<Severity>,
    pub containers: i64,
}

/// One failed rule across the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedRule {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub unhealthy_hosts: i64,
}

/// The recommendation "Vulnerabilities in container security configurations should be remediated" and the
/// compliance view "Linux machines should meet requirements for the Azure security baseline for Docker hosts".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub title: String,
    pub severity: Option<Severity>,
    pub unhealthy: i64,
    pub healthy: i64,
    pub not_applicable: i64,
    pub stale: i64,
    /// Failed baseline rules, most severe and most widespread first.
    pub failed_rules: Vec<FailedRule>,
    pub compliant_hosts: i64,
    pub non_compliant_hosts: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRow {
    pub kind: String,
    pub target_id: String,
    pub name: String,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    pub rule_id: String,
    pub title: String,
    pub section: String,
    pub severity: Severity,
    pub status: Status,
    pub reason: String,
    pub remediation: String,
    pub findings: Vec<FindingRow>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub at: String,
    pub pass: i64,
    pub fail: i64,
    pub error: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRow {
    pub host_id: i64,
    pub hostname: String,
    pub container_id: String,
    pub name: String,
    pub image: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostDetail {
    pub summary: HostSummary,
    pub results: Vec<ResultRow>,
    /// The latest report's inventory (the baseline's 0.0), as reported.
    pub inventory: serde_json::Value,
    pub containers: Vec<ContainerRow>,
    /// Compliance over time, oldest first.
    pub trend: Vec<TrendPoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostFilter {
    /// Substring of hostname, OS or Docker version.
    pub search: Option<String>,
    pub health: Option<Health>,
    /// Only hosts failing this rule.
    pub rule: Option<String>,
}

/// Limits of the read-only query console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub max_rows: usize,
    pub max_millis: u64,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_rows: 10_000,
            max_millis: 2_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Set when a cap was hit: says which, so the user knows the table is incomplete.
    pub truncated: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The statement is not a single read-only query over the documented views.
    #[error("{0}")]
    NotAllowed(String),
    #[error("query failed: {0}")]
    Failed(String),
    #[error("query stopped after {0} ms (the limit); narrow it down with WHERE or LIMIT")]
    Timeout(u64),
}

/// A saved example query of the console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedQuery {
    pub name: String,
    pub description: String,
    pub sql: String,
    /// Parameter names (`:host`) and their defaults.
    pub params: BTreeMap<String, String>,
}

/// Storage of the console.
pub trait Store: Send + Sync + 'static {
    /// Stores a report once (by `report_id`): updates the host, the latest result per rule, the findings
    /// per target, the inventory, and records every change of state with its time.
    fn ingest(
        &self,
        envelope: &Envelope,
        received_at: time::OffsetDateTime,
    ) -> Result<Ingest, StoreError>;
    /// The recommendation over every host; hosts not heard from for `stale_after` are stale.
    fn recommendation(
        &self,
        now: time::OffsetDateTime,
        stale_after: time::Duration,
    ) -> Result<Recommendation, StoreError>;
    /// Hosts, unhealthy first (then by highest severity, then name).
    fn hosts(
        &self,
        filter: &HostFilter,
        now: time::OffsetDateTime,
        stale_after: time::Duration,
    ) -> Result<Vec<HostSummary>, StoreError>;
    fn host(
        &self,
        id: i64,
        now: time::OffsetDateTime,
        stale_after: time::Duration,
    ) -> Result<Option<HostDetail>, StoreError>;
    /// Containers of every host, filtered by a substring of host, name or image.
    fn containers(&self, search: Option<&str>) -> Result<Vec<ContainerRow>, StoreError>;
    /// Runs a read-only query over the documented views, with named parameters, capped in rows and time.
    fn query(
        &self,
        sql: &str,
        params: &BTreeMap<String, serde_json::Value>,
        limits: QueryLimits,
    ) -> Result<QueryResult, QueryError>;
    /// The views the query console may read, with their columns.
    fn query_views(&self) -> Vec<(String, Vec<String>)>;
    fn saved_queries(&self) -> Vec<SavedQuery>;

    /// Creates a token; returns its info and the secret (shown once; only a hash is stored).
    fn create_token(&self, name: &str, role: Role) -> Result<(TokenInfo, String), StoreError>;
    fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError>;
    /// Revokes a token and its sessions; false when there is no such token.
    fn revoke_token(&self, id: i64) -> Result<bool, StoreError>;
    /// The token a secret belongs to, when valid and not revoked (records its use).
    fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, StoreError>;
    /// Opens a web session for a token; returns the session secret (for the cookie) and the session.
    fn create_session(
        &self,
        token_id: i64,
        ttl: time::Duration,
    ) -> Result<(String, Session), StoreError>;
    fn session(
        &self,
        secret: &str,
        now: time::OffsetDateTime,
    ) -> Result<Option<Session>, StoreError>;
    fn delete_session(&self, secret: &str) -> Result<(), StoreError>;
}
