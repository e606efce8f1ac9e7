//! Command-line flags.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dockguard",
    version,
    about = "Assess Docker hosts against the CIS Docker Benchmark and the Azure Docker security baseline"
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug). DOCKGUARD_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assess this host (or a saved facts file) and report pass/fail per rule.
    Scan(Box<ScanArgs>),
    /// Collect the facts of this host and save them for offline evaluation (`scan --facts`).
    Collect(CollectArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// The central console: recommendations, affected hosts, host drill-down, query console, API.
    Server(Box<ServerArgs>),
    /// Keep assessing this host and submit each report to a dockguard server.
    Agent(Box<AgentArgs>),
    /// Compare two JSON reports: newly failing, fixed, and rules that changed status.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Show everything about one rule: rationale, how it is checked, remediation.
    Explain {
        /// Rule id in the profile (`5.31`), or prefixed (`azure:5.31`, `cis:5.32`, `cis-1.8:2.8`).
        id: String,
        /// The profile whose numbering a bare id uses.
        #[arg(long, value_enum, default_value_t = Profile::Azure)]
        profile: Profile,
    },
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The host's root filesystem (use /host when the host's / is mounted there).
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub root: PathBuf,
    /// Docker endpoint (unix:///path, tcp://host:port). Default: DOCKER_HOST, else unix:///var/run/docker.sock.
    #[arg(long, value_name = "URL")]
    pub docker_host: Option<String>,
    /// Only assess running containers (default: running and stopped).
    #[arg(long)]
    pub running_only: bool,
    /// Concurrent inspect requests to the daemon.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// Per-request timeout to the daemon, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
    /// A vulnerability scan of an image in use (Trivy JSON `trivy image -f json`, or Grype JSON `grype -o
    /// json`); repeat for several images. Rule CIS 4.4 passes or fails on it for the image with the same id
    /// or registry digest; without one that rule is manual.
    #[arg(long = "image-scan", value_name = "FILE")]
    pub image_scans: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human report grouped by section.
    Text,
    /// The dockguard.report/v1 document.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other security tools).
    Sarif,
    /// JUnit XML (CI test reports): one test case per rule.
    Junit,
    /// One row per rule and target.
    Csv,
    /// For pull-request comments and wikis.
    Markdown,
    /// One self-contained page.
    Html,
}

impl Format {
    pub fn report_format(self) -> dockguard_report::Format {
        match self {
            Format::Text => dockguard_report::Format::Text,
            Format::Json => dockguard_report::Format::Json,
            Format::Sarif => dockguard_report::Format::Sarif,
            Format::Junit => dockguard_report::Format::Junit,
            Format::Csv => dockguard_report::Format::Csv,
            Format::Markdown => dockguard_report::Format::Markdown,
            Format::Html => dockguard_report::Format::Html,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Any,
    Low,
    Medium,
    High,
    Critical,
    /// Never exit 1 (report only).
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// The Azure security baseline for Docker hosts (72 rules, ids are CCEIDs such as 5.31).
    Azure,
    /// The CIS Docker Benchmark v1.6.0 (117 recommendations, ids such as 5.32).
    #[value(name = "cis-1.6")]
    Cis16,
}

impl Profile {
    pub fn rules_profile(self) -> dockguard_rules::Profile {
        match self {
            Profile::Azure => dockguard_rules::Profile::Azure,
            Profile::Cis16 => dockguard_rules::Profile::Cis16,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Evaluate a facts file saved by `dockguard collect` instead of the live host.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["docker_host", "running_only"])]
    pub facts: Option<PathBuf>,
    /// Configuration file (default: dockguard.toml in the working directory, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Benchmark profile (default: the configuration's, else azure).
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// Output format; repeat with -o to write several at once: `-f json -o r.json -f sarif -o r.sarif`.
    #[arg(short, long, value_enum)]
    pub format: Vec<Format>,
    /// Write the report to FILE instead of stdout; the n-th -o goes with the n-th -f.
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Fail only on findings that are new since this earlier JSON report (and on errors).
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,
    /// Only rules of this CIS level and below (1: the essentials; 2: defence in depth too).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub level: Option<u8>,
    /// Only these rules: ids or prefixes in the profile's numbering (5, 5.1, 5.31), prefixed ids
    /// (azure:5.31, cis:5.32) or CIS 1.8 ids (cis-1.8:2.8); comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub select: Vec<String>,
    /// Skip these rules: ids or prefixes, comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub ignore: Vec<String>,
    /// Only assess containers matching: a name (* wildcards), an id prefix, or label=key[=value]. Repeatable.
    #[arg(long = "container", value_name = "PATTERN")]
    pub containers: Vec<String>,
    /// Skip containers matching: a name (* wildcards), an id prefix, or label=key[=value]. Repeatable.
    #[arg(long = "exclude-container", value_name = "PATTERN")]
    pub exclude_containers: Vec<String>,
    /// Assess containers even when an orchestrator (Kubernetes) manages them.
    #[arg(long)]
    pub include_orchestrated: bool,
    /// Exit 1 when a rule of at least this severity fails or cannot be evaluated (default: the
    /// configuration's, else any).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// Show the reason of every rule, not only failures.
    #[arg(long)]
    pub show_all: bool,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Where to write the facts (JSON). `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(short, long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
    #[arg(long, value_enum, default_value_t = Profile::Azure)]
    pub profile: Profile,
    /// Only rules of this CIS level and below.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub level: Option<u8>,
}

/// A duration such as `30s`, `15m`, `1h`, `1d`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 15m, 1h or 1d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?} is not a duration like 30s, 15m, 1h or 1d")),
    };
    if secs == 0 {
        return Err("the duration must be above zero".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The console's URL, e.g. https://console.example:8080
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// File holding a token with the agent role (`dockguard server token create --role agent`).
    #[arg(long, value_name = "FILE")]
    pub token_file: PathBuf,
    /// Time between assessments.
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub interval: std::time::Duration,
    /// Assess and deliver once, then exit (0 only when the report was delivered).
    #[arg(long)]
    pub once: bool,
    /// Where reports wait until the server has them.
    #[arg(long, default_value = dockguard_agent::DEFAULT_SPOOL_DIR, value_name = "DIR")]
    pub spool: PathBuf,
    /// An extra trusted root certificate (PEM) for a console with a private certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// This host's stable name in the console (default: its hostname).
    #[arg(long, value_name = "NAME")]
    pub host_key: Option<String>,
    /// Benchmark profile of the reports.
    #[arg(long, value_enum, default_value_t = Profile::Azure)]
    pub profile: Profile,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub command: Option<ServerCommand>,
    /// The database: a SQLite file path or sqlite:// URL (created when missing).
    #[arg(
        long,
        default_value = "dockguard.db",
        value_name = "PATH|URL",
        global = true
    )]
    pub db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Do not assess this host with the built-in agent.
    #[arg(long)]
    pub no_local_agent: bool,
    /// Time between the built-in agent's assessments.
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub interval: std::time::Duration,
    /// Hosts without a report for this long are shown as stale.
    #[arg(long, default_value = "1d", value_parser = parse_duration, value_name = "DURATION")]
    pub stale_after: std::time::Duration,
    /// Serve HTTPS with this certificate (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// What the built-in agent assesses.
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown once; only a hash is stored).
    Create {
        #[arg(long, value_parser = ["reader", "agent", "admin"])]
        role: String,
        #[arg(long, default_value = "", value_name = "NAME")]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token and its sessions.
    Revoke { id: i64 },
}
