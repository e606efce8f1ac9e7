//! `dockguard.toml`: which rules run, severity overrides, thresholds for judgement rules, and exemptions.
//!
//! ```toml
//! profile = "azure"          # or "cis-1.6", "cis-1.8"
//! fail_on = "high"           # any | low | medium | high | critical | never
//!
//! [rules]
//! select = ["5"]             # ids or prefixes in the profile's numbering
//! ignore = ["5.29"]
//! level = 1
//!
//! [severity]
//! "5.14" = "high"
//!
//! [thresholds]
//! max_unused_images = 20
//!
//! [[exemption]]
//! rule = "5.31"
//! container = "portainer*"   # scope: host, container, image and/or label (all given must match)
//! reason = "Portainer manages this host's containers"
//! owner = "platform-team@example.com"
//! expires = "2027-01-31"
//! ```
//!
//! Unknown keys and bad values are errors that name the file and the line. Parsing is separate from
//! checking against a profile (`Config::validate`), because the CLI may choose another profile.

mod exempt;

pub use exempt::apply_exemptions;

use dockguard_rules::{Profile, Severity, Thresholds};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "dockguard.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    profile: Option<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    thresholds: Option<Spanned<Thresholds>>,
    #[serde(default, rename = "exemption")]
    exemptions: Vec<Spanned<RawExemption>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    level: Option<Spanned<u8>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemption {
    rule: Spanned<String>,
    host: Option<String>,
    container: Option<String>,
    image: Option<String>,
    label: Option<String>,
    reason: Option<String>,
    owner: Option<String>,
    expires: Option<Spanned<toml::value::Datetime>>,
}

/// A parsed configuration. Ids are kept as written; [`Config::validate`] checks them against a profile.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: String,
    text: String,
    pub profile: Option<Profile>,
    pub fail_on: Option<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub level: Option<u8>,
    /// Rule id (as written) -> severity, with the line it is on.
    pub severity: Vec<(String, Severity, usize)>,
    pub thresholds: Thresholds,
    pub exemptions: Vec<Exemption>,
    select_lines: Vec<usize>,
}

/// One accepted risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    /// The rule id as written (profile id, `azure:`/`cis:` prefixed id, or alias).
    pub rule: String,
    /// Host name pattern (`*` wildcards).
    pub host: Option<String>,
    /// Container name pattern (`*` wildcards) or id prefix.
    pub container: Option<String>,
    /// Image reference pattern (`*` wildcards) or id prefix.
    pub image: Option<String>,
    /// `key` or `key=value`.
    pub label: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires: Option<time::Date>,
    /// Line of the `[[exemption]]` table.
    pub line: usize,
}

impl Exemption {
    /// `container portainer*, label tier=db` — what it covers, for reports.
    pub fn scope(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("host", &self.host),
            ("container", &self.container),
            ("image", &self.image),
            ("label", &self.label),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k} {v}"));
            }
        }
        parts.join(", ")
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Config {
    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&path.display().to_string(), &text)
    }

    /// `--config FILE` when given (it must exist), else `dockguard.toml` in `dir` when present.
    pub fn discover(explicit: Option<&Path>, dir: &Path) -> Result<Option<Config>, ConfigError> {
        match explicit {
            Some(p) => Config::load(p).map(Some),
            None => {
                let p: PathBuf = dir.join(DEFAULT_FILE);
                if p.is_file() {
                    Config::load(&p).map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Parses configuration text. `path` names the source in messages.
    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |span: std::ops::Range<usize>, message: String| ConfigError::Invalid {
            path: path.to_string(),
            line: line_of(text, span.start),
            message,
        };
        let profile = match &raw.profile {
            None => None,
            Some(p) => Some(Profile::parse(p.get_ref()).ok_or_else(|| {
                invalid(
                    p.span(),
                    format!(
                        "profile {:?} is not one of: azure, cis-1.6, cis-1.8",
                        p.get_ref()
                    ),
                )
            })?),
        };
        if let Some(f) = &raw.fail_on {
            let ok = ["any", "never"].contains(&f.get_ref().as_str())
                || Severity::parse(f.get_ref()).is_some();
            if !ok {
                return Err(invalid(
                    f.span(),
                    format!(
                        "fail_on {:?} is not one of: any, low, medium, high, critical, never",
                        f.get_ref()
                    ),
                ));
            }
        }
        if let Some(l) = &raw.rules.level {
            if !(1..=2).contains(l.get_ref()) {
                return Err(invalid(
                    l.span(),
                    format!("level {} is not 1 or 2", l.get_ref()),
                ));
            }
        }
        let mut severity = Vec::new();
        for (k, v) in &raw.severity {
            let s = Severity::parse(v.get_ref()).ok_or_else(|| {
                invalid(
                    v.span(),
                    format!(
                        "severity {:?} for {} is not one of: low, medium, high, critical",
                        v.get_ref(),
                        k.get_ref()
                    ),
                )
            })?;
            severity.push((k.get_ref().clone(), s, line_of(text, k.span().start)));
        }
        let mut exemptions = Vec::new();
        for e in &raw.exemptions {
            let line = line_of(text, e.span().start);
            let ex = e.get_ref();
            let missing = |what: &str| ConfigError::Invalid {
                path: path.to_string(),
                line,
                message: format!("exemption for {} has no {what}", ex.rule.get_ref()),
            };
            let reason = ex
                .reason
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| missing("reason"))?;
            let owner = ex
                .owner
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| missing("owner"))?;
            if ex.host.is_none()
                && ex.container.is_none()
                && ex.image.is_none()
                && ex.label.is_none()
            {
                return Err(ConfigError::Invalid {
                    path: path.to_string(),
                    line,
                    message: format!(
                        "exemption for {} has no scope: give host, container, image or label \
                         (host = \"*\" exempts the rule everywhere)",
                        ex.rule.get_ref()
                    ),
                });
            }
            if let Some(l) = &ex.label {
                if l.is_empty() || l.starts_with('=') {
                    return Err(ConfigError::Invalid {
                        path: path.to_string(),
                        line,
                        message: format!("label {l:?} is not `key` or `key=value`"),
                    });
                }
            }
            let expires = match &ex.expires {
                None => None,
                Some(d) => {
                    let dt = d.get_ref();
                    match (dt.date, dt.time) {
                        (Some(date), None) => Some(
                            time::Date::from_calendar_date(
                                i32::from(date.year),
                                time::Month::try_from(date.month).map_err(|_| {
                                    invalid(d.span(), format!("expires {dt} is not a date"))
                                })?,
                                date.day,
                            )
                            .map_err(|_| {
                                invalid(d.span(), format!("expires {dt} is not a date"))
                            })?,
                        ),
                        _ => {
                            return Err(invalid(
                                d.span(),
                                format!("expires {dt} must be a date like 2027-01-31 (no time)"),
                            ))
                        }
                    }
                }
            };
            exemptions.push(Exemption {
                rule: ex.rule.get_ref().clone(),
                host: ex.host.clone(),
                container: ex.container.clone(),
                image: ex.image.clone(),
                label: ex.label.clone(),
                reason,
                owner,
                expires,
                line,
            });
        }
        let select_lines = raw
            .rules
            .select
            .iter()
            .chain(&raw.rules.ignore)
            .map(|s| line_of(text, s.span().start))
            .collect();
        Ok(Config {
            path: path.to_string(),
            text: text.to_string(),
            profile,
            fail_on: raw.fail_on.map(|f| f.into_inner()),
            select: raw
                .rules
                .select
                .into_iter()
                .map(|s| s.into_inner())
                .collect(),
            ignore: raw
                .rules
                .ignore
                .into_iter()
                .map(|s| s.into_inner())
                .collect(),
            level: raw.rules.level.map(|l| l.into_inner()),
            severity,
            thresholds: raw.thresholds.map(|t| t.into_inner()).unwrap_or_default(),
            exemptions,
            select_lines,
        })
    }

    /// Checks every rule id against the profile in use: a typo is an error naming its line.
    pub fn validate(&self, profile: Profile) -> Result<(), ConfigError> {
        let bad = |line: usize, message: String| ConfigError::Invalid {
            path: self.path.clone(),
            line,
            message,
        };
        // "; did you mean 2.06 (…)?" when the id names a rule written another way.
        let hint = |id: &str| {
            let h = dockguard_rules::did_you_mean(profile, id);
            if h.is_empty() {
                h
            } else {
                format!("; {h}")
            }
        };
        for (i, pattern) in self.select.iter().chain(&self.ignore).enumerate() {
            let sel = dockguard_rules::Selection {
                select: vec![pattern.clone()],
                ..Default::default()
            };
            if !sel.unknown_patterns(profile).is_empty() {
                return Err(bad(
                    self.select_lines.get(i).copied().unwrap_or(0),
                    format!(
                        "{pattern:?} matches no rule of the {} profile{}",
                        profile.name(),
                        hint(pattern)
                    ),
                ));
            }
        }
        for (id, _, line) in &self.severity {
            if dockguard_rules::find(profile, id).is_none() {
                return Err(bad(
                    *line,
                    format!(
                        "severity override for unknown rule {id:?} ({} profile){}",
                        profile.name(),
                        hint(id)
                    ),
                ));
            }
        }
        for e in &self.exemptions {
            if dockguard_rules::find(profile, &e.rule).is_none() {
                return Err(bad(
                    e.line,
                    format!(
                        "exemption for unknown rule {:?} ({} profile){}",
                        e.rule,
                        profile.name(),
                        hint(&e.rule)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The raw text (for messages).
    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse("dockguard.toml", text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_full_config_parses() {
        let c = Config::parse(
            "dockguard.toml",
            r#"
profile = "cis-1.6"
fail_on = "high"

[rules]
select = ["5"]
ignore = ["5.29"]
level = 1

[severity]
"5.15" = "critical"

[thresholds]
max_unused_images = 5

[[exemption]]
rule = "5.32"
container = "portainer*"
reason = "Portainer manages this host"
owner = "ops@example.com"
expires = 2027-01-31
"#,
        )
        .unwrap();
        assert_eq!(c.profile, Some(Profile::Cis16));
        assert_eq!(c.fail_on.as_deref(), Some("high"));
        assert_eq!(
            (c.select.clone(), c.ignore.clone(), c.level),
            (vec!["5".into()], vec!["5.29".into()], Some(1))
        );
        assert_eq!(
            c.severity,
            vec![("5.15".to_string(), Severity::Critical, 11)]
        );
        assert_eq!(c.thresholds.max_unused_images, 5);
        assert_eq!(
            c.thresholds.max_stopped_containers,
            Thresholds::default().max_stopped_containers
        );
        let e = &c.exemptions[0];
        assert_eq!(
            (e.rule.as_str(), e.line),
            ("5.32", 16),
            "the line of [[exemption]]"
        );
        assert_eq!(e.expires, Some(time::macros::date!(2027 - 01 - 31)));
        assert_eq!(e.scope(), "container portainer*");
        c.validate(Profile::Cis16).unwrap();
        assert!(
            c.validate(Profile::Azure).is_err(),
            "5.32 is not an Azure id"
        );
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let e = err("profile = \"azure\"\n\n[rules]\nselct = [\"5\"]\n");
        assert!(e.contains("line 4"), "{e}");
        assert!(e.contains("selct"), "{e}");
        let e = err("[[exemption]]\nrule = \"5.31\"\nhost = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpiry = 2027-01-01\n");
        assert!(e.contains("line 6") && e.contains("expiry"), "{e}");
    }

    #[test]
    fn bad_values_name_the_line() {
        assert!(err("fail_on = \"sometimes\"\n").starts_with("dockguard.toml:1: fail_on"));
        assert!(err("profile = \"azure\"\nprofile2 = 1\n").contains("line 2"));
        assert_eq!(
            err("# comment\nprofile = \"cis\"\n"),
            "dockguard.toml:2: profile \"cis\" is not one of: azure, cis-1.6, cis-1.8"
        );
        let e = err("[severity]\n\"5.14\" = \"urgent\"\n");
        assert_eq!(e, "dockguard.toml:2: severity \"urgent\" for 5.14 is not one of: low, medium, high, critical");
        let e = err("[rules]\nlevel = 3\n");
        assert_eq!(e, "dockguard.toml:2: level 3 is not 1 or 2");
        let e = err("[thresholds]\nmax_unused_image = 3\n");
        assert!(
            e.contains("line 2") && e.contains("max_unused_image"),
            "{e}"
        );
        let e = err("\n\n[[exemption]]\nrule = \"5.31\"\nhost = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-02-30\n");
        assert!(e.contains("line 8"), "{e}");
        let e = err("[[exemption]]\nrule = \"5.31\"\nhost = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01T10:00:00Z\n");
        assert!(e.contains(":6:") && e.contains("no time"), "{e}");
    }

    #[test]
    fn exemptions_need_reason_owner_and_scope() {
        let e = err("\n[[exemption]]\nrule = \"5.31\"\nhost = \"*\"\nowner = \"o\"\n");
        assert_eq!(e, "dockguard.toml:2: exemption for 5.31 has no reason");
        let e = err("[[exemption]]\nrule = \"5.31\"\nhost = \"*\"\nreason = \"r\"\n");
        assert_eq!(e, "dockguard.toml:1: exemption for 5.31 has no owner");
        let e = err("[[exemption]]\nrule = \"5.31\"\nreason = \"r\"\nowner = \"o\"\n");
        assert!(
            e.starts_with("dockguard.toml:1: exemption for 5.31 has no scope"),
            "{e}"
        );
    }

    #[test]
    fn unknown_rule_ids_name_the_line() {
        let c = Config::parse(
            "x.toml",
            "[rules]\nselect = [\"5\", \"9.9\"]\n\n[[exemption]]\nrule = \"5.99\"\nhost = \"*\"\nreason = \"r\"\nowner = \"o\"\n",
        )
        .unwrap();
        let e = c.validate(Profile::Azure).unwrap_err().to_string();
        assert_eq!(e, "x.toml:2: \"9.9\" matches no rule of the azure profile");
        let c = Config::parse(
            "x.toml",
            "[[exemption]]\nrule = \"5.99\"\nhost = \"*\"\nreason = \"r\"\nowner = \"o\"\n",
        )
        .unwrap();
        assert_eq!(
            c.validate(Profile::Azure).unwrap_err().to_string(),
            "x.toml:1: exemption for unknown rule \"5.99\" (azure profile)"
        );
        let c = Config::parse("x.toml", "[severity]\n\"cis:5.32\" = \"low\"\n").unwrap();
        c.validate(Profile::Azure).unwrap();
        // An id written the other benchmark's way gets a suggestion.
        let c = Config::parse("x.toml", "[severity]\n\"2.6\" = \"low\"\n").unwrap();
        let e = c.validate(Profile::Azure).unwrap_err().to_string();
        assert!(
            e.starts_with("x.toml:2: severity override for unknown rule \"2.6\" (azure profile); did you mean 2.06 ("),
            "{e}"
        );
        let c = Config::parse("x.toml", "[rules]\nselect = [\"0.0\"]\n").unwrap();
        c.validate(Profile::Azure).unwrap();
    }
}
