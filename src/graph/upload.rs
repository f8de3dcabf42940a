//! Attachments sent from files: read a chunk at a time as they are uploaded, so a 150 MiB file
//! never sits whole in memory. Small files are read whole and sent inline, as before.

use std::path::{Path, PathBuf};

use reqwest::Method;
use reqwest::Url;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncReadExt;

use super::client::{Body, Call, GraphClient};
use super::error::GraphError;
use super::retry::Replay;
use super::send::{OutgoingAttachment, OutgoingMessage, UPLOAD_SESSION_THRESHOLD};
use crate::bounded::{ATTACHMENT_LIMIT, size};

/// Upload chunk: a multiple of 320 KiB, as Graph requires, under its 4 MiB cap.
pub(crate) const CHUNK: usize = 320 * 1024 * 12;

/// A file to attach, read from disk as it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedAttachment {
    pub name: String,
    pub content_type: String,
    pub path: PathBuf,
    /// Its size when it was checked; a file that changes before it is sent is refused.
    pub size: u64,
}

/// Why a file cannot be attached.
#[derive(Debug)]
pub enum AttachError {
    /// Larger than Graph takes in one attachment (`limit` bytes).
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Not a regular file (a pipe, a folder): it cannot be streamed twice or sized.
    NotAFile,
    Io(std::io::Error),
}

impl StreamedAttachment {
    /// Checks `path` without reading it: a regular file of at most [`ATTACHMENT_LIMIT`] bytes.
    /// Nothing is sent for a file this refuses.
    pub fn from_file(
        path: &Path,
        name: String,
        content_type: String,
    ) -> Result<StreamedAttachment, AttachError> {
        let meta = std::fs::metadata(path).map_err(AttachError::Io)?;
        if !meta.is_file() {
            return Err(AttachError::NotAFile);
        }
        if meta.len() > ATTACHMENT_LIMIT {
            return Err(AttachError::TooLarge {
                size: meta.len(),
                limit: ATTACHMENT_LIMIT,
            });
        }
        Ok(StreamedAttachment {
            name,
            content_type,
            path: path.to_path_buf(),
            size: meta.len(),
        })
    }

    fn read_err(&self) -> impl Fn(std::io::Error) -> GraphError + '_ {
        move |e| GraphError::io(format!("reading {}", self.path.display()), e)
    }

    fn changed(&self) -> GraphError {
        GraphError::Invalid(format!(
            "{} changed size while it was being sent; the mail was not sent",
            self.path.display()
        ))
    }

    /// The whole file, for one small enough to go inline.
    async fn read_small(&self) -> Result<OutgoingAttachment, GraphError> {
        let file = tokio::fs::File::open(&self.path)
            .await
            .map_err(self.read_err())?;
        let mut bytes = Vec::new();
        file.take(UPLOAD_SESSION_THRESHOLD as u64 + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(self.read_err())?;
        if bytes.len() as u64 != self.size {
            return Err(self.changed());
        }
        Ok(OutgoingAttachment {
            name: self.name.clone(),
            content_type: self.content_type.clone(),
            bytes,
        })
    }
}

#[derive(Deserialize)]
struct UploadSession {
    #[serde(rename = "uploadUrl")]
    upload_url: String,
}

impl GraphClient {
    /// Sends a message with `files` attached besides the in-memory `msg.attachments`. Files
    /// under the upload-session size are read whole; larger ones are uploaded a chunk at a
    /// time. As with [`GraphClient::send_mail`], a failure that leaves it unknown whether Graph
    /// sent the mail is [`GraphError::MaybeSent`] and nothing is retried.
    pub async fn send_mail_with_files(
        &self,
        msg: &OutgoingMessage,
        files: &[StreamedAttachment],
    ) -> Result<(), GraphError> {
        let mut msg = msg.clone();
        let mut large = Vec::new();
        for file in files {
            if file.size > ATTACHMENT_LIMIT {
                return Err(GraphError::Invalid(format!(
                    "{} is larger than {}, the most Graph takes in one attachment",
                    file.path.display(),
                    size(ATTACHMENT_LIMIT)
                )));
            }
            if file.size < UPLOAD_SESSION_THRESHOLD as u64 {
                msg.attachments.push(file.read_small().await?);
            } else {
                large.push(file);
            }
        }
        if large.is_empty() {
            return self.send_mail(&msg).await;
        }
        msg.check()?;
        self.send_through_draft(&msg, &large).await
    }

    /// Creates `msg` as a draft, adds its attachments and then `files` a chunk at a time, and
    /// sends the draft. A draft that could not be completed is deleted so it does not linger.
    pub(super) async fn send_through_draft(
        &self,
        msg: &OutgoingMessage,
        files: &[&StreamedAttachment],
    ) -> Result<(), GraphError> {
        let draft_id = self.create_draft(&msg.to_json(false)).await?;
        let mut attached = self.attach_all(&draft_id, &msg.attachments).await;
        for file in files {
            if attached.is_err() {
                break;
            }
            attached = self.upload_file(&draft_id, file).await;
        }
        if let Err(e) = attached {
            let _ = self.delete_permanently(&draft_id).await;
            return Err(e);
        }
        self.send_draft(&draft_id).await
    }

    /// Opens an upload session for one attachment of `total` bytes on a draft; its URL.
    pub(crate) async fn create_upload_session(
        &self,
        draft_id: &str,
        name: &str,
        content_type: &str,
        total: u64,
    ) -> Result<Url, GraphError> {
        let body = json!({
            "AttachmentItem": {
                "attachmentType": "file",
                "name": name,
                "size": total,
                "contentType": content_type,
            }
        });
        let session: UploadSession = self
            .json(
                Call::new(
                    Method::POST,
                    self.endpoint(&["messages", draft_id, "attachments", "createUploadSession"]),
                    Replay::Once,
                    "create upload session",
                )
                .json(&body),
            )
            .await?;
        // The upload URL is pre-authenticated: the bearer token must not go there. It may live
        // on another host (Outlook's), so only its scheme is checked.
        let url = Url::parse(&session.upload_url)
            .map_err(|e| GraphError::Decode(format!("the upload URL is not a URL: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(GraphError::Decode("the upload URL is not HTTP(S)".into()));
        }
        Ok(url)
    }

    /// PUTs the bytes of one range, starting at `start`, of an upload of `total` bytes.
    pub(crate) async fn put_range(
        &self,
        url: &Url,
        start: u64,
        total: u64,
        chunk: bytes::Bytes,
    ) -> Result<(), GraphError> {
        let end = start + chunk.len() as u64 - 1;
        let mut call = Call::new(Method::PUT, url.clone(), Replay::Safe, "upload attachment")
            .header(CONTENT_RANGE, format!("bytes {start}-{end}/{total}"))
            .header(CONTENT_LENGTH, chunk.len().to_string())
            .header(CONTENT_TYPE, "application/octet-stream");
        call.bearer = false;
        call.timeout = Some(super::actions::TRANSFER_TIMEOUT);
        call.body = Some(Body::Bytes(chunk));
        self.done(call).await
    }

    /// Uploads a file through an upload session, holding one chunk in memory at a time.
    async fn upload_file(&self, draft_id: &str, a: &StreamedAttachment) -> Result<(), GraphError> {
        let url = self
            .create_upload_session(draft_id, &a.name, &a.content_type, a.size)
            .await?;
        let mut file = tokio::fs::File::open(&a.path).await.map_err(a.read_err())?;
        let mut start = 0u64;
        while start < a.size {
            let want = CHUNK.min((a.size - start) as usize);
            let mut chunk = vec![0u8; want];
            file.read_exact(&mut chunk).await.map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    a.changed()
                } else {
                    a.read_err()(e)
                }
            })?;
            self.put_range(&url, start, a.size, bytes::Bytes::from(chunk))
                .await?;
            start += want as u64;
        }
        Ok(())
    }
}
