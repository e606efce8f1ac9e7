//! CIS 7.4 Ensure that Docker's secret management commands are used for managing secrets in a swarm cluster.

use super::common::{manager_swarm, swarm_target};
use crate::prelude::*;
use dockguard_facts::Fact;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["7.4"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that Docker's secret management commands are used for managing secrets in a swarm cluster",
    section: Section::Swarm,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Swarm,
    rationale: "Swarm secrets are stored encrypted in the Raft log, sent only to the nodes running a task \
        that needs them, and mounted in memory at /run/secrets. Credentials passed instead as environment \
        variables, image layers or bind-mounted files show up in `docker inspect`, in image history and on \
        every node's disk.",
    audit: "On managers, lists the swarm's secrets (names only, never their content). Passes when the swarm \
        holds at least one secret: the secret store is in use. With none, asks for a manual review, since a \
        swarm may simply need no credentials, and nothing in the facts shows how services receive theirs. Not \
        applicable when swarm mode is off, and on workers (only managers can list secrets).",
    impact: "Applications must read credentials from files under /run/secrets, which can need code or \
        entrypoint changes. Secrets are immutable and only reach swarm services, not containers started with \
        `docker run`; rotating one means creating a new secret and updating the service, which restarts its \
        tasks.",
    references: &["https://docs.docker.com/engine/swarm/secrets/"],
    remediation: "Create each credential as a secret (`printf '%s' \"$PW\" | docker secret create db_password -` \
        or `docker secret create db_password ./file`), attach it with `docker service update --secret-add \
        db_password <service>` (or `secrets:` in the stack file), make the application read \
        /run/secrets/db_password, then remove the old environment variable (`--env-rm`) and rotate the \
        credential that it exposed.",
    check,
};

/// How many secret names to show in evidence.
const SHOWN: usize = 10;

fn check(ctx: &Ctx) -> Outcome {
    let (docker, swarm) = match manager_swarm(ctx, "the swarm's secrets") {
        Ok(x) => x,
        Err(out) => return out,
    };
    let names = match &docker.swarm_secrets {
        None => return Outcome::error("this manager's swarm secrets were not listed"),
        Some(Fact::Error(e)) => {
            return Outcome::error(format!("the swarm's secrets could not be listed: {e}"))
        }
        Some(Fact::Ok(n)) => n,
    };
    if names.is_empty() {
        return Outcome::manual(
            "the swarm holds no secrets; confirm no service needs credentials, or that none are passed another \
             way: check `docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.Env}}' \
             <service>` for each service in `docker service ls`, and the images' history for baked-in keys",
        )
        .with_target(swarm_target(
            swarm,
            "swarm secrets",
            Status::Manual,
            "docker secret ls lists nothing",
        ));
    }
    let mut shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
    if names.len() > SHOWN {
        shown.push("...");
    }
    Outcome::pass(format!(
        "the swarm manages {} secret(s) with docker secret",
        names.len()
    ))
    .with_target(swarm_target(
        swarm,
        "swarm secrets",
        Status::Pass,
        format!("{} secret(s): {}", names.len(), shown.join(", ")),
    ))
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::test_support::*;
    use crate::testing::*;
    use tests::secrets;
    vec![
        Fixture::pass(
            "manager with secrets",
            secrets(Some(Fact::Ok(vec!["db_password".into(), "tls_key".into()]))),
        ),
        Fixture::manual("manager, no secrets", secrets(Some(Fact::Ok(vec![])))),
        Fixture::not_applicable("swarm inactive", compliant_host()),
        Fixture::not_applicable("worker", host_with(make_worker)),
        Fixture::error(
            "secrets could not be listed",
            secrets(Some(Fact::Error("GET /secrets failed".into()))),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::test_support::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::Facts;

    pub(super) fn secrets(list: Option<Fact<Vec<String>>>) -> Facts {
        host_with(|f| {
            make_manager(f);
            docker_mut(f).swarm_secrets = list;
        })
    }

    fn names(n: usize) -> Option<Fact<Vec<String>>> {
        Some(Fact::Ok((0..n).map(|i| format!("s{i}")).collect()))
    }

    #[test]
    fn secrets_in_use_pass() {
        let out = run(&RULE, &secrets(names(2)));
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "2 secret(s): s0, s1");
        let out = run(&RULE, &secrets(names(12)));
        assert!(
            out.targets[0].detail.ends_with("s9, ..."),
            "{}",
            out.targets[0].detail
        );
    }

    #[test]
    fn no_secrets_is_manual() {
        let out = run(&RULE, &secrets(names(0)));
        assert_eq!(out.status, Status::Manual);
        assert!(out.reason.contains("docker service inspect"));
    }

    #[test]
    fn not_applicable_off_swarm_and_on_workers() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::NotApplicable);
        assert_eq!(
            run(&RULE, &host_with(make_worker)).status,
            Status::NotApplicable
        );
    }

    #[test]
    fn unlisted_secrets_are_errors() {
        assert_eq!(run(&RULE, &secrets(None)).status, Status::Error);
        let out = run(
            &RULE,
            &secrets(Some(Fact::Error("GET /secrets failed".into()))),
        );
        assert_eq!(out.status, Status::Error);
        assert!(out.reason.contains("GET /secrets failed"));
    }
}
