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
pub mod rc1_1_12_audit_containerd_config;
pub mod rc1_1_13_audit_sysconfig_docker;
pub mod rc1_1_15_audit_containerd_shim;
pub mod rc1_1_16_audit_shim_runc_v1;
pub mod rc1_1_17_audit_shim_runc_v2;
pub mod rc1_1_2_trusted_users;
pub mod rc1_1_4_audit_run_containerd;
pub mod rc1_1_8_audit_containerd_sock;
pub mod rc1_2_1_host_hardened;

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
    rc1_1_2_trusted_users,
    rc1_1_4_audit_run_containerd,
    rc1_1_8_audit_containerd_sock,
    rc1_1_12_audit_containerd_config,
    rc1_1_13_audit_sysconfig_docker,
    rc1_1_15_audit_containerd_shim,
    rc1_1_16_audit_shim_runc_v1,
    rc1_1_17_audit_shim_runc_v2,
    rc1_2_1_host_hardened,
}

mod common;
