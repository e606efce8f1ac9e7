//! A fleet of agents reporting to the real console, and what people see while it does.
//!
//! `cargo run --release -p dockguard-server --example fleet -- [HOSTS] [ROUNDS] [CONCURRENCY]`
//! (defaults 10000 2 16)
//!
//! Starts the server in-process on 127.0.0.1:0 over a SQLite store in a temporary directory, then:
//!
//! 1. every round, every host (`host-00001`…) submits a new report over HTTP (`POST /api/v1/reports`,
//!    the agent's Bearer token), CONCURRENCY requests in flight. The report is the Azure profile over the
//!    rules' fixture host with 10 containers, the first privileged and mounting the Docker socket; one
//!    host in ten flips debug logging between rounds (a state change). Every answer must be 201. The
//!    first round (new hosts) and the later rounds (steady state) are timed separately;
//! 2. with HOSTS hosts stored, times 300 sequential requests each of the recommendation (API and page)
//!    and of random hosts (API and page), and the affected-hosts page;
//! 3. prints a markdown table of the figures and the machine, and shuts the server down.
//!
//! Client and server share the machine's cores: the ingest figures include building and serializing
//! the reports on the client side.

use dockguard_facts::{Facts, MountFacts};
use dockguard_report::Report;
use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Profile, Selection};
use dockguard_server::{serve_on, ServerConfig};
use dockguard_store::{Envelope, Role, SqliteStore, Store};
use futures_util::StreamExt;
use reqwest::{header, redirect, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The compliant fixture host named `hostname`, with `containers` hardened containers.
fn host(hostname: &str, containers: usize) -> Facts {
    let mut f = testing::compliant_host();
    let d = testing::docker_mut(&mut f);
    d.info.name = Some(hostname.into());
    let template = d.containers[0].clone();
    d.containers = (0..containers.max(1))
        .map(|i| {
            let mut c = testing::container(&format!("app-{i}"));
            c.image = template.image.clone();
            c.image_id = template.image_id.clone();
            c
        })
        .collect();
    f
}

/// Makes the first container privileged and mount the Docker socket.
fn break_first_container(f: &mut Facts) {
    let c = testing::first_container(f);
    c.privileged = Some(true);
    c.mounts.as_mut().unwrap().push(MountFacts {
        kind: Some("bind".into()),
        source: Some("/var/run/docker.sock".into()),
        destination: "/var/run/docker.sock".into(),
        rw: Some(true),
        propagation: Some("rprivate".into()),
    });
}

fn report(f: &Facts) -> Report {
    let ctx = Ctx::new(f, EvalOptions::default());
    let results = evaluate(&ctx, Profile::Azure, &Selection::default());
    Report::new(
        f,
        Profile::Azure,
        &results,
        None,
        "2026-11-25T00:00:00Z".into(),
        10,
    )
}

/// The two reports a host may send: as it is, and with debug logging on.
struct Reports {
    base: Report,
    flipped: Report,
}

impl Reports {
    /// Host `host` (1-based) in round `round`: a fresh report id; one host in ten changes between rounds.
    fn body(&self, host: usize, round: usize) -> Vec<u8> {
        let flip = round > 0 && host % 10 == round % 10;
        let mut r = if flip && round % 2 == 1 {
            self.flipped.clone()
        } else {
            self.base.clone()
        };
        let name = format!("host-{host:05}");
        r.host.hostname = Some(name.clone());
        r.inventory.hostname = Some(name.clone());
        r.started_at = format!("2026-11-25T{:02}:{:02}:00Z", round / 60 % 24, round % 60);
        let env = Envelope {
            report_id: format!("{name}-r{round}"),
            host_key: name,
            agent: "dockguard fleet".into(),
            report: r,
        };
        serde_json::to_vec(&env).expect("an envelope serializes")
    }
}

/// What one round of ingest did.
struct Round {
    reports: usize,
    secs: f64,
    failures: Vec<String>,
    host_ids: Vec<i64>,
}

async fn ingest_round(
    http: &reqwest::Client,
    base: &str,
    agent: &str,
    reports: &Arc<Reports>,
    hosts: usize,
    round: usize,
    concurrency: usize,
) -> Round {
    let url = format!("{base}/api/v1/reports");
    let t = Instant::now();
    let outcomes: Vec<Result<i64, String>> = futures_util::stream::iter(1..=hosts)
        .map(|h| {
            let (http, url, agent, reports) = (
                http.clone(),
                url.clone(),
                agent.to_string(),
                reports.clone(),
            );
            tokio::spawn(async move {
                let body = reports.body(h, round);
                let res = http
                    .post(&url)
                    .bearer_auth(&agent)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| format!("host-{h:05} round {round}: {e}"))?;
                let status = res.status();
                let text = res.text().await.unwrap_or_default();
                if status != StatusCode::CREATED {
                    return Err(format!("host-{h:05} round {round}: {status} {text}"));
                }
                let v: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| format!("host-{h:05} round {round}: bad answer {e}: {text}"))?;
                v["host_id"]
                    .as_i64()
                    .ok_or_else(|| format!("host-{h:05} round {round}: no host_id in {text}"))
            })
        })
        .buffer_unordered(concurrency)
        .map(|joined| joined.unwrap_or_else(|e| Err(format!("task failed: {e}"))))
        .collect()
        .await;
    let secs = t.elapsed().as_secs_f64();
    let mut round_out = Round {
        reports: hosts,
        secs,
        failures: Vec::new(),
        host_ids: Vec::new(),
    };
    for o in outcomes {
        match o {
            Ok(id) => round_out.host_ids.push(id),
            Err(e) => round_out.failures.push(e),
        }
    }
    round_out
}

/// Latencies of one endpoint, in milliseconds, sorted.
struct Latency {
    what: String,
    ms: Vec<f64>,
    bytes: usize,
    errors: usize,
}

impl Latency {
    fn pct(&self, p: f64) -> f64 {
        let i = ((self.ms.len() as f64 * p).ceil() as usize).clamp(1, self.ms.len()) - 1;
        self.ms[i]
    }
    fn max(&self) -> f64 {
        self.ms[self.ms.len() - 1]
    }
}

/// `n` sequential GETs of the paths `path(i)` yields, with `auth` (a Bearer token or a cookie).
async fn time_gets(
    http: &reqwest::Client,
    base: &str,
    what: &str,
    n: usize,
    auth: &Auth<'_>,
    mut path: impl FnMut() -> String,
) -> Latency {
    let mut ms = Vec::with_capacity(n);
    let mut bytes = 0;
    let mut errors = 0;
    for _ in 0..n {
        let url = format!("{base}{}", path());
        let req = http.get(&url);
        let req = match auth {
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Cookie(c) => req.header(header::COOKIE, *c),
        };
        let t = Instant::now();
        let res = req.send().await.expect("the server answers");
        let status = res.status();
        let body = res.bytes().await.expect("the server sends the body");
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        bytes = bytes.max(body.len());
        if status != StatusCode::OK {
            errors += 1;
            if errors <= 3 {
                eprintln!("{what}: {url}: {status}");
            }
        }
    }
    ms.sort_by(f64::total_cmp);
    Latency {
        what: what.into(),
        ms,
        bytes,
        errors,
    }
}

enum Auth<'a> {
    Bearer(&'a str),
    Cookie(&'a str),
}

/// A small deterministic generator for the random host ids (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: HOSTS ROUNDS CONCURRENCY"))
        .collect();
    let hosts = args.first().copied().unwrap_or(10_000).max(1);
    let rounds = args.get(1).copied().unwrap_or(2).max(1);
    let concurrency = args.get(2).copied().unwrap_or(16).max(1);

    let mut f = host("fleet", 10);
    break_first_container(&mut f);
    let base_report = report(&f);
    let mut g = f.clone();
    testing::daemon_json_set(&mut g, "log-level", serde_json::json!("debug"));
    let reports = Arc::new(Reports {
        base: base_report,
        flipped: report(&g),
    });
    let sample = reports.body(1, 0);
    let targets: usize = reports.base.results.iter().map(|r| r.targets.len()).sum();
    println!(
        "report: {} results, {} containers, {} targets; {} bytes of JSON per envelope",
        reports.base.results.len(),
        reports.base.inventory.containers.list.len(),
        targets,
        sample.len()
    );
    let t = Instant::now();
    for h in 1..=1000 {
        std::hint::black_box(reports.body(h, 1));
    }
    let build_us = t.elapsed().as_secs_f64() * 1e6 / 1000.0;
    println!("client side: building and serializing one envelope takes {build_us:.0} µs");

    // The server, as the tests start it.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let (_, admin) = store.create_token("fleet admin", Role::Admin).unwrap();
    let (_, agent) = store.create_token("fleet agent", Role::Agent).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let dyn_store: Arc<dyn Store> = store.clone();
    let server = tokio::spawn(serve_on(
        listener,
        dyn_store,
        ServerConfig::new(addr),
        async {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(concurrency.max(8))
        .build()
        .unwrap();
    println!("server: {base}, database {}", db.display());
    println!("fleet: {hosts} hosts, {rounds} rounds, {concurrency} requests in flight");

    // 1. Ingest.
    let mut first = None;
    let mut steady = (0usize, 0f64);
    let mut failures = Vec::new();
    let mut host_ids = Vec::new();
    for round in 0..rounds {
        let r = ingest_round(&http, &base, &agent, &reports, hosts, round, concurrency).await;
        println!(
            "round {round}: {} reports in {:.2} s = {:.0} reports/s, {} failed",
            r.reports,
            r.secs,
            r.reports as f64 / r.secs,
            r.failures.len()
        );
        if round == 0 {
            first = Some((r.reports, r.secs));
            host_ids = r.host_ids;
            host_ids.sort_unstable();
            host_ids.dedup();
        } else {
            steady.0 += r.reports;
            steady.1 += r.secs;
        }
        failures.extend(r.failures);
    }
    for e in failures.iter().take(10) {
        println!("FAILED: {e}");
    }
    if failures.len() > 10 {
        println!("... and {} more failures", failures.len() - 10);
    }
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = db.with_extension("db-wal");
    println!(
        "database: {:.1} MiB (+ {:.1} MiB WAL), {} distinct hosts",
        size(&db) as f64 / (1 << 20) as f64,
        size(&wal) as f64 / (1 << 20) as f64,
        host_ids.len()
    );

    // 2. Latency with the fleet stored.
    let res = http
        .post(format!("{base}/login"))
        .header(header::ORIGIN, &base)
        .form(&[("token", admin.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signing in");
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    if host_ids.is_empty() {
        host_ids.push(1);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let n = 300;
    let mut lat = Vec::new();
    lat.push(
        time_gets(
            &http,
            &base,
            "GET /api/v1/recommendations",
            n,
            &Auth::Bearer(&admin),
            || "/api/v1/recommendations".into(),
        )
        .await,
    );
    lat.push(
        time_gets(
            &http,
            &base,
            "GET / (recommendation page)",
            n,
            &Auth::Cookie(&cookie),
            || "/".into(),
        )
        .await,
    );
    let ids = host_ids.clone();
    lat.push(
        time_gets(
            &http,
            &base,
            "GET /api/v1/hosts/{id}",
            n,
            &Auth::Bearer(&admin),
            || format!("/api/v1/hosts/{}", ids[rng.below(ids.len())]),
        )
        .await,
    );
    lat.push(
        time_gets(
            &http,
            &base,
            "GET /hosts/{id} (host page)",
            n,
            &Auth::Cookie(&cookie),
            || format!("/hosts/{}", ids[rng.below(ids.len())]),
        )
        .await,
    );
    lat.push(
        time_gets(
            &http,
            &base,
            "GET /recommendations/docker (affected hosts)",
            100,
            &Auth::Cookie(&cookie),
            || "/recommendations/docker".into(),
        )
        .await,
    );
    lat.push(
        time_gets(
            &http,
            &base,
            "GET /api/v1/hosts (host list)",
            100,
            &Auth::Bearer(&admin),
            || "/api/v1/hosts".into(),
        )
        .await,
    );

    // 3. The figures.
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    println!();
    println!(
        "Fleet: {hosts} hosts × {rounds} rounds, {concurrency} in flight, {} bytes/report",
        sample.len()
    );
    println!();
    println!("| Measure | Figure |");
    println!("|---|---|");
    if let Some((n, secs)) = first {
        println!(
            "| Ingest, first reports (new hosts) | {:.0} reports/s ({n} in {secs:.1} s) |",
            n as f64 / secs
        );
    }
    if steady.0 > 0 {
        println!(
            "| Ingest, steady state (later rounds) | {:.0} reports/s ({} in {:.1} s) |",
            steady.0 as f64 / steady.1,
            steady.0,
            steady.1
        );
    }
    println!("| Ingest failures (not 201) | {} |", failures.len());
    println!();
    println!("| Request ({hosts} hosts stored) | n | p50 ms | p99 ms | max ms | body | errors |");
    println!("|---|---|---|---|---|---|---|");
    for l in &lat {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.0} KiB | {} |",
            l.what,
            l.ms.len(),
            l.pct(0.50),
            l.pct(0.99),
            l.max(),
            l.bytes as f64 / 1024.0,
            l.errors
        );
    }
    println!();
    println!("Machine: {nproc} CPUs ({cpu}), {date}");

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server stops")
        .expect("the server task")
        .expect("the server");
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
