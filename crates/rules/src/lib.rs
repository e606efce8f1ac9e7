//! The rule engine: a registry of small, self-describing rules evaluated as pure functions over
//! collected [`Facts`](dockguard_facts::Facts).
//!
//! Each rule lives in its own file under `rules/section<N>/`, declares a [`Rule`] (ids, title, severity,
//! rationale, audit, remediation) and a check function, and carries its own pass and fail tests. Rules never
//! do I/O: everything they need is in the facts, collected once per scan.

pub mod check;
pub mod context;
pub mod engine;
#[cfg(test)]
mod failclosed;
pub mod inventory;
pub mod outcome;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod testing;

pub use context::{ContainerFilter, Ctx, EvalOptions, Orchestrator, Thresholds};
pub use engine::{evaluate, RuleResult, Selection};
pub use inventory::Inventory;
pub use outcome::{Outcome, Status, Target, TargetKind};
pub use registry::{did_you_mean, find, profile_rules, resolve, suggest, ALIASES, RULES};
pub use rule::{Assessment, Profile, Rule, Scope, Section, Severity};

/// What a rule file needs in scope.
pub mod prelude {
    pub use crate::context::Ctx;
    pub use crate::outcome::{Outcome, Status, Target, TargetKind};
    pub use crate::rule::{
        Assessment, Profile, Rule, Scope, Section, Severity, AZURE_AND_CIS, AZURE_ONLY, CIS_ONLY,
        NO_PROFILE,
    };
}
