//! Section 2: Docker daemon configuration.
crate::declare_rules! {
    r2_02_log_level,
}
