-- The views of the read-only query console. Only these can be read there; they never show tokens,
-- sessions or any secret. Documented in crates/store/src/sqlite/console.rs.

CREATE VIEW v_hosts AS
SELECT
    h.id AS host_id,
    h.host_key,
    h.hostname,
    h.docker_version,
    h.os,
    h.kernel,
    h.orchestrator,
    h.profile,
    h.first_seen,
    h.last_seen,
    h.last_assessed,
    h.failed_rules,
    CASE h.severity_rank
        WHEN 4 THEN 'critical'
        WHEN 3 THEN 'high'
        WHEN 2 THEN 'medium'
        WHEN 1 THEN 'low'
    END AS highest_severity,
    h.container_count AS containers,
    CASE
        WHEN h.orchestrator IS NOT NULL AND h.orchestrator <> '' THEN 'not_applicable'
        WHEN h.failed_rules > 0 THEN 'non_compliant'
        ELSE 'compliant'
    END AS compliance,
    h.last_report_id,
    i.inventory_json AS inventory
FROM hosts h
LEFT JOIN host_inventory i ON i.host_id = h.id;

CREATE VIEW v_results AS
SELECT
    r.host_id,
    h.hostname,
    r.rule_id,
    r.profile,
    r.title,
    r.section,
    r.severity,
    CASE r.severity
        WHEN 'critical' THEN 4
        WHEN 'high' THEN 3
        WHEN 'medium' THEN 2
        WHEN 'low' THEN 1
        ELSE 0
    END AS severity_rank,
    r.status,
    r.reason,
    r.remediation,
    r.updated_at
FROM results r
JOIN hosts h ON h.id = r.host_id;

CREATE VIEW v_findings AS
SELECT
    f.host_id,
    h.hostname,
    f.rule_id,
    r.profile,
    r.title,
    r.severity,
    f.kind,
    f.target_id,
    f.name,
    f.status,
    f.detail
FROM findings f
JOIN results r ON r.host_id = f.host_id AND r.rule_id = f.rule_id
JOIN hosts h ON h.id = f.host_id;

CREATE VIEW v_containers AS
SELECT
    c.host_id,
    h.hostname,
    c.container_id,
    c.name,
    c.image,
    c.state
FROM containers c
JOIN hosts h ON h.id = c.host_id;

CREATE VIEW v_state_changes AS
SELECT
    s.id AS change_id,
    s.host_id,
    h.hostname,
    s.rule_id,
    r.title,
    s.from_status,
    s.to_status,
    s.changed_at,
    s.report_id
FROM state_changes s
JOIN hosts h ON h.id = s.host_id
LEFT JOIN results r ON r.host_id = s.host_id AND r.rule_id = s.rule_id;

CREATE VIEW v_reports AS
SELECT
    p.report_id,
    p.host_id,
    h.hostname,
    p.received_at,
    p.started_at,
    p.profile,
    p.agent,
    p.pass,
    p.fail,
    p.manual,
    p.not_applicable,
    p.error,
    p.exempt
FROM reports p
JOIN hosts h ON h.id = p.host_id;
