//! CIS 1.1.2 Ensure only trusted users are allowed to control Docker daemon.

use crate::check::fmt_mode;
use crate::prelude::*;
use dockguard_facts::{Fact, FileFact, GroupMembers};

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["1.1.2"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure only trusted users are allowed to control Docker daemon",
    section: Section::Host,
    severity: Severity::High,
    level: 1,
    scope: Scope::Host,
    rationale: "Anyone who can write to the daemon's Unix socket can start a privileged container that mounts \
        the host's root filesystem: access to the socket is root on the host. On a stock install that is root \
        plus every member of the `docker` group, so the group must hold only accounts you would give root.",
    audit: "Reads the `docker` group from /etc/group, counting both its listed members and the accounts \
        whose primary group it is (/etc/passwd), and the mode of every Unix socket the daemon listens on \
        (`-H unix://...`, default /var/run/docker.sock). Fails when a socket is writable by others: every \
        local account can then drive the daemon. Passes when no account other than root is in the docker \
        group (or there is no such group) and no socket grants access beyond root and that group. Members \
        are listed for manual review, since only you know who is trusted; so is a socket whose group is some \
        other group, whose members are not collected. Remote access over TCP is assessed by 2.6 (TLS).",
    impact: "Accounts removed from the docker group can no longer run docker commands without sudo: \
        developers, CI runners and monitoring agents that used the socket directly break until they get \
        another route (sudo with logging, rootless Docker, an authorization plugin or the TLS-protected \
        remote API).",
    references: &[
        "https://docs.docker.com/engine/security/protect-access/",
        "https://docs.docker.com/engine/security/rootless/",
        "https://docs.docker.com/engine/security/",
    ],
    remediation: "Review the members with `getent group docker` and the accounts whose primary group it is \
        (`awk -F: -v g=$(getent group docker | cut -d: -f3) '$4==g' /etc/passwd`). Remove untrusted ones with \
        `gpasswd -d <user> docker` (they must log in again). Keep the socket at `root:docker` mode 0660: \
        `chown root:docker /var/run/docker.sock && chmod 0660 /var/run/docker.sock`, and set `SocketMode=0660` \
        and `SocketGroup=docker` in docker.socket. Put changes to the group under change control.",
    check,
};

fn group_target(status: Status, detail: impl Into<String>) -> Target {
    Target::new(
        TargetKind::Host,
        "group:docker",
        "docker group",
        status,
        detail,
    )
}

/// Who the socket lets in beyond root, by its stat.
fn socket_target(path: &str, fact: Option<&FileFact>, group: Option<&GroupMembers>) -> Target {
    let st = match fact {
        None => {
            return Target::file(
                path,
                Status::Error,
                "not collected: who may connect to it is unknown",
            )
        }
        Some(FileFact::Error { reason }) => {
            return Target::file(path, Status::Error, format!("cannot be examined: {reason}"))
        }
        Some(FileFact::Missing) => {
            return Target::file(
                path,
                Status::NotApplicable,
                "does not exist (the daemon is not listening there now)",
            )
        }
        Some(FileFact::Present(st)) => st,
    };
    let mode = fmt_mode(st.mode);
    let user = st.user.clone().unwrap_or_else(|| st.uid.to_string());
    let gname = st.group.clone().unwrap_or_else(|| st.gid.to_string());
    if st.mode & 0o002 != 0 {
        return Target::file(
            path,
            Status::Fail,
            format!("mode {mode} lets every local account connect, and so control the daemon"),
        );
    }
    if st.uid != 0 && st.mode & 0o200 != 0 {
        return Target::file(
            path,
            Status::Manual,
            format!(
                "owned by {user} (uid {}), who may connect: confirm that account is trusted",
                st.uid
            ),
        );
    }
    let group_writable = st.mode & 0o020 != 0;
    let is_docker_group = group.is_some_and(|g| g.gid == st.gid);
    if group_writable && st.gid != 0 && !is_docker_group {
        return Target::file(
            path,
            Status::Manual,
            format!(
                "mode {mode}, group {gname} (gid {}): members of {gname} may connect and were not collected; \
                 review them with `getent group {gname}`",
                st.gid
            ),
        );
    }
    let who = if group_writable && is_docker_group {
        format!("root and the docker group ({user}:{gname}, mode {mode})")
    } else {
        format!("root only ({user}:{gname}, mode {mode})")
    };
    Target::file(path, Status::Pass, format!("reachable by {who}"))
}

fn check(ctx: &Ctx) -> Outcome {
    let group = match &ctx.facts.docker_group {
        Fact::Ok(g) => g.as_ref(),
        Fact::Error(e) => {
            return Outcome::error(format!("the docker group could not be read: {e}"))
        }
    };
    let sockets = match ctx.daemon.unix_sockets() {
        Ok(s) => s,
        Err(e) => {
            return Outcome::error(format!(
                "the daemon's Unix sockets cannot be determined: {e}"
            ))
        }
    };
    let mut targets: Vec<Target> = sockets
        .iter()
        .map(|s| socket_target(s, ctx.facts.files.get(s.as_str()), group))
        .collect();
    let members: Vec<&str> = group
        .map(|g| {
            g.members
                .iter()
                .map(String::as_str)
                .filter(|m| *m != "root")
                .collect()
        })
        .unwrap_or_default();
    targets.push(match group {
        None => group_target(Status::Pass, "there is no docker group on this host"),
        Some(g) if members.is_empty() => group_target(
            Status::Pass,
            format!("docker group (gid {}) has no members besides root", g.gid),
        ),
        Some(g) => group_target(
            Status::Manual,
            format!(
                "docker group (gid {}) members: {}; each of them controls the daemon",
                g.gid,
                members.join(", ")
            ),
        ),
    });
    let mut out = Outcome::aggregate(targets, "access path", "nothing to assess");
    out.reason = match out.status {
        Status::Fail => format!(
            "every local account can control the daemon through {}",
            out.failing()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Status::Manual if !members.is_empty() => format!(
            "{} account{} can control the daemon through the docker group ({}); confirm each is trusted \
             (`getent group docker`) and remove the others with `gpasswd -d <user> docker`",
            members.len(),
            if members.len() == 1 { "" } else { "s" },
            members.join(", ")
        ),
        Status::Manual => {
            "the daemon's socket admits accounts whose trust cannot be judged from the facts; review the \
             evidence"
                .to_string()
        }
        Status::Pass => "only root can control the daemon through its Unix socket".to_string(),
        _ => out.reason,
    };
    out
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use tests::{members, no_group, socket_mode};
    vec![
        Fixture::pass("docker group without members", compliant_host()),
        Fixture::pass("no docker group, socket root:root", host_with(no_group)),
        Fixture::manual(
            "docker group with members",
            host_with(|f| members(f, &["alice", "ci-runner"])),
        ),
        Fixture::fail(
            "socket writable by every account",
            host_with(|f| socket_mode(f, 0o666)),
        ),
        Fixture::error(
            "/etc/group unreadable",
            host_with(|f| f.docker_group = Fact::Error("permission denied".into())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    pub(super) fn members(f: &mut dockguard_facts::Facts, names: &[&str]) {
        f.docker_group = Fact::Ok(Some(GroupMembers {
            gid: 998,
            members: names.iter().map(|s| s.to_string()).collect(),
        }));
    }

    pub(super) fn socket_mode(f: &mut dockguard_facts::Facts, mode: u32) {
        if let Some(FileFact::Present(st)) = f.files.get_mut(SOCKET) {
            st.mode = mode;
        }
    }

    #[test]
    fn empty_group_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert_eq!(out.targets.len(), 2);
        assert!(out.targets[0].detail.contains("root and the docker group"));
        assert!(out.targets[1].detail.contains("no members"));
    }

    /// No docker group: the socket falls back to root:root.
    pub(super) fn no_group(f: &mut dockguard_facts::Facts) {
        f.docker_group = Fact::Ok(None);
        if let Some(file) = f.files.get_mut(SOCKET) {
            chown(file, 0, "root", 0, "root");
        }
    }

    #[test]
    fn no_group_and_root_member_pass() {
        let mut f = compliant_host();
        no_group(&mut f);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out.targets[0].detail.contains("root only"));
        let mut f = compliant_host();
        members(&mut f, &["root"]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn socket_group_without_a_group_entry_is_manual() {
        let mut f = compliant_host();
        f.docker_group = Fact::Ok(None);
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn members_are_listed_for_review() {
        let mut f = compliant_host();
        members(&mut f, &["alice", "deploy", "root"]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(
            out.reason.starts_with(
                "2 accounts can control the daemon through the docker group (alice, deploy)"
            ),
            "{}",
            out.reason
        );
    }

    #[test]
    fn world_writable_socket_fails() {
        let mut f = compliant_host();
        socket_mode(&mut f, 0o666);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.reason,
            "every local account can control the daemon through /var/run/docker.sock"
        );
        assert!(out.failing().next().unwrap().detail.contains("mode 0666"));
        // A failure stands even when members also need review.
        members(&mut f, &["alice"]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn socket_of_another_group_or_user_is_manual() {
        let mut f = compliant_host();
        if let Some(file) = f.files.get_mut(SOCKET) {
            chown(file, 0, "root", 1001, "devs");
        }
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.contains("getent group devs"));
        // Not group-writable: the other group cannot connect.
        socket_mode(&mut f, 0o600);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
        let mut f = compliant_host();
        if let Some(file) = f.files.get_mut(SOCKET) {
            chown(file, 1000, "alice", 998, "docker");
        }
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn unknown_facts_are_errors() {
        let mut f = compliant_host();
        f.docker_group = Fact::Error("cannot read /etc/group".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.files.remove(SOCKET);
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let mut f = compliant_host();
        f.daemon.config_file.content = Fact::Ok(Some("{ broken".into()));
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }

    #[test]
    fn missing_socket_is_skipped() {
        let mut f = compliant_host();
        f.files.insert(SOCKET.into(), FileFact::Missing);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].status, Status::NotApplicable);
    }
}
