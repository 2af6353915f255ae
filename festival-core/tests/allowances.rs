//! Offline allowances bound what double spends can cost (issue 13, item 4), through the public
//! API: devices enforce server-signed allowances, reconciliation charges them the same way, and
//! over random offline histories, random splits into syncs and every conflict policy, the actual
//! loss never exceeds the sum of the allowances, nor any `max_loss` reported before it.

use festival_core::offline::allowance::{Allowance, ExposureReport};
use festival_core::offline::crypto::{public_key_from_seed, StrictPublicKey};
use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceSigner};
use festival_core::offline::reconcile::{reconcile, ConflictPolicy, ReconcileConfig, ReconcileState};
use festival_core::offline::record::{Batch, SignedRecord};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use festival_core::wallet::{Entry, Operation, Wallet, WalletConfig};
use festival_core::{Currency, ErrorCode, Money, Timestamp};
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

const T0: i64 = 1_783_180_800_000;
const FEST: Uuid = Uuid::from_u128(0xf0);
const STAND: Uuid = Uuid::from_u128(0x51);
const SERVER_SEED: [u8; 32] = [0x5e; 32];

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(T0 + ms).unwrap()
}
fn eur() -> Currency {
    Currency::iso("EUR").unwrap()
}
fn minor(n: i64) -> Money {
    Money::from_minor(n, eur()).unwrap()
}
fn device(n: u128) -> Uuid {
    Uuid::from_u128(n)
}
fn wallet(n: u128) -> Uuid {
    Uuid::from_u128(0x1000 + n)
}

fn registry() -> DeviceRegistry {
    DeviceRegistry::new(
        (1..=3u8)
            .map(|n| DeviceEntry {
                device_id: device(n as u128),
                public_key: public_key_from_seed(&[n; 32]),
                festival_id: FEST,
                role: DeviceRole::Pos,
                locations: vec![STAND],
                valid_from: t(0),
                valid_until: t(86_400_000),
                revoked_at: None,
            })
            .collect(),
    )
    .unwrap()
}

fn opening_state(openings: &[i64]) -> ReconcileState {
    let mut state = ReconcileState::new(FEST, eur());
    for (k, o) in openings.iter().enumerate() {
        let mut w = Wallet::new(WalletConfig::new(wallet(k as u128), FEST, eur())).unwrap();
        if *o > 0 {
            let op = Operation::TopUp { amount: minor(*o), method: Default::default() };
            w.apply(Entry::new(Uuid::from_u128(0x9000 + k as u128), t(0), op)).unwrap();
        }
        state.add_wallet(w).unwrap();
    }
    state
}

/// A generic allowance for all three POS and one for wallet 0 on POS 1 and 2.
fn allowances(generic: i64, specific: i64) -> Vec<Allowance> {
    let a = |id: u128, wallet_id: Option<Uuid>, devices: Vec<Uuid>, amount: i64| Allowance {
        allowance_id: Uuid::from_u128(id),
        festival_id: FEST,
        wallet_id,
        devices,
        amount: minor(amount),
        valid_from: t(0),
        valid_until: t(86_400_000),
    };
    vec![a(0xa1, None, vec![device(1), device(2), device(3)], generic), a(0xa2, Some(wallet(0)), vec![device(1), device(2)], specific)]
}

fn loss_of(r: &ExposureReport, w: Uuid) -> (Money, Money, Money) {
    r.wallets
        .iter()
        .find(|x| x.wallet_id == w)
        .map(|x| (x.loss, x.max_loss, x.allowance_total))
        .unwrap_or((minor(0), minor(0), minor(0)))
}

#[test]
fn devices_enforce_allowances_and_the_server_reports_exposure() {
    let server_key = StrictPublicKey::from_bytes(&public_key_from_seed(&SERVER_SEED)).unwrap();
    let mut state = opening_state(&[1000]);
    let signed: Vec<_> = allowances(600, 300).into_iter().map(|a| state.issue_allowance(a, &SERVER_SEED).unwrap()).collect();
    let limits = DeviceLimits { per_payment: minor(10_000), per_wallet_offline: minor(10_000), max_stored_value: minor(100_000), max_queued_records: 100 };
    let mut logs: Vec<DeviceLog> = (1..=2u8)
        .map(|n| {
            let mut log = DeviceLog::new(DeviceSigner::new([n; 32], device(n as u128), FEST), eur(), limits.clone()).unwrap();
            log.set_synced_balances(BTreeMap::from([(wallet(0), minor(1000))])).unwrap();
            for s in &signed {
                log.install_allowance(s, &server_key).unwrap();
            }
            log
        })
        .collect();
    // POS 1 may take 3.00 (specific) + 6.00 (generic) of wallet 0; more is refused.
    assert_eq!(logs[0].allowance_remaining(&wallet(0), t(10)).unwrap().amount_string(), "9.00");
    logs[0].pay(Uuid::from_u128(1), t(10), wallet(0), minor(800), STAND, vec![]).unwrap_err();
    logs[0].pay(Uuid::from_u128(1), t(10), wallet(0), minor(300), STAND, vec![]).unwrap();
    logs[0].pay(Uuid::from_u128(2), t(20), wallet(0), minor(600), STAND, vec![]).unwrap();
    let refused = logs[0].pay(Uuid::from_u128(3), t(30), wallet(0), minor(1), STAND, vec![]).unwrap_err();
    assert_eq!(refused.code(), "DEVICE_ALLOWANCE_EXCEEDED");
    // A payment must fit in one allowance: 9.00 does not fit in 3.00 or 6.00.
    let too_big = logs[1].pay(Uuid::from_u128(4), t(15), wallet(0), minor(900), STAND, vec![]).unwrap_err();
    assert_eq!(too_big.code(), "DEVICE_ALLOWANCE_EXCEEDED");
    // POS 2 sells 6.00 to the same wallet, which only had 10.00: a double spend of 5.00.
    logs[1].pay(Uuid::from_u128(4), t(15), wallet(0), minor(600), STAND, vec![]).unwrap();
    let before = state.exposure(ConflictPolicy::AcceptWithDebt);
    assert_eq!(loss_of(&before, wallet(0)).1.amount_string(), "14.00", "24.00 may be spent offline against 10.00");
    // The restored device keeps its allowances and what it used of them.
    let back = DeviceLog::from_state([1; 32], logs[0].state()).unwrap();
    assert_eq!(back.allowance_remaining(&wallet(0), t(40)).unwrap().amount_string(), "0.00");
    let batches: Vec<Vec<u8>> = logs.iter().map(|l| l.export_batch().to_bytes()).collect();
    let config = ReconcileConfig { policy: ConflictPolicy::AcceptWithDebt, ..ReconcileConfig::default() };
    reconcile(&mut state, &registry(), &batches, t(60_000), &config).unwrap();
    let after = state.exposure(ConflictPolicy::AcceptWithDebt);
    let (loss, max_loss, total) = loss_of(&after, wallet(0));
    assert_eq!(loss.amount_string(), "5.00");
    // Still open: POS 2's 3.00 for this wallet and POS 3's 6.00; the balance is gone.
    assert_eq!(after.wallets[0].open_allowance.amount_string(), "9.00");
    assert_eq!(max_loss.amount_string(), "14.00");
    assert_eq!(total.amount_string(), "24.00", "3 x 6.00 + 2 x 3.00");
    assert_eq!(after.total_uncovered.amount_string(), "0.00");
    // First-wins: POS 2's 6.00 is ordered after POS 1's first 3.00 and before its 6.00 (time
    // 15 vs 10 and 20), so the 6.00 of POS 1 is the conflict.
    let mut fw = opening_state(&[1000]);
    for a in allowances(600, 300) {
        fw.issue_allowance(a, &SERVER_SEED).unwrap();
    }
    reconcile(&mut fw, &registry(), &batches, t(60_000), &ReconcileConfig::default()).unwrap();
    let (loss, max_loss, _) = loss_of(&fw.exposure(ConflictPolicy::FirstWins), wallet(0));
    assert_eq!(loss.amount_string(), "6.00");
    assert_eq!(max_loss.amount_string(), "24.00", "with a loss and allowance still open, every offline payment is at risk");
}

#[derive(Debug, Clone)]
struct Attempt {
    device: usize,
    wallet: usize,
    amount: i64,
}

fn attempts() -> impl Strategy<Value = Vec<Attempt>> {
    proptest::collection::vec((0usize..3, 0usize..3, 1i64..1500).prop_map(|(device, wallet, amount)| Attempt { device, wallet, amount }), 0..30)
}

fn policy() -> impl Strategy<Value = ConflictPolicy> {
    prop_oneof![Just(ConflictPolicy::FirstWins), Just(ConflictPolicy::AcceptWithDebt), Just(ConflictPolicy::Reject)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn the_loss_never_exceeds_the_allowances_nor_an_earlier_max_loss(
        openings in proptest::collection::vec(0i64..4000, 3),
        generic in 100i64..3000,
        specific in 100i64..2000,
        attempts in attempts(),
        groups in proptest::collection::vec(0usize..3, 30),
        order in Just(()).prop_perturb(|_, mut rng| { let mut o = vec![0usize, 1, 2]; for i in (1..3).rev() { o.swap(i, (rng.next_u32() as usize) % (i + 1)); } o }),
        policy in policy(),
    ) {
        let server_key = StrictPublicKey::from_bytes(&public_key_from_seed(&SERVER_SEED)).unwrap();
        let issue = |state: &mut ReconcileState| -> Vec<_> {
            allowances(generic, specific).into_iter().map(|a| state.issue_allowance(a, &SERVER_SEED).unwrap()).collect()
        };
        let mut state = opening_state(&openings);
        let signed = issue(&mut state);
        let limits = DeviceLimits { per_payment: minor(100_000), per_wallet_offline: minor(100_000), max_stored_value: minor(1_000_000), max_queued_records: 1000 };
        let mut logs: Vec<DeviceLog> = (1..=3u8).map(|n| {
            let mut log = DeviceLog::new(DeviceSigner::new([n; 32], device(n as u128), FEST), eur(), limits.clone()).unwrap();
            log.set_synced_balances((0..3).map(|k| (wallet(k as u128), minor(openings[k]))).collect()).unwrap();
            for s in signed.iter().filter(|s| s.allowance().devices.contains(&device(n as u128))) {
                log.install_allowance(s, &server_key).unwrap();
            }
            log
        }).collect();
        for (k, a) in attempts.iter().enumerate() {
            // The device refuses what its allowances or its local balance do not cover.
            let _ = logs[a.device].pay(Uuid::from_u128(0x5000 + k as u128), t(1000 + k as i64), wallet(a.wallet as u128), minor(a.amount), STAND, vec![]);
        }
        let records: Vec<SignedRecord> = logs.iter().flat_map(|l| l.queued_records().to_vec()).collect();
        let config = ReconcileConfig { policy, ..ReconcileConfig::default() };
        // Syncs in random groups and order; exposure after each.
        let mut reports = vec![state.exposure(policy)];
        let mut split: Vec<Vec<SignedRecord>> = vec![Vec::new(); 3];
        for (k, r) in records.iter().enumerate() { split[groups[k % groups.len()]].push(r.clone()); }
        for g in &order {
            reconcile(&mut state, &registry(), &[Batch { records: split[*g].clone() }.to_bytes()], t(60_000), &config).unwrap();
            reports.push(state.exposure(policy));
        }
        let last = reports.last().unwrap().clone();
        // One sync with everything gives the same exposure.
        let mut one = opening_state(&openings);
        issue(&mut one);
        reconcile(&mut one, &registry(), &[Batch { records: records.clone() }.to_bytes()], t(60_000), &config).unwrap();
        prop_assert_eq!(&one.exposure(policy), &last);
        prop_assert_eq!(last.total_uncovered, minor(0));
        prop_assert_eq!(last.total_open_allowance.is_zero(), false);
        let mut allowance_sum = minor(0);
        for k in 0..3u128 {
            let (loss, _, total) = loss_of(&last, wallet(k));
            allowance_sum = allowance_sum.checked_add(&total).unwrap();
            prop_assert!(loss.amount() <= total.amount(), "wallet {}: loss {} > allowances {}", k, loss, total);
            if policy == ConflictPolicy::AcceptWithDebt {
                let bound = (total.amount() - rust_decimal::Decimal::new(openings[k as usize], 2)).max(rust_decimal::Decimal::ZERO);
                prop_assert!(loss.amount() <= bound, "wallet {}: debt {} > allowances - opening {}", k, loss, bound);
            }
            for (n, r) in reports.iter().enumerate() {
                let (_, max_loss, _) = loss_of(r, wallet(k));
                prop_assert!(loss.amount() <= max_loss.amount(), "wallet {}: final loss {} > max_loss {} after sync {}", k, loss, max_loss, n);
            }
        }
        prop_assert!(last.total_loss.amount() <= allowance_sum.amount());
    }
}
