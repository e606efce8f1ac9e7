//! Section 1: host configuration.
pub mod r1_01_separate_partition;
pub mod r1_03_docker_version;
pub mod r1_05_audit_daemon;
pub mod r1_06_audit_var_lib_docker;
pub mod r1_07_audit_etc_docker;
pub mod r1_08_audit_docker_service;
pub mod r1_09_audit_docker_socket;
pub mod r1_10_audit_etc_default_docker;
pub mod r1_11_audit_daemon_json;
pub mod r1_12_audit_containerd;
pub mod r1_13_audit_runc;

crate::declare_rules! {
    r1_01_separate_partition,
    r1_03_docker_version,
    r1_05_audit_daemon,
    r1_06_audit_var_lib_docker,
    r1_07_audit_etc_docker,
    r1_08_audit_docker_service,
    r1_09_audit_docker_socket,
    r1_10_audit_etc_default_docker,
    r1_11_audit_daemon_json,
    r1_12_audit_containerd,
    r1_13_audit_runc,
}

mod common;
