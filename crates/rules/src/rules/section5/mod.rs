//! Section 5: container runtime.
pub mod r5_01_2_apparmor_selinux;
pub mod r5_03_capabilities;
pub mod r5_04_privileged;
pub mod r5_05_sensitive_mounts;
pub mod r5_09_host_network;
pub mod r5_10_memory_limit;
pub mod r5_12_readonly_rootfs;
pub mod r5_13_port_binding;
pub mod r5_14_restart_policy;
pub mod r5_15_host_pid;
pub mod r5_16_host_ipc;
pub mod r5_17_host_devices;
pub mod r5_19_mount_propagation;
pub mod r5_20_host_uts;
pub mod r5_24_cgroup_parent;
pub mod r5_25_no_new_privileges;
pub mod r5_26_healthcheck;
pub mod r5_28_pids_limit;
pub mod r5_29_default_bridge;
pub mod r5_30_host_userns;
pub mod r5_31_docker_socket;
pub mod rc5_12_cpu_shares;
pub mod rc5_19_ulimits;
pub mod rc5_1_swarm_mode;
pub mod rc5_22_seccomp;
pub mod rc5_23_exec_privileged;
pub mod rc5_24_exec_root;
pub mod rc5_28_image_latest;
pub mod rc5_2_apparmor;
pub mod rc5_3_selinux;
pub mod rc5_7_sshd;
pub mod rc5_8_privileged_ports;
pub mod rc5_9_needed_ports;

crate::declare_rules! {
    r5_01_2_apparmor_selinux,
    r5_03_capabilities,
    r5_04_privileged,
    r5_05_sensitive_mounts,
    r5_09_host_network,
    r5_10_memory_limit,
    r5_12_readonly_rootfs,
    r5_13_port_binding,
    r5_14_restart_policy,
    r5_15_host_pid,
    r5_16_host_ipc,
    r5_17_host_devices,
    r5_19_mount_propagation,
    r5_20_host_uts,
    r5_24_cgroup_parent,
    r5_25_no_new_privileges,
    r5_26_healthcheck,
    r5_28_pids_limit,
    r5_29_default_bridge,
    r5_30_host_userns,
    r5_31_docker_socket,
    rc5_1_swarm_mode,
    rc5_2_apparmor,
    rc5_3_selinux,
    rc5_7_sshd,
    rc5_8_privileged_ports,
    rc5_9_needed_ports,
    rc5_12_cpu_shares,
    rc5_19_ulimits,
    rc5_22_seccomp,
    rc5_23_exec_privileged,
    rc5_24_exec_root,
    rc5_28_image_latest,
}

mod common;
