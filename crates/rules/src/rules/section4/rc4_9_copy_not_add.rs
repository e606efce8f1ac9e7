//! CIS 4.9 Ensure that COPY is used instead of ADD in Dockerfiles.

use super::common::{per_image_history, Entry};
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.9"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure that COPY is used instead of ADD in Dockerfiles",
    section: Section::Images,
    severity: Severity::Low,
    level: 1,
    scope: Scope::Image,
    rationale: "ADD does more than copy: it downloads remote URLs at build time, with no integrity check \
        unless one is given, and silently unpacks local archives, which can write files anywhere in the image \
        (including over system files). COPY does only what it says.",
    audit: "Reads the build history of each image used by an assessed container. Fails when any step is an \
        ADD, naming the history entry (0 = newest) and what was added: a remote URL (shown as scheme and \
        host only), a local archive that ADD unpacks, or plain files. One ADD is allowed: the oldest entry \
        adding a local file or archive at `/`, which is how base images (`FROM scratch`) lay down their root \
        filesystem (`ADD file:<hash> in /`, `ADD rootfs.tar.xz /`). Passes when no other ADD is recorded. \
        Only the final build stage is in the history; an image whose history or inspection is missing is an \
        error.",
    impact: "Nothing changes for the running workload. Builds must do remote downloads and archive unpacking in RUN \
        steps, which needs curl or wget and tar in the build stage, pinned checksums kept up to date, and a \
        builder stage or bind mount so the archive does not stay behind as an extra layer.",
    references: &["https://docs.docker.com/build/building/best-practices/"],
    remediation: "Replace ADD with COPY for local files. For remote files, download in a RUN step and verify \
        a checksum (`curl -fsSLo x.tgz URL && echo \"<sha256>  x.tgz\" | sha256sum -c -`), or use \
        `ADD --checksum=sha256:<sum> URL dest`; unpack archives explicitly with `tar` in a RUN step.",
    check,
};

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst",
];

fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@")
}

/// A remote source shown as `https://host` (path, query and any user:password dropped).
fn remote(src: &str) -> String {
    let (scheme, rest) = src.split_once("://").unwrap_or(("git", src));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    format!("{scheme}://{host}")
}

/// Sources and destination of an ADD: classic `file:<hash> in /dest`, BuildKit `[--flags] src... dest`.
fn add_parts(args: &str) -> (Vec<&str>, &str) {
    if let Some((src, dest)) = args.split_once(" in ") {
        return (vec![src.trim()], dest.trim());
    }
    let words: Vec<&str> = args
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    match words.split_last() {
        Some((dest, srcs)) if !srcs.is_empty() => (srcs.to_vec(), dest),
        _ => (words, ""),
    }
}

fn describe(src: &str) -> String {
    let lower = src.to_ascii_lowercase();
    if is_remote(src) {
        format!("remote URL {}", remote(src))
    } else if ARCHIVES.iter().any(|x| lower.ends_with(x)) {
        format!("local archive {src} (unpacked by ADD)")
    } else {
        src.chars().take(60).collect()
    }
}

fn check(ctx: &Ctx) -> Outcome {
    per_image_history(ctx, |_, _, entries| {
        let oldest = entries.iter().map(|e| e.index).max();
        let is_base_rootfs = |e: &Entry| {
            let (srcs, dest) = add_parts(e.args);
            Some(e.index) == oldest && dest == "/" && !srcs.iter().any(|s| is_remote(s))
        };
        let adds: Vec<String> = entries
            .iter()
            .filter(|e| e.is("ADD") && !is_base_rootfs(e))
            .map(|e| {
                let (srcs, dest) = add_parts(e.args);
                let what: Vec<String> = srcs.iter().map(|s| describe(s)).collect();
                format!("{}: ADD {} to {dest}", e.label(), what.join(", "))
            })
            .collect();
        Ok(if adds.is_empty() {
            let base = if entries.iter().any(|e| e.is("ADD") && is_base_rootfs(e)) {
                " (the base root filesystem layer is not counted)"
            } else {
                ""
            };
            (Status::Pass, format!("no ADD step{base}"))
        } else {
            (Status::Fail, adds.join("; "))
        })
    })
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::pass("only the base rootfs ADD", compliant_host()),
        Fixture::fail(
            "ADD of a remote URL",
            host_with(|f| {
                docker_mut(f).images[0].history.as_mut().unwrap().insert(
                    0,
                    "ADD https://downloads.example/tool.tgz /opt/ # buildkit".into(),
                );
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
    fn base_rootfs_add_is_not_counted() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(
            out.targets[0].detail,
            "no ADD step (the base root filesystem layer is not counted); used by web"
        );
        let f = history(&[
            "COPY app /app # buildkit",
            "ADD alpine-minirootfs-3.20.0-x86_64.tar.gz / # buildkit",
        ]);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn remote_add_fails_without_leaking_the_url() {
        let f = history(&[
            "ADD --chown=1000 https://user:s3cret@downloads.example/tool.tgz?sig=abc /opt/ # buildkit",
            "/bin/sh -c #(nop) ADD file:9a8b7c in / ",
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "history entry 0 (ADD): ADD remote URL https://downloads.example to /opt/; used by web"
        );
        assert!(!out.targets[0].detail.contains("s3cret"));
    }

    #[test]
    fn archive_and_plain_adds_fail() {
        let f = history(&[
            "ADD app.tar.gz /srv/ # buildkit",
            "/bin/sh -c #(nop) ADD file:0123456789abcdef in /etc/app.conf ",
            "/bin/sh -c #(nop) ADD file:9a8b7c in / ",
        ]);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.targets[0].detail,
            "history entry 0 (ADD): ADD local archive app.tar.gz (unpacked by ADD) to /srv/; \
             history entry 1 (ADD): ADD file:0123456789abcdef to /etc/app.conf; used by web"
        );
    }

    #[test]
    fn root_add_that_is_not_the_oldest_entry_counts() {
        let f = history(&[
            "/bin/sh -c #(nop) ADD file:feed in / ",
            "/bin/sh -c #(nop) ADD file:9a8b7c in / ",
        ]);
        assert_eq!(run(&RULE, &f).status, Status::Fail);
    }

    #[test]
    fn missing_history_is_an_error() {
        assert_eq!(run(&RULE, &history(&[])).status, Status::Error);
    }
}
