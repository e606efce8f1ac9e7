//! Helpers shared by the section 7 rules.

use crate::prelude::*;
use dockguard_facts::{DockerFacts, SwarmFacts};

/// The swarm facts of a node in swarm mode. `Err` carries the outcome to return instead: `error` when the
/// Docker facts or the swarm state are unknown, `not_applicable` when swarm mode is off.
pub fn active_swarm<'a>(ctx: &Ctx<'a>) -> Result<(&'a DockerFacts, &'a SwarmFacts), Outcome> {
    let docker = ctx.docker().map_err(Outcome::error)?;
    let swarm = docker
        .info
        .swarm()
        .map_err(|m| Outcome::error(m.to_string()))?;
    let state = match swarm.state() {
        Ok(s) if !s.trim().is_empty() => s,
        _ => return Err(Outcome::error("docker info did not report the swarm state")),
    };
    if !matches!(state.as_str(), "active" | "locked" | "pending" | "error") {
        return Err(Outcome::not_applicable(format!(
            "swarm mode is not active on this node (state: {state})"
        )));
    }
    Ok((docker, swarm))
}

/// Like [`active_swarm`], for values only managers report (`what` names it in the reason): a worker is
/// `not_applicable` (the cluster is assessed on its managers), a locked manager an `error` (it reports nothing
/// until unlocked).
pub fn manager_swarm<'a>(
    ctx: &Ctx<'a>,
    what: &str,
) -> Result<(&'a DockerFacts, &'a SwarmFacts), Outcome> {
    let (docker, swarm) = active_swarm(ctx)?;
    if swarm.state.as_deref() == Some("locked") {
        return Err(Outcome::error(format!(
            "this manager is locked (auto-lock); unlock it with `docker swarm unlock` so {what} can be read"
        )));
    }
    match swarm.is_manager {
        Some(true) => {}
        Some(false) => {
            return Err(Outcome::not_applicable(format!(
                "this node is a swarm worker; {what} is only visible on managers, so assess the swarm on a \
                 manager"
            )))
        }
        None => {
            return Err(Outcome::error(format!(
                "whether this node is a manager is unknown (Swarm.ControlAvailable not returned), so {what} \
                 cannot be read"
            )))
        }
    }
    Ok((docker, swarm))
}

/// A swarm-wide evidence target for this node.
pub fn swarm_target(
    swarm: &SwarmFacts,
    name: &str,
    status: Status,
    detail: impl Into<String>,
) -> Target {
    let id = match swarm.node_id.as_deref() {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => "swarm".to_string(),
    };
    Target::new(TargetKind::Swarm, id, name, status, detail)
}

#[cfg(test)]
pub mod test_support {
    use crate::testing::docker_mut;
    use dockguard_facts::{Facts, SwarmFacts};

    /// Puts the fixture's node in an active swarm as a manager with auto-lock on.
    pub fn make_manager(f: &mut Facts) {
        docker_mut(f).info.swarm = Some(SwarmFacts {
            state: Some("active".into()),
            node_id: Some("node-1".into()),
            node_addr: Some("10.0.0.5".into()),
            is_manager: Some(true),
            managers: Some(1),
            nodes: Some(3),
            autolock_managers: Some(true),
            node_cert_expiry_secs: Some(90 * 24 * 3600),
            root_rotation_in_progress: Some(false),
            data_path_port: Some(4789),
        });
    }

    /// Puts the fixture's node in an active swarm as a worker (managers-only values unset).
    pub fn make_worker(f: &mut Facts) {
        docker_mut(f).info.swarm = Some(SwarmFacts {
            state: Some("active".into()),
            node_id: Some("node-7".into()),
            node_addr: Some("10.0.0.7".into()),
            is_manager: Some(false),
            ..Default::default()
        });
    }

    /// Puts the fixture's node in a locked swarm (a manager waiting for its unlock key).
    pub fn make_locked(f: &mut Facts) {
        docker_mut(f).info.swarm = Some(SwarmFacts {
            state: Some("locked".into()),
            node_id: Some("node-1".into()),
            ..Default::default()
        });
    }
}
