//! The ids of Microsoft Graph's mail permissions, for the Azure CLI's `requiredResourceAccess`.

use crate::domain::summary::PermissionKind;

/// Permission ids of Microsoft Graph: (name, delegated "Scope" id, application "Role" id).
/// Mail.ReadBasic's delegated id is left out: public sources disagree on it.
const PERMISSION_IDS: &[(&str, Option<&str>, Option<&str>)] = &[
    (
        "Mail.Read",
        Some("570282fd-fa5c-430d-a7fd-fc8dc98a9dca"),
        Some("810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
    ),
    (
        "Mail.ReadWrite",
        Some("024d486e-b451-40bb-833d-3e66d98c5c73"),
        Some("e2a3a72e-5f79-4c64-b1b1-878b674786c9"),
    ),
    (
        "Mail.Send",
        Some("e383f46e-2787-4529-855e-0e479a3ffac0"),
        Some("b633e1c5-b582-4048-a93e-9f11b44c7e96"),
    ),
    (
        "Mail.ReadBasic",
        None,
        Some("6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a"),
    ),
    (
        "Mail.ReadBasic.All",
        None,
        Some("693c5e45-0940-467d-9b8a-1022fb9d42ef"),
    ),
    (
        "Mail.Read.Shared",
        Some("7b9103a5-4610-446b-9670-80643382c1fa"),
        None,
    ),
    (
        "Mail.ReadWrite.Shared",
        Some("5df07973-7d5d-46ed-9847-1271055cbd51"),
        None,
    ),
    (
        "Mail.Send.Shared",
        Some("a367ab51-6b49-43bf-a716-a1fb06d2a174"),
        None,
    ),
    (
        "MailboxSettings.Read",
        Some("87f447af-9fa4-4c32-9dfa-4a57a73d18ce"),
        Some("40f97065-369a-49f4-947c-6a255697ae91"),
    ),
    (
        "MailboxSettings.ReadWrite",
        Some("818c620a-27a9-40bd-a6a5-d96f7d610b4b"),
        Some("6931bccd-447a-43d1-b442-00a195474933"),
    ),
    (
        "User.Read",
        Some("e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
        None,
    ),
    (
        "User.Read.All",
        None,
        Some("df021288-bdef-4463-88db-98f22de89214"),
    ),
    ("openid", Some("37f7f235-527c-4136-accd-4a02d197296e"), None),
    (
        "profile",
        Some("14dad69e-099b-42c9-810b-d002981feec1"),
        None,
    ),
    ("email", Some("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0"), None),
    (
        "offline_access",
        Some("7427e0e9-2fba-42fe-b0c0-848c9e6a8182"),
        None,
    ),
];

/// The id of a Graph permission in the given form, when it is known for sure.
pub fn permission_id(name: &str, kind: PermissionKind) -> Option<&'static str> {
    let (_, scope, role) = PERMISSION_IDS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))?;
    match kind {
        PermissionKind::Delegated => *scope,
        PermissionKind::Application => *role,
    }
}
