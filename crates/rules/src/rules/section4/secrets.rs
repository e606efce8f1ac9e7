//! Finding credentials in values an image carries (ENV values, labels, build history), and showing where
//! without showing them.

use super::common::secret_name;
use regex::Regex;
use std::sync::LazyLock;

/// Well-known credential shapes: the name to report and the pattern.
static SHAPES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        (
            "private key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        ),
        (
            "AWS access key id",
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        ),
        ("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
        ("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
        (
            "Slack webhook",
            r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+",
        ),
        ("Stripe key", r"\b[sr]k_live_[0-9A-Za-z]{16,}\b"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{16,}"),
        ("Docker Hub token", r"\bdckr_pat_[A-Za-z0-9_-]{20,}"),
        (
            "SendGrid key",
            r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        ),
        (
            "JSON web token",
            r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        ),
        ("API key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}"),
    ]
    .into_iter()
    .map(|(name, re)| (name, Regex::new(re).expect("credential pattern compiles")))
    .collect()
});

/// `scheme://user:password@host` with a literal password.
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9+.-]*)://([^\s/:@]+):([^\s/@]+)@([^\s/?#'\x22]*)")
        .expect("URL pattern compiles")
});

/// A value that is not itself a secret: a reference to one (a variable, a file, a template) or a
/// placeholder.
pub fn placeholder(v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with('/')
        || v.starts_with("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("%(") || v.starts_with("%{"))
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "none" | "null" | "nil" | "true" | "false" | "yes" | "no" | "0" | "1" | "-" | "x" | "*"
        )
}

/// Shannon entropy in bits per character.
pub fn entropy(v: &str) -> f64 {
    let n = v.chars().count();
    if n == 0 {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Random-looking: long enough and varied enough to be a generated key or token.
pub fn high_entropy(v: &str) -> bool {
    v.chars().count() >= 16 && entropy(v) >= 3.5
}

/// A name that ends in a KEY part (`APP_KEY`, `signing.key`) without saying it is public (GPG_KEY, PGP, a
/// fingerprint or key id): worth a look when its value is random-looking.
fn key_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    parts
        .last()
        .is_some_and(|l| *l == "KEY" || l.ends_with("KEY"))
        && !parts.iter().any(|p| {
            matches!(
                *p,
                "GPG"
                    | "PGP"
                    | "PUBLIC"
                    | "PUB"
                    | "FINGERPRINT"
                    | "ID"
                    | "KEYID"
                    | "KEYSERVER"
                    | "KEYRING"
                    | "GPGKEY"
                    | "GPGKEYS"
            )
        })
}

/// The value masked: only its length and kind, never a character of it.
pub fn masked(v: &str) -> String {
    format!("{} ({} characters)", "*".repeat(8), v.chars().count())
}

/// Why `name=value` holds a secret, with the value masked; `None` when it does not.
pub fn secret_assignment(name: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if let Some(shape) = credential_shapes(value).into_iter().next() {
        return Some(format!("{name}={shape}"));
    }
    if placeholder(value) {
        return None;
    }
    let how = if high_entropy(value) {
        "a random-looking value"
    } else {
        "a literal value"
    };
    if secret_name(name) || (key_name(name) && high_entropy(value)) {
        return Some(format!("{name}={} ({how})", masked(value)));
    }
    None
}

/// Every well-known credential in a text, each masked: `GitHub token ghp_… (40 characters)`,
/// `URL with a password postgres://app:********@db`.
pub fn credential_shapes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (name, re) in SHAPES.iter() {
        for m in re.find_iter(text) {
            let s = m.as_str();
            let shown = if *name == "private key" {
                format!("{name} block ({})", s.trim_matches('-'))
            } else {
                let prefix: String = s.chars().take(4).collect();
                format!("{name} {prefix}… ({} characters)", s.chars().count())
            };
            if !out.contains(&shown) {
                out.push(shown);
            }
        }
    }
    for c in URL_CREDENTIALS.captures_iter(text) {
        let password = &c[3];
        if placeholder(password) || password.starts_with('{') || password.starts_with('%') {
            continue;
        }
        let shown = format!(
            "URL with a password {}://{}:********@{}",
            &c[1], &c[2], &c[4]
        );
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_shapes_are_found_and_masked() {
        let token = format!("ghp_{}", &"a1B2c3D4e5".repeat(4)[..36]);
        let found = credential_shapes(&format!("RUN curl -H 'Authorization: token {token}' x"));
        assert_eq!(found, ["GitHub token ghp_… (40 characters)"]);
        assert!(!found[0].contains(&token[4..]));
        let found =
            credential_shapes("AKIAIOSFODNN7EXAMPLE and -----BEGIN OPENSSH PRIVATE KEY-----");
        assert_eq!(
            found,
            [
                "private key block (BEGIN OPENSSH PRIVATE KEY)",
                "AWS access key id AKIA… (20 characters)"
            ]
        );
        let found = credential_shapes("DATABASE_URL=postgres://app:s3cr3t@db.internal:5432/app");
        assert_eq!(
            found,
            ["URL with a password postgres://app:********@db.internal:5432"]
        );
        assert!(credential_shapes("postgres://app:${DB_PASS}@db/app").is_empty());
        assert!(credential_shapes("https://example.org/path and plain text").is_empty());
    }

    #[test]
    fn secret_names_with_literal_values() {
        assert_eq!(
            secret_assignment("DB_PASSWORD", "hunter2").as_deref(),
            Some("DB_PASSWORD=******** (7 characters) (a literal value)")
        );
        assert!(secret_assignment("DB_PASSWORD", "").is_none());
        assert!(secret_assignment("DB_PASSWORD", "$DB_PASSWORD").is_none());
        assert!(secret_assignment("DB_PASSWORD_FILE", "/run/secrets/db").is_none());
        assert!(secret_assignment("APP_PORT", "8080").is_none());
        // *_KEY names only with random-looking values; public key material is not a secret.
        assert!(secret_assignment("APP_KEY", "base64:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==").is_some());
        assert!(secret_assignment("APP_KEY", "development").is_none());
        assert!(secret_assignment("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D").is_none());
        // A token shape is reported whatever the name.
        let v = format!("xoxb-{}", "1234567890-abcdefghij");
        assert!(secret_assignment("NOTIFY", &v)
            .unwrap()
            .contains("Slack token xoxb"));
    }

    #[test]
    fn entropy_separates_words_from_keys() {
        assert!(!high_entropy("changemechangeme"));
        assert!(high_entropy("q8ZtV3r9LmXw2PaK7bYc"));
        assert!(entropy("aaaa") < 0.1);
    }
}
