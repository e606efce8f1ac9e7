//! What a rule sees: the facts plus views derived from them once per evaluation.

use dockguard_facts::{ContainerFacts, DaemonConfig, DockerFacts, Facts, FileFact, ImageFacts};
use serde::{Deserialize, Serialize};

/// Label prefix that Kubernetes (through cri-dockerd or the old dockershim) puts on the containers it runs.
pub const KUBERNETES_LABEL_PREFIX: &str = "io.kubernetes.";
/// The label with the pod's uid.
pub const KUBERNETES_POD_UID: &str = "io.kubernetes.pod.uid";

/// The orchestrator that runs on this host, the evidence for it, and the containers it manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orchestrator {
    /// `kubernetes`.
    pub name: String,
    /// What shows that it runs here (its processes).
    pub evidence: String,
    /// Ids of the containers it manages (skipped unless `--include-orchestrated`).
    pub managed: Vec<String>,
}

/// A container that carries orchestrator labels without evidence that the orchestrator manages it: it is
/// assessed like any other, and the report says it claims to be managed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrchestratorClaim {
    pub id: String,
    pub name: String,
    /// Why the claim was not accepted.
    pub why: String,
}

/// Who runs Kubernetes here, from the host's processes: a kubelet, with cri-dockerd (Kubernetes 1.24+) or
/// the kubelet's own dockershim (`--container-runtime=docker`, before 1.24) connecting it to Docker.
/// `Ok(None)` when no kubelet runs; `Err` when the host's processes could not be read.
pub fn kubernetes_evidence(facts: &Facts) -> Result<Option<String>, String> {
    let procs = facts
        .processes
        .as_result()
        .map_err(|e| format!("the host's processes could not be read: {e}"))?;
    let find = |n: &str| procs.iter().find(|p| p.name == n);
    let Some(kubelet) = find("kubelet")
        .or_else(|| find("k3s"))
        .or_else(|| find("k3s-agent"))
    else {
        return Ok(None);
    };
    if let Some(cri) = find("cri-dockerd") {
        return Ok(Some(format!(
            "{} (pid {}) and cri-dockerd (pid {}) are running",
            kubelet.name, kubelet.pid, cri.pid
        )));
    }
    let dockershim = kubelet
        .argv
        .iter()
        .any(|a| a == "--container-runtime=docker" || a == "--docker");
    Ok(dockershim.then(|| {
        format!(
            "{} (pid {}) runs with the Docker runtime (dockershim)",
            kubelet.name, kubelet.pid
        )
    }))
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
    /// 4.4: age in days after which a vulnerability scan supplied with `--image-scan` no longer counts.
    pub max_scan_age_days: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_unused_images: 20,
            max_stopped_containers: 25,
            max_image_age_days: 90,
            max_node_cert_days: 90,
            max_scan_age_days: 30,
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
            ContainerPattern::Label(k, v) => match (c.labels.as_ref().and_then(|l| l.get(k)), v) {
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
    /// The orchestrator running here, when there is evidence of one.
    pub orchestrator: Option<Orchestrator>,
    /// Containers that carry orchestrator labels but are assessed (no evidence they are managed).
    pub claims: Vec<OrchestratorClaim>,
    /// Why orchestrator management could not be established, when it could not (the labelled containers
    /// are then assessed).
    pub orchestrator_error: Option<String>,
    pub options: EvalOptions,
    containers: Vec<&'a ContainerFacts>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, options: EvalOptions) -> Ctx<'a> {
        let daemon = DaemonConfig::from_facts(facts);
        let mut claims = Vec::new();
        let mut orchestrator = None;
        let mut orchestrator_error = None;
        let mut containers = Vec::new();
        if let Some(d) = facts.docker.ok() {
            let labelled: Vec<&ContainerFacts> = d
                .containers
                .iter()
                .filter(|c| {
                    c.labels
                        .as_ref()
                        .is_some_and(|l| l.keys().any(|k| k.starts_with(KUBERNETES_LABEL_PREFIX)))
                })
                .collect();
            let evidence = if labelled.is_empty() {
                Ok(None)
            } else {
                kubernetes_evidence(facts)
            };
            let pods = facts.kubelet_pods.as_result();
            let mut managed = Vec::new();
            for c in &labelled {
                let why = match (&evidence, pods) {
                    (Err(e), _) => Some(format!("cannot tell whether an orchestrator runs here: {e}")),
                    (Ok(None), _) => Some(
                        "no kubelet runs on this host (no kubelet process with cri-dockerd or dockershim)"
                            .to_string(),
                    ),
                    (Ok(Some(_)), Err(e)) => Some(format!("the kubelet's pods could not be listed: {e}")),
                    (Ok(Some(_)), Ok(pods)) => {
                        let uid = c.labels.as_ref().and_then(|l| l.get(KUBERNETES_POD_UID));
                        match uid {
                            None => Some(format!("it has no {KUBERNETES_POD_UID} label")),
                            Some(_) if !c.name.starts_with("k8s_") => Some(
                                "its name does not follow the kubelet's k8s_<container>_<pod>_... pattern"
                                    .to_string(),
                            ),
                            Some(uid) if !pods.as_ref().is_some_and(|p| p.contains(uid)) => {
                                Some(format!("the kubelet has no pod with uid {uid}"))
                            }
                            Some(_) => None,
                        }
                    }
                };
                match why {
                    None => managed.push(c.id.clone()),
                    Some(why) => claims.push(OrchestratorClaim {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        why,
                    }),
                }
            }
            match evidence {
                Ok(Some(evidence)) => {
                    orchestrator = Some(Orchestrator {
                        name: "kubernetes".into(),
                        evidence,
                        managed,
                    })
                }
                Ok(None) => {}
                Err(e) => orchestrator_error = Some(e),
            }
            let skipped = |c: &ContainerFacts| {
                !options.include_orchestrated
                    && orchestrator
                        .as_ref()
                        .is_some_and(|o| o.managed.contains(&c.id))
            };
            // The container dockguard itself runs in is never assessed.
            let scanner = facts.collector.scanner_container.as_deref();
            containers = d
                .containers
                .iter()
                .filter(|c| {
                    options.containers.admits(c) && !skipped(c) && Some(c.id.as_str()) != scanner
                })
                .collect();
        }
        Ctx {
            facts,
            daemon,
            orchestrator,
            claims,
            orchestrator_error,
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

    /// The `not_applicable` reason of a container or image rule with nothing to assess.
    pub fn no_containers_reason(&self) -> String {
        match (&self.orchestrator, self.managed_containers()) {
            (Some(o), n) if n > 0 => format!(
                "no containers to assess: the {n} container{} here {} managed by {} ({}); the Docker \
                 benchmark does not assess orchestrator-managed containers (--include-orchestrated assesses \
                 them anyway)",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" },
                o.name,
                o.evidence
            ),
            _ => "no containers to assess".to_string(),
        }
    }

    /// Whether the container was created by the dockerd that runs now (after that process started), so that
    /// the daemon's current defaults (`no-new-privileges`, default ulimits, the seccomp profile, ...) were
    /// applied to it. `Err` says why it cannot be told.
    pub fn created_under_running_daemon(&self, c: &ContainerFacts) -> Result<bool, String> {
        let created = c.created()?;
        let created = dockguard_facts::dates::parse_rfc3339(created)
            .ok_or_else(|| format!("Created={created} is not a date"))?;
        let started = self
            .facts
            .daemon
            .process
            .as_result()
            .map_err(|e| format!("when dockerd started is unknown ({e})"))?
            .started_at
            .ok_or("when dockerd started is unknown (/proc/<pid>/stat unreadable)")?;
        Ok(created >= started)
    }

    /// Containers skipped because the orchestrator running here manages them.
    pub fn managed_containers(&self) -> usize {
        match (&self.orchestrator, self.options.include_orchestrated) {
            (Some(o), false) => o.managed.len(),
            _ => 0,
        }
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
        let c = ContainerFacts {
            id: "abcdef123456".into(),
            name: "web-1".into(),
            labels: Some([("tier".to_string(), "front".to_string())].into()),
            ..Default::default()
        };
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
