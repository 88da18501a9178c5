//! The public contract: `/openapi.json` must equal the committed snapshot
//! (`tests/golden/openapi.json`), so an accidental API change shows up in review. After an intended
//! change, regenerate it with `UPDATE_SNAPSHOTS=1 cargo test --test openapi` and commit the diff.

mod common;

use common::{Backend, TestApp};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/openapi.json");

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, served) = app.get("/openapi.json", None).await;
    assert_eq!(status, 200);
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &pretty).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if committed != pretty {
        let changed: Vec<String> = diff_paths(&served, &committed);
        panic!(
            "/openapi.json differs from {SNAPSHOT} at: {}\n\
             If the change is intended, run `UPDATE_SNAPSHOTS=1 cargo test --test openapi` and \
             commit the snapshot.",
            changed.join(", ")
        );
    }
}

/// The API paths (and components) whose description changed, to say where to look.
fn diff_paths(served: &serde_json::Value, committed: &str) -> Vec<String> {
    let old: serde_json::Value = serde_json::from_str(committed).unwrap_or_default();
    let mut out = Vec::new();
    for section in ["/paths", "/components/schemas"] {
        let none = serde_json::Value::Null;
        let new = served.pointer(section).unwrap_or(&none);
        let old = old.pointer(section).unwrap_or(&none);
        let mut keys: Vec<&String> = new
            .as_object()
            .into_iter()
            .chain(old.as_object())
            .flat_map(|m| m.keys())
            .collect();
        keys.sort();
        keys.dedup();
        out.extend(
            keys.into_iter()
                .filter(|k| new.get(k.as_str()) != old.get(k.as_str()))
                .map(|k| format!("{section}.{k}")),
        );
    }
    if out.is_empty() {
        out.push("(formatting or top-level fields)".into());
    }
    out
}
