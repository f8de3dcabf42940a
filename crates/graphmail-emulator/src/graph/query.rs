//! OData query options on message lists: `$select`, `$top`, `$skip`, `$orderby`, `$filter`,
//! `$search`, `$count`, with Graph's rules for combining them and its error texts.

use std::cmp::Ordering;

use super::errors::GraphError;
use super::search::{Search, parse_search};
use super::store::{FlagStatus, Importance, Message};

/// Message properties `$select` accepts, in Graph's spelling.
pub const MESSAGE_PROPERTIES: &[&str] = &[
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
    "uniqueBody",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
    "internetMessageHeaders",
];

pub const DEFAULT_TOP: usize = 10;
pub const MAX_TOP: usize = 1000;
/// `$search` never returns more than this many messages.
pub const SEARCH_CAP: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey {
    Received,
    Sent,
    Subject,
    Importance,
}

impl OrderKey {
    fn property(self) -> &'static str {
        match self {
            OrderKey::Received => "receivedDateTime",
            OrderKey::Sent => "sentDateTime",
            OrderKey::Subject => "subject",
            OrderKey::Importance => "importance",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

impl Cmp {
    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Ge => o != Ordering::Less,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Lt => o == Ordering::Less,
        }
    }
}

/// One `$filter` comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    IsRead(bool),
    IsDraft(bool),
    HasAttachments(bool),
    Received(Cmp, i64),
    Sent(Cmp, i64),
    FromAddress(Cmp, String),
    Subject(Cmp, String),
    SubjectContains(String),
    SubjectStartsWith(String),
    Importance(Cmp, Importance),
    Flag(Cmp, FlagStatus),
    Category(String),
    /// `singleValueExtendedProperties/any(ep: ep/id eq 'ID' and ep/value eq 'VALUE')`.
    Extended {
        id: String,
        value: String,
    },
}

impl Cond {
    fn property(&self) -> &'static str {
        match self {
            Cond::IsRead(_) => "isRead",
            Cond::IsDraft(_) => "isDraft",
            Cond::HasAttachments(_) => "hasAttachments",
            Cond::Received(..) => "receivedDateTime",
            Cond::Sent(..) => "sentDateTime",
            Cond::FromAddress(..) => "from/emailAddress/address",
            Cond::Subject(..) | Cond::SubjectContains(_) | Cond::SubjectStartsWith(_) => "subject",
            Cond::Importance(..) => "importance",
            Cond::Flag(..) => "flag/flagStatus",
            Cond::Category(_) => "categories",
            Cond::Extended { .. } => "singleValueExtendedProperties",
        }
    }

    fn matches(&self, m: &Message) -> bool {
        match self {
            Cond::IsRead(b) => m.is_read == *b,
            Cond::IsDraft(b) => m.is_draft == *b,
            Cond::HasAttachments(b) => m.has_attachments() == *b,
            Cond::Received(c, t) => c.holds(m.received.cmp(t)),
            Cond::Sent(c, t) => c.holds(m.sent.cmp(t)),
            Cond::FromAddress(c, a) => {
                let have = m
                    .from
                    .as_ref()
                    .map(|f| f.address.to_lowercase())
                    .unwrap_or_default();
                c.holds(have.as_str().cmp(a.as_str()))
            }
            Cond::Subject(c, s) => c.holds(m.subject.to_lowercase().as_str().cmp(s.as_str())),
            Cond::SubjectContains(s) => m.subject.to_lowercase().contains(s.as_str()),
            Cond::SubjectStartsWith(s) => m.subject.to_lowercase().starts_with(s.as_str()),
            Cond::Importance(c, i) => c.holds((m.importance as u8).cmp(&(*i as u8))),
            Cond::Flag(c, f) => match c {
                Cmp::Ne => m.flag != *f,
                _ => m.flag == *f,
            },
            Cond::Category(s) => m.categories.iter().any(|c| c.eq_ignore_ascii_case(s)),
            // The name in the id is compared exactly, the value without regard to case, as
            // Graph documents for string extended properties.
            Cond::Extended { id, value } => m
                .extended
                .iter()
                .any(|(i, v)| i == id && v.eq_ignore_ascii_case(value)),
        }
    }
}

/// `$filter` as alternatives (`or`) of conjunctions (`and`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub any_of: Vec<Vec<Cond>>,
}

impl Filter {
    pub fn matches(&self, m: &Message) -> bool {
        self.any_of.is_empty()
            || self
                .any_of
                .iter()
                .any(|all| all.iter().all(|c| c.matches(m)))
    }

    fn properties(&self) -> Vec<&'static str> {
        self.any_of
            .iter()
            .flat_map(|all| all.iter().map(Cond::property))
            .collect()
    }
}

/// The query options of one list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub select: Option<Vec<&'static str>>,
    pub top: Option<usize>,
    pub skip: usize,
    pub orderby: Vec<(OrderKey, bool)>,
    pub filter: Filter,
    pub search: Option<Search>,
    pub count: bool,
    pub skiptoken: Option<String>,
    pub deltatoken: Option<String>,
    pub include_hidden: bool,
    /// The options as sent, to rebuild `@odata.nextLink`.
    pub pairs: Vec<(String, String)>,
}

impl ListQuery {
    pub fn parse(raw: Option<&str>) -> Result<Self, GraphError> {
        let mut q = ListQuery::default();
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (k, v) in &pairs {
            let key = k.to_ascii_lowercase();
            match key.as_str() {
                "$select" => q.select = Some(parse_select(v)?),
                "$top" => q.top = Some(parse_top(v)?),
                "$skip" => {
                    q.skip = v.trim().parse().map_err(|_| {
                        GraphError::bad_request(format!(
                            "Invalid value '{v}' for $skip query option found."
                        ))
                    })?
                }
                "$orderby" => q.orderby = parse_orderby(v)?,
                "$filter" => q.filter = parse_filter(v)?,
                "$search" => q.search = Some(parse_search(v)?),
                "$count" => q.count = v.eq_ignore_ascii_case("true"),
                "$skiptoken" => q.skiptoken = Some(v.clone()),
                "$deltatoken" => q.deltatoken = Some(v.clone()),
                "includehiddenfolders" => q.include_hidden = v.eq_ignore_ascii_case("true"),
                "$expand" | "$format" => {}
                k if k.starts_with('$') => {
                    return Err(GraphError::bad_request(format!(
                        "Query option '{k}' is not supported."
                    )));
                }
                _ => {}
            }
        }
        if q.search.is_some() {
            if !q.orderby.is_empty() {
                return Err(GraphError::bad_request(
                    "The query parameter '$orderBy' is not supported with '$search'.",
                ));
            }
            if !q.filter.any_of.is_empty() {
                return Err(GraphError::bad_request(
                    "The query parameter '$filter' is not supported with '$search'.",
                ));
            }
        }
        if !q.orderby.is_empty() && !q.filter.any_of.is_empty() {
            // Exchange wants every sort property restricted first, in the same order.
            let in_filter = q.filter.properties();
            let fits = q
                .orderby
                .iter()
                .enumerate()
                .all(|(n, (key, _))| in_filter.get(n).is_some_and(|p| *p == key.property()));
            if !fits {
                return Err(GraphError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "InefficientFilter",
                    "The restriction or sort order is too complex for this operation.",
                ));
            }
        }
        q.pairs = pairs;
        Ok(q)
    }

    pub fn page_size(&self) -> usize {
        self.top.unwrap_or(DEFAULT_TOP)
    }

    /// Sorts `items` (already in ascending reception order) as `$orderby` asks.
    pub fn sort(&self, items: &mut [&Message]) {
        if self.search.is_some() {
            items.sort_by(|a, b| b.sent.cmp(&a.sent).then(b.received.cmp(&a.received)));
            return;
        }
        if self.orderby.is_empty() {
            items.reverse();
            return;
        }
        items.sort_by(|a, b| {
            for (key, desc) in &self.orderby {
                let o = match key {
                    OrderKey::Received => a.received.cmp(&b.received),
                    OrderKey::Sent => a.sent.cmp(&b.sent),
                    OrderKey::Subject => a.subject.to_lowercase().cmp(&b.subject.to_lowercase()),
                    OrderKey::Importance => (a.importance as u8).cmp(&(b.importance as u8)),
                };
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }

    pub fn matches(&self, m: &Message) -> bool {
        self.filter.matches(m) && self.search.as_ref().is_none_or(|s| s.matches(m))
    }

    /// The query string of the next page: every option as sent, `$skip` moved on.
    pub fn next_query(&self, skip: usize) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if !k.eq_ignore_ascii_case("$skip") {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("$skip", &skip.to_string());
        ser.finish()
    }
}

fn parse_top(v: &str) -> Result<usize, GraphError> {
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_TOP).contains(&n) => Ok(n),
        Ok(_) => Err(GraphError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            format!("The value '{v}' of parameter 'Top' should be between 1 and {MAX_TOP}."),
        )),
        Err(_) => Err(GraphError::bad_request(format!(
            "Invalid value '{v}' for $top query option found."
        ))),
    }
}

pub fn parse_select(v: &str) -> Result<Vec<&'static str>, GraphError> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            MESSAGE_PROPERTIES
                .iter()
                .find(|p| p.eq_ignore_ascii_case(name))
                .copied()
                .ok_or_else(|| unknown_property(name))
        })
        .collect()
}

/// The names in a raw query's `$select`, unchecked (for entities other than messages).
pub fn parse_select_list(raw: Option<&str>) -> Option<Vec<String>> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("$select"))
        .map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
}

fn unknown_property(name: &str) -> GraphError {
    GraphError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "RequestBroker--ParseUri",
        format!("Could not find a property named '{name}' on type 'microsoft.graph.message'."),
    )
}

fn parse_orderby(v: &str) -> Result<Vec<(OrderKey, bool)>, GraphError> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let mut words = item.split_whitespace();
            let prop = words.next().unwrap_or_default();
            let dir = words.next().unwrap_or("asc");
            let desc = match dir.to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => {
                    return Err(GraphError::bad_request(format!(
                        "Syntax error at position {} in '{v}'.",
                        prop.len() + 1
                    )));
                }
            };
            let key = match prop.to_ascii_lowercase().as_str() {
                "receiveddatetime" => OrderKey::Received,
                "sentdatetime" => OrderKey::Sent,
                "subject" => OrderKey::Subject,
                "importance" => OrderKey::Importance,
                _ => return Err(unknown_property(prop)),
            };
            Ok((key, desc))
        })
        .collect()
}

/// Splits `s` on a keyword (`and`, `or`) that stands outside quotes, ignoring case.
pub(super) fn split_keyword(s: &str, word: &str) -> Vec<String> {
    let mut parts = vec![];
    let mut current = String::new();
    let mut in_quote = false;
    let mut depth = 0i32;
    let tokens: Vec<&str> = s.split(' ').collect();
    for tok in tokens {
        let at_top = !in_quote && depth == 0;
        if at_top && tok.eq_ignore_ascii_case(word) && !current.trim().is_empty() {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        for c in tok.chars() {
            match c {
                '\'' | '"' => in_quote = !in_quote,
                '(' if !in_quote => depth += 1,
                ')' if !in_quote => depth -= 1,
                _ => {}
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(tok);
    }
    parts.push(current);
    parts
}

fn strip_parens(s: &str) -> &str {
    let t = s.trim();
    if t.starts_with('(') && t.ends_with(')') && !t.starts_with("()") {
        strip_parens(&t[1..t.len() - 1])
    } else {
        t
    }
}

fn invalid_filter(v: &str) -> GraphError {
    GraphError::bad_request(format!("Invalid filter clause: {v}"))
}

pub fn parse_filter(v: &str) -> Result<Filter, GraphError> {
    let any_of = split_keyword(v.trim(), "or")
        .iter()
        .map(|alt| {
            split_keyword(strip_parens(alt), "and")
                .iter()
                .map(|term| parse_cond(strip_parens(term)).ok_or_else(|| invalid_filter(v)))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Filter { any_of })
}

fn parse_cond(term: &str) -> Option<Cond> {
    let lower = term.to_ascii_lowercase();
    for (func, make) in [
        ("contains(", Cond::SubjectContains as fn(String) -> Cond),
        ("startswith(", Cond::SubjectStartsWith as fn(String) -> Cond),
    ] {
        if let Some(args) = lower.strip_prefix(func).and_then(|r| r.strip_suffix(')')) {
            let (prop, lit) = args.split_once(',')?;
            if prop.trim() != "subject" {
                return None;
            }
            return Some(make(string_literal(lit.trim())?.to_lowercase()));
        }
    }
    if let Some(rest) = lower.strip_prefix("singlevalueextendedproperties/any(") {
        // Literals keep their case: read them from the term as written.
        let body = term[term.len() - rest.len()..].strip_suffix(')')?;
        let (_, cond) = body.split_once(':')?;
        let (mut id, mut value) = (None, None);
        for part in split_keyword(cond.trim(), "and") {
            let (lhs, lit) = part.trim().split_once(" eq ")?;
            let lit = string_literal(lit.trim())?;
            match lhs.trim().rsplit('/').next()?.to_ascii_lowercase().as_str() {
                "id" => id = Some(lit),
                "value" => value = Some(lit),
                _ => return None,
            }
        }
        return Some(Cond::Extended {
            id: id?,
            value: value?,
        });
    }
    if let Some(rest) = lower.strip_prefix("categories/any(") {
        // categories/any(c:c eq 'Red')
        let (_, cond) = rest.strip_suffix(')')?.split_once(':')?;
        let (_, lit) = cond.split_once(" eq ")?;
        return Some(Cond::Category(string_literal(lit.trim())?));
    }
    let mut parts = term.splitn(3, ' ');
    let prop = parts.next()?.to_ascii_lowercase();
    let op = match parts.next()?.to_ascii_lowercase().as_str() {
        "eq" => Cmp::Eq,
        "ne" => Cmp::Ne,
        "ge" => Cmp::Ge,
        "gt" => Cmp::Gt,
        "le" => Cmp::Le,
        "lt" => Cmp::Lt,
        _ => return None,
    };
    let value = parts.next()?.trim();
    let boolean = || match value.to_ascii_lowercase().as_str() {
        "true" => Some(op == Cmp::Eq),
        "false" => Some(op != Cmp::Eq),
        _ => None,
    };
    let eq_only = op == Cmp::Eq || op == Cmp::Ne;
    Some(match prop.as_str() {
        "isread" if eq_only => Cond::IsRead(boolean()?),
        "isdraft" if eq_only => Cond::IsDraft(boolean()?),
        "hasattachments" if eq_only => Cond::HasAttachments(boolean()?),
        "receiveddatetime" => Cond::Received(op, parse_datetime(value)?),
        "sentdatetime" => Cond::Sent(op, parse_datetime(value)?),
        "from/emailaddress/address" | "sender/emailaddress/address" => {
            Cond::FromAddress(op, string_literal(value)?.to_lowercase())
        }
        "subject" => Cond::Subject(op, string_literal(value)?.to_lowercase()),
        "importance" => Cond::Importance(op, Importance::parse(&string_literal(value)?)?),
        "flag/flagstatus" if eq_only => Cond::Flag(op, FlagStatus::parse(&string_literal(value)?)?),
        _ => return None,
    })
}

/// `'it''s'` → `it's`.
fn string_literal(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// An OData DateTimeOffset literal (`2024-05-01T00:00:00Z`), or a bare date.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('\'');
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let date =
        time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Result<ListQuery, GraphError> {
        ListQuery::parse(Some(s))
    }

    #[test]
    fn extended_properties_are_filtered_by_id_and_value() {
        let f = q("$filter=singleValueExtendedProperties/any(ep: ep/id eq 'String {6f1d3a52-8c2e-4b7a-9d41-5e0c7b2a9f13} Name X-Key' and ep/value eq 'Ab-1')")
            .unwrap()
            .filter;
        let mut m = Message::blank(0);
        assert!(!f.matches(&m));
        m.extended.push((
            "String {6f1d3a52-8c2e-4b7a-9d41-5e0c7b2a9f13} Name X-Key".into(),
            "ab-1".into(),
        ));
        assert!(f.matches(&m));
        m.extended[0].0 = "String {6f1d3a52-8c2e-4b7a-9d41-5e0c7b2a9f13} Name x-key".into();
        assert!(!f.matches(&m), "the name is compared exactly");
    }

    #[test]
    fn filters_combine_with_and_and_or() {
        let f = q("$filter=isRead eq false and from/emailAddress/address eq 'A@b.test'")
            .unwrap()
            .filter;
        assert_eq!(
            f.any_of,
            vec![vec![
                Cond::IsRead(false),
                Cond::FromAddress(Cmp::Eq, "a@b.test".into())
            ]]
        );
        let f = q("$filter=hasAttachments eq true or receivedDateTime ge 2024-01-01T00:00:00Z")
            .unwrap()
            .filter;
        assert_eq!(f.any_of.len(), 2);
        assert_eq!(
            q("$filter=subject eq 'let''s meet'").unwrap().filter.any_of[0][0],
            Cond::Subject(Cmp::Eq, "let's meet".into())
        );
    }

    #[test]
    fn bad_queries_are_refused_with_graphs_codes() {
        assert_eq!(q("$filter=bogus eq 1").unwrap_err().code, "BadRequest");
        assert_eq!(q("$top=1001").unwrap_err().code, "ErrorInvalidParameter");
        assert_eq!(q("$search=pizza").unwrap_err().code, "BadRequest");
        let e = q("$search=\"pizza\"&$orderby=receivedDateTime desc").unwrap_err();
        assert!(e.message.contains("$orderBy"));
        assert!(q("$search=\"pizza\"&$filter=isRead eq true").is_err());
        let e = q("$filter=isRead eq true&$orderby=receivedDateTime desc").unwrap_err();
        assert_eq!(e.code, "InefficientFilter");
        assert!(q("$filter=receivedDateTime ge 2024-01-01&$orderby=receivedDateTime desc").is_ok());
        assert!(q("$select=subject,nosuch").is_err());
    }

    #[test]
    fn next_page_keeps_the_options_and_moves_skip() {
        let query = q("%24top=5&%24select=subject&%24skip=5").unwrap();
        let next = query.next_query(10);
        let again = ListQuery::parse(Some(&next)).unwrap();
        assert_eq!(again.skip, 10);
        assert_eq!(again.top, Some(5));
        assert_eq!(again.select, Some(vec!["subject"]));
    }
}
