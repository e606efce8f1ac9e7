//! `dockguard server`: the console.
//!
//! Agents submit reports to the JSON API (`/api/v1`, Bearer tokens); people read the recommendation, the
//! affected hosts, a host's drill-down and the query console in server-rendered pages (a session cookie
//! opened with a token, CSRF-checked forms, no JavaScript). Everything is read from and written to a
//! [`Store`]; its synchronous methods run on tokio's blocking pool.

mod api;
mod auth;
pub mod html;
mod openapi;
mod pages;
mod tls;

use axum::http::{header, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;
use dockguard_store::{Envelope, QueryLimits, Store};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use openapi::openapi_document;

/// Assesses the server's own host; supplied by the CLI (it collects facts and evaluates the rules).
#[derive(Clone)]
pub struct LocalAgent {
    /// Collects and evaluates this host; an error says why it could not (e.g. no Docker daemon).
    #[allow(clippy::type_complexity)]
    pub run: Arc<dyn Fn() -> Result<Envelope, String> + Send + Sync>,
    /// How often it runs (it also runs once at start).
    pub interval: Duration,
}

impl std::fmt::Debug for LocalAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAgent")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// PEM certificate chain and PEM private key: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Hosts not heard from for this long are stale.
    pub stale_after: Duration,
    /// The URL people reach the server at (behind a proxy), for the log line and the OpenAPI document.
    pub public_url: Option<String>,
    pub local_agent: Option<LocalAgent>,
    /// Largest accepted report body.
    pub max_report_bytes: usize,
    /// Caps of the query console (rows and time).
    pub query_limits: QueryLimits,
    /// How long a web session lasts.
    pub session_ttl: Duration,
}

/// Default [`ServerConfig::max_report_bytes`]: 16 MiB.
pub const DEFAULT_MAX_REPORT_BYTES: usize = 16 * 1024 * 1024;
/// Longest SQL the query console accepts.
pub const MAX_SQL_BYTES: usize = 16 * 1024;

impl ServerConfig {
    /// Plain HTTP on `listen`, hosts stale after 24 h, 16 MiB reports, 12 h sessions, no local agent.
    pub fn new(listen: SocketAddr) -> ServerConfig {
        ServerConfig {
            listen,
            tls: None,
            stale_after: Duration::from_secs(24 * 3600),
            public_url: None,
            local_agent: None,
            max_report_bytes: DEFAULT_MAX_REPORT_BYTES,
            query_limits: QueryLimits::default(),
            session_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    stale_after: time::Duration,
    session_ttl: time::Duration,
    max_report_bytes: usize,
    query_limits: QueryLimits,
    /// Set the `Secure` flag on the session cookie (HTTPS, directly or behind a proxy).
    secure_cookies: bool,
    public_url: Option<String>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, cfg: &ServerConfig) -> AppState {
        let secure_cookies = cfg.tls.is_some()
            || cfg
                .public_url
                .as_deref()
                .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"));
        AppState {
            inner: Arc::new(Inner {
                store,
                stale_after: to_time(cfg.stale_after),
                session_ttl: to_time(cfg.session_ttl),
                max_report_bytes: cfg.max_report_bytes,
                query_limits: cfg.query_limits,
                secure_cookies,
                public_url: cfg.public_url.clone(),
            }),
        }
    }

    fn store(&self) -> Arc<dyn Store> {
        self.inner.store.clone()
    }

    /// Runs a store call on the blocking pool.
    async fn blocking<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> T + Send + 'static,
    {
        let store = self.store();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| format!("storage task failed: {e}"))
    }
}

fn to_time(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// Builds a router while recording every (method, path) it serves, so the OpenAPI document can be checked
/// against the routes that really exist.
pub(crate) struct Routes {
    router: Router<AppState>,
    seen: Vec<(Method, &'static str)>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            seen: Vec::new(),
        }
    }

    fn add(
        mut self,
        methods: &[Method],
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        for m in methods {
            self.seen.push((m.clone(), path));
        }
        self.router = self.router.route(path, handler);
        self
    }
}

/// Every (method, path) of the JSON API, as routed.
pub fn api_routes() -> Vec<(Method, &'static str)> {
    api::routes().seen
}

/// The whole application: the JSON API under `/api/v1` and the pages.
pub fn router(state: AppState) -> Router {
    let api = api::routes().router;
    let pages = pages::routes().router;
    Router::new()
        .merge(api)
        .merge(pages)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(log_and_harden))
        .with_state(state)
}

/// 404: JSON under `/api/`, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        auth::ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "no such endpoint; see /api/v1/openapi.json",
        )
        .into_response()
    } else {
        pages::error_page(axum::http::StatusCode::NOT_FOUND, "no such page")
    }
}

/// Logs each request (method, path, status, time; never headers or query strings, which may carry
/// secrets) and sets the security headers every response gets.
async fn log_and_harden(req: Request<axum::body::Body>, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it browsers send `Origin: null` on form posts, which the same-origin check
    // of the pages (rightly) refuses.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::debug!(
        %method,
        path = %path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    res
}

/// Binds `cfg.listen` and serves until `shutdown` completes (see [`serve_on`]).
pub async fn serve(
    store: Arc<dyn Store>,
    cfg: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    serve_on(listener, store, cfg, shutdown).await
}

/// Serves on an already bound listener (tests bind port 0): logs the URL, starts the local agent (at once,
/// then on its interval), serves HTTP or, with `cfg.tls`, HTTPS, until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    cfg: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    let tls = match &cfg.tls {
        Some((cert, key)) => Some(tls::load(cert, key)?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{local}"));
    tracing::info!(%url, "dockguard console listening");

    let agent = cfg
        .local_agent
        .clone()
        .map(|a| tokio::spawn(run_local_agent(store.clone(), a)));
    let app = router(AppState::new(store, &cfg));
    let result = match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| anyhow::anyhow!("server failed: {e}")),
        Some(config) => axum::serve(tls::TlsListener::new(listener, config), app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| anyhow::anyhow!("server failed: {e}")),
    };
    if let Some(a) = agent {
        a.abort();
    }
    result
}

/// Assesses this host at once and then every `interval`, ingesting straight into the store. A failure is
/// logged and retried at the next interval.
async fn run_local_agent(store: Arc<dyn Store>, agent: LocalAgent) {
    let mut tick = tokio::time::interval(agent.interval.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let run = agent.run.clone();
        let store = store.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let envelope = run().map_err(|e| format!("local assessment failed: {e}"))?;
            store
                .ingest(&envelope, time::OffsetDateTime::now_utc())
                .map(|ingest| (envelope.host_key, ingest))
                .map_err(|e| format!("storing the local assessment failed: {e}"))
        })
        .await;
        match outcome {
            Ok(Ok((host, ingest))) => {
                tracing::info!(host = %host, ?ingest, "local agent assessed this host")
            }
            Ok(Err(e)) => tracing::warn!(
                "{e}; retrying in {}s",
                agent.interval.max(Duration::from_secs(1)).as_secs()
            ),
            Err(e) => tracing::warn!("local agent task failed: {e}"),
        }
    }
}
