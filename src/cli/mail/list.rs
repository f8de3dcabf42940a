//! `graphmail mail list`: pages are printed as they arrive, so output starts with the first
//! page and memory holds one page however long the list is.

use std::io::{self, Write};

use clap::Args;

use super::columns::{MessageColumn, MessageTable};
use super::error::{graph_error, write_error};
use super::output as out;
use crate::cli::CliResult;
use crate::graph::{FolderRef, GraphClient, ListQuery};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// A well-known name (inbox, sentitems, archive…), a display name, a path (Inbox/Alerts) or an id [default: inbox; with --search, every folder]
    #[arg(long, value_name = "FOLDER", conflicts_with = "every_folder")]
    pub folder: Option<String>,
    /// Every folder of the mailbox instead of the Inbox
    #[arg(long)]
    pub every_folder: bool,
    /// How many messages (with --json, as with --all: one object per line)
    #[arg(long, default_value_t = 25, value_name = "N", conflicts_with = "all")]
    pub top: usize,
    /// Every message, streamed as it arrives
    #[arg(long)]
    pub all: bool,
    /// Only unread messages
    #[arg(long)]
    pub unread: bool,
    /// Search (KQL: words, from:alice, subject:report)
    #[arg(long, value_name = "QUERY")]
    pub search: Option<String>,
    /// The columns to show, in order, separated by commas [default: flags,received,from,subject,id;
    /// in Sent Items and Drafts, to instead of from]
    #[arg(long, value_name = "NAMES", value_enum, value_delimiter = ',')]
    pub columns: Vec<MessageColumn>,
}

pub async fn list(client: &GraphClient, json: bool, args: ListArgs) -> CliResult {
    // A listing looks at the Inbox unless told otherwise; a search, like Outlook's, at every
    // folder.
    let folder = match (&args.folder, args.every_folder || args.search.is_some()) {
        (Some(f), _) => Some(client.find_folder(f).await.map_err(graph_error)?),
        (None, true) => None,
        (None, false) => Some(FolderRef::WellKnown(crate::graph::WellKnownFolder::Inbox)),
    };
    let table = MessageTable::new(&if args.columns.is_empty() {
        MessageColumn::defaults(folder.as_ref().is_some_and(|f| f.lists_recipients(&[])))
    } else {
        args.columns.clone()
    });
    let base = if args.all {
        ListQuery::all()
    } else {
        ListQuery::first(args.top)
    };
    let query = ListQuery {
        folder,
        unread_only: args.unread,
        search: args.search.clone(),
        // The JSON output has the recipients wherever the table would show them.
        recipients: table.needs_recipients(),
        ..base
    };
    let mut pager = client.messages(&query);
    let mut stdout = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    // --json: one object per line, with --top as with --all, so a script reads both alike.
    let mut first = true;
    let mut layout = None;
    let width = out::terminal_width();
    while let Some(page) = pager.next_page().await.map_err(graph_error)? {
        if json {
            for m in &page {
                out::write_json(&mut stdout, m).map_err(write_error)?;
                stdout.write_all(b"\n").map_err(write_error)?;
            }
        } else {
            let rows: Vec<Vec<String>> = page.iter().map(|m| table.cells(m)).collect();
            if rows.is_empty() {
                continue;
            }
            let layout = layout.get_or_insert_with(|| table.layout(&rows, width));
            if first {
                writeln!(stdout, "{}", out::header(table.columns(), layout))
                    .map_err(write_error)?;
                first = false;
            }
            for r in &rows {
                writeln!(stdout, "{}", out::row(table.columns(), layout, r))
                    .map_err(write_error)?;
            }
        }
        stdout.flush().map_err(write_error)?;
    }
    if !json && first {
        writeln!(stdout, "no messages").map_err(write_error)?;
    }
    stdout.flush().map_err(write_error)
}
