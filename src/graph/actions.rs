//! Acting on one message: reply, reply all, forward, mark, move, delete, save attachments.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::client::{Call, GraphClient};
use super::error::{GraphError, describe};
use super::folders::{FolderRef, WellKnownFolder};
use super::retry::Replay;
use super::send::recipients;
use super::types::AttachmentInfo;
use crate::bounded::ATTACHMENT_LIMIT;
use crate::domain::sanitize;

/// Time allowed for one attachment transfer (a download, or one upload range).
pub(crate) const TRANSFER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Where an attachment was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SavedAttachment {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
}

#[derive(Deserialize)]
struct Moved {
    id: String,
}

impl GraphClient {
    /// Replies to the sender (or everyone, with `all`) with `comment` above the quoted original.
    pub async fn reply(&self, id: &str, comment: &str, all: bool) -> Result<(), GraphError> {
        let action = if all { "replyAll" } else { "reply" };
        let call = Call::new(
            Method::POST,
            self.endpoint(&["messages", id, action]),
            Replay::Sends,
            action,
        )
        .json(&json!({ "comment": comment }));
        self.done(call).await
    }

    /// Forwards a message to `to` with `comment` above it.
    pub async fn forward(&self, id: &str, to: &[String], comment: &str) -> Result<(), GraphError> {
        if to.is_empty() {
            return Err(GraphError::Invalid(
                "a forward needs at least one --to address".into(),
            ));
        }
        let call = Call::new(
            Method::POST,
            self.endpoint(&["messages", id, "forward"]),
            Replay::Sends,
            "forward",
        )
        .json(&json!({ "comment": comment, "toRecipients": recipients(to) }));
        self.done(call).await
    }

    /// Marks a message read or unread.
    pub async fn set_read(&self, id: &str, read: bool) -> Result<(), GraphError> {
        let mut url = self.endpoint(&["messages", id]);
        url.query_pairs_mut().append_pair("$select", "id,isRead");
        let call =
            Call::new(Method::PATCH, url, Replay::Safe, "mark").json(&json!({ "isRead": read }));
        self.done(call).await
    }

    /// Moves a message; Graph gives the moved copy a new id, which is returned.
    pub async fn move_message(&self, id: &str, to: &FolderRef) -> Result<String, GraphError> {
        let call = Call::new(
            Method::POST,
            self.endpoint(&["messages", id, "move"]),
            Replay::Once,
            "move",
        )
        .json(&json!({ "destinationId": to.as_str() }));
        Ok(self.json::<Moved>(call).await?.id)
    }

    /// Moves a message to Deleted Items (recoverable); returns its new id.
    pub async fn delete_to_trash(&self, id: &str) -> Result<String, GraphError> {
        self.move_message(id, &FolderRef::WellKnown(WellKnownFolder::DeletedItems))
            .await
    }

    /// Deletes a message for good (`permanentDelete`; a plain DELETE keeps it recoverable).
    pub async fn delete_permanently(&self, id: &str) -> Result<(), GraphError> {
        let call = Call::new(
            Method::POST,
            self.endpoint(&["messages", id, "permanentDelete"]),
            Replay::Once,
            "delete",
        );
        self.done(call).await
    }

    /// Saves a file attachment into `dir` under its own (cleaned) name, never overwriting a
    /// file: a clash gets ` (1)`, ` (2)`… The bytes are streamed to disk.
    pub async fn save_attachment(
        &self,
        message_id: &str,
        attachment: &AttachmentInfo,
        dir: &Path,
    ) -> Result<SavedAttachment, GraphError> {
        if !attachment.is_file() {
            return Err(GraphError::Invalid(format!(
                "'{}' is an attached item or link, not a file, so it cannot be saved",
                sanitize::line(&attachment.name)
            )));
        }
        let (path, mut file) =
            create_unique(dir, &safe_file_name(&attachment.name, &attachment.id)).await?;
        let result = self
            .stream_attachment(message_id, &attachment.id, &mut file, &path)
            .await;
        match result {
            Ok(size) => {
                file.flush()
                    .await
                    .map_err(|e| GraphError::io(format!("writing {}", path.display()), e))?;
                Ok(SavedAttachment {
                    id: attachment.id.clone(),
                    path,
                    size,
                })
            }
            Err(e) => {
                drop(file);
                let _ = tokio::fs::remove_file(&path).await;
                Err(e)
            }
        }
    }

    async fn stream_attachment(
        &self,
        message_id: &str,
        attachment_id: &str,
        file: &mut tokio::fs::File,
        path: &Path,
    ) -> Result<u64, GraphError> {
        let write_err = |e| GraphError::io(format!("writing {}", path.display()), e);
        let url = self.endpoint(&[
            "messages",
            message_id,
            "attachments",
            attachment_id,
            "$value",
        ]);
        let mut call = Call::get(url);
        call.timeout = Some(TRANSFER_TIMEOUT);
        match self.execute(&call).await {
            Ok(reply) => {
                let mut stream = reply.resp.bytes_stream();
                let mut size = 0u64;
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|e| GraphError::Transport(describe(&e)))?;
                    size += chunk.len() as u64;
                    // Graph holds no attachment larger than this: a longer reply is not one.
                    if size > ATTACHMENT_LIMIT {
                        return Err(GraphError::Invalid(format!(
                            "the attachment grew past {}, the most Graph holds in one attachment, so saving stopped",
                            crate::bounded::size(ATTACHMENT_LIMIT)
                        )));
                    }
                    file.write_all(&chunk).await.map_err(write_err)?;
                }
                Ok(size)
            }
            // A service without `$value` on attachments still gives the bytes in the entity.
            Err(GraphError::Api {
                status: 400 | 405 | 501,
                ..
            }) => {
                #[derive(Deserialize)]
                struct WithBytes {
                    #[serde(rename = "contentBytes", default)]
                    content_bytes: Option<String>,
                }
                let url = self.endpoint(&["messages", message_id, "attachments", attachment_id]);
                let a: WithBytes = self.json(Call::get(url)).await?;
                let bytes = STANDARD
                    .decode(a.content_bytes.unwrap_or_default())
                    .map_err(|e| GraphError::Decode(format!("attachment content: {e}")))?;
                file.write_all(&bytes).await.map_err(write_err)?;
                Ok(bytes.len() as u64)
            }
            Err(e) => Err(e),
        }
    }
}

/// A file name that is safe to create: no directories, no control or bidi characters, no
/// leading dots, not empty, not too long.
pub fn safe_file_name(name: &str, fallback_id: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !sanitize::needs_rewrite(*c, sanitize::Layout::Line) && *c != ':')
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    let mut out = if cleaned.is_empty() {
        let tail: String = fallback_id
            .chars()
            .rev()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        format!("attachment-{tail}")
    } else {
        cleaned
    };
    while out.len() > 200 {
        out.pop();
    }
    out
}

async fn create_unique(dir: &Path, name: &str) -> Result<(PathBuf, tokio::fs::File), GraphError> {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.to_string(), String::new()),
    };
    for n in 0..1000 {
        let candidate = if n == 0 {
            dir.join(name)
        } else {
            dir.join(format!("{stem} ({n}){ext}"))
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        // Mail content is the owner's alone: the file is made 0600 whatever the umask.
        match crate::private::open(&candidate, &mut options) {
            Ok(f) => return Ok((candidate, tokio::fs::File::from_std(f))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(GraphError::io(
                    format!("creating {}", candidate.display()),
                    e,
                ));
            }
        }
    }
    Err(GraphError::Invalid(format!(
        "{} already holds a thousand files called {name}; choose another folder with --save",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_cannot_escape_the_folder_or_hide_their_type() {
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(safe_file_name("C:\\x\\report.pdf", "x"), "report.pdf");
        assert_eq!(safe_file_name("inv\u{202E}fdp.exe", "x"), "invfdp.exe");
        assert_eq!(safe_file_name("a\x1b[2Jb.txt", "x"), "a[2Jb.txt");
        assert_eq!(safe_file_name("..", "AAMk-12345678"), "attachment-87654321");
        assert_eq!(safe_file_name(".bashrc", "x"), "bashrc");
        assert_eq!(safe_file_name("Grüße.txt", "x"), "Grüße.txt");
    }

    #[tokio::test]
    async fn a_clash_gets_a_numbered_name() {
        let dir = tempfile::tempdir().unwrap();
        let (p1, _) = create_unique(dir.path(), "r.pdf").await.unwrap();
        let (p2, _) = create_unique(dir.path(), "r.pdf").await.unwrap();
        assert_eq!(p1.file_name().unwrap(), "r.pdf");
        assert_eq!(p2.file_name().unwrap(), "r (1).pdf");
    }
}
