//! Section 7: Docker swarm configuration.
pub mod r7_03_swarm_bind;
pub mod r7_04_overlay_encrypted;
pub mod r7_06_autolock;
pub mod rc7_1_manager_count;
pub mod rc7_4_secrets;
pub mod rc7_6_autolock_rotation;
pub mod rc7_7_node_cert_rotation;
pub mod rc7_8_ca_rotation;
pub mod rc7_9_plane_separation;

crate::declare_rules! {
    r7_03_swarm_bind,
    r7_04_overlay_encrypted,
    r7_06_autolock,
    rc7_1_manager_count,
    rc7_4_secrets,
    rc7_6_autolock_rotation,
    rc7_7_node_cert_rotation,
    rc7_8_ca_rotation,
    rc7_9_plane_separation,
}

mod common;
