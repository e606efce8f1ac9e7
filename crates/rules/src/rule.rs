//! The description of one rule: ids, title, severity, texts and its check function.

use crate::{context::Ctx, outcome::Outcome};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The benchmark sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Section {
    Host = 1,
    Daemon = 2,
    DaemonFiles = 3,
    Images = 4,
    Runtime = 5,
    Operations = 6,
    Swarm = 7,
}

impl Section {
    pub fn number(self) -> u8 {
        self as u8
    }
    pub fn title(self) -> &'static str {
        match self {
            Section::Host => "Host configuration",
            Section::Daemon => "Docker daemon configuration",
            Section::DaemonFiles => "Docker daemon configuration files",
            Section::Images => "Container images and build files",
            Section::Runtime => "Container runtime",
            Section::Operations => "Docker security operations",
            Section::Swarm => "Docker swarm configuration",
        }
    }
}

/// What a rule looks at. Container and image rules do not apply on orchestrator-managed hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Host,
    Daemon,
    Files,
    Image,
    Container,
    Swarm,
}

/// A benchmark a rule can be reported under.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Profile {
    /// The Azure security baseline for Docker hosts: ids are its CCEIDs (`5.31`).
    #[serde(rename = "azure")]
    Azure,
    /// CIS Docker Benchmark v1.6.0: ids are CIS numbers (`5.32`).
    #[serde(rename = "cis-1.6")]
    Cis16,
    /// CIS Docker Benchmark v1.8.0: 1.6.0's recommendations plus the new 2.7 (devicemapper), with 1.6.0's
    /// 2.7–2.18 renumbered 2.8–2.19. Ids are derived from the CIS 1.6.0 ids through
    /// [`ALIASES`](crate::registry::ALIASES), never written in rule files.
    #[serde(rename = "cis-1.8")]
    Cis18,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Azure, Profile::Cis16, Profile::Cis18];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Azure => "azure",
            Profile::Cis16 => "cis-1.6",
            Profile::Cis18 => "cis-1.8",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Profile::Azure => "Azure security baseline for Docker hosts",
            Profile::Cis16 => "CIS Docker Benchmark v1.6.0",
            Profile::Cis18 => "CIS Docker Benchmark v1.8.0",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// Membership shorthands for [`Rule::profiles`].
pub const AZURE_AND_CIS: &[Profile] = &[Profile::Azure, Profile::Cis16];
pub const AZURE_ONLY: &[Profile] = &[Profile::Azure];
pub const CIS_ONLY: &[Profile] = &[Profile::Cis16];
/// A rule outside every profile, reachable through an alias (CIS 1.8's new 2.7).
pub const NO_PROFILE: &[Profile] = &[];

/// How the CIS benchmark classifies the recommendation (dockguard may still automate a "Manual" one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    Automated,
    Manual,
}

/// One benchmark rule.
pub struct Rule {
    /// The Azure baseline id (CCEID), e.g. `5.31`, when the baseline has this rule.
    pub azure: Option<&'static str>,
    /// CIS Docker Benchmark v1.6.0 ids this rule implements; the first is its id in the CIS profile.
    pub cis: &'static [&'static str],
    /// The profiles that report this rule.
    pub profiles: &'static [Profile],
    /// CIS's own classification.
    pub assessment: Assessment,
    pub title: &'static str,
    pub section: Section,
    pub severity: Severity,
    /// CIS profile level (1 or 2).
    pub level: u8,
    pub scope: Scope,
    /// Why the rule matters.
    pub rationale: &'static str,
    /// How the check decides, in words (what the tool looks at).
    pub audit: &'static str,
    /// What fixing it costs or changes for the workloads (the benchmark's "impact").
    pub impact: &'static str,
    /// Further reading (documentation URLs); the benchmark ids are added by [`Rule::references`].
    pub references: &'static [&'static str],
    /// How to fix a failure.
    pub remediation: &'static str,
    pub check: fn(&Ctx) -> Outcome,
}

impl Rule {
    /// The rule's id in a profile, when the profile reports it.
    pub fn id_in(&self, profile: Profile) -> Option<&'static str> {
        match profile {
            // CIS 1.8 membership and ids follow from CIS 1.6 through the renumbering table.
            Profile::Cis18 => crate::registry::cis18_id(self),
            _ if !self.profiles.contains(&profile) => None,
            Profile::Azure => self.azure,
            Profile::Cis16 => self.cis.first().copied(),
        }
    }

    /// Every reference: the benchmark recommendations this rule implements, then further reading.
    pub fn all_references(&self) -> Vec<String> {
        let mut refs = Vec::new();
        for c in self.cis {
            refs.push(format!("CIS Docker Benchmark v1.6.0, recommendation {c}"));
        }
        if let Some(c) = self.id_in(Profile::Cis18) {
            refs.push(format!("CIS Docker Benchmark v1.8.0, recommendation {c}"));
        }
        if let Some(a) = self.azure {
            refs.push(format!(
                "Azure security baseline for Docker hosts, CCEID {a}"
            ));
        }
        refs.extend(self.references.iter().map(|r| r.to_string()));
        refs
    }

    /// What counts as evidence for a rule of this scope: the rules every rule of it follows, beside what its
    /// own audit text says.
    pub fn evidence(&self) -> &'static str {
        match self.scope {
            Scope::Host => {
                "Host facts are read under --root: files, the host's /proc (processes, mounts, listening \
                 sockets). An audit watch counts only when it is loaded (`auditctl -l`, asked when scanning \
                 the live /): a watch found only in the rules files is manual, since a rules file is what the \
                 next boot loads. A fact that could not be read makes the rule an error, never a pass."
            }
            Scope::Daemon => {
                "A setting counts when the running daemon reports it (`docker info`), when it is on dockerd's \
                 command line (/proc/<pid>/cmdline, parsed with dockerd's real flag table), or when it comes \
                 from a daemon.json the running dockerd loaded: one not modified since the process started \
                 (its start time from /proc/<pid>/stat). A daemon.json changed after that, a dockerd that \
                 cannot be seen in /proc, or flags dockguard does not know leave the running value unknown: \
                 the rule is an error, never a pass on the file's word."
            }
            Scope::Files => {
                "Owner, group and mode come from one stat of each path under --root, following symbolic links \
                 inside the root. A path that cannot be stat'ed is an error; a path that does not exist is \
                 not applicable only when nothing says the daemon uses it."
            }
            Scope::Image => {
                "Image facts come from one inspect and one history per image that an assessed container uses. \
                 A field the Docker API did not return makes that image's target an error, never a default. \
                 Images used only by containers that a kubelet running on this host manages are left out."
            }
            Scope::Container => {
                "One inspect per container, running or stopped. A field the Docker API did not return (for \
                 example HostConfig.Privileged) makes that container's target an error, never a default such \
                 as false or an empty list. Containers with orchestrator labels are assessed unless a kubelet \
                 runs on this host (its process) and the pod is one of its own; their labels alone are a claim, \
                 and the report lists them."
            }
            Scope::Swarm => {
                "From the Swarm section of `docker info`. Values that only managers report make the rule not \
                 applicable on workers, and an error on a manager that does not report them."
            }
        }
    }

    /// A name for messages: the Azure id, else the CIS id.
    pub fn label(&self) -> String {
        match (self.azure, self.cis.first()) {
            (Some(a), _) if self.profiles.contains(&Profile::Azure) => a.to_string(),
            (_, Some(c)) => format!("cis:{c}"),
            (Some(a), None) => a.to_string(),
            (None, None) => self.title.to_string(),
        }
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rule({} {})", self.label(), self.title)
    }
}
