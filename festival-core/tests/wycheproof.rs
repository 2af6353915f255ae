//! Runs all Wycheproof Ed25519 vectors (`tests/wycheproof/ed25519_test.json`, 151 cases) through
//! the public strict verification function and the `offline.verify_signature` conformance op.
//!
//! Policy for Wycheproof's `acceptable` result: reject (strict verification never accepts a
//! signature that some conforming verifier would reject). The current file has no such case.

use festival_core::conformance::execute;
use festival_core::offline::crypto;
use serde_json::{json, Value};

fn hex(s: &str) -> Vec<u8> {
    festival_core::interop::hex_decode("hex", s).expect("vector hex")
}

#[test]
fn wycheproof_ed25519_all_cases() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/wycheproof/ed25519_test.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read vectors")).expect("json");
    let (mut total, mut valid, mut invalid) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for group in doc["testGroups"].as_array().expect("groups") {
        let pk_hex = group["publicKey"]["pk"].as_str().expect("pk");
        for t in group["tests"].as_array().expect("tests") {
            total += 1;
            let (msg, sig) = (t["msg"].as_str().expect("msg"), t["sig"].as_str().expect("sig"));
            let expect_valid = match t["result"].as_str() {
                Some("valid") => true,
                Some("invalid") | Some("acceptable") => false,
                other => panic!("unknown result {other:?}"),
            };
            if expect_valid {
                valid += 1;
            } else {
                invalid += 1;
            }
            let got = crypto::verify(&hex(pk_hex), &hex(msg), &hex(sig)).is_ok();
            let via_op =
                execute("offline.verify_signature", &json!({"public_key": pk_hex, "message": msg, "signature": sig}))
                    .expect("op runs")["valid"]
                    .as_bool()
                    .expect("bool");
            if got != expect_valid || via_op != expect_valid {
                failures.push(format!(
                    "tcId {} ({}): expected {expect_valid}, got {got}/{via_op}",
                    t["tcId"], t["comment"]
                ));
            }
        }
    }
    assert_eq!(total, doc["numberOfTests"].as_u64().expect("count") as usize);
    assert_eq!(total, 151);
    assert!(valid > 0 && invalid > 0);
    assert!(failures.is_empty(), "{} Wycheproof failures:\n{}", failures.len(), failures.join("\n"));
}
