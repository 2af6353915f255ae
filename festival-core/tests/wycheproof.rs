//! Runs all Wycheproof Ed25519 vectors (`tests/wycheproof/ed25519_test.json`, 151 cases) through
//! the public verification function, the `offline.verify_signature` conformance op, and the batch
//! path (each vector hidden among valid signatures, in batches of several sizes) — the cofactored
//! rule with strict encoding checks (see `offline::crypto`) accepts exactly the `valid` ones.
//!
//! Policy for Wycheproof's `acceptable` result: reject (strict verification never accepts a
//! signature that some conforming verifier would reject). The current file has no such case.

use festival_core::conformance::execute;
use festival_core::offline::crypto::{self, StrictPublicKey};
use serde_json::{json, Value};

fn hex(s: &str) -> Vec<u8> {
    festival_core::interop::hex_decode("hex", s).expect("vector hex")
}

/// The vector's verdict from the batch path, hidden at several positions among 99 valid signatures
/// and with several chunk sizes; also checks that the valid neighbours stay valid. A key or
/// signature that cannot even be parsed is invalid without reaching the batch.
fn batched_verdicts(pk: &[u8], msg: &[u8], sig: &[u8]) -> Vec<bool> {
    let (Some(key), Ok(sig)) =
        (<[u8; 32]>::try_from(pk).ok().and_then(|k| StrictPublicKey::from_bytes(&k).ok()), <[u8; 64]>::try_from(sig))
    else {
        return vec![false];
    };
    let filler_seed = [9u8; 32];
    let filler_key = StrictPublicKey::from_bytes(&crypto::public_key_from_seed(&filler_seed)).expect("key");
    let filler_sig = crypto::sign(&filler_seed, b"filler");
    let mut out = Vec::new();
    for (at, chunk) in [(0usize, 100usize), (50, 16), (99, 512)] {
        let mut items = vec![(filler_key, b"filler".as_slice(), filler_sig); 100];
        items[at] = (key, msg, sig);
        let v = crypto::verify_many_batched_chunked(&items, chunk);
        assert!(v.iter().enumerate().all(|(i, ok)| i == at || *ok), "a valid neighbour was rejected");
        out.push(v[at]);
    }
    out.push(crypto::verify_many(&[(key, msg, sig)])[0]);
    out
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
            let batched = batched_verdicts(&hex(pk_hex), &hex(msg), &hex(sig));
            if got != expect_valid || via_op != expect_valid || batched.iter().any(|b| *b != expect_valid) {
                failures.push(format!(
                    "tcId {} ({}): expected {expect_valid}, got {got}/{via_op}/{batched:?}",
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
