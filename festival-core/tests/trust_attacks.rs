//! Attacks on the offline trust model, through the public API only (issue 13): a foreign-festival
//! record must not poison a device's chain, a revoked device gains nothing by backdating, and
//! revocation lists cannot be rolled back or locked; a device past its validity window gains
//! nothing by backdating either, server acknowledgements anchor device time, and the after-cut
//! policy bounds what gets through.
//! The same attacks run in every runtime as vectors (`tests/vectors/offline.json`,
//! `tests/vectors/offline_merge.json`, `tests/vectors/offline_trust.json`).

use festival_core::offline::chain::{AfterCut, ChainConfig};
use festival_core::offline::codes::{InstallResult, IssuerKey, KeySet, RevocationList, RevocationStore};
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceSigner};
use festival_core::offline::reconcile::{reconcile, ReconcileConfig, ReconcileState, RecordStatus};
use festival_core::offline::record::{Batch, Hlc, Payload, RecordBody, SignedRecord};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use festival_core::wallet::{Entry, Operation, Wallet, WalletConfig};
use festival_core::{Currency, ErrorCode, Money, Timestamp};
use uuid::Uuid;

const T0: i64 = 1_783_180_800_000;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(T0 + ms).unwrap()
}

/// A festival with one 50.00 EUR wallet (id 4) and one POS `dev` (seed 7) at stand 3; `pay()` is a
/// 5.00 payment from that wallet.
fn pos_festival(festival: Uuid, dev: Uuid) -> (ReconcileState, DeviceRegistry, impl Fn() -> Payload) {
    let eur = Currency::iso("EUR").unwrap();
    let (stand, wallet_id) = (Uuid::from_u128(3), Uuid::from_u128(4));
    let mut wallet = Wallet::new(WalletConfig::new(wallet_id, festival, eur)).unwrap();
    let top_up = Operation::TopUp { amount: Money::parse("50", eur).unwrap(), method: Default::default() };
    wallet.apply(Entry::new(Uuid::from_u128(99), t(0), top_up)).unwrap();
    let mut state = ReconcileState::new(festival, eur);
    state.add_wallet(wallet).unwrap();
    let entry = DeviceEntry {
        device_id: dev,
        public_key: crypto::public_key_from_seed(&[7; 32]),
        festival_id: festival,
        role: DeviceRole::Pos,
        locations: vec![stand],
        valid_from: t(0),
        valid_until: t(86_400_000),
        revoked_at: None,
    };
    let registry = DeviceRegistry::new(vec![entry]).unwrap();
    let pay = move || Payload::Payment { wallet_id, amount: Money::parse("5", eur).unwrap(), stand_id: stand, items: vec![], catalog: None };
    (state, registry, pay)
}

#[test]
fn a_record_of_another_festival_never_touches_the_chain() {
    let (fest_a, fest_b, dev) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(10));
    let (mut state, registry, pay) = pos_festival(fest_b, dev);
    // The same device key was used at festival A before: its record 1 there is authentic.
    let foreign = DeviceSigner::new([7; 32], dev, fest_a).sign(Uuid::from_u128(500), t(1_000), pay()).unwrap();
    let mut at_b = DeviceSigner::new([7; 32], dev, fest_b);
    let genuine: Vec<_> = (1..=3).map(|n| at_b.sign(Uuid::from_u128(600 + n), t(2_000 + n as i64), pay()).unwrap()).collect();
    let cfg = ReconcileConfig::default();
    let first = reconcile(&mut state, &registry, &[Batch { records: vec![foreign] }.to_bytes()], t(60_000), &cfg).unwrap();
    assert_eq!(first.records[0].status, RecordStatus::Rejected);
    assert!(state.chains.get(&dev).is_none_or(|c| c.last_sequence == 0 && c.history.is_empty()));
    // Every genuine record of the device at festival B still goes through.
    let second = reconcile(&mut state, &registry, &[Batch { records: genuine }.to_bytes()], t(60_000), &cfg).unwrap();
    assert_eq!(second.counts.accepted, 3, "{:?}", second.records);
    assert_eq!(state.chains[&dev].last_sequence, 3);
}

#[test]
fn backdating_after_a_revocation_does_not_help_a_thief() {
    let (fest, dev, wallet_id) = (Uuid::from_u128(1), Uuid::from_u128(10), Uuid::from_u128(4));
    let (mut state, registry, pay) = pos_festival(fest, dev);
    let mut signer = DeviceSigner::new([7; 32], dev, fest);
    let honest = signer.sign(Uuid::from_u128(600), t(1_000), pay()).unwrap();
    let cfg = ReconcileConfig::default();
    reconcile(&mut state, &registry, &[Batch { records: vec![honest] }.to_bytes()], t(2_000), &cfg).unwrap();
    let cut = state.revoke_device(dev, "reported stolen", t(3_000)).unwrap();
    assert_eq!(cut.sequence, 1);
    assert_eq!(state.revoke_device(dev, "again", t(3_001)).unwrap_err().code(), "RECONCILE_INVALID_STATE");
    // The thief keeps selling and dates every record before the revocation.
    let stolen: Vec<_> = (1..=5).map(|n| signer.sign(Uuid::from_u128(700 + n), t(1_500 + n as i64), pay()).unwrap()).collect();
    let r = reconcile(&mut state, &registry, &[Batch { records: stolen }.to_bytes()], t(60_000), &cfg).unwrap();
    assert_eq!(r.counts.rejected, 5);
    assert!(r.records.iter().all(|o| o.reason.as_deref() == Some("OFFLINE_DEVICE_REVOKED")));
    assert_eq!(r.alerts.iter().filter(|a| a.kind() == "revoked_device_used").count(), 5);
    assert_eq!(state.wallets[&wallet_id].balances().total.amount_string(), "45.00");
}

fn key(key_id: u32, from: i64, until: i64) -> IssuerKey {
    IssuerKey {
        key_id,
        public_key: crypto::public_key_from_seed(&[key_id as u8; 32]),
        festival_id: Uuid::from_u128(1),
        valid_from: t(from),
        valid_until: t(until),
    }
}

fn list(key_id: u32, version: u64, at: i64, revoked: &[u128]) -> Vec<u8> {
    RevocationList {
        festival_id: Uuid::from_u128(1),
        key_id,
        version,
        issued_at: t(at),
        revoked_tickets: revoked.iter().map(|n| Uuid::from_u128(*n)).collect(),
        blocked_tags: vec![],
        revoked_devices: vec![],
    }
    .sign(&[key_id as u8; 32])
    .unwrap()
}

#[test]
fn revocation_lists_cannot_be_rolled_back_or_locked() {
    let f = Uuid::from_u128(1);
    // Key 1 for an hour; key 2, its successor, from +30 min for a day.
    let keys = KeySet::new(vec![key(1, 0, 3_600_000), key(2, 1_800_000, 86_400_000)]).unwrap();
    let mut store = RevocationStore::default();
    assert_eq!(store.install(&list(2, 1, 2_400_000, &[9]), &keys, f, t(2_400_000)), Ok(InstallResult::Installed));
    // Retired key 1 signs a higher version dated inside its old window, offered two hours later.
    let retired = list(1, 2, 3_000_000, &[]);
    assert_eq!(store.install(&retired, &keys, f, t(7_200_000)).unwrap_err().code(), "CODE_KEY_NOT_VALID");
    // Key 1 inside its window but older than key 2: a rollback.
    assert_eq!(
        store.install(&list(1, 3, 2_500_000, &[]), &keys, f, t(2_500_000)).unwrap_err().code(),
        "CODE_REVOCATION_LIST_OUTDATED"
    );
    // Version u64::MAX does not lock the store.
    assert_eq!(store.install(&list(2, u64::MAX, 2_600_000, &[]), &keys, f, t(2_600_000)).unwrap_err().code(), "OFFLINE_MALFORMED");
    assert!(store.current().unwrap().is_ticket_revoked(&Uuid::from_u128(9)));
    // The legitimate next list always installs.
    assert_eq!(store.install(&list(2, 2, 2_700_000, &[9, 10]), &keys, f, t(2_700_000)), Ok(InstallResult::Installed));
    assert_eq!(store.current().unwrap().version, 2);
}

#[test]
fn backdating_after_the_validity_window_does_not_help_a_thief() {
    let (fest, dev, wallet_id) = (Uuid::from_u128(1), Uuid::from_u128(10), Uuid::from_u128(4));
    let (mut state, registry, pay) = pos_festival(fest, dev);
    // The device is valid for the first minute only.
    let entry = DeviceEntry { valid_until: t(60_000), ..registry.get(&dev).unwrap().entry.clone() };
    let registry = DeviceRegistry::new(vec![entry]).unwrap();
    let mut signer = DeviceSigner::new([7; 32], dev, fest);
    let cfg = ReconcileConfig::default();
    let honest = signer.sign(Uuid::from_u128(600), t(1_000), pay()).unwrap();
    reconcile(&mut state, &registry, &[Batch { records: vec![honest] }.to_bytes()], t(2_000), &cfg).unwrap();
    // Hours later the key signs more sales, all dated inside the window.
    let late: Vec<_> = (1..=4).map(|n| signer.sign(Uuid::from_u128(700 + n), t(50_000 + n as i64), pay()).unwrap()).collect();
    let r = reconcile(&mut state, &registry, &[Batch { records: late.clone() }.to_bytes()], t(7_200_000), &cfg).unwrap();
    assert_eq!(r.counts.rejected, 4, "{:?}", r.records);
    assert!(r.records.iter().all(|o| o.reason.as_deref() == Some("OFFLINE_DEVICE_OUTSIDE_WINDOW")));
    assert_eq!(state.chains[&dev].window_cut.as_ref().unwrap().sequence, 1);
    assert_eq!(state.wallets[&wallet_id].balances().total.amount_string(), "45.00");
    // With a bounded after-cut policy, at most the bound gets through, however the records are split.
    let eur = Currency::iso("EUR").unwrap();
    let cfg = ReconcileConfig {
        chain: ChainConfig { after_cut: AfterCut::AcceptUpTo { amount: Money::parse("10", eur).unwrap() }, ..ChainConfig::default() },
        ..ReconcileConfig::default()
    };
    let (mut bounded, _, _) = pos_festival(fest, dev);
    let first = signer_records(fest, dev, &pay, 1);
    reconcile(&mut bounded, &registry, &[Batch { records: first }.to_bytes()], t(2_000), &cfg).unwrap();
    for rec in late.iter().rev() {
        reconcile(&mut bounded, &registry, &[Batch { records: vec![rec.clone()] }.to_bytes()], t(7_200_000), &cfg).unwrap();
    }
    assert_eq!(bounded.wallets[&wallet_id].balances().total.amount_string(), "35.00");
    assert_eq!(bounded.chains[&dev].window_cut.as_ref().unwrap().accepted.unwrap().amount_string(), "10.00");
}

/// The first `n` records of the device (seed 7), as `backdating_after_the_validity_window...` signs them.
fn signer_records(fest: Uuid, dev: Uuid, pay: &impl Fn() -> Payload, n: u128) -> Vec<SignedRecord> {
    let mut signer = DeviceSigner::new([7; 32], dev, fest);
    (0..n).map(|k| signer.sign(Uuid::from_u128(600 + k), t(1_000 + k as i64), pay()).unwrap()).collect()
}

#[test]
fn server_acknowledgements_anchor_device_time() {
    let (fest, dev, wallet_id) = (Uuid::from_u128(1), Uuid::from_u128(10), Uuid::from_u128(4));
    let (mut state, registry, pay) = pos_festival(fest, dev);
    let server_seed = [0x5e; 32];
    let server_key = StrictPublicKey::from_bytes(&crypto::public_key_from_seed(&server_seed)).unwrap();
    let cfg = ReconcileConfig::default();
    let eur = Currency::iso("EUR").unwrap();
    let limits = DeviceLimits {
        per_payment: Money::parse("20", eur).unwrap(),
        per_wallet_offline: Money::parse("40", eur).unwrap(),
        max_stored_value: Money::parse("100", eur).unwrap(),
        max_queued_records: 100,
    };
    let mut log = DeviceLog::new(DeviceSigner::new([7; 32], dev, fest), eur, limits).unwrap();
    log.set_synced_balances([(wallet_id, Money::parse("50", eur).unwrap())].into()).unwrap();
    let stand = Uuid::from_u128(3);
    let five = Money::parse("5", eur).unwrap();
    log.pay(Uuid::from_u128(600), t(1_000), wallet_id, five, stand, vec![]).unwrap();
    reconcile(&mut state, &registry, &[log.export_batch().to_bytes()], t(10_000), &cfg).unwrap();
    let ack = state.acknowledge(&registry, dev, t(10_000), &server_seed).unwrap();
    // The device checks it (a forged one is refused) and drops what it covers.
    let forged = festival_core::offline::ack::SignedAck::from_bytes(&{
        let mut b = ack.to_bytes();
        b[60] ^= 1;
        b
    })
    .unwrap();
    assert_eq!(log.accept_ack(&forged, &server_key, t(10_500)).unwrap_err().code(), "OFFLINE_BAD_SIGNATURE");
    assert!(log.accept_ack(&ack, &server_key, t(10_500)).unwrap());
    assert_eq!(log.queued(), 0);
    // The device clock was set back an hour: its next record is still dated at the acknowledgement.
    let rec = log.pay(Uuid::from_u128(601), t(-3_600_000), wallet_id, five, stand, vec![]).unwrap();
    assert_eq!(rec.body().device_time, t(10_000));
    let r = reconcile(&mut state, &registry, &[log.export_batch().to_bytes()], t(20_000), &cfg).unwrap();
    assert_eq!(r.counts.accepted, 1, "{:?}", r.records);
    // A thief with the key signs a record that references the acknowledgement but is dated before it.
    let body = RecordBody {
        record_id: Uuid::from_u128(602),
        device_id: dev,
        festival_id: fest,
        sequence: 3,
        prev_hash: rec.hash(),
        device_time: t(9_000),
        hlc: Hlc { physical_ms: rec.body().hlc.physical_ms + 1, logical: 0 },
        payload: pay(),
        anchor: rec.body().anchor,
        scan_fact: None,
    };
    let backdated = body.sign(&[7; 32]).unwrap();
    let r = reconcile(&mut state, &registry, &[Batch { records: vec![backdated] }.to_bytes()], t(30_000), &cfg).unwrap();
    assert_eq!(r.records[0].reason.as_deref(), Some("OFFLINE_BACKDATED"));
    assert_eq!(r.alerts[0].kind(), "tampered_log");
    assert_eq!(state.wallets[&wallet_id].balances().total.amount_string(), "40.00");
    // Acknowledgements only move forward, and a revoked device gets none.
    assert_eq!(state.acknowledge(&registry, dev, t(5_000), &server_seed).unwrap_err().code(), "RECONCILE_INVALID_STATE");
    state.revoke_device(dev, "stolen", t(40_000)).unwrap();
    assert_eq!(state.acknowledge(&registry, dev, t(41_000), &server_seed).unwrap_err().code(), "OFFLINE_DEVICE_REVOKED");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Records after a revocation cut, synced in any split and order: what gets through is the
    /// same and never more than the bound.
    #[test]
    fn the_after_cut_bound_holds_for_every_split(
        amounts in proptest::collection::vec(1u32..900, 1..12),
        splits in proptest::collection::vec(0usize..4, 12),
        order in proptest::collection::vec(0usize..4, 4),
        bound in 0u32..3_000,
    ) {
        let (fest, dev, wallet_id) = (Uuid::from_u128(1), Uuid::from_u128(10), Uuid::from_u128(4));
        let eur = Currency::iso("EUR").unwrap();
        let stand = Uuid::from_u128(3);
        let cfg = ReconcileConfig {
            chain: ChainConfig {
                after_cut: AfterCut::AcceptUpTo { amount: Money::from_minor(bound as i64, eur).unwrap() },
                ..ChainConfig::default()
            },
            ..ReconcileConfig::default()
        };
        let mut signer = DeviceSigner::new([7; 32], dev, fest);
        let honest = signer.sign(Uuid::from_u128(600), t(1_000), Payload::Payment { wallet_id, amount: Money::parse("1", eur).unwrap(), stand_id: stand, items: vec![], catalog: None }).unwrap();
        let after: Vec<_> = amounts.iter().enumerate().map(|(k, a)| {
            let amount = Money::from_minor(*a as i64, eur).unwrap();
            signer.sign(Uuid::from_u128(700 + k as u128), t(1_500 + k as i64), Payload::Payment { wallet_id, amount, stand_id: stand, items: vec![], catalog: None }).unwrap()
        }).collect();
        let run = |groups: Vec<Vec<SignedRecord>>| {
            let (mut state, registry, _) = pos_festival(fest, dev);
            reconcile(&mut state, &registry, &[Batch { records: vec![honest.clone()] }.to_bytes()], t(2_000), &cfg).unwrap();
            state.revoke_device(dev, "stolen", t(3_000)).unwrap();
            for g in groups {
                reconcile(&mut state, &registry, &[Batch { records: g }.to_bytes()], t(60_000), &cfg).unwrap();
            }
            (state.wallets[&wallet_id].balances().total.amount_string(), state.chains[&dev].revoked_after.clone())
        };
        let mut groups: Vec<Vec<_>> = vec![Vec::new(); 4];
        for (k, r) in after.iter().enumerate() {
            groups[splits[k]].push(r.clone());
        }
        let mut ordered: Vec<Vec<_>> = Vec::new();
        for o in &order {
            ordered.push(std::mem::take(&mut groups[*o]));
        }
        ordered.extend(groups);
        let (split_balance, split_cut) = run(ordered);
        let (one_balance, one_cut) = run(vec![after.clone()]);
        proptest::prop_assert_eq!(&split_balance, &one_balance);
        proptest::prop_assert_eq!(&split_cut, &one_cut);
        let through = one_cut.and_then(|c| c.accepted).map(|m| m.minor_units()).unwrap_or(0);
        proptest::prop_assert!(through <= bound as i128);
        // Money conservation: 50 - 1 (honest) - what got through.
        let expected = Money::from_minor(4_900 - through as i64, eur).unwrap().amount_string();
        proptest::prop_assert_eq!(split_balance, expected);
    }
}
