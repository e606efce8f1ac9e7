//! How many realistic reports per second the SQLite store ingests.
//!
//! `cargo run --release -p dockguard-store --example ingest_bench [HOSTS] [ROUNDS] [THREADS]`
//!
//! Each host's report is the Azure profile over the rules' fixture host with 10 containers, one of them
//! privileged and mounting the Docker socket (72 results, ~10 containers, ~150 targets). After every
//! host's first report, each round every host submits a new report (a new report id) in which nothing
//! changed, except for one host in ten whose daemon flips debug logging (a state change, rewritten
//! results). The figure printed is for those rounds: the steady state of a fleet.

#[path = "../tests/common/mod.rs"]
mod common;

use dockguard_store::{Envelope, SqliteStore, Store};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: HOSTS ROUNDS THREADS"))
        .collect();
    let hosts = args.first().copied().unwrap_or(1000);
    let rounds = args.get(1).copied().unwrap_or(5);
    let threads = args.get(2).copied().unwrap_or(4).max(1);

    let mut f = common::host("bench", 10);
    common::break_first_container(&mut f);
    let base = common::report(&f, "2026-11-25T00:00:00Z");
    let mut g = f.clone();
    common::debug_logging(&mut g);
    let flipped = common::report(&g, "2026-11-25T00:00:00Z");
    let targets: usize = base.results.iter().map(|r| r.targets.len()).sum();
    println!(
        "report: {} results, {} containers, {} targets ({} failing); {} bytes of JSON",
        base.results.len(),
        base.inventory.containers.list.len(),
        targets,
        base.findings().len(),
        serde_json::to_vec(&base).unwrap().len()
    );

    let dir = tempfile::tempdir().unwrap();
    // DOCKGUARD_BENCH_DB keeps the database (it must not exist yet).
    let path = std::env::var_os("DOCKGUARD_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let store = Arc::new(SqliteStore::open(path).unwrap());
    let now = time::OffsetDateTime::now_utc();

    let envelope = |host: usize, round: usize| -> Envelope {
        let flip = round > 0 && host % 10 == round % 10;
        let mut r = if flip && round % 2 == 1 {
            flipped.clone()
        } else {
            base.clone()
        };
        let name = format!("host-{host:05}");
        r.host.hostname = Some(name.clone());
        r.inventory.hostname = Some(name.clone());
        r.started_at = format!("2026-11-25T{:02}:{:02}:00Z", round / 60, round % 60);
        common::envelope(&format!("{name}-r{round}"), &name, r)
    };

    // First reports (every rule is new).
    let first: Vec<Envelope> = (0..hosts).map(|h| envelope(h, 0)).collect();
    let t = Instant::now();
    for e in &first {
        store.ingest(e, now).unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "first reports: {hosts} in {secs:.2} s = {:.0} reports/s (1 thread)",
        hosts as f64 / secs
    );

    // Steady state, prepared beforehand so that only ingesting is timed.
    let batches: Vec<Vec<Envelope>> = (1..=rounds)
        .map(|round| (0..hosts).map(|h| envelope(h, round)).collect())
        .collect();
    let total = hosts * rounds;
    let t = Instant::now();
    for batch in &batches[..rounds / 2] {
        for e in batch {
            store.ingest(e, now).unwrap();
        }
    }
    let one = rounds / 2 * hosts;
    let secs_one = t.elapsed().as_secs_f64();
    if one > 0 {
        println!(
            "repeat reports: {one} in {secs_one:.2} s = {:.0} reports/s (1 thread)",
            one as f64 / secs_one
        );
    }
    let rest: Vec<Envelope> = batches[rounds / 2..].concat();
    let rest = Arc::new(rest);
    let t = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (store, rest) = (store.clone(), rest.clone());
            std::thread::spawn(move || {
                for e in rest.iter().skip(i).step_by(threads) {
                    store.ingest(e, now).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let secs_many = t.elapsed().as_secs_f64();
    println!(
        "repeat reports: {} in {secs_many:.2} s = {:.0} reports/s ({threads} threads)",
        rest.len(),
        rest.len() as f64 / secs_many
    );
    println!(
        "all repeat reports: {total} in {:.2} s = {:.0} reports/s",
        secs_one + secs_many,
        total as f64 / (secs_one + secs_many)
    );
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database: {:.1} MiB", size as f64 / (1 << 20) as f64);

    // Read side at this size: 50 calls each, the median and the slowest.
    let stale = time::Duration::hours(24);
    let time_it = |what: &str, f: &dyn Fn()| {
        let mut ms: Vec<f64> = (0..50)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "{what}: median {:.1} ms, slowest {:.1} ms",
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        );
    };
    let rec = store.recommendation(now, stale).unwrap();
    println!(
        "recommendation: {} unhealthy hosts, {} failed rules",
        rec.unhealthy,
        rec.failed_rules.len()
    );
    time_it(&format!("recommendation over {hosts} hosts"), &|| {
        store.recommendation(now, stale).unwrap();
    });
    let list = store.hosts(&Default::default(), now, stale).unwrap();
    time_it(&format!("host list ({} hosts)", list.len()), &|| {
        store.hosts(&Default::default(), now, stale).unwrap();
    });
    let id = list[list.len() / 2].id;
    time_it("host page", &|| {
        store.host(id, now, stale).unwrap().unwrap();
    });
}
