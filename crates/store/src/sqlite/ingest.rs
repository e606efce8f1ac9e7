//! Storing a report: once per report id, in one transaction, writing only what changed.

use super::{db, severity_rank, ts};
use crate::{Envelope, Ingest, StoreError};
use dockguard_report::{RuleReport, Summary, REPORT_SCHEMA};
use dockguard_rules::{Status, TargetKind};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const MAX_REPORT_ID: usize = 200;
const MAX_HOST_KEY: usize = 255;
const MAX_AGENT: usize = 200;

pub(crate) fn kind_str(k: TargetKind) -> &'static str {
    match k {
        TargetKind::Host => "host",
        TargetKind::Daemon => "daemon",
        TargetKind::Setting => "setting",
        TargetKind::File => "file",
        TargetKind::Audit => "audit",
        TargetKind::Container => "container",
        TargetKind::Image => "image",
        TargetKind::Network => "network",
        TargetKind::Swarm => "swarm",
    }
}

/// Length-prefixed, so that field boundaries cannot shift between two different results.
fn feed(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

fn hex(bytes: &[u8]) -> String {
    super::auth::hex(bytes)
}

/// Everything stored of a result, hashed: equal digests mean nothing to write.
fn result_digest(profile: &str, r: &RuleReport) -> String {
    let mut h = Sha256::new();
    feed(&mut h, profile);
    feed(&mut h, &r.title);
    feed(&mut h, &r.section);
    feed(&mut h, r.severity.as_str());
    feed(&mut h, r.status.as_str());
    feed(&mut h, &r.reason);
    feed(&mut h, &r.remediation);
    h.update((r.targets.len() as u64).to_le_bytes());
    for t in &r.targets {
        feed(&mut h, kind_str(t.kind));
        feed(&mut h, &t.id);
        feed(&mut h, &t.name);
        feed(&mut h, t.status.as_str());
        feed(&mut h, &t.detail);
    }
    hex(&h.finalize()[..16])
}

fn check_text(what: &str, value: &str, max: usize) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} is empty")));
    }
    if value.chars().count() > max {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(())
}

/// A validated envelope with everything computed that needs no database: done before taking the
/// writer, so that invalid input never touches the database and hashing does not hold the lock.
pub(super) struct Prepared<'a> {
    env: &'a Envelope,
    received_at: String,
    /// The assessment's time: its `started_at`, but never later than its arrival (a clock running ahead
    /// must not make a host's later reports look older).
    assessed_at: String,
    hostname: String,
    orchestrator: Option<&'a str>,
    digests: Vec<String>,
    summary: Summary,
    failed_rules: i64,
    severity_rank: i64,
    inventory_json: String,
    inventory_digest: String,
}

impl<'a> Prepared<'a> {
    pub(super) fn new(
        env: &'a Envelope,
        received_at: OffsetDateTime,
    ) -> Result<Prepared<'a>, StoreError> {
        check_text("report_id", &env.report_id, MAX_REPORT_ID)?;
        check_text("host_key", &env.host_key, MAX_HOST_KEY)?;
        if env.agent.chars().count() > MAX_AGENT || env.agent.chars().any(char::is_control) {
            return Err(StoreError::Invalid(format!(
                "agent must be at most {MAX_AGENT} printable characters"
            )));
        }
        let report = &env.report;
        if report.schema != REPORT_SCHEMA {
            return Err(StoreError::Invalid(format!(
                "report schema is {:?}; this server accepts {REPORT_SCHEMA:?}",
                report.schema
            )));
        }
        if report.profile.trim().is_empty() {
            return Err(StoreError::Invalid("report profile is empty".into()));
        }
        let started = OffsetDateTime::parse(&report.started_at, &Rfc3339).map_err(|e| {
            StoreError::Invalid(format!(
                "report started_at {:?} is not an RFC 3339 time: {e}",
                report.started_at
            ))
        })?;
        let mut seen = HashSet::with_capacity(report.results.len());
        for r in &report.results {
            if r.id.trim().is_empty() {
                return Err(StoreError::Invalid("a result has an empty rule id".into()));
            }
            if !seen.insert(r.id.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "rule {} appears more than once in the results",
                    r.id
                )));
            }
        }
        let fails = || report.results.iter().filter(|r| r.status == Status::Fail);
        let hostname = report
            .host
            .hostname
            .as_deref()
            .or(report.inventory.hostname.as_deref())
            .filter(|h| !h.trim().is_empty())
            .unwrap_or(&env.host_key)
            .to_string();
        let inventory_json = serde_json::to_string(&report.inventory)
            .map_err(|e| StoreError::Backend(format!("serializing the inventory: {e}")))?;
        let inventory_digest = {
            let mut h = Sha256::new();
            feed(&mut h, &inventory_json);
            hex(&h.finalize()[..16])
        };
        Ok(Prepared {
            env,
            received_at: ts(received_at),
            assessed_at: ts(started.min(received_at)),
            hostname,
            orchestrator: report
                .host
                .orchestrator
                .as_deref()
                .filter(|o| !o.trim().is_empty()),
            digests: report
                .results
                .iter()
                .map(|r| result_digest(&report.profile, r))
                .collect(),
            summary: Summary::count(&report.results),
            failed_rules: fails().count() as i64,
            severity_rank: fails()
                .map(|r| severity_rank(r.severity))
                .max()
                .unwrap_or(0),
            inventory_json,
            inventory_digest,
        })
    }
}

pub(super) fn ingest(conn: &mut Connection, p: &Prepared<'_>) -> Result<Ingest, StoreError> {
    let env = p.env;
    let report = &env.report;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("starting the ingest transaction"))?;

    let duplicate: Option<i64> = tx
        .prepare_cached("SELECT host_id FROM reports WHERE report_id = ?1")
        .map_err(db("preparing the duplicate check"))?
        .query_row([&env.report_id], |r| r.get(0))
        .optional()
        .map_err(db("checking for a duplicate report"))?;
    if let Some(host_id) = duplicate {
        // Dropping the transaction rolls back: nothing was written.
        return Ok(Ingest::Duplicate { host_id });
    }

    let existing: Option<(i64, String, Option<String>)> = tx
        .prepare_cached(
            "SELECT h.id, h.last_assessed, i.digest FROM hosts h \
             LEFT JOIN host_inventory i ON i.host_id = h.id WHERE h.host_key = ?1",
        )
        .map_err(db("preparing the host lookup"))?
        .query_row([&env.host_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(db("looking up the host"))?;

    let container_count = report.inventory.containers.list.len() as i64;
    let (host_id, latest, inventory_digest, inserted) = match existing {
        None => {
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO hosts (host_key, hostname, docker_version, os, kernel, orchestrator, \
                         profile, first_seen, last_seen, last_assessed, last_report_id, failed_rules, \
                         severity_rank, container_count) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
                )
                .map_err(db("preparing the host insert"))?
                .query_row(
                    params![
                        env.host_key,
                        p.hostname,
                        report.host.docker_version,
                        report.host.os,
                        report.host.kernel,
                        p.orchestrator,
                        report.profile,
                        p.received_at,
                        p.assessed_at,
                        env.report_id,
                        p.failed_rules,
                        p.severity_rank,
                        container_count,
                    ],
                    |r| r.get(0),
                )
                .map_err(db("inserting the host"))?;
            (id, true, None, true)
        }
        Some((id, last_assessed, digest)) => (id, p.assessed_at >= last_assessed, digest, false),
    };

    if latest {
        if !inserted {
            tx.prepare_cached(
                "UPDATE hosts SET hostname = ?2, docker_version = ?3, os = ?4, kernel = ?5, \
                     orchestrator = ?6, profile = ?7, \
                     last_seen = CASE WHEN last_seen < ?8 THEN ?8 ELSE last_seen END, \
                     last_assessed = ?9, last_report_id = ?10, failed_rules = ?11, \
                     severity_rank = ?12, container_count = ?13 \
                 WHERE id = ?1",
            )
            .map_err(db("preparing the host update"))?
            .execute(params![
                host_id,
                p.hostname,
                report.host.docker_version,
                report.host.os,
                report.host.kernel,
                p.orchestrator,
                report.profile,
                p.received_at,
                p.assessed_at,
                env.report_id,
                p.failed_rules,
                p.severity_rank,
                container_count,
            ])
            .map_err(db("updating the host"))?;
        }
        sync_results(&tx, host_id, p)?;
        if inventory_digest.as_deref() != Some(p.inventory_digest.as_str()) {
            replace_inventory(&tx, host_id, p)?;
        }
    } else {
        // An older assessment arriving late (a spooled retry): it joins the trend, the latest state
        // stays.
        tx.prepare_cached(
            "UPDATE hosts SET last_seen = CASE WHEN last_seen < ?2 THEN ?2 ELSE last_seen END \
             WHERE id = ?1",
        )
        .map_err(db("preparing the host update"))?
        .execute(params![host_id, p.received_at])
        .map_err(db("updating the host"))?;
    }

    let s = &p.summary;
    tx.prepare_cached(
        "INSERT INTO reports (report_id, host_id, received_at, started_at, profile, agent, pass, fail, \
             manual, not_applicable, error, exempt) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .map_err(db("preparing the report insert"))?
    .execute(params![
        env.report_id,
        host_id,
        p.received_at,
        p.assessed_at,
        report.profile,
        env.agent,
        s.pass as i64,
        s.fail as i64,
        s.manual as i64,
        s.not_applicable as i64,
        s.error as i64,
        s.exempt as i64,
    ])
    .map_err(db("recording the report"))?;

    tx.commit().map_err(db("committing the report"))?;
    Ok(Ingest::Stored { host_id })
}

/// Whether a target is kept as a finding: whatever did not pass (a fail, an error, a manual review, an
/// exemption). Passing and not-applicable targets are only counted in the result's reason; keeping them
/// would triple the database for nothing a remediation needs.
pub(crate) fn is_finding(s: Status) -> bool {
    !matches!(s, Status::Pass | Status::NotApplicable)
}

/// Writes the results that changed, their findings, and a state change for every change of status.
fn sync_results(tx: &Connection, host_id: i64, p: &Prepared<'_>) -> Result<(), StoreError> {
    let report = &p.env.report;
    let mut current: BTreeMap<String, (String, String)> = BTreeMap::new();
    {
        let mut stmt = tx
            .prepare_cached("SELECT rule_id, status, digest FROM results WHERE host_id = ?1")
            .map_err(db("preparing the current results"))?;
        let mut rows = stmt
            .query([host_id])
            .map_err(db("reading the current results"))?;
        while let Some(r) = rows.next().map_err(db("reading the current results"))? {
            let get = db("reading the current results");
            let row = (|| Ok::<_, rusqlite::Error>((r.get(0)?, r.get(1)?, r.get(2)?)))();
            let (rule, status, digest): (String, String, String) = row.map_err(get)?;
            current.insert(rule, (status, digest));
        }
    }

    let mut change = tx
        .prepare_cached(
            "INSERT INTO state_changes (host_id, rule_id, from_status, to_status, changed_at, report_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(db("preparing the state change insert"))?;
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO results (host_id, rule_id, profile, title, section, severity, status, reason, \
                 remediation, updated_at, digest) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (host_id, rule_id) DO UPDATE SET profile = excluded.profile, \
                 title = excluded.title, section = excluded.section, severity = excluded.severity, \
                 status = excluded.status, reason = excluded.reason, remediation = excluded.remediation, \
                 updated_at = excluded.updated_at, digest = excluded.digest",
        )
        .map_err(db("preparing the result upsert"))?;
    let mut clear_findings = tx
        .prepare_cached("DELETE FROM findings WHERE host_id = ?1 AND rule_id = ?2")
        .map_err(db("preparing the findings delete"))?;
    let mut finding = tx
        .prepare_cached(
            "INSERT INTO findings (host_id, rule_id, kind, target_id, name, status, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db("preparing the finding insert"))?;

    for (r, digest) in report.results.iter().zip(&p.digests) {
        let prev = current.remove(&r.id);
        if prev.as_ref().is_some_and(|(_, d)| d == digest) {
            continue;
        }
        let status = r.status.as_str();
        let prev_status = prev.as_ref().map(|(s, _)| s.as_str());
        if prev_status != Some(status) {
            change
                .execute(params![
                    host_id,
                    r.id,
                    prev_status,
                    status,
                    p.assessed_at,
                    p.env.report_id
                ])
                .map_err(db("recording a state change"))?;
        }
        upsert
            .execute(params![
                host_id,
                r.id,
                report.profile,
                r.title,
                r.section,
                r.severity.as_str(),
                status,
                r.reason,
                r.remediation,
                p.assessed_at,
                digest,
            ])
            .map_err(db("writing a result"))?;
        if prev.is_some() {
            clear_findings
                .execute(params![host_id, r.id])
                .map_err(db("clearing findings"))?;
        }
        for t in r.targets.iter().filter(|t| is_finding(t.status)) {
            finding
                .execute(params![
                    host_id,
                    r.id,
                    kind_str(t.kind),
                    t.id,
                    t.name,
                    t.status.as_str(),
                    t.detail
                ])
                .map_err(db("writing a finding"))?;
        }
    }

    // Rules the host no longer reports (another profile or selection): gone from the latest state.
    if !current.is_empty() {
        let mut remove = tx
            .prepare_cached("DELETE FROM results WHERE host_id = ?1 AND rule_id = ?2")
            .map_err(db("preparing the result delete"))?;
        for (rule, (status, _)) in current {
            clear_findings
                .execute(params![host_id, rule])
                .map_err(db("clearing findings"))?;
            remove
                .execute(params![host_id, rule])
                .map_err(db("removing a result"))?;
            change
                .execute(params![
                    host_id,
                    rule,
                    status,
                    None::<&str>,
                    p.assessed_at,
                    p.env.report_id
                ])
                .map_err(db("recording a state change"))?;
        }
    }
    Ok(())
}

/// Replaces the stored inventory and the host's containers.
fn replace_inventory(tx: &Connection, host_id: i64, p: &Prepared<'_>) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO host_inventory (host_id, inventory_json, digest) VALUES (?1, ?2, ?3) \
         ON CONFLICT (host_id) DO UPDATE SET inventory_json = excluded.inventory_json, \
             digest = excluded.digest",
    )
    .map_err(db("preparing the inventory upsert"))?
    .execute(params![host_id, p.inventory_json, p.inventory_digest])
    .map_err(db("writing the inventory"))?;
    tx.prepare_cached("DELETE FROM containers WHERE host_id = ?1")
        .map_err(db("preparing the container delete"))?
        .execute([host_id])
        .map_err(db("clearing containers"))?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO containers (host_id, container_id, name, image, state) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host_id, container_id) DO NOTHING",
        )
        .map_err(db("preparing the container insert"))?;
    for c in &p.env.report.inventory.containers.list {
        insert
            .execute(params![host_id, c.id, c.name, c.image, c.state])
            .map_err(db("writing a container"))?;
    }
    Ok(())
}
