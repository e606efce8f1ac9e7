//! Section 4: container images and build files.
pub(crate) mod common;
pub mod r4_01_container_user;
pub mod r4_06_healthcheck;
pub mod rc4_10_secrets;
pub mod rc4_11_verified_packages;
pub mod rc4_12_signed_artifacts;
pub mod rc4_2_trusted_base_images;
pub mod rc4_3_unnecessary_packages;
pub mod rc4_4_image_patches;
pub mod rc4_5_content_trust;
pub mod rc4_7_update_instructions;
pub mod rc4_8_setuid_setgid;
pub mod rc4_9_copy_not_add;
pub(crate) mod secrets;

crate::declare_rules! {
    r4_01_container_user,
    rc4_2_trusted_base_images,
    rc4_3_unnecessary_packages,
    rc4_4_image_patches,
    rc4_5_content_trust,
    r4_06_healthcheck,
    rc4_7_update_instructions,
    rc4_8_setuid_setgid,
    rc4_9_copy_not_add,
    rc4_10_secrets,
    rc4_11_verified_packages,
    rc4_12_signed_artifacts,
}
