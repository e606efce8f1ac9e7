//! API tokens and web sessions. Secrets are 32 random bytes; only their SHA-256 is stored.

use super::{db, ts};
use crate::{Role, Session, StoreError, TokenInfo};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A token's use is recorded at most this often (authentication runs on every request).
const USE_RECORD_INTERVAL: time::Duration = time::Duration::seconds(60);
/// Longer secrets are not ours: rejected before hashing.
const MAX_SECRET: usize = 256;
const MAX_TOKEN_NAME: usize = 100;

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

fn random_hex() -> Result<String, StoreError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| {
        StoreError::Backend(format!("the system's random number generator failed: {e}"))
    })?;
    Ok(hex(&buf))
}

/// What is stored of a secret.
pub(crate) fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

const TOKEN_COLUMNS: &str = "t.id, t.name, t.role, t.created_at, t.last_used_at, t.revoked_at";

fn token_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(TokenInfo, String)> {
    let role: String = r.get(2)?;
    let revoked_at: Option<String> = r.get(5)?;
    Ok((
        TokenInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            role: Role::Reader, // set by the caller from the returned text
            created_at: r.get(3)?,
            last_used_at: r.get(4)?,
            revoked: revoked_at.is_some(),
        },
        role,
    ))
}

fn with_role((mut t, role): (TokenInfo, String)) -> Result<TokenInfo, StoreError> {
    t.role = Role::parse(&role).ok_or_else(|| {
        StoreError::Backend(format!("token {} has an unknown role {role:?}", t.id))
    })?;
    Ok(t)
}

pub(super) fn create_token(
    conn: &mut Connection,
    name: &str,
    role: Role,
) -> Result<(TokenInfo, String), StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("a token needs a name".into()));
    }
    if name.chars().count() > MAX_TOKEN_NAME || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "a token name is at most {MAX_TOKEN_NAME} printable characters"
        )));
    }
    let secret = format!("dg_{}_{}", role.as_str(), random_hex()?);
    let now = ts(OffsetDateTime::now_utc());
    let id: i64 = conn
        .query_row(
            "INSERT INTO tokens (name, role, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4) \
             RETURNING id",
            params![name, role.as_str(), secret_hash(&secret), now],
            |r| r.get(0),
        )
        .map_err(db("creating a token"))?;
    Ok((
        TokenInfo {
            id,
            name: name.to_string(),
            role,
            created_at: now,
            last_used_at: None,
            revoked: false,
        },
        secret,
    ))
}

pub(super) fn list_tokens(conn: &Connection) -> Result<Vec<TokenInfo>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t ORDER BY t.id"
        ))
        .map_err(db("preparing the token list"))?;
    let rows = stmt
        .query_map([], token_from_row)
        .map_err(db("listing tokens"))?;
    rows.map(|r| with_role(r.map_err(db("reading a token"))?))
        .collect()
}

pub(super) fn revoke_token(conn: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("starting the revocation"))?;
    let n = tx
        .execute(
            "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            params![id, ts(OffsetDateTime::now_utc())],
        )
        .map_err(db("revoking a token"))?;
    if n == 0 {
        return Ok(false);
    }
    tx.execute("DELETE FROM sessions WHERE token_id = ?1", [id])
        .map_err(db("ending the token's sessions"))?;
    tx.commit().map_err(db("committing the revocation"))?;
    Ok(true)
}

/// The valid (not revoked) token of a secret.
pub(super) fn find_token(conn: &Connection, secret: &str) -> Result<Option<TokenInfo>, StoreError> {
    if secret.is_empty() || secret.len() > MAX_SECRET {
        return Ok(None);
    }
    conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.secret_hash = ?1 AND t.revoked_at IS NULL"
    ))
    .map_err(db("preparing the token lookup"))?
    .query_row([secret_hash(secret)], token_from_row)
    .optional()
    .map_err(db("looking up a token"))?
    .map(with_role)
    .transpose()
}

/// Whether the last recorded use is old enough to record this one.
pub(super) fn needs_use_recorded(last_used_at: Option<&str>, now: OffsetDateTime) -> bool {
    match last_used_at.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()) {
        Some(t) => now - t >= USE_RECORD_INTERVAL,
        None => true,
    }
}

pub(super) fn record_use(conn: &Connection, id: i64, at: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")
        .map_err(db("preparing the token use"))?
        .execute(params![id, at])
        .map_err(db("recording a token's use"))?;
    Ok(())
}

pub(super) fn create_session(
    conn: &mut Connection,
    token_id: i64,
    ttl: time::Duration,
    now: OffsetDateTime,
) -> Result<(String, Session), StoreError> {
    if !ttl.is_positive() {
        return Err(StoreError::Invalid(
            "a session needs a positive lifetime".into(),
        ));
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("starting the session"))?;
    let token = tx
        .query_row(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.id = ?1"),
            [token_id],
            token_from_row,
        )
        .optional()
        .map_err(db("looking up the session's token"))?
        .map(with_role)
        .transpose()?
        .ok_or_else(|| StoreError::Invalid(format!("there is no token {token_id}")))?;
    if token.revoked {
        return Err(StoreError::Invalid(format!("token {token_id} is revoked")));
    }
    let now_s = ts(now);
    // Housekeeping: expired sessions go when a new one comes.
    tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [&now_s])
        .map_err(db("removing expired sessions"))?;
    let secret = format!("dgs_{}", random_hex()?);
    let csrf = random_hex()?;
    let expires_at = ts(now + ttl);
    tx.execute(
        "INSERT INTO sessions (secret_hash, token_id, csrf, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![secret_hash(&secret), token_id, csrf, now_s, expires_at],
    )
    .map_err(db("creating a session"))?;
    tx.commit().map_err(db("committing the session"))?;
    Ok((
        secret,
        Session {
            token,
            csrf,
            expires_at,
        },
    ))
}

pub(super) fn session(
    conn: &Connection,
    secret: &str,
    now: OffsetDateTime,
) -> Result<Option<Session>, StoreError> {
    if secret.is_empty() || secret.len() > MAX_SECRET {
        return Ok(None);
    }
    let row = conn
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS}, s.csrf, s.expires_at FROM sessions s \
             JOIN tokens t ON t.id = s.token_id \
             WHERE s.secret_hash = ?1 AND t.revoked_at IS NULL AND s.expires_at > ?2"
        ))
        .map_err(db("preparing the session lookup"))?
        .query_row(params![secret_hash(secret), ts(now)], |r| {
            Ok((
                token_from_row(r)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })
        .optional()
        .map_err(db("looking up a session"))?;
    row.map(|(token, csrf, expires_at)| {
        Ok(Session {
            token: with_role(token)?,
            csrf,
            expires_at,
        })
    })
    .transpose()
}

pub(super) fn delete_session(conn: &Connection, secret: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM sessions WHERE secret_hash = ?1")
        .map_err(db("preparing the session delete"))?
        .execute([secret_hash(secret)])
        .map_err(db("ending a session"))?;
    Ok(())
}
