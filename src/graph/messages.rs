//! Message lists: one page at a time, following `@odata.nextLink` exactly as Graph gives it.

use reqwest::Url;

use super::client::{Call, GraphClient, PagesSeen};
use super::error::GraphError;
use super::folders::FolderRef;
use super::types::{MessageSummary, Page, RECIPIENT_FIELDS, SUMMARY_FIELDS};

/// Graph's largest page.
pub const MAX_PAGE: u32 = 1000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// What to list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// `None`: every folder of the mailbox.
    pub folder: Option<FolderRef>,
    /// Messages per request (`$top`), 1 to 1000.
    pub page_size: u32,
    /// Stop after this many messages; `None` lists everything.
    pub limit: Option<usize>,
    pub unread_only: bool,
    /// A KQL search (`from:alice`, `subject:report`, or words). Graph orders results itself.
    pub search: Option<String>,
    pub order: Order,
    /// Select the recipients too (`toRecipients`), for lists that show them.
    pub recipients: bool,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            folder: None,
            page_size: 25,
            limit: Some(25),
            unread_only: false,
            search: None,
            order: Order::NewestFirst,
            recipients: false,
        }
    }
}

impl ListQuery {
    /// The first `n` messages, in one request when `n` fits a page.
    pub fn first(n: usize) -> ListQuery {
        ListQuery {
            page_size: n.clamp(1, MAX_PAGE as usize) as u32,
            limit: Some(n),
            ..ListQuery::default()
        }
    }

    /// Every message, in the largest pages Graph allows.
    pub fn all() -> ListQuery {
        ListQuery {
            page_size: MAX_PAGE,
            limit: None,
            ..ListQuery::default()
        }
    }
}

/// Walks a message list page by page. Memory holds one page at a time.
pub struct MessagePager {
    client: GraphClient,
    next: Option<Url>,
    remaining: Option<usize>,
    /// `$search` cannot be combined with `$filter`, so unread-only search results are
    /// filtered here.
    filter_unread_locally: bool,
    seen: PagesSeen,
}

impl MessagePager {
    /// The next page, or `None` when the list is exhausted.
    pub async fn next_page(&mut self) -> Result<Option<Vec<MessageSummary>>, GraphError> {
        if self.remaining == Some(0) {
            return Ok(None);
        }
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let page: Page<MessageSummary> = self.client.json(Call::get(url)).await?;
        self.seen.page_held(page.value.len());
        self.next = match page.next_link {
            Some(link) => Some(self.client.next_page(&link, &mut self.seen)?),
            None => None,
        };
        let mut rows = page.value;
        if self.filter_unread_locally {
            rows.retain(|m| !m.is_read);
        }
        if let Some(left) = &mut self.remaining {
            rows.truncate(*left);
            *left -= rows.len();
        }
        Ok(Some(rows))
    }

    /// `n` messages already listed have left the list since (moved, deleted, or read in an
    /// unread-only listing): an offset (`$skip`) in the next link now points `n` too far, so it
    /// moves back. An opaque `$skiptoken` is left as it is.
    pub fn step_back(&mut self, n: usize) {
        let Some(url) = self.next.as_mut() else {
            return;
        };
        if n == 0 {
            return;
        }
        // The shifted offsets may name addresses read before, legitimately.
        self.seen = PagesSeen::default();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = match (k.eq_ignore_ascii_case("$skip"), v.parse::<usize>()) {
                    (true, Ok(skip)) => skip.saturating_sub(n).to_string(),
                    _ => v.into_owned(),
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }

    /// True when no further request will be made.
    pub fn is_done(&self) -> bool {
        self.next.is_none() || self.remaining == Some(0)
    }
}

impl GraphClient {
    /// Starts listing messages; nothing is fetched until [`MessagePager::next_page`].
    pub fn messages(&self, query: &ListQuery) -> MessagePager {
        let first = first_page_url(self, query);
        MessagePager {
            client: self.clone(),
            seen: PagesSeen::starting_at(&first),
            next: Some(first),
            remaining: query.limit,
            filter_unread_locally: query.unread_only && query.search.is_some(),
        }
    }
}

fn first_page_url(client: &GraphClient, q: &ListQuery) -> Url {
    let mut url = match &q.folder {
        Some(f) => client.endpoint(&["mailFolders", f.as_str(), "messages"]),
        None => client.endpoint(&["messages"]),
    };
    let top = match q.limit {
        Some(n) => (n as u32).min(q.page_size),
        None => q.page_size,
    }
    .clamp(1, MAX_PAGE);
    {
        let mut pairs = url.query_pairs_mut();
        let select = if q.recipients {
            format!("{SUMMARY_FIELDS},{RECIPIENT_FIELDS}")
        } else {
            SUMMARY_FIELDS.to_string()
        };
        pairs
            .append_pair("$select", &select)
            .append_pair("$top", &top.to_string());
        let dir = match q.order {
            Order::NewestFirst => "desc",
            Order::OldestFirst => "asc",
        };
        match &q.search {
            Some(kql) => {
                // KQL goes in double quotes; quotes inside it are escaped.
                pairs.append_pair("$search", &format!("\"{}\"", kql.replace('"', "\\\"")));
            }
            None if q.unread_only => {
                // Graph wants every $orderby property in $filter too, first and in order.
                pairs
                    .append_pair(
                        "$filter",
                        "receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false",
                    )
                    .append_pair("$orderby", &format!("receivedDateTime {dir}"));
            }
            None => {
                pairs.append_pair("$orderby", &format!("receivedDateTime {dir}"));
            }
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::graph::client::{Mailbox, TokenError, TokenFuture, TokenSource};

    struct Nothing;
    impl TokenSource for Nothing {
        fn token(&self) -> TokenFuture<'_> {
            Box::pin(async {
                Err(TokenError {
                    message: "none".into(),
                    needs_sign_in: true,
                    fix: None,
                })
            })
        }
        fn refresh(&self) -> TokenFuture<'_> {
            self.token()
        }
    }

    fn client() -> GraphClient {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().build().unwrap();
        GraphClient::new(http, "https://g.test/v1.0", &Mailbox::Me, Arc::new(Nothing)).unwrap()
    }

    fn query_of(url: &Url) -> Vec<(String, String)> {
        url.query_pairs().into_owned().collect()
    }

    #[test]
    fn a_folder_listing_selects_only_the_shown_fields_newest_first() {
        let q = ListQuery {
            folder: Some(FolderRef::WellKnown(
                crate::domain::mail::WellKnownFolder::Inbox,
            )),
            ..ListQuery::first(30)
        };
        let url = first_page_url(&client(), &q);
        assert_eq!(url.path(), "/v1.0/me/mailFolders/inbox/messages");
        assert_eq!(
            query_of(&url),
            [
                ("$select".into(), SUMMARY_FIELDS.into()),
                ("$top".into(), "30".into()),
                ("$orderby".into(), "receivedDateTime desc".into()),
            ]
        );
    }

    #[test]
    fn only_a_list_of_sent_mail_selects_the_recipients() {
        let select = |recipients: bool| {
            let q = ListQuery {
                recipients,
                ..ListQuery::first(5)
            };
            let url = first_page_url(&client(), &q);
            query_of(&url)
                .into_iter()
                .find(|(k, _)| k == "$select")
                .unwrap()
                .1
        };
        assert!(!select(false).contains("toRecipients"));
        assert_eq!(select(true), format!("{SUMMARY_FIELDS},toRecipients"));
    }

    #[test]
    fn unread_only_filters_with_the_sort_key_first() {
        let q = ListQuery {
            unread_only: true,
            ..ListQuery::all()
        };
        let url = first_page_url(&client(), &q);
        let pairs = query_of(&url);
        assert!(pairs.contains(&("$top".into(), "1000".into())));
        let filter = &pairs.iter().find(|(k, _)| k == "$filter").unwrap().1;
        assert!(filter.starts_with("receivedDateTime") && filter.ends_with("isRead eq false"));
    }

    #[test]
    fn a_search_is_quoted_and_never_combined_with_orderby_or_filter() {
        let q = ListQuery {
            search: Some("subject:\"q3 report\"".into()),
            unread_only: true,
            ..ListQuery::first(10)
        };
        let c = client();
        let url = first_page_url(&c, &q);
        let pairs = query_of(&url);
        assert!(pairs.contains(&("$search".into(), r#""subject:\"q3 report\"""#.into())));
        assert!(!pairs.iter().any(|(k, _)| k == "$orderby" || k == "$filter"));
        assert!(c.messages(&q).filter_unread_locally);
    }
}
