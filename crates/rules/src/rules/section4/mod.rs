//! Section 4.
crate::declare_rules! {}
