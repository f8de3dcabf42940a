//! Asks the identity platform's OpenID discovery about a tenant (the connector's cloud and the
//! others at once, each within the deadline) and hands the answers to
//! [`crate::domain::tenant_check`] for the verdict. No answer is no verdict, never a block.

use std::time::Duration;

use futures_util::future::join_all;

use crate::domain::Cloud;
use crate::domain::tenant_check::{
    Answer, DEADLINE_SECS, Verdict, clouds_to_ask, discovery_url, read_answer, verdict,
};

/// The most of a discovery reply read: the documents are a few kilobytes.
const MAX_BODY: usize = 64 * 1024;

/// Set to `off`, no discovery request is made (a host that must not reach Microsoft).
pub const SWITCH_ENV: &str = "GRAPHMAIL_TENANT_CHECK";

/// What discovery says about `tenant` for a connector in `cloud`.
pub async fn check_tenant(cloud: &Cloud, tenant: &str) -> Verdict {
    let off = std::env::var(SWITCH_ENV).is_ok_and(|v| v.trim().eq_ignore_ascii_case("off"));
    let asked = if off {
        Vec::new()
    } else {
        clouds_to_ask(cloud, tenant)
    };
    if asked.is_empty() {
        return Verdict::NoVerdict;
    }
    let Ok(http) = crate::http::identity_client() else {
        return Verdict::NoVerdict;
    };
    let deadline = Duration::from_secs(DEADLINE_SECS);
    let answers = join_all(asked.iter().map(|c| {
        let url = discovery_url(c, tenant);
        let http = &http;
        async move {
            tokio::time::timeout(deadline, ask(http, &url))
                .await
                .ok()
                .flatten()
        }
    }))
    .await;
    let answers: Vec<(Cloud, Option<Answer>)> = asked.into_iter().zip(answers).collect();
    let found = verdict(cloud, &answers);
    tracing::debug!(cloud = %cloud, verdict = ?found, "tenant checked");
    found
}

/// One discovery request; `None` when nothing readable came back.
async fn ask(http: &reqwest::Client, url: &str) -> Option<Answer> {
    let mut resp = http.get(url).send().await.ok()?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.ok()? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return None;
        }
    }
    Some(read_answer(status, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The emulator on 127.0.0.1 as a custom cloud.
    fn custom(login: &str) -> Cloud {
        Cloud::Custom {
            login_url: login.to_string(),
            graph_url: format!("{login}/v1.0"),
        }
    }

    #[tokio::test]
    async fn the_emulator_knows_its_tenant_and_says_aadsts90002_for_another() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let emu = graphmail_emulator::start(graphmail_emulator::EmulatorConfig::for_tests(
            Duration::from_secs(60),
        ))
        .await
        .expect("the emulator starts");
        let cloud = custom(&emu.login_url);
        let tenant = emu.state.tenant.tenant.id.clone();
        assert_eq!(check_tenant(&cloud, &tenant).await, Verdict::Known);
        let unknown = check_tenant(&cloud, "fabrikam-typo.example").await;
        let Verdict::Unknown {
            description: Some(said),
        } = unknown
        else {
            panic!("an unknown tenant: {unknown:?}");
        };
        assert!(said.contains("fabrikam-typo.example"), "{said}");
        // A multi-tenant alias is not asked about.
        assert_eq!(
            check_tenant(&cloud, "organizations").await,
            Verdict::NoVerdict
        );
    }

    #[tokio::test]
    async fn no_answer_is_no_verdict() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
            format!("http://{}", l.local_addr().expect("an address"))
        };
        assert_eq!(
            check_tenant(&custom(&closed), "contoso.onmicrosoft.com").await,
            Verdict::NoVerdict
        );
    }
}
