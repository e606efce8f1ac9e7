//! Section 5: container runtime.
crate::declare_rules! {
    r5_04_privileged,
    r5_31_docker_socket,
}
