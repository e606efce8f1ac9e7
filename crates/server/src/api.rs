//! The JSON API under `/api/v1`.

use crate::auth::{ApiError, Bearer};
use crate::{AppState, Routes, MAX_SQL_BYTES};
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Json;
use dockguard_store::{Envelope, Health, HostFilter, Ingest, QueryError, Role, StoreError};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const READ: &[Role] = &[Role::Reader, Role::Admin];
const SUBMIT: &[Role] = &[Role::Agent, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

/// Caps on an envelope's identifying strings.
pub const MAX_REPORT_ID: usize = 128;
pub const MAX_HOST_KEY: usize = 256;
pub const MAX_AGENT: usize = 128;
pub const MAX_HOSTNAME: usize = 255;
pub const MAX_RESULTS: usize = 2_000;
const MAX_PARAMS: usize = 64;
const MAX_PARAM_BYTES: usize = 4_096;
/// A report body this much over the limit is still read (and thrown away) so the client gets the 413
/// rather than a reset connection; beyond that the connection is closed.
const DRAIN_SLACK: usize = 64 * 1024 * 1024;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .add(&[Method::POST], "/api/v1/reports", post(post_report))
        .add(
            &[Method::GET],
            "/api/v1/recommendations",
            get(recommendations),
        )
        .add(&[Method::GET], "/api/v1/hosts", get(hosts))
        .add(&[Method::GET], "/api/v1/hosts/{id}", get(host))
        .add(&[Method::POST], "/api/v1/query", post(query))
        .add(&[Method::GET], "/api/v1/queries", get(queries))
        .add(
            &[Method::GET, Method::POST],
            "/api/v1/tokens",
            get(list_tokens).post(create_token),
        )
        .add(
            &[Method::DELETE],
            "/api/v1/tokens/{id}",
            delete(revoke_token),
        )
        .add(&[Method::GET], "/api/v1/openapi.json", get(openapi))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn store_error(what: &str, e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(m) => ApiError::bad_request(m),
        StoreError::Backend(m) => ApiError::internal(format!("{what}: {m}")),
    }
}

/// Reads a body up to `limit` bytes: 413 beyond it (after draining a bounded excess so the client sees
/// the answer), 400 when the body cannot be read.
async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("report too large: the limit is {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + DRAIN_SLACK) as u64) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
        seen += chunk.len();
        if seen > limit + DRAIN_SLACK {
            return Err(too_large());
        }
        if seen <= limit {
            buf.extend_from_slice(&chunk);
        }
    }
    if seen > limit {
        return Err(too_large());
    }
    Ok(buf)
}

fn is_clean(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Rejects envelopes whose identifying strings are absurd (the store trusts them as keys).
pub fn validate_envelope(env: &Envelope) -> Result<(), String> {
    let id = &env.report_id;
    if id.is_empty() || id.len() > MAX_REPORT_ID {
        return Err(format!(
            "report_id must be 1 to {MAX_REPORT_ID} characters (got {})",
            id.len()
        ));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err("report_id may only contain letters, digits and - _ . :".into());
    }
    if env.host_key.trim().is_empty() || env.host_key.len() > MAX_HOST_KEY {
        return Err(format!(
            "host_key must be 1 to {MAX_HOST_KEY} bytes and not blank (got {})",
            env.host_key.len()
        ));
    }
    if !is_clean(&env.host_key) {
        return Err("host_key must not contain control characters".into());
    }
    if env.agent.len() > MAX_AGENT || !is_clean(&env.agent) {
        return Err(format!(
            "agent must be at most {MAX_AGENT} bytes without control characters"
        ));
    }
    let r = &env.report;
    if r.schema != dockguard_report::REPORT_SCHEMA {
        return Err(format!(
            "report.schema is {:?}; this server accepts {:?}",
            r.schema,
            dockguard_report::REPORT_SCHEMA
        ));
    }
    if let Some(h) = &r.host.hostname {
        if h.len() > MAX_HOSTNAME {
            return Err(format!(
                "report.host.hostname is {} bytes; the limit is {MAX_HOSTNAME}",
                h.len()
            ));
        }
    }
    if r.profile.is_empty() || r.profile.len() > 64 {
        return Err("report.profile must be 1 to 64 bytes".into());
    }
    if r.results.len() > MAX_RESULTS {
        return Err(format!(
            "report has {} results; the limit is {MAX_RESULTS}",
            r.results.len()
        ));
    }
    Ok(())
}

/// Parses and checks an envelope: a message naming the problem when it is malformed or invalid.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, String> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let env: Envelope = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("malformed report envelope: {}", e.inner())
        } else {
            format!("malformed report envelope at `{path}`: {}", e.inner())
        }
    })?;
    validate_envelope(&env).map_err(|e| format!("invalid report envelope: {e}"))?;
    Ok(env)
}

async fn post_report(
    State(st): State<AppState>,
    auth: Bearer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    auth.require(SUBMIT, "submitting a report")?;
    if let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        if !ct.to_ascii_lowercase().contains("json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("send the report envelope as application/json, not {ct}"),
            ));
        }
    }
    let bytes = read_limited(&headers, body, st.inner.max_report_bytes).await?;
    let env = parse_envelope(&bytes).map_err(ApiError::bad_request)?;
    let report_id = env.report_id.clone();
    let host_key = env.host_key.clone();
    let ingest = st
        .blocking(move |s| s.ingest(&env, now()))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("storing a report", e))?;
    match ingest {
        Ingest::Stored { host_id } => {
            tracing::info!(report_id = ?report_id, host = ?host_key, host_id, "report stored");
            Ok((
                StatusCode::CREATED,
                Json(json!({"status": "stored", "host_id": host_id})),
            )
                .into_response())
        }
        Ingest::Duplicate { host_id } => {
            tracing::info!(report_id = ?report_id, host = ?host_key, "duplicate report ignored");
            Ok((
                StatusCode::OK,
                Json(json!({"status": "duplicate", "host_id": host_id})),
            )
                .into_response())
        }
    }
}

async fn recommendations(State(st): State<AppState>, auth: Bearer) -> Result<Response, ApiError> {
    auth.require(READ, "reading recommendations")?;
    let stale = st.inner.stale_after;
    let rec = st
        .blocking(move |s| s.recommendation(now(), stale))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("computing the recommendation", e))?;
    Ok(Json(rec).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct HostsParams {
    pub search: Option<String>,
    pub health: Option<String>,
    pub rule: Option<String>,
}

pub fn parse_health(s: &str) -> Option<Health> {
    match s {
        "unhealthy" => Some(Health::Unhealthy),
        "healthy" => Some(Health::Healthy),
        "not_applicable" => Some(Health::NotApplicable),
        "stale" => Some(Health::Stale),
        _ => None,
    }
}

pub fn health_str(h: Health) -> &'static str {
    match h {
        Health::Unhealthy => "unhealthy",
        Health::Healthy => "healthy",
        Health::NotApplicable => "not_applicable",
        Health::Stale => "stale",
    }
}

impl HostsParams {
    /// The filter, with empty fields (as forms send them) meaning "any".
    pub fn filter(&self) -> Result<HostFilter, String> {
        let non_empty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        for (name, v) in [("search", &self.search), ("rule", &self.rule)] {
            if v.as_deref().is_some_and(|v| v.len() > 256) {
                return Err(format!("{name} is too long (256 bytes at most)"));
            }
        }
        let health = match non_empty(&self.health) {
            None => None,
            Some(h) => Some(parse_health(&h).ok_or_else(|| {
                format!("unknown health {h:?}: use unhealthy, healthy, not_applicable or stale")
            })?),
        };
        Ok(HostFilter {
            search: non_empty(&self.search),
            health,
            rule: non_empty(&self.rule),
        })
    }
}

async fn hosts(
    State(st): State<AppState>,
    auth: Bearer,
    params: Result<Query<HostsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    auth.require(READ, "listing hosts")?;
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = params.filter().map_err(ApiError::bad_request)?;
    let stale = st.inner.stale_after;
    let hosts = st
        .blocking(move |s| s.hosts(&filter, now(), stale))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("listing hosts", e))?;
    Ok(Json(hosts).into_response())
}

async fn host(
    State(st): State<AppState>,
    auth: Bearer,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    auth.require(READ, "reading a host")?;
    let Path(id) =
        id.map_err(|e| ApiError::bad_request(format!("bad host id: {}", e.body_text())))?;
    let stale = st.inner.stale_after;
    let detail = st
        .blocking(move |s| s.host(id, now(), stale))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("reading a host", e))?;
    match detail {
        Some(d) => Ok(Json(d).into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no host with id {id}"),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    pub sql: String,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

/// Checks a console query before it reaches the store: SQL length and parameter shape.
pub fn check_query(sql: &str, params: &BTreeMap<String, Value>) -> Result<(), String> {
    if sql.trim().is_empty() {
        return Err("the query is empty".into());
    }
    if sql.len() > MAX_SQL_BYTES {
        return Err(format!(
            "the query is {} bytes; the limit is {MAX_SQL_BYTES}",
            sql.len()
        ));
    }
    if params.len() > MAX_PARAMS {
        return Err(format!("too many parameters (at most {MAX_PARAMS})"));
    }
    for (k, v) in params {
        if k.is_empty() || k.len() > 64 {
            return Err("parameter names must be 1 to 64 bytes".into());
        }
        match v {
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
            Value::String(s) if s.len() <= MAX_PARAM_BYTES => {}
            Value::String(_) => {
                return Err(format!(
                    "parameter {k} is longer than {MAX_PARAM_BYTES} bytes"
                ))
            }
            _ => {
                return Err(format!(
                    "parameter {k} must be a string, number, boolean or null"
                ))
            }
        }
    }
    Ok(())
}

/// The status and message of a refused or failed console query.
pub fn query_error(e: &QueryError) -> (StatusCode, String) {
    match e {
        QueryError::NotAllowed(_) | QueryError::Failed(_) => {
            (StatusCode::BAD_REQUEST, e.to_string())
        }
        QueryError::Timeout(_) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}

async fn query(
    State(st): State<AppState>,
    auth: Bearer,
    body: Result<Json<QueryRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    auth.require(READ, "running a query")?;
    let Json(req) = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    check_query(&req.sql, &req.params).map_err(ApiError::bad_request)?;
    let limits = st.inner.query_limits;
    let result = st
        .blocking(move |s| s.query(&req.sql, &req.params, limits))
        .await
        .map_err(ApiError::internal)?;
    match result {
        Ok(r) => Ok(Json(r).into_response()),
        Err(e) => {
            let (status, message) = query_error(&e);
            Err(ApiError::new(status, message))
        }
    }
}

async fn queries(State(st): State<AppState>, auth: Bearer) -> Result<Response, ApiError> {
    auth.require(READ, "listing saved queries")?;
    let (saved, views) = st
        .blocking(|s| (s.saved_queries(), s.query_views()))
        .await
        .map_err(ApiError::internal)?;
    let views: Vec<Value> = views
        .into_iter()
        .map(|(name, columns)| json!({"name": name, "columns": columns}))
        .collect();
    Ok(Json(json!({"saved": saved, "views": views})).into_response())
}

async fn list_tokens(State(st): State<AppState>, auth: Bearer) -> Result<Response, ApiError> {
    auth.require(ADMIN, "managing tokens")?;
    let tokens = st
        .blocking(|s| s.list_tokens())
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("listing tokens", e))?;
    Ok(Json(tokens).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    role: String,
}

async fn create_token(
    State(st): State<AppState>,
    auth: Bearer,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<Response, ApiError> {
    auth.require(ADMIN, "managing tokens")?;
    let Json(req) = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let role = Role::parse(&req.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown role {:?}: use reader, agent or admin",
            req.role
        ))
    })?;
    let name = req.name.trim().to_string();
    if name.is_empty() || name.len() > 100 || !is_clean(&name) {
        return Err(ApiError::bad_request(
            "name must be 1 to 100 bytes without control characters",
        ));
    }
    let (info, secret) = st
        .blocking(move |s| s.create_token(&name, role))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("creating a token", e))?;
    tracing::info!(
        id = info.id,
        role = info.role.as_str(),
        by = auth.0.id,
        "token created"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": info, "secret": secret})),
    )
        .into_response())
}

async fn revoke_token(
    State(st): State<AppState>,
    auth: Bearer,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    auth.require(ADMIN, "managing tokens")?;
    let Path(id) =
        id.map_err(|e| ApiError::bad_request(format!("bad token id: {}", e.body_text())))?;
    let revoked = st
        .blocking(move |s| s.revoke_token(id))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| store_error("revoking a token", e))?;
    if revoked {
        tracing::info!(id, by = auth.0.id, "token revoked");
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no token with id {id}"),
        ))
    }
}

async fn openapi(State(st): State<AppState>) -> Response {
    Json(crate::openapi::openapi_document(
        st.inner.public_url.as_deref(),
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_envelope_names_the_problem() {
        let e = parse_envelope(b"{").unwrap_err();
        assert!(e.starts_with("malformed report envelope"), "{e}");
        let e = parse_envelope(br#"{"report_id": 5}"#).unwrap_err();
        assert!(e.contains("report_id"), "{e}");
        let e =
            parse_envelope(br#"{"report_id": "a", "host_key": "h", "agent": "x"}"#).unwrap_err();
        assert!(e.contains("report"), "{e}");
    }

    #[test]
    fn query_checks() {
        let p = BTreeMap::new();
        assert!(check_query("", &p).is_err());
        assert!(check_query(&"x".repeat(MAX_SQL_BYTES + 1), &p).is_err());
        assert!(check_query("SELECT 1", &p).is_ok());
        let mut p = BTreeMap::new();
        p.insert("host".to_string(), json!(["a"]));
        assert!(check_query("SELECT 1", &p).is_err());
    }

    #[test]
    fn health_round_trip() {
        for h in [
            Health::Unhealthy,
            Health::Healthy,
            Health::NotApplicable,
            Health::Stale,
        ] {
            assert_eq!(parse_health(health_str(h)), Some(h));
        }
        let p = HostsParams {
            health: Some("sick".into()),
            ..Default::default()
        };
        assert!(p.filter().is_err());
    }
}
