//! The read-only query console: one SELECT over the documented views, named parameters, capped in rows
//! and time.
//!
//! # Views
//! | view | one row per | columns |
//! | --- | --- | --- |
//! | `v_hosts` | host | `host_id`, `host_key`, `hostname`, `docker_version`, `os`, `kernel`, `orchestrator`, `profile`, `first_seen`, `last_seen` (last report received), `last_assessed` (when it ran), `failed_rules`, `highest_severity` (of the failed rules), `containers`, `compliance` (`compliant`, `non_compliant`, `not_applicable` for orchestrator-managed hosts; staleness is not in it), `last_report_id`, `inventory` (JSON: read it with `json_extract` or `->>`) |
//! | `v_results` | host × rule, latest state | `host_id`, `hostname`, `rule_id`, `profile`, `title`, `section`, `severity`, `severity_rank` (4 critical … 1 low), `status` (`pass`, `fail`, `manual`, `not_applicable`, `error`, `exempt`), `reason`, `remediation`, `updated_at` (last change) |
//! | `v_findings` | target of a rule that did not pass (a container, image, file, setting … that fails, errs, needs a manual review or is exempt) | `host_id`, `hostname`, `rule_id`, `profile`, `title`, `severity`, `kind`, `target_id`, `name`, `status`, `detail` (the offending value) |
//! | `v_containers` | container | `host_id`, `hostname`, `container_id`, `name`, `image`, `state` |
//! | `v_state_changes` | change of a rule's status on a host | `change_id`, `host_id`, `hostname`, `rule_id`, `title`, `from_status` (NULL: first assessment), `to_status` (NULL: no longer assessed), `changed_at`, `report_id` |
//! | `v_reports` | report received (the trend) | `report_id`, `host_id`, `hostname`, `received_at`, `started_at`, `profile`, `agent`, `pass`, `fail`, `manual`, `not_applicable`, `error`, `exempt` |
//!
//! Times are UTC text like `2026-11-25T08:00:00.000Z`; compare with
//! `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')`.
//!
//! # How it is kept read-only
//! Each console connection is opened `SQLITE_OPEN_READ_ONLY`, with `PRAGMA query_only=ON`,
//! `SQLITE_DBCONFIG_DEFENSIVE`, `trusted_schema=OFF`, no attached databases and a 4 MiB value limit.
//! Statements that start with a writing keyword are refused with a plain message; then an authorizer
//! decides, while the statement is prepared. It admits `SELECT`, recursive CTEs, reading the views,
//! reading the tables behind the views (`hosts`, `host_inventory`, `results`, `findings`, `containers`,
//! `state_changes`, `reports`) on behalf of a view, and a list of harmless functions. Everything else —
//! writes, DDL, `PRAGMA`, `ATTACH`, transactions, reading `tokens`, `sessions`, `schema_migrations`,
//! `sqlite_schema` or pragma tables in any way (directly, from a CTE or subquery, even a CTE named like
//! a view), `load_extension` and any function not listed — makes the statement fail to prepare with
//! [`QueryError::NotAllowed`] naming what was refused. Only one statement may be given: trailing text
//! other than blanks and comments is refused.
//!
//! Why the tables behind the views and not only "through a view": SQLite names the view responsible
//! for a read, but a CTE named like a view gets the same name, so that name alone proves nothing. The
//! tables behind the views hold nothing the views do not show (bar a hash per result), so reading them
//! is harmless; credentials are never readable whatever the name.

use crate::{QueryError, QueryLimits, QueryResult, SavedQuery};
use rusqlite::config::DbConfig;
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Batch, Connection, ErrorCode, OpenFlags};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The views of the console, with what each holds.
pub const VIEWS: &[(&str, &str)] = &[
    (
        "v_hosts",
        "one row per host: identity, inventory, compliance",
    ),
    ("v_results", "the latest result of every rule on every host"),
    (
        "v_findings",
        "every target of a rule that did not pass, with its status and offending value",
    ),
    ("v_containers", "the containers of every host"),
    (
        "v_state_changes",
        "every change of a rule's status on a host, with its time",
    ),
    (
        "v_reports",
        "one row per report received: the compliance trend",
    ),
];

/// Functions a console query may call (SQLite reports operators such as `LIKE` and `->>` by these
/// names too).
const FUNCTIONS: &[&str] = &[
    "abs",
    "avg",
    "ceil",
    "ceiling",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "count",
    "cume_dist",
    "date",
    "datetime",
    "dense_rank",
    "first_value",
    "floor",
    "format",
    "glob",
    "group_concat",
    "hex",
    "ifnull",
    "iif",
    "instr",
    "json",
    "json_array",
    "json_array_length",
    "json_extract",
    "json_group_array",
    "json_group_object",
    "json_object",
    "json_quote",
    "json_type",
    "json_valid",
    "julianday",
    "lag",
    "last_value",
    "lead",
    "length",
    "like",
    "likelihood",
    "likely",
    "lower",
    "ltrim",
    "max",
    "min",
    "nth_value",
    "ntile",
    "nullif",
    "octet_length",
    "percent_rank",
    "printf",
    "quote",
    "random",
    "rank",
    "replace",
    "round",
    "row_number",
    "rtrim",
    "sign",
    "string_agg",
    "strftime",
    "substr",
    "substring",
    "sum",
    "time",
    "timediff",
    "total",
    "trim",
    "typeof",
    "unicode",
    "unixepoch",
    "unlikely",
    "upper",
    "->",
    "->>",
];

/// The tables behind the views.
const VIEW_TABLES: &[&str] = &[
    "hosts",
    "host_inventory",
    "results",
    "findings",
    "containers",
    "state_changes",
    "reports",
];

/// Table-valued functions a query may read from.
const TABLE_FUNCTIONS: &[&str] = &["json_each", "json_tree"];

/// Longest SQL text accepted.
const MAX_SQL: usize = 100_000;
/// Longest string or blob a query may produce.
const MAX_VALUE: i32 = 4 << 20;
/// Bytes of cell data returned at most, whatever the row cap.
const MAX_RESULT_BYTES: usize = 64 << 20;

pub(crate) struct ConsoleConn {
    conn: Connection,
    /// What the authorizer refused while preparing the current statement.
    denied: Arc<Mutex<Option<String>>>,
}

fn view_list() -> String {
    VIEWS.iter().map(|(v, _)| *v).collect::<Vec<_>>().join(", ")
}

/// What the authorizer knows: the views, and every table and view of the schema.
struct Policy {
    views: HashSet<String>,
    schema: HashSet<String>,
}

impl Policy {
    /// Whether a query may read `column` of `table` (`""`: uses its rows without reading a column).
    ///
    /// SQLite passes names as the query wrote them, so they are compared in lower case. The view
    /// SQLite names as responsible for a read (`accessor`) is not proof on its own: a CTE named like a
    /// view gets the same name. So a base table is readable through a view only when it is one of the
    /// tables behind the views (which hold nothing the views do not show); `tokens`, `sessions` and the
    /// schema never are.
    fn may_read(&self, table: &str, column: &str, accessor: Option<&str>) -> bool {
        let table = table.to_ascii_lowercase();
        let t = table.as_str();
        if self.views.contains(t) || TABLE_FUNCTIONS.contains(&t) {
            return true;
        }
        if VIEW_TABLES.contains(&t) {
            // Through a view; or (no column) a view's join or `count(*)`, which SQLite reports outside
            // the view's context.
            return column.is_empty()
                || accessor.is_some_and(|a| self.views.contains(&a.to_ascii_lowercase()));
        }
        // Rows of something that is not in the schema without a column: a recursive CTE. Never the
        // schema tables, pragmas or other built-in virtual tables.
        column.is_empty()
            && !self.schema.contains(t)
            && !t.starts_with("sqlite_")
            && !t.starts_with("pragma_")
            && t != "dbstat"
    }

    fn judge(&self, ctx: &AuthContext<'_>) -> Result<(), String> {
        match ctx.action {
            AuthAction::Select | AuthAction::Recursive => Ok(()),
            AuthAction::Read {
                table_name,
                column_name,
            } => {
                if self.may_read(table_name, column_name, ctx.accessor) {
                    Ok(())
                } else {
                    Err(format!(
                        "reading {table_name} is not allowed: the console reads only the views {}",
                        view_list()
                    ))
                }
            }
            AuthAction::Function { function_name } => {
                if FUNCTIONS.contains(&function_name.to_ascii_lowercase().as_str()) {
                    Ok(())
                } else {
                    Err(format!(
                        "the function {function_name}() is not allowed in the console"
                    ))
                }
            }
            AuthAction::Pragma { pragma_name, .. } => Err(format!(
                "PRAGMA {pragma_name} is not allowed: the console runs only SELECT queries"
            )),
            AuthAction::Attach { .. } => {
                Err("ATTACH is not allowed: the console reads only its own views".into())
            }
            AuthAction::Insert { table_name } => Err(format!(
                "INSERT into {table_name} is not allowed: the console is read-only"
            )),
            AuthAction::Update { table_name, .. } => Err(format!(
                "UPDATE of {table_name} is not allowed: the console is read-only"
            )),
            AuthAction::Delete { table_name } => Err(format!(
                "DELETE from {table_name} is not allowed: the console is read-only"
            )),
            AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
                Err("transactions are not allowed: the console runs one SELECT".into())
            }
            other => Err(format!(
                "{} is not allowed: the console is read-only and runs one SELECT over the views",
                action_name(&other)
            )),
        }
    }
}

fn action_name(a: &AuthAction<'_>) -> String {
    let dbg = format!("{a:?}");
    let name = dbg
        .split([' ', '{', '('])
        .next()
        .unwrap_or("this statement");
    // CreateTable -> CREATE TABLE
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Opens a console connection.
pub(crate) fn open(path: &Path) -> rusqlite::Result<ConsoleConn> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(2))?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "trusted_schema", false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE)?;
    conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL as i32)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    let schema = {
        let mut stmt =
            conn.prepare("SELECT lower(name) FROM sqlite_schema WHERE type IN ('table', 'view')")?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
        names.collect::<rusqlite::Result<HashSet<String>>>()?
    };
    let policy = Policy {
        views: VIEWS.iter().map(|(v, _)| v.to_string()).collect(),
        schema,
    };
    let denied = Arc::new(Mutex::new(None::<String>));
    let slot = denied.clone();
    conn.authorizer(Some(move |ctx: AuthContext<'_>| match policy.judge(&ctx) {
        Ok(()) => Authorization::Allow,
        Err(why) => {
            let mut s = slot.lock().unwrap_or_else(|e| e.into_inner());
            s.get_or_insert(why);
            Authorization::Deny
        }
    }));
    Ok(ConsoleConn { conn, denied })
}

fn not_allowed(s: impl Into<String>) -> QueryError {
    QueryError::NotAllowed(s.into())
}

fn to_value(name: &str, v: &serde_json::Value) -> Result<Value, QueryError> {
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(i64::from(*b)),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Integer(i),
            (None, Some(f)) => Value::Real(f),
            _ => {
                return Err(not_allowed(format!(
                    "parameter :{name} is not a usable number"
                )))
            }
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        _ => {
            return Err(not_allowed(format!(
                "parameter :{name} must be a string, number, boolean or null"
            )))
        }
    })
}

fn cell(v: ValueRef<'_>) -> (serde_json::Value, usize) {
    match v {
        ValueRef::Null => (serde_json::Value::Null, 4),
        ValueRef::Integer(i) => (i.into(), 8),
        ValueRef::Real(f) => (
            serde_json::Number::from_f64(f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            8,
        ),
        ValueRef::Text(t) => (String::from_utf8_lossy(t).into_owned().into(), t.len()),
        ValueRef::Blob(b) => (format!("x'{}'", super::auth::hex(b)).into(), b.len() * 2),
    }
}

/// Runs one console query.
pub(crate) fn run(
    c: &mut ConsoleConn,
    sql: &str,
    params: &BTreeMap<String, serde_json::Value>,
    limits: QueryLimits,
) -> Result<QueryResult, QueryError> {
    if sql.trim().is_empty() {
        return Err(not_allowed("the query is empty"));
    }
    if sql.len() > MAX_SQL {
        return Err(not_allowed(format!(
            "the query is longer than {MAX_SQL} bytes"
        )));
    }
    first_keyword_is_a_query(sql)?;
    let params: BTreeMap<&str, &serde_json::Value> = params
        .iter()
        .map(|(k, v)| (k.strip_prefix(':').unwrap_or(k), v))
        .collect();

    *c.denied.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let denied = |c: &ConsoleConn| c.denied.lock().unwrap_or_else(|e| e.into_inner()).take();
    let millis = limits.max_millis;
    let deadline = Instant::now() + Duration::from_millis(millis);
    c.conn
        .progress_handler(1000, Some(move || Instant::now() >= deadline));
    let result = (|| {
        let mut batch = Batch::new(&c.conn, sql);
        let mut stmt = match batch.next() {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Err(not_allowed(
                    "the query has nothing to run: the console runs only SELECT queries",
                ))
            }
            Err(e) => {
                return Err(match denied(c) {
                    Some(why) => not_allowed(why),
                    None if is_interrupt(&e) => QueryError::Timeout(millis),
                    None => QueryError::Failed(e.to_string()),
                });
            }
        };
        // Anything but blanks and comments after the first statement (prepared only to see that it is
        // there, never run).
        if !matches!(batch.next(), Ok(None)) {
            denied(c);
            return Err(not_allowed(
                "only one statement is allowed: remove what follows the first ';'",
            ));
        }
        if stmt.column_count() == 0 {
            return Err(not_allowed("the console runs only SELECT queries"));
        }
        if !stmt.readonly() {
            return Err(not_allowed(
                "the console is read-only: only SELECT queries are allowed",
            ));
        }
        let mut used = HashSet::new();
        for i in 1..=stmt.parameter_count() {
            let Some(full) = stmt.parameter_name(i) else {
                return Err(not_allowed(
                    "positional parameters (?) are not supported: name them, as in :host",
                ));
            };
            let Some(name) = full.strip_prefix(':') else {
                return Err(not_allowed(format!(
                    "parameter {full}: write parameters as :name"
                )));
            };
            let name = name.to_string();
            let value = params.get(name.as_str()).ok_or_else(|| {
                not_allowed(format!("missing parameter :{name}: give it a value"))
            })?;
            stmt.raw_bind_parameter(i, to_value(&name, value)?)
                .map_err(|e| QueryError::Failed(format!("binding :{name}: {e}")))?;
            used.insert(name);
        }
        if let Some(unknown) = params.keys().find(|k| !used.contains(**k)) {
            return Err(not_allowed(format!(
                "unknown parameter :{unknown}: the query does not use it"
            )));
        }

        let columns: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let width = columns.len();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let mut truncated = None;
        loop {
            let row = match rows.next() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) if is_interrupt(&e) => return Err(QueryError::Timeout(millis)),
                Err(e) => return Err(QueryError::Failed(e.to_string())),
            };
            if out.len() >= limits.max_rows {
                truncated = Some(format!("stopped at {} rows (the limit)", limits.max_rows));
                break;
            }
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                let v = row
                    .get_ref(i)
                    .map_err(|e| QueryError::Failed(e.to_string()))?;
                let (v, n) = cell(v);
                bytes += n;
                cells.push(v);
            }
            out.push(cells);
            if bytes > MAX_RESULT_BYTES {
                truncated = Some(format!(
                    "stopped at {} rows: the result exceeds {} MiB (the limit)",
                    out.len(),
                    MAX_RESULT_BYTES >> 20
                ));
                break;
            }
        }
        Ok(QueryResult {
            columns,
            rows: out,
            truncated,
        })
    })();
    c.conn.progress_handler(0, None::<fn() -> bool>);
    result
}

/// The SQL after leading blanks and comments.
fn skip_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return s;
        }
    }
}

/// A first check with a plain message: the statement must start as a query. (The authorizer is what
/// enforces read-only access, for instance for `WITH … DELETE`.)
fn first_keyword_is_a_query(sql: &str) -> Result<(), QueryError> {
    let rest = skip_comments(sql);
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    const STATEMENTS: &[&str] = &[
        "INSERT",
        "UPDATE",
        "DELETE",
        "REPLACE",
        "UPSERT",
        "CREATE",
        "DROP",
        "ALTER",
        "ATTACH",
        "DETACH",
        "PRAGMA",
        "BEGIN",
        "COMMIT",
        "END",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "VACUUM",
        "REINDEX",
        "ANALYZE",
        "EXPLAIN",
    ];
    if rest.is_empty() {
        return Err(not_allowed(
            "the query has nothing to run: the console runs only SELECT queries",
        ));
    }
    match STATEMENTS.contains(&word.as_str()) {
        true => Err(not_allowed(format!(
            "{word} statements are not allowed: the console is read-only and runs only SELECT queries"
        ))),
        // Anything else is for SQLite to judge (a typo is a syntax error).
        false => Ok(()),
    }
}

fn is_interrupt(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::OperationInterrupted)
}

fn q(name: &str, description: &str, sql: &str, params: &[(&str, &str)]) -> SavedQuery {
    SavedQuery {
        name: name.into(),
        description: description.into(),
        sql: sql.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// The example queries; the first is the "Take action" query of a host.
pub fn saved_queries() -> Vec<SavedQuery> {
    vec![
        q(
            "Failed rules on a host",
            "Every rule the host fails, most severe first, with the failing targets and how to remediate \
             (the \"Take action\" query).",
            "SELECT r.rule_id, r.title, r.severity, r.reason,\n\
             \x20      (SELECT group_concat(f.kind || ' ' || f.name || ': ' || f.detail, char(10))\n\
             \x20         FROM v_findings f\n\
             \x20        WHERE f.host_id = r.host_id AND f.rule_id = r.rule_id AND f.status = 'fail') AS failing_targets,\n\
             \x20      r.remediation\n\
             FROM v_results r\n\
             WHERE r.hostname = :host AND r.status = 'fail'\n\
             ORDER BY r.severity_rank DESC, r.rule_id",
            &[("host", "")],
        ),
        q(
            "Hosts failing each rule",
            "Failed rules across the fleet, with how many hosts fail each and which.",
            "SELECT rule_id, title, severity, COUNT(*) AS hosts,\n\
             \x20      group_concat(hostname, ', ') AS hostnames\n\
             FROM v_results\n\
             WHERE status = 'fail'\n\
             GROUP BY rule_id, title, severity\n\
             ORDER BY MAX(severity_rank) DESC, hosts DESC, rule_id",
            &[],
        ),
        q(
            "Containers mounting the Docker socket",
            "Containers that can drive the Docker daemon through a mounted socket (Azure 5.31, CIS 5.32).",
            "SELECT hostname, name AS container, target_id AS container_id, detail\n\
             FROM v_findings\n\
             WHERE kind = 'container' AND status = 'fail'\n\
             \x20 AND ((profile = 'azure' AND rule_id = '5.31') OR (profile = 'cis-1.6' AND rule_id = '5.32'))\n\
             ORDER BY hostname, container",
            &[],
        ),
        q(
            "State changes in the last days",
            "Rules whose status changed on a host in the last :days days, newest first (first \
             assessments left out).",
            "SELECT changed_at, hostname, rule_id, title, from_status, to_status\n\
             FROM v_state_changes\n\
             WHERE from_status IS NOT NULL\n\
             \x20 AND changed_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || :days || ' days')\n\
             ORDER BY changed_at DESC, hostname, rule_id",
            &[("days", "7")],
        ),
        q(
            "Hosts by compliance",
            "Every host with its compliance with the Azure security baseline for Docker hosts, \
             non-compliant and most severe first.",
            "SELECT hostname, compliance, failed_rules, highest_severity, docker_version, os, last_assessed\n\
             FROM v_hosts\n\
             ORDER BY CASE compliance WHEN 'non_compliant' THEN 0 WHEN 'compliant' THEN 1 ELSE 2 END,\n\
             \x20        CASE highest_severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,\n\
             \x20        failed_rules DESC, hostname",
            &[],
        ),
        q(
            "Compliance trend of a host",
            "Passed and failed rules of every report of a host, oldest first.",
            "SELECT started_at, pass, fail, error, manual, exempt, agent\n\
             FROM v_reports\n\
             WHERE hostname = :host\n\
             ORDER BY started_at",
            &[("host", "")],
        ),
    ]
}
