//! What a rule returns: a status, a human reason, and per-target evidence.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Needs a human: the facts cannot decide it.
    Manual,
    NotApplicable,
    /// The rule could not be evaluated (a fact is missing or unreadable).
    Error,
    /// A failure accepted by an exemption (reason, owner, expiry) in the configuration. Rules never return
    /// it; the policy step that applies exemptions does.
    Exempt,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Manual => "manual",
            Status::NotApplicable => "not_applicable",
            Status::Error => "error",
            Status::Exempt => "exempt",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Host,
    Daemon,
    Setting,
    File,
    Audit,
    Container,
    Image,
    Network,
    Swarm,
}

/// One thing a rule looked at, with its own status and the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Target {
    pub kind: TargetKind,
    pub id: String,
    pub name: String,
    pub status: Status,
    pub detail: String,
}

impl Target {
    pub fn new(
        kind: TargetKind,
        id: impl Into<String>,
        name: impl Into<String>,
        status: Status,
        detail: impl Into<String>,
    ) -> Self {
        Target {
            kind,
            id: id.into(),
            name: name.into(),
            status,
            detail: detail.into(),
        }
    }

    /// A file target: id and name are the path.
    pub fn file(path: &str, status: Status, detail: impl Into<String>) -> Self {
        Target::new(TargetKind::File, path, path, status, detail)
    }

    /// A daemon setting target: id and name are the daemon.json key.
    pub fn setting(key: &str, status: Status, detail: impl Into<String>) -> Self {
        Target::new(TargetKind::Setting, key, key, status, detail)
    }
}

/// The result of one rule's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    pub reason: String,
    pub targets: Vec<Target>,
}

impl Outcome {
    pub fn new(status: Status, reason: impl Into<String>) -> Self {
        Outcome {
            status,
            reason: reason.into(),
            targets: Vec::new(),
        }
    }
    pub fn pass(reason: impl Into<String>) -> Self {
        Self::new(Status::Pass, reason)
    }
    pub fn fail(reason: impl Into<String>) -> Self {
        Self::new(Status::Fail, reason)
    }
    pub fn manual(reason: impl Into<String>) -> Self {
        Self::new(Status::Manual, reason)
    }
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self::new(Status::NotApplicable, reason)
    }
    pub fn error(reason: impl Into<String>) -> Self {
        Self::new(Status::Error, reason)
    }
    pub fn with_target(mut self, t: Target) -> Self {
        self.targets.push(t);
        self
    }
    pub fn with_targets(mut self, t: impl IntoIterator<Item = Target>) -> Self {
        self.targets.extend(t);
        self
    }

    /// Targets that failed.
    pub fn failing(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(|t| t.status == Status::Fail)
    }

    /// Combines per-target results into one outcome: any error makes the rule `error` unless something
    /// failed (a failure is certain, an error is not), any failure makes it `fail`, otherwise `pass`.
    /// With no targets the rule is `not_applicable` with `empty_reason`.
    pub fn aggregate(targets: Vec<Target>, noun: &str, empty_reason: impl Into<String>) -> Outcome {
        if targets.is_empty() {
            return Outcome::not_applicable(empty_reason);
        }
        let count = |s: Status| targets.iter().filter(|t| t.status == s).count();
        let (fail, error, pass, manual) = (
            count(Status::Fail),
            count(Status::Error),
            count(Status::Pass),
            count(Status::Manual),
        );
        let total = targets.len();
        let plural = |n: usize| {
            if n == 1 {
                noun.to_string()
            } else {
                format!("{noun}s")
            }
        };
        let out = if fail > 0 {
            let mut r = format!(
                "{fail} of {total} {} fail{}",
                plural(total),
                if fail == 1 { "s" } else { "" }
            );
            if error > 0 {
                r.push_str(&format!("; {error} could not be assessed"));
            }
            Outcome::fail(r)
        } else if error > 0 {
            Outcome::error(format!(
                "{error} of {total} {} could not be assessed",
                plural(total)
            ))
        } else if manual > 0 {
            Outcome::manual(format!(
                "{manual} of {total} {} need a manual review",
                plural(total)
            ))
        } else if pass > 0 {
            Outcome::pass(format!("all {pass} {} assessed pass", plural(pass)))
        } else {
            Outcome::not_applicable(format!(
                "the rule does not apply to any of the {total} {}",
                plural(total)
            ))
        };
        out.with_targets(targets)
    }
}
