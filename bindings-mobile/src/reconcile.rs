//! The server side of offline operation: the device registry, chain verification and the
//! deterministic reconciliation of device batches into wallets and ticket admission states.
//!
//! A thin layer over `festival_core::offline::{registry, chain, reconcile}`: ids are checked UUID
//! strings, times milliseconds since the epoch, money [`Money`] (decimal strings), keys and
//! records byte arrays, errors [`crate::FestivalError`] with the core's code. The reports mirror
//! the core's reports field by field (`offline.reconcile` / `offline.verify_chain` conformance
//! output) as typed records.

use crate::convert::{bytes32, time, uuid};
use crate::error::{bad_json, Result};
use crate::money::Money;
use crate::offline::RecordKind;
use crate::wallet::{balances, Balances, Wallet};
use festival_core::interop;
use festival_core::offline::chain::{self as core_chain, CheckOutcome, DeviceChain};
use festival_core::offline::reconcile as core;
use festival_core::offline::record::SignedRecord;
use festival_core::offline::registry as core_registry;
use festival_core::{Currency, InputError, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// What a registered device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceRole {
    /// Point of sale at a stand: payments, refunds, voids of its own records.
    Pos,
    /// Gate scanner: ticket scans, voids of its own records.
    Gate,
    /// Cash top-up desk: top-ups, refunds, voids of its own records.
    TopUp,
}

impl From<DeviceRole> for core_registry::DeviceRole {
    fn from(r: DeviceRole) -> Self {
        match r {
            DeviceRole::Pos => core_registry::DeviceRole::Pos,
            DeviceRole::Gate => core_registry::DeviceRole::Gate,
            DeviceRole::TopUp => core_registry::DeviceRole::TopUp,
        }
    }
}

impl From<core_registry::DeviceRole> for DeviceRole {
    fn from(r: core_registry::DeviceRole) -> Self {
        match r {
            core_registry::DeviceRole::Pos => DeviceRole::Pos,
            core_registry::DeviceRole::Gate => DeviceRole::Gate,
            core_registry::DeviceRole::TopUp => DeviceRole::TopUp,
        }
    }
}

/// One registered device: its key, festival, role, allowed stands / zones and validity window.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceEntry {
    /// Device id (UUID).
    pub device_id: String,
    /// The device's 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
    /// The festival the device belongs to (UUID).
    pub festival_id: String,
    /// Its role.
    pub role: DeviceRole,
    /// Stands (POS) or zones (gate) it may act at (UUIDs). Ignored for top-up desks.
    pub locations: Vec<String>,
    /// Start of validity (inclusive), ms since the epoch.
    pub valid_from_ms: i64,
    /// End of validity (exclusive), ms since the epoch.
    pub valid_until_ms: i64,
    /// Revocation time, ms since the epoch: records at or after it are rejected.
    pub revoked_at_ms: Option<i64>,
}

fn core_entry(n: usize, e: &DeviceEntry) -> Result<core_registry::DeviceEntry> {
    let f = |name: &str| format!("entries[{n}].{name}");
    let mut locations = Vec::with_capacity(e.locations.len());
    for (k, l) in e.locations.iter().enumerate() {
        locations.push(uuid(&f(&format!("locations[{k}]")), l)?);
    }
    Ok(core_registry::DeviceEntry {
        device_id: uuid(&f("device_id"), &e.device_id)?,
        public_key: bytes32(&f("public_key"), &e.public_key)?,
        festival_id: uuid(&f("festival_id"), &e.festival_id)?,
        role: e.role.into(),
        locations,
        valid_from: time(&f("valid_from_ms"), e.valid_from_ms)?,
        valid_until: time(&f("valid_until_ms"), e.valid_until_ms)?,
        revoked_at: e.revoked_at_ms.map(|ms| time(&f("revoked_at_ms"), ms)).transpose()?,
    })
}

fn entry(e: &core_registry::DeviceEntry) -> DeviceEntry {
    DeviceEntry {
        device_id: e.device_id.to_string(),
        public_key: e.public_key.to_vec(),
        festival_id: e.festival_id.to_string(),
        role: e.role.into(),
        locations: e.locations.iter().map(Uuid::to_string).collect(),
        valid_from_ms: e.valid_from.unix_millis(),
        valid_until_ms: e.valid_until.unix_millis(),
        revoked_at_ms: e.revoked_at.map(|t| t.unix_millis()),
    }
}

/// All devices of a deployment, by id (immutable once built). Keys are checked strictly once
/// (`OFFLINE_INVALID_KEY`); a device id registered twice is `RECONCILE_INVALID_STATE`.
#[derive(uniffi::Object)]
pub struct DeviceRegistry {
    pub(crate) inner: core_registry::DeviceRegistry,
}

#[uniffi::export]
impl DeviceRegistry {
    /// A registry of `entries`.
    #[uniffi::constructor]
    pub fn new(entries: Vec<DeviceEntry>) -> Result<Arc<Self>> {
        let mut core_entries = Vec::with_capacity(entries.len());
        for (n, e) in entries.iter().enumerate() {
            core_entries.push(core_entry(n, e)?);
        }
        let inner = core_registry::DeviceRegistry::new(core_entries).map_err(festival_core::Error::from)?;
        Ok(Arc::new(DeviceRegistry { inner }))
    }

    /// The device's entry, if registered.
    pub fn get(&self, device_id: String) -> Result<Option<DeviceEntry>> {
        Ok(self.inner.get(&uuid("device_id", &device_id)?).map(|d| entry(&d.entry)))
    }

    /// Every entry, ordered by device id.
    pub fn entries(&self) -> Vec<DeviceEntry> {
        self.inner.entries().map(entry).collect()
    }
}

/// How conflicts (double spends, double admissions) are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConflictPolicy {
    /// The first record in the total order wins; later conflicting records are rejected.
    FirstWins,
    /// Conflicting payments are accepted, the shortfall becomes debt (wallet blocked); double
    /// admissions are accepted and flagged.
    AcceptWithDebt,
    /// Every offline payment of a wallet with a double spend is rejected; double admissions too.
    Reject,
}

impl From<ConflictPolicy> for core::ConflictPolicy {
    fn from(p: ConflictPolicy) -> Self {
        match p {
            ConflictPolicy::FirstWins => core::ConflictPolicy::FirstWins,
            ConflictPolicy::AcceptWithDebt => core::ConflictPolicy::AcceptWithDebt,
            ConflictPolicy::Reject => core::ConflictPolicy::Reject,
        }
    }
}

/// Allowed clock skews for chain verification (both ≥ 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ChainConfig {
    /// How far a record's device time may be ahead of the server's `now` (ms).
    pub max_future_skew_ms: i64,
    /// How far a record's device time may be from its own HLC physical time (ms).
    pub max_hlc_skew_ms: i64,
}

fn skew(field: &str, ms: i64) -> Result<i64> {
    if ms < 0 {
        return Err(InputError::invalid(field, format!("must be >= 0, got {ms}")).into());
    }
    Ok(ms)
}

fn core_chain_config(c: &ChainConfig) -> Result<core_chain::ChainConfig> {
    Ok(core_chain::ChainConfig {
        max_future_skew_ms: skew("max_future_skew_ms", c.max_future_skew_ms)?,
        max_hlc_skew_ms: skew("max_hlc_skew_ms", c.max_hlc_skew_ms)?,
        after_cut: core_chain::AfterCut::Reject,
    })
}

fn after_cut(bound: &Option<Money>) -> Result<core_chain::AfterCut> {
    Ok(match bound {
        None => core_chain::AfterCut::Reject,
        Some(m) => core_chain::AfterCut::AcceptUpTo { amount: m.to_core()? },
    })
}

/// Reconciliation settings. An absent skew uses the core default (5 minutes ahead of the
/// server; 1 hour between wall clock and HLC).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReconcileConfig {
    /// The conflict policy.
    pub policy: ConflictPolicy,
    /// How far a record's device time may be ahead of the server's `now` (ms).
    #[uniffi(default)]
    pub max_future_skew_ms: Option<i64>,
    /// How far a record's device time may be from its own HLC physical time (ms).
    #[uniffi(default)]
    pub max_hlc_skew_ms: Option<i64>,
    /// Finality by time: records ordered more than this before `now_ms` are final (never
    /// revised); absent = not by time.
    #[uniffi(default)]
    pub max_offline_ms: Option<i64>,
    /// Finality by sync: records before the oldest time every registered device has synced
    /// past are final.
    #[uniffi(default = false)]
    pub all_devices_synced: bool,
    /// Records of a revoked or expired device after its cut are accepted up to this amount per
    /// device and cut, each with a `RevokedDeviceUsed` alert; absent = all rejected.
    #[uniffi(default)]
    pub accept_after_cut_up_to: Option<Money>,
    /// Fold each wallet's final entries into the wallet's base as they become final (balances
    /// and refund records stay; the entries are only in the reports): bounded server state.
    #[uniffi(default = false)]
    pub compact_ledgers: bool,
    /// Track presence per zone like the gate: a double admission or an exit without an entry is
    /// judged per zone, and an entry leaves its check-in policy's `leaves_zones`.
    #[uniffi(default = false)]
    pub per_zone_presence: bool,
}

fn core_reconcile_config(c: &ReconcileConfig) -> Result<core::ReconcileConfig> {
    let d = core_chain::ChainConfig::default();
    Ok(core::ReconcileConfig {
        policy: c.policy.into(),
        chain: core_chain::ChainConfig {
            max_future_skew_ms: skew("max_future_skew_ms", c.max_future_skew_ms.unwrap_or(d.max_future_skew_ms))?,
            max_hlc_skew_ms: skew("max_hlc_skew_ms", c.max_hlc_skew_ms.unwrap_or(d.max_hlc_skew_ms))?,
            after_cut: after_cut(&c.accept_after_cut_up_to)?,
        },
        finality: core::Finality {
            max_offline_ms: c.max_offline_ms.map(|m| skew("max_offline_ms", m)).transpose()?,
            all_devices_synced: c.all_devices_synced,
            compact_ledgers: c.compact_ledgers,
        },
        per_zone_presence: c.per_zone_presence,
    })
}

/// A ticket as the server knows it, for scan facts: `set_ticket_admission`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TicketAdmission {
    /// Whether it is inside.
    #[uniffi(default = false)]
    pub inside: bool,
    /// Whether the server revoked it.
    #[uniffi(default = false)]
    pub revoked: bool,
    /// Its ticket type (the policies' ticket types, the `product` rule variable).
    #[uniffi(default)]
    pub ticket_type_id: Option<String>,
    /// Whether its order is pending.
    #[uniffi(default = false)]
    pub pending: bool,
    /// With `per_zone_presence`: the zones (UUIDs) it is inside.
    #[uniffi(default = [])]
    pub zones: Vec<String>,
    /// Ticket attributes for the rules' `attributes.<name>`, as the gates have them.
    #[uniffi(default)]
    pub attributes: HashMap<String, crate::checkin::AttributeValue>,
}

/// Why a scan fact's revocation list was stale (`RECONCILE_STALE_REVOCATION_LIST`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StaleRevocationList {
    /// The list version the gate had.
    pub gate_version: u64,
    /// The newest version published before the scan; it revokes the ticket.
    pub current_version: u64,
    /// When that version was published (ms).
    pub published_at_ms: i64,
}

/// What happened to a record in a reconciliation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecordStatus {
    /// Applied.
    Accepted,
    /// Already processed before (or an exact copy): nothing changed.
    Duplicate,
    /// Not applied; `code` says why.
    Rejected,
    /// Part of a conflict; `resolution` says what the policy did.
    Conflict,
    /// Kept, not decided yet (`code`: gap before it, clock ahead, device not registered);
    /// re-evaluated when the cause goes away.
    Pending,
    /// A scan the gate denied, kept as a fact without effect (failed-scan statistics).
    Recorded,
}

/// How a conflict was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Resolution {
    /// Rejected: an earlier record in the total order won.
    RejectedLater,
    /// Accepted; the shortfall became debt and the wallet is blocked.
    AcceptedWithDebt,
    /// Accepted and flagged (double admission under accept-with-debt).
    AcceptedFlagged,
    /// Rejected with every other offline payment of the wallet in this reconciliation.
    RejectedAll,
    /// A scan fact the gate admitted that the server would have denied: recorded anyway.
    AdmittedInError,
}

/// The outcome of one record (or of an undecodable batch: then only `hash_hex`, `status` and
/// `code` are set).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordOutcome {
    /// SHA-256 of the signed record (of the batch bytes for a malformed batch), hex.
    pub hash_hex: String,
    /// The record id.
    pub record_id: Option<String>,
    /// The device id.
    pub device_id: Option<String>,
    /// The record's sequence in the device log.
    pub sequence: Option<u64>,
    /// The record kind.
    pub kind: Option<RecordKind>,
    /// The status.
    pub status: RecordStatus,
    /// The error code for rejected / conflict / duplicate records.
    pub code: Option<String>,
    /// What the policy did, for conflicts.
    pub resolution: Option<Resolution>,
    /// Debt created by this record (accept-with-debt).
    pub debt: Option<Money>,
}

/// Something an operator must look at.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ReconcileAlert {
    /// An offline payment that the wallet could not cover.
    DoubleSpend {
        /// The wallet.
        wallet_id: String,
        /// The payment record.
        record_id: String,
        /// The device.
        device_id: String,
        /// The uncovered amount.
        shortfall: Money,
    },
    /// A second entry of a ticket already inside.
    DoubleAdmission {
        /// The ticket.
        ticket_id: String,
        /// The scan record.
        record_id: String,
        /// The gate.
        device_id: String,
    },
    /// A forged, altered, forked, reordered or undecodable log.
    TamperedLog {
        /// The device, if known.
        device_id: Option<String>,
        /// The record or batch hash, hex.
        hash_hex: String,
        /// The detecting code.
        code: String,
    },
    /// A record signed by a revoked device after its revocation.
    RevokedDeviceUsed {
        /// The device.
        device_id: String,
        /// The record.
        record_id: String,
    },
}

/// Counts per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ReconcileCounts {
    /// Accepted records (including conflicts accepted with debt or flagged).
    pub accepted: u64,
    /// Duplicates.
    pub duplicate: u64,
    /// Rejected records (not conflicts).
    pub rejected: u64,
    /// Conflicts (whatever the resolution).
    pub conflict: u64,
    /// Records of this call that wait (pending).
    #[uniffi(default = 0)]
    pub pending: u64,
    /// Denied scan facts, recorded without effect.
    #[uniffi(default = 0)]
    pub recorded: u64,
}

/// A decision on a record: status, code, resolution, debt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// The status.
    pub status: RecordStatus,
    /// The error code, if not accepted (or a conflict).
    pub code: Option<String>,
    /// What the policy did, for conflicts.
    pub resolution: Option<Resolution>,
    /// Debt created by the record.
    pub debt: Option<Money>,
}

/// An earlier outcome that a later reconciliation changed (a late record landed before it in
/// the total order): nothing changes silently.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Revision {
    /// SHA-256 of the signed record, hex.
    pub hash_hex: String,
    /// The record id.
    pub record_id: String,
    /// The device.
    pub device_id: String,
    /// The sequence in the device log.
    pub sequence: u64,
    /// The record kind.
    pub kind: RecordKind,
    /// The wallet it affects.
    pub wallet_id: Option<String>,
    /// The ticket, for scans and their voids.
    pub ticket_id: Option<String>,
    /// The decision before this call.
    pub before: Verdict,
    /// The decision now.
    pub after: Verdict,
    /// Signed change of the wallet's total balance caused by the revision (zero for scans).
    pub money_effect: Money,
}

/// A device's revocation by sequence: records after `sequence` are rejected whatever their dates.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RevocationCut {
    /// Last sequence the server had received from the device when it revoked it.
    pub sequence: u64,
    /// Why (audit trail).
    pub reason: String,
    /// When it was revoked (server time, ms since the epoch).
    pub revoked_at_ms: i64,
    /// Under `accept_after_cut_up_to`: the money accepted after the cut so far.
    #[uniffi(default)]
    pub accepted: Option<Money>,
}

fn cut_out(c: &core_chain::RevocationCut) -> RevocationCut {
    RevocationCut {
        sequence: c.sequence,
        reason: c.reason.clone(),
        revoked_at_ms: c.revoked_at.unix_millis(),
        accepted: c.accepted.as_ref().map(Money::from_core),
    }
}

/// A server-signed offline allowance: what one wallet (or every wallet) may spend offline per
/// device of a group within a window.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Allowance {
    /// Unique id.
    pub allowance_id: String,
    /// One wallet, or absent for every wallet.
    pub wallet_id: Option<String>,
    /// The device group (any order; distinct).
    pub devices: Vec<String>,
    /// The most one wallet may spend offline on one device of the group within the window.
    pub amount: Money,
    /// Start of the window (ms since the epoch, inclusive).
    pub valid_from_ms: i64,
    /// End of the window (exclusive).
    pub valid_until_ms: i64,
}

/// One wallet's offline exposure (`Reconciler.exposure`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletExposure {
    /// The wallet.
    pub wallet_id: String,
    /// Its balance now.
    pub balance: Money,
    /// Chained offline payments so far.
    pub offline_spent: Money,
    /// What devices may still spend offline for it under open allowances.
    pub open_allowance: Money,
    /// The sum of every allowance that applies to it (amount x devices).
    pub allowance_total: Money,
    /// Chained offline payments no allowance covered.
    pub uncovered: Money,
    /// The double-spend loss so far (rejected double spends, debt).
    pub loss: Money,
    /// The most `loss` can become if every open allowance is spent.
    pub max_loss: Money,
}

/// The festival's offline exposure under its allowances.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExposureReport {
    /// Per wallet, by id.
    pub wallets: Vec<WalletExposure>,
    /// Sum of `loss`.
    pub total_loss: Money,
    /// Sum of `max_loss`.
    pub total_max_loss: Money,
    /// Sum of `open_allowance`.
    pub total_open_allowance: Money,
    /// Sum of `uncovered`.
    pub total_uncovered: Money,
}

/// A range of a device's sequences an operator declared lost.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LostRange {
    /// First lost sequence.
    pub from: u64,
    /// Last lost sequence (inclusive).
    pub through: u64,
    /// Why (audit trail).
    pub reason: String,
    /// When it was decided (ms since the epoch).
    pub decided_at_ms: i64,
}

/// Money moved by the accepted records of one reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReconcileTotals {
    /// Top-ups.
    pub top_ups: Money,
    /// Payments (including the part that became debt).
    pub payments: Money,
    /// Refunds and voided payments given back.
    pub refunds: Money,
    /// Deposits returned offline (`null` when the call credited none).
    #[uniffi(default = None)]
    pub deposit_returns: Option<Money>,
}

/// The deterministic result of one reconciliation (the core's `ReconcileReport`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReconcileReport {
    /// One outcome per distinct record (and per malformed batch), ordered by device, sequence
    /// and hash.
    pub records: Vec<RecordOutcome>,
    /// Counts per status.
    pub counts: ReconcileCounts,
    /// Alerts, sorted, without repeats.
    pub alerts: Vec<ReconcileAlert>,
    /// Balances of every wallet after the call, by wallet id.
    pub balances: HashMap<String, Balances>,
    /// Wallets with debt, and the debt, by wallet id.
    pub debts: HashMap<String, Money>,
    /// Wallets that are blocked after the call, ordered by id.
    pub blocked_wallets: Vec<String>,
    /// Money moved in this call (revisions included).
    pub totals: ReconcileTotals,
    /// Earlier outcomes this call changed.
    pub revisions: Vec<Revision>,
    /// The finality watermark after the call (ms; records before it are final), if any.
    pub watermark_ms: Option<i64>,
    /// Records that became final in this call.
    pub finalized: u64,
    /// Records that wait in the state after the call.
    pub pending_total: u64,
    /// Scan facts decided in this call: the gate's decision, the server's, `admitted_in_error`.
    #[uniffi(default = [])]
    pub scans: Vec<ScanFactOutcome>,
}

/// A scan fact as reconciliation decided it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScanFactOutcome {
    /// The scan record.
    pub record_id: String,
    /// The gate (device).
    pub device_id: String,
    /// The ticket.
    pub ticket_id: String,
    /// The zone.
    pub zone_id: String,
    /// True for an entry.
    pub entry: bool,
    /// The gate's time (ms).
    pub at_ms: i64,
    /// What the gate decided.
    pub gate: crate::offline::ScanFact,
    /// Whether the entry / exit took effect (the gate admitted it).
    pub applied: bool,
    /// The server's code when the gate admitted what it would have denied.
    pub admitted_in_error: Option<String>,
    /// The zone's check-in policy's decision on the server.
    pub server_policy: Option<crate::checkin::PolicyDecision>,
    /// With `per_zone_presence`: the zones this entry left.
    #[uniffi(default = [])]
    pub left_zones: Vec<String>,
    /// For `RECONCILE_STALE_REVOCATION_LIST`: the gate's list and the newer one.
    #[uniffi(default)]
    pub stale_revocation_list: Option<StaleRevocationList>,
}

fn status(s: core::RecordStatus) -> RecordStatus {
    match s {
        core::RecordStatus::Accepted => RecordStatus::Accepted,
        core::RecordStatus::Duplicate => RecordStatus::Duplicate,
        core::RecordStatus::Rejected => RecordStatus::Rejected,
        core::RecordStatus::Conflict => RecordStatus::Conflict,
        core::RecordStatus::Pending => RecordStatus::Pending,
        core::RecordStatus::Recorded => RecordStatus::Recorded,
    }
}

fn parse_seq(s: &str) -> Result<u64> {
    s.parse::<u64>().map_err(|e| InputError::invalid("sequence", e.to_string()).into())
}

fn verdict(v: &core::Verdict) -> Verdict {
    Verdict {
        status: status(v.status),
        code: v.reason.clone(),
        resolution: v.resolution.map(resolution),
        debt: v.debt.as_ref().map(Money::from_core),
    }
}

fn revision(r: &core::Revision) -> Result<Revision> {
    Ok(Revision {
        hash_hex: interop::hex_encode(&r.hash.0),
        record_id: r.record_id.to_string(),
        device_id: r.device_id.to_string(),
        sequence: parse_seq(&r.sequence)?,
        kind: RecordKind::from(r.kind),
        wallet_id: r.wallet_id.map(|u| u.to_string()),
        ticket_id: r.ticket_id.map(|u| u.to_string()),
        before: verdict(&r.before),
        after: verdict(&r.after),
        money_effect: Money::from_core(&r.money_effect),
    })
}

fn lost_range(r: &core_chain::LostRange) -> LostRange {
    LostRange { from: r.from, through: r.through, reason: r.reason.clone(), decided_at_ms: r.decided_at.unix_millis() }
}

fn resolution(r: core::Resolution) -> Resolution {
    match r {
        core::Resolution::RejectedLater => Resolution::RejectedLater,
        core::Resolution::AcceptedWithDebt => Resolution::AcceptedWithDebt,
        core::Resolution::AcceptedFlagged => Resolution::AcceptedFlagged,
        core::Resolution::RejectedAll => Resolution::RejectedAll,
        core::Resolution::AdmittedInError => Resolution::AdmittedInError,
    }
}

fn outcome(o: &core::RecordOutcome) -> Result<RecordOutcome> {
    let sequence = o.sequence.as_deref().map(parse_seq).transpose()?;
    Ok(RecordOutcome {
        hash_hex: interop::hex_encode(&o.hash.0),
        record_id: o.record_id.map(|u| u.to_string()),
        device_id: o.device_id.map(|u| u.to_string()),
        sequence,
        kind: o.kind.map(RecordKind::from),
        status: status(o.status),
        code: o.reason.clone(),
        resolution: o.resolution.map(resolution),
        debt: o.debt.as_ref().map(Money::from_core),
    })
}

fn alert(a: &core::Alert, currency: Currency) -> Result<ReconcileAlert> {
    Ok(match a {
        core::Alert::DoubleSpend { wallet_id, record_id, device_id, shortfall } => ReconcileAlert::DoubleSpend {
            wallet_id: wallet_id.to_string(),
            record_id: record_id.to_string(),
            device_id: device_id.to_string(),
            shortfall: Money::from_core(&festival_core::Money::parse(shortfall, currency)?),
        },
        core::Alert::DoubleAdmission { ticket_id, record_id, device_id } => ReconcileAlert::DoubleAdmission {
            ticket_id: ticket_id.to_string(),
            record_id: record_id.to_string(),
            device_id: device_id.to_string(),
        },
        core::Alert::TamperedLog { device_id, hash, code } => ReconcileAlert::TamperedLog {
            device_id: device_id.map(|u| u.to_string()),
            hash_hex: interop::hex_encode(&hash.0),
            code: code.clone(),
        },
        core::Alert::RevokedDeviceUsed { device_id, record_id } => {
            ReconcileAlert::RevokedDeviceUsed { device_id: device_id.to_string(), record_id: record_id.to_string() }
        }
    })
}

fn report(r: &core::ReconcileReport, currency: Currency) -> Result<ReconcileReport> {
    Ok(ReconcileReport {
        records: r.records.iter().map(outcome).collect::<Result<_>>()?,
        counts: ReconcileCounts {
            accepted: r.counts.accepted,
            duplicate: r.counts.duplicate,
            rejected: r.counts.rejected,
            conflict: r.counts.conflict,
            pending: r.counts.pending,
            recorded: r.counts.recorded,
        },
        alerts: r.alerts.iter().map(|a| alert(a, currency)).collect::<Result<_>>()?,
        balances: r.balances.iter().map(|(id, b)| (id.to_string(), balances(b))).collect(),
        debts: r.debts.iter().map(|(id, m)| (id.to_string(), Money::from_core(m))).collect(),
        blocked_wallets: r.blocked_wallets.iter().map(Uuid::to_string).collect(),
        totals: ReconcileTotals {
            top_ups: Money::from_core(&r.totals.top_ups),
            payments: Money::from_core(&r.totals.payments),
            refunds: Money::from_core(&r.totals.refunds),
            deposit_returns: r.totals.deposit_returns.as_ref().map(Money::from_core),
        },
        revisions: r.revisions.iter().map(revision).collect::<Result<_>>()?,
        watermark_ms: r.watermark.map(|t| t.unix_millis()),
        finalized: r.finalized,
        pending_total: r.pending_total,
        scans: r
            .scans
            .iter()
            .map(|s| ScanFactOutcome {
                record_id: s.record_id.to_string(),
                device_id: s.device_id.to_string(),
                ticket_id: s.ticket_id.to_string(),
                zone_id: s.zone_id.to_string(),
                entry: s.direction == festival_core::offline::record::Direction::In,
                at_ms: s.at.unix_millis(),
                gate: crate::offline::ScanFact::from_core(&s.gate),
                applied: s.applied,
                admitted_in_error: s.admitted_in_error.clone(),
                server_policy: s.server_policy.as_ref().map(crate::checkin::policy_decision),
                left_zones: s.left_zones.iter().map(Uuid::to_string).collect(),
                stale_revocation_list: s.stale_revocation_list.map(|x| StaleRevocationList {
                    gate_version: x.gate_version,
                    current_version: x.current_version,
                    published_at_ms: x.published_at.unix_millis(),
                }),
            })
            .collect(),
    })
}

fn decode_records(records: &[Vec<u8>]) -> Result<Vec<SignedRecord>> {
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        out.push(SignedRecord::from_bytes(r).map_err(festival_core::Error::from)?);
    }
    Ok(out)
}

fn parse_chains(field: &str, json: &str) -> Result<BTreeMap<Uuid, DeviceChain>> {
    serde_json::from_str(json).map_err(|e| bad_json(field, e))
}

fn chains_json(chains: &BTreeMap<Uuid, DeviceChain>) -> Result<String> {
    serde_json::to_string(chains).map_err(|e| InputError::invalid("chains", e.to_string()).into())
}

/// The server's offline-sync state for one festival: wallets, ticket admission states, each
/// device's chain position and the accepted records. [`Reconciler::reconcile`] applies device
/// batches to it. Thread-safe (one lock per reconciler).
#[derive(uniffi::Object)]
pub struct Reconciler {
    inner: Mutex<core::ReconcileState>,
}

impl Reconciler {
    fn lock(&self) -> MutexGuard<'_, core::ReconcileState> {
        // No code path panics while holding the lock; recover the data if one ever did.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl Reconciler {
    /// An empty state for festival `festival_id` in `currency`.
    #[uniffi::constructor]
    pub fn new(festival_id: String, currency: String) -> Result<Arc<Self>> {
        let festival = uuid("festival_id", &festival_id)?;
        let currency: Currency = currency.parse().map_err(festival_core::Error::from)?;
        Ok(Arc::new(Reconciler { inner: Mutex::new(core::ReconcileState::new(festival, currency)) }))
    }

    /// Reads a state saved with [`Reconciler::to_json`] (the core's serde JSON; every wallet's
    /// ledger is replayed). Malformed JSON is `INPUT_INVALID`; a wallet of another festival or
    /// currency `RECONCILE_INVALID_STATE`.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        // The core's deserializer checks the format version and every wallet's festival and currency.
        let state: core::ReconcileState = serde_json::from_str(&json).map_err(|e| bad_json("json", e))?;
        Ok(Arc::new(Reconciler { inner: Mutex::new(state) }))
    }

    /// The persisted form (the core's serde JSON of the state).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| InputError::invalid("state", e.to_string()).into())
    }

    /// The festival id.
    pub fn festival_id(&self) -> String {
        self.lock().festival_id.to_string()
    }

    /// The currency code.
    pub fn currency(&self) -> String {
        self.lock().currency.to_string()
    }

    /// Adds (or replaces) a copy of `wallet`; errors if its festival or currency differ
    /// (`RECONCILE_INVALID_STATE`). Later changes to `wallet` do not affect the reconciler.
    pub fn add_wallet(&self, wallet: Arc<Wallet>) -> Result<()> {
        let w = wallet.snapshot();
        self.lock().add_wallet(w).map_err(festival_core::Error::from)?;
        Ok(())
    }

    /// A copy of the wallet `id` as the reconciler holds it, if present.
    pub fn wallet(&self, id: String) -> Result<Option<Arc<Wallet>>> {
        let id = uuid("id", &id)?;
        Ok(self.lock().wallets.get(&id).cloned().map(Wallet::from_core))
    }

    /// The ids of the wallets, ordered.
    pub fn wallet_ids(&self) -> Vec<String> {
        self.lock().wallets.keys().map(Uuid::to_string).collect()
    }

    /// Sets ticket `ticket_id`'s admission state (`inside`, `revoked`: scans are rejected).
    pub fn set_ticket(&self, ticket_id: String, inside: bool, revoked: bool) -> Result<()> {
        let id = uuid("ticket_id", &ticket_id)?;
        self.lock().set_ticket(id, core::TicketState { inside, revoked, ..Default::default() });
        Ok(())
    }

    /// Sets a ticket's admission state with what check-in policies read when scan facts are
    /// reconciled: its type and whether its order is pending.
    pub fn set_ticket_facts(
        &self,
        ticket_id: String,
        inside: bool,
        revoked: bool,
        ticket_type_id: Option<String>,
        pending: bool,
    ) -> Result<()> {
        let id = uuid("ticket_id", &ticket_id)?;
        let ticket_type_id = ticket_type_id.map(|t| uuid("ticket_type_id", &t)).transpose()?;
        self.lock().set_ticket(id, core::TicketState { inside, revoked, ticket_type_id, pending, ..Default::default() });
        Ok(())
    }

    /// Sets a ticket as the server knows it, with the zones it is inside and its attributes for
    /// the check-in rules (so the server evaluates `attributes.<name>` as the gate does).
    pub fn set_ticket_admission(&self, ticket_id: String, admission: TicketAdmission) -> Result<()> {
        let id = uuid("ticket_id", &ticket_id)?;
        let ticket_type_id = admission.ticket_type_id.map(|t| uuid("ticket_type_id", &t)).transpose()?;
        let zones = admission.zones.iter().map(|z| uuid("zones", z)).collect::<Result<_>>()?;
        let t = core::TicketState {
            inside: admission.inside,
            revoked: admission.revoked,
            ticket_type_id,
            pending: admission.pending,
            zones,
            attributes: crate::checkin::attributes(admission.attributes),
            ..Default::default()
        };
        self.lock().set_ticket(id, t);
        Ok(())
    }

    /// Records that the server published revocation list `version` at `published_at_ms` revoking
    /// `revoked_tickets`: an entry a gate admitted with an older list after that is admitted in
    /// error (`RECONCILE_STALE_REVOCATION_LIST`). Throws `RECONCILE_INVALID_STATE` for a version
    /// published with other content or out of time order.
    pub fn publish_revocation_list(&self, version: u64, published_at_ms: i64, revoked_tickets: Vec<String>) -> Result<()> {
        let at = time("published_at_ms", published_at_ms)?;
        let tickets = revoked_tickets.iter().map(|t| uuid("revoked_tickets", t)).collect::<Result<_>>()?;
        self.lock().publish_revocation_list(version, at, tickets).map_err(festival_core::Error::from)?;
        Ok(())
    }

    /// Publishes a product catalog for the reconciliation of catalog payments
    /// ([`crate::offline::DeviceLog::pay_with_catalog`]): each is checked against the published
    /// catalog of the version it names, with the wallet's age class, as an online POS checks it
    /// (a tampered price is rejected `CATALOG_PRICE_MISMATCH`, an under-age sale
    /// `CATALOG_AGE_RESTRICTED`). A payment naming an unpublished version is rejected
    /// `RECONCILE_UNKNOWN_CATALOG` until the version is published; the next `reconcile` then
    /// decides it again (a revision in its report). Publishing the same catalog again changes
    /// nothing; throws `RECONCILE_INVALID_STATE` (nothing changes) for a catalog of another
    /// festival or currency, or a version published already with other content.
    pub fn publish_catalog(&self, catalog: Arc<crate::catalog::ProductCatalog>) -> Result<()> {
        self.lock().publish_catalog(catalog.core().clone()).map_err(festival_core::Error::from)?;
        Ok(())
    }

    /// The published catalog of `version`, if any.
    pub fn catalog(&self, version: u32) -> Option<Arc<crate::catalog::ProductCatalog>> {
        self.lock().catalogs.get(&version).cloned().map(crate::catalog::ProductCatalog::wrap)
    }

    /// The published catalog versions, ascending.
    pub fn catalog_versions(&self) -> Vec<u32> {
        self.lock().catalogs.keys().copied().collect()
    }

    /// A check-in policy with which scan facts in its zones (offline zone UUIDs) are decided
    /// again on the server.
    pub fn set_checkin_policy(&self, policy: Arc<crate::checkin::CheckinPolicy>) {
        self.lock().set_checkin_policy(policy.inner.clone());
    }

    /// Whether ticket `ticket_id` is inside (false if unknown).
    pub fn ticket_inside(&self, ticket_id: String) -> Result<bool> {
        let id = uuid("ticket_id", &ticket_id)?;
        Ok(self.lock().tickets.get(&id).is_some_and(|t| t.inside))
    }

    /// Each device's chain position as the core's serde JSON (`{device_id: {last_sequence,
    /// last_hash, last_hlc, history}}`), e.g. for [`verify_chain`].
    pub fn chains_json(&self) -> Result<String> {
        chains_json(&self.lock().chains)
    }

    /// Reconciles encoded device batches (any order, duplicates allowed) at server time
    /// `now_ms`. Bad records and malformed batches are reported in the result, not thrown; only
    /// an inconsistent state throws (`RECONCILE_INVALID_STATE`), and then nothing changes.
    pub fn reconcile(
        &self,
        registry: Arc<DeviceRegistry>,
        batches: Vec<Vec<u8>>,
        now_ms: i64,
        config: ReconcileConfig,
    ) -> Result<ReconcileReport> {
        let now = time("now_ms", now_ms)?;
        let config = core_reconcile_config(&config)?;
        let mut state = self.lock();
        let r = core::reconcile(&mut state, &registry.inner, &batches[..], now, &config)
            .map_err(festival_core::Error::from)?;
        report(&r, state.currency)
    }

    /// Declares the device's records after its last chained sequence up to `through` lost (an
    /// explicit, recorded operator decision with `reason`), so its later records are processed
    /// by the next `reconcile` (pending ones too: call it with no batches). Throws
    /// `RECONCILE_INVALID_STATE` if the range is empty.
    pub fn declare_lost(&self, device_id: String, through: u64, reason: String, decided_at_ms: i64) -> Result<LostRange> {
        let device = uuid("device_id", &device_id)?;
        let at = time("decided_at_ms", decided_at_ms)?;
        let r = self.lock().declare_lost(device, through, &reason, at).map_err(festival_core::Error::from)?;
        Ok(lost_range(&r))
    }

    /// Revokes a device by sequence: its records after the last sequence the server has now are
    /// rejected (`OFFLINE_DEVICE_REVOKED`, alert `RevokedDeviceUsed`) whatever their dates. Throws
    /// `RECONCILE_INVALID_STATE` if it is revoked already.
    pub fn revoke_device(&self, device_id: String, reason: String, revoked_at_ms: i64) -> Result<RevocationCut> {
        let device = uuid("device_id", &device_id)?;
        let at = time("revoked_at_ms", revoked_at_ms)?;
        let c = self.lock().revoke_device(device, &reason, at).map_err(festival_core::Error::from)?;
        Ok(cut_out(&c))
    }

    /// The server-signed acknowledgement of the device's log after a sync (148 bytes, for
    /// `DeviceLog.acceptAck`): records anchored to it may not be dated before `server_time_ms`.
    pub fn acknowledge(&self, registry: Arc<DeviceRegistry>, device_id: String, server_time_ms: i64, server_seed: Vec<u8>) -> Result<Vec<u8>> {
        let device = uuid("device_id", &device_id)?;
        let at = time("server_time_ms", server_time_ms)?;
        let seed = bytes32("server_seed", &server_seed)?;
        let ack = self.lock().acknowledge(&registry.inner, device, at, &seed).map_err(festival_core::Error::from)?;
        Ok(ack.to_bytes())
    }

    /// Signs (with `server_seed`) and records an offline allowance; returns its bytes, for
    /// `DeviceLog.installAllowance`.
    pub fn issue_allowance(&self, allowance: Allowance, server_seed: Vec<u8>) -> Result<Vec<u8>> {
        let mut devices = allowance.devices.iter().map(|d| uuid("devices", d)).collect::<Result<Vec<_>>>()?;
        devices.sort();
        let mut state = self.lock();
        let a = festival_core::offline::allowance::Allowance {
            allowance_id: uuid("allowance_id", &allowance.allowance_id)?,
            festival_id: state.festival_id,
            wallet_id: allowance.wallet_id.as_deref().map(|w| uuid("wallet_id", w)).transpose()?,
            devices,
            amount: allowance.amount.to_core()?,
            valid_from: time("valid_from_ms", allowance.valid_from_ms)?,
            valid_until: time("valid_until_ms", allowance.valid_until_ms)?,
        };
        let signed = state.issue_allowance(a, &bytes32("server_seed", &server_seed)?).map_err(festival_core::Error::from)?;
        Ok(signed.to_bytes())
    }

    /// The double-spend loss so far and the most it can become under the issued allowances,
    /// per wallet and in total, for the conflict `policy` reconciliation runs with.
    pub fn exposure(&self, policy: ConflictPolicy) -> ExposureReport {
        let r = self.lock().exposure(policy.into());
        let m = Money::from_core;
        ExposureReport {
            wallets: r
                .wallets
                .iter()
                .map(|w| WalletExposure {
                    wallet_id: w.wallet_id.to_string(),
                    balance: m(&w.balance),
                    offline_spent: m(&w.offline_spent),
                    open_allowance: m(&w.open_allowance),
                    allowance_total: m(&w.allowance_total),
                    uncovered: m(&w.uncovered),
                    loss: m(&w.loss),
                    max_loss: m(&w.max_loss),
                })
                .collect(),
            total_loss: m(&r.total_loss),
            total_max_loss: m(&r.total_max_loss),
            total_open_allowance: m(&r.total_open_allowance),
            total_uncovered: m(&r.total_uncovered),
        }
    }

    /// The finality watermark (ms; records before it are final, never revised), if any.
    pub fn watermark_ms(&self) -> Option<i64> {
        self.lock().watermark().map(|t| t.unix_millis())
    }

    /// The current outcome of a non-final record, or null (final, pending or unknown).
    pub fn outcome(&self, record_id: String) -> Result<Option<RecordOutcome>> {
        let id = uuid("record_id", &record_id)?;
        self.lock().outcome(&id).as_ref().map(outcome).transpose()
    }

    /// The current outcomes of every non-final record, in the total order (they may still be revised).
    pub fn outcomes(&self) -> Result<Vec<RecordOutcome>> {
        self.lock().outcomes().iter().map(outcome).collect()
    }

    /// The records that wait (status `Pending`, `code` = what they wait for), by device and sequence.
    pub fn pending(&self) -> Result<Vec<RecordOutcome>> {
        self.lock().pending().iter().map(outcome).collect()
    }

    /// Balances of every wallet, by wallet id.
    pub fn balances(&self) -> HashMap<String, Balances> {
        self.lock().wallets.iter().map(|(id, w)| (id.to_string(), balances(&w.balances()))).collect()
    }
}

/// The verdict on one record of [`verify_chain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckStatus {
    /// Authentic, in sequence, linked, and allowed.
    Valid,
    /// Already processed (the exact same record extended the chain before, or an exact copy).
    Duplicate,
    /// Kept, not decided yet (`code`: gap before it, clock ahead, device not registered).
    Pending,
    /// Rejected; `code` says why.
    Rejected,
}

/// One record's check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainCheck {
    /// The verdict.
    pub status: CheckStatus,
    /// The rejection code, if rejected.
    pub code: Option<String>,
    /// Whether the record extended the device's chain in this call (true for valid records;
    /// for rejected ones whether it is still an authentic, linked part of the log, e.g. a role
    /// violation; false for duplicates).
    pub chained: bool,
}

/// The result of [`verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainReport {
    /// One check per input record, in input order.
    pub checks: Vec<ChainCheck>,
    /// The devices' chains after the records that extended them (the core's serde JSON, the
    /// input format of `chains_json`).
    pub chains_json: String,
}

fn check(c: &CheckOutcome) -> ChainCheck {
    match c {
        CheckOutcome::Valid => ChainCheck { status: CheckStatus::Valid, code: None, chained: true },
        CheckOutcome::Duplicate => ChainCheck { status: CheckStatus::Duplicate, code: None, chained: false },
        CheckOutcome::Pending { .. } => {
            ChainCheck { status: CheckStatus::Pending, code: c.code().map(str::to_string), chained: false }
        }
        CheckOutcome::Rejected { chained, .. } => {
            ChainCheck { status: CheckStatus::Rejected, code: c.code().map(str::to_string), chained: *chained }
        }
    }
}

/// Verifies signed `records` (each the canonical signed bytes; any order, any devices) of
/// festival `festival_id` against the registry and the known chains (`chains_json`: the core's
/// serde JSON, e.g. [`Reconciler::chains_json`]; absent = no record seen yet) at server time
/// `now_ms`. `config` absent = the core's default skews. Undecodable records throw
/// (`OFFLINE_*`); verdicts on decodable records are in the report.
#[uniffi::export]
pub fn verify_chain(
    registry: Arc<DeviceRegistry>,
    festival_id: String,
    chains_json: Option<String>,
    records: Vec<Vec<u8>>,
    now_ms: i64,
    config: Option<ChainConfig>,
) -> Result<ChainReport> {
    let festival = uuid("festival_id", &festival_id)?;
    let now: Timestamp = time("now_ms", now_ms)?;
    let chains = match &chains_json {
        Some(j) => parse_chains("chains_json", j)?,
        None => BTreeMap::new(),
    };
    let config = match &config {
        Some(c) => core_chain_config(c)?,
        None => core_chain::ChainConfig::default(),
    };
    let records = decode_records(&records)?;
    let r = core_chain::verify_chain(&registry.inner, festival, &chains, &records, now, &config);
    Ok(ChainReport { checks: r.checks.iter().map(check).collect(), chains_json: self::chains_json(&r.chains)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::offline::crypto;

    const FEST: &str = "00000000-0000-4000-8000-000000000002";

    fn dev(n: u8) -> DeviceEntry {
        DeviceEntry {
            device_id: format!("00000000-0000-4000-8000-0000000000{n:02}"),
            public_key: crypto::public_key_from_seed(&[n; 32]).to_vec(),
            festival_id: FEST.into(),
            role: DeviceRole::Pos,
            locations: vec!["00000000-0000-4000-8000-000000000004".into()],
            valid_from_ms: 0,
            valid_until_ms: 2_000_000_000_000,
            revoked_at_ms: Some(1_900_000_000_000),
        }
    }

    #[test]
    fn registry_round_trips_entries_and_checks_input() {
        let r = DeviceRegistry::new(vec![dev(11), dev(10)]).unwrap();
        assert_eq!(r.entries(), vec![dev(10), dev(11)]);
        assert_eq!(r.get(dev(10).device_id).unwrap(), Some(dev(10)));
        assert_eq!(r.get("00000000-0000-4000-8000-000000000099".into()).unwrap(), None);
        assert_eq!(r.get("nope".into()).unwrap_err().code(), "INPUT_INVALID");
        let short = DeviceEntry { public_key: vec![1; 31], ..dev(10) };
        assert_eq!(DeviceRegistry::new(vec![short]).err().unwrap().code(), "INPUT_INVALID");
        assert_eq!(DeviceRegistry::new(vec![dev(10), dev(10)]).err().unwrap().code(), "RECONCILE_INVALID_STATE");
    }

    #[test]
    fn reconciler_round_trips_and_rejects_hostile_input() {
        let r = Reconciler::new(FEST.into(), "EUR".into()).unwrap();
        r.set_ticket("00000000-0000-4000-8000-000000000050".into(), true, false).unwrap();
        let copy = Reconciler::from_json(r.to_json().unwrap()).unwrap();
        assert_eq!(copy.to_json().unwrap(), r.to_json().unwrap());
        assert_eq!(Reconciler::from_json("[".into()).err().unwrap().code(), "INPUT_INVALID");
        let reg = DeviceRegistry::new(vec![dev(10)]).unwrap();
        let cfg = ReconcileConfig {
            policy: ConflictPolicy::FirstWins,
            max_future_skew_ms: None,
            max_hlc_skew_ms: None,
            max_offline_ms: None,
            all_devices_synced: false,
            accept_after_cut_up_to: None,
            compact_ledgers: false,
            per_zone_presence: false,
        };
        let rep = r.reconcile(reg.clone(), vec![vec![1, 2, 3]], 1_783_180_800_000, cfg.clone()).unwrap();
        assert_eq!(rep.counts.rejected, 1);
        assert!(matches!(rep.alerts[0], ReconcileAlert::TamperedLog { .. }));
        assert!(r.reconcile(reg.clone(), vec![], i64::MAX, cfg.clone()).unwrap_err().code().starts_with("INPUT_"));
        let neg = ReconcileConfig { max_hlc_skew_ms: Some(-1), ..cfg };
        assert_eq!(r.reconcile(reg.clone(), vec![], 0, neg).unwrap_err().code(), "INPUT_INVALID");
        let e = verify_chain(reg, FEST.into(), Some("{}".into()), vec![vec![0; 5]], 0, None).unwrap_err();
        assert!(e.code().starts_with("OFFLINE_"), "{e}");
    }
}
