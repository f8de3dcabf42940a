//! Changing mail on the emulator over real HTTP on 127.0.0.1: send, move, copy, delete,
//! PATCH, replies and forwards, attachments, and delta sync.

use crate::common_graph::{conforms, error_code, first_inbox_id, schemas, start};
use base64::Engine;
use serde_json::{Value, json};

#[tokio::test]
async fn sent_mail_lands_in_sent_items_the_hook_and_a_colleagues_inbox() {
    let s = start().await;
    let t = s.adele();
    let mail = json!({
        "message": {
            "subject": "Change window tonight",
            "body": { "contentType": "Text", "content": "We start at 22:00." },
            "toRecipients": [ { "emailAddress": { "address": "alex@contoso-demo.onmicrosoft.com" } } ],
            "attachments": [ { "@odata.type": "#microsoft.graph.fileAttachment", "name": "plan.txt",
                               "contentType": "text/plain", "contentBytes": "SGVsbG8gV29ybGQh" } ]
        }
    });
    let resp = s.post(&t, "/me/sendMail", &mail).await;
    assert_eq!(resp.status(), 202);
    assert!(resp.headers().contains_key("request-id"));
    assert!(resp.text().await.unwrap().is_empty());

    let sent = s
        .get_json(
            &t,
            "/me/mailFolders/sentitems/messages?$filter=subject eq 'Change window tonight'",
        )
        .await;
    let copy = &sent["value"][0];
    assert_eq!(copy["isRead"], true);
    assert_eq!(copy["hasAttachments"], true);
    assert_eq!(
        copy["from"]["emailAddress"]["address"],
        "adele@contoso-demo.onmicrosoft.com"
    );

    let hook = s.fetch_json(&s.hook("/sent")).await;
    let adele = hook["sent"]["adele@contoso-demo.onmicrosoft.com"]
        .as_array()
        .unwrap();
    assert_eq!(adele.len(), 1);
    assert_eq!(adele[0]["action"], "sendMail");
    assert_eq!(adele[0]["message"]["subject"], "Change window tonight");
    assert_eq!(adele[0]["message"]["attachments"][0]["name"], "plan.txt");

    let alex = s.token(1, "Mail.Read");
    let inbox = s
        .get_json(
            &alex,
            "/me/mailFolders/inbox/messages?$filter=subject eq 'Change window tonight'",
        )
        .await;
    assert_eq!(inbox["value"][0]["isRead"], false);

    let quiet = json!({ "message": { "subject": "No copy", "toRecipients": [ { "emailAddress": { "address": "x@example.test" } } ] }, "saveToSentItems": "false" });
    assert_eq!(s.post(&t, "/me/sendMail", &quiet).await.status(), 202);
    let sent = s
        .get_json(
            &t,
            "/me/mailFolders/sentitems/messages?$filter=subject eq 'No copy'",
        )
        .await;
    assert!(sent["value"].as_array().unwrap().is_empty());
    let hook = s
        .fetch_json(&s.hook("/sent?mailbox=adele@contoso-demo.onmicrosoft.com"))
        .await;
    assert_eq!(
        hook["sent"]["adele@contoso-demo.onmicrosoft.com"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let empty = json!({ "message": { "subject": "nobody" } });
    let resp = s.post(&t, "/me/sendMail", &empty).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        error_code(&resp.json().await.unwrap()),
        "ErrorInvalidRecipients"
    );
}

#[tokio::test]
async fn a_moved_message_has_a_new_id_and_the_old_one_answers_404() {
    let s = start().await;
    let t = s.adele();
    let id = first_inbox_id(&s, &t).await;
    let resp = s.move_to(&t, &id, "archive").await;
    assert_eq!(resp.status(), 201);
    let moved: Value = resp.json().await.unwrap();
    let new_id = moved["id"].as_str().unwrap();
    assert_ne!(new_id, id);
    let archive = s.get_json(&t, "/me/mailFolders/archive").await;
    assert_eq!(moved["parentFolderId"], archive["id"]);

    let resp = s.get(&t, &format!("/me/messages/{id}")).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(error_code(&resp.json().await.unwrap()), "ErrorItemNotFound");
    assert_eq!(
        s.get(&t, &format!("/me/messages/{new_id}")).await.status(),
        200
    );
    let resp = s.get(&t, "/me/messages/not-an-id").await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        error_code(&resp.json().await.unwrap()),
        "ErrorInvalidIdMalformed"
    );

    let copy = s
        .on_message(&t, new_id, "copy", &json!({ "DestinationId": "inbox" }))
        .await;
    assert_eq!(copy.status(), 201);
    let copy: Value = copy.json().await.unwrap();
    assert_ne!(copy["id"], moved["id"]);
    assert_eq!(
        s.get(&t, &format!("/me/messages/{new_id}")).await.status(),
        200
    );

    let del = s
        .http
        .delete(s.graph(&format!("/me/messages/{new_id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(
        s.get(&t, &format!("/me/messages/{new_id}")).await.status(),
        404
    );
}

#[tokio::test]
async fn patch_marks_read_flags_and_categorises() {
    let s = start().await;
    let t = s.adele();
    let page = s
        .get_json(
            &t,
            "/me/mailFolders/inbox/messages?$filter=isRead eq false&$top=1",
        )
        .await;
    let id = page["value"][0]["id"].as_str().unwrap().to_owned();
    let before = s.get_json(&t, "/me/mailFolders/inbox").await["unreadItemCount"]
        .as_u64()
        .unwrap();
    let resp = s
        .http
        .patch(s.graph(&format!("/me/messages/{id}")))
        .bearer_auth(&t)
        .json(&json!({ "isRead": true, "flag": { "flagStatus": "flagged" }, "categories": ["Blue category"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let m: Value = resp.json().await.unwrap();
    assert_eq!(m["isRead"], true);
    assert_eq!(m["flag"]["flagStatus"], "flagged");
    assert_eq!(m["categories"], json!(["Blue category"]));
    let after = s.get_json(&t, "/me/mailFolders/inbox").await["unreadItemCount"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before - 1);
    let bad = s
        .http
        .patch(s.graph(&format!("/me/messages/{id}")))
        .bearer_auth(&t)
        .json(&json!({ "subject": "rewritten" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        400,
        "a received message's subject cannot change"
    );
}

#[tokio::test]
async fn replies_and_forwards_make_drafts_or_send() {
    let s = start().await;
    let t = s.adele();
    let id = first_inbox_id(&s, &t).await;
    let resp = s
        .on_message(&t, &id, "createReply", &json!({ "comment": "On it." }))
        .await;
    assert_eq!(resp.status(), 201);
    let draft: Value = resp.json().await.unwrap();
    assert_eq!(draft["isDraft"], true);
    assert!(draft["subject"].as_str().unwrap().starts_with("RE: "));
    let drafts = s.get_json(&t, "/me/mailFolders/drafts").await;
    assert_eq!(draft["parentFolderId"], drafts["id"]);
    assert_eq!(
        s.post(
            &t,
            &format!("/me/messages/{}/send", draft["id"].as_str().unwrap()),
            &json!({})
        )
        .await
        .status(),
        202
    );

    assert_eq!(
        s.on_message(&t, &id, "reply", &json!({ "comment": "Thanks!" }))
            .await
            .status(),
        202
    );
    let resp = s
        .on_message(&t, &id, "forward", &json!({ "comment": "FYI" }))
        .await;
    assert_eq!(resp.status(), 400, "forward needs recipients");
    let fwd = json!({ "comment": "FYI", "toRecipients": [ { "emailAddress": { "address": "megan@contoso-demo.onmicrosoft.com" } } ] });
    assert_eq!(s.on_message(&t, &id, "forward", &fwd).await.status(), 202);

    let hook = s.fetch_json(&s.hook("/sent")).await;
    let actions: Vec<&str> = crate::json::field_strings(
        &hook["sent"]["adele@contoso-demo.onmicrosoft.com"],
        "action",
    );
    assert_eq!(actions, ["send", "reply", "forward"]);
}

#[tokio::test]
async fn attachments_list_get_and_raw_bytes_agree() {
    let s = start().await;
    let t = s.adele();
    let page = s
        .get_json(
            &t,
            "/me/messages?$search=\"payslip\"&$select=id,hasAttachments",
        )
        .await;
    let id = page["value"][0]["id"].as_str().unwrap().to_owned();
    let list = s
        .get_json(&t, &format!("/me/messages/{id}/attachments"))
        .await;
    let att = &list["value"][0];
    assert_eq!(att["@odata.type"], "#microsoft.graph.fileAttachment");
    assert_eq!(att["name"], "payslip-2025-06.pdf");
    assert_eq!(att["size"], 184320);
    conforms(
        &schemas(),
        "microsoft.graph.fileAttachment",
        att,
        "attachment",
    );
    let aid = att["id"].as_str().unwrap();
    let one = s
        .get_json(&t, &format!("/me/messages/{id}/attachments/{aid}"))
        .await;
    assert!(
        one["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/attachments/$entity")
    );
    let b64 = base64::engine::general_purpose::STANDARD
        .decode(one["contentBytes"].as_str().unwrap())
        .unwrap();
    let raw = s
        .get(&t, &format!("/me/messages/{id}/attachments/{aid}/$value"))
        .await;
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    let raw = raw.bytes().await.unwrap();
    assert_eq!(raw.len(), 184320);
    assert_eq!(raw.to_vec(), b64);
    assert!(raw.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn delta_reports_new_changed_and_removed_messages() {
    let s = start().await;
    let t = s.adele();
    let kids = s.get_json(&t, "/me/mailFolders/inbox/childFolders").await;
    let alerts_id = kids["value"][0]["id"].as_str().unwrap().to_owned();
    let (first_round, pages) = {
        let mut url = s.graph(&format!(
            "/me/mailFolders/{alerts_id}/messages/delta?$select=subject,isRead"
        ));
        let mut all = vec![];
        let mut pages = 0;
        loop {
            let resp = s
                .http
                .get(&url)
                .bearer_auth(&t)
                .header("Prefer", "odata.maxpagesize=20")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.headers()["preference-applied"], "odata.maxpagesize=20");
            let page: Value = resp.json().await.unwrap();
            pages += 1;
            all.extend(page["value"].as_array().unwrap().iter().cloned());
            if let Some(next) = page["@odata.nextLink"].as_str() {
                url = next.to_owned();
            } else {
                url = page["@odata.deltaLink"]
                    .as_str()
                    .expect("deltaLink on the last page")
                    .to_owned();
                break;
            }
        }
        ((all, url), pages)
    };
    let (items, delta_link) = first_round;
    assert!(pages > 1);
    let alerts = s
        .get_json(&t, &format!("/me/mailFolders/{alerts_id}"))
        .await;
    assert_eq!(
        items.len() as u64,
        alerts["totalItemCount"].as_u64().unwrap()
    );
    assert!(
        items
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.message" && m.get("body").is_none())
    );
    assert!(delta_link.contains("%24deltatoken="), "{delta_link}");

    let changed = items[0]["id"].as_str().unwrap();
    let moved = items[1]["id"].as_str().unwrap();
    let resp = s
        .http
        .patch(s.graph(&format!("/me/messages/{changed}")))
        .bearer_auth(&t)
        .json(&json!({ "isRead": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = s.move_to(&t, moved, "deleteditems").await;
    assert_eq!(resp.status(), 201);
    let delivered: Value = s
        .http
        .post(s.hook("/deliver"))
        .json(&json!({ "mailbox": "adele@contoso-demo.onmicrosoft.com", "folder": alerts["id"], "message": { "subject": "New alert", "body": { "contentType": "text", "content": "disk full" } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let next = s
        .http
        .get(&delta_link)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), 200);
    let next: Value = next.json().await.unwrap();
    assert!(next["@odata.deltaLink"].is_string());
    let value = next["value"].as_array().unwrap();
    assert_eq!(value.len(), 3, "{value:?}");
    let by_id = |id: &str| {
        value
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{id} in delta"))
    };
    assert_eq!(by_id(changed)["isRead"], false);
    assert_eq!(by_id(moved)["@removed"]["reason"], "deleted");
    assert_eq!(
        by_id(delivered["id"].as_str().unwrap())["subject"],
        "New alert"
    );
}
