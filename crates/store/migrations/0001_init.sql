-- dockguard console storage: the latest state per host x rule, findings per target, every change of
-- state, per-report summaries (the trend), containers, API tokens and web sessions.
--
-- Portable SQL: TEXT / INTEGER / REAL columns, times as fixed-width UTC text
-- (YYYY-MM-DDTHH:MM:SS.mmmZ, so they sort and compare as text). The one SQLite-specific spelling is
-- `id INTEGER PRIMARY KEY` for generated ids (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY).

CREATE TABLE hosts (
    id INTEGER PRIMARY KEY,
    -- the agent's stable name for the host
    host_key TEXT NOT NULL UNIQUE,
    hostname TEXT NOT NULL,
    docker_version TEXT,
    os TEXT,
    kernel TEXT,
    -- 'kubernetes' when the host's containers are managed by it (the benchmark does not apply)
    orchestrator TEXT,
    profile TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    -- when the last report arrived (staleness)
    last_seen TEXT NOT NULL,
    -- when the latest report's assessment ran
    last_assessed TEXT NOT NULL,
    last_report_id TEXT NOT NULL,
    -- derived from the latest report at ingest, so the pages need not aggregate results
    failed_rules INTEGER NOT NULL,
    -- highest severity among failed rules: 0 none, 1 low, 2 medium, 3 high, 4 critical
    severity_rank INTEGER NOT NULL,
    container_count INTEGER NOT NULL
);
CREATE INDEX hosts_hostname ON hosts (hostname);

-- the latest report's inventory, apart from hosts so that host rows stay small for the fleet-wide pages
CREATE TABLE host_inventory (
    host_id INTEGER PRIMARY KEY REFERENCES hosts (id),
    inventory_json TEXT NOT NULL,
    -- hash of inventory_json: an unchanged inventory (and container list) is not rewritten
    digest TEXT NOT NULL
);

CREATE TABLE reports (
    report_id TEXT PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts (id),
    received_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    profile TEXT NOT NULL,
    agent TEXT NOT NULL,
    pass INTEGER NOT NULL,
    fail INTEGER NOT NULL,
    manual INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    error INTEGER NOT NULL,
    exempt INTEGER NOT NULL
);
CREATE INDEX reports_host_started ON reports (host_id, started_at);

CREATE TABLE results (
    host_id INTEGER NOT NULL REFERENCES hosts (id),
    rule_id TEXT NOT NULL,
    profile TEXT NOT NULL,
    title TEXT NOT NULL,
    section TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    remediation TEXT NOT NULL,
    -- when this row last changed
    updated_at TEXT NOT NULL,
    -- hash of everything above and the targets: an unchanged result is not rewritten
    digest TEXT NOT NULL,
    PRIMARY KEY (host_id, rule_id)
);
-- the recommendation counts failing hosts per rule from this index alone
CREATE INDEX results_status_rule ON results (status, rule_id, severity, host_id);

-- the targets of each result that did not pass (fail, error, manual, exempt), with the offending value
CREATE TABLE findings (
    host_id INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    FOREIGN KEY (host_id, rule_id) REFERENCES results (host_id, rule_id) ON DELETE CASCADE
);
CREATE INDEX findings_host_rule ON findings (host_id, rule_id);

CREATE TABLE state_changes (
    id INTEGER PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts (id),
    rule_id TEXT NOT NULL,
    -- NULL: first sight of the rule on this host
    from_status TEXT,
    -- NULL: the rule is no longer assessed on this host
    to_status TEXT,
    changed_at TEXT NOT NULL,
    report_id TEXT NOT NULL
);
CREATE INDEX state_changes_host ON state_changes (host_id, changed_at);
CREATE INDEX state_changes_at ON state_changes (changed_at);

CREATE TABLE containers (
    host_id INTEGER NOT NULL REFERENCES hosts (id),
    container_id TEXT NOT NULL,
    name TEXT NOT NULL,
    image TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (host_id, container_id)
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    -- hex SHA-256 of the secret; the secret itself is never stored
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);

CREATE TABLE sessions (
    -- hex SHA-256 of the session secret (the cookie)
    secret_hash TEXT PRIMARY KEY,
    token_id INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_id);
