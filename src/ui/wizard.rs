//! The wizard: a step list, the step's form, and a "Next" line that says what blocks it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::Model;
use crate::app::connector_rules::label as field_label;
use crate::app::keymap::{Action, Context};
use crate::app::wizard::{CLOUDS, Field, Step, WizardState, cloud_label};
use crate::domain::Grant;

use super::theme::Theme;
use super::widgets::{input_line, spinner};

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
    let [head, form, next] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(3),
    ])
    .areas(main.inner(Margin::new(1, 0)));
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
    let focus_ok = model.shared.overlays.is_empty() && w.saving.is_none();
    match w.step {
        Step::Permissions => super::picker::view(w, f, form, theme, focus_ok),
        Step::Review => review(w, f, form, theme),
        _ => fields(w, f, form, theme, focus_ok),
    }
    next_line(model, w, f, next, theme);
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

fn fields(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme, focus_ok: bool) {
    let list = w.fields();
    let mut y = area.y;
    for (i, field) in list.iter().enumerate() {
        let focused = focus_ok && i == w.focus;
        let extra_h = if *field == Field::Grant { 5 } else { 0 };
        if y + 2 + extra_h > area.bottom() {
            break;
        }
        let row = Rect::new(area.x, y, area.width, 1 + extra_h);
        match field {
            Field::Cloud => choice(
                f,
                row,
                theme,
                field_label(*field),
                cloud_label(CLOUDS[w.cloud]),
                focused,
            ),
            Field::Grant => grant_choice(w, f, row, theme, focused),
            _ => {
                if let Some(tf) = w.text_field(*field) {
                    input_line(
                        f,
                        row,
                        theme,
                        field_label(*field),
                        LABEL_W,
                        tf,
                        focused,
                        &placeholder(w, *field),
                    );
                }
            }
        }
        y += 1 + extra_h;
        let msg_w = area.width.saturating_sub(LABEL_W);
        let (text, style) = match w.visible_problem(*field) {
            Some(p) => (format!("✗ {p}"), theme.error()),
            None if focused => (hint(w, *field), theme.muted()),
            None => (String::new(), theme.muted()),
        };
        // A problem may take two lines; a hint one.
        let h = if text.chars().count() > msg_w as usize && y + 2 < area.bottom() {
            2
        } else {
            1
        };
        let msg_area = Rect::new(area.x + LABEL_W, y, msg_w, h);
        f.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }),
            msg_area,
        );
        y += h;
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
        Field::Grant => "←/→ to choose.".into(),
        Field::Username => "The mailbox user's UPN.".into(),
        Field::Password => "Stored encrypted in the vault.".into(),
        Field::Mailbox if w.grant == Grant::ClientCredentials => {
            "App-only access opens this mailbox.".into()
        }
        Field::Mailbox => "Leave empty for the signed-in user's own mailbox.".into(),
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
    let note = match w.grant {
        Grant::AuthCode => Line::styled(
            format!("{pad}Sign in at Microsoft in any browser; no password is stored."),
            theme.ok(),
        ),
        Grant::DeviceCode => Line::styled(
            format!("{pad}Type a short code on any device; good for servers without a browser."),
            theme.muted(),
        ),
        Grant::Ropc => Line::styled(
            format!("{pad}⚠ Discouraged: fails with MFA, and the password is kept in the vault."),
            theme.warn(),
        ),
        Grant::ClientCredentials => Line::styled(
            format!("{pad}App-only: needs a client secret and admin-consented app permissions."),
            theme.muted(),
        ),
    };
    lines.push(note);
    f.render_widget(Paragraph::new(lines), area);
}

fn review(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme) {
    let label = |t: &str| Span::styled(format!("{t:<16}"), theme.muted());
    let secret = match (w.client_secret.is_empty(), w.secret_stored) {
        (false, _) => "set (new)",
        (true, true) => "set (kept)",
        (true, false) => "none",
    };
    let cloud = w.cloud();
    let mut lines = vec![
        Line::from(vec![
            label("Name"),
            Span::raw(w.name.value().trim().to_string()),
        ]),
        Line::from(vec![
            label("Cloud"),
            Span::raw(format!(
                "{} (sign-in at {}, Graph at {})",
                cloud.as_str(),
                cloud.login_host(),
                cloud.graph_host()
            )),
        ]),
        Line::from(vec![
            label("Tenant"),
            Span::raw(w.tenant.value().trim().to_string()),
        ]),
        Line::from(vec![
            label("Client ID"),
            Span::raw(w.client_id.value().trim().to_string()),
        ]),
        Line::from(vec![label("Client secret"), Span::raw(secret)]),
        Line::from(vec![label("Grant"), Span::raw(w.grant.label())]),
    ];
    match w.grant {
        Grant::Ropc => lines.push(Line::from(vec![
            label("Username"),
            Span::raw(w.username.value().trim().to_string()),
            Span::styled("  password: ", theme.muted()),
            Span::raw(if w.password.is_empty() { "kept" } else { "set" }),
        ])),
        _ if !w.mailbox.value().trim().is_empty() => lines.push(Line::from(vec![
            label("Mailbox"),
            Span::raw(w.mailbox.value().trim().to_string()),
        ])),
        _ => {}
    }
    let sum = &w.picker.summary;
    lines.push(Line::from(vec![
        label("Requests"),
        Span::raw(sum.scope_string.clone()),
    ]));
    if let Some(uri) = &sum.redirect_uri {
        lines.push(Line::from(vec![
            label("Redirect URI"),
            Span::styled(uri.clone(), theme.accent()),
            Span::styled("  register it in Azure → Authentication", theme.muted()),
        ]));
    }
    for warning in &sum.warnings {
        lines.push(Line::styled(format!("⚠ {warning}"), theme.warn()));
    }
    if let Some(e) = &w.save_error {
        lines.push(Line::styled(
            format!("✗ Not saved: {}", e.message),
            theme.error(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn next_line(model: &Model, w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme) {
    let key = model
        .shared
        .keymap
        .key_for(Context::Wizard, Action::NextStep)
        .map(|k| k.to_string())
        .unwrap_or_default();
    let line = if w.saving.is_some() {
        Line::styled(
            format!("{} Saving to the vault…", spinner(model.shared.frame)),
            theme.accent(),
        )
    } else if let Some((field, why)) = w.blocker() {
        Line::from(vec![
            Span::styled(format!("{key} Next "), theme.muted()),
            Span::styled(
                format!(
                    "is blocked: {}",
                    if w.shown.contains(&field) {
                        why.to_string()
                    } else {
                        format!("{} is not filled in yet.", field_label(field))
                    }
                ),
                theme.warn(),
            ),
        ])
    } else if w.step == Step::Review {
        Line::from(vec![
            Span::styled(format!("{key} "), theme.key()),
            Span::styled("Save the connector", theme.ok()),
        ])
    } else {
        let next = Step::ALL[w.step.index() + 1];
        Line::from(vec![
            Span::styled(format!("{key} "), theme.key()),
            Span::styled(format!("Next: {}", next.title()), theme.ok()),
        ])
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.muted());
    let inner = block.inner(area);
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), inner);
}
