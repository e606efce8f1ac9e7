//! Section 6: Docker security operations.

crate::declare_rules! {}
