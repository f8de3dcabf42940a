//! Paging on after messages left the list: the service pages by offset, so a message read in
//! the unread-only view (or moved, or deleted) would make the next page skip one the user never
//! saw. The worker starts the next page as many messages earlier.

use std::time::Duration;

use crate::support::emu::{ADELE, Emu, PUBLIC_APP};
use crate::support::signin::Env;
use graphmail::app::{Cmd, EventBody, MailAction, MailQuery, MessagePage, ReqId, SignInUpdate};
use graphmail::domain::Grant;
use graphmail::domain::permissions::Preset;
use graphmail::worker::{self, Services};
use tokio::sync::mpsc;

/// Sends one command to a worker on `env`'s vault and waits for its reply.
fn ask(
    emu: &Emu,
    cmds: &mpsc::Sender<Cmd>,
    events: &mut mpsc::Receiver<graphmail::app::Event>,
    cmd: Cmd,
) -> EventBody {
    let id = cmd.id().expect("a command with an id");
    emu.rt.block_on(cmds.send(cmd)).expect("the worker runs");
    let event = emu
        .rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), events.recv()).await })
        .expect("the worker answers within 30 s")
        .expect("the worker runs");
    assert_eq!(event.id, id);
    event.body
}

fn page(body: EventBody) -> MessagePage {
    match body {
        EventBody::Messages(Ok(p)) => p,
        other => panic!("not a page: {other:?}"),
    }
}

fn ids(p: &MessagePage) -> Vec<String> {
    p.rows.iter().map(|r| r.id.clone()).collect()
}

#[test]
fn reading_messages_in_the_unread_only_view_skips_none_on_the_next_page() {
    let emu = Emu::start();
    let env = Env::new();
    let mut entry = emu.connector("ops", Grant::Ropc, PUBLIC_APP);
    entry.connector.presets = vec![Preset::Readwrite, Preset::Offline];
    entry.secrets.username = Some(ADELE.into());
    entry.secrets.password = Some(emu.password(ADELE));
    env.add(entry);
    let services = Services::without_browser(env.vault_path(), Some(env.vault()));
    let (cmds, cmd_rx) = mpsc::channel(8);
    let (event_tx, mut events) = mpsc::channel(8);
    emu.rt.spawn(worker::run(services, cmd_rx, event_tx));
    let mut ask = |cmd: Cmd| ask(&emu, &cmds, &mut events, cmd);
    let signed_in = ask(Cmd::SignIn {
        id: ReqId(1),
        name: "ops".into(),
    });
    assert!(
        matches!(signed_in, EventBody::SignIn(SignInUpdate::Finished(Ok(_)))),
        "{signed_in:?}"
    );
    let unread = |page_size: u32| MailQuery {
        folder: "inbox".into(),
        search: None,
        unread_only: true,
        page_size,
        recipients: false,
    };

    let listing = ReqId(2);
    let first = page(ask(Cmd::ListMessages {
        id: listing,
        name: "ops".into(),
        query: unread(5),
    }));
    assert_eq!(first.rows.len(), 5);
    assert!(
        first.more,
        "the demo Inbox has more than five unread messages"
    );
    // Two of them read from the list: the service's unread list is now two shorter.
    for (n, id) in ids(&first)[..2].iter().enumerate() {
        let changed = ask(Cmd::ChangeMessage {
            id: ReqId(3 + n as u64),
            name: "ops".into(),
            action: MailAction::SetRead {
                message_id: id.clone(),
                read: true,
            },
        });
        assert!(matches!(changed, EventBody::Changed(Ok(_))), "{changed:?}");
    }
    let second = page(ask(Cmd::MoreMessages {
        id: ReqId(10),
        listing,
        removed: 2,
    }));

    let everything = page(ask(Cmd::ListMessages {
        id: ReqId(11),
        name: "ops".into(),
        query: unread(1000),
    }));
    let mut seen: Vec<String> = ids(&first)[2..].to_vec();
    seen.extend(ids(&second));
    let all = ids(&everything);
    assert_eq!(
        seen,
        all[..seen.len()],
        "every unread message is listed once, in order, none skipped"
    );
}
