//! `graphmail mail …`: the mailbox behind a connector, from the command line.

use crate::domain::access::Need;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;

pub use self::list::ListArgs;

mod attachments;
mod audit;
mod body;
mod columns;
mod connector;
mod error;
mod list;
pub mod output;

use self::audit::MailAudit;
use self::body::BodyArgs;
use self::error::{graph_error, write_error};
use self::output as out;
use super::{CliError, CliResult, Exit, GlobalArgs};
use crate::bounded;
use crate::domain::sanitize;
use crate::domain::validate::validate_mailbox;
use crate::graph::INVALID_ID;
use crate::graph::{
    AttachError, BodyFormat, GraphClient, Mailbox, MessageDetail, OutgoingAttachment,
    OutgoingMessage, StreamedAttachment,
};

#[derive(Debug, Args)]
pub struct MailArgs {
    /// The connector whose mailbox to use [default: default_connector from the config file, else
    /// the only connector in the vault]
    #[arg(long, short = 'c', global = true, value_name = "NAME")]
    pub connector: Option<String>,
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// The folder tree with unread and total counts
    Folders,
    /// List messages, newest first
    #[command(after_help = columns::FLAGS_LEGEND)]
    List(ListArgs),
    /// Show one message as text
    Read {
        id: String,
        /// Print the HTML body as stored instead of converting it to text
        #[arg(long)]
        raw_html: bool,
    },
    /// Send a message
    #[command(after_help = body::EDITOR_HELP)]
    Send(SendArgs),
    /// Reply to the sender (or everyone, with --all); Graph quotes the original below the text
    #[command(after_help = body::EDITOR_HELP)]
    Reply {
        id: String,
        /// Reply to all recipients
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        text: BodyArgs,
    },
    /// Forward a message; Graph adds it below the text
    #[command(after_help = body::EDITOR_HELP)]
    Forward {
        id: String,
        /// A recipient; repeatable
        #[arg(long, required = true, value_name = "ADDRESS")]
        to: Vec<String>,
        #[command(flatten)]
        text: BodyArgs,
    },
    /// Move a message to another folder
    Move {
        id: String,
        /// The folder: a well-known name (inbox, archive…), a display name, a path (Inbox/Alerts) or an id
        #[arg(long, value_name = "FOLDER")]
        to: String,
    },
    /// Move a message to Deleted Items, or delete it for good with --hard
    Delete {
        id: String,
        /// Delete for good instead of moving to Deleted Items (asks first)
        #[arg(long)]
        hard: bool,
        /// Do not ask before a --hard delete
        #[arg(long)]
        yes: bool,
    },
    /// Mark a message read or unread
    #[command(group(ArgGroup::new("state").required(true).args(["read", "unread"])))]
    Mark {
        id: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        unread: bool,
    },
    /// List a message's attachments, or save them with --save
    Attachments {
        id: String,
        /// Save every file attachment into this folder [default: the download folder
        /// (XDG_DOWNLOAD_DIR), else the home folder]; an existing file is never overwritten
        /// ("name (1).ext" instead)
        #[arg(long, value_name = "DIR", num_args = 0..=1)]
        save: Option<Option<PathBuf>>,
    },
}

impl MailCommand {
    /// The message id the command was given, to name it in errors.
    fn message_id(&self) -> Option<&str> {
        match self {
            MailCommand::Read { id, .. }
            | MailCommand::Reply { id, .. }
            | MailCommand::Forward { id, .. }
            | MailCommand::Move { id, .. }
            | MailCommand::Delete { id, .. }
            | MailCommand::Mark { id, .. }
            | MailCommand::Attachments { id, .. } => Some(id),
            MailCommand::Folders | MailCommand::List(_) | MailCommand::Send(_) => None,
        }
    }

    /// What the command needs the connector's permissions to allow.
    fn need(&self) -> Need {
        match self {
            MailCommand::Folders
            | MailCommand::List(_)
            | MailCommand::Read { .. }
            | MailCommand::Attachments { .. } => Need::Read,
            MailCommand::Move { .. } | MailCommand::Delete { .. } | MailCommand::Mark { .. } => {
                Need::Write
            }
            MailCommand::Send(_) | MailCommand::Reply { .. } | MailCommand::Forward { .. } => {
                Need::Send
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// A recipient; repeatable
    #[arg(long, required = true, value_name = "ADDRESS")]
    pub to: Vec<String>,
    #[arg(long, value_name = "ADDRESS")]
    pub cc: Vec<String>,
    #[arg(long, value_name = "ADDRESS")]
    pub bcc: Vec<String>,
    #[arg(long)]
    pub subject: String,
    #[command(flatten)]
    pub text: BodyArgs,
    /// The body is HTML
    #[arg(long)]
    pub html: bool,
    /// A file to attach; repeatable
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
}

pub fn run(global: &GlobalArgs, args: MailArgs) -> CliResult {
    // Addresses are checked before the vault is opened: a typo is a usage error, said at once.
    match &args.command {
        MailCommand::Send(s) => {
            check_addresses(&[("--to", &s.to), ("--cc", &s.cc), ("--bcc", &s.bcc)])?
        }
        MailCommand::Forward { to, .. } => check_addresses(&[("--to", to)])?,
        _ => {}
    }
    let message_id = args.command.message_id().map(str::to_owned);
    if let Some(id) = &message_id
        && let Err(why) = crate::domain::validate::check_message_id(id)
    {
        return Err(CliError::new(
            Exit::Usage,
            "invalid_message_id",
            format!("the message id '{}' {why}", sanitize::line(&truncated(id))),
        )
        .with_fix("copy the id from `graphmail mail list --json` (the \"id\" field)"));
    }
    let session = connector::open(global, args.connector.as_deref(), args.command.need())?;
    let name = session.connector.name.clone();
    let audit = MailAudit {
        path: crate::audit::log_path(&super::vault_cmd::vault_path(global)?),
        connector: name.clone(),
        mailbox: crate::audit::mailbox_name(
            session.connector.mailbox.as_deref(),
            session.user.as_deref(),
        ),
    };
    // Multi-threaded: a token renewal holds the vault lock on a blocking thread while its
    // HTTP runs on the workers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::failure("runtime", format!("cannot start the async runtime: {e}"))
        })?;
    let result = runtime.block_on(async move {
        let connector = &session.connector;
        let http = crate::graph::http_client().map_err(graph_error)?;
        let mailbox = Mailbox::for_connector(connector).map_err(graph_error)?;
        let client = GraphClient::new(http, &connector.cloud.graph_api(), &mailbox, session.tokens)
            .map_err(graph_error)?;
        dispatch(&client, &audit, global.json, args.command).await
    });
    match result {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        Err(mut e) => {
            // Name the connector in the advice.
            e = e.for_connector(&name);
            if let (INVALID_ID, Some(id)) = (e.code, &message_id) {
                e.message = e
                    .message
                    .replacen("that", &format!("'{}'", sanitize::line(id)), 1);
            }
            Err(e)
        }
        ok => ok,
    }
}

async fn dispatch(
    client: &GraphClient,
    audit: &MailAudit,
    json: bool,
    cmd: MailCommand,
) -> CliResult {
    match cmd {
        MailCommand::Folders => folders(client, json).await,
        MailCommand::List(args) => list::list(client, json, args).await,
        MailCommand::Read { id, raw_html } => read(client, json, &id, raw_html).await,
        MailCommand::Send(args) => send(client, audit, json, args).await,
        MailCommand::Reply { id, all, text } => {
            // Read first: Graph's answer to a reply does not say whom it went to.
            let to = audit.reply_recipients(client, &id, all).await?;
            let comment = body::of_reply(client, &id, &text, to.clone(), "RE").await?;
            client
                .reply(&id, &comment.text, all)
                .await
                .map_err(|e| comment.failed(graph_error(e)))?;
            let what = format!(
                "{} {}",
                if all { "replied to all:" } else { "replied to" },
                to.iter()
                    .map(|a| sanitize::line(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let action = if all { "reply_all" } else { "reply" };
            let mut record = audit.record(action);
            record.message_id = Some(id.clone());
            record.recipients = to.clone();
            done(
                json,
                json!({ "ok": true, "action": action, "id": id, "to": to }),
                &what,
            )?;
            audit.note(record)
        }
        MailCommand::Forward { id, to, text } => {
            let comment = body::of_reply(client, &id, &text, to.clone(), "FW").await?;
            client
                .forward(&id, &to, &comment.text)
                .await
                .map_err(|e| comment.failed(graph_error(e)))?;
            let list = to.join(", ");
            let mut record = audit.record("forward");
            record.message_id = Some(id.clone());
            record.recipients = to.clone();
            done(
                json,
                json!({ "ok": true, "action": "forward", "id": id, "to": to }),
                &format!("forwarded to {list}"),
            )?;
            audit.note(record)
        }
        MailCommand::Move { id, to } => {
            let folder = client.find_folder(&to).await.map_err(graph_error)?;
            let new_id = client
                .move_message(&id, &folder)
                .await
                .map_err(graph_error)?;
            let text = format!(
                "moved to {}; its id there is {}",
                sanitize::line(&to),
                sanitize::line(&new_id)
            );
            let mut record = audit.record("move");
            record.message_id = Some(id);
            record.new_message_id = Some(new_id.clone());
            record.folder = Some(folder.as_str().to_owned());
            done(
                json,
                json!({ "ok": true, "action": "move", "id": new_id, "folder": folder.as_str() }),
                &text,
            )?;
            audit.note(record)
        }
        MailCommand::Delete { id, hard, yes } => delete(client, audit, json, &id, hard, yes).await,
        MailCommand::Mark {
            id,
            read,
            unread: _,
        } => {
            client.set_read(&id, read).await.map_err(graph_error)?;
            let text = if read { "marked read" } else { "marked unread" };
            let mut record = audit.record(if read { "mark_read" } else { "mark_unread" });
            record.message_id = Some(id.clone());
            done(
                json,
                json!({ "ok": true, "action": "mark", "id": id, "is_read": read }),
                text,
            )?;
            audit.note(record)
        }
        MailCommand::Attachments { id, save } => {
            attachments::attachments(client, json, &id, save).await
        }
    }
}

/// Prints the outcome of an action: JSON, or one human line.
fn done(json: bool, value: serde_json::Value, human: &str) -> CliResult {
    let mut stdout = io::stdout().lock();
    if json {
        out::write_json(&mut stdout, &value).map_err(write_error)?;
        writeln!(stdout).map_err(write_error)
    } else {
        crate::output::write_text(&mut stdout, human).map_err(write_error)
    }
}

async fn folders(client: &GraphClient, json: bool) -> CliResult {
    let tree = client.folder_tree().await.map_err(graph_error)?;
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    if json {
        out::write_json(&mut stdout, &tree).map_err(write_error)?;
        writeln!(stdout).map_err(write_error)?;
    } else {
        let rows = out::folder_rows(&tree);
        for line in out::table(&out::FOLDER_COLUMNS, &rows, out::terminal_width()) {
            crate::output::write_text(&mut stdout, &line).map_err(write_error)?;
        }
    }
    stdout.flush().map_err(write_error)
}

async fn read(client: &GraphClient, json: bool, id: &str, raw_html: bool) -> CliResult {
    let format = if raw_html {
        BodyFormat::RawHtml
    } else {
        BodyFormat::Text
    };
    let msg = client.message(id, format).await.map_err(graph_error)?;
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    if json {
        out::write_json(&mut stdout, &msg).map_err(write_error)?;
        writeln!(stdout).map_err(write_error)?;
    } else {
        write_message(&mut stdout, &msg).map_err(write_error)?;
    }
    stdout.flush().map_err(write_error)
}

fn write_message(w: &mut impl Write, m: &MessageDetail) -> io::Result<()> {
    let list = |v: &[crate::graph::Address]| {
        v.iter()
            .map(|a| out::address(Some(a)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(w, "From:     {}", out::address(m.from.as_ref()))?;
    writeln!(w, "To:       {}", list(&m.to))?;
    if !m.cc.is_empty() {
        writeln!(w, "Cc:       {}", list(&m.cc))?;
    }
    if !m.reply_to.is_empty() {
        writeln!(w, "Reply-To: {}", list(&m.reply_to))?;
    }
    writeln!(w, "Date:     {} UTC", out::short_time(&m.received))?;
    writeln!(w, "Subject:  {}", sanitize::line(&m.subject))?;
    if !m.attachments.is_empty() {
        let names: Vec<String> = m
            .attachments
            .iter()
            .map(|a| format!("{} ({})", sanitize::line(&a.name), out::size(a.size)))
            .collect();
        writeln!(w, "Attached: {}", names.join(", "))?;
    }
    writeln!(w, "Id:       {}", sanitize::line(&m.id))?;
    writeln!(w)?;
    let body = sanitize::text(&m.body_text);
    w.write_all(body.as_bytes())?;
    if !body.ends_with('\n') {
        writeln!(w)?;
    }
    Ok(())
}

async fn send(client: &GraphClient, audit: &MailAudit, json: bool, args: SendArgs) -> CliResult {
    let mut attachments = Vec::new();
    let mut files = Vec::new();
    for path in &args.attach {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        let content_type = attachments::content_type_for(&name).to_owned();
        // A file on disk is sent a chunk at a time; a pipe is read (bounded) into memory.
        match StreamedAttachment::from_file(path, name.clone(), content_type.clone()) {
            Ok(file) => files.push(file),
            Err(AttachError::TooLarge { limit, .. }) => {
                return Err(attachment_too_large(path, limit));
            }
            Err(AttachError::NotAFile | AttachError::Io(_)) => {
                attachments.push(OutgoingAttachment {
                    bytes: read_attachment(path)?,
                    content_type,
                    name,
                })
            }
        }
    }
    // The files are checked before the text is written, so a wrong path costs no writing.
    let text = body::of_send(&args)?;
    let msg = OutgoingMessage {
        to: args.to,
        cc: args.cc,
        bcc: args.bcc,
        subject: args.subject,
        body: text.text.clone(),
        html: args.html,
        attachments,
    };
    client
        .send_mail_with_files(&msg, &files)
        .await
        .map_err(|e| text.failed(graph_error(e)))?;
    let human = format!("sent to {}", msg.to.join(", "));
    let mut record = audit.record("send");
    record.recipients = crate::audit::recipients(&msg.to, &msg.cc, &msg.bcc);
    done(
        json,
        json!({ "ok": true, "action": "send", "to": msg.to, "cc": msg.cc, "bcc": msg.bcc }),
        &human,
    )?;
    audit.note(record)
}

async fn delete(
    client: &GraphClient,
    audit: &MailAudit,
    json: bool,
    id: &str,
    hard: bool,
    yes: bool,
) -> CliResult {
    if !hard {
        let new_id = client.delete_to_trash(id).await.map_err(graph_error)?;
        let text = format!(
            "moved to Deleted Items; its id there is {}",
            sanitize::line(&new_id)
        );
        let mut record = audit.record("delete");
        record.message_id = Some(id.to_owned());
        record.new_message_id = Some(new_id.clone());
        record.folder = Some("deleteditems".into());
        done(
            json,
            json!({ "ok": true, "action": "delete", "id": new_id, "folder": "deleteditems" }),
            &text,
        )?;
        return audit.note(record);
    }
    if !yes {
        if !io::stdin().is_terminal() {
            return Err(CliError::usage(
                "--hard deletes the message for good, and there is no terminal to confirm it on",
            )
            .with_fix("add --yes to confirm, or leave out --hard to move it to Deleted Items"));
        }
        crate::output::eprint(&format!(
            "Delete message {} for good? It cannot be recovered from Deleted Items. [y/N] ",
            sanitize::line(id)
        ));
        let mut answer = String::new();
        io::stdin().read_line(&mut answer).map_err(|e| {
            CliError::failure("prompt_failed", format!("cannot read the answer: {e}"))
        })?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return Err(CliError::failure("cancelled", "nothing was deleted")
                .with_fix("answer y to delete, or leave out --hard to move it to Deleted Items"));
        }
    }
    client.delete_permanently(id).await.map_err(graph_error)?;
    let mut record = audit.record("delete_hard");
    record.message_id = Some(id.to_owned());
    done(
        json,
        json!({ "ok": true, "action": "delete", "id": id, "hard": true }),
        "deleted for good",
    )?;
    audit.note(record)
}

/// The bytes of one `--attach` file, read with the upload sessions' bound.
fn read_attachment(path: &Path) -> CliResult<Vec<u8>> {
    bounded::read_file(path, bounded::ATTACHMENT_LIMIT)
        .map(|b| b.to_vec())
        .map_err(|e| match e {
            bounded::ReadError::TooLarge { limit } => attachment_too_large(path, limit),
            bounded::ReadError::Io(_) => CliError::failure(
                "attachment_unreadable",
                format!("cannot read {}: {e}", path.display()),
            )
            .with_fix("check the --attach path"),
        })
}

fn attachment_too_large(path: &Path, limit: u64) -> CliError {
    CliError::usage(format!(
        "the attachment {} is larger than {}, the most Graph takes in one attachment",
        path.display(),
        bounded::size(limit)
    ))
    .with_fix("share a larger file by a link instead of attaching it")
}

/// At most 80 characters of `s`, for echoing a long argument back.
fn truncated(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn is_broken_pipe(e: &CliError) -> bool {
    e.code == "write_failed" && e.message.contains("Broken pipe")
}

/// The first address in each list that is not `name@domain`, as a usage error with the fix.
fn check_addresses(lists: &[(&str, &[String])]) -> CliResult {
    for (flag, list) in lists {
        // The rule the wizard applies to a mailbox: `name@domain`, with a real domain.
        if let Some(bad) = list.iter().find(|a| validate_mailbox(a).is_err()) {
            return Err(CliError::new(
                Exit::Usage,
                "invalid_address",
                format!(
                    "'{}' given to {flag} is not an email address",
                    sanitize::line(bad)
                ),
            )
            .with_fix(format!(
                "write each recipient as name@domain, e.g. {flag} bob@contoso.com"
            )));
        }
    }
    Ok(())
}
