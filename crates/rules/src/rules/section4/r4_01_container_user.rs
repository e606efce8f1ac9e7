//! 4.01 Ensure a user for the container has been created.

use crate::check::{is_root_user, per_container};
use crate::prelude::*;
use dockguard_facts::{ContainerFacts, Fact};

pub static RULE: Rule = Rule {
    azure: Some("4.01"),
    cis: &["4.1"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Manual,
    title: "Ensure a user for the container has been created",
    section: Section::Images,
    severity: Severity::High,
    level: 1,
    scope: Scope::Container,
    rationale: "A process running as root inside a container is root on the host's kernel in every respect \
        the isolation misses: one kernel or runtime escape, or one dangerous mount or capability, and it acts \
        as root on the host. Running as a dedicated unprivileged user takes most of that away.",
    audit: "For every container, running or stopped, reads the user it runs as: Config.User of the container, \
        which Docker fills from the image's USER unless `--user` overrides it. Fails when that user is root: \
        empty (no USER anywhere), `root`, `0`, or any `0:<group>` / `root:<group>`. A named user (`app`, \
        `toor`) is resolved to its uid in the container's own /etc/passwd, read from its overlay2 layers on \
        the host (the upper layer first, then the image layers; never `docker exec`): uid 0 under any name \
        fails. For a running container the effective uid of its main process (/proc/<pid>/status, mapped \
        through /proc/<pid>/uid_map) is checked too, and uid 0 fails whatever Config.User says. Passes on a \
        numeric non-zero uid, or a name that resolves to one (confirmed by the process when it runs). A name \
        that cannot be resolved (no /etc/passwd, another storage driver, unreadable layers) on a stopped \
        container is `manual` with the reason. The evidence says whether the image itself sets a USER.",
    impact: "The image must create the account and give it ownership of every path the process writes, and \
        bind-mounted files and volumes must be readable or writable by that UID. The process can no longer \
        change file ownership, install packages or write root-owned paths at run time, so software that expects \
        root fails until it is adjusted.",
    references: &[
        "https://docs.docker.com/build/building/best-practices/",
        "https://docs.docker.com/reference/cli/docker/container/run/",
    ],
    remediation: "In the Dockerfile create an unprivileged account and switch to it, e.g. \
        `RUN useradd --system --uid 10001 app` then `USER 10001:10001`, and rebuild. For an image you cannot \
        rebuild, run it with `docker run --user 10001:10001 ...` (Compose: `user: \"10001:10001\"`) after \
        checking it works without root.",
    check,
};

/// What the container's image says about its user, for evidence.
fn image_note(ctx: &Ctx, c: &ContainerFacts) -> String {
    let image = c.image.as_deref().unwrap_or("");
    let Some(img) = c.image_id.as_deref().and_then(|id| ctx.image(id)) else {
        return format!("image {} was not inspected", image_name(c));
    };
    let name = if image.is_empty() {
        img.tags
            .as_ref()
            .and_then(|t| t.first())
            .cloned()
            .unwrap_or_else(|| short_id(&img.id))
    } else {
        image.to_string()
    };
    match img.user.as_deref().map(str::trim) {
        None => format!("image {name}'s USER was not collected"),
        Some("") => format!("image {name} sets no USER"),
        Some(user) if is_root_user(user) => format!("image {name} sets USER {user}"),
        Some(user) => format!("image {name} sets USER {user} but the container overrides it"),
    }
}

fn image_name(c: &ContainerFacts) -> String {
    match c.image.as_deref() {
        Some(i) if !i.is_empty() => i.to_string(),
        _ => short_id(c.image_id.as_deref().unwrap_or("")),
    }
}

fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

/// What the running container's main process says: `Ok(Some(uid))` inside the container's user
/// namespace, `Ok(None)` when the container does not run, `Err` when it could not be read.
fn process_uid(c: &ContainerFacts) -> Result<Option<u32>, String> {
    if !*c.running()? {
        return Ok(None);
    }
    match &c.process_user {
        None => Err("the main process's user was not collected".into()),
        Some(Fact::Error(e)) => Err(e.clone()),
        Some(Fact::Ok(p)) => p.euid.map(Some).ok_or_else(|| {
            format!(
                "the main process (pid {}) runs as host uid {}, which has no uid inside the container",
                p.pid, p.host_euid
            )
        }),
    }
}

fn check(ctx: &Ctx) -> Outcome {
    per_container(ctx, |c| {
        let spec = c.user()?.trim().to_string();
        let name = spec.split(':').next().unwrap_or("").trim().to_string();
        let shown = format!("User=\"{spec}\"");
        if is_root_user(&spec) {
            return Ok((
                Status::Fail,
                format!("{shown} (runs as root; {})", image_note(ctx, c)),
            ));
        }
        let process = process_uid(c);
        // The process is the strongest evidence: uid 0 fails whatever the configuration says.
        if let Ok(Some(0)) = process {
            return Ok((
                Status::Fail,
                format!("{shown}, but the main process runs as uid 0 inside the container"),
            ));
        }
        let confirmed = match &process {
            Ok(Some(uid)) => format!("; the main process runs as uid {uid}"),
            Ok(None) => String::new(),
            Err(e) => format!("; the main process was not checked ({e})"),
        };
        if name.parse::<u32>().is_ok() {
            return Ok((Status::Pass, format!("{shown}{confirmed}")));
        }
        // A name: only the container's own /etc/passwd says which uid it is.
        let resolved = match &c.accounts {
            None => Err("the container's /etc/passwd was not read".to_string()),
            Some(Fact::Error(e)) => Err(format!("its /etc/passwd could not be read: {e}")),
            Some(Fact::Ok(accounts)) => match accounts.iter().find(|a| a.name == name) {
                Some(a) => Ok(a.uid),
                None => Err(format!("{name} is not in the container's /etc/passwd")),
            },
        };
        match (resolved, process) {
            (Ok(0), _) => Ok((
                Status::Fail,
                format!("{shown}: {name} is uid 0 (root) in the container's /etc/passwd"),
            )),
            (Ok(uid), _) => Ok((
                Status::Pass,
                format!("{shown}: {name} is uid {uid} in the container's /etc/passwd{confirmed}"),
            )),
            (Err(why), Ok(Some(uid))) => Ok((
                Status::Pass,
                format!("{shown}: the main process runs as uid {uid} ({why})"),
            )),
            (Err(why), _) => Ok((
                Status::Manual,
                format!("{shown}: named user whose uid could not be established: {why}"),
            )),
        }
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    use dockguard_facts::Account;
    let accounts = |list: &[(&str, u32)]| {
        Some(Fact::Ok(
            list.iter()
                .map(|(n, uid)| Account {
                    name: n.to_string(),
                    uid: *uid,
                    gid: *uid,
                })
                .collect(),
        ))
    };
    let stopped = |c: &mut ContainerFacts| {
        c.running = Some(false);
        c.pid = Some(0);
        c.process_user = None;
    };
    vec![
        Fixture::pass("numeric non-root user", compliant_host()),
        Fixture::pass(
            "named user resolved in the image's /etc/passwd",
            host_with(|f| {
                let c = first_container(f);
                c.user = Some("app".into());
                c.accounts = accounts(&[("root", 0), ("app", 1000)]);
            }),
        ),
        Fixture::fail(
            "named user that is uid 0 (USER toor)",
            host_with(|f| {
                let c = first_container(f);
                c.user = Some("toor".into());
                c.accounts = accounts(&[("root", 0), ("toor", 0)]);
                if let Some(Fact::Ok(p)) = &mut c.process_user {
                    p.euid = Some(0);
                    p.host_euid = 0;
                }
            }),
        ),
        Fixture::fail(
            "named user that is uid 0, stopped",
            host_with(|f| {
                let c = first_container(f);
                c.user = Some("toor".into());
                c.accounts = accounts(&[("root", 0), ("toor", 0)]);
                stopped(c);
            }),
        ),
        Fixture::manual(
            "named user on a stopped container whose /etc/passwd cannot be read",
            host_with(|f| {
                let c = first_container(f);
                c.user = Some("app".into());
                c.accounts = Some(Fact::Error(
                    "no layer of the container has /etc/passwd".into(),
                ));
                stopped(c);
            }),
        ),
        Fixture::fail(
            "numeric user whose main process runs as root",
            host_with(|f| {
                if let Some(Fact::Ok(p)) = &mut first_container(f).process_user {
                    p.euid = Some(0);
                }
            }),
        ),
        Fixture::fail(
            "no USER in the image or the container",
            host_with(|f| {
                first_container(f).user = Some(String::new());
                docker_mut(f).images[0].user = Some(String::new());
            }),
        ),
        Fixture::fail(
            "root spelled 0:0",
            host_with(|f| first_container(f).user = Some("0:0".into())),
        ),
        Fixture::fail(
            "run-time override to root",
            host_with(|f| first_container(f).user = Some("0".into())),
        ),
        Fixture::fail(
            "root container with its image not inspected",
            host_with(|f| {
                first_container(f).user = Some(String::new());
                docker_mut(f).images.clear();
            }),
        ),
        Fixture::fail(
            "one root container among several",
            host_with(|f| {
                let mut db = container("db");
                db.user = Some("root".into());
                docker_mut(f).containers.push(db);
            }),
        ),
        Fixture::error(
            "Config.User not returned",
            host_with(|f| first_container(f).user = None),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
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
    use dockguard_facts::Account;

    #[test]
    fn numeric_non_root_user_passes_confirmed_by_the_process() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "User=\"1000:1000\"; the main process runs as uid 1000"
        );
    }

    #[test]
    fn a_name_is_resolved_not_trusted() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.user = Some("toor".into());
        c.accounts = Some(Fact::Ok(vec![Account {
            name: "toor".into(),
            uid: 0,
            gid: 0,
        }]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert!(out.targets[0].detail.contains("toor is uid 0"), "{out:?}");
    }

    #[test]
    fn an_unresolvable_name_is_manual_when_stopped_and_judged_by_the_process_when_running() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.user = Some("app".into());
        c.accounts = Some(Fact::Ok(vec![]));
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Pass, "running as uid 1000: {out:?}");
        assert!(out.targets[0]
            .detail
            .contains("app is not in the container's /etc/passwd"));
        let c = first_container(&mut f);
        c.running = Some(false);
        c.process_user = None;
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }

    #[test]
    fn no_user_anywhere_fails() {
        let mut f = compliant_host();
        first_container(&mut f).user = Some(String::new());
        docker_mut(&mut f).images[0].user = Some(String::new());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "User=\"\" (runs as root; image app:1.0 sets no USER)"
        );
    }

    #[test]
    fn root_spellings_fail() {
        // docker-bench string-matches Config.User, so "0:0" or "root:root" slip through.
        for u in ["root", "0", "0:0", "root:root", "0:1000"] {
            let mut f = compliant_host();
            first_container(&mut f).user = Some(u.into());
            assert_eq!(run(&RULE, &f).status, Status::Fail, "{u}");
        }
    }

    #[test]
    fn run_time_override_to_root_is_reported() {
        let mut f = compliant_host();
        first_container(&mut f).user = Some("0".into());
        let out = run(&RULE, &f);
        assert_eq!(
            out.targets[0].detail,
            "User=\"0\" (runs as root; image app:1.0 sets USER 1000 but the container overrides it)"
        );
    }

    #[test]
    fn a_process_without_a_uid_in_the_namespace_is_not_evidence() {
        let mut f = compliant_host();
        let c = first_container(&mut f);
        c.user = Some("app".into());
        c.accounts = None;
        if let Some(Fact::Ok(p)) = &mut c.process_user {
            p.euid = None;
        }
        assert_eq!(run(&RULE, &f).status, Status::Manual);
    }
}
