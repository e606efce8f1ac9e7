//! The effective dockerd configuration: defaults, overlaid by daemon.json, overlaid by command-line flags;
//! where `/info` reports a setting, the live value wins.
//!
//! Keys are daemon.json keys (`log-level`, `icc`, `hosts`, `insecure-registries`, ...). Flags are mapped to
//! their daemon.json key (`-H` to `hosts`, `--insecure-registry` to `insecure-registries`, `-l` to `log-level`).

use crate::dates::fmt_unix;
use crate::{Facts, InfoFacts};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The default daemon configuration file.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/docker/daemon.json";
/// The default Docker socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    /// dockerd's built-in default.
    Default,
    /// The daemon configuration file.
    File,
    /// A dockerd command-line flag.
    Flag,
    /// Reported by the running daemon (`/info`).
    Live,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    pub key: String,
    pub value: Value,
    pub source: ConfigSource,
}

impl Setting {
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        self.value.as_str()
    }

    /// A list setting; a single string counts as a one-element list.
    pub fn as_list(&self) -> Vec<String> {
        match &self.value {
            Value::Array(a) => a.iter().map(value_text).collect(),
            Value::Null => vec![],
            Value::String(s) if s.is_empty() => vec![],
            v => vec![value_text(v)],
        }
    }

    /// Where the value came from, for evidence: `--log-level flag`, `/etc/docker/daemon.json`, `default`.
    pub fn origin(&self, config_path: &str) -> String {
        match self.source {
            ConfigSource::Default => "dockerd default".into(),
            ConfigSource::File => config_path.to_string(),
            ConfigSource::Flag => "dockerd command line".into(),
            ConfigSource::Live => "docker info".into(),
        }
    }
}

/// Text of a JSON value without quotes for strings.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The effective configuration of the running daemon.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DaemonConfig {
    pub config_path: String,
    settings: BTreeMap<String, Setting>,
    /// Why settings that are not live, not flags and not in the file cannot be known (no dockerd process
    /// seen, so flags are unknown). Empty when flags are known.
    flags_unknown: Option<String>,
    /// Why the configuration file could not be used (unreadable, malformed, or possibly not what the running
    /// daemon loaded).
    file_error: Option<String>,
    /// Flags on dockerd's command line that dockguard does not know.
    unknown_flags: Vec<String>,
}

/// What the effective configuration is built from.
#[derive(Debug, Clone)]
pub struct DaemonInputs<'a> {
    /// dockerd's command line, when known.
    pub argv: Option<&'a [String]>,
    /// Why the command line is not known.
    pub flags_unknown: Option<String>,
    pub config_path: &'a str,
    /// The configuration file's text, `Ok(None)` when it does not exist, `Err` when it could not be read.
    pub file: Result<Option<&'a str>, &'a str>,
    /// Whether the running daemon can have loaded the file as it is now: `Err` says why not, or why that
    /// cannot be told (see [`file_loaded`]).
    pub loaded: Result<(), String>,
    /// The live `/info`, when the daemon answered.
    pub info: Option<&'a InfoFacts>,
}

/// Whether the running dockerd can have loaded the configuration file as it is now: dockerd reads it when it
/// starts (and on `SIGHUP` for a few keys), so a file changed after the process started may hold values the
/// daemon never saw. `file_mtime`: the file's modification time, `None` when it does not exist; `dir_mtime`:
/// its directory's (a deleted or renamed-over file changes it); `started_at`: the dockerd process's start.
pub fn file_loaded(
    path: &str,
    exists: bool,
    file_mtime: Option<i64>,
    dir_mtime: Option<i64>,
    started_at: Option<i64>,
) -> Result<(), String> {
    let Some(started) = started_at else {
        return Err(format!(
            "cannot tell whether the running dockerd loaded {path}: its start time is unknown"
        ));
    };
    let (what, changed) = if exists {
        (path.to_string(), file_mtime)
    } else {
        (
            format!("the directory of {path} (which has no {path} now)"),
            dir_mtime,
        )
    };
    match changed {
        None if !exists => Ok(()), // neither the file nor its directory exists
        None => Err(format!(
            "cannot tell whether the running dockerd loaded {path}: its modification time is unknown"
        )),
        Some(m) if m > started => Err(format!(
            "{what} was modified at {} (unix {m}), after dockerd started at {} (unix {started}): the running \
             daemon may not have loaded it, so its values are unknown until dockerd restarts",
            fmt_unix(m),
            fmt_unix(started)
        )),
        Some(_) => Ok(()),
    }
}

fn defaults() -> Vec<(&'static str, Value)> {
    use serde_json::json;
    vec![
        ("icc", json!(true)),
        ("iptables", json!(true)),
        ("log-level", json!("info")),
        ("userland-proxy", json!(true)),
        ("live-restore", json!(false)),
        ("no-new-privileges", json!(false)),
        ("experimental", json!(false)),
        ("tls", json!(false)),
        ("tlsverify", json!(false)),
        ("selinux-enabled", json!(false)),
        ("debug", json!(false)),
        ("hosts", json!([])),
        ("insecure-registries", json!([])),
        ("authorization-plugins", json!([])),
        ("storage-opts", json!([])),
        ("default-ulimits", json!({})),
        ("log-driver", json!("json-file")),
        ("log-opts", json!({})),
        ("userns-remap", json!("")),
        ("cgroup-parent", json!("")),
        ("data-root", json!("/var/lib/docker")),
    ]
}

/// dockerd's command line read with the real flag table ([`crate::dockerd_flags`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFlags {
    /// Settings keyed by their daemon.json key.
    pub settings: Map<String, Value>,
    /// Flags the table does not know (as written). Each took the next argument only when that argument does
    /// not look like a flag (dockerd takes no positional arguments).
    pub unknown: Vec<String>,
    /// Positional arguments, which dockerd does not accept.
    pub stray: Vec<String>,
}

/// Parses a dockerd argv into daemon.json-keyed settings with the real flag table: a boolean never takes
/// the next argument, a value flag always does, and an unknown flag is reported instead of being guessed.
pub fn parse_flags(argv: &[String]) -> ParsedFlags {
    use crate::dockerd_flags::{self, Kind};
    let mut out = ParsedFlags::default();
    let mut i = 1; // argv[0] is the program
    let next_is_value =
        |i: usize| -> bool { argv.get(i).is_some_and(|a| !a.starts_with('-') || a == "-") };
    while i < argv.len() {
        let arg = &argv[i];
        i += 1;
        if arg == "--" {
            out.stray.extend(argv[i..].iter().cloned());
            break;
        }
        // (flag, inline value) pairs this argument stands for; a shorthand cluster (-Dl debug) gives several.
        let mut found: Vec<(&'static dockerd_flags::Flag, Option<String>)> = Vec::new();
        if let Some(rest) = arg.strip_prefix("--") {
            let (name, inline) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (rest, None),
            };
            match dockerd_flags::long(name) {
                Some(flag) => found.push((flag, inline)),
                None => {
                    if inline.is_none() && next_is_value(i) {
                        out.unknown.push(format!("{arg} {}", argv[i]));
                        i += 1;
                    } else {
                        out.unknown.push(arg.clone());
                    }
                    continue;
                }
            }
        } else if let Some(rest) = arg.strip_prefix('-').filter(|r| !r.is_empty()) {
            let chars: Vec<char> = rest.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                let Some(flag) = dockerd_flags::short(c) else {
                    out.unknown.push(format!("-{c} (in {arg})"));
                    break;
                };
                k += 1;
                if flag.kind == Kind::Bool {
                    let inline = if chars.get(k) == Some(&'=') {
                        let v: String = chars[k + 1..].iter().collect();
                        k = chars.len();
                        Some(v)
                    } else {
                        None
                    };
                    found.push((flag, inline));
                } else {
                    let rest: String = chars[k..].iter().collect();
                    let rest = rest.strip_prefix('=').map(str::to_string).unwrap_or(rest);
                    found.push((flag, (!rest.is_empty()).then_some(rest)));
                    k = chars.len();
                }
            }
        } else {
            out.stray.push(arg.clone());
            continue;
        }
        for (flag, inline) in found {
            let value = match flag.kind {
                Kind::Bool => match inline.as_deref() {
                    None => Value::Bool(true),
                    Some(v) => v
                        .parse::<bool>()
                        .map(Value::Bool)
                        .unwrap_or(Value::String(v.into())),
                },
                _ => match inline {
                    Some(v) => Value::String(v),
                    None if i < argv.len() => {
                        i += 1;
                        Value::String(argv[i - 1].clone())
                    }
                    None => Value::String(String::new()),
                },
            };
            match flag.kind {
                Kind::List => {
                    let entry = out
                        .settings
                        .entry(flag.key.to_string())
                        .or_insert_with(|| Value::Array(vec![]));
                    if let Value::Array(a) = entry {
                        a.push(value);
                    }
                }
                Kind::Map => {
                    let entry = out
                        .settings
                        .entry(flag.key.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    let text = value_text(&value);
                    let (k, v) = text.split_once('=').unwrap_or((text.as_str(), ""));
                    if let Value::Object(m) = entry {
                        m.insert(k.to_string(), Value::String(v.to_string()));
                    }
                }
                Kind::Bool | Kind::Value => {
                    out.settings.insert(flag.key.to_string(), value);
                }
            }
        }
    }
    out
}

/// The `--config-file` named on the command line, or the default.
pub fn config_file_path(argv: Option<&[String]>) -> String {
    argv.map(parse_flags)
        .and_then(|f| f.settings.get("config-file").map(value_text))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_CONFIG_FILE.to_string())
}

/// Parses daemon.json text; the error names the file, line and column.
pub fn parse_config_file(path: &str, text: &str) -> Result<Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("daemon configuration {path} is not a JSON object")),
        Err(e) => Err(format!(
            "daemon configuration {path} is not valid JSON: {e}"
        )),
    }
}

impl DaemonConfig {
    /// Builds the effective configuration from the collected facts.
    pub fn from_facts(facts: &Facts) -> DaemonConfig {
        let process = facts.daemon.process.ok();
        let flags_unknown = match &facts.daemon.process {
            crate::Fact::Ok(_) => None,
            crate::Fact::Error(e) => Some(e.clone()),
        };
        let file = match &facts.daemon.config_file.content {
            crate::Fact::Ok(c) => Ok(c.as_deref()),
            crate::Fact::Error(e) => Err(e.as_str()),
        };
        let path = facts.daemon.config_file.path.as_str();
        let mtime = |p: &str| match facts.files.get(p) {
            Some(crate::FileFact::Present(st)) => st.mtime,
            _ => None,
        };
        let dir = std::path::Path::new(path)
            .parent()
            .map(|d| d.to_string_lossy().to_string())
            .unwrap_or_default();
        let dir_exists = matches!(facts.files.get(&dir), Some(crate::FileFact::Present(_)));
        let exists = matches!(file, Ok(Some(_)));
        let loaded = match (&file, &facts.daemon.process) {
            (Ok(None), _) if !dir_exists && facts.files.contains_key(&dir) => Ok(()),
            (Ok(_), crate::Fact::Error(e)) => Err(format!(
                "cannot tell whether a running dockerd loaded {path}: dockerd's command line is unknown ({e})"
            )),
            (Ok(_), _) => file_loaded(
                path,
                exists,
                mtime(path),
                mtime(&dir),
                process.and_then(|p| p.started_at),
            ),
            (Err(_), _) => Ok(()), // unreadable: reported as such
        };
        Self::build(DaemonInputs {
            argv: process.map(|p| p.argv.as_slice()),
            flags_unknown,
            config_path: path,
            file,
            loaded,
            info: facts.docker.ok().map(|d| &d.info),
        })
    }

    pub fn build(inputs: DaemonInputs) -> DaemonConfig {
        let DaemonInputs {
            argv,
            flags_unknown,
            config_path,
            file,
            loaded,
            info,
        } = inputs;
        let mut settings: BTreeMap<String, Setting> = BTreeMap::new();
        let mut put = |key: &str, value: Value, source: ConfigSource| {
            settings.insert(
                key.to_string(),
                Setting {
                    key: key.to_string(),
                    value,
                    source,
                },
            );
        };
        for (k, v) in defaults() {
            put(k, v, ConfigSource::Default);
        }
        let mut file_error = None;
        match file {
            Ok(Some(text)) => match parse_config_file(config_path, text) {
                Ok(map) => {
                    for (k, v) in map {
                        put(&k, v, ConfigSource::File);
                    }
                }
                Err(e) => file_error = Some(e),
            },
            Ok(None) => {}
            Err(e) => file_error = Some(format!("daemon configuration {config_path}: {e}")),
        }
        if file_error.is_none() {
            if let Err(e) = loaded {
                file_error = Some(e);
            }
        }
        let mut unknown_flags = Vec::new();
        if let Some(argv) = argv {
            let parsed = parse_flags(argv);
            for (k, v) in parsed.settings {
                put(&k, v, ConfigSource::Flag);
            }
            unknown_flags = parsed.unknown;
            unknown_flags.extend(
                parsed
                    .stray
                    .into_iter()
                    .map(|a| format!("{a} (a stray argument)")),
            );
        }
        if let Some(info) = info {
            use serde_json::json;
            if let Some(v) = info.live_restore {
                put("live-restore", json!(v), ConfigSource::Live);
            }
            if let Some(v) = info.experimental {
                put("experimental", json!(v), ConfigSource::Live);
            }
            if let Some(v) = info.debug {
                put("debug", json!(v), ConfigSource::Live);
            }
            if let Some(v) = info.logging_driver.as_ref().filter(|v| !v.is_empty()) {
                put("log-driver", json!(v), ConfigSource::Live);
            }
            if let Some(v) = info.driver.as_ref().filter(|v| !v.is_empty()) {
                put("storage-driver", json!(v), ConfigSource::Live);
            }
            if let Some(v) = &info.authorization_plugins {
                put("authorization-plugins", json!(v), ConfigSource::Live);
            }
            if let (Some(cidrs), Some(names)) =
                (&info.insecure_registry_cidrs, &info.insecure_registries)
            {
                let mut insecure: Vec<String> = cidrs
                    .iter()
                    .filter(|c| !is_builtin_insecure_cidr(c))
                    .cloned()
                    .collect();
                insecure.extend(names.iter().cloned());
                put("insecure-registries", json!(insecure), ConfigSource::Live);
            }
            if let Ok(selinux) = info.has_security_option("selinux") {
                put("selinux-enabled", json!(selinux), ConfigSource::Live);
            }
            if let Ok(userns_live) = info.has_security_option("userns") {
                let configured = settings
                    .get("userns-remap")
                    .and_then(|s| s.as_str().map(str::to_string))
                    .unwrap_or_default();
                let value = match (userns_live, configured.is_empty()) {
                    (true, false) => configured,
                    (true, true) => "enabled".to_string(),
                    (false, _) => String::new(),
                };
                settings.insert(
                    "userns-remap".into(),
                    Setting {
                        key: "userns-remap".into(),
                        value: json!(value),
                        source: ConfigSource::Live,
                    },
                );
                if let Some(root) = info.docker_root_dir.as_ref().filter(|r| !r.is_empty()) {
                    if !userns_live {
                        settings.insert(
                            "data-root".into(),
                            Setting {
                                key: "data-root".into(),
                                value: json!(root),
                                source: ConfigSource::Live,
                            },
                        );
                    }
                }
            }
        }
        DaemonConfig {
            config_path: config_path.to_string(),
            settings,
            flags_unknown,
            file_error,
            unknown_flags,
        }
    }

    /// Flags on dockerd's command line that dockguard does not know.
    pub fn unknown_flags(&self) -> &[String] {
        &self.unknown_flags
    }

    /// The effective value of a daemon.json key.
    ///
    /// `Err` when the value cannot be known: the file could not be read or parsed and neither a flag nor
    /// the live daemon gives the value, or the command line is unknown and neither the file nor the live
    /// daemon gives it. `Ok(None)`: not set and dockerd has no default for it.
    pub fn get(&self, key: &str) -> Result<Option<&Setting>, String> {
        let s = self.settings.get(key);
        match s.map(|s| s.source) {
            Some(ConfigSource::Live | ConfigSource::Flag) => Ok(s),
            // A flag may not repeat a file key (dockerd refuses to start), so a file value holds even
            // when the command line is unknown, but only if the running daemon loaded the file as it is.
            Some(ConfigSource::File) => match &self.file_error {
                Some(e) => Err(format!("`{key}` cannot be determined: {e}")),
                None => Ok(s),
            },
            _ => {
                if let Some(e) = &self.file_error {
                    return Err(format!("`{key}` cannot be determined: {e}"));
                }
                if let Some(e) = &self.flags_unknown {
                    return Err(format!(
                        "`{key}` cannot be determined: dockerd's command line is unknown ({e})"
                    ));
                }
                if !self.unknown_flags.is_empty() {
                    return Err(format!(
                        "`{key}` cannot be determined: dockerd's command line has flags dockguard does not \
                         know ({}), which may set it",
                        self.unknown_flags.join(", ")
                    ));
                }
                Ok(s)
            }
        }
    }

    /// A boolean setting, with the setting for evidence.
    pub fn bool(&self, key: &str) -> Result<(bool, Option<&Setting>), String> {
        match self.get(key)? {
            None => Ok((false, None)),
            Some(s) => s
                .as_bool()
                .map(|b| (b, Some(s)))
                .ok_or_else(|| format!("`{key}` has a value that is not a boolean: {}", s.value)),
        }
    }

    /// A list setting (empty when unset).
    pub fn list(&self, key: &str) -> Result<Vec<String>, String> {
        Ok(self.get(key)?.map(|s| s.as_list()).unwrap_or_default())
    }

    /// A string setting (empty when unset).
    pub fn string(&self, key: &str) -> Result<String, String> {
        Ok(self
            .get(key)?
            .map(|s| value_text(&s.value))
            .unwrap_or_default())
    }

    /// An object setting such as `log-opts` or `default-ulimits` (empty when unset).
    pub fn object(&self, key: &str) -> Result<Map<String, Value>, String> {
        Ok(match self.get(key)?.map(|s| &s.value) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        })
    }

    /// Why the configuration file could not be used, if it could not.
    pub fn file_error(&self) -> Option<&str> {
        self.file_error.as_deref()
    }

    /// The Unix socket paths the daemon listens on (`-H unix://...`, default `/var/run/docker.sock`),
    /// or the reason they cannot be known.
    pub fn unix_sockets(&self) -> Result<Vec<String>, String> {
        let hosts = self.list("hosts")?;
        if hosts.is_empty() {
            return Ok(vec![DEFAULT_SOCKET.to_string()]);
        }
        let mut socks: Vec<String> = Vec::new();
        for h in &hosts {
            let path = if let Some(p) = h.strip_prefix("unix://") {
                if p.is_empty() {
                    DEFAULT_SOCKET
                } else {
                    p
                }
            } else if h.starts_with("fd://") {
                // Socket activation (the stock systemd unit): docker.socket listens on the default socket.
                DEFAULT_SOCKET
            } else {
                continue;
            };
            if !socks.iter().any(|s| s == path) {
                socks.push(path.to_string());
            }
        }
        Ok(socks)
    }

    /// The TCP endpoints the daemon listens on (`-H tcp://...`, `-H fd://` excluded).
    pub fn tcp_hosts(&self) -> Result<Vec<String>, String> {
        Ok(self
            .list("hosts")?
            .into_iter()
            .filter(|h| h.starts_with("tcp://") || (!h.contains("://") && h.contains(':')))
            .collect())
    }

    /// The TLS files the daemon uses (`tlscacert`, `tlscert`, `tlskey`) when TLS is on.
    /// dockerd's defaults are `~/.docker/{ca,cert,key}.pem` of the daemon user (root).
    pub fn tls_file(&self, key: &str) -> Result<Option<String>, String> {
        let tls = self.bool("tls")?.0 || self.bool("tlsverify")?.0;
        let explicit = self
            .get(key)?
            .map(|s| value_text(&s.value))
            .filter(|s| !s.is_empty());
        if let Some(p) = explicit {
            return Ok(Some(p));
        }
        if !tls {
            return Ok(None);
        }
        let default = match key {
            "tlscacert" => "/root/.docker/ca.pem",
            "tlscert" => "/root/.docker/cert.pem",
            "tlskey" => "/root/.docker/key.pem",
            _ => return Ok(None),
        };
        Ok(Some(default.to_string()))
    }
}

/// Docker always lists loopback as an insecure registry range; it does not count.
pub fn is_builtin_insecure_cidr(c: &str) -> bool {
    c == "127.0.0.0/8" || c == "::1/128"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn inputs<'a>(
        argv: Option<&'a [String]>,
        file: Result<Option<&'a str>, &'a str>,
        info: Option<&'a InfoFacts>,
    ) -> DaemonInputs<'a> {
        DaemonInputs {
            argv,
            flags_unknown: argv
                .is_none()
                .then(|| "no dockerd process under /proc".to_string()),
            config_path: DEFAULT_CONFIG_FILE,
            file,
            loaded: Ok(()),
            info,
        }
    }

    #[test]
    fn flags_map_to_daemon_json_keys() {
        let f = parse_flags(&argv(
            "/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2376 --containerd=/run/containerd/containerd.sock \
             --icc=false --log-level debug -l warn --insecure-registry a:5000 --insecure-registry=b:5000 \
             --log-opt max-size=10m --default-ulimit nofile=100:200 --userland-proxy=false --live-restore -D",
        ));
        assert!(f.unknown.is_empty(), "{:?}", f.unknown);
        let f = f.settings;
        assert_eq!(
            f["hosts"],
            serde_json::json!(["fd://", "tcp://0.0.0.0:2376"])
        );
        assert_eq!(f["icc"], serde_json::json!(false));
        assert_eq!(f["log-level"], serde_json::json!("warn"));
        assert_eq!(
            f["insecure-registries"],
            serde_json::json!(["a:5000", "b:5000"])
        );
        assert_eq!(f["log-opts"]["max-size"], serde_json::json!("10m"));
        assert_eq!(f["default-ulimits"]["nofile"], serde_json::json!("100:200"));
        assert_eq!(f["userland-proxy"], serde_json::json!(false));
        assert_eq!(f["live-restore"], serde_json::json!(true));
        assert_eq!(f["debug"], serde_json::json!(true));
        assert_eq!(
            f["containerd"],
            serde_json::json!("/run/containerd/containerd.sock")
        );
    }

    #[test]
    fn short_flag_with_attached_value_and_clusters() {
        let f = parse_flags(&argv("dockerd -Hunix:///tmp/d.sock -ldebug"));
        assert_eq!(
            f.settings["hosts"],
            serde_json::json!(["unix:///tmp/d.sock"])
        );
        assert_eq!(f.settings["log-level"], serde_json::json!("debug"));
        let f = parse_flags(&argv("dockerd -Dl warn"));
        assert_eq!(f.settings["debug"], serde_json::json!(true));
        assert_eq!(f.settings["log-level"], serde_json::json!("warn"));
    }

    /// An unknown flag is reported and never shifts the rest of the command line.
    #[test]
    fn unknown_flags_do_not_swallow_the_next_flag() {
        let f = parse_flags(&argv("dockerd --some-flag --log-level debug --icc=false"));
        assert_eq!(f.unknown, ["--some-flag"]);
        assert_eq!(f.settings["log-level"], serde_json::json!("debug"));
        assert_eq!(f.settings["icc"], serde_json::json!(false));
        // An unknown flag followed by a non-flag word takes it as its value (dockerd has no positionals).
        let f = parse_flags(&argv("dockerd --future-opt value -D"));
        assert_eq!(f.unknown, ["--future-opt value"]);
        assert_eq!(f.settings["debug"], serde_json::json!(true));
        // A boolean never takes the next word.
        let f = parse_flags(&argv("dockerd --live-restore stray"));
        assert_eq!(f.settings["live-restore"], serde_json::json!(true));
        assert_eq!(f.stray, ["stray"]);
        // Unknown flags make defaults unknown, not file, flag or live values.
        let a = argv("dockerd --some-flag --icc=false");
        let cfg = DaemonConfig::build(inputs(Some(&a), Ok(None), None));
        assert!(!cfg.bool("icc").unwrap().0);
        let err = cfg.get("log-level").unwrap_err();
        assert!(err.contains("--some-flag"), "{err}");
    }

    #[test]
    fn config_file_flag() {
        assert_eq!(
            config_file_path(Some(&argv("dockerd --config-file /srv/d.json"))),
            "/srv/d.json"
        );
        assert_eq!(
            config_file_path(Some(&argv("dockerd"))),
            DEFAULT_CONFIG_FILE
        );
        assert_eq!(config_file_path(None), DEFAULT_CONFIG_FILE);
    }

    #[test]
    fn precedence_default_file_flag_live() {
        let a = argv("dockerd --log-level=error");
        let info = InfoFacts {
            live_restore: Some(true),
            insecure_registry_cidrs: Some(vec!["127.0.0.0/8".into(), "10.0.0.0/8".into()]),
            insecure_registries: Some(vec![]),
            ..Default::default()
        };
        let cfg = DaemonConfig::build(inputs(
            Some(&a),
            Ok(Some(
                r#"{"icc": false, "log-level": "debug", "live-restore": false}"#,
            )),
            Some(&info),
        ));
        let icc = cfg.get("icc").unwrap().unwrap();
        assert_eq!(
            (icc.as_bool(), icc.source),
            (Some(false), ConfigSource::File)
        );
        let ll = cfg.get("log-level").unwrap().unwrap();
        assert_eq!(
            (ll.as_str(), ll.source),
            (Some("error"), ConfigSource::Flag)
        );
        let lr = cfg.get("live-restore").unwrap().unwrap();
        assert_eq!((lr.as_bool(), lr.source), (Some(true), ConfigSource::Live));
        assert_eq!(cfg.list("insecure-registries").unwrap(), vec!["10.0.0.0/8"]);
        let up = cfg.get("userland-proxy").unwrap().unwrap();
        assert_eq!(up.source, ConfigSource::Default);
    }

    #[test]
    fn live_debug_wins() {
        let a = argv("dockerd");
        let info = InfoFacts {
            debug: Some(true),
            ..Default::default()
        };
        let cfg = DaemonConfig::build(inputs(Some(&a), Ok(None), Some(&info)));
        let d = cfg.get("debug").unwrap().unwrap();
        assert_eq!((d.as_bool(), d.source), (Some(true), ConfigSource::Live));
    }

    #[test]
    fn malformed_file_makes_file_keys_unknown_but_not_flags_or_live() {
        let a = argv("dockerd --icc=false");
        let info = InfoFacts {
            live_restore: Some(false),
            ..Default::default()
        };
        let cfg = DaemonConfig::build(inputs(
            Some(&a),
            Ok(Some("{\"icc\": false,,}")),
            Some(&info),
        ));
        let err = cfg.get("log-level").unwrap_err();
        assert!(
            err.contains("/etc/docker/daemon.json is not valid JSON"),
            "{err}"
        );
        assert!(err.contains("line 1"), "{err}");
        assert!(!cfg.bool("icc").unwrap().0);
        assert!(cfg.get("live-restore").unwrap().is_some());
    }

    /// A daemon.json changed after dockerd started says nothing about the running daemon.
    #[test]
    fn a_file_newer_than_the_daemon_is_not_evidence() {
        let a = argv("dockerd --tlsverify");
        let mut i = inputs(Some(&a), Ok(Some(r#"{"icc": false}"#)), None);
        i.loaded = file_loaded(
            DEFAULT_CONFIG_FILE,
            true,
            Some(2_000),
            Some(1_000),
            Some(1_500),
        );
        let cfg = DaemonConfig::build(i);
        let err = cfg.get("icc").unwrap_err();
        assert!(err.contains("after dockerd started"), "{err}");
        assert!(err.contains("1970-01-01 00:33:20 UTC"), "{err}");
        assert!(cfg.get("log-level").is_err(), "defaults are unknown too");
        assert!(cfg.bool("tlsverify").unwrap().0, "flags are still known");
        assert!(file_loaded(DEFAULT_CONFIG_FILE, true, Some(1_000), None, Some(1_500)).is_ok());
        assert!(
            file_loaded(DEFAULT_CONFIG_FILE, true, Some(1_000), None, None)
                .unwrap_err()
                .contains("start time is unknown")
        );
        // No file now, but its directory changed since the start: it may have been deleted.
        assert!(file_loaded(DEFAULT_CONFIG_FILE, false, None, Some(2_000), Some(1_500)).is_err());
        assert!(file_loaded(DEFAULT_CONFIG_FILE, false, None, Some(1_000), Some(1_500)).is_ok());
    }

    #[test]
    fn unknown_command_line_fails_closed_for_defaults_only() {
        let cfg = DaemonConfig::build(inputs(None, Ok(Some(r#"{"icc": false}"#)), None));
        assert!(!cfg.bool("icc").unwrap().0);
        assert!(cfg
            .get("log-level")
            .unwrap_err()
            .contains("command line is unknown"));
    }

    #[test]
    fn sockets_and_tls_files() {
        let a = argv("dockerd -H unix:///run/d.sock -H tcp://0.0.0.0:2376 --tlsverify");
        let cfg = DaemonConfig::build(inputs(Some(&a), Ok(None), None));
        assert_eq!(cfg.unix_sockets().unwrap(), vec!["/run/d.sock"]);
        assert_eq!(cfg.tcp_hosts().unwrap(), vec!["tcp://0.0.0.0:2376"]);
        assert_eq!(
            cfg.tls_file("tlscacert").unwrap().as_deref(),
            Some("/root/.docker/ca.pem")
        );
        let a = argv("dockerd");
        let cfg = DaemonConfig::build(inputs(Some(&a), Ok(None), None));
        assert_eq!(cfg.unix_sockets().unwrap(), vec![DEFAULT_SOCKET]);
        assert_eq!(cfg.tls_file("tlskey").unwrap(), None);
    }
}
