//! Section 4: container images and build files.
pub mod r4_01_container_user;
pub mod r4_06_healthcheck;

crate::declare_rules! {
    r4_01_container_user,
    r4_06_healthcheck,
}
