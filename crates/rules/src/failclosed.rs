//! The registry-wide fail-closed property: replacing any one collected fact with "not collected" never
//! turns a rule's verdict into `pass`.
//!
//! Every rule's fixtures (the example hosts each rule file lists) are the starting points. For each fixture
//! that does not pass, every fact in it is, one at a time, replaced by its "not collected" state: `None` for
//! an `Option` field (every API field is one), `Fact::Error` for a `Fact`, the error state of a file's stat.
//! Lists are uncollected as a whole (`None`, not an empty list). The rule is evaluated again and must not
//! pass: it either does not read that fact (its verdict stays what it was) or it must say it cannot decide.
//!
//! Nor may it turn a failing, manual or error verdict into `not_applicable`: a fact that could not be read
//! does not show that the thing the rule is about is absent.
//!
//! A fact that has no "not collected" state is allowed only when it is listed in [`NO_UNCOLLECTED_STATE`]
//! with the reason; a new field is therefore covered without writing anything, or fails this test until
//! it gets an uncollected state or a reason.

use crate::registry::RULES;
use crate::testing::Fixture;
use crate::Status;
use dockguard_facts::Facts;
use serde_json::Value;
use std::collections::BTreeSet;

/// Fields that cannot be "not collected" on their own, and why. Patterns are paths with `*` for list
/// indices and map keys.
const NO_UNCOLLECTED_STATE: &[(&str, &str)] = &[
    ("schema", "written by dockguard itself"),
    ("collector.tool", "written by dockguard itself"),
    ("collector.version", "written by dockguard itself"),
    ("collector.root", "written by dockguard itself"),
    ("collector.docker_host", "written by dockguard itself"),
    ("collector.collected_at", "written by dockguard itself"),
    ("collector.duration_ms", "written by dockguard itself"),
    ("collector.running_only", "written by dockguard itself"),
    (
        "docker.ok.containers.*.id",
        "identity: the container list names it",
    ),
    (
        "docker.ok.containers.*.name",
        "identity: the container list names it",
    ),
    (
        "docker.ok.containers",
        "the container list itself: without it Docker facts are an error",
    ),
    (
        "docker.ok.container_errors",
        "explains containers that could not be inspected",
    ),
    (
        "docker.ok.images",
        "one entry per inspected image; missing ones are in image_errors",
    ),
    (
        "docker.ok.image_errors",
        "explains images that could not be inspected",
    ),
    ("docker.ok.images.*.id", "identity"),
    ("docker.ok.image_list.ok.*.id", "identity"),
    ("docker.ok.networks.ok.*.id", "identity"),
    ("docker.ok.networks.ok.*.name", "identity"),
    ("docker.ok.containers.*.execs.*.id", "identity"),
    (
        "docker.ok.containers.*.mounts.*.destination",
        "identity of the mount",
    ),
    (
        "docker.ok.containers.*.ports.*.container_port",
        "identity of the binding",
    ),
    (
        "docker.ok.containers.*.devices.*.path_on_host",
        "identity of the device",
    ),
    (
        "docker.ok.containers.*.restart_policy.name",
        "part of RestartPolicy, uncollected as a whole",
    ),
    (
        "docker.ok.containers.*.restart_policy.maximum_retry_count",
        "part of RestartPolicy",
    ),
    (
        "docker.ok.containers.*.graph_driver.name",
        "part of GraphDriver, uncollected as a whole",
    ),
    (
        "docker.ok.containers.*.graph_driver.data",
        "part of GraphDriver",
    ),
    (
        "docker.ok.containers.*.process_user.ok.pid",
        "read from /proc with the Fact",
    ),
    (
        "docker.ok.containers.*.process_user.ok.host_euid",
        "read from /proc with the Fact",
    ),
    (
        "docker.ok.containers.*.accounts.ok.*.name",
        "one passwd line, read with the Fact",
    ),
    (
        "docker.ok.containers.*.accounts.ok.*.uid",
        "one passwd line, read with the Fact",
    ),
    (
        "docker.ok.containers.*.accounts.ok.*.gid",
        "one passwd line, read with the Fact",
    ),
    (
        "docker.ok.image_errors.*.id",
        "explains an image that could not be inspected",
    ),
    (
        "docker.ok.image_errors.*.error",
        "explains an image that could not be inspected",
    ),
    (
        "docker.ok.processes_error",
        "explains why processes are missing",
    ),
    (
        "docker.ok.version",
        "a struct of Options, each uncollected on its own",
    ),
    (
        "docker.ok.info",
        "a struct of Options, each uncollected on its own",
    ),
    (
        "daemon.process.ok.pid",
        "read with the process, uncollected as a whole with the Fact",
    ),
    ("daemon.process.ok.argv", "read with the process"),
    ("daemon.config_file.path", "where dockguard looked"),
    (
        "daemon.config_file.content.ok",
        "Ok(None) is \"no file\", an answer",
    ),
    (
        "files.*.kind",
        "one stat, uncollected as a whole with the file's state",
    ),
    ("files.*.uid", "one stat"),
    ("files.*.gid", "one stat"),
    ("files.*.mode", "one stat"),
    ("files.*.state", "the file's state itself"),
    ("files.*.reason", "why the file could not be read"),
    ("certs_d.ok.*", "a listing, uncollected as a whole"),
    ("audit.files.ok.*.path", "identity"),
    (
        "audit.files.ok.*.lines.ok.*",
        "one file, uncollected as a whole",
    ),
    (
        "audit.loaded.ok.*",
        "one command's output, uncollected as a whole",
    ),
    ("mounts.ok.*.mount_point", "one line of mountinfo"),
    ("mounts.ok.*.fs_type", "one line of mountinfo"),
    ("mounts.ok.*.source", "one line of mountinfo"),
    (
        "listeners.ok.*",
        "one line of /proc/net, uncollected as a whole",
    ),
    ("listeners.ok.*.proto", "one line of /proc/net"),
    ("listeners.ok.*.addr", "one line of /proc/net"),
    ("listeners.ok.*.port", "one line of /proc/net"),
    (
        "docker_group.ok",
        "Ok(None) is \"no docker group\", an answer",
    ),
    ("docker_group.ok.gid", "one line of /etc/group"),
    ("docker_group.ok.members", "one line of /etc/group"),
    ("processes.ok.*.pid", "one /proc entry"),
    ("processes.ok.*.name", "one /proc entry"),
    ("processes.ok.*.argv", "one /proc entry"),
    ("kubelet_pods.ok", "Ok(None) is \"no kubelet\", an answer"),
    ("kubelet_pods.ok.*", "one directory listing"),
    (
        "image_scans",
        "the reports the user supplied; none is a valid input (4.4 is then manual)",
    ),
    ("image_scans.*.source", "a report the user supplied"),
    ("image_scans.*.scanner", "a report the user supplied"),
    ("image_scans.*.artifact", "a report the user supplied"),
    ("image_scans.*.repo_digests", "a report the user supplied"),
    ("image_scans.*.repo_tags", "a report the user supplied"),
    (
        "image_scans.*.vulnerabilities",
        "a report the user supplied",
    ),
    (
        "image_scans.*.vulnerabilities.*.id",
        "a report the user supplied",
    ),
    (
        "image_scans.*.vulnerabilities.*.package",
        "a report the user supplied",
    ),
    (
        "image_scans.*.vulnerabilities.*.installed",
        "a report the user supplied",
    ),
    (
        "image_scans.*.vulnerabilities.*.fixed",
        "a report the user supplied",
    ),
    (
        "image_scans.*.vulnerabilities.*.severity",
        "a report the user supplied",
    ),
    ("units.*.ok", "Ok(None) is \"no such unit\", an answer"),
];

/// A rule that may still pass without one fact because another fact it reads is evidence enough, and why.
/// (rule label, fact pattern, reason).
const REDUNDANT_EVIDENCE: &[(&str, &str, &str)] = &[
    (
        "4.01",
        "docker.ok.containers.*.process_user",
        "a numeric, non-zero Config.User is the uid the runtime starts the process with; the main \
         process's uid is checked on top when it can be read",
    ),
    (
        "4.01",
        "docker.ok.containers.*.process_user.ok.euid",
        "as above: a numeric Config.User is evidence on its own",
    ),
    (
        "4.01",
        "docker.ok.containers.*.running",
        "as above: without the state the process is not consulted, and Config.User decides",
    ),
];

/// Object fields whose keys are data (label names, options), not part of the schema; so are the keys of
/// the top-level `files` (paths) and of `docker_environment` (variable names).
const MAP_FIELDS: &[&str] = &["labels", "options", "components", "data"];

/// One way to make a fact uncollected: the JSON pointer and the value to put there.
struct Mutation {
    pointer: String,
    pattern: String,
    value: Value,
    /// A leaf (not a struct of fields): it must have a "not collected" state or be listed.
    leaf: bool,
}

fn is_fact(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && (m.contains_key("ok") || m.contains_key("error")))
}

fn uncollected(v: &Value) -> Value {
    if is_fact(v) {
        return serde_json::json!({"error": "not collected (fail-closed test)"});
    }
    match v {
        Value::Object(m) if m.get("state").is_some_and(Value::is_string) => {
            serde_json::json!({"state": "error", "reason": "not collected (fail-closed test)"})
        }
        _ => Value::Null,
    }
}

fn walk(v: &Value, pointer: String, pattern: Vec<String>, out: &mut Vec<Mutation>) {
    match v {
        Value::Object(m) => {
            let fact = is_fact(v);
            let in_map = pattern == ["files"]
                || pattern == ["docker_environment", "ok"]
                || pattern
                    .last()
                    .is_some_and(|p| MAP_FIELDS.contains(&p.as_str()));
            for (k, child) in m {
                let mut pat = pattern.clone();
                pat.push(if in_map { "*".into() } else { k.clone() });
                let ptr = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                // The content of a Fact is uncollected through the Fact itself, and map entries are data
                // (the map is uncollected as a whole), except a file's stat inside `files`.
                let skip = fact || (in_map && !child.is_object()) || child.is_null();
                if !skip {
                    out.push(Mutation {
                        pointer: ptr.clone(),
                        pattern: pat.join("."),
                        value: uncollected(child),
                        leaf: !child.is_object() || is_fact(child),
                    });
                }
                walk(child, ptr, pat, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let mut pat = pattern.clone();
                pat.push("*".into());
                walk(child, format!("{pointer}/{i}"), pat, out);
            }
        }
        _ => {}
    }
}

fn allowed(pattern: &str) -> bool {
    NO_UNCOLLECTED_STATE.iter().any(|(p, _)| *p == pattern)
}

fn fixtures() -> Vec<(&'static crate::Rule, Vec<Fixture>)> {
    use crate::rules::*;
    [
        section1::FIXTURES,
        section2::FIXTURES,
        section3::FIXTURES,
        section4::FIXTURES,
        section5::FIXTURES,
        section6::FIXTURES,
        section7::FIXTURES,
    ]
    .concat()
    .into_iter()
    .map(|(r, f)| (r, f()))
    .collect()
}

#[test]
fn no_rule_passes_on_a_fact_that_was_not_collected() {
    use serde::Deserialize;
    assert!(!RULES.is_empty());
    let mut problems: BTreeSet<String> = BTreeSet::new();
    let mut no_state: BTreeSet<String> = BTreeSet::new();
    let mut checked = 0usize;
    // Fixtures that do not pass, grouped by identical facts: each variant is deserialized once and every
    // rule that has that fixture is evaluated on it.
    type Starts = Vec<(&'static crate::Rule, &'static str, Status)>;
    let mut groups: Vec<(Value, Starts)> = Vec::new();
    for (rule, fixtures) in fixtures() {
        // A `not_applicable` fixture says the thing the rule is about does not exist; when that fact is
        // uncollected, a rule may pass on evidence that covers both cases (an audit watch on a path holds
        // whether or not the path exists), so only failing, manual and error fixtures are starting points.
        for fx in fixtures
            .into_iter()
            .filter(|f| matches!(f.expect, Status::Fail | Status::Manual | Status::Error))
        {
            let v = serde_json::to_value(&fx.facts).unwrap();
            match groups.iter_mut().find(|(g, _)| *g == v) {
                Some((_, rules)) => rules.push((rule, fx.name, fx.expect)),
                None => groups.push((v, vec![(rule, fx.name, fx.expect)])),
            }
        }
    }
    for (mut base, rules) in groups {
        let mut mutations = Vec::new();
        walk(&base, String::new(), Vec::new(), &mut mutations);
        for m in mutations {
            let slot = base.pointer_mut(&m.pointer).unwrap();
            let original = std::mem::replace(slot, m.value);
            let facts = Facts::deserialize(&base);
            *base.pointer_mut(&m.pointer).unwrap() = original;
            let facts = match facts {
                Ok(f) => f,
                Err(_) => {
                    if m.leaf && !allowed(&m.pattern) {
                        no_state.insert(m.pattern);
                    }
                    continue;
                }
            };
            for (rule, name, expect) in &rules {
                checked += 1;
                let got = crate::testing::run(rule, &facts);
                let redundant = REDUNDANT_EVIDENCE
                    .iter()
                    .any(|(r, p, _)| *r == rule.label() && *p == m.pattern);
                // Nor may a missing fact make the thing the rule is about disappear.
                if got.status == Status::NotApplicable {
                    problems.insert(format!(
                        "{} fixture {name:?} ({expect}): with {} not collected it is not applicable: {}",
                        rule.label(),
                        m.pattern,
                        got.reason
                    ));
                }
                if got.status == Status::Pass && !redundant {
                    problems.insert(format!(
                        "{} fixture {name:?} ({expect}): with {} not collected it passes: {}",
                        rule.label(),
                        m.pattern,
                        got.reason
                    ));
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} mutations were evaluated");
    assert!(
        no_state.is_empty(),
        "facts without a \"not collected\" state (make them Option, or list them with a reason):\n{}",
        no_state.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(
        problems.is_empty(),
        "{} false passes:\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}
