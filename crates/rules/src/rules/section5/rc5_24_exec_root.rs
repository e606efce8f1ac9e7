//! CIS 5.24 Ensure that docker exec commands are not used with the user=root option.

use super::common::{exec_sessions_unproven, exec_shown};
use crate::check::{is_root_user, per_container};
use crate::prelude::*;
use dockguard_facts::{ContainerFacts, ExecFacts};

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.24"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that docker exec commands are not used with the user=root option",
    section: Section::Runtime,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Container,
    rationale: "A container built to run as an unprivileged user loses that protection the moment someone \
        enters it with `docker exec --user root`: the session can read every file of the workload, change \
        its binaries and use whatever capabilities the container keeps. Routine access should use the \
        container's own user.",
    audit: "Reads the exec sessions the daemon still remembers for every container (ExecIDs, each \
        inspected) and works out the user each ran as: the exec's `--user`, or, when it gave none, the \
        container's own user (Config.User; empty means root). Fails when a session ran as root (`root`, \
        uid 0, `0:<gid>`), naming the exec id prefix and the program (arguments are counted, not shown). \
        Passes otherwise. The daemon only remembers recent exec sessions of containers that still exist, \
        so a pass says nothing about older sessions: the benchmark's own audit searches the host's audit \
        log instead (`ausearch -k docker | grep exec | grep user`).",
    impact: "Administrators in a container get only the container user's rights, so installing debugging tools \
        or editing root-owned files needs a rebuilt image or a separate debugging container. Images that still \
        run as root must first gain a `USER`, which may require fixing file ownership and moving off ports below \
        1024.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Enter containers as their own user (`docker exec -it <container> sh`, no `--user`), and \
        build images that run as a non-root user (`USER 1000` in the Dockerfile) so that the default is not \
        root either. Do administrative work by rebuilding the image, not by a root shell in a running \
        container.",
    check,
};

/// The user an exec session ran as, and how that was decided.
fn exec_user(
    e: &ExecFacts,
    c: &ContainerFacts,
) -> Result<(bool, String), dockguard_facts::Missing> {
    let user = e.user()?.trim();
    if !user.is_empty() {
        return Ok((is_root_user(user), format!("as {user} (--user)")));
    }
    let own = c.user()?.trim();
    Ok(if own.is_empty() {
        (
            true,
            "as root (no --user; the container's user is unset, i.e. root)".into(),
        )
    } else {
        (
            is_root_user(own),
            format!("as {own} (no --user; the container's user)"),
        )
    })
}

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let execs = c.execs()?;
        let mut root = Vec::new();
        for e in execs {
            let (is_root, how) = exec_user(e, c)?;
            if is_root {
                root.push(exec_shown(e, &how));
            }
        }
        if !root.is_empty() {
            return Ok((Status::Fail, root.join("; ")));
        }
        // The daemon forgets finished exec sessions, so "none seen" is not evidence that none ran.
        Ok(exec_sessions_unproven(execs.len(), "as root"))
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let exec = |user: &str| ExecFacts {
        id: "0f1e2d3c4b5a69788796".into(),
        privileged: Some(false),
        user: Some(user.into()),
        command: Some("sh".into()),
        running: Some(false),
    };
    vec![
        Fixture::manual("no exec sessions", compliant_host()),
        Fixture::manual(
            "exec as the container's non-root user",
            host_with(|f| first_container(f).execs = Some(vec![exec("")])),
        ),
        Fixture::fail(
            "exec --user root",
            host_with(|f| first_container(f).execs = Some(vec![exec("root")])),
        ),
        Fixture::fail(
            "exec without --user into a root container",
            host_with(|f| {
                let c = first_container(f);
                c.user = Some(String::new());
                c.execs = Some(vec![exec("")]);
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn exec(user: &str) -> ExecFacts {
        ExecFacts {
            id: "aabbccddeeff00112233".into(),
            privileged: Some(false),
            user: Some(user.into()),
            command: Some("sh".into()),
            running: Some(false),
        }
    }

    fn with(container_user: &str, exec_user: &str) -> Outcome {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.user = Some(container_user.into());
        c.execs = Some(vec![exec(exec_user)]);
        run(&RULE, &f)
    }

    #[test]
    fn no_execs_pass() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert_eq!(out.targets[0].detail, "no exec sessions on record; the daemon forgets finished sessions, so check the host's audit log (ausearch -k docker) for earlier ones");
    }

    #[test]
    fn explicit_root_fails() {
        for u in ["root", "0", "0:0", "root:root"] {
            let out = with("1000:1000", u);
            assert_eq!(out.status, Status::Fail, "{u}");
        }
        assert_eq!(
            with("1000:1000", "root").targets[0].detail,
            "exec aabbccddeeff ran `sh` as root (--user)"
        );
    }

    #[test]
    fn empty_exec_user_takes_the_container_user() {
        let out = with("1000:1000", "");
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "1 exec session on record, not as root; the daemon forgets finished sessions, so check the host's audit log (ausearch -k docker) for earlier ones"
        );
        let out = with("", "");
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "exec aabbccddeeff ran `sh` as root (no --user; the container's user is unset, i.e. root)"
        );
        assert_eq!(with("root", "").status, Status::Fail);
    }

    #[test]
    fn non_root_exec_passes_in_a_root_container() {
        // Not seen is not evidence: the daemon forgets finished sessions.
        assert_eq!(with("", "1000").status, Status::Manual);
    }
}
