//! The OpenAPI 3.1 document of `/api/v1`, written by hand; the report's schema is generated from its
//! types.

use serde_json::{json, Map, Value};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn ok_json(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema}}
    })
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": r(name)})
}

/// Common error responses of an authenticated operation.
fn auth_errors(ops: &mut Map<String, Value>) {
    ops.insert(
        "401".into(),
        error_response("Missing, invalid or revoked token (with `WWW-Authenticate: Bearer`)"),
    );
    ops.insert(
        "403".into(),
        error_response("The token's role may not do this"),
    );
}

fn op(
    id: &str,
    summary: &str,
    roles: &str,
    mut responses: Map<String, Value>,
    extra: Value,
) -> Value {
    auth_errors(&mut responses);
    let mut o = json!({
        "operationId": id,
        "summary": summary,
        "description": format!("Roles: {roles}."),
        "security": [{"bearer": []}],
        "responses": responses,
    });
    if let (Value::Object(o), Value::Object(extra)) = (&mut o, extra) {
        o.extend(extra);
    }
    o
}

fn responses(items: &[(&str, Value)]) -> Map<String, Value> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn id_param(description: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": description,
           "schema": {"type": "integer", "format": "int64"}})
}

fn severity() -> Value {
    json!({"type": "string", "enum": ["low", "medium", "high", "critical"]})
}

fn status() -> Value {
    json!({"type": "string", "enum": ["pass", "fail", "manual", "not_applicable", "error", "exempt"]})
}

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

/// The report's JSON Schema (2020-12, as OpenAPI 3.1 uses) and the definitions it refers to.
fn report_schemas() -> Map<String, Value> {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    let report = generator.subschema_for::<dockguard_report::Report>();
    let mut defs = generator.take_definitions(true);
    defs.entry("Report".to_string())
        .or_insert_with(|| report.to_value());
    defs
}

fn schemas() -> Map<String, Value> {
    let mut s = report_schemas();
    let mut add = |name: &str, v: Value| {
        s.insert(name.to_string(), v);
    };
    add(
        "Error",
        json!({"type": "object", "required": ["error"],
               "properties": {"error": {"type": "string", "description": "What went wrong, in words"}}}),
    );
    add(
        "Envelope",
        json!({"type": "object", "required": ["report_id", "host_key", "agent", "report"],
               "description": "What an agent submits; the same report_id is stored once however often it is sent.",
               "properties": {
                   "report_id": {"type": "string", "maxLength": crate::api::MAX_REPORT_ID,
                                 "pattern": "^[A-Za-z0-9._:-]+$", "description": "Unique per assessment (a UUID)"},
                   "host_key": {"type": "string", "minLength": 1, "maxLength": crate::api::MAX_HOST_KEY,
                                "description": "The agent's stable name for the host"},
                   "agent": {"type": "string", "maxLength": crate::api::MAX_AGENT},
                   "report": r("Report")}}),
    );
    add(
        "IngestResult",
        json!({"type": "object", "required": ["status", "host_id"],
               "properties": {"status": {"type": "string", "enum": ["stored", "duplicate"]},
                              "host_id": {"type": "integer", "format": "int64"}}}),
    );
    add("Severity", severity());
    add("Status", status());
    add(
        "Health",
        json!({"type": "string", "enum": ["unhealthy", "healthy", "not_applicable", "stale"]}),
    );
    add(
        "FailedRule",
        json!({"type": "object", "required": ["rule_id", "title", "severity", "unhealthy_hosts"],
               "properties": {"rule_id": {"type": "string"}, "title": {"type": "string"},
                              "severity": r("Severity"), "unhealthy_hosts": {"type": "integer"}}}),
    );
    add(
        "Recommendation",
        json!({"type": "object",
               "required": ["title", "severity", "unhealthy", "healthy", "not_applicable", "stale",
                            "failed_rules", "compliant_hosts", "non_compliant_hosts"],
               "properties": {
                   "title": {"type": "string"},
                   "severity": {"oneOf": [r("Severity"), {"type": "null"}]},
                   "unhealthy": {"type": "integer"}, "healthy": {"type": "integer"},
                   "not_applicable": {"type": "integer"}, "stale": {"type": "integer"},
                   "failed_rules": array_of("FailedRule"),
                   "compliant_hosts": {"type": "integer"}, "non_compliant_hosts": {"type": "integer"}}}),
    );
    add(
        "HostSummary",
        json!({"type": "object",
               "required": ["id", "host_key", "hostname", "profile", "health", "last_assessed",
                            "failed_rules", "containers"],
               "properties": {
                   "id": {"type": "integer", "format": "int64"},
                   "host_key": {"type": "string"}, "hostname": {"type": "string"},
                   "docker_version": nullable("string"), "os": nullable("string"),
                   "orchestrator": nullable("string"), "profile": {"type": "string"},
                   "health": r("Health"),
                   "health_reason": {"type": ["string", "null"],
                                     "description": "Why the host is not-applicable or stale"},
                   "last_assessed": {"type": "string", "format": "date-time"},
                   "failed_rules": {"type": "integer"},
                   "highest_severity": {"oneOf": [r("Severity"), {"type": "null"}]},
                   "containers": {"type": "integer"}}}),
    );
    add(
        "FindingRow",
        json!({"type": "object", "required": ["kind", "target_id", "name", "status", "detail"],
               "properties": {"kind": {"type": "string"}, "target_id": {"type": "string"},
                              "name": {"type": "string"}, "status": r("Status"),
                              "detail": {"type": "string", "description": "The offending value"}}}),
    );
    add(
        "ResultRow",
        json!({"type": "object",
               "required": ["rule_id", "title", "section", "severity", "status", "reason",
                            "remediation", "findings", "updated_at"],
               "properties": {
                   "rule_id": {"type": "string"}, "title": {"type": "string"},
                   "section": {"type": "string"}, "severity": r("Severity"), "status": r("Status"),
                   "reason": {"type": "string"}, "remediation": {"type": "string"},
                   "findings": array_of("FindingRow"),
                   "updated_at": {"type": "string", "format": "date-time"}}}),
    );
    add(
        "TrendPoint",
        json!({"type": "object", "required": ["at", "pass", "fail", "error"],
               "properties": {"at": {"type": "string", "format": "date-time"},
                              "pass": {"type": "integer"}, "fail": {"type": "integer"},
                              "error": {"type": "integer"}}}),
    );
    add(
        "ContainerRow",
        json!({"type": "object",
               "required": ["host_id", "hostname", "container_id", "name", "image", "state"],
               "properties": {"host_id": {"type": "integer", "format": "int64"},
                              "hostname": {"type": "string"}, "container_id": {"type": "string"},
                              "name": {"type": "string"}, "image": {"type": "string"},
                              "state": {"type": "string"}}}),
    );
    add(
        "HostDetail",
        json!({"type": "object", "required": ["summary", "results", "inventory", "containers", "trend"],
               "properties": {
                   "summary": r("HostSummary"),
                   "results": array_of("ResultRow"),
                   "inventory": {"type": "object", "description": "The latest report's inventory (0.0)"},
                   "containers": array_of("ContainerRow"),
                   "trend": {"description": "Compliance over time, oldest first", "type": "array",
                             "items": r("TrendPoint")}}}),
    );
    add(
        "QueryRequest",
        json!({"type": "object", "required": ["sql"], "additionalProperties": false,
               "properties": {
                   "sql": {"type": "string", "maxLength": crate::MAX_SQL_BYTES,
                           "description": "One read-only SELECT over the documented views"},
                   "params": {"type": "object", "description": "Named parameters (`:host`)",
                              "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}}}),
    );
    add(
        "QueryResult",
        json!({"type": "object", "required": ["columns", "rows", "truncated"],
               "properties": {
                   "columns": {"type": "array", "items": {"type": "string"}},
                   "rows": {"type": "array", "items": {"type": "array", "items": {}}},
                   "truncated": {"type": ["string", "null"],
                                 "description": "Which cap (rows or time) cut the result short"}}}),
    );
    add(
        "SavedQuery",
        json!({"type": "object", "required": ["name", "description", "sql", "params"],
               "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                              "sql": {"type": "string"},
                              "params": {"type": "object", "additionalProperties": {"type": "string"}}}}),
    );
    add(
        "View",
        json!({"type": "object", "required": ["name", "columns"],
               "properties": {"name": {"type": "string"},
                              "columns": {"type": "array", "items": {"type": "string"}}}}),
    );
    add(
        "Queries",
        json!({"type": "object", "required": ["saved", "views"],
               "properties": {"saved": array_of("SavedQuery"), "views": array_of("View")}}),
    );
    add(
        "Role",
        json!({"type": "string", "enum": ["reader", "agent", "admin"]}),
    );
    add(
        "TokenInfo",
        json!({"type": "object", "required": ["id", "name", "role", "created_at", "revoked"],
               "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"},
                              "role": r("Role"), "created_at": {"type": "string"},
                              "last_used_at": nullable("string"), "revoked": {"type": "boolean"}}}),
    );
    add(
        "NewToken",
        json!({"type": "object", "required": ["name", "role"], "additionalProperties": false,
               "properties": {"name": {"type": "string", "maxLength": 100}, "role": r("Role")}}),
    );
    add(
        "CreatedToken",
        json!({"type": "object", "required": ["token", "secret"],
               "properties": {"token": r("TokenInfo"),
                              "secret": {"type": "string", "description": "Shown once; only a hash is stored"}}}),
    );
    s
}

/// The document served at `/api/v1/openapi.json`.
pub fn openapi_document(public_url: Option<&str>) -> Value {
    let read = "reader, admin";
    let hosts_params = json!([
        {"name": "search", "in": "query", "required": false, "schema": {"type": "string"},
         "description": "Substring of hostname, OS or Docker version"},
        {"name": "health", "in": "query", "required": false, "schema": r("Health")},
        {"name": "rule", "in": "query", "required": false, "schema": {"type": "string"},
         "description": "Only hosts failing this rule id"}
    ]);
    let paths = json!({
        "/api/v1/reports": {
            "post": op("submitReport", "Submit an agent's report", "agent, admin",
                responses(&[
                    ("201", ok_json("Stored", r("IngestResult"))),
                    ("200", ok_json("Duplicate: a report with this report_id was stored before; nothing changed", r("IngestResult"))),
                    ("400", error_response("Malformed JSON or an invalid envelope; nothing stored")),
                    ("413", error_response("Body over the size limit; nothing stored")),
                    ("415", error_response("Not JSON")),
                ]),
                json!({"requestBody": {"required": true,
                       "content": {"application/json": {"schema": r("Envelope")}}}}))
        },
        "/api/v1/recommendations": {
            "get": op("getRecommendation",
                "The recommendation \"Vulnerabilities in container security configurations should be remediated\" and the baseline compliance counts",
                read, responses(&[("200", ok_json("The recommendation", r("Recommendation")))]), json!({}))
        },
        "/api/v1/hosts": {
            "get": op("listHosts", "Hosts, unhealthy first", read,
                responses(&[("200", ok_json("Hosts", array_of("HostSummary"))),
                            ("400", error_response("Bad filter"))]),
                json!({"parameters": hosts_params}))
        },
        "/api/v1/hosts/{id}": {
            "get": op("getHost", "A host's latest results, findings, inventory and trend", read,
                responses(&[("200", ok_json("The host", r("HostDetail"))),
                            ("400", error_response("Bad id")),
                            ("404", error_response("No such host"))]),
                json!({"parameters": [id_param("Host id")]}))
        },
        "/api/v1/query": {
            "post": op("runQuery", "Run a read-only query over the documented views", read,
                responses(&[("200", ok_json("The result (truncated says which cap was hit)", r("QueryResult"))),
                            ("400", error_response("Not a single read-only query over the views, failed, or too long")),
                            ("422", error_response("Stopped at the time limit"))]),
                json!({"requestBody": {"required": true,
                       "content": {"application/json": {"schema": r("QueryRequest")}}}}))
        },
        "/api/v1/queries": {
            "get": op("listQueries", "Saved example queries and the views the console may read", read,
                responses(&[("200", ok_json("Saved queries and views", r("Queries")))]), json!({}))
        },
        "/api/v1/tokens": {
            "get": op("listTokens", "API tokens (never their secrets)", "admin",
                responses(&[("200", ok_json("Tokens", array_of("TokenInfo")))]), json!({})),
            "post": op("createToken", "Create a token; its secret is returned once", "admin",
                responses(&[("201", ok_json("Created", r("CreatedToken"))),
                            ("400", error_response("Bad name or role"))]),
                json!({"requestBody": {"required": true,
                       "content": {"application/json": {"schema": r("NewToken")}}}}))
        },
        "/api/v1/tokens/{id}": {
            "delete": op("revokeToken", "Revoke a token and its sessions", "admin",
                responses(&[("204", json!({"description": "Revoked"})),
                            ("404", error_response("No such token"))]),
                json!({"parameters": [id_param("Token id")]}))
        },
        "/api/v1/openapi.json": {
            "get": {"operationId": "openapi", "summary": "This document", "security": [],
                    "responses": {"200": {"description": "The OpenAPI document",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}}}
        }
    });
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "dockguard console API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Agents submit reports; readers read the recommendation, hosts and query the views. \
                            Authenticate with `Authorization: Bearer <token>` (roles reader, agent, admin).",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A `dg_…` token from `dockguard server token create`"}},
            "schemas": schemas(),
        },
    });
    if let Some(url) = public_url {
        doc["servers"] = json!([{"url": url.trim_end_matches('/')}]);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` resolves inside the document.
    #[test]
    fn refs_resolve() {
        let doc = openapi_document(None);
        let mut refs = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        if k == "$ref" {
                            out.push(v.as_str().unwrap_or_default().to_string());
                        }
                        walk(v, out);
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        walk(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
        }
    }

    /// Every routed (method, path) of the API is documented, and nothing undocumented is routed.
    #[test]
    fn documents_every_route() {
        let doc = openapi_document(None);
        let paths = doc["paths"].as_object().unwrap();
        let routes = crate::api_routes();
        for (method, path) in &routes {
            let m = method.as_str().to_ascii_lowercase();
            assert!(
                paths.get(*path).and_then(|p| p.get(&m)).is_some(),
                "{method} {path} is routed but not in openapi.json"
            );
        }
        for (path, ops) in paths {
            for m in ops.as_object().unwrap().keys() {
                assert!(
                    routes
                        .iter()
                        .any(|(rm, rp)| rp == path && rm.as_str().eq_ignore_ascii_case(m)),
                    "{m} {path} is documented but not routed"
                );
            }
        }
    }
}
