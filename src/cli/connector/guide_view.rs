//! The app-registration guide for people: prose wrapped to the terminal, commands and URLs
//! kept whole on their lines so they can be copied as they are.

use super::view::Style;
use crate::domain::guide::{Guide, wrap_line as wrap_keeping_words};

/// Lines that must stay whole: commands and addresses.
fn verbatim(text: &str) -> bool {
    let t = text.trim_start();
    ["az ", "--", "| ", "http://", "https://", "graphmail "]
        .iter()
        .any(|p| t.starts_with(p))
}

pub fn guide_human(style: &Style, guide: &Guide) -> String {
    let mut out = String::new();
    for line in guide.lines() {
        if line.is_empty() || verbatim(&line) {
            out.push_str(&line);
            out.push('\n');
            continue;
        }
        for part in wrap_keeping_words(&line, style.width) {
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_under_its_text_and_long_words_stay_whole() {
        let lines = wrap_keeping_words(
            "   Copy the Value column now (not the Secret ID): it is shown only once.",
            40,
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert!(lines[1].starts_with("   ") && !lines[1].starts_with("    "));
        let numbered =
            wrap_keeping_words("2. Set up sign-in for the connector called ops today", 20);
        assert!(numbered[1].starts_with("   ") && !numbered[1].starts_with("    "));
        let url = "https://login.microsoftonline.com/contoso/v2.0/adminconsent?client_id=x";
        assert_eq!(wrap_keeping_words(url, 20), vec![url.to_string()]);
        assert!(verbatim("   az ad sp create --id x"));
        assert!(
            verbatim("       | graphmail connector add ops --client-secret-stdin"),
            "a piped command stays on its line so it can be pasted"
        );
        assert!(!verbatim("   Open the portal."));
    }
}
