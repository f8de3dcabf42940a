//! Seed mail: hand-written messages from `assets/mail/`, hostile ones built here (control
//! characters, bidi overrides, a 1 MB body), and a deterministic generator for bulk mail.
//!
//! Nothing depends on the wall clock: dates count back from a fixed base.

use std::sync::Arc;

use serde::Deserialize;

use super::store::{Address, Attachment, Body, BodyKind, FlagStatus, Importance, Mailbox, Message};

const SEED_JSON: &str = include_str!("../../../../assets/mail/seed.json");

/// 2025-06-30T17:00:00Z: the newest generated mail.
const BASE: i64 = 1_751_302_800;

/// How many generated messages the first mailbox gets (the others get fewer).
const FIRST_MAILBOX_GENERATED: u64 = 540;
const OTHER_MAILBOX_GENERATED: u64 = 60;

fn mix(mut x: u64) -> u64 {
    // splitmix64: a fixed, well-spread sequence from any seed.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn pick<T: Copy>(list: &[T], seed: u64) -> T {
    list[(seed % list.len() as u64) as usize]
}

const SENDERS: &[(&str, &str)] = &[
    ("Jürgen Müller", "juergen.mueller@fabrikam-gmbh.de"),
    ("Søren Kierkegård", "soren@nordlys.dk"),
    ("Zoë Brontë", "zoe.bronte@litware.co.uk"),
    ("田中 美咲", "misaki.tanaka@contoso.co.jp"),
    ("王伟", "wang.wei@adatum.cn"),
    ("김민준", "minjun.kim@tailspin.kr"),
    ("فاطمة الزهراء", "fatima@alpineski.ae"),
    ("Олег Петров", "oleg.petrov@wingtip.ru"),
    ("María José García", "mjgarcia@proseware.es"),
    ("François Dubois", "f.dubois@lamna.fr"),
    ("Priya Raghunathan", "priya.r@northwind.in"),
    ("Azure DevOps", "azuredevops@microsoft.com"),
    ("GitHub", "noreply@github.com"),
    ("Nagios", "nagios@monitoring.fabrikam.test"),
    ("Grafana Alerts", "alerts@grafana.fabrikam.test"),
    ("IT Service Desk", "servicedesk@fabrikam.test"),
    ("Payroll", "payroll@fabrikam.test"),
    ("Lukas Schäfer", "lukas.schaefer@fabrikam-gmbh.de"),
];

const SUBJECTS: &[&str] = &[
    "Weekly status report #{n}",
    "Re: Change request CR-{n} approved",
    "Backup job {n} finished with warnings",
    "Wartungsfenster am Wochenende (Ticket {n})",
    "Größenänderung der Übersichtstabelle – Rückmeldung {n}",
    "会議のお知らせ 第{n}回",
    "关于服务器迁移的通知 {n}",
    "서버 점검 안내 {n}",
    "تقرير الأداء الشهري رقم {n}",
    "Отчёт о резервном копировании №{n}",
    "Factura pendiente nº {n}",
    "Réunion de suivi n°{n}",
    "[ALERT] Disk usage above 90% on srv-{n}",
    "[RESOLVED] Certificate renewal for host{n}.fabrikam.test",
    "Your password expires in {n} days",
    "Pull request #{n}: Fix race in token refresh",
    "Invoice INV-{n} from Northwind",
    "Lunch on Friday? ({n})",
];

const PARAGRAPHS: &[&str] = &[
    "Please find the latest figures below. Nothing unusual this week, but the mail relay queue grew during the nightly backup window.",
    "Die Migration der Postfächer ist zu 80 % abgeschlossen. Bitte prüfen Sie die Weiterleitungsregeln für Ihre Abteilung bis Donnerstag.",
    "来週の月曜日にサーバーのメンテナンスを行います。作業中はメールが一時的に利用できなくなります。",
    "服务器将于本周六凌晨两点进行维护，预计持续三个小时。请提前保存您的工作。",
    "정기 점검으로 인해 토요일 오전 2시부터 4시까지 서비스가 중단됩니다.",
    "يرجى مراجعة التقرير المرفق وإرسال ملاحظاتكم قبل نهاية الأسبوع.",
    "Резервное копирование завершено успешно. Проверено 1 204 файла, ошибок не обнаружено.",
    "Le certificat du serveur expire dans quinze jours ; merci de planifier son renouvellement.",
    "The on-call rotation for next month is attached. Swap shifts directly with each other and tell the service desk.",
    "Thanks for the quick turnaround on the firewall change — the vendor confirmed the tunnel is up.",
];

/// Whether generated body `seed` is HTML.
pub fn generated_kind(seed: u64) -> BodyKind {
    if mix(seed ^ 0xB0D1).is_multiple_of(3) {
        BodyKind::Html
    } else {
        BodyKind::Text
    }
}

/// Generated body `seed`: (content as stored, plain text).
pub fn generated_body(seed: u64) -> (String, String) {
    let h = mix(seed ^ 0xB0D1);
    let count = 1 + (h >> 8) % 3;
    let paras: Vec<&str> = (0..count).map(|i| pick(PARAGRAPHS, mix(h + i))).collect();
    let greeting = "Hello,";
    let sign = ["Best regards", "The operations team"];
    let host = h % 1000;
    if generated_kind(seed) == BodyKind::Text {
        let text = format!(
            "{greeting}\n\n{}\n\n{}\n{}\n",
            paras.join("\n\n"),
            sign[0],
            sign[1]
        );
        return (text.clone(), text);
    }
    let mut html = String::from(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><p>Hello,</p>",
    );
    for p in &paras {
        html.push_str(&format!("<p>{p}</p>"));
    }
    html.push_str(&format!(
        "<table border=\"1\"><tr><th>Host</th><th>Status</th></tr><tr><td>srv-{host}</td><td>OK</td></tr></table><p><a href=\"https://status.fabrikam.test/incidents/{host}\">Status page</a></p><p>{}<br>{}</p></body></html>",
        sign[0], sign[1]
    ));
    // The same text html2text would give, without converting on every read.
    let text = format!(
        "{greeting}\n\n{}\n\nHost   | Status\n-------|-------\nsrv-{host} | OK\n\nStatus page [https://status.fabrikam.test/incidents/{host}]\n\n{}\n{}\n",
        paras.join("\n\n"),
        sign[0],
        sign[1]
    );
    (html, text)
}

fn generated(mbx: &Mailbox, i: u64, spacing: i64, domain: &str) -> Message {
    let seed = mix((mbx.index as u64) << 40 | i);
    let (name, addr) = pick(SENDERS, seed);
    let received = BASE - (i as i64) * spacing - (seed % 600) as i64;
    let mut m = Message::blank(received);
    m.sent = received - 5 - (seed % 50) as i64;
    m.created = received;
    m.modified = received;
    m.subject = pick(SUBJECTS, seed >> 7).replace("{n}", &(1000 + i).to_string());
    m.body = Body::Generated { seed };
    let from = Address::new(name, addr);
    m.from = Some(from.clone());
    m.sender = Some(from);
    m.to = vec![Address::new(&mbx.owner.display_name, &mbx.owner.upn)];
    if seed.is_multiple_of(5) {
        m.cc = vec![Address::new("Ops team", &format!("ops@{domain}"))];
    }
    m.is_read = i >= 25 && !seed.is_multiple_of(7);
    m.flag = match seed % 23 {
        0 | 1 => FlagStatus::Flagged,
        2 => FlagStatus::Complete,
        _ => FlagStatus::NotFlagged,
    };
    m.importance = match seed % 17 {
        0 => Importance::High,
        1 => Importance::Low,
        _ => Importance::Normal,
    };
    if seed.is_multiple_of(13) {
        m.categories = vec!["Red category".into()];
    }
    m.focused = !seed.is_multiple_of(4);
    m
}

/// Fills every mailbox with its seed mail.
#[expect(
    clippy::expect_used,
    reason = "the seed mail is compiled in and a test loads it"
)]
pub fn populate(boxes: &mut [Mailbox], domain: &str) {
    let hand: SeedFile = serde_json::from_str(SEED_JSON).expect("assets/mail/seed.json is valid");
    for mbx in boxes.iter_mut() {
        let inbox = mbx.well_known("inbox");
        let alerts = mbx.add_folder("Alerts", Some(inbox));
        let archive = mbx.well_known("archive");
        let projects = mbx.add_folder("Projects", Some(0));
        let n = if mbx.index == 0 {
            FIRST_MAILBOX_GENERATED
        } else {
            OTHER_MAILBOX_GENERATED
        };
        for i in 0..n {
            let mut m = generated(mbx, i, 4 * 3600, domain);
            let roll = mix(i ^ 0xF01D) % 100;
            let is_alert = m.subject.starts_with('[') || m.subject.starts_with("Backup");
            let folder = match roll {
                _ if is_alert && roll < 80 => alerts,
                0..=59 => inbox,
                60..=71 => archive,
                72..=79 => projects,
                80..=89 => mbx.well_known("sentitems"),
                90..=95 => mbx.well_known("deleteditems"),
                _ => mbx.well_known("junkemail"),
            };
            if folder == mbx.well_known("sentitems") {
                let me = Address::new(&mbx.owner.display_name, &mbx.owner.upn);
                m.to = m.from.take().into_iter().collect();
                m.from = Some(me.clone());
                m.sender = Some(me);
                m.is_read = true;
            }
            if mix(i ^ 0xA77).is_multiple_of(9) {
                m.attachments.push(generated_attachment(i));
            }
            mbx.insert(m, folder);
        }
        for h in &hand.messages {
            if h.mailbox.is_some_and(|only| only != mbx.index) {
                continue;
            }
            let folder = mbx
                .folder(&h.folder)
                .or_else(|| {
                    mbx.folders
                        .iter()
                        .position(|f| f.display_name.eq_ignore_ascii_case(&h.folder))
                })
                .unwrap_or(inbox);
            let m = h.to_message(mbx, domain);
            mbx.insert(m, folder);
        }
        if mbx.index == 0 {
            for m in hostile(mbx) {
                mbx.insert(m, inbox);
            }
        }
    }
}

/// `n` generated messages in the Inbox, newest first, about a minute apart (`--messages N`).
pub fn bulk(mbx: &mut Mailbox, n: usize) {
    let inbox = mbx.well_known("inbox");
    for i in 0..n as u64 {
        let mut m = generated(mbx, 1_000_000 + i, 60, "bulk.test");
        m.subject = format!("{} · bulk {}", m.subject, i + 1);
        mbx.insert(m, inbox);
    }
}

fn generated_attachment(i: u64) -> Attachment {
    let kinds: &[(&str, &str)] = &[
        ("report-{n}.csv", "text/csv"),
        ("log-{n}.txt", "text/plain"),
        ("scan-{n}.pdf", "application/pdf"),
    ];
    let (name, ct) = pick(kinds, mix(i));
    let size = 200 + (mix(i ^ 0x5123) % 40_000) as usize;
    Attachment {
        name: name.replace("{n}", &i.to_string()),
        content_type: ct.into(),
        bytes: filler(ct, size).into(),
        is_inline: false,
        content_id: None,
    }
}

/// Deterministic bytes of `size` that start like a file of `content_type`.
fn filler(content_type: &str, size: usize) -> Vec<u8> {
    let magic: &[u8] = match content_type {
        "application/pdf" => b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "image/png" => b"\x89PNG\r\n\x1a\n",
        "application/zip" => b"PK\x03\x04",
        _ => b"",
    };
    let mut out = magic.to_vec();
    if content_type.starts_with("text/") {
        let mut row = 0;
        while out.len() < size {
            out.extend_from_slice(
                format!("{row},host{},{}\n", row % 17, mix(row) % 1000).as_bytes(),
            );
            row += 1;
        }
    } else {
        let mut x = size as u64;
        while out.len() < size {
            x = mix(x);
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out.truncate(size.max(magic.len()));
    out
}

/// Messages meant to trip a careless terminal: escape sequences, other C0/C1 controls,
/// a right-to-left override, and a 1 MB body.
fn hostile(mbx: &Mailbox) -> Vec<Message> {
    let me = Address::new(&mbx.owner.display_name, &mbx.owner.upn);
    let make = |offset: i64, from: Address, subject: &str, body: String| {
        let mut m = Message::blank(BASE - 2 * 86_400 - offset);
        m.subject = subject.to_owned();
        m.body = Body::Stored {
            kind: BodyKind::Text,
            content: body.into(),
        };
        m.sender = Some(from.clone());
        m.from = Some(from);
        m.to = vec![me.clone()];
        m
    };
    let mut list = vec![
        make(
            60,
            Address::new("\u{1b}[31mSecurity\u{1b}[0m Team", "security@phish.example"),
            "\u{1b}[2J\u{1b}[HURGENT: \u{1b}]0;pwned\u{7}verify your account\u{1b}[5m now\u{1b}[0m",
            "Click here\u{1b}]8;;https://phish.example/login\u{1b}\\to keep your mailbox\u{1b}]8;;\u{1b}\\.\r\nThis line is rewritten\roverwritten.\u{8}\u{8}\u{8}\n\u{1b}[?1049h\u{1b}[?25l"
                .to_owned(),
        ),
        make(
            120,
            Address::new("Invoice Bot", "billing@phish.example"),
            "Your invoice \u{202e}fdp.exe\u{202c} is attached",
            "Open the attachment \u{202e}gnp.scr\u{202c} to see it.\nMixed: abc\u{202d}def\u{202c} \u{2066}isolate\u{2069} \u{200f}rtl-mark".to_owned(),
        ),
        make(
            180,
            Address::new("Control\u{7}Freak\u{0}", "controls@odd.example"),
            "Bell\u{7} null\u{0} tab\t vt\u{b} ff\u{c} del\u{7f} c1:\u{85}\u{9b}31m\u{9d}0;x\u{9c}",
            "C0: \u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{e}\u{f}\u{10}\u{1a}\u{1c}\u{1f}\nC1: \u{80}\u{84}\u{8d}\u{8e}\u{8f}\u{90}\u{9b}\u{9f}\nZero width: a\u{200b}b\u{feff}c".to_owned(),
        ),
    ];
    let line = "All work and no play makes the mail client slow. Daten: äöüß 数据 بيانات\n";
    let mut big = String::with_capacity(1 << 20);
    while big.len() < 1 << 20 {
        big.push_str(line);
    }
    let mut huge = make(
        240,
        Address::new("Log Shipper", "logs@fabrikam.test"),
        "Full log export (1 MB body)",
        big,
    );
    huge.is_read = true;
    list.push(huge);
    list
}

#[derive(Deserialize)]
struct SeedFile {
    messages: Vec<HandMessage>,
}

#[derive(Deserialize)]
struct HandAttachment {
    name: String,
    #[serde(rename = "contentType")]
    content_type: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    size: Option<usize>,
    #[serde(default)]
    inline: bool,
    #[serde(default, rename = "contentId")]
    content_id: Option<String>,
}

/// A hand-written seed message. Addresses and bodies may use `{domain}` (the tenant's domain);
/// an address may be `me` (the mailbox owner).
#[derive(Deserialize)]
struct HandMessage {
    /// Only this mailbox (index), or every mailbox.
    #[serde(default)]
    mailbox: Option<usize>,
    #[serde(default = "default_folder")]
    folder: String,
    received: String,
    from: (String, String),
    #[serde(default)]
    to: Vec<(String, String)>,
    #[serde(default)]
    cc: Vec<(String, String)>,
    subject: String,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, rename = "isRead")]
    is_read: bool,
    #[serde(default)]
    flag: Option<String>,
    #[serde(default)]
    importance: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    attachments: Vec<HandAttachment>,
}

fn default_folder() -> String {
    "inbox".into()
}

impl HandMessage {
    #[expect(
        clippy::expect_used,
        reason = "the seed mail is compiled in and a test loads it"
    )]
    fn to_message(&self, mbx: &Mailbox, domain: &str) -> Message {
        let addr = |(name, address): &(String, String)| {
            if address == "me" {
                Address::new(&mbx.owner.display_name, &mbx.owner.upn)
            } else {
                Address::new(name, &address.replace("{domain}", domain))
            }
        };
        let received =
            super::query::parse_datetime(&self.received).expect("seed dates are RFC 3339");
        let mut m = Message::blank(received);
        m.sent = received - 7;
        m.subject = self.subject.clone();
        let fill = |s: &str| s.replace("{domain}", domain);
        m.body = match (&self.html, &self.text) {
            (Some(h), _) => Body::Stored {
                kind: BodyKind::Html,
                content: Arc::from(fill(h)),
            },
            (None, t) => Body::Stored {
                kind: BodyKind::Text,
                content: Arc::from(fill(t.as_deref().unwrap_or(""))),
            },
        };
        let from = addr(&self.from);
        m.from = Some(from.clone());
        m.sender = Some(from);
        m.to = if self.to.is_empty() {
            vec![Address::new(&mbx.owner.display_name, &mbx.owner.upn)]
        } else {
            self.to.iter().map(addr).collect()
        };
        m.cc = self.cc.iter().map(addr).collect();
        m.is_read = self.is_read;
        m.flag = self
            .flag
            .as_deref()
            .and_then(FlagStatus::parse)
            .unwrap_or(FlagStatus::NotFlagged);
        m.importance = self
            .importance
            .as_deref()
            .and_then(Importance::parse)
            .unwrap_or(Importance::Normal);
        m.categories = self.categories.clone();
        m.attachments = self
            .attachments
            .iter()
            .map(|a| Attachment {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                bytes: match &a.text {
                    Some(t) => t.as_bytes().to_vec(),
                    None => filler(&a.content_type, a.size.unwrap_or(1024)),
                }
                .into(),
                is_inline: a.inline,
                content_id: a.content_id.clone(),
            })
            .collect();
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::store::Owner;

    fn mailboxes() -> Vec<Mailbox> {
        let mut boxes: Vec<Mailbox> = (0..3)
            .map(|i| {
                Mailbox::new(
                    i,
                    Owner {
                        id: format!("id{i}"),
                        upn: format!("user{i}@contoso.test"),
                        display_name: format!("User {i}"),
                    },
                )
            })
            .collect();
        populate(&mut boxes, "contoso.test");
        boxes
    }

    #[test]
    fn the_seed_is_large_varied_and_repeatable() {
        let boxes = mailboxes();
        let total: usize = boxes.iter().map(|b| b.messages.len()).sum();
        assert!(total >= 500, "{total} messages");
        let first = &boxes[0];
        let all: Vec<&Message> = first.messages.values().collect();
        assert!(all.iter().any(|m| m.body.kind() == BodyKind::Html));
        assert!(all.iter().any(|m| m.has_attachments()));
        assert!(all.iter().any(|m| !m.is_read));
        assert!(all.iter().any(|m| m.flag == FlagStatus::Flagged));
        assert!(all.iter().any(|m| m.subject.contains('\u{1b}')));
        assert!(all.iter().any(|m| m.subject.contains('\u{202e}')));
        assert!(all.iter().any(|m| m.body.content().len() >= 1 << 20));
        for script in ['ü', '会', 'ة'] {
            assert!(all.iter().any(|m| m.subject.contains(script)), "{script}");
        }
        let alerts = first
            .folders
            .iter()
            .position(|f| f.display_name == "Alerts")
            .unwrap();
        assert_eq!(
            first.folders[alerts].parent,
            Some(first.well_known("inbox"))
        );
        assert!(first.messages.values().any(|m| m.folder == alerts));
        let again = mailboxes();
        let ids = |b: &Mailbox| {
            b.messages
                .values()
                .map(|m| (m.id.clone(), m.subject.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&boxes[0]), ids(&again[0]));
    }

    #[test]
    fn bulk_mail_is_cheap_to_make() {
        let mut boxes = mailboxes();
        let before = boxes[0].messages.len();
        bulk(&mut boxes[0], 20_000);
        assert_eq!(boxes[0].messages.len(), before + 20_000);
    }
}
