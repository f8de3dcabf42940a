//! `graphmail mail attachments`: list a message's attachments or save them to a folder.

use std::io::{self, Write};
use std::path::PathBuf;

use super::error::{graph_error, write_error};
use super::output as out;
use crate::cli::{CliError, CliResult};
use crate::domain::sanitize;
use crate::graph::GraphClient;

pub(super) async fn attachments(
    client: &GraphClient,
    json: bool,
    id: &str,
    save: Option<Option<PathBuf>>,
) -> CliResult {
    let list = client.attachments(id).await.map_err(graph_error)?;
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    match save {
        None if json => {
            out::write_json(&mut stdout, &list).map_err(write_error)?;
            writeln!(stdout).map_err(write_error)?;
        }
        None => {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|a| {
                    vec![
                        sanitize::line(&a.name).into_owned(),
                        out::size(a.size),
                        sanitize::line(&a.content_type).into_owned(),
                        sanitize::line(&a.id).into_owned(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                writeln!(stdout, "no attachments").map_err(write_error)?;
            } else {
                for line in out::table(&ATTACHMENT_COLUMNS, &rows, out::terminal_width()) {
                    writeln!(stdout, "{line}").map_err(write_error)?;
                }
            }
        }
        Some(dir) => {
            // Absolute, so that every line about a saved file says where it is.
            let dir = dir.unwrap_or_else(crate::config::download_dir);
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            crate::private::create_dir_all(&dir).map_err(|e| {
                CliError::failure("io", format!("cannot create {}: {e}", dir.display()))
                    .with_fix("choose a folder you can write to with --save")
            })?;
            let mut saved = Vec::new();
            for a in list.iter().filter(|a| a.is_file()) {
                let s = client
                    .save_attachment(id, a, &dir)
                    .await
                    .map_err(graph_error)?;
                if !json {
                    writeln!(
                        stdout,
                        "saved {} ({})",
                        sanitize::line(&s.path.display().to_string()),
                        out::size(s.size)
                    )
                    .map_err(write_error)?;
                }
                saved.push(s);
            }
            if json {
                out::write_json(&mut stdout, &saved).map_err(write_error)?;
                writeln!(stdout).map_err(write_error)?;
            } else if saved.is_empty() {
                writeln!(stdout, "no file attachments to save").map_err(write_error)?;
            }
        }
    }
    stdout.flush().map_err(write_error)
}

const ATTACHMENT_COLUMNS: [out::Column; 4] = [
    out::Column {
        header: "NAME",
        min: 10,
        shrink: 2,
        right: false,
        whole: false,
    },
    out::Column {
        header: "SIZE",
        min: 6,
        shrink: 0,
        right: true,
        whole: false,
    },
    out::Column {
        header: "TYPE",
        min: 6,
        shrink: 1,
        right: false,
        whole: false,
    },
    out::Column {
        header: "ID",
        min: 2,
        shrink: 0,
        right: false,
        whole: true,
    },
];

/// The MIME type of a file sent with `mail send --attach`, from its extension.
pub(super) fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "eml" => "message/rfc822",
        _ => "application/octet-stream",
    }
}
