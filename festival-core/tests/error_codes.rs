//! Keeps `ERRORS.md` true: every stable code that appears in the source must be documented there.

use std::path::Path;

fn codes_in(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            codes_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read file");
            // Codes are returned from `fn code()` as `=> "FAMILY_NAME",`.
            for part in text.split("=> \"").skip(1) {
                let code: String = part.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_' || c.is_ascii_digit()).collect();
                if code.contains('_') && part[code.len()..].starts_with('"') {
                    out.push(code);
                }
            }
        }
    }
}

#[test]
fn every_error_code_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("../ERRORS.md")).expect("ERRORS.md at the workspace root");
    let mut codes = Vec::new();
    codes_in(&root.join("src"), &mut codes);
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 10, "found only {codes:?}");
    let missing: Vec<_> = codes.iter().filter(|c| !doc.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "codes missing from ERRORS.md: {missing:?}");
}
