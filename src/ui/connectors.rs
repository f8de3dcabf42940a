//! The connector list with the selected connector's details below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::app::connectors::ConnectorsState;
use crate::app::keymap::{Action, Context};
use crate::app::{ConnectorRow, Model, TokenHealth};
use crate::domain::Grant;
use crate::domain::health::{REFRESH_INACTIVITY_DAYS, REFRESH_WARN_DAYS};

use super::theme::{SELECTED_MARK, Theme};
use super::widgets::{ago, fit, spinner};
use unicode_width::UnicodeWidthStr;

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
        TokenHealth::Valid | TokenHealth::Renewable | TokenHealth::RenewsItself => theme.ok(),
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
    let details_h = if area.height >= 30 { 11 } else { 9 };
    let table_h = (rows.len() as u16 + 3).clamp(5, area.height.saturating_sub(details_h).max(5));
    let [table_area, details] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Fill(1)]).areas(area);
    let cells: Vec<Vec<(Col, String, ratatui::style::Style)>> = rows
        .iter()
        .map(|r| {
            let c = &r.connector;
            let health = TokenHealth::of(&r.token, now);
            vec![
                (Col::Name, c.name.clone(), Default::default()),
                (Col::Cloud, c.cloud.as_str().to_string(), Default::default()),
                (Col::Tenant, c.tenant.clone(), Default::default()),
                (
                    Col::Grant,
                    grant_short(c.grant).to_string(),
                    Default::default(),
                ),
                match &c.mailbox {
                    Some(m) => (Col::Mailbox, m.clone(), Default::default()),
                    None => (Col::Mailbox, "signed-in user".into(), theme.muted()),
                },
                (Col::Token, health.label(), health_style(&health, theme)),
                (Col::LastCheck, ago(now, r.token.last_check), theme.muted()),
            ]
        })
        .collect();
    // Borders and the selection marker take three columns.
    let widths = column_widths(&cells, table_area.width.saturating_sub(3));
    let shown = |col: Col| widths.iter().find(|(c, _)| *c == col).map(|(_, w)| *w);
    let header = Row::new(
        widths
            .iter()
            .map(|(c, w)| Cell::from(fit(c.title(), usize::from(*w))))
            .collect::<Vec<_>>(),
    );
    let body = cells.iter().map(|row| {
        Row::new(
            row.iter()
                .filter_map(|(col, text, style)| {
                    shown(*col).map(|w| Cell::from(fit(text, usize::from(w))).style(*style))
                })
                .collect::<Vec<_>>(),
        )
    });
    let widths: Vec<Constraint> = widths.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let title = match s.loading {
        Some(_) => format!(" Connectors {} ", spinner(model.shared.frame)),
        None => format!(" Connectors ({}) ", rows.len()),
    };
    let table = Table::new(body, widths)
        .header(header.style(theme.title()))
        .row_highlight_style(theme.selected())
        .highlight_symbol(SELECTED_MARK)
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

/// The table's columns, in the order drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Cloud,
    Tenant,
    Grant,
    Mailbox,
    Token,
    LastCheck,
}

impl Col {
    const ALL: [Col; 7] = [
        Col::Name,
        Col::Cloud,
        Col::Tenant,
        Col::Grant,
        Col::Mailbox,
        Col::Token,
        Col::LastCheck,
    ];

    fn title(self) -> &'static str {
        match self {
            Col::Name => "Name",
            Col::Cloud => "Cloud",
            Col::Tenant => "Tenant",
            Col::Grant => "Grant",
            Col::Mailbox => "Mailbox",
            Col::Token => "Token",
            Col::LastCheck => "Last check",
        }
    }
}

/// Columns dropped first when the table is narrow; the name is never dropped.
const DROP_ORDER: [Col; 6] = [
    Col::Cloud,
    Col::Mailbox,
    Col::LastCheck,
    Col::Tenant,
    Col::Grant,
    Col::Token,
];

/// The columns that fit in `width` and their widths: the name keeps its full width, the
/// others go in `DROP_ORDER`, the tenant shrinking (with "…") before it goes.
fn column_widths(
    cells: &[Vec<(Col, String, ratatui::style::Style)>],
    width: u16,
) -> Vec<(Col, u16)> {
    // The widest text of each column, title included, indexed by `Col as usize`.
    let widest: [u16; 7] = Col::ALL.map(|col| {
        cells
            .iter()
            .flat_map(|r| r.iter().filter(|(c, _, _)| *c == col))
            .map(|(_, t, _)| t.width())
            .chain([col.title().width()])
            .max()
            .unwrap_or(0) as u16
    });
    let natural = |col: Col| widest[col as usize];
    // The tenant shrinks (to a recognisable prefix) only once cloud and mailbox are gone.
    let min = |col: Col, cols: &[Col]| match col {
        Col::Tenant if !cols.contains(&Col::Cloud) && !cols.contains(&Col::Mailbox) => {
            natural(col).min(12)
        }
        _ => natural(col),
    };
    let mut cols: Vec<Col> = Col::ALL.to_vec();
    let need = |cols: &[Col]| {
        cols.iter()
            .map(|c| min(*c, cols) + 1)
            .sum::<u16>()
            .saturating_sub(1)
    };
    for drop in DROP_ORDER {
        if need(&cols) <= width {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let mut widths: Vec<(Col, u16)> = cols.iter().map(|c| (*c, min(*c, &cols))).collect();
    let mut left = width.saturating_sub(need(&cols));
    for grow in [Col::Tenant, Col::Mailbox] {
        if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == grow) {
            let more = (natural(grow) - *w).min(left);
            *w += more;
            left -= more;
        }
    }
    // Spare room is shared by the text columns, so the table spans the screen.
    let flexible = |c: &Col| matches!(c, Col::Name | Col::Tenant | Col::Mailbox);
    let n = widths.iter().filter(|(c, _)| flexible(c)).count() as u16;
    for (i, (_, w)) in widths.iter_mut().filter(|(c, _)| flexible(c)).enumerate() {
        *w += left / n + u16::from((i as u16) < left % n);
    }
    // Only the name is left and it is too long: it is cut with "…".
    let others: u16 = widths.iter().skip(1).map(|(_, w)| w + 1).sum();
    widths[0].1 = widths[0].1.min(width.saturating_sub(others));
    widths
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
    // What `connector show` lists: the requested scopes, offline_access included.
    let summary = c.permission_summary();
    let mut scopes = vec![label("Scopes"), Span::raw(summary.names().join(" "))];
    if !c.grant.is_delegated() {
        scopes.push(Span::styled(
            format!(
                "  (granted in Azure, requested as {})",
                summary.scope_string
            ),
            theme.muted(),
        ));
    }
    let secret = if r.client_secret_set {
        "set"
    } else {
        "none (public client)"
    };
    let mailbox = match (&c.mailbox, c.grant.is_delegated()) {
        (Some(m), true) => vec![
            Span::raw(m.clone()),
            Span::styled("  (shared)", theme.muted()),
        ],
        (Some(m), false) => vec![Span::raw(m.clone())],
        (None, true) => vec![Span::styled("the signed-in user's own", theme.muted())],
        (None, false) => vec![Span::styled("none: app-only needs one", theme.error())],
    };
    let mut lines = vec![
        Line::from(vec![
            label("Tenant"),
            Span::raw(c.tenant.clone()),
            Span::styled("  cloud: ", theme.muted()),
            Span::raw(c.cloud.as_str()),
        ]),
        Line::from(vec![label("Client ID"), Span::raw(c.client_id.clone())]),
        Line::from(vec![
            label("Grant"),
            Span::raw(c.grant.label()),
            Span::styled("  secret: ", theme.muted()),
            Span::raw(secret),
        ]),
        Line::from([vec![label("Mailbox")], mailbox].concat()),
        Line::from(scopes),
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
    let wrapped: Vec<Line> = lines
        .into_iter()
        .flat_map(|l| super::widgets::wrap_labelled(l, inner.width))
        .collect();
    f.render_widget(Paragraph::new(wrapped), inner);
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
        // Wrapped here, so the box is as tall as the text and nothing falls off its end.
        let text = format!(
            "Press {add} to add one: the wizard asks for the tenant, the app registration, the sign-in method and the permissions, and shows what to register in Azure."
        );
        let width = usize::from(inner.width.saturating_sub(4)).max(20);
        let mut lines = vec![
            Line::styled("No connectors yet.", theme.title()),
            Line::raw(""),
        ];
        lines.extend(
            crate::app::overlay::help::wrap_words(&text, width)
                .into_iter()
                .map(Line::raw),
        );
        lines
    };
    let h = lines.len() as u16;
    let r = super::widgets::centered(inner, inner.width.saturating_sub(4), h);
    f.render_widget(
        Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center),
        r,
    );
}
