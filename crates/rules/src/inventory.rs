//! `0.0` Docker inventory information: not a control, the facts an operator wants at a glance.

use dockguard_facts::Facts;
use serde::{Deserialize, Serialize};

pub const INVENTORY_ID: &str = "0.0";
pub const INVENTORY_TITLE: &str = "Docker inventory information";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inventory {
    pub id: String,
    pub title: String,
    pub hostname: Option<String>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub docker_version: Option<String>,
    pub api_version: Option<String>,
    pub components: std::collections::BTreeMap<String, String>,
    pub storage_driver: Option<String>,
    pub logging_driver: Option<String>,
    pub cgroup_driver: Option<String>,
    pub docker_root_dir: Option<String>,
    pub security_options: Vec<String>,
    pub swarm: Option<String>,
    pub containers: ContainerCounts,
    pub images: ImageCounts,
    /// Why Docker facts are missing, when they are.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContainerCounts {
    pub total: u64,
    pub running: u64,
    pub stopped: u64,
    /// Containers listed and inspected by this scan.
    pub inspected: u64,
    pub list: Vec<InventoryContainer>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InventoryContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageCounts {
    pub total: u64,
    pub in_use: u64,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl Inventory {
    pub fn from_facts(f: &Facts) -> Inventory {
        let d = f.docker.ok();
        let text = |v: Option<&Option<String>>| v.and_then(|v| v.as_deref()).and_then(non_empty);
        let info = d.map(|d| &d.info);
        let version = d.map(|d| &d.version);
        let count = |v: Option<u64>| v.unwrap_or(0);
        Inventory {
            id: INVENTORY_ID.into(),
            title: INVENTORY_TITLE.into(),
            hostname: text(info.map(|i| &i.name)).or_else(|| f.host.hostname.clone()),
            os: text(info.map(|i| &i.operating_system)).or_else(|| f.host.os.clone()),
            kernel: text(info.map(|i| &i.kernel_version)).or_else(|| f.host.kernel.clone()),
            docker_version: text(version.map(|v| &v.version)),
            api_version: text(version.map(|v| &v.api_version)),
            components: version
                .and_then(|v| v.components.clone())
                .unwrap_or_default(),
            storage_driver: text(info.map(|i| &i.driver)),
            logging_driver: text(info.map(|i| &i.logging_driver)),
            cgroup_driver: text(info.map(|i| &i.cgroup_driver)),
            docker_root_dir: text(info.map(|i| &i.docker_root_dir)),
            security_options: info
                .and_then(|i| i.security_options.clone())
                .unwrap_or_default(),
            swarm: info
                .and_then(|i| i.swarm.as_ref())
                .and_then(|s| s.state.as_deref())
                .and_then(non_empty),
            containers: d
                .map(|d| {
                    let total = count(d.info.containers);
                    let running = count(d.info.containers_running);
                    ContainerCounts {
                        total,
                        running,
                        stopped: total.saturating_sub(running),
                        inspected: d.containers.len() as u64,
                        list: d
                            .containers
                            .iter()
                            .map(|c| InventoryContainer {
                                id: c.id.clone(),
                                name: c.name.clone(),
                                image: c.image.clone().unwrap_or_default(),
                                state: c.state.clone().unwrap_or_default(),
                            })
                            .collect(),
                    }
                })
                .unwrap_or_default(),
            images: d
                .map(|d| ImageCounts {
                    total: d
                        .image_list
                        .ok()
                        .map(|l| l.len() as u64)
                        .or(d.info.images)
                        .unwrap_or(0),
                    in_use: d.images.len() as u64,
                })
                .unwrap_or_default(),
            error: f.docker.as_result().err().map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use dockguard_facts::Fact;

    #[test]
    fn inventory_from_a_host() {
        let inv = Inventory::from_facts(&testing::compliant_host());
        assert_eq!(inv.id, "0.0");
        assert_eq!(inv.docker_version.as_deref(), Some("29.1.0"));
        assert_eq!(inv.containers.inspected, 1);
        assert_eq!(inv.containers.list[0].name, "web");
        assert_eq!(inv.images.total, 1);
        assert!(inv.error.is_none());
    }

    #[test]
    fn inventory_without_docker_says_why() {
        let mut f = testing::compliant_host();
        f.docker = Fact::Error("connection refused".into());
        let inv = Inventory::from_facts(&f);
        assert_eq!(inv.docker_version, None);
        assert_eq!(inv.hostname.as_deref(), Some("host-a"));
        assert_eq!(inv.error.as_deref(), Some("connection refused"));
    }
}
