//! The report model (`dockguard.report/v1`) and its renderers. One model, many formats: every renderer
//! reads the same [`Report`].

mod common;
pub mod compare;
pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod sarif;
pub mod text;

pub use common::MAX_TARGETS;
pub use model::*;

use std::io::{self, Write};

/// An output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Csv,
    Markdown,
    Html,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Csv,
        Format::Markdown,
        Format::Html,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// A format by name (case-insensitive); `md` is accepted for `markdown`.
    pub fn parse(s: &str) -> Option<Format> {
        let s = s.to_ascii_lowercase();
        if s == "md" {
            return Some(Format::Markdown);
        }
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The usual file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "xml",
            Format::Csv => "csv",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Writes the report in `format`; `text` styles the text format, and its `all_targets` also applies to the
/// markdown and HTML formats.
pub fn write(
    report: &Report,
    format: Format,
    text: text::TextOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => w.write_all(text::render(report, text).as_bytes()),
        Format::Json => json::write(report, w),
        Format::Sarif => sarif::write(report, w),
        Format::Junit => junit::write(report, w),
        Format::Csv => csv::write(report, w),
        Format::Markdown => markdown::write_with(report, text.all_targets, w),
        Format::Html => html::write_with(report, text.all_targets, w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockguard_rules::{
        evaluate, testing, Ctx, EvalOptions, Profile, Selection, Severity, Status, Target,
        TargetKind,
    };

    /// A host with a few failures: a privileged container mounting the socket, debug logging.
    fn facts() -> dockguard_facts::Facts {
        let mut f = testing::compliant_host();
        let c = testing::first_container(&mut f);
        c.privileged = Some(true);
        c.mounts
            .as_mut()
            .unwrap()
            .push(dockguard_facts::MountFacts {
                kind: Some("bind".into()),
                source: Some("/var/run/docker.sock".into()),
                destination: "/var/run/docker.sock".into(),
                rw: Some(true),
                propagation: Some("rprivate".into()),
            });
        testing::daemon_json_set(&mut f, "log-level", serde_json::json!("debug"));
        f
    }

    fn scan(f: &dockguard_facts::Facts, select: &[&str]) -> Report {
        let ctx = Ctx::new(f, EvalOptions::default());
        let sel = Selection {
            select: select.iter().map(|s| s.to_string()).collect(),
            ignore: vec![],
            level: None,
        };
        let results = evaluate(&ctx, Profile::Azure, &sel);
        Report::new(
            f,
            Profile::Azure,
            &results,
            None,
            "2026-11-25T00:00:00Z".into(),
            12,
        )
    }

    pub(crate) fn fixture_report() -> Report {
        report()
    }

    pub(crate) fn fixture_rich_report() -> Report {
        rich_report()
    }

    fn report() -> Report {
        scan(&facts(), &["2.02", "2.14", "5.04", "5.31", "7"])
    }

    /// Every status and section: [`report`]'s host plus a world-writable daemon.json (a failing file
    /// target), an unreadable /etc/default/docker (an error), the Docker version (a manual review), the
    /// socket mount of `web` exempted as the policy step does it, and a baseline.
    fn rich_report() -> Report {
        let mut f = facts();
        if let Some(dockguard_facts::FileFact::Present(st)) =
            f.files.get_mut("/etc/docker/daemon.json")
        {
            st.mode = 0o666;
        }
        f.files.insert(
            "/etc/default/docker".into(),
            dockguard_facts::FileFact::Error {
                reason: "permission denied".into(),
            },
        );
        let mut r = scan(
            &f,
            &["1.03", "2.02", "2.14", "3.18", "3.19", "5.04", "5.31", "7"],
        );
        let note =
            "web runs the CI agent that builds images; tracked in SEC-142 (owner platform-team, \
                    until 2027-03-31)";
        let socket = r.results.iter_mut().find(|x| x.id == "5.31").unwrap();
        for t in &mut socket.targets {
            t.status = Status::Exempt;
            t.detail = format!("{} — exempt: {note}", t.detail);
        }
        socket.status = Status::Exempt;
        socket.reason = format!("{} — all exempt: {note}", socket.reason);
        r.exemptions = vec![
            ExemptionReport {
                rule: "5.31".into(),
                scope: "container web".into(),
                reason: "web runs the CI agent that builds images; tracked in SEC-142".into(),
                owner: "platform-team".into(),
                expires: Some("2027-03-31".into()),
                state: "active".into(),
                matched: 1,
            },
            ExemptionReport {
                rule: "cis:2.15".into(),
                scope: "host *".into(),
                reason: "old kernel".into(),
                owner: "ops".into(),
                expires: None,
                state: "unused".into(),
                matched: 0,
            },
        ];
        r.summary = Summary::count(&r.results);
        r.baseline = Some(BaselineReport {
            file: "reports/baseline.json".into(),
            new: vec![Finding {
                rule: "3.18".into(),
                kind: TargetKind::File,
                name: "/etc/docker/daemon.json".into(),
                detail: "mode 0666 grants 0022 beyond 0644".into(),
            }],
            fixed: vec![Finding {
                rule: "5.10".into(),
                kind: TargetKind::Container,
                name: "web".into(),
                detail: "no memory limit".into(),
            }],
        });
        r
    }

    /// [`rich_report`] with hostile strings wherever the host or the configuration provides them.
    fn hostile_report() -> Report {
        let mut r = rich_report();
        r.host.hostname = Some("<b>h</b>|x".into());
        let privileged = r.results.iter_mut().find(|x| x.id == "5.04").unwrap();
        privileged.reason = "1 of 3 containers fail <script>alert(1)</script>".into();
        privileged.targets.push(Target::new(
            TargetKind::Container,
            "c0ffee",
            "<script>alert(1)</script>",
            Status::Fail,
            "\"><img src=x onerror=alert(1)>",
        ));
        privileged.targets.push(Target::new(
            TargetKind::Container,
            "bad",
            "<img src=x onerror=alert(1)>",
            Status::Fail,
            "a|b [x](javascript:alert(1)) `code` *em* label=\"><img src=x onerror=alert(1)>",
        ));
        r.exemptions[0].reason = "<script>alert(1)</script>".into();
        r
    }

    fn render(r: &Report, format: Format) -> String {
        let mut buf = Vec::new();
        write(r, format, text::TextOptions::default(), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn text_report() {
        insta::assert_snapshot!(text::render(&report(), text::TextOptions::default()));
    }

    #[test]
    fn json_report() {
        let r = report();
        let v: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
        insta::assert_json_snapshot!(v["results"]);
        assert_eq!(
            v["summary"],
            serde_json::json!({"pass": 1, "fail": 3, "manual": 0, "not_applicable": 3, "error": 0, "exempt": 0,
            "score": 25.0,
            "sections": [
                {"section": 2, "title": "Docker daemon configuration", "pass": 1, "fail": 1, "manual": 0,
                 "not_applicable": 0, "error": 0, "exempt": 0, "score": 50.0},
                {"section": 5, "title": "Container runtime", "pass": 0, "fail": 2, "manual": 0,
                 "not_applicable": 0, "error": 0, "exempt": 0, "score": 0.0},
                {"section": 7, "title": "Docker swarm configuration", "pass": 0, "fail": 0, "manual": 0,
                 "not_applicable": 3, "error": 0, "exempt": 0, "score": null},
            ]})
        );
        let back: Report = serde_json::from_value(v).unwrap();
        assert_eq!(back, r, "the JSON round-trips");
    }

    #[test]
    fn gate_respects_severity() {
        let r = report();
        assert!(
            r.gate_fails(Severity::Critical),
            "5.04 and 5.31 are critical"
        );
        let mut low_only = r.clone();
        low_only.results.retain(|x| x.severity < Severity::High);
        assert!(low_only.gate_fails(Severity::Low));
        assert!(!low_only.gate_fails(Severity::High));
    }

    #[test]
    fn formats_by_name() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
            assert!(!render(&report(), f).is_empty(), "{f} writes something");
        }
        assert_eq!(Format::parse("MD"), Some(Format::Markdown));
        assert_eq!(Format::parse("xml"), None);
    }

    #[test]
    fn rich_report_has_every_status() {
        let s = rich_report().summary;
        assert_eq!(
            (
                s.pass,
                s.fail,
                s.manual,
                s.not_applicable,
                s.error,
                s.exempt
            ),
            (1, 3, 1, 3, 1, 1)
        );
    }

    #[test]
    fn sarif_report() {
        let out = render(&rich_report(), Format::Sarif);
        insta::assert_snapshot!(out);
    }

    /// The official SARIF 2.1.0 schema (OASIS), kept as test data; see `testdata/README.md`.
    const SARIF_SCHEMA: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sarif-schema-2.1.0.json"
    );

    #[test]
    fn sarif_validates_against_the_schema() {
        let text = std::fs::read_to_string(SARIF_SCHEMA)
            .unwrap_or_else(|e| panic!("the SARIF 2.1.0 schema is needed at {SARIF_SCHEMA}: {e}"));
        let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles");
        for r in [report(), rich_report(), hostile_report()] {
            let doc: serde_json::Value = serde_json::from_str(&render(&r, Format::Sarif)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
        }
    }

    #[test]
    fn sarif_results_locations_and_suppressions() {
        let r = rich_report();
        let doc: serde_json::Value = serde_json::from_str(&render(&r, Format::Sarif)).unwrap();
        let run = &doc["runs"][0];
        assert_eq!(doc["$schema"], sarif::SCHEMA_URI);
        assert_eq!(doc["version"], "2.1.0");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), r.results.len(), "every rule is described");
        let results = run["results"].as_array().unwrap();
        // 2.02, 3.18 and 5.04 fail with one target each; 5.31's target is exempt.
        assert_eq!(results.len(), 4);
        for res in results {
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], res["ruleId"]);
        }
        let file = results.iter().find(|x| x["ruleId"] == "3.18").unwrap();
        let loc = &file["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uri"], "etc/docker/daemon.json");
        assert_eq!(loc["uriBaseId"], "HOSTROOT");
        assert_eq!(file["baselineState"], "new");
        let c = results.iter().find(|x| x["ruleId"] == "5.04").unwrap();
        assert_eq!(
            c["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "dockguard/host-a/container/web"
        );
        assert_eq!(
            c["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "host-a/container/web"
        );
        assert_eq!(
            c["partialFingerprints"]["dockguard/v1"],
            "5.04|container|web"
        );
        assert_eq!(c["level"], "error");
        let ex = results.iter().find(|x| x["ruleId"] == "5.31").unwrap();
        assert_eq!(ex["suppressions"][0]["kind"], "external");
        assert_eq!(
            ex["suppressions"][0]["justification"],
            "web runs the CI agent that builds images; tracked in SEC-142 (owner platform-team, until 2027-03-31)"
        );
        assert_eq!(
            rules[i_of(&r, "5.04")]["properties"]["security-severity"],
            "9.0"
        );
        assert_eq!(
            rules[i_of(&r, "2.02")]["defaultConfiguration"]["level"],
            "warning"
        );
    }

    fn i_of(r: &Report, id: &str) -> usize {
        r.results.iter().position(|x| x.id == id).unwrap()
    }

    #[test]
    fn sarif_failed_rule_without_targets_is_one_host_result() {
        let mut r = report();
        let x = r.results.iter_mut().find(|x| x.id == "2.02").unwrap();
        x.targets.clear();
        let doc: serde_json::Value = serde_json::from_str(&render(&r, Format::Sarif)).unwrap();
        let res: Vec<_> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["ruleId"] == "2.02")
            .collect();
        assert_eq!(res.len(), 1);
        assert_eq!(
            res[0]["partialFingerprints"]["dockguard/v1"],
            "2.02|host|host-a"
        );
        assert_eq!(
            res[0]["message"]["text"],
            "Ensure the logging level is set to 'info': host host-a: the daemon logs at debug, not info"
        );
    }

    #[test]
    fn junit_report() {
        insta::assert_snapshot!(render(&rich_report(), Format::Junit));
    }

    #[test]
    fn junit_parses_with_expected_counts() {
        let r = rich_report();
        let xml = render(&r, Format::Junit);
        let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
            .expect("valid JUnit XML");
        assert_eq!(suites.name, "dockguard");
        let names: Vec<&str> = suites.suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "azure 1 Host configuration",
                "azure 2 Docker daemon configuration",
                "azure 3 Docker daemon configuration files",
                "azure 5 Container runtime",
                "azure 7 Docker swarm configuration"
            ]
        );
        let cases: Vec<&junit_parser::TestCase> =
            suites.suites.iter().flat_map(|s| s.cases.iter()).collect();
        assert_eq!(cases.len(), r.results.len());
        let count = |f: fn(&junit_parser::TestStatus) -> bool| {
            cases.iter().filter(|c| f(&c.status)).count()
        };
        assert_eq!(count(|s| s.is_failure()), 3);
        assert_eq!(count(|s| s.is_error()), 1);
        assert_eq!(
            count(|s| s.is_skipped()),
            5,
            "manual, 3 not applicable, exempt"
        );
        assert_eq!(count(|s| s.is_success()), 1);
        assert_eq!(
            (suites.tests, suites.failures, suites.errors, suites.skipped),
            (10, 3, 1, 5)
        );
        let priv_case = cases
            .iter()
            .find(|c| c.original_name.starts_with("5.04 "))
            .unwrap();
        assert_eq!(
            priv_case.classname.as_deref(),
            Some("dockguard.azure.section5")
        );
        let f = priv_case.status.failure_as_ref();
        assert_eq!(f.message, "1 of 1 container fails");
        assert_eq!(f.failure_type, "critical");
        assert!(
            f.text.starts_with("container web: Privileged=true\nFix: "),
            "{}",
            f.text
        );
        let exempt = cases
            .iter()
            .find(|c| c.original_name.starts_with("5.31 "))
            .unwrap();
        assert!(exempt
            .status
            .skipped_as_ref()
            .message
            .starts_with("exempt: web runs the CI agent"));
    }

    #[test]
    fn csv_report() {
        insta::assert_snapshot!(render(&rich_report(), Format::Csv));
    }

    #[test]
    fn csv_parses_back_and_guards_formulas() {
        let mut r = rich_report();
        let x = r.results.iter_mut().find(|x| x.id == "5.04").unwrap();
        for (i, name) in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "ok=1",
        ]
        .iter()
        .enumerate()
        {
            x.targets.push(Target::new(
                TargetKind::Container,
                format!("id{i}"),
                *name,
                Status::Fail,
                *name,
            ));
        }
        let out = render(&r, Format::Csv);
        let mut rd = ::csv::Reader::from_reader(out.as_bytes());
        assert_eq!(
            rd.headers().unwrap().iter().collect::<Vec<_>>(),
            csv::HEADER.to_vec()
        );
        let rows: Vec<::csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        let expected: usize = r.results.iter().map(|x| x.targets.len().max(1)).sum();
        assert_eq!(rows.len(), expected);
        let names: Vec<&str> = rows.iter().map(|row| &row[12]).collect();
        for n in [
            "'=HYPERLINK(\"x\")",
            "'+1",
            "'-2",
            "'@SUM(A1)",
            "'\tx",
            "'\rx",
            "ok=1",
        ] {
            assert!(names.contains(&n), "{n:?} in {names:?}");
        }
        let na = rows.iter().find(|row| &row[2] == "7.03").unwrap();
        assert_eq!((&na[9], &na[10], &na[12]), ("not_applicable", "", ""));
        let priv_row = rows.iter().find(|row| &row[2] == "5.04").unwrap();
        assert_eq!((&priv_row[3], &priv_row[4]), ("5.04", "5.5"));
    }

    #[test]
    fn markdown_report() {
        insta::assert_snapshot!(render(&rich_report(), Format::Markdown));
    }

    #[test]
    fn markdown_escapes_host_strings() {
        let md = render(&hostile_report(), Format::Markdown);
        for raw in ["<script>", "<img", "<b>", "a|b", "[x](javascript"] {
            assert!(!md.contains(raw), "{raw} appears unescaped:\n{md}");
        }
        for escaped in [
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&lt;img src=x onerror=alert(1)&gt;",
            "a\\|b",
            "\\[x\\](javascript",
            "\\`code\\`",
            "\\*em\\*",
            "&lt;b&gt;h&lt;/b&gt;\\|x",
        ] {
            assert!(md.contains(escaped), "{escaped} missing:\n{md}");
        }
    }

    /// [`report`] with 120 failing containers in 5.04, and 30 passing ones.
    fn crowded_report() -> Report {
        let mut r = report();
        let x = r.results.iter_mut().find(|x| x.id == "5.04").unwrap();
        for i in 0..150 {
            x.targets.push(Target::new(
                TargetKind::Container,
                format!("id{i}"),
                format!("c{i}"),
                if i < 120 { Status::Fail } else { Status::Pass },
                if i < 120 {
                    "Privileged=true"
                } else {
                    "Privileged=false"
                },
            ));
        }
        r
    }

    /// Text, markdown and HTML list the same number of targets per rule and say how many more there are;
    /// `all_targets` lists them all; passing targets never get a row.
    #[test]
    fn one_target_limit_for_every_human_format() {
        let r = crowded_report();
        let all = text::TextOptions {
            all_targets: true,
            ..Default::default()
        };
        let out = |f: Format, o: text::TextOptions| {
            let mut buf = Vec::new();
            write(&r, f, o, &mut buf).unwrap();
            String::from_utf8(buf).unwrap()
        };
        // web plus c0..c119 fail: 121 failing targets, 25 listed.
        for (f, row) in [
            (Format::Text, "container c{}: "),
            (Format::Markdown, "- container c{}: "),
            (Format::Html, "<td class=\"w\">c{}</td>"),
        ] {
            let limited = out(f, text::TextOptions::default());
            let has = |s: &str, i: usize| s.contains(&row.replace("{}", &i.to_string()));
            assert!(has(&limited, 23), "{f}: c23 listed");
            assert!(!has(&limited, 24), "{f}: c24 is the 26th target");
            assert!(
                limited.contains("… and 96 more (--all-targets lists them all)"),
                "{f}: {limited}"
            );
            let full = out(f, all);
            assert!(
                has(&full, 119),
                "{f}: --all-targets lists the last failing target"
            );
            assert!(!full.contains("more (--all-targets"), "{f}");
            for s in [&limited, &full] {
                assert!(
                    !has(s, 120) && !s.contains("Privileged=false"),
                    "{f}: a passing target has a row"
                );
            }
        }
        assert_eq!(MAX_TARGETS, 25);
    }

    #[test]
    fn text_puts_failures_first_most_severe_first_or_groups_by_section() {
        let r = rich_report();
        let t = text::render(&r, text::TextOptions::default());
        let at = |s: &str, needle: &str| {
            s.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing:\n{s}"))
        };
        // 5.04 critical before 2.02 and 3.18 (both medium, in benchmark order between them).
        assert!(at(&t, "FAIL   5.04") < at(&t, "FAIL   2.02"), "{t}");
        assert!(at(&t, "FAIL   2.02") < at(&t, "FAIL   3.18"), "{t}");
        assert!(at(&t, "Failed (3)") < at(&t, "Could not be checked (1)"));
        assert!(at(&t, "Could not be checked (1)") < at(&t, "Manual review (1)"));
        assert!(at(&t, "Manual review (1)") < at(&t, "Exempt (1)"));
        assert!(at(&t, "Exempt (1)") < at(&t, "Passed (1)"));
        assert!(at(&t, "Passed (1)") < at(&t, "Not applicable (3)"));
        let s = text::render(
            &r,
            text::TextOptions {
                group_by_section: true,
                ..Default::default()
            },
        );
        assert!(at(&s, "FAIL   2.02") < at(&s, "FAIL   3.18"), "{s}");
        assert!(at(&s, "FAIL   3.18") < at(&s, "FAIL   5.04"), "{s}");
        assert!(
            s.contains("2 Docker daemon configuration — score 50%"),
            "{s}"
        );
        assert!(!s.contains("Failed (3)"));
    }

    /// The score: pass ÷ (pass + fail + error + exempt); manual and not applicable left out.
    #[test]
    fn score_counts_errors_and_exemptions_against_and_leaves_out_manual_and_na() {
        assert_eq!(score(0, 0, 0, 0), None);
        assert_eq!(score(1, 0, 0, 0), Some(100.0));
        assert_eq!(score(1, 1, 1, 1), Some(25.0));
        assert_eq!(score(2, 1, 0, 0), Some(66.6), "rounded down");
        assert_eq!(score(999, 1, 0, 0), Some(99.9), "never 100 with a failure");
        let r = rich_report();
        let s = &r.summary;
        // pass 1, fail 3, error 1, exempt 1 decided; manual 1 and not applicable 3 left out.
        assert_eq!(s.decided(), 6);
        assert_eq!(s.score, Some(16.6));
        let by = |n: u32| s.sections.iter().find(|x| x.section == n).unwrap();
        assert_eq!(
            (by(1).manual, by(1).score),
            (1, None),
            "1.03 is manual only"
        );
        assert_eq!(by(5).score, Some(0.0), "5.04 fails, 5.31 is exempt");
        assert_eq!(by(7).score, None, "swarm rules do not apply");
        let t = text::render(&r, text::TextOptions::default());
        assert!(
            t.contains("Score: 16.6% — 1 of 6 decided rules pass"),
            "{t}"
        );
        let md = render(&r, Format::Markdown);
        assert!(md.contains("**Score: 16.6%**"), "{md}");
        assert!(md.contains("| 5 Container runtime | 0% |"), "{md}");
        let html = render(&r, Format::Html);
        assert!(html.contains("Score: <b>16.6%</b>"), "{html}");
        let json: serde_json::Value = serde_json::from_str(&render(&r, Format::Json)).unwrap();
        assert_eq!(json["summary"]["score"], 16.6);
        // A pass never comes from an error or an exemption: making them pass raises the score.
        let mut better = r.clone();
        for x in &mut better.results {
            if matches!(x.status, Status::Error | Status::Exempt) {
                x.status = Status::Pass;
            }
        }
        better.summary = Summary::count(&better.results);
        assert_eq!(better.summary.score, Some(50.0));
    }

    #[test]
    fn the_scanners_container_and_a_bad_root_are_stated() {
        let mut f = facts();
        let id = f.docker.ok().unwrap().containers[0].id.clone();
        f.collector.scanner_container = Some(id.clone());
        f.collector.root_missing = vec!["/proc".into()];
        let r = scan(&f, &["5.04"]);
        let name = format!("web ({})", &id[..12.min(id.len())]);
        assert_eq!(r.host.scanner_container.as_deref(), Some(name.as_str()));
        let t = text::render(&r, text::TextOptions::default());
        assert!(
            t.contains(&format!(
                "dockguard runs in container {name} on this host: it is not assessed"
            )),
            "{t}"
        );
        assert!(t.contains("not a host's root filesystem (no /proc)"), "{t}");
        for f in [Format::Markdown, Format::Html] {
            let out = render(&r, f);
            assert!(
                out.contains("it is not assessed") && out.contains("(no /proc)"),
                "{f}"
            );
        }
    }

    #[test]
    fn html_report() {
        insta::assert_snapshot!(render(&rich_report(), Format::Html));
    }

    #[test]
    fn html_escapes_everything_from_the_report() {
        let html = render(&hostile_report(), Format::Html);
        for raw in ["<script", "<img", "<b>h", "\"><img"] {
            assert!(!html.contains(raw), "{raw} appears unescaped");
        }
        for escaped in [
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
            "&lt;b&gt;h&lt;/b&gt;|x",
        ] {
            assert!(html.contains(escaped), "{escaped} missing");
        }
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("name=\"viewport\""));
        for external in ["<link", "src=\"http", "href=\"http", "url(", "@import"] {
            assert!(
                !html.contains(external),
                "{external}: the page is self-contained"
            );
        }
    }

    #[test]
    fn html_puts_failures_first_most_severe_first() {
        let html = render(&rich_report(), Format::Html);
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(at("id=\"rule-5.04\"") < at("id=\"rule-3.18\""));
        assert!(at("id=\"rule-3.18\"") < at("id=\"errors\""));
        assert!(at("id=\"errors\"") < at("id=\"manual\""));
        assert!(at("id=\"manual\"") < at("id=\"exempt\""));
        assert!(at("id=\"exempt\"") < at("id=\"baseline\""));
        assert!(at("id=\"baseline\"") < at("<details id=\"passed\">"));
        assert!(html.contains(
            "3 rules fail; 1 rule could not be checked; 1 needs a manual review; 1 is exempt; 1 passes; 3 do not apply to this host."
        ));
    }
}
