//! The SQLite store on real database files.

mod common;

use common::*;
use dockguard_rules::{Severity, Status};
use dockguard_store::{
    Health, HostFilter, Ingest, QueryError, QueryLimits, Role, SqliteStore, Store, StoreError,
};
use rusqlite::Connection;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00:00 UTC);
const STALE: Duration = Duration::hours(24);

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("console.db")).unwrap();
    (dir, store)
}

/// A direct connection to the store's file, for looking behind the interface.
fn raw(store: &SqliteStore) -> Connection {
    Connection::open(store.path()).unwrap()
}

fn count(store: &SqliteStore, table: &str) -> i64 {
    raw(store)
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Findings are the targets that did not pass.
fn non_passing_targets(r: &dockguard_report::Report) -> i64 {
    r.results
        .iter()
        .flat_map(|x| &x.targets)
        .filter(|t| !matches!(t.status, Status::Pass | Status::NotApplicable))
        .count() as i64
}

fn stored(i: Ingest) -> i64 {
    match i {
        Ingest::Stored { host_id } => host_id,
        Ingest::Duplicate { .. } => panic!("expected Stored, got {i:?}"),
    }
}

fn params(p: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    p.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn not_allowed(store: &SqliteStore, sql: &str) -> String {
    match store.query(sql, &BTreeMap::new(), QueryLimits::default()) {
        Ok(_) if sql.contains("trailing comment") => "__ok__".into(),
        Err(QueryError::NotAllowed(m)) => m,
        other => panic!("{sql}: expected NotAllowed, got {other:?}"),
    }
}

#[test]
fn opens_twice_with_migrations_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("console.db");
    drop(SqliteStore::open(&path).unwrap());
    let store = SqliteStore::open(&path).unwrap();
    let versions: Vec<String> = raw(&store)
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, ["0001_init", "0002_views"]);
    let mode: String = raw(&store)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(m & 0o077, 0, "the database is private to its owner");
    }
}

#[test]
fn ingest_stores_once_and_a_duplicate_changes_nothing() {
    let (_d, store) = store();
    let mut f = host("web-1", 3);
    break_first_container(&mut f);
    let r = report(&f, "2026-11-25T11:00:00Z");
    let results = r.results.len() as i64;
    let targets = non_passing_targets(&r);
    let env = envelope("r-1", "web-1", r);
    let id = stored(store.ingest(&env, NOW).unwrap());
    assert_eq!(count(&store, "hosts"), 1);
    assert_eq!(count(&store, "reports"), 1);
    assert_eq!(count(&store, "results"), results);
    assert_eq!(count(&store, "findings"), targets);
    assert_eq!(count(&store, "containers"), 3);
    assert_eq!(count(&store, "state_changes"), results);

    let later = NOW + Duration::minutes(5);
    assert_eq!(
        store.ingest(&env, later).unwrap(),
        Ingest::Duplicate { host_id: id }
    );
    assert_eq!(count(&store, "reports"), 1);
    assert_eq!(count(&store, "state_changes"), results);
    let last_seen: String = raw(&store)
        .query_row("SELECT last_seen FROM hosts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        last_seen, "2026-11-25T12:00:00.000Z",
        "a duplicate is not a sign of life"
    );
}

#[test]
fn the_same_report_from_eight_threads_is_stored_exactly_once() {
    let (_d, store) = store();
    let store = Arc::new(store);
    let env = Arc::new(envelope(
        "r-concurrent",
        "web-1",
        report(&host("web-1", 2), "2026-11-25T11:00:00Z"),
    ));
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (store, env, barrier) = (store.clone(), env.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                store.ingest(&env, NOW).unwrap()
            })
        })
        .collect();
    let outcomes: Vec<Ingest> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let stored_n = outcomes
        .iter()
        .filter(|o| matches!(o, Ingest::Stored { .. }))
        .count();
    assert_eq!(stored_n, 1, "{outcomes:?}");
    let ids: Vec<i64> = outcomes
        .iter()
        .map(|o| match o {
            Ingest::Stored { host_id } | Ingest::Duplicate { host_id } => *host_id,
        })
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]));
    assert_eq!(count(&store, "reports"), 1);
    assert_eq!(
        count(&store, "state_changes"),
        env.report.results.len() as i64
    );
}

#[test]
fn invalid_envelopes_are_rejected_and_store_nothing() {
    let (_d, store) = store();
    let good = envelope(
        "r-1",
        "web-1",
        report(&host("web-1", 1), "2026-11-25T11:00:00Z"),
    );
    type Change = Box<dyn Fn(&mut dockguard_store::Envelope)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "report_id is empty",
            Box::new(|e| e.report_id = "  ".into()),
        ),
        ("host_key is empty", Box::new(|e| e.host_key.clear())),
        (
            "report schema is \"dockguard.report/v0\"",
            Box::new(|e| e.report.schema = "dockguard.report/v0".into()),
        ),
        (
            "not an RFC 3339 time",
            Box::new(|e| e.report.started_at = "yesterday".into()),
        ),
        (
            "appears more than once",
            Box::new(|e| {
                let first = e.report.results[0].clone();
                e.report.results.push(first);
            }),
        ),
        (
            "control characters",
            Box::new(|e| e.report_id = "r\n1".into()),
        ),
    ];
    for (expect, change) in cases {
        let mut env = good.clone();
        change(&mut env);
        match store.ingest(&env, NOW) {
            Err(StoreError::Invalid(m)) => assert!(m.contains(expect), "{m:?} lacks {expect:?}"),
            other => panic!("expected Invalid({expect}), got {other:?}"),
        }
    }
    for table in [
        "hosts",
        "reports",
        "results",
        "findings",
        "state_changes",
        "containers",
        "host_inventory",
    ] {
        assert_eq!(count(&store, table), 0, "{table} is empty");
    }
    // And the good one is fine.
    stored(store.ingest(&good, NOW).unwrap());
}

fn changes(store: &SqliteStore) -> Vec<(String, Option<String>, Option<String>, String)> {
    raw(store)
        .prepare(
            "SELECT rule_id, from_status, to_status, report_id FROM state_changes \
             WHERE from_status IS NOT NULL ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn state_changes_are_recorded_only_on_change() {
    let (_d, store) = store();
    let f = host("web-1", 2);
    let first = report(&f, "2026-11-25T08:00:00Z");
    let n = first.results.len() as i64;
    stored(store.ingest(&envelope("r-1", "k", first), NOW).unwrap());
    let firsts: i64 = raw(&store)
        .query_row(
            "SELECT COUNT(*) FROM state_changes WHERE from_status IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(firsts, n, "first sight of every rule is a change from NULL");

    // The same assessment again (a new report id): nothing changes, nothing is rewritten.
    stored(
        store
            .ingest(
                &envelope("r-2", "k", report(&f, "2026-11-25T09:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    assert_eq!(count(&store, "state_changes"), n);
    let updated: i64 = raw(&store)
        .query_row(
            "SELECT COUNT(*) FROM results WHERE updated_at <> '2026-11-25T08:00:00.000Z'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(updated, 0, "unchanged results keep their time");

    // Debug logging: one rule goes from pass to fail.
    let mut g = f.clone();
    debug_logging(&mut g);
    stored(
        store
            .ingest(
                &envelope("r-3", "k", report(&g, "2026-11-25T10:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    let c = changes(&store);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].1.as_deref(), Some("pass"));
    assert_eq!(c[0].2.as_deref(), Some("fail"));
    assert_eq!(c[0].3, "r-3");
    let rule = c[0].0.clone();

    // Fixed again: fail -> pass.
    stored(
        store
            .ingest(
                &envelope("r-4", "k", report(&f, "2026-11-25T11:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    let c = changes(&store);
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[1].0.as_str(), c[1].1.as_deref(), c[1].2.as_deref()),
        (rule.as_str(), Some("fail"), Some("pass"))
    );

    // A rule no longer reported leaves the latest state with a change to NULL.
    let mut fewer = report(&f, "2026-11-25T11:30:00Z");
    let dropped = fewer.results.pop().unwrap();
    stored(store.ingest(&envelope("r-5", "k", fewer), NOW).unwrap());
    let c = changes(&store);
    assert_eq!(c.len(), 3);
    assert_eq!(c[2].0, dropped.id);
    assert_eq!(c[2].2, None);
    assert_eq!(count(&store, "results"), n - 1);
}

#[test]
fn findings_and_containers_follow_the_latest_report() {
    let (_d, store) = store();
    let mut f = host("web-1", 3);
    break_first_container(&mut f);
    let id = stored(
        store
            .ingest(
                &envelope("r-1", "k", report(&f, "2026-11-25T08:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    let socket_fail = |store: &SqliteStore| -> i64 {
        raw(store)
            .query_row(
                "SELECT COUNT(*) FROM findings WHERE rule_id = '5.31' AND status = 'fail'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(socket_fail(&store), 1);
    // The socket mount goes away and a container is removed.
    let mut g = host("web-1", 2);
    testing_privileged(&mut g);
    stored(
        store
            .ingest(
                &envelope("r-2", "k", report(&g, "2026-11-25T09:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    assert_eq!(socket_fail(&store), 0);
    let d = store.host(id, NOW, STALE).unwrap().unwrap();
    assert_eq!(d.containers.len(), 2);
    let expected = non_passing_targets(&report(&g, "2026-11-25T09:00:00Z"));
    assert!(expected > 0);
    assert_eq!(count(&store, "findings"), expected);
}

fn testing_privileged(f: &mut dockguard_facts::Facts) {
    dockguard_rules::testing::first_container(f).privileged = Some(true);
}

/// Four hosts: healthy, unhealthy, orchestrator-managed (failing too), stale (failing too).
fn fleet(store: &SqliteStore) -> [i64; 4] {
    let healthy = stored(
        store
            .ingest(
                &envelope(
                    "r-a",
                    "a",
                    report(&host("alpha", 1), "2026-11-25T11:00:00Z"),
                ),
                NOW,
            )
            .unwrap(),
    );
    let mut bad = host("bravo", 2);
    break_first_container(&mut bad);
    debug_logging(&mut bad);
    let unhealthy = stored(
        store
            .ingest(
                &envelope("r-b", "b", report(&bad, "2026-11-25T11:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    let mut k8s = report(&bad, "2026-11-25T11:00:00Z");
    k8s.host.hostname = Some("charlie".into());
    k8s.host.orchestrator = Some("kubernetes".into());
    let managed = stored(store.ingest(&envelope("r-c", "c", k8s), NOW).unwrap());
    let mut old = host("delta", 1);
    debug_logging(&mut old);
    let stale = stored(
        store
            .ingest(
                &envelope("r-d", "d", report(&old, "2026-11-20T11:00:00Z")),
                datetime!(2026-11-20 11:05:00 UTC),
            )
            .unwrap(),
    );
    [healthy, unhealthy, managed, stale]
}

#[test]
fn health_follows_orchestrator_staleness_and_failures() {
    let (_d, store) = store();
    let [a, b, c, d] = fleet(&store);
    let hosts = store.hosts(&HostFilter::default(), NOW, STALE).unwrap();
    let order: Vec<(i64, Health)> = hosts.iter().map(|h| (h.id, h.health)).collect();
    assert_eq!(
        order,
        [
            (b, Health::Unhealthy),
            (d, Health::Stale),
            (a, Health::Healthy),
            (c, Health::NotApplicable)
        ]
    );
    let by_id = |id| hosts.iter().find(|h| h.id == id).unwrap();
    assert_eq!(
        by_id(c).health_reason.as_deref(),
        Some("managed by kubernetes")
    );
    assert_eq!(
        by_id(d).health_reason.as_deref(),
        Some("no report since 2026-11-20T11:05:00Z (5 days)")
    );
    assert_eq!(by_id(a).health_reason, None);
    assert_eq!(by_id(a).failed_rules, 0);
    assert_eq!(by_id(a).highest_severity, None);
    assert_eq!(by_id(b).highest_severity, Some(Severity::Critical));
    assert!(by_id(b).failed_rules >= 3);
    assert_eq!(by_id(b).containers, 2);
    assert_eq!(by_id(b).hostname, "bravo");
    assert_eq!(by_id(b).last_assessed, "2026-11-25T11:00:00.000Z");

    // With a longer window the stale host is unhealthy again.
    let long = store
        .hosts(&HostFilter::default(), NOW, Duration::days(30))
        .unwrap();
    assert_eq!(
        long.iter().find(|h| h.id == d).unwrap().health,
        Health::Unhealthy
    );

    let filtered = |f: HostFilter| -> Vec<i64> {
        store
            .hosts(&f, NOW, STALE)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(
        filtered(HostFilter {
            search: Some("ALP".into()),
            ..Default::default()
        }),
        [a]
    );
    assert_eq!(
        filtered(HostFilter {
            search: Some("%".into()),
            ..Default::default()
        }),
        Vec::<i64>::new(),
        "wildcards are literal"
    );
    let os = store
        .host(a, NOW, STALE)
        .unwrap()
        .unwrap()
        .summary
        .os
        .unwrap();
    assert_eq!(
        filtered(HostFilter {
            search: Some(os.to_uppercase()),
            ..Default::default()
        })
        .len(),
        4
    );
    assert_eq!(
        filtered(HostFilter {
            health: Some(Health::Stale),
            ..Default::default()
        }),
        [d]
    );
    assert_eq!(
        filtered(HostFilter {
            rule: Some("5.31".into()),
            ..Default::default()
        }),
        [b, c],
        "hosts failing the socket rule"
    );
    assert_eq!(
        filtered(HostFilter {
            rule: Some("5.31".into()),
            health: Some(Health::Unhealthy),
            search: Some("brav".into()),
        }),
        [b]
    );
}

#[test]
fn recommendation_counts_hosts_and_failed_rules() {
    let (_d, store) = store();
    fleet(&store);
    // A second unhealthy host that fails only debug logging.
    let mut e = host("echo", 1);
    debug_logging(&mut e);
    stored(
        store
            .ingest(
                &envelope("r-e", "e", report(&e, "2026-11-25T11:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    let rec = store.recommendation(NOW, STALE).unwrap();
    assert_eq!(
        rec.title,
        "Vulnerabilities in container security configurations should be remediated"
    );
    assert_eq!(
        (rec.unhealthy, rec.healthy, rec.not_applicable, rec.stale),
        (2, 1, 1, 1)
    );
    assert_eq!((rec.compliant_hosts, rec.non_compliant_hosts), (1, 2));
    assert_eq!(rec.severity, Some(Severity::Critical));
    // Most severe first, then most widespread.
    for w in rec.failed_rules.windows(2) {
        assert!(
            w[0].severity > w[1].severity
                || (w[0].severity == w[1].severity && w[0].unhealthy_hosts >= w[1].unhealthy_hosts),
            "{:?}",
            rec.failed_rules
        );
    }
    let socket = rec
        .failed_rules
        .iter()
        .find(|r| r.rule_id == "5.31")
        .unwrap();
    assert_eq!(
        socket.unhealthy_hosts, 1,
        "managed and stale hosts do not count"
    );
    assert_eq!(socket.severity, Severity::Critical);
    assert_eq!(
        socket.title,
        "Ensure the Docker socket isn't mounted inside any containers"
    );
    let b_only = store
        .hosts(
            &HostFilter {
                search: Some("bravo".into()),
                ..Default::default()
            },
            NOW,
            STALE,
        )
        .unwrap();
    let b = store.host(b_only[0].id, NOW, STALE).unwrap().unwrap();
    let logging_rule = b
        .results
        .iter()
        .find(|r| r.status == Status::Fail && r.title.to_lowercase().contains("log"))
        .map(|r| r.rule_id.clone())
        .unwrap();
    let logging = rec
        .failed_rules
        .iter()
        .find(|r| r.rule_id == logging_rule)
        .unwrap();
    assert_eq!(logging.unhealthy_hosts, 2, "bravo and echo");
    // With no hosts at all.
    let (_d2, empty) = self::store();
    let rec = empty.recommendation(NOW, STALE).unwrap();
    assert_eq!((rec.unhealthy, rec.healthy, rec.severity), (0, 0, None));
    assert!(rec.failed_rules.is_empty());
}

#[test]
fn host_detail_orders_failures_first_and_keeps_the_trend() {
    let (_d, store) = store();
    let good = host("web-1", 2);
    let mut bad = good.clone();
    break_first_container(&mut bad);
    debug_logging(&mut bad);
    let id = stored(
        store
            .ingest(
                &envelope("r-1", "k", report(&good, "2026-11-25T08:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    stored(
        store
            .ingest(
                &envelope("r-2", "k", report(&bad, "2026-11-25T09:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    // A late retry of an older assessment joins the trend but leaves the latest state.
    stored(
        store
            .ingest(
                &envelope("r-0", "k", report(&good, "2026-11-25T07:00:00Z")),
                NOW + Duration::minutes(1),
            )
            .unwrap(),
    );
    assert!(store.host(id + 100, NOW, STALE).unwrap().is_none());
    let d = store.host(id, NOW, STALE).unwrap().unwrap();
    assert_eq!(d.summary.health, Health::Unhealthy);
    assert_eq!(d.summary.last_assessed, "2026-11-25T09:00:00.000Z");

    let fails: Vec<&dockguard_store::ResultRow> = d
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    assert!(fails.len() >= 3);
    assert!(
        d.results[..fails.len()]
            .iter()
            .all(|r| r.status == Status::Fail),
        "failures come first"
    );
    for w in fails.windows(2) {
        assert!(w[0].severity >= w[1].severity, "most severe first");
    }
    assert_eq!(d.results[0].severity, Severity::Critical);
    let socket = d.results.iter().find(|r| r.rule_id == "5.31").unwrap();
    assert_eq!(socket.status, Status::Fail);
    assert!(!socket.remediation.is_empty());
    assert_eq!(socket.findings[0].status, Status::Fail);
    assert_eq!(socket.findings[0].name, "app-0");
    assert_eq!(socket.findings[0].kind, "container");
    assert!(socket.findings[0].detail.contains("docker.sock"));
    assert_eq!(socket.updated_at, "2026-11-25T09:00:00.000Z");

    let expected = report(&bad, "2026-11-25T09:00:00Z");
    assert_eq!(
        d.inventory,
        serde_json::to_value(&expected.inventory).unwrap()
    );
    assert_eq!(d.containers.len(), 2);
    assert_eq!(d.containers[0].hostname, "web-1");
    assert_eq!(d.containers[0].name, "app-0");

    let at: Vec<&str> = d.trend.iter().map(|t| t.at.as_str()).collect();
    assert_eq!(
        at,
        [
            "2026-11-25T07:00:00.000Z",
            "2026-11-25T08:00:00.000Z",
            "2026-11-25T09:00:00.000Z"
        ]
    );
    assert_eq!(d.trend[0].fail, 0);
    assert_eq!(d.trend[2].fail as usize, expected.summary.fail);
    assert_eq!(d.trend[2].pass as usize, expected.summary.pass);

    // Containers across hosts, searchable.
    let all = store.containers(None).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(store.containers(Some("APP-1")).unwrap().len(), 1);
    assert_eq!(store.containers(Some("web-")).unwrap().len(), 2);
    assert_eq!(store.containers(Some("nothing")).unwrap().len(), 0);
}

#[test]
fn a_future_clock_does_not_freeze_the_latest_state() {
    let (_d, store) = store();
    let f = host("web-1", 1);
    let id = stored(
        store
            .ingest(
                &envelope("r-1", "k", report(&f, "2030-01-01T00:00:00Z")),
                NOW,
            )
            .unwrap(),
    );
    let mut g = f.clone();
    debug_logging(&mut g);
    stored(
        store
            .ingest(
                &envelope("r-2", "k", report(&g, "2026-11-25T12:30:00Z")),
                NOW + Duration::hours(1),
            )
            .unwrap(),
    );
    let d = store.host(id, NOW, STALE).unwrap().unwrap();
    assert_eq!(d.summary.health, Health::Unhealthy);
}

// ---- query console ----

fn console_fleet() -> (tempfile::TempDir, SqliteStore) {
    let (d, store) = store();
    fleet(&store);
    (d, store)
}

#[test]
fn take_action_query_lists_the_failed_rules_of_a_host() {
    let (_d, store) = console_fleet();
    let saved = store.saved_queries();
    assert!((4..=6).contains(&saved.len()));
    let take_action = &saved[0];
    assert!(take_action.sql.contains(":host"));
    assert!(take_action.params.contains_key("host"));
    let res = store
        .query(
            &take_action.sql,
            &params(&[("host", json!("bravo"))]),
            QueryLimits::default(),
        )
        .unwrap();
    assert_eq!(
        res.columns,
        [
            "rule_id",
            "title",
            "severity",
            "reason",
            "failing_targets",
            "remediation"
        ]
    );
    let b = store
        .hosts(
            &HostFilter {
                search: Some("bravo".into()),
                ..Default::default()
            },
            NOW,
            STALE,
        )
        .unwrap();
    assert_eq!(res.rows.len() as i64, b[0].failed_rules);
    assert_eq!(res.rows[0][2], json!("critical"));
    assert!(res.truncated.is_none());
    let socket = res.rows.iter().find(|r| r[0] == json!("5.31")).unwrap();
    assert!(socket[4].as_str().unwrap().contains("container app-0"));
    assert!(socket[5].as_str().unwrap().contains("docker.sock"));

    // Every saved query runs with its defaults (filled where a host is needed).
    for q in &saved {
        let p: BTreeMap<String, serde_json::Value> = q
            .params
            .iter()
            .map(|(k, v)| {
                let v = if k == "host" { "bravo" } else { v.as_str() };
                (k.clone(), json!(v))
            })
            .collect();
        let r = store
            .query(&q.sql, &p, QueryLimits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", q.name));
        assert!(
            !r.rows.is_empty() || q.name.contains("State changes"),
            "{}",
            q.name
        );
    }
    let socket_q = saved.iter().find(|q| q.name.contains("socket")).unwrap();
    let r = store
        .query(&socket_q.sql, &BTreeMap::new(), QueryLimits::default())
        .unwrap();
    let hosts: Vec<&str> = r.rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(hosts, ["bravo", "charlie"]);
}

#[test]
fn console_views_are_listed_and_bind_parameters() {
    let (_d, store) = console_fleet();
    let views = store.query_views();
    let names: Vec<&str> = views.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(
        names,
        [
            "v_hosts",
            "v_results",
            "v_findings",
            "v_containers",
            "v_state_changes",
            "v_reports"
        ]
    );
    for (v, cols) in &views {
        assert!(!cols.is_empty());
        for c in cols {
            assert!(!c.contains("secret") && !c.contains("csrf"), "{v}.{c}");
        }
        let r = store
            .query(
                &format!("SELECT * FROM {v} LIMIT 1"),
                &BTreeMap::new(),
                QueryLimits::default(),
            )
            .unwrap();
        assert_eq!(&r.columns, cols);
    }
    let r = store
        .query(
            "SELECT hostname, failed_rules, :flag AS flag, :n AS n, :x AS x, :none AS none \
             FROM v_hosts WHERE failed_rules >= :min AND hostname LIKE :pat ORDER BY hostname",
            &params(&[
                ("min", json!(1)),
                (":pat", json!("%a%")),
                ("flag", json!(true)),
                ("n", json!(1.5)),
                ("x", json!("text")),
                ("none", json!(null)),
            ]),
            QueryLimits::default(),
        )
        .unwrap();
    let names: Vec<&str> = r.rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(names, ["bravo", "charlie", "delta"]);
    assert_eq!(
        r.rows[0][2..],
        [json!(1), json!(1.5), json!("text"), json!(null)]
    );
    // Names are case-insensitive; count(*) over a view.
    let r = store
        .query(
            "SELECT count(*) FROM V_HOSTS",
            &BTreeMap::new(),
            QueryLimits::default(),
        )
        .unwrap();
    assert_eq!(r.rows, [[json!(4)]]);
    // JSON, window functions, CTEs over views, json_each.
    let r = store
        .query(
            "WITH f AS (SELECT hostname, count(*) AS n FROM v_findings WHERE status = 'fail' GROUP BY hostname) \
             SELECT hostname, n, rank() OVER (ORDER BY n DESC) AS r, \
                    (SELECT inventory ->> '$.docker_version' FROM v_hosts h WHERE h.hostname = f.hostname) AS v, \
                    (SELECT count(*) FROM json_each((SELECT inventory FROM v_hosts h WHERE h.hostname = f.hostname), '$.security_options')) AS o \
             FROM f ORDER BY r, hostname",
            &BTreeMap::new(),
            QueryLimits::default(),
        )
        .unwrap();
    assert!(!r.rows.is_empty());
    assert!(r.rows[0][3].is_string(), "{:?}", r.rows[0]);

    // Parameters: missing, unknown, positional, wrong type.
    let err = |sql: &str, p: BTreeMap<String, serde_json::Value>| match store.query(
        sql,
        &p,
        QueryLimits::default(),
    ) {
        Err(QueryError::NotAllowed(m)) => m,
        other => panic!("expected NotAllowed, got {other:?}"),
    };
    assert!(
        err("SELECT * FROM v_hosts WHERE hostname = :host", params(&[]))
            .contains("missing parameter :host")
    );
    assert!(
        err("SELECT * FROM v_hosts", params(&[("host", json!("x"))]))
            .contains("unknown parameter :host")
    );
    assert!(err("SELECT * FROM v_hosts WHERE hostname = ?", params(&[])).contains("positional"));
    assert!(err(
        "SELECT * FROM v_hosts WHERE hostname = :h",
        params(&[("h", json!(["a"]))])
    )
    .contains("must be a string"));
}

#[test]
fn console_rejects_writes_and_everything_but_the_views() {
    let (_d, store) = console_fleet();
    let hosts_before = count(&store, "hosts");
    let (_, secret) = store.create_token("ci", Role::Agent).unwrap();
    for (sql, expect) in [
        ("INSERT INTO hosts (host_key) VALUES ('x')", "INSERT"),
        ("UPDATE hosts SET hostname = 'x'", "UPDATE"),
        ("DELETE FROM hosts", "DELETE"),
        ("DELETE FROM v_hosts", "not allowed"),
        (
            "WITH x AS (SELECT 1) DELETE FROM hosts",
            "DELETE from hosts is not allowed",
        ),
        (
            "WITH x AS (SELECT 1) INSERT INTO tokens (name) SELECT 'x'",
            "not allowed",
        ),
        (
            "/* hi */ -- there\n  delete from hosts",
            "DELETE statements are not allowed",
        ),
        ("SELECT count(*) FROM tokens", "reading tokens"),
        ("SELECT count(*) FROM TOKENS", "reading TOKENS"),
        ("SELECT count(*) FROM main.tokens", "reading tokens"),
        (
            "SELECT count(*) FROM sqlite_master",
            "reading sqlite_master",
        ),
        (
            "SELECT count(*) FROM pragma_table_info('tokens')",
            "not allowed",
        ),
        (
            "WITH v_hosts AS (SELECT * FROM tokens) SELECT * FROM v_hosts",
            "reading tokens",
        ),
        (
            "WITH RECURSIVE v_hosts(x) AS (SELECT secret_hash FROM tokens UNION ALL \
             SELECT x FROM v_hosts LIMIT 3) SELECT * FROM v_hosts",
            "reading tokens",
        ),
        (
            "WITH RECURSIVE tokens(x) AS (SELECT 1 UNION ALL SELECT x FROM tokens LIMIT 1) \
             SELECT (SELECT count(*) FROM main.tokens)",
            "reading tokens",
        ),
        (
            "WITH v_hosts AS (SELECT * FROM sessions) SELECT count(*) FROM v_hosts",
            "reading sessions",
        ),
        ("SELECT 1 FROM sessions", "reading sessions"),
        ("EXPLAIN SELECT * FROM tokens", "not allowed"),
        ("DROP TABLE hosts", "DROP"),
        ("DROP VIEW v_hosts", "DROP"),
        ("CREATE TABLE t (x)", "CREATE"),
        ("CREATE TEMP VIEW t AS SELECT * FROM tokens", "not allowed"),
        ("ALTER TABLE hosts ADD COLUMN x", "ALTER"),
        ("ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH"),
        ("PRAGMA table_info(tokens)", "PRAGMA"),
        ("PRAGMA query_only=OFF", "PRAGMA"),
        ("BEGIN", "not allowed"),
        ("VACUUM", "not allowed"),
        ("SELECT * FROM tokens", "reading tokens is not allowed"),
        ("SELECT secret_hash FROM sessions", "reading sessions"),
        ("SELECT * FROM hosts", "reading hosts is not allowed"),
        ("SELECT * FROM sqlite_master", "reading sqlite_master"),
        ("SELECT * FROM sqlite_schema", "not allowed"),
        ("SELECT * FROM sqlite_temp_master", "not allowed"),
        ("SELECT * FROM pragma_table_info('tokens')", "not allowed"),
        ("SELECT * FROM schema_migrations", "not allowed"),
        (
            "WITH t AS (SELECT * FROM tokens) SELECT * FROM t",
            "reading tokens",
        ),
        (
            "SELECT * FROM v_hosts WHERE host_id IN (SELECT id FROM tokens)",
            "reading tokens",
        ),
        (
            "SELECT (SELECT secret_hash FROM tokens LIMIT 1) AS s FROM v_hosts",
            "reading tokens",
        ),
        (
            "SELECT * FROM v_hosts JOIN tokens ON tokens.id = v_hosts.host_id",
            "reading tokens",
        ),
        ("SELECT * FROM main.tokens", "reading tokens"),
        (
            "SELECT load_extension('/tmp/evil.so')",
            "load_extension() is not allowed",
        ),
        ("SELECT zeroblob(1000000000)", "zeroblob() is not allowed"),
        ("SELECT sqlite_version()", "not allowed"),
        ("SELECT 1; SELECT 2", "only one statement"),
        (
            "SELECT * FROM v_hosts; DELETE FROM hosts",
            "only one statement",
        ),
        ("SELECT 1; garbage", "only one statement"),
        ("SELECT * FROM tokens; SELECT 1", "reading tokens"),
        ("", "empty"),
        ("-- nothing", "nothing to run"),
        ("SELECT 1; -- trailing comment\n", "__ok__"),
    ] {
        let m = not_allowed(&store, sql);
        assert!(m.contains(expect), "{sql}: {m:?} lacks {expect:?}");
    }
    assert_eq!(count(&store, "hosts"), hosts_before);
    assert!(store.authenticate(&secret).unwrap().is_some());
    // Functions that do not exist here fail plainly.
    assert!(store
        .query(
            "SELECT readfile('/etc/passwd')",
            &BTreeMap::new(),
            QueryLimits::default()
        )
        .is_err());
    // A syntax error is a failure, not a refusal.
    match store.query("SELEC 1", &BTreeMap::new(), QueryLimits::default()) {
        Err(QueryError::Failed(m)) => assert!(m.contains("syntax"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn console_caps_rows_and_time() {
    let (_d, store) = console_fleet();
    let r = store
        .query(
            "SELECT rule_id, hostname FROM v_results ORDER BY hostname, rule_id",
            &BTreeMap::new(),
            QueryLimits {
                max_rows: 5,
                max_millis: 2_000,
            },
        )
        .unwrap();
    assert_eq!(r.rows.len(), 5);
    assert_eq!(
        r.truncated.as_deref(),
        Some("stopped at 5 rows (the limit)")
    );
    // Exactly at the limit is not truncated.
    let r = store
        .query(
            "SELECT hostname FROM v_hosts",
            &BTreeMap::new(),
            QueryLimits {
                max_rows: 4,
                max_millis: 2_000,
            },
        )
        .unwrap();
    assert_eq!((r.rows.len(), r.truncated), (4, None));

    let started = std::time::Instant::now();
    match store.query(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
        &BTreeMap::new(),
        QueryLimits {
            max_rows: 10,
            max_millis: 200,
        },
    ) {
        Err(e @ QueryError::Timeout(200)) => {
            assert_eq!(
                e.to_string(),
                "query stopped after 200 ms (the limit); narrow it down with WHERE or LIMIT"
            )
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // The connection is usable afterwards, with the limit lifted.
    let r = store
        .query(
            "SELECT count(*) AS n FROM v_hosts",
            &BTreeMap::new(),
            QueryLimits::default(),
        )
        .unwrap();
    assert_eq!(r.rows, [[json!(4)]]);
}

// ---- tokens and sessions ----

fn file_bytes(store: &SqliteStore) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", store.path().display());
        if let Ok(b) = std::fs::read(&p) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn tokens_are_stored_hashed_and_can_be_revoked() {
    let (_d, store) = store();
    let (admin, admin_secret) = store.create_token("bootstrap", Role::Admin).unwrap();
    let (agent, agent_secret) = store.create_token("web-1 agent", Role::Agent).unwrap();
    assert!(admin_secret.starts_with("dg_admin_"));
    assert!(agent_secret.starts_with("dg_agent_"));
    assert_eq!(agent_secret.len(), "dg_agent_".len() + 64);
    assert_ne!(admin_secret, agent_secret);
    assert!(matches!(
        store.create_token(" ", Role::Reader),
        Err(StoreError::Invalid(_))
    ));

    let (session_secret, session) = store.create_session(admin.id, Duration::hours(8)).unwrap();
    assert_eq!(session.token.id, admin.id);
    assert_eq!(session.csrf.len(), 64);

    let bytes = file_bytes(&store);
    for s in [&admin_secret, &agent_secret, &session_secret] {
        assert!(!contains(&bytes, s), "a secret is in the database file");
        let hex_part = s.rsplit('_').next().unwrap();
        assert!(
            !contains(&bytes, hex_part),
            "a secret's random part is in the file"
        );
    }
    let hash: String = raw(&store)
        .query_row(
            "SELECT secret_hash FROM tokens WHERE id = ?1",
            [admin.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hash.len(), 64);

    let found = store.authenticate(&agent_secret).unwrap().unwrap();
    assert_eq!((found.id, found.role), (agent.id, Role::Agent));
    assert!(found.last_used_at.is_some());
    assert!(store.authenticate("dg_agent_0000").unwrap().is_none());
    assert!(store.authenticate("").unwrap().is_none());
    assert!(store
        .authenticate(&agent_secret.to_uppercase())
        .unwrap()
        .is_none());

    let listed = store.list_tokens().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[1].last_used_at.is_some());
    assert!(listed.iter().all(|t| !t.revoked));

    assert!(store.session(&session_secret, NOW).unwrap().is_some());
    assert!(store.revoke_token(admin.id).unwrap());
    assert!(!store.revoke_token(9999).unwrap());
    assert!(store.authenticate(&admin_secret).unwrap().is_none());
    assert!(
        store.session(&session_secret, NOW).unwrap().is_none(),
        "revoking a token ends its sessions"
    );
    assert!(matches!(
        store.create_session(admin.id, Duration::hours(1)),
        Err(StoreError::Invalid(_))
    ));
    assert!(store.list_tokens().unwrap()[0].revoked);
    assert!(store.authenticate(&agent_secret).unwrap().is_some());
}

#[test]
fn sessions_expire_and_can_be_ended() {
    let (_d, store) = store();
    let (reader, _) = store.create_token("alice", Role::Reader).unwrap();
    let (secret, s) = store.create_session(reader.id, Duration::hours(1)).unwrap();
    let now = OffsetDateTime::now_utc();
    let got = store.session(&secret, now).unwrap().unwrap();
    assert_eq!(got, s);
    assert_eq!(got.token.role, Role::Reader);
    assert!(store
        .session(&secret, now + Duration::minutes(61))
        .unwrap()
        .is_none());
    assert!(store.session("dgs_nope", now).unwrap().is_none());
    let (other, _) = store.create_session(reader.id, Duration::hours(1)).unwrap();
    store.delete_session(&other).unwrap();
    assert!(store.session(&other, now).unwrap().is_none());
    assert!(store.session(&secret, now).unwrap().is_some());
    assert!(matches!(
        store.create_session(4242, Duration::hours(1)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.create_session(reader.id, Duration::ZERO),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn writers_and_readers_run_side_by_side() {
    let (_d, store) = store();
    let store = Arc::new(store);
    let mut f = host("web", 3);
    break_first_container(&mut f);
    let base = report(&f, "2026-11-25T11:00:00Z");
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let (store, base) = (store.clone(), base.clone());
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut r = base.clone();
                    r.host.hostname = Some(format!("web-{t}-{}", i % 5));
                    let env = envelope(&format!("r-{t}-{i}"), &format!("k-{t}-{}", i % 5), r);
                    stored(store.ingest(&env, NOW).unwrap());
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    store.recommendation(NOW, STALE).unwrap();
                    for h in store.hosts(&HostFilter::default(), NOW, STALE).unwrap() {
                        store.host(h.id, NOW, STALE).unwrap().unwrap();
                    }
                    store
                        .query(
                            "SELECT count(*) FROM v_results",
                            &BTreeMap::new(),
                            QueryLimits::default(),
                        )
                        .unwrap();
                }
            })
        })
        .collect();
    for h in writers.into_iter().chain(readers) {
        h.join().unwrap();
    }
    assert_eq!(count(&store, "reports"), 100);
    assert_eq!(count(&store, "hosts"), 20);
    let rec = store.recommendation(NOW, STALE).unwrap();
    assert_eq!(rec.unhealthy, 20);
}
