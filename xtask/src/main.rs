//! Project chores. `cargo xtask docs` regenerates `docs/rules/` from the rule registry,
//! `docs/report.schema.json` from the report types and `docs/man/` (the man pages) from the clap
//! definitions; `cargo xtask man` only the man pages; `cargo xtask docs --check` fails when anything checked
//! in is stale (the test suite runs the same checks).

use anyhow::{bail, Context, Result};
use clap::CommandFactory;
use dockguard_rules::registry::AliasTarget;
use dockguard_rules::{profile_rules, Profile, Rule, ALIASES, RULES};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["docs"] => write_docs(&docs_dir()).and_then(|_| write_man(&man_dir())),
        ["docs", "--check"] => check_docs(&docs_dir()),
        ["man"] => write_man(&man_dir()),
        _ => bail!("usage: cargo xtask docs [--check] | cargo xtask man"),
    }
}

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules")
}

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/man")
}

/// The man pages: `dockguard.1` and one page per subcommand (`dockguard-scan.1`,
/// `dockguard-server-token-create.1`), rendered from the clap definitions.
pub fn render_man() -> BTreeMap<String, Vec<u8>> {
    fn add(cmd: &clap::Command, name: &str, pages: &mut BTreeMap<String, Vec<u8>>) {
        let page = cmd
            .clone()
            .name(name.to_string())
            .bin_name(name.replace('-', " "));
        let mut buf = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut buf)
            .expect("rendering to memory does not fail");
        pages.insert(format!("{name}.1"), buf);
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            add(sub, &format!("{name}-{}", sub.get_name()), pages);
        }
    }
    let mut cmd = dockguard::cli::Cli::command();
    cmd.build();
    let mut pages = BTreeMap::new();
    add(&cmd, "dockguard", &mut pages);
    pages
}

fn write_man(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "1") {
            std::fs::remove_file(&p)?;
        }
    }
    let pages = render_man();
    for (name, content) in &pages {
        std::fs::write(dir.join(name), content).with_context(|| format!("cannot write {name}"))?;
    }
    println!("wrote {} man pages to {}", pages.len(), dir.display());
    Ok(())
}

/// Man pages that differ from what the clap definitions render, plus leftover pages.
pub fn stale_man_pages(dir: &Path) -> Vec<String> {
    let pages = render_man();
    let mut stale: Vec<String> = pages
        .iter()
        .filter(|(name, content)| std::fs::read(dir.join(name)).ok().as_ref() != Some(*content))
        .map(|(n, _)| n.clone())
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".1") && !pages.contains_key(&name) {
                stale.push(name);
            }
        }
    }
    stale
}

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report.schema.json")
}

/// `docs/report.schema.json`, generated from the report types.
fn render_schema() -> String {
    let mut s =
        serde_json::to_string_pretty(&dockguard_report::json::schema()).expect("schema serializes");
    s.push('\n');
    s
}

/// The page of a rule: its Azure id when it has one, else `cis-<id>`, else its alias.
fn page_name(r: &Rule) -> String {
    if let Some(a) = r.azure.filter(|_| r.profiles.contains(&Profile::Azure)) {
        return format!("{a}.md");
    }
    if let Some(c) = r.cis.first() {
        return format!("cis-{c}.md");
    }
    let alias = ALIASES
        .iter()
        .find(|(_, t)| matches!(t, AliasTarget::Rule(x) if std::ptr::eq(*x, r)))
        .map(|(a, _)| a.replace(':', "-"))
        .unwrap_or_else(|| "unnamed".into());
    format!("{alias}.md")
}

fn ids_of(r: &Rule) -> String {
    let mut ids = Vec::new();
    if let Some(a) = r.azure {
        ids.push(format!("Azure `{a}`"));
    }
    if !r.cis.is_empty() {
        ids.push(format!(
            "CIS Docker Benchmark v1.6.0 {}",
            r.cis
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(c) = r.id_in(Profile::Cis18) {
        ids.push(format!("CIS Docker Benchmark v1.8.0 `{c}`"));
    }
    ids.join(" · ")
}

/// Every generated page: file name -> content.
pub fn render_docs() -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    let mut index = String::from(
        "# Rule catalog\n\n<!-- generated by `cargo xtask docs` from the rule registry; do not edit -->\n\n\
         One implementation per rule, reported under the id of the profile you scan with: `--profile azure` \
         (default; the Azure security baseline for Docker hosts, keyed by CCEID), `--profile cis-1.6` (the CIS \
         Docker Benchmark v1.6.0) or `--profile cis-1.8` (v1.8.0: 1.6.0's recommendations plus the new 2.7 on \
         devicemapper, with 1.6.0's 2.7–2.18 renumbered 2.8–2.19). `0.0` (Azure inventory) is reported in the \
         `inventory` object of the report. Ids of another profile work with a prefix: `azure:5.31`, `cis:5.32`, \
         `cis-1.8:2.8`.\n",
    );
    for profile in Profile::ALL {
        index.push_str(&format!(
            "\n## {} (`--profile {}`, {} rules)\n\n| ID | Also | Title | Severity | Level | CIS assessment |\n|---|---|---|---|---|---|\n",
            profile.title(),
            profile.name(),
            profile_rules(profile).len()
        ));
        let mut section = 0;
        for (id, r) in profile_rules(profile) {
            if r.section.number() != section {
                section = r.section.number();
                index.push_str(&format!(
                    "| **{section}** | | **{}** | | | |\n",
                    r.section.title()
                ));
            }
            let also = match profile {
                Profile::Azure => r
                    .cis
                    .iter()
                    .map(|c| format!("cis:{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                Profile::Cis16 => r.azure.map(|a| format!("azure:{a}")).unwrap_or_default(),
                Profile::Cis18 => r
                    .cis
                    .first()
                    .map(|c| format!("cis-1.6:{c}"))
                    .into_iter()
                    .chain(r.azure.map(|a| format!("azure:{a}")))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            index.push_str(&format!(
                "| [{id}]({page}) | {also} | {title} | {sev} | {lvl} | {ass:?} |\n",
                page = page_name(r),
                title = r.title.replace('|', "\\|"),
                sev = r.severity,
                lvl = r.level,
                ass = r.assessment,
            ));
        }
    }
    for r in RULES.iter() {
        let heading = r
            .azure
            .filter(|_| r.profiles.contains(&Profile::Azure))
            .map(str::to_string)
            .or_else(|| r.cis.first().map(|c| format!("CIS {c}")))
            .or_else(|| r.id_in(Profile::Cis18).map(|c| format!("CIS 1.8.0 {c}")))
            .unwrap_or_else(|| ids_of(r));
        pages.insert(
            page_name(r),
            format!(
                "# {heading} {title}\n\n<!-- generated by `cargo xtask docs`; do not edit -->\n\n\
                 - Ids: {ids}\n- Section: {sn} {st}\n\
                 - Severity: {sev} · Level: {lvl} · CIS assessment: {ass:?} · Scope: {scope:?}\n\n\
                 ## Why it matters\n\n{rat}\n\n## How dockguard checks it\n\n{audit}\n\n## What counts as evidence\n\n{evidence}\n\n## How to fix it\n\n{fix}\n\n\
                 ## Impact of the fix\n\n{impact}\n\n## References\n\n{refs}",
                title = r.title,
                ids = ids_of(r),
                sn = r.section.number(),
                st = r.section.title(),
                sev = r.severity,
                lvl = r.level,
                ass = r.assessment,
                scope = r.scope,
                rat = r.rationale,
                audit = r.audit,
                evidence = r.evidence(),
                fix = r.remediation,
                impact = r.impact,
                refs = r.all_references().iter().map(|x| format!("- {x}\n")).collect::<String>(),
            ),
        );
    }
    pages.insert("README.md".into(), index);
    pages
}

fn write_docs(dir: &Path) -> Result<()> {
    std::fs::write(schema_path(), render_schema())
        .context("cannot write docs/report.schema.json")?;
    println!("wrote {}", schema_path().display());
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "md") {
            std::fs::remove_file(&p)?;
        }
    }
    let pages = render_docs();
    for (name, content) in &pages {
        std::fs::write(dir.join(name), content).with_context(|| format!("cannot write {name}"))?;
    }
    println!("wrote {} pages to {}", pages.len(), dir.display());
    Ok(())
}

fn check_docs(dir: &Path) -> Result<()> {
    let mut stale = stale_pages(dir);
    if std::fs::read_to_string(schema_path()).ok().as_deref() != Some(render_schema().as_str()) {
        stale.push("../report.schema.json".into());
    }
    stale.extend(
        stale_man_pages(&man_dir())
            .into_iter()
            .map(|p| format!("../man/{p}")),
    );
    if stale.is_empty() {
        println!("docs/rules is up to date");
        Ok(())
    } else {
        bail!(
            "docs/rules is stale ({}); run `cargo xtask docs`",
            stale.join(", ")
        )
    }
}

/// Pages that differ from what the registry generates, plus leftover pages.
pub fn stale_pages(dir: &Path) -> Vec<String> {
    let pages = render_docs();
    let mut stale: Vec<String> = pages
        .iter()
        .filter(|(name, content)| {
            std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(content.as_str())
        })
        .map(|(n, _)| n.clone())
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".md") && !pages.contains_key(&name) {
                stale.push(name);
            }
        }
    }
    stale
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_report_schema_is_current() {
        let on_disk = std::fs::read_to_string(super::schema_path()).unwrap_or_default();
        assert!(
            on_disk == super::render_schema(),
            "docs/report.schema.json is stale; run `cargo xtask docs`"
        );
    }

    #[test]
    fn generated_man_pages_are_current() {
        let stale = super::stale_man_pages(&super::man_dir());
        assert!(
            stale.is_empty(),
            "docs/man is stale: {stale:?}; run `cargo xtask man`"
        );
        let main = String::from_utf8(super::render_man()["dockguard.1"].clone()).unwrap();
        assert!(
            main.starts_with(".ie \\n(.g .ds Aq") || main.contains(".TH dockguard 1"),
            "{main}"
        );
        for sub in [
            "scan",
            "collect",
            "rules",
            "explain",
            "diff",
            "server",
            "agent",
            "completions",
        ] {
            assert!(main.contains(sub), "{sub} missing from dockguard.1");
        }
        let scan = String::from_utf8(super::render_man()["dockguard-scan.1"].clone()).unwrap();
        assert!(
            scan.contains("all\\-targets") && scan.contains("Examples:"),
            "{scan}"
        );
    }

    /// LICENSE is the Apache License 2.0 that Cargo.toml declares, and the changelog has this version.
    #[test]
    fn licence_and_changelog_match_the_manifest() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("license = \"Apache-2.0\""), "{manifest}");
        let license = std::fs::read_to_string(root.join("LICENSE")).expect("LICENSE at the root");
        assert!(license.trim_start().starts_with("Apache License"));
        assert!(license.contains("Version 2.0, January 2004"));
        assert!(license.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"));
        assert!(license.contains("END OF TERMS AND CONDITIONS"));
        let version = manifest
            .lines()
            .find_map(|l| l.strip_prefix("version = \""))
            .and_then(|v| v.strip_suffix('"'))
            .expect("workspace version");
        let changelog = std::fs::read_to_string(root.join("CHANGELOG.md")).expect("CHANGELOG.md");
        assert!(
            changelog.contains(&format!("## [{version}]")),
            "no entry for {version}"
        );
        assert!(changelog.contains("## [Unreleased]"));
    }

    #[test]
    fn generated_rule_docs_are_current() {
        let stale = super::stale_pages(&super::docs_dir());
        assert!(
            stale.is_empty(),
            "docs/rules is stale: {stale:?}; run `cargo xtask docs`"
        );
    }
}
