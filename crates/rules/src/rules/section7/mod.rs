//! Section 7.
crate::declare_rules! {}
