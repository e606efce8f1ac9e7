//! Docker Engine API facts: `/version`, `/info`, one container list, one inspect per container (concurrently),
//! one inspect per image in use, the image count and the networks.

use bollard::models::{
    ContainerInspectResponse, ImageInspect, Network, PortMap, SystemInfo, SystemVersion,
};
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions, ListNetworksOptions};
use bollard::Docker;
use dockguard_facts::*;
use futures_util::stream::{self, StreamExt};
use std::collections::BTreeSet;

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
            let exec_ids = inspected.as_ref().ok().map(|c| c.exec_ids.clone());
            let mut execs = Some(Vec::new());
            // `ExecIDs` is null when the container has no exec sessions.
            for exec in exec_ids.flatten().unwrap_or_default() {
                match docker.inspect_exec(&exec).await {
                    Ok(e) => {
                        if let Some(list) = execs.as_mut() {
                            list.push(exec_facts(e));
                        }
                    }
                    // An exec that ended and was cleaned up between the two calls is simply gone.
                    Err(bollard::errors::Error::DockerResponseServerError {
                        status_code: 404, ..
                    }) => {}
                    Err(e) => {
                        tracing::warn!(container = %name, exec = %exec, error = %e, "exec inspect failed");
                        execs = None;
                    }
                }
            }
            inspected
                .map(|c| {
                    let mut facts = container_facts(c);
                    facts.execs = execs;
                    facts
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
        .filter_map(|c| c.image_id.clone())
        .filter(|i| !i.is_empty())
        .collect();
    let image_results: Vec<Result<ImageFacts, ImageError>> = stream::iter(image_ids)
        .map(|id| async move {
            let (inspect, history) =
                tokio::join!(docker.inspect_image(&id), docker.image_history(&id));
            inspect
                .map(|i| ImageFacts {
                    history: history
                        .ok()
                        .map(|h| h.into_iter().map(|e| e.created_by).collect()),
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
    let image_list = match image_list {
        Ok(l) => Fact::Ok(
            l.into_iter()
                .map(|i| ImageSummaryFacts {
                    id: i.id,
                    tags: Some(i.repo_tags),
                    created: Some(i.created),
                    size: Some(i.size),
                })
                .collect(),
        ),
        Err(e) => Fact::Error(format!("GET /images/json failed: {e}")),
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
        image_list,
        networks,
        swarm_secrets,
        processes_error: None,
    })
}

// The mapping below follows one principle: a field the Engine API did not return is `None` (not collected),
// never a default. moby always writes its scalar fields (bools, numbers, strings without `omitempty`), so an
// absent one means the answer is not what dockguard understands. Slices, maps and pointers are written as
// `null` when unset; bollard cannot tell `null` from an absent key, so for those the parent object's presence
// is the evidence: inside a returned `HostConfig`, `"CapAdd": null` is "no capabilities added" (an empty
// list), while a missing `HostConfig` leaves every field under it uncollected. The unit tests below run this
// mapping over recorded answers of a real daemon (`testdata/engine-20.10`).

/// A nullable list or map of a parent object that was returned: `null` means empty.
fn or_empty<T: Default, P>(parent: &Option<P>, v: Option<T>) -> Option<T> {
    parent.as_ref().map(|_| v.unwrap_or_default())
}

pub fn version_facts(v: SystemVersion) -> VersionFacts {
    VersionFacts {
        version: v.version,
        api_version: v.api_version,
        os: v.os,
        arch: v.arch,
        kernel: v.kernel_version,
        // `Experimental` is written only when true (`omitempty`).
        experimental: Some(v.experimental.unwrap_or(false)),
        components: Some(
            v.components
                .unwrap_or_default()
                .into_iter()
                .map(|c| (c.name, c.version))
                .collect(),
        ),
    }
}

pub fn info_facts(i: SystemInfo) -> InfoFacts {
    let registry = i.registry_config;
    let (insecure_registry_cidrs, insecure_registries) = match &registry {
        Some(r) => {
            let mut names: Vec<String> = r
                .index_configs
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, idx)| idx.secure == Some(false))
                .map(|(name, idx)| idx.name.unwrap_or(name))
                .collect();
            names.sort();
            (
                Some(r.insecure_registry_cidrs.clone().unwrap_or_default()),
                Some(names),
            )
        }
        None => (None, None),
    };
    let plugins = i.plugins;
    InfoFacts {
        name: i.name,
        operating_system: i.operating_system,
        kernel_version: i.kernel_version,
        architecture: i.architecture,
        docker_root_dir: i.docker_root_dir,
        driver: i.driver,
        logging_driver: i.logging_driver,
        cgroup_driver: i.cgroup_driver.map(|d| d.to_string()),
        cgroup_version: i.cgroup_version.map(|d| d.to_string()),
        // `SecurityOptions` is a list the daemon always fills (seccomp at least) but writes as null when empty.
        security_options: Some(i.security_options.unwrap_or_default()),
        live_restore: i.live_restore_enabled,
        experimental: i.experimental_build,
        debug: i.debug,
        insecure_registry_cidrs,
        insecure_registries,
        authorization_plugins: plugins.map(|p| p.authorization.unwrap_or_default()),
        containers: i.containers.map(|n| n.max(0) as u64),
        containers_running: i.containers_running.map(|n| n.max(0) as u64),
        images: i.images.map(|n| n.max(0) as u64),
        swarm: i.swarm.map(|swarm| {
            let spec = swarm.cluster.as_ref().and_then(|c| c.spec.as_ref());
            SwarmFacts {
                state: swarm.local_node_state.map(|s| s.to_string()),
                node_id: swarm.node_id,
                node_addr: swarm.node_addr,
                is_manager: swarm.control_available,
                managers: swarm.managers.map(|m| m.max(0) as u64),
                nodes: swarm.nodes.map(|m| m.max(0) as u64),
                autolock_managers: spec
                    .and_then(|s| s.encryption_config.as_ref())
                    .and_then(|e| e.auto_lock_managers),
                node_cert_expiry_secs: spec
                    .and_then(|s| s.ca_config.as_ref())
                    .and_then(|c| c.node_cert_expiry)
                    .map(|ns| ns / 1_000_000_000),
                root_rotation_in_progress: swarm
                    .cluster
                    .as_ref()
                    .and_then(|c| c.root_rotation_in_progress),
                data_path_port: swarm.cluster.as_ref().and_then(|c| c.data_path_port),
            }
        }),
    }
}

fn port_bindings(map: Option<PortMap>, out: &mut BTreeSet<PortBinding>) {
    for (container_port, bindings) in map.unwrap_or_default() {
        for b in bindings.unwrap_or_default() {
            out.insert(PortBinding {
                container_port: container_port.clone(),
                host_ip: b.host_ip,
                host_port: b.host_port,
            });
        }
    }
}

/// Converts one inspect response into the facts the rules read.
pub fn container_facts(c: ContainerInspectResponse) -> ContainerFacts {
    let hc = c.host_config;
    let cfg = c.config;
    let state = c.state;
    let ns = c.network_settings;
    let h = |f: &dyn Fn(&bollard::models::HostConfig) -> Option<String>| hc.as_ref().and_then(f);
    let ports = match (&hc, &ns) {
        (Some(hc), Some(ns)) => {
            let mut ports = BTreeSet::new();
            port_bindings(hc.port_bindings.clone(), &mut ports);
            port_bindings(ns.ports.clone(), &mut ports);
            Some(ports.into_iter().collect())
        }
        _ => None,
    };
    let networks = ns.as_ref().map(|ns| {
        let mut n: Vec<String> = ns
            .networks
            .clone()
            .unwrap_or_default()
            .into_keys()
            .collect();
        n.sort();
        n
    });
    let hcv = |f: &dyn Fn(&bollard::models::HostConfig) -> Option<Vec<String>>| {
        hc.as_ref().map(|hc| f(hc).unwrap_or_default())
    };
    ContainerFacts {
        id: c.id.unwrap_or_default(),
        name: c
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        image: cfg.as_ref().and_then(|c| c.image.clone()),
        image_id: c.image,
        created: c.created,
        state: state.as_ref().and_then(|s| s.status.map(|s| s.to_string())),
        running: state.as_ref().and_then(|s| s.running),
        pid: state.as_ref().and_then(|s| s.pid),
        started_at: state.as_ref().and_then(|s| s.started_at.clone()),
        labels: or_empty(
            &cfg,
            cfg.as_ref()
                .and_then(|c| c.labels.clone())
                .map(|l| l.into_iter().collect()),
        ),
        user: cfg.as_ref().and_then(|c| c.user.clone()),
        healthcheck: or_empty(
            &cfg,
            cfg.as_ref()
                .and_then(|c| c.healthcheck.as_ref())
                .and_then(|h| h.test.clone()),
        ),
        health_status: or_empty(
            &state,
            state
                .as_ref()
                .and_then(|s| s.health.as_ref())
                .and_then(|h| h.status.map(|s| s.to_string())),
        ),
        privileged: hc.as_ref().and_then(|h| h.privileged),
        network_mode: h(&|h| h.network_mode.clone()),
        pid_mode: h(&|h| h.pid_mode.clone()),
        ipc_mode: h(&|h| h.ipc_mode.clone()),
        uts_mode: h(&|h| h.uts_mode.clone()),
        userns_mode: h(&|h| h.userns_mode.clone()),
        cgroup_parent: h(&|h| h.cgroup_parent.clone()),
        cap_add: hcv(&|h| h.cap_add.clone()),
        cap_drop: hcv(&|h| h.cap_drop.clone()),
        security_opt: hcv(&|h| h.security_opt.clone()),
        apparmor_profile: c.app_armor_profile,
        process_label: c.process_label,
        mount_label: c.mount_label,
        memory: hc.as_ref().and_then(|h| h.memory),
        // `PidsLimit` is a pointer: null means no limit, recorded as 0.
        pids_limit: hc.as_ref().map(|h| h.pids_limit.unwrap_or(0)),
        readonly_rootfs: hc.as_ref().and_then(|h| h.readonly_rootfs),
        restart_policy: hc
            .as_ref()
            .and_then(|h| h.restart_policy.as_ref())
            .map(|r| RestartPolicy {
                name: r.name.map(|n| n.to_string()).unwrap_or_default(),
                maximum_retry_count: r.maximum_retry_count.unwrap_or(0),
            }),
        ports,
        publish_all_ports: hc.as_ref().and_then(|h| h.publish_all_ports),
        mounts: c.mounts.map(|ms| {
            ms.into_iter()
                .map(|m| MountFacts {
                    // `Type` is written only when known (`omitempty`): absent is "", not uncollected.
                    kind: Some(m.typ.map(|t| t.to_string()).unwrap_or_default()),
                    source: m.source,
                    destination: m.destination.unwrap_or_default(),
                    rw: m.rw,
                    propagation: m.propagation,
                })
                .collect()
        }),
        devices: hc.as_ref().map(|h| {
            h.devices
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|d| DeviceFacts {
                    path_on_host: d.path_on_host.unwrap_or_default(),
                    path_in_container: d.path_in_container,
                    cgroup_permissions: d.cgroup_permissions,
                })
                .collect()
        }),
        networks,
        cpu_shares: hc.as_ref().and_then(|h| h.cpu_shares),
        ulimits: hc.as_ref().map(|h| {
            h.ulimits
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|u| {
                    format!(
                        "{}={}:{}",
                        u.name.unwrap_or_default(),
                        u.soft.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                        u.hard.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
                    )
                })
                .collect()
        }),
        graph_driver: c.graph_driver.map(|g| GraphDriver {
            name: g.name,
            data: g.data.into_iter().collect(),
        }),
        // Filled in by the caller, which inspects each exec session.
        execs: None,
        processes: None,
        accounts: None,
        process_user: None,
    }
}

pub fn exec_facts(e: bollard::models::ExecInspectResponse) -> ExecFacts {
    let pc = e.process_config;
    ExecFacts {
        id: e.id.unwrap_or_default(),
        privileged: pc.as_ref().and_then(|p| p.privileged),
        // `user` is omitted when empty (the container's own user).
        user: pc.as_ref().map(|p| p.user.clone().unwrap_or_default()),
        command: pc.as_ref().and_then(|p| {
            p.entrypoint.clone().map(|mut c| {
                for a in p.arguments.clone().unwrap_or_default() {
                    c.push(' ');
                    c.push_str(&a);
                }
                c
            })
        }),
        running: e.running,
    }
}

pub fn image_facts(i: ImageInspect) -> ImageFacts {
    let cfg = i.config;
    ImageFacts {
        id: i.id.unwrap_or_default(),
        tags: Some(i.repo_tags.unwrap_or_default()),
        user: cfg.as_ref().and_then(|c| c.user.clone()),
        healthcheck: or_empty(
            &cfg,
            cfg.as_ref()
                .and_then(|c| c.healthcheck.as_ref())
                .and_then(|h| h.test.clone()),
        ),
        created: i.created.map(|c| c.to_string()),
        env: or_empty(&cfg, cfg.as_ref().and_then(|c| c.env.clone())),
        labels: or_empty(
            &cfg,
            cfg.as_ref()
                .and_then(|c| c.labels.clone())
                .map(|l| l.into_iter().collect()),
        ),
        history: None,
        repo_digests: Some(i.repo_digests.unwrap_or_default()),
    }
}

pub fn network_facts(n: Network) -> NetworkFacts {
    NetworkFacts {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        driver: n.driver,
        scope: n.scope,
        internal: n.internal,
        options: Some(n.options.unwrap_or_default().into_iter().collect()),
    }
}

#[cfg(test)]
mod tests {
    //! The API-to-facts mapping over answers recorded from a real daemon (Debian's docker.io 20.10.24, API
    //! 1.41; see `testdata/engine-20.10`), and over the same answers with fields taken away.
    use super::*;
    use serde_json::Value;

    fn recorded(name: &str) -> Value {
        let path = format!(
            "{}/testdata/engine-20.10/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    fn container(v: Value) -> ContainerFacts {
        container_facts(serde_json::from_value(v).unwrap())
    }

    fn without(mut v: Value, pointer: &str) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        v.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key)
            .unwrap_or_else(|| panic!("{pointer} is not in the recorded answer"));
        v
    }

    #[test]
    fn hardened_running_container() {
        let c = container(recorded("container-hardened"));
        assert_eq!(c.name, "rec-hardened");
        assert_eq!(c.privileged, Some(false));
        assert_eq!(c.running, Some(true));
        assert!(c.pid.unwrap() > 0);
        assert_eq!(c.user.as_deref(), Some("1000:1000"));
        assert_eq!(c.cap_add, Some(vec![]), "null CapAdd means none added");
        assert_eq!(c.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(c.security_opt, Some(vec!["no-new-privileges".to_string()]));
        assert_eq!(c.memory, Some(64 * 1024 * 1024));
        assert_eq!(c.pids_limit, Some(50));
        assert_eq!(c.readonly_rootfs, Some(true));
        assert_eq!(c.cpu_shares, Some(512));
        assert_eq!(c.ulimits, Some(vec!["nofile=100:200".to_string()]));
        let rp = c.restart_policy.unwrap();
        assert_eq!(
            (rp.name.as_str(), rp.maximum_retry_count),
            ("on-failure", 3)
        );
        let ports: Vec<String> = c
            .ports
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}|{}",
                    p.host_ip.as_deref().unwrap(),
                    p.host_port.as_deref().unwrap()
                )
            })
            .collect();
        assert_eq!(
            ports,
            ["|19090", "0.0.0.0|19090", "127.0.0.1|18080", "::|19090"]
        );
        let m = &c.mounts.unwrap()[0];
        assert_eq!(
            (
                m.kind.as_deref(),
                m.source.as_deref(),
                m.destination.as_str(),
                m.rw
            ),
            (Some("bind"), Some("/etc"), "/host-etc", Some(false))
        );
        assert_eq!(
            c.healthcheck,
            Some(vec!["CMD".to_string(), "/bin/true".to_string()])
        );
        assert_eq!(c.health_status.as_deref(), Some("starting"));
        assert_eq!(
            c.labels
                .unwrap()
                .get("org.example.team")
                .map(String::as_str),
            Some("platform")
        );
        assert!(c.started_at.unwrap().starts_with("2026-"));
        assert!(c.created.is_some());
    }

    #[test]
    fn privileged_created_container() {
        let c = container(recorded("container-privileged"));
        assert_eq!(c.privileged, Some(true));
        assert_eq!(c.running, Some(false));
        assert_eq!(c.pid, Some(0));
        assert_eq!(c.network_mode.as_deref(), Some("host"));
        assert_eq!(c.pid_mode.as_deref(), Some("host"));
        assert_eq!(c.cap_add, Some(vec!["CAP_SYS_ADMIN".to_string()]));
        let d = &c.devices.unwrap()[0];
        assert_eq!(
            (d.path_on_host.as_str(), d.path_in_container.as_deref()),
            ("/dev/null", Some("/dev/xnull"))
        );
        let m = &c.mounts.unwrap()[0];
        assert_eq!(
            (m.source.as_deref(), m.rw),
            (Some("/var/run/docker.sock"), Some(true))
        );
        assert_eq!(c.ports, Some(vec![]));
        assert_eq!(
            c.health_status.as_deref(),
            Some(""),
            "never started: no health yet"
        );
    }

    #[test]
    fn created_container_without_limits() {
        let c = container(recorded("container-created"));
        assert_eq!(c.pids_limit, Some(0), "a null PidsLimit is no limit");
        assert_eq!(c.memory, Some(0));
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.security_opt, Some(vec![]));
        assert_eq!(c.mounts, Some(vec![]));
    }

    /// A field the API did not return is not collected: never `false`, `0` or an empty list.
    #[test]
    fn missing_fields_are_not_collected() {
        let full = recorded("container-privileged");
        let c = container(without(full.clone(), "/HostConfig/Privileged"));
        assert_eq!(c.privileged, None);
        assert_eq!(c.cap_add, Some(vec!["CAP_SYS_ADMIN".to_string()]));
        let c = container(without(full.clone(), "/HostConfig/Memory"));
        assert_eq!(c.memory, None);
        let c = container(without(full.clone(), "/HostConfig"));
        for (field, missing) in [
            ("privileged", c.privileged.is_none()),
            ("cap_add", c.cap_add.is_none()),
            ("cap_drop", c.cap_drop.is_none()),
            ("security_opt", c.security_opt.is_none()),
            ("devices", c.devices.is_none()),
            ("memory", c.memory.is_none()),
            ("pids_limit", c.pids_limit.is_none()),
            ("ports", c.ports.is_none()),
            ("network_mode", c.network_mode.is_none()),
            ("restart_policy", c.restart_policy.is_none()),
            ("ulimits", c.ulimits.is_none()),
        ] {
            assert!(missing, "{field} must be uncollected without HostConfig");
        }
        let c = container(without(full.clone(), "/Mounts"));
        assert_eq!(c.mounts, None);
        let c = container(without(full.clone(), "/Config"));
        assert_eq!((c.user, c.labels, c.healthcheck), (None, None, None));
        let c = container(without(full.clone(), "/State"));
        assert_eq!((c.running, c.pid, c.health_status), (None, None, None));
        let mut nulled = full;
        nulled["HostConfig"]["CapAdd"] = Value::Null;
        assert_eq!(
            container(nulled).cap_add,
            Some(vec![]),
            "null is an answer: none"
        );
    }

    #[test]
    fn info_and_version() {
        let i = info_facts(serde_json::from_value(recorded("info")).unwrap());
        assert_eq!(i.debug, Some(false));
        assert_eq!(i.live_restore, Some(false));
        assert_eq!(i.has_security_option("seccomp"), Ok(true));
        assert_eq!(
            i.insecure_registry_cidrs,
            Some(vec!["127.0.0.0/8".to_string()])
        );
        assert_eq!(i.authorization_plugins, Some(vec![]));
        assert_eq!(i.swarm.as_ref().unwrap().state.as_deref(), Some("inactive"));
        assert_eq!(i.docker_root_dir.as_deref(), Some("/var/lib/docker"));
        let i = info_facts(serde_json::from_value(without(recorded("info"), "/Debug")).unwrap());
        assert_eq!(i.debug, None);
        let i = info_facts(
            serde_json::from_value(without(recorded("info"), "/RegistryConfig")).unwrap(),
        );
        assert_eq!(
            (i.insecure_registries, i.insecure_registry_cidrs),
            (None, None)
        );
        let v = version_facts(serde_json::from_value(recorded("version")).unwrap());
        assert_eq!(v.version.as_deref(), Some("20.10.24+dfsg1"));
        assert_eq!(v.components.unwrap()["containerd"], "1.6.20~ds1");
        assert_eq!(v.experimental, Some(false), "omitted when false");
    }

    #[test]
    fn image_and_execs() {
        let img = image_facts(serde_json::from_value(recorded("image")).unwrap());
        assert_eq!(img.user.as_deref(), Some("app"));
        let env = img.env_vars().unwrap();
        assert!(env.contains(&("DB_PASSWORD", "hunter2-not-a-real-secret")));
        assert_eq!(img.labels.as_ref().unwrap()["org.example.team"], "platform");
        assert_eq!(img.history, None, "history comes from its own request");
        let history: Vec<bollard::models::ImageHistoryResponseItem> =
            serde_json::from_value(recorded("image-history")).unwrap();
        assert!(history.iter().any(|h| h.created_by.contains("USER app")));
        let e = exec_facts(serde_json::from_value(recorded("exec-privileged")).unwrap());
        assert_eq!(
            (e.privileged, e.user.as_deref()),
            (Some(true), Some("1000:1000"))
        );
        assert_eq!(e.command.as_deref(), Some("id"));
        let e = exec_facts(serde_json::from_value(recorded("exec-root")).unwrap());
        assert_eq!(
            (e.privileged, e.user.as_deref()),
            (Some(false), Some("root"))
        );
        assert_eq!(e.command.as_deref(), Some("sleep 600"));
        let e = exec_facts(
            serde_json::from_value(without(recorded("exec-root"), "/ProcessConfig")).unwrap(),
        );
        assert_eq!((e.privileged, e.user), (None, None));
        let nets: Vec<Network> = serde_json::from_value(recorded("networks")).unwrap();
        let bridge = nets
            .into_iter()
            .map(network_facts)
            .find(|n| n.name == "bridge")
            .unwrap();
        assert_eq!(bridge.driver.as_deref(), Some("bridge"));
        assert!(bridge
            .options
            .unwrap()
            .contains_key("com.docker.network.bridge.enable_icc"));
    }
}
