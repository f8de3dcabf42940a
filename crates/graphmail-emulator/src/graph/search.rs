//! `$search`: KQL in double quotes over sender, subject and body, with a few property
//! restrictions (`from:`, `to:`, `subject:`, `body:`, `hasAttachments:`, `attachment:`).

use super::errors::GraphError;
use super::query::split_keyword;
use super::store::{Address, Message};

/// One KQL term of `$search`.
#[derive(Debug, Clone, PartialEq)]
enum SearchTerm {
    Any(String),
    From(String),
    To(String),
    Subject(String),
    Body(String),
    HasAttachments(bool),
    Attachment(String),
}

impl SearchTerm {
    fn matches(&self, m: &Message, body: &mut Option<String>) -> bool {
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(needle);
        let addr_has = |a: &Option<Address>, n: &str| {
            a.as_ref()
                .is_some_and(|a| has(&a.name, n) || has(&a.address, n))
        };
        let list_has =
            |l: &[Address], n: &str| l.iter().any(|a| has(&a.name, n) || has(&a.address, n));
        let mut body_has = |n: &str| {
            let text = body.get_or_insert_with(|| m.body.text().to_lowercase());
            text.contains(n)
        };
        match self {
            SearchTerm::Any(n) => addr_has(&m.from, n) || has(&m.subject, n) || body_has(n),
            SearchTerm::From(n) => addr_has(&m.from, n),
            SearchTerm::To(n) => list_has(&m.to, n) || list_has(&m.cc, n),
            SearchTerm::Subject(n) => has(&m.subject, n),
            SearchTerm::Body(n) => body_has(n),
            SearchTerm::HasAttachments(b) => m.has_attachments() == *b,
            SearchTerm::Attachment(n) => m.attachments.iter().any(|a| has(&a.name, n)),
        }
    }
}

/// `$search` as alternatives (`OR`) of conjunctions (`AND`, or juxtaposition).
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    any_of: Vec<Vec<SearchTerm>>,
}

impl Search {
    pub fn matches(&self, m: &Message) -> bool {
        let mut body = None;
        self.any_of
            .iter()
            .any(|all| all.iter().all(|t| t.matches(m, &mut body)))
    }
}

pub fn parse_search(v: &str) -> Result<Search, GraphError> {
    let t = v.trim();
    let inner = t
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| t.len() >= 2)
        .ok_or_else(|| {
            GraphError::bad_request(format!(
                "Syntax error: character '{}' is not valid at position 0 in '{v}'.",
                t.chars().next().unwrap_or(' ')
            ))
        })?;
    let any_of = split_keyword(inner, "OR")
        .iter()
        .map(|alt| {
            words(alt)
                .iter()
                .filter(|w| !w.eq_ignore_ascii_case("AND"))
                .map(|w| search_term(w))
                .collect::<Vec<_>>()
        })
        .filter(|all| !all.is_empty())
        .collect::<Vec<_>>();
    if any_of.is_empty() {
        return Err(GraphError::bad_request(
            "The $search query option needs a search term.",
        ));
    }
    Ok(Search { any_of })
}

/// Splits a conjunction into words; a phrase in double quotes (sent escaped, `\"`, inside the
/// quoted `$search` value) stays one word, without its quotes: `subject:"access review"`.
fn words(alt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = alt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'"') => {
                chars.next();
                quoted = !quoted;
            }
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn search_term(word: &str) -> SearchTerm {
    let word = word.trim_matches('\'');
    if let Some((prop, value)) = word.split_once(':') {
        let value = value.trim_matches('\'').to_lowercase();
        match prop.to_ascii_lowercase().as_str() {
            "from" => return SearchTerm::From(value),
            "to" | "cc" | "recipients" | "participants" => return SearchTerm::To(value),
            "subject" => return SearchTerm::Subject(value),
            "body" => return SearchTerm::Body(value),
            "hasattachments" | "hasattachment" => {
                return SearchTerm::HasAttachments(value == "true" || value == "yes");
            }
            "attachment" | "attachmentnames" => return SearchTerm::Attachment(value),
            _ => {}
        }
    }
    SearchTerm::Any(word.to_lowercase())
}
