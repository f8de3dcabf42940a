//! The folder tree, and finding a folder by well-known name, display name, path or id.

use std::collections::HashMap;

use futures_util::future::join_all;

use super::client::{Call, GraphClient, PagesSeen};
use super::error::GraphError;
use super::types::{FOLDER_FIELDS, Folder, FolderWire, Page};
pub use crate::domain::mail::{FolderRef, WellKnownFolder};

/// The standard folders graphmail tags in the tree.
pub const WELL_KNOWN_FOLDERS: [&str; 6] = [
    "inbox",
    "sentitems",
    "deleteditems",
    "drafts",
    "archive",
    "junkemail",
];

/// Finds the folder `query` names in `tree`: its id, a well-known tag, a path of display names
/// (`Inbox/Alerts`), or a display name anywhere (case-insensitive; it must be unambiguous).
pub fn resolve_folder<'t>(tree: &'t [Folder], query: &str) -> Result<&'t Folder, GraphError> {
    let flat = flatten_tree(tree);
    if let Some((_, f)) = flat.iter().find(|(_, f)| f.id == query) {
        return Ok(f);
    }
    let wanted = query.trim();
    if let Some((_, f)) = flat.iter().find(|(_, f)| {
        f.well_known
            .as_deref()
            .is_some_and(|w| w.eq_ignore_ascii_case(wanted))
    }) {
        return Ok(f);
    }
    let same = |f: &Folder, name: &str| f.name.to_lowercase() == name.trim().to_lowercase();
    if wanted.contains('/') {
        let mut level = tree;
        let mut found = None;
        for part in wanted.split('/').filter(|p| !p.is_empty()) {
            match level.iter().find(|f| same(f, part)) {
                Some(f) => {
                    found = Some(f);
                    level = &f.children;
                }
                None => {
                    found = None;
                    break;
                }
            }
        }
        if let Some(f) = found {
            return Ok(f);
        }
    }
    let matches: Vec<&(usize, &Folder)> = flat.iter().filter(|(_, f)| same(f, wanted)).collect();
    match matches.as_slice() {
        [(_, f)] => Ok(f),
        [] => Err(GraphError::Invalid(format!(
            "there is no folder called '{}'; `graphmail mail folders` lists them",
            crate::domain::sanitize::line(wanted)
        ))),
        several => {
            let top: Vec<_> = several.iter().filter(|(depth, _)| *depth == 0).collect();
            if let [(_, f)] = top.as_slice() {
                return Ok(f);
            }
            let paths: Vec<String> = several
                .iter()
                .filter_map(|(_, f)| folder_path(tree, &f.id))
                .collect();
            Err(GraphError::Invalid(format!(
                "several folders are called '{}' ({}); name one by its path or id",
                crate::domain::sanitize::line(wanted),
                paths.join(", ")
            )))
        }
    }
}

/// Every folder with its depth, parents before children, in tree order.
pub fn flatten_tree(tree: &[Folder]) -> Vec<(usize, &Folder)> {
    fn walk<'t>(level: &'t [Folder], depth: usize, out: &mut Vec<(usize, &'t Folder)>) {
        for f in level {
            out.push((depth, f));
            walk(&f.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, 0, &mut out);
    out
}

/// `Inbox/Alerts` for the folder with this id.
pub fn folder_path(tree: &[Folder], id: &str) -> Option<String> {
    for f in tree {
        if f.id == id {
            return Some(f.name.clone());
        }
        if let Some(rest) = folder_path(&f.children, id) {
            return Some(format!("{}/{}", f.name, rest));
        }
    }
    None
}

impl GraphClient {
    /// The whole folder tree with counts; the standard folders carry their well-known name.
    pub async fn folder_tree(&self) -> Result<Vec<Folder>, GraphError> {
        let (top, tags) = tokio::join!(self.child_folders(None), self.well_known_ids());
        let top = top?;
        let mut children: HashMap<String, Vec<FolderWire>> = HashMap::new();
        let mut pending: Vec<String> = with_children(&top);
        while !pending.is_empty() {
            let fetched = join_all(pending.iter().map(|id| self.child_folders(Some(id)))).await;
            let mut next = Vec::new();
            for (id, list) in pending.into_iter().zip(fetched) {
                let list = list?;
                next.extend(with_children(&list));
                children.insert(id, list);
            }
            pending = next;
        }
        Ok(assemble(top, &mut children, &tags))
    }

    /// Resolves a folder the way the CLI names it. Well-known names need no request; a standard
    /// folder found by its display name ("Sent Items") comes back by its well-known name.
    pub async fn find_folder(&self, query: &str) -> Result<FolderRef, GraphError> {
        if let Some(wk) = FolderRef::well_known(query) {
            return Ok(wk);
        }
        let tree = self.folder_tree().await?;
        resolve_folder(&tree, query).map(|f| {
            f.well_known
                .as_deref()
                .and_then(FolderRef::well_known)
                .unwrap_or_else(|| FolderRef::Id(f.id.clone()))
        })
    }

    async fn child_folders(&self, parent: Option<&str>) -> Result<Vec<FolderWire>, GraphError> {
        let mut url = match parent {
            None => self.endpoint(&["mailFolders"]),
            Some(id) => self.endpoint(&["mailFolders", id, "childFolders"]),
        };
        url.query_pairs_mut()
            .append_pair("$select", FOLDER_FIELDS)
            .append_pair("$top", "250");
        let mut all = Vec::new();
        let mut seen = PagesSeen::starting_at(&url);
        loop {
            let page: Page<FolderWire> = self.json(Call::get(url)).await?;
            seen.page_held(page.value.len());
            all.extend(page.value);
            match page.next_link {
                Some(link) => url = self.next_page(&link, &mut seen)?,
                None => return Ok(all),
            }
        }
    }

    /// Ids of the standard folders that exist (v1.0 has no `wellKnownName` property).
    async fn well_known_ids(&self) -> HashMap<String, &'static str> {
        let lookups = WELL_KNOWN_FOLDERS.iter().map(|name| async move {
            let mut url = self.endpoint(&["mailFolders", name]);
            url.query_pairs_mut().append_pair("$select", "id");
            #[derive(serde::Deserialize)]
            struct Id {
                id: String,
            }
            // A mailbox without, say, an Archive folder answers 404: it is simply not tagged.
            self.json::<Id>(Call::get(url))
                .await
                .ok()
                .map(|f| (f.id, *name))
        });
        join_all(lookups).await.into_iter().flatten().collect()
    }
}

fn with_children(list: &[FolderWire]) -> Vec<String> {
    list.iter()
        .filter(|f| f.child_folder_count > 0)
        .map(|f| f.id.clone())
        .collect()
}

fn assemble(
    level: Vec<FolderWire>,
    children: &mut HashMap<String, Vec<FolderWire>>,
    tags: &HashMap<String, &'static str>,
) -> Vec<Folder> {
    level
        .into_iter()
        .map(|w| {
            let kids = children.remove(&w.id).unwrap_or_default();
            Folder {
                well_known: tags.get(&w.id).map(|t| t.to_string()),
                children: assemble(kids, children, tags),
                id: w.id,
                name: w.display_name,
                parent_id: w.parent_folder_id,
                total: w.total_item_count,
                unread: w.unread_item_count,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(id: &str, name: &str, wk: Option<&str>, children: Vec<Folder>) -> Folder {
        Folder {
            id: id.into(),
            name: name.into(),
            well_known: wk.map(String::from),
            parent_id: None,
            total: 0,
            unread: 0,
            children,
        }
    }

    fn tree() -> Vec<Folder> {
        vec![
            folder(
                "id-inbox",
                "Inbox",
                Some("inbox"),
                vec![
                    folder("id-alerts", "Alerts", None, vec![]),
                    folder("id-ib-reports", "Reports", None, vec![]),
                ],
            ),
            folder(
                "id-archive",
                "Archive",
                Some("archive"),
                vec![folder("id-ar-reports", "Reports", None, vec![])],
            ),
            folder("id-projects", "Projects", None, vec![]),
        ]
    }

    #[test]
    fn well_known_names_resolve_without_the_tree_in_any_case() {
        assert_eq!(
            FolderRef::well_known("SentItems"),
            Some(FolderRef::WellKnown(WellKnownFolder::SentItems))
        );
        assert_eq!(FolderRef::well_known("Projects"), None);
    }

    #[test]
    fn folders_resolve_by_id_display_name_and_path() {
        let t = tree();
        assert_eq!(resolve_folder(&t, "id-alerts").unwrap().name, "Alerts");
        assert_eq!(resolve_folder(&t, "alerts").unwrap().id, "id-alerts");
        assert_eq!(resolve_folder(&t, "PROJECTS").unwrap().id, "id-projects");
        assert_eq!(resolve_folder(&t, "inbox/alerts").unwrap().id, "id-alerts");
        assert_eq!(
            resolve_folder(&t, "Archive/Reports").unwrap().id,
            "id-ar-reports"
        );
    }

    #[test]
    fn an_ambiguous_or_unknown_name_says_what_to_do() {
        let t = tree();
        let err = resolve_folder(&t, "reports").unwrap_err().to_string();
        assert!(
            err.contains("Inbox/Reports") && err.contains("Archive/Reports"),
            "{err}"
        );
        let err = resolve_folder(&t, "Nope\x1b[2J").unwrap_err().to_string();
        assert!(
            err.contains("mail folders") && !err.contains('\x1b'),
            "{err}"
        );
    }

    #[test]
    fn the_flat_view_keeps_tree_order_and_depth() {
        let t = tree();
        let names: Vec<_> = flatten_tree(&t)
            .iter()
            .map(|(d, f)| format!("{d}{}", f.name))
            .collect();
        assert_eq!(
            names,
            [
                "0Inbox",
                "1Alerts",
                "1Reports",
                "0Archive",
                "1Reports",
                "0Projects"
            ]
        );
    }
}
