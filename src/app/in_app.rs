//! Fixes written for the command line, said as the terminal app does them: a `graphmail …`
//! command becomes the screen and key that do the same, so no dialog sends the user to a shell.

use super::keymap::{Action, Context, key_marker};

/// `text` with each backquoted `graphmail …` command replaced by where the app does it. A
/// command the app has no screen for is left as it is (the vault's own commands, say).
pub fn in_app(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("`graphmail ") {
        let after = &rest[at + 1..];
        let Some(end) = after.find('`') else { break };
        out.push_str(&rest[..at]);
        let command = &after[..end];
        match screen_for(command) {
            Some(words) => {
                // "… with `graphmail connector login X`" reads "… with the connector list's
                // sign-in key (s)".
                out.push_str(&words);
            }
            None => {
                out.push('`');
                out.push_str(command);
                out.push('`');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn screen_for(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let key = |c: Context, a: Action| key_marker(c, a);
    let said = match words.get(1..3)? {
        ["connector", "login"] => format!(
            "the connector list's sign-in key ({})",
            key(Context::List, Action::SignIn)
        ),
        ["connector", "edit"] => format!(
            "the connector list's edit key ({})",
            key(Context::List, Action::Edit)
        ),
        ["connector", "show"] | ["connector", "status"] => {
            "the connector's details (select it in the connector list)".to_string()
        }
        ["connector", "list"] => "the connector list".to_string(),
        ["connector", "test"] => format!(
            "the connector list's test key ({})",
            key(Context::List, Action::Test)
        ),
        ["mail", "folders"] => "the folder pane of the mailbox".to_string(),
        ["mail", "list"] => "the message list of the mailbox".to_string(),
        _ => return None,
    };
    Some(said)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::Keymap;

    #[test]
    fn a_command_line_fix_names_the_apps_screen_and_key() {
        let km = Keymap::defaults();
        let fix = km.fill(&in_app(
            "sign in with `graphmail connector login hr`; or check `graphmail connector show hr`",
        ));
        assert!(!fix.contains("graphmail "), "{fix}");
        assert!(fix.contains("sign-in key (s)"), "{fix}");
        assert!(fix.contains("connector's details"), "{fix}");
    }

    #[test]
    fn a_command_the_app_cannot_run_is_left_whole() {
        let text = "set a new passphrase with `graphmail vault passwd`";
        assert_eq!(in_app(text), text);
        assert_eq!(in_app("no command here"), "no command here");
        assert_eq!(in_app("a `graphmail unclosed"), "a `graphmail unclosed");
    }
}
