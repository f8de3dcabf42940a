//! Opening one message: headers, the body as text, and its attachments.

use super::client::{Call, GraphClient, PagesSeen, prefer};
use super::error::GraphError;
use super::types::{AttachmentInfo, DETAIL_FIELDS, MessageDetail, MessageWire, Page, UserInfo};

/// Width HTML bodies are wrapped to when Graph sends HTML although text was asked for.
pub const TEXT_WIDTH: usize = 100;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyFormat {
    /// Plain text: Graph converts (`Prefer: outlook.body-content-type="text"`); when only HTML
    /// comes back, graphmail converts it at `TEXT_WIDTH`.
    #[default]
    Text,
    /// Plain text laid out here from the HTML for this many columns, so that tables fit a
    /// reader's pane (Graph's own conversion knows no width).
    TextWidth(usize),
    /// The HTML as stored.
    RawHtml,
}

impl BodyFormat {
    /// A body that came as HTML, in this format.
    pub fn html_body(self, html: &str) -> String {
        match self {
            BodyFormat::Text => html_to_text(html),
            BodyFormat::TextWidth(width) => html_to_text_width(html, width),
            BodyFormat::RawHtml => html.to_owned(),
        }
    }
}

impl GraphClient {
    /// One message with its attachment list (both fetched at once).
    pub async fn message(&self, id: &str, format: BodyFormat) -> Result<MessageDetail, GraphError> {
        let mut url = self.endpoint(&["messages", id]);
        url.query_pairs_mut().append_pair("$select", DETAIL_FIELDS);
        let mut call = Call::get(url);
        if format == BodyFormat::Text {
            call = call.header(prefer(), "outlook.body-content-type=\"text\"");
        }
        let (wire, attachments) =
            tokio::join!(self.json::<MessageWire>(call), self.attachments(id));
        let wire = wire?;
        let attachments = if wire.has_attachments {
            attachments?
        } else {
            // Inline images do not set hasAttachments, but they are still listed.
            attachments.unwrap_or_default()
        };
        let body = wire.body.map(|b| {
            if b.content_type.eq_ignore_ascii_case("html") {
                format.html_body(&b.content)
            } else {
                b.content
            }
        });
        Ok(MessageDetail {
            id: wire.id,
            subject: wire.subject,
            from: wire.from,
            to: wire.to,
            cc: wire.cc,
            reply_to: wire.reply_to,
            received: wire.received,
            is_read: wire.is_read,
            body_text: body.unwrap_or_default(),
            attachments,
        })
    }

    /// The attachments of a message, without their content.
    pub async fn attachments(&self, message_id: &str) -> Result<Vec<AttachmentInfo>, GraphError> {
        let mut url = self.endpoint(&["messages", message_id, "attachments"]);
        url.query_pairs_mut()
            .append_pair("$select", "id,name,size,contentType");
        let mut all = Vec::new();
        let mut seen = PagesSeen::starting_at(&url);
        loop {
            let page: Page<AttachmentInfo> = self.json(Call::get(url)).await?;
            seen.page_held(page.value.len());
            all.extend(page.value);
            match page.next_link {
                Some(link) => url = self.next_page(&link, &mut seen)?,
                None => return Ok(all),
            }
        }
    }

    /// The mailbox owner (`/me` or `/users/{upn}`).
    pub async fn mailbox_owner(&self) -> Result<UserInfo, GraphError> {
        let mut url = self.endpoint(&[]);
        url.query_pairs_mut()
            .append_pair("$select", "id,displayName,mail,userPrincipalName");
        self.json(Call::get(url)).await
    }
}

/// HTML to plain text, without markdown-style decoration. Falls back to the HTML itself if
/// the converter gives up, so a body is never lost.
pub fn html_to_text(html: &str) -> String {
    html_to_text_width(html, TEXT_WIDTH)
}

fn html_to_text_width(html: &str, width: usize) -> String {
    html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), width.max(1))
        .unwrap_or_else(|_| html.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_bare_text() {
        let text = html_to_text(
            "<html><body><p>Hello <b>Bob</b>,</p><ul><li>one</li></ul><script>x()</script></body></html>",
        );
        assert!(text.contains("Hello Bob,"), "{text}");
        assert!(
            text.contains("one") && !text.contains("**") && !text.contains("x()"),
            "{text}"
        );
    }
}
