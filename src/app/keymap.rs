//! One key table drives dispatch, the footer hints and the `?` help.
//!
//! Defaults come from `assets/keymap.toml`; a user file is merged over them: an entry replaces
//! the keys of the same context + action. Unknown contexts, actions or keys and a key bound twice
//! in one context are refused with a message naming the entry.

use serde::Deserialize;
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

use super::keys::Key;

const DEFAULTS: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies. Lookup walks from the most specific context to `Global`. The
/// names (lower case) are the `context` values of the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "lowercase")]
pub enum Context {
    Global,
    List,
    Wizard,
    Picker,
    SignIn,
    Unlock,
    Dialog,
    /// An error dialog: read, then close.
    Message,
    Help,
    /// The mailbox: folders, message list, preview.
    Mailbox,
    /// A one-line prompt or the folder picker over the mailbox.
    Prompt,
    /// Writing a mail.
    Compose,
    /// The app-registration guide over the list or the wizard.
    Guide,
}

impl Context {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Connectors",
            Context::Wizard => "Wizard",
            Context::Picker => "Permissions",
            Context::SignIn => "Sign-in",
            Context::Unlock => "Vault",
            Context::Dialog => "Dialog",
            Context::Message => "Message",
            Context::Help => "Help",
            Context::Mailbox => "Mailbox",
            Context::Prompt => "Prompt",
            Context::Compose => "Compose",
            Context::Guide => "App registration guide",
        }
    }

    /// The actions a binding in this context may run.
    fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Context::Global => &[Quit, Help],
            Context::List => &[
                Up, Down, Add, Edit, Delete, SignIn, SignOut, Test, Open, Refresh, Guide,
                LockAgent, Quit,
            ],
            Context::Wizard => &[
                NextStep, PrevStep, NextField, PrevField, ChooseNext, ChoosePrev, Cancel, Guide,
            ],
            Context::Picker => &[Toggle, Up, Down],
            Context::SignIn => &[
                Copy,
                ShowUrl,
                NextField,
                Confirm,
                Retry,
                Cancel,
                DemoApprove,
            ],
            Context::Unlock => &[Confirm, NextField, Quit],
            Context::Dialog => &[Confirm, Cancel],
            Context::Message => &[Close],
            Context::Help => &[Close, Up, Down, PageUp, PageDown, Top, Bottom],
            Context::Mailbox => &[
                Up, Down, PageUp, PageDown, Top, Bottom, NextPane, PrevPane, Open, Back, Search,
                UnreadOnly, Refresh, MarkRead, Move, Delete, Save, Reply, ReplyAll, Forward,
                NewMail, Toggle, SelectAll, Quit,
            ],
            Context::Prompt => &[Confirm, Cancel, Up, Down, NextField],
            Context::Compose => &[Send, NextField, PrevField, Cancel, EditBody],
            Context::Guide => &[Close, Up, Down, PageUp, PageDown, Top, Bottom, Copy],
        }
    }
}

/// What a key does. The names (snake case) are the `run` values of the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    Add,
    Edit,
    Delete,
    SignIn,
    Test,
    Open,
    Refresh,
    NextStep,
    PrevStep,
    NextField,
    PrevField,
    ChooseNext,
    ChoosePrev,
    Cancel,
    Toggle,
    Copy,
    Confirm,
    Retry,
    Close,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    Back,
    Search,
    UnreadOnly,
    MarkRead,
    Move,
    Save,
    Reply,
    ReplyAll,
    Forward,
    NewMail,
    Send,
    /// Write the body in the user's own editor (`$VISUAL`, `$EDITOR`).
    EditBody,
    /// `graphmail demo` only: approve the authorize URL as the demo user.
    DemoApprove,
    /// Show the sign-in URL alone on a clean screen, whole and unwrapped.
    ShowUrl,
    /// Open the app-registration guide.
    Guide,
    /// Make the session agent forget the vault key, and lock the app.
    LockAgent,
    /// Forget the connector's tokens: it needs a sign-in again.
    SignOut,
    /// Mark every listed message (all of a search's results), or none.
    SelectAll,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One binding of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
    /// The short label of the footer; `None` keeps the binding out of the footer.
    pub hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    context: String,
    on: Vec<String>,
    run: String,
    desc: Option<String>,
    hint: Option<String>,
}

impl Keymap {
    /// The built-in table.
    #[expect(
        clippy::expect_used,
        reason = "the defaults are compiled in and a unit test parses them"
    )]
    pub fn defaults() -> Keymap {
        // The defaults are compiled in and covered by a test, so this cannot fail at run time.
        Keymap::parse(DEFAULTS, "the built-in keymap", None).expect("built-in keymap is valid")
    }

    /// The defaults with a user file's text merged over them. `origin` names the file in errors.
    pub fn with_user(text: &str, origin: &str) -> Result<Keymap, String> {
        Keymap::parse(text, origin, Some(Keymap::defaults()))
    }

    fn parse(text: &str, origin: &str, base: Option<Keymap>) -> Result<Keymap, String> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| {
            format!(
                "{origin} is not a valid keymap: {}; fix the file or remove it to use the defaults",
                e.message()
            )
        })?;
        let mut bindings = base.map(|k| k.bindings).unwrap_or_default();
        for (i, entry) in file.keys.iter().enumerate() {
            let at = format!(
                "{origin}, entry {} (context \"{}\", run \"{}\")",
                i + 1,
                entry.context,
                entry.run
            );
            let context = entry.context.parse::<Context>().map_err(|_| {
                let names: Vec<_> = Context::iter().map(Context::as_str).collect();
                format!(
                    "{at}: unknown context \"{}\"; use one of {}",
                    entry.context,
                    names.join(", ")
                )
            })?;
            let action = entry
                .run
                .parse::<Action>()
                .ok()
                .filter(|a| context.actions().contains(a))
                .ok_or_else(|| {
                    let names: Vec<_> = context.actions().iter().map(|a| a.as_str()).collect();
                    format!(
                        "{at}: unknown action \"{}\" for context \"{}\"; use one of {}",
                        entry.run,
                        context.as_str(),
                        names.join(", ")
                    )
                })?;
            let keys = entry
                .on
                .iter()
                .map(|k| Key::parse(k).map_err(|e| format!("{at}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            match bindings
                .iter_mut()
                .find(|b| b.context == context && b.action == action)
            {
                Some(b) => {
                    b.keys = keys;
                    if let Some(d) = &entry.desc {
                        b.desc = d.clone();
                    }
                    if let Some(h) = &entry.hint {
                        b.hint = (!h.is_empty()).then(|| h.clone());
                    }
                }
                None => bindings.push(Binding {
                    context,
                    keys,
                    action,
                    desc: entry.desc.clone().unwrap_or_else(|| action.as_str().into()),
                    hint: entry.hint.clone().filter(|h| !h.is_empty()),
                }),
            }
            check_duplicates(&bindings, context, &at)?;
        }
        Ok(Keymap { bindings })
    }

    /// The action bound to `key`, looking through `chain` from most to least specific.
    pub fn resolve(&self, chain: &[Context], key: Key) -> Option<Action> {
        chain.iter().find_map(|ctx| {
            self.bindings
                .iter()
                .find(|b| b.context == *ctx && b.keys.contains(&key))
                .map(|b| b.action)
        })
    }

    /// Bindings of one context, in table order.
    pub fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.context == context && !b.keys.is_empty())
    }

    /// The first key of an action in a context, for hints written into screens.
    pub fn key_for(&self, context: Context, action: Action) -> Option<Key> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .and_then(|b| b.keys.first().copied())
    }

    /// The key to name in a sentence ("press {key} to …") for an action of a context, so the
    /// text stays true after a rebinding: the first key bound, a Ctrl+letter in capitals.
    pub fn key_name(&self, context: Context, action: Action) -> String {
        let Some(key) = self.key_for(context, action) else {
            return format!("<{}>", action.as_str());
        };
        shown(key)
    }
}

/// A key as screens name it: `Ctrl+S`, the letter in capitals as on the keycap.
pub fn shown(key: Key) -> String {
    let text = key.to_string();
    match text.strip_prefix("Ctrl+") {
        Some(rest) if rest.chars().count() == 1 => format!("Ctrl+{}", rest.to_uppercase()),
        _ => text,
    }
}

/// The marker a text written outside the app puts where a key belongs, for [`Keymap::fill`]:
/// `{key:list.edit}` is the key of `edit` in the connector list.
pub fn key_marker(context: Context, action: Action) -> String {
    format!("{{key:{}.{}}}", context.as_str(), action.as_str())
}

impl Keymap {
    /// `text` with each `{key:CONTEXT.ACTION}` marker replaced by the key bound now (see
    /// [`Keymap::key_name`]), so a fix written by another layer names the keys of this keymap.
    /// A marker that names no context or action is left as it is.
    pub fn fill(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("{key:") {
            out.push_str(&rest[..at]);
            let after = &rest[at + "{key:".len()..];
            let named = after.split_once('}').and_then(|(inner, tail)| {
                let (context, action) = inner.split_once('.')?;
                let context: Context = context.parse().ok()?;
                let action: Action = action.parse().ok()?;
                Some((self.key_name(context, action), tail))
            });
            match named {
                Some((key, tail)) => {
                    out.push_str(&key);
                    rest = tail;
                }
                None => {
                    out.push_str("{key:");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn check_duplicates(bindings: &[Binding], context: Context, at: &str) -> Result<(), String> {
    let in_ctx: Vec<&Binding> = bindings.iter().filter(|b| b.context == context).collect();
    for (i, a) in in_ctx.iter().enumerate() {
        for b in &in_ctx[i + 1..] {
            if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                return Err(format!(
                    "{at}: key {k} is bound to both \"{}\" and \"{}\" in context \"{}\"; give one of them another key",
                    a.action.as_str(),
                    b.action.as_str(),
                    context.as_str()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_load_and_resolve_most_specific_first() {
        let km = Keymap::defaults();
        let chain = [Context::Picker, Context::Wizard, Context::Global];
        assert_eq!(km.resolve(&chain, Key::ch(' ')), Some(Action::Toggle));
        assert_eq!(
            km.resolve(&chain, Key::new(super::super::keys::KeyCode::Enter)),
            Some(Action::NextStep)
        );
        assert_eq!(km.resolve(&chain, Key::ctrl('c')), Some(Action::Quit));
        assert_eq!(km.resolve(&[Context::List], Key::ch('z')), None);
    }

    #[test]
    fn a_user_entry_replaces_the_keys_of_its_action() {
        let km = Keymap::with_user(
            "[[keys]]\ncontext = \"list\"\non = [\"n\"]\nrun = \"add\"\n",
            "keymap.toml",
        )
        .unwrap();
        assert_eq!(
            km.resolve(&[Context::List], Key::ch('n')),
            Some(Action::Add)
        );
        assert_eq!(km.resolve(&[Context::List], Key::ch('a')), None);
    }

    #[test]
    fn the_key_named_in_text_follows_a_rebinding() {
        let km = Keymap::defaults();
        assert_eq!(km.key_name(Context::List, Action::Add), "a");
        assert_eq!(km.key_name(Context::Compose, Action::Send), "Ctrl+S");
        let km = Keymap::with_user(
            "[[keys]]\ncontext = \"list\"\non = [\"n\"]\nrun = \"add\"\n\n[[keys]]\ncontext = \"compose\"\non = [\"f5\"]\nrun = \"send\"\n",
            "keymap.toml",
        )
        .unwrap();
        assert_eq!(km.key_name(Context::List, Action::Add), "n");
        assert_eq!(km.key_name(Context::Compose, Action::Send), "F5");
    }

    #[test]
    fn every_action_and_context_name_reads_back() {
        for a in Action::iter() {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert_eq!("sign_in".parse::<Action>(), Ok(Action::SignIn));
        assert_eq!("signin".parse::<Context>(), Ok(Context::SignIn));
        assert_eq!("lock_agent".parse::<Action>(), Ok(Action::LockAgent));
    }

    #[test]
    fn an_unknown_action_is_refused_naming_the_entry() {
        let err = Keymap::with_user(
            "[[keys]]\ncontext = \"list\"\non = [\"n\"]\nrun = \"frobnicate\"\n",
            "keymap.toml",
        )
        .unwrap_err();
        assert!(err.contains("keymap.toml, entry 1"), "{err}");
        assert!(err.contains("unknown action \"frobnicate\""), "{err}");
        assert!(err.contains("add"), "lists the valid actions: {err}");
    }

    #[test]
    fn a_key_bound_twice_in_one_context_is_refused() {
        let err = Keymap::with_user(
            "[[keys]]\ncontext = \"list\"\non = [\"d\"]\nrun = \"sign_in\"\n",
            "keymap.toml",
        )
        .unwrap_err();
        assert!(err.contains("key d is bound to both"), "{err}");
        assert!(err.contains("delete") && err.contains("sign_in"), "{err}");
    }

    #[test]
    fn unknown_contexts_keys_and_fields_are_refused() {
        let err = Keymap::with_user(
            "[[keys]]\ncontext = \"lst\"\non = [\"d\"]\nrun = \"add\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert!(err.contains("unknown context \"lst\""), "{err}");
        let err = Keymap::with_user(
            "[[keys]]\ncontext = \"list\"\non = [\"ctrl+space bar\"]\nrun = \"add\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert!(err.contains("unknown key"), "{err}");
        let err = Keymap::with_user("[[keys]]\ncontext = 3\n", "k.toml").unwrap_err();
        assert!(err.contains("k.toml is not a valid keymap"), "{err}");
    }

    #[test]
    fn markers_in_fixes_become_the_keys_bound_now() {
        let km = Keymap::defaults();
        for text in [
            crate::error::SIGN_IN_IN_APP,
            crate::error::SIGN_IN_AGAIN_IN_APP,
            crate::error::EDIT_IN_APP,
        ] {
            let filled = km.fill(text);
            assert!(!filled.contains("{key:"), "every marker resolves: {filled}");
        }
        assert_eq!(
            km.fill(&format!(
                "press {}.",
                key_marker(Context::List, Action::SignIn)
            )),
            "press s."
        );
        assert_eq!(
            km.fill("{key:nowhere.edit} {key:"),
            "{key:nowhere.edit} {key:"
        );
    }
}
