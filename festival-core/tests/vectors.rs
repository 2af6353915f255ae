//! Runs every conformance vector file in `tests/vectors/` (workspace root) and, when the
//! `FESTIVAL_VECTORS_DIR` environment variable is set, every `*.json` file in that directory too.
//! Format: `tests/vectors/README.md`.

use festival_core::conformance::execute;
use festival_core::ErrorCode;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vector_files() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")];
    if let Ok(extra) = std::env::var("FESTIVAL_VECTORS_DIR") {
        if !extra.is_empty() {
            dirs.push(PathBuf::from(extra));
        }
    }
    let mut files = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        let mut found: Vec<PathBuf> = entries
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

/// Runs one vector; returns a failure description or None.
fn run_vector(v: &Value) -> Option<String> {
    let op = v["op"].as_str().unwrap_or_default();
    let result = execute(op, &v["input"]);
    match (v.get("expected"), v.get("expected_error"), result) {
        (Some(expected), None, Ok(actual)) if &actual == expected => None,
        (Some(expected), None, Ok(actual)) => Some(format!("expected {expected}\n     got {actual}")),
        (Some(_), None, Err(e)) => Some(format!("unexpected error {}: {e}", e.code())),
        (None, Some(code), Err(e)) if code.as_str() == Some(e.code()) => {
            // Optional subset check of structured details.
            match v.get("expected_details").and_then(Value::as_object) {
                None => None,
                Some(want) => {
                    let got = e.details();
                    let bad: Vec<_> = want.iter().filter(|(k, val)| got.get(k.as_str()) != Some(val)).collect();
                    if bad.is_empty() { None } else { Some(format!("details differ: want {want:?} got {got}")) }
                }
            }
        }
        (None, Some(code), Err(e)) => Some(format!("expected error {code}, got {}: {e}", e.code())),
        (None, Some(code), Ok(actual)) => Some(format!("expected error {code}, got {actual}")),
        _ => Some("vector needs exactly one of `expected` / `expected_error`".into()),
    }
}

#[test]
fn conformance_vectors() {
    let files = vector_files();
    assert!(!files.is_empty(), "no vector files found");
    let (mut total, mut failures) = (0usize, Vec::new());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read vector file");
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let vectors = doc["vectors"].as_array().unwrap_or_else(|| panic!("{}: no `vectors` array", file.display()));
        for v in vectors {
            total += 1;
            if let Some(why) = run_vector(v) {
                failures.push(format!("{} :: {} ({}):\n     {why}", file.display(), v["name"], v["op"]));
            }
        }
    }
    println!("{total} conformance vectors run, {} failed", failures.len());
    assert!(failures.is_empty(), "{} of {total} vectors failed:\n{}", failures.len(), failures.join("\n"));
}
