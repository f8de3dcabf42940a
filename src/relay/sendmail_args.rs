//! The command line of `/usr/sbin/sendmail` as programs really call it.
//!
//! Sendmail's options are single letters whose value may be glued on (`-FCronDaemon`,
//! `-B8BITMIME`, `-oem`) or follow as the next argument (`-f addr`), which no declarative
//! parser accepts in both forms, so they are read here by hand.

/// What `graphmail sendmail` was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendmailArgs {
    /// `-bp`: list the queue instead of sending.
    pub list_queue: bool,
    /// `-t`: take recipients from To, Cc and Bcc.
    pub read_headers: bool,
    /// `-i` / `-oi`: a line with a single dot does not end the message.
    pub ignore_dots: bool,
    /// `-f` / `-r`: the envelope sender.
    pub sender: Option<String>,
    /// `-F`: the sender's full name.
    pub full_name: Option<String>,
    /// `-c`: the connector.
    pub connector: Option<String>,
    pub recipients: Vec<String>,
}

/// Options that take a value (glued or as the next argument) and are accepted but unused:
/// `-B` body type, `-N` DSN, `-R` return, `-V` envelope id, `-L` syslog tag, `-X` log file,
/// `-O` long option, `-h` hop count, `-C` config file.
const IGNORED_WITH_VALUE: &[char] = &['B', 'N', 'R', 'V', 'L', 'X', 'O', 'h', 'C'];

/// Parses the arguments after the program name. The error is a usage message (exit 64).
pub fn parse(args: &[String]) -> Result<SendmailArgs, String> {
    let mut out = SendmailArgs::default();
    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if options_done || !arg.starts_with('-') || arg == "-" {
            out.recipients.extend(
                arg.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(String::from),
            );
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        let mut chars = arg[1..].chars();
        let Some(flag) = chars.next() else { continue };
        let glued: &str = chars.as_str();
        // The value of an option: glued on, or the next argument.
        let mut value = |name: char| -> Result<String, String> {
            if !glued.is_empty() {
                return Ok(glued.to_string());
            }
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| format!("option -{name} needs a value"))?;
            i += 1;
            Ok(v)
        };
        match flag {
            't' if glued.is_empty() => out.read_headers = true,
            'i' if glued.is_empty() => out.ignore_dots = true,
            'v' | 'm' | 'U' => {}
            'f' | 'r' => out.sender = Some(value(flag)?),
            'F' => out.full_name = Some(value(flag)?),
            'c' => out.connector = Some(value(flag)?),
            'o' => {
                // -oi is -i; every other -oX is accepted and ignored (-oem, -odb, -oQ…).
                if glued == "i" {
                    out.ignore_dots = true;
                } else if glued.is_empty() {
                    return Err("option -o needs a letter, as in -oi".into());
                }
            }
            'b' => match glued {
                "p" => out.list_queue = true,
                "m" | "" => {}
                other => {
                    return Err(format!(
                        "sendmail mode -b{other} is not supported; graphmail sendmail only sends (-bm) and lists the queue (-bp)"
                    ));
                }
            },
            c if IGNORED_WITH_VALUE.contains(&c) => {
                value(c)?;
            }
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn debian_crons_command_line_is_understood() {
        let a = parse(&args("-FCronDaemon -i -B8BITMIME -oem root")).unwrap();
        assert_eq!(a.full_name.as_deref(), Some("CronDaemon"));
        assert!(a.ignore_dots);
        assert!(!a.read_headers);
        assert_eq!(a.recipients, vec!["root"]);
    }

    #[test]
    fn values_may_be_glued_or_separate() {
        let a = parse(&args(
            "-t -oi -f alerts@x.com -r bounce@x.com -F Backup -c ops",
        ))
        .unwrap();
        assert!(a.read_headers && a.ignore_dots);
        assert_eq!(a.sender.as_deref(), Some("bounce@x.com"));
        assert_eq!(a.full_name.as_deref(), Some("Backup"));
        assert_eq!(a.connector.as_deref(), Some("ops"));
        let b = parse(&args(
            "-falerts@x.com -B 8BITMIME -odb -N never a@x.com,b@x.com",
        ))
        .unwrap();
        assert_eq!(b.sender.as_deref(), Some("alerts@x.com"));
        assert_eq!(b.recipients, vec!["a@x.com", "b@x.com"]);
    }

    #[test]
    fn list_queue_and_end_of_options() {
        assert!(parse(&args("-bp")).unwrap().list_queue);
        let a = parse(&args("-- -weird@x.com")).unwrap();
        assert_eq!(a.recipients, vec!["-weird@x.com"]);
    }

    #[test]
    fn bad_usage_is_refused_with_a_reason() {
        assert!(parse(&args("-bs")).unwrap_err().contains("-bs"));
        assert!(parse(&args("-f")).unwrap_err().contains("-f needs a value"));
        assert!(
            parse(&args("-q"))
                .unwrap_err()
                .contains("unknown option -q")
        );
    }
}
