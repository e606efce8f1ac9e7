//! [`SqliteStore`]: the [`Store`] in one SQLite file.
//!
//! # Schema
//! `crates/store/migrations/*.sql`, embedded and applied in order at [`SqliteStore::open`], each recorded
//! in `schema_migrations`. The SQL is meant to carry over to PostgreSQL: TEXT/INTEGER columns, upserts
//! with `ON CONFLICT … DO UPDATE`, `RETURNING`; times are fixed-width UTC text
//! (`2026-11-25T08:00:00.000Z`) that sort and compare as text. The one SQLite spelling is
//! `id INTEGER PRIMARY KEY` for generated ids.
//!
//! # Connections and threads
//! The server calls the store from several threads at once. The store holds:
//! - one **writer** connection behind a `Mutex`: SQLite admits one writer at a time anyway, so writers
//!   queue in-process instead of spinning on `SQLITE_BUSY`; every write is one `BEGIN IMMEDIATE`
//!   transaction (so another process, such as `dockguard server token create`, waits its turn through
//!   the busy timeout and never interleaves);
//! - a small pool of **reader** connections (opened read-only): in WAL mode readers never wait for the
//!   writer, so pages stay fast while agents submit;
//! - a small pool of **console** connections for [`Store::query`]: read-only, `query_only`, defensive,
//!   with an authorizer that admits only the documented views (see [`console`]).
//!
//! The database runs in WAL mode with `synchronous=NORMAL` (a committed report survives the server
//! being killed; a power cut may lose the last few commits, which the agents then resubmit), a busy
//! timeout of 5 s, and `foreign_keys=ON`. The file is created with mode 0600: it holds token hashes.

mod auth;
pub mod console;
mod ingest;

use crate::{
    ContainerRow, Envelope, FindingRow, HostDetail, HostFilter, HostSummary, Ingest, QueryError,
    QueryLimits, QueryResult, Recommendation, ResultRow, Role, SavedQuery, Session, Store,
    StoreError, TokenInfo, TrendPoint,
};
use crate::{FailedRule, Health};
use dockguard_rules::{Severity, Status};
use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql, TransactionBehavior};
use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration as StdDuration;
use time::OffsetDateTime;

/// The migrations, applied in this order.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    ("0002_views", include_str!("../migrations/0002_views.sql")),
];

/// Title of the recommendation.
pub const RECOMMENDATION_TITLE: &str =
    "Vulnerabilities in container security configurations should be remediated";

/// How long a connection waits for a lock held by another connection or process.
const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(5);
/// Idle connections kept per pool (more are opened under load and closed when returned).
const POOL_IDLE: usize = 4;
/// Trend points returned by [`Store::host`]: the latest ones.
const TREND_POINTS: i64 = 1000;

/// The console's SQLite store. See the module documentation for how connections are used.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Pool<Connection>,
    console: Pool<console::ConsoleConn>,
    views: Vec<(String, Vec<String>)>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

/// A `rusqlite` error as a [`StoreError`], with what was being done.
pub(crate) fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::Backend(format!("{context}: {e}"))
}

/// A time as stored: UTC, milliseconds, fixed width.
pub(crate) fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// A stored time for people: to the second.
fn ts_display(stored: &str) -> String {
    match stored.split_once('.') {
        Some((secs, _)) => format!("{secs}Z"),
        None => stored.to_string(),
    }
}

/// "3 days", "5 hours", "12 minutes".
fn age(from: &str, now: OffsetDateTime) -> Option<String> {
    let then = OffsetDateTime::parse(from, &time::format_description::well_known::Rfc3339).ok()?;
    let d = now - then;
    let (n, unit) = if d.whole_days() >= 1 {
        (d.whole_days(), "day")
    } else if d.whole_hours() >= 1 {
        (d.whole_hours(), "hour")
    } else {
        (d.whole_minutes().max(0), "minute")
    };
    Some(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
}

pub(crate) fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn severity_of_rank(r: i64) -> Option<Severity> {
    match r {
        1 => Some(Severity::Low),
        2 => Some(Severity::Medium),
        3 => Some(Severity::High),
        4 => Some(Severity::Critical),
        _ => None,
    }
}

fn parse_severity(s: &str) -> Result<Severity, StoreError> {
    Severity::parse(s).ok_or_else(|| StoreError::Backend(format!("unknown severity {s:?} stored")))
}

pub(crate) fn parse_status(s: &str) -> Result<Status, StoreError> {
    Ok(match s {
        "pass" => Status::Pass,
        "fail" => Status::Fail,
        "manual" => Status::Manual,
        "not_applicable" => Status::NotApplicable,
        "error" => Status::Error,
        "exempt" => Status::Exempt,
        _ => return Err(StoreError::Backend(format!("unknown status {s:?} stored"))),
    })
}

fn health_str(h: Health) -> &'static str {
    match h {
        Health::Unhealthy => "unhealthy",
        Health::Healthy => "healthy",
        Health::NotApplicable => "not_applicable",
        Health::Stale => "stale",
    }
}

fn parse_health(s: &str) -> Result<Health, StoreError> {
    Ok(match s {
        "unhealthy" => Health::Unhealthy,
        "healthy" => Health::Healthy,
        "not_applicable" => Health::NotApplicable,
        "stale" => Health::Stale,
        _ => return Err(StoreError::Backend(format!("unknown health {s:?}"))),
    })
}

/// A host's health in SQL over `hosts h`, with `:stale_before` the oldest `last_seen` that is not stale.
/// The order of the cases is the order of precedence.
const HEALTH_SQL: &str = "CASE \
    WHEN h.orchestrator IS NOT NULL AND h.orchestrator <> '' THEN 'not_applicable' \
    WHEN h.last_seen < :stale_before THEN 'stale' \
    WHEN h.failed_rules > 0 THEN 'unhealthy' \
    ELSE 'healthy' END";

/// Severity text as a rank in SQL.
const RANK_SQL: &str = "CASE r.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 \
    WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END";

/// A `LIKE` pattern matching `s` anywhere, lower-cased, with `\` as the escape.
fn like_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Connections for reuse. Opens a new one when none is idle; keeps at most `max_idle`.
struct Pool<T> {
    idle: Mutex<Vec<T>>,
    max_idle: usize,
    #[allow(clippy::type_complexity)]
    open: Box<dyn Fn() -> rusqlite::Result<T> + Send + Sync>,
}

impl<T> Pool<T> {
    fn new(
        max_idle: usize,
        open: impl Fn() -> rusqlite::Result<T> + Send + Sync + 'static,
    ) -> Pool<T> {
        Pool {
            idle: Mutex::new(Vec::new()),
            max_idle,
            open: Box::new(open),
        }
    }

    fn get(&self) -> rusqlite::Result<Pooled<'_, T>> {
        let idle = lock(&self.idle).pop();
        let item = match idle {
            Some(c) => c,
            None => (self.open)()?,
        };
        Ok(Pooled {
            pool: self,
            item: Some(item),
        })
    }
}

struct Pooled<'a, T> {
    pool: &'a Pool<T>,
    item: Option<T>,
}

impl<T> Deref for Pooled<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item.as_ref().expect("pooled item present until drop")
    }
}

impl<T> DerefMut for Pooled<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item.as_mut().expect("pooled item present until drop")
    }
}

impl<T> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        if let Some(item) = self.item.take() {
            let mut idle = lock(&self.pool.idle);
            if idle.len() < self.pool.max_idle {
                idle.push(item);
            }
        }
    }
}

/// Locks a mutex; a panic elsewhere while holding it does not poison the store (an open transaction was
/// rolled back when it was dropped).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("starting the migrations"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(db("creating schema_migrations"))?;
    let applied: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .map_err(db("reading schema_migrations"))?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .map_err(db("reading schema_migrations"))?;
        rows.collect::<Result<_, _>>()
            .map_err(db("reading schema_migrations"))?
    };
    if let Some(unknown) = applied
        .iter()
        .find(|v| !MIGRATIONS.iter().any(|(m, _)| m == v))
    {
        return Err(StoreError::Backend(format!(
            "the database has schema migration {unknown}, which this dockguard does not know: \
             it was written by a newer version"
        )));
    }
    let now = ts(OffsetDateTime::now_utc());
    for (version, sql) in MIGRATIONS {
        if applied.iter().any(|v| v == version) {
            continue;
        }
        tx.execute_batch(sql).map_err(|e| {
            StoreError::Backend(format!("applying schema migration {version}: {e}"))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            (version, &now),
        )
        .map_err(db("recording a schema migration"))?;
    }
    tx.commit().map_err(db("committing the migrations"))
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("creating the directory {}: {e}", parent.display()))
            })?;
        }
        let created = !path.exists();
        let ctx = |what: &str, e: rusqlite::Error| {
            StoreError::Backend(format!("{what} {}: {e}", path.display()))
        };
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| ctx("opening the database", e))?;
        #[cfg(unix)]
        if created {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError::Backend(format!("restricting {}: {e}", path.display())))?;
        }
        writer
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| ctx("configuring", e))?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| ctx("switching to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{} cannot use WAL mode (journal mode is {mode})",
                path.display()
            )));
        }
        writer
            .execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            .map_err(|e| ctx("configuring", e))?;
        writer.set_prepared_statement_cache_capacity(64);
        migrate(&mut writer)?;

        let reader_path = path.clone();
        let readers = Pool::new(POOL_IDLE, move || open_reader(&reader_path));
        let views = {
            let conn = readers.get().map_err(|e| ctx("opening a reader of", e))?;
            console::VIEWS
                .iter()
                .map(|(name, _)| {
                    let stmt = conn.prepare(&format!("SELECT * FROM {name} LIMIT 0"))?;
                    Ok((
                        name.to_string(),
                        stmt.column_names().iter().map(|c| c.to_string()).collect(),
                    ))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| ctx("reading the console views of", e))?
        };
        let console_path = path.clone();
        let console = Pool::new(2, move || console::open(&console_path));
        // Fail at start rather than at the first query when the console cannot open.
        drop(
            console
                .get()
                .map_err(|e| ctx("opening the query console on", e))?,
        );
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers,
            console,
            views,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }

    fn reader(&self) -> Result<Pooled<'_, Connection>, StoreError> {
        self.readers.get().map_err(db("opening a read connection"))
    }

    /// Hosts with their health, filtered by `cond` (over the columns of the inner select, `x.`).
    fn summaries(
        conn: &Connection,
        cond: &str,
        params: &[(&str, &dyn ToSql)],
        now: OffsetDateTime,
    ) -> Result<Vec<HostSummary>, StoreError> {
        let sql = format!(
            "SELECT id, host_key, hostname, docker_version, os, orchestrator, profile, last_seen, \
                 last_assessed, failed_rules, severity_rank, container_count, health \
             FROM (SELECT h.*, {HEALTH_SQL} AS health FROM hosts h) x \
             WHERE 1 = 1 {cond} \
             ORDER BY CASE health WHEN 'unhealthy' THEN 0 WHEN 'stale' THEN 1 \
                 WHEN 'healthy' THEN 2 ELSE 3 END, severity_rank DESC, hostname, id"
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .map_err(db("preparing the host query"))?;
        let mut rows = stmt.query(params).map_err(db("querying hosts"))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db("reading hosts"))? {
            let get = |e| StoreError::Backend(format!("reading a host: {e}"));
            let orchestrator: Option<String> = r.get(5).map_err(get)?;
            let last_seen: String = r.get(7).map_err(get)?;
            let health = parse_health(&r.get::<_, String>(12).map_err(get)?)?;
            let health_reason = match health {
                Health::NotApplicable => Some(format!(
                    "managed by {}",
                    orchestrator.as_deref().unwrap_or("an orchestrator")
                )),
                Health::Stale => Some(match age(&last_seen, now) {
                    Some(a) => format!("no report since {} ({a})", ts_display(&last_seen)),
                    None => format!("no report since {}", ts_display(&last_seen)),
                }),
                _ => None,
            };
            out.push(HostSummary {
                id: r.get(0).map_err(get)?,
                host_key: r.get(1).map_err(get)?,
                hostname: r.get(2).map_err(get)?,
                docker_version: r.get(3).map_err(get)?,
                os: r.get(4).map_err(get)?,
                orchestrator,
                profile: r.get(6).map_err(get)?,
                health,
                health_reason,
                last_assessed: r.get(8).map_err(get)?,
                failed_rules: r.get(9).map_err(get)?,
                highest_severity: severity_of_rank(r.get(10).map_err(get)?),
                containers: r.get(11).map_err(get)?,
            });
        }
        Ok(out)
    }
}

/// The oldest `last_seen` that is not stale.
fn stale_before(now: OffsetDateTime, stale_after: time::Duration) -> String {
    ts(now - stale_after)
}

/// Order of statuses on the host page: failures first.
fn status_order(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Manual => 2,
        Status::Exempt => 3,
        Status::Pass => 4,
        Status::NotApplicable => 5,
    }
}

/// Rule ids in numeric order (`5.9` before `5.10`).
fn id_key(id: &str) -> Vec<(u64, String)> {
    id.split(['.', '-'])
        .map(|p| {
            let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
            (digits.parse().unwrap_or(u64::MAX), p.to_string())
        })
        .collect()
}

impl Store for SqliteStore {
    fn ingest(
        &self,
        envelope: &Envelope,
        received_at: OffsetDateTime,
    ) -> Result<Ingest, StoreError> {
        let prepared = ingest::Prepared::new(envelope, received_at)?;
        let mut conn = self.writer();
        ingest::ingest(&mut conn, &prepared)
    }

    fn recommendation(
        &self,
        now: OffsetDateTime,
        stale_after: time::Duration,
    ) -> Result<Recommendation, StoreError> {
        let before = stale_before(now, stale_after);
        let mut conn = self.reader()?;
        // One read transaction: the counts and the rules come from the same state.
        let conn = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(db("starting a read"))?;
        let mut rec = Recommendation {
            title: RECOMMENDATION_TITLE.into(),
            severity: None,
            unhealthy: 0,
            healthy: 0,
            not_applicable: 0,
            stale: 0,
            failed_rules: Vec::new(),
            compliant_hosts: 0,
            non_compliant_hosts: 0,
        };
        {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT health, COUNT(*) FROM (SELECT {HEALTH_SQL} AS health FROM hosts h) x \
                     GROUP BY health"
                ))
                .map_err(db("preparing the health counts"))?;
            let mut rows = stmt
                .query(&[(":stale_before", &before)])
                .map_err(db("counting hosts by health"))?;
            while let Some(r) = rows.next().map_err(db("counting hosts by health"))? {
                let health: String = r.get(0).map_err(db("counting hosts by health"))?;
                let n: i64 = r.get(1).map_err(db("counting hosts by health"))?;
                match parse_health(&health)? {
                    Health::Unhealthy => rec.unhealthy = n,
                    Health::Healthy => rec.healthy = n,
                    Health::NotApplicable => rec.not_applicable = n,
                    Health::Stale => rec.stale = n,
                }
            }
        }
        {
            // Unhealthy hosts are exactly those neither managed nor stale with a failing rule. The
            // counts come from the index alone; then one title per failing rule.
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT r.rule_id, MAX({RANK_SQL}), COUNT(*) \
                     FROM results r JOIN hosts h ON h.id = r.host_id \
                     WHERE r.status = 'fail' \
                       AND (h.orchestrator IS NULL OR h.orchestrator = '') \
                       AND h.last_seen >= :stale_before \
                     GROUP BY r.rule_id"
                ))
                .map_err(db("preparing the failed rules"))?;
            let mut rows = stmt
                .query(&[(":stale_before", &before)])
                .map_err(db("aggregating failed rules"))?;
            while let Some(r) = rows.next().map_err(db("aggregating failed rules"))? {
                let get = |e| StoreError::Backend(format!("aggregating failed rules: {e}"));
                let rank: i64 = r.get(1).map_err(get)?;
                rec.failed_rules.push(FailedRule {
                    rule_id: r.get(0).map_err(get)?,
                    title: String::new(),
                    severity: severity_of_rank(rank).unwrap_or(Severity::Low),
                    unhealthy_hosts: r.get(2).map_err(get)?,
                });
            }
            let mut title = conn
                .prepare_cached(
                    "SELECT title FROM results WHERE status = 'fail' AND rule_id = ?1 LIMIT 1",
                )
                .map_err(db("preparing the rule titles"))?;
            for f in &mut rec.failed_rules {
                f.title = title
                    .query_row([&f.rule_id], |r| r.get(0))
                    .optional()
                    .map_err(db("reading a rule title"))?
                    .unwrap_or_default();
            }
        }
        rec.failed_rules.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.unhealthy_hosts.cmp(&a.unhealthy_hosts))
                .then_with(|| id_key(&a.rule_id).cmp(&id_key(&b.rule_id)))
        });
        rec.severity = rec.failed_rules.iter().map(|f| f.severity).max();
        rec.compliant_hosts = rec.healthy;
        rec.non_compliant_hosts = rec.unhealthy;
        Ok(rec)
    }

    fn hosts(
        &self,
        filter: &HostFilter,
        now: OffsetDateTime,
        stale_after: time::Duration,
    ) -> Result<Vec<HostSummary>, StoreError> {
        let before = stale_before(now, stale_after);
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(like_pattern);
        let health = filter.health.map(health_str);
        let rule = filter.rule.as_deref().filter(|s| !s.is_empty());
        let mut cond = String::new();
        let mut params: Vec<(&str, &dyn ToSql)> = vec![(":stale_before", &before)];
        if let Some(s) = &search {
            cond.push_str(
                " AND (lower(hostname) LIKE :search ESCAPE '\\' \
                 OR lower(COALESCE(os, '')) LIKE :search ESCAPE '\\' \
                 OR lower(COALESCE(docker_version, '')) LIKE :search ESCAPE '\\')",
            );
            params.push((":search", s));
        }
        if let Some(h) = &health {
            cond.push_str(" AND health = :health");
            params.push((":health", h));
        }
        if let Some(r) = &rule {
            cond.push_str(
                " AND EXISTS (SELECT 1 FROM results r WHERE r.host_id = x.id \
                 AND r.rule_id = :rule AND r.status = 'fail')",
            );
            params.push((":rule", r));
        }
        let conn = self.reader()?;
        Self::summaries(&conn, &cond, &params, now)
    }

    fn host(
        &self,
        id: i64,
        now: OffsetDateTime,
        stale_after: time::Duration,
    ) -> Result<Option<HostDetail>, StoreError> {
        let before = stale_before(now, stale_after);
        let mut conn = self.reader()?;
        // One read transaction: every part of the page comes from the same state.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(db("starting a read"))?;
        let Some(summary) = Self::summaries(
            &tx,
            " AND id = :id",
            &[(":stale_before", &before), (":id", &id)],
            now,
        )?
        .pop() else {
            return Ok(None);
        };

        let mut findings: HashMap<String, Vec<FindingRow>> = HashMap::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT rule_id, kind, target_id, name, status, detail FROM findings \
                     WHERE host_id = ?1 \
                     ORDER BY rule_id, CASE status WHEN 'fail' THEN 0 ELSE 1 END, kind, name, target_id",
                )
                .map_err(db("preparing the findings"))?;
            let mut rows = stmt.query([id]).map_err(db("reading findings"))?;
            while let Some(r) = rows.next().map_err(db("reading findings"))? {
                let get = |e| StoreError::Backend(format!("reading a finding: {e}"));
                let rule: String = r.get(0).map_err(get)?;
                let status: String = r.get(4).map_err(get)?;
                findings.entry(rule).or_default().push(FindingRow {
                    kind: r.get(1).map_err(get)?,
                    target_id: r.get(2).map_err(get)?,
                    name: r.get(3).map_err(get)?,
                    status: parse_status(&status)?,
                    detail: r.get(5).map_err(get)?,
                });
            }
        }

        let mut results = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT rule_id, title, section, severity, status, reason, remediation, updated_at \
                     FROM results WHERE host_id = ?1",
                )
                .map_err(db("preparing the results"))?;
            let mut rows = stmt.query([id]).map_err(db("reading results"))?;
            while let Some(r) = rows.next().map_err(db("reading results"))? {
                let get = |e| StoreError::Backend(format!("reading a result: {e}"));
                let rule_id: String = r.get(0).map_err(get)?;
                let severity: String = r.get(3).map_err(get)?;
                let status: String = r.get(4).map_err(get)?;
                results.push(ResultRow {
                    findings: findings.remove(&rule_id).unwrap_or_default(),
                    rule_id,
                    title: r.get(1).map_err(get)?,
                    section: r.get(2).map_err(get)?,
                    severity: parse_severity(&severity)?,
                    status: parse_status(&status)?,
                    reason: r.get(5).map_err(get)?,
                    remediation: r.get(6).map_err(get)?,
                    updated_at: r.get(7).map_err(get)?,
                });
            }
        }
        results.sort_by_cached_key(|r| {
            (
                status_order(r.status),
                std::cmp::Reverse(if r.status == Status::Fail {
                    severity_rank(r.severity)
                } else {
                    0
                }),
                id_key(&r.rule_id),
            )
        });

        let inventory = tx
            .prepare_cached("SELECT inventory_json FROM host_inventory WHERE host_id = ?1")
            .map_err(db("preparing the inventory"))?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()
            .map_err(db("reading the inventory"))?
            .map(|j| {
                serde_json::from_str(&j).map_err(|e| {
                    StoreError::Backend(format!(
                        "the stored inventory of host {id} is not JSON: {e}"
                    ))
                })
            })
            .transpose()?
            .unwrap_or(serde_json::Value::Null);

        let containers = Self::container_rows(&tx, " AND c.host_id = :id", &[(":id", &id)])?;

        let mut trend = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT started_at, pass, fail, error FROM reports WHERE host_id = ?1 \
                     ORDER BY started_at DESC, received_at DESC LIMIT ?2",
                )
                .map_err(db("preparing the trend"))?;
            let mut rows = stmt
                .query((id, TREND_POINTS))
                .map_err(db("reading the trend"))?;
            while let Some(r) = rows.next().map_err(db("reading the trend"))? {
                let get = |e| StoreError::Backend(format!("reading the trend: {e}"));
                trend.push(TrendPoint {
                    at: r.get(0).map_err(get)?,
                    pass: r.get(1).map_err(get)?,
                    fail: r.get(2).map_err(get)?,
                    error: r.get(3).map_err(get)?,
                });
            }
        }
        trend.reverse();
        drop(tx);

        Ok(Some(HostDetail {
            summary,
            results,
            inventory,
            containers,
            trend,
        }))
    }

    fn containers(&self, search: Option<&str>) -> Result<Vec<ContainerRow>, StoreError> {
        let conn = self.reader()?;
        match search.map(str::trim).filter(|s| !s.is_empty()) {
            None => Self::container_rows(&conn, "", &[]),
            Some(s) => {
                let pattern = like_pattern(s);
                Self::container_rows(
                    &conn,
                    " AND (lower(h.hostname) LIKE :search ESCAPE '\\' \
                     OR lower(c.name) LIKE :search ESCAPE '\\' \
                     OR lower(c.image) LIKE :search ESCAPE '\\')",
                    &[(":search", &pattern)],
                )
            }
        }
    }

    fn query(
        &self,
        sql: &str,
        params: &BTreeMap<String, serde_json::Value>,
        limits: QueryLimits,
    ) -> Result<QueryResult, QueryError> {
        let mut conn = self
            .console
            .get()
            .map_err(|e| QueryError::Failed(format!("opening the query console: {e}")))?;
        console::run(&mut conn, sql, params, limits)
    }

    fn query_views(&self) -> Vec<(String, Vec<String>)> {
        self.views.clone()
    }

    fn saved_queries(&self) -> Vec<SavedQuery> {
        console::saved_queries()
    }

    fn create_token(&self, name: &str, role: Role) -> Result<(TokenInfo, String), StoreError> {
        auth::create_token(&mut self.writer(), name, role)
    }

    fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let conn = self.reader()?;
        auth::list_tokens(&conn)
    }

    fn revoke_token(&self, id: i64) -> Result<bool, StoreError> {
        auth::revoke_token(&mut self.writer(), id)
    }

    fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, StoreError> {
        let conn = self.reader()?;
        let found = auth::find_token(&conn, secret)?;
        drop(conn);
        let Some(mut token) = found else {
            return Ok(None);
        };
        let now = OffsetDateTime::now_utc();
        if auth::needs_use_recorded(token.last_used_at.as_deref(), now) {
            let at = ts(now);
            auth::record_use(&self.writer(), token.id, &at)?;
            token.last_used_at = Some(at);
        }
        Ok(Some(token))
    }

    fn create_session(
        &self,
        token_id: i64,
        ttl: time::Duration,
    ) -> Result<(String, Session), StoreError> {
        auth::create_session(&mut self.writer(), token_id, ttl, OffsetDateTime::now_utc())
    }

    fn session(&self, secret: &str, now: OffsetDateTime) -> Result<Option<Session>, StoreError> {
        let conn = self.reader()?;
        auth::session(&conn, secret, now)
    }

    fn delete_session(&self, secret: &str) -> Result<(), StoreError> {
        auth::delete_session(&self.writer(), secret)
    }
}

impl SqliteStore {
    fn container_rows(
        conn: &Connection,
        cond: &str,
        params: &[(&str, &dyn ToSql)],
    ) -> Result<Vec<ContainerRow>, StoreError> {
        let sql = format!(
            "SELECT c.host_id, h.hostname, c.container_id, c.name, c.image, c.state \
             FROM containers c JOIN hosts h ON h.id = c.host_id WHERE 1 = 1 {cond} \
             ORDER BY h.hostname, c.host_id, c.name, c.container_id"
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .map_err(db("preparing the container query"))?;
        let mut rows = stmt.query(params).map_err(db("querying containers"))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db("reading containers"))? {
            let get = |e| StoreError::Backend(format!("reading a container: {e}"));
            out.push(ContainerRow {
                host_id: r.get(0).map_err(get)?,
                hostname: r.get(1).map_err(get)?,
                container_id: r.get(2).map_err(get)?,
                name: r.get(3).map_err(get)?,
                image: r.get(4).map_err(get)?,
                state: r.get(5).map_err(get)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_fixed_width_and_sort() {
        let t = time::macros::datetime!(2026-11-25 08:00:00.5 UTC);
        assert_eq!(ts(t), "2026-11-25T08:00:00.500Z");
        assert_eq!(ts_display(&ts(t)), "2026-11-25T08:00:00Z");
        let later = ts(t + time::Duration::milliseconds(600));
        assert!(later > ts(t));
        assert_eq!(
            age("2026-11-22T08:00:00.000Z", t).as_deref(),
            Some("3 days")
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Web_1%"), "%web\\_1\\%%");
    }

    #[test]
    fn ids_sort_numerically() {
        let mut ids = vec!["5.10", "5.9", "1.03", "5.01-2", "5.01"];
        ids.sort_by_key(|i| id_key(i));
        assert_eq!(ids, ["1.03", "5.01", "5.01-2", "5.9", "5.10"]);
    }
}
