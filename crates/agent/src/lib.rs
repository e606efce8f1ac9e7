//! `dockguard agent`: assesses this host on an interval and submits each report to `dockguard server`.
//!
//! Every report is first written to a spool directory ([`Spool`]), then delivered oldest first to
//! `POST {server}/api/v1/reports` ([`Uploader`], [`deliver`]). Each report carries a unique id, and the server
//! stores each id once, so a retry after a lost answer is harmless. When the server is unreachable or
//! answers 5xx the agent keeps the reports and retries with exponential backoff and full jitter
//! ([`backoff`]); a report the server refuses for good (a 4xx other than 401/403/408/429 and the
//! endpoint-level 404/405/407/421/426) is set aside in `rejected/` with the reason, never retried forever and
//! never silently dropped.
//!
//! The caller (the CLI) supplies the assessment as a closure, see [`run`].

mod deliver;
mod spool;

pub use deliver::{
    backoff, backoff_ceiling, deliver, DeliveryFailure, DeliveryOutcome, FailureKind, Uploader,
    BACKOFF_BASE, REQUEST_TIMEOUT,
};
pub use dockguard_store::Envelope;
pub use spool::{Spool, SpoolEntry};

use dockguard_report::Report;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How often a host is assessed unless told otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// The longest wait between delivery retries unless told otherwise.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);
/// Where reports wait unless told otherwise (the agent normally runs as root, next to the Docker socket).
pub const DEFAULT_SPOOL_DIR: &str = "/var/lib/dockguard/agent-spool";

/// `dockguard <version>`: the `agent` of every envelope and the HTTP User-Agent.
pub fn agent_name() -> String {
    format!("dockguard {}", env!("CARGO_PKG_VERSION"))
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The configuration cannot work (URL, token, CA certificate, durations).
    #[error("{0}")]
    Config(String),
    /// The token file cannot be read or holds no usable token.
    #[error("{0}")]
    TokenFile(String),
    /// The spool directory cannot be created, read or written.
    #[error("spool: {0}")]
    Spool(String),
    /// `--once`: this host could not be assessed.
    #[error("assessment failed: {message}")]
    Assessment { message: String },
    /// `--once`: not every spooled report reached the server.
    #[error("{message}")]
    Undelivered {
        /// Still spooled, to be sent by the next run.
        remaining: usize,
        /// Refused for good in this run (in `rejected/`).
        rejected: usize,
        message: String,
    },
    /// Stopped by Ctrl-C or SIGTERM before `--once` finished.
    #[error("interrupted; {remaining} report(s) stay spooled for the next run")]
    Interrupted { remaining: usize },
}

/// How the agent runs. Build it with [`AgentConfig::new`] and adjust the public fields.
#[derive(Clone)]
pub struct AgentConfig {
    /// The console's base URL, `http://` or `https://` (reports go to `{server}/api/v1/reports`).
    pub server: String,
    /// A token with the `agent` role (see [`read_token_file`]).
    pub token: String,
    pub spool_dir: PathBuf,
    /// Time between assessments.
    pub interval: Duration,
    /// Assess and deliver once, then return.
    pub once: bool,
    /// An extra trusted root (PEM) for a console with a self-signed or private-CA certificate.
    pub ca_cert: Option<PathBuf>,
    /// The longest wait between delivery retries.
    pub max_backoff: Duration,
    /// The agent's stable name for this host; `None` uses the report's hostname.
    pub host_key: Option<String>,
}

impl fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentConfig")
            .field("server", &self.server)
            .field("token", &"<redacted>")
            .field("spool_dir", &self.spool_dir)
            .field("interval", &self.interval)
            .field("once", &self.once)
            .field("ca_cert", &self.ca_cert)
            .field("max_backoff", &self.max_backoff)
            .field("host_key", &self.host_key)
            .finish()
    }
}

/// A token as it can go into an `Authorization` header: visible ASCII, no spaces.
fn token_problem(token: &str) -> Option<&'static str> {
    if token.is_empty() {
        Some("is empty")
    } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
        Some("holds spaces, line breaks, control or non-ASCII characters (it should hold only the token)")
    } else {
        None
    }
}

impl AgentConfig {
    /// A configuration with the defaults: hourly, not once, no extra CA, backoff capped at 5 minutes.
    pub fn new(
        server: impl Into<String>,
        token: impl Into<String>,
        spool_dir: impl Into<PathBuf>,
    ) -> AgentConfig {
        AgentConfig {
            server: server.into(),
            token: token.into(),
            spool_dir: spool_dir.into(),
            interval: DEFAULT_INTERVAL,
            once: false,
            ca_cert: None,
            max_backoff: DEFAULT_MAX_BACKOFF,
            host_key: None,
        }
    }

    /// Checks everything that can be checked without the network.
    pub fn validate(&self) -> Result<(), AgentError> {
        self.reports_url()?;
        if let Some(p) = token_problem(&self.token) {
            return Err(AgentError::Config(format!("the agent token {p}")));
        }
        if self.interval.is_zero() {
            return Err(AgentError::Config(
                "the interval must be more than zero".into(),
            ));
        }
        if self.max_backoff.is_zero() {
            return Err(AgentError::Config(
                "the maximum backoff must be more than zero".into(),
            ));
        }
        if let Some(k) = &self.host_key {
            if k.trim().is_empty() {
                return Err(AgentError::Config("the host key is empty".into()));
            }
        }
        Ok(())
    }

    /// `{server}/api/v1/reports`. The server URL must be `http://` or `https://` with a host, and no
    /// credentials, query or fragment.
    pub fn reports_url(&self) -> Result<reqwest::Url, AgentError> {
        let bad = |why: String| {
            AgentError::Config(format!(
                "server URL {:?} {why} (expected e.g. https://console.example:8080)",
                self.server
            ))
        };
        let mut url = reqwest::Url::parse(self.server.trim())
            .map_err(|e| bad(format!("is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!(
                "has scheme {:?}; only http and https are supported",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "carries credentials; put the token in the token file instead".into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("has a query or fragment".into()));
        }
        let path = format!("{}/api/v1/reports", url.path().trim_end_matches('/'));
        url.set_path(&path);
        Ok(url)
    }
}

/// Reads an agent token from a file: surrounding whitespace (a trailing newline) is trimmed; the token must be
/// non-empty visible ASCII. Errors name the file.
///
/// A file readable by group or others is accepted with a warning, not refused: orchestrators mount secrets
/// 0644/0444 by default (Kubernetes, Docker secrets), and the token only has the `agent` role (it can submit
/// reports, not read anything). Tighten it with `chmod 600` where you can.
pub fn read_token_file(path: impl AsRef<Path>) -> Result<String, AgentError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| {
        AgentError::TokenFile(format!("cannot read token file {}: {e}", path.display()))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        AgentError::TokenFile(format!(
            "token file {} is not text (expected the token the server printed)",
            path.display()
        ))
    })?;
    let token = text.trim();
    if let Some(p) = token_problem(token) {
        return Err(AgentError::TokenFile(format!(
            "token file {} {p}",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    file = %path.display(),
                    mode = format!("{mode:o}"),
                    "the token file is readable by other users; chmod 600 it"
                );
            }
        }
    }
    Ok(token.to_string())
}

/// Wraps a report for submission: a fresh UUID v4 as report id, `dockguard <version>` as agent, and
/// `host_key` or else the report's hostname (or `unknown-host` when the report has none) as host key.
pub fn envelope(report: Report, host_key: Option<String>) -> Envelope {
    let host_key = host_key
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .or_else(|| {
            report
                .host
                .hostname
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown-host".to_string());
    Envelope {
        report_id: uuid::Uuid::new_v4().to_string(),
        host_key,
        agent: agent_name(),
        report,
    }
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "now".into())
}

/// What [`run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Reports produced and spooled.
    pub assessments: usize,
    pub failed_assessments: usize,
    /// Reports stored by the server (including duplicates).
    pub delivered: usize,
    /// Reports refused for good (in `rejected/`).
    pub rejected: usize,
    /// Reports still spooled at the end.
    pub remaining: usize,
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C: stopping"),
        _ = term => tracing::info!("SIGTERM: stopping"),
    }
}

/// Assesses this host and delivers its reports until Ctrl-C or SIGTERM (or once, with `cfg.once`).
///
/// Each round: run `assess` (on a blocking thread, so it may block or build its own runtime), spool the
/// envelope, deliver everything spooled. Between rounds it sleeps until the next interval, retrying pending
/// deliveries on the backoff schedule meanwhile. A failed assessment is logged and tried again at the next
/// interval; the loop never exits on its own.
///
/// With `once`: one assessment and one delivery pass; `Ok` only when the assessment succeeded and every
/// spooled report (including older ones) was delivered, otherwise an error saying what failed and how many
/// reports remain spooled for the next run.
pub async fn run<F>(cfg: AgentConfig, assess: F) -> Result<RunSummary, AgentError>
where
    F: Fn() -> Result<Report, String> + Send + Sync + 'static,
{
    run_until(cfg, assess, shutdown_signal()).await
}

/// [`run`], stopping when `shutdown` resolves instead of on signals.
pub async fn run_until<F, S>(
    cfg: AgentConfig,
    assess: F,
    shutdown: S,
) -> Result<RunSummary, AgentError>
where
    F: Fn() -> Result<Report, String> + Send + Sync + 'static,
    S: Future<Output = ()>,
{
    let uploader = Uploader::new(&cfg)?;
    let spool = Spool::open(&cfg.spool_dir)?;
    let assess = Arc::new(assess);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut summary = RunSummary::default();
    tracing::info!(
        server = %uploader.url(),
        spool = %spool.dir().display(),
        pending = spool.pending()?.len(),
        once = cfg.once,
        interval_s = cfg.interval.as_secs_f64(),
        "agent started"
    );

    if cfg.once {
        let assessed = tokio::select! {
            r = assess_once(&assess) => r,
            _ = &mut shutdown => return Err(AgentError::Interrupted { remaining: spool.pending()?.len() }),
        };
        let mut assessment_error = None;
        match assessed {
            Ok(report) => {
                spool.put(&envelope(report, cfg.host_key.clone()))?;
                summary.assessments += 1;
            }
            Err(e) => {
                tracing::error!("assessment failed: {e}");
                summary.failed_assessments += 1;
                assessment_error = Some(e);
            }
        }
        let outcome = tokio::select! {
            o = uploader.deliver(&spool) => o,
            _ = &mut shutdown => return Err(AgentError::Interrupted { remaining: spool.pending()?.len() }),
        };
        log_outcome(&outcome);
        summary.delivered += outcome.delivered();
        summary.rejected += outcome.rejected;
        summary.remaining = spool
            .pending()
            .map(|p| p.len())
            .unwrap_or(outcome.remaining);
        if let Some(message) = assessment_error {
            return Err(AgentError::Assessment {
                message: format!(
                    "{message} (older spooled reports: {}; {} remain spooled)",
                    outcome_words(&outcome),
                    summary.remaining
                ),
            });
        }
        if summary.remaining > 0 || outcome.failure.is_some() || outcome.rejected > 0 {
            let mut message = String::new();
            if summary.remaining > 0 || outcome.failure.is_some() {
                message.push_str(&format!(
                    "{} report(s) remain spooled in {} for the next run",
                    summary.remaining,
                    spool.dir().display()
                ));
                if let Some(f) = &outcome.failure {
                    message.push_str(&format!(": {}", f.message));
                }
            }
            if outcome.rejected > 0 {
                if !message.is_empty() {
                    message.push_str("; ");
                }
                message.push_str(&format!(
                    "{} report(s) were rejected by the server and set aside in {} (see the .reason files)",
                    outcome.rejected,
                    spool.rejected_dir().display()
                ));
            }
            return Err(AgentError::Undelivered {
                remaining: summary.remaining,
                rejected: outcome.rejected,
                message,
            });
        }
        return Ok(summary);
    }

    let mut next_assessment = Instant::now();
    loop {
        if Instant::now() >= next_assessment {
            next_assessment = Instant::now() + cfg.interval;
            let assessed = tokio::select! {
                r = assess_once(&assess) => r,
                _ = &mut shutdown => break,
            };
            match assessed {
                Ok(report) => match spool.put(&envelope(report, cfg.host_key.clone())) {
                    Ok(entry) => {
                        summary.assessments += 1;
                        tracing::info!(report = %entry.report_id, "host assessed; report spooled");
                    }
                    Err(e) => {
                        summary.failed_assessments += 1;
                        tracing::error!(
                            "the report could not be spooled and is lost; next assessment in {:?}: {e}",
                            cfg.interval
                        );
                    }
                },
                Err(e) => {
                    summary.failed_assessments += 1;
                    tracing::error!("assessment failed; next attempt in {:?}: {e}", cfg.interval);
                }
            }
        }
        let outcome = tokio::select! {
            o = uploader.deliver(&spool) => o,
            _ = &mut shutdown => break,
        };
        log_outcome(&outcome);
        summary.delivered += outcome.delivered();
        summary.rejected += outcome.rejected;
        let wake = match outcome.retry_after() {
            Some(delay) => next_assessment.min(Instant::now() + delay),
            None => next_assessment,
        };
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            _ = &mut shutdown => break,
        }
    }
    // A delivery pass cut short by the stop may have delivered some reports already.
    summary.delivered = uploader.acknowledged();
    summary.remaining = spool.pending().map(|p| p.len()).unwrap_or(0);
    tracing::info!(
        remaining = summary.remaining,
        "agent stopped; spooled reports will be sent by the next run"
    );
    Ok(summary)
}

fn outcome_words(o: &DeliveryOutcome) -> String {
    o.to_string()
}

fn log_outcome(o: &DeliveryOutcome) {
    match &o.failure {
        None if o.delivered() == 0 && o.rejected == 0 => {}
        None => tracing::info!(
            delivered = o.delivered(),
            duplicates = o.duplicates,
            rejected = o.rejected,
            "delivery: {o}"
        ),
        Some(f)
            if matches!(
                f.kind,
                FailureKind::Unauthorized(_) | FailureKind::Endpoint(_)
            ) =>
        {
            tracing::error!(remaining = o.remaining, "delivery: {o}")
        }
        Some(_) => tracing::warn!(remaining = o.remaining, "delivery: {o}"),
    }
}

/// Runs the assessment on a blocking thread (it may block, or start its own runtime); a panic becomes an
/// error.
async fn assess_once<F>(assess: &Arc<F>) -> Result<Report, String>
where
    F: Fn() -> Result<Report, String> + Send + Sync + 'static,
{
    let f = Arc::clone(assess);
    match tokio::task::spawn_blocking(move || f()).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => {
            let p = e.into_panic();
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("the assessment panicked: {msg}"))
        }
        Err(e) => Err(format!("the assessment was cancelled: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_url_joins_and_validates() {
        let u = |s: &str| AgentConfig::new(s, "t", "/tmp/x").reports_url();
        assert_eq!(
            u("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/api/v1/reports"
        );
        assert_eq!(
            u("https://console.example/dockguard/").unwrap().as_str(),
            "https://console.example/dockguard/api/v1/reports"
        );
        for bad in [
            "ftp://x",
            "127.0.0.1:8080",
            "http://",
            "https://u:p@host",
            "http://h/?a=1",
            "",
        ] {
            let e = u(bad).unwrap_err().to_string();
            assert!(e.contains("server URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn debug_redacts_the_token() {
        let c = AgentConfig::new("http://h", "s3cret-token", "/tmp/x");
        let d = format!("{c:?}");
        assert!(!d.contains("s3cret"), "{d}");
        assert!(d.contains("redacted"));
    }

    #[test]
    fn validate_checks_token_and_durations() {
        let mut c = AgentConfig::new("http://h", "tok", "/tmp/x");
        assert!(c.validate().is_ok());
        c.token = "a b".into();
        assert!(c.validate().unwrap_err().to_string().contains("token"));
        c.token = "tok".into();
        c.interval = Duration::ZERO;
        assert!(c.validate().unwrap_err().to_string().contains("interval"));
        c.interval = DEFAULT_INTERVAL;
        c.max_backoff = Duration::ZERO;
        assert!(c.validate().unwrap_err().to_string().contains("backoff"));
    }
}
