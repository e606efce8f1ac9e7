//! Vulnerability scan reports supplied with `--image-scan FILE`: Trivy JSON (`trivy image -f json`,
//! SchemaVersion 2) and Grype JSON (`grype -o json`). Each becomes one [`ImageScan`] fact that rule CIS 4.4
//! matches to an image by id or registry digest.

use dockguard_facts::{ImageScan, Vulnerability};
use serde::Deserialize;
use std::path::Path;

/// The most a report may weigh: a scan of a large image is a few MB.
pub const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads and parses one report; the error names the file.
pub fn read(path: &Path) -> Result<ImageScan, String> {
    let shown = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot read image scan report {shown}: {e}"))?
        .len();
    if len > MAX_REPORT_BYTES {
        return Err(format!(
            "image scan report {shown} is {len} bytes, more than the {MAX_REPORT_BYTES} accepted"
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read image scan report {shown}: {e}"))?;
    parse(&shown.to_string(), &text)
}

/// Parses a Trivy or Grype JSON report (told apart by their top-level keys).
pub fn parse(source: &str, text: &str) -> Result<ImageScan, String> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("image scan report {source} is not valid JSON: {e}"))?;
    if v.get("SchemaVersion").is_some() || v.get("ArtifactName").is_some() {
        let r: TrivyReport = serde_json::from_value(v)
            .map_err(|e| format!("image scan report {source} is not a Trivy JSON report: {e}"))?;
        return Ok(r.into_scan(source));
    }
    if v.get("matches").is_some() && v.get("source").is_some() {
        let r: GrypeReport = serde_json::from_value(v)
            .map_err(|e| format!("image scan report {source} is not a Grype JSON report: {e}"))?;
        return r.into_scan(source);
    }
    Err(format!(
        "image scan report {source} is neither Trivy JSON (trivy image -f json) nor Grype JSON (grype -o json)"
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyReport {
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    artifact_name: String,
    #[serde(default)]
    artifact_type: Option<String>,
    #[serde(default)]
    metadata: TrivyMetadata,
    #[serde(default)]
    results: Vec<TrivyResult>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TrivyMetadata {
    #[serde(rename = "ImageID", default)]
    image_id: Option<String>,
    #[serde(default)]
    repo_tags: Vec<String>,
    #[serde(default)]
    repo_digests: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyResult {
    #[serde(default)]
    vulnerabilities: Option<Vec<TrivyVulnerability>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyVulnerability {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: String,
    #[serde(default)]
    pkg_name: String,
    #[serde(default)]
    installed_version: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    severity: String,
}

impl TrivyReport {
    fn into_scan(self, source: &str) -> ImageScan {
        let _ = self.artifact_type;
        ImageScan {
            source: source.to_string(),
            scanner: "trivy".into(),
            scanned_at: self.created_at,
            artifact: self.artifact_name,
            image_id: self.metadata.image_id.filter(|i| !i.is_empty()),
            repo_digests: self.metadata.repo_digests,
            repo_tags: self.metadata.repo_tags,
            vulnerabilities: self
                .results
                .into_iter()
                .flat_map(|r| r.vulnerabilities.unwrap_or_default())
                .map(|v| Vulnerability {
                    id: v.vulnerability_id,
                    package: v.pkg_name,
                    installed: v.installed_version,
                    fixed: v.fixed_version.unwrap_or_default(),
                    severity: v.severity.to_ascii_uppercase(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct GrypeReport {
    matches: Vec<GrypeMatch>,
    source: GrypeSource,
    #[serde(default)]
    descriptor: Option<GrypeDescriptor>,
}

#[derive(Deserialize)]
struct GrypeSource {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    target: serde_json::Value,
}

#[derive(Deserialize)]
struct GrypeDescriptor {
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct GrypeMatch {
    vulnerability: GrypeVulnerability,
    artifact: GrypeArtifact,
}

#[derive(Deserialize)]
struct GrypeVulnerability {
    id: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    fix: Option<GrypeFix>,
}

#[derive(Deserialize)]
struct GrypeFix {
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    state: String,
}

#[derive(Deserialize)]
struct GrypeArtifact {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

impl GrypeReport {
    fn into_scan(self, source: &str) -> Result<ImageScan, String> {
        if self.source.kind != "image" {
            return Err(format!(
                "image scan report {source} is a Grype scan of a {:?}, not of an image",
                self.source.kind
            ));
        }
        let t = &self.source.target;
        let strings = |key: &str| -> Vec<String> {
            t.get(key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(ImageScan {
            source: source.to_string(),
            scanner: "grype".into(),
            scanned_at: self.descriptor.and_then(|d| d.timestamp),
            artifact: t
                .get("userInput")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            image_id: t
                .get("imageID")
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            repo_digests: strings("repoDigests"),
            repo_tags: strings("tags"),
            vulnerabilities: self
                .matches
                .into_iter()
                .map(|m| {
                    let fixed = m
                        .vulnerability
                        .fix
                        .filter(|f| f.state == "fixed")
                        .map(|f| f.versions.join(", "))
                        .unwrap_or_default();
                    Vulnerability {
                        id: m.vulnerability.id,
                        package: m.artifact.name,
                        installed: m.artifact.version,
                        fixed,
                        severity: m.vulnerability.severity.to_ascii_uppercase(),
                    }
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/testdata/image-scans/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn trivy_report() {
        let s = parse("trivy.json", &sample("trivy.json")).unwrap();
        assert_eq!(s.scanner, "trivy");
        assert_eq!(s.artifact, "registry.example/app:1.4");
        assert_eq!(
            s.image_id.as_deref(),
            Some("sha256:3c8a1f0e6b5f4b9d8a7c6e5f4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c")
        );
        assert_eq!(s.scanned_at.as_deref(), Some("2026-11-28T09:12:44.5Z"));
        assert_eq!(s.vulnerabilities.len(), 3);
        let fixable: Vec<_> = s
            .vulnerabilities
            .iter()
            .filter(|v| !v.fixed.is_empty())
            .collect();
        assert_eq!(fixable.len(), 2);
        assert_eq!(fixable[0].severity, "HIGH");
    }

    #[test]
    fn grype_report() {
        let s = parse("grype.json", &sample("grype.json")).unwrap();
        assert_eq!(s.scanner, "grype");
        assert_eq!(s.repo_digests, ["registry.example/app@sha256:1111"]);
        assert_eq!(s.scanned_at.as_deref(), Some("2026-11-28T09:15:02.118Z"));
        let v = &s.vulnerabilities;
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].fixed.as_str(), v[0].severity.as_str()),
            ("1.36.1-r20", "CRITICAL")
        );
        assert_eq!(v[1].fixed, "", "won't-fix is not a fix");
    }

    #[test]
    fn other_files_are_refused_with_their_name() {
        let e = parse("notes.json", "{\"a\": 1}").unwrap_err();
        assert!(
            e.contains("notes.json") && e.contains("neither Trivy"),
            "{e}"
        );
        let e = parse("broken.json", "{").unwrap_err();
        assert!(e.contains("broken.json is not valid JSON"), "{e}");
        let e = parse(
            "dir.json",
            r#"{"matches": [], "source": {"type": "directory", "target": "/src"}}"#,
        )
        .unwrap_err();
        assert!(e.contains("not of an image"), "{e}");
    }
}
