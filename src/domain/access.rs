//! What a connector's permissions allow: reading, changing and sending mail. The scopes granted
//! at sign-in decide (the requested ones stand in until the first sign-in), so an action the
//! token cannot do is refused with the fix before any request is made.

use super::Connector;
use super::permissions::Preset;

/// What an action needs from Microsoft Graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Folders, messages, attachments.
    Read,
    /// Move, delete, mark read or unread.
    Write,
    /// Send, reply, forward.
    Send,
}

impl Need {
    /// The permission that grants it.
    pub fn permission(self) -> &'static str {
        match self {
            Need::Read => "Mail.Read",
            Need::Write => "Mail.ReadWrite",
            Need::Send => "Mail.Send",
        }
    }

    /// The picker's preset that adds the permission.
    pub fn preset(self) -> Preset {
        match self {
            Need::Read => Preset::Fetch,
            Need::Write => Preset::Readwrite,
            Need::Send => Preset::Send,
        }
    }

    /// The action in words ("move, delete and mark messages").
    pub fn what(self) -> &'static str {
        match self {
            Need::Read => "read mail",
            Need::Write => "move, delete and mark messages",
            Need::Send => "send, reply and forward",
        }
    }
}

/// The permissions a connector holds, by what they allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub send: bool,
    /// `User.Read`: the signed-in user's profile (`/me`).
    pub profile: bool,
}

impl Access {
    /// Everything allowed: for a connector whose permissions are not known.
    pub const ALL: Access = Access {
        read: true,
        write: true,
        send: true,
        profile: true,
    };

    /// What `scopes` (short names or full URIs) allow.
    pub fn from_scopes<S: AsRef<str>>(scopes: &[S]) -> Access {
        let has = |want: &str| {
            scopes.iter().any(|s| {
                let s = s.as_ref();
                let short = if s.contains("://") {
                    s.rsplit('/').next().unwrap_or(s)
                } else {
                    s
                };
                short.eq_ignore_ascii_case(want)
            })
        };
        let write = has("Mail.ReadWrite");
        Access {
            read: write || has("Mail.Read") || has("Mail.ReadBasic"),
            write,
            send: has("Mail.Send"),
            profile: has("User.Read"),
        }
    }

    /// What connector `c` may do: the `granted` scopes when a sign-in reported them, else
    /// those it requests (its presets and additional scopes). A connector that requests
    /// nothing graphmail can read (none recorded) gets no verdict: everything is allowed.
    pub fn of(c: &Connector, granted: &[String]) -> Access {
        if !granted.is_empty() {
            return Access::from_scopes(granted);
        }
        if c.presets.is_empty() && c.extra_scopes.is_empty() {
            return Access::ALL;
        }
        let mut wanted: Vec<String> = c
            .presets
            .iter()
            .flat_map(|p| p.scopes().iter().map(|s| s.to_string()))
            .collect();
        wanted.extend(c.extra_scopes.iter().cloned());
        Access::from_scopes(&wanted)
    }

    pub fn allows(&self, need: Need) -> bool {
        match need {
            Need::Read => self.read,
            Need::Write => self.write,
            Need::Send => self.send,
        }
    }

    /// Why an action that needs `need` is unavailable, or `None` when it is allowed.
    pub fn refusal(&self, need: Need) -> Option<Refusal> {
        (!self.allows(need)).then_some(Refusal { need })
    }
}

/// An action the connector's permissions do not allow, with the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub need: Need,
}

impl Refusal {
    /// One sentence: what is unavailable and why.
    pub fn message(&self, connector: &str) -> String {
        format!(
            "connector {connector} cannot {} here: it lacks the {} permission",
            self.need.what(),
            self.need.permission()
        )
    }

    /// The fix said for the command line.
    pub fn cli_fix(&self, connector: &str) -> String {
        format!(
            "add the permission with `graphmail connector edit {connector} --permissions …,{}` (and in the app registration), then sign in again with `graphmail connector login {connector}`",
            self.need.preset().as_str()
        )
    }

    /// The fix said in the terminal app; `edit_key` is the key bound to editing a connector.
    pub fn app_fix(&self, edit_key: &str) -> String {
        format!(
            "needs {}: press {edit_key} to add {}, then sign in again",
            self.need.permission(),
            self.need.preset().label()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_write_covers_reading_but_not_sending() {
        let a = Access::from_scopes(&["Mail.ReadWrite", "openid"]);
        assert!(a.read && a.write && !a.send && !a.profile);
        let b = Access::from_scopes(&["https://graph.microsoft.us/Mail.Read"]);
        assert!(b.read && !b.write);
        assert!(b.refusal(Need::Write).is_some());
        assert!(b.refusal(Need::Read).is_none());
    }

    #[test]
    fn the_fix_names_the_preset_and_the_key() {
        let r = Access::from_scopes(&["Mail.Read"])
            .refusal(Need::Write)
            .expect("refused");
        assert_eq!(
            r.app_fix("e"),
            "needs Mail.ReadWrite: press e to add Read and write mail, then sign in again"
        );
        assert!(
            r.cli_fix("box").contains("readwrite"),
            "{}",
            r.cli_fix("box")
        );
        assert!(r.message("box").contains("Mail.ReadWrite"));
    }
}
