//! The user's own editor for a mail's text: `$VISUAL`, else `$EDITOR`, else `vi`, run on a
//! private temporary file (0600 in a 0700 folder) that is removed afterwards, whatever happens.
//!
//! The variables may hold arguments (`code --wait`, `vim -u NONE`): they are split as a shell
//! splits words, and the file's path is added last.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, ExitStatus};

use crate::bounded;
use crate::error::UserError;

/// The editor run when neither `VISUAL` nor `EDITOR` is set.
pub const DEFAULT: &str = "vi";

/// The file's name in its private folder: `.txt` so editors open it as plain text.
const FILE_NAME: &str = "graphmail-body.txt";

/// The editor to run: a program and its arguments, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub program: String,
    pub args: Vec<String>,
    /// `VISUAL`, `EDITOR`, or `None` for the default.
    pub from: Option<&'static str>,
}

/// Why the text could not be edited.
#[derive(Debug)]
pub enum EditError {
    /// The variable's quotes do not close, or it holds only spaces around quotes.
    Unparsable {
        var: &'static str,
    },
    /// The program could not be started (not installed, not executable).
    NotStarted {
        editor: Editor,
        error: io::Error,
    },
    /// The editor ended with a failure status (e.g. `:cq` in vim): the text is not taken.
    Failed {
        editor: Editor,
        status: ExitStatus,
    },
    /// The temporary file could not be made, written or read back.
    File(io::Error),
    TooLarge {
        limit: u64,
    },
    NotUtf8,
}

impl Editor {
    /// The editor the environment names.
    pub fn from_env() -> Result<Editor, EditError> {
        let var = |name| std::env::var(name).ok();
        Editor::choose(var("VISUAL"), var("EDITOR"))
    }

    /// `visual` when set and not blank, else `editor`, else [`DEFAULT`].
    pub fn choose(visual: Option<String>, editor: Option<String>) -> Result<Editor, EditError> {
        let chosen = [("VISUAL", visual), ("EDITOR", editor)]
            .into_iter()
            .find_map(|(name, value)| value.filter(|v| !v.trim().is_empty()).map(|v| (name, v)));
        let Some((var, value)) = chosen else {
            return Ok(Editor {
                program: DEFAULT.into(),
                args: Vec::new(),
                from: None,
            });
        };
        let mut words = shlex::split(&value)
            .filter(|w| !w.is_empty())
            .ok_or(EditError::Unparsable { var })?
            .into_iter();
        let program = words
            .next()
            .filter(|p| !p.is_empty())
            .ok_or(EditError::Unparsable { var })?;
        Ok(Editor {
            program,
            args: words.collect(),
            from: Some(var),
        })
    }

    /// The command as the user would type it, for messages.
    pub fn command_line(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|w| shlex::try_quote(w).map_or_else(|_| w.clone(), |q| q.into_owned()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the editor on `text` and returns what the file holds when it exits with success.
    /// The editor has the terminal: the caller hands it over first.
    pub fn edit(&self, text: &str) -> Result<String, EditError> {
        let dir = private_dir().map_err(EditError::File)?;
        let path = dir.path().join(FILE_NAME);
        write_new(&path, text).map_err(EditError::File)?;
        let status = self.run(&path)?;
        if !status.success() {
            return Err(EditError::Failed {
                editor: self.clone(),
                status,
            });
        }
        let bytes = bounded::read_file(&path, bounded::BODY_LIMIT).map_err(|e| match e {
            bounded::ReadError::TooLarge { limit } => EditError::TooLarge { limit },
            bounded::ReadError::Io(e) => EditError::File(e),
        })?;
        String::from_utf8(bytes.to_vec()).map_err(|_| EditError::NotUtf8)
        // `dir` is dropped here, and on every early return: the folder and file are removed.
    }

    /// Waits for the editor: the user's own time, so no deadline (a hangup ends the editor).
    fn run(&self, path: &Path) -> Result<ExitStatus, EditError> {
        Command::new(&self.program)
            .args(&self.args)
            .arg(OsStr::new(path))
            .status()
            .map_err(|error| EditError::NotStarted {
                editor: self.clone(),
                error,
            })
    }
}

/// A new 0700 folder under the temporary folder, removed when dropped.
fn private_dir() -> io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("graphmail-edit-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(crate::private::FOLDER_MODE));
    }
    builder.tempdir()
}

fn write_new(path: &Path, text: &str) -> io::Result<()> {
    let mut file = crate::private::open(
        path,
        std::fs::OpenOptions::new().write(true).create_new(true),
    )?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// The text an editor leaves, as a body: Windows and old Mac line ends become `\n`, and the
/// newline editors add at the end is dropped.
pub fn body_from(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.trim_end_matches('\n').to_string()
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Unparsable { var } => {
                write!(
                    f,
                    "${var} cannot be read as a command: a quote is not closed"
                )
            }
            EditError::NotStarted { editor, error } => {
                let why = match error.kind() {
                    io::ErrorKind::NotFound => "there is no such program".to_string(),
                    io::ErrorKind::PermissionDenied => "it is not executable".to_string(),
                    other => other.to_string(),
                };
                write!(
                    f,
                    "the editor `{}` ({}) cannot be started: {why}",
                    editor.command_line(),
                    source(editor),
                )
            }
            EditError::Failed { editor, status } => {
                let how = match status.code() {
                    Some(code) => format!("with status {code}"),
                    None => "on a signal".into(),
                };
                write!(
                    f,
                    "the editor `{}` ended {how}, so its text was not taken",
                    editor.command_line()
                )
            }
            EditError::File(e) => write!(f, "the text's temporary file failed: {}", e.kind()),
            EditError::TooLarge { limit } => write!(
                f,
                "the text is larger than {}, the most Graph takes in one request",
                bounded::size(*limit)
            ),
            EditError::NotUtf8 => f.write_str("the editor saved text that is not UTF-8"),
        }
    }
}

fn source(editor: &Editor) -> String {
    match editor.from {
        Some(var) => format!("from ${var}"),
        None => "the default, as neither $VISUAL nor $EDITOR is set".into(),
    }
}

impl From<EditError> for UserError {
    fn from(e: EditError) -> UserError {
        let fix = match &e {
            EditError::Unparsable { var } => {
                format!("quote the editor's arguments as a shell would, e.g. {var}='code --wait'")
            }
            EditError::NotStarted { .. } => {
                "set EDITOR to an editor that is installed, e.g. export EDITOR=nano".into()
            }
            EditError::Failed { .. } => "save and quit the editor normally to use its text".into(),
            EditError::File(_) => "set TMPDIR to a writable folder".into(),
            EditError::TooLarge { .. } => {
                "write a shorter text, or attach the long part as a file".into()
            }
            EditError::NotUtf8 => "save the file as UTF-8 in the editor".into(),
        };
        let code = match e {
            EditError::Failed { .. } => "editor_failed",
            _ => "editor",
        };
        let in_app = matches!(
            e,
            EditError::Unparsable { .. } | EditError::NotStarted { .. }
        );
        let err = UserError::failure(code, e.to_string()).with_fix(fix);
        if in_app {
            // The app cannot change its own environment: the text can still be written in it.
            err.with_app_fix("write the text in the body here, or start graphmail with EDITOR set to an installed editor, e.g. EDITOR=nano graphmail")
        } else {
            err
        }
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.into())
    }

    #[test]
    fn visual_wins_then_editor_then_vi_and_words_split_as_a_shell_splits_them() {
        let e = Editor::choose(some("code --wait"), some("nano")).unwrap();
        assert_eq!(
            (e.program.as_str(), e.args.clone()),
            ("code", vec!["--wait".to_string()])
        );
        assert_eq!(e.from, Some("VISUAL"));
        let e = Editor::choose(some("  "), some("vim -u NONE '+set tw=72'")).unwrap();
        assert_eq!(e.program, "vim");
        assert_eq!(e.args, ["-u", "NONE", "+set tw=72"]);
        assert_eq!(e.from, Some("EDITOR"));
        let e = Editor::choose(None, None).unwrap();
        assert_eq!((e.program.as_str(), e.from), (DEFAULT, None));
        assert!(matches!(
            Editor::choose(None, some("vim 'unclosed")),
            Err(EditError::Unparsable { var: "EDITOR" })
        ));
    }

    fn script(dir: &Path, body: &str) -> Editor {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("editor.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
        Editor::choose(None, Some(path.display().to_string())).unwrap()
    }

    #[test]
    fn the_editor_gets_a_private_file_with_the_text_and_the_folder_is_gone_after() {
        let tmp = tempfile::tempdir().unwrap();
        let seen = tmp.path().join("seen");
        // The script records the file's mode, its folder's mode and content, then rewrites it.
        let editor = script(
            tmp.path(),
            &format!(
                "ls -ld \"$1\" > {s}; ls -ld \"$(dirname \"$1\")\" >> {s}; cat \"$1\" >> {s}; echo >> {s}; echo \"$(dirname \"$1\")\" >> {s}; printf 'new text\\r\\n\\n' > \"$1\"",
                s = seen.display()
            ),
        );
        let out = editor.edit("old text").unwrap();
        assert_eq!(body_from(&out), "new text");
        let seen = std::fs::read_to_string(&seen).unwrap();
        let lines: Vec<&str> = seen.lines().collect();
        assert!(
            lines[0].starts_with("-rw------- "),
            "the file is 0600: {seen}"
        );
        assert!(
            lines[1].starts_with("drwx------ "),
            "the folder is 0700: {seen}"
        );
        assert_eq!(lines[2], "old text");
        assert!(!Path::new(lines[3]).exists(), "the folder is removed");
    }

    #[test]
    fn a_failing_editor_or_a_missing_one_is_an_error_and_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let seen = tmp.path().join("seen");
        let editor = script(
            tmp.path(),
            &format!("dirname \"$1\" > {}; exit 3", seen.display()),
        );
        let err = editor.edit("x").unwrap_err();
        assert!(err.to_string().contains("status 3"), "{err}");
        let folder = std::fs::read_to_string(&seen).unwrap();
        assert!(!Path::new(folder.trim()).exists());

        let missing = Editor::choose(None, some("graphmail-no-such-editor --wait")).unwrap();
        let err = UserError::from(missing.edit("x").unwrap_err());
        assert!(
            err.message.contains("graphmail-no-such-editor --wait"),
            "{}",
            err.message
        );
        assert!(err.message.contains("from $EDITOR"), "{}", err.message);
        assert!(err.fix.unwrap().contains("EDITOR="));
    }
}
