//! Scenario tests and property tests of reconciliation.

use super::crypto::public_key_from_seed;
use super::device::DeviceSigner;
use super::reconcile::*;
use super::record::{Batch, Direction, Payload, SignedRecord};
use super::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use crate::wallet::{Entry, Operation, Wallet, WalletConfig};
use crate::Timestamp;
use proptest::prelude::*;
use uuid::Uuid;

pub(crate) const F: Uuid = Uuid::from_u128(0xf0);
pub(crate) const STAND: Uuid = Uuid::from_u128(0x51);
pub(crate) const ZONE: Uuid = Uuid::from_u128(0x21);
const POS_A: u128 = 0xa1;
const POS_B: u128 = 0xa2;
const GATE_1: u128 = 0xb1;
const GATE_2: u128 = 0xb2;
const TOPUP: u128 = 0xc1;
const REVOKED: u128 = 0xa9;

use crate::test_util::{eur, minor as m};
fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_783_180_800_000 + ms).unwrap()
}
fn seed(n: u128) -> [u8; 32] {
    [n as u8; 32]
}
fn wallet_id(n: u128) -> Uuid {
    Uuid::from_u128(0x1000 + n)
}
fn ticket_id(n: u128) -> Uuid {
    Uuid::from_u128(0x2000 + n)
}

fn registry() -> DeviceRegistry {
    let e = |n: u128, role: DeviceRole, loc: Uuid, revoked_at: Option<Timestamp>| DeviceEntry {
        device_id: Uuid::from_u128(n),
        public_key: public_key_from_seed(&seed(n)),
        festival_id: F,
        role,
        locations: vec![loc],
        valid_from: t(0),
        valid_until: t(86_400_000),
        revoked_at,
    };
    DeviceRegistry::new(vec![
        e(POS_A, DeviceRole::Pos, STAND, None),
        e(POS_B, DeviceRole::Pos, STAND, None),
        e(GATE_1, DeviceRole::Gate, ZONE, None),
        e(GATE_2, DeviceRole::Gate, ZONE, None),
        e(TOPUP, DeviceRole::TopUp, STAND, None),
        e(REVOKED, DeviceRole::Pos, STAND, Some(t(10_000))),
    ])
    .unwrap()
}

fn state(balances: &[(u128, i64)], tickets: &[u128]) -> ReconcileState {
    let mut s = ReconcileState::new(F, eur());
    for (n, minor) in balances {
        let mut w = Wallet::new(WalletConfig::new(wallet_id(*n), F, eur())).unwrap();
        if *minor > 0 {
            w.apply(Entry::new(
                Uuid::from_u128(0x9000 + n),
                t(0),
                Operation::TopUp { amount: m(*minor), method: Default::default() },
            ))
            .unwrap();
        }
        s.add_wallet(w).unwrap();
    }
    for n in tickets {
        s.tickets.insert(ticket_id(*n), TicketState::default());
    }
    s
}

fn signer(n: u128) -> DeviceSigner {
    DeviceSigner::new(seed(n), Uuid::from_u128(n), F)
}

fn pay(w: u128, minor: i64) -> Payload {
    Payload::Payment { wallet_id: wallet_id(w), amount: m(minor), stand_id: STAND, items: vec![], catalog: None }
}
fn scan(k: u128, d: Direction) -> Payload {
    Payload::Scan { ticket_id: ticket_id(k), zone_id: ZONE, direction: d }
}

fn batch(records: &[SignedRecord]) -> Vec<u8> {
    Batch { records: records.to_vec() }.to_bytes()
}

fn cfg(policy: ConflictPolicy) -> ReconcileConfig {
    ReconcileConfig { policy, ..Default::default() }
}

fn statuses(r: &ReconcileReport) -> Vec<(String, Option<String>)> {
    r.records
        .iter()
        .map(|o| (serde_json::to_value(o.status).unwrap().as_str().unwrap().to_string(), o.reason.clone()))
        .collect()
}

/// Two POS spend the same 10 EUR; each policy resolves it as documented.
#[test]
fn double_spend_under_each_policy() {
    let reg = registry();
    let mut a = signer(POS_A);
    let mut b = signer(POS_B);
    let ra = a.sign(Uuid::from_u128(1), t(1000), pay(1, 800)).unwrap();
    let rb = b.sign(Uuid::from_u128(2), t(2000), pay(1, 800)).unwrap();
    let batches = vec![batch(&[rb]), batch(&[ra])];

    let mut s = state(&[(1, 1000)], &[]);
    let r = reconcile(&mut s, &reg, &batches, t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
    assert_eq!((r.counts.accepted, r.counts.conflict), (1, 1));
    assert_eq!(r.balances[&wallet_id(1)].total, m(200));
    let loser = r.records.iter().find(|o| o.status == RecordStatus::Conflict).unwrap();
    assert_eq!(loser.device_id, Some(Uuid::from_u128(POS_B)), "later in HLC order loses");
    assert_eq!(loser.resolution, Some(Resolution::RejectedLater));
    assert_eq!(
        r.alerts,
        vec![Alert::DoubleSpend {
            wallet_id: wallet_id(1),
            record_id: Uuid::from_u128(2),
            device_id: Uuid::from_u128(POS_B),
            shortfall: "6.00".into()
        }]
    );

    let mut s = state(&[(1, 1000)], &[]);
    let r = reconcile(&mut s, &reg, &batches, t(10_000), &cfg(ConflictPolicy::AcceptWithDebt)).unwrap();
    assert_eq!((r.counts.accepted, r.counts.conflict), (2, 1));
    assert_eq!(r.debts[&wallet_id(1)], m(600));
    assert_eq!(r.balances[&wallet_id(1)].total, m(-600));
    assert_eq!(r.blocked_wallets, vec![wallet_id(1)]);

    let mut s = state(&[(1, 1000)], &[]);
    let r = reconcile(&mut s, &reg, &batches, t(10_000), &cfg(ConflictPolicy::Reject)).unwrap();
    assert_eq!((r.counts.accepted, r.counts.conflict), (0, 2));
    assert!(r.records.iter().all(|o| o.resolution == Some(Resolution::RejectedAll)));
    assert_eq!(r.balances[&wallet_id(1)].total, m(1000));
    assert_eq!(r.alerts.len(), 1);
}

#[test]
fn double_admission_and_exit() {
    let reg = registry();
    let mut g1 = signer(GATE_1);
    let mut g2 = signer(GATE_2);
    let a = g1.sign(Uuid::from_u128(1), t(1000), scan(1, Direction::In)).unwrap();
    let b = g2.sign(Uuid::from_u128(2), t(1500), scan(1, Direction::In)).unwrap();
    let c = g1.sign(Uuid::from_u128(3), t(3000), scan(1, Direction::Out)).unwrap();
    let d = g2.sign(Uuid::from_u128(4), t(4000), scan(1, Direction::In)).unwrap();
    let batches = vec![batch(&[b, d]), batch(&[a, c])];
    let mut s = state(&[], &[1]);
    let r = reconcile(&mut s, &reg, &batches, t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
    assert_eq!((r.counts.accepted, r.counts.conflict), (3, 1));
    assert_eq!(r.alerts.len(), 1);
    assert_eq!(r.alerts[0].kind(), "double_admission");
    assert!(s.tickets[&ticket_id(1)].inside);
    let mut s = state(&[], &[1]);
    let r = reconcile(&mut s, &reg, &batches, t(10_000), &cfg(ConflictPolicy::AcceptWithDebt)).unwrap();
    assert_eq!((r.counts.accepted, r.counts.conflict), (4, 1));
}

/// Every log attack is detected and named.
#[test]
fn attacks_are_named() {
    let reg = registry();
    let mut a = signer(POS_A);
    let r1 = a.sign(Uuid::from_u128(1), t(1000), pay(1, 100)).unwrap();
    let r2 = a.sign(Uuid::from_u128(2), t(2000), pay(1, 100)).unwrap();
    let r3 = a.sign(Uuid::from_u128(3), t(3000), pay(1, 100)).unwrap();
    // Fork: a second record 3 claiming the same predecessor.
    let mut fork = DeviceSigner::resume(seed(POS_A), Uuid::from_u128(POS_A), F, 3, r2.hash(), r2.body().hlc);
    let r3b = fork.sign(Uuid::from_u128(33), t(3001), pay(1, 200)).unwrap();
    // Tampered: flip a byte of the amount in r2 (signature no longer verifies).
    let mut bytes = r2.to_bytes();
    bytes[136] ^= 1;
    let tampered = SignedRecord::from_bytes(&bytes).unwrap();
    let mut s = state(&[(1, 10_000)], &[]);
    let r = reconcile(
        &mut s,
        &reg,
        &[batch(std::slice::from_ref(&r1)), batch(&[tampered, r3.clone(), r3b.clone()])],
        t(10_000),
        &cfg(ConflictPolicy::FirstWins),
    )
    .unwrap();
    let codes: Vec<_> = statuses(&r).into_iter().map(|(st, c)| format!("{st}:{}", c.unwrap_or_default())).collect();
    assert_eq!(
        codes,
        vec![
            "accepted:",
            "rejected:OFFLINE_BAD_SIGNATURE",
            "pending:OFFLINE_SEQUENCE_GAP",
            "pending:OFFLINE_SEQUENCE_GAP"
        ]
    );
    assert!(r.alerts.iter().any(|a| a.kind() == "tampered_log"));
    assert_eq!(s.pending().len(), 2);
    // The genuine r2 later: r3 and r3b (kept pending) now collide at sequence 3: fork, both
    // rejected, exactly as if everything had come in one call.
    let r = reconcile(
        &mut s,
        &reg,
        &[batch(&[r1.clone(), r2.clone(), r3.clone()]), batch(std::slice::from_ref(&r3))],
        t(10_000),
        &cfg(ConflictPolicy::FirstWins),
    )
    .unwrap();
    assert_eq!(r.counts.accepted, 1, "{:?}", statuses(&r));
    assert_eq!(r.records.iter().filter(|o| o.reason.as_deref() == Some("OFFLINE_FORK")).count(), 2);
    assert!(s.pending().is_empty());
    let r = reconcile(&mut s, &reg, &[batch(std::slice::from_ref(&r3b))], t(10_000), &cfg(ConflictPolicy::FirstWins))
        .unwrap();
    assert_eq!(statuses(&r), vec![("rejected".to_string(), Some("OFFLINE_FORK".to_string()))]);
    // Replay of an accepted record.
    let r = reconcile(&mut s, &reg, &[batch(&[r1])], t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
    assert_eq!(statuses(&r), vec![("duplicate".to_string(), Some("OFFLINE_DUPLICATE_RECORD".to_string()))]);
    // Revoked device: records after the revocation time.
    let mut rv = signer(REVOKED);
    let ok = rv.sign(Uuid::from_u128(50), t(9_000), pay(1, 100)).unwrap();
    let late = rv.sign(Uuid::from_u128(51), t(11_000), pay(1, 100)).unwrap();
    let r = reconcile(&mut s, &reg, &[batch(&[ok, late])], t(20_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
    assert_eq!(statuses(&r)[1], ("rejected".to_string(), Some("OFFLINE_DEVICE_REVOKED".to_string())));
    assert!(r.alerts.iter().any(|a| a.kind() == "revoked_device_used"));
    // Role and location.
    let mut g = signer(GATE_1);
    let gate_pay = g.sign(Uuid::from_u128(60), t(1000), pay(1, 100)).unwrap();
    let other_zone = g
        .sign(
            Uuid::from_u128(61),
            t(1001),
            Payload::Scan { ticket_id: ticket_id(1), zone_id: Uuid::nil(), direction: Direction::In },
        )
        .unwrap();
    let future = g.sign(Uuid::from_u128(62), t(1_000_000), scan(1, Direction::In)).unwrap();
    let r =
        reconcile(&mut s, &reg, &[batch(&[gate_pay, other_zone, future])], t(2000), &cfg(ConflictPolicy::FirstWins))
            .unwrap();
    let codes: Vec<_> = statuses(&r).into_iter().map(|(_, c)| c.unwrap_or_default()).collect();
    assert_eq!(codes, vec!["OFFLINE_ROLE_NOT_ALLOWED", "OFFLINE_LOCATION_NOT_ALLOWED", "OFFLINE_CLOCK_SKEW"]);
    // Malformed batch.
    let r = reconcile(&mut s, &reg, &[vec![1u8, 2, 3]], t(2000), &cfg(ConflictPolicy::FirstWins)).unwrap();
    assert_eq!(statuses(&r), vec![("rejected".to_string(), Some("OFFLINE_MALFORMED".to_string()))]);
}

#[test]
fn refunds_voids_and_references() {
    let reg = registry();
    let mut a = signer(POS_A);
    let p = a.sign(Uuid::from_u128(1), t(1000), pay(1, 500)).unwrap();
    let refund = a
        .sign(
            Uuid::from_u128(2),
            t(2000),
            Payload::Refund { wallet_id: wallet_id(1), amount: m(200), original_record_id: Uuid::from_u128(1) },
        )
        .unwrap();
    let void = a.sign(Uuid::from_u128(3), t(3000), Payload::Void { voided_record_id: Uuid::from_u128(1) }).unwrap();
    let bad_ref = a
        .sign(
            Uuid::from_u128(4),
            t(4000),
            Payload::Refund { wallet_id: wallet_id(1), amount: m(1), original_record_id: Uuid::from_u128(1) },
        )
        .unwrap();
    let mut s = state(&[(1, 1000)], &[]);
    let r = reconcile(&mut s, &reg, &[batch(&[p, refund, void, bad_ref])], t(10_000), &cfg(ConflictPolicy::FirstWins))
        .unwrap();
    assert_eq!(r.counts.accepted, 3);
    assert_eq!(r.records[3].reason.as_deref(), Some("RECONCILE_INVALID_REFERENCE"));
    assert_eq!(r.balances[&wallet_id(1)].total, m(1000));
    assert_eq!((r.totals.payments, r.totals.refunds), (m(500), m(500)));
}

// ---------- properties ----------

#[derive(Debug, Clone)]
enum Op {
    Pay {
        dev: usize,
        wallet: u128,
        minor: i64,
    },
    TopUp {
        wallet: u128,
        minor: i64,
    },
    Scan {
        gate: usize,
        ticket: u128,
        inside: bool,
    },
    /// A catalog payment: pretzels (and a beer with its cup), at the catalog's prices or (cheap)
    /// a tampered beer price, under version 1 (published) or 2 (never published).
    CatalogPay {
        dev: usize,
        wallet: u128,
        pretzels: u32,
        beer: bool,
        cheap: bool,
        version: u32,
    },
    /// Cups returned offline at the catalog's deposit price.
    CupBack {
        dev: usize,
        wallet: u128,
        cups: u32,
    },
}

/// The catalog the property tests' server publishes (version 1; version 2 is never published).
fn prop_catalog() -> crate::catalog::Catalog {
    use crate::catalog::Product;
    let rate = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    crate::catalog::Catalog::new(
        F,
        1,
        eur(),
        vec![
            Product::goods("beer", "Beer", m(500), rate("19")).with_deposit("cup"),
            Product::goods("pretzel", "Pretzel", m(350), rate("7")),
            Product::deposit("cup", "Cup", m(200)),
        ],
    )
    .unwrap()
}

/// The property tests' opening state: three wallets, two tickets, the catalog published.
fn pstate() -> ReconcileState {
    let mut s = state(&[(1, 1000), (2, 300), (3, 0)], &[1, 2]);
    s.publish_catalog(prop_catalog()).unwrap();
    s
}

fn catalog_payload(wallet: u128, pretzels: u32, beer: bool, cheap: bool, version: u32) -> Payload {
    use crate::wallet::{LineItem, LineKind};
    let mut lines = vec![LineItem::new("pretzel", pretzels, m(350))];
    if beer {
        lines.push(LineItem::new("beer", 1, m(if cheap { 100 } else { 500 })));
        lines.push(LineItem { kind: LineKind::Deposit, ..LineItem::new("cup", 1, m(200)) });
    }
    let total: i64 = lines.iter().map(|l| l.unit_price.minor_units() as i64 * i64::from(l.quantity)).sum();
    Payload::Payment {
        wallet_id: wallet_id(wallet),
        amount: m(total),
        stand_id: STAND,
        items: vec![],
        catalog: Some(crate::offline::record::CatalogSale { version, lines }),
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..2, 1u128..4, 1i64..900).prop_map(|(dev, wallet, minor)| Op::Pay { dev, wallet, minor }),
        1 => (1u128..4, 1i64..500).prop_map(|(wallet, minor)| Op::TopUp { wallet, minor }),
        2 => (0usize..2, 1u128..3, any::<bool>()).prop_map(|(gate, ticket, inside)| Op::Scan { gate, ticket, inside }),
        2 => (0usize..2, 1u128..4, 1u32..3, any::<bool>(), prop::bool::weighted(0.2), prop::bool::weighted(0.15))
            .prop_map(|(dev, wallet, pretzels, beer, cheap, late)| Op::CatalogPay {
                dev, wallet, pretzels, beer, cheap, version: if late { 2 } else { 1 },
            }),
        1 => (0usize..2, 1u128..4, 1u32..3).prop_map(|(dev, wallet, cups)| Op::CupBack { dev, wallet, cups }),
    ]
}

/// Builds batches: each device's log cut into chunks; optionally one tampered record.
fn build(ops: &[Op], cuts: &[usize], tamper: Option<usize>) -> Vec<Vec<u8>> {
    let mut signers = [signer(POS_A), signer(POS_B), signer(GATE_1), signer(GATE_2), signer(TOPUP)];
    let mut logs: Vec<Vec<SignedRecord>> = vec![Vec::new(); 5];
    for (i, o) in ops.iter().enumerate() {
        let (d, payload) = match o {
            Op::Pay { dev, wallet, minor } => (*dev, pay(*wallet, *minor)),
            Op::TopUp { wallet, minor } => (4, Payload::TopUp { wallet_id: wallet_id(*wallet), amount: m(*minor) }),
            Op::Scan { gate, ticket, inside } => {
                (2 + gate, scan(*ticket, if *inside { Direction::In } else { Direction::Out }))
            }
            Op::CatalogPay { dev, wallet, pretzels, beer, cheap, version } => {
                (*dev, catalog_payload(*wallet, *pretzels, *beer, *cheap, *version))
            }
            Op::CupBack { dev, wallet, cups } => (
                *dev,
                Payload::DepositReturn {
                    wallet_id: wallet_id(*wallet),
                    stand_id: STAND,
                    product: "cup".into(),
                    quantity: *cups,
                    amount: m(200 * i64::from(*cups)),
                    catalog_version: 1,
                },
            ),
        };
        let rec =
            signers[d].sign(Uuid::from_u128(0x5000 + i as u128), t(1000 + (i as i64 * 7919) % 5000), payload).unwrap();
        logs[d].push(rec);
    }
    if let Some(k) = tamper {
        if let Some(log) = logs.iter_mut().find(|l| !l.is_empty()) {
            let idx = k % log.len();
            let mut bytes = log[idx].to_bytes();
            let n = bytes.len();
            bytes[n - 1] ^= 0x40;
            log[idx] = SignedRecord::from_bytes(&bytes).unwrap();
        }
    }
    let mut batches = Vec::new();
    for (d, log) in logs.into_iter().enumerate() {
        let cut = cuts.get(d).copied().unwrap_or(1).max(1);
        for chunk in log.chunks(cut) {
            batches.push(batch(chunk));
        }
    }
    batches
}

fn run(batches: &[Vec<u8>], policy: ConflictPolicy) -> (String, String, ReconcileReport, ReconcileState) {
    let mut s = pstate();
    let r = reconcile(&mut s, &registry(), batches, t(100_000), &cfg(policy)).unwrap();
    (serde_json::to_string(&r).unwrap(), serde_json::to_string(&s).unwrap(), r, s)
}

fn policy() -> impl Strategy<Value = ConflictPolicy> {
    prop_oneof![Just(ConflictPolicy::FirstWins), Just(ConflictPolicy::AcceptWithDebt), Just(ConflictPolicy::Reject)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn permutations_and_duplicates_give_identical_outcomes(
        ops in prop::collection::vec(op(), 1..24),
        cuts in prop::collection::vec(1usize..4, 5),
        tamper in prop::option::of(0usize..10),
        perm_seed in any::<u64>(),
        dup in 0usize..8,
        policy in policy(),
    ) {
        let batches = build(&ops, &cuts, tamper);
        let (json, state_json, _, _) = run(&batches, policy);
        // A deterministic shuffle from the seed, plus one duplicated batch.
        let mut shuffled = batches.clone();
        let mut x = perm_seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let d = shuffled[dup % shuffled.len()].clone();
        shuffled.push(d);
        let (json2, state_json2, _, _) = run(&shuffled, policy);
        prop_assert_eq!(json, json2);
        prop_assert_eq!(state_json, state_json2);
    }

    #[test]
    fn resubmission_changes_nothing_and_money_is_conserved(
        ops in prop::collection::vec(op(), 1..24),
        cuts in prop::collection::vec(1usize..4, 5),
        policy in policy(),
        pick in any::<prop::sample::Index>(),
    ) {
        let batches = build(&ops, &cuts, None);
        let before = pstate().total_balance();
        let (_, state_json, report, mut s) = run(&batches, policy);
        // Conservation.
        let expected = before.checked_add(&report.totals.top_ups).unwrap()
            .checked_sub(&report.totals.payments).unwrap()
            .checked_add(&report.totals.refunds).unwrap()
            .checked_add(&report.totals.deposit_returns.unwrap_or(m(0))).unwrap();
        prop_assert_eq!(s.total_balance(), expected);
        // No balance below zero except recorded debt; debt only under accept-with-debt.
        for w in s.wallets.values() {
            let b = w.balances();
            prop_assert!(!b.refundable.is_negative() && !b.bonus.is_negative() && !b.debt.is_negative());
            if b.total.is_negative() { prop_assert!(b.debt.is_positive()); }
            if policy != ConflictPolicy::AcceptWithDebt { prop_assert!(b.debt.is_zero()); }
        }
        // Every record is judged exactly once.
        let c = report.counts;
        prop_assert_eq!(report.records.len() as u64, c.duplicate + c.rejected + c.conflict + c.accepted
            - report.records.iter().filter(|o| o.status == RecordStatus::Conflict
                && matches!(o.resolution, Some(Resolution::AcceptedWithDebt | Resolution::AcceptedFlagged))).count() as u64);
        // Re-submitting any batch (or all) changes nothing.
        let one = batches[pick.index(batches.len())].clone();
        let r2 = reconcile(&mut s, &registry(), &[one], t(100_000), &cfg(policy)).unwrap();
        prop_assert_eq!(r2.counts.accepted + r2.counts.conflict, 0);
        let r3 = reconcile(&mut s, &registry(), &batches, t(100_000), &cfg(policy)).unwrap();
        prop_assert_eq!(r3.counts.accepted + r3.counts.conflict, 0);
        prop_assert_eq!(serde_json::to_string(&s).unwrap(), state_json);
    }
}

// ---------------------------------------------------------------------------------------------
// The merge model: separate syncs, pending records, lost gaps, finality, persistence.

fn total(s: &ReconcileState, w: u128) -> String {
    s.wallets[&wallet_id(w)].balances().total.amount_string()
}

fn decision(s: &ReconcileState, record: u128) -> (RecordStatus, Option<String>) {
    let o = s.outcome(&Uuid::from_u128(record)).expect("logged");
    (o.status, o.reason)
}

/// The example: POS A sells 7.00 at 12:00:01, POS B sells 6.00 at 12:00:00 (device
/// clocks) from a 10.00 wallet, synced in separate calls: B wins in both orders, and the order
/// in which A's sale was first accepted shows up as an explicit revision with its money effect.
#[test]
fn separate_syncs_agree_with_the_total_order_in_both_orders() {
    let a = signer(POS_A).sign(Uuid::from_u128(0x701), t(1001), pay(1, 700)).unwrap();
    let b = signer(POS_B).sign(Uuid::from_u128(0x702), t(1000), pay(1, 600)).unwrap();
    for policy in [ConflictPolicy::FirstWins, ConflictPolicy::AcceptWithDebt, ConflictPolicy::Reject] {
        let mut finals = Vec::new();
        for order in [[&a, &b], [&b, &a]] {
            let mut s = state(&[(1, 1000)], &[]);
            let r1 = reconcile(&mut s, &registry(), &[batch(&[order[0].clone()])], t(5000), &cfg(policy)).unwrap();
            assert!(r1.revisions.is_empty());
            let r2 = reconcile(&mut s, &registry(), &[batch(&[order[1].clone()])], t(6000), &cfg(policy)).unwrap();
            if policy == ConflictPolicy::FirstWins && order[0] == &a {
                // A had been accepted alone; B lands before it: A becomes the conflict.
                assert_eq!(r2.revisions.len(), 1, "{policy:?}");
                let rev = &r2.revisions[0];
                assert_eq!(rev.record_id, Uuid::from_u128(0x701));
                assert_eq!((rev.before.status, rev.after.status), (RecordStatus::Accepted, RecordStatus::Conflict));
                assert_eq!(rev.money_effect.amount_string(), "7.00");
                assert_eq!(r2.totals.payments.amount_string(), "-1.00", "6.00 in, 7.00 out");
            }
            let conserved = m(1000)
                .checked_add(&r1.totals.top_ups)
                .and_then(|x| x.checked_sub(&r1.totals.payments))
                .and_then(|x| x.checked_add(&r2.totals.top_ups))
                .and_then(|x| x.checked_sub(&r2.totals.payments))
                .unwrap();
            assert_eq!(conserved, s.total_balance());
            finals.push((total(&s, 1), decision(&s, 0x701), decision(&s, 0x702), serde_json::to_string(&s).unwrap()));
        }
        assert_eq!(finals[0], finals[1], "{policy:?}: the order of syncs must not matter");
        match policy {
            ConflictPolicy::FirstWins => {
                assert_eq!(finals[0].0, "4.00");
                assert_eq!(finals[0].2 .0, RecordStatus::Accepted);
                assert_eq!(finals[0].1 .0, RecordStatus::Conflict);
            }
            ConflictPolicy::AcceptWithDebt => assert_eq!(finals[0].0, "-3.00"),
            ConflictPolicy::Reject => assert_eq!(finals[0].0, "10.00"),
        }
    }
}

/// A cash top-up whose device clock was ahead of the server waits, and is credited once the
/// server's time has caught up: resubmitting it is never a "duplicate of a rejection".
#[test]
fn a_clock_ahead_top_up_waits_and_is_credited_later() {
    let mut desk = signer(TOPUP);
    let top = desk
        .sign(Uuid::from_u128(0x801), t(400_000), Payload::TopUp { wallet_id: wallet_id(1), amount: m(2500) })
        .unwrap();
    let next = desk
        .sign(Uuid::from_u128(0x802), t(400_500), Payload::TopUp { wallet_id: wallet_id(1), amount: m(100) })
        .unwrap();
    let mut s = state(&[(1, 0)], &[]);
    let c = cfg(ConflictPolicy::FirstWins);
    let r = reconcile(&mut s, &registry(), &[batch(&[top.clone(), next.clone()])], t(10_000), &c).unwrap();
    assert_eq!(
        statuses(&r),
        vec![
            ("pending".into(), Some("OFFLINE_CLOCK_SKEW".into())),
            ("pending".into(), Some("OFFLINE_CLOCK_SKEW".into())),
        ]
    );
    assert_eq!((r.counts.pending, r.pending_total), (2, 2));
    assert_eq!(s.chains[&Uuid::from_u128(TOPUP)].last_sequence, 0, "a waiting record never touches the chain");
    // Resubmitted while still ahead: still pending, not a duplicate.
    let r = reconcile(&mut s, &registry(), &[batch(std::slice::from_ref(&top))], t(20_000), &c).unwrap();
    assert_eq!(statuses(&r), vec![("pending".into(), Some("OFFLINE_CLOCK_SKEW".into()))]);
    // Time passes: both are credited without being sent again.
    let r = reconcile::<Vec<u8>>(&mut s, &registry(), &[], t(400_600), &c).unwrap();
    assert_eq!(r.counts.accepted, 2);
    assert_eq!(r.totals.top_ups.amount_string(), "26.00");
    assert_eq!(total(&s, 1), "26.00");
    assert!(s.pending().is_empty());
    // And now a resubmission is a duplicate of an accepted record.
    let r = reconcile(&mut s, &registry(), &[batch(&[top])], t(400_600), &c).unwrap();
    assert_eq!(r.counts.duplicate, 1);
}

/// A lost record no longer blocks a device for ever: its later records wait visibly, and an
/// operator's recorded decision lets them through.
#[test]
fn records_after_a_gap_wait_until_it_is_filled_or_declared_lost() {
    let mut a = signer(POS_A);
    let r1 = a.sign(Uuid::from_u128(0x901), t(1000), pay(1, 100)).unwrap();
    let r2 = a.sign(Uuid::from_u128(0x902), t(2000), pay(1, 200)).unwrap();
    let r3 = a.sign(Uuid::from_u128(0x903), t(3000), pay(1, 300)).unwrap();
    let c = cfg(ConflictPolicy::FirstWins);
    // Filled later: same state as one call.
    let mut one = state(&[(1, 1000)], &[]);
    reconcile(&mut one, &registry(), &[batch(&[r1.clone(), r2.clone(), r3.clone()])], t(9000), &c).unwrap();
    let mut split = state(&[(1, 1000)], &[]);
    let r = reconcile(
        &mut split,
        &registry(),
        &[batch(std::slice::from_ref(&r3)), batch(std::slice::from_ref(&r2))],
        t(9000),
        &c,
    )
    .unwrap();
    assert_eq!(r.counts.pending, 2);
    assert_eq!(split.pending().len(), 2);
    let r = reconcile(&mut split, &registry(), &[batch(std::slice::from_ref(&r1))], t(9000), &c).unwrap();
    assert_eq!(r.counts.accepted, 3, "the filled gap releases the waiting records");
    assert_eq!(serde_json::to_string(&split).unwrap(), serde_json::to_string(&one).unwrap());
    // Declared lost instead: r2 and r3 are processed, r1 turning up later is named.
    let mut lost = state(&[(1, 1000)], &[]);
    reconcile(&mut lost, &registry(), &[batch(&[r2.clone(), r3.clone()])], t(9000), &c).unwrap();
    assert!(lost.declare_lost(Uuid::from_u128(POS_A), 0, "nothing", t(9000)).is_err());
    let range = lost.declare_lost(Uuid::from_u128(POS_A), 1, "device reset, record 1 unrecoverable", t(9500)).unwrap();
    assert_eq!((range.from, range.through), (1, 1));
    let r = reconcile::<Vec<u8>>(&mut lost, &registry(), &[], t(10_000), &c).unwrap();
    assert_eq!(r.counts.accepted, 2);
    assert_eq!(total(&lost, 1), "5.00");
    let r = reconcile(&mut lost, &registry(), &[batch(&[r1])], t(10_000), &c).unwrap();
    assert_eq!(statuses(&r), vec![("rejected".into(), Some("OFFLINE_DECLARED_LOST".into()))]);
    assert_eq!(lost.chains[&Uuid::from_u128(POS_A)].lost[0].reason, "device reset, record 1 unrecoverable");
}

/// A record of another festival (same device id and key) is rejected without touching the chain:
/// the device's genuine records of this festival are still accepted afterwards.
#[test]
fn a_foreign_festival_record_never_touches_the_chain() {
    let other = Uuid::from_u128(0xf2);
    let foreign = DeviceSigner::new(seed(POS_A), Uuid::from_u128(POS_A), other)
        .sign(Uuid::from_u128(0xa01), t(1000), pay(1, 100))
        .unwrap();
    let genuine = signer(POS_A).sign(Uuid::from_u128(0xa02), t(2000), pay(1, 100)).unwrap();
    let mut s = state(&[(1, 1000)], &[]);
    let c = cfg(ConflictPolicy::FirstWins);
    let r = reconcile(&mut s, &registry(), &[batch(&[foreign])], t(9000), &c).unwrap();
    assert_eq!(statuses(&r), vec![("rejected".into(), Some("OFFLINE_WRONG_FESTIVAL".into()))]);
    assert_eq!(s.chains.get(&Uuid::from_u128(POS_A)).map_or(0, |c| c.last_sequence), 0);
    let r = reconcile(&mut s, &registry(), &[batch(&[genuine])], t(9000), &c).unwrap();
    assert_eq!(r.counts.accepted, 1, "{:?}", statuses(&r));
}

/// Unknown wallet and unknown device: kept, and decided once the server knows them.
#[test]
fn records_naming_an_unknown_wallet_or_device_are_decided_once_known() {
    let late_pos = 0xa7u128;
    let rec = signer(late_pos).sign(Uuid::from_u128(0xb01), t(1000), pay(2, 100)).unwrap();
    let mut s = state(&[(1, 1000)], &[]);
    let c = cfg(ConflictPolicy::FirstWins);
    let r = reconcile(&mut s, &registry(), &[batch(std::slice::from_ref(&rec))], t(9000), &c).unwrap();
    assert_eq!(statuses(&r), vec![("pending".into(), Some("OFFLINE_UNKNOWN_DEVICE".into()))]);
    let mut entries: Vec<DeviceEntry> = registry().entries().cloned().collect();
    entries.push(DeviceEntry {
        device_id: Uuid::from_u128(late_pos),
        public_key: public_key_from_seed(&seed(late_pos)),
        festival_id: F,
        role: DeviceRole::Pos,
        locations: vec![STAND],
        valid_from: t(0),
        valid_until: t(86_400_000),
        revoked_at: None,
    });
    let registered = DeviceRegistry::new(entries).unwrap();
    let r = reconcile::<Vec<u8>>(&mut s, &registered, &[], t(9000), &c).unwrap();
    assert_eq!(statuses(&r), vec![("rejected".into(), Some("RECONCILE_UNKNOWN_WALLET".into()))]);
    // The wallet appears: the payment is decided again, as a revision.
    let mut w = Wallet::new(WalletConfig::new(wallet_id(2), F, eur())).unwrap();
    w.apply(Entry::new(Uuid::from_u128(0x9002), t(0), Operation::TopUp { amount: m(500), method: Default::default() }))
        .unwrap();
    s.add_wallet(w).unwrap();
    let r = reconcile::<Vec<u8>>(&mut s, &registered, &[], t(9000), &c).unwrap();
    assert_eq!(r.revisions.len(), 1);
    assert_eq!(r.revisions[0].after.status, RecordStatus::Accepted);
    assert_eq!(r.revisions[0].money_effect.amount_string(), "-1.00");
    assert_eq!(total(&s, 2), "4.00");
}

/// Finality: outcomes before the watermark are never revised; a late record ordered before it
/// is placed at the watermark (after every final record), so it becomes the conflict.
#[test]
fn final_outcomes_are_never_revised() {
    let a = signer(POS_A).sign(Uuid::from_u128(0xc01), t(1001), pay(1, 700)).unwrap();
    let b = signer(POS_B).sign(Uuid::from_u128(0xc02), t(1000), pay(1, 600)).unwrap();
    let c = ReconcileConfig {
        policy: ConflictPolicy::FirstWins,
        finality: Finality { max_offline_ms: Some(60_000), ..Finality::default() },
        ..Default::default()
    };
    let mut s = state(&[(1, 1000)], &[]);
    let r = reconcile(&mut s, &registry(), &[batch(&[a])], t(5000), &c).unwrap();
    assert_eq!((r.finalized, s.non_final_count()), (0, 1));
    let r = reconcile::<Vec<u8>>(&mut s, &registry(), &[], t(200_000), &c).unwrap();
    assert_eq!(r.finalized, 1);
    assert_eq!(s.watermark(), Some(t(140_000)));
    assert!(s.records.contains_key(&Uuid::from_u128(0xc01)));
    let r = reconcile(&mut s, &registry(), &[batch(&[b])], t(200_000), &c).unwrap();
    assert!(r.revisions.is_empty(), "a final outcome is never revised");
    assert_eq!(statuses(&r), vec![("conflict".into(), Some("RECONCILE_DOUBLE_SPEND".into()))]);
    assert_eq!(total(&s, 1), "3.00");
    // The watermark never moves back.
    reconcile::<Vec<u8>>(&mut s, &registry(), &[], t(100_000), &c).unwrap();
    assert_eq!(s.watermark(), Some(t(140_000)));
    // Every device synced past T also makes T final.
    let all = ReconcileConfig {
        finality: Finality { max_offline_ms: None, all_devices_synced: true, ..Finality::default() },
        ..c
    };
    let mut s2 = state(&[(1, 1000)], &[]);
    let r = reconcile(
        &mut s2,
        &registry(),
        &[batch(&[signer(POS_A).sign(Uuid::from_u128(0xc03), t(1000), pay(1, 1)).unwrap()])],
        t(5000),
        &all,
    )
    .unwrap();
    assert_eq!(r.watermark, None, "other devices have not synced yet");
}

/// The state persists with a format version; the previous format loads, a future one is refused.
#[test]
fn state_persists_with_a_format_version() {
    let a = signer(POS_A).sign(Uuid::from_u128(0xd01), t(1001), pay(1, 700)).unwrap();
    let mut b = signer(POS_B);
    b.sign(Uuid::from_u128(0xd08), t(1000), pay(1, 100)).unwrap();
    let later = b.sign(Uuid::from_u128(0xd09), t(1002), pay(1, 100)).unwrap();
    let mut s = state(&[(1, 1000)], &[1]);
    reconcile(&mut s, &registry(), &[batch(&[a]), batch(&[later])], t(5000), &cfg(ConflictPolicy::FirstWins)).unwrap();
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["format_version"], 5);
    let back: ReconcileState = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.pending().len(), 1);
    // Format 1 (before the merge model): no version, no merge log; everything it had is final.
    let mut v1 = json.clone();
    v1.as_object_mut().unwrap().remove("format_version");
    v1.as_object_mut().unwrap().remove("merge");
    let old: ReconcileState = serde_json::from_value(v1).unwrap();
    assert_eq!(old.format_version, 5);
    assert_eq!(old.non_final_count(), 0);
    // Format 2 (before compacted wallets) has the same shape without bases: it loads as it is.
    let mut v2 = json.clone();
    v2["format_version"] = 2.into();
    let two: ReconcileState = serde_json::from_value(v2).unwrap();
    assert_eq!(two, s);
    // Format 3 (before per-zone presence, ticket attributes and revocation history) too.
    let mut v3 = json.clone();
    v3["format_version"] = 3.into();
    let three: ReconcileState = serde_json::from_value(v3).unwrap();
    assert_eq!(three, s);
    // Format 4 (before published catalogs) too.
    let mut v4 = json.clone();
    v4["format_version"] = 4.into();
    let four: ReconcileState = serde_json::from_value(v4).unwrap();
    assert_eq!(four, s);
    let mut v6 = json;
    v6["format_version"] = 6.into();
    let err = serde_json::from_value::<ReconcileState>(v6).unwrap_err().to_string();
    assert!(err.contains("format version 6 is not supported"), "{err}");
}

/// Splits `batches` into `calls` separate syncs, in an order given by `seed`.
fn split_calls(batches: &[Vec<u8>], calls: usize, seed: u64) -> Vec<Vec<Vec<u8>>> {
    let mut shuffled = batches.to_vec();
    let mut x = seed | 1;
    for i in (1..shuffled.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let mut out = vec![Vec::new(); calls.max(1)];
    for b in shuffled {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let k = (x % out.len() as u64) as usize;
        out[k].push(b);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The merge model's core guarantee: any split of the records into separate syncs, in any
    /// order, with duplicates, gives the state (balances, debts, blocks, tickets, chains and every
    /// record's decision) of one call with all of them, under each policy; money is conserved
    /// across the calls; re-submitting everything changes nothing.
    #[test]
    fn any_split_into_separate_syncs_gives_the_state_of_one_call(
        ops in prop::collection::vec(op(), 1..24),
        cuts in prop::collection::vec(1usize..4, 5),
        tamper in prop::option::of(0usize..10),
        calls in 1usize..6,
        order in any::<u64>(),
        dup in any::<prop::sample::Index>(),
        policy in policy(),
    ) {
        let batches = build(&ops, &cuts, tamper);
        let (_, one_json, _, _) = run(&batches, policy);
        let mut s = pstate();
        let before = s.total_balance();
        let mut moved = before;
        let mut parts = split_calls(&batches, calls, order);
        let extra = batches[dup.index(batches.len())].clone();
        let k = dup.index(parts.len());
        parts[k].push(extra);
        for part in &parts {
            let r = reconcile(&mut s, &registry(), part, t(100_000), &cfg(policy)).unwrap();
            moved = moved.checked_add(&r.totals.top_ups).unwrap()
                .checked_sub(&r.totals.payments).unwrap()
                .checked_add(&r.totals.refunds).unwrap()
                .checked_add(&r.totals.deposit_returns.unwrap_or(m(0))).unwrap();
            prop_assert_eq!(moved, s.total_balance(), "money is conserved call by call");
            for w in s.wallets.values() {
                let b = w.balances();
                if b.total.is_negative() { prop_assert!(b.debt.is_positive()); }
            }
        }
        prop_assert_eq!(serde_json::to_string(&s).unwrap(), one_json.clone());
        let r = reconcile(&mut s, &registry(), &batches, t(100_000), &cfg(policy)).unwrap();
        prop_assert_eq!(r.counts.accepted + r.counts.conflict, 0);
        prop_assert!(r.revisions.is_empty());
        prop_assert_eq!(serde_json::to_string(&s).unwrap(), one_json);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Compacting final wallet entries (`Finality::compact_ledgers`) changes no outcome: with a
    /// watermark that moves forward call by call, every report, balance, debt and block equals
    /// the run that keeps every entry, also when the compacted state is saved and loaded between
    /// calls; once everything is final the compacted wallets keep no entry at all.
    #[test]
    fn compacting_final_ledgers_changes_no_outcome(
        ops in prop::collection::vec(op(), 1..24),
        cuts in prop::collection::vec(1usize..4, 5),
        calls in 1usize..6,
        order in any::<u64>(),
        policy in policy(),
    ) {
        let batches = build(&ops, &cuts, None);
        let parts = split_calls(&batches, calls, order);
        let mut full = pstate();
        let mut compact = full.clone();
        let n = parts.len() as i64;
        for (k, part) in parts.iter().enumerate() {
            // The watermark moves through the records' times; the last call makes everything final.
            let behind = if k as i64 == n - 1 { 0 } else { 100_000 - (1000 + (k as i64 + 1) * 5000 / n) };
            let finality = Finality { max_offline_ms: Some(behind), ..Finality::default() };
            let a = ReconcileConfig { policy, finality, ..Default::default() };
            let b = ReconcileConfig { finality: Finality { compact_ledgers: true, ..finality }, ..a.clone() };
            let ra = reconcile(&mut full, &registry(), part, t(100_000), &a).unwrap();
            let rb = reconcile(&mut compact, &registry(), part, t(100_000), &b).unwrap();
            prop_assert_eq!(serde_json::to_value(&ra).unwrap(), serde_json::to_value(&rb).unwrap());
            for (id, w) in &full.wallets {
                let c = &compact.wallets[id];
                prop_assert_eq!(w.balances(), c.balances());
                prop_assert_eq!(w.totals(), c.totals());
                prop_assert_eq!(w.status(), c.status());
                prop_assert!(c.ledger().len() <= w.ledger().len());
                prop_assert_eq!(c.ledger().len() as u64 + c.compacted_entries(), w.ledger().len() as u64);
            }
            prop_assert_eq!(&full.tickets, &compact.tickets);
            prop_assert_eq!(&full.records, &compact.records);
            // Saved and loaded: the same state.
            let back: ReconcileState = serde_json::from_str(&serde_json::to_string(&compact).unwrap()).unwrap();
            prop_assert_eq!(&back, &compact);
            compact = back;
        }
        prop_assert_eq!(compact.non_final_count(), 0);
        // Every wallet with a final offline record has folded its whole ledger.
        let touched: std::collections::BTreeSet<Uuid> = compact.records.iter().filter_map(|(_, r)| r.wallet_id).collect();
        for id in &touched {
            let w = &compact.wallets[id];
            prop_assert!(w.ledger().is_empty() && w.compacted_entries() > 0, "wallet {} not folded", id);
        }
    }
}

/// Catalog payments (record version 4): priced offline with a catalog version, checked at
/// reconciliation against the catalog the server published for that version.
mod catalog_payments {
    use super::*;
    use crate::catalog::{Catalog, Product};
    use crate::offline::device::{DeviceLimits, DeviceLog};
    use crate::offline::record::CatalogSale;
    use crate::wallet::{AgeClass, LineItem, LineKind, VoucherPrice};

    fn rate(s: &str) -> rust_decimal::Decimal {
        s.parse().unwrap()
    }

    fn catalog(version: u32, beer_minor: i64) -> Catalog {
        Catalog::new(
            F,
            version,
            eur(),
            vec![
                Product::goods("beer", "Beer 0.5 l", m(beer_minor), rate("19"))
                    .with_deposit("cup")
                    .with_min_age(16)
                    .with_voucher_price("helper_drink", 1),
                Product::goods("pretzel", "Pretzel", m(350), rate("7")),
                Product::deposit("cup", "Cup deposit", m(200)),
            ],
        )
        .unwrap()
    }

    fn beer_lines(price: i64) -> Vec<LineItem> {
        vec![
            LineItem::new("beer", 2, m(price)),
            LineItem { kind: LineKind::Deposit, ..LineItem::new("cup", 2, m(200)) },
        ]
    }

    fn priced(w: u128, version: u32, lines: Vec<LineItem>) -> Payload {
        let total: i64 = lines.iter().map(|l| l.unit_price.minor_units() as i64 * i64::from(l.quantity)).sum();
        Payload::Payment {
            wallet_id: wallet_id(w),
            amount: m(total),
            stand_id: STAND,
            items: vec![],
            catalog: Some(CatalogSale { version, lines }),
        }
    }

    /// `quantity` cups returned to wallet 1, crediting `minor` cents, under catalog `version`.
    fn cup_return(quantity: u32, minor: i64, version: u32) -> Payload {
        Payload::DepositReturn {
            wallet_id: wallet_id(1),
            stand_id: STAND,
            product: "cup".into(),
            quantity,
            amount: m(minor),
            catalog_version: version,
        }
    }

    fn adult_state(minor: i64) -> ReconcileState {
        let mut s = state(&[], &[]);
        let mut config = WalletConfig::new(wallet_id(1), F, eur());
        config.age_class = Some(AgeClass::Adult);
        let mut w = Wallet::new(config).unwrap();
        w.apply(Entry::new(
            Uuid::from_u128(0x9001),
            t(0),
            Operation::TopUp { amount: m(minor), method: Default::default() },
        ))
        .unwrap();
        s.add_wallet(w).unwrap();
        s
    }

    #[test]
    fn a_catalog_payment_round_trips_as_version_4_and_plain_payments_stay_version_1() {
        let mut a = signer(POS_A);
        let r = a.sign(Uuid::from_u128(1), t(1000), priced(1, 3, beer_lines(500))).unwrap();
        assert_eq!(r.as_bytes()[3], crate::offline::record::RECORD_VERSION_CATALOG);
        let back = SignedRecord::from_bytes(r.as_bytes()).unwrap();
        assert_eq!(back, r);
        let plain = a.sign(Uuid::from_u128(2), t(1001), pay(1, 100)).unwrap();
        assert_eq!(plain.as_bytes()[3], crate::offline::record::RECORD_VERSION);
        // Every version-4 body is canonical: changing any single byte gives another value or an
        // error, never the same record.
        let body_len = r.as_bytes().len() - 64;
        for i in 4..body_len {
            let mut b = r.as_bytes()[..body_len].to_vec();
            b[i] ^= 0x01;
            if let Ok(other) = crate::offline::record::RecordBody::decode(&b) {
                assert_ne!(&other, r.body(), "byte {i}");
            }
        }
    }

    #[test]
    fn the_encoder_refuses_catalog_payments_that_do_not_add_up() {
        let mut a = signer(POS_A);
        let mut lines = beer_lines(500);
        lines[0].quantity = 3;
        let bad = Payload::Payment {
            wallet_id: wallet_id(1),
            amount: m(1400),
            stand_id: STAND,
            items: vec![],
            catalog: Some(CatalogSale { version: 3, lines }),
        };
        assert_eq!(
            crate::ErrorCode::code(&a.sign(Uuid::from_u128(1), t(0), bad).unwrap_err()),
            "OFFLINE_INVALID_AMOUNT"
        );
        let no_voucher_zero = Payload::Payment {
            wallet_id: wallet_id(1),
            amount: m(0),
            stand_id: STAND,
            items: vec![],
            catalog: Some(CatalogSale { version: 3, lines: vec![] }),
        };
        assert!(a.sign(Uuid::from_u128(1), t(0), no_voucher_zero).is_err());
        assert_eq!(a.next_sequence(), 1, "nothing was signed");
    }

    #[test]
    fn prices_are_checked_against_the_published_version() {
        let reg = registry();
        let mut a = signer(POS_A);
        let honest = a.sign(Uuid::from_u128(1), t(1000), priced(1, 3, beer_lines(500))).unwrap();
        // A tampered device sells beer at 1.00 under version 3.
        let tampered = a.sign(Uuid::from_u128(2), t(2000), priced(1, 3, beer_lines(100))).unwrap();
        let mut s = adult_state(5000);
        s.publish_catalog(catalog(3, 500)).unwrap();
        let r =
            reconcile(&mut s, &reg, &[batch(&[honest, tampered])], t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(
            statuses(&r),
            vec![("accepted".into(), None), ("rejected".into(), Some("CATALOG_PRICE_MISMATCH".into()))]
        );
        // 2 beers (10.00) and 2 cup deposits (4.00): the deposits are outstanding on the wallet.
        assert_eq!(r.balances[&wallet_id(1)].total, m(3600));
        let w = &s.wallets[&wallet_id(1)];
        assert_eq!(
            w.deposits().iter().map(|d| (d.product.as_str(), d.outstanding)).collect::<Vec<_>>(),
            vec![("cup", m(400))]
        );
    }

    #[test]
    fn an_unknown_version_waits_for_its_catalog_then_is_revised() {
        let reg = registry();
        let mut a = signer(POS_A);
        let rec = a.sign(Uuid::from_u128(1), t(1000), priced(1, 4, beer_lines(550))).unwrap();
        let mut s = adult_state(5000);
        s.publish_catalog(catalog(3, 500)).unwrap();
        let r = reconcile(&mut s, &reg, &[batch(&[rec])], t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(statuses(&r), vec![("rejected".into(), Some("RECONCILE_UNKNOWN_CATALOG".into()))]);
        assert_eq!(r.balances[&wallet_id(1)].total, m(5000));
        // The server publishes version 4 (beer at 5.50); the next call decides the payment.
        s.publish_catalog(catalog(4, 550)).unwrap();
        let none: [Vec<u8>; 0] = [];
        let r = reconcile(&mut s, &reg, &none, t(11_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(r.revisions.len(), 1);
        assert_eq!(r.revisions[0].before.reason.as_deref(), Some("RECONCILE_UNKNOWN_CATALOG"));
        assert_eq!(r.revisions[0].after.status, RecordStatus::Accepted);
        assert_eq!(r.revisions[0].money_effect, m(-1500));
        assert_eq!(s.wallets[&wallet_id(1)].balances().total, m(3500));
        // Publishing the same version again changes nothing; other content is refused.
        s.publish_catalog(catalog(4, 550)).unwrap();
        let e = s.publish_catalog(catalog(4, 600)).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&e), "RECONCILE_INVALID_STATE");
        let other =
            Catalog::new(Uuid::from_u128(0xbad), 9, eur(), vec![Product::deposit("cup", "Cup", m(200))]).unwrap();
        assert_eq!(crate::ErrorCode::code(&s.publish_catalog(other).unwrap_err()), "RECONCILE_INVALID_STATE");
    }

    #[test]
    fn age_and_vouchers_are_checked_with_the_wallet() {
        let reg = registry();
        let mut a = signer(POS_A);
        // A wallet with no verified age buys beer: refused as at an online POS.
        let mut s = state(&[(1, 5000)], &[]);
        s.publish_catalog(catalog(3, 500)).unwrap();
        let rec = a.sign(Uuid::from_u128(1), t(1000), priced(1, 3, beer_lines(500))).unwrap();
        let r = reconcile(&mut s, &reg, &[batch(&[rec])], t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(statuses(&r), vec![("rejected".into(), Some("CATALOG_AGE_RESTRICTED".into()))]);
        // An adult helper pays a beer with one helper-drink voucher (plus the cup's deposit).
        let mut s = adult_state(1000);
        s.publish_catalog(catalog(3, 500)).unwrap();
        let w = s.wallets.get_mut(&wallet_id(1)).unwrap();
        w.apply(Entry::new(
            Uuid::from_u128(0x9002),
            t(0),
            Operation::VoucherGrant { voucher_type: "helper_drink".into(), count: 1 },
        ))
        .unwrap();
        let voucher = VoucherPrice { voucher_type: "helper_drink".into(), count: 1 };
        let lines = vec![
            LineItem { kind: LineKind::Voucher(voucher), ..LineItem::new("beer", 1, m(0)) },
            LineItem { kind: LineKind::Deposit, ..LineItem::new("cup", 1, m(200)) },
        ];
        let mut b = signer(POS_B);
        let first = b.sign(Uuid::from_u128(2), t(1000), priced(1, 3, lines.clone())).unwrap();
        let second = b.sign(Uuid::from_u128(3), t(2000), priced(1, 3, lines)).unwrap();
        let r =
            reconcile(&mut s, &reg, &[batch(&[first, second])], t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(r.counts.accepted, 1, "{:?}", statuses(&r));
        assert_eq!(r.records[1].status, RecordStatus::Rejected, "the second voucher is not there");
        assert_eq!(s.wallets[&wallet_id(1)].balances().total, m(800));
        assert!(s.wallets[&wallet_id(1)].vouchers().values().all(|n| *n == 0));
    }

    #[test]
    fn the_device_prices_with_its_catalog_and_refuses_what_the_server_would() {
        let limits = DeviceLimits {
            per_payment: m(10_000),
            per_wallet_offline: m(10_000),
            max_stored_value: m(100_000),
            max_queued_records: 100,
        };
        let mut log = DeviceLog::new(signer(POS_A), eur(), limits).unwrap();
        log.set_synced_balances([(wallet_id(1), m(5000))].into_iter().collect()).unwrap();
        let c = catalog(3, 500);
        let code = |e: crate::Error| crate::ErrorCode::code(&e).to_string();
        let e = log
            .pay_with_catalog(Uuid::from_u128(1), t(0), wallet_id(1), STAND, &c, beer_lines(100), Some(AgeClass::Adult))
            .unwrap_err();
        assert_eq!(code(e), "CATALOG_PRICE_MISMATCH");
        let e = log
            .pay_with_catalog(
                Uuid::from_u128(1),
                t(0),
                wallet_id(1),
                STAND,
                &c,
                beer_lines(500),
                Some(AgeClass::Under16),
            )
            .unwrap_err();
        assert_eq!(code(e), "CATALOG_AGE_RESTRICTED");
        assert_eq!(log.queued(), 0);
        let rec = log
            .pay_with_catalog(Uuid::from_u128(1), t(0), wallet_id(1), STAND, &c, beer_lines(500), Some(AgeClass::Adult))
            .unwrap();
        let Payload::Payment { amount, catalog: Some(sale), .. } = &rec.body().payload else {
            panic!("a catalog payment")
        };
        assert_eq!((*amount, sale.version), (m(1400), 3));
        assert_eq!(log.available(&wallet_id(1)), m(3600));
        // The server agrees.
        let mut s = adult_state(5000);
        s.publish_catalog(c).unwrap();
        let r = reconcile(
            &mut s,
            &registry(),
            &[log.export_batch().to_bytes()],
            t(10_000),
            &cfg(ConflictPolicy::FirstWins),
        )
        .unwrap();
        assert_eq!(r.counts.accepted, 1);
        // And the state with its catalogs persists.
        let text = serde_json::to_string(&s).unwrap();
        let back: ReconcileState = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.format_version, 5);
    }

    #[test]
    fn cups_come_back_offline_and_the_server_checks_the_deposit_price() {
        let reg = registry();
        let limits = DeviceLimits {
            per_payment: m(10_000),
            per_wallet_offline: m(10_000),
            max_stored_value: m(100_000),
            max_queued_records: 100,
        };
        let mut log = DeviceLog::new(signer(POS_A), eur(), limits).unwrap();
        log.set_synced_balances([(wallet_id(1), m(5000))].into_iter().collect()).unwrap();
        let c = catalog(3, 500);
        log.pay_with_catalog(Uuid::from_u128(1), t(0), wallet_id(1), STAND, &c, beer_lines(500), Some(AgeClass::Adult))
            .unwrap();
        // Goods are not a deposit; an unknown product is refused; nothing is signed.
        let code = |e: crate::Error| crate::ErrorCode::code(&e).to_string();
        assert_eq!(
            code(log.return_deposit(Uuid::from_u128(2), t(1), wallet_id(1), STAND, &c, "beer", 1).unwrap_err()),
            "CATALOG_LINE_KIND_MISMATCH"
        );
        assert_eq!(
            code(log.return_deposit(Uuid::from_u128(2), t(1), wallet_id(1), STAND, &c, "mug", 1).unwrap_err()),
            "CATALOG_UNKNOWN_PRODUCT"
        );
        let back = log.return_deposit(Uuid::from_u128(2), t(1000), wallet_id(1), STAND, &c, "cup", 2).unwrap();
        assert_eq!(back.as_bytes()[3], crate::offline::record::RECORD_VERSION_CATALOG);
        assert_eq!(SignedRecord::from_bytes(back.as_bytes()).unwrap(), back);
        assert_eq!(log.available(&wallet_id(1)), m(4000), "50.00 - 14.00 + 4.00");
        // A tampered return point credits 5.00 per cup under the same version.
        let mut b = signer(POS_B);
        let forged = b.sign(Uuid::from_u128(3), t(2000), cup_return(2, 1000, 3)).unwrap();
        let mut s = adult_state(5000);
        s.publish_catalog(c).unwrap();
        let r = reconcile(
            &mut s,
            &reg,
            &[log.export_batch().to_bytes(), batch(&[forged])],
            t(10_000),
            &cfg(ConflictPolicy::FirstWins),
        )
        .unwrap();
        assert_eq!(
            statuses(&r),
            vec![
                ("accepted".into(), None),
                ("accepted".into(), None),
                ("rejected".into(), Some("CATALOG_PRICE_MISMATCH".into()))
            ]
        );
        assert_eq!(r.totals.deposit_returns, Some(m(400)));
        assert_eq!(r.totals.payments, m(1400));
        let w = &s.wallets[&wallet_id(1)];
        assert_eq!(w.balances().total, m(4000));
        assert_eq!(w.deposits()[0].outstanding, m(0), "both cups are back");
        // The state after a return round-trips; final deposit returns are remembered as such.
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ReconcileState>(&text).unwrap(), s);
    }

    #[test]
    fn a_return_naming_an_unpublished_catalog_is_revised_with_its_money_effect() {
        let reg = registry();
        let mut a = signer(POS_A);
        let ret = a.sign(Uuid::from_u128(1), t(1000), cup_return(1, 200, 7)).unwrap();
        let mut s = adult_state(1000);
        let r = reconcile(&mut s, &reg, &[batch(&[ret])], t(10_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(statuses(&r), vec![("rejected".into(), Some("RECONCILE_UNKNOWN_CATALOG".into()))]);
        assert_eq!(r.totals.deposit_returns, None);
        s.publish_catalog(catalog(7, 500)).unwrap();
        let none: [Vec<u8>; 0] = [];
        let r = reconcile(&mut s, &reg, &none, t(11_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(r.revisions.len(), 1);
        assert_eq!(r.revisions[0].kind, crate::offline::record::RecordKind::DepositReturn);
        assert_eq!(r.revisions[0].money_effect, m(200));
        assert_eq!(r.totals.deposit_returns, Some(m(200)));
        assert_eq!(s.wallets[&wallet_id(1)].balances().total, m(1200));
        // A gate may not take cups back.
        let mut g = signer(GATE_1);
        let by_gate = g.sign(Uuid::from_u128(2), t(12_000), cup_return(1, 200, 7)).unwrap();
        let r = reconcile(&mut s, &reg, &[batch(&[by_gate])], t(13_000), &cfg(ConflictPolicy::FirstWins)).unwrap();
        assert_eq!(r.records[0].status, RecordStatus::Rejected);
    }

    #[test]
    fn a_payment_entirely_in_vouchers_is_signed_offline() {
        let limits = DeviceLimits {
            per_payment: m(10_000),
            per_wallet_offline: m(10_000),
            max_stored_value: m(100_000),
            max_queued_records: 100,
        };
        let mut log = DeviceLog::new(signer(POS_A), eur(), limits).unwrap();
        let c = Catalog::new(
            F,
            3,
            eur(),
            vec![Product::goods("water", "Water", m(250), rate("7")).with_voucher_price("helper_drink", 1)],
        )
        .unwrap();
        let voucher = VoucherPrice { voucher_type: "helper_drink".into(), count: 1 };
        let lines = vec![LineItem { kind: LineKind::Voucher(voucher), ..LineItem::new("water", 2, m(0)) }];
        let rec = log.pay_with_catalog(Uuid::from_u128(1), t(0), wallet_id(1), STAND, &c, lines, None).unwrap();
        let Payload::Payment { amount, .. } = &rec.body().payload else { panic!("a payment") };
        assert!(amount.is_zero());
        assert_eq!(SignedRecord::from_bytes(rec.as_bytes()).unwrap(), rec);
        assert_eq!(log.stored_value(), m(0));
    }
}
