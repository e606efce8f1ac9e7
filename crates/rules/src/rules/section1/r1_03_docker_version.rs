//! 1.03 Ensure docker version is up-to-date.

use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("1.03"),
    cis: &["1.2.2"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure docker version is up-to-date",
    section: Section::Host,
    severity: Severity::High,
    level: 1,
    scope: Scope::Host,
    rationale: "Docker Engine, containerd and runc have had container-escape and privilege-escalation bugs. \
        A release line that upstream no longer maintains gets no fixes for the next one, so every host still \
        on it stays exposed.",
    audit: "Reads the server version from the Docker API and takes its release line (major.minor, e.g. \
        `20.10` from `20.10.24+dfsg1`). Fails when that line is one this tool knows to be end of life (every \
        line up to and including 25.0: 17.x, 18.x, 19.03, 20.10, 23.0, 24.0, 25.0 and anything older). It \
        never passes: there is no offline source for the latest patch release, so a newer line is left for \
        manual review, as is a version that cannot be parsed. Distribution packages of an end-of-life line \
        may carry backported fixes, but upstream no longer patches it.",
    impact: "Upgrading restarts the daemon, which stops running containers unless live-restore is on, and \
        live-restore only carries containers across patch releases, not a move to a new release line. A new \
        line can change defaults and drop deprecated features or API versions, so test it on a staging host \
        first.",
    references: &[
        "https://docs.docker.com/engine/daemon/live-restore/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Upgrade to the latest patch release of a maintained Docker Engine line (see the Docker \
        Engine release notes), e.g. from Docker's apt/dnf repository: `apt-get install --only-upgrade \
        docker-ce docker-ce-cli containerd.io` or `dnf upgrade docker-ce docker-ce-cli containerd.io`, then \
        restart the daemon. Subscribe to Docker's security advisories to keep it current.",
    check,
};

/// Docker Engine release lines known to be end of life. Every line up to and including the last one here is
/// treated as end of life, including lines not listed (1.x, edge releases). Maintain this list.
const EOL_LINES: &[(u32, u32)] = &[
    (17, 3),
    (17, 6),
    (17, 9),
    (17, 12),
    (18, 3),
    (18, 6),
    (18, 9),
    (19, 3),
    (20, 10),
    (23, 0),
    (24, 0),
    (25, 0),
];

/// The release line of a version string, as numbers and as written: `20.10.24+dfsg1` -> `(20, 10, "20.10")`,
/// `17.03.2-ce` -> `(17, 3, "17.03")`.
fn release_line(version: &str) -> Option<(u32, u32, String)> {
    let v = version.trim().trim_start_matches('v');
    let core = v.split(['+', '-', '~', ' ']).next()?;
    let mut parts = core.split('.');
    let (maj, min) = (parts.next()?, parts.next()?);
    let major = maj.parse().ok()?;
    let minor = min.parse().ok()?;
    Some((major, minor, format!("{maj}.{min}")))
}

fn is_eol(major: u32, minor: u32) -> bool {
    EOL_LINES.last().is_some_and(|&last| (major, minor) <= last)
}

fn check(ctx: &Ctx) -> Outcome {
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    let version = docker.version.version.as_deref().unwrap_or("").trim();
    if version.is_empty() {
        return Outcome::error("the Docker daemon did not report its version");
    }
    let target = |status, detail: String| {
        Target::new(
            TargetKind::Daemon,
            "server-version",
            "Docker Engine",
            status,
            detail,
        )
    };
    match release_line(version) {
        None => Outcome::manual(format!(
            "cannot tell the release line of Docker {version}; confirm it is a supported, patched release"
        ))
        .with_target(target(Status::Manual, format!("server version {version} (not major.minor.patch)"))),
        Some((major, minor, line)) if is_eol(major, minor) => {
            let listed = EOL_LINES.contains(&(major, minor));
            let detail = if listed {
                format!("server version {version}: release line {line} is end of life")
            } else {
                format!("server version {version}: release line {line} predates 25.0, the newest line known to be end of life")
            };
            Outcome::fail(format!("Docker {line} reached end of life")).with_target(target(Status::Fail, detail))
        }
        Some((_, _, line)) => Outcome::manual(format!(
            "confirm {version} is the latest patch release of a supported line; see the Docker Engine release notes"
        ))
        .with_target(target(
            Status::Manual,
            format!("server version {version}: release line {line} is not known to be end of life"),
        )),
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::manual("current release line", compliant_host()),
        Fixture::manual(
            "unparseable version",
            host_with(|f| {
                docker_mut(f).version.version = Some("master-dockerproject-2026-01-01".into())
            }),
        ),
        Fixture::fail(
            "20.10 (end of life)",
            host_with(|f| docker_mut(f).version.version = Some("20.10.24+dfsg1".into())),
        ),
        Fixture::fail(
            "25.0 (last end-of-life line)",
            host_with(|f| docker_mut(f).version.version = Some("25.0.5".into())),
        ),
        Fixture::error(
            "version not reported",
            host_with(|f| docker_mut(f).version.version = Some(String::new())),
        ),
        Fixture::error(
            "daemon unreachable",
            host_with(|f| f.docker = dockguard_facts::Fact::Error("daemon unreachable".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn parses_release_lines() {
        assert_eq!(
            release_line("20.10.24+dfsg1"),
            Some((20, 10, "20.10".into()))
        );
        assert_eq!(release_line("29.1.0"), Some((29, 1, "29.1".into())));
        assert_eq!(release_line("17.03.2-ce"), Some((17, 3, "17.03".into())));
        assert_eq!(
            release_line("24.0.7-0ubuntu2~22.04.1"),
            Some((24, 0, "24.0".into()))
        );
        assert_eq!(release_line("1.13.1"), Some((1, 13, "1.13".into())));
        assert_eq!(release_line("dev"), None);
        assert_eq!(release_line("28"), None);
    }

    #[test]
    fn current_line_is_manual_never_pass() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert!(
            out.reason
                .contains("confirm 29.1.0 is the latest patch release"),
            "{}",
            out.reason
        );
    }

    #[test]
    fn eol_line_fails() {
        let mut f = compliant_host();
        docker_mut(&mut f).version.version = Some("20.10.24+dfsg1".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.reason, "Docker 20.10 reached end of life");
        for v in ["25.0.5", "1.13.1", "17.05.0-ce", "23.0.6"] {
            docker_mut(&mut f).version.version = Some(v.into());
            assert_eq!(run(&RULE, &f).status, Status::Fail, "{v}");
        }
    }

    #[test]
    fn unparseable_is_manual_and_missing_is_error() {
        let mut f = compliant_host();
        docker_mut(&mut f).version.version = Some("master-dockerproject-2026-01-01".into());
        assert_eq!(run(&RULE, &f).status, Status::Manual);
        docker_mut(&mut f).version.version = Some(String::new());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        f.docker = dockguard_facts::Fact::Error("daemon unreachable".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
