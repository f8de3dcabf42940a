//! Where the mailbox's panes go at a terminal size: one rule, used by the view to draw them and
//! by the app to know how wide the preview is (for scrolling and for converting HTML).

use super::Pane;

/// Folds: three panes from this width, one below `NARROW`, two between.
pub const WIDE: u16 = 110;
pub const NARROW: u16 = 70;
/// From this width the folder pane gets `FOLDERS_WIDE` columns instead of `FOLDERS`.
const ROOMY: u16 = 140;
const FOLDERS: u16 = 24;
const FOLDERS_WIDE: u16 = 28;
/// The list and the preview share their width 5 : 4.
const LIST_SHARE: u32 = 5;
const PREVIEW_SHARE: u32 = 4;
/// Every pane has a one-cell border.
pub const BORDER: u16 = 1;
/// Blank columns between the preview's border and its text, each side.
pub const PREVIEW_MARGIN: u16 = 1;
/// Rows the screen takes around the panes: the title bar and the footer.
const CHROME_ROWS: u16 = 2;

/// The panes drawn at `width` with `focus`, left to right.
pub fn panes_at(width: u16, focus: Pane) -> Vec<Pane> {
    if width >= WIDE {
        vec![Pane::Folders, Pane::List, Pane::Preview]
    } else if width >= NARROW {
        match focus {
            Pane::Folders => vec![Pane::Folders, Pane::List],
            _ => vec![Pane::List, Pane::Preview],
        }
    } else {
        vec![focus]
    }
}

/// The columns of each of `panes` across `width`; they add up to `width`.
pub fn pane_widths(panes: &[Pane], width: u16) -> Vec<u16> {
    match panes {
        [_] => vec![width],
        [Pane::Folders, Pane::List, Pane::Preview] => {
            let roomy = if width >= ROOMY {
                FOLDERS_WIDE
            } else {
                FOLDERS
            };
            let folders = roomy.min(width);
            let rest = u32::from(width - folders);
            let share = LIST_SHARE + PREVIEW_SHARE;
            // Rounded to the nearest column, as an even split would be.
            let list = ((rest * LIST_SHARE + share / 2) / share) as u16;
            vec![folders, list, width - folders - list]
        }
        [Pane::Folders, _] => {
            let folders = FOLDERS.min(width);
            vec![folders, width - folders]
        }
        // The list and the preview share the width as they do beside the folders: the list's
        // subjects need the room more than the preview's wrapped text.
        [Pane::List, Pane::Preview] => {
            let share = LIST_SHARE + PREVIEW_SHARE;
            let list = ((u32::from(width) * LIST_SHARE + share / 2) / share) as u16;
            vec![list, width - list]
        }
        _ => {
            let n = panes.len().max(1) as u16;
            let each = width / n;
            let mut widths = vec![each; panes.len()];
            if let Some(last) = widths.last_mut() {
                *last = width - each * (n - 1);
            }
            widths
        }
    }
}

/// Rows inside a pane's border at terminal `size` (title bar, footer and the border taken off).
pub fn pane_height(size: (u16, u16)) -> usize {
    size.1.saturating_sub(CHROME_ROWS + 2 * BORDER).max(1) as usize
}

/// Columns of text in the preview at terminal `size`, as it is drawn when it is shown.
pub fn preview_text_width(size: (u16, u16)) -> u16 {
    let panes = panes_at(size.0, Pane::Preview);
    let pane = panes
        .iter()
        .zip(pane_widths(&panes, size.0))
        .find(|(p, _)| **p == Pane::Preview)
        .map_or(size.0, |(_, w)| w);
    pane.saturating_sub(2 * (BORDER + PREVIEW_MARGIN)).max(1)
}

/// Rows of the list that fit on a terminal of `size` (title, footer and the list's border).
pub fn list_height(size: (u16, u16)) -> usize {
    pane_height(size)
}

/// The row the list starts drawing at so that `selected` is visible, moving as little as
/// possible from `offset`.
pub fn scroll_offset(offset: usize, selected: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}
