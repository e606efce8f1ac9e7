//! Section 4: container images and build files.
crate::declare_rules! {
    r4_01_container_user,
    r4_06_healthcheck,
}
