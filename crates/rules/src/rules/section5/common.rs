//! Helpers shared by the container runtime rules of section 5.

use crate::check::{per_container, Verdict};
use crate::prelude::*;
use dockguard_facts::{ContainerFacts, Missing};

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

/// The values of every `SecurityOpt` entry with this key, in order; `Err` when `SecurityOpt` was not
/// collected.
pub fn security_opt_values<'a>(
    c: &'a ContainerFacts,
    key: &str,
) -> Result<Vec<Option<&'a str>>, Missing> {
    Ok(c.security_opt()?
        .iter()
        .map(|o| security_opt(o))
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect())
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
/// A `container:<x>` mode shares x's namespace, so it fails when x itself uses the host's, and cannot be
/// judged when x is not among the inspected containers.
pub fn host_namespace_check(
    ctx: &Ctx,
    field: &str,
    mode_of: fn(&ContainerFacts) -> Result<&String, Missing>,
) -> Outcome {
    per_container(ctx, |c| {
        let mode = mode_of(c)?.as_str();
        let shown = if mode.is_empty() {
            "\"\" (own namespace)"
        } else {
            mode
        };
        if mode.eq_ignore_ascii_case("host") {
            return Ok((Status::Fail, format!("{field}={mode}")));
        }
        if mode.starts_with("container:") {
            return match joined_container(ctx, mode) {
                Some(j) => {
                    let joined = mode_of(j)
                        .map_err(|m| format!("{field}={mode}, and for {}: {m}", j.name))?;
                    if joined.eq_ignore_ascii_case("host") {
                        Ok((
                            Status::Fail,
                            format!("{field}={mode}, and {} uses {field}=host", j.name),
                        ))
                    } else {
                        Ok((
                            Status::Pass,
                            format!("{field}={mode} ({} has its own namespace)", j.name),
                        ))
                    }
                }
                None => Err(format!(
                    "{field}={mode}, but that container is not among the inspected containers, so whose \
                     namespace it shares cannot be checked"
                )),
            };
        }
        Ok((Status::Pass, format!("{field}={shown}")))
    })
}

/// The mandatory access control mechanisms the daemon applies, from `docker info` SecurityOptions.
pub struct HostMac {
    pub apparmor: bool,
    pub selinux: bool,
}

impl HostMac {
    pub fn of(ctx: &Ctx) -> Result<HostMac, String> {
        let d = ctx.docker()?;
        Ok(HostMac {
            apparmor: d.info.has_security_option("apparmor")?,
            selinux: d.info.has_security_option("selinux")?,
        })
    }
}

/// A container's confinement by one mechanism: confined (with the evidence), not confined (with what is
/// wrong), or unknown (a fact was not collected).
pub type Confinement = Result<Result<String, String>, Missing>;

/// The AppArmor profile in force for a container, or why there is none.
pub fn apparmor(c: &ContainerFacts, host: &HostMac) -> Confinement {
    let opts = security_opt_values(c, "apparmor")?;
    if let Some(v) = opts
        .iter()
        .flatten()
        .find(|v| v.eq_ignore_ascii_case("unconfined"))
    {
        return Ok(Err(format!("apparmor={v}")));
    }
    let profile = c.apparmor_profile()?.trim();
    if profile.eq_ignore_ascii_case("unconfined") {
        return Ok(Err("AppArmorProfile=unconfined".into()));
    }
    if !profile.is_empty() {
        return Ok(Ok(format!("AppArmorProfile={profile}")));
    }
    Ok(match opts.iter().flatten().last() {
        Some(v) if host.apparmor => Ok(format!("apparmor={v}")),
        Some(v) => Err(format!("apparmor={v} but the host has no AppArmor")),
        None => Err("no AppArmor profile".into()),
    })
}

/// The SELinux label in force for a container, or why there is none.
pub fn selinux(c: &ContainerFacts, host: &HostMac) -> Confinement {
    let opts = security_opt_values(c, "label")?;
    if opts
        .iter()
        .flatten()
        .any(|v| v.eq_ignore_ascii_case("disable"))
    {
        return Ok(Err("label=disable".into()));
    }
    let label = c.process_label()?.trim();
    if !label.is_empty() {
        return Ok(Ok(format!("ProcessLabel={label}")));
    }
    Ok(match opts.iter().flatten().last() {
        Some(v) if host.selinux => Ok(format!("label={v}")),
        Some(v) => Err(format!("label={v} but the host has no SELinux")),
        None => Err("no SELinux label".into()),
    })
}

/// `pass` when confined, `fail` otherwise; `Err` when it cannot be told.
pub fn confinement_verdict(c: Confinement) -> Verdict {
    match c? {
        Ok(why) => Ok((Status::Pass, why)),
        Err(why) => Ok((Status::Fail, why)),
    }
}

/// One published port the way an operator reads it: `0.0.0.0:8080`, `[::]:8080`, `*:8080` (no host
/// address), `10.0.0.5:<random>` (no host port).
pub fn binding(p: &dockguard_facts::PortBinding) -> Result<String, Missing> {
    Ok(endpoint(p.host_ip()?, p.host_port()?))
}

/// See [`binding`].
pub fn endpoint(ip: &str, port: &str) -> String {
    let port = if port.is_empty() { "<random>" } else { port };
    if ip.is_empty() {
        format!("*:{port}")
    } else if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// A container's published ports, configured and actual, sorted and without duplicates.
pub fn published_ports(c: &ContainerFacts) -> Result<Vec<&dockguard_facts::PortBinding>, Missing> {
    let mut ports: Vec<&dockguard_facts::PortBinding> = c.ports()?.iter().collect();
    ports.sort();
    ports.dedup();
    Ok(ports)
}

/// `cap_sys_admin`, `CAP_SYS_ADMIN` and `SYS_ADMIN` are the same capability.
pub fn cap_name(cap: &str) -> String {
    let up = cap.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// An image or exec id shortened the way `docker ps` shows it: `sha256:` kept, 12 hex digits.
pub fn short_id(id: &str) -> String {
    match id.strip_prefix("sha256:") {
        Some(hex) => format!("sha256:{}", hex.chars().take(12).collect::<String>()),
        None => id.chars().take(12).collect(),
    }
}

/// The `manual` verdict of an exec rule that saw no offending session: what was seen, and why that is not
/// evidence (the daemon forgets finished sessions). `none` says what none of them was (`privileged`).
pub fn exec_sessions_unproven(count: usize, none: &str) -> (Status, String) {
    let seen = match count {
        0 => "no exec sessions on record".to_string(),
        1 => format!("1 exec session on record, not {none}"),
        n => format!("{n} exec sessions on record, none {none}"),
    };
    (
        Status::Manual,
        format!(
            "{seen}; the daemon forgets finished sessions, so check the host's audit log (ausearch -k \
             docker) for earlier ones"
        ),
    )
}

/// One exec session for evidence: its id prefix and program. Arguments are counted, never shown: they can
/// carry passwords (`mysql -p...`). `how` says what was wrong with it (`with --privileged`).
pub fn exec_shown(e: &dockguard_facts::ExecFacts, how: &str) -> String {
    let mut words = e.command.as_deref().unwrap_or("").split_whitespace();
    let program = words.next().unwrap_or("<no command>");
    let args = words.count();
    let mut s = format!("exec {} ran `{program}`", short_id(&e.id));
    match args {
        0 => {}
        1 => s.push_str(" (+1 argument, not shown)"),
        n => s.push_str(&format!(" (+{n} arguments, not shown)")),
    }
    s.push(' ');
    s.push_str(how);
    if e.running == Some(true) {
        s.push_str(" (still running)");
    }
    s
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
