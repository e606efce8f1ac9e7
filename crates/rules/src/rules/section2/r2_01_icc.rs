//! 2.01 Ensure network traffic is restricted between containers on the default bridge.

use super::common::{origin, setting_target, worst};
use crate::prelude::*;

/// The option of the default bridge network that carries the running daemon's `icc`.
const ENABLE_ICC: &str = "com.docker.network.bridge.enable_icc";

pub static RULE: Rule = Rule {
    azure: Some("2.01"),
    cis: &["2.2"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure network traffic is restricted between containers on the default bridge",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "With inter-container communication on, every container on the default bridge can reach every \
        port of every other one: one compromised container can probe and attack its neighbours. Turning it \
        off makes container-to-container traffic something you grant on purpose, through user-defined \
        networks.",
    audit: "Reads the effective `icc` (the `--icc` flag, else daemon.json, else the default `true`) and, when \
        the network list is available, the `com.docker.network.bridge.enable_icc` option of the running \
        `bridge` network. Passes only when both say false: the live network shows what runs now, the \
        configuration what the next restart brings. Not applicable when the default bridge is disabled \
        (`bridge` set to `none`).",
    impact: "Containers on the default bridge can no longer reach each other by IP address; services that \
        relied on that stop talking until they are moved onto a user-defined network (or linked). Applying \
        it takes a daemon restart, which stops running containers unless live restore is on.",
    references: &[
        "https://docs.docker.com/reference/cli/dockerd/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Set `\"icc\": false` in /etc/docker/daemon.json (or pass `--icc=false`, not both), then \
        `systemctl restart docker`. Put containers that must talk to each other on a user-defined network \
        (`docker network create app-net`, `docker run --network app-net ...`).",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    if let Ok(bridge) = ctx.daemon.get("bridge") {
        if let Some(s) = bridge.filter(|s| s.as_str() == Some("none")) {
            return Outcome::not_applicable(
                "the default bridge is disabled, so no container uses it",
            )
            .with_target(setting_target(
                ctx,
                "bridge",
                Status::NotApplicable,
                "none",
                Some(s),
            ));
        }
    }
    let mut targets = Vec::new();
    let configured = match ctx.daemon.bool("icc") {
        Ok((icc, s)) => {
            let status = if icc { Status::Fail } else { Status::Pass };
            targets.push(setting_target(ctx, "icc", status, icc, s));
            Ok((icc, origin(ctx, s)))
        }
        Err(e) => {
            targets.push(Target::setting("icc", Status::Error, e.clone()));
            Err(e)
        }
    };
    let live_bridge = ctx
        .docker()
        .ok()
        .and_then(|d| d.networks.ok())
        .and_then(|ns| ns.iter().find(|n| n.name == "bridge"))
        .and_then(|n| {
            n.options
                .as_ref()
                .and_then(|o| o.get(ENABLE_ICC))
                .map(|v| (n, v))
        });
    let mut live = None;
    if let Some((n, v)) = live_bridge {
        let detail = format!("{ENABLE_ICC}={v} (from docker network inspect bridge)");
        let status = match v.trim().parse::<bool>() {
            Ok(on) => {
                live = Some(on);
                if on {
                    Status::Fail
                } else {
                    Status::Pass
                }
            }
            Err(_) => Status::Error,
        };
        targets.push(Target::new(
            TargetKind::Network,
            &n.id,
            &n.name,
            status,
            detail,
        ));
    }

    let status = worst(&targets);
    let reason = match (status, configured, live) {
        (Status::Fail, Ok((false, _)), Some(true)) => {
            "the running default bridge lets containers talk to each other although the configuration says \
             icc=false (the daemon was not restarted since, or the setting did not take effect)"
                .to_string()
        }
        (Status::Fail, Ok((true, from)), Some(false)) => format!(
            "icc=true (from {from}): the running bridge has inter-container traffic off, but the next \
             daemon restart turns it on"
        ),
        (Status::Fail, _, _) => {
            "containers on the default bridge can talk to each other freely (icc is on)".to_string()
        }
        (Status::Error, Err(e), _) => e,
        (Status::Error, _, _) => format!("the bridge network reports an unrecognised {ENABLE_ICC} value"),
        _ => "inter-container traffic on the default bridge is off".to_string(),
    };
    Outcome::new(status, reason).with_targets(targets)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts};
    use serde_json::json;
    fn live_icc(f: &mut Facts, v: &str) {
        if let Fact::Ok(ns) = &mut docker_mut(f).networks {
            if let Some(b) = ns.iter_mut().find(|n| n.name == "bridge") {
                b.options
                    .as_mut()
                    .unwrap()
                    .insert(ENABLE_ICC.into(), v.into());
            }
        }
    }
    vec![
        Fixture::pass(
            "icc=false in daemon.json and on the bridge",
            compliant_host(),
        ),
        Fixture::pass(
            "--icc=false flag overrides daemon.json",
            host_with(|f| {
                daemon_json_set(f, "icc", json!(true));
                add_flags(f, &["--icc=false"]);
            }),
        ),
        Fixture::fail(
            "icc left at the default",
            host_with(|f| {
                daemon_json_remove(f, "icc");
                live_icc(f, "true");
            }),
        ),
        Fixture::fail(
            "running bridge has icc on despite the config",
            host_with(|f| {
                stale_daemon_json(f);
                live_icc(f, "true");
            }),
        ),
        Fixture::fail(
            "icc=true pending a restart",
            host_with(|f| daemon_json_set(f, "icc", json!(true))),
        ),
        Fixture::not_applicable(
            "default bridge disabled (-b none)",
            host_with(|f| {
                daemon_json_remove(f, "icc");
                add_flags(f, &["-b", "none"]);
            }),
        ),
        Fixture::error("malformed daemon.json", host_with(break_daemon_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, Facts};
    use serde_json::json;

    fn set_live_icc(f: &mut Facts, v: &str) {
        if let Fact::Ok(ns) = &mut docker_mut(f).networks {
            let bridge = ns.iter_mut().find(|n| n.name == "bridge").unwrap();
            bridge
                .options
                .as_mut()
                .unwrap()
                .insert(ENABLE_ICC.into(), v.into());
        }
    }

    #[test]
    fn icc_off_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(
            out.targets[0].detail,
            "icc=false (from /etc/docker/daemon.json)"
        );
        assert_eq!(out.targets[1].kind, TargetKind::Network);
    }

    #[test]
    fn default_icc_fails() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "icc");
        set_live_icc(&mut f, "true");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "icc=true (from dockerd default)");
    }

    #[test]
    fn flag_overrides_the_file() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "icc", json!(true));
        add_flags(&mut f, &["--icc=false"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.targets[0].detail.contains("command line"));

        let mut f = compliant_host();
        daemon_json_remove(&mut f, "icc");
        add_flags(&mut f, &["--icc=true"]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn live_bridge_wins_over_config() {
        let mut f = compliant_host();
        set_live_icc(&mut f, "true");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(
            out.reason.contains("running default bridge"),
            "{}",
            out.reason
        );
        assert_eq!(
            out.failing().next().unwrap().detail,
            "com.docker.network.bridge.enable_icc=true (from docker network inspect bridge)"
        );
    }

    #[test]
    fn pending_config_change_fails() {
        let mut f = compliant_host();
        daemon_json_set(&mut f, "icc", json!(true));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.reason.contains("next daemon restart"), "{}", out.reason);
    }

    #[test]
    fn without_network_facts_the_config_decides() {
        let mut f = compliant_host();
        docker_mut(&mut f).networks = Fact::Error("permission denied".into());
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        daemon_json_set(&mut f, "icc", json!(true));
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn malformed_daemon_json_is_an_error() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("not valid JSON"), "{}", out.reason);
    }

    #[test]
    fn malformed_daemon_json_with_icc_on_live_still_fails() {
        let mut f = compliant_host();
        break_daemon_json(&mut f);
        set_live_icc(&mut f, "true");
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn disabled_default_bridge_is_not_applicable() {
        let mut f = compliant_host();
        daemon_json_remove(&mut f, "icc");
        add_flags(&mut f, &["-b", "none"]);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
