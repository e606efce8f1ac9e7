//! Section 5: container runtime.
pub mod r5_04_privileged;
pub mod r5_31_docker_socket;

crate::declare_rules! {
    r5_04_privileged,
    r5_31_docker_socket,
}
