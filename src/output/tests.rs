use super::*;

/// An argument as an attacker would pass it: a screen clear, a title change (OSC), a C1 CSI,
/// a DEL, a line separator and bidi overrides that turn `exe.png` around.
const HOSTILE: &str =
    "hr\x1b[2J\x1b]0;owned\x07\u{9b}31m\x7f\u{2028}\u{202e}gnp.exe\u{2066}x\u{2069}";

fn error_echoing(arg: &str) -> UserError {
    UserError::usage(format!("there is no connector named '{arg}'"))
        .with_fix(format!("check '{arg}' against `graphmail connector list`"))
}

/// No raw control of any kind: nothing below 0x20 but newline, no DEL, no C1, no bidi control,
/// no line or paragraph separator.
fn assert_inert(out: &str) {
    for c in out.chars() {
        let raw = (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || c == '\u{2028}'
            || c == '\u{2029}'
            || sanitize::is_bidi_control(c);
        assert!(!raw, "{c:?} reached the terminal in {out:?}");
    }
}

#[test]
fn a_hostile_argument_in_a_human_error_comes_out_inert_and_visible() {
    let mut out = Vec::new();
    write_text(&mut out, &error_echoing(HOSTILE).human()).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_inert(&out);
    assert!(out.contains("hr^[[2J^[]0;owned^G<U+009B>31m^?"), "{out}");
    assert!(out.contains("<U+202E>gnp.exe<U+2066>x<U+2069>"), "{out}");
    assert_eq!(out.lines().count(), 2, "the message and the fix: {out}");
}

#[test]
fn a_hostile_argument_in_a_json_error_is_escaped_and_reads_back_unchanged() {
    let err = error_echoing(HOSTILE);
    let mut out = Vec::new();
    write_json(&mut out, &err.to_json()).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert_inert(&text);
    for escaped in [
        r"\u001b", r"\u0007", r"\u009B", r"\u007F", r"\u2028", r"\u202E", r"\u2066",
    ] {
        assert!(text.contains(escaped), "{escaped} missing in {text}");
    }
    assert!(text.ends_with("}\n"), "one line: {text:?}");
    let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(back, err.to_json(), "a JSON reader gets the same strings");
}

#[test]
fn plain_and_non_ascii_text_passes_unchanged() {
    let value = serde_json::json!({"subject": "Grüße – 日本語 👩‍💻"});
    let mut out = Vec::new();
    write_json(&mut out, &value).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"subject\":\"Grüße – 日本語 👩‍💻\"}\n"
    );
    let mut out = Vec::new();
    write_text(&mut out, "line one\n\tline two").unwrap();
    assert_eq!(out, b"line one\n\tline two\n");
}
