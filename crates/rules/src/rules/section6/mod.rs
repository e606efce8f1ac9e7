//! Section 6: Docker security operations.
pub mod rc6_1_image_sprawl;
pub mod rc6_2_container_sprawl;

crate::declare_rules! {
    rc6_1_image_sprawl,
    rc6_2_container_sprawl,
}

/// Up to `n` names, then how many more: `a, b, c and 4 more`.
fn examples(names: &[String], n: usize) -> String {
    let shown = names[..names.len().min(n)].join(", ");
    if names.len() > n {
        format!("{shown} and {} more", names.len() - n)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples() {
        let v: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::examples(&v, 5), "a, b, c");
        assert_eq!(super::examples(&v, 2), "a, b and 1 more");
    }
}
