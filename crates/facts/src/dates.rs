//! Dates as the facts carry them (RFC 3339 text from the Docker API, unix seconds from /proc), with the
//! `time` crate.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Unix seconds of an RFC 3339 date (`2026-11-01T00:00:00Z`, `2026-11-01T02:00:00.123456789+02:00`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// `2026-11-01` for unix seconds.
pub fn fmt_date(secs: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        Err(_) => format!("(unix {secs})"),
    }
}

/// `2026-11-30 03:04:05 UTC` for unix seconds.
pub fn fmt_unix(secs: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{} {:02}:{:02}:{:02} UTC",
            fmt_date(secs),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("(unix {secs})"),
    }
}

/// Now, as RFC 3339 text.
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-01T00:00:00Z"), Some(1_793_491_200));
        assert_eq!(
            parse_rfc3339("2026-11-01T02:00:00.123456789+02:00"),
            Some(1_793_491_200)
        );
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), Some(-62_135_596_800));
        assert_eq!(parse_rfc3339("2026-11-01"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-01 00:00:00 UTC"), None);
        assert_eq!(fmt_date(1_793_491_200), "2026-11-01");
        assert_eq!(fmt_date(951_782_400), "2000-02-29");
        assert_eq!(fmt_unix(2_000), "1970-01-01 00:33:20 UTC");
        assert!(parse_rfc3339(&now_rfc3339()).is_some());
    }
}
