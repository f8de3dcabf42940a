//! The emulator knows Microsoft Graph's published permissions from the product's own catalog
//! (`assets/graph-permissions.json`): a real permission the app was not consented for goes to
//! consent (AADSTS65001), as Entra does; a name that is no permission stays AADSTS70011.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common_emulator::{Harness, expect_aad_error};

/// The product's catalog, the same file the emulator reads.
const CATALOG: &str = include_str!("../../../../assets/graph-permissions.json");

fn delegated_permissions() -> Vec<String> {
    let catalog: Value = serde_json::from_str(CATALOG).expect("the catalog is JSON");
    catalog["permissions"]
        .as_array()
        .expect("a list of permissions")
        .iter()
        .filter(|p| !p["delegated"].is_null())
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn every_published_permission_the_app_lacks_asks_for_consent_not_70011() {
    let h = Harness::start().await;
    let consented = h.public_app().delegated;
    let unconsented: Vec<String> = delegated_permissions()
        .into_iter()
        .filter(|p| !consented.iter().any(|c| c.eq_ignore_ascii_case(p)))
        .collect();
    assert!(
        unconsented.iter().any(|p| p == "Calendars.Read"),
        "the demo app is not consented for Calendars.Read: {unconsented:?}"
    );
    for permission in &unconsented {
        let resp = h
            .password_grant(&format!("{permission} offline_access"))
            .await;
        let body = expect_aad_error(resp, StatusCode::BAD_REQUEST, "invalid_grant", 65001).await;
        assert_eq!(body["suberror"], "consent_required", "{permission}: {body}");
    }
}

#[tokio::test]
async fn a_name_that_is_no_permission_is_still_70011() {
    let h = Harness::start().await;
    for scope in ["Calendars.Reed", "https://graph.microsoft.com/Banana.Split"] {
        let resp = h.password_grant(scope).await;
        expect_aad_error(resp, StatusCode::BAD_REQUEST, "invalid_scope", 70011).await;
    }
}
