//! Adding attachments on the emulator over HTTP: small ones posted, large ones through an
//! upload session whose URL takes byte ranges in order and no bearer token; and
//! `permanentDelete`, which leaves nothing in Recoverable Items.

use crate::common_graph::{error_code, first_inbox_id, start};
use base64::Engine;
use serde_json::{Value, json};

async fn draft(s: &crate::common_graph::Server, t: &str) -> String {
    let resp = s
        .post(t, "/me/messages", &json!({ "subject": "with files" }))
        .await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

fn session_request(size: usize) -> Value {
    json!({ "AttachmentItem": { "attachmentType": "file", "name": "big.bin", "size": size,
                                "contentType": "application/octet-stream" } })
}

#[tokio::test]
async fn a_small_attachment_is_posted_and_a_large_one_is_refused_there() {
    let s = start().await;
    let t = s.adele();
    let id = draft(&s, &t).await;
    let path = format!("/me/messages/{id}/attachments");
    let small = json!({ "@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt",
                        "contentType": "text/plain", "contentBytes": "SGVsbG8=" });
    let resp = s.post(&t, &path, &small).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (v["name"].as_str(), v["size"].as_u64()),
        (Some("a.txt"), Some(5))
    );

    let big = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 3 * 1024 * 1024]);
    let resp = s
        .post(
            &t,
            &path,
            &json!({ "name": "big.bin", "contentBytes": big }),
        )
        .await;
    assert_eq!(resp.status(), 413);

    let resp = s
        .post(
            &t,
            &format!("{path}/createUploadSession"),
            &session_request(1000),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        error_code(&body),
        "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"
    );
}

#[tokio::test]
async fn an_upload_session_takes_ordered_ranges_without_a_token() {
    let s = start().await;
    let t = s.adele();
    let id = draft(&s, &t).await;
    let bytes: Vec<u8> = (0..3_500_000u32).map(|i| (i % 253) as u8).collect();
    let resp = s
        .post(
            &t,
            &format!("/me/messages/{id}/attachments/createUploadSession"),
            &session_request(bytes.len()),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let session: Value = resp.json().await.unwrap();
    assert_eq!(session["nextExpectedRanges"], json!(["0-"]));
    let url = session["uploadUrl"].as_str().unwrap().to_owned();
    assert!(url.contains("authtoken="), "{url}");

    let put = |range: String, chunk: Vec<u8>, bearer: bool| {
        let mut req = s.http.put(&url).header("Content-Range", range).body(chunk);
        if bearer {
            req = req.bearer_auth(&t);
        }
        req.send()
    };
    let total = bytes.len();
    let first = bytes[..2_000_000].to_vec();
    let resp = put(format!("bytes 0-1999999/{total}"), first.clone(), true)
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the upload URL refuses a bearer token");
    let resp = put(
        format!("bytes 2000000-{}/{total}", total - 1),
        bytes[2_000_000..].to_vec(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 416, "ranges must come in order");

    let resp = put(format!("bytes 0-1999999/{total}"), first, false)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["NextExpectedRanges"], json!(["2000000"]));
    let resp = put(
        format!("bytes 2000000-{}/{total}", total - 1),
        bytes[2_000_000..].to_vec(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
    assert!(resp.headers().contains_key("location"));

    let list = s
        .get_json(
            &t,
            &format!("/me/messages/{id}/attachments?$select=id,name,size"),
        )
        .await;
    let a = &list["value"][0];
    assert_eq!(a["size"], total);
    assert!(
        a.get("contentBytes").is_none(),
        "$select leaves the bytes out"
    );
    let raw = s
        .get(
            &t,
            &format!(
                "/me/messages/{id}/attachments/{}/$value",
                a["id"].as_str().unwrap()
            ),
        )
        .await;
    assert!(
        raw.bytes().await.unwrap() == bytes,
        "the stored bytes differ"
    );
}

#[tokio::test]
async fn permanent_delete_leaves_nothing_recoverable() {
    let s = start().await;
    let t = s.adele();
    let id = first_inbox_id(&s, &t).await;
    let resp = s.on_message(&t, &id, "permanentDelete", &json!({})).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(s.get(&t, &format!("/me/messages/{id}")).await.status(), 404);
    let boxes = s.emu.mail.lock();
    let mbx = &boxes[0];
    let dumpster = mbx.well_known("recoverableitemsdeletions");
    assert!(!mbx.messages.values().any(|m| m.folder == dumpster));
}
