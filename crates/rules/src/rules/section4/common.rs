//! Helpers shared by the image rules of section 4: the images the assessed containers use, reading image
//! build history, secret-looking variable names and dates.

use crate::check::Verdict;
use crate::prelude::*;
use dockguard_facts::ImageFacts;

/// The first 12 hex digits of an image id, as `docker images` shows it.
pub fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

/// One image used by at least one assessed container.
pub struct UsedImage<'a> {
    pub id: &'a str,
    /// Its first tag, else the reference a container names, else the short id.
    pub name: String,
    /// Names of the assessed containers that use it.
    pub containers: Vec<&'a str>,
    /// The inspected image, or why it was not inspected.
    pub facts: Result<&'a ImageFacts, String>,
}

impl UsedImage<'_> {
    /// An image target whose detail ends with the containers that use the image.
    pub fn target(&self, status: Status, detail: impl AsRef<str>) -> Target {
        Target::new(
            TargetKind::Image,
            self.id,
            self.name.clone(),
            status,
            format!(
                "{}; used by {}",
                detail.as_ref(),
                self.containers.join(", ")
            ),
        )
    }
}

/// The images of the assessed containers, one entry per image id in first-use order, plus a target for every
/// listed container that could not be inspected (its image is unknown: `error`, or `not_applicable` when it
/// was removed during the scan).
pub fn used_images<'a>(ctx: &Ctx<'a>) -> Result<(Vec<UsedImage<'a>>, Vec<Target>), String> {
    let docker = ctx.docker()?;
    let containers = ctx.containers()?;
    let mut used: Vec<UsedImage<'a>> = Vec::new();
    let mut unknown: Vec<Target> = Vec::new();
    for c in containers {
        let Some(image_id) = c.image_id.as_deref() else {
            unknown.push(Target::new(
                TargetKind::Container,
                c.id.clone(),
                c.name.clone(),
                Status::Error,
                "the container's image id (Image) was not returned by the Docker API, so its image is unknown",
            ));
            continue;
        };
        if let Some(u) = used.iter_mut().find(|u| u.id == image_id) {
            u.containers.push(&c.name);
            continue;
        }
        let facts = if image_id.is_empty() {
            Err("the container does not name its image id".to_string())
        } else {
            match docker.images.iter().find(|i| i.id == image_id) {
                Some(i) => Ok(i),
                None => Err(
                    match docker.image_errors.iter().find(|e| e.id == image_id) {
                        Some(e) => format!("image could not be inspected: {}", e.error),
                        None => "image was not inspected".to_string(),
                    },
                ),
            }
        };
        let reference = c.image.as_deref().unwrap_or("");
        let first_tag = facts
            .as_ref()
            .ok()
            .and_then(|i| i.tags.as_ref())
            .and_then(|t| t.first());
        let name = match first_tag {
            Some(t) => t.clone(),
            _ if !reference.is_empty() && !reference.starts_with("sha256:") => {
                reference.to_string()
            }
            _ => short_id(image_id),
        };
        used.push(UsedImage {
            id: image_id,
            name,
            containers: vec![&c.name],
            facts,
        });
    }
    unknown.extend(ctx.uninspected_containers().map(|e| {
        let status = if e.error == "removed during the scan" {
            Status::NotApplicable
        } else {
            Status::Error
        };
        Target::new(
            TargetKind::Container,
            e.id.clone(),
            e.name.clone(),
            status,
            format!(
                "container could not be inspected, so its image is unknown: {}",
                e.error
            ),
        )
    }));
    Ok((used, unknown))
}

/// The `not_applicable` reason of every image rule.
pub const NO_IMAGES: &str = "no images are in use by the assessed containers";

/// Runs `check` on every inspected image in use and aggregates; images that were not inspected, and
/// checks that return `Err` (a fact was not collected), are errors.
pub fn per_image(ctx: &Ctx, check: impl Fn(&UsedImage, &ImageFacts) -> Verdict) -> Outcome {
    let (used, mut targets) = match used_images(ctx) {
        Ok(x) => x,
        Err(e) => return Outcome::error(e),
    };
    let mut own: Vec<Target> = used
        .iter()
        .map(|u| match &u.facts {
            Ok(img) => match check(u, img) {
                Ok((status, detail)) => u.target(status, detail),
                Err(why) => u.target(Status::Error, why),
            },
            Err(why) => u.target(Status::Error, why),
        })
        .collect();
    own.append(&mut targets);
    let empty = if ctx.managed_containers() > 0 {
        ctx.no_containers_reason()
    } else {
        NO_IMAGES.to_string()
    };
    Outcome::aggregate(own, "image", empty)
}

/// Like [`per_image`] for rules that read the build history: an image whose history was not collected, or
/// is empty, is an error (Docker records at least one entry for every image). `check` gets the history
/// entries (newest first, index 0 = the first row of `docker history`).
pub fn per_image_history(
    ctx: &Ctx,
    check: impl Fn(&UsedImage, &ImageFacts, &[Entry]) -> Verdict,
) -> Outcome {
    per_image(ctx, |u, img| {
        let history = img.history()?;
        if history.is_empty() {
            return Err("the image's build history is empty".to_string());
        }
        let entries: Vec<Entry> = history
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Entry::parse(i, l))
            .collect();
        check(u, img, &entries)
    })
}

/// Dockerfile instructions that BuildKit records by name in `CreatedBy` (a RUN is recorded as `RUN ...`).
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// One build history entry, read as the Dockerfile instruction that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    /// Position in the history, newest first (the row of `docker history`).
    pub index: usize,
    /// `RUN`, `ADD`, `ENV`, ...: upper case.
    pub instruction: String,
    /// What follows the instruction; for a RUN, the command (with any `|N ARG=value` prefix).
    pub args: &'a str,
}

impl<'a> Entry<'a> {
    /// Reads one `CreatedBy` line. The classic builder writes `/bin/sh -c #(nop)  ENV A=b` for non-RUN
    /// steps and the bare command (`/bin/sh -c apt-get ...`) for RUN; BuildKit writes `ENV A=b`,
    /// `RUN /bin/sh -c ... # buildkit`. Lines from other tools (`docker import`, jib, ko) read as RUN;
    /// empty lines are skipped.
    pub fn parse(index: usize, line: &'a str) -> Option<Entry<'a>> {
        let l = line.trim();
        let l = l.strip_suffix("# buildkit").map(str::trim_end).unwrap_or(l);
        if l.is_empty() {
            return None;
        }
        let (instruction, args) = if let Some(i) = l.find("#(nop)") {
            let rest = l[i + "#(nop)".len()..].trim_start();
            let (w, a) = first_word(rest);
            (w.to_ascii_uppercase(), a)
        } else {
            let (w, a) = first_word(l);
            if w == "RUN" || INSTRUCTIONS.contains(&w) {
                (w.to_string(), a)
            } else {
                ("RUN".to_string(), l)
            }
        };
        Some(Entry {
            index,
            instruction,
            args,
        })
    }

    pub fn is(&self, instruction: &str) -> bool {
        self.instruction == instruction
    }

    /// `history entry 3 (RUN)`.
    pub fn label(&self) -> String {
        format!("history entry {} ({})", self.index, self.instruction)
    }
}

fn first_word(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Splits a shell command line into simple commands (at `&&`, `||`, `;`, `|`, newlines and parentheses)
/// and each into words with quotes removed. Rough, but enough to find package-manager calls.
pub fn commands(run: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for part in run.split(['&', '|', ';', '\n', '(', ')', '`']) {
        let words: Vec<String> = part
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c| c == '"' || c == '\'' || c == '\\')
                    .to_string()
            })
            .filter(|w| !w.is_empty())
            .collect();
        if !words.is_empty() {
            out.push(words);
        }
    }
    out
}

/// The last path component of a command word: `/usr/bin/apt-get` -> `apt-get`.
pub fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Package manager families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pm {
    Apt,
    Apk,
    Rpm,
    Zypper,
}

impl Pm {
    fn of(word: &str) -> Option<Pm> {
        match base(word) {
            "apt-get" | "apt" | "aptitude" => Some(Pm::Apt),
            "apk" => Some(Pm::Apk),
            "yum" | "dnf" | "microdnf" | "tdnf" => Some(Pm::Rpm),
            "zypper" => Some(Pm::Zypper),
            _ => None,
        }
    }

    /// Refreshes the package index only.
    pub fn is_index_update(self, sub: &str) -> bool {
        match self {
            Pm::Apt | Pm::Apk => sub == "update",
            Pm::Rpm => sub == "makecache",
            Pm::Zypper => matches!(sub, "refresh" | "ref"),
        }
    }

    /// Installs or upgrades packages (and so uses a refreshed index).
    pub fn is_install(self, sub: &str) -> bool {
        match self {
            Pm::Apt => matches!(
                sub,
                "install" | "upgrade" | "dist-upgrade" | "full-upgrade" | "build-dep" | "reinstall"
            ),
            Pm::Apk => matches!(sub, "add" | "upgrade" | "fix"),
            Pm::Rpm => matches!(
                sub,
                "install"
                    | "upgrade"
                    | "update"
                    | "reinstall"
                    | "groupinstall"
                    | "localinstall"
                    | "distro-sync"
                    | "builddep"
            ),
            Pm::Zypper => matches!(
                sub,
                "install" | "in" | "update" | "up" | "dist-upgrade" | "dup" | "patch"
            ),
        }
    }
}

/// A package-manager call in one simple command: the manager word, its family, its subcommand and the
/// words after the subcommand.
pub struct PmCall<'w> {
    pub program: &'w str,
    pub pm: Pm,
    pub sub: &'w str,
    pub rest: &'w [String],
}

/// Finds the package-manager call of a simple command (`sudo` and `VAR=x` prefixes are skipped over).
pub fn pm_call(words: &[String]) -> Option<PmCall<'_>> {
    let (i, pm) = words
        .iter()
        .enumerate()
        .find_map(|(i, w)| Pm::of(w).map(|pm| (i, pm)))?;
    // The subcommand is the first word that is not an option or an option's `key=value`.
    let (j, sub) = words
        .iter()
        .enumerate()
        .skip(i + 1)
        .find(|(_, w)| !w.starts_with('-') && !w.contains('=') && !w.contains("::"))?;
    Some(PmCall {
        program: base(&words[i]),
        pm,
        sub: sub.as_str(),
        rest: &words[j + 1..],
    })
}

/// Whether a variable (or option) name looks like it holds a secret value.
///
/// Matches names containing PASSWORD, PASSWD or PASSPHRASE; names with a SECRET, TOKEN, CREDENTIAL(S),
/// CREDS, APIKEY or PWD part; and API_KEY, PRIVATE_KEY, ACCESS_KEY, SECRET_KEY, AUTH_KEY, ENCRYPTION_KEY,
/// SIGNING_KEY, MASTER_KEY, SSH_KEY, AUTH_CONFIG and CONNECTION_STRING. Names that point at a secret
/// rather than hold it (`*_FILE`, `*_PATH`, `*_DIR`, `*_NAME`, ...), that describe it (`*_LENGTH`,
/// `*_TTL`, ...) or switch a behaviour (`*_ALLOW_EMPTY_PASSWORD`, `*_RANDOM_ROOT_PASSWORD`) do not match,
/// nor do bare `KEY` names such as `GPG_KEY` (official images publish signing-key fingerprints that way).
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let Some(last) = parts.last() else {
        return false;
    };
    const REFERENCE_OR_METADATA: &[&str] = &[
        "FILE", "FILES", "PATH", "DIR", "LOCATION", "NAME", "NAMES", "STDIN", "LENGTH", "LEN",
        "TTL", "TIMEOUT", "EXPIRY", "EXPIRES", "ENABLED", "DISABLED", "REQUIRED", "METHOD", "TYPE",
        "MODE", "POLICY",
    ];
    if REFERENCE_OR_METADATA.contains(last) {
        return false;
    }
    if parts
        .iter()
        .any(|p| matches!(*p, "ALLOW" | "EMPTY" | "RANDOM"))
    {
        return false;
    }
    if ["PASSWORD", "PASSWD", "PASSPHRASE"]
        .iter()
        .any(|w| upper.contains(w))
    {
        return true;
    }
    let single = |p: &&str| {
        matches!(
            *p,
            "SECRET"
                | "SECRETS"
                | "TOKEN"
                | "TOKENS"
                | "CREDENTIAL"
                | "CREDENTIALS"
                | "CREDS"
                | "APIKEY"
                | "PRIVATEKEY"
        ) || (*p == "PWD" && parts.len() > 1)
    };
    if parts.iter().any(single) {
        return true;
    }
    parts.windows(2).any(|w| {
        matches!(
            (w[0], w[1]),
            ("API", "KEY")
                | ("PRIVATE", "KEY")
                | ("ACCESS", "KEY")
                | ("AUTH", "KEY")
                | ("ENCRYPTION", "KEY")
                | ("SIGNING", "KEY")
                | ("MASTER", "KEY")
                | ("SSH", "KEY")
                | ("AUTH", "CONFIG")
                | ("CONNECTION", "STRING")
        )
    })
}

pub use dockguard_facts::dates::{fmt_date, parse_rfc3339};

/// A byte count the way an operator reads it: `5 MB`, `1.2 GB` (decimal units, as `docker images`).
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes.max(0) as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 || v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The registry host of an image reference or repo digest (`registry.example:5000/app@sha256:..` ->
/// `registry.example:5000`; `nginx@sha256:..` -> `docker.io`).
pub fn registry_of(reference: &str) -> String {
    match reference.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => match first {
            "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
            _ => first.to_ascii_lowercase(),
        },
        _ => "docker.io".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_from_both_builders() {
        let e = Entry::parse(2, "/bin/sh -c #(nop)  ENV A=b").unwrap();
        assert_eq!((e.instruction.as_str(), e.args), ("ENV", "A=b"));
        let e = Entry::parse(0, "RUN /bin/sh -c apk update # buildkit").unwrap();
        assert_eq!(
            (e.instruction.as_str(), e.args),
            ("RUN", "/bin/sh -c apk update")
        );
        let e = Entry::parse(0, "/bin/sh -c apt-get update").unwrap();
        assert_eq!(
            (e.instruction.as_str(), e.args),
            ("RUN", "/bin/sh -c apt-get update")
        );
        let e = Entry::parse(0, "ADD alpine-minirootfs.tar.gz / # buildkit").unwrap();
        assert_eq!(
            (e.instruction.as_str(), e.args),
            ("ADD", "alpine-minirootfs.tar.gz /")
        );
        assert!(Entry::parse(0, "  ").is_none());
    }

    #[test]
    fn package_manager_calls() {
        let cs = commands(
            "/bin/sh -c apt-get -o Acquire::Retries=3 -q update && sudo apt-get install -y curl",
        );
        let calls: Vec<_> = cs.iter().filter_map(|c| pm_call(c)).collect();
        assert_eq!(calls.len(), 2);
        assert_eq!((calls[0].pm, calls[0].sub), (Pm::Apt, "update"));
        assert_eq!(
            (calls[1].sub, calls[1].rest[1].as_str()),
            ("install", "curl")
        );
    }

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "PGPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "GITHUB_TOKEN",
            "NPM_AUTH_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "STRIPE_API_KEY",
            "JWT_SECRET",
            "SECRET_KEY_BASE",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "DB_PWD",
            "DOCKER_AUTH_CONFIG",
            "http-password",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "SECRET_KEY_PATH",
            "TOKEN_DIR",
            "PATH",
            "PWD",
            "OLDPWD",
            "GPG_KEY",
            "NGINX_GPGKEYS",
            "TOKENIZERS_PARALLELISM",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "PASSWORD_MIN_LENGTH",
            "password-stdin",
            "APP_PORT",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    #[test]
    fn registries_and_sizes() {
        assert_eq!(
            registry_of("registry.example/app@sha256:1"),
            "registry.example"
        );
        assert_eq!(registry_of("localhost:5000/app@sha256:1"), "localhost:5000");
        assert_eq!(registry_of("nginx@sha256:1"), "docker.io");
        assert_eq!(registry_of("bitnami/redis@sha256:1"), "docker.io");
        assert_eq!(human_size(5_000_000), "5.0 MB");
        assert_eq!(human_size(187_000_000), "187 MB");
        assert_eq!(human_size(512), "512 B");
    }
}
