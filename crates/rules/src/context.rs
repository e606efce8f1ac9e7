//! What a rule sees: the facts plus views derived from them once per evaluation.

use dockguard_facts::{ContainerFacts, DaemonConfig, DockerFacts, Facts, FileFact, ImageFacts};
use serde::{Deserialize, Serialize};

/// Label prefix that marks containers managed by Kubernetes.
pub const KUBERNETES_LABEL_PREFIX: &str = "io.kubernetes.";

/// The orchestrator that manages this host's containers, when one does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orchestrator {
    /// `kubernetes`.
    pub name: String,
    /// How many containers carry its labels.
    pub containers: usize,
}

/// Options that change how rules are evaluated.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Assess containers even on orchestrator-managed hosts.
    pub include_orchestrated: bool,
    pub containers: ContainerFilter,
    pub thresholds: Thresholds,
}

/// Site-tunable limits for rules that CIS leaves to judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// 6.1: images on the host that no container uses, before it counts as sprawl.
    pub max_unused_images: u64,
    /// 6.2: stopped containers on the host, before it counts as sprawl.
    pub max_stopped_containers: u64,
    /// 4.4: age in days of an image in use, after which it is due a rebuild with current patches.
    pub max_image_age_days: u64,
    /// 7.7: longest acceptable swarm node certificate lifetime, in days.
    pub max_node_cert_days: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_unused_images: 20,
            max_stopped_containers: 25,
            max_image_age_days: 90,
            max_node_cert_days: 90,
        }
    }
}

/// One container pattern: a name (with `*` wildcards), an id prefix, or `label=key[=value]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerPattern {
    NameOrId(String),
    Label(String, Option<String>),
}

impl ContainerPattern {
    pub fn parse(s: &str) -> ContainerPattern {
        match s.strip_prefix("label=") {
            Some(kv) => match kv.split_once('=') {
                Some((k, v)) => ContainerPattern::Label(k.into(), Some(v.into())),
                None => ContainerPattern::Label(kv.into(), None),
            },
            None => ContainerPattern::NameOrId(s.trim_start_matches('/').into()),
        }
    }

    pub fn matches(&self, c: &ContainerFacts) -> bool {
        match self {
            ContainerPattern::NameOrId(p) => {
                glob_match(p, &c.name) || (p.len() >= 4 && c.id.starts_with(p.as_str()))
            }
            ContainerPattern::Label(k, v) => match (c.labels.get(k), v) {
                (Some(_), None) => true,
                (Some(actual), Some(want)) => actual == want,
                (None, _) => false,
            },
        }
    }
}

/// `*` matches any run of characters; everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Which containers to assess: every include pattern that is given must match one, no exclude may.
#[derive(Debug, Clone, Default)]
pub struct ContainerFilter {
    pub include: Vec<ContainerPattern>,
    pub exclude: Vec<ContainerPattern>,
}

impl ContainerFilter {
    pub fn admits(&self, c: &ContainerFacts) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| p.matches(c)))
            && !self.exclude.iter().any(|p| p.matches(c))
    }
}

/// The evaluation context handed to every rule's check.
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    /// The effective daemon configuration.
    pub daemon: DaemonConfig,
    pub orchestrator: Option<Orchestrator>,
    pub options: EvalOptions,
    containers: Vec<&'a ContainerFacts>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, options: EvalOptions) -> Ctx<'a> {
        let daemon = DaemonConfig::from_facts(facts);
        let (containers, orchestrator) = match facts.docker.ok() {
            Some(d) => {
                let k8s = d
                    .containers
                    .iter()
                    .filter(|c| {
                        c.labels
                            .keys()
                            .any(|k| k.starts_with(KUBERNETES_LABEL_PREFIX))
                    })
                    .count();
                let orchestrator = (k8s > 0).then(|| Orchestrator {
                    name: "kubernetes".into(),
                    containers: k8s,
                });
                // The container dockguard itself runs in is never assessed.
                let scanner = facts.collector.scanner_container.as_deref();
                let selected = d
                    .containers
                    .iter()
                    .filter(|c| options.containers.admits(c) && Some(c.id.as_str()) != scanner)
                    .collect();
                (selected, orchestrator)
            }
            None => (Vec::new(), None),
        };
        Ctx {
            facts,
            daemon,
            orchestrator,
            options,
            containers,
        }
    }

    /// The Docker API facts, or why they are missing.
    pub fn docker(&self) -> Result<&'a DockerFacts, String> {
        self.facts
            .docker
            .as_result()
            .map_err(|e| format!("Docker daemon facts are missing: {e}"))
    }

    /// The containers selected for assessment, or why they are unknown.
    pub fn containers(&self) -> Result<&[&'a ContainerFacts], String> {
        self.docker()?;
        Ok(&self.containers)
    }

    /// Containers that were listed but could not be inspected, restricted by the container filter (by name
    /// and id; their labels are unknown).
    pub fn uninspected_containers(
        &self,
    ) -> impl Iterator<Item = &'a dockguard_facts::ContainerError> + '_ {
        self.facts
            .docker
            .ok()
            .map(|d| d.container_errors.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|e| {
                let probe = ContainerFacts {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    ..Default::default()
                };
                self.options.containers.admits(&probe)
            })
    }

    /// The inspected image a container runs, if it was inspected.
    pub fn image(&self, id: &str) -> Option<&'a ImageFacts> {
        self.facts.docker.ok()?.images.iter().find(|i| i.id == id)
    }

    /// The stat of a path; an error when the collector never looked at it.
    pub fn file(&self, path: &str) -> Result<&'a FileFact, String> {
        self.facts
            .files
            .get(path)
            .ok_or_else(|| format!("{path} was not collected"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("web", "web"));
        assert!(glob_match("web-*", "web-1"));
        assert!(glob_match("*-db", "app-db"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("web-*", "api-1"));
        assert!(!glob_match("web", "web2"));
    }

    #[test]
    fn filters() {
        let mut c = ContainerFacts {
            id: "abcdef123456".into(),
            name: "web-1".into(),
            ..Default::default()
        };
        c.labels.insert("tier".into(), "front".into());
        let f = ContainerFilter {
            include: vec![ContainerPattern::parse("label=tier=front")],
            exclude: vec![],
        };
        assert!(f.admits(&c));
        let f = ContainerFilter {
            include: vec![ContainerPattern::parse("abcd")],
            exclude: vec![ContainerPattern::parse("web-*")],
        };
        assert!(!f.admits(&c));
        let f = ContainerFilter {
            include: vec![ContainerPattern::parse("label=tier=back")],
            exclude: vec![],
        };
        assert!(!f.admits(&c));
    }
}
