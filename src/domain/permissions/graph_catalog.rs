//! Microsoft Graph's permissions as Microsoft publishes them (`assets/graph-permissions.json`):
//! names, ids and admin-consent flags, to know a typed permission and to suggest the one meant.

use std::sync::LazyLock;

use serde::Deserialize;

const ASSET: &str = include_str!("../../../assets/graph-permissions.json");

/// One permission of the published catalog.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct GraphPermission {
    pub name: String,
    /// The delegated form, when there is one.
    pub delegated: Option<Delegated>,
    /// The application form, when there is one (it always needs admin consent).
    pub application: Option<Application>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Delegated {
    pub id: Option<String>,
    pub admin_consent: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Application {
    pub id: Option<String>,
}

#[derive(Deserialize)]
struct Asset {
    permissions: Vec<GraphPermission>,
}

static CATALOG: LazyLock<Vec<GraphPermission>> = LazyLock::new(|| {
    // The asset is part of the build and checked by a test below; an unreadable one would
    // leave the catalog empty rather than stop the program.
    serde_json::from_str::<Asset>(ASSET)
        .map(|a| a.permissions)
        .unwrap_or_default()
});

/// Every published permission graphmail ships.
pub fn all() -> &'static [GraphPermission] {
    &CATALOG
}

/// The permission called `name`, ignoring case.
pub fn find(name: &str) -> Option<&'static GraphPermission> {
    all().iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The known permission closest to a misspelt `name` (`Mail.Sned` → `Mail.Send`), when one is
/// close enough to be what was meant.
pub fn suggest(name: &str, extra: &[&'static str]) -> Option<&'static str> {
    let typed = name.to_ascii_lowercase();
    all()
        .iter()
        .map(|p| p.name.as_str())
        .chain(extra.iter().copied())
        .map(|known| {
            (
                strsim::damerau_levenshtein(&typed, &known.to_ascii_lowercase()),
                known,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_asset_is_read_and_knows_calendars_and_mail() {
        assert!(all().len() > 20);
        let cal = find("calendars.read").expect("Calendars.Read is published");
        assert_eq!(cal.name, "Calendars.Read");
        assert_eq!(cal.delegated.as_ref().map(|d| d.admin_consent), Some(false));
        let all_users = find("User.Read.All").expect("User.Read.All is published");
        assert_eq!(
            all_users.delegated.as_ref().map(|d| d.admin_consent),
            Some(true)
        );
        assert_eq!(
            find("Mail.Send")
                .and_then(|p| p.application.as_ref())
                .and_then(|a| a.id.as_deref()),
            Some("b633e1c5-b582-4048-a93e-9f11b44c7e96")
        );
    }

    #[test]
    fn a_typo_gets_the_permission_meant_and_nonsense_gets_none() {
        assert_eq!(suggest("Mail.Sned", &[]), Some("Mail.Send"));
        assert_eq!(suggest("Calendar.Read", &[]), Some("Calendars.Read"));
        assert_eq!(suggest("Banana.Split", &[]), None);
    }
}
