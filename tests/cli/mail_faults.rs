//! `graphmail mail` against an emulator that misbehaves: throttling and unavailability during a
//! full listing, and a connection dropped during `sendMail` before or after Graph acted on it.

use std::time::Instant;

use crate::support::emulated::Emulated;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_listing_rides_out_429s_and_503s_with_the_right_count() {
    // 3,000 more messages: four pages of 1000 in the Inbox.
    let s = Emulated::with_mail(Some(3000), None).await;
    let total = s.graph("/mailFolders/inbox").await["totalItemCount"]
        .as_u64()
        .unwrap();
    assert!(total > 3000);
    s.set_faults(
        "429=1.5,path=*/messages,every=2,times=2;503,path=*/messages,every=3,times=1;503=0.2,path=*/messages,times=1",
    )
    .await;
    let started = Instant::now();
    let (code, out, err) = s
        .mail(&["list", "--folder", "inbox", "--all", "--json"])
        .await;
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_inert(&out);
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, total, "every message, none twice");
    let mut ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, total);
    assert!(
        started.elapsed().as_secs_f64() >= 3.0,
        "two Retry-After: 1.5 were honoured"
    );
}

async fn send_once(s: &Emulated, subject: &str, json: bool) -> (i32, Vec<u8>, String) {
    let mut args = vec![
        "send",
        "--to",
        "a@example.test",
        "--subject",
        subject,
        "--allow-empty",
    ];
    if json {
        args.push("--json");
    }
    s.mail(&args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_dropped_after_graph_acted_says_it_may_have_been_sent_and_goes_out_once() {
    let s = Emulated::with_mail(None, Some("drop=after,path=*/sendMail,times=1")).await;
    let (code, out, err) = send_once(&s, "dropped after", false).await;
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    crate::support::mail::assert_contains_all(&err, &["may have been sent", "Sent Items"]);
    assert_eq!(
        s.sent_with_subject("dropped after").await.len(),
        1,
        "sent once, never repeated"
    );

    s.set_faults("drop=after,path=*/sendMail,times=1").await;
    let (code, out, _) = send_once(&s, "dropped after (json)", true).await;
    assert_eq!(code, 1);
    let e: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(e["error"]["code"], "maybe_sent");
    assert_eq!(s.sent_with_subject("dropped after (json)").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_dropped_before_graph_acted_is_not_repeated_either() {
    let s = Emulated::with_mail(None, Some("drop=before,path=*/sendMail,times=1")).await;
    let (code, _, err) = send_once(&s, "dropped before", false).await;
    assert_eq!(code, 1, "{err}");
    crate::support::mail::assert_contains_all(&err, &["may have been sent", "Sent Items"]);
    assert!(
        s.sent_with_subject("dropped before").await.is_empty(),
        "not sent, and not retried behind the user's back"
    );
    // Once the service behaves, sending again goes out exactly once.
    let (code, _, err) = send_once(&s, "dropped before", false).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(s.sent_with_subject("dropped before").await.len(), 1);
}
