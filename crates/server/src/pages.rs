//! Server-rendered pages: recommendations, affected hosts, host drill-down, query console, inventory,
//! login. No JavaScript; every string that comes from a host goes through [`Html::text`] or an escaped
//! attribute.

use crate::api::{check_query, health_str, query_error, HostsParams};
use crate::auth::{clear_session_cookie, same_origin, session_cookie, PageSession};
use crate::html::{url_encode, Html};
use crate::{AppState, Routes};
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dockguard_rules::{Severity, Status};
use dockguard_store::{
    ContainerRow, Health, HostDetail, HostSummary, QueryResult, Recommendation, ResultRow, Role,
    SavedQuery, TrendPoint,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const RECOMMENDATION_TITLE: &str =
    "Vulnerabilities in container security configurations should be remediated";
pub const COMPLIANCE_TITLE: &str =
    "Linux machines should meet requirements for the Azure security baseline for Docker hosts";
/// Rows a page lists at most; the filter narrows the rest down.
const MAX_PAGE_ROWS: usize = 1_000;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .add(
            &[Method::GET, Method::POST],
            "/login",
            get(login_form).post(login),
        )
        .add(&[Method::POST], "/logout", axum::routing::post(logout))
        .add(&[Method::GET], "/", get(recommendations))
        .add(
            &[Method::GET],
            "/recommendations/docker",
            get(affected_hosts),
        )
        .add(&[Method::GET], "/hosts/{id}", get(host_page))
        .add(
            &[Method::GET, Method::POST],
            "/query",
            get(query_form).post(query_run),
        )
        .add(&[Method::GET], "/inventory", get(inventory))
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9;font-size:15px}
header{background:#1f2a44;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header a{color:#dfe6f5;text-decoration:none}header a.active{color:#fff;font-weight:600;border-bottom:2px solid #7fb0ff}
header .brand{font-weight:700;color:#fff;margin-right:1rem}header form{margin-left:auto}
header button{background:none;border:1px solid #7f8db0;color:#dfe6f5;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{padding:1rem 1.5rem;max-width:1200px}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:1rem 1.2rem;margin:0 0 1rem}
h1{font-size:1.5rem;margin:.3rem 0 1rem}h2{font-size:1.2rem;margin:.2rem 0 .6rem}h3{font-size:1.05rem;margin:.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e6e8ec;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.num,th.num{text-align:right}
.sev{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.8rem;font-weight:600;color:#fff}
.sev-critical{background:#7b1fa2}.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#607d8b}
.h{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.8rem;font-weight:600}
.h-unhealthy{background:#fde2e1;color:#a31515}.h-healthy{background:#dff3e4;color:#1b6b34}.h-not_applicable{background:#eceff1;color:#455a64}.h-stale{background:#fff4d6;color:#7a5a00}
.counts{display:flex;gap:1.5rem;flex-wrap:wrap;margin:.6rem 0}.counts div{min-width:7rem}.counts b{display:block;font-size:1.6rem}
.button,button.primary{display:inline-block;background:#2b5fd9;color:#fff;border:0;border-radius:4px;padding:.4rem .9rem;text-decoration:none;cursor:pointer;font-size:.95rem}
button.secondary{background:#e8ecf5;color:#1f2a44;border:1px solid #b9c3da;border-radius:4px;padding:.4rem .9rem;cursor:pointer}
.muted{color:#5f6b7a}.why{color:#5f6b7a;font-size:.9rem}.error{background:#fde2e1;border:1px solid #f3aaa6;padding:.6rem .8rem;border-radius:4px}
.notice{background:#fff4d6;border:1px solid #f0d27a;padding:.5rem .8rem;border-radius:4px}
code,pre,textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:.5rem;border-radius:4px}
textarea{width:100%;box-sizing:border-box}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
.rule{border-left:4px solid #c62828;padding-left:.8rem;margin:1rem 0}
.rule.error{border-left-color:#ef6c00;background:none;border-top:0;border-right:0;border-bottom:0}
.bar{height:.7rem;background:#fde2e1;border-radius:4px;overflow:hidden;max-width:420px}.bar span{display:block;height:100%;background:#2e7d32}
.filters{display:flex;gap:.6rem;flex-wrap:wrap;align-items:end}.filters label{display:flex;flex-direction:column;font-size:.85rem;gap:.15rem}
td.cell{white-space:pre-wrap;word-break:break-word}
dl.inv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.inv dt{font-weight:600}dl.inv dd{margin:0}
";

fn severity_badge(h: &mut Html, s: Severity) {
    let class = match s {
        Severity::Critical => "sev sev-critical",
        Severity::High => "sev sev-high",
        Severity::Medium => "sev sev-medium",
        Severity::Low => "sev sev-low",
    };
    h.el("span", &[("class", class)], s.as_str());
}

fn health_label(health: Health) -> &'static str {
    match health {
        Health::Unhealthy => "Unhealthy",
        Health::Healthy => "Healthy",
        Health::NotApplicable => "Not applicable",
        Health::Stale => "Stale",
    }
}

fn health_badge(h: &mut Html, health: Health) {
    let class = match health {
        Health::Unhealthy => "h h-unhealthy",
        Health::Healthy => "h h-healthy",
        Health::NotApplicable => "h h-not_applicable",
        Health::Stale => "h h-stale",
    };
    h.el("span", &[("class", class)], health_label(health));
}

fn human_duration(d: time::Duration) -> String {
    let secs = d.whole_seconds().max(0);
    if secs >= 86_400 && secs % 86_400 == 0 {
        format!("{} d", secs / 86_400)
    } else if secs >= 3_600 {
        format!("{} h", secs / 3_600)
    } else if secs >= 60 {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

/// "2026-11-25T10:00:00Z (3 h ago)".
fn when(s: &str) -> String {
    let parsed =
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
    match parsed {
        Some(t) => {
            let ago = time::OffsetDateTime::now_utc() - t;
            if ago.is_negative() {
                s.to_string()
            } else {
                format!("{s} ({} ago)", human_duration(ago))
            }
        }
        None => s.to_string(),
    }
}

/// A whole page. `session` adds the navigation and the logout form.
fn layout(title: &str, session: Option<(&PageSession, &'static str)>, body: Html) -> String {
    let mut h = Html::new();
    h.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .el("title", &[], format!("{title} · dockguard"))
        .raw("<style>")
        .raw(CSS)
        .raw("</style></head><body><header>")
        .el("span", &[("class", "brand")], "dockguard");
    if let Some((s, active)) = session {
        for (href, label) in [
            ("/", "Recommendations"),
            ("/recommendations/docker", "Affected hosts"),
            ("/inventory", "Inventory"),
            ("/query", "Query console"),
        ] {
            let class = if href == active { "active" } else { "" };
            h.el("a", &[("href", href), ("class", class)], label);
        }
        h.wrap("form", &[("method", "post"), ("action", "/logout")], |h| {
            csrf_field(h, s);
            h.el("span", &[("class", "muted")], &s.session.token.name)
                .raw(" ")
                .el("button", &[("type", "submit")], "Sign out");
        });
    }
    h.raw("</header><main>");
    h.append(body);
    h.raw("</main></body></html>");
    h.into_string()
}

fn csrf_field(h: &mut Html, s: &PageSession) {
    h.open(
        "input",
        &[
            ("type", "hidden"),
            ("name", "csrf"),
            ("value", &s.session.csrf),
        ],
    );
}

fn html_response(status: StatusCode, page: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        page,
    )
        .into_response()
}

/// A page that says what went wrong.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let mut h = Html::new();
    h.el("h1", &[], status.canonical_reason().unwrap_or("Error"))
        .el("p", &[("class", "error")], message)
        .raw("<p><a href=\"/\">Back to the recommendations</a></p>");
    html_response(status, layout("Error", None, h))
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("{e}");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error (see the server log)",
    )
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Runs a store call on the blocking pool; any failure becomes an error page.
macro_rules! store_call {
    ($st:expr, $what:literal, $f:expr) => {
        match $st.blocking($f).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return internal(format!("{}: {e}", $what)),
            Err(e) => return internal(e),
        }
    };
}

// ---------------------------------------------------------------------------------------------- login

fn login_body(message: Option<&str>) -> Html {
    let mut h = Html::new();
    h.wrap("div", &[("class", "card"), ("style", "max-width:520px")], |h| {
        h.el("h1", &[], "Sign in");
        if let Some(m) = message {
            h.el("p", &[("class", "error")], m);
        }
        h.el(
            "p",
            &[("class", "muted")],
            "Paste a reader or admin token (dg_…). The server prints a one-time admin token when it \
             creates its database; create more with `dockguard server token create --role reader`.",
        );
        h.wrap("form", &[("method", "post"), ("action", "/login")], |h| {
            h.wrap("label", &[], |h| {
                h.raw("Token<br>").open(
                    "input",
                    &[
                        ("type", "password"),
                        ("name", "token"),
                        ("autocomplete", "off"),
                        ("required", ""),
                        ("autofocus", ""),
                        ("style", "width:100%"),
                    ],
                );
            })
            .raw("<p>")
            .el(
                "button",
                &[("type", "submit"), ("class", "primary")],
                "Sign in",
            )
            .raw("</p>");
        });
    });
    h
}

async fn login_form() -> Response {
    html_response(StatusCode::OK, layout("Sign in", None, login_body(None)))
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let fail = |status: StatusCode, m: &str| {
        html_response(status, layout("Sign in", None, login_body(Some(m))))
    };
    if !same_origin(&headers, st.inner.public_url.as_deref()) {
        return fail(StatusCode::FORBIDDEN, "cross-site sign-in refused");
    }
    let Ok(Form(form)) = form else {
        return fail(StatusCode::BAD_REQUEST, "paste a token");
    };
    let secret = form.token.trim().to_string();
    if secret.is_empty() || secret.len() > 256 {
        return fail(StatusCode::UNAUTHORIZED, "unknown or revoked token");
    }
    let token = store_call!(st, "authenticating a token", move |s| s
        .authenticate(&secret));
    let Some(token) = token.filter(|t| !t.revoked) else {
        return fail(StatusCode::UNAUTHORIZED, "unknown or revoked token");
    };
    if !matches!(token.role, Role::Reader | Role::Admin) {
        return fail(
            StatusCode::FORBIDDEN,
            "this token has role agent, which may only submit reports; sign in with a reader or admin token",
        );
    }
    let ttl = st.inner.session_ttl;
    let id = token.id;
    let (secret, _session) =
        store_call!(st, "opening a session", move |s| s.create_session(id, ttl));
    tracing::info!(token = id, "signed in");
    let cookie = session_cookie(&secret, ttl.whole_seconds(), st.inner.secure_cookies);
    let mut res = Redirect::to("/").into_response();
    match HeaderValue::from_str(&cookie) {
        Ok(v) => {
            res.headers_mut().insert(header::SET_COOKIE, v);
            res
        }
        Err(_) => internal("the session secret is not a valid cookie value"),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn csrf_refused() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "this form is missing its CSRF token or it does not match your session; reload the page and try again",
    )
}

async fn logout(
    State(st): State<AppState>,
    session: PageSession,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let ok = form.is_ok_and(|Form(f)| session.csrf_ok(&f.csrf));
    if !ok || !same_origin(&headers, st.inner.public_url.as_deref()) {
        return csrf_refused();
    }
    let secret = session.secret.clone();
    store_call!(st, "closing a session", move |s| s.delete_session(&secret));
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_session_cookie(st.inner.secure_cookies)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

// ------------------------------------------------------------------------------------ recommendations

fn counts(h: &mut Html, items: &[(&'static str, i64, &'static str)]) {
    h.wrap("div", &[("class", "counts")], |h| {
        for (label, n, href) in items {
            h.wrap("div", &[], |h| {
                h.el("b", &[], n);
                if href.is_empty() {
                    h.text(label);
                } else {
                    h.el("a", &[("href", href)], label);
                }
            });
        }
    });
}

fn recommendation_body(rec: &Recommendation, stale_after: time::Duration) -> Html {
    let mut h = Html::new();
    h.el("h1", &[], "Recommendations");
    let assessed = rec.unhealthy + rec.healthy + rec.not_applicable + rec.stale;
    if assessed == 0 {
        h.el(
            "p",
            &[("class", "notice")],
            "No host has reported yet. Run `dockguard agent --server URL --token-file FILE` on a \
             Docker host (with an agent token), or start the server where a Docker daemon answers.",
        );
    }
    h.wrap("section", &[("class", "card")], |h| {
        h.wrap("h2", &[], |h| {
            h.el(
                "a",
                &[("href", "/recommendations/docker")],
                if rec.title.is_empty() {
                    RECOMMENDATION_TITLE
                } else {
                    &rec.title
                },
            );
        });
        h.wrap("p", &[], |h| {
            h.raw("Severity: ");
            match rec.severity {
                Some(s) => severity_badge(h, s),
                None => {
                    h.el("span", &[("class", "muted")], "none (nothing fails)");
                }
            }
            h.raw(" · CIS Docker Benchmark / Azure Docker security baseline");
        });
        counts(
            h,
            &[
                (
                    "unhealthy hosts",
                    rec.unhealthy,
                    "/recommendations/docker?health=unhealthy",
                ),
                (
                    "healthy hosts",
                    rec.healthy,
                    "/recommendations/docker?health=healthy",
                ),
                (
                    "not applicable",
                    rec.not_applicable,
                    "/recommendations/docker?health=not_applicable",
                ),
                ("stale", rec.stale, "/recommendations/docker?health=stale"),
            ],
        );
        h.wrap("p", &[("class", "why")], |h| {
            h.text(
                "Not applicable: hosts whose containers are managed by an orchestrator (Kubernetes); \
                 the CIS Docker Benchmark checks do not run on them. Stale: no report for more than ",
            )
            .text(human_duration(stale_after))
            .text("; their last results may be out of date.");
        });
        h.raw("<p>")
            .el(
                "a",
                &[("class", "button"), ("href", "/recommendations/docker")],
                "View affected hosts",
            )
            .raw("</p>");
        h.el(
            "h3",
            &[],
            format!("Failed baseline rules ({})", rec.failed_rules.len()),
        );
        if rec.failed_rules.is_empty() {
            h.el("p", &[("class", "muted")], "No baseline rule fails on any host.");
        } else {
            h.raw("<table><thead><tr><th>Rule</th><th>Title</th><th>Severity</th><th class=\"num\">Unhealthy hosts</th></tr></thead><tbody>");
            for r in &rec.failed_rules {
                let href = format!("/recommendations/docker?rule={}", url_encode(&r.rule_id));
                h.raw("<tr>")
                    .wrap("td", &[], |h| {
                        h.el("code", &[], &r.rule_id);
                    })
                    .el("td", &[], &r.title)
                    .wrap("td", &[], |h| severity_badge(h, r.severity))
                    .wrap("td", &[("class", "num")], |h| {
                        h.el("a", &[("href", &href)], r.unhealthy_hosts);
                    })
                    .raw("</tr>");
            }
            h.raw("</tbody></table>");
        }
    });
    h.wrap("section", &[("class", "card")], |h| {
        h.el("h2", &[], COMPLIANCE_TITLE);
        let total = rec.compliant_hosts + rec.non_compliant_hosts;
        counts(
            h,
            &[
                (
                    "compliant hosts",
                    rec.compliant_hosts,
                    "/recommendations/docker?health=healthy",
                ),
                (
                    "non-compliant hosts",
                    rec.non_compliant_hosts,
                    "/recommendations/docker?health=unhealthy",
                ),
            ],
        );
        if total > 0 {
            let pct = rec.compliant_hosts * 100 / total;
            h.wrap(
                "div",
                &[("class", "bar"), ("title", &format!("{pct}% compliant"))],
                |h| {
                    h.open("span", &[("style", &format!("width:{pct}%"))])
                        .close("span");
                },
            );
            h.el(
                "p",
                &[("class", "why")],
                format!("{pct}% of the assessed hosts meet every baseline requirement."),
            );
        }
    });
    h
}

async fn recommendations(State(st): State<AppState>, session: PageSession) -> Response {
    let stale = st.inner.stale_after;
    let rec = store_call!(st, "computing the recommendation", move |s| s
        .recommendation(now(), stale));
    html_response(
        StatusCode::OK,
        layout(
            "Recommendations",
            Some((&session, "/")),
            recommendation_body(&rec, stale),
        ),
    )
}

// ------------------------------------------------------------------------------------ affected hosts

fn hosts_table(h: &mut Html, hosts: &[HostSummary]) {
    h.raw("<table><thead><tr><th>Host</th><th>Health</th><th class=\"num\">Failed rules</th><th>Highest severity</th><th>Docker</th><th>OS</th><th class=\"num\">Containers</th><th>Last assessed</th></tr></thead><tbody>");
    for host in hosts.iter().take(MAX_PAGE_ROWS) {
        let href = format!("/hosts/{}", host.id);
        h.raw("<tr>")
            .wrap("td", &[], |h| {
                h.el("a", &[("href", &href)], &host.hostname);
                if host.host_key != host.hostname {
                    h.raw("<br>")
                        .el("span", &[("class", "muted")], &host.host_key);
                }
            })
            .wrap("td", &[], |h| {
                health_badge(h, host.health);
                if let Some(why) = &host.health_reason {
                    h.raw("<br>").el("span", &[("class", "why")], why);
                }
            })
            .el("td", &[("class", "num")], host.failed_rules)
            .wrap("td", &[], |h| {
                if let Some(s) = host.highest_severity {
                    severity_badge(h, s);
                }
            })
            .el("td", &[], host.docker_version.as_deref().unwrap_or("—"))
            .el("td", &[], host.os.as_deref().unwrap_or("—"))
            .el("td", &[("class", "num")], host.containers)
            .el("td", &[], when(&host.last_assessed))
            .raw("</tr>");
    }
    h.raw("</tbody></table>");
    if hosts.len() > MAX_PAGE_ROWS {
        h.el(
            "p",
            &[("class", "notice")],
            format!(
                "Showing the first {MAX_PAGE_ROWS} of {} hosts; narrow the list with the filters.",
                hosts.len()
            ),
        );
    }
}

async fn affected_hosts(
    State(st): State<AppState>,
    session: PageSession,
    params: Result<Query<HostsParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return error_page(StatusCode::BAD_REQUEST, "bad filter");
    };
    let filter = match params.filter() {
        Ok(f) => f,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &e),
    };
    let stale = st.inner.stale_after;
    let f2 = filter.clone();
    let (rec, hosts) = store_call!(st, "listing hosts", move |s| {
        let rec = s.recommendation(now(), stale)?;
        let hosts = s.hosts(&f2, now(), stale)?;
        Ok::<_, dockguard_store::StoreError>((rec, hosts))
    });
    let mut h = Html::new();
    h.raw("<p><a href=\"/\">Recommendations</a> › affected hosts</p>");
    h.el(
        "h1",
        &[],
        if rec.title.is_empty() {
            RECOMMENDATION_TITLE
        } else {
            &rec.title
        },
    );
    h.wrap("div", &[("class", "card")], |h| {
        h.wrap("p", &[], |h| {
            h.raw("Severity: ");
            if let Some(s) = rec.severity {
                severity_badge(h, s);
            } else {
                h.raw("none");
            }
            h.text(format!(
                " · {} unhealthy, {} healthy, {} not applicable, {} stale",
                rec.unhealthy, rec.healthy, rec.not_applicable, rec.stale
            ));
        });
        h.el(
            "p",
            &[("class", "why")],
            "Docker hosts are assessed against the CIS Docker Benchmark (Azure security baseline for \
             Docker hosts). Select a host to see every failed rule, the failing containers, images and \
             files, and how to remediate them.",
        );
        h.wrap(
            "form",
            &[
                ("method", "get"),
                ("action", "/recommendations/docker"),
                ("class", "filters"),
            ],
            |h| {
                h.wrap("label", &[], |h| {
                    h.raw("Search").open(
                        "input",
                        &[
                            ("type", "search"),
                            ("name", "search"),
                            ("placeholder", "hostname, OS, Docker version"),
                            ("value", filter.search.as_deref().unwrap_or("")),
                        ],
                    );
                });
                h.wrap("label", &[], |h| {
                    h.raw("Health").wrap("select", &[("name", "health")], |h| {
                        let current = filter.health.map(health_str).unwrap_or("");
                        for (v, label) in [
                            ("", "All"),
                            ("unhealthy", "Unhealthy"),
                            ("healthy", "Healthy"),
                            ("not_applicable", "Not applicable"),
                            ("stale", "Stale"),
                        ] {
                            let sel = if v == current { "selected" } else { "" };
                            h.el("option", &[("value", v), (sel, "")], label);
                        }
                    });
                });
                h.wrap("label", &[], |h| {
                    h.raw("Failed rule").wrap("select", &[("name", "rule")], |h| {
                        let current = filter.rule.as_deref().unwrap_or("");
                        h.el("option", &[("value", "")], "Any");
                        let mut listed = false;
                        for r in &rec.failed_rules {
                            let sel = if r.rule_id == current {
                                listed = true;
                                "selected"
                            } else {
                                ""
                            };
                            h.el(
                                "option",
                                &[("value", &r.rule_id), (sel, "")],
                                format!("{} {}", r.rule_id, r.title),
                            );
                        }
                        if !listed && !current.is_empty() {
                            h.el("option", &[("value", current), ("selected", "")], current);
                        }
                    });
                });
                h.el(
                    "button",
                    &[("type", "submit"), ("class", "primary")],
                    "Filter",
                );
            },
        );
    });
    h.el("h2", &[], format!("Affected hosts ({})", hosts.len()));
    if hosts.is_empty() {
        h.el("p", &[("class", "muted")], "No host matches.");
    } else {
        hosts_table(&mut h, &hosts);
    }
    html_response(
        StatusCode::OK,
        layout(
            "Affected hosts",
            Some((&session, "/recommendations/docker")),
            h,
        ),
    )
}

// ------------------------------------------------------------------------------------------ host page

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Manual => 2,
        Status::Exempt => 3,
        Status::Pass => 4,
        Status::NotApplicable => 5,
    }
}

fn findings_table(h: &mut Html, rows: &[&dockguard_store::FindingRow]) {
    h.raw("<table><thead><tr><th>Kind</th><th>Target</th><th>Status</th><th>Offending value / evidence</th></tr></thead><tbody>");
    for f in rows {
        h.raw("<tr>")
            .el("td", &[], &f.kind)
            .wrap("td", &[], |h| {
                h.el("code", &[], &f.name);
            })
            .el("td", &[], f.status.as_str())
            .el("td", &[], &f.detail)
            .raw("</tr>");
    }
    h.raw("</tbody></table>");
}

fn rule_block(h: &mut Html, r: &ResultRow) {
    let class = if r.status == Status::Error {
        "rule error"
    } else {
        "rule"
    };
    h.wrap("div", &[("class", class)], |h| {
        h.wrap("h3", &[], |h| {
            h.el("code", &[], &r.rule_id)
                .raw(" ")
                .text(&r.title)
                .raw(" ");
            severity_badge(h, r.severity);
        });
        h.el(
            "p",
            &[("class", "muted")],
            format!("{} · {}", r.section, r.status.as_str()),
        );
        h.el("p", &[], &r.reason);
        let failing: Vec<_> = r
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Error))
            .collect();
        let others: Vec<_> = r
            .findings
            .iter()
            .filter(|f| !matches!(f.status, Status::Fail | Status::Error))
            .collect();
        if !failing.is_empty() {
            findings_table(h, &failing);
        }
        if !others.is_empty() {
            h.wrap("details", &[], |h| {
                h.el(
                    "summary",
                    &[],
                    format!("Other targets checked ({})", others.len()),
                );
                findings_table(h, &others);
            });
        }
        h.raw("<p><b>Remediation</b></p>")
            .el("pre", &[], &r.remediation);
    });
}

fn collapsed(h: &mut Html, title: &str, rows: &[&ResultRow]) {
    if rows.is_empty() {
        return;
    }
    h.wrap("details", &[("class", "card")], |h| {
        h.el("summary", &[], format!("{title} ({})", rows.len()));
        h.raw("<table><thead><tr><th>Rule</th><th>Title</th><th>Severity</th><th>Reason</th></tr></thead><tbody>");
        for r in rows {
            h.raw("<tr>")
                .wrap("td", &[], |h| {
                    h.el("code", &[], &r.rule_id);
                })
                .el("td", &[], &r.title)
                .wrap("td", &[], |h| severity_badge(h, r.severity))
                .el("td", &[], &r.reason)
                .raw("</tr>");
        }
        h.raw("</tbody></table>");
    });
}

fn inv_str<'a>(inv: &'a Value, key: &str) -> Option<&'a str> {
    inv.get(key).and_then(Value::as_str)
}

fn inventory_block(h: &mut Html, d: &HostDetail) {
    let inv = &d.inventory;
    h.wrap("section", &[("class", "card")], |h| {
        h.el("h2", &[], "Inventory");
        h.wrap("dl", &[("class", "inv")], |h| {
            let row = |h: &mut Html, k: &'static str, v: String| {
                h.el("dt", &[], k).el("dd", &[], v);
            };
            let s = |k: &str| inv_str(inv, k).unwrap_or("—").to_string();
            row(h, "Hostname", s("hostname"));
            row(
                h,
                "Docker version",
                inv_str(inv, "docker_version")
                    .or(d.summary.docker_version.as_deref())
                    .unwrap_or("—")
                    .to_string(),
            );
            row(h, "API version", s("api_version"));
            row(
                h,
                "OS",
                inv_str(inv, "os")
                    .or(d.summary.os.as_deref())
                    .unwrap_or("—")
                    .to_string(),
            );
            row(h, "Kernel", s("kernel"));
            row(h, "Storage driver", s("storage_driver"));
            row(h, "Logging driver", s("logging_driver"));
            row(h, "Cgroup driver", s("cgroup_driver"));
            row(h, "Docker root", s("docker_root_dir"));
            if let Some(opts) = inv.get("security_options").and_then(Value::as_array) {
                let opts: Vec<&str> = opts.iter().filter_map(Value::as_str).collect();
                row(h, "Security options", opts.join(", "));
            }
            row(h, "Swarm", s("swarm"));
            let c = &inv["containers"];
            row(
                h,
                "Containers",
                format!(
                    "{} total, {} running, {} stopped",
                    c["total"].as_u64().unwrap_or(0),
                    c["running"].as_u64().unwrap_or(0),
                    c["stopped"].as_u64().unwrap_or(0)
                ),
            );
            let i = &inv["images"];
            row(
                h,
                "Images",
                format!(
                    "{} total, {} in use",
                    i["total"].as_u64().unwrap_or(0),
                    i["in_use"].as_u64().unwrap_or(0)
                ),
            );
            if let Some(e) = inv_str(inv, "error") {
                row(h, "Collection error", e.to_string());
            }
        });
        h.el("h3", &[], format!("Containers ({})", d.containers.len()));
        containers_table(h, &d.containers, false);
    });
}

fn containers_table(h: &mut Html, rows: &[ContainerRow], with_host: bool) {
    if rows.is_empty() {
        h.el("p", &[("class", "muted")], "No containers.");
        return;
    }
    h.raw("<table><thead><tr>");
    if with_host {
        h.raw("<th>Host</th>");
    }
    h.raw("<th>Name</th><th>Image</th><th>State</th><th>Id</th></tr></thead><tbody>");
    for c in rows.iter().take(MAX_PAGE_ROWS) {
        h.raw("<tr>");
        if with_host {
            let href = format!("/hosts/{}", c.host_id);
            h.wrap("td", &[], |h| {
                h.el("a", &[("href", &href)], &c.hostname);
            });
        }
        let short: String = c.container_id.chars().take(12).collect();
        h.el("td", &[], &c.name)
            .wrap("td", &[], |h| {
                h.el("code", &[], &c.image);
            })
            .el("td", &[], &c.state)
            .wrap("td", &[], |h| {
                h.el("code", &[("title", &c.container_id)], short);
            })
            .raw("</tr>");
    }
    h.raw("</tbody></table>");
    if rows.len() > MAX_PAGE_ROWS {
        h.el(
            "p",
            &[("class", "notice")],
            format!(
                "Showing the first {MAX_PAGE_ROWS} of {} containers; narrow the list with the search.",
                rows.len()
            ),
        );
    }
}

fn compliance_pct(p: &TrendPoint) -> Option<f64> {
    let total = p.pass + p.fail + p.error;
    (total > 0).then(|| p.pass as f64 * 100.0 / total as f64)
}

/// Compliance over time: an inline SVG line and the points as a table.
fn trend_block(h: &mut Html, trend: &[TrendPoint]) {
    h.wrap("section", &[("class", "card")], |h| {
        h.el("h2", &[], "Compliance trend");
        if trend.is_empty() {
            h.el("p", &[("class", "muted")], "No assessments yet.");
            return;
        }
        let (w, ht, pad) = (600.0f64, 120.0f64, 10.0f64);
        let n = trend.len();
        let points: Vec<(f64, f64)> = trend
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let x = if n == 1 {
                    w / 2.0
                } else {
                    pad + (w - 2.0 * pad) * i as f64 / (n - 1) as f64
                };
                compliance_pct(p).map(|c| (x, pad + (ht - 2.0 * pad) * (100.0 - c) / 100.0))
            })
            .collect();
        let poly: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        h.wrap(
            "svg",
            &[
                ("xmlns", "http://www.w3.org/2000/svg"),
                ("width", "600"),
                ("height", "120"),
                ("viewBox", "0 0 600 120"),
                ("role", "img"),
                ("aria-label", "Share of passed rules per assessment"),
                ("style", "background:#fafbfc;border:1px solid #e6e8ec"),
            ],
            |h| {
                for (y, label) in [(pad, "100%"), (ht / 2.0, "50%"), (ht - pad, "0%")] {
                    h.open(
                        "line",
                        &[
                            ("x1", "0"),
                            ("x2", "600"),
                            ("y1", &format!("{y:.1}")),
                            ("y2", &format!("{y:.1}")),
                            ("stroke", "#e6e8ec"),
                        ],
                    )
                    .close("line")
                    .el(
                        "text",
                        &[
                            ("x", "2"),
                            ("y", &format!("{:.1}", y - 2.0)),
                            ("font-size", "9"),
                            ("fill", "#8a94a3"),
                        ],
                        label,
                    );
                }
                if let (Some(first), Some(last)) = (trend.first(), trend.last()) {
                    h.el(
                        "text",
                        &[("x", "14"), ("y", "118"), ("font-size", "9"), ("fill", "#8a94a3")],
                        &first.at,
                    );
                    if n > 1 {
                        h.el(
                            "text",
                            &[
                                ("x", "590"),
                                ("y", "118"),
                                ("font-size", "9"),
                                ("fill", "#8a94a3"),
                                ("text-anchor", "end"),
                            ],
                            &last.at,
                        );
                    }
                }
                h.open(
                    "polyline",
                    &[
                        ("points", &poly.join(" ")),
                        ("fill", "none"),
                        ("stroke", "#2b5fd9"),
                        ("stroke-width", "2"),
                    ],
                )
                .close("polyline");
                for (x, y) in &points {
                    h.open(
                        "circle",
                        &[
                            ("cx", &format!("{x:.1}")),
                            ("cy", &format!("{y:.1}")),
                            ("r", "3"),
                            ("fill", "#2b5fd9"),
                        ],
                    )
                    .close("circle");
                }
            },
        );
        h.wrap("details", &[], |h| {
            h.el("summary", &[], format!("Assessments ({n})"));
            h.raw("<table><thead><tr><th>At</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Errors</th><th class=\"num\">Compliance</th></tr></thead><tbody>");
            for p in trend.iter().rev() {
                h.raw("<tr>")
                    .el("td", &[], &p.at)
                    .el("td", &[("class", "num")], p.pass)
                    .el("td", &[("class", "num")], p.fail)
                    .el("td", &[("class", "num")], p.error)
                    .el(
                        "td",
                        &[("class", "num")],
                        compliance_pct(p)
                            .map(|c| format!("{c:.0}%"))
                            .unwrap_or_else(|| "—".into()),
                    )
                    .raw("</tr>");
            }
            h.raw("</tbody></table>");
        });
    });
}

/// The link of the "Take action" button: the console with the default saved query and this host.
pub fn take_action_href(hostname: &str) -> String {
    format!("/query?saved=0&host={}", url_encode(hostname))
}

fn host_body(d: &HostDetail) -> Html {
    let s = &d.summary;
    let mut h = Html::new();
    h.raw("<p><a href=\"/\">Recommendations</a> › <a href=\"/recommendations/docker\">affected hosts</a> › host</p>");
    h.wrap("h1", &[], |h| {
        h.text(&s.hostname).raw(" ");
        health_badge(h, s.health);
    });
    h.wrap("div", &[("class", "card")], |h| {
        if let Some(why) = &s.health_reason {
            h.el("p", &[("class", "why")], why);
        }
        h.wrap("p", &[], |h| {
            h.raw("Last assessed: ")
                .text(when(&s.last_assessed))
                .raw(" · profile ")
                .text(&s.profile)
                .raw(" · host key ")
                .el("code", &[], &s.host_key);
            if let Some(o) = &s.orchestrator {
                h.raw(" · orchestrator ").text(o);
            }
        });
        h.wrap("p", &[], |h| {
            h.text(format!("{} failed rules", s.failed_rules));
            if let Some(sev) = s.highest_severity {
                h.raw(", highest severity ");
                severity_badge(h, sev);
            }
        });
        h.wrap("p", &[], |h| {
            h.el(
                "a",
                &[("class", "button"), ("href", &take_action_href(&s.hostname))],
                "Take action",
            )
            .raw(" ")
            .el(
                "span",
                &[("class", "muted")],
                "Opens the query console with every failed rule of this host and its remediation, ready to run.",
            );
        });
    });

    let mut results: Vec<&ResultRow> = d.results.iter().collect();
    results.sort_by(|a, b| {
        status_rank(a.status)
            .cmp(&status_rank(b.status))
            .then(b.severity.cmp(&a.severity))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    let by = |st: Status| -> Vec<&ResultRow> {
        results.iter().copied().filter(|r| r.status == st).collect()
    };
    let failed = by(Status::Fail);
    let errors = by(Status::Error);
    h.wrap("section", &[("class", "card")], |h| {
        h.el("h2", &[], format!("Failed rules ({})", failed.len()));
        if failed.is_empty() {
            h.el(
                "p",
                &[("class", "muted")],
                "No baseline rule fails on this host.",
            );
        }
        for r in &failed {
            rule_block(h, r);
        }
    });
    if !errors.is_empty() {
        h.wrap("section", &[("class", "card")], |h| {
            h.el(
                "h2",
                &[],
                format!("Could not be evaluated ({})", errors.len()),
            );
            for r in &errors {
                rule_block(h, r);
            }
        });
    }
    collapsed(&mut h, "Needs manual review", &by(Status::Manual));
    collapsed(&mut h, "Exempted", &by(Status::Exempt));
    collapsed(&mut h, "Passed", &by(Status::Pass));
    collapsed(&mut h, "Not applicable", &by(Status::NotApplicable));
    inventory_block(&mut h, d);
    trend_block(&mut h, &d.trend);
    h
}

async fn host_page(
    State(st): State<AppState>,
    session: PageSession,
    id: Result<Path<i64>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return error_page(StatusCode::BAD_REQUEST, "bad host id");
    };
    let stale = st.inner.stale_after;
    let detail = store_call!(st, "reading a host", move |s| s.host(id, now(), stale));
    match detail {
        Some(d) => html_response(
            StatusCode::OK,
            layout(
                &d.summary.hostname.clone(),
                Some((&session, "/recommendations/docker")),
                host_body(&d),
            ),
        ),
        None => error_page(StatusCode::NOT_FOUND, &format!("no host with id {id}")),
    }
}

// -------------------------------------------------------------------------------------- query console

/// Named parameters (`:name`) of a statement, in order of appearance, outside string literals, quoted
/// identifiers and comments.
pub fn sql_params(sql: &str) -> Vec<String> {
    let b = sql.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'[' => {
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b':' if i == 0 || b[i - 1] != b':' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                if end > start && !b[start].is_ascii_digit() && b.get(end) != Some(&b':') {
                    let name = &sql[start..end];
                    if !out.iter().any(|n| n == name) {
                        out.push(name.to_string());
                    }
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// A parameter name as the saved queries list it (`:host`) or as typed (`host`), without the colon.
fn bare(name: &str) -> &str {
    name.trim_start_matches([':', '@', '$'])
}

struct Console {
    sql: String,
    /// Bare parameter names and values.
    params: Vec<(String, String)>,
    saved: Vec<SavedQuery>,
    views: Vec<(String, Vec<String>)>,
    selected: Option<usize>,
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn query_body(
    session: &PageSession,
    c: &Console,
    result: Option<&QueryResult>,
    error: Option<&str>,
) -> Html {
    let mut h = Html::new();
    h.el("h1", &[], "Query console");
    if let Some(i) = c.selected {
        if let Some(q) = c.saved.get(i) {
            h.wrap("p", &[], |h| {
                h.el("b", &[], &q.name).raw(" — ").el(
                    "span",
                    &[("class", "muted")],
                    &q.description,
                );
            });
        }
    }
    h.wrap("form", &[("method", "post"), ("action", "/query"), ("class", "card")], |h| {
        csrf_field(h, session);
        h.wrap("label", &[], |h| {
            h.raw("SQL (one read-only SELECT over the views below; parameters as <code>:name</code>)<br>");
            h.el(
                "textarea",
                &[("name", "sql"), ("rows", "12"), ("spellcheck", "false")],
                &c.sql,
            );
        });
        if !c.params.is_empty() {
            h.el("h3", &[], "Parameters");
            h.wrap("div", &[("class", "filters")], |h| {
                for (name, value) in &c.params {
                    h.wrap("label", &[], |h| {
                        h.text(format!(":{name}"));
                        h.open(
                            "input",
                            &[
                                ("type", "text"),
                                ("name", &format!("p.{name}")),
                                ("value", value),
                            ],
                        );
                    });
                }
            });
        }
        h.raw("<p>")
            .el(
                "button",
                &[
                    ("type", "submit"),
                    ("name", "action"),
                    ("value", "run"),
                    ("class", "primary"),
                ],
                "Run",
            )
            .raw(" ")
            .el(
                "button",
                &[
                    ("type", "submit"),
                    ("name", "action"),
                    ("value", "csv"),
                    ("class", "secondary"),
                ],
                "Export CSV",
            )
            .raw("</p>");
    });
    if let Some(e) = error {
        h.el("p", &[("class", "error")], e);
    }
    if let Some(r) = result {
        h.wrap("section", &[("class", "card")], |h| {
            h.el("h2", &[], format!("Result ({} rows)", r.rows.len()));
            if let Some(t) = &r.truncated {
                h.el("p", &[("class", "notice")], format!("Incomplete: {t}"));
            }
            h.raw("<div style=\"overflow-x:auto\"><table><thead><tr>");
            for col in &r.columns {
                h.el("th", &[], col);
            }
            h.raw("</tr></thead><tbody>");
            for row in &r.rows {
                h.raw("<tr>");
                for v in row {
                    match v {
                        Value::Null => {
                            h.el("td", &[("class", "muted")], "NULL");
                        }
                        Value::Number(_) => {
                            h.el("td", &[("class", "num")], v);
                        }
                        other => {
                            h.el("td", &[("class", "cell")], cell_text(other));
                        }
                    }
                }
                h.raw("</tr>");
            }
            h.raw("</tbody></table></div>");
        });
    }
    h.wrap("details", &[("class", "card"), ("open", "")], |h| {
        h.el("summary", &[], format!("Saved queries ({})", c.saved.len()));
        h.raw("<ul>");
        for (i, q) in c.saved.iter().enumerate() {
            let href = format!("/query?saved={i}");
            h.wrap("li", &[], |h| {
                h.el("a", &[("href", &href)], &q.name).raw(" — ").el(
                    "span",
                    &[("class", "muted")],
                    &q.description,
                );
            });
        }
        h.raw("</ul>");
    });
    h.wrap("details", &[("class", "card")], |h| {
        h.el("summary", &[], format!("Views ({})", c.views.len()));
        h.raw("<table><thead><tr><th>View</th><th>Columns</th></tr></thead><tbody>");
        for (name, cols) in &c.views {
            h.raw("<tr>")
                .wrap("td", &[], |h| {
                    h.el("code", &[], name);
                })
                .el("td", &[], cols.join(", "))
                .raw("</tr>");
        }
        h.raw("</tbody></table>");
    });
    h
}

async fn console_meta(
    st: &AppState,
) -> Result<(Vec<SavedQuery>, Vec<(String, Vec<String>)>), Response> {
    st.blocking(|s| (s.saved_queries(), s.query_views()))
        .await
        .map_err(internal)
}

async fn query_form(
    State(st): State<AppState>,
    session: PageSession,
    params: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return error_page(StatusCode::BAD_REQUEST, "bad query string");
    };
    let (saved, views) = match console_meta(&st).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let selected = match get("saved") {
        None | Some("") => None,
        Some(i) => match i.parse::<usize>().ok().filter(|i| *i < saved.len()) {
            Some(i) => Some(i),
            None => {
                return error_page(
                    StatusCode::NOT_FOUND,
                    &format!("no saved query {i:?} (there are {})", saved.len()),
                )
            }
        },
    };
    let (sql, defaults) = match selected {
        Some(i) => (saved[i].sql.clone(), saved[i].params.clone()),
        None => (get("sql").unwrap_or("").to_string(), BTreeMap::new()),
    };
    if sql.len() > crate::MAX_SQL_BYTES {
        return error_page(StatusCode::BAD_REQUEST, "the query is too long");
    }
    // Parameters of the statement, from the URL (`host=…`), else the saved query's default.
    let console_params = sql_params(&sql)
        .into_iter()
        .map(|name| {
            let value = get(&name)
                .map(str::to_string)
                .or_else(|| {
                    defaults
                        .iter()
                        .find(|(k, _)| bare(k) == name)
                        .map(|(_, v)| v.clone())
                })
                .unwrap_or_default();
            (name, value)
        })
        .collect();
    let console = Console {
        sql,
        params: console_params,
        saved,
        views,
        selected,
    };
    html_response(
        StatusCode::OK,
        layout(
            "Query console",
            Some((&session, "/query")),
            query_body(&session, &console, None, None),
        ),
    )
}

/// The key a parameter is passed to the store with: as the saved queries spell their parameters.
fn store_key(saved: &[SavedQuery], name: &str) -> String {
    let colon = saved
        .iter()
        .flat_map(|q| q.params.keys())
        .next()
        .is_some_and(|k| k.starts_with(':'));
    if colon {
        format!(":{name}")
    } else {
        name.to_string()
    }
}

/// Neutralises spreadsheet formulas in exported text cells.
fn csv_cell(v: &Value) -> String {
    match v {
        Value::String(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        other => cell_text(other),
    }
}

fn to_csv(r: &QueryResult) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&r.columns).map_err(|e| e.to_string())?;
    for row in &r.rows {
        w.write_record(row.iter().map(csv_cell))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

async fn query_run(
    State(st): State<AppState>,
    session: PageSession,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return csrf_refused();
    };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if !session.csrf_ok(get("csrf").unwrap_or(""))
        || !same_origin(&headers, st.inner.public_url.as_deref())
    {
        return csrf_refused();
    }
    let (saved, views) = match console_meta(&st).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let sql = get("sql").unwrap_or("").replace("\r\n", "\n");
    let csv = get("action") == Some("csv");
    let console_params: Vec<(String, String)> = sql_params(&sql)
        .into_iter()
        .map(|name| {
            let v = get(&format!("p.{name}")).unwrap_or("").to_string();
            (name, v)
        })
        .collect();
    let params: BTreeMap<String, Value> = console_params
        .iter()
        .map(|(k, v)| (store_key(&saved, k), Value::String(v.clone())))
        .collect();
    let selected = saved
        .iter()
        .position(|q| q.sql.replace("\r\n", "\n") == sql);
    let console = Console {
        sql: sql.clone(),
        params: console_params,
        saved,
        views,
        selected,
    };
    let page = |status: StatusCode, result: Option<&QueryResult>, error: Option<&str>| {
        html_response(
            status,
            layout(
                "Query console",
                Some((&session, "/query")),
                query_body(&session, &console, result, error),
            ),
        )
    };
    if let Err(e) = check_query(&sql, &params) {
        return page(StatusCode::BAD_REQUEST, None, Some(&e));
    }
    let limits = st.inner.query_limits;
    let result = match st.blocking(move |s| s.query(&sql, &params, limits)).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    match result {
        Ok(r) if csv => match to_csv(&r) {
            Ok(bytes) => {
                let mut res = (
                    StatusCode::OK,
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/csv; charset=utf-8"),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            HeaderValue::from_static(
                                "attachment; filename=\"dockguard-query.csv\"",
                            ),
                        ),
                    ],
                    bytes,
                )
                    .into_response();
                if let Some(t) = &r.truncated {
                    let ascii: String = t
                        .chars()
                        .map(|c| {
                            if c.is_ascii() && !c.is_ascii_control() {
                                c
                            } else {
                                '?'
                            }
                        })
                        .collect();
                    if let Ok(v) = HeaderValue::from_str(&ascii) {
                        res.headers_mut().insert("x-dockguard-truncated", v);
                    }
                }
                res
            }
            Err(e) => internal(format!("writing CSV: {e}")),
        },
        Ok(r) => page(StatusCode::OK, Some(&r), None),
        Err(e) => {
            let (status, message) = query_error(&e);
            page(status, None, Some(&message))
        }
    }
}

// ------------------------------------------------------------------------------------------ inventory

#[derive(Deserialize, Default)]
struct SearchParams {
    search: Option<String>,
}

async fn inventory(
    State(st): State<AppState>,
    session: PageSession,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return error_page(StatusCode::BAD_REQUEST, "bad query string");
    };
    let search = params
        .search
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.len() > 256) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "search is too long (256 bytes at most)",
        );
    }
    let stale = st.inner.stale_after;
    let s2 = search.clone();
    let (hosts, containers) = store_call!(st, "listing the inventory", move |s| {
        let filter = dockguard_store::HostFilter {
            search: s2.clone(),
            ..Default::default()
        };
        let hosts = s.hosts(&filter, now(), stale)?;
        let containers = s.containers(s2.as_deref())?;
        Ok::<_, dockguard_store::StoreError>((hosts, containers))
    });
    let mut h = Html::new();
    h.el("h1", &[], "Inventory");
    h.wrap(
        "form",
        &[
            ("method", "get"),
            ("action", "/inventory"),
            ("class", "filters card"),
        ],
        |h| {
            h.wrap("label", &[], |h| {
                h.raw("Search hosts and containers").open(
                    "input",
                    &[
                        ("type", "search"),
                        ("name", "search"),
                        ("placeholder", "hostname, container name or image"),
                        ("value", search.as_deref().unwrap_or("")),
                    ],
                );
            });
            h.el(
                "button",
                &[("type", "submit"), ("class", "primary")],
                "Search",
            );
        },
    );
    h.wrap("section", &[("class", "card")], |h| {
        h.el("h2", &[], format!("Hosts ({})", hosts.len()));
        if hosts.is_empty() {
            h.el("p", &[("class", "muted")], "No host matches.");
        } else {
            hosts_table(h, &hosts);
        }
    });
    h.wrap("section", &[("class", "card")], |h| {
        h.el("h2", &[], format!("Containers ({})", containers.len()));
        containers_table(h, &containers, true);
    });
    html_response(
        StatusCode::OK,
        layout("Inventory", Some((&session, "/inventory")), h),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_named_parameters() {
        assert_eq!(
            sql_params(
                "SELECT * FROM results WHERE hostname = :host AND x = ':not' -- :comment\n AND y = :sev AND z = :host AND t::text /* :c */"
            ),
            vec!["host", "sev"]
        );
        assert!(sql_params("SELECT 1").is_empty());
    }

    #[test]
    fn csv_neutralises_formulas() {
        let r = QueryResult {
            columns: vec!["a".into(), "b".into()],
            rows: vec![vec![Value::String("=cmd()".into()), serde_json::json!(-5)]],
            truncated: None,
        };
        let out = String::from_utf8(to_csv(&r).unwrap()).unwrap();
        assert_eq!(out, "a,b\n'=cmd(),-5\n");
    }

    const XSS: &[&str] = &[
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
    ];

    fn assert_escaped(page: &str) {
        for x in XSS {
            assert!(!page.contains(x), "raw payload {x} in page");
        }
        assert!(!page.contains("<img"), "an <img> got through");
        assert!(
            !page.to_ascii_lowercase().contains("<script"),
            "a <script> got through"
        );
    }

    /// Every host-derived field of the drill-down, the hosts table and the console carries a payload.
    #[test]
    fn host_derived_strings_are_escaped() {
        let x = format!("{}{}", XSS[0], XSS[1]);
        let summary = HostSummary {
            id: 1,
            host_key: x.clone(),
            hostname: x.clone(),
            docker_version: Some(x.clone()),
            os: Some(x.clone()),
            orchestrator: Some(x.clone()),
            profile: x.clone(),
            health: Health::Stale,
            health_reason: Some(x.clone()),
            last_assessed: x.clone(),
            failed_rules: 1,
            highest_severity: Some(Severity::High),
            containers: 1,
        };
        let finding = dockguard_store::FindingRow {
            kind: x.clone(),
            target_id: x.clone(),
            name: x.clone(),
            status: Status::Fail,
            detail: x.clone(),
        };
        let result = |status| ResultRow {
            rule_id: x.clone(),
            title: x.clone(),
            section: x.clone(),
            severity: Severity::High,
            status,
            reason: x.clone(),
            remediation: x.clone(),
            findings: vec![finding.clone()],
            updated_at: x.clone(),
        };
        let container = ContainerRow {
            host_id: 1,
            hostname: x.clone(),
            container_id: x.clone(),
            name: x.clone(),
            image: x.clone(),
            state: x.clone(),
        };
        let detail = HostDetail {
            summary: summary.clone(),
            results: [
                Status::Fail,
                Status::Error,
                Status::Pass,
                Status::NotApplicable,
            ]
            .into_iter()
            .map(result)
            .collect(),
            inventory: serde_json::json!({"hostname": x, "os": x, "kernel": x, "docker_version": x,
                "security_options": [x], "storage_driver": x, "error": x}),
            containers: vec![container.clone()],
            trend: vec![TrendPoint {
                at: x.clone(),
                pass: 1,
                fail: 1,
                error: 0,
            }],
        };
        let page = host_body(&detail).into_string();
        assert_escaped(&page);
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains(&format!("/query?saved=0&amp;host={}", url_encode(&x))));

        let mut h = Html::new();
        hosts_table(&mut h, &[summary]);
        containers_table(&mut h, &[container], true);
        assert_escaped(&h.into_string());

        let rec = Recommendation {
            title: x.clone(),
            severity: Some(Severity::High),
            unhealthy: 1,
            healthy: 0,
            not_applicable: 0,
            stale: 0,
            failed_rules: vec![dockguard_store::FailedRule {
                rule_id: x.clone(),
                title: x.clone(),
                severity: Severity::High,
                unhealthy_hosts: 1,
            }],
            compliant_hosts: 0,
            non_compliant_hosts: 1,
        };
        assert_escaped(&recommendation_body(&rec, time::Duration::hours(24)).into_string());
    }

    #[test]
    fn take_action_link_encodes_the_host() {
        assert_eq!(
            take_action_href("a&b <x>"),
            "/query?saved=0&host=a%26b%20%3Cx%3E"
        );
    }
}
