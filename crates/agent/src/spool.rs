//! The on-disk queue of reports waiting for the server.
//!
//! Every report is written here, atomically, before any attempt to send it, so a report survives the server
//! being down, the network failing, and the agent itself being killed. Files are named
//! `<unix-millis>-<report_id>.json` and delivered oldest first; delivered ones are removed; reports the server
//! will never accept are moved to `rejected/` next to a `.reason` file saying why.

use crate::AgentError;
use dockguard_store::Envelope;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Prefix of files being written; never listed as pending.
const TMP_PREFIX: &str = ".tmp-";
/// Temporary files older than this are left-overs of a crash and are removed when the spool is opened.
const STALE_TMP: Duration = Duration::from_secs(600);
/// More pending reports than this earns a warning (the spool itself is not capped: nothing is dropped).
const PENDING_WARN: usize = 1000;

/// The directory where reports wait for delivery.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// The last millisecond stamp handed out, so names sort in the order reports were spooled.
    last_millis: Mutex<u64>,
    /// Consecutive failed delivery attempts (drives the backoff).
    failures: AtomicU32,
}

/// A spooled report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolEntry {
    pub path: PathBuf,
    /// When it was spooled, in milliseconds since the Unix epoch.
    pub millis: u64,
    pub report_id: String,
}

impl SpoolEntry {
    pub fn file_name(&self) -> String {
        file_name(self.millis, &self.report_id)
    }
}

fn file_name(millis: u64, report_id: &str) -> String {
    format!("{millis:013}-{report_id}.json")
}

/// Report ids become file names: only letters, digits, `-` and `_` (a UUID is fine).
pub(crate) fn valid_report_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `<millis>-<report_id>.json` → (millis, report_id).
fn parse_name(name: &str) -> Option<(u64, String)> {
    let stem = name.strip_suffix(".json")?;
    let (millis, id) = stem.split_once('-')?;
    if millis.is_empty() || !millis.bytes().all(|b| b.is_ascii_digit()) || !valid_report_id(id) {
        return None;
    }
    Some((millis.parse().ok()?, id.to_string()))
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> AgentError {
    AgentError::Spool(format!("cannot {what} {}: {e}", path.display()))
}

/// Flushes a directory so a rename or removal in it survives a crash.
fn sync_dir(dir: &Path) -> Result<(), AgentError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("sync directory", dir, e))
}

/// Writes `bytes` to `dir/name` atomically: a temporary file in the same directory, written and flushed to
/// disk, then renamed into place. A reader sees either no file or the whole file.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, AgentError> {
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
    let target = dir.join(name);
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let mut f = opts.open(&tmp).map_err(|e| io_err("create", &tmp, e))?;
        f.write_all(bytes).map_err(|e| io_err("write", &tmp, e))?;
        f.sync_all().map_err(|e| io_err("flush", &tmp, e))?;
        drop(f);
        fs::rename(&tmp, &target).map_err(|e| io_err("rename into place", &target, e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| target)
}

impl Spool {
    /// Opens the spool, creating the directory (mode 0700) when missing, checking it is writable and removing
    /// left-over temporary files of a crashed write.
    pub fn open(dir: impl AsRef<Path>) -> Result<Spool, AgentError> {
        let dir = dir.as_ref().to_path_buf();
        if dir.as_os_str().is_empty() {
            return Err(AgentError::Spool("the spool directory is empty".into()));
        }
        match fs::metadata(&dir) {
            Ok(m) if !m.is_dir() => {
                return Err(AgentError::Spool(format!(
                    "spool {} exists and is not a directory",
                    dir.display()
                )))
            }
            Ok(_m) =>
            {
                #[cfg(unix)]
                if _m.permissions().mode() & 0o077 != 0 {
                    tracing::warn!(
                        spool = %dir.display(),
                        mode = format!("{:o}", _m.permissions().mode() & 0o777),
                        "the spool directory is accessible by other users; the reports in it describe this host's configuration (chmod 700 it)"
                    );
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut b = fs::DirBuilder::new();
                b.recursive(true);
                #[cfg(unix)]
                b.mode(0o700);
                b.create(&dir)
                    .map_err(|e| io_err("create spool directory", &dir, e))?;
                #[cfg(unix)]
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                    .map_err(|e| io_err("set permissions of", &dir, e))?;
            }
            Err(e) => return Err(io_err("open spool directory", &dir, e)),
        }
        let spool = Spool {
            dir,
            last_millis: Mutex::new(0),
            failures: AtomicU32::new(0),
        };
        spool.remove_stale_temporaries()?;
        // Fail now, not at the first report, when the directory cannot be written.
        let probe = format!("probe-{}", std::process::id());
        let probe_path = write_atomic(&spool.dir, &format!("{TMP_PREFIX}{probe}"), b"")
            .map_err(|e| AgentError::Spool(format!("the spool directory is not writable: {e}")))?;
        let _ = fs::remove_file(probe_path);
        let newest = spool.pending()?.last().map(|e| e.millis).unwrap_or(0);
        *spool.last_millis.lock().unwrap_or_else(|p| p.into_inner()) = newest;
        Ok(spool)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where reports the server will never accept are kept, each with a `.reason` file.
    pub fn rejected_dir(&self) -> PathBuf {
        self.dir.join("rejected")
    }

    fn remove_stale_temporaries(&self) -> Result<(), AgentError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| io_err("read", &self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with(TMP_PREFIX) {
                continue;
            }
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_TMP);
            if old {
                tracing::info!(file = %entry.path().display(), "removing an incomplete spool file left by an interrupted write");
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// A name stamp after every earlier one, so names sort in spooling order even within one millisecond.
    fn next_millis(&self) -> u64 {
        let mut last = self.last_millis.lock().unwrap_or_else(|p| p.into_inner());
        let m = now_millis().max(*last + 1);
        *last = m;
        m
    }

    /// Writes the envelope to the spool, atomically and flushed to disk. Call it before sending.
    pub fn put(&self, envelope: &Envelope) -> Result<SpoolEntry, AgentError> {
        if !valid_report_id(&envelope.report_id) {
            return Err(AgentError::Spool(format!(
                "report id {:?} cannot be spooled: only letters, digits, '-' and '_' are allowed",
                envelope.report_id
            )));
        }
        let bytes = serde_json::to_vec(envelope)
            .map_err(|e| AgentError::Spool(format!("cannot serialize the report: {e}")))?;
        let millis = self.next_millis();
        let name = file_name(millis, &envelope.report_id);
        let path = write_atomic(&self.dir, &name, &bytes)?;
        Ok(SpoolEntry {
            path,
            millis,
            report_id: envelope.report_id.clone(),
        })
    }

    /// Reports waiting for delivery, oldest first.
    pub fn pending(&self) -> Result<Vec<SpoolEntry>, AgentError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| io_err("read", &self.dir, e))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_err("read", &self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((millis, report_id)) = parse_name(name) else {
                continue;
            };
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            out.push(SpoolEntry {
                path: entry.path(),
                millis,
                report_id,
            });
        }
        out.sort_by(|a, b| (a.millis, &a.report_id).cmp(&(b.millis, &b.report_id)));
        if out.len() > PENDING_WARN {
            tracing::warn!(
                pending = out.len(),
                spool = %self.dir.display(),
                "many reports are waiting for the server"
            );
        }
        Ok(out)
    }

    /// The spooled bytes of a report.
    pub fn read(&self, entry: &SpoolEntry) -> Result<Vec<u8>, AgentError> {
        fs::read(&entry.path).map_err(|e| io_err("read", &entry.path, e))
    }

    /// Removes a delivered report.
    pub fn remove(&self, entry: &SpoolEntry) -> Result<(), AgentError> {
        match fs::remove_file(&entry.path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("remove", &entry.path, e)),
        }
    }

    /// Moves a report the server will never accept to `rejected/`, with `reason` in a `.reason` file beside
    /// it. Returns the report's new path.
    pub fn reject(&self, entry: &SpoolEntry, reason: &str) -> Result<PathBuf, AgentError> {
        let dir = self.rejected_dir();
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        b.mode(0o700);
        b.create(&dir).map_err(|e| io_err("create", &dir, e))?;
        let name = entry.file_name();
        let stem = name.strip_suffix(".json").unwrap_or(&name);
        // The reason first: a crash in between leaves the report pending (to be rejected again), never a
        // rejected report without its reason.
        let mut text = reason.trim_end().to_string();
        text.push('\n');
        write_atomic(&dir, &format!("{stem}.reason"), text.as_bytes())?;
        let target = dir.join(&name);
        fs::rename(&entry.path, &target)
            .map_err(|e| io_err("move to rejected/", &entry.path, e))?;
        sync_dir(&dir)?;
        sync_dir(&self.dir)?;
        Ok(target)
    }

    /// Rejected reports (their `.json` files), oldest first.
    pub fn rejected(&self) -> Result<Vec<PathBuf>, AgentError> {
        let dir = self.rejected_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("read", &dir, e)),
        };
        let mut out: Vec<(u64, String, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                let (millis, _) = parse_name(&name)?;
                Some((millis, name, e.path()))
            })
            .collect();
        out.sort();
        Ok(out.into_iter().map(|(_, _, p)| p).collect())
    }

    /// Counts a failed delivery attempt; returns how many failed in a row.
    pub(crate) fn record_failure(&self) -> u32 {
        self.failures
            .fetch_add(1, Ordering::SeqCst)
            .saturating_add(1)
    }

    pub(crate) fn reset_failures(&self) {
        self.failures.store(0, Ordering::SeqCst);
    }

    /// Consecutive failed delivery attempts so far.
    pub fn consecutive_failures(&self) -> u32 {
        self.failures.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sort_numerically() {
        let n = file_name(1_700_000_000_123, "abc-1");
        assert_eq!(n, "1700000000123-abc-1.json");
        assert_eq!(
            parse_name(&n),
            Some((1_700_000_000_123, "abc-1".to_string()))
        );
        assert_eq!(parse_name(".tmp-12-1700000000123-abc.json"), None);
        assert_eq!(parse_name("rejected"), None);
        assert_eq!(parse_name("12-a b.json"), None);
        assert_eq!(parse_name("x12-ab.json"), None);
    }

    #[test]
    fn report_ids_safe_for_file_names() {
        assert!(valid_report_id("0b6f2c1e-7d4c-4e7e-9d8f-1a2b3c4d5e6f"));
        assert!(!valid_report_id("../etc/passwd"));
        assert!(!valid_report_id(""));
        assert!(!valid_report_id("a/b"));
    }
}
