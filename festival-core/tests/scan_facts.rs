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
use festival_core::{Currency, Money, Timestamp};
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
