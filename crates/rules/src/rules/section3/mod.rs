//! Section 3: Docker daemon configuration files (ownership and permissions).
pub mod r3_01_service_owner;
pub mod r3_02_service_mode;
pub mod r3_03_socket_unit_owner;
pub mod r3_04_socket_unit_mode;
pub mod r3_05_etc_docker_owner;
pub mod r3_06_etc_docker_mode;
pub mod r3_07_registry_certs_owner;
pub mod r3_08_registry_certs_mode;
pub mod r3_09_tls_ca_owner;
pub mod r3_10_tls_ca_mode;
pub mod r3_11_server_cert_owner;
pub mod r3_12_server_cert_mode;
pub mod r3_13_server_key_owner;
pub mod r3_14_server_key_mode;
pub mod r3_15_socket_owner;
pub mod r3_16_socket_mode;
pub mod r3_17_daemon_json_owner;
pub mod r3_18_daemon_json_mode;
pub mod r3_19_default_docker_owner;
pub mod r3_20_default_docker_mode;
pub mod rc3_21_sysconfig_docker_mode;
pub mod rc3_22_sysconfig_docker_owner;
pub mod rc3_23_containerd_socket_owner;
pub mod rc3_24_containerd_socket_mode;

crate::declare_rules! {
    r3_01_service_owner,
    r3_02_service_mode,
    r3_03_socket_unit_owner,
    r3_04_socket_unit_mode,
    r3_05_etc_docker_owner,
    r3_06_etc_docker_mode,
    r3_07_registry_certs_owner,
    r3_08_registry_certs_mode,
    r3_09_tls_ca_owner,
    r3_10_tls_ca_mode,
    r3_11_server_cert_owner,
    r3_12_server_cert_mode,
    r3_13_server_key_owner,
    r3_14_server_key_mode,
    r3_15_socket_owner,
    r3_16_socket_mode,
    r3_17_daemon_json_owner,
    r3_18_daemon_json_mode,
    r3_19_default_docker_owner,
    r3_20_default_docker_mode,
    rc3_21_sysconfig_docker_mode,
    rc3_22_sysconfig_docker_owner,
    rc3_23_containerd_socket_owner,
    rc3_24_containerd_socket_mode,
}

pub(crate) mod common;
