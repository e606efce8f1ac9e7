//! CIS 4.11 Ensure only verified packages are installed.

use super::common::{base, commands, per_image_history, Entry};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.11"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure only verified packages are installed",
    section: Section::Images,
    severity: Severity::Medium,
    level: 2,
    scope: Scope::Image,
    rationale: "Package managers check signatures and TLS so that a compromised mirror or a network attacker \
        cannot slip modified software into the image. A build that turns those checks off, or runs a script \
        straight from the network, installs whatever it is served.",
    audit: "Reads the build history of each image used by an assessed container. Fails when a step turns off \
        package or download verification: `--allow-unauthenticated`, `AllowUnauthenticated`, \
        `AllowInsecureRepositories`, `[trusted=yes]` (apt), `--nogpgcheck`, `gpgcheck=0`, `sslverify=0` \
        (yum/dnf), `--no-gpg-checks` (zypper), `--nosignature` (rpm), `--allow-untrusted` (apk), \
        `--no-check-certificate` (wget), `curl -k`/`--insecure`, `--trusted-host` (pip), `strict-ssl false` \
        (npm), `GIT_SSL_NO_VERIFY`/`sslVerify false`, `NODE_TLS_REJECT_UNAUTHORIZED=0`; or when it pipes a \
        curl/wget download into a shell or interpreter (`curl ... | sh`, `bash <(curl ...)`, `sh -c \
        \"$(curl ...)\"`). Needs a manual check when a step downloads with curl/wget, installs a .deb/.rpm/.apk \
        file directly, or ADDs a remote URL, without a checksum or signature check (`sha256sum -c`, `gpg \
        --verify`, `cosign verify`, `ADD --checksum`) in the same step. Passes when none of these appear. \
        Only the final build stage is recorded, and repository settings copied in as files are not visible. \
        An image whose history or inspection is missing is an error.",
    impact: "Dockerfiles must carry the vendors' signing keys and pinned checksums, and each checksum must be updated \
        whenever the downloaded version changes. Builds behind TLS-intercepting proxies or from internal mirrors \
        need that CA certificate or mirror key installed rather than verification switched off.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Remove the verification bypass and install from signed repositories (import the vendor's \
        signing key into /etc/apt/keyrings or /etc/pki/rpm-gpg and reference it with `signed-by=`/`gpgkey=`). \
        Download files to disk and verify a pinned checksum or signature before using them, instead of piping \
        them into a shell.",
    check,
};

/// Options and settings that turn off signature or TLS verification (compared in lower case).
const BYPASSES: &[&str] = &[
    "--allow-unauthenticated",
    "allowunauthenticated",
    "allowinsecurerepositories",
    "allow-insecure=yes",
    "trusted=yes",
    "--nogpgcheck",
    "gpgcheck=0",
    "gpgcheck=false",
    "sslverify=0",
    "sslverify=false",
    "sslverify false",
    "--no-gpg-checks",
    "--nosignature",
    "--allow-untrusted",
    "--no-check-certificate",
    "--trusted-host",
    "strict-ssl false",
    "strict-ssl=false",
    "git_ssl_no_verify",
    "node_tls_reject_unauthorized=0",
];

/// Programs that verify a checksum or signature.
const VERIFIERS: &[&str] = &[
    "sha256sum",
    "sha512sum",
    "sha384sum",
    "sha224sum",
    "sha1sum",
    "shasum",
    "md5sum",
    "b2sum",
    "gpg",
    "gpgv",
    "cosign",
    "minisign",
    "signify",
    "openssl",
];

const INTERPRETERS: &[&str] = &[
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node",
];

fn is_download(words: &[String]) -> Option<&'static str> {
    words.iter().find_map(|w| match base(w) {
        "curl" => Some("curl"),
        "wget" => Some("wget"),
        _ => None,
    })
}

/// `curl -k`, `curl -fsSLk`, `curl --insecure`.
fn curl_insecure(words: &[String]) -> bool {
    words.iter().any(|w| base(w) == "curl")
        && words.iter().any(|w| {
            w == "--insecure"
                || (w.starts_with('-') && !w.starts_with("--") && w[1..].contains('k'))
        })
}

/// Downloads fed to an interpreter: `curl URL | sh`, `bash <(curl URL)`, `sh -c "$(curl URL)"`.
fn piped_to_interpreter(run: &str) -> Option<String> {
    let text = run.replace("||", "\u{0}");
    let segments: Vec<&str> = text.split('|').collect();
    for pair in segments.windows(2) {
        let left = pair[0].rsplit(['&', ';', '\n']).next().unwrap_or("");
        let right = pair[1].split(['&', ';', '\n']).next().unwrap_or("");
        let left = commands(left);
        let right = commands(right);
        let (Some(l), Some(r)) = (left.last(), right.first()) else {
            continue;
        };
        let program = r
            .iter()
            .find(|w| base(w) != "sudo" && !w.contains('=') && !w.starts_with('-'))
            .map(|w| base(w));
        if let (Some(tool), Some(p)) = (is_download(l), program) {
            if INTERPRETERS.contains(&p) {
                return Some(format!("pipes a {tool} download into {p}"));
            }
        }
    }
    for tool in ["curl", "wget"] {
        if run.contains(&format!("<({tool}")) {
            return Some(format!(
                "runs a {tool} download through process substitution"
            ));
        }
        if let Some(i) = run.find(&format!("$({tool}")) {
            let before = run[..i].trim_end_matches([' ', '"', '\'']);
            if before.ends_with("-c") {
                return Some(format!("runs a {tool} download with sh -c"));
            }
        }
    }
    None
}

/// (failures, things to check by hand) of one history entry.
fn findings(e: &Entry) -> (Vec<String>, Vec<String>) {
    let (mut fail, mut manual) = (Vec::new(), Vec::new());
    match e.instruction.as_str() {
        "RUN" | "ENV" => {
            let lower = e.args.to_ascii_lowercase();
            for b in BYPASSES.iter().filter(|b| lower.contains(*b)) {
                fail.push(format!("{}: {b}", e.label()));
            }
            if e.is("ENV") {
                return (fail, manual);
            }
            let cmds = commands(e.args);
            if cmds.iter().any(|c| curl_insecure(c)) {
                fail.push(format!("{}: curl without certificate checks", e.label()));
            }
            if let Some(p) = piped_to_interpreter(e.args) {
                fail.push(format!("{}: {p}", e.label()));
            }
            let verified = cmds
                .iter()
                .any(|c| c.iter().any(|w| VERIFIERS.contains(&base(w))))
                || lower.contains("--checksum")
                || lower.contains("--checksig");
            if fail.is_empty() && !verified {
                if let Some(tool) = cmds.iter().find_map(|c| is_download(c)) {
                    manual.push(format!(
                        "{}: downloads with {tool} without a checksum or signature check in the same step",
                        e.label()
                    ));
                }
                let installs_file = cmds.iter().any(|c| {
                    c.iter().any(|w| {
                        matches!(
                            base(w),
                            "dpkg"
                                | "rpm"
                                | "apt-get"
                                | "apt"
                                | "yum"
                                | "dnf"
                                | "microdnf"
                                | "zypper"
                                | "apk"
                        )
                    }) && c
                        .iter()
                        .any(|w| w.ends_with(".deb") || w.ends_with(".rpm") || w.ends_with(".apk"))
                });
                if installs_file {
                    manual.push(format!(
                        "{}: installs a package file directly; confirm where it came from and that it was verified",
                        e.label()
                    ));
                }
            }
        }
        "ADD" => {
            let lower = e.args.to_ascii_lowercase();
            if (lower.contains("http://") || lower.contains("https://"))
                && !lower.contains("--checksum")
            {
                manual.push(format!(
                    "{}: ADDs a remote URL without --checksum",
                    e.label()
                ));
            }
        }
        _ => {}
    }
    (fail, manual)
}

fn check(ctx: &Ctx) -> Outcome {
    per_image_history(ctx, |_, _, entries| {
        let (mut fail, mut manual) = (Vec::new(), Vec::new());
        for e in entries {
            let (f, m) = findings(e);
            fail.extend(f);
            manual.extend(m);
        }
        Ok(if !fail.is_empty() {
            (Status::Fail, fail.join("; "))
        } else if !manual.is_empty() {
            (Status::Manual, manual.join("; "))
        } else {
            (
                Status::Pass,
                "no verification bypass or unverified download in the recorded build steps"
                    .to_string(),
            )
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass(
            "packages from the signed distribution repository",
            compliant_host(),
        ),
        Fixture::fail(
            "apt-get install --allow-unauthenticated",
            host_with(|f| {
                docker_mut(f).images[0].history.as_mut().unwrap().insert(
                    0,
                    "/bin/sh -c apt-get update && apt-get install -y --allow-unauthenticated tool"
                        .into(),
                )
            }),
        ),
        Fixture::fail(
            "curl piped into sh",
            host_with(|f| {
                docker_mut(f).images[0].history.as_mut().unwrap().insert(
                    0,
                    "RUN /bin/sh -c curl -fsSL https://get.example | sh # buildkit".into(),
                )
            }),
        ),
        Fixture::manual(
            "binary downloaded without a checksum",
            host_with(|f| {
                docker_mut(f).images[0].history.as_mut().unwrap().insert(
                    0,
                    "RUN /bin/sh -c curl -fsSLo /usr/local/bin/tool https://dl.example/tool # buildkit"
                        .into(),
                )
            }),
        ),
        Fixture::error(
            "history not collected",
            host_with(|f| docker_mut(f).images[0].history.as_mut().unwrap().clear()),
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

    #[test]
    fn package_manager_installs_pass() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
    }

    #[test]
    fn bypasses_fail() {
        for (line, evidence) in [
            (
                "/bin/sh -c apt-get update && apt-get install -y --allow-unauthenticated foo",
                "history entry 0 (RUN): --allow-unauthenticated",
            ),
            (
                "RUN /bin/sh -c dnf install -y --nogpgcheck foo # buildkit",
                "history entry 0 (RUN): --nogpgcheck",
            ),
            (
                "RUN /bin/sh -c echo 'deb [trusted=yes] http://repo.example/ ./' > /etc/apt/sources.list.d/x.list # buildkit",
                "history entry 0 (RUN): trusted=yes",
            ),
            (
                "RUN /bin/sh -c apk add --allow-untrusted /tmp/x.apk # buildkit",
                "history entry 0 (RUN): --allow-untrusted",
            ),
            (
                "RUN /bin/sh -c curl -fsSLk https://get.example | tar -xz # buildkit",
                "history entry 0 (RUN): curl without certificate checks",
            ),
            (
                "RUN /bin/sh -c curl -fsSL https://get.example/install.sh | sudo bash -s -- -y # buildkit",
                "history entry 0 (RUN): pipes a curl download into bash",
            ),
            (
                "RUN /bin/sh -c wget -qO- https://get.example | sh # buildkit",
                "history entry 0 (RUN): pipes a wget download into sh",
            ),
            (
                "RUN /bin/sh -c sh -c \"$(curl -fsSL https://get.example)\" # buildkit",
                "history entry 0 (RUN): runs a curl download with sh -c",
            ),
            (
                "ENV NODE_TLS_REJECT_UNAUTHORIZED=0",
                "history entry 0 (ENV): node_tls_reject_unauthorized=0",
            ),
        ] {
            let out = run(&RULE, &history(&[line]));
            assert_eq!(out.status, Status::Fail, "{line}");
            assert!(out.targets[0].detail.starts_with(evidence), "{line}: {}", out.targets[0].detail);
        }
    }

    #[test]
    fn unverified_downloads_need_review_and_verified_ones_pass() {
        for line in [
            "RUN /bin/sh -c curl -fsSLo /usr/local/bin/tool https://dl.example/tool && chmod +x /usr/local/bin/tool # buildkit",
            "RUN /bin/sh -c dpkg -i /tmp/tool.deb # buildkit",
            "ADD https://dl.example/tool.tgz /tmp/ # buildkit",
        ] {
            assert_eq!(run(&RULE, &history(&[line])).status, Status::Manual, "{line}");
        }
        for line in [
            "RUN /bin/sh -c curl -fsSLo t.tgz https://dl.example/t.tgz && echo \"abc  t.tgz\" | sha256sum -c - # buildkit",
            "ADD --checksum=sha256:abc https://dl.example/tool.tgz /tmp/ # buildkit",
            "RUN /bin/sh -c curl -fsS http://localhost/health || exit 1 && gpg --verify x.asc # buildkit",
            "RUN /bin/sh -c false || true # buildkit",
        ] {
            assert_eq!(run(&RULE, &history(&[line])).status, Status::Pass, "{line}");
        }
    }

    #[test]
    fn missing_history_is_an_error() {
        assert_eq!(run(&RULE, &history(&[])).status, Status::Error);
    }
}
