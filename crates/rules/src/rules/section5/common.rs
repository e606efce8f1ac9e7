//! Helpers shared by the container runtime rules of section 5.

use crate::check::per_container;
use crate::prelude::*;
use dockguard_facts::ContainerFacts;

/// Splits one `HostConfig.SecurityOpt` entry into its key and value. Docker accepts both `key=value` and
/// the older `key:value`; whichever separator comes first wins, so `label=type:svirt_t` is
/// (`label`, `type:svirt_t`) and `label:disable` is (`label`, `disable`). A bare key has no value.
pub fn security_opt(opt: &str) -> (String, Option<&str>) {
    let opt = opt.trim();
    match opt.find(['=', ':']) {
        Some(i) => (
            opt[..i].trim().to_ascii_lowercase(),
            Some(opt[i + 1..].trim()),
        ),
        None => (opt.to_ascii_lowercase(), None),
    }
}

/// The values of every `SecurityOpt` entry with this key, in order.
pub fn security_opt_values<'a>(c: &'a ContainerFacts, key: &str) -> Vec<Option<&'a str>> {
    c.security_opt
        .iter()
        .map(|o| security_opt(o))
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

/// A byte count the way an operator reads it: `256 MiB`, `1.5 GiB`, `512 B`.
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    let mut scale = 1i64;
    while unit + 1 < UNITS.len() && bytes >= scale * 1024 {
        scale *= 1024;
        unit += 1;
    }
    if bytes % scale == 0 {
        format!("{} {}", bytes / scale, UNITS[unit])
    } else {
        let v = format!("{:.2}", bytes as f64 / scale as f64);
        format!(
            "{} {}",
            v.trim_end_matches('0').trim_end_matches('.'),
            UNITS[unit]
        )
    }
}

/// The container a `container:<name|id>` mode points at, among every inspected container (not only the
/// selected ones): the same id or name, else an id that starts with the reference.
pub fn joined_container<'a>(ctx: &Ctx<'a>, mode: &str) -> Option<&'a ContainerFacts> {
    let reference = mode
        .strip_prefix("container:")?
        .trim()
        .trim_start_matches('/');
    if reference.is_empty() {
        return None;
    }
    let all = &ctx.docker().ok()?.containers;
    // Docker's own order: full id, then name, then id prefix.
    all.iter()
        .find(|c| c.id == reference || c.name == reference)
        .or_else(|| all.iter().find(|c| c.id.starts_with(reference)))
}

/// A "host namespace not shared" rule: `field` (e.g. `NetworkMode`) of every container must not be `host`.
/// A `container:<x>` mode shares x's namespace, so it fails when x itself uses the host's.
pub fn host_namespace_check(
    ctx: &Ctx,
    field: &str,
    mode_of: fn(&ContainerFacts) -> &str,
) -> Outcome {
    per_container(ctx, |c| {
        let mode = mode_of(c);
        let shown = if mode.is_empty() {
            "\"\" (own namespace)"
        } else {
            mode
        };
        if mode.eq_ignore_ascii_case("host") {
            return (Status::Fail, format!("{field}={mode}"));
        }
        if mode.starts_with("container:") {
            return match joined_container(ctx, mode) {
                Some(j) if mode_of(j).eq_ignore_ascii_case("host") => (
                    Status::Fail,
                    format!("{field}={mode}, and {} uses {field}=host", j.name),
                ),
                Some(j) => (
                    Status::Pass,
                    format!("{field}={mode} ({} has its own namespace)", j.name),
                ),
                // A container can only join a container that exists; the one named is gone.
                None => (
                    Status::Pass,
                    format!("{field}={mode} (joined container no longer exists)"),
                ),
            };
        }
        (Status::Pass, format!("{field}={shown}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_opts_split_on_the_first_separator() {
        assert_eq!(
            security_opt("label=type:svirt_t"),
            ("label".into(), Some("type:svirt_t"))
        );
        assert_eq!(
            security_opt("label:disable"),
            ("label".into(), Some("disable"))
        );
        assert_eq!(
            security_opt("apparmor=docker-default"),
            ("apparmor".into(), Some("docker-default"))
        );
        assert_eq!(
            security_opt("no-new-privileges"),
            ("no-new-privileges".into(), None)
        );
        assert_eq!(
            security_opt("no-new-privileges:true"),
            ("no-new-privileges".into(), Some("true"))
        );
    }

    #[test]
    fn bytes_in_human_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(256 * 1024 * 1024), "256 MiB");
        assert_eq!(human_bytes(3 * 512 * 1024 * 1024), "1.5 GiB");
        assert_eq!(human_bytes(6 * 1024), "6 KiB");
    }
}
