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

use super::ack::SignedAck;
use super::allowance::{charge, choose_allowance, AllowanceUse, SignedAllowance};
use super::crypto::StrictPublicKey;
use super::record::{Anchor, Batch, CatalogSale, Hlc, LineItem, Payload, RecordBody, SignedRecord};
use crate::catalog::{AgeClass, Catalog};
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
    anchor: Option<Anchor>,
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
        DeviceSigner {
            seed,
            device_id,
            festival_id,
            next_sequence: 1,
            last_hash: [0; 32],
            last_hlc: Hlc::default(),
            anchor: None,
        }
    }

    /// Resumes a log from persisted state (without an anchor: see [`DeviceSigner::with_anchor`]).
    pub fn resume(
        seed: [u8; 32],
        device_id: Uuid,
        festival_id: Uuid,
        next_sequence: u64,
        last_hash: [u8; 32],
        last_hlc: Hlc,
    ) -> Self {
        DeviceSigner {
            seed,
            device_id,
            festival_id,
            next_sequence: next_sequence.max(1),
            last_hash,
            last_hlc,
            anchor: None,
        }
    }

    /// The resumed signer with its persisted anchor (the newest acknowledgement it had accepted).
    /// `OFFLINE_ANCHOR_INVALID` if the anchor acknowledges a sequence the signer has not made.
    pub fn with_anchor(mut self, anchor: Option<Anchor>) -> Result<Self, OfflineError> {
        if let Some(a) = anchor {
            if a.sequence >= self.next_sequence {
                return Err(OfflineError::AnchorInvalid {
                    device_id: self.device_id,
                    reason: format!("anchor acknowledges sequence {}, the log is at {}", a.sequence, self.next_sequence - 1),
                });
            }
        }
        self.anchor = anchor;
        Ok(self)
    }

    /// The newest server acknowledgement accepted (records signed now carry it).
    pub fn anchor(&self) -> Option<Anchor> {
        self.anchor
    }

    /// The date a record signed now gets: `now`, or the anchor's server time if the clock is
    /// behind it (see [`DeviceSigner::sign`]).
    pub fn effective_time(&self, now: Timestamp) -> Timestamp {
        match self.anchor {
            Some(a) if now < a.server_time => a.server_time,
            _ => now,
        }
    }

    /// Accepts a server acknowledgement after a sync (see [`super::ack`]): checks its signature
    /// against the server's acknowledgement key, that it is for this device and festival, that
    /// it acknowledges a sequence this device has made (with the right hash when it is the last
    /// one), then makes it the anchor of every later record and moves the hybrid clock to the
    /// server's time. An acknowledgement older than the current anchor (delivered late) changes
    /// nothing and returns `false`.
    ///
    /// Errors: `OFFLINE_BAD_SIGNATURE`, `OFFLINE_WRONG_FESTIVAL`, `OFFLINE_ANCHOR_INVALID`.
    pub fn accept_ack(&mut self, ack: &SignedAck, server_key: &StrictPublicKey, now: Timestamp) -> Result<bool, OfflineError> {
        ack.verify(server_key)?;
        let a = ack.ack();
        if a.festival_id != self.festival_id {
            return Err(OfflineError::WrongFestival { expected: self.festival_id, actual: a.festival_id });
        }
        let invalid = |reason: String| OfflineError::AnchorInvalid { device_id: self.device_id, reason };
        if a.device_id != self.device_id {
            return Err(invalid(format!("acknowledgement for device {}", a.device_id)));
        }
        let last = self.next_sequence - 1;
        if a.sequence > last {
            return Err(invalid(format!("acknowledges sequence {}, the log is at {last}", a.sequence)));
        }
        // A zero hash: the server does not know it (the record was declared lost there).
        if a.sequence == last && a.last_hash.0 != self.last_hash && a.last_hash.0 != [0; 32] {
            return Err(invalid(format!("acknowledges another record at sequence {last}")));
        }
        let anchor = a.anchor();
        if self.anchor.is_some_and(|cur| (anchor.server_time, anchor.sequence) <= (cur.server_time, cur.sequence)) {
            return Ok(false);
        }
        self.anchor = Some(anchor);
        self.observe(Hlc { physical_ms: anchor.server_time.unix_millis(), logical: 0 }, now);
        Ok(true)
    }

    /// The device's public key.
    pub fn public_key(&self) -> [u8; 32] {
        super::crypto::public_key_from_seed(&self.seed)
    }

    /// The device id.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// The festival id.
    pub fn festival_id(&self) -> Uuid {
        self.festival_id
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
    /// only if signing succeeds. With an anchor, a `device_time` before the anchor's server time
    /// (a clock behind the server's) is moved up to it: a record may not be dated before an
    /// acknowledgement the device has seen.
    pub fn sign(
        &mut self,
        record_id: Uuid,
        device_time: Timestamp,
        payload: Payload,
    ) -> Result<SignedRecord, OfflineError> {
        self.sign_with_fact(record_id, device_time, payload, None)
    }

    /// [`DeviceSigner::sign`] with the gate's decision for a scan (`OFFLINE_MALFORMED` if
    /// `scan_fact` is given for a payload that is not a scan).
    pub fn sign_with_fact(
        &mut self,
        record_id: Uuid,
        device_time: Timestamp,
        payload: Payload,
        scan_fact: Option<super::record::ScanFact>,
    ) -> Result<SignedRecord, OfflineError> {
        let device_time = self.effective_time(device_time);
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
            anchor: self.anchor,
            scan_fact,
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
    allowances: Vec<SignedAllowance>,
    allowance_key: Option<[u8; 32]>,
    allowance_use: AllowanceUse,
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
        Ok(DeviceLog {
            signer,
            currency,
            limits,
            synced: BTreeMap::new(),
            queue: Vec::new(),
            allowances: Vec::new(),
            allowance_key: None,
            allowance_use: AllowanceUse::new(),
        })
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
                if wallet.map_or(true, |x| x == w) {
                    let m = if sign < 0 { m.negate() } else { m };
                    total = total.checked_add(&m).unwrap_or(total);
                }
            }
        }
        total
    }

    /// Spendable balance of `wallet` as this device knows it: last synced balance, minus this
    /// device's unsynced payments, plus its unsynced top-ups, refunds and deposit returns.
    pub fn available(&self, wallet: &Uuid) -> Money {
        let base = self.synced.get(wallet).copied().unwrap_or(Money::zero(self.currency));
        let delta = self.queued_sum(
            |p| match p {
                Payload::Payment { wallet_id, amount, .. } => Some((*wallet_id, *amount, -1)),
                Payload::TopUp { wallet_id, amount }
                | Payload::Refund { wallet_id, amount, .. }
                | Payload::DepositReturn { wallet_id, amount, .. } => Some((*wallet_id, *amount, 1)),
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
            let after = add(self.stored_value(), *amount)?;
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
        self.check_payment(&wallet_id, &amount, now)?;
        self.push(record_id, now, Payload::Payment { wallet_id, amount, stand_id, items, catalog: None })
    }

    /// Records and signs a payment priced with `catalog` (the verified catalog the device holds):
    /// the lines must match it ([`Catalog::check_payment`]: product ids, kinds, prices, voucher
    /// prices, one deposit per unit of goods that links one), no product may be above
    /// `age_class` (the age class the customer's wristband or wallet carries, `None`: not
    /// verified; [`Catalog::check_age`], `CATALOG_AGE_RESTRICTED`), and then the limits and the
    /// local balance are checked as by [`DeviceLog::pay`]. The amount is the sum of the money
    /// lines (zero if everything is paid with vouchers). The record (encoding version 4) carries
    /// the catalog version and the lines, so reconciliation checks them again against the
    /// catalog the server published.
    ///
    /// Errors: the catalog's `CATALOG_*` codes, `OFFLINE_INVALID_AMOUNT` (a catalog in another
    /// currency than the device's), and those of [`DeviceLog::pay`].
    #[allow(clippy::too_many_arguments)]
    pub fn pay_with_catalog(
        &mut self,
        record_id: Uuid,
        now: Timestamp,
        wallet_id: Uuid,
        stand_id: Uuid,
        catalog: &Catalog,
        lines: Vec<crate::wallet::LineItem>,
        age_class: Option<AgeClass>,
    ) -> Result<SignedRecord, crate::Error> {
        if catalog.currency() != self.currency {
            return Err(OfflineError::InvalidAmount { reason: "the catalog's currency is not the device's".into() }.into());
        }
        let refused = |e: crate::catalog::CatalogError| crate::Error::from(crate::wallet::WalletError::from(e));
        catalog.check_payment(&lines, Some(catalog.version())).map_err(refused)?;
        catalog.check_age(&lines, age_class).map_err(refused)?;
        let mut total = Money::zero(self.currency);
        for l in &lines {
            total = l.unit_price.checked_mul_qty(u64::from(l.quantity)).and_then(|x| total.checked_add(&x))?;
        }
        // A payment entirely in vouchers moves no money: only the queue limit applies.
        if total.is_zero() {
            self.check_common(None)?;
        } else {
            self.check_common(Some(&total))?;
            self.check_payment(&wallet_id, &total, now)?;
        }
        let catalog = Some(CatalogSale { version: catalog.version(), lines });
        Ok(self.push(record_id, now, Payload::Payment { wallet_id, amount: total, stand_id, items: vec![], catalog })?)
    }

    /// The payment-only checks: per-payment limit, per-wallet offline limit, local balance, and
    /// (once an allowance is installed) an allowance that covers it.
    fn check_payment(&self, wallet_id: &Uuid, amount: &Money, now: Timestamp) -> Result<(), OfflineError> {
        if !self.allowances.is_empty() && self.allowance_for(wallet_id, amount, now).is_none() {
            return Err(OfflineError::DeviceAllowanceExceeded { wallet_id: *wallet_id, requested: amount.amount_string() });
        }
        if gt(amount, &self.limits.per_payment) {
            return Err(limit_err("per_payment", *amount, self.limits.per_payment));
        }
        let after = add(self.offline_spent(wallet_id), *amount)?;
        if gt(&after, &self.limits.per_wallet_offline) {
            return Err(limit_err("per_wallet_offline", after, self.limits.per_wallet_offline));
        }
        let available = self.available(wallet_id);
        if gt(amount, &available) {
            return Err(OfflineError::DeviceInsufficientBalance {
                available: available.amount_string(),
                requested: amount.amount_string(),
            });
        }
        Ok(())
    }

    /// Total of this device's unsynced payments by `wallet` (what the per-wallet limit counts).
    pub fn offline_spent(&self, wallet: &Uuid) -> Money {
        self.queued_sum(
            |p| match p {
                Payload::Payment { wallet_id, amount, .. } => Some((*wallet_id, *amount, 1)),
                _ => None,
            },
            Some(*wallet),
        )
    }

    /// Total value of the unsynced money records (payments, top-ups, refunds, deposit returns): what the
    /// stored-value limit counts.
    pub fn stored_value(&self) -> Money {
        self.queued_sum(
            |p| match p {
                Payload::Payment { wallet_id, amount, .. }
                | Payload::TopUp { wallet_id, amount }
                | Payload::Refund { wallet_id, amount, .. }
                | Payload::DepositReturn { wallet_id, amount, .. } => Some((*wallet_id, *amount, 1)),
                _ => None,
            },
            None,
        )
    }

    /// Records and signs returned deposit items (cups) credited to `wallet_id` at the
    /// catalog's deposit price ([`Catalog::check_deposit_return`]: `CATALOG_UNKNOWN_PRODUCT`,
    /// `CATALOG_LINE_KIND_MISMATCH` for goods), after the queue and stored-value limits. The
    /// record (kind `deposit_return`, encoding version 4) names the catalog version, which
    /// reconciliation checks again against the published catalog.
    pub fn return_deposit(
        &mut self,
        record_id: Uuid,
        now: Timestamp,
        wallet_id: Uuid,
        stand_id: Uuid,
        catalog: &Catalog,
        product: &str,
        quantity: u32,
    ) -> Result<SignedRecord, crate::Error> {
        if catalog.currency() != self.currency {
            return Err(OfflineError::InvalidAmount { reason: "the catalog's currency is not the device's".into() }.into());
        }
        // The catalog's deposit price; an unknown product is reported by the check below.
        let price = catalog.product(product).map_or(Money::zero(self.currency), |p| p.price);
        let amount = price.checked_mul_qty(u64::from(quantity))?;
        catalog
            .check_deposit_return(product, quantity, &amount)
            .map_err(|e| crate::Error::from(crate::wallet::WalletError::from(e)))?;
        self.check_common(Some(&amount))?;
        let payload = Payload::DepositReturn {
            wallet_id,
            stand_id,
            product: product.to_string(),
            quantity,
            amount,
            catalog_version: catalog.version(),
        };
        Ok(self.push(record_id, now, payload)?)
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

    /// Records and signs any record (refund, scan, void...) after the queue and value limits; a
    /// payment given here gets exactly the checks of [`DeviceLog::pay`], so every queued record
    /// passed the limits that [`DeviceLog::restore`] checks again.
    pub fn record(&mut self, record_id: Uuid, now: Timestamp, payload: Payload) -> Result<SignedRecord, OfflineError> {
        let amount = match &payload {
            // A catalog payment entirely in vouchers moves no money.
            Payload::Payment { amount, catalog: Some(_), .. } if amount.is_zero() => None,
            Payload::Payment { amount, .. }
            | Payload::TopUp { amount, .. }
            | Payload::Refund { amount, .. }
            | Payload::DepositReturn { amount, .. } => Some(*amount),
            _ => None,
        };
        self.check_common(amount.as_ref())?;
        if let (Payload::Payment { wallet_id, .. }, Some(amount)) = (&payload, amount) {
            self.check_payment(wallet_id, &amount, now)?;
        }
        self.push(record_id, now, payload)
    }

    /// Records and signs a scan with the gate's own decision and rule versions (a scan fact,
    /// record encoding version 3): denied scans are recorded too, for the failed-scan statistics.
    pub fn record_scan(
        &mut self,
        record_id: Uuid,
        now: Timestamp,
        ticket_id: Uuid,
        zone_id: Uuid,
        direction: super::record::Direction,
        fact: super::record::ScanFact,
    ) -> Result<SignedRecord, OfflineError> {
        self.check_common(None)?;
        let rec = self.signer.sign_with_fact(record_id, now, Payload::Scan { ticket_id, zone_id, direction }, Some(fact))?;
        self.queue.push(rec.clone());
        Ok(rec)
    }

    fn push(&mut self, record_id: Uuid, now: Timestamp, payload: Payload) -> Result<SignedRecord, OfflineError> {
        let charged = match &payload {
            Payload::Payment { wallet_id, amount, .. } => {
                self.allowance_for(wallet_id, amount, now).map(|id| (id, *wallet_id, *amount))
            }
            _ => None,
        };
        let rec = self.signer.sign(record_id, now, payload)?;
        if let Some((id, wallet, amount)) = charged {
            charge(&mut self.allowance_use, id, wallet, amount);
        }
        self.queue.push(rec.clone());
        Ok(rec)
    }

    /// The installed allowance a payment would be charged to now
    /// ([`choose_allowance`](super::allowance::choose_allowance)).
    fn allowance_for(&self, wallet: &Uuid, amount: &Money, now: Timestamp) -> Option<Uuid> {
        let at = self.signer.effective_time(now);
        choose_allowance(self.allowances.iter().map(SignedAllowance::allowance), &self.allowance_use, &self.signer.device_id, wallet, at, amount)
            .map(|a| a.allowance_id)
    }

    /// Installs a server-signed offline allowance (see [`super::allowance`]). From the first one
    /// on, every payment must be covered by an installed allowance (else
    /// `DEVICE_ALLOWANCE_EXCEEDED`), and is charged to it. Installing the same allowance again
    /// changes nothing.
    ///
    /// Errors: `OFFLINE_BAD_SIGNATURE`, `OFFLINE_WRONG_FESTIVAL`, `OFFLINE_ANCHOR_INVALID` (the
    /// device is not in the allowance's group), `OFFLINE_INVALID_AMOUNT` (another currency),
    /// `OFFLINE_INVALID_KEY` (signed with another server key than the allowances installed
    /// before).
    pub fn install_allowance(&mut self, allowance: &SignedAllowance, server_key: &StrictPublicKey) -> Result<(), OfflineError> {
        allowance.verify(server_key)?;
        if self.allowance_key.is_some_and(|k| k != server_key.to_bytes()) {
            return Err(OfflineError::InvalidKey { reason: "allowances must all be signed by the same server key".into() });
        }
        let a = allowance.allowance();
        if a.festival_id != self.signer.festival_id {
            return Err(OfflineError::WrongFestival { expected: self.signer.festival_id, actual: a.festival_id });
        }
        if a.devices.binary_search(&self.signer.device_id).is_err() {
            return Err(OfflineError::AnchorInvalid {
                device_id: self.signer.device_id,
                reason: format!("allowance {} is not for this device", a.allowance_id),
            });
        }
        if a.amount.currency() != self.currency {
            return Err(OfflineError::InvalidAmount { reason: format!("allowance in {}, device in {}", a.amount.currency(), self.currency) });
        }
        if let Some(existing) = self.allowances.iter().find(|x| x.allowance().allowance_id == a.allowance_id) {
            if existing == allowance {
                return Ok(());
            }
            return Err(OfflineError::Malformed {
                what: "allowance".into(),
                offset: 0,
                reason: format!("another allowance with id {} is installed", a.allowance_id),
            });
        }
        self.allowance_key = Some(server_key.to_bytes());
        self.allowances.push(allowance.clone());
        Ok(())
    }

    /// The installed allowances.
    pub fn allowances(&self) -> impl Iterator<Item = &SignedAllowance> {
        self.allowances.iter()
    }

    /// What `wallet` may still spend on this device at `now` under the installed allowances
    /// (`None` if none is installed: then only the local limits apply).
    pub fn allowance_remaining(&self, wallet: &Uuid, now: Timestamp) -> Option<Money> {
        if self.allowances.is_empty() {
            return None;
        }
        let at = self.signer.effective_time(now);
        let mut total = Money::zero(self.currency);
        for s in &self.allowances {
            let a = s.allowance();
            if !a.applies(&self.signer.device_id, wallet, at) {
                continue;
            }
            let used = self.allowance_use.get(&a.allowance_id).and_then(|m| m.get(wallet)).copied();
            let left = used.and_then(|u| a.amount.checked_sub(&u).ok()).unwrap_or(a.amount);
            if left.is_positive() {
                total = total.checked_add(&left).unwrap_or(total);
            }
        }
        Some(total)
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

    /// Accepts a server-signed acknowledgement after a sync ([`DeviceSigner::accept_ack`], which
    /// also checks the hash of a still-queued acknowledged record) and drops the queued records
    /// it covers. Returns whether it became the anchor (`false`: older than the current one; the
    /// queue is still trimmed).
    pub fn accept_ack(&mut self, ack: &SignedAck, server_key: &StrictPublicKey, now: Timestamp) -> Result<bool, OfflineError> {
        let a = ack.ack();
        if let Some(r) = self.queue.iter().find(|r| r.body().sequence == a.sequence) {
            ack.verify(server_key)?;
            if r.hash() != a.last_hash.0 && a.last_hash.0 != [0; 32] {
                return Err(OfflineError::AnchorInvalid {
                    device_id: self.signer.device_id,
                    reason: format!("acknowledges another record at sequence {}", a.sequence),
                });
            }
        }
        let newer = self.signer.accept_ack(ack, server_key, now)?;
        self.acknowledge(a.sequence);
        Ok(newer)
    }
}

/// Everything a device app persists to restart without losing anything: the signer's position
/// (sequence, last hash, clock), the currency and limits, the last synced balances and the
/// records still waiting for sync (their exact signed bytes). JSON via serde: ids as UUID
/// strings, hashes / keys / records as lowercase hex, money as decimal strings, the sequence as a
/// decimal string. The seed is NOT part of it (it stays in the platform's secure storage).
///
/// [`DeviceLog::from_state`] validates it like [`DeviceLog::restore`]: an edited, reordered or
/// truncated queue is rejected, so a restart is lossless and tamper-evident.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceLogState {
    /// The device id.
    pub device_id: Uuid,
    /// The festival id.
    pub festival_id: Uuid,
    /// The device's Ed25519 public key (checked against the seed on restore).
    #[serde(with = "super::record::hex32")]
    pub public_key: [u8; 32],
    /// The sequence the next record gets.
    #[serde(with = "super::record::u64_string")]
    pub next_sequence: u64,
    /// Hash of the last signed record (zeros before the first).
    #[serde(with = "super::record::hex32")]
    pub last_hash: [u8; 32],
    /// The last HLC stamp issued or observed.
    pub last_hlc: Hlc,
    /// The device currency.
    pub currency: Currency,
    /// The local limits.
    pub limits: DeviceLimits,
    /// The last synced balances.
    pub synced_balances: BTreeMap<Uuid, Money>,
    /// The unsynced records, oldest first, as their signed bytes.
    #[serde(with = "hex_records")]
    pub queue: Vec<Vec<u8>>,
    /// The newest server acknowledgement accepted (absent before the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// The installed offline allowances, as their signed bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "hex_records")]
    pub allowances: Vec<Vec<u8>>,
    /// The server key that signed them (checked again on restore).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_hex32")]
    pub allowance_key: Option<[u8; 32]>,
    /// What this device charged to each allowance, per wallet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allowance_use: AllowanceUse,
}

/// Serde helper: an optional 32-byte key as hex.
mod opt_hex32 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(k) => s.serialize_str(&crate::interop::hex_encode(k)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        let t = Option::<String>::deserialize(d)?;
        t.map(|t| crate::interop::hex_decode_array::<32>("allowance_key", &t).map_err(serde::de::Error::custom)).transpose()
    }
}

/// Serde helper: a list of byte strings as lowercase hex.
mod hex_records {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(|b| crate::interop::hex_encode(b)).collect::<Vec<_>>().serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts.iter().map(|t| crate::interop::hex_decode("queue", t).map_err(serde::de::Error::custom)).collect()
    }
}

impl DeviceLog {
    /// Rebuilds a log after an app restart from the signer (resumed at its persisted position),
    /// the limits, the last synced balances and the records that were queued but not yet
    /// acknowledged. Nothing is trusted: each record must be signed by the signer's key, belong
    /// to its device and festival, follow the previous one (contiguous sequences, hash chain,
    /// increasing HLC) and end exactly at the signer's position (last sequence, last hash, HLC not
    /// ahead of the signer's); amounts must be positive in `currency` and the queue must satisfy
    /// the limits that every queued record passed when it was made (queue length, stored value,
    /// per payment, per wallet offline). The local balance is not re-checked: synced balances
    /// may have changed since.
    ///
    /// Errors: `OFFLINE_INVALID_AMOUNT` (limit or amount currency), `OFFLINE_UNKNOWN_DEVICE`,
    /// `OFFLINE_WRONG_FESTIVAL`, `OFFLINE_BAD_SIGNATURE`, `OFFLINE_SEQUENCE_GAP`,
    /// `OFFLINE_CHAIN_BROKEN`, `OFFLINE_HLC_REGRESSION`, `DEVICE_QUEUE_FULL`,
    /// `DEVICE_LIMIT_EXCEEDED`.
    ///
    /// A queue missing its oldest records is indistinguishable here from one whose oldest records
    /// were acknowledged; the server detects it (`OFFLINE_SEQUENCE_GAP` at the next sync).
    pub fn restore(
        signer: DeviceSigner,
        currency: Currency,
        limits: DeviceLimits,
        synced_balances: BTreeMap<Uuid, Money>,
        queued: Vec<SignedRecord>,
    ) -> Result<Self, OfflineError> {
        let mut log = DeviceLog::new(signer, currency, limits)?;
        log.set_synced_balances(synced_balances)?;
        log.check_queue(&queued)?;
        log.queue = queued;
        log.check_queue_limits()?;
        Ok(log)
    }

    /// Chain and signature checks of a queue against this log's signer.
    fn check_queue(&self, queued: &[SignedRecord]) -> Result<(), OfflineError> {
        let signer = &self.signer;
        let key = super::crypto::StrictPublicKey::from_bytes(&signer.public_key())?;
        let device_id = signer.device_id;
        let mut prev: Option<&SignedRecord> = None;
        for rec in queued {
            let b = rec.body();
            if b.device_id != device_id {
                return Err(OfflineError::UnknownDevice { device_id: b.device_id });
            }
            if b.festival_id != signer.festival_id {
                return Err(OfflineError::WrongFestival { expected: signer.festival_id, actual: b.festival_id });
            }
            key.verify(&rec.signing_input(), rec.signature())?;
            if let Some(p) = prev {
                let expected = p.body().sequence.saturating_add(1);
                if b.sequence != expected {
                    return Err(OfflineError::SequenceGap {
                        device_id,
                        expected: expected.to_string(),
                        found: b.sequence.to_string(),
                    });
                }
                if b.prev_hash != p.hash() {
                    return Err(OfflineError::ChainBroken { device_id, sequence: b.sequence.to_string() });
                }
                if b.hlc <= p.body().hlc {
                    return Err(OfflineError::HlcRegression { device_id, sequence: b.sequence.to_string() });
                }
            }
            prev = Some(rec);
        }
        if let Some(last) = prev {
            let b = last.body();
            let expected = signer.next_sequence.saturating_sub(1);
            if b.sequence != expected {
                return Err(OfflineError::SequenceGap {
                    device_id,
                    expected: expected.to_string(),
                    found: b.sequence.to_string(),
                });
            }
            if last.hash() != signer.last_hash {
                return Err(OfflineError::ChainBroken { device_id, sequence: b.sequence.to_string() });
            }
            if b.hlc > signer.last_hlc {
                return Err(OfflineError::HlcRegression { device_id, sequence: b.sequence.to_string() });
            }
        }
        Ok(())
    }

    /// The limits every queued record passed when it was made, checked on the whole queue.
    fn check_queue_limits(&self) -> Result<(), OfflineError> {
        if self.queue.len() as u64 > self.limits.max_queued_records {
            return Err(OfflineError::DeviceQueueFull { max: self.limits.max_queued_records });
        }
        let mut stored = Money::zero(self.currency);
        let mut per_wallet: BTreeMap<Uuid, Money> = BTreeMap::new();
        for rec in &self.queue {
            let (wallet, amount, is_payment) = match &rec.body().payload {
                Payload::Payment { wallet_id, amount, .. } => (*wallet_id, *amount, true),
                Payload::TopUp { wallet_id, amount } | Payload::Refund { wallet_id, amount, .. } => {
                    (*wallet_id, *amount, false)
                }
                _ => continue,
            };
            if amount.currency() != self.currency || !amount.is_positive() {
                return Err(OfflineError::InvalidAmount {
                    reason: format!("queued {amount} is not a positive {}", self.currency),
                });
            }
            stored = add(stored, amount)?;
            if gt(&stored, &self.limits.max_stored_value) {
                return Err(limit_err("stored_value", stored, self.limits.max_stored_value));
            }
            if is_payment {
                if gt(&amount, &self.limits.per_payment) {
                    return Err(limit_err("per_payment", amount, self.limits.per_payment));
                }
                let spent = per_wallet.entry(wallet).or_insert(Money::zero(self.currency));
                *spent = add(*spent, amount)?;
                if gt(spent, &self.limits.per_wallet_offline) {
                    return Err(limit_err("per_wallet_offline", *spent, self.limits.per_wallet_offline));
                }
            }
        }
        Ok(())
    }

    /// The device currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The local limits.
    pub fn limits(&self) -> &DeviceLimits {
        &self.limits
    }

    /// The last synced balances.
    pub fn synced_balances(&self) -> &BTreeMap<Uuid, Money> {
        &self.synced
    }

    /// The unsynced records, oldest first.
    pub fn queued_records(&self) -> &[SignedRecord] {
        &self.queue
    }

    /// The state to persist (see [`DeviceLogState`]); [`DeviceLog::from_state`] restores it.
    pub fn state(&self) -> DeviceLogState {
        let s = &self.signer;
        DeviceLogState {
            device_id: s.device_id,
            festival_id: s.festival_id,
            public_key: s.public_key(),
            next_sequence: s.next_sequence,
            last_hash: s.last_hash,
            last_hlc: s.last_hlc,
            currency: self.currency,
            limits: self.limits.clone(),
            synced_balances: self.synced.clone(),
            queue: self.queue.iter().map(SignedRecord::to_bytes).collect(),
            anchor: s.anchor,
            allowances: self.allowances.iter().map(SignedAllowance::to_bytes).collect(),
            allowance_key: self.allowance_key,
            allowance_use: self.allowance_use.clone(),
        }
    }

    /// Restores a log from a persisted [`DeviceLogState`] and the device seed (from secure
    /// storage). `OFFLINE_INVALID_KEY` if the seed is not the state's key, `OFFLINE_MALFORMED` if
    /// a queued record does not decode, then every check of [`DeviceLog::restore`].
    pub fn from_state(seed: [u8; 32], state: DeviceLogState) -> Result<Self, OfflineError> {
        if super::crypto::public_key_from_seed(&seed) != state.public_key {
            return Err(OfflineError::InvalidKey { reason: "the seed does not match the state's public key".into() });
        }
        let queued = state.queue.iter().map(|b| SignedRecord::from_bytes(b)).collect::<Result<Vec<_>, _>>()?;
        let signer = DeviceSigner::resume(
            seed,
            state.device_id,
            state.festival_id,
            state.next_sequence,
            state.last_hash,
            state.last_hlc,
        )
        .with_anchor(state.anchor)?;
        let mut log = DeviceLog::restore(signer, state.currency, state.limits, state.synced_balances, queued)?;
        if !state.allowances.is_empty() {
            let key = state.allowance_key.ok_or(OfflineError::InvalidKey { reason: "allowances without their server key".into() })?;
            let key = StrictPublicKey::from_bytes(&key)?;
            for bytes in &state.allowances {
                log.install_allowance(&SignedAllowance::from_bytes(bytes)?, &key)?;
            }
        }
        log.allowance_use = state.allowance_use;
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::m;

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
    fn acknowledgements_are_checked_then_anchor_later_records() {
        use crate::offline::ack::SyncAck;
        use crate::offline::record::Digest;
        let server = [0x5e; 32];
        let key = StrictPublicKey::from_bytes(&crate::offline::crypto::public_key_from_seed(&server)).unwrap();
        let code = |e: OfflineError| crate::ErrorCode::code(&e);
        let mut l = log(10);
        let (w, s) = (Uuid::from_u128(5), Uuid::from_u128(6));
        let r1 = l.pay(Uuid::from_u128(10), t(0), w, m("1"), s, vec![]).unwrap();
        let ack = |device: u128, festival: u128, sequence: u64, hash: [u8; 32], at: i64| {
            SyncAck {
                festival_id: Uuid::from_u128(festival),
                device_id: Uuid::from_u128(device),
                sequence,
                last_hash: Digest(hash),
                server_time: t(at),
            }
            .sign(&server)
        };
        assert_eq!(code(l.accept_ack(&ack(9, 2, 1, r1.hash(), 50), &key, t(60)).unwrap_err()), "OFFLINE_ANCHOR_INVALID");
        assert_eq!(code(l.accept_ack(&ack(1, 9, 1, r1.hash(), 50), &key, t(60)).unwrap_err()), "OFFLINE_WRONG_FESTIVAL");
        assert_eq!(code(l.accept_ack(&ack(1, 2, 2, r1.hash(), 50), &key, t(60)).unwrap_err()), "OFFLINE_ANCHOR_INVALID");
        assert_eq!(code(l.accept_ack(&ack(1, 2, 1, [3; 32], 50), &key, t(60)).unwrap_err()), "OFFLINE_ANCHOR_INVALID");
        assert_eq!(l.queued(), 1, "a refused acknowledgement changes nothing");
        assert!(l.accept_ack(&ack(1, 2, 1, r1.hash(), 50), &key, t(60)).unwrap());
        assert_eq!(l.queued(), 0);
        // An older acknowledgement delivered late changes nothing.
        assert!(!l.accept_ack(&ack(1, 2, 0, [0; 32], 40), &key, t(60)).unwrap());
        let r2 = l.pay(Uuid::from_u128(11), t(10), w, m("1"), s, vec![]).unwrap();
        assert_eq!(r2.body().anchor.unwrap().server_time, t(50));
        assert_eq!(r2.body().device_time, t(50));
        assert!(r2.body().hlc.physical_ms >= t(60).unix_millis(), "the clock moved to the server's");
        // The anchor survives a restart, and a tampered one is refused.
        let state = l.state();
        let back = DeviceLog::from_state([8; 32], state.clone()).unwrap();
        assert_eq!(back.signer().anchor(), l.signer().anchor());
        let mut bad = state;
        bad.anchor = Some(Anchor { sequence: 9, server_time: t(50) });
        assert_eq!(code(DeviceLog::from_state([8; 32], bad).unwrap_err()), "OFFLINE_ANCHOR_INVALID");
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

    fn restore_parts(l: &DeviceLog, queue: Vec<SignedRecord>) -> Result<DeviceLog, OfflineError> {
        let s = l.signer();
        let signer = DeviceSigner::resume(
            [8; 32],
            s.device_id(),
            s.festival_id(),
            s.next_sequence(),
            s.last_hash(),
            s.last_hlc(),
        );
        DeviceLog::restore(signer, l.currency(), l.limits().clone(), l.synced_balances().clone(), queue)
    }

    fn busy_log() -> DeviceLog {
        let (w, s) = (Uuid::from_u128(5), Uuid::from_u128(6));
        let mut l = log(10);
        l.pay(Uuid::from_u128(20), t(0), w, m("10"), s, vec![]).unwrap();
        l.top_up(Uuid::from_u128(21), t(1), w, m("5")).unwrap();
        l.pay(Uuid::from_u128(22), t(2), w, m("15"), s, vec![]).unwrap();
        l
    }

    #[test]
    fn restore_keeps_the_queue_and_the_limits() {
        let (w, s) = (Uuid::from_u128(5), Uuid::from_u128(6));
        let l = busy_log();
        let mut r = restore_parts(&l, l.queued_records().to_vec()).unwrap();
        assert_eq!(r.queued(), 3);
        assert_eq!(r.available(&w), m("180"));
        assert_eq!(r.offline_spent(&w), m("25"));
        assert_eq!(r.stored_value(), m("30"));
        // 25 of the 30 per-wallet offline limit are spent: the restart did not reset it.
        let e = r.pay(Uuid::from_u128(23), t(3), w, m("6"), s, vec![]).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&e), "DEVICE_LIMIT_EXCEEDED");
        let next = r.pay(Uuid::from_u128(23), t(3), w, m("5"), s, vec![]).unwrap();
        assert_eq!(next.body().sequence, 4);
        assert_eq!(next.body().prev_hash, l.queued_records()[2].hash());
        // Through the serialized state as well.
        let json = serde_json::to_string(&l.state()).unwrap();
        let back: DeviceLogState = serde_json::from_str(&json).unwrap();
        let r2 = DeviceLog::from_state([8; 32], back).unwrap();
        assert_eq!(r2.state(), l.state());
        assert_eq!(r2.export_batch(), l.export_batch());
    }

    #[test]
    fn restore_after_acknowledge_accepts_the_remaining_suffix() {
        let mut l = busy_log();
        l.acknowledge(1);
        let r = restore_parts(&l, l.queued_records().to_vec()).unwrap();
        assert_eq!(r.queued(), 2);
        l.acknowledge(3);
        let r = restore_parts(&l, vec![]).unwrap();
        assert_eq!(r.queued(), 0);
    }

    #[test]
    fn restore_rejects_a_tampered_queue() {
        let l = busy_log();
        let q = l.queued_records().to_vec();
        let code = |r: Result<DeviceLog, OfflineError>| crate::ErrorCode::code(&r.unwrap_err());
        // Dropping the newest record: the queue no longer ends at the signer's position.
        assert_eq!(code(restore_parts(&l, q[..2].to_vec())), "OFFLINE_SEQUENCE_GAP");
        // Dropping one in the middle.
        assert_eq!(code(restore_parts(&l, vec![q[0].clone(), q[2].clone()])), "OFFLINE_SEQUENCE_GAP");
        // Reordering.
        assert_eq!(code(restore_parts(&l, vec![q[1].clone(), q[0].clone(), q[2].clone()])), "OFFLINE_SEQUENCE_GAP");
        // An altered amount under the original signature: it no longer verifies.
        let mut body = q[0].body().clone();
        if let Payload::Payment { amount, .. } = &mut body.payload {
            *amount = m("1");
        }
        assert_ne!(&body, q[0].body());
        let altered = SignedRecord::from_parts(body, *q[0].signature()).unwrap();
        assert_eq!(code(restore_parts(&l, vec![altered, q[1].clone(), q[2].clone()])), "OFFLINE_BAD_SIGNATURE");
        // A record re-signed by another key.
        let forged = q[0].body().sign(&[9; 32]).unwrap();
        assert_eq!(code(restore_parts(&l, vec![forged, q[1].clone(), q[2].clone()])), "OFFLINE_BAD_SIGNATURE");
        // A validly signed record of the same key but a different history: the chain breaks.
        let mut body = q[1].body().clone();
        body.prev_hash = [1; 32];
        let rewritten = body.sign(&[8; 32]).unwrap();
        assert_eq!(code(restore_parts(&l, vec![q[0].clone(), rewritten, q[2].clone()])), "OFFLINE_CHAIN_BROKEN");
        // Another device's records.
        let mut other = DeviceLog::new(
            DeviceSigner::new([8; 32], Uuid::from_u128(99), Uuid::from_u128(2)),
            Currency::iso("EUR").unwrap(),
            l.limits().clone(),
        )
        .unwrap();
        let foreign = other.top_up(Uuid::from_u128(1), t(0), Uuid::from_u128(5), m("1")).unwrap();
        assert_eq!(code(restore_parts(&l, vec![foreign])), "OFFLINE_UNKNOWN_DEVICE");
        // A state whose seed is not the device's.
        assert_eq!(
            crate::ErrorCode::code(&DeviceLog::from_state([7; 32], l.state()).unwrap_err()),
            "OFFLINE_INVALID_KEY"
        );
        // Garbage queue bytes.
        let mut st = l.state();
        st.queue[0].truncate(10);
        assert_eq!(crate::ErrorCode::code(&DeviceLog::from_state([8; 32], st).unwrap_err()), "OFFLINE_MALFORMED");
    }

    #[test]
    fn restore_checks_the_limits_the_records_passed() {
        let l = busy_log();
        let q = l.queued_records().to_vec();
        let s = l.signer().clone();
        let with = |limits: DeviceLimits| {
            let signer = DeviceSigner::resume([8; 32], s.device_id(), s.festival_id(), 4, s.last_hash(), s.last_hlc());
            DeviceLog::restore(signer, l.currency(), limits, BTreeMap::new(), q.clone())
        };
        let base = l.limits().clone();
        assert!(with(base.clone()).is_ok());
        let e = with(DeviceLimits { max_queued_records: 2, ..base.clone() }).unwrap_err();
        assert_eq!(e, OfflineError::DeviceQueueFull { max: 2 });
        let e = with(DeviceLimits { per_wallet_offline: m("24.99"), ..base.clone() }).unwrap_err();
        assert_eq!(
            e,
            OfflineError::DeviceLimitExceeded {
                limit: "per_wallet_offline".into(),
                attempted: "25.00".into(),
                allowed: "24.99".into()
            }
        );
        let e = with(DeviceLimits { per_payment: m("14"), ..base.clone() }).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&e), "DEVICE_LIMIT_EXCEEDED");
        let e = with(DeviceLimits { max_stored_value: m("29.99"), ..base }).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&e), "DEVICE_LIMIT_EXCEEDED");
    }

    #[test]
    fn record_applies_the_payment_checks() {
        let (w, s) = (Uuid::from_u128(5), Uuid::from_u128(6));
        let mut l = log(10);
        let payload = |amount: &str| Payload::Payment { wallet_id: w, amount: m(amount), stand_id: s, items: vec![], catalog: None };
        let e = l.record(Uuid::from_u128(1), t(0), payload("25")).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&e), "DEVICE_LIMIT_EXCEEDED");
        l.record(Uuid::from_u128(1), t(0), payload("20")).unwrap();
        assert_eq!(l.offline_spent(&w), m("20"));
    }

    /// One operation of the restore proptest.
    #[derive(Debug, Clone)]
    enum Op {
        Pay(u8, u32),
        TopUp(u8, u32),
        Refund(u8, u32),
        Scan,
        Ack(u8),
        Observe(i64),
        Sync(u8, u32),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (0u8..3, 1u32..1500).prop_map(|(w, c)| Op::Pay(w, c)),
            2 => (0u8..3, 1u32..3000).prop_map(|(w, c)| Op::TopUp(w, c)),
            1 => (0u8..3, 1u32..800).prop_map(|(w, c)| Op::Refund(w, c)),
            1 => Just(Op::Scan),
            1 => (0u8..12).prop_map(Op::Ack),
            1 => (-5i64..50).prop_map(Op::Observe),
            1 => (0u8..3, 0u32..5000).prop_map(|(w, c)| Op::Sync(w, c)),
        ]
    }

    /// Applies `op` and returns an observable outcome (signed bytes or the error).
    fn apply(l: &mut DeviceLog, i: u128, op: &Op) -> Result<Vec<u8>, OfflineError> {
        let wallet = |w: u8| Uuid::from_u128(100 + u128::from(w));
        let cents = |c: u32| Money::from_minor(i64::from(c), Currency::iso("EUR").unwrap()).unwrap();
        let id = Uuid::from_u128(1000 + i);
        let now = t((i as i64) / 3);
        match op {
            Op::Pay(w, c) => l.pay(id, now, wallet(*w), cents(*c), Uuid::from_u128(6), vec![]).map(|r| r.to_bytes()),
            Op::TopUp(w, c) => l.top_up(id, now, wallet(*w), cents(*c)).map(|r| r.to_bytes()),
            Op::Refund(w, c) => l
                .record(id, now, Payload::Refund { wallet_id: wallet(*w), amount: cents(*c), original_record_id: id })
                .map(|r| r.to_bytes()),
            Op::Scan => l
                .record(
                    id,
                    now,
                    Payload::Scan {
                        ticket_id: id,
                        zone_id: Uuid::from_u128(7),
                        direction: super::super::record::Direction::In,
                    },
                )
                .map(|r| r.to_bytes()),
            Op::Ack(n) => {
                l.acknowledge(l.signer().next_sequence().saturating_sub(u64::from(*n)));
                Ok(vec![])
            }
            Op::Observe(d) => {
                let remote = Hlc { physical_ms: now.unix_millis() + d, logical: 3 };
                l.signer.observe(remote, now);
                Ok(vec![])
            }
            Op::Sync(w, c) => {
                let mut b = l.synced_balances().clone();
                b.insert(wallet(*w), cents(*c));
                l.set_synced_balances(b).map(|_| vec![])
            }
        }
    }

    fn fingerprint(l: &DeviceLog) -> (DeviceLogState, Vec<Money>, Vec<Money>, Money) {
        let ws: Vec<Uuid> = (0..3).map(|w| Uuid::from_u128(100 + w)).collect();
        (
            l.state(),
            ws.iter().map(|w| l.available(w)).collect(),
            ws.iter().map(|w| l.offline_spent(w)).collect(),
            l.stored_value(),
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// restore(export(state)) behaves exactly like the original for any following operations.
        #[test]
        fn restored_log_behaves_like_the_original(
            before in proptest::collection::vec(op(), 0..25),
            after in proptest::collection::vec(op(), 0..25),
        ) {
            let limits = DeviceLimits {
                per_payment: m("12"),
                per_wallet_offline: m("25"),
                max_stored_value: m("60"),
                max_queued_records: 8,
            };
            let mut a = DeviceLog::new(
                DeviceSigner::new([8; 32], Uuid::from_u128(1), Uuid::from_u128(2)),
                Currency::iso("EUR").unwrap(),
                limits,
            )
            .unwrap();
            a.set_synced_balances(BTreeMap::from([(Uuid::from_u128(100), m("40")), (Uuid::from_u128(101), m("5"))]))
                .unwrap();
            for (i, o) in before.iter().enumerate() {
                let _ = apply(&mut a, i as u128, o);
            }
            let json = serde_json::to_string(&a.state()).unwrap();
            let mut b = DeviceLog::from_state([8; 32], serde_json::from_str(&json).unwrap()).unwrap();
            proptest::prop_assert_eq!(fingerprint(&a), fingerprint(&b));
            for (i, o) in after.iter().enumerate() {
                let i = 100 + i as u128;
                proptest::prop_assert_eq!(apply(&mut a, i, o), apply(&mut b, i, o));
                proptest::prop_assert_eq!(fingerprint(&a), fingerprint(&b));
            }
        }
    }
}
