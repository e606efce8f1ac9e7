//! CIS 2.1 Run the Docker daemon as a non-root user, if possible.
//!
//! Rootless mode passes. A daemon running as root is `manual`, never `fail`: CIS asks for rootless mode only
//! "if possible", and whether the workloads fit its limits is a decision the facts cannot make.

use super::common::origin;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["2.1"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Run the Docker daemon as a non-root user, if possible",
    section: Section::Daemon,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Daemon,
    rationale: "A daemon running as root turns every daemon or runtime flaw, and every container escape, into \
        root on the host. In rootless mode dockerd, containerd and the containers all live inside a user \
        namespace owned by an ordinary account, so a breakout lands as that account.",
    audit: "Reads `SecurityOptions` from `docker info`: `name=rootless` passes. Without the Docker API, a \
        `--rootless` flag or `\"rootless\": true` in daemon.json passes; otherwise the mode is unknown (error). \
        A daemon that runs as root is reported for review, not as a failure: rootless mode cannot bind ports \
        below 1024 without a sysctl, cannot load AppArmor profiles, needs cgroup v2 with systemd delegation for \
        resource limits, and does not suit privileged or device-heavy workloads, so only an operator can say \
        whether it is possible here. The review shows whether user namespace remapping already softens the \
        risk.",
    impact: "Rootless mode rules out some workloads: ports below 1024 need a sysctl, AppArmor and \
        `--privileged` device access are unavailable, resource limits need cgroup v2 with systemd \
        delegation, and networking through slirp4netns or pasta is slower. Images, containers and volumes \
        move under the user's home and must be pulled or copied again, and every client must use the user's \
        socket.",
    references: &[
        "https://docs.docker.com/engine/security/rootless/",
        "https://docs.docker.com/engine/security/userns-remap/",
    ],
    remediation: "Where the workloads allow it: install the rootless extras (`docker-ce-rootless-extras`, plus \
        `uidmap` and `dbus-user-session`), give the service account ranges in /etc/subuid and /etc/subgid, \
        stop the rootful daemon (`systemctl disable --now docker.service docker.socket`), then as that account \
        run `dockerd-rootless-setuptool.sh install`, `systemctl --user enable --now docker` and \
        `loginctl enable-linger <user>`, and point clients at \
        `DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock`. Images and volumes must be pulled or copied again \
        under the new data root. Where rootless mode is not possible, record why and keep \
        `userns-remap` on so container root is not host root.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return without_docker(ctx, e),
    };
    let info = &docker.info;
    let security_options = match info.security_options() {
        Ok(o) => o,
        Err(m) => return without_docker(ctx, m.to_string()),
    };
    let options = if security_options.is_empty() {
        "none".to_string()
    } else {
        security_options.join("; ")
    };
    if info.has_security_option("rootless") == Ok(true) {
        let mut detail = format!("rootless (docker info SecurityOptions: {options})");
        if let Some(root) = info.docker_root_dir.as_deref().filter(|r| !r.is_empty()) {
            detail.push_str(&format!("; data root {root}"));
        }
        return Outcome::pass("the daemon runs rootless, as an unprivileged user").with_target(
            Target::new(
                TargetKind::Daemon,
                "rootless",
                "dockerd",
                Status::Pass,
                detail,
            ),
        );
    }
    let pid = ctx
        .facts
        .daemon
        .process
        .ok()
        .map(|p| format!("dockerd pid {}, ", p.pid))
        .unwrap_or_default();
    let daemon = Target::new(
        TargetKind::Daemon,
        "rootless",
        "dockerd",
        Status::Manual,
        format!("{pid}runs as root: docker info SecurityOptions has no name=rootless ({options})"),
    );
    let userns = if info.has_security_option("userns") == Ok(true) {
        "user namespace remapping is on, so container root is already an unprivileged host uid"
    } else {
        "user namespace remapping is off, so container root is host root"
    };
    Outcome::manual(format!(
        "the daemon runs as root; {userns}. Decide whether rootless mode is possible for these workloads \
         (`docker info -f '{{{{.SecurityOptions}}}}'` shows name=rootless once it is): see the remediation for \
         the move, or record why root is needed"
    ))
    .with_target(daemon)
    .with_target(Target::new(
        TargetKind::Daemon,
        "userns",
        "user namespaces",
        Status::Manual,
        userns,
    ))
}

/// Without the Docker API only an explicit `rootless` setting proves the mode.
fn without_docker(ctx: &Ctx, why: String) -> Outcome {
    match ctx.daemon.get("rootless") {
        Ok(Some(s)) if s.as_bool() == Some(true) => {
            Outcome::pass("the daemon is configured to run rootless").with_target(Target::setting(
                "rootless",
                Status::Pass,
                format!("rootless=true (from {})", origin(ctx, Some(s))),
            ))
        }
        _ => Outcome::error(format!(
            "whether the daemon runs rootless cannot be told without docker info: {why}"
        ))
        .with_target(Target::new(
            TargetKind::Daemon,
            "rootless",
            "dockerd",
            Status::Error,
            "SecurityOptions unavailable",
        )),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixtures::no_docker;
    use crate::testing::*;
    vec![
        Fixture::pass(
            "rootless daemon",
            host_with(|f| {
                docker_mut(f).info.security_options = Some(vec![
                    "name=seccomp,profile=builtin".into(),
                    "name=rootless".into(),
                ]);
            }),
        ),
        Fixture::pass(
            "--rootless flag, Docker API unreachable",
            host_with(|f| {
                no_docker(f);
                add_flags(f, &["--rootless"]);
            }),
        ),
        Fixture::manual("root daemon with userns-remap", compliant_host()),
        Fixture::manual(
            "root daemon without user namespaces",
            host_with(|f| {
                docker_mut(f)
                    .info
                    .security_options
                    .as_mut()
                    .unwrap()
                    .retain(|o| o != "name=userns")
            }),
        ),
        Fixture::error(
            "Docker API unreachable, no rootless setting",
            host_with(no_docker),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixtures::*;
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    fn rootless(f: &mut dockguard_facts::Facts) {
        let info = &mut docker_mut(f).info;
        info.security_options = Some(vec![
            "name=seccomp,profile=builtin".into(),
            "name=rootless".into(),
            "name=cgroupns".into(),
        ]);
        info.docker_root_dir = Some("/home/app/.local/share/docker".into());
    }

    #[test]
    fn rootless_daemon_passes() {
        let mut f = compliant_host();
        rootless(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.targets[0].detail.contains("name=rootless"));
        assert!(out.targets[0]
            .detail
            .ends_with("data root /home/app/.local/share/docker"));
    }

    #[test]
    fn root_daemon_needs_a_review_with_the_evidence() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual, "{out:?}");
        assert_eq!(
            out.targets[0].detail,
            "dockerd pid 812, runs as root: docker info SecurityOptions has no name=rootless \
             (name=apparmor; name=seccomp,profile=builtin; name=userns)"
        );
        assert!(out.reason.contains("remapping is on"), "{}", out.reason);
        assert!(
            out.reason.contains("{{.SecurityOptions}}"),
            "{}",
            out.reason
        );
    }

    #[test]
    fn root_daemon_without_userns_says_so() {
        let mut f = compliant_host();
        docker_mut(&mut f)
            .info
            .security_options
            .as_mut()
            .unwrap()
            .retain(|o| o != "name=userns");
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.reason.contains("container root is host root"));
    }

    #[test]
    fn without_docker_only_an_explicit_setting_decides() {
        let mut f = compliant_host();
        no_docker(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("connection refused"), "{}", out.reason);
        add_flags(&mut f, &["--rootless"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "rootless=true (from dockerd command line)"
        );
        let mut f = compliant_host();
        no_docker(&mut f);
        daemon_json_set(&mut f, "rootless", json!(false));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
