//! The console on a real port (127.0.0.1:0) over a real SQLite store in a temporary directory.

use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Profile, Selection};
use dockguard_server::{serve_on, LocalAgent, ServerConfig};
use dockguard_store::{Envelope, Role, SqliteStore, Store};
use reqwest::{header, redirect, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const XSS_SCRIPT: &str = "<script>alert(1)</script>";
const XSS_IMG: &str = "\"><img src=x onerror=alert(1)>";
const REC_TITLE: &str = "Vulnerabilities in container security configurations should be remediated";
const COMPLIANCE_TITLE: &str =
    "Linux machines should meet requirements for the Azure security baseline for Docker hosts";

struct Server {
    base: String,
    store: Arc<SqliteStore>,
    admin: String,
    reader: String,
    agent: String,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    async fn start_with(tune: impl FnOnce(&mut ServerConfig)) -> Server {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("dockguard_server=debug")
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("console.db")).unwrap());
        let (_, admin) = store.create_token("admin", Role::Admin).unwrap();
        let (_, reader) = store.create_token("reader", Role::Reader).unwrap();
        let (_, agent) = store.create_token("agent", Role::Agent).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut cfg = ServerConfig::new(addr);
        tune(&mut cfg);
        let scheme = if cfg.tls.is_some() { "https" } else { "http" };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let dyn_store: Arc<dyn Store> = store.clone();
        let task = tokio::spawn(serve_on(listener, dyn_store, cfg, async {
            let _ = rx.await;
        }));
        Server {
            base: format!("{scheme}://{addr}"),
            store,
            admin,
            reader,
            agent,
            http: reqwest::Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            stop: Some(tx),
            task: Some(task),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post_report(&self, token: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/reports"))
            .bearer_auth(token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn get_api(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Reports stored, counted through the store's own query console.
    fn stored_reports(&self) -> i64 {
        let r = self
            .store
            .query(
                "SELECT COUNT(*) FROM v_reports",
                &BTreeMap::new(),
                Default::default(),
            )
            .unwrap();
        r.rows[0][0].as_i64().unwrap()
    }

    /// Signs in with a token; returns the session cookie (`dg_session=…`).
    async fn login(&self, token: &str) -> String {
        let res = self
            .http
            .post(self.url("/login"))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[header::LOCATION], "/");
        let cookie = res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        cookie.split(';').next().unwrap().to_string()
    }

    async fn page(&self, cookie: &str, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(self.url(path))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap();
        let status = res.status();
        if status.is_success() {
            assert!(res.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"));
            assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        }
        (status, res.text().await.unwrap())
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task.take().unwrap())
            .await
            .expect("the server stops on shutdown")
            .unwrap()
            .unwrap();
    }
}

fn report_of(facts: &dockguard_facts::Facts) -> dockguard_report::Report {
    let ctx = Ctx::new(facts, EvalOptions::default());
    let results = evaluate(&ctx, Profile::Azure, &Selection::default());
    dockguard_report::Report::new(
        facts,
        Profile::Azure,
        &results,
        None,
        "2026-11-25T00:00:00Z".into(),
        12,
    )
}

fn envelope(report_id: &str, facts: &dockguard_facts::Facts) -> Envelope {
    let report = report_of(facts);
    Envelope {
        report_id: report_id.into(),
        host_key: report.host.hostname.clone().unwrap_or_default(),
        agent: "dockguard test".into(),
        report,
    }
}

/// A host with a privileged container mounting the Docker socket and debug logging.
fn failing_host(name: &str) -> dockguard_facts::Facts {
    testing::host_with(|f| {
        testing::docker_mut(f).info.name = Some(name.into());
        let c = testing::first_container(f);
        c.privileged = Some(true);
        c.mounts
            .as_mut()
            .unwrap()
            .push(dockguard_facts::MountFacts {
                kind: Some("bind".into()),
                source: Some("/var/run/docker.sock".into()),
                destination: "/var/run/docker.sock".into(),
                rw: Some(true),
                propagation: Some("rprivate".into()),
            });
        testing::daemon_json_set(f, "log-level", json!("debug"));
    })
}

fn compliant_host(name: &str) -> dockguard_facts::Facts {
    testing::host_with(|f| testing::docker_mut(f).info.name = Some(name.into()))
}

fn failed_rule_ids(report: &dockguard_report::Report) -> Vec<String> {
    let mut ids: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.status == dockguard_rules::Status::Fail)
        .map(|r| r.id.clone())
        .collect();
    ids.sort();
    ids
}

fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("the page has a CSRF field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

/// Decodes the few entities the pages use, to compare a page's text with the data.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn missing_wrong_and_misused_tokens() {
    let srv = Server::start().await;
    let env = serde_json::to_vec(&envelope("r-1", &compliant_host("h1"))).unwrap();

    // No token, a malformed header and an unknown token: 401 with a Bearer challenge, nothing stored.
    let res = srv
        .http
        .post(srv.url("/api/v1/reports"))
        .body(env.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert!(res.text().await.unwrap().contains("missing token"));
    let res = srv
        .http
        .get(srv.url("/api/v1/hosts"))
        .header(header::AUTHORIZATION, format!("Basic {}", srv.reader))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    for bad in ["dg_not_a_real_token", "x", &"a".repeat(5000)] {
        let res = srv.post_report(bad, env.clone()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{bad:.20}");
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
        let res = srv.get_api(bad, "/api/v1/recommendations").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }

    // An agent token may only submit reports.
    for path in [
        "/api/v1/hosts",
        "/api/v1/hosts/1",
        "/api/v1/recommendations",
        "/api/v1/queries",
        "/api/v1/tokens",
    ] {
        let res = srv.get_api(&srv.agent, path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("role agent"),
            "{body}"
        );
    }
    let res = srv
        .http
        .post(srv.url("/api/v1/query"))
        .bearer_auth(&srv.agent)
        .json(&json!({"sql": "SELECT 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // ... and cannot sign in to the pages.
    let res = srv
        .http
        .post(srv.url("/login"))
        .form(&[("token", srv.agent.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get(header::SET_COOKIE).is_none());

    // A reader cannot submit reports or manage tokens.
    let res = srv.post_report(&srv.reader, env.clone()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("agent or admin"));
    assert_eq!(
        srv.get_api(&srv.reader, "/api/v1/tokens").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(srv.stored_reports(), 0);

    // Pages without a session send people to the login page.
    for path in [
        "/",
        "/recommendations/docker",
        "/hosts/1",
        "/query",
        "/inventory",
    ] {
        let res = srv.http.get(srv.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.headers()[header::LOCATION], "/login");
        let res = srv
            .http
            .get(srv.url(path))
            .header(header::COOKIE, "dg_session=forged")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    }
    // Bearer tokens do not open pages.
    let res = srv
        .http
        .get(srv.url("/"))
        .bearer_auth(&srv.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The agent and admin tokens can submit.
    assert_eq!(
        srv.post_report(&srv.agent, env.clone()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        srv.post_report(&srv.admin, env).await.status(),
        StatusCode::OK
    );
    srv.stop().await;
}

#[tokio::test]
async fn token_management_is_admin_only_and_revocation_takes_effect() {
    let srv = Server::start().await;
    let res = srv
        .http
        .post(srv.url("/api/v1/tokens"))
        .bearer_auth(&srv.admin)
        .json(&json!({"name": "ci agent", "role": "agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("dg_"));
    let id = created["token"]["id"].as_i64().unwrap();
    assert_eq!(created["token"]["role"], "agent");

    let list: Value = srv
        .get_api(&srv.admin, "/api/v1/tokens")
        .await
        .json()
        .await
        .unwrap();
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), 4);
    assert!(
        !list.to_string().contains(&secret),
        "secrets are never listed"
    );

    for bad in [
        json!({"name": "x", "role": "root"}),
        json!({"name": "", "role": "reader"}),
        json!({"name": "x"}),
    ] {
        let res = srv
            .http
            .post(srv.url("/api/v1/tokens"))
            .bearer_auth(&srv.admin)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{bad}");
    }
    let res = srv
        .http
        .post(srv.url("/api/v1/tokens"))
        .bearer_auth(&srv.reader)
        .json(&json!({"name": "x", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let env = serde_json::to_vec(&envelope("r-rev", &compliant_host("h"))).unwrap();
    assert_eq!(
        srv.post_report(&secret, env.clone()).await.status(),
        StatusCode::CREATED
    );
    let res = srv
        .http
        .delete(srv.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&srv.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = srv
        .http
        .delete(srv.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&srv.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        srv.post_report(&secret, env).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = srv
        .http
        .delete(srv.url("/api/v1/tokens/999999"))
        .bearer_auth(&srv.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Revoking a reader token ends its web sessions.
    let (info, reader2) = srv.store.create_token("temp", Role::Reader).unwrap();
    let cookie = srv.login(&reader2).await;
    assert_eq!(srv.page(&cookie, "/").await.0, StatusCode::OK);
    let res = srv
        .http
        .delete(srv.url(&format!("/api/v1/tokens/{}", info.id)))
        .bearer_auth(&srv.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(srv.page(&cookie, "/").await.0, StatusCode::SEE_OTHER);
    srv.stop().await;
}

#[tokio::test]
async fn ingest_stores_once_however_often_it_is_sent() {
    let srv = Server::start().await;
    let env = envelope(
        "0b9c5e7e-1d2f-4f4e-9a51-6f0c1e0d2a11",
        &failing_host("web-1"),
    );
    let body = serde_json::to_vec(&env).unwrap();

    let res = srv.post_report(&srv.agent, body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["status"], "stored");
    let host_id = first["host_id"].as_i64().unwrap();

    let res = srv.post_report(&srv.agent, body.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["status"], "duplicate");
    assert_eq!(srv.stored_reports(), 1);

    // A burst of retries of a new report, at once: exactly one is stored.
    let env2 = envelope("retry-burst-2", &failing_host("web-1"));
    let body2 = serde_json::to_vec(&env2).unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let http = srv.http.clone();
        let url = srv.url("/api/v1/reports");
        let token = srv.agent.clone();
        let body = body2.clone();
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(srv.stored_reports(), 2);

    // The API reads back what was stored.
    let hosts: Value = srv
        .get_api(&srv.reader, "/api/v1/hosts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hosts.as_array().unwrap().len(), 1);
    assert_eq!(hosts[0]["id"], host_id);
    assert_eq!(hosts[0]["hostname"], "web-1");
    assert_eq!(hosts[0]["health"], "unhealthy");
    let detail: Value = srv
        .get_api(&srv.reader, &format!("/api/v1/hosts/{host_id}"))
        .await
        .json()
        .await
        .unwrap();
    let mut failed: Vec<String> = detail["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["rule_id"].as_str().unwrap().to_string())
        .collect();
    failed.sort();
    assert_eq!(failed, failed_rule_ids(&env.report));
    let rec: Value = srv
        .get_api(&srv.reader, "/api/v1/recommendations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rec["unhealthy"], 1);
    assert_eq!(rec["non_compliant_hosts"], 1);
    let filtered: Value = srv
        .get_api(&srv.reader, "/api/v1/hosts?health=healthy")
        .await
        .json()
        .await
        .unwrap();
    assert!(filtered.as_array().unwrap().is_empty());
    assert_eq!(
        srv.get_api(&srv.reader, "/api/v1/hosts?health=sick")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        srv.get_api(&srv.reader, "/api/v1/hosts/424242")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        srv.get_api(&srv.reader, "/api/v1/hosts/abc").await.status(),
        StatusCode::BAD_REQUEST
    );
    srv.stop().await;
}

#[tokio::test]
async fn oversized_reports_are_refused_and_nothing_is_stored() {
    let env = envelope("big-1", &failing_host("big"));
    let mut body = serde_json::to_vec(&env).unwrap();
    let limit = body.len() + 1024;
    let srv = Server::start_with(move |c| c.max_report_bytes = limit).await;
    // Valid JSON, padded past the limit.
    body.extend(std::iter::repeat_n(b' ', 2048));
    let res = srv.post_report(&srv.agent, body).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let msg: Value = res.json().await.unwrap();
    assert!(
        msg["error"].as_str().unwrap().contains("too large"),
        "{msg}"
    );
    // Streamed without a Content-Length, too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..limit / 1024 + 2)
        .map(|_| Ok(vec![b' '; 1024]))
        .collect();
    let res = srv
        .http
        .post(srv.url("/api/v1/reports"))
        .bearer_auth(&srv.agent)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(srv.stored_reports(), 0);
    assert_eq!(
        srv.store
            .hosts(
                &Default::default(),
                time::OffsetDateTime::now_utc(),
                time::Duration::hours(1)
            )
            .unwrap()
            .len(),
        0
    );
    // The same report within the limit is fine.
    assert_eq!(
        srv.post_report(&srv.agent, serde_json::to_vec(&env).unwrap())
            .await
            .status(),
        StatusCode::CREATED
    );
    srv.stop().await;
}

#[tokio::test]
async fn malformed_and_absurd_reports_are_refused_with_a_message() {
    let srv = Server::start().await;
    let good = serde_json::to_value(envelope("ok-1", &compliant_host("h"))).unwrap();
    let with = |path: &str, v: Value| {
        let mut e = good.clone();
        *e.pointer_mut(path).unwrap() = v;
        serde_json::to_vec(&e).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated JSON",
            b"{\"report_id\": \"x\"".to_vec(),
            "malformed",
        ),
        ("not JSON", b"hello".to_vec(), "malformed"),
        ("empty", Vec::new(), "malformed"),
        ("array", b"[]".to_vec(), "malformed"),
        (
            "missing report",
            br#"{"report_id": "a", "host_key": "h", "agent": "x"}"#.to_vec(),
            "report",
        ),
        ("wrong type", with("/report_id", json!(5)), "report_id"),
        (
            "bad status",
            with("/report/results/0/status", json!("sort-of")),
            "report.results[0].status",
        ),
        (
            "long report id",
            with("/report_id", json!("a".repeat(1000))),
            "report_id",
        ),
        (
            "empty report id",
            with("/report_id", json!("")),
            "report_id",
        ),
        (
            "report id with markup",
            with("/report_id", json!(XSS_SCRIPT)),
            "report_id",
        ),
        ("blank host key", with("/host_key", json!("  ")), "host_key"),
        (
            "long host key",
            with("/host_key", json!("h".repeat(5000))),
            "host_key",
        ),
        (
            "host key with newline",
            with("/host_key", json!("a\nb")),
            "host_key",
        ),
        (
            "other schema",
            with("/report/schema", json!("other/v9")),
            "schema",
        ),
        (
            "long hostname",
            with("/report/host/hostname", json!("h".repeat(5000))),
            "hostname",
        ),
    ];
    for (what, body, needle) in cases {
        let res = srv.post_report(&srv.agent, body).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
        let msg: Value = res.json().await.unwrap();
        let text = msg["error"].as_str().unwrap();
        assert!(text.contains(needle), "{what}: {text}");
    }
    let res = srv
        .http
        .post(srv.url("/api/v1/reports"))
        .bearer_auth(&srv.agent)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(serde_json::to_vec(&good).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(srv.stored_reports(), 0);
    srv.stop().await;
}

#[tokio::test]
async fn query_console_api_refuses_writes_and_credentials() {
    let srv = Server::start().await;
    let env = envelope("q-1", &failing_host("db-1"));
    assert_eq!(
        srv.post_report(&srv.agent, serde_json::to_vec(&env).unwrap())
            .await
            .status(),
        StatusCode::CREATED
    );
    let tokens_before = srv.store.list_tokens().unwrap().len();
    let run = |sql: String, params: Value| {
        let http = srv.http.clone();
        let url = srv.url("/api/v1/query");
        let token = srv.reader.clone();
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"sql": sql, "params": params}))
                .send()
                .await
                .unwrap()
        }
    };
    for sql in [
        "SELECT * FROM tokens",
        "SELECT * FROM sessions",
        "DELETE FROM hosts",
        "DROP VIEW v_hosts",
        "INSERT INTO tokens (name) VALUES ('x')",
        "UPDATE hosts SET hostname = 'x'",
        "SELECT 1; DELETE FROM hosts",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA writable_schema = 1",
        "SELECT * FROM sqlite_master",
    ] {
        let res = run(sql.into(), json!({})).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{sql}");
        let msg: Value = res.json().await.unwrap();
        assert!(
            msg["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{sql}"
        );
    }
    let res = run("x".repeat(dockguard_server::MAX_SQL_BYTES + 1), json!({})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("limit"));
    let res = srv
        .http
        .post(srv.url("/api/v1/query"))
        .bearer_auth(&srv.reader)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(srv.store.list_tokens().unwrap().len(), tokens_before);
    assert_eq!(srv.stored_reports(), 1);

    // The default saved query with its parameter: the host's failed rules.
    let queries: Value = srv
        .get_api(&srv.reader, "/api/v1/queries")
        .await
        .json()
        .await
        .unwrap();
    let saved0 = &queries["saved"][0];
    assert!(!queries["views"].as_array().unwrap().is_empty());
    let res = run(
        saved0["sql"].as_str().unwrap().into(),
        json!({"host": "db-1"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let out: Value = res.json().await.unwrap();
    let rule_col = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "rule_id")
        .unwrap();
    let mut ids: Vec<String> = out["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[rule_col].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, failed_rule_ids(&env.report));
    assert!(out["truncated"].is_null());
    srv.stop().await;
}

#[tokio::test]
async fn query_caps_are_reported() {
    let srv = Server::start_with(|c| {
        c.query_limits = dockguard_store::QueryLimits {
            max_rows: 3,
            max_millis: 100,
        }
    })
    .await;
    for (i, name) in ["a", "b"].iter().enumerate() {
        let e = envelope(&format!("cap-{i}"), &failing_host(name));
        srv.post_report(&srv.agent, serde_json::to_vec(&e).unwrap())
            .await;
    }
    let run = |sql: &'static str| {
        srv.http
            .post(srv.url("/api/v1/query"))
            .bearer_auth(&srv.reader)
            .json(&json!({ "sql": sql }))
            .send()
    };
    let res = run("SELECT rule_id FROM v_results").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["rows"].as_array().unwrap().len(), 3);
    assert!(
        out["truncated"].as_str().is_some_and(|t| !t.is_empty()),
        "{out}"
    );

    let res = run(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg: Value = res.json().await.unwrap();
    assert!(msg["error"].as_str().unwrap().contains("100 ms"), "{msg}");

    let res = run("SELECT nonsense FROM v_hosts").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Unknown endpoints and pages.
    let res = srv.get_api(&srv.reader, "/api/v1/nope").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());
    assert_eq!(
        srv.http
            .get(srv.url("/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    srv.stop().await;
}

#[tokio::test]
async fn login_session_and_csrf() {
    let srv = Server::start().await;
    let login = srv.http.get(srv.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    // Under `no-referrer` browsers post forms with `Origin: null`, which the pages refuse.
    assert_eq!(login.headers()[header::REFERRER_POLICY], "same-origin");
    assert!(login.text().await.unwrap().contains("name=\"token\""));

    let res = srv
        .http
        .post(srv.url("/login"))
        .form(&[("token", "dg_wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    // A sign-in posted from another site is refused.
    let res = srv
        .http
        .post(srv.url("/login"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("token", srv.reader.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = srv
        .http
        .post(srv.url("/login"))
        .form(&[("token", srv.reader.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set_cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with("dg_session="));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Strict"));
    assert!(!set_cookie.contains("Secure"), "plain HTTP: no Secure flag");
    assert!(
        !set_cookie.contains(&srv.reader),
        "the cookie is not the token"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let (status, page) = srv.page(&cookie, "/query").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);
    assert!(csrf.len() >= 16);

    let post_query = |form: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let mut req = srv
            .http
            .post(srv.url("/query"))
            .header(header::COOKIE, cookie.clone())
            .form(&form);
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        req.send()
    };
    let sql = "SELECT hostname FROM v_hosts".to_string();
    let res = post_query(vec![("sql", sql.clone())], None).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let res = post_query(vec![("sql", sql.clone()), ("csrf", "wrong".into())], None)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "wrong CSRF token");
    let res = post_query(
        vec![("sql", sql.clone()), ("csrf", csrf.clone())],
        Some("https://evil.example"),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "cross-site");
    let origin: &'static str = Box::leak(srv.base.clone().into_boxed_str());
    let res = post_query(
        vec![
            ("sql", sql.clone()),
            ("csrf", csrf.clone()),
            ("action", "run".into()),
        ],
        Some(origin),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("<th>hostname</th>"));
    // Writes are refused in the page too.
    let res = post_query(
        vec![("sql", "DELETE FROM hosts".into()), ("csrf", csrf.clone())],
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("class=\"error\""));

    // Logging out needs the CSRF token too, and ends the session.
    let res = srv
        .http
        .post(srv.url("/logout"))
        .header(header::COOKIE, cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(srv.page(&cookie, "/").await.0, StatusCode::OK);
    let res = srv
        .http
        .post(srv.url("/logout"))
        .header(header::COOKIE, cookie.clone())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/login");
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let res = srv
        .http
        .get(srv.url("/"))
        .header(header::COOKIE, cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    srv.stop().await;
}

/// The user's path: recommendation -> affected hosts -> host -> "Take action" -> run -> CSV.
#[tokio::test]
async fn recommendation_to_host_to_take_action() {
    let srv = Server::start().await;
    let bad = envelope("walk-1", &failing_host("web-1"));
    let good = envelope("walk-2", &compliant_host("db-1"));
    for e in [&bad, &good] {
        let res = srv
            .post_report(&srv.agent, serde_json::to_vec(e).unwrap())
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let cookie = srv.login(&srv.reader).await;
    let failed = failed_rule_ids(&bad.report);
    assert!(!failed.is_empty());

    let (status, home) = srv.page(&cookie, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(REC_TITLE));
    assert!(home.contains(COMPLIANCE_TITLE));
    assert!(home.contains("href=\"/recommendations/docker\""));
    for id in &failed {
        assert!(home.contains(&format!("<code>{id}</code>")), "{id} listed");
    }

    let (status, list) = srv.page(&cookie, "/recommendations/docker").await;
    assert_eq!(status, StatusCode::OK);
    let web = list.find(">web-1</a>").expect("web-1 listed");
    let db = list.find(">db-1</a>").expect("db-1 listed");
    assert!(web < db, "unhealthy first");
    let (_, only_bad) = srv
        .page(
            &cookie,
            "/recommendations/docker?health=unhealthy&search=&rule=",
        )
        .await;
    assert!(only_bad.contains(">web-1</a>") && !only_bad.contains(">db-1</a>"));
    let (_, by_rule) = srv
        .page(
            &cookie,
            &format!("/recommendations/docker?rule={}", failed[0]),
        )
        .await;
    assert!(by_rule.contains(">web-1</a>") && !by_rule.contains(">db-1</a>"));
    let (_, searched) = srv
        .page(&cookie, "/recommendations/docker?search=db-")
        .await;
    assert!(searched.contains(">db-1</a>") && !searched.contains(">web-1</a>"));

    let href_start = list[..web].rfind("href=\"/hosts/").unwrap() + "href=\"".len();
    let href = &list[href_start..href_start + list[href_start..].find('"').unwrap()];
    let (status, host) = srv.page(&cookie, href).await;
    assert_eq!(status, StatusCode::OK);
    for r in bad
        .report
        .results
        .iter()
        .filter(|r| r.status == dockguard_rules::Status::Fail)
    {
        assert!(host.contains(&format!("<code>{}</code>", r.id)));
        let remediation_line = r.remediation.lines().next().unwrap();
        assert!(
            unescape(&host).contains(remediation_line),
            "remediation of {}",
            r.id
        );
    }
    assert!(host.contains("<details class=\"card\"><summary>Passed ("));
    assert!(host.contains("29.1.0"), "Docker version");
    assert!(host.contains("Debian GNU/Linux 12"), "OS");
    assert!(host.contains("<svg"), "trend");
    let container = &bad.report.inventory.containers.list[0].name;
    assert!(host.contains(container.as_str()));
    let take_action = "/query?saved=0&amp;host=web-1";
    assert!(host.contains(take_action), "Take action link");
    assert!(host.contains(">Take action</a>"));

    let (status, console) = srv.page(&cookie, &unescape(take_action)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(console.contains("name=\"p.host\" value=\"web-1\""));
    let sql_start = console.find("<textarea").unwrap();
    let sql_start = sql_start + console[sql_start..].find('>').unwrap() + 1;
    let sql = unescape(
        &console[sql_start..sql_start + console[sql_start..].find("</textarea>").unwrap()],
    );
    assert!(sql.contains(":host"));
    let csrf = csrf_of(&console);

    let run = |action: &'static str| {
        srv.http
            .post(srv.url("/query"))
            .header(header::COOKIE, cookie.clone())
            .form(&[
                ("csrf", csrf.as_str()),
                ("sql", sql.as_str()),
                ("p.host", "web-1"),
                ("action", action),
            ])
            .send()
    };
    let res = run("run").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let result = res.text().await.unwrap();
    assert!(result.contains(&format!("Result ({} rows)", failed.len())));
    for id in &failed {
        assert!(
            result.contains(&format!("<td class=\"cell\">{id}</td>")),
            "{id} in the result"
        );
    }
    let res = run("csv").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("rule_id,"));
    let mut csv_ids: Vec<String> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    csv_ids.sort();
    assert_eq!(csv_ids, failed);

    let (status, inv) = srv.page(&cookie, "/inventory?search=web").await;
    assert_eq!(status, StatusCode::OK);
    let (inv_hosts, inv_containers) = inv.split_once("<h2>Containers (").unwrap();
    assert!(inv_hosts.contains(">web-1</a>") && !inv_hosts.contains(">db-1</a>"));
    assert!(inv_containers.contains(container.as_str()));
    let (_, inv) = srv.page(&cookie, "/inventory?search=db-1").await;
    let (inv_hosts, inv_containers) = inv.split_once("<h2>Containers (").unwrap();
    assert!(inv_hosts.contains(">db-1</a>") && !inv_hosts.contains(">web-1</a>"));
    assert!(inv_containers.contains(">db-1</a>") && !inv_containers.contains(">web-1</a>"));
    let (status, _) = srv.page(&cookie, "/hosts/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = srv.page(&cookie, "/query?saved=999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    srv.stop().await;
}

#[tokio::test]
async fn hostile_host_strings_are_escaped_in_every_page() {
    let srv = Server::start().await;
    let hostname = format!("{XSS_SCRIPT}{XSS_IMG}");
    let facts = testing::host_with(|f| {
        testing::docker_mut(f).info.name = Some(hostname.clone());
        testing::docker_mut(f).info.operating_system = Some(XSS_IMG.into());
        testing::docker_mut(f).version.version = Some(XSS_SCRIPT.into());
        let c = testing::first_container(f);
        c.name = format!("/{XSS_IMG}");
        c.image = Some(XSS_SCRIPT.into());
        c.privileged = Some(true);
        c.user = Some(String::new());
        let labels = c.labels.as_mut().unwrap();
        labels.insert(XSS_SCRIPT.into(), XSS_IMG.into());
        labels.insert("com.example.note".into(), XSS_SCRIPT.into());
    });
    let mut env = envelope("xss-1", &facts);
    env.host_key = XSS_IMG.into();
    let res = srv
        .post_report(&srv.agent, serde_json::to_vec(&env).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let host_id = res.json::<Value>().await.unwrap()["host_id"]
        .as_i64()
        .unwrap();
    let cookie = srv.login(&srv.reader).await;

    let mut pages = vec![
        "/".to_string(),
        "/recommendations/docker".into(),
        format!("/recommendations/docker?search={}", urlenc(XSS_SCRIPT)),
        format!("/recommendations/docker?rule={}", urlenc(XSS_IMG)),
        format!("/hosts/{host_id}"),
        "/inventory".into(),
        format!("/inventory?search={}", urlenc(XSS_SCRIPT)),
        format!("/query?saved=0&host={}", urlenc(&hostname)),
        format!("/query?sql={}", urlenc(XSS_IMG)),
    ];
    pages.dedup();
    let mut seen_escaped = false;
    for p in &pages {
        let (status, page) = srv.page(&cookie, p).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        assert_no_payload(p, &page);
        seen_escaped |= page.contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    assert!(seen_escaped, "the payload is shown, escaped");
    let (_, host) = srv.page(&cookie, &format!("/hosts/{host_id}")).await;
    assert!(host.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));

    // Query results carrying the payload (the host's failed rules, its containers).
    let (_, console) = srv.page(&cookie, "/query").await;
    let csrf = csrf_of(&console);
    for (sql, host) in [
        ("SELECT * FROM v_hosts", None),
        ("SELECT * FROM v_containers", None),
        (
            "SELECT * FROM v_findings WHERE hostname = :host",
            Some(hostname.as_str()),
        ),
    ] {
        let mut form = vec![("csrf", csrf.as_str()), ("sql", sql), ("action", "run")];
        if let Some(h) = host {
            form.push(("p.host", h));
        }
        let res = srv
            .http
            .post(srv.url("/query"))
            .header(header::COOKIE, cookie.clone())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{sql}");
        let page = res.text().await.unwrap();
        assert_no_payload(sql, &page);
        assert!(
            page.contains("&lt;script&gt;") || page.contains("&lt;img"),
            "{sql} shows the data"
        );
    }
    srv.stop().await;
}

fn urlenc(s: &str) -> String {
    dockguard_server::html::url_encode(s)
}

fn assert_no_payload(what: &str, page: &str) {
    assert!(!page.contains(XSS_SCRIPT), "{what}: raw <script>");
    assert!(!page.contains(XSS_IMG), "{what}: raw attribute breakout");
    assert!(!page.contains("<img"), "{what}: an <img> element");
    assert!(
        !page.to_ascii_lowercase().contains("<script"),
        "{what}: a <script> element"
    );
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let srv = Server::start().await;
    let res = srv
        .http
        .get(srv.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let routes = dockguard_server::api_routes();
    assert!(routes.len() >= 10);
    for (method, path) in &routes {
        let op = &paths[*path][method.as_str().to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {path} undocumented");
        assert!(op["responses"].is_object(), "{method} {path}: responses");
    }
    // Every documented operation is served: without a token it answers 401 (not 404 or 405).
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let url = srv.url(&path.replace("{id}", "1"));
            let m = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            let res = srv.http.request(m, url).send().await.unwrap();
            let expected = if path.ends_with("openapi.json") {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(res.status(), expected, "{method} {path}");
        }
    }
    // The Envelope schema refers to the report's generated schema.
    assert!(doc
        .pointer("/components/schemas/Report/properties/results")
        .is_some());
    assert!(doc
        .pointer("/components/schemas/Envelope/properties/report")
        .is_some());
    srv.stop().await;
}

#[tokio::test]
async fn local_agent_runs_at_once_and_retries_after_a_failure() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let run = Arc::new(move || {
        let n = c.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            return Err("no Docker daemon (simulated)".to_string());
        }
        Ok(envelope(
            &format!("local-{n}"),
            &failing_host("console-host"),
        ))
    });
    let srv = Server::start_with(|cfg| {
        cfg.local_agent = Some(LocalAgent {
            run,
            interval: Duration::from_secs(1),
        })
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while srv.stored_reports() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the local agent stored {} reports after {} runs",
            srv.stored_reports(),
            calls.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        calls.load(Ordering::SeqCst) >= 3,
        "first run failed, later ones stored"
    );
    let hosts: Value = srv
        .get_api(&srv.reader, "/api/v1/hosts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hosts[0]["hostname"], "console-host");
    srv.stop().await;
}

#[tokio::test]
async fn serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let (c, k) = (cert_path.clone(), key_path.clone());
    let srv = Server::start_with(move |cfg| cfg.tls = Some((c, k))).await;
    assert!(srv.base.starts_with("https://127.0.0.1:"));
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(srv.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = client
        .post(srv.url("/login"))
        .form(&[("token", srv.reader.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    // Plain HTTP to the TLS port gets no answer.
    let plain = srv.base.replace("https://", "http://");
    assert!(srv
        .http
        .get(format!("{plain}/api/v1/openapi.json"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map(|r| r.status() != StatusCode::OK)
        .unwrap_or(true));
    srv.stop().await;

    // A missing or mismatched key is a clear error at start.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("db.sqlite")).unwrap());
    let mut cfg = ServerConfig::new(listener.local_addr().unwrap());
    cfg.tls = Some((cert_path, dir.path().join("missing.pem")));
    let err = serve_on(listener, store, cfg, async {}).await.unwrap_err();
    assert!(format!("{err:#}").contains("missing.pem"), "{err:#}");
}

#[tokio::test]
async fn serve_binds_and_stops_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("db")).unwrap());
    let cfg = ServerConfig::new("127.0.0.1:0".parse().unwrap());
    tokio::time::timeout(
        Duration::from_secs(10),
        dockguard_server::serve(store.clone(), cfg, async {
            tokio::time::sleep(Duration::from_millis(200)).await
        }),
    )
    .await
    .unwrap()
    .unwrap();
    // A port that is taken is a clear error.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let cfg = ServerConfig::new(taken.local_addr().unwrap());
    let err = dockguard_server::serve(store, cfg, async {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot listen"), "{err}");
}
