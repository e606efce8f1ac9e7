//! Delivery of spooled reports to `POST {server}/api/v1/reports`, and the retry schedule.

use crate::spool::{Spool, SpoolEntry};
use crate::{agent_name, AgentConfig, AgentError};
use dockguard_store::Envelope;
use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;

/// The first retry waits up to this long; each further consecutive failure doubles it.
pub const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// How long one submission (connect, send, answer) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How much of the server's answer is read (for its message).
const MAX_ANSWER: usize = 64 * 1024;
/// How much of the server's message is kept in logs and `.reason` files.
const MAX_MESSAGE: usize = 2000;

/// The upper bound of the wait after `failures` consecutive failures: `base · 2^(failures−1)`, capped at
/// `max` (zero when nothing failed).
pub fn backoff_ceiling(failures: u32, base: Duration, max: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let exp = (failures - 1).min(31);
    base.checked_mul(1u32 << exp).unwrap_or(max).min(max)
}

/// Exponential backoff with full jitter: a wait drawn uniformly from `[0, backoff_ceiling]`, where `jitter`
/// is the caller's uniform random number in `[0, 1]` (clamped; NaN counts as 0). Pure, so it can be tested.
pub fn backoff(failures: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let jitter = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    backoff_ceiling(failures, base, max).mul_f64(jitter)
}

/// Why a delivery stopped before the spool was empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No answer: connection refused or reset, DNS, TLS, timeout.
    Unreachable,
    /// The server answered 5xx, 408 or 429: try again later.
    Unavailable(u16),
    /// 401/403: the token is wrong, revoked or lacks the agent role. Reports are kept.
    Unauthorized(u16),
    /// The URL does not lead to the console's report endpoint (404, 405, 3xx, ...). Reports are kept.
    Endpoint(u16),
    /// The spool could not be read or updated.
    Spool,
    /// The configuration cannot work (only from [`deliver`], which builds its client on each call).
    Config,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    pub kind: FailureKind,
    pub message: String,
    /// When to try again (exponential backoff with full jitter).
    pub retry_after: Duration,
}

/// What one pass over the spool achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// Answered 201: stored now.
    pub stored: usize,
    /// Answered 200: the server already had this report id (a retry after a lost answer).
    pub duplicates: usize,
    /// Refused for good (4xx) and moved to `rejected/`.
    pub rejected: usize,
    /// Still spooled after this pass.
    pub remaining: usize,
    /// Why the pass stopped early, if it did.
    pub failure: Option<DeliveryFailure>,
}

impl DeliveryOutcome {
    /// Reports the server now has (stored or duplicate).
    pub fn delivered(&self) -> usize {
        self.stored + self.duplicates
    }

    /// When to try again, if the pass stopped early.
    pub fn retry_after(&self) -> Option<Duration> {
        self.failure.as_ref().map(|f| f.retry_after)
    }

    /// Nothing left to send and nothing went wrong (rejections aside).
    pub fn is_complete(&self) -> bool {
        self.remaining == 0 && self.failure.is_none()
    }
}

impl fmt::Display for DeliveryOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} delivered", self.delivered())?;
        if self.duplicates > 0 {
            write!(f, " ({} already stored)", self.duplicates)?;
        }
        if self.rejected > 0 {
            write!(f, ", {} rejected", self.rejected)?;
        }
        write!(f, ", {} still spooled", self.remaining)?;
        if let Some(fail) = &self.failure {
            write!(
                f,
                ": {}; next attempt in {:.1}s",
                fail.message,
                fail.retry_after.as_secs_f64()
            )?;
        }
        Ok(())
    }
}

/// What an answer means for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Stored,
    Duplicate,
    /// It will never be accepted: set it aside.
    Reject,
    Unauthorized,
    /// Try again later.
    Retry,
    /// Not the console's endpoint: keep the report, say so.
    Endpoint,
}

fn verdict(status: StatusCode) -> Verdict {
    match status.as_u16() {
        201 => Verdict::Stored,
        200 => Verdict::Duplicate,
        401 | 403 => Verdict::Unauthorized,
        408 | 429 => Verdict::Retry,
        // Answers about the URL, not about the report: a wrong --server must not throw reports away.
        404 | 405 | 407 | 421 | 426 => Verdict::Endpoint,
        400..=499 => Verdict::Reject,
        500..=599 => Verdict::Retry,
        _ => Verdict::Endpoint,
    }
}

/// The error with its causes ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}

/// The server's message from its answer: `{"error": ...}` / `{"message": ...}` or the text itself.
fn server_message(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            ["error", "message", "detail"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|m| m.as_str()).map(str::to_string))
        });
    let msg = from_json.unwrap_or_else(|| text.trim().to_string());
    let msg = if msg.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string()
    } else {
        msg
    };
    let mut msg: String = msg
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if msg.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        msg.truncate(cut);
        msg.push('…');
    }
    msg
}

/// A `Retry-After: <seconds>` header.
fn retry_after_header(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?;
    let secs: u64 = v.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// Sends spooled reports to one server. Build it once and reuse it (it keeps connections).
#[derive(Debug, Clone)]
pub struct Uploader {
    http: reqwest::Client,
    url: reqwest::Url,
    token: String,
    max_backoff: Duration,
    /// Reports acknowledged (stored or duplicate) since the uploader was made, counted as each answer
    /// arrives, so a pass cancelled half-way (the agent stopping) still counts what it delivered.
    acknowledged: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Uploader {
    /// Checks the configuration and sets up the HTTP client (rustls; the system's roots, the bundled Mozilla
    /// roots, and `ca_cert` when given).
    pub fn new(cfg: &AgentConfig) -> Result<Uploader, AgentError> {
        cfg.validate()?;
        let url = cfg.reports_url()?;
        let mut builder = reqwest::Client::builder()
            .user_agent(agent_name())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect would turn the POST into a GET or send the token elsewhere: report it instead.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(ca) = &cfg.ca_cert {
            let pem = std::fs::read(ca).map_err(|e| {
                AgentError::Config(format!("cannot read CA certificate {}: {e}", ca.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                AgentError::Config(format!(
                    "CA certificate {} is not a PEM certificate: {}",
                    ca.display(),
                    error_chain(&e)
                ))
            })?;
            if certs.is_empty() {
                return Err(AgentError::Config(format!(
                    "CA certificate {} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
                    ca.display()
                )));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder.build().map_err(|e| {
            AgentError::Config(format!(
                "cannot set up the HTTP client: {}",
                error_chain(&e)
            ))
        })?;
        Ok(Uploader {
            http,
            url,
            token: cfg.token.clone(),
            max_backoff: cfg.max_backoff,
            acknowledged: Default::default(),
        })
    }

    /// Reports the server acknowledged since this uploader was made, including those of a pass that was
    /// cancelled before it returned.
    pub fn acknowledged(&self) -> usize {
        self.acknowledged.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Where reports go.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// Sends every pending report, oldest first. A report is removed once the server answers 201 (stored)
    /// or 200 (already stored); one the server refuses for good (another 4xx) is moved to `rejected/`. On
    /// no answer, 5xx, 408/429, 401/403 or a wrong endpoint it stops, keeps the rest spooled and says when to
    /// try again.
    pub async fn deliver(&self, spool: &Spool) -> DeliveryOutcome {
        let mut out = DeliveryOutcome::default();
        let entries = match spool.pending() {
            Ok(e) => e,
            Err(e) => {
                out.failure = Some(self.failure(spool, FailureKind::Spool, e.to_string(), None));
                return out;
            }
        };
        for (i, entry) in entries.iter().enumerate() {
            let left = entries.len() - i;
            let verdict = self.deliver_one(spool, entry).await;
            if matches!(verdict, Ok(Verdict::Stored | Verdict::Duplicate)) {
                self.acknowledged
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            match verdict {
                Ok(Verdict::Stored) => out.stored += 1,
                Ok(Verdict::Duplicate) => out.duplicates += 1,
                Ok(_) => out.rejected += 1,
                Err((kind, message, hint)) => {
                    out.remaining = left;
                    out.failure = Some(self.failure(spool, kind, message, hint));
                    return out;
                }
            }
        }
        spool.reset_failures();
        out
    }

    fn failure(
        &self,
        spool: &Spool,
        kind: FailureKind,
        message: String,
        retry_after: Option<Duration>,
    ) -> DeliveryFailure {
        let failures = spool.record_failure();
        let mut delay = backoff(failures, BACKOFF_BASE, self.max_backoff, fastrand::f64());
        if let Some(hint) = retry_after {
            delay = delay.max(hint.min(self.max_backoff));
        }
        DeliveryFailure {
            kind,
            message,
            retry_after: delay,
        }
    }

    /// Sends one report and settles it in the spool. `Ok` when the pass may go on.
    async fn deliver_one(
        &self,
        spool: &Spool,
        entry: &SpoolEntry,
    ) -> Result<Verdict, (FailureKind, String, Option<Duration>)> {
        let spool_err = |e: AgentError| (FailureKind::Spool, e.to_string(), None);
        let body = spool.read(entry).map_err(spool_err)?;
        if let Err(e) = serde_json::from_slice::<Envelope>(&body) {
            let reason = format!(
                "not sent: the spool file is not a dockguard report envelope ({e}); it was damaged or not written by the agent"
            );
            let to = spool.reject(entry, &reason).map_err(spool_err)?;
            tracing::error!(report = %entry.report_id, file = %to.display(), "{reason}");
            return Ok(Verdict::Reject);
        }

        let resp = self
            .http
            .post(self.url.clone())
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => {
                let mut msg = format!(
                    "server {} unreachable: {}",
                    self.url.origin().ascii_serialization(),
                    error_chain(&e)
                );
                if msg.contains("certificate") {
                    msg.push_str(
                        " (for a console with a self-signed or private-CA certificate, pass that certificate with --ca-cert)",
                    );
                }
                return Err((FailureKind::Unreachable, msg, None));
            }
        };
        let status = resp.status();
        let hint = retry_after_header(&resp);
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut answer = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_ANSWER.saturating_sub(answer.len());
                    answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if answer.len() >= MAX_ANSWER {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    if status.is_success() {
                        // The server decided; only the rest of its answer was lost.
                        tracing::debug!(error = %error_chain(&e), "answer body cut short");
                    }
                    break;
                }
            }
        }
        let message = server_message(status, &answer);
        let code = status.as_u16();
        let v = verdict(status);
        match v {
            Verdict::Stored | Verdict::Duplicate => {
                spool.remove(entry).map_err(spool_err)?;
                spool.reset_failures();
                tracing::info!(
                    report = %entry.report_id,
                    status = code,
                    "{}",
                    if v == Verdict::Stored { "report delivered" } else { "report delivered (the server already had it)" }
                );
                Ok(v)
            }
            Verdict::Reject => {
                let reason = format!(
                    "rejected by {} with HTTP {code} {} at {}:\n{message}",
                    self.url,
                    status.canonical_reason().unwrap_or(""),
                    crate::now_rfc3339(),
                );
                let to = spool.reject(entry, &reason).map_err(spool_err)?;
                spool.reset_failures();
                tracing::error!(
                    report = %entry.report_id,
                    status = code,
                    file = %to.display(),
                    "the server rejected the report for good; it was moved to rejected/ and will not be retried: {message}"
                );
                Ok(v)
            }
            Verdict::Unauthorized => Err((
                FailureKind::Unauthorized(code),
                format!(
                    "the server refused the token (HTTP {code}: {message}); check the token file: the token must be valid, not revoked, and have the agent role. Reports stay spooled"
                ),
                None,
            )),
            Verdict::Retry => Err((
                FailureKind::Unavailable(code),
                format!("the server is unavailable (HTTP {code}: {message})"),
                hint,
            )),
            Verdict::Endpoint => {
                let mut msg = format!(
                    "{} is not a dockguard console's report endpoint (HTTP {code}: {message})",
                    self.url
                );
                if let Some(to) = location {
                    msg.push_str(&format!("; it redirects to {to}"));
                }
                msg.push_str("; check --server (the console's base URL). Reports stay spooled");
                Err((FailureKind::Endpoint(code), msg, None))
            }
        }
    }
}

/// One pass over the spool with a client built from `cfg` (see [`Uploader::deliver`]). The backoff state
/// (consecutive failures) lives in the [`Spool`], so repeated calls back off further.
pub async fn deliver(cfg: &AgentConfig, spool: &Spool) -> DeliveryOutcome {
    match Uploader::new(cfg) {
        Ok(u) => u.deliver(spool).await,
        Err(e) => {
            let failures = spool.record_failure();
            DeliveryOutcome {
                remaining: spool.pending().map(|p| p.len()).unwrap_or(0),
                failure: Some(DeliveryFailure {
                    kind: FailureKind::Config,
                    message: e.to_string(),
                    retry_after: backoff(failures, BACKOFF_BASE, cfg.max_backoff, fastrand::f64()),
                }),
                ..Default::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn ceiling_doubles_and_caps() {
        let max = Duration::from_secs(60);
        assert_eq!(backoff_ceiling(0, S, max), Duration::ZERO);
        assert_eq!(backoff_ceiling(1, S, max), S);
        assert_eq!(backoff_ceiling(2, S, max), 2 * S);
        assert_eq!(backoff_ceiling(3, S, max), 4 * S);
        assert_eq!(backoff_ceiling(6, S, max), 32 * S);
        assert_eq!(backoff_ceiling(7, S, max), max);
        assert_eq!(backoff_ceiling(40, S, max), max);
        assert_eq!(backoff_ceiling(u32::MAX, S, max), max);
        // A cap below the base wins.
        assert_eq!(
            backoff_ceiling(1, S, Duration::from_millis(300)),
            Duration::from_millis(300)
        );
        // No overflow with a huge cap.
        assert_eq!(
            backoff_ceiling(u32::MAX, S, Duration::MAX),
            S * (1u32 << 31)
        );
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        let max = Duration::from_secs(300);
        for failures in 0..20 {
            let ceiling = backoff_ceiling(failures, S, max);
            assert_eq!(backoff(failures, S, max, 0.0), Duration::ZERO);
            assert_eq!(backoff(failures, S, max, 1.0), ceiling);
            assert_eq!(backoff(failures, S, max, 0.5), ceiling / 2);
            // Out-of-range randomness is clamped, never exceeds the ceiling.
            assert_eq!(backoff(failures, S, max, 7.0), ceiling);
            assert_eq!(backoff(failures, S, max, -1.0), Duration::ZERO);
            assert_eq!(backoff(failures, S, max, f64::NAN), Duration::ZERO);
        }
    }

    #[test]
    fn jittered_delays_are_spread_within_bounds() {
        let max = Duration::from_secs(30);
        for failures in 1..12 {
            let ceiling = backoff_ceiling(failures, S, max);
            let samples: Vec<Duration> = (0..2000)
                .map(|_| backoff(failures, S, max, fastrand::f64()))
                .collect();
            assert!(samples.iter().all(|d| *d <= ceiling));
            // Full jitter: both the low and the high quarter of the range are hit.
            assert!(samples.iter().any(|d| *d < ceiling / 4), "{failures}");
            assert!(samples.iter().any(|d| *d > ceiling * 3 / 4), "{failures}");
            let mean = samples.iter().map(|d| d.as_secs_f64()).sum::<f64>() / 2000.0;
            let half = ceiling.as_secs_f64() / 2.0;
            assert!((mean - half).abs() < half * 0.1, "mean {mean} vs {half}");
        }
    }

    #[test]
    fn verdicts() {
        let v = |c: u16| verdict(StatusCode::from_u16(c).unwrap());
        assert_eq!(v(201), Verdict::Stored);
        assert_eq!(v(200), Verdict::Duplicate);
        for c in [400, 409, 410, 413, 415, 422] {
            assert_eq!(v(c), Verdict::Reject, "{c}");
        }
        assert_eq!(v(401), Verdict::Unauthorized);
        assert_eq!(v(403), Verdict::Unauthorized);
        for c in [408, 429, 500, 502, 503, 504] {
            assert_eq!(v(c), Verdict::Retry, "{c}");
        }
        for c in [404, 405, 301, 302, 307, 204, 202] {
            assert_eq!(v(c), Verdict::Endpoint, "{c}");
        }
    }

    #[test]
    fn messages_from_json_or_text() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            server_message(s, br#"{"error":"report too large"}"#),
            "report too large"
        );
        assert_eq!(server_message(s, b"  plain words\n"), "plain words");
        assert_eq!(server_message(s, b""), "Bad Request");
        assert_eq!(server_message(s, b"a\x1b[31mb"), "a[31mb");
        let long = "x".repeat(10_000);
        assert!(server_message(s, long.as_bytes()).chars().count() <= MAX_MESSAGE + 1);
    }
}
