//! CIS 4.10 Ensure secrets are not stored in Dockerfiles.

use super::common::{base, commands, per_image_history, secret_name, Entry};
use super::secrets;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.10"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure secrets are not stored in Dockerfiles",
    section: Section::Images,
    severity: Severity::High,
    level: 1,
    scope: Scope::Image,
    rationale: "Anything written in a Dockerfile ends up in the image: ENV values in its configuration, ARG \
        defaults and build-argument values in its history, RUN command lines verbatim. Anyone who can pull \
        the image, or run `docker history` on a host that has it, can read them.",
    audit: "For each image used by an assessed container, looks at the values of its ENV variables and \
        labels and at its build history (image inspect Config.Env and Config.Labels, the image history). \
        Fails, naming the image, the variable, label or history entry (0 = newest) with the value masked \
        (only its length is shown), when: a value has the shape of a well-known credential (a private-key \
        block, AWS access key id, GitHub, GitLab, Slack, Stripe, Google, npm, PyPI or Docker Hub token, \
        SendGrid key, JSON web token) or is a URL with a password (`postgres://app:pw@db`); a secret-looking \
        name has a literal value (`DB_PASSWORD=hunter2`), or a name ending in KEY has a random-looking \
        (high-entropy) value; an ENV step or an ARG default assigns one; a RUN step records a literal value for one (build arguments used by a RUN are recorded \
        as `|N NAME=value`; also `export NAME=...`, `--build-arg NAME=...`); a RUN passes a literal to a \
        password or token option (`--password`, `--token`, `docker login -p`, `mysql -p...`, `curl -u \
        user:pass`), embeds `user:password@` in a URL, or sets an account password (`chpasswd`, \
        `useradd -p`). Secret-looking names contain PASSWORD, PASSWD or PASSPHRASE, or have a SECRET, \
        TOKEN, CREDENTIALS, CREDS or PWD part, or API_KEY, PRIVATE_KEY, ACCESS_KEY, SECRET_KEY, AUTH_KEY, \
        ENCRYPTION_KEY, SIGNING_KEY, MASTER_KEY, SSH_KEY, AUTH_CONFIG or CONNECTION_STRING. Names that point \
        at a secret rather than hold it (`*_FILE`, `*_PATH`, `*_DIR`, `*_NAME`, e.g. \
        POSTGRES_PASSWORD_FILE), that describe it (`*_LENGTH`, `*_TTL`) or are switches \
        (MYSQL_ALLOW_EMPTY_PASSWORD, MYSQL_RANDOM_ROOT_PASSWORD) do not count, nor does a bare KEY such as \
        GPG_KEY (a public key fingerprint in official images); values taken from a variable or command \
        (`$TOKEN`, `$(cat /run/secrets/x)`) do not count either. Passes otherwise. Secrets inside copied \
        files and earlier build stages are not visible here: use a secret scanner on the image for those.",
    impact: "Every exposed secret has to be rotated, and builds and CI jobs must supply secrets through BuildKit \
        secret mounts, Docker secrets or mounted files instead of build arguments and ENV. Applications that \
        read credentials only from environment variables may need an entrypoint wrapper or `*_FILE` support.",
    references: &[
        "https://docs.docker.com/engine/swarm/secrets/",
        "https://docs.docker.com/build/building/best-practices/",
    ],
    remediation: "Remove the secret from the Dockerfile and rotate it: it must be considered leaked. Pass \
        build-time secrets with BuildKit secret mounts (`RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci`, \
        `docker build --secret id=npm,env=NPM_TOKEN .`) and run-time secrets with Docker/Swarm secrets or a \
        `*_FILE` variable pointing at a mounted file, never ENV or ARG.",
    check,
};

/// A value written literally (not taken from a variable or command).
fn literal(v: &str) -> bool {
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    !v.is_empty() && !v.starts_with('$')
}

fn identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A command-line option whose value is a secret. BuildKit's `--secret id=...` names a secret, it does not
/// hold one.
fn secret_option(flag: &str) -> bool {
    flag != "secret" && secret_name(flag)
}

/// `NAME=value` with a secret-looking NAME and a literal value.
fn secret_assignment(word: &str) -> Option<&str> {
    let (name, value) = word.split_once('=')?;
    (identifier(name) && secret_name(name) && literal(value)).then_some(name)
}

/// What one simple command of a RUN step reveals.
fn run_findings(words: &[String], out: &mut Vec<String>) {
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let has = |names: &[&str]| words.iter().any(|w| names.contains(&base(w)));
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        if let Some(flag) = w.strip_prefix("--") {
            match flag.split_once('=') {
                Some((flag, value)) if secret_option(flag) && literal(value) => {
                    push(format!("passes a literal value to --{flag}"))
                }
                Some((_, value)) => {
                    if let Some(name) = secret_assignment(value) {
                        push(format!("sets {name}"));
                    }
                }
                None if secret_option(flag)
                    && next.is_some_and(|n| !n.starts_with('-') && literal(n)) =>
                {
                    push(format!("passes a literal value to --{flag}"))
                }
                None => {}
            }
            continue;
        }
        if let Some(name) = secret_assignment(w) {
            push(format!("sets {name}"));
        }
    }
    let flag_value = |flags: &[&str]| {
        words.iter().enumerate().any(|(i, w)| {
            flags.contains(&w.as_str())
                && words
                    .get(i + 1)
                    .is_some_and(|n| !n.starts_with('-') && literal(n))
        })
    };
    if words.iter().any(|w| w == "login") && flag_value(&["-p"]) {
        push("passes a literal password to login -p".to_string());
    }
    if has(&[
        "mysql",
        "mysqladmin",
        "mysqldump",
        "mariadb",
        "mariadb-admin",
        "mariadb-dump",
    ]) && words
        .iter()
        .any(|w| w.len() > 2 && w.starts_with("-p") && literal(&w[2..]))
    {
        push("passes a literal password to mysql -p".to_string());
    }
    if has(&["curl"])
        && words.iter().enumerate().any(|(i, w)| {
            matches!(w.as_str(), "-u" | "--user")
                && words
                    .get(i + 1)
                    .and_then(|n| n.split_once(':'))
                    .is_some_and(|(_, p)| literal(p))
        })
    {
        push("passes literal credentials to curl -u".to_string());
    }
    if has(&["useradd", "usermod"]) && flag_value(&["-p", "--password"]) {
        push("sets an account password with useradd/usermod -p".to_string());
    }
}

/// What one history entry reveals, as `history entry N (ENV): sets DB_PASSWORD`.
fn entry_findings(e: &Entry) -> Vec<String> {
    let mut found = Vec::new();
    match e.instruction.as_str() {
        "ENV" => {
            let words: Vec<&str> = e.args.split_whitespace().collect();
            // `ENV A=b C=d`, or the legacy `ENV A b c` (one variable, the rest is its value).
            let pairs: Vec<(&str, String)> = match words.first() {
                Some(w) if w.contains('=') => words
                    .iter()
                    .filter_map(|w| w.split_once('='))
                    .filter(|(n, _)| identifier(n))
                    .map(|(n, v)| (n, v.trim_matches(|c| c == '"' || c == '\'').to_string()))
                    .collect(),
                Some(w) => vec![(*w, words[1..].join(" "))],
                None => vec![],
            };
            for (n, v) in pairs {
                if let Some(why) = secrets::secret_assignment(n, &v) {
                    found.push(format!("sets {why}"));
                }
            }
        }
        "ARG" => {
            for w in e.args.split_whitespace() {
                if let Some(name) = secret_assignment(w) {
                    found.push(format!("default value for {name}"));
                }
            }
        }
        "RUN" => {
            for shape in secrets::credential_shapes(e.args) {
                found.push(format!("contains a {shape}"));
            }
            let cmds = commands(e.args);
            for words in &cmds {
                run_findings(words, &mut found);
            }
            if cmds.iter().any(|c| c.iter().any(|w| base(w) == "chpasswd"))
                && cmds
                    .iter()
                    .any(|c| c.iter().any(|w| matches!(w.as_str(), "echo" | "printf")))
            {
                found.push("sets an account password with chpasswd".to_string());
            }
        }
        _ => {}
    }
    found
        .into_iter()
        .map(|f| format!("{}: {f}", e.label()))
        .collect()
}

fn check(ctx: &Ctx) -> Outcome {
    per_image_history(ctx, |_, img, entries| {
        let mut found: Vec<String> = Vec::new();
        for (name, value) in img.env_vars()? {
            if let Some(why) = secrets::secret_assignment(name, value) {
                found.push(format!("ENV {why} in the image configuration"));
            }
        }
        for (key, value) in img.labels()? {
            if let Some(why) = secrets::secret_assignment(key, value) {
                found.push(format!("label {why}"));
            }
        }
        found.extend(entries.iter().flat_map(entry_findings));
        if found.is_empty() {
            return Ok((
                Status::Pass,
                "no credential in the ENV values, labels or build history".to_string(),
            ));
        }
        const SHOWN: usize = 8;
        let more = found.len().saturating_sub(SHOWN);
        found.truncate(SHOWN);
        let mut detail = found.join("; ");
        if more > 0 {
            detail.push_str(&format!("; and {more} more"));
        }
        Ok((Status::Fail, detail))
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    let env = |kv: &'static str| {
        host_with(move |f| {
            docker_mut(f).images[0]
                .env
                .as_mut()
                .unwrap()
                .push(kv.into())
        })
    };
    vec![
        Fixture::pass("no secrets", compliant_host()),
        Fixture::pass(
            "POSTGRES_PASSWORD_FILE points at a secret file",
            env("POSTGRES_PASSWORD_FILE=/run/secrets/db"),
        ),
        Fixture::pass("an empty password variable", env("DB_PASSWORD=")),
        Fixture::fail("ENV DB_PASSWORD with a value", env("DB_PASSWORD=hunter2")),
        Fixture::fail(
            "a token in an innocently named variable",
            env("NOTIFY_URL=https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnop1234"),
        ),
        Fixture::fail(
            "a database URL with a password in a label",
            host_with(|f| {
                docker_mut(f).images[0]
                    .labels
                    .as_mut()
                    .unwrap()
                    .insert("org.example.db".into(), "mysql://root:s3cret@db:3306".into());
            }),
        ),
        Fixture::fail(
            "build argument value recorded in history",
            host_with(|f| {
                docker_mut(f).images[0].history.as_mut().unwrap().insert(
                    0,
                    "RUN |1 NPM_TOKEN=abc123 /bin/sh -c npm ci # buildkit".into(),
                )
            }),
        ),
        Fixture::error(
            "history not collected",
            host_with(|f| docker_mut(f).images[0].history = None),
        ),
        Fixture::error(
            "ENV not collected",
            host_with(|f| docker_mut(f).images[0].env = None),
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

    fn history(lines: &[&str]) -> dockguard_facts::Facts {
        host_with(|f| {
            docker_mut(f).images[0].history = Some(lines.iter().map(|l| l.to_string()).collect());
        })
    }

    fn detail(f: &dockguard_facts::Facts) -> String {
        let out = run(&RULE, f);
        assert_eq!(out.status, Status::Fail, "{out:?}");
        out.targets[0].detail.clone()
    }

    #[test]
    fn clean_image_passes() {
        assert_eq!(run(&RULE, &compliant_host()).status, Status::Pass);
    }

    #[test]
    fn secret_env_values_fail_masked() {
        let f = host_with(|f| {
            let img = &mut docker_mut(f).images[0];
            img.env.as_mut().unwrap().push("DB_PASSWORD=hunter2".into());
            img.history
                .as_mut()
                .unwrap()
                .insert(0, "/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2".into());
        });
        let d = detail(&f);
        assert_eq!(
            d,
            "ENV DB_PASSWORD=******** (7 characters) (a literal value) in the image configuration; history \
             entry 0 (ENV): sets DB_PASSWORD=******** (7 characters) (a literal value); used by web"
        );
        assert!(!d.contains("hunter2"));
    }

    #[test]
    fn private_keys_and_tokens_anywhere_fail() {
        let f = history(&[
            "RUN /bin/sh -c echo '-----BEGIN RSA PRIVATE KEY-----' > /root/.ssh/id_rsa # buildkit",
            "RUN /bin/sh -c git clone https://ci:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r # buildkit",
        ]);
        let d = detail(&f);
        assert!(
            d.contains("history entry 0 (RUN): contains a private key block"),
            "{d}"
        );
        assert!(
            d.contains("history entry 1 (RUN): contains a GitHub token ghp_"),
            "{d}"
        );
        assert!(!d.contains("abcdefghijklmnop"), "{d}");
    }

    #[test]
    fn file_pointers_and_switches_pass() {
        let f = host_with(|f| {
            let img = &mut docker_mut(f).images[0];
            img.env.as_mut().unwrap().extend([
                "POSTGRES_PASSWORD_FILE=/run/secrets/pg".to_string(),
                "MYSQL_RANDOM_ROOT_PASSWORD=yes".to_string(),
                "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D".to_string(),
            ]);
            img.history.as_mut().unwrap().insert(
                0,
                "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D".into(),
            );
            img.history.as_mut().unwrap().insert(
                0,
                "RUN /bin/sh -c --mount=type=secret,id=npm,env=NPM_TOKEN npm ci # buildkit".into(),
            );
            img.history.as_mut().unwrap().insert(
                0,
                "RUN /bin/sh -c echo \"$REG_PASS\" | docker login -u ci --password-stdin reg.example # buildkit"
                    .into(),
            );
        });
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn build_args_recorded_by_run_fail() {
        let f = history(&[
            "RUN |2 NPM_TOKEN=abc123 VERSION=1 /bin/sh -c npm ci # buildkit",
            "ARG NPM_TOKEN",
        ]);
        let d = detail(&f);
        assert_eq!(d, "history entry 0 (RUN): sets NPM_TOKEN; used by web");
        assert!(!d.contains("abc123"));
        // An unset build argument records an empty value: nothing leaked.
        let f = history(&["RUN |1 NPM_TOKEN= /bin/sh -c npm ci # buildkit"]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn arg_defaults_and_options_fail() {
        let f = history(&[
            "ARG API_KEY=xyz # buildkit",
            "RUN /bin/sh -c docker login -u me -p pw reg.example && mysql -uroot -ptopsecret -e 'select 1' # buildkit",
            "RUN /bin/sh -c wget --http-password=pw https://x.example/f && curl -u me:pw https://user:pw@x.example/g # buildkit",
            "RUN /bin/sh -c echo 'root:toor' | chpasswd # buildkit",
            "RUN /bin/sh -c vault login --token s.abc && export GITHUB_TOKEN=ghp_x # buildkit",
        ]);
        let d = detail(&f);
        for part in [
            "history entry 0 (ARG): default value for API_KEY",
            "history entry 1 (RUN): passes a literal password to login -p",
            "history entry 1 (RUN): passes a literal password to mysql -p",
            "history entry 2 (RUN): passes a literal value to --http-password",
            "history entry 2 (RUN): passes literal credentials to curl -u",
            "history entry 2 (RUN): contains a URL with a password https://user:********@x.example",
            "history entry 3 (RUN): sets an account password with chpasswd",
            "; and 1 more",
        ] {
            assert!(d.contains(part), "{part} missing from {d}");
        }
        for secret in ["xyz", "topsecret", "toor", "ghp_x", "s.abc"] {
            assert!(!d.contains(secret), "{secret} leaked");
        }
    }

    #[test]
    fn values_from_variables_do_not_count() {
        let f = history(&[
            "RUN /bin/sh -c PASSWORD=$(openssl rand -hex 16) && curl -u \"$USER:$PASS\" https://x.example # buildkit",
            "RUN /bin/sh -c mkdir -p /app && cp -p a b && ssh -p 22 host true # buildkit",
        ]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn missing_history_is_an_error() {
        assert_eq!(run(&RULE, &history(&[])).status, Status::Error);
    }
}
