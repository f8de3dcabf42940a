//! `graphmail sendmail` (also when run as `sendmail`): a drop-in for `/usr/sbin/sendmail`.
//!
//! The message goes into the relay's spool first (fsync'd); then, unless a relay is running
//! on that spool, this process delivers it. Exit codes follow sysexits: 0 once the message is
//! queued, whether or not it went out yet; 64 bad usage, 65 bad input, 74 unreadable input,
//! 75 when it cannot be queued.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use super::GlobalArgs;
use super::relay_cmd::{deliverer, open_spool, relay_settings, runtime};
use crate::relay::sendmail_args::{self, SendmailArgs};
use crate::relay::spool::now;
use crate::relay::{Area, Envelope, Outcome};

const EX_USAGE: u8 = 64;
const EX_DATAERR: u8 = 65;
const EX_IOERR: u8 = 74;
const EX_TEMPFAIL: u8 = 75;

fn say(text: &str) {
    crate::output::stderr(&format!("graphmail sendmail: {text}"));
}

pub fn run(global: &GlobalArgs, raw: &[String]) -> ExitCode {
    let args = match sendmail_args::parse(raw) {
        Ok(a) => a,
        Err(e) => {
            say(&e);
            return ExitCode::from(EX_USAGE);
        }
    };
    let settings = relay_settings(global);
    let spool = match open_spool(global, &settings) {
        Ok(s) => s,
        Err(e) => {
            say(&e.message);
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    if args.list_queue {
        let mut list = Vec::new();
        for area in [Area::Queue, Area::Failed] {
            if let Ok(entries) = spool.list(area) {
                list.extend(entries.into_iter().map(|e| (area, e)));
            }
        }
        super::relay_queue::print_table(&list);
        return ExitCode::SUCCESS;
    }
    let mut input = Vec::new();
    let limit = settings.max_size();
    if let Err(e) = std::io::stdin()
        .take(limit as u64 + 1)
        .read_to_end(&mut input)
    {
        say(&format!("cannot read the message: {e}"));
        return ExitCode::from(EX_IOERR);
    }
    if input.len() > limit {
        say(&format!(
            "the message is larger than the limit of {limit} bytes"
        ));
        return ExitCode::from(EX_DATAERR);
    }
    let (message, recipients) = match prepare(&args, input) {
        Ok(p) => p,
        Err((code, why)) => {
            say(&why);
            return ExitCode::from(code);
        }
    };
    let envelope = Envelope {
        sender: args.sender.clone().unwrap_or_else(default_sender),
        recipients,
        received_at: now(),
        connector: args.connector.clone(),
        auth_user: None,
        source: "sendmail".into(),
    };
    let id = match spool.enqueue(&envelope, &message) {
        Ok(id) => id,
        Err(e) => {
            say(&format!("cannot queue the message: {e}"));
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    drop(message);
    if spool.relay_running() {
        tracing::info!(id, "queued for the running relay");
        return ExitCode::SUCCESS;
    }
    // No relay: deliver it now. Whatever happens, the message is queued: exit 0.
    let outcome = deliverer(global, spool, settings, args.connector.clone())
        .and_then(|d| Ok((Arc::new(d), runtime()?)))
        .map(|(d, rt)| rt.block_on(async move { d.deliver_id(&id, true).await }));
    match outcome {
        Ok(Some(Outcome::Delivered)) | Ok(None) => {}
        Ok(Some(Outcome::Deferred(why))) => say(&format!(
            "queued; not sent yet ({why}); the relay or `graphmail relay flush` will send it"
        )),
        Ok(Some(Outcome::Failed(why))) => say(&format!(
            "the message will not be delivered: {why}; it is kept in the relay's failed list"
        )),
        Err(e) => say(&format!(
            "queued; not sent yet ({}); the relay or `graphmail relay flush` will send it",
            e.message
        )),
    }
    ExitCode::SUCCESS
}

fn default_sender() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default()
}

/// The message as it will be spooled, and its recipients. Without `-i` a line holding only
/// a dot ends the message; with `-t` the To, Cc and Bcc headers add recipients and Bcc is
/// removed.
fn prepare(
    args: &SendmailArgs,
    mut input: Vec<u8>,
) -> Result<(Vec<u8>, Vec<String>), (u8, String)> {
    if !args.ignore_dots {
        let mut at = 0;
        for line in input.split_inclusive(|&b| b == b'\n') {
            let content = line.strip_suffix(b"\n").unwrap_or(line);
            let content = content.strip_suffix(b"\r").unwrap_or(content);
            if content == b"." {
                break;
            }
            at += line.len();
        }
        input.truncate(at);
    }
    let mut recipients = args.recipients.clone();
    if args.read_headers {
        let parsed = mail_parser::MessageParser::default()
            .parse_headers(&input)
            .ok_or((EX_DATAERR, "the message has no headers".to_string()))?;
        for list in [parsed.to(), parsed.cc(), parsed.bcc()]
            .into_iter()
            .flatten()
        {
            for a in list.iter() {
                if let Some(addr) = a.address() {
                    recipients.push(addr.to_string());
                }
            }
        }
        input = without_header(&input, "bcc");
    }
    if recipients.is_empty() {
        return Err((
            EX_USAGE,
            "no recipients: name them as arguments, or give -t to read To, Cc and Bcc".into(),
        ));
    }
    Ok((input, recipients))
}

/// The message without a header field (and its continuation lines).
fn without_header(message: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len());
    let mut in_headers = true;
    let mut skipping = false;
    let mut rest = message;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        if in_headers {
            let bare = line.strip_suffix(b"\n").unwrap_or(line);
            let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
            if bare.is_empty() {
                in_headers = false;
            } else if bare[0] == b' ' || bare[0] == b'\t' {
                if skipping {
                    continue;
                }
            } else {
                skipping = bare.len() > name.len()
                    && bare[name.len()] == b':'
                    && bare[..name.len()].eq_ignore_ascii_case(name.as_bytes());
                if skipping {
                    continue;
                }
            }
        }
        out.extend_from_slice(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_reads_recipients_and_removes_bcc() {
        let args = SendmailArgs {
            read_headers: true,
            ignore_dots: true,
            ..Default::default()
        };
        let msg = b"To: a@x.com\nBcc: secret@x.com,\n  other@x.com\nSubject: s\n\nbody\n.\nmore\n"
            .to_vec();
        let (out, rcpts) = prepare(&args, msg).unwrap();
        assert_eq!(rcpts, vec!["a@x.com", "secret@x.com", "other@x.com"]);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.to_lowercase().contains("bcc"));
        assert!(!text.contains("other@x.com"));
        assert!(text.contains("more"), "-i keeps lines after a lone dot");
    }

    #[test]
    fn a_lone_dot_ends_the_message_without_i_and_recipients_are_required() {
        let args = SendmailArgs {
            recipients: vec!["root".into()],
            ..Default::default()
        };
        let (out, _) = prepare(&args, b"Subject: s\n\nbody\n.\nlost\n".to_vec()).unwrap();
        assert_eq!(out, b"Subject: s\n\nbody\n");
        let none = SendmailArgs::default();
        assert_eq!(
            prepare(&none, b"Subject: s\n\nx\n".to_vec()).unwrap_err().0,
            EX_USAGE
        );
    }
}
