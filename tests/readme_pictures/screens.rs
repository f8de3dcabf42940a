//! The README screens, built from the real model with `update()` and fixed data at a fixed clock.

use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::{
    AttachmentRow, DeviceCodePrompt, FolderItem, Importance, MessagePage, MessageRow, MessageView,
    Model, Person, SignInUpdate,
};

use crate::support::tui::*;
use crate::support::tui_mailbox::{ago, compose_new, folder, mailbox_with, open_selected};

/// One picture: its file name under `assets/readme/`, its title, text the screen must show
/// (so a changed key or flow cannot silently draw the wrong screen), and the model drawn.
pub struct Screen {
    pub file: &'static str,
    pub title: &'static str,
    pub shows: &'static [&'static str],
    pub model: Model,
}

type Build = fn((u16, u16)) -> Model;

/// Every README picture at `size`, in the order the README shows them.
pub fn all(size: (u16, u16)) -> Vec<Screen> {
    let screens: [(&str, &str, &[&str], Build); 6] = [
        (
            "connectors.svg",
            "graphmail: the connector list with token health",
            &[
                "Connectors (5)",
                "expires in 4 min",
                "needs sign-in",
                "Redirect URI",
            ],
            connectors,
        ),
        (
            "wizard.svg",
            "graphmail: the new connector wizard, app registration step",
            &["Step 2/5", "contoso.onmicrosoft.com", "0a1b2c3d-4e5f"],
            wizard,
        ),
        (
            "permissions.svg",
            "graphmail: the permission picker with its live summary and redirect URI",
            &[
                "Step 4/5",
                "[x] Shared mailboxes",
                "Calendars.Read",
                "http://localhost:8400/",
            ],
            permissions,
        ),
        (
            "device-code.svg",
            "graphmail: signing in with a device code",
            &[
                "https://microsoft.com/devicelogin",
                "K 7 Q X P L M B",
                "expires in 14:32",
                "▀▀▀▀",
            ],
            device_code,
        ),
        (
            "mailbox.svg",
            "graphmail: the mailbox with folders, messages and an HTML message",
            &[
                "Folders",
                "Inbox (30)",
                "Maintenance on Saturday",
                "schedule.pdf",
            ],
            mailbox,
        ),
        (
            "compose.svg",
            "graphmail: writing a new message",
            &["Disk alert on srv-db01", "Thanks, Ana"],
            compose,
        ),
    ];
    screens
        .into_iter()
        .map(|(file, title, shows, build)| {
            let mut model = build(size);
            // The pictures never depend on the environment or on a toast still on screen.
            model.shared.no_color = false;
            model.shared.toasts.clear();
            model.shared.size = size;
            Screen {
                file,
                title,
                shows,
                model,
            }
        })
        .collect()
}

fn list(size: (u16, u16)) -> Model {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    m.shared.size = size;
    m
}

fn enter(m: &mut Model) {
    code(m, KeyCode::Enter);
}

/// The connector list: one connector per token health, the first one's details below.
fn connectors(size: (u16, u16)) -> Model {
    list(size)
}

/// The wizard's app registration step, filled and valid.
fn wizard(size: (u16, u16)) -> Model {
    let mut m = list(size);
    press(&mut m, Key::ch('a'));
    type_text(&mut m, "support-mailbox");
    enter(&mut m);
    fill_fields(
        &mut m,
        &[
            "contoso.onmicrosoft.com",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        ],
    );
    m
}

/// The permission picker: the defaults plus shared mailboxes and one extra scope.
fn permissions(size: (u16, u16)) -> Model {
    let mut m = wizard(size);
    enter(&mut m);
    enter(&mut m);
    // Rows: fetch, read/write, send, shared mailboxes, profile, keep signed in.
    press_down(&mut m, 3);
    press(&mut m, Key::ch(' '));
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, "Calendars.Read");
    m
}

/// Signing `alerts` in with the device code: URL, code, countdown and QR code.
fn device_code(size: (u16, u16)) -> Model {
    let mut m = list(size);
    code(&mut m, KeyCode::Down);
    let id = press(&mut m, Key::ch('s'))[0]
        .id()
        .expect("sign-in has an id");
    let prompt = DeviceCodePrompt {
        verification_uri: "https://microsoft.com/devicelogin".into(),
        user_code: "K7QXPLMB".into(),
        message: "To sign in, use a web browser to open the page \
                  https://microsoft.com/devicelogin and enter the code K7QXPLMB."
            .into(),
        expires_at: NOW + 872,
    };
    sign_in_step(&mut m, id, SignInUpdate::DeviceCode(prompt));
    m
}

fn folders() -> Vec<FolderItem> {
    vec![
        folder("f-inbox", "Inbox", Some("inbox"), 0, 7),
        folder("f-alerts", "Alerts", None, 1, 3),
        folder("f-vendors", "Vendors", None, 1, 0),
        folder("f-drafts", "Drafts", Some("drafts"), 0, 0),
        folder("f-sent", "Sent Items", Some("sentitems"), 0, 0),
        folder("f-trash", "Deleted Items", Some("deleteditems"), 0, 0),
        folder("f-junk", "Junk Email", Some("junkemail"), 0, 2),
        folder("f-archive", "Archive", Some("archive"), 0, 0),
    ]
}

/// The Inbox, newest first, a message a line: from | subject | marks. Marks: u unread,
/// `+` attachment, f flagged, `!` high and l low importance. The second one is opened in the
/// preview: it is already read, so no mark-read spinner shows.
const INBOX: &str = "\
Adele Vance       | Quarterly report draft                        | u+
Megan Bowen       | Server maintenance window on Saturday         | +!
Lee Gu            | Re: VPN certificate renewal                   | uf
Service Desk      | [INC0041] Printer on floor 3 offline          | u
Grady Archie      | Lunch on Friday?                              | l
Microsoft 365     | Your weekly Exchange Online digest            |
Alex Wilber       | Backup job srv-db01 completed with warnings   | uf!
Isaiah Langer     | Re: New starter laptop for Pradeep            |
Johanna Lorenz    | Invoice 2024-0042                             | +
Nestor Wilke      | Firewall change request CR-118                | u+
Patti Fernandez   | Re: Shared mailbox for payroll                |
Adele Vance       | Minutes: infrastructure sync                  | +
Lynne Robbins     | Out of office until Monday                    | l
Diego Siciliani   | Certificate for mail.contoso.com expires soon | uf!
Megan Bowen       | Re: Quarterly report draft                    |
Service Desk      | [INC0039] Resolved: VPN drops every hour      |
Lee Gu            | Switch firmware 9.3.12 rollout plan           | +
Miriam Graham     | Conference room display broken                |
Grady Archie      | Re: Lunch on Friday?                          | l
Alex Wilber       | Disk usage report for May                     | +
Henrietta Mueller | Access to the finance share                   |
Johanna Lorenz    | Re: Invoice 2024-0041                         |
Nestor Wilke      | Patch Tuesday: what we install this month     | f
Isaiah Langer     | Phone numbers for the new office              | +
Pradeep Gupta     | Hello from the new starter                    |
Adele Vance       | Budget for new UPS batteries                  | +
Microsoft 365     | Message center: upcoming changes              | l
Lidia Holloway    | Re: Printer toner order                       |
Megan Bowen       | Offsite backup rotation schedule              | +
Diego Siciliani   | DNS records for the new domain                |";

fn inbox() -> MessagePage {
    let rows = INBOX
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            let [from, subject, marks] = fields[..] else {
                panic!("an Inbox line is from | subject | marks: {line}")
            };
            (from, subject, marks)
        })
        .enumerate()
        .map(|(i, (from, subject, marks))| MessageRow {
            id: format!("m{i}"),
            subject: subject.into(),
            from: from.into(),
            to: String::new(),
            // About two hours apart: this morning's mail, then yesterday's.
            received: ago(i as i64 * (2 * 3600 + 7 * 60)),
            unread: marks.contains('u'),
            attachment: marks.contains('+'),
            flagged: marks.contains('f'),
            importance: if marks.contains('!') {
                Importance::High
            } else if marks.contains('l') {
                Importance::Low
            } else {
                Importance::Normal
            },
        })
        .collect();
    MessagePage { rows, more: false }
}

const MAINTENANCE: &str = "<html><body><h1>Maintenance on Saturday</h1>\
<p>Hello <b>team</b>,</p>\
<p>The mail servers and the VPN get their updates this weekend. The \
<a href=\"https://status.contoso.example\">status page</a> has the details.</p>\
<ul><li>Saturday 22:00 UTC: mail servers (about 30 min)</li>\
<li>Sunday 02:00 UTC: VPN concentrators</li></ul>\
<table><tr><td>Owner</td><td>Megan</td></tr><tr><td>Backup</td><td>Lee</td></tr></table>\
<p>Thanks,<br>Megan</p><script>alert(1)</script></body></html>";

fn person(name: &str, address: &str) -> Person {
    Person {
        name: name.into(),
        address: address.into(),
    }
}

/// The mailbox: folders, the Inbox, and an HTML message with an attachment in the preview.
fn mailbox(size: (u16, u16)) -> Model {
    let mut m = mailbox_with(size, folders(), inbox());
    code(&mut m, KeyCode::Down);
    let view = MessageView {
        id: "m1".into(),
        subject: inbox().rows[1].subject.clone(),
        from: Some(person("Megan Bowen", "megan@contoso.com")),
        to: vec![person("IT team", "it@contoso.com")],
        cc: vec![],
        reply_to: vec![],
        received: "2024-05-28T15:07:00Z".into(),
        body: graphmail::graph::html_to_text(MAINTENANCE),
        attachments: vec![AttachmentRow {
            id: "a1".into(),
            name: "schedule.pdf".into(),
            size: 48_213,
            content_type: "application/pdf".into(),
            is_file: true,
        }],
    };
    open_selected(&mut m, Box::new(view));
    m
}

/// A new message being written, over the mailbox.
fn compose(size: (u16, u16)) -> Model {
    let mut m = mailbox_with(size, folders(), inbox());
    compose_new(
        &mut m,
        "alex@contoso.com",
        "it@contoso.com",
        "Disk alert on srv-db01",
        "Hi Alex,",
    );
    enter(&mut m);
    enter(&mut m);
    type_text(
        &mut m,
        "the data disk on srv-db01 is 94% full since last night's backup.",
    );
    enter(&mut m);
    type_text(&mut m, "Can you move the old dumps to the archive share?");
    enter(&mut m);
    enter(&mut m);
    type_text(&mut m, "Thanks, Ana");
    m
}
