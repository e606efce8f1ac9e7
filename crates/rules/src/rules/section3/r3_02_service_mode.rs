//! 3.02 Ensure that docker.service file permissions are set to 644 or more restrictive.

use super::common::{service_unit, NO_SERVICE_UNIT};
use crate::check::mode_rule;
use crate::prelude::*;

pub static RULE: Rule = Rule {
    azure: Some("3.02"),
    cis: &["3.2"],
    profiles: AZURE_AND_CIS,
    assessment: Assessment::Automated,
    title: "Ensure that docker.service file permissions are set to 644 or more restrictive",
    section: Section::DaemonFiles,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Files,
    rationale: "Anyone who can write to the docker.service unit can change the command line dockerd starts \
        with (add a TCP listener without TLS, disable protections, run another binary as root). Only its \
        owner, root, should be able to write it.",
    audit: "Stats the docker.service unit file systemd loads (FragmentPath) and compares its mode with 0644 as \
        a bitmask: any bit outside 0644 fails, including group/other write (0664, 0466) and setuid, setgid \
        or sticky bits. Stricter modes such as 0600 pass. Not applicable when there is no docker.service unit.",
    impact: "None for the daemon or containers: systemd reads the unit as root. Anyone who edited it through \
        group or other write permission now needs sudo, and drop-ins in docker.service.d remain the way to \
        customise it.",
    references: &[],
    remediation: "Find the file with `systemctl show -p FragmentPath docker.service`, then run \
        `chmod 644 <that path>`.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    mode_rule(ctx, service_unit(ctx), 0o644, NO_SERVICE_UNIT)
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use super::common::fixture::*;
    use crate::testing::*;
    use dockguard_facts::Fact;
    vec![
        Fixture::pass("mode 0644", compliant_host()),
        Fixture::pass("mode 0600", host_with(|f| set_mode(f, SERVICE, 0o600))),
        Fixture::fail(
            "0466 (numerically below 644)",
            host_with(|f| set_mode(f, SERVICE, 0o466)),
        ),
        Fixture::fail("setuid 4644", host_with(|f| set_mode(f, SERVICE, 0o4644))),
        Fixture::not_applicable(
            "no docker.service unit",
            host_with(|f| f.units.docker_service = Fact::Ok(None)),
        ),
        Fixture::error(
            "unit unreadable",
            host_with(|f| set(f, SERVICE, unreadable())),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::common::fixture::*;
    use super::*;
    use crate::testing::*;
    use dockguard_facts::{Fact, FileFact};

    #[test]
    fn mode_644_passes() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.targets[0].detail, "mode 0644");
    }

    #[test]
    fn stricter_mode_passes() {
        let mut f = compliant_host();
        set_mode(&mut f, SERVICE, 0o600);
        assert_eq!(run(&RULE, &f).status, Status::Pass);
    }

    #[test]
    fn mode_466_fails_although_numerically_smaller() {
        // docker-bench compares 466 <= 644 as numbers and passes it; group and other can write.
        let mut f = compliant_host();
        set_mode(&mut f, SERVICE, 0o466);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.failing().next().unwrap().detail,
            "mode 0466 grants 0022 beyond 0644"
        );
    }

    #[test]
    fn setuid_bit_fails() {
        let mut f = compliant_host();
        set_mode(&mut f, SERVICE, 0o4644);
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(out.targets[0].detail, "mode 4644 grants 4000 beyond 0644");
    }

    #[test]
    fn missing_unit_is_not_applicable() {
        let mut f = compliant_host();
        f.units.docker_service = Fact::Ok(None);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
        let mut f = compliant_host();
        set(&mut f, SERVICE, FileFact::Missing);
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }

    #[test]
    fn unreadable_unit_is_an_error() {
        let mut f = compliant_host();
        set(&mut f, SERVICE, unreadable());
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Error);
        assert_eq!(out.targets[0].detail, "permission denied");
        let mut f = compliant_host();
        f.units.docker_service = Fact::Error("systemctl not available".into());
        assert_eq!(run(&RULE, &f).status, Status::Error);
    }
}
