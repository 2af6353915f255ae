//! Scans are facts (#14.3): a gate signs its own decision into each scan; reconciliation never
//! undoes an entry that happened, reports `admitted_in_error` with the server's reason, keeps
//! denials, and decides with the same check-in policy evaluator as the gate.

use festival_core::access::policy::{CheckinPolicy, PolicyCheck};
use festival_core::access::{self, AccessControl, Decision, DenyReason, Scan, ScanContext, Zone};
use festival_core::analytics::scan_stats;
use festival_core::calendar::FestivalCalendar;
use festival_core::offline::crypto;
use festival_core::offline::device::DeviceSigner;
use festival_core::offline::reconcile::{
    reconcile, ReconcileConfig, ReconcileState, RecordStatus, Resolution, TicketState,
};
use festival_core::offline::record::{Batch, Direction, Payload, ScanFact, SignedRecord};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use festival_core::ticketing::{NewTicket, TicketBook, TicketType};
use festival_core::{Currency, ErrorCode, Money, Timestamp};
use proptest::prelude::*;
use uuid::Uuid;

const FESTIVAL: u128 = 0xf0;
const ZONE: u128 = 0x21;
const TYPE: u128 = 0x7001;

fn t0() -> Timestamp {
    "2026-07-04T14:00:00Z".parse().unwrap()
}

fn gate(n: u128) -> DeviceEntry {
    DeviceEntry {
        device_id: Uuid::from_u128(n),
        public_key: crypto::public_key_from_seed(&[n as u8; 32]),
        festival_id: Uuid::from_u128(FESTIVAL),
        role: DeviceRole::Gate,
        locations: vec![Uuid::from_u128(ZONE)],
        valid_from: t0(),
        valid_until: t0().plus_millis(30 * 86_400_000),
        revoked_at: None,
    }
}

fn signer(n: u128) -> DeviceSigner {
    DeviceSigner::new([n as u8; 32], Uuid::from_u128(n), Uuid::from_u128(FESTIVAL))
}

fn fact(decision: Decision) -> ScanFact {
    ScanFact { decision, policy_version: 5, revocation_version: 2 }
}

fn scan(s: &mut DeviceSigner, rid: u128, ticket: u128, dir: Direction, min: i64, f: Option<ScanFact>) -> SignedRecord {
    let payload = Payload::Scan { ticket_id: Uuid::from_u128(ticket), zone_id: Uuid::from_u128(ZONE), direction: dir };
    s.sign_with_fact(Uuid::from_u128(rid), t0().plus_millis(min * 60_000), payload, f).unwrap()
}

fn policy_json(extra: &str) -> String {
    format!(
        r#"{{"id":"perimeter","version":5,"zones":["{}"],"calendar":{{"time_zone":"Europe/Berlin","day_starts_at":"06:00"}}{extra}}}"#,
        Uuid::from_u128(ZONE)
    )
}

fn ticket(inside: bool, revoked: bool, pending: bool) -> TicketState {
    TicketState { inside, revoked, pending, ticket_type_id: Some(Uuid::from_u128(TYPE)), ..Default::default() }
}

#[test]
fn admitted_scans_take_effect_even_when_the_server_would_deny_and_denials_are_recorded() {
    let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    state.set_checkin_policy(CheckinPolicy::from_json(&policy_json(r#","max_entries_per_day":1"#)).unwrap());
    for (id, t) in [(1, ticket(false, false, false)), (2, ticket(false, true, false)), (3, ticket(false, false, true)), (4, ticket(false, false, false))] {
        state.set_ticket(Uuid::from_u128(id), t);
    }
    let (mut g3, mut g4) = (signer(3), signer(4));
    let admit = Some(fact(Decision::Admit));
    let a = vec![
        scan(&mut g3, 0x101, 1, Direction::In, 0, admit),                           // fine
        scan(&mut g3, 0x102, 2, Direction::In, 1, admit),                           // revoked on the server
        scan(&mut g3, 0x103, 3, Direction::In, 2, admit),                           // pending: policy says unpaid
        scan(&mut g3, 0x104, 4, Direction::In, 3, Some(fact(Decision::Deny { reason: DenyReason::WrongGate }))),
        scan(&mut g3, 0x105, 1, Direction::Out, 60, admit),
    ];
    let b = vec![
        scan(&mut g4, 0x201, 1, Direction::In, 30, admit), // second entry while inside (gate 4 did not know)
        scan(&mut g4, 0x202, 1, Direction::In, 120, admit), // after the exit, but a second entry today
    ];
    let registry = DeviceRegistry::new(vec![gate(3), gate(4)]).unwrap();
    let batches = vec![Batch { records: a }.to_bytes(), Batch { records: b }.to_bytes()];
    let report = reconcile(&mut state, &registry, &batches, t0().plus_millis(86_400_000), &ReconcileConfig::default()).unwrap();
    let by = |rid: u128| report.scans.iter().find(|s| s.record_id == Uuid::from_u128(rid)).unwrap();
    assert_eq!(by(0x101).admitted_in_error, None);
    assert_eq!(by(0x102).admitted_in_error.as_deref(), Some("RECONCILE_TICKET_REVOKED"));
    assert_eq!(by(0x103).admitted_in_error.as_deref(), Some("RECONCILE_POLICY_DENIED"));
    assert_eq!(by(0x103).server_policy.as_ref().unwrap().decision, Decision::Deny { reason: DenyReason::Unpaid });
    assert!(!by(0x104).applied);
    assert_eq!(by(0x201).admitted_in_error.as_deref(), Some("RECONCILE_DOUBLE_ADMISSION"));
    let last = by(0x202);
    assert_eq!(last.admitted_in_error.as_deref(), Some("RECONCILE_POLICY_DENIED"));
    assert_eq!(last.server_policy.as_ref().unwrap().decided_by.check, PolicyCheck::MaxEntriesPerDay);
    // Everyone who went in is inside; nobody was "rejected".
    for id in [1, 2, 3] {
        assert!(state.tickets[&Uuid::from_u128(id)].inside, "ticket {id}");
    }
    assert!(!state.tickets[&Uuid::from_u128(4)].inside);
    assert!(report.records.iter().all(|r| r.status != RecordStatus::Rejected));
    let in_error = report.records.iter().filter(|r| r.resolution == Some(Resolution::AdmittedInError)).count();
    assert_eq!(in_error, 4);
    assert_eq!((report.counts.recorded, report.counts.accepted), (1, 6));
    // Failed-scan statistics by festival day.
    let stats = scan_stats(&report.scans, &FestivalCalendar::new("Europe/Berlin", "06:00").unwrap());
    assert_eq!((stats.total.admitted, stats.total.denied, stats.total.admitted_in_error), (6, 1, 4));
    assert_eq!(stats.total.denied_by_reason.get("wrong_gate"), Some(&1));
    assert_eq!(stats.total.in_error_by_reason.get("RECONCILE_POLICY_DENIED"), Some(&2));
    assert_eq!(stats.by_day.len(), 1);
}

#[test]
fn an_annulled_scan_fact_leaves_and_stops_counting() {
    let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    state.set_checkin_policy(CheckinPolicy::from_json(&policy_json("")).unwrap());
    state.set_ticket(Uuid::from_u128(1), ticket(false, false, false));
    let mut g = signer(3);
    let entry = scan(&mut g, 0x101, 1, Direction::In, 0, Some(fact(Decision::Admit)));
    let void = g.sign(Uuid::from_u128(0x102), t0().plus_millis(60_000), Payload::Void { voided_record_id: Uuid::from_u128(0x101) }).unwrap();
    let registry = DeviceRegistry::new(vec![gate(3)]).unwrap();
    let batches = vec![Batch { records: vec![entry, void] }.to_bytes()];
    reconcile(&mut state, &registry, &batches, t0().plus_millis(86_400_000), &ReconcileConfig::default()).unwrap();
    assert!(!state.tickets[&Uuid::from_u128(1)].inside);
}

/// The gate: one AccessControl with the policy, zone id = the zone's UUID text, a non-perimeter
/// zone with re-entry (so the ticket book plays no part beyond the type).
fn gate_side(policy: &str) -> (AccessControl, TicketBook) {
    let eur = Currency::iso("EUR").unwrap();
    let mut book = TicketBook::new();
    book.add_type(TicketType {
        id: Uuid::from_u128(TYPE),
        name: "Weekend".into(),
        price: Money::parse("100", eur).unwrap(),
        capacity: 10,
        sale_from: "2026-01-01T00:00:00Z".parse().unwrap(),
        sale_until: "2026-07-01T00:00:00Z".parse().unwrap(),
        valid_from: "2026-07-01T00:00:00Z".parse().unwrap(),
        valid_until: "2026-07-31T00:00:00Z".parse().unwrap(),
        max_per_order: 4,
        zones: vec![Uuid::from_u128(ZONE).to_string()],
        reentry_allowed: true,
        transfer_limit: 0,
    })
    .unwrap();
    book.issue(Uuid::from_u128(TYPE), NewTicket { id: Uuid::from_u128(1), number: "T1".into(), holder: "H".into() }, None, "2026-05-01T00:00:00Z".parse().unwrap())
        .unwrap();
    let zone = Zone {
        id: Uuid::from_u128(ZONE).to_string(),
        name: "Gate".into(),
        capacity: 1000,
        ticket_type_ids: vec![],
        perimeter: false,
        alert_thresholds: vec![],
    };
    let mut ac = AccessControl::new(vec![zone]).unwrap();
    ac.set_policy(CheckinPolicy::from_json(policy).unwrap()).unwrap();
    (ac, book)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// One gate that sees every scan decides exactly as reconciliation does afterwards: no
    /// admitted scan is in error, the server's policy decision equals the gate's, and the ticket
    /// ends inside iff the gate's zone has it inside.
    #[test]
    fn gate_and_reconciliation_agree(
        steps in prop::collection::vec((any::<bool>(), 1i64..600), 1..24),
        limits in (0u32..3, 0u32..3, 0u32..4, 0u32..90),
    ) {
        let mut extra = String::new();
        for (name, v) in [("max_entries", limits.0 * 2), ("max_entries_per_day", limits.1), ("max_days", limits.2), ("min_minutes_between_entries", limits.3)] {
            if v > 0 { extra.push_str(&format!(r#","{name}":{v}"#)); }
        }
        let policy = policy_json(&extra);
        let (mut ac, mut book) = gate_side(&policy);
        let mut g = signer(3);
        let mut records = Vec::new();
        let mut gate_decisions = Vec::new();
        let mut minute = 0i64;
        for (i, (entry, gap)) in steps.iter().enumerate() {
            minute += gap;
            let at = t0().plus_millis(minute * 60_000);
            let dir = if *entry { access::Direction::In } else { access::Direction::Out };
            let s = Scan { ticket_id: Uuid::from_u128(1), zone_id: Uuid::from_u128(ZONE).to_string(), direction: dir, at };
            let out = ac.scan_with(&mut book, &s, &ScanContext { gate: Some(Uuid::from_u128(3).to_string()), ..Default::default() }).unwrap();
            gate_decisions.push(out.clone());
            let d = if *entry { Direction::In } else { Direction::Out };
            records.push(scan(&mut g, 0x1000 + i as u128, 1, d, minute, Some(fact(out.decision))));
        }
        let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
        state.set_checkin_policy(CheckinPolicy::from_json(&policy).unwrap());
        state.set_ticket(Uuid::from_u128(1), ticket(false, false, false));
        let registry = DeviceRegistry::new(vec![gate(3)]).unwrap();
        let now = t0().plus_millis((minute + 1) * 60_000);
        let report = reconcile(&mut state, &registry, &[Batch { records }.to_bytes()], now, &ReconcileConfig::default()).unwrap();
        prop_assert_eq!(report.scans.len(), gate_decisions.len(), "{:?}", report.records);
        for (i, g) in gate_decisions.iter().enumerate() {
            let s = report.scans.iter().find(|s| s.record_id == Uuid::from_u128(0x1000 + i as u128)).unwrap();
            prop_assert_eq!(s.applied, g.decision == Decision::Admit);
            if s.applied {
                prop_assert_eq!(&s.admitted_in_error, &None, "scan {}: {:?}", i, s);
                prop_assert_eq!(s.server_policy.as_ref().map(|p| p.decision), g.policy.as_ref().map(|p| p.decision));
            }
        }
        let inside = ac.is_inside(&Uuid::from_u128(ZONE).to_string(), Uuid::from_u128(1)).unwrap();
        prop_assert_eq!(state.tickets[&Uuid::from_u128(1)].inside, inside);
    }
}

// ---------------------------------------------------------------------------------------------
// Per-zone presence, voids of final entries, stale revocation lists, attributes on the server.

const ARENA: u128 = 0x21;
const STAGE: u128 = 0x22;
const BACKSTAGE: u128 = 0x23;

fn z(n: u128) -> String {
    Uuid::from_u128(n).to_string()
}

fn zone_scan(s: &mut DeviceSigner, rid: u128, ticket: u128, zone: u128, dir: Direction, min: i64, f: ScanFact) -> SignedRecord {
    let payload = Payload::Scan { ticket_id: Uuid::from_u128(ticket), zone_id: Uuid::from_u128(zone), direction: dir };
    s.sign_with_fact(Uuid::from_u128(rid), t0().plus_millis(min * 60_000), payload, Some(f)).unwrap()
}

fn zone_gate(n: u128) -> DeviceEntry {
    DeviceEntry { locations: vec![Uuid::from_u128(ARENA), Uuid::from_u128(STAGE), Uuid::from_u128(BACKSTAGE)], ..gate(n) }
}

/// The arena (entry limits), the stage front (entering it leaves the arena) and backstage (no
/// policy), as check-in policies.
fn zone_policies(arena_extra: &str, stage_extra: &str) -> Vec<String> {
    vec![
        format!(r#"{{"id":"arena","version":1,"zones":["{}"]{arena_extra}}}"#, z(ARENA)),
        format!(r#"{{"id":"stage","version":2,"zones":["{}"],"leaves_zones":["{}"]{stage_extra}}}"#, z(STAGE), z(ARENA)),
    ]
}

fn zones_gate_side(policies: &[String]) -> (AccessControl, TicketBook) {
    let eur = Currency::iso("EUR").unwrap();
    let mut book = TicketBook::new();
    book.add_type(TicketType {
        id: Uuid::from_u128(TYPE),
        name: "Weekend".into(),
        price: Money::parse("100", eur).unwrap(),
        capacity: 10,
        sale_from: "2026-01-01T00:00:00Z".parse().unwrap(),
        sale_until: "2026-07-01T00:00:00Z".parse().unwrap(),
        valid_from: "2026-07-01T00:00:00Z".parse().unwrap(),
        valid_until: "2026-07-31T00:00:00Z".parse().unwrap(),
        max_per_order: 4,
        zones: vec![z(ARENA), z(STAGE), z(BACKSTAGE)],
        reentry_allowed: true,
        transfer_limit: 0,
    })
    .unwrap();
    for k in 1..=2 {
        book.issue(Uuid::from_u128(TYPE), NewTicket { id: Uuid::from_u128(k), number: format!("T{k}"), holder: "H".into() }, None, "2026-05-01T00:00:00Z".parse().unwrap())
            .unwrap();
    }
    let zone = |n: u128| Zone { id: z(n), name: format!("zone {n}"), capacity: 1000, ticket_type_ids: vec![], perimeter: false, alert_thresholds: vec![] };
    let mut ac = AccessControl::new(vec![zone(ARENA), zone(STAGE), zone(BACKSTAGE)]).unwrap();
    for p in policies {
        ac.set_policy(CheckinPolicy::from_json(p).unwrap()).unwrap();
    }
    (ac, book)
}

fn zones_state(policies: &[String], tickets: &[u128]) -> ReconcileState {
    let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    for p in policies {
        state.set_checkin_policy(CheckinPolicy::from_json(p).unwrap());
    }
    for k in tickets {
        state.set_ticket(Uuid::from_u128(*k), ticket(false, false, false));
    }
    state
}

fn per_zone() -> ReconcileConfig {
    ReconcileConfig { per_zone_presence: true, ..ReconcileConfig::default() }
}

#[test]
fn per_zone_presence_decides_like_the_gate_and_an_entry_leaves_zones() {
    let policies = zone_policies("", "");
    let admit = fact(Decision::Admit);
    let mut g = signer(3);
    let records = vec![
        zone_scan(&mut g, 0x301, 1, ARENA, Direction::In, 0, admit),
        zone_scan(&mut g, 0x302, 1, BACKSTAGE, Direction::In, 1, admit), // inside the arena too: fine
        zone_scan(&mut g, 0x303, 1, STAGE, Direction::In, 2, admit),     // leaves the arena
        zone_scan(&mut g, 0x304, 1, ARENA, Direction::In, 3, admit),     // back into the arena: fine
        zone_scan(&mut g, 0x305, 1, ARENA, Direction::In, 4, admit),     // inside the arena already
        zone_scan(&mut g, 0x306, 1, STAGE, Direction::Out, 5, admit),
        zone_scan(&mut g, 0x307, 1, STAGE, Direction::Out, 6, admit), // not inside the stage any more
    ];
    let batch = Batch { records }.to_bytes();
    let registry = DeviceRegistry::new(vec![zone_gate(3)]).unwrap();
    let now = t0().plus_millis(86_400_000);
    let mut state = zones_state(&policies, &[1]);
    let report = reconcile(&mut state, &registry, &[&batch], now, &per_zone()).unwrap();
    let by = |rid: u128| report.scans.iter().find(|s| s.record_id == Uuid::from_u128(rid)).unwrap();
    for rid in [0x301, 0x302, 0x303, 0x304, 0x306] {
        assert_eq!(by(rid).admitted_in_error, None, "{rid:#x}");
    }
    assert_eq!(by(0x303).left_zones, vec![Uuid::from_u128(ARENA)]);
    assert_eq!(by(0x305).admitted_in_error.as_deref(), Some("RECONCILE_DOUBLE_ADMISSION"));
    assert_eq!(by(0x307).admitted_in_error.as_deref(), Some("RECONCILE_NOT_INSIDE"));
    let t = &state.tickets[&Uuid::from_u128(1)];
    assert_eq!(t.zones.iter().copied().collect::<Vec<_>>(), vec![Uuid::from_u128(ARENA), Uuid::from_u128(BACKSTAGE)]);
    assert!(t.inside);
    // Without the setting, one flag per ticket: the backstage entry is a double admission, and the
    // state has no zones (as before).
    let mut flat = zones_state(&policies, &[1]);
    let report = reconcile(&mut flat, &registry, &[&batch], now, &ReconcileConfig::default()).unwrap();
    let by = |rid: u128| report.scans.iter().find(|s| s.record_id == Uuid::from_u128(rid)).unwrap();
    assert_eq!(by(0x302).admitted_in_error.as_deref(), Some("RECONCILE_DOUBLE_ADMISSION"));
    assert!(by(0x303).left_zones.is_empty());
    assert!(flat.tickets[&Uuid::from_u128(1)].zones.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Several zones, two tickets, an entry into the stage that leaves the arena: a gate that sees
    /// every scan and reconciliation with per-zone presence decide the same way — no admitted scan
    /// is in error, the server's policy decisions and the zones each entry left are the gate's,
    /// and each ticket ends inside exactly the zones the gate has it inside, also when the
    /// records arrive in two syncs in the other order.
    #[test]
    fn gate_and_reconciliation_agree_over_several_zones(
        steps in prop::collection::vec((1u128..3, 0usize..3, any::<bool>(), 1i64..300), 1..32),
        limits in (0u32..4, 0u32..3, 0u32..60),
        cut in 0usize..32,
    ) {
        let mut arena = String::new();
        for (name, v) in [("max_entries", limits.0 * 2), ("max_entries_per_day", limits.1)] {
            if v > 0 { arena.push_str(&format!(r#","{name}":{v}"#)); }
        }
        let stage = if limits.2 > 0 { format!(r#","min_minutes_between_entries":{}"#, limits.2) } else { String::new() };
        let policies = zone_policies(&arena, &stage);
        let (mut ac, mut book) = zones_gate_side(&policies);
        let zones = [ARENA, STAGE, BACKSTAGE];
        let mut g = signer(3);
        let (mut records, mut outs) = (Vec::new(), Vec::new());
        let mut minute = 0i64;
        for (i, (tk, zi, entry, gap)) in steps.iter().enumerate() {
            minute += gap;
            let at = t0().plus_millis(minute * 60_000);
            let dir = if *entry { access::Direction::In } else { access::Direction::Out };
            let s = Scan { ticket_id: Uuid::from_u128(*tk), zone_id: z(zones[*zi]), direction: dir, at };
            let out = ac.scan_with(&mut book, &s, &ScanContext { gate: Some(Uuid::from_u128(3).to_string()), ..Default::default() }).unwrap();
            let d = if *entry { Direction::In } else { Direction::Out };
            records.push(zone_scan(&mut g, 0x1000 + i as u128, *tk, zones[*zi], d, minute, fact(out.decision)));
            outs.push(out);
        }
        let registry = DeviceRegistry::new(vec![zone_gate(3)]).unwrap();
        let now = t0().plus_millis((minute + 1) * 60_000);
        let mut state = zones_state(&policies, &[1, 2]);
        let report = reconcile(&mut state, &registry, &[Batch { records: records.clone() }.to_bytes()], now, &per_zone()).unwrap();
        prop_assert_eq!(report.scans.len(), outs.len());
        for (i, g) in outs.iter().enumerate() {
            let s = report.scans.iter().find(|s| s.record_id == Uuid::from_u128(0x1000 + i as u128)).unwrap();
            prop_assert_eq!(s.applied, g.decision == Decision::Admit);
            if s.applied {
                prop_assert_eq!(&s.admitted_in_error, &None, "scan {}: {:?}", i, s);
                prop_assert_eq!(s.server_policy.as_ref().map(|p| p.decision), g.policy.as_ref().map(|p| p.decision));
                let left: Vec<String> = s.left_zones.iter().map(|u| u.to_string()).collect();
                prop_assert_eq!(left, g.left_zones.clone());
            }
        }
        for tk in [1u128, 2] {
            let t = &state.tickets[&Uuid::from_u128(tk)];
            for zone in zones {
                prop_assert_eq!(t.zones.contains(&Uuid::from_u128(zone)), ac.is_inside(&z(zone), Uuid::from_u128(tk)).unwrap());
            }
            for p in ["arena", "stage"] {
                prop_assert_eq!(t.entries.get(p).map_or(&[][..], Vec::as_slice), ac.entries_on(p, Uuid::from_u128(tk)));
            }
        }
        // The same records in two syncs, the later half first: the same tickets.
        let cut = cut.min(records.len());
        let mut split = zones_state(&policies, &[1, 2]);
        let (a, b) = records.split_at(cut);
        reconcile(&mut split, &registry, &[Batch { records: b.to_vec() }.to_bytes()], now, &per_zone()).unwrap();
        reconcile(&mut split, &registry, &[Batch { records: a.to_vec() }.to_bytes()], now, &per_zone()).unwrap();
        prop_assert_eq!(&split.tickets, &state.tickets);
    }
}

/// A void of a final entry uncounts it on the policy (entries, days, last entry), across the
/// finality watermark; a ticket whose first scans became final while later ones did not keeps
/// their effect (the base moves with the watermark).
#[test]
fn a_void_of_a_final_entry_uncounts_it_across_the_watermark() {
    let policy = policy_json(r#","max_entries":1"#);
    let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    state.set_checkin_policy(CheckinPolicy::from_json(&policy).unwrap());
    state.set_ticket(Uuid::from_u128(1), ticket(false, false, false));
    let registry = DeviceRegistry::new(vec![gate(3), gate(4)]).unwrap();
    let config = ReconcileConfig {
        finality: festival_core::offline::reconcile::Finality { max_offline_ms: Some(3_600_000), ..Default::default() },
        ..ReconcileConfig::default()
    };
    let admit = Some(fact(Decision::Admit));
    let mut g = signer(3);
    let entry = scan(&mut g, 0x101, 1, Direction::In, 0, admit);
    reconcile(&mut state, &registry, &[Batch { records: vec![entry] }.to_bytes()], t0().plus_millis(60_000), &config).unwrap();
    // Three hours later the entry is final.
    let r = reconcile::<Vec<u8>>(&mut state, &registry, &[], t0().plus_millis(3 * 3_600_000), &config).unwrap();
    assert_eq!(r.finalized, 1);
    let final_entry = state.records.get(&Uuid::from_u128(0x101)).unwrap();
    assert_eq!((final_entry.zone_id, final_entry.entry_at), (Some(Uuid::from_u128(ZONE)), Some(t0())));
    assert_eq!(state.tickets[&Uuid::from_u128(1)].entries["perimeter"], vec![t0()]);
    // The kiosk annuls it (a void of the final entry): it no longer counts.
    let void = g.sign(Uuid::from_u128(0x102), t0().plus_millis(3 * 3_600_000), Payload::Void { voided_record_id: Uuid::from_u128(0x101) }).unwrap();
    let r = reconcile(&mut state, &registry, &[Batch { records: vec![void] }.to_bytes()], t0().plus_millis(3 * 3_600_000 + 60_000), &config).unwrap();
    assert_eq!(r.counts.accepted, 1, "{:?}", r.records);
    let t = &state.tickets[&Uuid::from_u128(1)];
    assert!(!t.inside);
    assert!(t.entries.is_empty(), "{t:?}");
    // So with max_entries 1 the next entry is not in error.
    let again = scan(&mut g, 0x103, 1, Direction::In, 4 * 60, admit);
    let r = reconcile(&mut state, &registry, &[Batch { records: vec![again] }.to_bytes()], t0().plus_millis(4 * 3_600_000 + 60_000), &config).unwrap();
    assert_eq!(r.scans[0].admitted_in_error, None, "{:?}", r.scans);
    assert_eq!(r.scans[0].server_policy.as_ref().unwrap().decision, Decision::Admit);

    // Final and non-final scans of one ticket: the final entry stays in the base when a later
    // scan of another gate makes the ticket fold again.
    let mut s2 = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    s2.set_checkin_policy(CheckinPolicy::from_json(&policy).unwrap());
    s2.set_ticket(Uuid::from_u128(1), ticket(false, false, false));
    let mut g3 = signer(3);
    let first = scan(&mut g3, 0x201, 1, Direction::In, 0, admit);
    let exit = scan(&mut g3, 0x202, 1, Direction::Out, 170, admit);
    reconcile(&mut s2, &registry, &[Batch { records: vec![first, exit] }.to_bytes()], t0().plus_millis(3 * 3_600_000), &config).unwrap();
    assert_eq!(s2.non_final_count(), 1, "the exit at 02:50 is not final at 03:00 with one hour offline");
    let mut g4 = signer(4);
    let second = scan(&mut g4, 0x203, 1, Direction::In, 175, admit);
    let r = reconcile(&mut s2, &registry, &[Batch { records: vec![second] }.to_bytes()], t0().plus_millis(3 * 3_600_000), &config).unwrap();
    let s = r.scans.iter().find(|s| s.record_id == Uuid::from_u128(0x203)).unwrap();
    assert_eq!(s.admitted_in_error.as_deref(), Some("RECONCILE_POLICY_DENIED"), "the final entry still counts");
    assert!(r.scans.iter().all(|s| s.record_id != Uuid::from_u128(0x202) || s.admitted_in_error.is_none()), "the exit is still of a ticket inside");
}

#[test]
fn an_entry_with_a_stale_revocation_list_is_admitted_in_error_naming_the_list() {
    let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    for k in 1..=3 {
        state.set_ticket(Uuid::from_u128(k), ticket(false, k == 1 || k == 2, false));
    }
    // List 2 (at t0) revokes nothing of ours; list 3 (t0 + 30 min) revokes tickets 1 and 2.
    state.publish_revocation_list(2, t0(), vec![Uuid::from_u128(9)]).unwrap();
    state.publish_revocation_list(3, t0().plus_millis(30 * 60_000), vec![Uuid::from_u128(2), Uuid::from_u128(1)]).unwrap();
    let f = |v: u64| Some(ScanFact { decision: Decision::Admit, policy_version: 0, revocation_version: v });
    let mut g = signer(3);
    let records = vec![
        scan(&mut g, 0x101, 1, Direction::In, 10, f(2)), // before list 3: revoked since, as today
        scan(&mut g, 0x102, 2, Direction::In, 40, f(2)), // list 3 was out: the gate's list was stale
        scan(&mut g, 0x103, 3, Direction::In, 41, f(3)), // a current list, a valid ticket
    ];
    let registry = DeviceRegistry::new(vec![gate(3)]).unwrap();
    let r = reconcile(&mut state, &registry, &[Batch { records }.to_bytes()], t0().plus_millis(86_400_000), &ReconcileConfig::default()).unwrap();
    let by = |rid: u128| r.scans.iter().find(|s| s.record_id == Uuid::from_u128(rid)).unwrap();
    assert_eq!(by(0x101).admitted_in_error.as_deref(), Some("RECONCILE_TICKET_REVOKED"));
    assert_eq!(by(0x101).stale_revocation_list, None);
    assert_eq!(by(0x102).admitted_in_error.as_deref(), Some("RECONCILE_STALE_REVOCATION_LIST"));
    let stale = by(0x102).stale_revocation_list.unwrap();
    assert_eq!((stale.gate_version, stale.current_version, stale.published_at), (2, 3, t0().plus_millis(30 * 60_000)));
    assert_eq!(by(0x103).admitted_in_error, None);
    let stats = scan_stats(&r.scans, &FestivalCalendar::utc());
    assert_eq!(stats.total.in_error_by_reason.get("RECONCILE_STALE_REVOCATION_LIST"), Some(&1));
    assert_eq!(stats.total.stale_revocation_list, 1);
    // A version published twice with other tickets, or out of order, is refused.
    assert_eq!(state.publish_revocation_list(3, t0().plus_millis(30 * 60_000), vec![]).unwrap_err().code(), "RECONCILE_INVALID_STATE");
    assert_eq!(state.publish_revocation_list(4, t0(), vec![]).unwrap_err().code(), "RECONCILE_INVALID_STATE");
    // The history persists.
    let back: ReconcileState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    assert_eq!(back, state);
}

#[test]
fn ticket_attributes_on_the_server_decide_rules_as_at_the_gate() {
    let rule = r#","rules":{"==":[{"var":"attributes.vip"},true]}"#;
    let policy = policy_json(rule);
    let mut state = ReconcileState::new(Uuid::from_u128(FESTIVAL), Currency::iso("EUR").unwrap());
    state.set_checkin_policy(CheckinPolicy::from_json(&policy).unwrap());
    let mut vip = ticket(false, false, false);
    vip.attributes.insert("vip".into(), festival_core::access::policy::AttributeValue::Bool(true));
    state.set_ticket(Uuid::from_u128(1), vip.clone());
    state.set_ticket(Uuid::from_u128(2), ticket(false, false, false));
    let mut g = signer(3);
    let admit = Some(fact(Decision::Admit));
    let records = vec![scan(&mut g, 0x101, 1, Direction::In, 0, admit), scan(&mut g, 0x102, 2, Direction::In, 1, admit)];
    let registry = DeviceRegistry::new(vec![gate(3)]).unwrap();
    let r = reconcile(&mut state, &registry, &[Batch { records }.to_bytes()], t0().plus_millis(86_400_000), &ReconcileConfig::default()).unwrap();
    let by = |rid: u128| r.scans.iter().find(|s| s.record_id == Uuid::from_u128(rid)).unwrap();
    assert_eq!(by(0x101).admitted_in_error, None);
    assert_eq!(by(0x102).admitted_in_error.as_deref(), Some("RECONCILE_POLICY_DENIED"));
    assert_eq!(by(0x102).server_policy.as_ref().unwrap().decided_by.rule_variable.as_deref(), Some("attributes.vip"));
    // The gate with the same attributes decides the same way.
    let (mut ac, mut book) = gate_side(&policy);
    let s = Scan { ticket_id: Uuid::from_u128(1), zone_id: Uuid::from_u128(ZONE).to_string(), direction: access::Direction::In, at: t0() };
    let ctx = ScanContext { gate: Some(Uuid::from_u128(3).to_string()), attributes: vip.attributes.clone(), ..Default::default() };
    assert_eq!(ac.scan_with(&mut book, &s, &ctx).unwrap().decision, Decision::Admit);
    assert_eq!(state.tickets[&Uuid::from_u128(1)].attributes, vip.attributes);
}
