//! Who a reply goes to, as Graph's `reply` and `replyAll` actions address it, so that what the
//! user is shown (and what the audit log records) is what is really sent.

/// The addresses of the message being answered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Original<'a> {
    pub from: Option<&'a str>,
    pub reply_to: &'a [&'a str],
    pub to: &'a [&'a str],
    pub cc: &'a [&'a str],
}

/// The recipients of a reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyRecipients {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

impl ReplyRecipients {
    /// Every address, To first.
    pub fn all(&self) -> Vec<String> {
        self.to.iter().chain(&self.cc).cloned().collect()
    }
}

fn push_new(list: &mut Vec<String>, seen: &mut Vec<String>, address: &str, skip: &[&str]) {
    let address = address.trim();
    let key = address.to_lowercase();
    if address.is_empty()
        || seen.contains(&key)
        || skip.iter().any(|s| s.trim().eq_ignore_ascii_case(address))
    {
        return;
    }
    seen.push(key);
    list.push(address.to_string());
}

/// Reply: to `replyTo` when the sender set it, else to the sender. Reply all: the same, plus
/// the original To, with the original Cc as Cc; the mailbox's own addresses (`own`) are left
/// out of both and nobody is named twice (compared case-insensitively).
pub fn reply_recipients(original: Original<'_>, all: bool, own: &[&str]) -> ReplyRecipients {
    let mut seen = Vec::new();
    let mut out = ReplyRecipients::default();
    let senders: Vec<&str> = if original.reply_to.iter().any(|a| !a.trim().is_empty()) {
        original.reply_to.to_vec()
    } else {
        original.from.into_iter().collect()
    };
    // A plain reply to one's own message goes back to oneself, as in Outlook.
    let skip_senders: &[&str] = if all { own } else { &[] };
    for a in senders {
        push_new(&mut out.to, &mut seen, a, skip_senders);
    }
    if all {
        for a in original.to {
            push_new(&mut out.to, &mut seen, a, own);
        }
        for a in original.cc {
            push_new(&mut out.cc, &mut seen, a, own);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADELE: &str = "adele.vance@contoso.test";
    const MEGAN: &str = "meganb@contoso.test";
    const LEE: &str = "lee.gu@contoso.test";

    #[test]
    fn reply_all_leaves_out_the_mailbox_itself_and_duplicates() {
        let r = reply_recipients(
            Original {
                from: Some(MEGAN),
                reply_to: &[],
                to: &["Adele.Vance@contoso.test", "MeganB@contoso.test", LEE],
                cc: &[ADELE, LEE, "grady@contoso.test"],
            },
            true,
            &[ADELE],
        );
        assert_eq!(r.to, [MEGAN, LEE]);
        assert_eq!(r.cc, ["grady@contoso.test"]);
        assert_eq!(r.all(), [MEGAN, LEE, "grady@contoso.test"]);
    }

    #[test]
    fn reply_to_wins_over_the_sender() {
        let original = Original {
            from: Some(MEGAN),
            reply_to: &["helpdesk@contoso.test"],
            to: &[ADELE],
            cc: &[],
        };
        let one = reply_recipients(original, false, &[ADELE]);
        assert_eq!(one.to, ["helpdesk@contoso.test"]);
        assert!(one.cc.is_empty());
        let all = reply_recipients(original, true, &[ADELE]);
        assert_eq!(all.to, ["helpdesk@contoso.test"]);
    }

    #[test]
    fn a_plain_reply_names_only_the_sender() {
        let r = reply_recipients(
            Original {
                from: Some(MEGAN),
                reply_to: &[""],
                to: &[ADELE, LEE],
                cc: &[LEE],
            },
            false,
            &[ADELE],
        );
        assert_eq!(r.to, [MEGAN]);
        assert!(r.cc.is_empty());
    }
}
