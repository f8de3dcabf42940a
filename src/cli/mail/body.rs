//! The text of a mail the command line sends: `--body`, `--body-file`, or, on a terminal, the
//! user's editor followed by a summary and `Send? [y/N]`. An empty text needs `--allow-empty`.
//! A text written in the editor is never lost: when it is not sent it is kept in a private file.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::SendArgs;
use super::output as out;
use crate::bounded;
use crate::cli::{CliError, CliResult};
use crate::domain::sanitize;
use crate::editor::{self, Editor};
use crate::graph::{BodyFormat, GraphClient, GraphError, MessageDetail};

/// What `--help` of `send`, `reply` and `forward` says about the editor.
pub const EDITOR_HELP: &str = "\
On a terminal, without --body or --body-file, the text is written in $VISUAL, else $EDITOR, \
else vi (the variables may carry arguments: EDITOR='code --wait'). Then To, Subject and the \
text's size are shown and `Send? [y/N]` asks; --yes sends without asking. An answer other \
than y sends nothing and keeps the text in a file it names. An empty text is refused unless \
--allow-empty is given, wherever it comes from.";

/// Where the text comes from, and what may be sent without asking.
#[derive(Debug, Args)]
pub struct BodyArgs {
    /// The text from a file, or - for standard input
    #[arg(long, value_name = "FILE", conflicts_with = "body")]
    pub body_file: Option<PathBuf>,
    /// The text itself
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
    /// Send the text written in the editor without asking first
    #[arg(long)]
    pub yes: bool,
    /// Send even when the text is empty
    #[arg(long)]
    pub allow_empty: bool,
}

/// What the question before sending shows.
struct Summary {
    to: Vec<String>,
    cc: Vec<String>,
    bcc: Vec<String>,
    subject: String,
    attachments: usize,
}

/// A reply's or forward's text starts above this line; the original below it is only there to
/// read, and is cut off: Graph adds the original message itself.
const CUT: &str = "------------------------ >8 ------------------------";

/// Where the text comes from.
enum Source {
    /// `--body` or `--body-file`.
    Given(String),
    /// Neither, on a terminal: the user writes it in the editor.
    Editor,
    /// Neither, and no terminal: the text is empty.
    Nothing,
}

/// Reads `--body`/`--body-file` (once: standard input cannot be read twice), else says
/// whether the editor can be used.
fn source(args: &BodyArgs) -> CliResult<Source> {
    Ok(match given(args)? {
        Some(text) => Source::Given(text),
        None if on_terminal() => Source::Editor,
        None => Source::Nothing,
    })
}

/// A mail's text, and whether the user wrote it in the editor (then a failed send keeps it).
pub struct Text {
    pub text: String,
    written: bool,
}

impl Text {
    fn given(text: String) -> Text {
        Text {
            text,
            written: false,
        }
    }

    fn written(text: String) -> Text {
        Text {
            text,
            written: true,
        }
    }

    /// `e` for a send that failed: a text written in the editor is kept in a file, and the
    /// message says where.
    pub fn failed(&self, mut e: CliError) -> CliError {
        if !self.written {
            return e;
        }
        let kept = not_sent(&self.text, &e.message);
        e.message = kept.message;
        if e.fix.is_none() {
            e.fix = kept.fix;
        }
        e
    }
}

/// Standard input and output are a terminal: a person is there to write and to answer.
fn on_terminal() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

/// The text of `--body` or `--body-file`; `None` when neither was given.
fn given(args: &BodyArgs) -> CliResult<Option<String>> {
    if let Some(text) = &args.body {
        return Ok(Some(text.clone()));
    }
    args.body_file.as_deref().map(read_file).transpose()
}

/// Refuses an empty (or blank) text unless `--allow-empty`.
fn check_not_empty(text: &str, args: &BodyArgs) -> CliResult {
    if text.trim().is_empty() && !args.allow_empty {
        return Err(CliError::usage("the text of the mail is empty, so nothing was sent")
            .with_fix("write the text (--body, --body-file, or in the editor on a terminal), or add --allow-empty to send it empty"));
    }
    Ok(())
}

/// What the editor starts with for a reply or forward of `original`: room for the text, then
/// the original quoted below the cut line, to read while writing.
fn quoting(original: &MessageDetail) -> String {
    let mut start = format!(
        "\n\n{CUT}\nWrite above this line: from it down is left out, and Graph adds the original below your text.\n\nOn {} UTC, {} wrote:\n",
        out::short_time(&original.received),
        out::address(original.from.as_ref()),
    );
    for line in original.body_text.lines() {
        start.push_str("> ");
        start.push_str(line);
        start.push('\n');
    }
    start
}

/// The text of `mail send`: on a terminal, written in the editor and asked about.
pub fn of_send(args: &SendArgs) -> CliResult<Text> {
    let text = match source(&args.text)? {
        Source::Given(text) => Text::given(text),
        Source::Editor => {
            let summary = Summary {
                to: args.to.clone(),
                cc: args.cc.clone(),
                bcc: args.bcc.clone(),
                subject: args.subject.clone(),
                attachments: args.attach.len(),
            };
            Text::written(write(&args.text, "", &summary)?)
        }
        Source::Nothing => Text::given(String::new()),
    };
    check_not_empty(&text.text, &args.text)?;
    Ok(text)
}

/// The text of a reply or forward of message `id` (`prefix` RE or FW) going to `to`: on a
/// terminal it is written in the editor above the original, quoted to read.
pub async fn of_reply(
    client: &GraphClient,
    id: &str,
    args: &BodyArgs,
    to: Vec<String>,
    prefix: &str,
) -> CliResult<Text> {
    let text = match source(args)? {
        Source::Given(text) => Text::given(text),
        Source::Editor => {
            let (subject, start) = match client.message(id, BodyFormat::Text).await {
                Ok(original) => (
                    format!("{prefix}: {}", original.subject),
                    quoting(&original),
                ),
                // Allowed to send but not to read (the send preset alone): the text starts
                // empty, and Graph still adds the original below it.
                Err(GraphError::Api { status: 403, .. }) => (
                    format!("{prefix}: (the original is not readable with these permissions)"),
                    String::new(),
                ),
                Err(e) => return Err(e.into()),
            };
            let summary = Summary {
                to,
                cc: Vec::new(),
                bcc: Vec::new(),
                subject,
                attachments: 0,
            };
            Text::written(write(args, &start, &summary)?)
        }
        Source::Nothing => Text::given(String::new()),
    };
    check_not_empty(&text.text, args)?;
    Ok(text)
}

/// Lets the user write the text in the editor, starting from `start`; then, unless `--yes`,
/// shows `summary` and asks before sending. Returns the text to send.
fn write(args: &BodyArgs, start: &str, summary: &Summary) -> CliResult<String> {
    let editor = Editor::from_env()?;
    let written = crate::cli::waiting_on_person(|| editor.edit(start)).map_err(|e| {
        let mut e = CliError::from(e);
        e.message.push_str("; nothing was sent");
        e
    })?;
    let text = editor::body_from(cut(&written));
    check_not_empty(&text, args)?;
    if args.yes {
        return Ok(text);
    }
    crate::output::stderr(&describe(summary, &text));
    crate::output::eprint("Send? [y/N] ");
    // An answer that cannot be read keeps the text too, as a "no" does.
    match crate::cli::waiting_on_person(read_answer) {
        Ok(true) => return Ok(text),
        Ok(false) => {}
        Err(e) => return Err(not_sent(&text, &e.message)),
    }
    let mut e = not_sent(&text, "nothing was sent");
    if e.fix.is_none() {
        e = e.with_fix("answer y to send, or add --yes to send without asking");
    }
    Err(e)
}

/// The text before the cut line (all of it when there is none).
fn cut(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == CUT {
            return &text[..at];
        }
        at += line.len();
    }
    text
}

/// What is about to be sent, a field a line: a subject or address (from the original mail, for a
/// reply) is put on one line, so it cannot add lines of its own to what the user confirms.
fn describe(s: &Summary, text: &str) -> String {
    let one = |v: &str| sanitize::line(v).into_owned();
    let list = |v: &[String]| v.iter().map(|a| one(a)).collect::<Vec<_>>().join(", ");
    // A reply by a connector that may not read the original: Graph addresses it itself.
    let to = if s.to.is_empty() {
        "the original's sender, as Graph addresses the reply".to_string()
    } else {
        list(&s.to)
    };
    let mut lines = vec![format!("To:       {to}")];
    if !s.cc.is_empty() {
        lines.push(format!("Cc:       {}", list(&s.cc)));
    }
    if !s.bcc.is_empty() {
        lines.push(format!("Bcc:      {}", list(&s.bcc)));
    }
    lines.push(format!("Subject:  {}", one(&s.subject)));
    let count = text.lines().count();
    lines.push(format!(
        "Text:     {}, {count} line{}",
        out::size(text.len() as u64),
        if count == 1 { "" } else { "s" }
    ));
    if s.attachments > 0 {
        lines.push(format!("Attached: {} file(s)", s.attachments));
    }
    lines.join("\n")
}

/// One line from the terminal (at most 256 bytes read): `y` or `yes` sends, anything else
/// (or the end of input) does not.
fn read_answer() -> CliResult<bool> {
    let mut answer = String::new();
    io::stdin()
        .lock()
        .take(256)
        .read_line(&mut answer)
        .map_err(|e| CliError::failure("prompt_failed", format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The error saying `what` (nothing was sent), with where the text is kept.
fn not_sent(text: &str, what: &str) -> CliError {
    if text.trim().is_empty() {
        return CliError::failure("cancelled", what.to_string());
    }
    match keep(text) {
        Ok(path) => CliError::failure(
            "cancelled",
            format!("{what}; the text is kept in {}", path.display()),
        )
        .with_fix(format!("send it later with --body-file {}", path.display())),
        Err(e) => CliError::failure(
            "cancelled",
            format!("{what}, and the text could not be kept: {}", e.kind()),
        ),
    }
}

/// Saves `text` as a new 0600 file in the `unsent` folder beside graphmail's log.
fn keep(text: &str) -> io::Result<PathBuf> {
    let dir = crate::logging::log_dir()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no state folder"))?
        .join("unsent");
    crate::private::create_dir_all(&dir)?;
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let path = dir.join(format!("body-{stamp}-{}.txt", std::process::id()));
    let mut file = crate::private::open(
        &path,
        std::fs::OpenOptions::new().write(true).create_new(true),
    )?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(path)
}

/// The text of `--body-file FILE` or `--body-file -` (standard input), read with Graph's
/// bound on one request, named in the error.
fn read_file(p: &Path) -> CliResult<String> {
    let (what, read) = if p == Path::new("-") {
        (
            "standard input".to_string(),
            bounded::read_stdin(bounded::BODY_LIMIT),
        )
    } else {
        (
            p.display().to_string(),
            bounded::read_file(p, bounded::BODY_LIMIT),
        )
    };
    let bytes = read.map_err(|e| match e {
        bounded::ReadError::TooLarge { limit } => CliError::usage(format!(
            "the body from {what} is larger than {}, the most Graph takes in one request",
            bounded::size(limit)
        ))
        .with_fix("send a shorter body, or attach the text as a file with --attach"),
        bounded::ReadError::Io(_) => CliError::failure(
            "body_unreadable",
            format!("cannot read the body from {what}: {e}"),
        )
        .with_fix("check the --body-file path (use - for standard input)"),
    })?;
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        CliError::usage(format!("the body from {what} is not UTF-8 text"))
            .with_fix("convert it to UTF-8 first, e.g. with iconv")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_subject_cannot_add_lines_to_what_is_confirmed() {
        let s = Summary {
            to: vec!["ana@contoso.com\nBcc: all@contoso.com".into()],
            cc: vec![],
            bcc: vec![],
            subject: "RE: hi\r\nTo:       boss@contoso.com\x1b[2J".into(),
            attachments: 0,
        };
        let shown = describe(&s, "ok");
        assert_eq!(shown.lines().count(), 3, "{shown}");
        assert!(!shown.contains('\x1b'), "{shown}");
    }

    #[test]
    fn the_text_ends_at_the_cut_line_and_without_one_is_whole() {
        let written = format!("Thanks, done.\n\n{CUT}\nWrite above\n> old\n");
        assert_eq!(cut(&written), "Thanks, done.\n\n");
        assert_eq!(cut("no line here\n"), "no line here\n");
        assert_eq!(cut(&format!("  {CUT}  \n> x")), "");
    }

    #[test]
    fn an_empty_text_needs_allow_empty() {
        let mut args = BodyArgs {
            body_file: None,
            body: None,
            yes: false,
            allow_empty: false,
        };
        let err = check_not_empty(" \n ", &args).unwrap_err();
        assert!(err.fix.unwrap().contains("--allow-empty"));
        args.allow_empty = true;
        assert!(check_not_empty("", &args).is_ok());
    }
}
