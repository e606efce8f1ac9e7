//! The fact model of a Docker host.
//!
//! A scan is two steps: the collector (crate `dockguard-collect`) gathers every fact once, then the rules
//! (crate `dockguard-rules`) evaluate them as pure functions. The facts are plain serde structs so a scan can
//! be saved with `dockguard collect -o facts.json` and re-evaluated offline with `dockguard scan --facts`.
//!
//! Every fact that can fail to be collected is a [`Fact<T>`]: either the value, or the reason it is missing.
//! Rules must turn a missing fact into an `error` or `manual` outcome, never a pass.

pub mod containerd;
pub mod daemon;
pub mod dates;
pub mod dockerd_flags;
pub mod model;

pub use daemon::{ConfigSource, DaemonConfig, DaemonInputs, Setting};
pub use model::*;

use serde::{Deserialize, Serialize};

/// The schema id written into every facts file.
pub const FACTS_SCHEMA: &str = "dockguard.facts/v1";

/// A collected fact, or the reason it could not be collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact<T> {
    Ok(T),
    Error(String),
}

impl<T> Fact<T> {
    pub fn as_result(&self) -> Result<&T, &str> {
        match self {
            Fact::Ok(v) => Ok(v),
            Fact::Error(e) => Err(e.as_str()),
        }
    }

    pub fn ok(&self) -> Option<&T> {
        self.as_result().ok()
    }

    pub fn ok_mut(&mut self) -> Option<&mut T> {
        match self {
            Fact::Ok(v) => Some(v),
            Fact::Error(_) => None,
        }
    }
}

impl<T: Default> Default for Fact<T> {
    fn default() -> Self {
        Fact::Ok(T::default())
    }
}

impl<T> From<Result<T, String>> for Fact<T> {
    fn from(r: Result<T, String>) -> Self {
        match r {
            Ok(v) => Fact::Ok(v),
            Err(e) => Fact::Error(e),
        }
    }
}

/// Parses an octal mode written as text ("644", "0644").
pub fn parse_mode(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim_start_matches("0o"), 8).ok()
}
