//! Section 1: host configuration.
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
