//! Graph mail on the emulator, over real HTTP on 127.0.0.1: listing, paging, queries, send,
//! move, delete, attachments, delta, permissions and response shapes.

use std::collections::HashSet;

use crate::common_graph::{conforms, error_code, first_inbox_id, schemas, start, start_with};
use serde_json::{Value, json};

/// Field names of a message as §8.5 of the wire reference shows it.
const MESSAGE_SKELETON: &[&str] = &[
    "@odata.etag",
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
];

const FOLDER_SKELETON: &[&str] = &[
    "id",
    "displayName",
    "parentFolderId",
    "childFolderCount",
    "unreadItemCount",
    "totalItemCount",
    "isHidden",
];

const USER_SKELETON: &[&str] = &[
    "@odata.context",
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

fn keys(v: &Value) -> HashSet<String> {
    v.as_object()
        .expect("a JSON object")
        .keys()
        .filter(|k| *k != "@odata.context")
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> HashSet<String> {
    names
        .iter()
        .filter(|k| **k != "@odata.context")
        .map(|s| s.to_string())
        .collect()
}

#[tokio::test]
async fn paging_through_2500_messages_by_next_link_misses_nothing_and_repeats_nothing() {
    let s = start_with(Some(2500), "").await;
    let t = s.adele();
    let first = s
        .get_json(
            &t,
            "/me/mailFolders/inbox/messages?$count=true&$top=1&$select=id",
        )
        .await;
    let total = first["@odata.count"].as_u64().unwrap() as usize;
    assert!(total >= 2500, "{total}");
    let (items, pages) = s
        .all_pages(
            &t,
            &s.graph("/me/mailFolders/inbox/messages?$top=250&$select=id,receivedDateTime"),
        )
        .await;
    let ids: Vec<&str> = items.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), total, "every message once");
    assert_eq!(unique.len(), total, "no duplicates");
    assert_eq!(pages, total.div_ceil(250));
    let dates: Vec<&str> = items
        .iter()
        .map(|m| m["receivedDateTime"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // The default page size is 10, and a second pass with other sizes sees the same set.
    let (again, pages) = s
        .all_pages(&t, &s.graph("/me/mailFolders/inbox/messages?$top=1000"))
        .await;
    assert_eq!(pages, total.div_ceil(1000));
    let again: HashSet<String> = again
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(again, unique.iter().map(|s| s.to_string()).collect());
    let default_page = s.get_json(&t, "/me/mailFolders/inbox/messages").await;
    assert_eq!(default_page["value"].as_array().unwrap().len(), 10);
    let next = default_page["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&s.graph("/me/mailFolders/inbox/messages?")),
        "{next}"
    );
    assert!(next.contains("%24skip=10"), "{next}");
}

#[tokio::test]
async fn filter_and_search_find_the_right_messages_and_refuse_bad_combinations() {
    let s = start().await;
    let t = s.adele();
    let (unread, _) = s
        .all_pages(
            &t,
            &s.graph("/me/messages?$filter=isRead eq false&$top=100"),
        )
        .await;
    assert!(!unread.is_empty());
    assert!(unread.iter().all(|m| m["isRead"] == json!(false)));

    let q = "/me/messages?$filter=from/emailAddress/address eq 'JUERGEN.MUELLER@fabrikam-gmbh.de' and hasAttachments eq false&$top=1000";
    let page = s.get_json(&t, q).await;
    let list = page["value"].as_array().unwrap();
    assert!(!list.is_empty());
    for m in list {
        assert_eq!(
            m["from"]["emailAddress"]["address"],
            "juergen.mueller@fabrikam-gmbh.de"
        );
        assert_eq!(m["hasAttachments"], false);
    }

    let q = "/me/messages?$filter=receivedDateTime ge 2025-06-27T00:00:00Z and receivedDateTime lt 2025-06-29T00:00:00Z&$orderby=receivedDateTime desc&$top=1000";
    let page = s.get_json(&t, q).await;
    let dates: Vec<&str> = crate::json::field_strings(&page["value"], "receivedDateTime");
    assert!(!dates.is_empty());
    assert!(
        dates
            .iter()
            .all(|d| *d >= "2025-06-27T00:00:00Z" && *d < "2025-06-29T00:00:00Z")
    );

    let with_att = s
        .get_json(&t, "/me/messages?$filter=hasAttachments eq true&$top=1000")
        .await;
    assert!(
        with_att["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["hasAttachments"] == true)
    );

    let found = s
        .get_json(&t, "/me/messages?$search=\"Übergabeprotokoll\"")
        .await;
    let subjects: Vec<&str> = crate::json::field_strings(&found["value"], "subject");
    assert_eq!(subjects, ["Übergabeprotokoll Rechenzentrum Düsseldorf"]);
    let found = s
        .get_json(&t, "/me/messages?$search=\"from:misaki\"&$top=1000")
        .await;
    assert!(!found["value"].as_array().unwrap().is_empty());
    assert!(
        found["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["from"]["emailAddress"]["address"] == "misaki.tanaka@contoso.co.jp")
    );
    let cjk = s
        .get_json(&t, "/me/messages?$search=\"システム移行\"")
        .await;
    assert_eq!(cjk["value"].as_array().unwrap().len(), 1);
    // A phrase in escaped quotes, as graphmail sends `subject:"access review"`: the words in
    // that order, not each word anywhere.
    let subjects = |page: &serde_json::Value| -> Vec<String> {
        page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect()
    };
    let phrase = s
        .get_json(
            &t,
            "/me/messages?$search=\"subject:%5C%22access review%5C%22\"&$top=1000",
        )
        .await;
    let found = subjects(&phrase);
    assert!(!found.is_empty(), "the phrase finds its messages");
    assert!(
        found
            .iter()
            .all(|s| s.to_lowercase().contains("access review")),
        "{found:?}"
    );
    let reversed = s
        .get_json(
            &t,
            "/me/messages?$search=\"subject:%5C%22review access%5C%22\"&$top=1000",
        )
        .await;
    assert!(subjects(&reversed).is_empty(), "{:?}", subjects(&reversed));

    for (q, code, needle) in [
        ("/me/messages?$search=pizza", "BadRequest", ""),
        (
            "/me/messages?$search=\"pizza\"&$orderby=receivedDateTime desc",
            "BadRequest",
            "$orderBy",
        ),
        (
            "/me/messages?$search=\"pizza\"&$filter=isRead eq true",
            "BadRequest",
            "$filter",
        ),
        (
            "/me/messages?$filter=isRead eq true&$orderby=receivedDateTime desc",
            "InefficientFilter",
            "",
        ),
        ("/me/messages?$filter=isRead eqq true", "BadRequest", ""),
        ("/me/messages?$top=1001", "ErrorInvalidParameter", ""),
    ] {
        let resp = s.get(&t, q).await;
        assert_eq!(resp.status(), 400, "{q}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(error_code(&body), code, "{q}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(needle),
            "{q}: {body}"
        );
    }
}

#[tokio::test]
async fn folders_use_well_known_names_and_count_their_messages() {
    let s = start().await;
    let t = s.adele();
    let top = s.get_json(&t, "/me/mailFolders?$top=50").await;
    let names: Vec<&str> = crate::json::field_strings(&top["value"], "displayName");
    for want in [
        "Inbox",
        "Sent Items",
        "Deleted Items",
        "Drafts",
        "Archive",
        "Junk Email",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    let inbox = s.get_json(&t, "/me/mailFolders/Inbox").await;
    assert_eq!(inbox["childFolderCount"], 1);
    let kids = s.get_json(&t, "/me/mailFolders/inbox/childFolders").await;
    assert_eq!(kids["value"][0]["displayName"], "Alerts");
    assert_eq!(kids["value"][0]["parentFolderId"], inbox["id"]);
    let by_id = s
        .get_json(
            &t,
            &format!("/me/mailFolders/{}", inbox["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(by_id["id"], inbox["id"]);
    let counted = s
        .get_json(&t, "/me/mailFolders/inbox/messages?$count=true&$top=1")
        .await;
    assert_eq!(counted["@odata.count"], inbox["totalItemCount"]);
    let unread = s
        .get_json(
            &t,
            "/me/mailFolders/inbox/messages?$count=true&$top=1&$filter=isRead eq false",
        )
        .await;
    assert_eq!(unread["@odata.count"], inbox["unreadItemCount"]);
    let resp = s.get(&t, "/me/mailFolders/nosuchfolder").await;
    assert_eq!(resp.status(), 400);
    let small = s.get_json(&t, "/me/mailFolders?$top=3").await;
    assert!(
        small["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("%24skip=3")
    );
}

#[tokio::test]
async fn responses_have_graphs_shapes_headers_and_schemas() {
    let s = start().await;
    let t = s.adele();
    let schemas = schemas();
    let resp = s
        .http
        .get(s.graph("/me/mailFolders/inbox/messages?$top=5"))
        .bearer_auth(&t)
        .header("client-request-id", "11111111-2222-3333-4444-555555555555")
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        resp.headers()["client-request-id"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert_eq!(resp.headers()["request-id"].len(), 36);
    let page: Value = resp.json().await.unwrap();
    let ctx = page["@odata.context"].as_str().unwrap();
    assert!(
        ctx.starts_with(&format!(
            "{}/v1.0/$metadata#users('87d349ed-44d7-43e1-9a83-5f2406dee5bd')/mailFolders('",
            s.base
        )),
        "{ctx}"
    );
    for m in page["value"].as_array().unwrap() {
        assert_eq!(keys(m), set(MESSAGE_SKELETON));
        conforms(&schemas, "microsoft.graph.message", m, "message");
        let received = m["receivedDateTime"].as_str().unwrap();
        assert_eq!(received.len(), 20, "no fractions: {received}");
        assert!(m["@odata.etag"].as_str().unwrap().starts_with("W/\""));
    }
    let folders = s.get_json(&t, "/me/mailFolders").await;
    for f in folders["value"].as_array().unwrap() {
        assert_eq!(keys(f), set(FOLDER_SKELETON));
        conforms(&schemas, "microsoft.graph.mailFolder", f, "folder");
    }
    let me = s.get_json(&t, "/me").await;
    assert_eq!(keys(&me), set(USER_SKELETON));
    assert_eq!(me["jobTitle"], Value::Null);
    let by_upn = s
        .get_json(&t, "/users/adele@contoso-demo.onmicrosoft.com")
        .await;
    assert_eq!(by_upn["id"], me["id"]);

    let selected = s
        .get_json(&t, "/me/messages?$select=subject,from&$top=2")
        .await;
    assert!(
        selected["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/messages(subject,from)")
    );
    for m in selected["value"].as_array().unwrap() {
        assert_eq!(keys(m), set(&["@odata.etag", "id", "subject", "from"]));
    }

    // The HTML-bodied seed message, as text when asked.
    let page = s
        .get_json(&t, "/me/messages?$search=\"access review\"&$select=id")
        .await;
    let id = page["value"][0]["id"].as_str().unwrap();
    let html = s.get_json(&t, &format!("/me/messages/{id}")).await;
    assert_eq!(html["body"]["contentType"], "html");
    assert!(html["body"]["content"].as_str().unwrap().contains("<table"));
    assert!(
        html["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/messages/$entity")
    );
    let resp = s
        .http
        .get(s.graph(&format!("/me/messages/{id}")))
        .bearer_auth(&t)
        .header("Prefer", "outlook.body-content-type=\"text\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["preference-applied"],
        "outlook.body-content-type=\"text\""
    );
    let text: Value = resp.json().await.unwrap();
    assert_eq!(text["body"]["contentType"], "text");
    let content = text["body"]["content"].as_str().unwrap();
    assert!(
        !content.contains("<table") && content.contains("finance@"),
        "{content}"
    );
}

#[tokio::test]
async fn permissions_are_checked_per_endpoint() {
    let s = start().await;
    let read_only = s.token(0, "Mail.Read");
    let resp = s
        .post(&read_only, "/me/sendMail", &json!({ "message": { "subject": "x", "toRecipients": [ { "emailAddress": { "address": "a@b.test" } } ] } }))
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(error_code(&resp.json().await.unwrap()), "ErrorAccessDenied");
    let id = first_inbox_id(&s, &read_only).await;
    let resp = s.move_to(&read_only, &id, "archive").await;
    assert_eq!(resp.status(), 403);
    assert_eq!(s.get(&read_only, "/me").await.status(), 403, "no User.Read");

    // Another user's mailbox needs the .Shared permissions.
    assert_eq!(
        s.get(
            &read_only,
            "/users/alex@contoso-demo.onmicrosoft.com/messages"
        )
        .await
        .status(),
        403
    );
    let shared = s.token(0, "Mail.Read.Shared");
    assert_eq!(
        s.get(&shared, "/users/alex@contoso-demo.onmicrosoft.com/messages")
            .await
            .status(),
        200
    );

    // App-only: roles, /users only.
    let app = s.app_token(&["Mail.Read"]);
    let resp = s.get(&app, "/me/messages").await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "/me request is only valid with delegated authentication flow."
    );
    assert_eq!(
        s.get(
            &app,
            "/users/megan@contoso-demo.onmicrosoft.com/mailFolders/inbox/messages"
        )
        .await
        .status(),
        200
    );
    let resp = s
        .get(&app, "/users/nobody@contoso-demo.onmicrosoft.com/messages")
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(error_code(&resp.json().await.unwrap()), "ErrorInvalidUser");
    let no_roles = s.app_token(&[]);
    assert_eq!(
        s.get(
            &no_roles,
            "/users/megan@contoso-demo.onmicrosoft.com/messages"
        )
        .await
        .status(),
        403
    );

    // Mail.ReadBasic: no bodies, no attachments.
    let basic = s.token(0, "Mail.ReadBasic");
    let page = s.get_json(&basic, "/me/messages?$top=3").await;
    for m in page["value"].as_array().unwrap() {
        assert!(m.get("body").is_none() && m.get("bodyPreview").is_none());
        assert!(m["subject"].is_string());
    }
    let id = page["value"][0]["id"].as_str().unwrap();
    assert_eq!(
        s.get(&basic, &format!("/me/messages/{id}/attachments"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn bad_missing_and_expired_tokens_get_401_with_www_authenticate() {
    let s = start().await;
    let expired = s.expired_token();
    for token in [Some("not-a-token"), None, Some(expired.as_str())] {
        let mut req = s.http.get(s.graph("/me/messages"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let www = resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(www.starts_with("Bearer "), "{www}");
        assert!(www.contains("authorization_uri="), "{www}");
        assert!(resp.headers().contains_key("request-id"));
        let body: Value = resp.json().await.unwrap();
        assert_eq!(error_code(&body), "InvalidAuthenticationToken");
    }
    let resp = s
        .http
        .get(s.graph("/me/messages"))
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Access token has expired or is not yet valid."
    );
}
