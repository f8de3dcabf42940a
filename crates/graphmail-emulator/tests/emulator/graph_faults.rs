//! Throttling and fault injection on the emulator, over real HTTP on 127.0.0.1.

use crate::common_graph::{error_code, start, start_with};
use serde_json::{Value, json};

fn mail(subject: &str) -> Value {
    json!({ "message": {
        "subject": subject,
        "body": { "contentType": "Text", "content": "hello" },
        "toRecipients": [ { "emailAddress": { "address": "someone@example.test" } } ]
    } })
}

async fn sent_subjects(s: &crate::common_graph::Server) -> Vec<String> {
    let hook = s.fetch_json(&s.hook("/sent")).await;
    hook["sent"]["adele@contoso-demo.onmicrosoft.com"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn more_than_four_requests_in_flight_on_one_mailbox_are_throttled() {
    // The latency holds every request in flight, so eight at once overrun the limit of four.
    let s = start_with(None, "latency=1s,path=/v1.0/me/*").await;
    let t = s.adele();
    let calls = (0..8).map(|_| {
        let req = s
            .http
            .get(s.graph("/me/mailFolders/inbox/messages?$top=1"))
            .bearer_auth(&t);
        async move { req.send().await.unwrap() }
    });
    let answers = futures_util::future::join_all(calls).await;
    let mut ok = 0;
    let mut throttled = 0;
    for resp in answers {
        match resp.status().as_u16() {
            200 => ok += 1,
            429 => {
                throttled += 1;
                let retry: f64 = resp.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry > 0.0);
                let body: Value = resp.json().await.unwrap();
                assert_eq!(error_code(&body), "ApplicationThrottled");
                assert_eq!(
                    body["error"]["message"],
                    "Application is over its MailboxConcurrency limit."
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(throttled >= 1, "at least one 429 of eight");
    assert!((1..=4).contains(&ok), "{ok} answered");
    // concurrency=0 lifts the limit.
    s.set_faults("concurrency=0;latency=300ms").await;
    let calls = (0..6).map(|_| {
        let req = s.http.get(s.graph("/me/mailFolders")).bearer_auth(&t);
        async move { req.send().await.unwrap().status() }
    });
    for status in futures_util::future::join_all(calls).await {
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn latency_delays_an_answer_without_changing_it() {
    let s = start().await;
    let t = s.adele();
    s.set_faults("latency=250ms").await;
    let began = std::time::Instant::now();
    let resp = s.get(&t, "/me/mailFolders").await;
    assert_eq!(resp.status(), 200);
    assert!(began.elapsed() >= std::time::Duration::from_millis(250));
}

#[tokio::test]
async fn injected_429_carries_a_fractional_retry_after_then_clears() {
    let s = start_with(None, "429=1.5,times=1").await;
    let t = s.adele();
    let resp = s
        .http
        .get(s.graph("/me/messages"))
        .bearer_auth(&t)
        .header("client-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1.5");
    assert_eq!(resp.headers()["client-request-id"], "abc-123");
    let rid = resp.headers()["request-id"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "TooManyRequests");
    assert_eq!(body["error"]["innerError"]["request-id"], rid.as_str());
    assert_eq!(body["error"]["innerError"]["client-request-id"], "abc-123");
    assert_eq!(s.get(&t, "/me/messages").await.status(), 200, "times=1");
}

#[tokio::test]
async fn injected_500_and_503_hit_every_kth_request_on_a_path() {
    let s = start().await;
    let t = s.adele();
    s.set_faults("500,every=2,path=*/mailFolders").await;
    let statuses = [
        s.get(&t, "/me/mailFolders").await.status().as_u16(),
        s.get(&t, "/me/mailFolders").await.status().as_u16(),
        s.get(&t, "/me/messages").await.status().as_u16(),
        s.get(&t, "/me/mailFolders").await.status().as_u16(),
        s.get(&t, "/me/mailFolders").await.status().as_u16(),
    ];
    assert_eq!(statuses, [200, 500, 200, 200, 500]);

    s.set_faults("503=2").await;
    let resp = s.get(&t, "/me/messages").await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert_eq!(
        error_code(&resp.json().await.unwrap()),
        "serviceNotAvailable"
    );
    // The hooks are never faulted, so faults can always be cleared.
    s.set_faults("").await;
    assert_eq!(s.get(&t, "/me/messages").await.status(), 200);
}

#[tokio::test]
async fn a_dropped_connection_before_sendmail_sends_nothing_and_after_it_sends() {
    let s = start().await;
    let t = s.adele();
    s.set_faults("drop,path=*/sendMail,times=1").await;
    let err = s
        .http
        .post(s.graph("/me/sendMail"))
        .bearer_auth(&t)
        .json(&mail("dropped before"))
        .send()
        .await
        .expect_err("the connection drops");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert!(sent_subjects(&s).await.is_empty(), "nothing recorded");
    assert_eq!(
        s.post(&t, "/me/sendMail", &mail("second try"))
            .await
            .status(),
        202
    );

    s.set_faults("drop=after,path=*/sendMail,method=POST,times=1")
        .await;
    let result = s
        .http
        .post(s.graph("/me/sendMail"))
        .bearer_auth(&t)
        .json(&mail("dropped after"))
        .send()
        .await;
    assert!(result.is_err(), "the connection drops");
    assert_eq!(sent_subjects(&s).await, ["second try", "dropped after"]);
    let sent = s
        .get_json(
            &t,
            "/me/mailFolders/sentitems/messages?$filter=subject eq 'dropped after'",
        )
        .await;
    assert_eq!(
        sent["value"].as_array().unwrap().len(),
        1,
        "the ambiguous send did happen"
    );
}

#[tokio::test]
async fn a_share_of_requests_fails_the_same_way_on_every_run() {
    async fn run() -> Vec<u16> {
        let s = start_with(None, "503,share=0.3,seed=42").await;
        let t = s.adele();
        let mut out = vec![];
        for _ in 0..30 {
            out.push(s.get(&t, "/me/mailFolders").await.status().as_u16());
        }
        out
    }
    let first = run().await;
    assert_eq!(first, run().await);
    let failed = first.iter().filter(|s| **s == 503).count();
    assert!(failed > 0 && failed < 30, "{failed} of 30");
}

#[tokio::test]
async fn the_fault_hook_reports_and_rejects_specs() {
    let s = start().await;
    let resp = s
        .http
        .post(s.hook("/faults"))
        .body("latency=fast")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("fast"), "{body}");
    let resp = s
        .http
        .post(s.hook("/faults"))
        .json(&json!({ "spec": "429=0.5,every=3;concurrency=2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let state = s.fetch_json(&s.hook("/faults")).await;
    assert_eq!(state["spec"], "429=0.5,every=3;concurrency=2");
    assert_eq!(state["concurrency"], 2);
    let resp = s
        .http
        .post(s.hook("/faults"))
        .json(&json!(["500,times=1", "latency=1ms"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(s.get(&s.adele(), "/me/messages").await.status(), 500);
}
