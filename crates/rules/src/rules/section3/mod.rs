//! Section 3.
crate::declare_rules! {}
