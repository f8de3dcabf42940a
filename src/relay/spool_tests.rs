//! The spool on disk: entries, claims, failures, the lock and the folder modes.

use super::*;

fn envelope() -> Envelope {
    Envelope {
        sender: "cron@host".into(),
        recipients: vec!["root".into()],
        received_at: 1,
        connector: None,
        auth_user: None,
        source: "sendmail".into(),
    }
}

#[test]
fn a_spool_folder_others_may_enter_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("spool");
    fs::create_dir(&root).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    let err = Spool::open(&root).expect_err("an open spool folder is refused");
    assert!(err.to_string().contains("open to other users"), "{err}");
    let mode = fs::metadata(&root).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o755,
        "graphmail did not make it, so it keeps its mode"
    );
}

#[test]
fn an_entry_round_trips_and_its_folders_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();
    let id = spool
        .enqueue(&envelope(), b"Subject: x\r\n\r\nbody\r\n")
        .unwrap();
    assert!(valid_id(&id));
    let mode = fs::metadata(spool.root().join("queue"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    let file_mode = fs::metadata(spool.path(Area::Queue, &id, "msg"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(file_mode & 0o777, 0o600);
    let mut claimed = spool.claim(&id).unwrap();
    let (env, msg) = claimed.read().unwrap();
    assert_eq!(env, envelope());
    assert_eq!(msg, b"Subject: x\r\n\r\nbody\r\n");
    assert!(spool.tmp_is_empty());
}

impl Spool {
    fn tmp_is_empty(&self) -> bool {
        fs::read_dir(self.root.join("tmp"))
            .unwrap()
            .next()
            .is_none()
    }
}

#[test]
fn a_claimed_entry_cannot_be_claimed_or_dropped_twice() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();
    let id = spool.enqueue(&envelope(), b"x").unwrap();
    let claimed = spool.claim(&id).unwrap();
    assert!(spool.claim(&id).is_none());
    assert!(spool.drop_entry(&id).is_err());
    spool.remove(claimed).unwrap();
    assert!(spool.claim(&id).is_none());
    assert!(spool.ids(Area::Queue).unwrap().is_empty());
}

#[test]
fn failed_entries_keep_their_reason_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();
    let id = spool.enqueue(&envelope(), b"x").unwrap();
    let state = DeliveryState {
        stage: Stage::Unknown {
            since: 5,
            nowhere: 1,
            sent: false,
        },
        attempts: 3,
        ..Default::default()
    };
    spool.set_state(&id, &state).unwrap();
    let claimed = spool.claim(&id).unwrap();
    spool.fail(claimed, state.clone(), "bad recipient").unwrap();
    let failed = spool.list(Area::Failed).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].state.failed_reason.as_deref(),
        Some("bad recipient")
    );
    assert!(spool.ids(Area::Queue).unwrap().is_empty());
    assert!(spool.retry(&id).unwrap());
    let back = spool.state(Area::Queue, &id);
    assert_eq!(back.stage, state.stage, "an ambiguous history is kept");
    assert_eq!(back.failed_reason, None);
    assert!(!spool.retry("no-such-id").unwrap());
}

#[test]
fn an_entry_cut_short_is_never_read_as_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();
    let id = spool
        .enqueue(&envelope(), b"Subject: x\r\n\r\nthe whole body\r\n")
        .unwrap();
    let path = spool.path(Area::Queue, &id, "msg");
    let full = fs::read(&path).unwrap();
    // As after a crash before the 250: only part of the message reached the disk.
    fs::write(&path, &full[..full.len() - 6]).unwrap();
    let err = spool.claim(&id).unwrap().read().unwrap_err();
    assert!(is_incomplete(&err), "{err}");
    assert!(spool.list(Area::Queue).unwrap().is_empty());
    assert!(
        !spool.remove_stale_incomplete(&id, 3600),
        "too young to remove"
    );
    assert!(spool.remove_stale_incomplete(&id, 0));
    assert!(spool.ids(Area::Queue).unwrap().is_empty());
}

#[test]
fn only_one_relay_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();
    assert!(!spool.relay_running());
    let held = spool.relay_lock().unwrap().unwrap();
    assert!(spool.relay_running());
    drop(held);
    assert!(!spool.relay_running());
}

#[test]
fn ids_refuse_paths() {
    assert!(!valid_id("../x"));
    assert!(!valid_id("A"));
    assert!(valid_id(&new_id()));
}
