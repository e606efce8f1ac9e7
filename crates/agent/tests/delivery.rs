//! The agent against a real HTTP server on 127.0.0.1: a small axum test double of the console's
//! `POST /api/v1/reports` contract (201 stored / 200 duplicate by report_id, 401 bad token, 400 refused),
//! with switches to answer 503 or to store a report and lose the answer, and that can be killed and
//! restarted on the same port.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use dockguard_agent::{
    deliver, envelope, read_token_file, run_until, AgentConfig, AgentError, Envelope, FailureKind,
    Spool,
};
use dockguard_report::Report;
use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Profile, Selection};
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Notify};

const TOKEN: &str = "agent-secret-0123456789";

// ---------------------------------------------------------------------------------------------------------
// The test double of the console.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    /// 503 for everything.
    Unavailable,
    /// Store the report, then never answer (the test kills the server: the answer is lost).
    LoseAnswer,
}

struct Ledger {
    /// Report ids in the order they were stored; each at most once.
    stored: Mutex<Vec<String>>,
    /// Every POST that reached the handler.
    posts: AtomicUsize,
    mode: Mutex<Mode>,
    stored_signal: Notify,
}

impl Ledger {
    fn new() -> Arc<Ledger> {
        Arc::new(Ledger {
            stored: Mutex::new(Vec::new()),
            posts: AtomicUsize::new(0),
            mode: Mutex::new(Mode::Normal),
            stored_signal: Notify::new(),
        })
    }
    fn set_mode(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }
    fn stored(&self) -> Vec<String> {
        self.stored.lock().unwrap().clone()
    }
    fn posts(&self) -> usize {
        self.posts.load(Ordering::SeqCst)
    }
}

fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

async fn post_report(State(l): State<Arc<Ledger>>, headers: HeaderMap, body: Bytes) -> Response {
    l.posts.fetch_add(1, Ordering::SeqCst);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {TOKEN}") {
        return error(StatusCode::UNAUTHORIZED, "invalid or missing token");
    }
    let mode = *l.mode.lock().unwrap();
    if mode == Mode::Unavailable {
        return error(StatusCode::SERVICE_UNAVAILABLE, "down for maintenance");
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected application/json",
        );
    }
    let env: Envelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("malformed report: {e}")),
    };
    if env.host_key == "reject-me" {
        return error(
            StatusCode::BAD_REQUEST,
            "host_key \"reject-me\" is not acceptable <b>here</b>",
        );
    }
    let status = {
        let mut stored = l.stored.lock().unwrap();
        if stored.contains(&env.report_id) {
            StatusCode::OK
        } else {
            stored.push(env.report_id.clone());
            StatusCode::CREATED
        }
    };
    if mode == Mode::LoseAnswer {
        l.stored_signal.notify_one();
        std::future::pending::<()>().await;
    }
    let word = if status == StatusCode::OK {
        "duplicate"
    } else {
        "stored"
    };
    (
        status,
        Json(json!({ "status": word, "report_id": env.report_id })),
    )
        .into_response()
}

fn app(ledger: Arc<Ledger>) -> Router {
    Router::new()
        .route("/api/v1/reports", post(post_report))
        .with_state(ledger)
}

/// The console double on its own runtime, so killing it drops the listener and every open connection.
struct TestServer {
    addr: SocketAddr,
    rt: Option<tokio::runtime::Runtime>,
}

fn bind(port: u16) -> std::net::TcpListener {
    // After a kill the old socket may take a moment to go away.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(l) => return l,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("cannot bind 127.0.0.1:{port}: {e}"),
        }
    }
}

impl TestServer {
    fn start(ledger: Arc<Ledger>, port: u16) -> TestServer {
        let std_listener = bind(port);
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            axum::serve(listener, app(ledger)).await.unwrap();
        });
        TestServer { addr, rt: Some(rt) }
    }
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn port(&self) -> u16 {
        self.addr.port()
    }
    /// Like `kill -9`: the listener and every connection go away, answers in flight are lost.
    fn kill(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl TestServer {
    /// The same console double over HTTPS with the given certificate.
    fn start_tls(ledger: Arc<Ledger>, cert_der: Vec<u8>, key_der: Vec<u8>) -> TestServer {
        use tokio_rustls::rustls;
        let std_listener = bind(0);
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert_der.into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.spawn(async move {
            let tcp = tokio::net::TcpListener::from_std(std_listener).unwrap();
            axum::serve(TlsListener { tcp, acceptor }, app(ledger))
                .await
                .unwrap();
        });
        TestServer { addr, rt: Some(rt) }
    }
}

/// TCP plus a TLS handshake; failed handshakes (an agent that does not trust us) are skipped.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

/// A real report: the compliant fixture host, evaluated with the Azure profile.
fn report() -> Report {
    static R: OnceLock<Report> = OnceLock::new();
    R.get_or_init(|| {
        let f = testing::compliant_host();
        let ctx = Ctx::new(&f, EvalOptions::default());
        let results = evaluate(&ctx, Profile::Azure, &Selection::default());
        Report::new(
            &f,
            Profile::Azure,
            &results,
            None,
            "2026-11-25T00:00:00Z".into(),
            12,
        )
    })
    .clone()
}

fn cfg(server: &str, spool: &Path) -> AgentConfig {
    let mut c = AgentConfig::new(server, TOKEN, spool);
    c.interval = Duration::from_secs(3600);
    c.max_backoff = Duration::from_millis(200);
    c
}

fn pending_ids(spool: &Spool) -> Vec<String> {
    spool
        .pending()
        .unwrap()
        .into_iter()
        .map(|e| e.report_id)
        .collect()
}

async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------------------
// Spool before send; the server killed and restarted.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_spooled_while_the_server_is_down_all_arrive_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("spool");
    let ledger = Ledger::new();
    let mut server = TestServer::start(ledger.clone(), 0);
    let port = server.port();

    let mut c = cfg(&server.url(), &spool_dir);
    c.interval = Duration::from_millis(150);
    c.max_backoff = Duration::from_millis(150);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let agent = tokio::spawn(run_until(c, || Ok(report()), async {
        let _ = stop_rx.await;
    }));

    // The server is up: the first report goes straight through.
    wait_for("the first report", Duration::from_secs(10), || {
        !ledger.stored().is_empty()
    })
    .await;
    server.kill();
    let before = ledger.stored().len();

    // The server is down: each assessment is spooled on disk and stays there.
    let spool = Spool::open(&spool_dir).unwrap();
    wait_for("4 spooled reports", Duration::from_secs(10), || {
        spool.pending().unwrap().len() >= 4
    })
    .await;
    assert_eq!(ledger.stored().len(), before, "nothing arrives while down");
    for e in spool.pending().unwrap() {
        let env: Envelope = serde_json::from_slice(&std::fs::read(&e.path).unwrap()).unwrap();
        assert_eq!(env.report_id, e.report_id);
        assert_eq!(env.report.host.hostname.as_deref(), Some("host-a"));
    }
    let waiting = pending_ids(&spool);

    // Restarted on the same port: the agent's retries (on the backoff schedule) deliver everything.
    let _server = TestServer::start(ledger.clone(), port);
    wait_for("the spooled reports", Duration::from_secs(10), || {
        let stored = ledger.stored();
        waiting.iter().all(|id| stored.contains(id))
    })
    .await;
    stop_tx.send(()).unwrap();
    let summary = agent.await.unwrap().unwrap();

    let stored = ledger.stored();
    let mut unique = stored.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        stored.len(),
        "every report stored once: {stored:?}"
    );
    let positions: Vec<usize> = waiting
        .iter()
        .map(|id| stored.iter().position(|s| s == id).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "delivered in spool order: {positions:?}"
    );
    assert!(summary.assessments >= 5, "{summary:?}");
    assert_eq!(summary.failed_assessments, 0);
    // Whatever was spooled and not delivered when it stopped is still on disk.
    assert_eq!(summary.remaining, spool.pending().unwrap().len());
    assert_eq!(
        summary.delivered + summary.remaining,
        summary.assessments,
        "{summary:?}"
    );
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_the_report_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    ledger.set_mode(Mode::LoseAnswer);
    let mut server = TestServer::start(ledger.clone(), 0);
    let port = server.port();
    let c = cfg(&server.url(), &dir.path().join("spool"));
    let spool = Arc::new(Spool::open(&c.spool_dir).unwrap());
    let env = envelope(report(), None);
    let id = env.report_id.clone();
    spool.put(&env).unwrap();

    let task = {
        let (c, spool) = (c.clone(), spool.clone());
        tokio::spawn(async move { deliver(&c, &spool).await })
    };
    // The server stores the report, then dies before answering.
    tokio::time::timeout(Duration::from_secs(10), ledger.stored_signal.notified())
        .await
        .expect("the server got the report");
    server.kill();
    let first = task.await.unwrap();
    assert_eq!(first.delivered(), 0);
    assert_eq!(first.remaining, 1);
    let f = first.failure.as_ref().expect("a failure");
    assert_eq!(f.kind, FailureKind::Unreachable, "{f:?}");
    assert!(f.retry_after <= c.max_backoff);
    assert_eq!(
        pending_ids(&spool),
        vec![id.clone()],
        "kept: no answer, no proof"
    );

    // Back up: the retry is answered 200 duplicate, the spool is emptied, the report is stored once.
    ledger.set_mode(Mode::Normal);
    let _server = TestServer::start(ledger.clone(), port);
    let second = deliver(&c, &spool).await;
    assert_eq!((second.stored, second.duplicates), (0, 1), "{second:?}");
    assert!(second.is_complete());
    assert!(spool.pending().unwrap().is_empty());
    assert_eq!(ledger.stored(), vec![id]);
    assert_eq!(ledger.posts(), 2);
    assert_eq!(spool.consecutive_failures(), 0);
}

// ---------------------------------------------------------------------------------------------------------
// What the server says about a report.

#[tokio::test]
async fn a_refused_report_is_set_aside_with_the_reason_and_never_retried() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let c = cfg(&server.url(), &dir.path().join("spool"));
    let spool = Spool::open(&c.spool_dir).unwrap();
    let good1 = spool.put(&envelope(report(), None)).unwrap();
    let bad = spool
        .put(&envelope(report(), Some("reject-me".into())))
        .unwrap();
    let good2 = spool.put(&envelope(report(), None)).unwrap();
    // A damaged spool file: set aside without being sent.
    let damaged = spool.dir().join("0000000000001-damaged.json");
    std::fs::write(&damaged, b"{\"report_id\": \"damaged\", \"trunc").unwrap();

    let out = deliver(&c, &spool).await;
    assert_eq!(
        (out.stored, out.rejected, out.remaining),
        (2, 2, 0),
        "{out:?}"
    );
    assert!(out.failure.is_none());
    assert_eq!(ledger.stored(), vec![good1.report_id, good2.report_id]);
    assert_eq!(ledger.posts(), 3, "the damaged file was never sent");

    let rejected = spool.rejected().unwrap();
    assert_eq!(rejected.len(), 2);
    let bad_json = spool.rejected_dir().join(bad.file_name());
    assert!(rejected.contains(&bad_json));
    let sent: Envelope = serde_json::from_slice(&std::fs::read(&bad_json).unwrap()).unwrap();
    assert_eq!(
        sent.host_key, "reject-me",
        "the report itself is kept intact"
    );
    let reason =
        std::fs::read_to_string(bad_json.with_extension("reason")).expect("a .reason file");
    assert!(reason.contains("HTTP 400"), "{reason}");
    assert!(
        reason.contains("host_key \"reject-me\" is not acceptable <b>here</b>"),
        "{reason}"
    );
    assert!(
        reason.contains(&format!("127.0.0.1:{}", server.port())),
        "{reason}"
    );
    let damaged_reason =
        std::fs::read_to_string(spool.rejected_dir().join("0000000000001-damaged.reason")).unwrap();
    assert!(
        damaged_reason.contains("not a dockguard report envelope"),
        "{damaged_reason}"
    );

    // Never retried.
    let again = deliver(&c, &spool).await;
    assert_eq!(again, Default::default());
    assert_eq!(ledger.posts(), 3);
}

#[tokio::test]
async fn a_refused_token_keeps_the_reports_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let mut c = cfg(&server.url(), &dir.path().join("spool"));
    c.token = "not-the-token".into();
    let spool = Spool::open(&c.spool_dir).unwrap();
    spool.put(&envelope(report(), None)).unwrap();
    spool.put(&envelope(report(), None)).unwrap();
    let ids = pending_ids(&spool);

    let out = deliver(&c, &spool).await;
    let f = out.failure.clone().expect("a failure");
    assert_eq!(f.kind, FailureKind::Unauthorized(401));
    assert!(f.message.contains("refused the token"), "{}", f.message);
    assert!(
        f.message.contains("invalid or missing token"),
        "{}",
        f.message
    );
    assert!(
        !f.message.contains("not-the-token"),
        "the token is never logged"
    );
    assert_eq!(out.remaining, 2);
    assert_eq!(ledger.posts(), 1, "stops at the first refusal");
    assert_eq!(pending_ids(&spool), ids);
    assert!(spool.rejected().unwrap().is_empty());

    // With the right token they go through.
    c.token = TOKEN.into();
    let out = deliver(&c, &spool).await;
    assert_eq!(out.stored, 2);
    assert_eq!(ledger.stored(), ids);
}

#[tokio::test]
async fn an_unavailable_server_stops_the_pass_and_backs_off_further_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    ledger.set_mode(Mode::Unavailable);
    let server = TestServer::start(ledger.clone(), 0);
    let mut c = cfg(&server.url(), &dir.path().join("spool"));
    c.max_backoff = Duration::from_secs(3);
    let spool = Spool::open(&c.spool_dir).unwrap();
    for _ in 0..3 {
        spool.put(&envelope(report(), None)).unwrap();
    }
    let ids = pending_ids(&spool);

    let mut ceilings = vec![];
    for attempt in 1..=4u32 {
        let out = deliver(&c, &spool).await;
        let f = out.failure.clone().expect("a failure");
        assert_eq!(f.kind, FailureKind::Unavailable(503));
        assert!(f.message.contains("down for maintenance"), "{}", f.message);
        assert_eq!(out.remaining, 3);
        assert_eq!(spool.consecutive_failures(), attempt);
        let ceiling =
            dockguard_agent::backoff_ceiling(attempt, dockguard_agent::BACKOFF_BASE, c.max_backoff);
        assert!(
            f.retry_after <= ceiling,
            "{:?} > {ceiling:?}",
            f.retry_after
        );
        ceilings.push(ceiling.as_secs());
    }
    assert_eq!(ceilings, vec![1, 2, 3, 3], "1 s doubling, capped");
    assert_eq!(ledger.posts(), 4, "one attempt per pass, the rest wait");

    ledger.set_mode(Mode::Normal);
    let out = deliver(&c, &spool).await;
    assert_eq!(out.stored, 3);
    assert!(out.is_complete());
    assert_eq!(ledger.stored(), ids, "in spool order");
    assert_eq!(spool.consecutive_failures(), 0);
}

#[tokio::test]
async fn an_unreachable_server_is_reported_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(
        &format!("http://127.0.0.1:{}", dead_port()),
        &dir.path().join("spool"),
    );
    let spool = Spool::open(&c.spool_dir).unwrap();
    spool.put(&envelope(report(), None)).unwrap();
    let out = deliver(&c, &spool).await;
    let f = out.failure.expect("a failure");
    assert_eq!(f.kind, FailureKind::Unreachable);
    assert!(f.message.contains("unreachable"), "{}", f.message);
    assert!(
        f.message.to_lowercase().contains("connection refused"),
        "{}",
        f.message
    );
    assert_eq!(out.remaining, 1);
}

#[tokio::test]
async fn a_wrong_url_is_not_mistaken_for_a_refused_report() {
    // A server without the endpoint (404) must not make the agent throw reports away.
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let c = cfg(
        &format!("{}/some/prefix", server.url()),
        &dir.path().join("spool"),
    );
    let spool = Spool::open(&c.spool_dir).unwrap();
    spool.put(&envelope(report(), None)).unwrap();
    let out = deliver(&c, &spool).await;
    let f = out.failure.expect("a failure");
    assert_eq!(f.kind, FailureKind::Endpoint(404));
    assert!(
        f.message.contains("/some/prefix/api/v1/reports"),
        "{}",
        f.message
    );
    assert!(f.message.contains("--server"), "{}", f.message);
    assert_eq!(out.remaining, 1);
    assert!(spool.rejected().unwrap().is_empty());
}

#[tokio::test]
async fn https_with_a_self_signed_console_needs_its_certificate_as_ca_cert() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let ca = dir.path().join("console.pem");
    std::fs::write(&ca, key.cert.pem()).unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start_tls(
        ledger.clone(),
        key.cert.der().to_vec(),
        key.key_pair.serialize_der(),
    );
    let mut c = cfg(
        &format!("https://127.0.0.1:{}", server.port()),
        &dir.path().join("spool"),
    );
    let spool = Spool::open(&c.spool_dir).unwrap();
    let id = spool.put(&envelope(report(), None)).unwrap().report_id;

    // Not trusted: refused by the agent, the report is kept.
    let out = deliver(&c, &spool).await;
    let f = out.failure.expect("an untrusted certificate is refused");
    assert_eq!(f.kind, FailureKind::Unreachable);
    assert!(
        f.message.to_lowercase().contains("certificate"),
        "{}",
        f.message
    );
    assert_eq!(out.remaining, 1);
    assert_eq!(ledger.posts(), 0);

    // Trusted through --ca-cert.
    c.ca_cert = Some(ca);
    let out = deliver(&c, &spool).await;
    assert_eq!(out.stored, 1, "{out:?}");
    assert_eq!(ledger.stored(), vec![id]);
}

// ---------------------------------------------------------------------------------------------------------
// --once.

#[tokio::test]
async fn once_delivers_everything_spooled_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let mut c = cfg(&server.url(), &dir.path().join("spool"));
    c.once = true;
    c.host_key = Some("rack-7/slot-3".into());
    // A report left by an earlier run goes first.
    let older = Spool::open(&c.spool_dir)
        .unwrap()
        .put(&envelope(report(), None))
        .unwrap();

    let summary = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap();
    assert_eq!(summary.assessments, 1);
    assert_eq!(summary.delivered, 2);
    assert_eq!(summary.remaining, 0);
    let stored = ledger.stored();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], older.report_id);
    assert!(Spool::open(&c.spool_dir)
        .unwrap()
        .pending()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn once_fails_when_reports_remain_spooled_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(
        &format!("http://127.0.0.1:{}", dead_port()),
        &dir.path().join("spool"),
    );
    c.once = true;
    let err = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap_err();
    match &err {
        AgentError::Undelivered {
            remaining,
            rejected,
            ..
        } => assert_eq!((*remaining, *rejected), (1, 0)),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("1 report(s) remain spooled"), "{msg}");
    assert!(msg.contains("unreachable"), "{msg}");
    // Spooled before the attempt: on disk for the next run.
    let spool = Spool::open(&c.spool_dir).unwrap();
    assert_eq!(spool.pending().unwrap().len(), 1);

    // The next run, with the server up, sends both.
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    c.server = server.url();
    let s = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap();
    assert_eq!(s.delivered, 2);
    assert_eq!(ledger.stored().len(), 2);
}

#[tokio::test]
async fn once_fails_on_a_failed_assessment_or_a_rejection() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let mut c = cfg(&server.url(), &dir.path().join("spool"));
    c.once = true;

    let err = run_until(
        c.clone(),
        || Err("cannot reach the Docker daemon".to_string()),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AgentError::Assessment { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot reach the Docker daemon"));
    assert_eq!(ledger.posts(), 0, "nothing to send");

    let err = run_until(
        c.clone(),
        || panic!("collector bug"),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("panicked: collector bug"), "{err}");

    c.host_key = Some("reject-me".into());
    let err = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap_err();
    match &err {
        AgentError::Undelivered {
            remaining,
            rejected,
            ..
        } => assert_eq!((*remaining, *rejected), (0, 1)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("rejected"), "{err}");

    c.host_key = None;
    c.token = "wrong".into();
    let err = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused the token"), "{err}");
    assert!(matches!(err, AgentError::Undelivered { remaining: 1, .. }));
}

#[tokio::test]
async fn an_assessment_may_block_on_its_own_runtime() {
    // The CLI's collector builds a runtime and blocks on it; that must work inside the agent.
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let mut c = cfg(&server.url(), &dir.path().join("spool"));
    c.once = true;
    let s = run_until(
        c,
        || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok(report())
            })
        },
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(s.delivered, 1);
}

// ---------------------------------------------------------------------------------------------------------
// The loop.

#[tokio::test]
async fn a_failed_assessment_does_not_stop_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let mut c = cfg(&server.url(), &dir.path().join("spool"));
    c.interval = Duration::from_millis(100);
    let calls = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let agent = {
        let calls = calls.clone();
        tokio::spawn(run_until(
            c,
            move || match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err("docker daemon not answering".into()),
                1 => panic!("collector bug"),
                _ => Ok(report()),
            },
            async {
                let _ = stop_rx.await;
            },
        ))
    };
    wait_for(
        "two reports after two failures",
        Duration::from_secs(10),
        || ledger.stored().len() >= 2,
    )
    .await;
    stop_tx.send(()).unwrap();
    let s = agent.await.unwrap().unwrap();
    assert_eq!(s.failed_assessments, 2);
    assert!(s.assessments >= 2);
}

#[tokio::test]
async fn the_loop_stops_promptly_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new();
    let server = TestServer::start(ledger.clone(), 0);
    let c = cfg(&server.url(), &dir.path().join("spool"));
    let started = Instant::now();
    let s = run_until(
        c,
        || Ok(report()),
        tokio::time::sleep(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!((s.assessments, s.delivered, s.remaining), (1, 1, 0));
}

#[tokio::test]
async fn bad_configuration_fails_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("spool");
    let mut c = cfg("ftp://127.0.0.1:1", &spool_dir);
    let err = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only http and https"), "{err}");
    assert!(!spool_dir.exists());

    c.server = "https://127.0.0.1:1".into();
    c.ca_cert = Some(dir.path().join("missing.pem"));
    let err = run_until(c.clone(), || Ok(report()), std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");

    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    c.ca_cert = Some(not_pem);
    let err = run_until(c, || Ok(report()), std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not.pem"), "{err}");
}

// ---------------------------------------------------------------------------------------------------------
// The spool itself.

#[test]
fn spool_writes_are_atomic_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("a/b/spool");
    let spool = Arc::new(Spool::open(&spool_dir).unwrap());
    assert_eq!(
        std::fs::metadata(&spool_dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    // A big report, so a write takes a while.
    let mut big = report();
    for _ in 0..6 {
        big.results.extend(big.results.clone());
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (spool, stop) = (spool.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut seen = 0usize;
            while !stop.load(Ordering::SeqCst) {
                for e in spool.pending().unwrap() {
                    let bytes = std::fs::read(&e.path).unwrap();
                    let env: Envelope = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                        panic!("partial file visible: {} ({err})", e.path.display())
                    });
                    assert_eq!(env.report_id, e.report_id);
                    seen += 1;
                }
            }
            seen
        })
    };
    let mut ids = vec![];
    for _ in 0..40 {
        let env = envelope(big.clone(), None);
        ids.push(env.report_id.clone());
        let entry = spool.put(&env).unwrap();
        assert_eq!(
            std::fs::metadata(&entry.path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    stop.store(true, Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(
        pending_ids(&spool),
        ids,
        "oldest first, even within a millisecond"
    );
    let names: Vec<String> = std::fs::read_dir(&spool_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".tmp-")),
        "no temporary files left: {names:?}"
    );

    // A crash mid-write leaves a temporary file: never listed, never sent.
    std::fs::write(
        spool_dir.join(".tmp-4242-0000000000002-crashed.json"),
        b"{\"report_id\":",
    )
    .unwrap();
    assert_eq!(pending_ids(&spool).len(), 40);
    // A reopened spool continues the order after what is already there.
    let reopened = Spool::open(&spool_dir).unwrap();
    let entry = reopened.put(&envelope(report(), None)).unwrap();
    assert_eq!(pending_ids(&reopened).last(), Some(&entry.report_id));
}

#[test]
fn a_spool_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spool");
    std::fs::write(&file, b"x").unwrap();
    let err = Spool::open(&file).unwrap_err().to_string();
    assert!(
        err.contains("not a directory") && err.contains("spool"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Envelopes and tokens.

#[test]
fn envelopes_have_fresh_ids_agent_and_host_key() {
    let a = envelope(report(), None);
    let b = envelope(report(), None);
    assert_ne!(a.report_id, b.report_id);
    for e in [&a, &b] {
        let u = uuid_parts(&e.report_id);
        assert_eq!(u.len(), 5, "{}", e.report_id);
        assert!(e.report_id.as_bytes()[14] == b'4', "v4: {}", e.report_id);
        assert_eq!(e.agent, format!("dockguard {}", env!("CARGO_PKG_VERSION")));
        assert_eq!(e.host_key, "host-a", "defaults to the hostname");
    }
    assert_eq!(envelope(report(), Some("key-1".into())).host_key, "key-1");
    assert_eq!(envelope(report(), Some("  ".into())).host_key, "host-a");
    let mut nameless = report();
    nameless.host.hostname = None;
    assert_eq!(envelope(nameless, None).host_key, "unknown-host");
    // Round-trips as the server reads it.
    let back: Envelope = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
}

fn uuid_parts(s: &str) -> Vec<&str> {
    s.split('-').collect()
}

#[test]
fn token_files_are_trimmed_and_errors_name_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("token");
    std::fs::write(&p, format!("  {TOKEN}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(read_token_file(&p).unwrap(), TOKEN);

    // Readable by others: accepted (with a warning in the log).
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(read_token_file(&p).unwrap(), TOKEN);

    let missing = dir.path().join("nope");
    let e = read_token_file(&missing).unwrap_err().to_string();
    assert!(e.contains(&missing.display().to_string()), "{e}");

    std::fs::write(&p, "\n \n").unwrap();
    let e = read_token_file(&p).unwrap_err().to_string();
    assert!(
        e.contains("is empty") && e.contains(&p.display().to_string()),
        "{e}"
    );

    std::fs::write(&p, "two\nlines").unwrap();
    let e = read_token_file(&p).unwrap_err().to_string();
    assert!(e.contains("line breaks"), "{e}");

    std::fs::write(&p, [0xff, 0xfe]).unwrap();
    let e = read_token_file(&p).unwrap_err().to_string();
    assert!(e.contains("not text"), "{e}");
}
