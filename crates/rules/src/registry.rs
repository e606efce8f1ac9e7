//! Every rule, registered in one place: each section's `mod.rs` lists its rule files with
//! [`declare_rules!`](crate::declare_rules), and this module joins the sections in benchmark order.

use crate::rule::Rule;
use crate::rules::{section1, section2, section3, section4, section5, section7};
use std::sync::LazyLock;

/// All rules, ordered by section and number.
pub static RULES: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    let mut all: Vec<&'static Rule> = [
        section1::RULES,
        section2::RULES,
        section3::RULES,
        section4::RULES,
        section5::RULES,
        section7::RULES,
    ]
    .iter()
    .flat_map(|s| s.iter().copied())
    .collect();
    all.sort_by_key(|r| id_key(r.id));
    all
});

/// A sort key that orders `5.01-2` < `5.03` < `5.10`.
pub fn id_key(id: &str) -> Vec<u32> {
    id.split(['.', '-'])
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// The rule with this id (its CCEID) or one of its CIS ids (`cis:5.32` or a bare CIS id that is not an
/// Azure id).
pub fn find(id: &str) -> Option<&'static Rule> {
    if let Some(cis) = id.strip_prefix("cis:") {
        return RULES.iter().copied().find(|r| r.cis.contains(&cis));
    }
    RULES.iter().copied().find(|r| r.id == id)
}

/// Builds a section's `RULES` list from its rule modules (each declared with `pub mod` beside it, so rustfmt
/// and rust-analyzer see them). Adding a rule: its file, its `pub mod` line and its name here.
#[macro_export]
macro_rules! declare_rules {
    ($($module:ident),* $(,)?) => {
        /// The rules of this section.
        pub static RULES: &[&$crate::rule::Rule] = &[$(&$module::RULE),*];
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_sorted() {
        let mut seen = HashSet::new();
        for r in RULES.iter() {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
        }
        let keys: Vec<_> = RULES.iter().map(|r| id_key(r.id)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn every_rule_is_documented() {
        for r in RULES.iter() {
            assert!(!r.title.is_empty(), "{} has no title", r.id);
            assert!(r.rationale.len() > 40, "{} has no rationale", r.id);
            assert!(r.audit.len() > 20, "{} has no audit text", r.id);
            assert!(r.remediation.len() > 20, "{} has no remediation", r.id);
            assert!(!r.cis.is_empty(), "{} has no CIS id", r.id);
            assert!(
                r.level == 1 || r.level == 2,
                "{} has level {}",
                r.id,
                r.level
            );
            assert_eq!(
                r.id.split('.').next().unwrap().parse::<u8>().unwrap(),
                r.section.number(),
                "{} is in the wrong section",
                r.id
            );
        }
    }

    #[test]
    fn find_by_azure_and_cis_id() {
        if let Some(r) = RULES.first() {
            assert_eq!(find(r.id).unwrap().id, r.id);
            assert_eq!(find(&format!("cis:{}", r.cis[0])).unwrap().id, r.id);
        }
        assert!(find("9.99").is_none());
    }
}
