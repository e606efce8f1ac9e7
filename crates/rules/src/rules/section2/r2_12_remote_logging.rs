//! 2.12 Ensure centralized and remote logging is configured.

use super::common::{detail, origin, setting_target, unknown};
use crate::prelude::*;
use dockguard_facts::daemon::value_text;

const KEY: &str = "log-driver";

pub static RULE: Rule = Rule {
    azure: Some("2.12"),
    cis: &["2.13"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure centralized and remote logging is configured",
    section: Section::Daemon,
    severity: Severity::Low,
    level: 2,
    scope: Scope::Daemon,
    rationale: "Container logs kept only on the host die with the host, and an intruder with root can edit \
        them. Shipping them to a central collector keeps the evidence out of reach and in one place for \
        alerting and investigation.",
    audit: "Reads the default logging driver of the running daemon from `docker info` (`LoggingDriver`); \
        without the Docker API, `--log-driver`, else daemon.json, else `json-file`. `json-file`, `local`, \
        `journald`, `etwlogs` and `none` keep logs on the host (or drop them) and fail. `syslog` passes only \
        with a `syslog-address` log option over tcp, udp or tcp+tls to a host other than loopback; without \
        one, or with a unix socket, it writes to the local syslog and fails (forwarding configured inside \
        the local syslog or journald is not visible to this check). Every other driver (fluentd, gelf, \
        splunk, awslogs, gcplogs, logentries, plugins such as Loki) ships logs off the container host and \
        passes; the evidence names its destination options so you can check where they go.",
    impact: "Containers then depend on the collector: depending on the driver and its `mode` and retry \
        options, an unreachable or slow collector can block container output, drop log lines or stop \
        containers from starting. `docker logs` relies on the local dual-logging cache for these drivers, \
        and the collector has to be run and secured.",
    references: &[
        "https://docs.docker.com/engine/logging/configure/",
    ],
    remediation: "Pick a driver that sends logs to your collector and set it as the default in \
        /etc/docker/daemon.json, e.g. `\"log-driver\": \"syslog\", \"log-opts\": {\"syslog-address\": \
        \"tcp+tls://logs.example.com:6514\"}` or `\"log-driver\": \"fluentd\", \"log-opts\": \
        {\"fluentd-address\": \"fluentd.example.com:24224\"}`, then `systemctl restart docker`. It applies \
        to containers created afterwards. If you keep journald or local syslog, forward them centrally and \
        record that as an exception.",
    check,
};

/// Drivers that keep the logs on the host or discard them.
const LOCAL_DRIVERS: &[&str] = &["", "json-file", "local", "journald", "etwlogs", "none"];

/// Log option names that say where a driver sends logs (never tokens or credentials).
const DESTINATION_SUFFIXES: &[&str] = &[
    "-address",
    "-url",
    "-endpoint",
    "-region",
    "-group",
    "-project",
];

fn check(ctx: &Ctx) -> Outcome {
    let setting = match ctx.daemon.get(KEY) {
        Ok(s) => s,
        Err(e) => return unknown(KEY, e),
    };
    let driver = setting
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string();
    let driver_target = |status| setting_target(ctx, KEY, status, &driver, setting);

    if LOCAL_DRIVERS.contains(&driver.as_str()) {
        let why = match driver.as_str() {
            "none" => "container logs are discarded".to_string(),
            "" => "no logging driver is set, so logs stay on the host".to_string(),
            d => format!("the {d} driver keeps container logs on the host"),
        };
        return Outcome::fail(why).with_target(driver_target(Status::Fail));
    }

    if driver == "syslog" {
        let opts = match ctx.daemon.get("log-opts") {
            Ok(s) => s,
            Err(e) => return unknown("log-opts", e),
        };
        let address = opts
            .and_then(|s| s.value.get("syslog-address"))
            .map(value_text)
            .unwrap_or_default();
        let address_detail = if address.is_empty() {
            format!(
                "log-opts.syslog-address not set (from {})",
                origin(ctx, opts)
            )
        } else {
            detail(ctx, "log-opts.syslog-address", &address, opts)
        };
        return match syslog_destination(&address) {
            Ok(host) => Outcome::pass(format!("container logs go to the remote syslog at {host}"))
                .with_target(driver_target(Status::Pass))
                .with_target(Target::setting("log-opts", Status::Pass, address_detail)),
            Err(why) => Outcome::fail(why)
                .with_target(driver_target(Status::Fail))
                .with_target(Target::setting("log-opts", Status::Fail, address_detail)),
        };
    }

    // A driver that ships logs elsewhere: show where, without secrets such as tokens.
    let destinations: Vec<String> = ctx
        .daemon
        .get("log-opts")
        .ok()
        .flatten()
        .and_then(|s| s.value.as_object())
        .map(|m| {
            m.iter()
                .filter(|(k, _)| DESTINATION_SUFFIXES.iter().any(|s| k.ends_with(s)))
                .map(|(k, v)| format!("{k}={}", value_text(v)))
                .collect()
        })
        .unwrap_or_default();
    let mut target = driver_target(Status::Pass);
    if !destinations.is_empty() {
        target
            .detail
            .push_str(&format!("; {}", destinations.join(", ")));
    }
    Outcome::pass(format!("container logs are shipped by the {driver} driver")).with_target(target)
}

/// The remote host of a syslog address, or why the address keeps logs on this host.
fn syslog_destination(address: &str) -> Result<String, String> {
    let address = address.trim();
    if address.is_empty() {
        return Err(
            "the syslog driver has no syslog-address, so logs go to the host's local syslog".into(),
        );
    }
    let Some((scheme, rest)) = address.split_once("://") else {
        return Err(format!(
            "the syslog-address {address} is not a tcp://, udp:// or tcp+tls:// URL"
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "unix" | "unixgram" => {
            return Err(format!(
                "the syslog driver writes to the local socket {rest}"
            ));
        }
        "tcp" | "udp" | "tcp+tls" => {}
        _ => {
            return Err(format!(
                "the syslog-address {address} has an unsupported scheme"
            ))
        }
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => match authority.split_once(':') {
            Some((h, port)) if !port.contains(':') => h,
            _ => authority,
        },
    };
    if is_local_host(host) {
        Err(format!("the syslog-address {address} points at this host"))
    } else {
        Ok(host.to_string())
    }
}

/// Empty, a loopback name or address, or the unspecified address.
fn is_local_host(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if h.is_empty()
        || h == "localhost"
        || h.ends_with(".localhost")
        || h == "localhost.localdomain"
        || h == "ip6-localhost"
        || h == "ip6-loopback"
    {
        return true;
    }
    h.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use serde_json::json;
    vec![
        Fixture::pass("syslog to a remote address", compliant_host()),
        Fixture::pass(
            "syslog-address from the command line",
            host_with(|f| {
                daemon_json_remove(f, "log-opts");
                add_flags(f, &["--log-opt", "syslog-address=udp://10.1.2.3:514"]);
            }),
        ),
        Fixture::pass(
            "fluentd driver",
            host_with(|f| {
                docker_mut(f).info.logging_driver = Some("fluentd".into());
                daemon_json_set(
                    f,
                    "log-opts",
                    json!({"fluentd-address": "fluentd.example:24224"}),
                );
            }),
        ),
        Fixture::fail(
            "json-file driver",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f).info.logging_driver = Some("json-file".into());
            }),
        ),
        Fixture::fail(
            "journald driver",
            host_with(|f| {
                stale_daemon_json(f);
                docker_mut(f).info.logging_driver = Some("journald".into());
            }),
        ),
        Fixture::fail(
            "syslog without an address",
            host_with(|f| daemon_json_remove(f, "log-opts")),
        ),
        Fixture::fail(
            "syslog to loopback",
            host_with(|f| {
                daemon_json_set(
                    f,
                    "log-opts",
                    json!({"syslog-address": "udp://127.0.0.1:514"}),
                )
            }),
        ),
        Fixture::fail(
            "default driver, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                daemon_json_remove(f, "log-driver");
            }),
        ),
        Fixture::error("syslog options unknown", host_with(break_daemon_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    #[test]
    fn remote_syslog_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(
            out.targets[0].detail,
            "log-driver=syslog (from docker info)"
        );
        assert_eq!(
            out.targets[1].detail,
            "log-opts.syslog-address=tcp://logs.example:514 (from /etc/docker/daemon.json)"
        );
    }

    #[test]
    fn local_drivers_fail() {
        for d in ["json-file", "local", "journald", "none"] {
            let mut f = compliant_host();
            docker_mut(&mut f).info.logging_driver = Some(d.into());
            let out = run(&RULE, &f);
            assert_eq!(out.status, Status::Fail, "{d}");
            assert_eq!(
                out.targets[0].detail,
                format!("log-driver={d} (from docker info)")
            );
        }
    }

    #[test]
    fn default_driver_without_docker_fails() {
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_remove(&mut f, "log-driver");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "log-driver=json-file (from dockerd default)"
        );
    }

    #[test]
    fn local_syslog_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "log-opts");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("local syslog"), "{}", out.reason);

        for addr in [
            "unix:///dev/log",
            "udp://127.0.0.1:514",
            "tcp://[::1]:514",
            "tcp+tls://localhost",
        ] {
            let mut f = compliant_host();
            daemon_json_set(&mut f, "log-opts", json!({ "syslog-address": addr }));
            assert_eq!(run(&RULE, &f).status, Status::Fail, "{addr}");
        }
    }

    #[test]
    fn syslog_address_flag_decides() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "log-opts");
        add_flags(&mut f, &["--log-opt", "syslog-address=udp://10.1.2.3:514"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.targets[1].detail.contains("command line"));
    }

    #[test]
    fn shipping_drivers_pass_with_their_destination() {
        let mut f = compliant_host();
        docker_mut(&mut f).info.logging_driver = Some("fluentd".into());
        daemon_json_set(
            &mut f,
            "log-opts",
            json!({"fluentd-address": "fluentd.example:24224", "tag": "x", "splunk-token": "secret"}),
        );
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "log-driver=fluentd (from docker info); fluentd-address=fluentd.example:24224"
        );
        docker_mut(&mut f).info.logging_driver = Some("grafana/loki-docker-driver:latest".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn unknown_options_for_syslog_are_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert_eq!(out.targets[0].id, "log-opts");
    }

    #[test]
    fn unknown_driver_is_an_error() {
        let mut f = compliant_host();
        no_docker(&mut f);
        break_daemon_json(&mut f);
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn syslog_addresses() {
        assert_eq!(
            syslog_destination("tcp://logs.example:514").unwrap(),
            "logs.example"
        );
        assert_eq!(
            syslog_destination("udp://[2001:db8::1]:514").unwrap(),
            "2001:db8::1"
        );
        assert_eq!(
            syslog_destination("tcp+tls://10.0.0.9").unwrap(),
            "10.0.0.9"
        );
        assert!(syslog_destination("unixgram:///dev/log").is_err());
        assert!(syslog_destination("udp://0.0.0.0:514").is_err());
        assert!(syslog_destination("udp://127.0.1.1:514").is_err());
        assert!(syslog_destination("logs.example:514").is_err());
        assert!(syslog_destination("http://logs.example").is_err());
    }
}
