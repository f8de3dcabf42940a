//! The columns of `graphmail mail list`: which ones exist (`--columns`), their cells and how
//! they share the terminal's width.

use clap::ValueEnum;

use super::output::{Column, Layout, UNBOUNDED, fit, short_time, width};
use crate::domain::mail::first_and_count;
use crate::domain::sanitize;
use crate::graph::{Address, MessageSummary};

/// What the FLAGS column's characters mean; `--help` and the tests use this one text.
pub const FLAGS_LEGEND: &str = "FLAGS: * unread, @ has attachments, ! high importance";

/// A column of `mail list`, by the name `--columns` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageColumn {
    /// `*` unread, `@` has attachments, `!` high importance
    Flags,
    /// When the message arrived (UTC)
    Received,
    /// The sender's name, else the address
    From,
    /// The first recipient and how many more (`Adele Vance +2`)
    To,
    Subject,
    /// The id other commands take
    Id,
}

impl MessageColumn {
    /// The columns shown without `--columns`: in Sent Items and Drafts, TO instead of FROM.
    pub fn defaults(recipients: bool) -> Vec<MessageColumn> {
        let who = if recipients {
            MessageColumn::To
        } else {
            MessageColumn::From
        };
        vec![
            MessageColumn::Flags,
            MessageColumn::Received,
            who,
            MessageColumn::Subject,
            MessageColumn::Id,
        ]
    }

    fn column(self) -> Column {
        let (header, min, shrink, whole) = match self {
            MessageColumn::Flags => ("FLAGS", 3, 0, false),
            MessageColumn::Received => ("RECEIVED", 16, 0, false),
            MessageColumn::From => ("FROM", 8, 1, false),
            MessageColumn::To => ("TO", 8, 1, false),
            MessageColumn::Subject => ("SUBJECT", 10, 2, false),
            MessageColumn::Id => ("ID", 2, 0, true),
        };
        Column {
            header,
            min,
            shrink,
            right: false,
            whole,
        }
    }

    fn cell(self, m: &MessageSummary) -> String {
        match self {
            MessageColumn::Flags => [
                if m.is_read { ' ' } else { '*' },
                if m.has_attachments { '@' } else { ' ' },
                if m.importance.eq_ignore_ascii_case("high") {
                    '!'
                } else {
                    ' '
                },
            ]
            .iter()
            .collect(),
            MessageColumn::Received => short_time(&m.received),
            MessageColumn::From => person(m.from.as_ref()),
            MessageColumn::To => {
                let names: Vec<String> = m.to.iter().map(|a| person(Some(a))).collect();
                first_and_count(&names)
            }
            MessageColumn::Subject => sanitize::line(&m.subject).into_owned(),
            MessageColumn::Id => sanitize::line(&m.id).into_owned(),
        }
    }
}

/// A person as a table shows them: the name when there is one; sanitised.
fn person(a: Option<&Address>) -> String {
    a.map(|a| sanitize::line(a.display_name()).into_owned())
        .unwrap_or_default()
}

/// The chosen columns of a listing; a repeated name shows once.
#[derive(Debug, Clone)]
pub struct MessageTable {
    chosen: Vec<MessageColumn>,
    columns: Vec<Column>,
}

impl MessageTable {
    pub fn new(chosen: &[MessageColumn]) -> MessageTable {
        let mut unique: Vec<MessageColumn> = Vec::new();
        for c in chosen {
            if !unique.contains(c) {
                unique.push(*c);
            }
        }
        let columns = unique.iter().map(|c| c.column()).collect();
        MessageTable {
            chosen: unique,
            columns,
        }
    }

    /// Whether the listing must ask Graph for the recipients.
    pub fn needs_recipients(&self) -> bool {
        self.chosen.contains(&MessageColumn::To)
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The sanitised cells of one message.
    pub fn cells(&self, m: &MessageSummary) -> Vec<String> {
        self.chosen.iter().map(|c| c.cell(m)).collect()
    }

    /// Lays out rows for `total` columns, sized on a first page of rows: on a terminal the
    /// subject takes the room later pages may need, and a name column at most 26.
    pub fn layout(&self, sample: &[Vec<String>], total: usize) -> Layout {
        let mut natural: Vec<usize> = (0..self.chosen.len())
            .map(|i| sample.iter().map(|r| width(&r[i])).max().unwrap_or(0))
            .collect();
        if total < UNBOUNDED {
            for (i, c) in self.chosen.iter().enumerate() {
                match c {
                    MessageColumn::Subject => natural[i] = total,
                    MessageColumn::From | MessageColumn::To => natural[i] = natural[i].min(26),
                    _ => {}
                }
            }
        }
        fit(&self.columns, &natural, total)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::cli::mail::output::row;

    /// A message from `name` to two people, unread, with an attachment, important.
    pub(crate) fn summary(subject: &str, name: &str) -> MessageSummary {
        MessageSummary {
            id: "AAMk-1".into(),
            subject: subject.into(),
            from: Some(Address {
                name: name.into(),
                address: "a@x.com".into(),
            }),
            to: vec![
                Address {
                    name: String::new(),
                    address: "ops@x.com".into(),
                },
                Address {
                    name: "Lee \u{202E}Gu".into(),
                    address: "lee@x.com".into(),
                },
            ],
            received: "2024-05-01T09:30:00Z".into(),
            is_read: false,
            has_attachments: true,
            importance: "high".into(),
            flagged: false,
        }
    }

    #[test]
    fn rows_fit_the_width_and_keep_the_id_whole() {
        let table = MessageTable::new(&MessageColumn::defaults(false));
        let rows: Vec<Vec<String>> = [
            summary(
                "A very long subject line that goes on and on about quarterly numbers",
                "Adele Vance",
            ),
            summary("短い件名です、でも幅は二倍", "山田太郎"),
        ]
        .iter()
        .map(|m| table.cells(m))
        .collect();
        for total in [60, 80, 132] {
            let layout = table.layout(&rows, total);
            for r in &rows {
                let line = row(table.columns(), &layout, r);
                assert!(width(&line) <= total, "{total}: {line}");
                assert!(line.ends_with("AAMk-1"), "{line}");
                assert!(line.starts_with("*@!"), "{line}");
            }
        }
    }

    #[test]
    fn a_long_id_moves_to_its_own_line_on_a_narrow_terminal() {
        let table = MessageTable::new(&MessageColumn::defaults(false));
        let mut m = summary("Hello", "Adele");
        m.id = "A".repeat(152);
        let rows = vec![table.cells(&m)];
        let layout = table.layout(&rows, 80);
        assert!(layout.last_on_own_line);
        let text = row(table.columns(), &layout, &rows[0]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(width(lines[0]) <= 80);
        assert_eq!(lines[1], format!("    id: {}", "A".repeat(152)));
    }

    #[test]
    fn hostile_text_in_cells_is_inert() {
        let table = MessageTable::new(&[MessageColumn::Subject, MessageColumn::From]);
        let cells = table.cells(&summary("\x1b]0;pwned\x07", "\u{202E}evil"));
        assert_eq!(cells, ["^[]0;pwned^G", "<U+202E>evil"]);
    }

    #[test]
    fn sent_mail_names_the_first_recipient_and_counts_the_others() {
        let table = MessageTable::new(&MessageColumn::defaults(true));
        assert!(table.needs_recipients());
        assert!(!MessageTable::new(&MessageColumn::defaults(false)).needs_recipients());
        let headers: Vec<&str> = table.columns().iter().map(|c| c.header).collect();
        assert_eq!(headers, ["FLAGS", "RECEIVED", "TO", "SUBJECT", "ID"]);
        let cells = table.cells(&summary("Hi", "Me"));
        assert_eq!(cells[2], "ops@x.com +1");
        let lee = MessageTable::new(&[MessageColumn::To]);
        let mut m = summary("Hi", "Me");
        m.to.remove(0);
        assert_eq!(lee.cells(&m), ["Lee <U+202E>Gu"]);
    }

    #[test]
    fn chosen_columns_come_in_the_order_given_and_once() {
        let table =
            MessageTable::new(&[MessageColumn::Id, MessageColumn::Subject, MessageColumn::Id]);
        let headers: Vec<&str> = table.columns().iter().map(|c| c.header).collect();
        assert_eq!(headers, ["ID", "SUBJECT"]);
        assert_eq!(table.cells(&summary("Hi", "Me")), ["AAMk-1", "Hi"]);
    }
}
