//! The wizard: a step list, the step's form, and a "Next" line that says what blocks it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::Model;
use crate::app::keymap::{Action, Context};
use crate::app::wizard::field_problems::label as field_label;
use crate::app::wizard::{Field, Step, WizardState, cloud_label};
use crate::domain::Grant;

use super::theme::Theme;
use super::widgets::{ellipsis, hanging, input_line, labelled, spinner, wrap_words};

const LABEL_W: u16 = 16;

pub fn view(model: &Model, w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme) {
    let wide = area.width >= 100;
    let (steps_area, main) = if wide {
        let [s, m] = Layout::horizontal([Constraint::Length(24), Constraint::Fill(1)]).areas(area);
        (Some(s), m)
    } else {
        (None, area)
    };
    if let Some(s) = steps_area {
        step_list(w, f, s, theme);
    }
    let [head, rest] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)])
        .areas(main.inner(Margin::new(1, 0)));
    let focus_ok = model.shared.overlays.is_empty() && w.saving.is_none();
    // The form first; the Next line gets the rows it needs when they are free, else two.
    let form_view = match w.step {
        Step::Permissions => Form::Picker,
        Step::Review => Form::Review(review_lines(w, theme, rest.width)),
        _ => Form::Fields(field_layout(w, rest.width, focus_ok)),
    };
    let form_need = match &form_view {
        Form::Picker => rest.height,
        Form::Review(lines) => lines.len() as u16,
        Form::Fields(l) => l.need,
    };
    let mut next_text = next_lines(model, w, rest.width, theme, false);
    let room = rest.height.saturating_sub(form_need).max(3) - 1;
    if next_text.len() > usize::from(room) {
        next_text = next_lines(model, w, rest.width, theme, true);
        if next_text.len() > usize::from(room) {
            next_text.truncate(usize::from(room));
            if let Some(line) = next_text.last_mut() {
                let before: usize = line.spans.iter().rev().skip(1).map(|s| s.width()).sum();
                if let Some(span) = line.spans.last_mut() {
                    let cut = usize::from(rest.width).saturating_sub(before);
                    span.content = ellipsis(&span.content, cut).into();
                }
            }
        }
    }
    let [form, next] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(next_text.len() as u16 + 1),
    ])
    .areas(rest);
    let heading = format!(
        "Step {}/{} · {}",
        w.step.index() + 1,
        Step::ALL.len(),
        w.step.title()
    );
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(heading, theme.title()),
            Line::styled(step_intro(w.step), theme.muted()),
        ]),
        head,
    );
    match form_view {
        Form::Picker => super::picker::view(w, f, form, theme, focus_ok),
        Form::Review(lines) => {
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), form);
        }
        Form::Fields(mut layout) => {
            layout.fit(form.height);
            fields(w, &layout, f, form, theme);
        }
    }
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.muted());
    let inner = block.inner(next);
    f.render_widget(block, next);
    f.render_widget(Paragraph::new(next_text), inner);
}

fn step_intro(step: Step) -> &'static str {
    match step {
        Step::Name => "A short name you will use with graphmail commands.",
        Step::App => "From the app registration's Overview page in the Azure portal.",
        Step::Grant => "How graphmail signs in to the mailbox.",
        Step::Permissions => "What graphmail may do; the summary shows exactly what is requested.",
        Step::Review => "Check, then save to the vault.",
    }
}

fn step_list(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::new()
        .borders(Borders::RIGHT)
        .border_style(theme.muted());
    let inner = block.inner(area).inner(Margin::new(1, 1));
    f.render_widget(block, area);
    let lines: Vec<Line> = Step::ALL
        .iter()
        .map(|s| {
            let done = *s < w.step;
            let (mark, style) = if *s == w.step {
                ("▸", theme.title())
            } else if done {
                ("✓", theme.ok())
            } else {
                (" ", theme.muted())
            };
            Line::styled(format!("{mark} {}. {}", s.index() + 1, s.title()), style)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The form of a step, laid out once per frame.
enum Form<'a> {
    Picker,
    Review(Vec<Line<'a>>),
    Fields(FieldLayout),
}

/// What the form of a step takes: each field's rows, its message cut to what fits.
struct FieldLayout {
    fields: Vec<FieldRows>,
    /// Rows for every field and its whole message.
    need: u16,
}

struct FieldRows {
    field: Field,
    focused: bool,
    /// The field itself (the grant: its choices and the note under them).
    height: u16,
    message: Vec<String>,
    /// Message rows drawn; fewer than `message` holds when the form is short of room.
    shown: u16,
}

/// The fields of the step with every message whole; `FieldLayout::fit` cuts them to a height.
fn field_layout(w: &WizardState, width: u16, focus_ok: bool) -> FieldLayout {
    let msg_w = usize::from(width.saturating_sub(LABEL_W));
    let fields: Vec<FieldRows> = w
        .fields()
        .into_iter()
        .enumerate()
        .map(|(i, field)| {
            let focused = focus_ok && i == w.focus;
            let text = match (w.visible_problem(field), w.visible_warning(field)) {
                (Some(p), _) => format!("✗ {p}"),
                (None, Some(warn)) => format!("! {warn}"),
                (None, None) if focused => hint(w, field),
                (None, None) => String::new(),
            };
            let message = if text.is_empty() {
                Vec::new()
            } else {
                wrap_words(&text, msg_w)
            };
            let height = if field == Field::Grant {
                Grant::ALL.len() as u16 + grant_note(w, msg_w).len() as u16
            } else {
                1
            };
            FieldRows {
                field,
                focused,
                height,
                shown: (message.len() as u16).max(1),
                message,
            }
        })
        .collect();
    let need = fields.iter().map(|r| r.height + r.shown).sum();
    FieldLayout { fields, need }
}

impl FieldLayout {
    /// Every message whole when `height` has room; otherwise each field keeps one message row,
    /// the focused field's message gets all it needs, then the others' in order.
    fn fit(&mut self, height: u16) {
        if self.need <= height {
            return;
        }
        let full = |r: &FieldRows| (r.message.len() as u16).max(1);
        let fields = &mut self.fields;
        for r in fields.iter_mut() {
            r.shown = 1;
        }
        let mut left = height.saturating_sub(fields.iter().map(|r| r.height + 1).sum());
        let order = fields
            .iter()
            .position(|r| r.focused)
            .into_iter()
            .chain(0..fields.len());
        for i in order.collect::<Vec<_>>() {
            let more = (full(&fields[i]) - fields[i].shown).min(left);
            fields[i].shown += more;
            left -= more;
        }
    }
}

fn fields(w: &WizardState, layout: &FieldLayout, f: &mut Frame, area: Rect, theme: &Theme) {
    let msg_w = area.width.saturating_sub(LABEL_W);
    let mut y = area.y;
    for r in &layout.fields {
        if y + r.height + 1 > area.bottom() {
            break;
        }
        let row = Rect::new(area.x, y, area.width, r.height);
        match r.field {
            Field::Cloud => choice(
                f,
                row,
                theme,
                field_label(r.field),
                cloud_label(&w.cloud),
                r.focused,
            ),
            Field::Grant => grant_choice(w, f, row, theme, r.focused),
            _ => {
                if let Some(tf) = w.text_field(r.field) {
                    input_line(
                        f,
                        row,
                        theme,
                        field_label(r.field),
                        LABEL_W,
                        tf,
                        r.focused,
                        &placeholder(w, r.field),
                    );
                }
            }
        }
        y += r.height;
        let style = if w.visible_problem(r.field).is_some() {
            theme.error()
        } else if w.visible_warning(r.field).is_some() {
            theme.warn()
        } else {
            theme.muted()
        };
        let mut lines: Vec<String> = r
            .message
            .iter()
            .take(usize::from(r.shown))
            .cloned()
            .collect();
        if lines.len() < r.message.len()
            && let Some(last) = lines.last_mut()
        {
            *last = ellipsis(last, usize::from(msg_w));
        }
        let lines: Vec<Line> = lines.into_iter().map(|l| Line::styled(l, style)).collect();
        f.render_widget(
            Paragraph::new(lines),
            Rect::new(area.x + LABEL_W, y, msg_w, r.shown),
        );
        y += r.shown;
    }
}

fn placeholder(w: &WizardState, field: Field) -> String {
    match field {
        Field::Name => "e.g. helpdesk".into(),
        Field::Tenant => "GUID or contoso.onmicrosoft.com".into(),
        Field::ClientId => "Application (client) ID".into(),
        Field::ClientSecret if w.secret_stored => "stored — type to replace".into(),
        Field::ClientSecret if w.grant == Grant::ClientCredentials => "required".into(),
        Field::ClientSecret => "optional: only for a confidential app".into(),
        Field::Password if w.password_stored => "stored — type to replace".into(),
        Field::Username => "e.g. ana@contoso.com".into(),
        Field::Mailbox if w.grant == Grant::ClientCredentials => {
            "mailbox to open, e.g. ops@contoso.com".into()
        }
        Field::Mailbox => "optional: a shared mailbox".into(),
        Field::LoginUrl => "https://login.example.com".into(),
        Field::GraphUrl => "https://graph.example.com/v1.0".into(),
        Field::RedirectPort => "e.g. 8400".into(),
        _ => String::new(),
    }
}

fn hint(w: &WizardState, field: Field) -> String {
    match field {
        Field::Name => "Letters, digits, '.', '_' and '-'.".into(),
        Field::Cloud => "←/→ to choose. Custom takes explicit login and Graph URLs.".into(),
        Field::Tenant => "Directory (tenant) ID, a verified domain, or organizations.".into(),
        Field::ClientId => "Application (client) ID of the app registration.".into(),
        Field::ClientSecret => "Its Value from Certificates & secrets; stored encrypted.".into(),
        Field::Grant => "↑/↓ to choose; Tab moves on.".into(),
        Field::Username => "The mailbox user's UPN.".into(),
        Field::Password => "Stored encrypted in the vault.".into(),
        Field::Mailbox if w.grant == Grant::ClientCredentials => {
            "App-only access opens this mailbox.".into()
        }
        Field::Mailbox => "Leave empty for the signed-in user's own mailbox.".into(),
        Field::RedirectPort => format!(
            "The browser returns to {}: register it in Azure. Any free port works.",
            crate::domain::connector::redirect_uri_for_port(w.port())
        ),
        _ => String::new(),
    }
}

fn choice(f: &mut Frame, area: Rect, theme: &Theme, label: &str, value: &str, focused: bool) {
    let marker = if focused { "▸ " } else { "  " };
    let lstyle = if focused {
        theme.focus()
    } else {
        Default::default()
    };
    f.render_widget(
        Line::from(vec![
            Span::styled(marker, theme.focus()),
            Span::styled(format!("{label:<w$}", w = LABEL_W as usize - 2), lstyle),
            Span::styled("‹ ", theme.muted()),
            Span::styled(
                value.to_string(),
                if focused {
                    theme.accent()
                } else {
                    Default::default()
                },
            ),
            Span::styled(" ›", theme.muted()),
        ]),
        area,
    );
}

fn grant_choice(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
    let marker = if focused { "▸ " } else { "  " };
    let lstyle = if focused {
        theme.focus()
    } else {
        Default::default()
    };
    let pad = " ".repeat(LABEL_W as usize);
    let mut lines = Vec::new();
    for (i, g) in Grant::ALL.iter().enumerate() {
        let on = *g == w.grant;
        let head = if i == 0 {
            vec![
                Span::styled(marker, theme.focus()),
                Span::styled(format!("{:<w$}", "Grant", w = LABEL_W as usize - 2), lstyle),
            ]
        } else {
            vec![Span::raw(pad.clone())]
        };
        let mut spans = head;
        spans.push(Span::styled(
            if on { "(•) " } else { "( ) " },
            theme.accent(),
        ));
        let style = match (on, focused) {
            (true, true) => theme.accent(),
            (true, false) => {
                ratatui::style::Style::new().add_modifier(ratatui::style::Modifier::BOLD)
            }
            _ => theme.muted(),
        };
        spans.push(Span::styled(g.label(), style));
        lines.push(Line::from(spans));
    }
    let style = match w.grant {
        Grant::AuthCode => theme.ok(),
        Grant::Ropc => theme.warn(),
        Grant::DeviceCode | Grant::ClientCredentials => theme.muted(),
    };
    let width = usize::from(area.width.saturating_sub(LABEL_W));
    for part in grant_note(w, width) {
        lines.push(Line::styled(format!("{pad}{part}"), style));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// What the chosen grant means, wrapped under the choices.
fn grant_note(w: &WizardState, width: usize) -> Vec<String> {
    let note = match w.grant {
        Grant::AuthCode => "Sign in at Microsoft in any browser; no password is stored.",
        Grant::DeviceCode => "Type a short code on any device; good for servers without a browser.",
        Grant::Ropc => "⚠ Discouraged: fails with MFA, and the password is kept in the vault.",
        Grant::ClientCredentials => {
            "App-only: needs a client secret and admin-consented app permissions."
        }
    };
    wrap_words(note, width)
}

fn review_lines(w: &WizardState, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let row = |label: &str, value: &str, style: ratatui::style::Style| {
        labelled(label, value, style, theme.muted(), 16, width)
    };
    let plain = ratatui::style::Style::default();
    let secret = match (w.client_secret.is_empty(), w.secret_stored) {
        (false, _) => "set (new)",
        (true, true) => "set (kept)",
        (true, false) => "none",
    };
    let cloud = w.cloud();
    let mut lines = Vec::new();
    lines.extend(row("Name", w.name.value().trim(), plain));
    lines.extend(row(
        "Cloud",
        &format!(
            "{} (sign-in at {}, Graph at {})",
            cloud.as_str(),
            cloud.login_host(),
            cloud.graph_host()
        ),
        plain,
    ));
    lines.extend(row("Tenant", w.tenant.value().trim(), plain));
    lines.extend(row("Client ID", w.client_id.value().trim(), plain));
    lines.extend(row("Client secret", secret, plain));
    lines.extend(row("Grant", w.grant.label(), plain));
    match w.grant {
        Grant::Ropc => lines.extend(row(
            "Username",
            &format!(
                "{}  (password: {})",
                w.username.value().trim(),
                if w.password.is_empty() { "kept" } else { "set" }
            ),
            plain,
        )),
        _ if !w.mailbox.value().trim().is_empty() => {
            lines.extend(row("Mailbox", w.mailbox.value().trim(), plain));
        }
        _ => {}
    }
    let sum = &w.picker.summary;
    lines.extend(row("Requests", &sum.scope_string, plain));
    if let Some(uri) = &sum.redirect_uri {
        lines.extend(row("Redirect URI", uri, theme.accent()));
        lines.extend(row(
            "",
            "register it in Azure → Authentication → Mobile and desktop applications",
            theme.muted(),
        ));
    }
    let marked = |mark: &str, text: &str, style: ratatui::style::Style| -> Vec<Line<'static>> {
        hanging(&format!("{mark} {text}"), 2, usize::from(width))
            .into_iter()
            .map(|l| Line::styled(l, style))
            .collect()
    };
    for warning in &sum.warnings {
        lines.extend(marked("⚠", warning, theme.warn()));
    }
    if let Some(e) = &w.save_error {
        lines.extend(marked(
            "✗",
            &format!("Not saved: {}", e.message),
            theme.error(),
        ));
    }
    lines
}

/// The line under the form, wrapped to `width`. `short`: the blocking problem is named, not
/// repeated, when it shows next to its field on this step (for a screen short of rows).
fn next_lines(
    model: &Model,
    w: &WizardState,
    width: u16,
    theme: &Theme,
    short: bool,
) -> Vec<Line<'static>> {
    let key = model
        .shared
        .keymap
        .key_for(Context::Wizard, Action::NextStep)
        .map(|k| k.to_string())
        .unwrap_or_default();
    if w.saving.is_some() {
        return vec![Line::styled(
            format!("{} Saving to the vault…", spinner(model.shared.frame)),
            theme.accent(),
        )];
    }
    let Some((field, why)) = w.blocker() else {
        let (text, style) = if w.step == Step::Review {
            ("Save the connector".to_string(), theme.ok())
        } else {
            let next = Step::ALL[w.step.index() + 1];
            (format!("Next: {}", next.title()), theme.ok())
        };
        return vec![Line::from(vec![
            Span::styled(format!("{key} "), theme.key()),
            Span::styled(text, style),
        ])];
    };
    let shown_here = w.shown.contains(&field) && w.fields().contains(&field);
    let why = if short && shown_here {
        format!("see the message under {}.", field_label(field))
    } else if w.shown.contains(&field) {
        why.to_string()
    } else {
        format!("{} is not filled in yet.", field_label(field))
    };
    let prefix = format!("{key} Next ");
    let text = format!("{prefix}is blocked: {why}");
    wrap_words(&text, usize::from(width.max(1)))
        .into_iter()
        .enumerate()
        .map(|(i, part)| match part.strip_prefix(&prefix) {
            Some(rest) if i == 0 => Line::from(vec![
                Span::styled(prefix.clone(), theme.muted()),
                Span::styled(rest.to_string(), theme.warn()),
            ]),
            _ => Line::styled(part, theme.warn()),
        })
        .collect()
}
