//! Applying exemptions to a report: a matched failing (or manual-review) target becomes `exempt` with the
//! exemption's reason, owner and expiry; an expired exemption stops applying and says so on the target.

use crate::{Config, Exemption};
use dockguard_facts::{ContainerFacts, Facts};
use dockguard_report::{ExemptionReport, Report, Summary};
use dockguard_rules::context::{glob_match, ContainerPattern};
use dockguard_rules::{Profile, Status, TargetKind};

/// Applies the configuration's exemptions and severity overrides to `report`, as of `today`, and records
/// what became of each exemption in `report.exemptions`. Rule ids are resolved in `profile`.
pub fn apply_exemptions(
    report: &mut Report,
    facts: &Facts,
    config: &Config,
    profile: Profile,
    today: time::Date,
) {
    for (id, severity, _) in &config.severity {
        if let Some(pid) = id_in_profile(profile, id) {
            for r in report.results.iter_mut().filter(|r| r.id == pid) {
                r.severity = *severity;
            }
        }
    }
    let hostname = report.host.hostname.clone().unwrap_or_default();
    let containers: Vec<&ContainerFacts> = facts
        .docker
        .ok()
        .map(|d| d.containers.iter().collect())
        .unwrap_or_default();
    let mut records = Vec::new();
    for ex in &config.exemptions {
        let expired = ex.expires.is_some_and(|d| d < today);
        let mut matched = 0;
        let rule_id = id_in_profile(profile, &ex.rule);
        let host_ok = ex.host.as_deref().is_none_or(|h| glob_match(h, &hostname));
        if let (Some(rule_id), true) = (rule_id, host_ok) {
            for r in report.results.iter_mut().filter(|r| r.id == rule_id) {
                let before = r.status;
                let mut hit_any = false;
                for t in r.targets.iter_mut() {
                    if !matches!(t.status, Status::Fail | Status::Manual)
                        || !target_matches(ex, t, &containers)
                    {
                        continue;
                    }
                    hit_any = true;
                    if expired {
                        t.detail = format!(
                            "{} (exemption expired {}: no longer applies)",
                            t.detail,
                            ex.expires.map(|d| d.to_string()).unwrap_or_default()
                        );
                    } else {
                        matched += 1;
                        t.status = Status::Exempt;
                        t.detail = format!("{} — exempt: {}", t.detail, note(ex));
                    }
                }
                // A failing rule with no failing targets of its own: a host-wide exemption covers it.
                let no_targets = !r
                    .targets
                    .iter()
                    .any(|t| matches!(t.status, Status::Fail | Status::Manual | Status::Exempt));
                if matches!(before, Status::Fail | Status::Manual) && no_targets && is_host_wide(ex)
                {
                    if expired {
                        r.reason = format!("{} (exemption expired: no longer applies)", r.reason);
                    } else {
                        matched += 1;
                        r.status = Status::Exempt;
                        r.reason = format!("{} — exempt: {}", r.reason, note(ex));
                    }
                    continue;
                }
                if hit_any && !expired {
                    r.status = recompute(before, &r.targets);
                    if r.status == Status::Exempt {
                        r.reason = format!("{} — all exempt: {}", r.reason, note(ex));
                    }
                }
            }
        }
        records.push(ExemptionReport {
            rule: ex.rule.clone(),
            scope: ex.scope(),
            reason: ex.reason.clone(),
            owner: ex.owner.clone(),
            expires: ex.expires.map(|d| d.to_string()),
            state: if expired {
                "expired".into()
            } else if matched == 0 {
                "unused".into()
            } else {
                "active".into()
            },
            matched,
        });
    }
    report.exemptions = records;
    report.summary = Summary::count(&report.results);
}

/// The id a configured rule reference is reported under in `profile` (`cis:5.5` is `5.04` under azure).
fn id_in_profile(profile: Profile, written: &str) -> Option<String> {
    let (id, rule) = dockguard_rules::find(profile, written)?;
    Some(rule.id_in(profile).map(str::to_string).unwrap_or(id))
}

fn note(ex: &Exemption) -> String {
    let mut s = format!("{} (owner {}", ex.reason, ex.owner);
    if let Some(d) = ex.expires {
        s.push_str(&format!(", until {d}"));
    }
    s.push(')');
    s
}

fn is_host_wide(ex: &Exemption) -> bool {
    ex.container.is_none() && ex.image.is_none() && ex.label.is_none()
}

/// The rule's status once some targets are exempt: a remaining failure still fails, remaining errors
/// still error, remaining manual reviews stay manual; otherwise the rule is exempt.
fn recompute(before: Status, targets: &[dockguard_rules::Target]) -> Status {
    let has = |s: Status| targets.iter().any(|t| t.status == s);
    if has(Status::Fail) {
        Status::Fail
    } else if has(Status::Error) {
        Status::Error
    } else if has(Status::Manual) {
        Status::Manual
    } else if has(Status::Exempt) {
        Status::Exempt
    } else {
        before
    }
}

/// Whether the exemption's container, image and label scopes (all that are given) cover the target.
fn target_matches(
    ex: &Exemption,
    t: &dockguard_rules::Target,
    containers: &[&ContainerFacts],
) -> bool {
    if is_host_wide(ex) {
        return true;
    }
    let container = (t.kind == TargetKind::Container)
        .then(|| containers.iter().find(|c| c.id == t.id || c.name == t.name))
        .flatten();
    if let Some(pattern) = &ex.container {
        let ok = match container {
            Some(c) => ContainerPattern::parse(pattern).matches(c),
            None => t.kind == TargetKind::Container && glob_match(pattern, &t.name),
        };
        if !ok {
            return false;
        }
    }
    if let Some(pattern) = &ex.image {
        let ok = match (t.kind, container) {
            (TargetKind::Image, _) => {
                glob_match(pattern, &t.name) || t.id.starts_with(pattern.as_str())
            }
            (TargetKind::Container, Some(c)) => {
                c.image.as_deref().is_some_and(|i| glob_match(pattern, i))
                    || c.image_id
                        .as_deref()
                        .is_some_and(|i| i.starts_with(pattern.as_str()))
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    if let Some(label) = &ex.label {
        let ok = container
            .is_some_and(|c| ContainerPattern::parse(&format!("label={label}")).matches(c));
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockguard_rules::{evaluate, testing, Ctx, EvalOptions, Selection};

    fn scan(f: &Facts) -> Report {
        let ctx = Ctx::new(f, EvalOptions::default());
        let results = evaluate(&ctx, Profile::Azure, &Selection::default());
        Report::new(
            f,
            Profile::Azure,
            &results,
            None,
            "2026-11-25T00:00:00Z".into(),
            1,
        )
    }

    /// Two privileged containers, one of them labelled and from another image.
    fn host() -> Facts {
        testing::host_with(|f| {
            let d = testing::docker_mut(f);
            d.containers[0].privileged = Some(true);
            let mut other = testing::container("portainer");
            other.privileged = Some(true);
            other.image = Some("portainer/portainer-ce:2.21".into());
            other
                .labels
                .as_mut()
                .unwrap()
                .insert("team".into(), "platform".into());
            d.containers.push(other);
        })
    }

    fn config(extra: &str) -> Config {
        Config::parse("dockguard.toml", extra).unwrap()
    }

    const TODAY: time::Date = time::macros::date!(2026 - 11 - 25);

    fn status_of(r: &Report, rule: &str, target: &str) -> Status {
        r.results
            .iter()
            .find(|x| x.id == rule)
            .unwrap()
            .targets
            .iter()
            .find(|t| t.name == target)
            .unwrap()
            .status
    }

    #[test]
    fn container_scope_exempts_only_that_container() {
        let f = host();
        let mut r = scan(&f);
        let c = config("[[exemption]]\nrule = \"5.04\"\ncontainer = \"port*\"\nreason = \"needs it\"\nowner = \"ops\"\nexpires = 2027-01-01\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        assert_eq!(status_of(&r, "5.04", "portainer"), Status::Exempt);
        assert_eq!(status_of(&r, "5.04", "web"), Status::Fail);
        let rule = r.results.iter().find(|x| x.id == "5.04").unwrap();
        assert_eq!(rule.status, Status::Fail, "web still fails");
        let t = rule.targets.iter().find(|t| t.name == "portainer").unwrap();
        assert!(
            t.detail
                .contains("exempt: needs it (owner ops, until 2027-01-01)"),
            "{}",
            t.detail
        );
        assert_eq!(r.exemptions[0].state, "active");
        assert_eq!(r.exemptions[0].matched, 1);
    }

    #[test]
    fn image_and_label_scopes() {
        let f = host();
        for scope in [
            "image = \"portainer/*\"",
            "label = \"team=platform\"",
            "label = \"team\"",
        ] {
            let mut r = scan(&f);
            let c = config(&format!(
                "[[exemption]]\nrule = \"5.04\"\n{scope}\nreason = \"r\"\nowner = \"o\"\n"
            ));
            apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
            assert_eq!(
                status_of(&r, "5.04", "portainer"),
                Status::Exempt,
                "{scope}"
            );
            assert_eq!(status_of(&r, "5.04", "web"), Status::Fail, "{scope}");
        }
        let mut r = scan(&f);
        let c = config("[[exemption]]\nrule = \"5.04\"\nlabel = \"team=other\"\nreason = \"r\"\nowner = \"o\"\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        assert_eq!(status_of(&r, "5.04", "portainer"), Status::Fail);
        assert_eq!(r.exemptions[0].state, "unused");
    }

    #[test]
    fn host_scope_exempts_the_rule_and_all_exempt_makes_the_rule_exempt() {
        let f = host();
        let mut r = scan(&f);
        let c = config("[[exemption]]\nrule = \"5.04\"\nhost = \"host-*\"\nreason = \"lab host\"\nowner = \"o\"\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        let rule = r.results.iter().find(|x| x.id == "5.04").unwrap();
        assert_eq!(rule.status, Status::Exempt);
        assert_eq!(r.summary.exempt, 1);
        assert!(!r.gate_fails(Severity::Low) || r.results.iter().any(|x| x.status == Status::Fail));
        // Another host name does not match.
        let mut r = scan(&f);
        let c = config(
            "[[exemption]]\nrule = \"5.04\"\nhost = \"db-*\"\nreason = \"r\"\nowner = \"o\"\n",
        );
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        assert_eq!(
            r.results.iter().find(|x| x.id == "5.04").unwrap().status,
            Status::Fail
        );
    }

    #[test]
    fn expired_exemptions_stop_applying_and_say_so() {
        let f = host();
        let mut r = scan(&f);
        let c = config("[[exemption]]\nrule = \"5.04\"\ncontainer = \"portainer\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-11-24\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        assert_eq!(status_of(&r, "5.04", "portainer"), Status::Fail);
        let rule = r.results.iter().find(|x| x.id == "5.04").unwrap();
        let t = rule.targets.iter().find(|t| t.name == "portainer").unwrap();
        assert!(
            t.detail
                .contains("exemption expired 2026-11-24: no longer applies"),
            "{}",
            t.detail
        );
        assert_eq!(r.exemptions[0].state, "expired");
        // The expiry day itself still counts.
        let mut r = scan(&f);
        let c = config("[[exemption]]\nrule = \"5.04\"\ncontainer = \"portainer\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-11-25\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        assert_eq!(status_of(&r, "5.04", "portainer"), Status::Exempt);
    }

    #[test]
    fn exemptions_never_hide_errors_and_overrides_change_severity() {
        let mut f = host();
        f.docker = dockguard_facts::Fact::Error("unreachable".into());
        let mut r = scan(&f);
        let c = config("[severity]\n\"5.04\" = \"low\"\n\n[[exemption]]\nrule = \"5.04\"\nhost = \"*\"\nreason = \"r\"\nowner = \"o\"\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        let rule = r.results.iter().find(|x| x.id == "5.04").unwrap();
        assert_eq!(rule.status, Status::Error);
        assert_eq!(rule.severity, Severity::Low);
    }

    #[test]
    fn cis_ids_resolve_in_the_azure_profile() {
        let f = host();
        let mut r = scan(&f);
        let c = config("[[exemption]]\nrule = \"cis:5.5\"\ncontainer = \"portainer\"\nreason = \"r\"\nowner = \"o\"\n");
        apply_exemptions(&mut r, &f, &c, Profile::Azure, TODAY);
        assert_eq!(status_of(&r, "5.04", "portainer"), Status::Exempt);
    }

    use dockguard_rules::Severity;
}
