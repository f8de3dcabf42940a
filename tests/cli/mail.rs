//! Reading commands of `graphmail mail` end to end against the emulator, human and JSON: the
//! folder tree, listings (folder paths, unread, search, every page), the seeded hostile
//! messages printed inert, non-ASCII text, the 1 MB body, and attachments saved byte-identical.

use crate::support::emulated::Emulated;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

const HOSTILE: &str =
    "\u{1b}[2J\u{1b}[HURGENT: \u{1b}]0;pwned\u{7}verify your account\u{1b}[5m now\u{1b}[0m";
const BIDI: &str = "Your invoice \u{202e}fdp.exe\u{202c} is attached";
const CONTROLS: &str =
    "Bell\u{7} null\u{0} tab\t vt\u{b} ff\u{c} del\u{7f} c1:\u{85}\u{9b}31m\u{9d}0;x\u{9c}";
const BIG: &str = "Full log export (1 MB body)";
const GERMAN: &str = "Änderung der Öffnungszeiten – Grüße aus Köln";
const DIAGRAM: &str = "Network diagram for the new office";

fn rows(lines: &str) -> Vec<Value> {
    lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("line is not JSON ({e}): {l}")))
        .collect()
}

/// (total, unread) of a folder as Graph reports it.
async fn counts(s: &Emulated, folder: &str) -> (u64, u64) {
    let f = s.graph(&format!("/mailFolders/{folder}")).await;
    (
        f["totalItemCount"].as_u64().unwrap(),
        f["unreadItemCount"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_show_the_tree_with_the_counts_graph_reports() {
    let s = Emulated::start().await;
    let human = s.ok(&["folders"]).await;
    assert!(human.starts_with("FOLDER"), "{human}");
    let alerts = human.lines().find(|l| l.contains("Alerts")).unwrap();
    assert!(
        alerts.starts_with("  Alerts"),
        "children are indented: {human}"
    );
    assert!(human.lines().all(|l| l.width() <= 100), "{human}");

    let tree = s.json(&["folders"]).await;
    let tree = tree.as_array().unwrap();
    let inbox = tree.iter().find(|f| f["well_known"] == "inbox").unwrap();
    assert_eq!(inbox["name"], "Inbox");
    let (total, unread) = counts(&s, "inbox").await;
    assert_eq!(
        (inbox["total"].as_u64(), inbox["unread"].as_u64()),
        (Some(total), Some(unread))
    );
    let child = &inbox["children"][0];
    assert_eq!(child["name"], "Alerts");
    assert_eq!(child["parent_id"], inbox["id"]);
    for wk in [
        "sentitems",
        "deleteditems",
        "drafts",
        "archive",
        "junkemail",
    ] {
        assert!(tree.iter().any(|f| f["well_known"] == wk), "{wk} missing");
    }
    assert_eq!(inbox.as_object().unwrap().len(), 7, "{inbox}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_hostile_subjects_inert_and_json_keeps_them_exact() {
    let s = Emulated::start().await;
    let human = s.ok(&["list", "--folder", "inbox", "--all"]).await;
    crate::support::mail::assert_contains(&human, "^[[2J^[[HURGENT");
    crate::support::mail::assert_contains(&human, "Your invoice <U+20");
    crate::support::mail::assert_contains(&human, "Bell^G null^@");
    crate::support::mail::assert_contains(&human, "Änderung der");
    assert!(human.lines().all(|l| l.width() <= 100), "fits 100 columns");

    let all = rows(
        &s.ok(&["list", "--folder", "inbox", "--all", "--json"])
            .await,
    );
    let (total, _) = counts(&s, "inbox").await;
    assert_eq!(all.len() as u64, total);
    for subject in [HOSTILE, BIDI, CONTROLS, GERMAN] {
        let row = all.iter().find(|r| r["subject"] == subject);
        assert!(row.is_some(), "{subject:?} missing from the JSON listing");
    }
    let hostile = all.iter().find(|r| r["subject"] == HOSTILE).unwrap();
    assert_eq!(hostile["from"]["name"], "\u{1b}[31mSecurity\u{1b}[0m Team");
    assert_eq!(hostile["from"]["address"], "security@phish.example");
    let mut keys: Vec<&str> = hostile
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "from",
            "has_attachments",
            "id",
            "importance",
            "is_read",
            "received",
            "subject"
        ]
    );
    let received: Vec<&str> = all
        .iter()
        .map(|r| r["received"].as_str().unwrap())
        .collect();
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_options_pick_a_folder_path_unread_mail_a_search_and_a_count() {
    let s = Emulated::start().await;
    let alerts = rows(
        &s.ok(&[
            "list",
            "--folder",
            "Inbox/Alerts",
            "--top",
            "1000",
            "--json",
        ])
        .await,
    );
    let (alerts_total, _) = {
        let tree = s.graph("/mailFolders/inbox/childFolders").await;
        let id = tree["value"][0]["id"].as_str().unwrap().to_owned();
        counts(&s, &id).await
    };
    assert_eq!(alerts.len() as u64, alerts_total);
    assert!(
        alerts
            .iter()
            .any(|r| r["subject"] == "Backup job MAILBOX-DB01 failed")
    );
    // A display name alone, in any case, finds the nested folder too.
    let by_name = rows(
        &s.ok(&["list", "--folder", "alerts", "--top", "1000", "--json"])
            .await,
    );
    assert_eq!(by_name.len(), alerts.len());

    let unread = rows(
        &s.ok(&["list", "--folder", "inbox", "--unread", "--all", "--json"])
            .await,
    );
    let (_, inbox_unread) = counts(&s, "inbox").await;
    assert_eq!(unread.len() as u64, inbox_unread);
    assert!(unread.iter().all(|r| r["is_read"] == false));

    let top = rows(&s.ok(&["list", "--top", "3", "--json"]).await);
    assert_eq!(top.len(), 3, "one object per line, as with --all");

    let found = rows(
        &s.ok(&["list", "--search", "from:phish.example", "--json"])
            .await,
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().any(|r| r["subject"] == HOSTILE));
    let german = rows(&s.ok(&["list", "--search", "Köln", "--json"]).await);
    assert!(german.iter().any(|r| r["subject"] == GERMAN));
    let unread_found = rows(
        &s.ok(&[
            "list",
            "--search",
            "subject:\"alert\"",
            "--unread",
            "--json",
        ])
        .await,
    );
    assert!(
        unread_found.iter().all(|r| r["is_read"] == false),
        "{unread_found:?}"
    );

    let (code, _, err) = s.mail(&["list", "--folder", "Nowhere"]).await;
    assert_eq!(code, 1);
    crate::support::mail::assert_contains(&err, "no folder called 'Nowhere'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_the_hostile_messages_prints_them_inert() {
    let s = Emulated::start().await;
    let id = s.id_of(HOSTILE);
    let human = s.ok(&["read", &id]).await;
    crate::support::mail::assert_contains(
        &human,
        "Subject:  ^[[2J^[[HURGENT: ^[]0;pwned^Gverify your account^[[5m now^[[0m",
    );
    crate::support::mail::assert_contains(
        &human,
        "From:     ^[[31mSecurity^[[0m Team <security@phish.example>",
    );
    crate::support::mail::assert_contains(
        &human,
        "Click here^[]8;;https://phish.example/login^[\\to keep your mailbox",
    );
    crate::support::mail::assert_contains(&human, "^[[?1049h^[[?25l");

    let json = s.json(&["read", &id]).await;
    assert_eq!(json["subject"], HOSTILE, "JSON keeps the data, escaped");
    assert!(
        json["body_text"]
            .as_str()
            .unwrap()
            .contains("\u{1b}[?1049h")
    );
    assert_eq!(json["to"][0]["address"], s.user().upn.as_str());

    let human = s.ok(&["read", &s.id_of(BIDI)]).await;
    crate::support::mail::assert_contains(
        &human,
        "Open the attachment <U+202E>gnp.scr<U+202C> to see it.",
    );
    crate::support::mail::assert_contains(&human, "<U+2066>isolate<U+2069>");

    let human = s.ok(&["read", &s.id_of(CONTROLS)]).await;
    crate::support::mail::assert_contains(&human, "<U+009B>31m<U+009D>0;x<U+009C>");
    crate::support::mail::assert_contains(&human, "C0: ^A^B^C^D^E^F^G^N^O^P^Z^\\^_");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_megabyte_body_and_non_ascii_text_arrive_whole() {
    let s = Emulated::start().await;
    let id = s.id_of(BIG);
    let human = s.ok(&["read", &id]).await;
    assert!(
        human.len() > 1 << 20,
        "the whole body is printed ({} bytes)",
        human.len()
    );
    assert!(human.contains("Daten: äöüß 数据 بيانات"));
    let json = s.json(&["read", &id]).await;
    assert!(json["body_text"].as_str().unwrap().len() >= 1 << 20);

    let human = s.ok(&["read", &s.id_of(GERMAN)]).await;
    crate::support::mail::assert_contains(&human, &format!("Subject:  {GERMAN}"));
    let arabic = "اجتماع مراجعة الميزانية يوم الأحد";
    let json = s.json(&["read", &s.id_of(arabic)]).await;
    assert_eq!(json["subject"], arabic);
    assert!(
        !json["body_text"].as_str().unwrap().contains('<'),
        "HTML came back as text"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_body_is_text_unless_raw_html_is_asked_for() {
    let s = Emulated::start().await;
    let id = s.id_of("Quarterly access review — action needed by Friday");
    let text = s.ok(&["read", &id]).await;
    assert!(!text.contains("<p>") && !text.contains("</"), "{text}");
    let raw = s.ok(&["read", &id, "--raw-html"]).await;
    crate::support::mail::assert_contains(&raw, "</");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_listed_and_saved_byte_identical() {
    let s = Emulated::start().await;
    let id = s.id_of(DIAGRAM);
    let held: Vec<(String, Vec<u8>)> = {
        let boxes = s.emu.running.state.mail.lock();
        boxes[0]
            .get(&id)
            .unwrap()
            .attachments
            .iter()
            .map(|a| (a.name.clone(), a.bytes.to_vec()))
            .collect()
    };
    let human = s.ok(&["attachments", &id]).await;
    crate::support::mail::assert_contains_all(&human, &["dublin-office-network.png", "1.5 MB"]);
    let json = s.json(&["attachments", &id]).await;
    assert_eq!(json[0]["size"], 1_572_864);
    assert_eq!(json[0]["content_type"], "image/png");
    let read = s.json(&["read", &id]).await;
    assert_eq!(read["attachments"].as_array().unwrap().len(), held.len());

    let dir = s.vault.path().join("saved");
    let dir_s = dir.to_str().unwrap();
    let out = s.ok(&["attachments", &id, "--save", dir_s]).await;
    crate::support::mail::assert_contains(&out, "dublin-office-network.png");
    for (name, bytes) in &held {
        let saved = std::fs::read(dir.join(name)).unwrap();
        assert!(
            saved == *bytes,
            "{name}: the saved bytes differ from the emulator's"
        );
    }
    // Saving again keeps the first files and writes numbered ones.
    let json = s.json(&["attachments", &id, "--save", dir_s]).await;
    assert!(
        json[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("dublin-office-network (1).png")
    );
    assert_eq!(json[0]["size"], 1_572_864);
}

/// `graphmail ARGS | cat`: the real binary on a pipe, with `COLUMNS` set to `columns` or unset.
async fn piped(s: &Emulated, args: &[&str], columns: Option<&str>) -> String {
    let mut cmd = s.vault.cmd();
    cmd.args(args);
    match columns {
        Some(c) => cmd.env("COLUMNS", c),
        None => cmd.env_remove("COLUMNS"),
    };
    let (code, out, err) = tokio::task::spawn_blocking(move || crate::support::mail::run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(code, 0, "{err}");
    String::from_utf8(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_pipe_tables_keep_every_value_whole() {
    const LONG: &str = "Major update: Exchange Online retires Basic authentication for SMTP AUTH";
    let s = Emulated::start().await;
    // Narrow on purpose: the subject is cut to fit, so the check below can fail.
    let narrow = piped(&s, &["mail", "list", "--top", "50"], Some("60")).await;
    assert!(!narrow.contains(LONG), "{narrow}");
    let whole = piped(&s, &["mail", "list", "--top", "50"], None).await;
    crate::support::mail::assert_contains(&whole, LONG);
    assert!(!whole.contains('…'), "nothing is cut on a pipe:\n{whole}");

    let narrow = piped(&s, &["connector", "list"], Some("40")).await;
    assert!(narrow.contains('…'), "{narrow}");
    let whole = piped(&s, &["connector", "list"], None).await;
    assert!(!whole.contains('…'), "nothing is cut on a pipe:\n{whole}");
    let tenant = s.emu.seed().tenant.id.clone();
    crate::support::mail::assert_contains(&whole, &tenant);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_list_lists_the_inbox_unless_every_folder_is_asked_for() {
    const SENT: &str = "Re: Quarterly access review";
    const ARCHIVED: &str = "Übergabeprotokoll Rechenzentrum Düsseldorf";
    let s = Emulated::start().await;
    let subjects = |lines: String| -> Vec<String> {
        rows(&lines)
            .iter()
            .map(|r| r["subject"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let default = subjects(s.ok(&["list", "--all", "--json"]).await);
    let inbox = subjects(
        s.ok(&["list", "--folder", "inbox", "--all", "--json"])
            .await,
    );
    assert_eq!(default, inbox, "no --folder means the Inbox");
    assert!(!default.iter().any(|t| t == SENT || t == ARCHIVED));
    let every = subjects(s.ok(&["list", "--every-folder", "--all", "--json"]).await);
    assert!(every.iter().any(|t| t == SENT), "{every:?}");
    assert!(every.iter().any(|t| t == ARCHIVED), "{every:?}");
    // A search, as in Outlook, looks in every folder.
    let found = subjects(s.ok(&["list", "--search", "Düsseldorf", "--json"]).await);
    assert!(found.iter().any(|t| t == ARCHIVED), "{found:?}");
    let (code, _, err) = s
        .mail(&["list", "--every-folder", "--folder", "inbox"])
        .await;
    assert_eq!(code, 2, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sent_items_name_the_recipients_instead_of_the_sender() {
    let s = Emulated::start().await;
    // By its well-known name and by its display name.
    for folder in ["sentitems", "Sent Items"] {
        let json = rows(&s.ok(&["list", "--folder", folder, "--json"]).await);
        assert!(!json.is_empty(), "{folder} has mail");
        let human = piped(&s, &["mail", "list", "--folder", folder], None).await;
        let header = human.lines().next().unwrap();
        assert!(
            header.contains(" TO ") && !header.contains("FROM"),
            "{folder}: {header}"
        );
        for m in json.iter().filter(|m| m["to"].as_array().is_some()) {
            let to = m["to"].as_array().unwrap();
            let first = match to[0]["name"].as_str().unwrap_or_default() {
                "" => to[0]["address"].as_str().unwrap(),
                name => name,
            };
            let shown = match to.len() {
                1 => first.to_string(),
                n => format!("{first} +{}", n - 1),
            };
            let id = m["id"].as_str().unwrap();
            let line = human.lines().find(|l| l.ends_with(id)).unwrap();
            assert!(line.contains(&shown), "{folder}: {shown} in {line}");
        }
        assert!(
            json.iter().any(|m| m["to"].as_array().is_some()),
            "{folder}: the recipients were asked for: {json:?}"
        );
    }
    // The Inbox lists senders and does not ask Graph for the recipients.
    let inbox = rows(&s.ok(&["list", "--json"]).await);
    assert!(inbox.iter().all(|m| m.get("to").is_none()), "{inbox:?}");
    let header = s.ok(&["list"]).await;
    assert!(header.starts_with("FLAGS  RECEIVED"), "{header}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_pick_what_the_tables_show_and_unknown_names_are_refused() {
    let s = Emulated::start().await;
    let listed = piped(&s, &["mail", "list", "--columns", "subject,to,id"], None).await;
    let header = listed.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["SUBJECT", "TO", "ID"]
    );
    let (code, _, err) = s.mail(&["list", "--columns", "subject,sender"]).await;
    assert_eq!(code, 2, "{err}");
    for name in ["flags", "received", "from", "to", "subject", "id"] {
        assert!(err.contains(name), "the valid names are listed: {err}");
    }

    let connectors = piped(
        &s,
        &["connector", "list", "--columns", "client-id,name"],
        None,
    )
    .await;
    let app = s.public_app().client_id;
    assert_eq!(
        connectors.lines().collect::<Vec<_>>(),
        [format!("{:<38}NAME", "CLIENT ID"), format!("{app}  ops")]
    );
    let (code, _, err) = s
        .cli(&["connector", "list", "--columns", "colour"], None)
        .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("signed-in") && err.contains("mailbox"),
        "{err}"
    );

    let (code, help, _) = s.mail(&["list", "--help"]).await;
    assert_eq!(code, 0);
    crate::support::mail::assert_contains(
        &String::from_utf8(help).unwrap(),
        "FLAGS: * unread, @ has attachments, ! high importance",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_save_to_the_download_folder_by_default_and_say_the_whole_path() {
    let s = Emulated::start().await;
    let id = s.id_of(DIAGRAM);
    let home = s.vault.path().join("home");
    let config = home.join(".config");
    std::fs::create_dir_all(&config).unwrap();
    let save = |args: &[&str], cwd: &std::path::Path| {
        let mut cmd = s.vault.cmd();
        cmd.args(["mail", "attachments", &id, "--save"])
            .args(args)
            .current_dir(cwd)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &config);
        let (code, out, err) = crate::support::mail::run(&mut cmd);
        assert_eq!(code, 0, "{err}");
        String::from_utf8(out).unwrap()
    };
    // The XDG download folder, as user-dirs.dirs names it.
    std::fs::write(
        config.join("user-dirs.dirs"),
        "XDG_DOWNLOAD_DIR=\"$HOME/Downloads\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(home.join("Downloads")).unwrap();
    let out = save(&[], &home);
    let downloads = home.join("Downloads").join("dublin-office-network.png");
    crate::support::mail::assert_contains(&out, &format!("saved {}", downloads.display()));
    assert!(downloads.is_file());
    // Again: the first file stays, the second gets a number.
    let again = save(&[], &home);
    let numbered = home.join("Downloads").join("dublin-office-network (1).png");
    crate::support::mail::assert_contains(&again, &format!("saved {}", numbered.display()));
    assert_eq!(
        std::fs::read(&downloads).unwrap(),
        std::fs::read(&numbered).unwrap()
    );
    // No download folder configured: the home folder.
    std::fs::remove_file(config.join("user-dirs.dirs")).unwrap();
    let out = save(&[], &home);
    let in_home = home.join("dublin-office-network.png");
    crate::support::mail::assert_contains(&out, &format!("saved {}", in_home.display()));
    // A relative folder is reported by its absolute path.
    let out = save(&["here"], &home);
    let here = home.join("here").join("dublin-office-network.png");
    crate::support::mail::assert_contains(&out, &format!("saved {}", here.display()));
}
