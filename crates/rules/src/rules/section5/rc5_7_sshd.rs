//! CIS 5.7 Ensure sshd is not run within containers.

use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.7"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure sshd is not run within containers",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Container,
    rationale: "An SSH server inside a container is one more network service with its own keys, accounts \
        and patch level that nobody manages with the host's SSH policy. It invites logging in to change a \
        running container instead of rebuilding it, and gives an attacker a persistent way back in. \
        `docker exec` already gives administrators a shell without any of that.",
    audit: "Reads the process names (`comm`) of every running container from the host's /proc, matched to \
        the container by its cgroup; nothing is executed inside the containers. Fails when a container runs \
        an SSH server: `sshd`, OpenSSH's `sshd-session`/`sshd-auth` helpers, or `dropbear`. Passes when \
        none of its processes is one. Stopped containers are not applicable. A running container whose \
        processes were not collected (or for which none were found, which happens when the scan does not \
        run on the Docker host itself) is an error.",
    impact: "People and automation that logged into containers over SSH must switch to `docker exec`, which \
        requires access to the Docker host, and move file transfers to `docker cp` or volumes. The image gets \
        smaller and has one fewer service to patch.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Remove the SSH server from the image (drop `openssh-server` from the Dockerfile and the \
        `sshd` from its entrypoint or supervisor configuration), rebuild, and recreate the container. Use \
        `docker exec -it <container> sh` for interactive access, and `docker cp` or volumes to move files.",
    check,
};

/// Process names of SSH servers, as the kernel shows them in `comm`.
fn is_ssh_server(comm: &str) -> bool {
    matches!(
        comm.trim(),
        "sshd" | "sshd-session" | "sshd-auth" | "dropbear"
    )
}

fn check(ctx: &Ctx) -> Outcome {
    let docker = match ctx.docker() {
        Ok(d) => d,
        Err(e) => return Outcome::error(e),
    };
    per_container(ctx, |c| {
        if !*c.running()? {
            return Ok((
                Status::NotApplicable,
                format!("not running (state {})", c.state()?),
            ));
        }
        let procs = match &c.processes {
            Some(p) => p,
            None => {
                let why = docker
                    .processes_error
                    .clone()
                    .unwrap_or_else(|| "processes not collected".into());
                return Ok((Status::Error, format!("process list unknown: {why}")));
            }
        };
        if procs.is_empty() {
            return Ok((
                Status::Error,
                "no processes found for this running container under the host's /proc (was the scan run \
                 on the Docker host?)"
                    .into(),
            ));
        }
        let ssh: Vec<&str> = procs
            .iter()
            .map(String::as_str)
            .filter(|p| is_ssh_server(p))
            .collect();
        Ok(if ssh.is_empty() {
            (
                Status::Pass,
                format!("no SSH server among {} processes", procs.len()),
            )
        } else {
            let mut names: Vec<&str> = Vec::new();
            for p in &ssh {
                if !names.contains(p) {
                    names.push(p);
                }
            }
            (
                Status::Fail,
                format!(
                    "runs {} ({} of {} processes)",
                    names.join(", "),
                    ssh.len(),
                    procs.len()
                ),
            )
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("no sshd", compliant_host()),
        Fixture::fail(
            "sshd in the container",
            host_with(|f| {
                first_container(f).processes = Some(vec!["sshd".into(), "supervisord".into()])
            }),
        ),
        Fixture::not_applicable(
            "only a stopped container",
            host_with(|f| {
                let c = first_container(f);
                c.running = Some(false);
                c.state = Some("exited".into());
                c.processes = None;
            }),
        ),
        Fixture::error(
            "/proc unreadable",
            host_with(|f| {
                first_container(f).processes = None;
                docker_mut(f).processes_error = Some("cannot list /proc".into());
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_processes(p: Option<&[&str]>) -> Outcome {
        let mut f = compliant_host();
        first_container(&mut f).processes = p.map(|p| p.iter().map(|s| s.to_string()).collect());
        run(&RULE, &f)
    }

    #[test]
    fn no_sshd_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "no SSH server among 1 processes");
    }

    #[test]
    fn sshd_fails() {
        let out = with_processes(Some(&["sshd", "sshd-session", "supervisord", "sshd"]));
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "runs sshd, sshd-session (3 of 4 processes)"
        );
    }

    #[test]
    fn dropbear_fails() {
        assert_eq!(with_processes(Some(&["dropbear"])).status, Status::Fail);
    }

    #[test]
    fn lookalikes_pass() {
        assert_eq!(
            with_processes(Some(&["ssh", "sshd_exporter", "ssh-agent"])).status,
            Status::Pass
        );
    }

    #[test]
    fn stopped_container_is_not_applicable() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.running = Some(false);
        c.state = Some("exited".into());
        c.processes = None;
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::NotApplicable);
        assert_eq!(out.targets[0].detail, "not running (state exited)");
    }

    #[test]
    fn uncollected_processes_are_an_error() {
        let out = with_processes(None);
        assert_eq!(out.status, Status::Error);
        assert_eq!(
            out.targets[0].detail,
            "process list unknown: processes not collected"
        );
        let mut f = compliant_host();
        first_container(&mut f).processes = None;
        docker_mut(&mut f).processes_error = Some("cannot list /proc: permission denied".into());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert!(out.targets[0].detail.contains("permission denied"));
    }

    #[test]
    fn empty_process_list_is_an_error() {
        assert_eq!(with_processes(Some(&[])).status, Status::Error);
    }
}
