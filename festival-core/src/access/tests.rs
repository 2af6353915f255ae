use super::*;
use crate::money::{Currency, Money};
use crate::ticketing::{NewTicket, TicketType};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}
const DAY: u128 = 1;
const VIP: u128 = 2;
const NOON: &str = "2026-07-04T12:00:00Z";

fn ty(id: u128, zones: &[&str], reentry: bool) -> TicketType {
    TicketType {
        id: Uuid::from_u128(id),
        name: format!("type {id}"),
        price: Money::parse("50", Currency::iso("EUR").unwrap()).unwrap(),
        capacity: 100,
        sale_from: ts("2026-01-01T00:00:00Z"),
        sale_until: ts("2026-07-04T00:00:00Z"),
        valid_from: ts("2026-07-04T10:00:00Z"),
        valid_until: ts("2026-07-05T04:00:00Z"),
        max_per_order: 4,
        zones: zones.iter().map(|z| z.to_string()).collect(),
        reentry_allowed: reentry,
        transfer_limit: 1,
    }
}

fn setup(main_capacity: u32) -> (AccessControl, TicketBook) {
    let mut book = TicketBook::new();
    book.add_type(ty(DAY, &["main"], false)).unwrap();
    book.add_type(ty(VIP, &["main", "backstage"], true)).unwrap();
    for n in 0..6u128 {
        let spec = NewTicket { id: Uuid::from_u128(100 + n), number: format!("N{n}"), holder: "H".into() };
        book.issue(Uuid::from_u128(if n < 3 { DAY } else { VIP }), spec, None, ts("2026-05-01T00:00:00Z")).unwrap();
    }
    let zones = vec![
        Zone {
            id: "main".into(),
            name: "Main".into(),
            capacity: main_capacity,
            ticket_type_ids: vec![],
            perimeter: true,
            alert_thresholds: vec![100, 50],
        },
        Zone {
            id: "backstage".into(),
            name: "Backstage".into(),
            capacity: 10,
            ticket_type_ids: vec![],
            perimeter: false,
            alert_thresholds: vec![],
        },
    ];
    (AccessControl::new(zones).unwrap(), book)
}

fn scan(n: u128, zone: &str, direction: Direction, at: &str) -> Scan {
    Scan { ticket_id: Uuid::from_u128(100 + n), zone_id: zone.into(), direction, at: ts(at) }
}

fn tampered(ac: &AccessControl, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = serde_json::to_value(ac).unwrap();
    edit(&mut v);
    v.to_string()
}

fn stored_error(text: &str, code: &str) -> String {
    let e = AccessControl::from_json(text).unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert!(serde_json::from_str::<AccessControl>(text).is_err(), "plain serde must reject it too");
    e.to_string()
}

#[test]
fn stored_state_round_trips_byte_identical() {
    let (mut ac, mut book) = setup(2);
    ac.scan(&mut book, &scan(0, "main", Direction::In, NOON)).unwrap();
    ac.scan(&mut book, &scan(3, "main", Direction::In, NOON)).unwrap();
    ac.scan(&mut book, &scan(3, "backstage", Direction::In, NOON)).unwrap();
    let text = ac.to_json().unwrap();
    assert_eq!(text, serde_json::to_string(&ac).unwrap());
    let back = AccessControl::from_json(&text).unwrap();
    assert_eq!(back, ac);
    assert_eq!(back.to_json().unwrap(), text);
    for bad in ["{}", "7", "{\"zones\": []}", "{"] {
        assert_eq!(AccessControl::from_json(bad).unwrap_err().code(), "INPUT_INVALID", "{bad}");
    }
}

#[test]
fn inconsistent_stored_state_is_rejected() {
    let (mut ac, mut book) = setup(2);
    ac.scan(&mut book, &scan(0, "main", Direction::In, NOON)).unwrap();
    let e = stored_error(&tampered(&ac, |v| v["zones"]["main"]["zone"]["capacity"] = 0.into()), "ACCESS_INVALID_ZONE");
    assert!(e.contains("capacity"), "{e}");
    let e = stored_error(
        &tampered(&ac, |v| v["zones"]["main"]["zone"]["alert_thresholds"] = serde_json::json!([100, 50])),
        "ACCESS_INVALID_ZONE",
    );
    assert!(e.contains("thresholds"), "{e}");
    let e = stored_error(
        &tampered(&ac, |v| {
            let z = v["zones"]["main"].take();
            v["zones"]["elsewhere"] = z;
            v["zones"].as_object_mut().unwrap().remove("main");
        }),
        "ACCESS_STATE_INVALID",
    );
    assert_eq!(e, "inconsistent access state: zone 'elsewhere': filed under another id");
    let e = stored_error(&tampered(&ac, |v| v["zones"]["main"]["exits"] = 1.into()), "ACCESS_STATE_INVALID");
    assert!(e.contains("entries - exits"), "{e}");
    let e = stored_error(
        &tampered(&ac, |v| {
            v["zones"]["main"]["entries"] = 2.into();
            v["zones"]["main"]["occupancy"] = 2.into();
        }),
        "ACCESS_STATE_INVALID",
    );
    assert!(e.contains("number of tickets inside"), "{e}");
    let e = stored_error(
        &tampered(&ac, |v| {
            v["zones"]["main"]["zone"]["capacity"] = 1.into();
            v["zones"]["main"]["zone"]["alert_thresholds"] = serde_json::json!([]);
            v["zones"]["main"]["presence"][Uuid::from_u128(103).to_string()] =
                serde_json::json!({"inside": true, "entries": 1});
            v["zones"]["main"]["entries"] = 2.into();
            v["zones"]["main"]["occupancy"] = 2.into();
        }),
        "ACCESS_STATE_INVALID",
    );
    assert!(e.contains("exceeds the capacity"), "{e}");
    let e =
        stored_error(&tampered(&ac, |v| v["zones"]["main"]["fired"] = serde_json::json!([80])), "ACCESS_STATE_INVALID");
    assert!(e.contains("fired alert"), "{e}");
}

fn deny(reason: DenyReason) -> Decision {
    Decision::Deny { reason }
}

#[test]
fn every_deny_reason() {
    let (mut ac, mut book) = setup(3);
    let mut run = |n, zone, dir, at| ac.scan(&mut book, &scan(n, zone, dir, at)).unwrap().decision;
    assert_eq!(run(0, "main", Direction::Out, NOON), deny(DenyReason::NotInside));
    assert_eq!(run(0, "main", Direction::In, "2026-07-04T09:59:59.999Z"), deny(DenyReason::OutsideValidity));
    assert_eq!(run(0, "backstage", Direction::In, NOON), deny(DenyReason::WrongZone));
    assert_eq!(run(0, "main", Direction::In, NOON), Decision::Admit);
    assert_eq!(run(0, "main", Direction::In, NOON), deny(DenyReason::AlreadyInside));
    assert_eq!(run(0, "main", Direction::Out, NOON), Decision::Admit);
    assert_eq!(run(0, "main", Direction::In, NOON), deny(DenyReason::ReentryNotAllowed));
    assert_eq!(run(3, "main", Direction::In, NOON), Decision::Admit);
    assert_eq!(run(4, "main", Direction::In, NOON), Decision::Admit);
    assert_eq!(run(5, "main", Direction::In, NOON), Decision::Admit);
    assert_eq!(run(1, "main", Direction::In, NOON), deny(DenyReason::ZoneFull));
    // VIP re-entry is allowed.
    assert_eq!(run(3, "main", Direction::Out, NOON), Decision::Admit);
    assert_eq!(run(3, "main", Direction::In, NOON), Decision::Admit);
    assert_eq!(run(3, "backstage", Direction::In, NOON), Decision::Admit);
    book.apply(Uuid::from_u128(101), TicketEvent::Cancel, ts(NOON)).unwrap();
    book.apply(Uuid::from_u128(102), TicketEvent::Refund, ts(NOON)).unwrap();
    let spec = NewTicket { id: Uuid::from_u128(200), number: "N200".into(), holder: "New".into() };
    assert_eq!(book.transfer(Uuid::from_u128(102), spec, ts(NOON)).unwrap_err().code(), "TICKET_ILLEGAL_TRANSITION");
    let (mut ac2, mut book2) = setup(3);
    let spec = NewTicket { id: Uuid::from_u128(200), number: "N200".into(), holder: "New".into() };
    book2.transfer(Uuid::from_u128(101), spec, ts(NOON)).unwrap();
    book2.apply(Uuid::from_u128(102), TicketEvent::Revoke, ts(NOON)).unwrap();
    assert_eq!(
        ac2.scan(&mut book2, &scan(1, "main", Direction::In, NOON)).unwrap().decision,
        deny(DenyReason::Transferred)
    );
    assert_eq!(
        ac2.scan(&mut book2, &scan(2, "main", Direction::In, NOON)).unwrap().decision,
        deny(DenyReason::Revoked)
    );
    assert_eq!(ac2.scan(&mut book2, &scan(100, "main", Direction::In, NOON)).unwrap().decision, Decision::Admit);
    assert_eq!(
        ac.scan(&mut book, &scan(1, "main", Direction::In, NOON)).unwrap().decision,
        deny(DenyReason::Cancelled)
    );
    assert_eq!(ac.scan(&mut book, &scan(2, "main", Direction::In, NOON)).unwrap().decision, deny(DenyReason::Refunded));
}

#[test]
fn perimeter_scans_drive_the_ticket_state() {
    let (mut ac, mut book) = setup(3);
    let id = Uuid::from_u128(103);
    ac.scan(&mut book, &scan(3, "main", Direction::In, NOON)).unwrap();
    assert_eq!(book.ticket(id).unwrap().state, TicketState::CheckedIn);
    assert!(book.ticket(id).unwrap().used);
    ac.scan(&mut book, &scan(3, "backstage", Direction::In, NOON)).unwrap();
    assert_eq!(book.ticket(id).unwrap().state, TicketState::CheckedIn, "inner zones do not move the state");
    ac.scan(&mut book, &scan(3, "main", Direction::Out, NOON)).unwrap();
    assert_eq!(book.ticket(id).unwrap().state, TicketState::CheckedOut);
    // A revoked ticket inside may leave.
    ac.scan(&mut book, &scan(4, "main", Direction::In, NOON)).unwrap();
    book.apply(Uuid::from_u128(104), TicketEvent::Revoke, ts(NOON)).unwrap();
    assert_eq!(ac.scan(&mut book, &scan(4, "main", Direction::Out, NOON)).unwrap().decision, Decision::Admit);
    assert_eq!(book.ticket(Uuid::from_u128(104)).unwrap().state, TicketState::Revoked);
    assert_eq!(ac.occupancy("main").unwrap().occupancy, 0);
}

#[test]
fn alerts_fire_once_and_rearm_below_the_threshold() {
    let (mut ac, mut book) = setup(4);
    let mut alerts = |n, dir| {
        ac.scan(&mut book, &scan(n, "main", dir, NOON))
            .unwrap()
            .alerts
            .iter()
            .map(|a| a.threshold_percent)
            .collect::<Vec<_>>()
    };
    assert_eq!(alerts(3, Direction::In), Vec::<u32>::new());
    assert_eq!(alerts(4, Direction::In), vec![50]);
    assert_eq!(alerts(4, Direction::Out), Vec::<u32>::new()); // 1 of 4: 50 % re-armed
    assert_eq!(alerts(4, Direction::In), vec![50]);
    assert_eq!(alerts(5, Direction::In), Vec::<u32>::new());
    assert_eq!(alerts(0, Direction::In), vec![100]);
    let o = ac.occupancy("main").unwrap();
    assert_eq!((o.occupancy, o.entries, o.exits), (4, 5, 1));
}

#[test]
fn bad_input_is_an_error_not_a_deny() {
    let (mut ac, mut book) = setup(3);
    let e = ac.scan(&mut book, &scan(0, "nowhere", Direction::In, NOON)).unwrap_err();
    assert_eq!((e.code(), e.details()["zone_id"].as_str()), ("ACCESS_UNKNOWN_ZONE", Some("nowhere")));
    assert_eq!(ac.scan(&mut book, &scan(77, "main", Direction::In, NOON)).unwrap_err().code(), "ACCESS_UNKNOWN_TICKET");
    let zone = |id: &str, capacity, thresholds: Vec<u32>| Zone {
        id: id.into(),
        name: "Z".into(),
        capacity,
        ticket_type_ids: vec![],
        perimeter: false,
        alert_thresholds: thresholds,
    };
    assert_eq!(AccessControl::new(vec![zone("a", 0, vec![])]).unwrap_err().code(), "ACCESS_INVALID_ZONE");
    assert_eq!(AccessControl::new(vec![zone("a", 1, vec![101])]).unwrap_err().code(), "ACCESS_INVALID_ZONE");
    assert_eq!(AccessControl::new(vec![zone("a", 1, vec![80, 80])]).unwrap_err().code(), "ACCESS_INVALID_ZONE");
    assert_eq!(AccessControl::new(vec![zone("", 1, vec![])]).unwrap_err().code(), "ACCESS_INVALID_ZONE");
    assert_eq!(
        AccessControl::new(vec![zone("a", 1, vec![]), zone("a", 2, vec![])]).unwrap_err().code(),
        "ACCESS_DUPLICATE_ZONE"
    );
    // The zone may grant a type that does not list it.
    let mut ac =
        AccessControl::new(vec![Zone { ticket_type_ids: vec![Uuid::from_u128(DAY)], ..zone("backstage", 5, vec![]) }])
            .unwrap();
    assert_eq!(ac.scan(&mut book, &scan(0, "backstage", Direction::In, NOON)).unwrap().decision, Decision::Admit);
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Occupancy is never negative, never above capacity, equals entries − exits and the
        /// number of tickets inside; alerts fire only on entries.
        #[test]
        fn occupancy_is_entries_minus_exits(capacity in 1u32..5,
                                             scans in prop::collection::vec((0u128..6, any::<bool>(), any::<bool>(), 0i64..3), 1..80)) {
            let (_, mut book) = setup(capacity);
            let zones = vec![
                Zone { id: "main".into(), name: "Main".into(), capacity, ticket_type_ids: vec![], perimeter: true, alert_thresholds: vec![50, 80, 100] },
                Zone { id: "backstage".into(), name: "B".into(), capacity, ticket_type_ids: vec![], perimeter: false, alert_thresholds: vec![100] },
            ];
            let mut ac = AccessControl::new(zones).unwrap();
            let base = ts(NOON);
            for (n, backstage, inward, hour) in scans {
                let zone = if backstage { "backstage" } else { "main" };
                let direction = if inward { Direction::In } else { Direction::Out };
                let at = base.plus_millis(hour * 10 * 3_600_000);
                let before = ac.occupancy(zone).unwrap().occupancy;
                let out = ac.scan(&mut book, &Scan { ticket_id: Uuid::from_u128(100 + n), zone_id: zone.into(), direction, at }).unwrap();
                let o = ac.occupancy(zone).unwrap();
                prop_assert_eq!(out.occupancy, o.occupancy);
                prop_assert_eq!(u64::from(o.occupancy), o.entries - o.exits);
                prop_assert!(o.occupancy <= o.capacity);
                let inside = (0..6u128).filter(|k| ac.is_inside(zone, Uuid::from_u128(100 + k)).unwrap()).count();
                prop_assert_eq!(inside, o.occupancy as usize);
                match out.decision {
                    Decision::Admit if inward => prop_assert_eq!(o.occupancy, before + 1),
                    Decision::Admit => prop_assert_eq!(o.occupancy + 1, before),
                    Decision::Deny { .. } => { prop_assert_eq!(o.occupancy, before); prop_assert!(out.alerts.is_empty()); }
                }
                if !inward { prop_assert!(out.alerts.is_empty()); }
                // Every reached state is valid stored state: the round trip is the identity.
                let text = ac.to_json().unwrap();
                let back = AccessControl::from_json(&text).unwrap();
                prop_assert_eq!(&back, &ac);
                prop_assert_eq!(back.to_json().unwrap(), text);
            }
        }
    }
}

fn pol(json: &str) -> policy::CheckinPolicy {
    policy::CheckinPolicy::from_json(json).unwrap()
}

#[test]
fn policies_decide_after_anti_passback_and_before_capacity() {
    let (mut ac, mut book) = setup(10);
    ac.set_policy(pol(r#"{"id":"bs","version":2,"zones":["backstage"],"max_entries":1,"gates":["east"]}"#)).unwrap();
    let east = ScanContext { gate: Some("east".into()), ..Default::default() };
    // VIP ticket 3: wrong gate first, then admitted, then anti-passback before the policy.
    let out = ac.scan_with(&mut book, &scan(3, "backstage", Direction::In, NOON), &ScanContext::default()).unwrap();
    assert_eq!(out.decision, Decision::Deny { reason: DenyReason::WrongGate });
    assert_eq!(out.policy.as_ref().map(|p| p.decided_by.check), Some(policy::PolicyCheck::Gates));
    assert_eq!(ac.scan_with(&mut book, &scan(3, "backstage", Direction::In, NOON), &east).unwrap().decision, Decision::Admit);
    let again = ac.scan_with(&mut book, &scan(3, "backstage", Direction::In, NOON), &east).unwrap();
    assert_eq!((again.decision, again.policy), (Decision::Deny { reason: DenyReason::AlreadyInside }, None));
    ac.scan_with(&mut book, &scan(3, "backstage", Direction::Out, NOON), &east).unwrap();
    let third = ac.scan_with(&mut book, &scan(3, "backstage", Direction::In, NOON), &east).unwrap();
    assert_eq!(third.decision, Decision::Deny { reason: DenyReason::MaxEntriesReached });
    assert_eq!(ac.entries_on("bs", Uuid::from_u128(103)).len(), 1);
    // A zone has one policy; policies name existing zones.
    let e = ac.set_policy(pol(r#"{"id":"x","version":1,"zones":["backstage"]}"#)).unwrap_err();
    assert_eq!(e.code(), "ACCESS_POLICY_INVALID");
    let e = ac.set_policy(pol(r#"{"id":"x","version":1,"zones":["nowhere"]}"#)).unwrap_err();
    assert_eq!(e.code(), "ACCESS_POLICY_INVALID");
    let e = ac.set_policy(pol(r#"{"id":"x","version":1,"zones":["backstage"],"leaves_zones":["main"]}"#)).unwrap_err();
    assert_eq!(e.code(), "ACCESS_POLICY_INVALID", "the perimeter cannot be left implicitly");
    // State with policies round-trips and is validated.
    let json = ac.to_json().unwrap();
    assert_eq!(AccessControl::from_json(&json).unwrap(), ac);
    assert_eq!(AccessControl::from_json(&json.replace(r#""entries":{"bs""#, r#""entries":{"zz""#)).unwrap_err().code(), "ACCESS_STATE_INVALID");
}

#[test]
fn entering_b_leaves_a_and_annul_undoes_a_check_in() {
    let (mut ac, mut book) = setup(10);
    ac.set_policy(pol(r#"{"id":"stage","version":1,"zones":["main"]}"#)).unwrap();
    ac.set_policy(pol(r#"{"id":"bs","version":1,"zones":["backstage"],"leaves_zones":[]}"#)).unwrap();
    let ctx = ScanContext::default();
    // Perimeter check-in of a day ticket, then annulled: valid and unused again, and it may enter.
    ac.scan_with(&mut book, &scan(0, "main", Direction::In, NOON), &ctx).unwrap();
    assert!(book.ticket(Uuid::from_u128(100)).unwrap().used);
    let occ = ac.annul(&mut book, Uuid::from_u128(100), "main", ts(NOON)).unwrap();
    assert_eq!((occ.occupancy, occ.entries), (0, 0));
    let t = book.ticket(Uuid::from_u128(100)).unwrap();
    assert_eq!((t.state, t.used), (TicketState::Valid, false));
    assert!(ac.entries_on("stage", Uuid::from_u128(100)).is_empty());
    assert_eq!(ac.scan_with(&mut book, &scan(0, "main", Direction::In, NOON), &ctx).unwrap().decision, Decision::Admit);
    let e = ac.annul(&mut book, Uuid::from_u128(101), "main", ts(NOON)).unwrap_err();
    assert_eq!(e.code(), "ACCESS_NOTHING_TO_ANNUL");
    // Backstage leaves the stage-front zone: make a second, non-perimeter zone pair.
    let zones = vec![
        Zone { id: "arena".into(), name: "Arena".into(), capacity: 5, ticket_type_ids: vec![Uuid::from_u128(VIP)], perimeter: false, alert_thresholds: vec![] },
        Zone { id: "front".into(), name: "Front".into(), capacity: 5, ticket_type_ids: vec![Uuid::from_u128(VIP)], perimeter: false, alert_thresholds: vec![] },
    ];
    let mut ac = AccessControl::new(zones).unwrap();
    ac.set_policy(pol(r#"{"id":"front","version":1,"zones":["front"],"leaves_zones":["arena"]}"#)).unwrap();
    ac.scan(&mut book, &scan(3, "arena", Direction::In, NOON)).unwrap();
    let out = ac.scan(&mut book, &scan(3, "front", Direction::In, NOON)).unwrap();
    assert_eq!(out.left_zones, vec!["arena".to_string()]);
    assert_eq!(ac.occupancy("arena").unwrap().occupancy, 0);
    assert!(ac.validate().is_ok());
}
