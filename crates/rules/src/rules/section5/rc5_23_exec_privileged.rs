//! CIS 5.23 Ensure that docker exec commands are not used with the privileged option.

use super::common::{exec_sessions_unproven, exec_shown};
use crate::check::per_container;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["5.23"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that docker exec commands are not used with the privileged option",
    section: Section::Runtime,
    severity: Severity::High,
    level: 2,
    scope: Scope::Container,
    rationale: "`docker exec --privileged` starts a process with every capability and without the seccomp, \
        AppArmor or SELinux confinement of the container it enters. Inside an otherwise hardened container \
        that process can load kernel modules, mount the host's disks and leave the container for good.",
    audit: "Reads the exec sessions the daemon still remembers for every container (ExecIDs, each \
        inspected): fails when one was started with `--privileged`, naming the exec id prefix and the program \
        it ran (arguments are counted, not shown, as they may hold secrets). Never passes: the daemon only \
        remembers exec sessions that are running or recently ended, so seeing none is not evidence that none \
        ran. Without one it is `manual`, with what was seen; the benchmark's own audit searches the host's \
        audit log instead (`ausearch -k docker | grep exec | grep privileged`, which needs the audit watches \
        of section 1.1).",
    impact: "Maintenance that relied on a privileged exec (mounting, kernel tuning, low-level debugging in a \
        running container) has to be done from the host or from a purpose-built container, which takes more \
        setup. The workloads themselves are unaffected.",
    references: &["https://docs.docker.com/engine/security/"],
    remediation: "Do not use `docker exec --privileged`. If a maintenance task needs more rights than the \
        container has, run it from the host or in a separate, purpose-built container, and review who may \
        talk to the Docker socket (members of the docker group can run privileged execs). Recreate a \
        container in which a privileged exec ran if its integrity matters, since that process could change \
        anything.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let execs = c.execs()?;
        let mut privileged = Vec::new();
        for e in execs {
            if *e.privileged()? {
                privileged.push(exec_shown(e, "with --privileged"));
            }
        }
        if !privileged.is_empty() {
            return Ok((Status::Fail, privileged.join("; ")));
        }
        // The daemon forgets finished exec sessions, so "none seen" is not evidence that none ran.
        Ok(exec_sessions_unproven(execs.len(), "privileged"))
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::ExecFacts;
    let exec = |privileged| ExecFacts {
        id: "4e5f6a7b8c9d0e1f".into(),
        privileged: Some(privileged),
        user: Some(String::new()),
        command: Some("sh -c id".into()),
        running: Some(false),
    };
    vec![
        Fixture::manual("no exec sessions", compliant_host()),
        Fixture::manual(
            "ordinary exec",
            host_with(|f| first_container(f).execs = Some(vec![exec(false)])),
        ),
        Fixture::fail(
            "privileged exec",
            host_with(|f| first_container(f).execs = Some(vec![exec(true)])),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use dockguard_facts::ExecFacts;

    fn exec(id: &str, privileged: bool, command: &str, running: bool) -> ExecFacts {
        ExecFacts {
            id: id.into(),
            privileged: Some(privileged),
            user: Some(String::new()),
            command: Some(command.into()),
            running: Some(running),
        }
    }

    #[test]
    fn no_execs_pass() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert_eq!(out.targets[0].detail, "no exec sessions on record; the daemon forgets finished sessions, so check the host's audit log (ausearch -k docker) for earlier ones");
    }

    #[test]
    fn unprivileged_execs_pass() {
        let mut f = compliant_host();
        first_container(&mut f).execs = Some(vec![exec("e1", false, "sh", false)]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "1 exec session on record, not privileged; the daemon forgets finished sessions, so check the host's audit log (ausearch -k docker) for earlier ones"
        );
    }

    #[test]
    fn privileged_exec_fails_without_showing_arguments() {
        let mut f = compliant_host();
        first_container(&mut f).execs = Some(vec![
            exec("0123456789abcdef0123", true, "mysql -uroot -phunter2", true),
            exec("fedcba", false, "sh", false),
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        let d = &out.failing().next().unwrap().detail;
        assert_eq!(
            d,
            "exec 0123456789ab ran `mysql` (+2 arguments, not shown) with --privileged (still running)"
        );
        assert!(!d.contains("hunter2"));
    }
}
