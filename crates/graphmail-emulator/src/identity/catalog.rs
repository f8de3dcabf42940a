//! Microsoft Graph's published permissions, read from the same asset the product ships
//! (`assets/graph-permissions.json`, names and consent flags from Microsoft's permissions
//! reference): a real permission the app was not consented for goes to consent, as Entra does,
//! and only a name that is no permission at all is AADSTS70011.

use std::sync::LazyLock;

use serde::Deserialize;

const ASSET: &str = include_str!("../../../../assets/graph-permissions.json");

#[derive(Deserialize)]
struct Asset {
    permissions: Vec<Published>,
}

/// One published permission: its name and which forms exist.
#[derive(Deserialize)]
struct Published {
    name: String,
    delegated: Option<serde_json::Value>,
    application: Option<serde_json::Value>,
}

static PUBLISHED: LazyLock<Vec<Published>> = LazyLock::new(|| {
    // The asset is compiled in and a test reads it; an unreadable one leaves only the
    // emulator's own list.
    serde_json::from_str::<Asset>(ASSET)
        .map(|a| a.permissions)
        .unwrap_or_default()
});

/// The published spelling of a delegated Graph permission, ignoring case.
pub fn delegated(name: &str) -> Option<&'static str> {
    PUBLISHED
        .iter()
        .find(|p| p.delegated.is_some() && p.name.eq_ignore_ascii_case(name))
        .map(|p| p.name.as_str())
}

/// The published spelling of an application Graph permission, ignoring case.
pub fn application(name: &str) -> Option<&'static str> {
    PUBLISHED
        .iter()
        .find(|p| p.application.is_some() && p.name.eq_ignore_ascii_case(name))
        .map(|p| p.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_asset_is_read() {
        assert!(PUBLISHED.len() > 20);
        assert_eq!(delegated("calendars.read"), Some("Calendars.Read"));
        assert_eq!(
            application("Mail.ReadBasic.All"),
            Some("Mail.ReadBasic.All")
        );
        assert_eq!(delegated("Mail.ReadBasic.All"), None, "application only");
        assert_eq!(delegated("Mail.Reed"), None);
    }
}
