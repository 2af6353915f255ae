//! Generator of the vectors for the gaps of issue #14 that this file owns: per-zone presence,
//! voids of final entries, stale revocation lists and ticket attributes in reconciliation
//! (`tests/vectors/scan_facts.json`), and pretix's `entries_since` / `entries_before` /
//! `entries_days_since` / `entries_days_before` and event dates in `buildTime`
//! (`tests/vectors/checkin_policies.json`).
//!
//! Each vector's decisive fields are checked here by hand, then its full output is recorded. The
//! vectors live among the other vectors of those files (matched by name); the test fails if a
//! committed one differs from what this generator produces. Regenerate (replace or append them)
//! with `FESTIVAL_REGENERATE_VECTORS=1 cargo test -p festival-core --test checkin_gap_vectors`.

use festival_core::access::Decision;
use festival_core::conformance::execute;
use festival_core::interop::hex_encode;
use festival_core::offline::crypto::public_key_from_seed;
use festival_core::offline::device::DeviceSigner;
use festival_core::offline::record::{Batch, Direction, Payload, ScanFact, SignedRecord};
use festival_core::{ErrorCode, Timestamp};
use serde_json::{json, Value};
use uuid::Uuid;

const F: Uuid = Uuid::from_u128(0xf0);
const ARENA: Uuid = Uuid::from_u128(0x21);
const STAGE: Uuid = Uuid::from_u128(0x22);
const BACKSTAGE: Uuid = Uuid::from_u128(0x23);
const TYPE: Uuid = Uuid::from_u128(0x7001);

fn t0() -> Timestamp {
    "2026-07-04T14:00:00Z".parse().unwrap()
}
fn at(min: i64) -> Timestamp {
    t0().plus_millis(min * 60_000)
}
fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}
fn signer(n: u8) -> DeviceSigner {
    DeviceSigner::new([n; 32], id(n as u128), F)
}
fn admit(revocation_version: u64) -> Option<ScanFact> {
    Some(ScanFact { decision: Decision::Admit, policy_version: 1, revocation_version })
}
fn scan(
    s: &mut DeviceSigner,
    rid: u128,
    ticket: u128,
    zone: Uuid,
    d: Direction,
    min: i64,
    f: Option<ScanFact>,
) -> SignedRecord {
    s.sign_with_fact(id(rid), at(min), Payload::Scan { ticket_id: id(ticket), zone_id: zone, direction: d }, f).unwrap()
}
fn hexbatch(rs: &[SignedRecord]) -> String {
    hex_encode(&Batch { records: rs.to_vec() }.to_bytes())
}
fn devices() -> Value {
    let d = |n: u8| {
        json!({
            "device_id": id(n as u128), "public_key": hex_encode(&public_key_from_seed(&[n; 32])),
            "festival_id": F, "role": "gate", "locations": [ARENA, STAGE, BACKSTAGE],
            "valid_from": t0().to_string(), "valid_until": t0().plus_millis(30 * 86_400_000).to_string(), "revoked_at": null,
        })
    };
    json!([d(3), d(4)])
}
fn ticket(revoked: bool) -> Value {
    json!({"inside": false, "revoked": revoked, "ticket_type_id": TYPE})
}
fn zone_policies() -> Value {
    json!([
        {"id": "arena", "version": 1, "zones": [ARENA]},
        {"id": "stage", "version": 1, "zones": [STAGE], "leaves_zones": [ARENA]},
    ])
}

fn run(op: &str, input: &Value) -> Value {
    execute(op, input).unwrap_or_else(|e| panic!("{op}: {} {e}", e.code()))
}
fn scan_of<'a>(out: &'a Value, rid: u128) -> &'a Value {
    out["report"]["scans"].as_array().unwrap().iter().find(|s| s["record_id"] == json!(id(rid))).unwrap()
}
fn in_error(s: &Value) -> Option<&str> {
    s.get("admitted_in_error").and_then(Value::as_str)
}

fn scan_fact_vectors() -> Vec<Value> {
    let mut v = Vec::new();
    let mut g = signer(3);
    let zone_scans = vec![
        scan(&mut g, 0x301, 1, ARENA, Direction::In, 0, admit(0)),
        scan(&mut g, 0x302, 1, BACKSTAGE, Direction::In, 1, admit(0)),
        scan(&mut g, 0x303, 1, STAGE, Direction::In, 2, admit(0)),
        scan(&mut g, 0x304, 1, ARENA, Direction::In, 3, admit(0)),
        scan(&mut g, 0x305, 1, ARENA, Direction::In, 4, admit(0)),
        scan(&mut g, 0x306, 1, STAGE, Direction::Out, 5, admit(0)),
        scan(&mut g, 0x307, 1, STAGE, Direction::Out, 6, admit(0)),
    ];
    let zone_input = |per_zone: bool| {
        json!({
            "festival_id": F, "currency": "EUR", "devices": devices(), "tickets": {id(1).to_string(): ticket(false)},
            "checkin_policies": zone_policies(), "per_zone_presence": per_zone,
            "batches": [hexbatch(&zone_scans)], "now": at(24 * 60).to_string(), "policy": "first_wins",
        })
    };
    let input = zone_input(true);
    let out = run("offline.reconcile", &input);
    for rid in [0x301, 0x302, 0x303, 0x304, 0x306] {
        assert_eq!(in_error(scan_of(&out, rid)), None, "{rid:#x}");
    }
    assert_eq!(scan_of(&out, 0x303)["left_zones"], json!([ARENA]));
    assert_eq!(in_error(scan_of(&out, 0x305)), Some("RECONCILE_DOUBLE_ADMISSION"));
    assert_eq!(in_error(scan_of(&out, 0x307)), Some("RECONCILE_NOT_INSIDE"));
    assert_eq!(out["tickets"][id(1).to_string()]["zones"], json!([ARENA, BACKSTAGE]));
    v.push(json!({"name": "per-zone presence: backstage while in the arena is no double admission, entering the stage leaves the arena (left_zones), a second arena entry and an exit of a zone the ticket left are admitted in error", "op": "offline.reconcile", "input": input, "expected": out}));
    let input = zone_input(false);
    let out = run("offline.reconcile", &input);
    assert_eq!(in_error(scan_of(&out, 0x302)), Some("RECONCILE_DOUBLE_ADMISSION"));
    assert!(out["tickets"][id(1).to_string()].get("zones").is_none());
    v.push(json!({"name": "the same scans without per_zone_presence keep one inside flag per ticket (as before)", "op": "offline.reconcile", "input": input, "expected": out}));

    // A void of a final entry, across the watermark (one hour offline at most).
    let mut g = signer(3);
    let entry = scan(&mut g, 0x401, 1, ARENA, Direction::In, 0, admit(0));
    let void = g.sign(id(0x402), at(180), Payload::Void { voided_record_id: id(0x401) }).unwrap();
    let again = scan(&mut g, 0x403, 1, ARENA, Direction::In, 240, admit(0));
    let input = json!({
        "festival_id": F, "currency": "EUR", "devices": devices(), "tickets": {id(1).to_string(): ticket(false)},
        "checkin_policies": [{"id": "arena", "version": 1, "zones": [ARENA], "max_entries": 1}],
        "policy": "first_wins", "finality": {"max_offline_ms": 3_600_000},
        "calls": [
            {"batches": [hexbatch(&[entry])], "now": at(1).to_string()},
            {"batches": [], "now": at(180).to_string()},
            {"batches": [hexbatch(&[void])], "now": at(181).to_string()},
            {"batches": [hexbatch(&[again])], "now": at(241).to_string()},
        ],
    });
    let out = run("offline.reconcile_calls", &input);
    assert_eq!(out["reports"][1]["finalized"], json!(1));
    assert_eq!(out["reports"][2]["counts"]["accepted"], json!(1));
    let last = &out["reports"][3]["scans"][0];
    assert_eq!(in_error(last), None, "{last}");
    assert_eq!(out["tickets"][id(1).to_string()]["entries"]["arena"], json!([at(240).to_string()]));
    v.push(json!({"name": "a void of a final entry uncounts it on the policy (max_entries 1): the next entry is not in error", "op": "offline.reconcile_calls", "input": input, "expected": out}));

    // Revocation lists: list 2 at t0, list 3 (revoking tickets 1 and 2) at t0 + 30 min.
    let mut g = signer(3);
    let records = vec![
        scan(&mut g, 0x501, 1, ARENA, Direction::In, 10, admit(2)),
        scan(&mut g, 0x502, 2, ARENA, Direction::In, 40, admit(2)),
        scan(&mut g, 0x503, 3, ARENA, Direction::In, 41, admit(3)),
    ];
    let input = json!({
        "festival_id": F, "currency": "EUR", "devices": devices(),
        "tickets": {id(1).to_string(): ticket(true), id(2).to_string(): ticket(true), id(3).to_string(): ticket(false)},
        "revocation_lists": [
            {"version": "2", "published_at": t0().to_string(), "revoked_tickets": [id(9)]},
            {"version": "3", "published_at": at(30).to_string(), "revoked_tickets": [id(1), id(2)]},
        ],
        "batches": [hexbatch(&records)], "now": at(24 * 60).to_string(), "policy": "first_wins",
    });
    let out = run("offline.reconcile", &input);
    assert_eq!(in_error(scan_of(&out, 0x501)), Some("RECONCILE_TICKET_REVOKED"));
    assert_eq!(in_error(scan_of(&out, 0x502)), Some("RECONCILE_STALE_REVOCATION_LIST"));
    assert_eq!(scan_of(&out, 0x502)["stale_revocation_list"]["current_version"], json!("3"));
    assert_eq!(in_error(scan_of(&out, 0x503)), None);
    v.push(json!({"name": "an entry admitted with revocation list 2 after list 3 revoked the ticket is admitted in error naming both lists; before list 3 it is a revoked ticket as before; a current list is fine", "op": "offline.reconcile", "input": input, "expected": out}));

    // Ticket attributes on the server.
    let mut g = signer(3);
    let records = vec![
        scan(&mut g, 0x601, 1, ARENA, Direction::In, 0, admit(0)),
        scan(&mut g, 0x602, 2, ARENA, Direction::In, 1, admit(0)),
    ];
    let input = json!({
        "festival_id": F, "currency": "EUR", "devices": devices(),
        "tickets": {
            id(1).to_string(): {"inside": false, "revoked": false, "ticket_type_id": TYPE, "attributes": {"vip": true, "tier": 2}},
            id(2).to_string(): {"inside": false, "revoked": false, "ticket_type_id": TYPE, "attributes": {"vip": false}},
        },
        "checkin_policies": [{"id": "vip", "version": 1, "zones": [ARENA],
                              "rules": {"and": [{"==": [{"var": "attributes.vip"}, true]}, {">=": [{"var": "attributes.tier"}, 2]}]}}],
        "batches": [hexbatch(&records)], "now": at(24 * 60).to_string(), "policy": "first_wins",
    });
    let out = run("offline.reconcile", &input);
    assert_eq!(in_error(scan_of(&out, 0x601)), None);
    assert_eq!(in_error(scan_of(&out, 0x602)), Some("RECONCILE_POLICY_DENIED"));
    assert_eq!(scan_of(&out, 0x602)["server_policy"]["decided_by"]["rule_variable"], json!("attributes.vip"));
    v.push(json!({"name": "ticket attributes given to the server decide the policy's attributes rule as at the gate", "op": "offline.reconcile", "input": input, "expected": out}));
    v
}

fn policy_vectors() -> Vec<Value> {
    let mut v = Vec::new();
    let ctx =
        |at: &str, history: &[&str]| json!({"ticket_type_id": TYPE, "zone_id": "main", "at": at, "history": history});
    let input = json!({
        "policy": {
            "id": "weekend", "version": 1, "zones": ["main"],
            "calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"},
            "event": {"date_from": "2026-07-04T16:00:00+02:00", "date_admission": "2026-07-04T14:00:00+02:00"},
            "rules": {"or": [
                {"<=": [{"var": "entries_number"}, 0]},
                {"and": [
                    {"isAfter": [{"var": "now"}, {"buildTime": ["date_admission"]}, 0]},
                    {"or": [{">": [{"var": "entries_today"}, 0]},
                            {"<=": [{"entries_days_since": [{"buildTime": ["date_admission"]}]}, 0]}]}
                ]}
            ]}
        },
        "contexts": [
            ctx("2026-07-04T10:00:00+02:00", &[]),
            ctx("2026-07-04T11:00:00+02:00", &["2026-07-04T10:00:00+02:00"]),
            ctx("2026-07-05T20:00:00+02:00", &["2026-07-04T10:00:00+02:00"]),
            ctx("2026-07-06T01:00:00+02:00", &["2026-07-04T10:00:00+02:00", "2026-07-05T20:00:00+02:00"]),
            ctx("2026-07-06T20:00:00+02:00", &["2026-07-04T10:00:00+02:00", "2026-07-05T20:00:00+02:00", "2026-07-06T01:00:00+02:00"]),
        ],
    });
    let out = run("access.policy_evaluate", &input);
    let decisions: Vec<&str> =
        out["results"].as_array().unwrap().iter().map(|r| r["decision"].as_str().unwrap()).collect();
    assert_eq!(decisions, ["admit", "deny", "admit", "admit", "deny"]);
    v.push(json!({"name": "pretix: once before the admission, then on one festival day after it (entries_days_since of buildTime date_admission)", "op": "access.policy_evaluate", "input": input, "expected": out}));

    let hist = ["2026-07-04T10:00:00+02:00", "2026-07-05T20:00:00+02:00", "2026-07-06T01:00:00+02:00"];
    let counts = |op: &str, cut: &str, n: i64| json!({"==": [{op: [{"buildTime": ["custom", cut]}]}, n]});
    let input = json!({
        "policy": {
            "id": "counts", "version": 1, "zones": ["main"],
            "calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"},
            "rules": {"and": [
                counts("entries_since", "2026-07-05T20:00:00+02:00", 2),
                counts("entries_before", "2026-07-05T20:00:00+02:00", 1),
                counts("entries_days_since", "2026-07-05T20:00:00+02:00", 1),
                counts("entries_days_before", "2026-07-06T06:00:00+02:00", 2),
            ]}
        },
        "contexts": [ctx("2026-07-06T20:00:00+02:00", &hist), ctx("2026-07-06T20:00:00+02:00", &hist[..2])],
    });
    let out = run("access.policy_evaluate", &input);
    assert_eq!(out["results"][0]["decision"], json!("admit"));
    assert_eq!(out["results"][1]["decided_by"]["rule_variable"], json!("entries_since"));
    v.push(json!({"name": "entries_since counts entries at or after the time, entries_before those before it, the days variants festival days; a failing counter is named", "op": "access.policy_evaluate", "input": input, "expected": out}));

    let input = json!({
        "policy": {"id": "doors", "version": 1, "zones": ["main"], "event": {"date_from": "2026-07-04T16:00:00Z"},
                   "rules": {"and": [{"isAfter": [{"var": "now"}, {"buildTime": ["date_admission"]}]},
                                     {"isBefore": [{"var": "now"}, {"buildTime": ["date_to"]}, 60]}]}},
        "contexts": [ctx("2026-07-04T15:59:00Z", &[]), ctx("2026-07-04T16:30:00Z", &[]), ctx("2026-07-04T17:00:00Z", &[])],
    });
    let out = run("access.policy_evaluate", &input);
    let decisions: Vec<&str> =
        out["results"].as_array().unwrap().iter().map(|r| r["decision"].as_str().unwrap()).collect();
    assert_eq!(decisions, ["deny", "admit", "deny"]);
    v.push(json!({"name": "buildTime date_admission and date_to fall back to the event's date_from (as pretix)", "op": "access.policy_evaluate", "input": input, "expected": out}));

    let input = json!({
        "policy": {"id": "doors", "version": 1, "zones": ["main"], "rules": {"isAfter": [{"var": "now"}, {"buildTime": ["date_from"]}]}},
        "contexts": [],
    });
    let e = execute("access.policy_evaluate", &input).unwrap_err();
    assert_eq!(e.code(), "ACCESS_RULE_INVALID_VALUE");
    v.push(json!({"name": "buildTime date_from without the policy's event dates is a bad rule", "op": "access.policy_evaluate", "input": input, "expected_error": "ACCESS_RULE_INVALID_VALUE", "expected_details": {"path": "/isAfter/1"}}));
    assert_eq!(e.details()["path"], json!("/isAfter/1"));
    v
}

/// The committed file has each generated vector (by name) with the same content; with
/// `FESTIVAL_REGENERATE_VECTORS=1` they are replaced in place or appended.
fn in_sync(file: &str, generated: Vec<Value>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors").join(file);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    if std::env::var("FESTIVAL_REGENERATE_VECTORS").is_ok_and(|v| v == "1") {
        let list = doc["vectors"].as_array_mut().unwrap();
        for g in &generated {
            match list.iter_mut().find(|v| v["name"] == g["name"]) {
                Some(slot) => *slot = g.clone(),
                None => list.push(g.clone()),
            }
        }
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
    let list = doc["vectors"].as_array().unwrap();
    for g in &generated {
        let committed = list.iter().find(|v| v["name"] == g["name"]);
        assert!(
            committed == Some(g),
            "{file}: '{}' is missing or out of date: run with FESTIVAL_REGENERATE_VECTORS=1",
            g["name"]
        );
    }
}

#[test]
fn scan_fact_gap_vectors_are_generated_and_in_sync() {
    in_sync("scan_facts.json", scan_fact_vectors());
}

#[test]
fn policy_gap_vectors_are_generated_and_in_sync() {
    in_sync("checkin_policies.json", policy_vectors());
}
