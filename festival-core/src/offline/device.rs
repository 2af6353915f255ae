//! The device side: [`DeviceSigner`] makes and signs the device's hash-chained records, and
//! [`DeviceLog`] adds the app's local view (last synced balances minus its own offline spends),
//! local limits and the queue of records waiting for sync.
//!
//! ```
//! use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceSigner};
//! use festival_core::{Currency, Money, Timestamp};
//! use std::collections::BTreeMap;
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let m = |s: &str| Money::parse(s, eur);
//! let limits = DeviceLimits { per_payment: m("50")?, per_wallet_offline: m("80")?,
//!                             max_stored_value: m("1000")?, max_queued_records: 100 };
//! let signer = DeviceSigner::new([4; 32], Uuid::from_u128(1), Uuid::from_u128(2));
//! let mut log = DeviceLog::new(signer, eur, limits)?;
//! let wallet = Uuid::from_u128(3);
//! log.set_synced_balances(BTreeMap::from([(wallet, m("30")?)]))?;
//! let now = Timestamp::from_unix_millis(1_783_180_800_000)?;
//! log.pay(Uuid::from_u128(10), now, wallet, m("12.50")?, Uuid::from_u128(4), vec![])?;
//! assert_eq!(log.available(&wallet).to_string(), "17.50 EUR");
//! let err = log.pay(Uuid::from_u128(11), now, wallet, m("20")?, Uuid::from_u128(4), vec![]).unwrap_err();
//! assert_eq!(festival_core::ErrorCode::code(&err), "DEVICE_INSUFFICIENT_BALANCE");
//! let batch = log.export_batch();
//! assert_eq!(batch.records.len(), 1);
//! log.acknowledge(1);
//! assert_eq!(log.queued(), 0);
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::record::{Batch, Hlc, LineItem, Payload, RecordBody, SignedRecord};
use super::OfflineError;
use crate::money::{Currency, Money};
use crate::Timestamp;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Signs a device's records: holds the secret seed, the next sequence, the last hash and HLC.
#[derive(Clone)]
pub struct DeviceSigner {
    seed: [u8; 32],
    device_id: Uuid,
    festival_id: Uuid,
    next_sequence: u64,
    last_hash: [u8; 32],
    last_hlc: Hlc,
}

impl std::fmt::Debug for DeviceSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSigner")
            .field("device_id", &self.device_id)
            .field("next_sequence", &self.next_sequence)
            .finish_non_exhaustive()
    }
}

impl DeviceSigner {
    /// A fresh device log (next sequence 1). `seed` is the 32-byte Ed25519 secret seed that the
    /// app generated from its own entropy source.
    pub fn new(seed: [u8; 32], device_id: Uuid, festival_id: Uuid) -> Self {
        DeviceSigner { seed, device_id, festival_id, next_sequence: 1, last_hash: [0; 32], last_hlc: Hlc::default() }
    }

    /// Resumes a log from persisted state.
    pub fn resume(
        seed: [u8; 32],
        device_id: Uuid,
        festival_id: Uuid,
        next_sequence: u64,
        last_hash: [u8; 32],
        last_hlc: Hlc,
    ) -> Self {
        DeviceSigner { seed, device_id, festival_id, next_sequence: next_sequence.max(1), last_hash, last_hlc }
    }

    /// The device's public key.
    pub fn public_key(&self) -> [u8; 32] {
        super::crypto::public_key_from_seed(&self.seed)
    }

    /// The device id.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// The sequence the next record gets.
    pub fn next_sequence(&self) -> u64 {
        self.next_sequence
    }

    /// Hash of the last signed record (zeros before the first).
    pub fn last_hash(&self) -> [u8; 32] {
        self.last_hash
    }

    /// The last HLC stamp issued or observed.
    pub fn last_hlc(&self) -> Hlc {
        self.last_hlc
    }

    /// Merges a stamp seen from another device or the server (HLC receive rule).
    pub fn observe(&mut self, remote: Hlc, now: Timestamp) {
        let now_ms = now.unix_millis();
        let physical = now_ms.max(self.last_hlc.physical_ms).max(remote.physical_ms);
        let logical = if physical == self.last_hlc.physical_ms && physical == remote.physical_ms {
            self.last_hlc.logical.max(remote.logical).saturating_add(1)
        } else if physical == self.last_hlc.physical_ms {
            self.last_hlc.logical.saturating_add(1)
        } else if physical == remote.physical_ms {
            remote.logical.saturating_add(1)
        } else {
            0
        };
        self.last_hlc = Hlc { physical_ms: physical, logical };
    }

    /// Creates and signs the next record (record id and time are arguments). The state advances
    /// only if signing succeeds.
    pub fn sign(
        &mut self,
        record_id: Uuid,
        device_time: Timestamp,
        payload: Payload,
    ) -> Result<SignedRecord, OfflineError> {
        let hlc = self.last_hlc.tick(device_time.unix_millis());
        let body = RecordBody {
            record_id,
            device_id: self.device_id,
            festival_id: self.festival_id,
            sequence: self.next_sequence,
            prev_hash: self.last_hash,
            device_time,
            hlc,
            payload,
        };
        let signed = body.sign(&self.seed)?;
        self.next_sequence =
            self.next_sequence.checked_add(1).ok_or(OfflineError::DeviceQueueFull { max: u64::MAX })?;
        self.last_hash = signed.hash();
        self.last_hlc = hlc;
        Ok(signed)
    }
}

/// Local limits of a device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceLimits {
    /// Largest single payment.
    pub per_payment: Money,
    /// Largest total of unsynced payments by one wallet on this device.
    pub per_wallet_offline: Money,
    /// Largest total value of unsynced money records (payments, top-ups, refunds) on the device:
    /// the value at risk if the device is lost.
    pub max_stored_value: Money,
    /// Largest number of unsynced records.
    pub max_queued_records: u64,
}

/// The app's offline view: last synced balances minus own unsynced spends, limits, and the queue.
#[derive(Debug, Clone)]
pub struct DeviceLog {
    signer: DeviceSigner,
    currency: Currency,
    limits: DeviceLimits,
    synced: BTreeMap<Uuid, Money>,
    queue: Vec<SignedRecord>,
}

fn limit_err(limit: &str, attempted: Money, allowed: Money) -> OfflineError {
    OfflineError::DeviceLimitExceeded {
        limit: limit.into(),
        attempted: attempted.amount_string(),
        allowed: allowed.amount_string(),
    }
}

/// `a > b` for amounts of the same currency (limits are checked to share the device currency).
fn gt(a: &Money, b: &Money) -> bool {
    a.amount() > b.amount()
}

fn add(a: Money, b: Money) -> Result<Money, OfflineError> {
    a.checked_add(&b).map_err(|e| OfflineError::InvalidAmount { reason: e.to_string() })
}

impl DeviceLog {
    /// A device view with no synced balances and an empty queue. Errors
    /// (`OFFLINE_INVALID_AMOUNT`) if a limit is in another currency than `currency`.
    pub fn new(signer: DeviceSigner, currency: Currency, limits: DeviceLimits) -> Result<Self, OfflineError> {
        for m in [&limits.per_payment, &limits.per_wallet_offline, &limits.max_stored_value] {
            if m.currency() != currency {
                return Err(OfflineError::InvalidAmount { reason: format!("limit {m} is not in {currency}") });
            }
        }
        Ok(DeviceLog { signer, currency, limits, synced: BTreeMap::new(), queue: Vec::new() })
    }

    /// The signer (sequence, last hash, public key).
    pub fn signer(&self) -> &DeviceSigner {
        &self.signer
    }

    /// Replaces the last synced balances (from the server; they include every acknowledged
    /// record). Errors on a balance in another currency.
    pub fn set_synced_balances(&mut self, balances: BTreeMap<Uuid, Money>) -> Result<(), OfflineError> {
        if let Some(bad) = balances.values().find(|m| m.currency() != self.currency) {
            return Err(OfflineError::InvalidAmount { reason: format!("balance in {}", bad.currency()) });
        }
        self.synced = balances;
        Ok(())
    }

    fn queued_sum(&self, f: impl Fn(&Payload) -> Option<(Uuid, Money, i8)>, wallet: Option<Uuid>) -> Money {
        let mut total = Money::zero(self.currency);
        for r in &self.queue {
            if let Some((w, m, sign)) = f(&r.body().payload) {
                if wallet.is_none_or(|x| x == w) {
                    let m = if sign < 0 { m.negate() } else { m };
                    total = total.checked_add(&m).unwrap_or(total);
                }
            }
        }
        total
    }

    /// Spendable balance of `wallet` as this device knows it: last synced balance, minus this
    /// device's unsynced payments, plus its unsynced top-ups and refunds.
    pub fn available(&self, wallet: &Uuid) -> Money {
        let base = self.synced.get(wallet).copied().unwrap_or(Money::zero(self.currency));
        let delta = self.queued_sum(
            |p| match p {
                Payload::Payment { wallet_id, amount, .. } => Some((*wallet_id, *amount, -1)),
                Payload::TopUp { wallet_id, amount } | Payload::Refund { wallet_id, amount, .. } => {
                    Some((*wallet_id, *amount, 1))
                }
                _ => None,
            },
            Some(*wallet),
        );
        base.checked_add(&delta).unwrap_or(base)
    }

    fn check_common(&self, amount: Option<&Money>) -> Result<(), OfflineError> {
        if self.queue.len() as u64 >= self.limits.max_queued_records {
            return Err(OfflineError::DeviceQueueFull { max: self.limits.max_queued_records });
        }
        if let Some(amount) = amount {
            if amount.currency() != self.currency || !amount.is_positive() {
                return Err(OfflineError::InvalidAmount {
                    reason: format!("{amount} is not a positive {}", self.currency),
                });
            }
            let stored = self.queued_sum(
                |p| match p {
                    Payload::Payment { wallet_id, amount, .. }
                    | Payload::TopUp { wallet_id, amount }
                    | Payload::Refund { wallet_id, amount, .. } => Some((*wallet_id, *amount, 1)),
                    _ => None,
                },
                None,
            );
            let after = add(stored, *amount)?;
            if gt(&after, &self.limits.max_stored_value) {
                return Err(limit_err("stored_value", after, self.limits.max_stored_value));
            }
        }
        Ok(())
    }

    /// Records and signs a payment after checking the limits and the local balance.
    pub fn pay(
        &mut self,
        record_id: Uuid,
        now: Timestamp,
        wallet_id: Uuid,
        amount: Money,
        stand_id: Uuid,
        items: Vec<LineItem>,
    ) -> Result<SignedRecord, OfflineError> {
        self.check_common(Some(&amount))?;
        if gt(&amount, &self.limits.per_payment) {
            return Err(limit_err("per_payment", amount, self.limits.per_payment));
        }
        let spent = self.queued_sum(
            |p| match p {
                Payload::Payment { wallet_id, amount, .. } => Some((*wallet_id, *amount, 1)),
                _ => None,
            },
            Some(wallet_id),
        );
        let after = add(spent, amount)?;
        if gt(&after, &self.limits.per_wallet_offline) {
            return Err(limit_err("per_wallet_offline", after, self.limits.per_wallet_offline));
        }
        let available = self.available(&wallet_id);
        if gt(&amount, &available) {
            return Err(OfflineError::DeviceInsufficientBalance {
                available: available.amount_string(),
                requested: amount.amount_string(),
            });
        }
        self.push(record_id, now, Payload::Payment { wallet_id, amount, stand_id, items })
    }

    /// Records and signs a cash top-up.
    pub fn top_up(
        &mut self,
        record_id: Uuid,
        now: Timestamp,
        wallet_id: Uuid,
        amount: Money,
    ) -> Result<SignedRecord, OfflineError> {
        self.check_common(Some(&amount))?;
        self.push(record_id, now, Payload::TopUp { wallet_id, amount })
    }

    /// Records and signs any other record (refund, scan, void) after the queue and value limits.
    pub fn record(&mut self, record_id: Uuid, now: Timestamp, payload: Payload) -> Result<SignedRecord, OfflineError> {
        let amount = match &payload {
            Payload::Payment { amount, .. } | Payload::TopUp { amount, .. } | Payload::Refund { amount, .. } => {
                Some(*amount)
            }
            _ => None,
        };
        self.check_common(amount.as_ref())?;
        self.push(record_id, now, payload)
    }

    fn push(&mut self, record_id: Uuid, now: Timestamp, payload: Payload) -> Result<SignedRecord, OfflineError> {
        let rec = self.signer.sign(record_id, now, payload)?;
        self.queue.push(rec.clone());
        Ok(rec)
    }

    /// Number of unsynced records.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// All unsynced records as a batch (export it again until it is acknowledged: the server
    /// treats re-submissions as duplicates).
    pub fn export_batch(&self) -> Batch {
        Batch { records: self.queue.clone() }
    }

    /// Drops every queued record with sequence <= `up_to_sequence` (the server accepted or
    /// definitively judged them).
    pub fn acknowledge(&mut self, up_to_sequence: u64) {
        self.queue.retain(|r| r.body().sequence > up_to_sequence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s, Currency::iso("EUR").unwrap()).unwrap()
    }

    fn log(max_queue: u64) -> DeviceLog {
        let limits = DeviceLimits {
            per_payment: m("20"),
            per_wallet_offline: m("30"),
            max_stored_value: m("100"),
            max_queued_records: max_queue,
        };
        let mut l = DeviceLog::new(
            DeviceSigner::new([8; 32], Uuid::from_u128(1), Uuid::from_u128(2)),
            Currency::iso("EUR").unwrap(),
            limits,
        )
        .unwrap();
        l.set_synced_balances(BTreeMap::from([(Uuid::from_u128(5), m("200"))])).unwrap();
        l
    }

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_783_180_800_000 + ms).unwrap()
    }

    #[test]
    fn limits_are_enforced_with_named_errors() {
        let w = Uuid::from_u128(5);
        let s = Uuid::from_u128(6);
        let mut l = log(10);
        let code = |e: OfflineError| crate::ErrorCode::code(&e);
        assert_eq!(code(l.pay(Uuid::from_u128(1), t(0), w, m("25"), s, vec![]).unwrap_err()), "DEVICE_LIMIT_EXCEEDED");
        l.pay(Uuid::from_u128(2), t(1), w, m("20"), s, vec![]).unwrap();
        let e = l.pay(Uuid::from_u128(3), t(2), w, m("15"), s, vec![]).unwrap_err();
        assert_eq!(
            e,
            OfflineError::DeviceLimitExceeded {
                limit: "per_wallet_offline".into(),
                attempted: "35.00".into(),
                allowed: "30.00".into()
            }
        );
        let other = Uuid::from_u128(9);
        assert_eq!(
            code(l.pay(Uuid::from_u128(4), t(3), other, m("1"), s, vec![]).unwrap_err()),
            "DEVICE_INSUFFICIENT_BALANCE"
        );
        l.top_up(Uuid::from_u128(5), t(4), other, m("70")).unwrap();
        assert_eq!(code(l.top_up(Uuid::from_u128(6), t(5), other, m("10.01")).unwrap_err()), "DEVICE_LIMIT_EXCEEDED");
        assert_eq!(l.available(&other), m("70"));
        assert_eq!(l.queued(), 2);
        // Failed attempts did not consume sequence numbers.
        assert_eq!(l.signer().next_sequence(), 3);
    }

    #[test]
    fn queue_limit_and_acknowledge() {
        let mut l = log(2);
        let zone = Uuid::from_u128(7);
        let scan = Payload::Scan {
            ticket_id: Uuid::from_u128(1),
            zone_id: zone,
            direction: super::super::record::Direction::In,
        };
        l.record(Uuid::from_u128(1), t(0), scan.clone()).unwrap();
        l.record(Uuid::from_u128(2), t(0), scan.clone()).unwrap();
        assert_eq!(l.record(Uuid::from_u128(3), t(0), scan.clone()), Err(OfflineError::DeviceQueueFull { max: 2 }));
        let b = l.export_batch();
        assert_eq!(b.records[1].body().prev_hash, b.records[0].hash());
        // Same millisecond: the HLC counter orders them.
        assert!(b.records[1].body().hlc > b.records[0].body().hlc);
        l.acknowledge(1);
        assert_eq!(l.queued(), 1);
        l.record(Uuid::from_u128(3), t(1), scan).unwrap();
        assert_eq!(l.export_batch().records[1].body().sequence, 3);
    }
}
