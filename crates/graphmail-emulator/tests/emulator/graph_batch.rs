//! `POST /v1.0/$batch` over real HTTP on 127.0.0.1: per-item statuses, Graph's limit of 20,
//! `dependsOn` with 424, the same token check and throttling as single requests, and the hook
//! that counts the batches.

use crate::common_graph::{Server, error_code, start};
use serde_json::{Value, json};

async fn inbox_ids(s: &Server, t: &str, n: usize) -> Vec<String> {
    let page = s
        .get_json(
            t,
            &format!("/me/mailFolders/inbox/messages?$top={n}&$select=id"),
        )
        .await;
    let ids: Vec<String> = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), n, "the seeded Inbox has {n} messages");
    ids
}

fn mark_read(n: usize, id: &str) -> Value {
    json!({
        "id": n.to_string(),
        "method": "PATCH",
        "url": format!("/me/messages/{id}"),
        "headers": { "Content-Type": "application/json" },
        "body": { "isRead": true },
    })
}

async fn batch(s: &Server, t: &str, requests: Vec<Value>) -> (u16, Value) {
    let resp = s.post(t, "/$batch", &json!({ "requests": requests })).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Each item's status, by item id.
fn statuses(body: &Value) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = body["responses"]
        .as_array()
        .expect("a responses array")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort_by_key(|(id, _)| id.parse::<u32>().unwrap_or(u32::MAX));
    out
}

#[tokio::test]
async fn items_answer_each_with_their_own_status_and_the_hook_counts_the_batches() {
    let s = start().await;
    let t = s.adele();
    let ids = inbox_ids(&s, &t, 2).await;
    let requests = vec![
        mark_read(1, &ids[0]),
        json!({ "id": "2", "method": "GET", "url": "/me/messages/no-such-message" }),
        json!({
            "id": "3", "method": "POST", "url": format!("/me/messages/{}/move", ids[1]),
            "headers": { "Content-Type": "application/json" },
            "body": { "destinationId": "archive" },
        }),
    ];
    let (status, body) = batch(&s, &t, requests).await;
    assert_eq!(
        status, 200,
        "a readable batch answers 200 whatever its items do"
    );
    assert_eq!(
        statuses(&body),
        [("1".into(), 200), ("2".into(), 400), ("3".into(), 201)]
    );
    let answers = body["responses"].as_array().unwrap();
    let by_id = |id: &str| answers.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(by_id("1")["body"]["isRead"], true);
    assert_eq!(error_code(&by_id("2")["body"]), "ErrorInvalidIdMalformed");
    let moved = by_id("3")["body"]["id"].as_str().unwrap();
    let read = s
        .get_json(&t, &format!("/me/messages/{moved}?$select=parentFolderId"))
        .await;
    let archive = s.get_json(&t, "/me/mailFolders/archive").await;
    assert_eq!(
        read["parentFolderId"], archive["id"],
        "the move took effect"
    );
    let counts = s.fetch_json(&s.hook("/batches")).await;
    assert_eq!(counts["batches"], 1);
    assert_eq!(counts["sizes"], json!([3]));
}

#[tokio::test]
async fn more_than_twenty_requests_or_a_bad_batch_are_refused_whole() {
    let s = start().await;
    let t = s.adele();
    let ids = inbox_ids(&s, &t, 1).await;
    let many: Vec<Value> = (1..=21).map(|n| mark_read(n, &ids[0])).collect();
    let (status, body) = batch(&s, &t, many).await;
    assert_eq!(status, 400, "Graph takes at most 20 requests a batch");
    assert_eq!(error_code(&body), "BadRequest");
    let twice = vec![mark_read(1, &ids[0]), mark_read(1, &ids[0])];
    assert_eq!(batch(&s, &t, twice).await.0, 400, "ids are unique");
    let nested = json!({ "id": "1", "method": "POST", "url": "/$batch",
        "headers": { "Content-Type": "application/json" }, "body": { "requests": [] } });
    assert_eq!(
        batch(&s, &t, vec![nested]).await.0,
        400,
        "batches do not nest"
    );
    let mut untyped = mark_read(1, &ids[0]);
    untyped["headers"] = json!({});
    assert_eq!(
        batch(&s, &t, vec![untyped]).await.0,
        400,
        "a body needs its Content-Type"
    );
    let anonymous = s
        .http
        .post(s.graph("/$batch"))
        .json(&json!({ "requests": [mark_read(1, &ids[0])] }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "the batch checks the token");
    let counts = s.fetch_json(&s.hook("/batches")).await;
    assert_eq!(counts["batches"], 0, "no refused batch ran");
    assert_eq!(counts["refused"], 4);
}

#[tokio::test]
async fn parallel_items_past_four_are_throttled_one_by_one_and_a_chain_is_not() {
    let s = start().await;
    let t = s.adele();
    let ids = inbox_ids(&s, &t, 10).await;
    let parallel: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| mark_read(n + 1, id))
        .collect();
    let (_, body) = batch(&s, &t, parallel).await;
    let got = statuses(&body);
    assert_eq!(got.iter().filter(|(_, st)| *st == 200).count(), 4);
    let throttled: Vec<&Value> = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == 429)
        .collect();
    assert_eq!(throttled.len(), 6, "the items past the limit of 4: {got:?}");
    for r in throttled {
        assert!(r["headers"]["Retry-After"].is_string(), "{r}");
        assert_eq!(error_code(&r["body"]), "ApplicationThrottled");
    }
    let chained: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let mut item = mark_read(n + 1, id);
            if n > 0 {
                item["dependsOn"] = json!([n.to_string()]);
            }
            item
        })
        .collect();
    let (_, body) = batch(&s, &t, chained).await;
    assert!(
        statuses(&body).iter().all(|(_, st)| *st == 200),
        "a chain runs one item at a time: {body}"
    );
}

#[tokio::test]
async fn an_injected_fault_hits_its_item_and_the_chain_after_it_fails_with_424() {
    let s = start().await;
    let t = s.adele();
    let ids = inbox_ids(&s, &t, 3).await;
    s.set_faults(&format!("429=0.5,path=*/messages/{},times=1", ids[1]))
        .await;
    let chained: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let mut item = mark_read(n + 1, id);
            if n > 0 {
                item["dependsOn"] = json!([n.to_string()]);
            }
            item
        })
        .collect();
    let (status, body) = batch(&s, &t, chained).await;
    assert_eq!(status, 200);
    assert_eq!(
        statuses(&body),
        [("1".into(), 200), ("2".into(), 429), ("3".into(), 424)]
    );
    let second = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "2")
        .unwrap();
    assert_eq!(second["headers"]["Retry-After"], "0.5");
    assert_eq!(error_code(&second["body"]), "TooManyRequests");
}
