//! The Graph client's request policy against the emulator: paging by `@odata.nextLink`,
//! `Retry-After` on 429 and 503, one refresh after a 401, at most four requests in flight per
//! mailbox (the emulator answers 429 past four), and sends that are never repeated after an
//! unknown outcome.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use graphmail::graph::{
    BatchOp, FolderRef, GraphClient, GraphError, ListQuery, Mailbox, OutgoingMessage, TokenError,
    TokenFuture, TokenSource, WellKnownFolder, http_client,
};
use graphmail_emulator::EmulatorConfig;
use secrecy::SecretString;

use crate::support::emulator::Emulator;

async fn emulator(messages: Option<usize>, faults: &str) -> Emulator {
    Emulator::with(EmulatorConfig {
        messages,
        faults: Some(faults.to_owned()),
        ..EmulatorConfig::for_tests(Duration::from_secs(60))
    })
    .await
}

/// A delegated token for the first user, valid for `lifetime` seconds (negative: expired).
fn mint(emu: &Emulator, lifetime: i64) -> String {
    emu.mint(&emu.user(0), lifetime)
}

/// Hands out `first`, and `second` after a refresh; counts refreshes.
struct Tokens {
    first: String,
    second: Option<String>,
    refreshes: AtomicUsize,
}

impl TokenSource for Tokens {
    fn token(&self) -> TokenFuture<'_> {
        let t = if self.refreshes.load(Ordering::SeqCst) == 0 {
            self.first.clone()
        } else {
            self.second.clone().unwrap_or_default()
        };
        Box::pin(async move { Ok(SecretString::from(t)) })
    }
    fn refresh(&self) -> TokenFuture<'_> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let t = self.second.clone();
        Box::pin(async move {
            t.map(SecretString::from).ok_or(TokenError {
                message: "no refresh token".into(),
                needs_sign_in: true,
                fix: None,
            })
        })
    }
}

fn tokens(first: String, second: Option<String>) -> Arc<Tokens> {
    Arc::new(Tokens {
        first,
        second,
        refreshes: AtomicUsize::new(0),
    })
}

fn client(emu: &Emulator, tokens: Arc<Tokens>) -> GraphClient {
    GraphClient::new(
        http_client().unwrap(),
        emu.graph_url(),
        &Mailbox::Me,
        tokens,
    )
    .unwrap()
}

fn good(emu: &Emulator) -> Arc<Tokens> {
    tokens(mint(emu, 3600), None)
}

fn inbox(mut q: ListQuery) -> ListQuery {
    q.folder = Some(FolderRef::WellKnown(WellKnownFolder::Inbox));
    q
}

/// Messages in the first user's Inbox, as the emulator holds them.
fn inbox_total(emu: &Emulator) -> usize {
    let boxes = emu.running.state.mail.lock();
    let mbx = &boxes[0];
    let inbox = mbx.well_known("inbox");
    mbx.messages.values().filter(|m| m.folder == inbox).count()
}

/// What the first user has sent, as the emulator recorded it.
fn sent(emu: &Emulator) -> usize {
    emu.running.state.mail.lock()[0].sent.len()
}

async fn count_all(client: &GraphClient, query: &ListQuery) -> Result<usize, GraphError> {
    let mut pager = client.messages(query);
    let mut n = 0;
    while let Some(page) = pager.next_page().await? {
        n += page.len();
    }
    Ok(n)
}

fn message() -> OutgoingMessage {
    OutgoingMessage {
        to: vec!["a@x.com".into()],
        subject: "s".into(),
        body: "b".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_listing_follows_next_links_in_full_pages() {
    let emu = emulator(Some(2350), "").await;
    let total = inbox_total(&emu);
    let c = client(&emu, good(&emu));
    assert_eq!(
        count_all(&c, &inbox(ListQuery::all())).await.unwrap(),
        total
    );
    assert_eq!(c.requests_made(), total.div_ceil(1000) as u64);
    assert_eq!(
        count_all(&c, &inbox(ListQuery::first(30))).await.unwrap(),
        30
    );
    assert_eq!(c.requests_made(), total.div_ceil(1000) as u64 + 1);
}

#[tokio::test]
async fn throttling_and_unavailability_are_ridden_out_honouring_retry_after() {
    let emu = emulator(
        Some(1200),
        "429=1.5,path=*/messages,times=1;503,path=*/messages,times=1;503=0.2,path=*/messages,times=1",
    )
    .await;
    let total = inbox_total(&emu);
    let c = client(&emu, good(&emu));
    let started = Instant::now();
    assert_eq!(
        count_all(&c, &inbox(ListQuery::all())).await.unwrap(),
        total
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "Retry-After 1.5 must be waited out"
    );
    assert_eq!(c.requests_made(), total.div_ceil(1000) as u64 + 3);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries() {
    let emu = emulator(None, "").await;
    let t = tokens(mint(&emu, -600), Some(mint(&emu, 3600)));
    let c = client(&emu, t.clone());
    assert_eq!(count_all(&c, &inbox(ListQuery::first(5))).await.unwrap(), 5);
    assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);

    // A refreshed token that is refused too ends in "sign in again", after one refresh.
    let t = tokens(mint(&emu, -600), Some(mint(&emu, -300)));
    let c = client(&emu, t.clone());
    let err = count_all(&c, &inbox(ListQuery::first(5)))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.fix().unwrap().contains("connector login"));
    assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn no_more_than_four_requests_are_in_flight_for_one_mailbox() {
    // Each request is held 50 ms; a fifth one in flight would earn 429 ApplicationThrottled
    // and show up as an extra request.
    let emu = emulator(None, "latency=50ms,path=*/messages").await;
    let a = client(&emu, good(&emu));
    // A second client for the same mailbox shares the limit.
    let b = client(&emu, good(&emu));
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let c = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { count_all(&c, &inbox(ListQuery::first(1))).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1);
    }
    assert_eq!(
        a.requests_made() + b.requests_made(),
        24,
        "no request was throttled"
    );
}

#[tokio::test]
async fn a_send_that_met_a_5xx_is_not_repeated_and_says_it_may_have_been_sent() {
    let emu = emulator(None, "503=0.1,path=*/sendMail,times=1").await;
    let c = client(&emu, good(&emu));
    let err = c.send_mail(&message()).await.unwrap_err();
    assert!(err.may_have_sent(), "{err}");
    assert!(err.fix().unwrap().contains("Sent Items"));
    assert_eq!(c.requests_made(), 1);
    assert_eq!(sent(&emu), 0);
}

#[tokio::test]
async fn a_throttled_send_is_retried_because_graph_did_not_act_on_it() {
    let emu = emulator(None, "429=0.2,path=*/sendMail,times=1").await;
    let c = client(&emu, good(&emu));
    c.send_mail(&message()).await.unwrap();
    assert_eq!(c.requests_made(), 2);
    assert_eq!(sent(&emu), 1);
}

#[tokio::test]
async fn a_send_whose_connection_dropped_is_sent_once_and_reported_as_maybe_sent() {
    let emu = emulator(
        None,
        "drop=after,path=*/sendMail,times=1;drop,path=*/messages",
    )
    .await;
    let c = client(&emu, good(&emu));
    let err = c.send_mail(&message()).await.unwrap_err();
    assert!(err.may_have_sent(), "{err}");
    assert!(err.to_string().contains("may have been sent"));
    assert_eq!(c.requests_made(), 1, "the send must not be repeated");
    assert_eq!(sent(&emu), 1);

    // A read over the same broken service is retried (it changes nothing), then reported.
    let c = c.with_policy(graphmail::graph::RetryPolicy {
        max_attempts: 3,
        base_backoff: Duration::from_millis(10),
        ..Default::default()
    });
    let err = count_all(&c, &inbox(ListQuery::first(5)))
        .await
        .unwrap_err();
    assert!(matches!(err, GraphError::Transport(_)), "{err}");
    assert_eq!(c.requests_made(), 1 + 3);
}

/// The ids of the first `n` messages of the first user's Inbox.
async fn inbox_ids(c: &GraphClient, n: usize) -> Vec<String> {
    let mut pager = c.messages(&inbox(ListQuery::first(n)));
    let page = pager.next_page().await.unwrap().unwrap_or_default();
    let ids: Vec<String> = page.into_iter().map(|m| m.id).take(n).collect();
    assert_eq!(ids.len(), n, "the Inbox has {n} messages");
    ids
}

fn mark_all_read(ids: &[String]) -> Vec<BatchOp> {
    ids.iter()
        .map(|id| BatchOp::SetRead {
            id: id.clone(),
            read: true,
        })
        .collect()
}

#[tokio::test]
async fn batch_changes_go_twenty_to_a_request_and_each_reports_its_own_outcome() {
    let emu = emulator(Some(50), "").await;
    let c = client(&emu, good(&emu));
    let mut ids = inbox_ids(&c, 44).await;
    ids.push("AAMkNoSuchMessageHere".into());
    let before = c.requests_made();
    let outcomes = c.batch(&mark_all_read(&ids)).await;
    assert_eq!(c.requests_made() - before, 3, "45 changes in 20 + 20 + 5");
    assert_eq!(outcomes.len(), 45);
    assert!(outcomes[..44].iter().all(Result::is_ok), "{outcomes:?}");
    assert!(
        matches!(
            &outcomes[44],
            Err(GraphError::Api {
                status: 400 | 404,
                ..
            })
        ),
        "the unknown message fails alone: {:?}",
        outcomes[44]
    );
}

#[tokio::test]
async fn a_throttled_batch_item_goes_again_with_the_items_chained_after_it() {
    let emu = emulator(None, "").await;
    let c = client(&emu, good(&emu));
    let ids = inbox_ids(&c, 5).await;
    let spec = format!("429=0.1,path=*/messages/{},times=1", ids[2]);
    emu.running.state.faults.set_spec(&spec).unwrap();
    let before = c.requests_made();
    let outcomes = c.batch(&mark_all_read(&ids)).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(
        c.requests_made() - before,
        2,
        "one batch, then one with the throttled item and the two blocked behind it"
    );
}

#[tokio::test]
async fn a_batch_item_throttled_every_time_gives_up_after_a_bounded_number_of_rounds() {
    let emu = emulator(None, "").await;
    let c = client(&emu, good(&emu));
    let ids = inbox_ids(&c, 3).await;
    // The last item of the chain, so the others go through in the first round.
    let spec = format!("429=0,path=*/messages/{}", ids[2]);
    emu.running.state.faults.set_spec(&spec).unwrap();
    let before = c.requests_made();
    let outcomes = c.batch(&mark_all_read(&ids)).await;
    assert!(outcomes[0].is_ok() && outcomes[1].is_ok(), "{outcomes:?}");
    match &outcomes[2] {
        Err(GraphError::GaveUp {
            status: 429,
            attempts,
            ..
        }) => assert_eq!(u64::from(*attempts), c.requests_made() - before),
        other => panic!("the item gives up, said as throttling: {other:?}"),
    }
    assert!(c.requests_made() - before <= 6, "bounded rounds");
}

#[tokio::test]
async fn failed_batch_items_early_in_the_chain_fail_alone_and_the_rest_go_through() {
    let emu = emulator(None, "").await;
    let c = client(&emu, good(&emu));
    let real = inbox_ids(&c, 4).await;
    // Seven unknown messages first: each one blocks the chain behind it (424) in its round.
    let mut ids: Vec<String> = (0..7).map(|n| format!("AAMkNoSuchMessage{n}")).collect();
    ids.extend(real.iter().cloned());
    let outcomes = c.batch(&mark_all_read(&ids)).await;
    for (id, o) in ids.iter().zip(&outcomes) {
        if real.contains(id) {
            assert!(o.is_ok(), "{id}: {o:?}");
        } else {
            assert!(
                matches!(
                    o,
                    Err(GraphError::Api {
                        status: 400 | 404,
                        ..
                    })
                ),
                "{id} fails for itself, not as throttling: {o:?}"
            );
        }
    }
}
