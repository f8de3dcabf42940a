//! What the identity platform's OpenID discovery (`/{tenant}/v2.0/.well-known/openid-configuration`)
//! says about a tenant: that it does not exist (AADSTS90002), or which cloud it lives in
//! (`cloud_instance_name`, `tenant_region_scope`, `tenant_region_sub_scope`). The worker asks;
//! this module reads the answers and words the verdict. No answer is no verdict.

use serde::Deserialize;

use super::Cloud;
use super::aadsts::RawIdentityError;
use super::validate::{TenantKind, validate_tenant};

/// How long the whole check may take before it gives no verdict.
pub const DEADLINE_SECS: u64 = 3;

/// The discovery URL of `tenant` in `cloud`.
pub fn discovery_url(cloud: &Cloud, tenant: &str) -> String {
    format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        cloud.login_base(),
        tenant.trim()
    )
}

/// The clouds to ask about `tenant`, the connector's own first: none for a multi-tenant alias
/// (organizations, common) or a malformed tenant, only its own for a custom cloud (a proxy or
/// the emulator), else every national cloud once per login host.
pub fn clouds_to_ask(cloud: &Cloud, tenant: &str) -> Vec<Cloud> {
    if !validate_tenant(tenant).is_ok_and(TenantKind::is_specific) {
        return Vec::new();
    }
    if matches!(cloud, Cloud::Custom { .. }) {
        return vec![cloud.clone()];
    }
    let mut out = vec![cloud.clone()];
    for other in [Cloud::Global, Cloud::Usgov, Cloud::China] {
        if !out.iter().any(|c| c.login_base() == other.login_base()) {
            out.push(other);
        }
    }
    out
}

/// One cloud's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The tenant exists; the cloud it says it lives in, when it names a known one.
    Found(Option<Cloud>),
    /// AADSTS90002: no such tenant here, with Microsoft's first sentence.
    NotFound(Option<String>),
    /// Another reply (a proxy's page, another error): it tells nothing.
    Unclear,
}

#[derive(Deserialize)]
struct Refusal {
    #[serde(default)]
    error: String,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
}

#[derive(Deserialize)]
struct Document {
    cloud_instance_name: Option<String>,
    tenant_region_scope: Option<String>,
    tenant_region_sub_scope: Option<String>,
}

/// Reads a discovery reply.
pub fn read_answer(status: u16, body: &[u8]) -> Answer {
    if status == 200 {
        return match serde_json::from_slice::<Document>(body) {
            Ok(doc) => Answer::Found(cloud_of(&doc)),
            Err(_) => Answer::Unclear,
        };
    }
    let Ok(refusal) = serde_json::from_slice::<Refusal>(body) else {
        return Answer::Unclear;
    };
    let raw = RawIdentityError {
        error: refusal.error,
        error_description: refusal.error_description,
        error_codes: refusal.error_codes,
        ..Default::default()
    };
    if raw.code() == Some(90002) {
        Answer::NotFound(raw.first_sentence())
    } else {
        Answer::Unclear
    }
}

/// The cloud a discovery document names: `microsoftonline.us` is US Government, DoD when the
/// sub-scope says `DOD` (GCC High says `DODCON`); GCC (moderate) tenants live in the global cloud.
fn cloud_of(doc: &Document) -> Option<Cloud> {
    let instance = doc.cloud_instance_name.as_deref()?.to_ascii_lowercase();
    let sub = doc
        .tenant_region_sub_scope
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    match instance.as_str() {
        "microsoftonline.com" => Some(Cloud::Global),
        "microsoftonline.us" if sub == "DOD" => Some(Cloud::UsgovDod),
        "microsoftonline.us" => Some(Cloud::Usgov),
        "partner.microsoftonline.cn" | "chinacloudapi.cn" => Some(Cloud::China),
        _ if doc.tenant_region_scope.as_deref() == Some("USGov") => Some(Cloud::Usgov),
        _ => None,
    }
}

/// What the check concludes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Found where the connector looks, in the same cloud (or the cloud is not named).
    Known,
    /// No cloud asked knows the tenant.
    Unknown { description: Option<String> },
    /// The tenant lives in another cloud than the connector's.
    OtherCloud { detected: Cloud },
    /// No answer to go by: the check says nothing.
    NoVerdict,
}

/// The verdict from the answers, given in the order of [`clouds_to_ask`] (`None`: no answer).
pub fn verdict(chosen: &Cloud, answers: &[(Cloud, Option<Answer>)]) -> Verdict {
    let mut unknown = None;
    let mut unanswered = false;
    for (asked, answer) in answers {
        match answer {
            Some(Answer::Found(named)) => {
                let detected = named
                    .clone()
                    .or_else(|| (!matches!(asked, Cloud::Custom { .. })).then(|| asked.clone()));
                return match detected {
                    Some(d)
                        if !matches!(chosen, Cloud::Custom { .. })
                            && d.as_str() != chosen.as_str() =>
                    {
                        Verdict::OtherCloud { detected: d }
                    }
                    _ => Verdict::Known,
                };
            }
            Some(Answer::NotFound(said)) => {
                unknown.get_or_insert(said.clone());
            }
            Some(Answer::Unclear) | None => unanswered = true,
        }
    }
    match unknown {
        // A cloud that did not answer might hold the tenant: only say "unknown" when all did.
        Some(description) if !unanswered => Verdict::Unknown { description },
        _ => Verdict::NoVerdict,
    }
}

/// The warning a verdict makes, naming the tenant and how to set it right; `cloud_fix` says how
/// this surface changes the cloud (`use --cloud usgov`, `choose the cloud US Gov …`).
pub fn warning(
    verdict: &Verdict,
    tenant: &str,
    chosen: &Cloud,
    cloud_fix: impl Fn(&Cloud) -> String,
) -> Option<String> {
    let tenant = super::sanitize::line(tenant.trim()).into_owned();
    match verdict {
        Verdict::Known | Verdict::NoVerdict => None,
        Verdict::Unknown { description } => {
            let said = description
                .as_deref()
                .map(|d| format!(": Microsoft says \"{d}\""))
                .unwrap_or_default();
            Some(format!(
                "tenant: {} does not know the tenant '{tenant}' [AADSTS90002{said}]: check the Directory (tenant) ID on the app's Overview page in the Azure portal, and the cloud",
                chosen.login_host()
            ))
        }
        Verdict::OtherCloud { detected } => Some(format!(
            "tenant: '{tenant}' lives in the {} cloud, not in {}: {}",
            detected.as_str(),
            chosen.as_str(),
            cloud_fix(detected)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";

    fn doc(instance: &str, region: &str, sub: Option<&str>) -> Vec<u8> {
        serde_json::json!({
            "issuer": format!("https://login.example/{GUID}/v2.0"),
            "cloud_instance_name": instance,
            "tenant_region_scope": region,
            "tenant_region_sub_scope": sub,
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_cloud_is_read_from_the_instance_and_the_sub_scope() {
        let read = |b: Vec<u8>| read_answer(200, &b);
        assert_eq!(
            read(doc("microsoftonline.com", "EU", None)),
            Answer::Found(Some(Cloud::Global))
        );
        assert_eq!(
            read(doc("microsoftonline.com", "NA", Some("GCC"))),
            Answer::Found(Some(Cloud::Global)),
            "GCC moderate lives in the global cloud"
        );
        assert_eq!(
            read(doc("microsoftonline.us", "USGov", Some("DODCON"))),
            Answer::Found(Some(Cloud::Usgov))
        );
        assert_eq!(
            read(doc("microsoftonline.us", "USGov", Some("DOD"))),
            Answer::Found(Some(Cloud::UsgovDod))
        );
        assert_eq!(
            read(doc("partner.microsoftonline.cn", "AS", None)),
            Answer::Found(Some(Cloud::China))
        );
        assert_eq!(read(doc("127.0.0.1:9", "EU", None)), Answer::Found(None));
        assert_eq!(read_answer(200, b"<html>"), Answer::Unclear);
    }

    #[test]
    fn aadsts90002_is_an_unknown_tenant_with_microsofts_words() {
        let body = br#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'nope.example' not found. Check to make sure you have the correct tenant ID.\r\nTrace ID: x","error_codes":[90002]}"#;
        let Answer::NotFound(Some(said)) = read_answer(400, body) else {
            panic!("not found");
        };
        assert!(
            said.starts_with("Tenant 'nope.example' not found."),
            "{said}"
        );
        assert_eq!(read_answer(502, b"bad gateway"), Answer::Unclear);
    }

    #[test]
    fn only_a_specific_tenant_is_asked_and_a_custom_cloud_only_itself() {
        assert!(clouds_to_ask(&Cloud::Global, "organizations").is_empty());
        assert!(clouds_to_ask(&Cloud::Global, "not a tenant").is_empty());
        let custom = Cloud::Custom {
            login_url: "http://127.0.0.1:9".into(),
            graph_url: "http://127.0.0.1:9/v1.0".into(),
        };
        assert_eq!(clouds_to_ask(&custom, GUID), std::slice::from_ref(&custom));
        let asked: Vec<&str> = clouds_to_ask(&Cloud::UsgovDod, "contoso.com")
            .iter()
            .map(Cloud::as_str)
            .collect();
        assert_eq!(asked, ["usgov-dod", "global", "china"]);
    }

    #[test]
    fn the_verdict_says_unknown_only_when_every_cloud_answered() {
        let nf = || Some(Answer::NotFound(Some("Tenant 'x' not found.".into())));
        let all = [
            (Cloud::Global, nf()),
            (Cloud::Usgov, nf()),
            (Cloud::China, nf()),
        ];
        assert!(matches!(
            verdict(&Cloud::Global, &all),
            Verdict::Unknown { .. }
        ));
        let silent = [(Cloud::Global, nf()), (Cloud::Usgov, None)];
        assert_eq!(verdict(&Cloud::Global, &silent), Verdict::NoVerdict);
        let elsewhere = [
            (Cloud::Global, nf()),
            (Cloud::Usgov, Some(Answer::Found(Some(Cloud::Usgov)))),
        ];
        assert_eq!(
            verdict(&Cloud::Global, &elsewhere),
            Verdict::OtherCloud {
                detected: Cloud::Usgov
            }
        );
        let here = [(Cloud::Global, Some(Answer::Found(Some(Cloud::Global))))];
        assert_eq!(verdict(&Cloud::Global, &here), Verdict::Known);
        assert_eq!(verdict(&Cloud::Global, &[]), Verdict::NoVerdict);
    }

    #[test]
    fn the_warnings_name_the_code_the_tenant_and_the_fix() {
        let unknown = Verdict::Unknown {
            description: Some("Tenant 'x' not found.".into()),
        };
        let w = warning(&unknown, "x.example", &Cloud::Global, |_| String::new()).expect("said");
        for part in [
            "AADSTS90002",
            "x.example",
            "login.microsoftonline.com",
            "Tenant 'x' not found.",
        ] {
            assert!(w.contains(part), "{part} in {w}");
        }
        let other = Verdict::OtherCloud {
            detected: Cloud::Usgov,
        };
        let w = warning(&other, "x.example", &Cloud::Global, |c| {
            format!("use --cloud {}", c.as_str())
        })
        .expect("said");
        assert!(
            w.contains("usgov") && w.contains("use --cloud usgov"),
            "{w}"
        );
        assert_eq!(
            warning(&Verdict::NoVerdict, "x", &Cloud::Global, |_| String::new()),
            None
        );
    }
}
