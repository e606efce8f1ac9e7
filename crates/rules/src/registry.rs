//! Every rule, registered in one place: each section's `mod.rs` lists its rule files with
//! [`declare_rules!`](crate::declare_rules), and this module joins the sections, orders each profile, and
//! resolves ids, prefixed ids and aliases.

use crate::rule::{Profile, Rule};
use crate::rules::{section1, section2, section3, section4, section5, section6, section7};
use std::sync::LazyLock;

/// All rules, in section order.
pub static RULES: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    let mut all: Vec<&'static Rule> = [
        section1::RULES,
        section2::RULES,
        section3::RULES,
        section4::RULES,
        section5::RULES,
        section6::RULES,
        section7::RULES,
    ]
    .iter()
    .flat_map(|s| s.iter().copied())
    .collect();
    all.sort_by_key(|r| (r.section, id_key(&r.label().replace("cis:", ""))));
    all
});

static AZURE: LazyLock<Vec<(&'static str, &'static Rule)>> =
    LazyLock::new(|| build(Profile::Azure));
static CIS16: LazyLock<Vec<(&'static str, &'static Rule)>> =
    LazyLock::new(|| build(Profile::Cis16));
static CIS18: LazyLock<Vec<(&'static str, &'static Rule)>> =
    LazyLock::new(|| build(Profile::Cis18));

fn build(profile: Profile) -> Vec<(&'static str, &'static Rule)> {
    let mut v: Vec<_> = RULES
        .iter()
        .filter_map(|r| r.id_in(profile).map(|id| (id, *r)))
        .collect();
    v.sort_by_key(|(id, _)| id_key(id));
    v
}

/// The rules a profile reports, with their ids in it, in benchmark order.
pub fn profile_rules(profile: Profile) -> &'static [(&'static str, &'static Rule)] {
    match profile {
        Profile::Azure => &AZURE,
        Profile::Cis16 => &CIS16,
        Profile::Cis18 => &CIS18,
    }
}

/// A sort key that orders `5.01-2` < `5.03` < `5.10` and `1.1.9` < `1.1.10`.
pub fn id_key(id: &str) -> Vec<u32> {
    id.split(['.', '-'])
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// Where an alias points.
pub enum AliasTarget {
    /// An id in a profile.
    Id(Profile, &'static str),
    /// A rule outside every profile.
    Rule(&'static Rule),
}

/// The renumbering from CIS Docker Benchmark 1.6.0 to 1.8.0, which inserted "2.7 Ensure devicemapper storage
/// driver is not used" and shifted 1.6's 2.7–2.18 to 2.8–2.19. It is the one place the `cis-1.8` profile's
/// ids come from ([`cis18_id`]): every other 1.6 id is the same in 1.8.
pub static ALIASES: LazyLock<Vec<(String, AliasTarget)>> = LazyLock::new(|| {
    let mut v = vec![(
        "cis-1.8:2.7".to_string(),
        AliasTarget::Rule(&crate::rules::section2::r2_devicemapper::RULE),
    )];
    const CIS16_SECTION2: [&str; 12] = [
        "2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "2.17", "2.18",
    ];
    for (i, old) in CIS16_SECTION2.iter().enumerate() {
        v.push((
            format!("cis-1.8:2.{}", i + 8),
            AliasTarget::Id(Profile::Cis16, old),
        ));
    }
    v
});

/// A rule's id in CIS Docker Benchmark 1.8.0: its 1.6.0 id renumbered through [`ALIASES`], or the alias of
/// a rule that only 1.8 has; `None` for a rule in neither.
pub fn cis18_id(rule: &Rule) -> Option<&'static str> {
    let aliases: &'static Vec<(String, AliasTarget)> = LazyLock::force(&ALIASES);
    let in18 = aliases
        .iter()
        .filter_map(|(alias, t)| alias.strip_prefix("cis-1.8:").map(|id| (id, t)));
    match rule.id_in(Profile::Cis16) {
        Some(old) => Some(
            in18.clone()
                .find(|(_, t)| matches!(t, AliasTarget::Id(Profile::Cis16, x) if *x == old))
                .map(|(id, _)| id)
                .unwrap_or(old),
        ),
        None => in18
            .clone()
            .find(|(_, t)| matches!(t, AliasTarget::Rule(r) if std::ptr::eq(*r, rule)))
            .map(|(id, _)| id),
    }
}

/// The profile a prefix names (`azure`, `cis` and `cis-1.6`, `cis-1.8`).
fn prefix_profile(prefix: &str) -> Option<Profile> {
    match prefix {
        "azure" => Some(Profile::Azure),
        "cis" | "cis-1.6" => Some(Profile::Cis16),
        "cis-1.8" => Some(Profile::Cis18),
        _ => None,
    }
}

/// Resolves what a user typed to the profile whose numbering it uses, the id in that profile, and the rule.
///
/// Accepts an id of `profile` (`5.31`) or a prefixed id in any profile (`azure:5.31`, `cis:5.32`,
/// `cis-1.6:5.32`, `cis-1.8:2.8`).
pub fn resolve(profile: Profile, id: &str) -> Option<(Profile, &'static str, &'static Rule)> {
    let id = id.trim();
    let (p, bare) = match id.split_once(':') {
        Some((prefix, rest)) => (prefix_profile(prefix.trim())?, rest.trim()),
        None => (profile, id),
    };
    lookup(p, bare).map(|(i, r)| (p, i, r))
}

/// Resolves what a user typed to a rule and its id in the numbering it was typed in (see [`resolve`]).
pub fn find(profile: Profile, id: &str) -> Option<(String, &'static Rule)> {
    resolve(profile, id).map(|(_, i, r)| (i.to_string(), r))
}

fn lookup(profile: Profile, id: &str) -> Option<(&'static str, &'static Rule)> {
    profile_rules(profile)
        .iter()
        .copied()
        .find(|(i, _)| *i == id)
}

/// What the user may have meant by an id that names no rule of `profile`: the same number written the way
/// the profile writes it (`2.6` → `2.06` in the Azure baseline, `2.06` → `2.6` in CIS), an id it is the
/// start of (`5.01` → `5.01-2`), and the same id in the other benchmarks (`cis:2.6`). Each comes with the
/// rule's title.
pub fn suggest(profile: Profile, typed: &str) -> Vec<(String, &'static str)> {
    let typed = typed.trim();
    let (p, bare, prefix) = match typed.split_once(':') {
        Some((pre, rest)) => match prefix_profile(pre.trim()) {
            Some(p) => (p, rest.trim(), format!("{}:", pre.trim())),
            None => {
                return ["azure", "cis-1.6", "cis-1.8"]
                    .iter()
                    .filter_map(|pre| {
                        find(profile, &format!("{pre}:{}", rest.trim()))
                            .map(|(_, r)| (format!("{pre}:{}", rest.trim()), r.title))
                    })
                    .collect()
            }
        },
        None => (profile, typed, String::new()),
    };
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut seen: Vec<&'static Rule> = Vec::new();
    // One suggestion per rule: the first way of writing it.
    let mut push = |id: String, r: &'static Rule| {
        if !seen.iter().any(|x| std::ptr::eq(*x, r)) {
            seen.push(r);
            out.push((id, r.title));
        }
    };
    // The same numbers, with or without zero padding.
    let numbers: Vec<&str> = bare.split('.').collect();
    if numbers.len() >= 2
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    {
        let variants = [
            numbers
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    if i > 0 && n.len() == 1 {
                        format!("0{n}")
                    } else {
                        n.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("."),
            numbers
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    if i > 0 && n.len() > 1 {
                        n.trim_start_matches('0').to_string()
                    } else {
                        n.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("."),
        ];
        for v in variants {
            if v != bare {
                if let Some((i, r)) = lookup(p, &v) {
                    push(format!("{prefix}{i}"), r);
                }
            }
        }
    }
    // Ids the typed one is the start of (`5.01` → `5.01-2`).
    for (i, r) in profile_rules(p) {
        if i.strip_prefix(bare)
            .is_some_and(|rest| rest.starts_with('-'))
        {
            push(format!("{prefix}{i}"), r);
        }
    }
    // The same id in the other benchmarks.
    if prefix.is_empty() {
        for other in Profile::ALL.into_iter().filter(|o| *o != p) {
            if let Some((i, r)) = lookup(other, bare) {
                let pre = if other == Profile::Cis16 {
                    "cis"
                } else {
                    other.name()
                };
                push(format!("{pre}:{i}"), r);
            }
        }
    }
    out
}

/// "did you mean 2.06 (Ensure …) or cis:2.6 (Ensure …)?" for [`suggest`]'s answers; empty when there are none.
pub fn did_you_mean(profile: Profile, typed: &str) -> String {
    let s = suggest(profile, typed);
    if s.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = s.iter().map(|(id, t)| format!("{id} ({t})")).collect();
    format!("did you mean {}?", parts.join(" or "))
}

/// Declares a section's `RULES` list from its rule modules (each declared with `pub mod` beside it, so
/// rustfmt and rust-analyzer see them). Adding a rule: its file, its `pub mod` line and its name here.
#[macro_export]
macro_rules! declare_rules {
    ($($module:ident),* $(,)?) => {
        /// The rules of this section.
        pub static RULES: &[&$crate::rule::Rule] = &[$(&$module::RULE),*];
        /// Each rule's fixtures (`fn fixtures()` in its file), for the registry self-test.
        #[cfg(test)]
        pub static FIXTURES: &[(&$crate::rule::Rule, fn() -> Vec<$crate::testing::Fixture>)] =
            &[$((&$module::RULE, $module::fixtures)),*];
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn profile_sizes() {
        assert_eq!(
            profile_rules(Profile::Azure).len(),
            72,
            "the Azure baseline has 72 rules"
        );
        assert_eq!(
            profile_rules(Profile::Cis16).len(),
            117,
            "CIS Docker 1.6.0 has 117 recommendations"
        );
        assert_eq!(
            profile_rules(Profile::Cis18).len(),
            118,
            "CIS Docker 1.8.0 has 118 recommendations"
        );
    }

    #[test]
    fn cis_1_8_is_1_6_renumbered_plus_devicemapper() {
        let in16: Vec<&Rule> = profile_rules(Profile::Cis16)
            .iter()
            .map(|(_, r)| *r)
            .collect();
        for (id, r) in profile_rules(Profile::Cis18) {
            if r.title.contains("devicemapper") {
                assert_eq!(*id, "2.7");
                assert!(r.id_in(Profile::Cis16).is_none());
                continue;
            }
            assert!(
                in16.iter().any(|x| std::ptr::eq(*x, *r)),
                "{id} is in 1.8 but not 1.6"
            );
            let old = r.id_in(Profile::Cis16).unwrap();
            let expect = match old.strip_prefix("2.").and_then(|n| n.parse::<u32>().ok()) {
                Some(n) if (7..=18).contains(&n) => format!("2.{}", n + 1),
                _ => old.to_string(),
            };
            assert_eq!(*id, expect, "1.6's {old}");
        }
        // The same implementation carries every id.
        let (_, tls16) = find(Profile::Cis16, "2.7").unwrap();
        let (_, tls18) = find(Profile::Cis18, "2.8").unwrap();
        assert!(std::ptr::eq(tls16, tls18));
        assert!(tls16
            .all_references()
            .iter()
            .any(|r| r.ends_with("v1.8.0, recommendation 2.8")));
    }

    #[test]
    fn suggestions_for_ids_written_another_way() {
        let ids = |p, typed| {
            suggest(p, typed)
                .into_iter()
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(Profile::Azure, "2.6"), ["2.06", "cis:2.6"]);
        assert_eq!(ids(Profile::Azure, "5.01"), ["5.01-2"]);
        assert_eq!(ids(Profile::Cis16, "2.06"), ["2.6", "azure:2.06"]);
        assert_eq!(ids(Profile::Azure, "cis:2.06"), ["cis:2.6"]);
        assert_eq!(
            ids(Profile::Azure, "cis18:2.8"),
            ["cis-1.6:2.8", "cis-1.8:2.8"]
        );
        assert_eq!(ids(Profile::Azure, "cis-1.8:2.08"), ["cis-1.8:2.8"]);
        assert!(ids(Profile::Azure, "9.99").is_empty());
        let msg = did_you_mean(Profile::Azure, "2.6");
        assert!(msg.starts_with("did you mean 2.06 ("), "{msg}");
        assert!(msg.contains(" or cis:2.6 ("), "{msg}");
        assert_eq!(did_you_mean(Profile::Azure, "9.99"), "");
    }

    #[test]
    fn ids_are_unique_and_sorted_per_profile() {
        for p in Profile::ALL {
            let mut seen = HashSet::new();
            for (id, _) in profile_rules(p) {
                assert!(seen.insert(*id), "duplicate id {id} in {}", p.name());
            }
            let keys: Vec<_> = profile_rules(p).iter().map(|(id, _)| id_key(id)).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted);
        }
    }

    #[test]
    fn every_rule_is_documented_and_reachable() {
        for r in RULES.iter() {
            let l = r.label();
            assert!(!r.title.is_empty(), "{l} has no title");
            assert!(r.rationale.len() > 40, "{l} has no rationale");
            assert!(r.audit.len() > 20, "{l} has no audit text");
            assert!(r.remediation.len() > 20, "{l} has no remediation");
            assert!(r.impact.len() > 20, "{l} has no impact text");
            for u in r.references {
                assert!(u.starts_with("https://"), "{l}: reference {u} is not a URL");
            }
            assert!(r.level == 1 || r.level == 2, "{l} has level {}", r.level);
            let reachable = Profile::ALL.iter().any(|p| r.id_in(*p).is_some())
                || ALIASES
                    .iter()
                    .any(|(_, t)| matches!(t, AliasTarget::Rule(x) if std::ptr::eq(*x, *r)));
            assert!(reachable, "{l} is in no profile and has no alias");
            for p in r.profiles {
                assert!(
                    r.id_in(*p).is_some(),
                    "{l} is in {} without an id",
                    p.name()
                );
            }
            for id in Profile::ALL.iter().filter_map(|p| r.id_in(*p)) {
                assert_eq!(
                    id.split('.').next().unwrap().parse::<u8>().unwrap(),
                    r.section.number(),
                    "{l} is in the wrong section"
                );
            }
        }
    }

    #[test]
    fn aliases_resolve() {
        for (alias, target) in ALIASES.iter() {
            let (_, r) =
                find(Profile::Cis16, alias).unwrap_or_else(|| panic!("{alias} does not resolve"));
            match target {
                AliasTarget::Rule(x) => assert!(std::ptr::eq(*x, r)),
                AliasTarget::Id(p, id) => assert_eq!(r.id_in(*p), Some(*id)),
            }
        }
        let (id, r) = find(Profile::Azure, "cis-1.8:2.8").unwrap();
        assert_eq!(id, "2.8");
        assert_eq!(r.cis, ["2.7"]);
        assert_eq!(
            r.azure,
            Some("2.06"),
            "1.8's 2.8 is 1.6's 2.7 is Azure's 2.06 (TLS)"
        );
        let (id, r) = find(Profile::Cis16, "cis-1.8:2.19").unwrap();
        assert_eq!(
            (id.as_str(), r.cis, r.azure),
            ("2.19", &["2.18"][..], Some("2.17"))
        );
        let (id, r) = find(Profile::Cis16, "cis-1.8:2.7").unwrap();
        assert_eq!(id, "2.7");
        assert!(r.title.contains("devicemapper"));
        assert_eq!(find(Profile::Cis18, "2.7").unwrap().1.title, r.title);
        // Ids 1.8 did not renumber are the same as in 1.6.
        assert_eq!(find(Profile::Cis18, "5.32").unwrap().1.azure, Some("5.31"));
    }

    #[test]
    fn find_by_profile_and_prefix() {
        let (id, r) = find(Profile::Azure, "5.31").unwrap();
        assert_eq!((id.as_str(), r.cis), ("5.31", &["5.32"][..]));
        assert_eq!(find(Profile::Azure, "cis:5.32").unwrap().0, "5.32");
        assert_eq!(find(Profile::Cis16, "azure:5.31").unwrap().0, "5.31");
        assert_eq!(find(Profile::Cis16, "5.32").unwrap().1.azure, Some("5.31"));
        assert!(find(Profile::Azure, "9.99").is_none());
        assert!(find(Profile::Azure, "nope:1").is_none());
    }

    /// Rules that only a person can decide: they need a `manual` fixture instead of pass and fail.
    const MANUAL_ONLY: &[&str] = &[
        "cis:4.3", "cis:4.8", "cis:4.12", "cis:7.6", "cis:7.8", "cis:7.9",
    ];
    /// Rules that can fail but never pass (the facts can never prove them): a fail and a manual fixture.
    const NEVER_PASS: &[&str] = &["1.03", "cis:1.2.1", "cis:4.2", "cis:5.23", "cis:5.24"];
    /// Rules that can pass but never fail (a non-default value needs a person's review): pass and manual.
    const NEVER_FAIL: &[&str] = &[
        "5.24", "cis:2.1", "cis:2.10", "cis:5.1", "cis:5.19", "cis:7.4",
    ];

    #[test]
    fn every_rule_has_pass_and_fail_fixtures_that_hold() {
        use crate::rules::*;
        use crate::Status;
        let all: Vec<_> = [
            section1::FIXTURES,
            section2::FIXTURES,
            section3::FIXTURES,
            section4::FIXTURES,
            section5::FIXTURES,
            section6::FIXTURES,
            section7::FIXTURES,
        ]
        .concat();
        assert_eq!(all.len(), RULES.len(), "every rule is in a section's list");
        let mut problems = Vec::new();
        for (rule, fixtures) in all {
            let label = rule.label();
            let fixtures = fixtures();
            for fx in &fixtures {
                let got = crate::testing::run(rule, &fx.facts);
                if got.status != fx.expect {
                    problems.push(format!(
                        "{label} fixture {:?}: expected {}, got {} ({})",
                        fx.name, fx.expect, got.status, got.reason
                    ));
                }
            }
            let has = |s: Status| fixtures.iter().any(|f| f.expect == s);
            let a = rule.azure.unwrap_or("");
            let (need_pass, need_fail) =
                if MANUAL_ONLY.contains(&a) || MANUAL_ONLY.contains(&label.as_str()) {
                    (false, false)
                } else if NEVER_PASS.contains(&a) || NEVER_PASS.contains(&label.as_str()) {
                    (false, true)
                } else if NEVER_FAIL.contains(&a) || NEVER_FAIL.contains(&label.as_str()) {
                    (true, false)
                } else {
                    (true, true)
                };
            if need_pass && !has(Status::Pass) {
                problems.push(format!("{label} has no pass fixture"));
            }
            if need_fail && !has(Status::Fail) {
                problems.push(format!("{label} has no fail fixture"));
            }
            if (!need_pass || !need_fail) && !has(Status::Manual) {
                problems.push(format!(
                    "{label} can only be partly decided and needs a manual fixture"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_cis_recommendation_is_implemented_once() {
        let ids: Vec<&str> = profile_rules(Profile::Cis16)
            .iter()
            .map(|(i, _)| *i)
            .collect();
        let csv = include_str!("../tests/cis_v1_6_ids.txt");
        let want: Vec<&str> = csv.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(ids, want);
        let ids: Vec<&str> = profile_rules(Profile::Cis18)
            .iter()
            .map(|(i, _)| *i)
            .collect();
        let csv = include_str!("../tests/cis_v1_8_ids.txt");
        let want: Vec<&str> = csv.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(ids, want);
    }
}
