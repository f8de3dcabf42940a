//! The sign-in screen: device code (large code, QR when there is room), authorization code
//! (link, `ssh -L` line, listener status, paste field), then the result or the decoded error.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::Model;
use crate::app::keymap::{Action, Context};
use crate::app::msg::{AuthorizePrompt, DeviceCodePrompt, SignedIn, UiError};
use crate::app::signin::{Phase, SignInState};
use crate::domain::Grant;

use super::theme::Theme;
use super::widgets::{chunk, input_line, mm_ss, spinner};

/// Text on screen that is also a link (OSC 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperlink {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub url: String,
}

const MAX_URL_LINES: usize = 5;

fn frame_area(body: Rect) -> Rect {
    body.inner(Margin::new(1, 0))
}

/// Where the authorize URL is drawn, and its lines.
fn url_lines(area: Rect, url: &str) -> (Rect, Vec<String>) {
    let inner = frame_area(area).inner(Margin::new(1, 1));
    let width = inner.width.saturating_sub(3).max(10);
    let mut lines = chunk(url, width as usize);
    if lines.len() > MAX_URL_LINES {
        lines.truncate(MAX_URL_LINES);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    let r = Rect::new(inner.x + 3, inner.y + 2, width, lines.len() as u16);
    (r, lines)
}

pub fn hyperlinks(s: &SignInState, body: Rect) -> Vec<Hyperlink> {
    match &s.phase {
        Phase::AuthCode(p) => {
            let (r, lines) = url_lines(body, &p.url);
            lines
                .into_iter()
                .enumerate()
                .map(|(i, text)| Hyperlink {
                    x: r.x,
                    y: r.y + i as u16,
                    text,
                    url: p.url.clone(),
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn key(model: &Model, action: Action) -> String {
    model
        .shared
        .keymap
        .key_for(Context::SignIn, action)
        .map(|k| k.to_string())
        .unwrap_or_default()
}

pub fn view(model: &Model, s: &SignInState, f: &mut Frame, area: Rect, theme: &Theme) {
    let how = match s.grant {
        Grant::AuthCode => "authorization code",
        Grant::DeviceCode => "device code",
        Grant::Ropc => "username and password",
        Grant::ClientCredentials => "client credentials",
    };
    let block = Block::bordered()
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(theme.muted())
        .title(Line::styled(
            format!(" Sign in {} · {how} ", s.name),
            theme.title(),
        ));
    let outer = frame_area(area);
    let inner = block.inner(outer).inner(Margin::new(1, 0));
    f.render_widget(block, outer);
    match &s.phase {
        Phase::Starting => {
            let text = match s.grant {
                Grant::Ropc | Grant::ClientCredentials => "Signing in…",
                _ => "Contacting the identity platform…",
            };
            f.render_widget(
                Line::styled(
                    format!("{} {text}", spinner(model.shared.frame)),
                    theme.accent(),
                ),
                Rect::new(inner.x, inner.y + 1, inner.width, 1),
            );
        }
        Phase::DeviceCode(p) => device_code(model, p, f, inner, theme),
        Phase::AuthCode(p) => auth_code(model, s, p, f, area, inner, theme),
        Phase::Done(d) => done(model, s, d, f, inner, theme),
        Phase::Failed(e) => failed(model, e, f, inner, theme),
    }
}

fn qr_lines(text: &str) -> Option<Vec<String>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let s = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    Some(s.lines().map(str::to_string).collect())
}

fn device_code(model: &Model, p: &DeviceCodePrompt, f: &mut Frame, area: Rect, theme: &Theme) {
    let qr = qr_lines(&p.verification_uri);
    let qr_w = qr
        .as_ref()
        .and_then(|l| l.first())
        .map(|l| l.chars().count() as u16)
        .unwrap_or(0);
    let qr_h = qr.as_ref().map(|l| l.len() as u16).unwrap_or(0);
    let show_qr = qr.is_some() && area.width >= 60 + qr_w && area.height > qr_h;
    let (text_area, qr_area) = if show_qr {
        let [t, q] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(qr_w + 2)]).areas(area);
        (t, Some(q))
    } else {
        (area, None)
    };
    let left = model.now_unix_left(p.expires_at);
    let code: String = p.user_code.chars().flat_map(|c| [c, ' ']).collect();
    let code = code.trim_end();
    // The code on a three-line plate, so it stands out from across the desk.
    let plate = " ".repeat(code.chars().count() + 6);
    let lines = vec![
        Line::raw(""),
        Line::styled("1. On any device with a browser, open", theme.title()),
        Line::from(vec![
            Span::raw("   "),
            Span::styled(
                p.verification_uri.clone(),
                theme
                    .accent()
                    .add_modifier(ratatui::style::Modifier::UNDERLINED),
            ),
        ]),
        Line::raw(""),
        Line::styled("2. Enter this code", theme.title()),
        Line::raw(""),
        Line::from(vec![
            Span::raw("   "),
            Span::styled(plate.clone(), theme.code()),
        ]),
        Line::from(vec![
            Span::raw("   "),
            Span::styled(format!("   {code}   "), theme.code()),
        ]),
        Line::from(vec![Span::raw("   "), Span::styled(plate, theme.code())]),
        Line::raw(""),
        Line::from(vec![
            Span::raw("   "),
            Span::styled(key(model, Action::Copy), theme.key()),
            Span::styled(" copies the code", theme.muted()),
        ]),
        Line::raw(""),
        Line::from(vec![
            Span::styled(format!("{} ", spinner(model.shared.frame)), theme.accent()),
            Span::raw("Waiting for the sign-in to be approved… "),
            Span::styled(
                format!("the code expires in {}", mm_ss(left)),
                if left < 60 {
                    theme.warn()
                } else {
                    theme.muted()
                },
            ),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    if let (Some(q), Some(qr)) = (qr_area, qr) {
        let lines: Vec<Line> = qr.into_iter().map(Line::raw).collect();
        f.render_widget(Paragraph::new(lines), q.inner(Margin::new(1, 0)));
    }
}

fn auth_code(
    model: &Model,
    s: &SignInState,
    p: &AuthorizePrompt,
    f: &mut Frame,
    body: Rect,
    inner: Rect,
    theme: &Theme,
) {
    let (url_area, url) = url_lines(body, &p.url);
    f.render_widget(
        Line::from(vec![
            Span::styled("1. Open this URL in a browser ", theme.title()),
            Span::styled(
                format!(
                    "({} copies it, {} shows it whole)",
                    key(model, Action::Copy),
                    key(model, Action::ShowUrl)
                ),
                theme.muted(),
            ),
        ]),
        Rect::new(inner.x, inner.y + 1, inner.width, 1),
    );
    let url_lines: Vec<Line> = url
        .into_iter()
        .map(|l| {
            Line::styled(
                l,
                theme
                    .accent()
                    .add_modifier(ratatui::style::Modifier::UNDERLINED),
            )
        })
        .collect();
    f.render_widget(Paragraph::new(url_lines), url_area);
    let mut y = url_area.bottom() + 1;
    let line = |f: &mut Frame, l: Line, y: &mut u16| {
        if *y < inner.bottom() {
            f.render_widget(l, Rect::new(inner.x, *y, inner.width, 1));
        }
        *y += 1;
    };
    line(
        f,
        Line::styled(
            format!("2. Sign in; the browser comes back to {}", p.redirect_uri),
            theme.title(),
        ),
        &mut y,
    );
    let waiting = if s.submitted {
        "checking the pasted address…".to_string()
    } else if p.listening {
        format!("waiting on 127.0.0.1:{}", p.port)
    } else {
        // Said at once, with the fix: the port is taken, so only pasting works now.
        let edit = model.shared.keymap.key_name(Context::List, Action::Edit);
        crate::domain::connector::port_in_use(p.port, |other| {
            format!("press {edit} on it in the connector list and set the redirect port to {other}")
        })
    };
    let width = usize::from(inner.width.saturating_sub(5)).max(20);
    for (i, text) in crate::app::overlay::help::wrap_words(&waiting, width)
        .into_iter()
        .enumerate()
    {
        let lead = if i == 0 {
            format!("   {} ", spinner(model.shared.frame))
        } else {
            "     ".to_string()
        };
        line(
            f,
            Line::from(vec![Span::styled(lead, theme.accent()), Span::raw(text)]),
            &mut y,
        );
    }
    // Forwarding the port helps only while something listens on it.
    if p.listening {
        let target = p.ssh_target.as_deref().unwrap_or("this-server");
        line(
            f,
            Line::styled(
                "   Over SSH, forward the port from your desktop first:",
                theme.muted(),
            ),
            &mut y,
        );
        line(
            f,
            Line::styled(
                format!("   ssh -L {0}:127.0.0.1:{0} {target}", p.port),
                theme.accent(),
            ),
            &mut y,
        );
    }
    y += 1;
    line(
        f,
        Line::from(vec![
            Span::styled(
                "3. Or paste the address the browser ended on ",
                theme.title(),
            ),
            Span::styled(
                format!("({} to type here)", key(model, Action::NextField)),
                theme.muted(),
            ),
        ]),
        &mut y,
    );
    if y < inner.bottom() {
        let focused = s.paste_focused && model.shared.overlays.is_empty();
        input_line(
            f,
            Rect::new(inner.x, y, inner.width, 1),
            theme,
            "URL",
            6,
            &s.paste,
            focused,
            &format!("{}?code=…&state=…", p.redirect_uri),
        );
    }
}

fn done(model: &Model, s: &SignInState, d: &SignedIn, f: &mut Frame, area: Rect, theme: &Theme) {
    let who = d
        .user
        .as_deref()
        .map(|u| format!(" as {u}"))
        .unwrap_or_default();
    let mut lines = vec![
        Line::raw(""),
        Line::styled(format!("✓ {} is signed in{who}.", s.name), theme.ok()),
        Line::raw(""),
    ];
    if let Some(exp) = d.expires_at {
        lines.push(Line::raw(format!(
            "  The access token is valid for {} min and renews by itself.",
            (exp - model.shared.now.unix).max(0) / 60
        )));
    }
    if !d.scopes.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("  Granted: ", theme.muted()),
            Span::raw(d.scopes.join(" ")),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(format!("  {}", key(model, Action::Confirm)), theme.key()),
        Span::styled(" goes back to the list", theme.muted()),
    ]));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn failed(model: &Model, e: &UiError, f: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = vec![
        Line::raw(""),
        Line::styled("✗ The sign-in failed.", theme.error()),
        Line::raw(""),
        Line::raw(e.message.clone()),
    ];
    if let Some(fix) = e.fix_with_keys(&model.shared.keymap) {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("Fix: ", theme.ok()),
            Span::raw(fix),
        ]));
    }
    if let Some(d) = &e.detail {
        lines.push(Line::raw(""));
        lines.push(Line::styled(d.clone(), theme.muted()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(key(model, Action::Retry), theme.key()),
        Span::styled(" tries again   ", theme.muted()),
        Span::styled(key(model, Action::Cancel), theme.key()),
        Span::styled(" goes back", theme.muted()),
    ]));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
