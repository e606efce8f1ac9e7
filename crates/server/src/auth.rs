//! Who is asking: Bearer tokens for the API, session cookies (with CSRF values) for the pages.

use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use dockguard_store::{Role, Session, TokenInfo};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "dg_session";
/// Longest token or session secret looked up at all.
const MAX_SECRET_LEN: usize = 256;

/// An API error: a status and a message, as `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    /// Logs the cause; tells the client only that the server failed.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!("{cause}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (see the server log)",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"dockguard\""),
            );
        }
        res
    }
}

/// The token of an API request (`Authorization: Bearer dg_…`), valid and not revoked.
pub struct Bearer(pub TokenInfo);

impl Bearer {
    /// 403 unless the token has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            return Ok(());
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{what} needs a token with role {}; this token has role {}",
                names.join(" or "),
                self.0.role.as_str()
            ),
        ))
    }
}

fn bearer_secret(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing token: send `Authorization: Bearer <token>`",
        )
    })?;
    let value = value.to_str().unwrap_or("");
    let (scheme, secret) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || secret.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(secret.trim())
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = bearer_secret(&parts.headers)?.to_string();
        let invalid = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid or revoked token");
        if secret.len() > MAX_SECRET_LEN {
            return Err(invalid());
        }
        match state
            .blocking(move |s| s.authenticate(&secret))
            .await
            .map_err(ApiError::internal)?
        {
            Ok(Some(token)) if !token.revoked => Ok(Bearer(token)),
            Ok(_) => Err(invalid()),
            Err(e) => Err(ApiError::internal(format!("authenticating a token: {e}"))),
        }
    }
}

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A signed-in person (a page request with a valid session of a reader or admin token). Without one, the
/// request is redirected to `/login`.
pub struct PageSession {
    pub session: Session,
    pub secret: String,
}

impl PageSession {
    /// Whether `candidate` is this session's CSRF value (constant time).
    pub fn csrf_ok(&self, candidate: &str) -> bool {
        constant_time_eq(self.session.csrf.as_bytes(), candidate.as_bytes())
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
            return Err(to_login());
        }
        let secret = secret.to_string();
        let lookup = secret.clone();
        let found = state
            .blocking(move |s| s.session(&lookup, time::OffsetDateTime::now_utc()))
            .await
            .map_err(|e| crate::pages::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e))?;
        match found {
            Ok(Some(session))
                if !session.token.revoked
                    && matches!(session.token.role, Role::Reader | Role::Admin) =>
            {
                Ok(PageSession { session, secret })
            }
            Ok(_) => Err(to_login()),
            Err(e) => {
                tracing::error!("looking up a session: {e}");
                Err(crate::pages::error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error (see the server log)",
                ))
            }
        }
    }
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(secret: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// Whether a form POST comes from this site: when the browser sends `Origin`, its host must be the
/// request's `Host` (or the public URL's). Browsers always send it on cross-site form posts.
pub fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let origin_host = strip_scheme(origin);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin_host.eq_ignore_ascii_case(host)
        || public_url.is_some_and(|u| {
            strip_scheme(u)
                .trim_end_matches('/')
                .split('/')
                .next()
                .is_some_and(|h| h.eq_ignore_ascii_case(origin_host))
        })
}

fn strip_scheme(url: &str) -> &str {
    url.split_once("://").map(|(_, rest)| rest).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; dg_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "dg_session"), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn origin_check() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h, None));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h, None));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, None));
        assert!(same_origin(&h, Some("https://evil.example/")));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h, None));
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("s", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("s", 60, false).contains("Secure"));
    }
}
