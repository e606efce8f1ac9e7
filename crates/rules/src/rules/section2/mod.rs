//! Section 2: Docker daemon configuration.
pub mod r2_01_icc;
pub mod r2_02_log_level;
pub mod r2_03_iptables;
pub mod r2_04_insecure_registries;
pub mod r2_05_aufs;
pub mod r2_06_tls;
pub mod r2_07_default_ulimit;
pub mod r2_08_userns;
pub mod r2_10_base_device_size;
pub mod r2_11_authorization;
pub mod r2_12_remote_logging;
pub mod r2_14_live_restore;
pub mod r2_15_userland_proxy;
pub mod r2_17_experimental;
pub mod r2_18_no_new_privileges;
pub mod r2_devicemapper;
pub mod rc2_10_cgroup_parent;
pub mod rc2_17_seccomp_profile;
pub mod rc2_1_rootless;

crate::declare_rules! {
    r2_01_icc,
    r2_02_log_level,
    r2_03_iptables,
    r2_04_insecure_registries,
    r2_05_aufs,
    r2_06_tls,
    r2_07_default_ulimit,
    r2_08_userns,
    r2_10_base_device_size,
    r2_11_authorization,
    r2_12_remote_logging,
    r2_14_live_restore,
    r2_15_userland_proxy,
    r2_17_experimental,
    r2_18_no_new_privileges,
    r2_devicemapper,
    rc2_1_rootless,
    rc2_10_cgroup_parent,
    rc2_17_seccomp_profile,
}

mod common;
