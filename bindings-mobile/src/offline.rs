//! The device side of offline operation: signing hash-chained records with the device key, the
//! local view with its limits, batch export, and ticket-code verification at the gate.
//!
//! Time and ids are arguments (the app reads its clock and makes UUIDs); the device seed comes
//! from the app's secure storage (Android Keystore-wrapped / iOS Keychain) as 32 bytes.

use crate::convert::{bytes32, hex32, time, uuid};
use crate::error::Result;
use crate::money::Money;
use festival_core::interop;
use festival_core::offline::codes::{self, KeySet, RevocationStore};
use festival_core::offline::ack::SignedAck;
use festival_core::offline::allowance::SignedAllowance;
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::device;
use festival_core::offline::record::{self, Batch, Payload, SignedRecord};
use festival_core::{Currency, InputError};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Kind of an offline record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecordKind {
    /// A wallet payment at a stand.
    Payment,
    /// A cash top-up.
    TopUp,
    /// A refund of (part of) an earlier payment.
    Refund,
    /// A ticket scan at a gate.
    Scan,
    /// Cancels an earlier record of the same device.
    Void,
    /// Returned deposit items (cups) credited to a wallet (record version 4).
    DepositReturn,
}

impl From<record::RecordKind> for RecordKind {
    fn from(k: record::RecordKind) -> Self {
        match k {
            record::RecordKind::Payment => RecordKind::Payment,
            record::RecordKind::TopUp => RecordKind::TopUp,
            record::RecordKind::Refund => RecordKind::Refund,
            record::RecordKind::Scan => RecordKind::Scan,
            record::RecordKind::Void => RecordKind::Void,
            record::RecordKind::DepositReturn => RecordKind::DepositReturn,
        }
    }
}

/// Direction of a gate scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Direction {
    /// Entering the zone.
    In,
    /// Leaving the zone.
    Out,
}

/// One line of a payment (`quantity × unit_price`; the lines of a payment sum to its amount).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineItem {
    /// Product id (UUID).
    pub product_id: String,
    /// Quantity (> 0).
    pub quantity: u32,
    /// Unit price.
    pub unit_price: Money,
}

/// The gate's decision for a scan it signs (a scan fact): admit or deny with the reason, and
/// the check-in policy and revocation-list versions it used.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScanFact {
    /// The gate's decision.
    pub decision: crate::access::Decision,
    /// The check-in policy version (0 without a policy).
    pub policy_version: u64,
    /// The revocation-list version (0 without a list).
    pub revocation_version: u64,
}

impl ScanFact {
    pub(crate) fn to_core(&self) -> record::ScanFact {
        record::ScanFact {
            decision: crate::access::decision_to_core(self.decision),
            policy_version: self.policy_version,
            revocation_version: self.revocation_version,
        }
    }

    pub(crate) fn from_core(f: &record::ScanFact) -> ScanFact {
        ScanFact {
            decision: crate::access::decision(f.decision),
            policy_version: f.policy_version,
            revocation_version: f.revocation_version,
        }
    }
}

/// Local limits of a device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceLimits {
    /// Largest single payment.
    pub per_payment: Money,
    /// Largest total of unsynced payments by one wallet on this device.
    pub per_wallet_offline: Money,
    /// Largest total value of unsynced money records on the device (value at risk if lost).
    pub max_stored_value: Money,
    /// Largest number of unsynced records.
    pub max_queued_records: u64,
}

/// A signed offline record as the app sees it. `bytes` is the canonical signed encoding (what
/// the server verifies); `body_json` the record's content as JSON (money as strings).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedRecordInfo {
    /// Record id.
    pub record_id: String,
    /// Device id.
    pub device_id: String,
    /// Festival id.
    pub festival_id: String,
    /// Per-device sequence (1, 2, 3...).
    pub sequence: u64,
    /// What the record does.
    pub kind: RecordKind,
    /// The device's wall clock when it made the record, ms since the epoch.
    pub device_time_ms: i64,
    /// SHA-256 of this record (the next record's `prev_hash`), hex.
    pub hash_hex: String,
    /// SHA-256 of the previous record of the device (zeros for sequence 1), hex.
    pub prev_hash_hex: String,
    /// The record body as JSON.
    pub body_json: String,
    /// Sequence of the server acknowledgement the record references (absent: none).
    pub anchor_sequence: Option<u64>,
    /// Its server time, ms since the epoch.
    pub anchor_server_time_ms: Option<i64>,
    /// The canonical signed encoding.
    pub bytes: Vec<u8>,
    /// For a payment priced with a product catalog ([`DeviceLog::pay_with_catalog`], record
    /// version 4): the catalog version the device used (absent for every other record).
    #[uniffi(default = None)]
    pub catalog_version: Option<u32>,
    /// The lines of a catalog payment as the wallet books them (empty for every other record).
    #[uniffi(default = [])]
    pub catalog_lines: Vec<crate::wallet::WalletLineItem>,
}

fn info(rec: &SignedRecord) -> SignedRecordInfo {
    let b = rec.body();
    let sale = match &b.payload {
        Payload::Payment { catalog: Some(sale), .. } => Some(sale),
        _ => None,
    };
    SignedRecordInfo {
        record_id: b.record_id.to_string(),
        device_id: b.device_id.to_string(),
        festival_id: b.festival_id.to_string(),
        sequence: b.sequence,
        kind: b.kind().into(),
        device_time_ms: b.device_time.unix_millis(),
        hash_hex: interop::hex_encode(&rec.hash()),
        prev_hash_hex: interop::hex_encode(&b.prev_hash),
        body_json: serde_json::to_string(b).unwrap_or_default(),
        anchor_sequence: b.anchor.map(|a| a.sequence),
        anchor_server_time_ms: b.anchor.map(|a| a.server_time.unix_millis()),
        bytes: rec.to_bytes(),
        catalog_version: match &b.payload {
            Payload::DepositReturn { catalog_version, .. } => Some(*catalog_version),
            _ => sale.map(|s| s.version),
        },
        catalog_lines: sale.map(|s| s.lines.iter().map(crate::wallet::line_item_from_core).collect()).unwrap_or_default(),
    }
}

/// What the app persists to resume its log after a restart (with the seed from secure storage).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceState {
    /// Device id.
    pub device_id: String,
    /// Festival id.
    pub festival_id: String,
    /// The device's Ed25519 public key, hex (register it with the server).
    pub public_key_hex: String,
    /// The sequence the next record gets.
    pub next_sequence: u64,
    /// Hash of the last signed record, hex (zeros before the first).
    pub last_hash_hex: String,
    /// Hybrid logical clock: physical part, ms.
    pub hlc_physical_ms: i64,
    /// Hybrid logical clock: logical counter.
    pub hlc_logical: u32,
    /// Number of records waiting for sync.
    pub queued: u64,
    /// Sequence of the newest accepted server acknowledgement (absent before the first).
    #[uniffi(default)]
    pub anchor_sequence: Option<u64>,
    /// Its server time, ms since the epoch.
    #[uniffi(default)]
    pub anchor_server_time_ms: Option<i64>,
}

/// The signer's anchor from a [`DeviceState`] (both parts or neither).
fn state_anchor(s: &DeviceState) -> Result<Option<record::Anchor>> {
    match (s.anchor_sequence, s.anchor_server_time_ms) {
        (None, None) => Ok(None),
        (Some(sequence), Some(ms)) => Ok(Some(record::Anchor { sequence, server_time: time("anchor_server_time_ms", ms)? })),
        _ => Err(InputError::invalid("anchor_sequence", "give both anchor_sequence and anchor_server_time_ms, or neither").into()),
    }
}

fn core_limits(l: &DeviceLimits) -> Result<device::DeviceLimits> {
    Ok(device::DeviceLimits {
        per_payment: l.per_payment.to_core()?,
        per_wallet_offline: l.per_wallet_offline.to_core()?,
        max_stored_value: l.max_stored_value.to_core()?,
        max_queued_records: l.max_queued_records,
    })
}

/// The app's offline device log: signs records with the device key, keeps the local view (last
/// synced balances minus its own unsynced spends), enforces the local limits and queues records
/// until they are exported and acknowledged. Thread-safe (one lock per log).
#[derive(uniffi::Object)]
pub struct DeviceLog {
    festival_id: uuid::Uuid,
    inner: Mutex<device::DeviceLog>,
}

impl DeviceLog {
    fn lock(&self) -> MutexGuard<'_, device::DeviceLog> {
        // No code path panics while holding the lock; recover the data if one ever did.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn build(
        signer: device::DeviceSigner,
        festival_id: uuid::Uuid,
        currency: &str,
        limits: &DeviceLimits,
    ) -> Result<Arc<Self>> {
        let currency: Currency = currency.parse().map_err(festival_core::Error::from)?;
        let log = device::DeviceLog::new(signer, currency, core_limits(limits)?).map_err(festival_core::Error::from)?;
        Ok(Arc::new(DeviceLog { festival_id, inner: Mutex::new(log) }))
    }

    fn sign(
        &self,
        f: impl FnOnce(&mut device::DeviceLog) -> std::result::Result<SignedRecord, festival_core::offline::OfflineError>,
    ) -> Result<SignedRecordInfo> {
        let mut log = self.lock();
        let rec = f(&mut log).map_err(festival_core::Error::from)?;
        Ok(info(&rec))
    }
}

#[uniffi::export]
impl DeviceLog {
    /// A fresh log (next sequence 1) for device `device_id` of festival `festival_id`.
    /// `seed`: the device's 32-byte Ed25519 secret seed from secure storage.
    #[uniffi::constructor]
    pub fn new(
        seed: Vec<u8>,
        device_id: String,
        festival_id: String,
        currency: String,
        limits: DeviceLimits,
    ) -> Result<Arc<Self>> {
        let festival = uuid("festival_id", &festival_id)?;
        let signer = device::DeviceSigner::new(bytes32("seed", &seed)?, uuid("device_id", &device_id)?, festival);
        Self::build(signer, festival, &currency, &limits)
    }

    /// Resumes a log from a persisted [`DeviceState`] (sequence, last hash and clock) with an
    /// EMPTY queue, so the chain continues where it stopped. To keep records that were still
    /// queued, use [`DeviceLog::restore`] (snapshot) or [`DeviceLog::resume_with_queue`].
    #[uniffi::constructor]
    pub fn resume(seed: Vec<u8>, state: DeviceState, currency: String, limits: DeviceLimits) -> Result<Arc<Self>> {
        let festival = uuid("festival_id", &state.festival_id)?;
        let signer = device::DeviceSigner::resume(
            bytes32("seed", &seed)?,
            uuid("device_id", &state.device_id)?,
            festival,
            state.next_sequence,
            hex32("last_hash_hex", &state.last_hash_hex)?,
            record::Hlc { physical_ms: state.hlc_physical_ms, logical: state.hlc_logical },
        )
        .with_anchor(state_anchor(&state)?)
        .map_err(festival_core::Error::from)?;
        if interop::hex_encode(&signer.public_key()) != state.public_key_hex.to_ascii_lowercase() {
            return Err(InputError::invalid("seed", "does not match the state's public key").into());
        }
        Self::build(signer, festival, &currency, &limits)
    }

    /// Rebuilds the log after an app restart from [`DeviceLog::snapshot`] (JSON) and the seed
    /// from secure storage: the signer position, currency, limits, synced balances AND the
    /// records still queued. Nothing is trusted: every queued record must be signed by this
    /// seed's key, belong to the device and festival, follow the previous one and end exactly at
    /// the signer's position, and the queue must satisfy the limits (`OFFLINE_BAD_SIGNATURE`,
    /// `OFFLINE_SEQUENCE_GAP`, `OFFLINE_CHAIN_BROKEN`, `OFFLINE_INVALID_KEY` for a seed that is
    /// not the snapshot's key, `DEVICE_LIMIT_EXCEEDED` ...; malformed JSON is `INPUT_INVALID`).
    #[uniffi::constructor]
    pub fn restore(seed: Vec<u8>, snapshot_json: String) -> Result<Arc<Self>> {
        let state: device::DeviceLogState =
            serde_json::from_str(&snapshot_json).map_err(|e| InputError::invalid("snapshot_json", e.to_string()))?;
        let festival_id = state.festival_id;
        let log = device::DeviceLog::from_state(bytes32("seed", &seed)?, state).map_err(festival_core::Error::from)?;
        Ok(Arc::new(DeviceLog { festival_id, inner: Mutex::new(log) }))
    }

    /// Like [`DeviceLog::resume`], with the queued records given back as the bytes of
    /// [`DeviceLog::export_batch`] and the last synced balances; validated as in
    /// [`DeviceLog::restore`].
    #[uniffi::constructor]
    pub fn resume_with_queue(
        seed: Vec<u8>,
        state: DeviceState,
        currency: String,
        limits: DeviceLimits,
        synced_balances: HashMap<String, Money>,
        queued_batch: Vec<u8>,
    ) -> Result<Arc<Self>> {
        let festival = uuid("festival_id", &state.festival_id)?;
        let signer = device::DeviceSigner::resume(
            bytes32("seed", &seed)?,
            uuid("device_id", &state.device_id)?,
            festival,
            state.next_sequence,
            hex32("last_hash_hex", &state.last_hash_hex)?,
            record::Hlc { physical_ms: state.hlc_physical_ms, logical: state.hlc_logical },
        )
        .with_anchor(state_anchor(&state)?)
        .map_err(festival_core::Error::from)?;
        if interop::hex_encode(&signer.public_key()) != state.public_key_hex.to_ascii_lowercase() {
            return Err(InputError::invalid("seed", "does not match the state's public key").into());
        }
        let currency: Currency = currency.parse().map_err(festival_core::Error::from)?;
        let mut balances = BTreeMap::new();
        for (w, m) in &synced_balances {
            balances.insert(uuid("wallet_id", w)?, m.to_core()?);
        }
        let queued = Batch::from_bytes(&queued_batch).map_err(festival_core::Error::from)?.records;
        let log = device::DeviceLog::restore(signer, currency, core_limits(&limits)?, balances, queued)
            .map_err(festival_core::Error::from)?;
        Ok(Arc::new(DeviceLog { festival_id: festival, inner: Mutex::new(log) }))
    }

    /// Everything needed to restart losslessly, as JSON (ids, hex keys / hashes / signed records,
    /// money as decimal strings; NOT the seed): persist it after every record and give it to
    /// [`DeviceLog::restore`] on the next start.
    pub fn snapshot(&self) -> Result<String> {
        serde_json::to_string(&self.lock().state()).map_err(|e| InputError::invalid("snapshot", e.to_string()).into())
    }

    /// The last synced balances (wallet id → balance).
    pub fn synced_balances(&self) -> HashMap<String, Money> {
        self.lock().synced_balances().iter().map(|(w, m)| (w.to_string(), Money::from_core(m))).collect()
    }

    /// This device's unsynced payments by `wallet_id` (what the per-wallet offline limit counts).
    pub fn offline_spent(&self, wallet_id: String) -> Result<Money> {
        let w = uuid("wallet_id", &wallet_id)?;
        Ok(Money::from_core(&self.lock().offline_spent(&w)))
    }

    /// Total value of the unsynced money records (what the stored-value limit counts).
    pub fn stored_value(&self) -> Money {
        Money::from_core(&self.lock().stored_value())
    }

    /// The unsynced records, oldest first.
    pub fn queued_records(&self) -> Vec<SignedRecordInfo> {
        self.lock().queued_records().iter().map(info).collect()
    }

    /// The state to persist (after every record, or at least before going to background).
    pub fn state(&self) -> DeviceState {
        let log = self.lock();
        let s = log.signer();
        let hlc = s.last_hlc();
        DeviceState {
            device_id: s.device_id().to_string(),
            festival_id: self.festival_id.to_string(),
            public_key_hex: interop::hex_encode(&s.public_key()),
            next_sequence: s.next_sequence(),
            last_hash_hex: interop::hex_encode(&s.last_hash()),
            hlc_physical_ms: hlc.physical_ms,
            hlc_logical: hlc.logical,
            queued: log.queued() as u64,
            anchor_sequence: s.anchor().map(|a| a.sequence),
            anchor_server_time_ms: s.anchor().map(|a| a.server_time.unix_millis()),
        }
    }

    /// Replaces the last synced balances (wallet id → balance) from the last sync with the server.
    pub fn set_synced_balances(&self, balances: HashMap<String, Money>) -> Result<()> {
        let mut map = BTreeMap::new();
        for (w, m) in &balances {
            map.insert(uuid("wallet_id", w)?, m.to_core()?);
        }
        self.lock().set_synced_balances(map).map_err(festival_core::Error::from)?;
        Ok(())
    }

    /// What `wallet_id` can spend on this device now: last synced balance, minus this device's
    /// unsynced payments, plus its unsynced top-ups and refunds.
    pub fn available(&self, wallet_id: String) -> Result<Money> {
        let w = uuid("wallet_id", &wallet_id)?;
        Ok(Money::from_core(&self.lock().available(&w)))
    }

    /// Takes a payment offline: checks the limits (`DEVICE_LIMIT_EXCEEDED`, `DEVICE_QUEUE_FULL`)
    /// and the local balance (`DEVICE_INSUFFICIENT_BALANCE`), then signs and queues the record.
    pub fn pay(
        &self,
        record_id: String,
        now_ms: i64,
        wallet_id: String,
        amount: Money,
        stand_id: String,
        items: Vec<LineItem>,
    ) -> Result<SignedRecordInfo> {
        let (id, now, w, amount, stand) = (
            uuid("record_id", &record_id)?,
            time("now_ms", now_ms)?,
            uuid("wallet_id", &wallet_id)?,
            amount.to_core()?,
            uuid("stand_id", &stand_id)?,
        );
        let items = items
            .iter()
            .map(|i| {
                Ok(record::LineItem {
                    product_id: uuid("product_id", &i.product_id)?,
                    quantity: i.quantity,
                    unit_price: i.unit_price.to_core()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.sign(|log| log.pay(id, now, w, amount, stand, items))
    }

    /// Takes a payment priced with `catalog` (the verified catalog the device holds, e.g. from
    /// [`crate::catalog::SignedCatalog::verify`]): `lines` are the wallet lines (e.g.
    /// [`crate::catalog::Basket`]'s `items`), `age_class` the customer's verified age class
    /// (`null`: not verified, counts as under 16). Checks the lines against the catalog
    /// (`CATALOG_PRICE_MISMATCH`, `CATALOG_UNKNOWN_PRODUCT`, ... as
    /// [`crate::catalog::ProductCatalog::check_payment`]), the age class
    /// (`CATALOG_AGE_RESTRICTED`), then the limits and the local balance as [`DeviceLog::pay`];
    /// nothing is signed when a check fails. The amount is the sum of the money lines. The
    /// record (version 4) carries the catalog version and the lines
    /// ([`SignedRecordInfo::catalog_version`], [`SignedRecordInfo::catalog_lines`]), and the
    /// server checks them again against the catalog it published
    /// ([`crate::reconcile::Reconciler::publish_catalog`]). A catalog in another currency than
    /// the device's is `OFFLINE_INVALID_AMOUNT`.
    #[uniffi::method(default(age_class = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn pay_with_catalog(
        &self,
        record_id: String,
        now_ms: i64,
        wallet_id: String,
        stand_id: String,
        catalog: Arc<crate::catalog::ProductCatalog>,
        lines: Vec<crate::wallet::WalletLineItem>,
        age_class: Option<crate::catalog::AgeClass>,
    ) -> Result<SignedRecordInfo> {
        let (id, now, w, stand) = (
            uuid("record_id", &record_id)?,
            time("now_ms", now_ms)?,
            uuid("wallet_id", &wallet_id)?,
            uuid("stand_id", &stand_id)?,
        );
        let lines = crate::wallet::line_items_to_core(&lines)?;
        let rec = self.lock().pay_with_catalog(id, now, w, stand, catalog.core(), lines, age_class.map(Into::into))?;
        Ok(info(&rec))
    }

    /// Records returned deposit items (cups) credited to `wallet_id` at `catalog`'s deposit price
    /// (record kind `DEPOSIT_RETURN`, version 4; `catalogVersion` on the returned info):
    /// `CATALOG_UNKNOWN_PRODUCT` / `CATALOG_LINE_KIND_MISMATCH` for a product that is not a
    /// deposit, then the queue and stored-value limits. The server checks the price again against
    /// the catalog it published for that version.
    #[allow(clippy::too_many_arguments)]
    pub fn return_deposit(
        &self,
        record_id: String,
        now_ms: i64,
        wallet_id: String,
        stand_id: String,
        catalog: Arc<crate::catalog::ProductCatalog>,
        product: String,
        quantity: u32,
    ) -> Result<SignedRecordInfo> {
        let (id, now, w, stand) = (
            uuid("record_id", &record_id)?,
            time("now_ms", now_ms)?,
            uuid("wallet_id", &wallet_id)?,
            uuid("stand_id", &stand_id)?,
        );
        let rec = self.lock().return_deposit(id, now, w, stand, catalog.core(), &product, quantity)?;
        Ok(info(&rec))
    }

    /// Records a cash top-up of `wallet_id` (counts towards the stored-value limit).
    pub fn top_up(&self, record_id: String, now_ms: i64, wallet_id: String, amount: Money) -> Result<SignedRecordInfo> {
        let (id, now, w, amount) = (
            uuid("record_id", &record_id)?,
            time("now_ms", now_ms)?,
            uuid("wallet_id", &wallet_id)?,
            amount.to_core()?,
        );
        self.sign(|log| log.top_up(id, now, w, amount))
    }

    /// Records a refund to `wallet_id` of (part of) the payment `original_record_id`.
    pub fn refund(
        &self,
        record_id: String,
        now_ms: i64,
        wallet_id: String,
        amount: Money,
        original_record_id: String,
    ) -> Result<SignedRecordInfo> {
        let payload = Payload::Refund {
            wallet_id: uuid("wallet_id", &wallet_id)?,
            amount: amount.to_core()?,
            original_record_id: uuid("original_record_id", &original_record_id)?,
        };
        let (id, now) = (uuid("record_id", &record_id)?, time("now_ms", now_ms)?);
        self.sign(|log| log.record(id, now, payload))
    }

    /// Records a ticket scan at a gate.
    pub fn scan(
        &self,
        record_id: String,
        now_ms: i64,
        ticket_id: String,
        zone_id: String,
        direction: Direction,
    ) -> Result<SignedRecordInfo> {
        let payload = Payload::Scan {
            ticket_id: uuid("ticket_id", &ticket_id)?,
            zone_id: uuid("zone_id", &zone_id)?,
            direction: match direction {
                Direction::In => record::Direction::In,
                Direction::Out => record::Direction::Out,
            },
        };
        let (id, now) = (uuid("record_id", &record_id)?, time("now_ms", now_ms)?);
        self.sign(|log| log.record(id, now, payload))
    }

    /// Records a scan with the gate's own decision and the policy / revocation-list versions it
    /// used (a scan fact, record version 3); denied scans are recorded too.
    #[allow(clippy::too_many_arguments)]
    pub fn record_scan(
        &self,
        record_id: String,
        now_ms: i64,
        ticket_id: String,
        zone_id: String,
        direction: Direction,
        fact: ScanFact,
    ) -> Result<SignedRecordInfo> {
        let (id, now) = (uuid("record_id", &record_id)?, time("now_ms", now_ms)?);
        let (t, z) = (uuid("ticket_id", &ticket_id)?, uuid("zone_id", &zone_id)?);
        let d = match direction {
            Direction::In => record::Direction::In,
            Direction::Out => record::Direction::Out,
        };
        let f = fact.to_core();
        self.sign(|log| log.record_scan(id, now, t, z, d, f))
    }

    /// Records the cancellation of an earlier record of this device.
    pub fn void_record(&self, record_id: String, now_ms: i64, voided_record_id: String) -> Result<SignedRecordInfo> {
        let payload = Payload::Void { voided_record_id: uuid("voided_record_id", &voided_record_id)? };
        let (id, now) = (uuid("record_id", &record_id)?, time("now_ms", now_ms)?);
        self.sign(|log| log.record(id, now, payload))
    }

    /// Number of records waiting for sync.
    pub fn queued(&self) -> u64 {
        self.lock().queued() as u64
    }

    /// All unsynced records as an encoded batch for the server (re-export until acknowledged:
    /// the server treats re-submissions as duplicates).
    pub fn export_batch(&self) -> Vec<u8> {
        self.lock().export_batch().to_bytes()
    }

    /// Drops queued records with sequence <= `up_to_sequence` after the server judged them.
    pub fn acknowledge(&self, up_to_sequence: u64) {
        self.lock().acknowledge(up_to_sequence)
    }

    /// Accepts the server's signed acknowledgement after a sync (`Reconciler.acknowledge`):
    /// checks its signature, device and festival, drops the records it covers and anchors every
    /// later record to it (the clock moves to the server's). False if older than the current one.
    pub fn accept_ack(&self, ack: Vec<u8>, server_public_key: Vec<u8>, now_ms: i64) -> Result<bool> {
        let ack = SignedAck::from_bytes(&ack).map_err(festival_core::Error::from)?;
        let key = StrictPublicKey::from_bytes(&bytes32("server_public_key", &server_public_key)?).map_err(festival_core::Error::from)?;
        let now = time("now_ms", now_ms)?;
        Ok(self.lock().accept_ack(&ack, &key, now).map_err(festival_core::Error::from)?)
    }

    /// Installs a server-signed offline allowance (`Reconciler.issueAllowance`): from then on
    /// every payment must be covered by one (`DEVICE_ALLOWANCE_EXCEEDED` otherwise).
    pub fn install_allowance(&self, allowance: Vec<u8>, server_public_key: Vec<u8>) -> Result<()> {
        let a = SignedAllowance::from_bytes(&allowance).map_err(festival_core::Error::from)?;
        let key = StrictPublicKey::from_bytes(&bytes32("server_public_key", &server_public_key)?).map_err(festival_core::Error::from)?;
        Ok(self.lock().install_allowance(&a, &key).map_err(festival_core::Error::from)?)
    }

    /// What the wallet may still spend on this device under the installed allowances (absent:
    /// none installed, only the limits apply).
    pub fn allowance_remaining(&self, wallet_id: String, now_ms: i64) -> Result<Option<Money>> {
        let w = uuid("wallet_id", &wallet_id)?;
        let now = time("now_ms", now_ms)?;
        Ok(self.lock().allowance_remaining(&w, now).as_ref().map(Money::from_core))
    }
}

/// Public key (32 bytes) of a device or issuer seed, as hex.
#[uniffi::export]
pub fn public_key_from_seed(seed: Vec<u8>) -> Result<String> {
    Ok(interop::hex_encode(&crypto::public_key_from_seed(&bytes32("seed", &seed)?)))
}

/// Strict Ed25519 verification (canonical encodings, no small-order or mixed-order points,
/// `S < L`): true only for a valid signature. Any other input, including keys or signatures of
/// the wrong length, gives false.
#[uniffi::export]
pub fn verify_signature(public_key: Vec<u8>, message: Vec<u8>, signature: Vec<u8>) -> bool {
    crypto::verify(&public_key, &message, &signature).is_ok()
}

/// Decodes one signed record (canonical encoding; no trailing bytes). Does not check the
/// signature against a registry: the server does that on sync.
#[uniffi::export]
pub fn decode_record(bytes: Vec<u8>) -> Result<SignedRecordInfo> {
    Ok(info(&SignedRecord::from_bytes(&bytes).map_err(festival_core::Error::from)?))
}

/// Decodes an exported batch into its records.
#[uniffi::export]
pub fn decode_batch(bytes: Vec<u8>) -> Result<Vec<SignedRecordInfo>> {
    Ok(Batch::from_bytes(&bytes).map_err(festival_core::Error::from)?.records.iter().map(info).collect())
}

/// A ticket-code issuer public key with its festival and validity window.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IssuerKey {
    /// Key id named by codes and lists.
    pub key_id: u32,
    /// Ed25519 public key, 64 hex digits.
    pub public_key_hex: String,
    /// Festival id.
    pub festival_id: String,
    /// Start of validity, ms since the epoch.
    pub valid_from_ms: i64,
    /// End of validity (exclusive), ms since the epoch.
    pub valid_until_ms: i64,
}

/// What a ticket code says (and what a valid code proves).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TicketClaims {
    /// Issuer key id.
    pub key_id: u32,
    /// Festival id.
    pub festival_id: String,
    /// Ticket id.
    pub ticket_id: String,
    /// Ticket type (1..=16 of `A-Z 0-9 _ -`).
    pub ticket_type: String,
    /// Valid from, ms since the epoch.
    pub valid_from_ms: i64,
    /// Valid until (exclusive), ms since the epoch.
    pub valid_until_ms: i64,
}

fn claims_to_core(c: &TicketClaims) -> Result<codes::TicketClaims> {
    Ok(codes::TicketClaims {
        key_id: c.key_id,
        festival_id: uuid("festival_id", &c.festival_id)?,
        ticket_id: uuid("ticket_id", &c.ticket_id)?,
        ticket_type: c.ticket_type.clone(),
        valid_from: time("valid_from_ms", c.valid_from_ms)?,
        valid_until: time("valid_until_ms", c.valid_until_ms)?,
    })
}

fn claims_from_core(c: &codes::TicketClaims) -> TicketClaims {
    TicketClaims {
        key_id: c.key_id,
        festival_id: c.festival_id.to_string(),
        ticket_id: c.ticket_id.to_string(),
        ticket_type: c.ticket_type.clone(),
        valid_from_ms: c.valid_from.unix_millis(),
        valid_until_ms: c.valid_until.unix_millis(),
    }
}

/// Issues a signed ticket code (`FC...`, QR alphanumeric) with the issuer's seed (box office).
#[uniffi::export]
pub fn issue_ticket_code(claims: TicketClaims, issuer_seed: Vec<u8>) -> Result<String> {
    let c = claims_to_core(&claims)?;
    Ok(codes::issue_ticket_code(&c, &bytes32("issuer_seed", &issuer_seed)?).map_err(festival_core::Error::from)?)
}

/// Decodes a ticket code WITHOUT verifying it (to show what a code claims); use
/// [`GateVerifier::verify`] to admit.
#[uniffi::export]
pub fn decode_ticket_code(code: String) -> Result<TicketClaims> {
    let (c, _) = codes::decode_ticket_code(&code).map_err(festival_core::Error::from)?;
    Ok(claims_from_core(&c))
}

/// A revocation / block list before signing (entries strictly increasing).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RevocationList {
    /// Festival id.
    pub festival_id: String,
    /// Issuer key id.
    pub key_id: u32,
    /// List version (gates only move forward).
    pub version: u64,
    /// Issue time, ms since the epoch (staleness is measured from here).
    pub issued_at_ms: i64,
    /// Revoked ticket ids.
    pub revoked_tickets: Vec<String>,
    /// Blocked NFC tag UIDs, hex.
    pub blocked_tags_hex: Vec<String>,
    /// Revoked device ids.
    pub revoked_devices: Vec<String>,
}

/// Signs a revocation list with the issuer seed (back office) into the bytes gates install.
#[uniffi::export]
pub fn sign_revocation_list(list: RevocationList, issuer_seed: Vec<u8>) -> Result<Vec<u8>> {
    let ids = |field: &str, v: &[String]| v.iter().map(|s| uuid(field, s)).collect::<Result<Vec<_>>>();
    let core = codes::RevocationList {
        festival_id: uuid("festival_id", &list.festival_id)?,
        key_id: list.key_id,
        version: list.version,
        issued_at: time("issued_at_ms", list.issued_at_ms)?,
        revoked_tickets: ids("revoked_tickets", &list.revoked_tickets)?,
        blocked_tags: list
            .blocked_tags_hex
            .iter()
            .map(|t| Ok(interop::hex_decode("blocked_tags_hex", t)?))
            .collect::<Result<Vec<_>>>()?,
        revoked_devices: ids("revoked_devices", &list.revoked_devices)?,
    };
    Ok(core.sign(&bytes32("issuer_seed", &issuer_seed)?).map_err(festival_core::Error::from)?)
}

/// Outcome of installing a revocation list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ListInstall {
    /// The list replaced an older one (or was the first).
    Installed,
    /// The byte-identical list was already installed.
    Unchanged,
}

/// A gate's offline ticket check: the festival's issuer keys (rotation = several key ids), the
/// newest signed revocation list, and the maximum list age it accepts.
#[derive(uniffi::Object)]
pub struct GateVerifier {
    festival_id: uuid::Uuid,
    keys: KeySet,
    max_staleness_ms: i64,
    store: Mutex<RevocationStore>,
}

#[uniffi::export]
impl GateVerifier {
    /// A gate for `festival_id` trusting `keys`; lists older than `max_staleness_ms` make every
    /// check fail with `CODE_REVOCATION_LIST_STALE`.
    #[uniffi::constructor]
    pub fn new(festival_id: String, keys: Vec<IssuerKey>, max_staleness_ms: i64) -> Result<Arc<Self>> {
        if max_staleness_ms < 0 {
            return Err(InputError::invalid("max_staleness_ms", "must not be negative").into());
        }
        let keys = keys
            .iter()
            .map(|k| {
                Ok(codes::IssuerKey {
                    key_id: k.key_id,
                    public_key: hex32("public_key_hex", &k.public_key_hex)?,
                    festival_id: uuid("festival_id", &k.festival_id)?,
                    valid_from: time("valid_from_ms", k.valid_from_ms)?,
                    valid_until: time("valid_until_ms", k.valid_until_ms)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(GateVerifier {
            festival_id: uuid("festival_id", &festival_id)?,
            keys: KeySet::new(keys).map_err(festival_core::Error::from)?,
            max_staleness_ms,
            store: Mutex::new(RevocationStore::default()),
        }))
    }

    /// Verifies and installs signed revocation-list bytes (only ever a newer version).
    pub fn install_revocation_list(&self, bytes: Vec<u8>, now_ms: i64) -> Result<ListInstall> {
        let now = time("now_ms", now_ms)?;
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        Ok(match store.install(&bytes, &self.keys, self.festival_id, now).map_err(festival_core::Error::from)? {
            codes::InstallResult::Installed => ListInstall::Installed,
            codes::InstallResult::Unchanged => ListInstall::Unchanged,
        })
    }

    /// Version of the installed revocation list, if any.
    pub fn revocation_list_version(&self) -> Option<u64> {
        self.store.lock().unwrap_or_else(|p| p.into_inner()).current().map(|l| l.version)
    }

    /// Verifies a scanned ticket code fully offline at `now_ms`: signature by a known, valid key
    /// of this festival, validity window, and not revoked by a fresh list. Errors `CODE_*`.
    pub fn verify(&self, code: String, now_ms: i64) -> Result<TicketClaims> {
        let now = time("now_ms", now_ms)?;
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let c = codes::verify_ticket_code(&code, &self.keys, self.festival_id, now, &store, self.max_staleness_ms)
            .map_err(festival_core::Error::from)?;
        Ok(claims_from_core(&c))
    }

    /// Whether an NFC tag UID is blocked by the installed list (which must be fresh at `now_ms`).
    pub fn is_tag_blocked(&self, tag_uid: Vec<u8>, now_ms: i64) -> Result<bool> {
        let now = time("now_ms", now_ms)?;
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let list = store.fresh(now, self.max_staleness_ms).map_err(festival_core::Error::from)?;
        Ok(list.is_tag_blocked(&tag_uid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(a: &str) -> Money {
        Money { amount: a.into(), currency: "EUR".into() }
    }

    #[test]
    fn restore_round_trips_the_queue_and_rejects_another_seed() {
        let limits = DeviceLimits {
            per_payment: eur("50"),
            per_wallet_offline: eur("80"),
            max_stored_value: eur("500"),
            max_queued_records: 10,
        };
        let id = |n: u128| uuid::Uuid::from_u128(n).to_string();
        let log = DeviceLog::new(vec![4; 32], id(1), id(2), "EUR".into(), limits.clone()).unwrap();
        log.top_up(id(10), 1_783_180_800_000, id(3), eur("20")).unwrap();
        log.pay(id(11), 1_783_180_800_001, id(3), eur("7.50"), id(4), vec![]).unwrap();
        let snap = log.snapshot().unwrap();
        let back = DeviceLog::restore(vec![4; 32], snap.clone()).unwrap();
        assert_eq!(back.export_batch(), log.export_batch());
        assert_eq!(back.state(), log.state());
        assert_eq!(back.available(id(3)).unwrap(), eur("12.50"));
        assert_eq!(
            DeviceLog::restore(vec![5; 32], snap).err().map(|e| e.code().to_string()).as_deref(),
            Some("OFFLINE_INVALID_KEY")
        );
        let state = log.state();
        let again =
            DeviceLog::resume_with_queue(vec![4; 32], state, "EUR".into(), limits, HashMap::new(), log.export_batch())
                .unwrap();
        assert_eq!(again.queued(), 2);
    }
}
