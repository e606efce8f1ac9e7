//! CIS 4.12 Ensure all signed artifacts are validated.

use super::common::per_image;
use crate::prelude::*;
use dockguard_facts::Fact;

pub static RULE: Rule = Rule {
    azure: None,
    cis: &["4.12"],
    profiles: CIS_ONLY,
    assessment: Assessment::Manual,
    title: "Ensure all signed artifacts are validated",
    section: Section::Images,
    severity: Severity::Medium,
    level: 1,
    scope: Scope::Image,
    rationale: "A signature is only worth something if someone checks it. Artifacts (base images, packages, \
        binaries) whose signatures are not verified before they are built into an image and published can be \
        swapped by anyone who compromises the registry or the pipeline.",
    audit: "Always a manual review: signature verification happens in the build and publishing pipeline and \
        in registry or admission policy, none of which is in the facts of this host. For each image used by \
        an assessed container the evidence gives the digest it was pulled by (or that it was built locally) \
        and whether DOCKER_CONTENT_TRUST is on for logins (rule 4.5), which only covers Docker Content Trust \
        (Notary v1) signatures and is being retired by Docker. To review an image: `cosign verify --key \
        <key> <registry>/<repo>@<digest>` (or `--certificate-identity ... --certificate-oidc-issuer ...` for \
        keyless signing), `notation verify <ref>`, or for Content Trust signatures `docker trust inspect --pretty <ref>`; and check that \
        the pipeline that built it verified its base image and downloaded artifacts before pushing.",
    impact: "Publishers must manage signing keys or a keyless signing identity, and pipelines and admission policy \
        gain a verification step that adds some time to builds and deployments. Unsigned or wrongly signed \
        images, including some third-party ones, are blocked until they are signed or explicitly exempted.",
    references: &["https://docs.docker.com/engine/security/trust/"],
    remediation: "Sign images when they are published (`cosign sign`, `notation sign`) and verify signatures \
        in the pipeline before pushing and at deployment (a registry or admission policy such as Sigstore \
        policy-controller, Kyverno or Ratify). Verify checksums or signatures of every artifact the build \
        downloads.",
    check,
};

fn check(ctx: &Ctx) -> Outcome {
    let trust = match &ctx.facts.docker_environment {
        Fact::Ok(env) => match env.get("DOCKER_CONTENT_TRUST").map(|v| v.trim()) {
            Some(v) if !matches!(v, "" | "0" | "f" | "F" | "false" | "FALSE" | "False") => {
                "DOCKER_CONTENT_TRUST is on for logins"
            }
            _ => "DOCKER_CONTENT_TRUST is off for logins",
        },
        Fact::Error(_) => "DOCKER_CONTENT_TRUST is unknown",
    };
    let out = per_image(ctx, |_, img| {
        let source = match img.repo_digests()?.first() {
            Some(d) => format!("verify the signature of {d}"),
            None => "built or loaded locally: verify the signatures of its base image and inputs"
                .to_string(),
        };
        Ok((Status::Manual, format!("{source}; {trust}")))
    });
    if out.status == Status::Manual {
        Outcome {
            reason: "signature validation happens outside this host's facts: confirm each image in use, and \
                what went into it, was signed and verified"
                .into(),
            ..out
        }
    } else {
        out
    }
}

#[cfg(test)]
pub(crate) fn fixtures() -> Vec<crate::testing::Fixture> {
    use crate::testing::*;
    vec![
        Fixture::manual("image pulled by digest", compliant_host()),
        Fixture::manual(
            "content trust off: still a review, not a failure",
            host_with(|f| f.docker_environment = Fact::Ok(Default::default())),
        ),
        Fixture::error(
            "image not inspected",
            host_with(|f| docker_mut(f).images.clear()),
        ),
        Fixture::not_applicable(
            "no containers",
            host_with(|f| docker_mut(f).containers.clear()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn images_are_listed_for_review() {
        let out = run(&RULE, &compliant_host());
        assert_eq!(out.status, Status::Manual);
        assert_eq!(
            out.targets[0].detail,
            "verify the signature of registry.example/app@sha256:1111; DOCKER_CONTENT_TRUST is on for logins; \
             used by web"
        );
    }

    #[test]
    fn local_images_and_trust_off_are_still_manual() {
        let f = host_with(|f| {
            docker_mut(f).images[0]
                .repo_digests
                .as_mut()
                .unwrap()
                .clear();
            f.docker_environment = Fact::Ok(Default::default());
        });
        let out = run(&RULE, &f);
        assert_eq!(out.status, Status::Manual);
        assert!(out.targets[0].detail.contains("built or loaded locally"));
        assert!(out.targets[0].detail.contains("off for logins"));
    }

    #[test]
    fn errors_and_not_applicable() {
        let f = host_with(|f| docker_mut(f).images.clear());
        assert_eq!(run(&RULE, &f).status, Status::Error);
        let f = host_with(|f| docker_mut(f).containers.clear());
        assert_eq!(run(&RULE, &f).status, Status::NotApplicable);
    }
}
