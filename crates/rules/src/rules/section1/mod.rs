//! Section 1.
crate::declare_rules! {}
