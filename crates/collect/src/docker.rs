//! Docker Engine API facts: `/version`, `/info`, one container list, one inspect per container (concurrently),
//! one inspect per image in use, the image count and the networks.

use bollard::models::{
    ContainerInspectResponse, ImageInspect, Network, PortMap, SystemInfo, SystemVersion,
};
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions, ListNetworksOptions};
use bollard::Docker;
use dockguard_facts::*;
use futures_util::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::endpoint::{connect, resolve_endpoint, Unreachable, DEFAULT_ENDPOINT};

/// Collects every Docker fact. `Err` only when `/version` or `/info` fail; a container or image that cannot
/// be inspected is recorded in `container_errors`/`image_errors` and the scan goes on.
pub async fn collect(
    docker: &Docker,
    running_only: bool,
    concurrency: usize,
) -> Result<DockerFacts, String> {
    let (version, info) = tokio::join!(docker.version(), docker.info());
    let version = version.map_err(|e| format!("GET /version failed: {e}"))?;
    let info = info.map_err(|e| format!("GET /info failed: {e}"))?;
    let list = docker
        .list_containers(Some(ListContainersOptions {
            all: !running_only,
            ..Default::default()
        }))
        .await
        .map_err(|e| format!("GET /containers/json failed: {e}"))?;

    let ids: Vec<(String, String)> = list
        .into_iter()
        .filter_map(|c| {
            let name = c
                .names
                .as_ref()
                .and_then(|n| n.first())
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_default();
            c.id.map(|id| (id, name))
        })
        .collect();
    let inspected: Vec<Result<ContainerFacts, ContainerError>> = stream::iter(ids)
        .map(|(id, name)| async move {
            let inspected = docker.inspect_container(&id, None).await;
            let exec_ids = inspected
                .as_ref()
                .ok()
                .and_then(|c| c.exec_ids.clone())
                .unwrap_or_default();
            let mut execs = Vec::new();
            for exec in exec_ids {
                // An exec that ended and was cleaned up between the two calls is simply gone.
                if let Ok(e) = docker.inspect_exec(&exec).await {
                    execs.push(exec_facts(e));
                }
            }
            inspected
                .map(|c| ContainerFacts {
                    execs,
                    ..container_facts(c)
                })
                .map_err(|e| ContainerError {
                    error: match &e {
                        bollard::errors::Error::DockerResponseServerError {
                            status_code: 404,
                            ..
                        } => "removed during the scan".to_string(),
                        _ => format!("inspect failed: {e}"),
                    },
                    id,
                    name,
                })
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut containers = Vec::new();
    let mut container_errors = Vec::new();
    for r in inspected {
        match r {
            Ok(c) => containers.push(c),
            Err(e) => container_errors.push(e),
        }
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    container_errors.sort_by(|a, b| a.name.cmp(&b.name));

    let image_ids: BTreeSet<String> = containers
        .iter()
        .map(|c| c.image_id.clone())
        .filter(|i| !i.is_empty())
        .collect();
    let image_results: Vec<Result<ImageFacts, ImageError>> = stream::iter(image_ids)
        .map(|id| async move {
            let (inspect, history) =
                tokio::join!(docker.inspect_image(&id), docker.image_history(&id));
            inspect
                .map(|i| ImageFacts {
                    history: history
                        .map(|h| h.into_iter().map(|e| e.created_by).collect())
                        .unwrap_or_default(),
                    ..image_facts(i)
                })
                .map_err(|e| ImageError {
                    error: format!("image inspect failed: {e}"),
                    id,
                })
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut images = Vec::new();
    let mut image_errors = Vec::new();
    for r in image_results {
        match r {
            Ok(i) => images.push(i),
            Err(e) => image_errors.push(e),
        }
    }
    images.sort_by(|a, b| a.id.cmp(&b.id));

    let (image_list, networks) = tokio::join!(
        docker.list_images(Some(ListImagesOptions::default())),
        docker.list_networks(None::<ListNetworksOptions>)
    );
    let (image_count, image_list) = match image_list {
        Ok(l) => (
            l.len() as u64,
            l.into_iter()
                .map(|i| ImageSummaryFacts {
                    id: i.id,
                    tags: i.repo_tags,
                    created: i.created,
                    size: i.size,
                })
                .collect(),
        ),
        Err(_) => (info.images.unwrap_or(0).max(0) as u64, Vec::new()),
    };
    let is_manager = info
        .swarm
        .as_ref()
        .and_then(|s| s.control_available)
        .unwrap_or(false);
    let swarm_secrets = if is_manager {
        Some(match docker.list_secrets(None).await {
            Ok(list) => Fact::Ok(
                list.into_iter()
                    .filter_map(|s| s.spec.and_then(|sp| sp.name))
                    .collect(),
            ),
            Err(e) => Fact::Error(format!("GET /secrets failed: {e}")),
        })
    } else {
        None
    };
    let networks = match networks {
        Ok(n) => Fact::Ok(n.into_iter().map(network_facts).collect()),
        Err(e) => Fact::Error(format!("GET /networks failed: {e}")),
    };

    Ok(DockerFacts {
        version: version_facts(version),
        info: info_facts(info),
        containers,
        container_errors,
        images,
        image_errors,
        image_count,
        image_list,
        networks,
        swarm_secrets,
        processes_error: None,
    })
}

fn version_facts(v: SystemVersion) -> VersionFacts {
    VersionFacts {
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
        os: v.os.unwrap_or_default(),
        arch: v.arch.unwrap_or_default(),
        kernel: v.kernel_version.unwrap_or_default(),
        experimental: v.experimental.unwrap_or(false),
        components: v
            .components
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.name, c.version))
            .collect(),
    }
}

fn info_facts(i: SystemInfo) -> InfoFacts {
    let registry = i.registry_config.unwrap_or_default();
    let swarm = i.swarm.unwrap_or_default();
    let mut insecure_registries: Vec<String> = registry
        .index_configs
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, idx)| idx.secure == Some(false))
        .map(|(name, idx)| idx.name.unwrap_or(name))
        .collect();
    insecure_registries.sort();
    InfoFacts {
        name: i.name.unwrap_or_default(),
        operating_system: i.operating_system.unwrap_or_default(),
        kernel_version: i.kernel_version.unwrap_or_default(),
        architecture: i.architecture.unwrap_or_default(),
        docker_root_dir: i.docker_root_dir.unwrap_or_default(),
        driver: i.driver.unwrap_or_default(),
        logging_driver: i.logging_driver.unwrap_or_default(),
        cgroup_driver: i.cgroup_driver.map(|d| d.to_string()).unwrap_or_default(),
        cgroup_version: i.cgroup_version.map(|d| d.to_string()).unwrap_or_default(),
        security_options: i.security_options.unwrap_or_default(),
        live_restore: i.live_restore_enabled.unwrap_or(false),
        experimental: i.experimental_build.unwrap_or(false),
        insecure_registry_cidrs: registry.insecure_registry_cidrs.unwrap_or_default(),
        insecure_registries,
        authorization_plugins: i.plugins.and_then(|p| p.authorization).unwrap_or_default(),
        containers: i.containers.unwrap_or(0).max(0) as u64,
        containers_running: i.containers_running.unwrap_or(0).max(0) as u64,
        images: i.images.unwrap_or(0).max(0) as u64,
        swarm: SwarmFacts {
            state: swarm
                .local_node_state
                .map(|s| s.to_string())
                .unwrap_or_default(),
            node_id: swarm.node_id.unwrap_or_default(),
            node_addr: swarm.node_addr.unwrap_or_default(),
            is_manager: swarm.control_available.unwrap_or(false),
            managers: swarm.managers.map(|m| m.max(0) as u64),
            nodes: swarm.nodes.map(|m| m.max(0) as u64),
            autolock_managers: swarm
                .cluster
                .as_ref()
                .and_then(|c| c.spec.as_ref())
                .and_then(|s| s.encryption_config.as_ref())
                .and_then(|e| e.auto_lock_managers),
            node_cert_expiry_secs: swarm
                .cluster
                .as_ref()
                .and_then(|c| c.spec.as_ref())
                .and_then(|s| s.ca_config.as_ref())
                .and_then(|c| c.node_cert_expiry)
                .map(|ns| ns / 1_000_000_000),
            root_rotation_in_progress: swarm
                .cluster
                .as_ref()
                .and_then(|c| c.root_rotation_in_progress),
            data_path_port: swarm.cluster.as_ref().and_then(|c| c.data_path_port),
        },
    }
}

fn port_bindings(map: Option<PortMap>, out: &mut BTreeSet<PortBinding>) {
    for (container_port, bindings) in map.unwrap_or_default() {
        for b in bindings.unwrap_or_default() {
            out.insert(PortBinding {
                container_port: container_port.clone(),
                host_ip: b.host_ip.unwrap_or_default(),
                host_port: b.host_port.unwrap_or_default(),
            });
        }
    }
}

/// Converts one inspect response into the facts the rules read.
pub fn container_facts(c: ContainerInspectResponse) -> ContainerFacts {
    let hc = c.host_config.unwrap_or_default();
    let cfg = c.config.unwrap_or_default();
    let state = c.state.unwrap_or_default();
    let ns = c.network_settings.unwrap_or_default();
    let mut ports = BTreeSet::new();
    port_bindings(hc.port_bindings, &mut ports);
    port_bindings(ns.ports, &mut ports);
    let restart = hc.restart_policy.unwrap_or_default();
    let mut networks: Vec<String> = ns.networks.unwrap_or_default().into_keys().collect();
    networks.sort();
    ContainerFacts {
        id: c.id.unwrap_or_default(),
        name: c
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        image: cfg.image.unwrap_or_default(),
        image_id: c.image.unwrap_or_default(),
        state: state.status.map(|s| s.to_string()).unwrap_or_default(),
        running: state.running.unwrap_or(false),
        pid: state.pid.filter(|p| *p > 0),
        labels: cfg
            .labels
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        user: cfg.user.unwrap_or_default(),
        healthcheck: cfg.healthcheck.and_then(|h| h.test),
        health_status: state.health.and_then(|h| h.status).map(|s| s.to_string()),
        privileged: hc.privileged.unwrap_or(false),
        network_mode: hc.network_mode.unwrap_or_default(),
        pid_mode: hc.pid_mode.unwrap_or_default(),
        ipc_mode: hc.ipc_mode.unwrap_or_default(),
        uts_mode: hc.uts_mode.unwrap_or_default(),
        userns_mode: hc.userns_mode.unwrap_or_default(),
        cgroup_parent: hc.cgroup_parent.unwrap_or_default(),
        cap_add: hc.cap_add.unwrap_or_default(),
        cap_drop: hc.cap_drop.unwrap_or_default(),
        security_opt: hc.security_opt.unwrap_or_default(),
        apparmor_profile: c.app_armor_profile.unwrap_or_default(),
        process_label: c.process_label.unwrap_or_default(),
        mount_label: c.mount_label.unwrap_or_default(),
        memory: hc.memory.unwrap_or(0),
        pids_limit: hc.pids_limit,
        readonly_rootfs: hc.readonly_rootfs.unwrap_or(false),
        restart_policy: RestartPolicy {
            name: restart.name.map(|n| n.to_string()).unwrap_or_default(),
            maximum_retry_count: restart.maximum_retry_count.unwrap_or(0),
        },
        ports: ports.into_iter().collect(),
        publish_all_ports: hc.publish_all_ports.unwrap_or(false),
        mounts: c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| MountFacts {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                source: m.source.unwrap_or_default(),
                destination: m.destination.unwrap_or_default(),
                rw: m.rw.unwrap_or(true),
                propagation: m.propagation.unwrap_or_default(),
            })
            .collect(),
        devices: hc
            .devices
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeviceFacts {
                path_on_host: d.path_on_host.unwrap_or_default(),
                path_in_container: d.path_in_container.unwrap_or_default(),
                cgroup_permissions: d.cgroup_permissions.unwrap_or_default(),
            })
            .collect(),
        networks,
        cpu_shares: hc.cpu_shares.unwrap_or(0),
        ulimits: hc
            .ulimits
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                format!(
                    "{}={}:{}",
                    u.name.unwrap_or_default(),
                    u.soft.unwrap_or(0),
                    u.hard.unwrap_or(0)
                )
            })
            .collect(),
        execs: Vec::new(),
        processes: None,
    }
}

fn exec_facts(e: bollard::models::ExecInspectResponse) -> ExecFacts {
    let pc = e.process_config.unwrap_or_default();
    let mut command = pc.entrypoint.unwrap_or_default();
    for a in pc.arguments.unwrap_or_default() {
        command.push(' ');
        command.push_str(&a);
    }
    ExecFacts {
        id: e.id.unwrap_or_default(),
        privileged: pc.privileged.unwrap_or(false),
        user: pc.user.unwrap_or_default(),
        command,
        running: e.running.unwrap_or(false),
    }
}

fn image_facts(i: ImageInspect) -> ImageFacts {
    let cfg = i.config.unwrap_or_default();
    ImageFacts {
        id: i.id.unwrap_or_default(),
        tags: i.repo_tags.unwrap_or_default(),
        user: cfg.user.unwrap_or_default(),
        healthcheck: cfg.healthcheck.and_then(|h| h.test),
        created: i.created.map(|c| c.to_string()).unwrap_or_default(),
        env_names: cfg
            .env
            .unwrap_or_default()
            .into_iter()
            .map(|kv| kv.split('=').next().unwrap_or_default().to_string())
            .collect(),
        history: Vec::new(),
        repo_digests: i.repo_digests.unwrap_or_default(),
    }
}

fn network_facts(n: Network) -> NetworkFacts {
    NetworkFacts {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        internal: n.internal.unwrap_or(false),
        options: n.options.unwrap_or_default().into_iter().collect(),
    }
}
