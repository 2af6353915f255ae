//! Attacks on the offline trust model, through the public API only (issue 13): a foreign-festival
//! record must not poison a device's chain, a revoked device gains nothing by backdating, and
//! revocation lists cannot be rolled back or locked.
//! The same attacks run in every runtime as vectors (`tests/vectors/offline.json`,
//! `tests/vectors/offline_merge.json`).

use festival_core::offline::codes::{InstallResult, IssuerKey, KeySet, RevocationList, RevocationStore};
use festival_core::offline::crypto;
use festival_core::offline::device::DeviceSigner;
use festival_core::offline::reconcile::{reconcile, ReconcileConfig, ReconcileState, RecordStatus};
use festival_core::offline::record::{Batch, Payload};
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
    let pay = move || Payload::Payment { wallet_id, amount: Money::parse("5", eur).unwrap(), stand_id: stand, items: vec![] };
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
