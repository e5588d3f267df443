//! Goal: the app's command list is the same in the four places that must agree — the
//! handlers registered in `lib.rs`, the permissions `build.rs` generates, the capability that
//! grants them to the main window, and the isolation script's allow-list — so a new command is
//! never callable without a grant, and no grant or allow-list entry outlives its command.

use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The quoted or path-qualified names between `start` and the next `end`.
fn names(text: &str, start: &str, end: &str, name: impl Fn(&str) -> Option<String>) -> BTreeSet<String> {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found")) + start.len();
    let to = from + text[from..].find(end).unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    text[from..to].split(',').filter_map(|item| name(item.trim())).collect()
}

fn quoted(item: &str) -> Option<String> {
    let item = item.trim().trim_matches('"');
    (!item.is_empty()).then(|| item.to_owned())
}

#[test]
fn handlers_permissions_capability_and_isolation_list_the_same_commands() {
    let handlers =
        names(&read("src/lib.rs"), "generate_handler![", "]", |item| item.rsplit("::").next().filter(|n| !n.is_empty()).map(str::to_owned));
    let generated = names(&read("build.rs"), ".commands(&[", "]", quoted);
    let granted = names(&read("capabilities/main.json"), "\"permissions\": [", "]", |item| {
        quoted(item).map(|p| p.trim_start_matches("allow-").replace('-', "_"))
    });
    let isolation = names(&read("../isolation/index.js"), "new Set([", "]", quoted);
    assert!(handlers.len() >= 19, "{handlers:?}");
    assert_eq!(generated, handlers, "build.rs permissions vs registered handlers");
    assert_eq!(granted, handlers, "capabilities/main.json grants vs registered handlers");
    assert_eq!(isolation, handlers, "isolation/index.js allow-list vs registered handlers");
}
