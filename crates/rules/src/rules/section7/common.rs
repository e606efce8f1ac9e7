//! Helpers shared by the section 7 rules.

use crate::prelude::*;
use dockguard_facts::{DockerFacts, SwarmFacts};

/// The swarm facts of a node in swarm mode. `Err` carries the outcome to return instead: `error` when the
/// Docker facts or the swarm state are unknown, `not_applicable` when swarm mode is off.
pub fn active_swarm<'a>(ctx: &Ctx<'a>) -> Result<(&'a DockerFacts, &'a SwarmFacts), Outcome> {
    let docker = ctx.docker().map_err(Outcome::error)?;
    let swarm = &docker.info.swarm;
    if swarm.state.trim().is_empty() {
        return Err(Outcome::error("docker info did not report the swarm state"));
    }
    if !swarm.active() {
        return Err(Outcome::not_applicable(format!(
            "swarm mode is not active on this node (state: {})",
            swarm.state
        )));
    }
    Ok((docker, swarm))
}

#[cfg(test)]
pub mod test_support {
    use crate::testing::docker_mut;
    use dockguard_facts::{Facts, SwarmFacts};

    /// Puts the fixture's node in an active swarm as a manager with auto-lock on.
    pub fn make_manager(f: &mut Facts) {
        docker_mut(f).info.swarm = SwarmFacts {
            state: "active".into(),
            node_id: "node-1".into(),
            node_addr: "10.0.0.5".into(),
            is_manager: true,
            managers: Some(1),
            nodes: Some(3),
            autolock_managers: Some(true),
            node_cert_expiry_secs: Some(90 * 24 * 3600),
            root_rotation_in_progress: Some(false),
            data_path_port: Some(4789),
        };
    }
}
