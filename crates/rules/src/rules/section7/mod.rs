//! Section 7: Docker swarm configuration.
pub mod r7_03_swarm_bind;
pub mod r7_04_overlay_encrypted;
pub mod r7_06_autolock;

crate::declare_rules! {
    r7_03_swarm_bind,
    r7_04_overlay_encrypted,
    r7_06_autolock,
}

mod common;
