//! Command-line flags (clap). Every subcommand's `--help` ends with examples, and every argument has a
//! description (a unit test walks the whole command tree).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const MAIN_EXAMPLES: &str = "Examples:
  dockguard scan                                   assess this host (Azure baseline)
  dockguard scan --profile cis-1.8 -o report.html  the CIS Docker Benchmark v1.8.0, as a web page
  dockguard explain 5.31                           why a rule matters and how to fix it
  dockguard rules --profile cis-1.8                every rule of a profile

The scanner as a container (host root read-only at /host, the Docker socket, the host's PIDs):
  docker run --rm --pid host --userns host -v /:/host:ro \\
    -v /var/run/docker.sock:/var/run/docker.sock:ro dockguard scan";

const SCAN_EXAMPLES: &str = "Examples:
  dockguard scan                                  human report: failures first, most severe first
  dockguard scan --group-by section --all-targets by section, every offending target listed
  dockguard scan -o report.json                   JSON (the format follows the extension)
  dockguard scan -f json -o r.json -f sarif -o r.sarif
  dockguard scan --profile cis-1.8 --level 1      CIS Docker Benchmark v1.8.0, Level 1 only
  dockguard scan --select 5 --ignore 5.29         rules by id or prefix
  dockguard scan --container 'web-*' --fail-on high
  dockguard scan --root /host                     the host's / mounted at /host (in a container)
  dockguard scan --facts facts.json               evaluate facts saved by `dockguard collect`";

const COLLECT_EXAMPLES: &str = "Examples:
  dockguard collect -o facts.json                 save this host's facts
  dockguard collect -o - | gzip > facts.json.gz   to stdout
  dockguard scan --facts facts.json               evaluate them later, anywhere";

const RULES_EXAMPLES: &str = "Examples:
  dockguard rules                                 the Azure baseline (with 0.0, the inventory)
  dockguard rules --profile cis-1.8 --level 1     CIS Docker Benchmark v1.8.0, Level 1
  dockguard rules -f json                         machine-readable";

const EXPLAIN_EXAMPLES: &str = "Examples:
  dockguard explain 5.31                          an Azure baseline id (the default profile)
  dockguard explain cis:5.32                      the same rule by its CIS 1.6.0 id
  dockguard explain --profile cis-1.8 2.7         CIS 1.8.0's devicemapper rule
  dockguard explain 0.0                           the Docker inventory";

const DIFF_EXAMPLES: &str = "Examples:
  dockguard diff last-week.json today.json        newly failing, fixed, changed
  dockguard diff -f json a.json b.json            as JSON";

const SERVER_EXAMPLES: &str = "Examples:
  dockguard server                                SQLite in ./dockguard.db, http://127.0.0.1:8080
  dockguard server --listen 0.0.0.0:8443 --tls-cert c.pem --tls-key k.pem
  dockguard server token create --role agent > agent.token";

const TOKEN_EXAMPLES: &str = "Examples:
  dockguard server token create --role reader --name alice
  dockguard server token list
  dockguard server token revoke 3";

const TOKEN_CREATE_EXAMPLES: &str = "Examples:
  dockguard server token create --role agent > agent.token
  dockguard server token create --role admin --name \"second admin\"";

const TOKEN_LIST_EXAMPLES: &str = "Examples:
  dockguard server token list --db /var/lib/dockguard/console.db";

const TOKEN_REVOKE_EXAMPLES: &str = "Examples:
  dockguard server token revoke 3                 the id from `dockguard server token list`";

const AGENT_EXAMPLES: &str = "Examples:
  dockguard agent --server http://console:8080 --token-file agent.token --interval 1h
  dockguard agent --server https://console:8443 --token-file agent.token --ca-cert ca.pem --once";

const COMPLETIONS_EXAMPLES: &str = "Examples:
  dockguard completions bash > /etc/bash_completion.d/dockguard
  dockguard completions zsh > \"${fpath[1]}/_dockguard\"
  dockguard completions fish > ~/.config/fish/completions/dockguard.fish";

#[derive(Debug, Parser)]
#[command(
    name = "dockguard",
    version,
    about = "Assess Docker hosts against the CIS Docker Benchmark and the Azure Docker security baseline",
    after_help = MAIN_EXAMPLES
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
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(Box<ScanArgs>),
    /// Collect the facts of this host and save them for offline evaluation (`scan --facts`).
    #[command(after_help = COLLECT_EXAMPLES)]
    Collect(CollectArgs),
    /// List the rules.
    #[command(after_help = RULES_EXAMPLES)]
    Rules(RulesArgs),
    /// The central console: recommendations, affected hosts, host drill-down, query console, API.
    #[command(after_help = SERVER_EXAMPLES)]
    Server(Box<ServerArgs>),
    /// Keep assessing this host and submit each report to a dockguard server.
    #[command(after_help = AGENT_EXAMPLES)]
    Agent(Box<AgentArgs>),
    /// Compare two JSON reports: newly failing, fixed, and rules that changed status.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff {
        /// The earlier JSON report (`scan -f json`).
        old: PathBuf,
        /// The later JSON report.
        new: PathBuf,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Show everything about one rule: rationale, how it is checked, remediation.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain {
        /// Rule id in the profile (`5.31`), or prefixed (`azure:5.31`, `cis:5.32`, `cis-1.8:2.8`); `0.0` is the
        /// inventory.
        id: String,
        /// The profile whose numbering a bare id uses.
        #[arg(long, value_enum, default_value_t = Profile::Azure)]
        profile: Profile,
    },
    /// Print a shell completion script for SHELL to stdout.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The host's root filesystem (use /host when the host's / is mounted there; the scanner image sets
    /// DOCKGUARD_ROOT=/host).
    #[arg(long, default_value = "/", value_name = "DIR", env = "DOCKGUARD_ROOT")]
    pub root: PathBuf,
    /// Docker endpoint (unix:///path, tcp://host:port). Else DOCKER_HOST, DOCKER_CONTEXT, the current Docker
    /// context, the rootless socket $XDG_RUNTIME_DIR/docker.sock, unix:///var/run/docker.sock.
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
    /// Any failure or error.
    Any,
    /// Low severity and above (the same as any).
    Low,
    /// Medium severity and above.
    Medium,
    /// High severity and above.
    High,
    /// Critical only.
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
    /// The CIS Docker Benchmark v1.8.0 (118 recommendations: 1.6's plus 2.7 devicemapper).
    #[value(name = "cis-1.8")]
    Cis18,
}

impl Profile {
    pub fn rules_profile(self) -> dockguard_rules::Profile {
        match self {
            Profile::Azure => dockguard_rules::Profile::Azure,
            Profile::Cis16 => dockguard_rules::Profile::Cis16,
            Profile::Cis18 => dockguard_rules::Profile::Cis18,
        }
    }
}

/// How the text report is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// Failed rules first, most severe first, then errors, manual reviews, exemptions, passes.
    Severity,
    /// The benchmark's order, by section, with each section's score.
    Section,
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
    /// Without -f, each -o file's extension decides (.json .sarif .xml .csv .md .html .txt).
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
    /// Show the reason of every rule, not only failures (and the inventory).
    #[arg(long)]
    pub show_all: bool,
    /// Text report layout: failures first by severity, or by benchmark section.
    #[arg(long, value_enum, default_value_t = GroupBy::Severity)]
    pub group_by: GroupBy,
    /// List every offending target under a rule (text, markdown, html list the first 25 otherwise).
    #[arg(long)]
    pub all_targets: bool,
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
    /// For people.
    Text,
    /// For programs.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One line per rule.
    Table,
    /// A JSON array.
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
    /// The profile to list.
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
    #[command(after_help = TOKEN_EXAMPLES)]
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown once; only a hash is stored).
    #[command(after_help = TOKEN_CREATE_EXAMPLES)]
    Create {
        /// What the token may do: reader (view), agent (submit reports), admin (everything).
        #[arg(long, value_parser = ["reader", "agent", "admin"])]
        role: String,
        /// A name to recognise the token by in `token list` (default: its role and creation time).
        #[arg(long, default_value = "", value_name = "NAME")]
        name: String,
    },
    /// List tokens (never their secrets).
    #[command(after_help = TOKEN_LIST_EXAMPLES)]
    List,
    /// Revoke a token and its sessions.
    #[command(after_help = TOKEN_REVOKE_EXAMPLES)]
    Revoke {
        /// The token's id, from `dockguard server token list`.
        id: i64,
    },
}
