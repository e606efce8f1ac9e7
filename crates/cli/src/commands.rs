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
        Command::Scan(a) => scan(*a),
        Command::Collect(a) => collect_cmd(a),
        Command::Rules(a) => rules(a),
        Command::Explain { id, profile } => explain(&id, profile.rules_profile()),
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Agent(a) => agent(*a),
        Command::Server(a) => server(*a),
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

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

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

/// Pairs each `--format` with its `--output`: one format and no output goes to stdout; otherwise every
/// format needs its own file.
fn outputs(a: &ScanArgs) -> Result<Vec<(Format, Option<std::path::PathBuf>)>> {
    let formats = if a.format.is_empty() {
        vec![Format::Text]
    } else {
        a.format.clone()
    };
    match (formats.len(), a.output.len()) {
        (1, 0) => Ok(vec![(formats[0], None)]),
        (f, o) if f == o => Ok(formats
            .into_iter()
            .zip(a.output.iter().cloned().map(Some))
            .collect()),
        (1, o) if a.format.is_empty() && o == 1 => {
            Ok(vec![(Format::Text, Some(a.output[0].clone()))])
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
        bail!(
            "--select/--ignore: {} match no rule of the {} profile (see `dockguard rules --profile {}`)",
            unknown.join(", "),
            profile.name(),
            profile.name()
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
         Why it matters\n  {rat}\n\nHow dockguard checks it\n  {audit}\n\nWhat counts as evidence\n  {evidence}\n\n\
         How to fix it\n  {fix}\n\n\
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

fn server(a: ServerArgs) -> Result<ExitCode> {
    use dockguard_store::{Role, Store};
    let store = open_store(&a.db)?;
    if let Some(ServerCommand::Token { command }) = &a.command {
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
    let mut cfg = dockguard_server::ServerConfig::new(a.listen);
    cfg.stale_after = a.stale_after;
    if let (Some(c), Some(k)) = (&a.tls_cert, &a.tls_key) {
        cfg.tls = Some((c.clone(), k.clone()));
    }
    let scheme = if cfg.tls.is_some() { "https" } else { "http" };
    let rt = runtime()?;
    if !a.no_local_agent {
        let endpoint = resolve_endpoint(a.source.docker_host.as_deref());
        let reachable = rt
            .block_on(dockguard_collect::docker::connect(&endpoint, 5))
            .is_ok();
        if reachable {
            let source = std::sync::Arc::new(a.source);
            cfg.local_agent = Some(dockguard_server::LocalAgent {
                run: std::sync::Arc::new(move || {
                    let report = assess(&source, dockguard_rules::Profile::Azure)
                        .map_err(|e| format!("{e:#}"))?;
                    Ok(dockguard_agent::envelope(report, None))
                }),
                interval: a.interval,
            });
        } else {
            eprintln!("no Docker daemon answers at {endpoint}: the built-in agent is off");
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
    rt.block_on(dockguard_server::serve(store, cfg, async {
        let _ = tokio::signal::ctrl_c().await;
    }))?;
    Ok(ExitCode::SUCCESS)
}
