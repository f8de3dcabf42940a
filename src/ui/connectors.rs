//! The connector list with the selected connector's details below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::connectors::ConnectorsState;
use crate::app::keymap::{Action, Context};
use crate::app::{ConnectorRow, Model, TokenHealth};
use crate::domain::Grant;
use crate::domain::health::{REFRESH_INACTIVITY_DAYS, REFRESH_WARN_DAYS};

use super::theme::Theme;
use super::widgets::{ago, spinner};

fn grant_short(g: Grant) -> &'static str {
    match g {
        Grant::AuthCode => "auth code",
        Grant::DeviceCode => "device code",
        Grant::Ropc => "password",
        Grant::ClientCredentials => "app-only",
    }
}

fn health_style(h: &TokenHealth, theme: &Theme) -> ratatui::style::Style {
    match h {
        TokenHealth::Valid | TokenHealth::Renewable => theme.ok(),
        TokenHealth::ExpiresIn { .. } | TokenHealth::NeedsSignIn => theme.warn(),
        TokenHealth::Error(_) => theme.error(),
    }
}

pub fn view(model: &Model, s: &ConnectorsState, f: &mut Frame, area: Rect, theme: &Theme) {
    let rows = &model.shared.connectors;
    let now = model.shared.now.unix;
    if rows.is_empty() {
        empty(model, s, f, area, theme);
        return;
    }
    let details_h = if area.height >= 30 { 9 } else { 7 };
    let table_h = (rows.len() as u16 + 3).clamp(5, area.height.saturating_sub(details_h).max(5));
    let [table_area, details] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Fill(1)]).areas(area);
    let wide = area.width >= 110;
    let header: Vec<&str> = if wide {
        vec![
            "Name",
            "Cloud",
            "Tenant",
            "Grant",
            "Mailbox",
            "Token",
            "Last check",
        ]
    } else {
        vec!["Name", "Grant", "Tenant", "Token", "Last check"]
    };
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Fill(2),
            Constraint::Length(9),
            Constraint::Fill(3),
            Constraint::Length(11),
            Constraint::Fill(3),
            Constraint::Length(16),
            Constraint::Length(11),
        ]
    } else {
        vec![
            Constraint::Fill(2),
            Constraint::Length(11),
            Constraint::Fill(3),
            Constraint::Length(16),
            Constraint::Length(11),
        ]
    };
    let body = rows.iter().map(|r| {
        let c = &r.connector;
        let health = TokenHealth::of(&r.token, now);
        let token = Cell::from(health.label()).style(health_style(&health, theme));
        let last = Cell::from(ago(now, r.token.last_check)).style(theme.muted());
        let cells: Vec<Cell> = if wide {
            vec![
                Cell::from(c.name.clone()),
                Cell::from(c.cloud.as_str()),
                Cell::from(c.tenant.clone()),
                Cell::from(grant_short(c.grant)),
                Cell::from(c.mailbox.clone().unwrap_or_else(|| "signed-in user".into())).style(
                    if c.mailbox.is_some() {
                        Default::default()
                    } else {
                        theme.muted()
                    },
                ),
                token,
                last,
            ]
        } else {
            vec![
                Cell::from(c.name.clone()),
                Cell::from(grant_short(c.grant)),
                Cell::from(c.tenant.clone()),
                token,
                last,
            ]
        };
        Row::new(cells)
    });
    let title = match s.loading {
        Some(_) => format!(" Connectors {} ", spinner(model.shared.frame)),
        None => format!(" Connectors ({}) ", rows.len()),
    };
    let table = Table::new(body, widths)
        .header(Row::new(header).style(theme.title()))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▌")
        .block(
            Block::bordered()
                .border_type(ratatui::widgets::BorderType::Rounded)
                .border_style(theme.muted())
                .title(Line::styled(title, theme.title())),
        );
    let mut state = TableState::default().with_selected(Some(s.selected.min(rows.len() - 1)));
    f.render_stateful_widget(table, table_area, &mut state);
    if let Some(r) = rows.get(s.selected) {
        details_view(r, now, f, details, theme);
    }
}

fn details_view(r: &ConnectorRow, now: i64, f: &mut Frame, area: Rect, theme: &Theme) {
    let c = &r.connector;
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.muted())
        .title(Line::styled(format!(" {} ", c.name), theme.title()));
    let inner = block.inner(area).inner(Margin::new(1, 0));
    f.render_widget(block, area);
    let label = |t: &str| Span::styled(format!("{t:<14}"), theme.muted());
    let health = TokenHealth::of(&r.token, now);
    let mut token = vec![
        label("Token"),
        Span::styled(health.label(), health_style(&health, theme)),
    ];
    if let Some(exp) = r.token.expires_at {
        token.push(Span::styled(
            format!(
                "  (access token {})",
                if exp > now {
                    format!("valid {} more min", (exp - now) / 60)
                } else {
                    "expired".into()
                }
            ),
            theme.muted(),
        ));
    }
    if let Some(u) = &r.token.user {
        token.push(Span::raw(format!("  as {u}")));
    }
    let mut scopes: Vec<String> = c
        .presets
        .iter()
        .flat_map(|p| p.scopes().iter().map(|s| s.to_string()))
        .collect();
    scopes.extend(c.extra_scopes.iter().cloned());
    let secret = if r.client_secret_set {
        "set"
    } else {
        "none (public client)"
    };
    let mut lines = vec![
        Line::from(vec![
            label("Client ID"),
            Span::raw(c.client_id.clone()),
            Span::styled("  secret: ", theme.muted()),
            Span::raw(secret),
        ]),
        Line::from(vec![
            label("Grant"),
            Span::raw(c.grant.label()),
            Span::styled("  cloud: ", theme.muted()),
            Span::raw(c.cloud.as_str()),
        ]),
        Line::from(vec![label("Scopes"), Span::raw(scopes.join(" "))]),
        Line::from(token),
    ];
    if let Some(issued) = r
        .token
        .refresh_issued_at
        .filter(|_| r.token.has_refresh_token)
    {
        lines.push(refresh_line(now, issued, label("Refresh token"), theme));
    }
    if c.grant == Grant::AuthCode {
        lines.push(Line::from(vec![
            label("Redirect URI"),
            Span::raw(c.redirect_uri()),
        ]));
    }
    if let TokenHealth::Error(e) = &health {
        lines.push(Line::from(vec![
            label("Last error"),
            Span::styled(e.clone(), theme.error()),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// The refresh token's age against the identity platform's inactivity limit, as
/// `graphmail connector status` reports it.
fn refresh_line<'a>(now: i64, issued: i64, label: Span<'a>, theme: &Theme) -> Line<'a> {
    let age = (now - issued).max(0) / (24 * 60 * 60);
    let left = REFRESH_INACTIVITY_DAYS - age;
    let age_text = match age {
        0 => "issued today".to_string(),
        1 => "1 day old".to_string(),
        n => format!("{n} days old"),
    };
    let (limit, style) = if left <= 0 {
        (
            format!("  past the {REFRESH_INACTIVITY_DAYS}-day limit: sign in again"),
            theme.error(),
        )
    } else {
        let style = if left <= REFRESH_WARN_DAYS {
            theme.warn()
        } else {
            theme.muted()
        };
        (
            format!("  {left} days left before the {REFRESH_INACTIVITY_DAYS}-day limit"),
            style,
        )
    };
    Line::from(vec![label, Span::raw(age_text), Span::styled(limit, style)])
}

fn empty(model: &Model, s: &ConnectorsState, f: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::bordered()
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(theme.muted())
        .title(Line::styled(" Connectors ", theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let add = model
        .shared
        .keymap
        .key_for(Context::List, Action::Add)
        .map(|k| k.to_string())
        .unwrap_or_else(|| "the add key".into());
    let lines = if s.loading.is_some() {
        vec![Line::styled(
            format!("{} Reading the vault…", spinner(model.shared.frame)),
            theme.accent(),
        )]
    } else {
        vec![
            Line::styled("No connectors yet.", theme.title()),
            Line::raw(""),
            Line::from(vec![
                Span::raw("Press "),
                Span::styled(add, theme.key()),
                Span::raw(" to add one: the wizard asks for the tenant, the app registration,"),
            ]),
            Line::raw(
                "the sign-in method and the permissions, and shows what to register in Azure.",
            ),
        ]
    };
    let h = lines.len() as u16;
    let r = super::widgets::centered(inner, inner.width.saturating_sub(4), h);
    f.render_widget(
        Paragraph::new(lines)
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(Wrap { trim: true }),
        r,
    );
}
