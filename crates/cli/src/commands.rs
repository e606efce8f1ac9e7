//! The subcommands. Only this crate prints or exits.

use crate::cli::*;
use anyhow::{bail, Context, Result};
use dockguard_collect::{collect, resolve_endpoint, CollectOptions};
use dockguard_facts::{Facts, FACTS_SCHEMA};
use dockguard_report::{text::TextOptions, Report};
use dockguard_rules::context::ContainerPattern;
use dockguard_rules::{evaluate, ContainerFilter, Ctx, EvalOptions, Selection, Severity};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Collect(a) => collect_cmd(a),
        Command::Rules(a) => rules(a),
        Command::Explain { id, profile } => explain(&id, profile.rules_profile()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Collects live facts, with a spinner on a terminal. Daemon unreachable is a tool failure (exit 2) with
/// the endpoint and how to fix it.
fn collect_live(src: &SourceArgs) -> Result<Facts> {
    let endpoint = resolve_endpoint(src.docker_host.as_deref());
    if !src.root.is_dir() {
        bail!("--root {}: not a directory", src.root.display());
    }
    let mut opts = CollectOptions::new(&src.root, &endpoint);
    opts.running_only = src.running_only;
    opts.concurrency = src.concurrency;
    opts.timeout_secs = src.timeout;
    let spinner = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message(format!("collecting facts from {endpoint}"));
        pb.enable_steady_tick(Duration::from_millis(100));
        pb
    });
    let result = runtime()?.block_on(collect(&opts));
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    match result {
        Ok(f) => {
            tracing::info!(
                containers = f.docker.ok().map(|d| d.containers.len()).unwrap_or(0),
                ms = f.collector.duration_ms,
                "facts collected"
            );
            Ok(f)
        }
        Err(e) => bail!(
            "{e}\nhint: is dockerd running? Start it (`systemctl start docker`), or point dockguard at it with \
             --docker-host URL or DOCKER_HOST; check that this user may open the socket. To evaluate saved \
             facts instead, use `dockguard scan --facts FILE`."
        ),
    }
}

fn load_facts(path: &Path) -> Result<Facts> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read facts file {}", path.display()))?;
    let probe: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("facts file {} is not valid JSON", path.display()))?;
    match probe.get("schema").and_then(|s| s.as_str()) {
        Some(FACTS_SCHEMA) => {}
        Some(other) => bail!(
            "facts file {} has schema {other:?}; this dockguard reads {FACTS_SCHEMA:?}",
            path.display()
        ),
        None => bail!(
            "facts file {} is not a dockguard facts file (no \"schema\" field); create one with `dockguard collect -o FILE`",
            path.display()
        ),
    }
    serde_json::from_value(probe).with_context(|| {
        format!(
            "facts file {} does not match {FACTS_SCHEMA}",
            path.display()
        )
    })
}

/// Writes the output to stdout (`None` or `-`), or to `path`: atomically (a temp file renamed over it) for a
/// regular file, directly for anything else (`/dev/null`, a FIFO), so a device is never replaced by a file.
fn write_output(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let p = match path {
        Some(p) if p != Path::new("-") => p,
        _ => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            return match render(&mut out).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(e).context("cannot write to stdout"),
            };
        }
    };
    let special = std::fs::metadata(p).map(|m| !m.is_file()).unwrap_or(false);
    if special {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(p)
            .with_context(|| format!("cannot open {}", p.display()))?;
        let mut w = std::io::BufWriter::new(f);
        return render(&mut w)
            .and_then(|_| w.flush())
            .with_context(|| format!("cannot write {}", p.display()));
    }
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = p
        .file_name()
        .with_context(|| format!("{} is not a file path", p.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        render(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, p)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", p.display()));
    }
    Ok(())
}

fn write_stdout(data: &str) -> Result<()> {
    write_output(None, |w| w.write_all(data.as_bytes()))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn scan(a: ScanArgs) -> Result<ExitCode> {
    let profile = a.profile.rules_profile();
    let selection = Selection {
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        level: a.level,
    };
    let unknown = selection.unknown_patterns(profile);
    if !unknown.is_empty() {
        bail!(
            "--select/--ignore: {} match no rule of the {} profile (see `dockguard rules --profile {}`)",
            unknown.join(", "),
            profile.name(),
            profile.name()
        );
    }
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let facts = match &a.facts {
        Some(p) => load_facts(p)?,
        None => collect_live(&a.source)?,
    };
    let options = EvalOptions {
        include_orchestrated: a.include_orchestrated,
        containers: ContainerFilter {
            include: a
                .containers
                .iter()
                .map(|s| ContainerPattern::parse(s))
                .collect(),
            exclude: a
                .exclude_containers
                .iter()
                .map(|s| ContainerPattern::parse(s))
                .collect(),
        },
        thresholds: Default::default(),
    };
    let ctx = Ctx::new(&facts, options);
    let results = evaluate(&ctx, profile, &selection);
    let orchestrator = ctx.orchestrator.as_ref().map(|o| o.name.clone());
    let report = Report::new(
        &facts,
        profile,
        &results,
        orchestrator,
        started_at,
        t0.elapsed().as_millis() as u64,
    );
    let text = match a.format {
        Format::Json => None,
        Format::Text => {
            let color = match a.color.as_str() {
                "always" => true,
                "never" => false,
                _ => {
                    a.output.is_none()
                        && std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            Some(dockguard_report::text::render(
                &report,
                TextOptions {
                    color,
                    verbose: a.show_all,
                },
            ))
        }
    };
    write_output(a.output.as_deref(), |w| match &text {
        Some(t) => w.write_all(t.as_bytes()),
        None => dockguard_report::json::write(&report, w),
    })?;
    let threshold = match a.fail_on {
        FailOn::Never => return Ok(ExitCode::SUCCESS),
        FailOn::Any | FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
    };
    Ok(if report.gate_fails(threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn collect_cmd(a: CollectArgs) -> Result<ExitCode> {
    let facts = collect_live(&a.source)?;
    write_output(Some(&a.output), |w| {
        serde_json::to_writer_pretty(&mut *w, &facts)?;
        w.write_all(b"\n")
    })?;
    Ok(ExitCode::SUCCESS)
}

fn rules(a: RulesArgs) -> Result<ExitCode> {
    let profile = a.profile.rules_profile();
    let selected = Selection {
        level: a.level,
        ..Default::default()
    }
    .rules(profile);
    let out = match a.format {
        RulesFormat::Json => {
            let v: Vec<serde_json::Value> = selected
                .iter()
                .map(|(id, r)| {
                    serde_json::json!({
                        "id": id,
                        "refs": {"azure": r.azure.as_slice(), "cis-1.6": r.cis},
                        "title": r.title,
                        "section": r.section.title(),
                        "severity": r.severity,
                        "level": r.level,
                        "assessment": r.assessment,
                        "scope": r.scope,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&v)? + "\n"
        }
        RulesFormat::Table => {
            let other = match profile {
                dockguard_rules::Profile::Azure => "CIS 1.6",
                dockguard_rules::Profile::Cis16 => "AZURE",
            };
            let row = |id: &str, other_id: &str, sev: &str, lvl: &str, kind: &str, title: &str| {
                format!("{id:<8} {other_id:<10} {sev:<9} {lvl:<3} {kind:<9} {title}\n")
            };
            let mut s = row("ID", other, "SEVERITY", "LVL", "CIS", "TITLE");
            if profile == dockguard_rules::Profile::Azure {
                s.push_str(&row(
                    "0.0",
                    "-",
                    "info",
                    "-",
                    "-",
                    dockguard_rules::inventory::INVENTORY_TITLE,
                ));
            }
            for (id, r) in &selected {
                let other_id = match profile {
                    dockguard_rules::Profile::Azure => r.cis.join(","),
                    dockguard_rules::Profile::Cis16 => r.azure.unwrap_or("-").to_string(),
                };
                let kind = match r.assessment {
                    dockguard_rules::Assessment::Automated => "automated",
                    dockguard_rules::Assessment::Manual => "manual",
                };
                s.push_str(&row(
                    id,
                    &other_id,
                    r.severity.as_str(),
                    &r.level.to_string(),
                    kind,
                    r.title,
                ));
            }
            s
        }
    };
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(id: &str, profile: dockguard_rules::Profile) -> Result<ExitCode> {
    let Some((id, r)) = dockguard_rules::find(profile, id) else {
        bail!(
            "no rule {id:?} in the {} profile (see `dockguard rules --profile {}`; other numberings as azure:5.31, \
             cis:5.32, cis-1.8:2.8)",
            profile.name(),
            profile.name()
        );
    };
    let text = format!(
        "{id} {title}\n\nAzure: {azure}   CIS Docker 1.6: {cis}   Section: {sn} {st}\n\
         Severity: {sev}   Level: {lvl}   CIS assessment: {ass}\n\n\
         Why it matters\n  {rat}\n\nHow dockguard checks it\n  {audit}\n\nHow to fix it\n  {fix}\n\n\
         Impact of the fix\n  {impact}\n\nReferences\n{refs}",
        title = r.title,
        azure = r.azure.unwrap_or("-"),
        cis = if r.cis.is_empty() { "-".to_string() } else { r.cis.join(", ") },
        sn = r.section.number(),
        st = r.section.title(),
        sev = r.severity,
        lvl = r.level,
        ass = match r.assessment {
            dockguard_rules::Assessment::Automated => "automated",
            dockguard_rules::Assessment::Manual => "manual",
        },
        rat = r.rationale,
        audit = r.audit,
        fix = r.remediation,
        impact = r.impact,
        refs = r.all_references().iter().map(|x| format!("  - {x}\n")).collect::<String>(),
    );
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
