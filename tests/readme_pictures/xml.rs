//! A small well-formedness check for the SVG we write: balanced tags, quoted attributes with
//! no duplicates, known entities only, one root element. Enough to catch a converter bug
//! without an XML parser dependency.

/// `Ok` when `doc` is well-formed XML as far as this writer's output goes.
pub fn check(doc: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = doc;
    let mut offset = 0;
    while let Some(lt) = rest.find('<') {
        let at = offset + lt;
        check_text(&rest[..lt], at)?;
        if !rest[..lt].trim().is_empty() && stack.is_empty() {
            return Err(format!("text outside the root element before byte {at}"));
        }
        let tail = &rest[lt..];
        let (end, tag) = if let Some(body) = tail.strip_prefix("<!--") {
            let e = body
                .find("-->")
                .ok_or(format!("unclosed comment at byte {at}"))?;
            (4 + e + 3, None)
        } else if tail.starts_with("<?") {
            let e = tail
                .find("?>")
                .ok_or(format!("unclosed declaration at byte {at}"))?;
            (e + 2, None)
        } else {
            let e = tag_end(tail).ok_or(format!("unclosed tag at byte {at}"))?;
            (e + 1, Some(&tail[1..e]))
        };
        if let Some(tag) = tag {
            if let Some(name) = tag.strip_prefix('/') {
                match stack.pop() {
                    Some(open) if open == name.trim() => {}
                    Some(open) => return Err(format!("</{name}> closes <{open}> at byte {at}")),
                    None => return Err(format!("</{name}> closes nothing at byte {at}")),
                }
            } else {
                let (body, empty) = match tag.strip_suffix('/') {
                    Some(b) => (b, true),
                    None => (tag, false),
                };
                let name = check_tag(body).map_err(|e| format!("{e} at byte {at}"))?;
                if stack.is_empty() {
                    roots += 1;
                }
                if !empty {
                    stack.push(name);
                }
            }
        }
        offset = at + end;
        rest = &doc[offset..];
    }
    check_text(rest, offset)?;
    if !rest.trim().is_empty() {
        return Err("text after the root element".into());
    }
    match (stack.last(), roots) {
        (Some(open), _) => Err(format!("<{open}> is never closed")),
        (None, 1) => Ok(()),
        (None, n) => Err(format!("{n} root elements")),
    }
}

/// The index of the `>` ending the tag at the start of `s`, skipping quoted values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '<') => return None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// Checks a start tag's name and attributes; returns the name.
fn check_tag(body: &str) -> Result<&str, String> {
    let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = &body[..name_end];
    if !is_name(name) {
        return Err(format!("bad element name {name:?}"));
    }
    let mut seen = Vec::new();
    let mut rest = body[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or(format!("attribute without value in <{name}>"))?;
        let attr = rest[..eq].trim();
        if !is_name(attr) || seen.contains(&attr) {
            return Err(format!("bad or repeated attribute {attr:?} in <{name}>"));
        }
        seen.push(attr);
        let value = rest[eq + 1..].trim_start();
        let q = value.chars().next().filter(|c| matches!(c, '"' | '\''));
        let q = q.ok_or(format!("unquoted attribute {attr:?} in <{name}>"))?;
        let close = value[1..].find(q).ok_or(format!("unclosed {attr:?}"))?;
        check_text(&value[1..1 + close], 0)?;
        if value[1..1 + close].contains('<') {
            return Err(format!("'<' in attribute {attr:?}"));
        }
        let after = &value[close + 2..];
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return Err(format!("no space after attribute {attr:?} in <{name}>"));
        }
        rest = after.trim_start();
    }
    Ok(name)
}

/// Character data: every `&` starts a known entity, and no character XML cannot hold.
fn check_text(text: &str, at: usize) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| {
        (*c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    }) {
        return Err(format!(
            "character {c:?} is not allowed in XML near byte {at}"
        ));
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let entity = &rest[amp + 1..];
        let semi = entity.find(';').ok_or(format!("bare '&' near byte {at}"))?;
        let name = &entity[..semi];
        let numeric = name
            .strip_prefix("#x")
            .map(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            .or_else(|| {
                name.strip_prefix('#')
                    .map(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
            })
            .unwrap_or(false);
        if !numeric && !matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            return Err(format!("unknown entity &{name}; near byte {at}"));
        }
        rest = &entity[semi + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_well_formed_documents() {
        check("<svg a=\"1\" b='2'><g><text x=\"0\">a &amp; &#60; &#x3c;</text></g><rect/></svg>\n")
            .unwrap();
        check("<?xml version=\"1.0\"?>\n<!-- c --><svg/>").unwrap();
    }

    #[test]
    fn rejects_broken_ones() {
        for bad in [
            "<svg><g></svg>",
            "<svg></g></svg>",
            "<svg>",
            "<svg/><svg/>",
            "<svg a=1/>",
            "<svg a=\"1\" a=\"2\"/>",
            "<svg>a & b</svg>",
            "<svg>a &nbsp; b</svg>",
            "<svg>a < b</svg>",
            "<svg a=\"<\"/>",
            "<svg>\u{1b}</svg>",
            "text<svg/>",
        ] {
            assert!(check(bad).is_err(), "{bad:?} passed");
        }
    }
}
