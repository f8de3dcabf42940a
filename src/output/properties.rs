//! Generated cases (10,000 per property) for the sanitiser, the validators and the path every
//! echoed argument takes to the terminal. Pure functions only: they run in CI time.

use proptest::prelude::*;

use super::*;
use crate::domain::validate;

/// Characters a terminal obeys or a reader misreads, mixed with ordinary and non-ASCII text.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            '\x1b', '\x07', '\0', '\r', '\n', '\t', '\x7f', '\u{9b}', '\u{9d}', '\u{85}',
            '\u{202e}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{200f}', '\u{61c}', '\u{2028}',
            '\u{2029}', '[', ']', ';', 'm', '0', '@', '.', '%', '<', '>', 'é', '日', '😀',
        ]),
        3 => any::<char>(),
        3 => proptest::char::range('a', 'z'),
    ]
}

/// Only characters that must never reach the terminal raw: C0, DEL, C1, bidi, separators.
fn raw_control_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u8..0x20).prop_map(char::from),
        (0x7fu8..=0x9f).prop_map(char::from),
        prop::sample::select(vec![
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
        ]),
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..48).prop_map(|v| v.into_iter().collect())
}

/// True for a character that must never reach the terminal raw.
fn is_raw_control(c: char, newline_ok: bool) -> bool {
    (c.is_control() && !(newline_ok && (c == '\n' || c == '\t')))
        || c == '\u{2028}'
        || c == '\u{2029}'
        || sanitize::is_bidi_control(c)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_sanitiser_leaves_nothing_raw_and_changes_nothing_inert(s in hostile_string()) {
        let line = sanitize::line(&s);
        prop_assert!(!line.chars().any(|c| is_raw_control(c, false)), "{:?}", line);
        let text = sanitize::text(&s);
        prop_assert!(!text.chars().any(|c| is_raw_control(c, true)), "{:?}", text);
        prop_assert_eq!(sanitize::line(&line), line.clone());
        if sanitize::is_inert(&s, Layout::Line) {
            prop_assert_eq!(line.as_ref(), s.as_str());
        }
    }

    #[test]
    fn validators_refuse_every_value_with_a_control_or_bidi_character(
        before in "[a-z]{1,8}", bad in raw_control_char(), after in "[a-z]{0,8}"
    ) {
        prop_assert!(is_raw_control(bad, false));
        let address = format!("{before}{bad}{after}@contoso.com");
        prop_assert!(validate::validate_mailbox(&address).is_err(), "{:?}", address);
        let domain_hidden = format!("{before}@contoso{bad}.com");
        prop_assert!(validate::validate_mailbox(&domain_hidden).is_err());
        let id = format!("{before}{bad}{after}");
        prop_assert!(validate::check_message_id(&id).is_err());
        prop_assert!(validate::check_access_token(&id).is_err());
        // A secret is never printed: only control characters (NUL, ESC, …) are refused in it.
        if bad.is_control() {
            let secret = crate::bounded::first_line(id.as_bytes());
            prop_assert!(secret.map_or(true, |l| !l.contains(bad)), "{:?}", secret);
        }
    }

    #[test]
    fn validators_accept_what_they_should(local in "[a-z][a-z0-9._-]{0,20}", id in "[A-Za-z0-9=_-]{1,200}") {
        let address = format!("{local}@contoso.com");
        prop_assert!(validate::validate_mailbox(&address).is_ok(), "{}", address);
        prop_assert!(validate::check_message_id(&id).is_ok());
        prop_assert!(validate::check_access_token(&id).is_ok());
    }

    #[test]
    fn an_echoed_argument_reaches_the_terminal_inert_as_text_json_and_styled(arg in hostile_string()) {
        let err = UserError::usage(format!("there is no connector named '{arg}'"))
            .with_fix(format!("check '{arg}' against `graphmail connector list`"));
        let mut out = Vec::new();
        write_text(&mut out, &err.human()).unwrap();
        let out = String::from_utf8(out).unwrap();
        prop_assert!(!out.chars().any(|c| is_raw_control(c, true)), "{:?}", out);
        prop_assert_eq!(out.lines().count(), 2);

        let mut json_out = Vec::new();
        write_json(&mut json_out, &err.to_json()).unwrap();
        let json_text = String::from_utf8(json_out).unwrap();
        prop_assert!(!json_text.trim_end().chars().any(|c| is_raw_control(c, false)));
        let back: serde_json::Value = serde_json::from_str(&json_text).unwrap();
        prop_assert_eq!(back["error"]["message"].as_str(), Some(err.message.as_str()));

        // Styled: after graphmail's own colour codes, nothing raw is left.
        let styled = styled_text(&format!("\x1b[1m{arg}\x1b[0m"));
        let mut rest = styled.as_str();
        let mut plain = String::new();
        while let Some(at) = rest.find('\x1b') {
            plain.push_str(&rest[..at]);
            let len = own_colour_code(&rest[at..]);
            prop_assert!(len.is_some(), "{:?}", styled);
            rest = &rest[at + len.unwrap_or(1)..];
        }
        plain.push_str(rest);
        prop_assert!(!plain.chars().any(|c| is_raw_control(c, true)), "{:?}", styled);
    }
}
