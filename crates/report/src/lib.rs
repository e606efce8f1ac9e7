//! The report model (`dockguard.report/v1`) and its renderers. One model, many formats: every renderer
//! reads the same [`Report`].

pub mod json;
pub mod model;
pub mod text;

pub use model::*;
