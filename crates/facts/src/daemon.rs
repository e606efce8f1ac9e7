//! The effective dockerd configuration: defaults, overlaid by daemon.json, overlaid by command-line flags;
//! where `/info` reports a setting, the live value wins.
//!
//! Keys are daemon.json keys (`log-level`, `icc`, `hosts`, `insecure-registries`, ...). Flags are mapped to
//! their daemon.json key (`-H` to `hosts`, `--insecure-registry` to `insecure-registries`, `-l` to `log-level`).

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
    /// Why the configuration file could not be used (unreadable, malformed).
    file_error: Option<String>,
}

/// dockerd flags that are booleans: they never consume the next argument.
const BOOL_FLAGS: &[&str] = &[
    "icc",
    "iptables",
    "ip6tables",
    "ip-forward",
    "ip-masq",
    "userland-proxy",
    "live-restore",
    "no-new-privileges",
    "experimental",
    "tls",
    "tlsverify",
    "selinux-enabled",
    "debug",
    "init",
    "raw-logs",
    "rootless",
    "validate",
    "version",
    "help",
    "ipv6",
];

/// Flags that may repeat and map to a list key.
const LIST_FLAGS: &[(&str, &str)] = &[
    ("host", "hosts"),
    ("insecure-registry", "insecure-registries"),
    ("authorization-plugin", "authorization-plugins"),
    ("storage-opt", "storage-opts"),
    ("registry-mirror", "registry-mirrors"),
    ("exec-opt", "exec-opts"),
    ("label", "labels"),
    ("dns", "dns"),
    ("dns-opt", "dns-opts"),
    ("dns-search", "dns-search"),
    ("add-runtime", "runtimes"),
];

/// Flags that repeat as `k=v` and map to an object key.
const MAP_FLAGS: &[(&str, &str)] = &[
    ("log-opt", "log-opts"),
    ("default-ulimit", "default-ulimits"),
];

const SHORT_FLAGS: &[(&str, &str)] = &[
    ("H", "host"),
    ("l", "log-level"),
    ("D", "debug"),
    ("s", "storage-driver"),
    ("g", "data-root"),
    ("G", "group"),
    ("p", "pidfile"),
    ("b", "bridge"),
];

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

/// Parses a dockerd argv into daemon.json-keyed settings. Unknown flags keep their own name.
/// Returns the settings and the `--config-file` value if any.
pub fn parse_flags(argv: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut i = 1; // argv[0] is the program
    while i < argv.len() {
        let arg = &argv[i];
        i += 1;
        let (name, inline) = if let Some(rest) = arg.strip_prefix("--") {
            match rest.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (rest.to_string(), None),
            }
        } else if let Some(rest) = arg.strip_prefix('-') {
            if rest.is_empty() {
                continue;
            }
            let (short, inline) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None if rest.len() > 1 => (&rest[..1], Some(rest[1..].to_string())),
                None => (rest, None),
            };
            let long = SHORT_FLAGS
                .iter()
                .find(|(s, _)| *s == short)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| short.to_string());
            (long, inline)
        } else {
            continue; // positional: dockerd takes none
        };
        if name.is_empty() {
            continue;
        }
        let value = if BOOL_FLAGS.contains(&name.as_str()) {
            match inline.as_deref() {
                None => Value::Bool(true),
                Some(v) => v
                    .parse::<bool>()
                    .map(Value::Bool)
                    .unwrap_or(Value::String(v.into())),
            }
        } else {
            match inline {
                Some(v) => Value::String(v),
                None if i < argv.len() => {
                    i += 1;
                    Value::String(argv[i - 1].clone())
                }
                None => Value::String(String::new()),
            }
        };
        if let Some((_, key)) = LIST_FLAGS.iter().find(|(f, _)| *f == name) {
            let entry = out
                .entry(key.to_string())
                .or_insert_with(|| Value::Array(vec![]));
            if let Value::Array(a) = entry {
                a.push(value);
            }
        } else if let Some((_, key)) = MAP_FLAGS.iter().find(|(f, _)| *f == name) {
            let entry = out
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let text = value_text(&value);
            let (k, v) = text.split_once('=').unwrap_or((text.as_str(), ""));
            if let Value::Object(m) = entry {
                m.insert(k.to_string(), Value::String(v.to_string()));
            }
        } else {
            let key = match name.as_str() {
                "graph" => "data-root".to_string(),
                _ => name,
            };
            out.insert(key, value);
        }
    }
    out
}

/// The `--config-file` named on the command line, or the default.
pub fn config_file_path(argv: Option<&[String]>) -> String {
    argv.map(parse_flags)
        .and_then(|f| f.get("config-file").map(value_text))
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
        let argv = facts.daemon.process.ok().map(|p| p.argv.as_slice());
        let flags_unknown = match &facts.daemon.process {
            crate::Fact::Ok(_) => None,
            crate::Fact::Error(e) => Some(e.clone()),
        };
        let file = match &facts.daemon.config_file.content {
            crate::Fact::Ok(c) => Ok(c.as_deref()),
            crate::Fact::Error(e) => Err(e.as_str()),
        };
        let info = facts.docker.ok().map(|d| &d.info);
        Self::build(
            argv,
            flags_unknown,
            &facts.daemon.config_file.path,
            file,
            info,
        )
    }

    /// `argv`: dockerd's command line when known (`flags_unknown` says why not). `file`: the text of the
    /// configuration file, `Ok(None)` when it does not exist. `info`: the live `/info` when the daemon answered.
    pub fn build(
        argv: Option<&[String]>,
        flags_unknown: Option<String>,
        config_path: &str,
        file: Result<Option<&str>, &str>,
        info: Option<&InfoFacts>,
    ) -> DaemonConfig {
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
        if let Some(argv) = argv {
            for (k, v) in parse_flags(argv) {
                put(&k, v, ConfigSource::Flag);
            }
        }
        if let Some(info) = info {
            use serde_json::json;
            put("live-restore", json!(info.live_restore), ConfigSource::Live);
            put("experimental", json!(info.experimental), ConfigSource::Live);
            if !info.logging_driver.is_empty() {
                put("log-driver", json!(info.logging_driver), ConfigSource::Live);
            }
            if !info.driver.is_empty() {
                put("storage-driver", json!(info.driver), ConfigSource::Live);
            }
            put(
                "authorization-plugins",
                json!(info.authorization_plugins),
                ConfigSource::Live,
            );
            let mut insecure: Vec<String> = info
                .insecure_registry_cidrs
                .iter()
                .filter(|c| !is_builtin_insecure_cidr(c))
                .cloned()
                .collect();
            insecure.extend(info.insecure_registries.iter().cloned());
            put("insecure-registries", json!(insecure), ConfigSource::Live);
            put(
                "selinux-enabled",
                json!(info.has_security_option("selinux")),
                ConfigSource::Live,
            );
            let userns_live = info.has_security_option("userns");
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
            if !info.docker_root_dir.is_empty() && !userns_live {
                settings.insert(
                    "data-root".into(),
                    Setting {
                        key: "data-root".into(),
                        value: json!(info.docker_root_dir),
                        source: ConfigSource::Live,
                    },
                );
            }
        }
        DaemonConfig {
            config_path: config_path.to_string(),
            settings,
            flags_unknown,
            file_error,
        }
    }

    /// The effective value of a daemon.json key.
    ///
    /// `Err` when the value cannot be known: the file could not be read or parsed and neither a flag nor
    /// the live daemon gives the value, or the command line is unknown and neither the file nor the live
    /// daemon gives it. `Ok(None)`: not set and dockerd has no default for it.
    pub fn get(&self, key: &str) -> Result<Option<&Setting>, String> {
        let s = self.settings.get(key);
        match s.map(|s| s.source) {
            // A flag may not repeat a file key (dockerd refuses to start), so a file value holds even
            // when the command line is unknown.
            Some(ConfigSource::Live | ConfigSource::Flag | ConfigSource::File) => Ok(s),
            _ => {
                if let Some(e) = &self.file_error {
                    return Err(format!("`{key}` cannot be determined: {e}"));
                }
                if let Some(e) = &self.flags_unknown {
                    return Err(format!(
                        "`{key}` cannot be determined: dockerd's command line is unknown ({e})"
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

    #[test]
    fn flags_map_to_daemon_json_keys() {
        let f = parse_flags(&argv(
            "/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2376 --containerd=/run/containerd/containerd.sock \
             --icc=false --log-level debug -l warn --insecure-registry a:5000 --insecure-registry=b:5000 \
             --log-opt max-size=10m --default-ulimit nofile=100:200 --userland-proxy=false --live-restore -D",
        ));
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
    fn short_flag_with_attached_value() {
        let f = parse_flags(&argv("dockerd -Hunix:///tmp/d.sock -ldebug"));
        assert_eq!(f["hosts"], serde_json::json!(["unix:///tmp/d.sock"]));
        assert_eq!(f["log-level"], serde_json::json!("debug"));
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
            live_restore: true,
            insecure_registry_cidrs: vec!["127.0.0.0/8".into(), "10.0.0.0/8".into()],
            ..Default::default()
        };
        let cfg = DaemonConfig::build(
            Some(&a),
            None,
            DEFAULT_CONFIG_FILE,
            Ok(Some(
                r#"{"icc": false, "log-level": "debug", "live-restore": false}"#,
            )),
            Some(&info),
        );
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
    fn malformed_file_makes_file_keys_unknown_but_not_flags_or_live() {
        let a = argv("dockerd --icc=false");
        let cfg = DaemonConfig::build(
            Some(&a),
            None,
            "/etc/docker/daemon.json",
            Ok(Some("{\"icc\": false,,}")),
            Some(&InfoFacts::default()),
        );
        let err = cfg.get("log-level").unwrap_err();
        assert!(
            err.contains("/etc/docker/daemon.json is not valid JSON"),
            "{err}"
        );
        assert!(err.contains("line 1"), "{err}");
        assert!(!cfg.bool("icc").unwrap().0);
        assert!(cfg.get("live-restore").unwrap().is_some());
    }

    #[test]
    fn unknown_command_line_fails_closed_for_defaults_only() {
        let cfg = DaemonConfig::build(
            None,
            Some("no dockerd process under /proc".into()),
            DEFAULT_CONFIG_FILE,
            Ok(Some(r#"{"icc": false}"#)),
            None,
        );
        assert!(!cfg.bool("icc").unwrap().0);
        assert!(cfg
            .get("log-level")
            .unwrap_err()
            .contains("command line is unknown"));
    }

    #[test]
    fn sockets_and_tls_files() {
        let a = argv("dockerd -H unix:///run/d.sock -H tcp://0.0.0.0:2376 --tlsverify");
        let cfg = DaemonConfig::build(Some(&a), None, DEFAULT_CONFIG_FILE, Ok(None), None);
        assert_eq!(cfg.unix_sockets().unwrap(), vec!["/run/d.sock"]);
        assert_eq!(cfg.tcp_hosts().unwrap(), vec!["tcp://0.0.0.0:2376"]);
        assert_eq!(
            cfg.tls_file("tlscacert").unwrap().as_deref(),
            Some("/root/.docker/ca.pem")
        );
        let cfg = DaemonConfig::build(
            Some(&argv("dockerd")),
            None,
            DEFAULT_CONFIG_FILE,
            Ok(None),
            None,
        );
        assert_eq!(cfg.unix_sockets().unwrap(), vec![DEFAULT_SOCKET]);
        assert_eq!(cfg.tls_file("tlskey").unwrap(), None);
    }
}
