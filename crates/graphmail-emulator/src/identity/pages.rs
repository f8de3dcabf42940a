//! The HTML a person sees: sign-in, MFA, consent, device login, and the error page.
//! Plain forms with no script, so they work in any browser (and in `lynx` over SSH).

use super::errors::Trailer;
use super::{Params, scopes};
use crate::tenant::UserSeed;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}\
         label{{display:block;margin:.8rem 0}}input[type=text],input[type=password]{{width:100%;padding:.4rem}}\
         .error{{color:#a80000}}.muted{{color:#555;font-size:.85rem}}button{{margin-right:.5rem;padding:.4rem 1rem}}</style>\
         </head><body><p class=\"muted\">Microsoft identity platform (graphmail emulator)</p>\
         <h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    )
}

/// Every field of `params` except the ones the page itself asks for, as hidden inputs.
pub fn hidden_fields(params: &Params, skip: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(k),
                escape(v)
            )
        })
        .collect()
}

/// Fields the sign-in pages add to the carried-over request.
pub const PAGE_FIELDS: &[&str] = &["login", "passwd", "mfa", "consent", "action"];

/// What the sign-in page should show besides the credential fields.
pub struct SignInPage<'a> {
    pub title: &'a str,
    pub intro: String,
    /// The form's target path.
    pub action: &'a str,
    pub params: &'a Params,
    pub error: Option<&'a str>,
}

pub fn sign_in(page: &SignInPage<'_>) -> String {
    let hint = page
        .params
        .get("login")
        .or(page.params.get("login_hint"))
        .unwrap_or("");
    let error = page
        .error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>{intro}</p>{error}<form method=\"post\" action=\"{action}\">\n{hidden}\
         <label>Email or user principal name<br><input type=\"text\" name=\"login\" value=\"{hint}\" autofocus></label>\
         <label>Password<br><input type=\"password\" name=\"passwd\"></label>\
         <button type=\"submit\" name=\"action\" value=\"signin\">Sign in</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></form>",
        intro = escape(&page.intro),
        action = escape(page.action),
        hidden = hidden_fields(page.params, PAGE_FIELDS),
        hint = escape(hint),
    );
    layout(page.title, &body)
}

/// The second step for users with MFA: a simulated authenticator approval.
pub fn mfa(action: &str, params: &Params, user: &UserSeed) -> String {
    let body = format!(
        "<p>{upn}: approve the sign-in request in your authenticator app.</p>\
         <form method=\"post\" action=\"{action}\">\n{hidden}\
         <input type=\"hidden\" name=\"login\" value=\"{upn}\">\
         <input type=\"hidden\" name=\"passwd\" value=\"{pw}\">\
         <button type=\"submit\" name=\"mfa\" value=\"approved\">I approved it</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></form>",
        upn = escape(&user.upn),
        action = escape(action),
        hidden = hidden_fields(params, PAGE_FIELDS),
        pw = escape(params.get("passwd").unwrap_or("")),
    );
    layout("Approve sign-in request", &body)
}

/// The consent prompt: the permissions, Accept or Cancel.
pub fn consent(
    action: &str,
    params: &Params,
    app_name: &str,
    wanted: &[String],
    for_org: bool,
) -> String {
    let items: String = wanted
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let org = if for_org {
        "<p>Accepting grants these permissions for every user in your organisation.</p>"
    } else {
        ""
    };
    let body = format!(
        "<p><strong>{app}</strong> wants to:</p><ul>{items}</ul>{org}\
         <form method=\"post\" action=\"{action}\">\n{hidden}\
         <input type=\"hidden\" name=\"login\" value=\"{login}\">\
         <input type=\"hidden\" name=\"passwd\" value=\"{pw}\">\
         <input type=\"hidden\" name=\"mfa\" value=\"{mfa}\">\
         <button type=\"submit\" name=\"consent\" value=\"yes\">Accept</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></form>",
        app = escape(app_name),
        action = escape(action),
        hidden = hidden_fields(params, PAGE_FIELDS),
        login = escape(params.get("login").unwrap_or("")),
        pw = escape(params.get("passwd").unwrap_or("")),
        mfa = escape(params.get("mfa").unwrap_or("")),
    );
    layout("Permissions requested", &body)
}

/// `response_mode=form_post`: a page that posts the reply to the redirect URI.
pub fn form_post(target: &str, fields: &[(&str, String)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>Working...</title></head>\
         <body onload=\"document.forms[0].submit()\"><form method=\"POST\" action=\"{}\">{inputs}\
         <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
        escape(target)
    )
}

/// The device-login page: the code, then the credentials.
pub fn device_login(params: &Params, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>Enter the code displayed on your device, then sign in.</p>{error}\
         <form method=\"post\" action=\"/devicelogin\">\
         <label>Code<br><input type=\"text\" name=\"user_code\" value=\"{code}\" autofocus></label>\
         <label>Email or user principal name<br><input type=\"text\" name=\"login\" value=\"{login}\"></label>\
         <label>Password<br><input type=\"password\" name=\"passwd\"></label>\
         <button type=\"submit\" name=\"action\" value=\"approve\">Sign in and allow</button>\
         <button type=\"submit\" name=\"action\" value=\"decline\">Deny</button></form>",
        code = escape(params.get("user_code").unwrap_or("")),
        login = escape(params.get("login").unwrap_or("")),
    );
    layout("Enter code", &body)
}

pub fn message(title: &str, text: &str) -> String {
    layout(title, &format!("<p>{}</p>", escape(text)))
}

/// The page Entra shows when it cannot redirect back to the app.
pub fn error_page(short: &str, t: &Trailer) -> String {
    let body = format!(
        "<p>Sorry, but we're having trouble signing you in.</p>\
         <p class=\"error\">{}</p>\
         <p class=\"muted\">Request Id: {}<br>Correlation Id: {}<br>Timestamp: {}</p>",
        escape(short),
        t.trace_id,
        t.correlation_id,
        t.timestamp
    );
    layout("Sign in", &body)
}

/// Permission names for display: `Mail.Read`, or `.default` as "the app's configured permissions".
pub fn describe(scope: &scopes::ScopeRequest) -> Vec<String> {
    let mut out = scope.graph.clone();
    if scope.default {
        out.push("The permissions configured for the app (.default)".into());
    }
    out
}
