//! Chapter: offline devices, attacks, and the reconciliation when they sync.
//!
//! Two bar/food POS terminals, two gates, a top-up desk and a stolen (revoked) POS work without
//! network. A guest spends the same balance at two stands, a cloned QR code enters at two gates,
//! someone edits a record on a POS, and the stolen POS keeps selling. When everything syncs —
//! batches in shuffled order, one sent twice — the server reconciles and the report must add up.

use festival_core::error::ErrorCode;
use festival_core::offline::codes::{self, IssuerKey, KeySet, RevocationList, RevocationStore, TicketClaims};
use festival_core::offline::allowance::Allowance;
use festival_core::offline::crypto::{public_key_from_seed, StrictPublicKey};
use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceSigner};
use festival_core::offline::reconcile::{
    reconcile, ConflictPolicy, Finality, ReconcileConfig, ReconcileState, TicketState,
};
use festival_core::offline::record::{Direction, LineItem, Payload, SignedRecord};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use festival_core::offline::OfflineError;
use festival_core::wallet::{Entry, Operation, TopUpMethod, Wallet, WalletConfig};
use festival_core::{Currency, Money, Timestamp};
use std::collections::BTreeMap;
use uuid::Uuid;

const FESTIVAL: Uuid = Uuid::from_u128(0xfe57);
const BAR: Uuid = Uuid::from_u128(0xba2);
const FOOD: Uuid = Uuid::from_u128(0xf00d);
const MAIN_GATE: Uuid = Uuid::from_u128(0x6a7e);

fn fail(reason: String) -> festival_core::Error {
    OfflineError::ReconcileInvalidState { reason }.into()
}

pub fn run() -> Result<(), festival_core::Error> {
    println!("\n--- 4. offline devices, attacks and reconciliation ---");
    let eur = Currency::iso("EUR")?;
    let m = |s: &str| Money::parse(s, eur);
    let noon = Timestamp::parse_rfc3339("2026-07-04T12:00:00Z")?;
    let at = |minutes: i64| noon.plus_millis(minutes * 60_000);
    let id = Uuid::from_u128;

    // Devices: the secret seeds come from each device's own entropy; here fixed for the demo.
    let device = |n: u128, role: DeviceRole, location: Uuid, revoked_at: Option<Timestamp>| DeviceEntry {
        device_id: id(n),
        public_key: public_key_from_seed(&[n as u8; 32]),
        festival_id: FESTIVAL,
        role,
        locations: vec![location],
        valid_from: at(-600),
        valid_until: at(720),
        revoked_at,
    };
    let (pos_bar, pos_food, gate_north, gate_south, desk, stolen) = (1, 2, 3, 4, 5, 6);
    let registry = DeviceRegistry::new(vec![
        device(pos_bar, DeviceRole::Pos, BAR, None),
        device(pos_food, DeviceRole::Pos, FOOD, None),
        device(gate_north, DeviceRole::Gate, MAIN_GATE, None),
        device(gate_south, DeviceRole::Gate, MAIN_GATE, None),
        device(desk, DeviceRole::TopUp, BAR, None),
        // Reported stolen at 13:00: everything it signs from then on is rejected.
        device(stolen, DeviceRole::Pos, BAR, Some(at(60))),
        // A food-truck POS whose uplink is down all afternoon: it syncs hours after the others.
        device(7, DeviceRole::Pos, FOOD, None),
    ])?;

    // Server state at the last sync: three wallets and one ticket.
    let (alice, bob, carla) = (id(0xa11ce), id(0xb0b), id(0xca21a));
    let mut state = ReconcileState::new(FESTIVAL, eur);
    for (wallet_id, amount) in [(alice, "30.00"), (bob, "12.00"), (carla, "0.00")] {
        let mut w = Wallet::new(WalletConfig::new(wallet_id, FESTIVAL, eur))?;
        let amount = m(amount)?;
        if amount.is_positive() {
            w.apply(Entry::new(
                id(wallet_id.as_u128() + 1),
                at(-120),
                Operation::TopUp { amount, method: TopUpMethod::Card },
            ))?;
        }
        state.add_wallet(w)?;
    }
    let ticket = id(0x71c7);
    state.set_ticket(ticket, TicketState::default());
    let synced: BTreeMap<Uuid, Money> = state.wallets.iter().map(|(k, w)| (*k, w.balances().total)).collect();
    let before = state.total_balance();

    // Each terminal keeps a local view with limits.
    let limits = DeviceLimits {
        per_payment: m("50")?,
        per_wallet_offline: m("40")?,
        max_stored_value: m("500")?,
        max_queued_records: 1000,
    };
    let terminal = |n: u128| -> Result<DeviceLog, festival_core::Error> {
        let mut log = DeviceLog::new(DeviceSigner::new([n as u8; 32], id(n), FESTIVAL), eur, limits.clone())?;
        log.set_synced_balances(synced.clone())?;
        Ok(log)
    };
    let (mut bar, mut food, mut north, mut south, mut topup, mut thief) = (
        terminal(pos_bar)?,
        terminal(pos_food)?,
        terminal(gate_north)?,
        terminal(gate_south)?,
        terminal(desk)?,
        terminal(stolen)?,
    );

    // Sales. Bob has 12 EUR: the bar and the food stand each think he can spend it.
    let beer = LineItem { product_id: id(0xbee2), quantity: 2, unit_price: m("4.50")? };
    bar.pay(id(0x1001), at(10), alice, m("9.00")?, BAR, vec![beer])?;
    bar.pay(id(0x1002), at(20), bob, m("10.00")?, BAR, vec![])?;
    food.pay(id(0x2001), at(25), bob, m("9.00")?, FOOD, vec![])?;
    let refused = bar.pay(id(0x1003), at(30), bob, m("5.00")?, BAR, vec![]);
    println!("bar refuses a second 5.00 from Bob locally: {}", refused.err().map(|e| e.code()).unwrap_or("accepted?!"));
    topup.top_up(id(0x5001), at(15), carla, m("20.00")?)?;
    let unknown = food.pay(id(0x2002), at(40), carla, m("6.00")?, FOOD, vec![]);
    println!("food stand has not seen Carla's top-up: {}", unknown.err().map(|e| e.code()).unwrap_or("accepted?!"));
    let tampered_sale = food.record(
        id(0x2003),
        at(45),
        Payload::Payment { wallet_id: alice, amount: m("12.00")?, stand_id: FOOD, items: vec![], catalog: None },
    )?;
    thief.pay(id(0x6001), at(50), alice, m("3.00")?, BAR, vec![])?;
    thief.pay(id(0x6002), at(70), alice, m("20.00")?, BAR, vec![])?;

    // Gates verify the QR code offline, then log the scan. The code was cloned: both accept it.
    let issuer_seed = [0x15; 32];
    let keys = KeySet::new(vec![IssuerKey {
        key_id: 1,
        public_key: public_key_from_seed(&issuer_seed),
        festival_id: FESTIVAL,
        valid_from: at(-1440),
        valid_until: at(1440),
    }])?;
    let code = codes::issue_ticket_code(
        &TicketClaims {
            key_id: 1,
            festival_id: FESTIVAL,
            ticket_id: ticket,
            ticket_type: "DAY".into(),
            valid_from: at(-60),
            valid_until: at(720),
        },
        &issuer_seed,
    )?;
    let mut lists = RevocationStore::default();
    let list = RevocationList {
        festival_id: FESTIVAL,
        key_id: 1,
        version: 7,
        issued_at: at(0),
        revoked_tickets: vec![],
        blocked_tags: vec![],
        revoked_devices: vec![id(stolen)],
    };
    lists.install(&list.sign(&issuer_seed)?, &keys, FESTIVAL, at(1))?;
    println!("ticket code for QR ({} chars): {}...", code.len(), &code[..24]);
    for (gate, minute) in [(&mut north, 5), (&mut south, 8)] {
        let claims = codes::verify_ticket_code(&code, &keys, FESTIVAL, at(minute), &lists, 3_600_000)?;
        gate.record(
            id(0x3000 + minute as u128),
            at(minute),
            Payload::Scan { ticket_id: claims.ticket_id, zone_id: MAIN_GATE, direction: Direction::In },
        )?;
    }
    let stale = codes::verify_ticket_code(&code, &keys, FESTIVAL, at(90), &lists, 3_600_000);
    println!("a gate whose list is 90 minutes old refuses to decide: {}", stale.err().map(|e| e.code()).unwrap_or("?"));

    // Someone edits the food stand's last record (12.00 -> 2.00 in the minor units) before sync.
    let mut food_batch = food.export_batch();
    let pos = food_batch.records.iter().position(|r| r == &tampered_sale).ok_or_else(|| fail("sale missing".into()))?;
    let mut bytes = food_batch.records[pos].to_bytes();
    bytes[136] = 0xc8; // 1200 = 0x04b0 -> 0x04c8 = 1224: still a valid encoding, no longer the signed one
    food_batch.records[pos] = SignedRecord::from_bytes(&bytes)?;

    // Sync: shuffled, with the bar's batch sent twice.
    let batches: Vec<Vec<u8>> = vec![
        south.export_batch().to_bytes(),
        food_batch.to_bytes(),
        bar.export_batch().to_bytes(),
        thief.export_batch().to_bytes(),
        topup.export_batch().to_bytes(),
        bar.export_batch().to_bytes(),
        north.export_batch().to_bytes(),
    ];
    let config = ReconcileConfig { policy: ConflictPolicy::AcceptWithDebt, ..Default::default() };
    let report = reconcile(&mut state, &registry, &batches, at(180), &config)?;

    let c = report.counts;
    println!(
        "reconciled {} records: {} accepted, {} duplicate, {} rejected, {} conflict (policy: accept with debt)",
        report.records.len(),
        c.accepted,
        c.duplicate,
        c.rejected,
        c.conflict
    );
    for r in &report.records {
        if let Some(reason) = &r.reason {
            println!(
                "  device {} seq {}: {:?} {}",
                r.device_id.map(|d| d.as_u128()).unwrap_or_default(),
                r.sequence.as_deref().unwrap_or("-"),
                r.status,
                reason
            );
        }
    }
    for a in &report.alerts {
        println!("  ALERT {}", a.kind());
    }
    for (w, debt) in &report.debts {
        println!("  debt: wallet {:x} owes {debt} (blocked until topped up)", w.as_u128());
    }
    for (w, b) in &report.balances {
        println!("  balance {:x}: {}", w.as_u128(), b.total);
    }
    let t = report.totals;
    let expected = before.checked_add(&t.top_ups)?.checked_sub(&t.payments)?.checked_add(&t.refunds)?;
    println!(
        "money: {before} + top-ups {} - payments {} + refunds {} = {}",
        t.top_ups,
        t.payments,
        t.refunds,
        state.total_balance()
    );
    if expected != state.total_balance() {
        return Err(fail(format!("money does not add up: expected {expected}, got {}", state.total_balance())));
    }
    let kinds: Vec<&str> = report.alerts.iter().map(|a| a.kind()).collect();
    for want in ["double_spend", "double_admission", "tampered_log", "revoked_device_used"] {
        if !kinds.contains(&want) {
            return Err(fail(format!("expected a {want} alert")));
        }
    }
    // Re-sending everything changes nothing.
    let again = reconcile(&mut state, &registry, &batches, at(181), &config)?;
    if again.counts.accepted + again.counts.conflict != 0 || again.balances != report.balances {
        return Err(fail("re-submission changed the state".into()));
    }
    println!("re-sending all batches: {} duplicates, nothing changes", again.counts.duplicate);

    let before_late = state.total_balance();
    // The food truck syncs two hours later. Its sale to Alice at 12:05 comes before her later
    // offline payments in the total order, so their outcomes change: the report lists each one.
    // The server allowed every wallet 30.00 offline per day on the truck; the truck enforces it.
    let server_seed = [0x5e; 32];
    let server_key = StrictPublicKey::from_bytes(&public_key_from_seed(&server_seed))?;
    let allowance = Allowance {
        allowance_id: id(0xa110),
        festival_id: FESTIVAL,
        wallet_id: None,
        devices: vec![id(7)],
        amount: m("30.00")?,
        valid_from: at(-600),
        valid_until: at(720),
    };
    let signed_allowance = state.issue_allowance(allowance, &server_seed)?;
    let mut truck = terminal(7)?;
    truck.install_allowance(&signed_allowance, &server_key)?;
    truck.pay(id(0x7001), at(5), alice, m("25.00")?, FOOD, vec![])?;
    match truck.pay(id(0x7002), at(6), alice, m("10.00")?, FOOD, vec![]) {
        Err(e) if e.code() == "DEVICE_ALLOWANCE_EXCEEDED" => println!("the truck refuses a second sale of 10.00 to Alice: {}", e.code()),
        other => return Err(fail(format!("expected DEVICE_ALLOWANCE_EXCEEDED, got {other:?}"))),
    }
    let late = reconcile(&mut state, &registry, &[truck.export_batch().to_bytes()], at(300), &config)?;
    println!(
        "the food truck syncs at 17:00: {} accepted, {} earlier outcomes revised",
        late.counts.accepted,
        late.revisions.len()
    );
    for r in &late.revisions {
        println!(
            "  revised: record {:x} {:?} -> {:?} (balance effect {})",
            r.record_id.as_u128(),
            r.before.status,
            r.after.status,
            r.money_effect
        );
    }
    // The server acknowledges the truck's log: its later records are anchored to server time.
    let ack = state.acknowledge(&registry, id(7), at(300), &server_seed)?;
    truck.accept_ack(&ack, &server_key, at(300))?;
    let exposure = state.exposure(config.policy);
    println!(
        "acknowledged the truck up to #{} at {}; offline exposure under allowances: loss {} now, at most {} (open {})",
        ack.ack().sequence,
        ack.ack().server_time,
        exposure.total_loss,
        exposure.total_max_loss,
        exposure.total_open_allowance
    );
    let t = late.totals;
    let expected = before_late.checked_add(&t.top_ups)?.checked_sub(&t.payments)?.checked_add(&t.refunds)?;
    if expected != state.total_balance() {
        return Err(fail(format!("late sync does not add up: expected {expected}, got {}", state.total_balance())));
    }
    // At 21:00 the operator closes the books: nothing older than 3 hours can still arrive.
    let close = ReconcileConfig { finality: Finality { max_offline_ms: Some(3 * 3_600_000), all_devices_synced: false, compact_ledgers: true }, ..config };
    let fin = reconcile(&mut state, &registry, &Vec::<Vec<u8>>::new(), at(540), &close)?;
    println!(
        "books closed at 21:00: watermark {}, {} outcomes final, {} still revisable",
        fin.watermark.map(|w| w.to_string()).unwrap_or_default(),
        fin.finalized,
        state.non_final_count()
    );
    Ok(())
}
