//! `graphmail demo` plays the browser for an authorization-code sign-in: it opens the
//! authorize URL on the built-in emulator, submits the sign-in form (and a consent page, if one
//! follows) as the demo user, and hands back the address the browser would be sent to, which
//! reaches the waiting sign-in as if it had been pasted.

use secrecy::{ExposeSecret, SecretString};

/// The value of `name="…"` inside one HTML tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].replace("&amp;", "&"))
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("<form")?;
    let end = html[start..].find('>')? + start;
    attr(&html[start..end], "action")
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            tag.contains("type=\"hidden\"")
                .then(|| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
                .flatten()
        })
        .collect()
}

/// The demo's browser: no redirects followed (the last one is the answer), no proxy (the
/// emulator is on loopback), and 30 s for a page, which the emulator answers at once.
fn browser() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| format!("no HTTP client ({e})"))
}

/// Enters `user_code` on the device-login page at `url` and signs in there as `upn`, as the
/// person at the browser would; the waiting sign-in then sees the code approved.
pub async fn approve_device(
    url: &str,
    user_code: &str,
    upn: &str,
    password: &SecretString,
) -> Result<(), String> {
    let http = browser()?;
    let form = [
        ("user_code", user_code),
        ("login", upn),
        ("passwd", password.expose_secret()),
        ("action", "approve"),
    ];
    let resp = http
        .post(url)
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("the code page did not answer ({e})"))?;
    let status = resp.status();
    let page = resp
        .text()
        .await
        .map_err(|e| format!("the code page did not load ({e})"))?;
    // The page says "signed in" on success and shows the form again with an alert otherwise.
    if status.is_success() && !page.contains("role=\"alert\"") {
        Ok(())
    } else {
        Err(format!("the code page refused the sign-in ({status})"))
    }
}

/// Signs in on the authorize page at `url` as `upn` and returns the redirect address (the
/// loopback listener's, with the code). The error says which step went wrong.
pub async fn approve(url: &str, upn: &str, password: &SecretString) -> Result<String, String> {
    let http = browser()?;
    let base =
        reqwest::Url::parse(url).map_err(|_| "the authorize URL is not a URL".to_string())?;
    let page = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("the authorize page did not load ({e})"))?;
    let mut html = page
        .text()
        .await
        .map_err(|e| format!("the authorize page did not load ({e})"))?;
    let mut answers = vec![
        ("login".to_string(), upn.to_string()),
        ("passwd".to_string(), password.expose_secret().to_string()),
        ("action".to_string(), "signin".to_string()),
    ];
    for _ in 0..3 {
        let mut form = hidden_fields(&html);
        form.retain(|(k, _)| !answers.iter().any(|(a, _)| a == k));
        form.extend(answers.iter().cloned());
        let action = form_action(&html).unwrap_or_else(|| url.to_string());
        let target = base
            .join(&action)
            .map_err(|_| "the sign-in form has no usable address".to_string())?;
        let resp = http
            .post(target)
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("the sign-in form was not accepted ({e})"))?;
        if resp.status().is_redirection() {
            return resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| "the sign-in ended without a redirect".to_string());
        }
        if !resp.status().is_success() {
            return Err(format!("the sign-in page answered {}", resp.status()));
        }
        html = resp
            .text()
            .await
            .map_err(|e| format!("the sign-in page did not load ({e})"))?;
        answers = vec![("consent".to_string(), "yes".to_string())];
    }
    Err("the sign-in pages did not end in a redirect".to_string())
}
