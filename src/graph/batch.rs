//! Changing many messages in few round trips with Graph's JSON batching (`POST /$batch`).
//!
//! Microsoft's rules ("Combine multiple HTTP requests using JSON batching",
//! learn.microsoft.com/graph/json-batching; `graph-wire.md` §9.4): at most 20 requests a batch,
//! each answered with its own status; Outlook runs at most 4 items at once per mailbox and
//! throttles the rest item by item (429). So the items of a batch are chained with `dependsOn`
//! (Graph runs them one after the other, none is throttled for running beside the others), and
//! an item that still comes back 429 or 424 (its predecessor failed, so it never ran) is sent
//! again in the next round, with the others left and no more, after the longest `Retry-After`
//! asked for; a bounded number of rounds and of waiting. A 503 or 504 is sent again only for a
//! mark (a PATCH): a move answered so may have happened, and repeating it would fail or move a
//! message twice.

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{Call, GraphClient};
use super::error::GraphError;
use super::folders::{FolderRef, WellKnownFolder};
use super::retry::{Replay, parse_retry_after};

/// Graph's limit of requests in one batch.
pub const BATCH_MAX: usize = 20;
/// Rounds of re-sending items that were throttled, before giving up on them. Rounds that only
/// re-send items blocked by a failed predecessor (424) do not count: each settles at least the
/// first item of every request, so there are at most as many of them as items.
const MAX_ROUNDS: u32 = 6;
/// The longest wait between rounds, whatever `Retry-After` says.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// The most time spent waiting between rounds of one batch action.
const MAX_TOTAL_WAIT: Duration = Duration::from_secs(90);
/// The wait when a throttled item names no `Retry-After`.
const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// One change to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOp {
    SetRead {
        id: String,
        read: bool,
    },
    Move {
        id: String,
        to: FolderRef,
    },
    /// Move to Deleted Items (recoverable).
    Delete {
        id: String,
    },
}

/// What one change came to: the message's new id for a move or delete.
pub type BatchOutcome = Result<Option<String>, GraphError>;

#[derive(Deserialize)]
struct BatchReply {
    responses: Vec<ItemReply>,
}

#[derive(Deserialize)]
struct ItemReply {
    id: String,
    status: u16,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(default)]
    body: Option<Value>,
}

impl ItemReply {
    fn retry_after(&self) -> Option<Duration> {
        let v = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))?
            .1;
        match v {
            Value::String(s) => parse_retry_after(s),
            Value::Number(n) => parse_retry_after(&n.to_string()),
            _ => None,
        }
    }
}

impl GraphClient {
    /// Applies `ops`, at most [`BATCH_MAX`] per request; the outcomes are in the order of `ops`.
    pub async fn batch(&self, ops: &[BatchOp]) -> Vec<BatchOutcome> {
        let mut outcomes: Vec<Option<BatchOutcome>> = ops.iter().map(|_| None).collect();
        let mut left: Vec<usize> = (0..ops.len()).collect();
        let mut waited = Duration::ZERO;
        let mut throttled_rounds = 0;
        // Bounded: throttled rounds by MAX_ROUNDS, blocked-only rounds by the number of items.
        'rounds: for _ in 0..MAX_ROUNDS as usize + ops.len() {
            let mut again = Vec::new();
            let mut wait = Duration::ZERO;
            // The status that held items back this round (429 or 5xx), if any did.
            let mut held: Option<u16> = None;
            for chunk in left.chunks(BATCH_MAX) {
                match self.send_batch(ops, chunk).await {
                    Ok(replies) => {
                        for (i, reply) in chunk.iter().zip(replies) {
                            match reply {
                                Item::Done(r) => outcomes[*i] = Some(r),
                                Item::Blocked => again.push(*i),
                                Item::Held { status, after } => {
                                    wait = wait.max(after.unwrap_or(DEFAULT_WAIT));
                                    held = Some(status);
                                    again.push(*i);
                                }
                            }
                        }
                    }
                    Err(
                        e @ (GraphError::MaybeApplied { .. }
                        | GraphError::Transport(_)
                        | GraphError::Decode(_)),
                    ) => {
                        // The request went out: each item's fate is as unknown as the batch's.
                        let detail = e.to_string();
                        for i in chunk {
                            outcomes[*i] = Some(Err(GraphError::MaybeApplied {
                                action: "batch",
                                detail: detail.clone(),
                            }));
                        }
                    }
                    Err(e) => {
                        // Refused as a whole (a sign-in, throttling past the client's own retries,
                        // a bad request): nothing left was changed, and the rest would be refused
                        // the same way; every item still open gets the reason.
                        for o in outcomes.iter_mut().filter(|o| o.is_none()) {
                            *o = Some(Err(e.duplicate()));
                        }
                        break 'rounds;
                    }
                }
            }
            if again.is_empty() {
                break;
            }
            let wait = wait.min(MAX_WAIT);
            if let Some(status) = held {
                throttled_rounds += 1;
                if throttled_rounds >= MAX_ROUNDS || waited + wait > MAX_TOTAL_WAIT {
                    for i in &again {
                        outcomes[*i] = Some(Err(GraphError::GaveUp {
                            status,
                            attempts: throttled_rounds,
                            waited,
                        }));
                    }
                    break;
                }
            }
            tokio::time::sleep(wait).await;
            waited += wait;
            left = again;
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(GraphError::Decode("no answer for an item".into()))))
            .collect()
    }

    /// One `$batch` request for the ops at `chunk`, chained so that Graph runs them in turn.
    async fn send_batch(&self, ops: &[BatchOp], chunk: &[usize]) -> Result<Vec<Item>, GraphError> {
        let requests: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let mut item = self.batch_item(&ops[*i]);
                item["id"] = json!((n + 1).to_string());
                if n > 0 {
                    item["dependsOn"] = json!([n.to_string()]);
                }
                item
            })
            .collect();
        let call = Call::new(Method::POST, self.batch_url(), Replay::Once, "batch")
            .json(&json!({ "requests": requests }));
        let reply: BatchReply = self.json(call).await?;
        Ok((1..=chunk.len())
            .zip(chunk)
            .map(|(n, i)| {
                let Some(r) = reply.responses.iter().find(|r| r.id == n.to_string()) else {
                    return Item::Done(Err(GraphError::Decode(format!(
                        "the batch reply has no answer for item {n}"
                    ))));
                };
                match r.status {
                    200..=299 => Item::Done(Ok(r
                        .body
                        .as_ref()
                        .and_then(|b| b.get("id"))
                        .and_then(Value::as_str)
                        .map(str::to_string))),
                    424 => Item::Blocked,
                    // A PATCH leaves the message as one would; a move may have happened.
                    status @ 429 => Item::Held {
                        status,
                        after: r.retry_after(),
                    },
                    status @ (503 | 504) if matches!(ops[*i], BatchOp::SetRead { .. }) => {
                        Item::Held {
                            status,
                            after: r.retry_after(),
                        }
                    }
                    status @ (503 | 504) => Item::Done(Err(GraphError::MaybeApplied {
                        action: "move",
                        detail: format!("Graph answered {status} for it inside the batch"),
                    })),
                    status => {
                        let body = r.body.as_ref().map(|b| b.to_string()).unwrap_or_default();
                        Item::Done(Err(GraphError::from_reply(status, body.as_bytes())))
                    }
                }
            })
            .collect())
    }

    /// A batch item: the method, the URL relative to the version root, and the body.
    fn batch_item(&self, op: &BatchOp) -> Value {
        let json_headers = json!({ "Content-Type": "application/json" });
        match op {
            // Only what the list needs back, as the single mark asks for.
            BatchOp::SetRead { id, read } => json!({
                "method": "PATCH",
                "url": format!("{}?$select=id,isRead", self.relative(&["messages", id])),
                "headers": json_headers,
                "body": { "isRead": read },
            }),
            BatchOp::Move { id, to } => json!({
                "method": "POST",
                "url": self.relative(&["messages", id, "move"]),
                "headers": json_headers,
                "body": { "destinationId": to.as_str() },
            }),
            BatchOp::Delete { id } => self.batch_item(&BatchOp::Move {
                id: id.clone(),
                to: FolderRef::WellKnown(WellKnownFolder::DeletedItems),
            }),
        }
    }
}

enum Item {
    Done(BatchOutcome),
    /// Throttled (429) or unavailable (a mark's 503/504): send again after the wait.
    Held {
        status: u16,
        after: Option<Duration>,
    },
    /// Not run, as the item before it in the chain failed (424): send again, no wait needed.
    Blocked,
}
