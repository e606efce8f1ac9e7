//! The subcommands. Only this crate prints or exits.

use crate::cli::*;
use anyhow::{anyhow, bail, Context, Result};
use clap::CommandFactory;
use dockguard_collect::{collect, resolve_endpoint, CollectOptions, Unreachable};
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
        Command::Scan(a) => scan(*a),
        Command::Collect(a) => collect_cmd(a),
        Command::Rules(a) => rules(a),
        Command::Explain { id, profile } => explain(&id, profile.rules_profile()),
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Agent(a) => agent(*a),
        Command::Server(a) => server(*a),
        Command::Completions { shell } => completions(shell),
    }
}

/// `dockguard completions SHELL`: the completion script, generated from the clap definitions.
fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dockguard", &mut buf);
    write_output(None, |w| w.write_all(&buf))?;
    Ok(ExitCode::SUCCESS)
}

/// A daemon that cannot be reached: the cause, the endpoint, where it came from and the fix, then the
/// offline alternative.
fn unreachable(e: Unreachable) -> anyhow::Error {
    anyhow!("{e}\n(to evaluate saved facts instead: `dockguard collect -o FILE` where the daemon answers, then `dockguard scan --facts FILE`)")
}

/// Warns loudly when `--root` is not a host's root filesystem: host-side rules would read nothing there.
fn warn_about_root(facts: &Facts) {
    let c = &facts.collector;
    if c.root_missing.is_empty() {
        return;
    }
    let paint = |s: &str| {
        if std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        {
            format!("\x1b[1;33m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    eprintln!(
        "{}",
        paint(&format!(
            "warning: --root {} does not look like a host's root filesystem: it has no {}.\n\
             warning: host-side rules (sections 1-3) read their files there; those found not applicable say so \
             in their reason.\n\
             warning: in a container, mount the host's / read-only at /host (-v /:/host:ro) and use --root /host \
             (or DOCKGUARD_ROOT=/host).",
            c.root,
            c.root_missing.join(", ")
        ))
    );
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
    if !src.root.is_dir() {
        bail!("--root {}: not a directory", src.root.display());
    }
    let endpoint = resolve_endpoint(src.docker_host.as_deref()).map_err(unreachable)?;
    tracing::info!(endpoint = %endpoint, source = %endpoint.source, "Docker endpoint");
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
            warn_about_root(&f);
            if let Some(id) = &f.collector.scanner_container {
                tracing::info!(container = %id, "dockguard runs in this container: it is not assessed");
            }
            tracing::info!(
                containers = f.docker.ok().map(|d| d.containers.len()).unwrap_or(0),
                ms = f.collector.duration_ms,
                "facts collected"
            );
            Ok(f)
        }
        Err(e) => Err(unreachable(e)),
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
    write_output_mode(path, 0o644, render)
}

/// Like [`write_output`], creating the file with `mode` (0600 for facts, which hold image ENV values).
fn write_output_mode(
    path: Option<&Path>,
    mode: u32,
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
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
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

use dockguard_facts::dates::now_rfc3339;

fn fail_on_threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Never => None,
        FailOn::Any | FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
    }
}

fn parse_fail_on(s: &str) -> FailOn {
    match s {
        "never" => FailOn::Never,
        "low" => FailOn::Low,
        "medium" => FailOn::Medium,
        "high" => FailOn::High,
        "critical" => FailOn::Critical,
        _ => FailOn::Any,
    }
}

/// The format a report file's name asks for: `.json`, `.sarif` (and `.sarif.json`), `.xml` (JUnit), `.csv`,
/// `.md`/`.markdown`, `.html`/`.htm`, `.txt`.
fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".sarif.json") {
        return Some(Format::Sarif);
    }
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    Some(match ext.as_str() {
        "json" => Format::Json,
        "sarif" => Format::Sarif,
        "xml" => Format::Junit,
        "csv" => Format::Csv,
        "md" | "markdown" => Format::Markdown,
        "html" | "htm" => Format::Html,
        "txt" | "text" => Format::Text,
        _ => return None,
    })
}

/// Pairs each `--format` with its `--output`: one format and no output goes to stdout; without any
/// `--format`, each output file's extension decides its format; otherwise every format needs its own file.
fn outputs(a: &ScanArgs) -> Result<Vec<(Format, Option<std::path::PathBuf>)>> {
    if a.format.is_empty() {
        if a.output.is_empty() {
            return Ok(vec![(Format::Text, None)]);
        }
        return a
            .output
            .iter()
            .map(|p| {
                if p == Path::new("-") {
                    return Ok((Format::Text, Some(p.clone())));
                }
                match format_of(p) {
                    Some(f) => Ok((f, Some(p.clone()))),
                    None => bail!(
                        "-o {}: cannot tell the report format from the file name; name it .json, .sarif, .xml \
                         (JUnit), .csv, .md, .html or .txt, or give the format: `-f json -o {}`",
                        p.display(),
                        p.display()
                    ),
                }
            })
            .collect();
    }
    match (a.format.len(), a.output.len()) {
        (1, 0) => Ok(vec![(a.format[0], None)]),
        (f, o) if f == o => {
            for (format, p) in a.format.iter().zip(&a.output) {
                if let Some(implied) = format_of(p).filter(|i| i != format) {
                    tracing::warn!(
                        "writing the {} format to {} (its name suggests {})",
                        format.report_format(),
                        p.display(),
                        implied.report_format()
                    );
                }
            }
            Ok(a.format
                .iter()
                .copied()
                .zip(a.output.iter().cloned().map(Some))
                .collect())
        }
        (f, o) => bail!(
            "{f} --format and {o} --output given: with several formats, give each its own --output \
             (`-f json -o r.json -f sarif -o r.sarif`)"
        ),
    }
}

fn scan(a: ScanArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let config = dockguard_config::Config::discover(a.config.as_deref(), &cwd)?;
    let profile = a
        .profile
        .map(Profile::rules_profile)
        .or(config.as_ref().and_then(|c| c.profile))
        .unwrap_or(dockguard_rules::Profile::Azure);
    if let Some(c) = &config {
        c.validate(profile)?;
        tracing::info!(path = %c.path, "configuration loaded");
    }
    let outputs = outputs(&a)?;
    let selection = Selection {
        select: if a.select.is_empty() {
            config
                .as_ref()
                .map(|c| c.select.clone())
                .unwrap_or_default()
        } else {
            a.select.clone()
        },
        ignore: a
            .ignore
            .iter()
            .chain(config.iter().flat_map(|c| c.ignore.iter()))
            .cloned()
            .collect(),
        level: a.level.or(config.as_ref().and_then(|c| c.level)),
    };
    let unknown = selection.unknown_patterns(profile);
    if !unknown.is_empty() {
        let hints: Vec<String> = unknown
            .iter()
            .filter_map(|u| {
                let h = dockguard_rules::did_you_mean(profile, u);
                (!h.is_empty()).then(|| format!("\n  {u}: {h}"))
            })
            .collect();
        bail!(
            "--select/--ignore: {} match no rule of the {} profile (see `dockguard rules --profile {}`){}",
            unknown.join(", "),
            profile.name(),
            profile.name(),
            hints.concat()
        );
    }
    let baseline = match &a.baseline {
        Some(p) => Some(dockguard_report::compare::load_report(p).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let fail_on = a
        .fail_on
        .or(config
            .as_ref()
            .and_then(|c| c.fail_on.as_deref())
            .map(parse_fail_on))
        .unwrap_or(FailOn::Any);
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let mut facts = match &a.facts {
        Some(p) => load_facts(p)?,
        None => collect_live(&a.source)?,
    };
    attach_image_scans(&mut facts, &a.source)?;
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
        thresholds: config.as_ref().map(|c| c.thresholds).unwrap_or_default(),
    };
    let ctx = Ctx::new(&facts, options);
    let results = evaluate(&ctx, profile, &selection);
    let orchestrator = ctx.orchestrator.as_ref().map(|o| o.name.clone());
    let mut report = Report::new(&facts, profile, &results, orchestrator, started_at, 0);
    report.note_orchestration(&ctx);
    if let Some(c) = &config {
        let today = time::OffsetDateTime::now_utc().date();
        dockguard_config::apply_exemptions(&mut report, &facts, c, profile, today);
    }
    if let (Some(b), Some(p)) = (&baseline, &a.baseline) {
        dockguard_report::compare::apply_baseline(&mut report, b, &p.display().to_string())
            .map_err(anyhow::Error::msg)?;
    }
    report.duration_ms = t0.elapsed().as_millis() as u64;
    for (format, path) in &outputs {
        let color = match a.color.as_str() {
            "always" => true,
            "never" => false,
            _ => {
                path.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let text = TextOptions {
            color,
            verbose: a.show_all,
            all_targets: a.all_targets,
            group_by_section: a.group_by == GroupBy::Section,
        };
        write_output(path.as_deref(), |w| {
            dockguard_report::write(&report, format.report_format(), text, w)
        })?;
    }
    Ok(match fail_on_threshold(fail_on) {
        Some(t) if report.gate_fails(t) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn diff(old: &Path, new: &Path, format: DiffFormat) -> Result<ExitCode> {
    use dockguard_report::compare;
    let a = compare::load_report(old).map_err(anyhow::Error::msg)?;
    let b = compare::load_report(new).map_err(anyhow::Error::msg)?;
    let c = compare::compare(&a, &b).map_err(anyhow::Error::msg)?;
    let out = match format {
        DiffFormat::Text => compare::render_text(&c),
        DiffFormat::Json => serde_json::to_string_pretty(&c)? + "\n",
    };
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Adds the `--image-scan` reports to the facts (after any the facts file already carries).
fn attach_image_scans(facts: &mut Facts, src: &SourceArgs) -> Result<()> {
    for p in &src.image_scans {
        let scan = dockguard_collect::image_scan::read(p).map_err(anyhow::Error::msg)?;
        facts.image_scans.push(scan);
    }
    Ok(())
}

fn collect_cmd(a: CollectArgs) -> Result<ExitCode> {
    let mut facts = collect_live(&a.source)?;
    attach_image_scans(&mut facts, &a.source)?;
    write_output_mode(Some(&a.output), 0o600, |w| {
        serde_json::to_writer_pretty(&mut *w, &facts)?;
        w.write_all(b"\n")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What `rules` and `explain` say about `0.0`, the Azure baseline's inventory entry.
const INVENTORY_TEXT: &str = "Not a control: the facts an operator wants at a glance — Docker and API \
    version, components, storage, logging and cgroup drivers, the Docker root directory, security options, \
    swarm state, and the containers and images on the host. Every report carries it (the `inventory` object \
    of the JSON report); the text report shows it with --show-all or `--select 0.0`.";

fn rules(a: RulesArgs) -> Result<ExitCode> {
    use dockguard_rules::Profile as P;
    let profile = a.profile.rules_profile();
    let selected = Selection {
        level: a.level,
        ..Default::default()
    }
    .rules(profile);
    let inventory = profile == P::Azure;
    let out = match a.format {
        RulesFormat::Json => {
            let mut v: Vec<serde_json::Value> = Vec::new();
            if inventory {
                v.push(serde_json::json!({
                    "id": dockguard_rules::inventory::INVENTORY_ID,
                    "refs": {"azure": [dockguard_rules::inventory::INVENTORY_ID], "cis-1.6": [], "cis-1.8": []},
                    "title": dockguard_rules::inventory::INVENTORY_TITLE,
                    "section": "Inventory",
                    "severity": "info",
                    "level": null,
                    "assessment": null,
                    "scope": "host",
                }));
            }
            v.extend(selected.iter().map(|(id, r)| {
                serde_json::json!({
                    "id": id,
                    "refs": {
                        "azure": r.azure.as_slice(),
                        "cis-1.6": r.cis,
                        "cis-1.8": r.id_in(P::Cis18).as_slice(),
                    },
                    "title": r.title,
                    "section": r.section.title(),
                    "severity": r.severity,
                    "level": r.level,
                    "assessment": r.assessment,
                    "scope": r.scope,
                })
            }));
            serde_json::to_string_pretty(&v)? + "\n"
        }
        RulesFormat::Table => {
            let other = match profile {
                P::Azure | P::Cis18 => "CIS 1.6",
                P::Cis16 => "AZURE",
            };
            let row = |id: &str, other_id: &str, sev: &str, lvl: &str, kind: &str, title: &str| {
                format!("{id:<8} {other_id:<10} {sev:<9} {lvl:<3} {kind:<9} {title}\n")
            };
            let mut s = row("ID", other, "SEVERITY", "LVL", "CIS", "TITLE");
            if inventory {
                s.push_str(&row(
                    dockguard_rules::inventory::INVENTORY_ID,
                    "-",
                    "info",
                    "-",
                    "-",
                    dockguard_rules::inventory::INVENTORY_TITLE,
                ));
            }
            for (id, r) in &selected {
                let other_id = match profile {
                    P::Azure | P::Cis18 => r.cis.join(","),
                    P::Cis16 => r.azure.unwrap_or("-").to_string(),
                };
                let kind = match r.assessment {
                    dockguard_rules::Assessment::Automated => "automated",
                    dockguard_rules::Assessment::Manual => "manual",
                };
                s.push_str(&row(
                    id,
                    if other_id.is_empty() { "-" } else { &other_id },
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
    use dockguard_rules::Profile as P;
    if profile == P::Azure && matches!(id.trim(), "0.0" | "azure:0.0") {
        write_stdout(&format!(
            "0.0 {}\n\nAzure: 0.0   Severity: info\n\n{INVENTORY_TEXT}\n",
            dockguard_rules::inventory::INVENTORY_TITLE
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some((id, r)) = dockguard_rules::find(profile, id) else {
        let hint = dockguard_rules::did_you_mean(profile, id);
        bail!(
            "no rule {id:?} in the {} profile{}\n(see `dockguard rules --profile {}`; other numberings as azure:5.31, \
             cis:5.32, cis-1.8:2.8)",
            profile.name(),
            if hint.is_empty() { String::new() } else { format!("; {hint}") },
            profile.name()
        );
    };
    let text = format!(
        "{id} {title}\n\nAzure: {azure}   CIS Docker 1.6: {cis}   CIS Docker 1.8: {cis18}   Section: {sn} {st}\n\
         Severity: {sev}   Level: {lvl}   CIS assessment: {ass}\n\n\
         Why it matters\n  {rat}\n\nHow dockguard checks it\n  {audit}\n\nWhat counts as evidence\n  {evidence}\n\n\
         How to fix it\n  {fix}\n\n\
         Impact of the fix\n  {impact}\n\nReferences\n{refs}",
        title = r.title,
        azure = r.azure.unwrap_or("-"),
        cis = if r.cis.is_empty() { "-".to_string() } else { r.cis.join(", ") },
        cis18 = r.id_in(P::Cis18).unwrap_or("-"),
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
        evidence = r.evidence(),
        fix = r.remediation,
        impact = r.impact,
        refs = r.all_references().iter().map(|x| format!("  - {x}\n")).collect::<String>(),
    );
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Collects this host's facts and evaluates every rule of the profile: the report an agent submits.
pub fn assess(src: &SourceArgs, profile: dockguard_rules::Profile) -> Result<Report> {
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let mut facts = collect_live(src)?;
    attach_image_scans(&mut facts, src)?;
    let ctx = Ctx::new(&facts, EvalOptions::default());
    let results = evaluate(&ctx, profile, &Selection::default());
    let orchestrator = ctx.orchestrator.as_ref().map(|o| o.name.clone());
    let mut report = Report::new(
        &facts,
        profile,
        &results,
        orchestrator,
        started_at,
        t0.elapsed().as_millis() as u64,
    );
    report.note_orchestration(&ctx);
    Ok(report)
}

fn agent(a: AgentArgs) -> Result<ExitCode> {
    let token = dockguard_agent::read_token_file(&a.token_file)?;
    let mut cfg = dockguard_agent::AgentConfig::new(a.server.clone(), token, a.spool.clone());
    cfg.interval = a.interval;
    cfg.once = a.once;
    cfg.ca_cert = a.ca_cert.clone();
    cfg.host_key = a.host_key.clone();
    let profile = a.profile.rules_profile();
    let source = std::sync::Arc::new(a.source);
    let assess_fn = move || assess(&source, profile).map_err(|e| format!("{e:#}"));
    let summary = runtime()?.block_on(dockguard_agent::run(cfg, assess_fn))?;
    tracing::info!(?summary, "agent finished");
    Ok(ExitCode::SUCCESS)
}

fn open_store(db: &str) -> Result<std::sync::Arc<dockguard_store::SqliteStore>> {
    let path = if let Some(p) = db.strip_prefix("sqlite://") {
        p
    } else if db.contains("://") {
        bail!("--db {db}: only SQLite is available in this version (a path or sqlite:///path)");
    } else {
        db
    };
    let store = dockguard_store::SqliteStore::open(Path::new(path))
        .with_context(|| format!("cannot open the database {path}"))?;
    Ok(std::sync::Arc::new(store))
}

/// Why `dockguard server` cannot listen, and what to do.
fn listen_error(addr: std::net::SocketAddr, e: std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind as K;
    let (cause, fix) = match e.kind() {
        K::AddrInUse => (
            "the address is already in use (another dockguard server or another program listens there)".to_string(),
            format!("stop it, or choose another address: --listen {}:{}", addr.ip(), addr.port().wrapping_add(1).max(1024)),
        ),
        K::PermissionDenied => (
            "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)".to_string(),
            format!("use a port above 1023, e.g. --listen {}:8080", addr.ip()),
        ),
        K::AddrNotAvailable => (
            format!("{} is not an address of this machine", addr.ip()),
            format!("use 0.0.0.0 (every interface) or one of this machine's addresses: --listen 0.0.0.0:{}", addr.port()),
        ),
        _ => (e.to_string(), "choose another address with --listen".to_string()),
    };
    anyhow!("cannot listen on {addr}: {cause}\nfix: {fix}\n(nothing was created: no database, no token)")
}

/// Completes on SIGTERM or SIGINT, saying which. The handlers are installed when this is called, before the
/// server announces itself, so a signal never finds the default action (killing the process) in place.
fn shutdown_signal(
    rt: &tokio::runtime::Runtime,
) -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let _guard = rt.enter();
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        eprintln!("dockguard console: {name} received, shutting down");
    })
}

fn server(a: ServerArgs) -> Result<ExitCode> {
    use dockguard_store::{Role, Store};
    if let Some(ServerCommand::Token { command }) = &a.command {
        let store = open_store(&a.db)?;
        match command {
            TokenCommand::Create { role, name } => {
                let role = Role::parse(role).context("unknown role")?;
                let name = if name.trim().is_empty() {
                    format!("{} token created {}", role.as_str(), now_rfc3339())
                } else {
                    name.clone()
                };
                let (info, secret) = store.create_token(&name, role)?;
                eprintln!("created token {} ({})", info.id, info.role.as_str());
                write_stdout(&format!("{secret}\n"))?;
            }
            TokenCommand::List => {
                let mut out = format!(
                    "{:<5} {:<7} {:<8} {:<25} {}\n",
                    "ID", "ROLE", "STATE", "CREATED", "NAME"
                );
                for t in store.list_tokens()? {
                    out.push_str(&format!(
                        "{:<5} {:<7} {:<8} {:<25} {}\n",
                        t.id,
                        t.role.as_str(),
                        if t.revoked { "revoked" } else { "active" },
                        t.created_at,
                        t.name
                    ));
                }
                write_stdout(&out)?;
            }
            TokenCommand::Revoke { id } => {
                if !store.revoke_token(*id)? {
                    bail!("no token {id} (see `dockguard server token list`)");
                }
                eprintln!("revoked token {id}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Listen first: a server that cannot listen creates no database and prints no token.
    let rt = runtime()?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(a.listen))
        .map_err(|e| listen_error(a.listen, e))?;
    let shutdown = shutdown_signal(&rt)?;
    for f in a.tls_cert.iter().chain(&a.tls_key) {
        std::fs::File::open(f).with_context(|| format!("cannot read {}", f.display()))?;
    }
    let store = open_store(&a.db)?;
    let mut cfg = dockguard_server::ServerConfig::new(a.listen);
    cfg.stale_after = a.stale_after;
    if let (Some(c), Some(k)) = (&a.tls_cert, &a.tls_key) {
        cfg.tls = Some((c.clone(), k.clone()));
    }
    let scheme = if cfg.tls.is_some() { "https" } else { "http" };
    if !a.no_local_agent {
        let reachable = match resolve_endpoint(a.source.docker_host.as_deref()) {
            Ok(endpoint) => match rt.block_on(dockguard_collect::docker::connect(&endpoint, 5)) {
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        if reachable.is_ok() {
            let source = std::sync::Arc::new(a.source);
            cfg.local_agent = Some(dockguard_server::LocalAgent {
                run: std::sync::Arc::new(move || {
                    let report = assess(&source, dockguard_rules::Profile::Azure)
                        .map_err(|e| format!("{e:#}"))?;
                    Ok(dockguard_agent::envelope(report, None))
                }),
                interval: a.interval,
            });
        } else if let Err(e) = reachable {
            eprintln!("the built-in agent is off: {e}");
        }
    }
    let admins = store
        .list_tokens()?
        .into_iter()
        .filter(|t| t.role == Role::Admin && !t.revoked)
        .count();
    let url = format!("{scheme}://{}", a.listen);
    println!("dockguard console: {url}");
    if admins == 0 {
        let (_, secret) =
            store.create_token("first admin (created at first start)", Role::Admin)?;
        println!("admin login token (shown once): {secret}");
    }
    std::io::stdout().flush().ok();
    let store: std::sync::Arc<dyn Store> = store;
    let served = rt.block_on(dockguard_server::serve_on(listener, store, cfg, shutdown));
    // A local assessment still running must not hold the exit.
    rt.shutdown_timeout(Duration::from_secs(5));
    served?;
    eprintln!("dockguard console stopped");
    Ok(ExitCode::SUCCESS)
}
