//! Deterministic reconciliation of device batches into the server state.
//!
//! [`reconcile`] takes the server's [`ReconcileState`] (wallets — the wallet module's [`Wallet`] —,
//! ticket admission states, each device's chain position and the accepted records), the device
//! registry, and any number of encoded batches in any order, possibly duplicated. It:
//!
//! 1. decodes every batch (a malformed batch is reported and alerts `tampered_log`), and drops
//!    exact copies of records (so duplicated batches change nothing);
//! 2. verifies all signatures with the deterministic batch verifier
//!    ([`super::crypto::verify_many`]: exactly the verdicts of single verification, whatever the
//!    grouping) and walks each device's log
//!    ([`super::chain::verify_chain`]): replays are `duplicate`, and gaps, broken chains, forks,
//!    bad signatures, clock skew, unknown / revoked / out-of-window / out-of-role devices are
//!    `rejected` with their code;
//! 3. sorts the remaining records by the total order (HLC, device id, sequence, bytes) and
//!    applies them: top-ups, payments (with line items), refunds, voids (of the device's own
//!    payments and scans) on wallets, scans on ticket admission states;
//! 4. resolves conflicts with the configured [`ConflictPolicy`]:
//!    - `first_wins`: in the total order, the first record wins; an offline payment the wallet
//!      can no longer cover, or a second entry of a ticket already inside, is a conflict
//!      resolved by rejecting it;
//!    - `accept_with_debt`: the payment is accepted anyway, the shortfall becomes the wallet's
//!      debt and the wallet is blocked (the wallet module's `allow_debt`); a double admission is
//!      accepted and flagged;
//!    - `reject`: every offline payment of a wallet that has a double spend in this
//!      reconciliation is rejected (nobody wins; the operator decides), double admissions are
//!      rejected.
//!
//! The report (per-record status, counts, alerts, balances, debts) is byte-identical (serde
//! JSON) for every permutation and duplication of the batches. Streaming: call [`reconcile`]
//! repeatedly with chunks of batches; the state carries everything needed between calls (chain
//! positions, accepted record ids, wallets, tickets). Records that arrive before their
//! predecessors are rejected as `OFFLINE_SEQUENCE_GAP` and simply re-submitted later (devices keep
//! exporting until acknowledged), so chunking never loses a record; the order of chunks can only
//! change which of two conflicting records from different chunks wins.
//!
//! ```
//! use festival_core::offline::device::DeviceSigner;
//! use festival_core::offline::reconcile::{reconcile, ConflictPolicy, ReconcileConfig, ReconcileState};
//! use festival_core::offline::record::{Batch, Payload};
//! use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
//! use festival_core::wallet::{Entry, Operation, Wallet, WalletConfig};
//! use festival_core::{offline::crypto, Currency, Money, Timestamp};
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let (festival, stand, wallet_id) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
//! let t0 = Timestamp::from_unix_millis(1_783_180_800_000)?;
//! let mut wallet = Wallet::new(WalletConfig::new(wallet_id, festival, eur))?;
//! wallet.apply(Entry::new(Uuid::from_u128(99), t0, Operation::TopUp {
//!     amount: Money::parse("10", eur)?, method: Default::default() }))?;
//! let mut state = ReconcileState::new(festival, eur);
//! state.add_wallet(wallet)?;
//! let pos = |n: u128| DeviceEntry { device_id: Uuid::from_u128(n), public_key: crypto::public_key_from_seed(&[n as u8; 32]),
//!     festival_id: festival, role: DeviceRole::Pos, locations: vec![stand], valid_from: t0,
//!     valid_until: t0.plus_millis(86_400_000), revoked_at: None };
//! let registry = DeviceRegistry::new(vec![pos(10), pos(11)])?;
//! // Two offline POS devices both sell 8 EUR from the same 10 EUR wallet.
//! let pay = |n: u128, ms: i64| -> Result<Vec<u8>, festival_core::Error> {
//!     let mut s = DeviceSigner::new([n as u8; 32], Uuid::from_u128(n), festival);
//!     let r = s.sign(Uuid::from_u128(100 + n), t0.plus_millis(ms), Payload::Payment {
//!         wallet_id, amount: Money::parse("8", eur)?, stand_id: stand, items: vec![] })?;
//!     Ok(Batch { records: vec![r] }.to_bytes())
//! };
//! let batches = vec![pay(11, 2_000)?, pay(10, 1_000)?];
//! let config = ReconcileConfig { policy: ConflictPolicy::FirstWins, ..Default::default() };
//! let report = reconcile(&mut state, &registry, &batches, t0.plus_millis(5_000), &config)?;
//! assert_eq!((report.counts.accepted, report.counts.conflict), (1, 1));
//! assert_eq!(report.balances[&wallet_id].total.amount_string(), "2.00");
//! assert_eq!(report.alerts[0].kind(), "double_spend");
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::chain::{verify_chain_with, ChainConfig, CheckOutcome, DeviceChain, SignatureVerifier};
use super::record::{total_order, Batch, Digest, Direction, Payload, RecordKind, SignedRecord};
use super::registry::DeviceRegistry;
use super::wire::sha256;
use super::OfflineError;
use crate::error::ErrorCode;
use crate::money::{Currency, Money};
use crate::wallet::{Balances, Entry, LineItem as WalletLineItem, Operation, TopUpMethod, Wallet};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// How conflicts (double spends, double admissions) are resolved. Configuration, not code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictPolicy {
    /// The first record in the total order wins; later conflicting records are rejected.
    #[default]
    FirstWins,
    /// Conflicting payments are accepted, the shortfall is recorded as debt (wallet blocked).
    AcceptWithDebt,
    /// All offline payments of a wallet with a double spend are rejected; double admissions too.
    Reject,
}

/// Reconciliation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReconcileConfig {
    /// The conflict policy.
    #[serde(default)]
    pub policy: ConflictPolicy,
    /// Allowed clock skews.
    #[serde(default)]
    pub chain: ChainConfig,
}

/// Admission state of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketState {
    /// Whether the ticket is currently inside.
    #[serde(default)]
    pub inside: bool,
    /// Whether the server has revoked it (scans are rejected).
    #[serde(default)]
    pub revoked: bool,
}

/// What the server remembers of an accepted record (for refunds, voids and id uniqueness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedRecord {
    /// The device.
    pub device_id: Uuid,
    /// Its kind.
    pub kind: RecordKind,
    /// The wallet, for money records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<Uuid>,
    /// The ticket and direction, for scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<(Uuid, Direction)>,
    /// Whether a void cancelled it.
    #[serde(default)]
    pub voided: bool,
}

/// The server state that reconciliation reads and updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileState {
    /// The festival.
    pub festival_id: Uuid,
    /// Its currency.
    pub currency: Currency,
    /// Wallets by id.
    #[serde(default)]
    pub wallets: BTreeMap<Uuid, Wallet>,
    /// Ticket admission states by ticket id.
    #[serde(default)]
    pub tickets: BTreeMap<Uuid, TicketState>,
    /// Each device's chain position.
    #[serde(default)]
    pub chains: BTreeMap<Uuid, DeviceChain>,
    /// Accepted records by record id.
    #[serde(default)]
    pub records: BTreeMap<Uuid, AcceptedRecord>,
}

impl ReconcileState {
    /// An empty state.
    pub fn new(festival_id: Uuid, currency: Currency) -> Self {
        ReconcileState {
            festival_id,
            currency,
            wallets: BTreeMap::new(),
            tickets: BTreeMap::new(),
            chains: BTreeMap::new(),
            records: BTreeMap::new(),
        }
    }

    /// Adds a wallet; errors if its festival or currency differ (`RECONCILE_INVALID_STATE`).
    pub fn add_wallet(&mut self, wallet: Wallet) -> Result<(), OfflineError> {
        self.check_wallet(&wallet)?;
        self.wallets.insert(wallet.id(), wallet);
        Ok(())
    }

    fn check_wallet(&self, w: &Wallet) -> Result<(), OfflineError> {
        if w.currency() != self.currency || w.config().festival_id != self.festival_id {
            return Err(OfflineError::ReconcileInvalidState {
                reason: format!("wallet {} belongs to another festival or currency", w.id()),
            });
        }
        Ok(())
    }

    /// Sum of every wallet's `refundable + bonus - debt`.
    pub fn total_balance(&self) -> Money {
        let mut t = Money::zero(self.currency);
        for w in self.wallets.values() {
            t = t.checked_add(&w.balances().total).unwrap_or(t);
        }
        t
    }
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Applied.
    Accepted,
    /// Already processed before (or an exact copy): nothing changed.
    Duplicate,
    /// Not applied; `reason` says why.
    Rejected,
    /// Part of a conflict; `resolution` says what the policy did.
    Conflict,
}

/// How a conflict was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Rejected: an earlier record in the total order won (first-wins, or reject for scans).
    RejectedLater,
    /// Accepted; the shortfall became debt and the wallet is blocked.
    AcceptedWithDebt,
    /// Accepted and flagged (double admission under accept-with-debt).
    AcceptedFlagged,
    /// Rejected with every other offline payment of the wallet in this reconciliation.
    RejectedAll,
}

/// The outcome of one record (or of an undecodable batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOutcome {
    /// SHA-256 of the signed record (of the batch bytes for a malformed batch).
    pub hash: Digest,
    /// The record id (absent for a malformed batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Uuid>,
    /// The device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
    /// The sequence (decimal string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<String>,
    /// The record kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RecordKind>,
    /// The status.
    pub status: RecordStatus,
    /// The error code for rejected / conflict / duplicate records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the policy did, for conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Debt created by this record (accept-with-debt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debt: Option<Money>,
}

/// Something an operator must look at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// An offline payment that the wallet could not cover.
    DoubleSpend {
        /// The wallet.
        wallet_id: Uuid,
        /// The payment record.
        record_id: Uuid,
        /// The device.
        device_id: Uuid,
        /// The uncovered amount (decimal string).
        shortfall: String,
    },
    /// A second entry of a ticket already inside.
    DoubleAdmission {
        /// The ticket.
        ticket_id: Uuid,
        /// The scan record.
        record_id: Uuid,
        /// The gate.
        device_id: Uuid,
    },
    /// A forged, altered, forked, reordered or undecodable log.
    TamperedLog {
        /// The device, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_id: Option<Uuid>,
        /// The record or batch hash.
        hash: Digest,
        /// The detecting code.
        code: String,
    },
    /// A record signed by a revoked device after its revocation.
    RevokedDeviceUsed {
        /// The device.
        device_id: Uuid,
        /// The record.
        record_id: Uuid,
    },
}

impl Alert {
    /// The alert kind (`double_spend`, `double_admission`, `tampered_log`, `revoked_device_used`).
    pub fn kind(&self) -> &'static str {
        match self {
            Alert::DoubleSpend { .. } => "double_spend",
            Alert::DoubleAdmission { .. } => "double_admission",
            Alert::TamperedLog { .. } => "tampered_log",
            Alert::RevokedDeviceUsed { .. } => "revoked_device_used",
        }
    }
}

/// Counts per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Accepted records (including conflicts accepted with debt or flagged).
    pub accepted: u64,
    /// Duplicates.
    pub duplicate: u64,
    /// Rejected records (not conflicts).
    pub rejected: u64,
    /// Conflicts (whatever the resolution).
    pub conflict: u64,
}

/// Money moved by the accepted records of one reconciliation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyTotals {
    /// Top-ups.
    pub top_ups: Money,
    /// Payments (including the part that became debt).
    pub payments: Money,
    /// Refunds and voided payments given back.
    pub refunds: Money,
}

/// The deterministic result of one [`reconcile`] call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileReport {
    /// One outcome per distinct record (and per malformed batch), ordered by device, sequence
    /// and hash.
    pub records: Vec<RecordOutcome>,
    /// Counts per status.
    pub counts: Counts,
    /// Alerts, sorted, without repeats.
    pub alerts: Vec<Alert>,
    /// Balances of every wallet after the call.
    pub balances: BTreeMap<Uuid, Balances>,
    /// Wallets with debt, and the debt.
    pub debts: BTreeMap<Uuid, Money>,
    /// Wallets that are blocked after the call.
    pub blocked_wallets: Vec<Uuid>,
    /// Money moved in this call. `sum(total before) + top_ups - payments + refunds == sum(total after)`.
    pub totals: MoneyTotals,
}

fn code_of(e: &impl ErrorCode) -> Option<String> {
    Some(e.code().to_string())
}

/// One record's effect when applied.
enum Applied {
    Accepted { refund: Option<Money> },
    Rejected(String),
    Conflict { resolution: Resolution, reason: String, debt: Option<Money>, accepted: bool },
}

/// Reconciles `batches` (encoded [`Batch`]es, any order, duplicates allowed) into `state`.
/// Errors only if the state itself is inconsistent (`RECONCILE_INVALID_STATE`); then nothing
/// changes. See the module documentation for the rules.
pub fn reconcile<B: AsRef<[u8]>>(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[B],
    now: Timestamp,
    config: &ReconcileConfig,
) -> Result<ReconcileReport, OfflineError> {
    reconcile_with(state, registry, batches, now, config, &super::crypto::verify_many)
}

/// [`reconcile`] with the signature stage done by `verify`, which must give the verdicts of
/// [`super::crypto::verify_many`] (e.g. `offline::parallel::verify_many_parallel` on several
/// threads); the report is then byte-identical to [`reconcile`]'s.
pub fn reconcile_with<B: AsRef<[u8]>>(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[B],
    now: Timestamp,
    config: &ReconcileConfig,
    verify: SignatureVerifier<'_>,
) -> Result<ReconcileReport, OfflineError> {
    reconcile_impl(state, registry, batches, now, config, &mut |_, bytes| Batch::from_bytes(bytes), verify)
}

/// Decodes batch `i` from its bytes (see [`reconcile_impl`]).
pub(crate) type BatchDecoder<'a> = &'a mut dyn FnMut(usize, &[u8]) -> Result<Batch, OfflineError>;

/// [`reconcile_with`] with the decoding of batch `i` done by `decode(i, bytes)`, which must equal
/// `Batch::from_bytes(bytes)` (e.g. batches decoded ahead of time on several threads).
pub(crate) fn reconcile_impl<B: AsRef<[u8]>>(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[B],
    now: Timestamp,
    config: &ReconcileConfig,
    decode: BatchDecoder<'_>,
    verify: SignatureVerifier<'_>,
) -> Result<ReconcileReport, OfflineError> {
    for w in state.wallets.values() {
        state.check_wallet(w)?;
    }
    let before_total = state.total_balance();
    let mut outcomes: Vec<RecordOutcome> = Vec::new();
    let mut alerts: BTreeSet<Alert> = BTreeSet::new();
    // 1. Decode, drop exact copies (of batches and of records).
    let mut records: BTreeMap<Digest, SignedRecord> = BTreeMap::new();
    let mut bad_batches: BTreeSet<Digest> = BTreeSet::new();
    for (i, b) in batches.iter().enumerate() {
        match decode(i, b.as_ref()) {
            Ok(batch) => {
                for r in batch.records {
                    records.entry(Digest(r.hash())).or_insert(r);
                }
            }
            Err(e) => {
                let hash = Digest(sha256(&[b.as_ref()]));
                if bad_batches.insert(hash) {
                    alerts.insert(Alert::TamperedLog { device_id: None, hash, code: e.code().into() });
                    outcomes.push(RecordOutcome {
                        hash,
                        record_id: None,
                        device_id: None,
                        sequence: None,
                        kind: None,
                        status: RecordStatus::Rejected,
                        reason: code_of(&e),
                        resolution: None,
                        debt: None,
                    });
                }
            }
        }
    }
    let records: Vec<SignedRecord> = records.into_values().collect();
    // 2. Logs.
    let report = verify_chain_with(registry, state.festival_id, &state.chains, &records, now, &config.chain, verify);
    let mut valid: Vec<usize> = Vec::new();
    for (i, (rec, check)) in records.iter().zip(&report.checks).enumerate() {
        let body = rec.body();
        let base = RecordOutcome {
            hash: Digest(rec.hash()),
            record_id: Some(body.record_id),
            device_id: Some(body.device_id),
            sequence: Some(body.sequence.to_string()),
            kind: Some(body.kind()),
            status: RecordStatus::Accepted,
            reason: None,
            resolution: None,
            debt: None,
        };
        match check {
            CheckOutcome::Valid => valid.push(i),
            CheckOutcome::Duplicate => outcomes.push(RecordOutcome {
                status: RecordStatus::Duplicate,
                reason: Some("OFFLINE_DUPLICATE_RECORD".into()),
                ..base
            }),
            CheckOutcome::Rejected { error, .. } => {
                match error {
                    OfflineError::BadSignature {}
                    | OfflineError::ChainBroken { .. }
                    | OfflineError::Fork { .. }
                    | OfflineError::HlcRegression { .. } => {
                        alerts.insert(Alert::TamperedLog {
                            device_id: Some(body.device_id),
                            hash: base.hash,
                            code: error.code().into(),
                        });
                    }
                    OfflineError::DeviceRevoked { .. } => {
                        alerts
                            .insert(Alert::RevokedDeviceUsed { device_id: body.device_id, record_id: body.record_id });
                    }
                    _ => {}
                }
                outcomes.push(RecordOutcome { status: RecordStatus::Rejected, reason: code_of(error), ..base });
            }
        }
    }
    state.chains = report.chains;
    // 3. Effects in the total order.
    valid.sort_by(|a, b| total_order(&records[*a], &records[*b]));
    let ordered: Vec<&SignedRecord> = valid.iter().map(|i| &records[*i]).collect();
    let conflicted: BTreeSet<Uuid> = if config.policy == ConflictPolicy::Reject {
        let mut sim = state.clone();
        let mut sim_alerts = BTreeSet::new();
        let mut sink = Vec::new();
        apply_all(&mut sim, &ordered, ConflictPolicy::FirstWins, &BTreeSet::new(), &mut sink, &mut sim_alerts);
        let mut wallets = BTreeSet::new();
        for a in sim_alerts {
            if let Alert::DoubleSpend { wallet_id, .. } = &a {
                wallets.insert(*wallet_id);
                alerts.insert(a);
            }
        }
        wallets
    } else {
        BTreeSet::new()
    };
    let mut applied = Vec::new();
    apply_all(state, &ordered, config.policy, &conflicted, &mut applied, &mut alerts);
    let zero = Money::zero(state.currency);
    let mut totals = MoneyTotals { top_ups: zero, payments: zero, refunds: zero };
    for (rec, effect) in ordered.iter().zip(applied) {
        let body = rec.body();
        let base = RecordOutcome {
            hash: Digest(rec.hash()),
            record_id: Some(body.record_id),
            device_id: Some(body.device_id),
            sequence: Some(body.sequence.to_string()),
            kind: Some(body.kind()),
            status: RecordStatus::Accepted,
            reason: None,
            resolution: None,
            debt: None,
        };
        let accepted = match &effect {
            Applied::Accepted { .. } => true,
            Applied::Conflict { accepted, .. } => *accepted,
            Applied::Rejected(_) => false,
        };
        if accepted {
            let add = |t: &mut Money, m: &Money| *t = t.checked_add(m).unwrap_or(*t);
            match &body.payload {
                Payload::TopUp { amount, .. } => add(&mut totals.top_ups, amount),
                Payload::Payment { amount, .. } => add(&mut totals.payments, amount),
                _ => {}
            }
            if let Applied::Accepted { refund: Some(r) } = &effect {
                add(&mut totals.refunds, r);
            }
        }
        outcomes.push(match effect {
            Applied::Accepted { .. } => base,
            Applied::Rejected(reason) => RecordOutcome { status: RecordStatus::Rejected, reason: Some(reason), ..base },
            Applied::Conflict { resolution, reason, debt, .. } => RecordOutcome {
                status: RecordStatus::Conflict,
                reason: Some(reason),
                resolution: Some(resolution),
                debt,
                ..base
            },
        });
    }
    // Same order as before (device, numeric sequence as (length, digits), hash), without copying
    // the sequence strings on every comparison.
    outcomes.sort_by(|a, b| {
        fn key(o: &RecordOutcome) -> (Option<Uuid>, Option<(usize, &str)>, Digest) {
            (o.device_id, o.sequence.as_deref().map(|s| (s.len(), s)), o.hash)
        }
        key(a).cmp(&key(b))
    });
    let mut counts = Counts::default();
    for o in &outcomes {
        match (o.status, o.resolution) {
            (RecordStatus::Accepted, _) => counts.accepted += 1,
            (RecordStatus::Duplicate, _) => counts.duplicate += 1,
            (RecordStatus::Rejected, _) => counts.rejected += 1,
            (RecordStatus::Conflict, r) => {
                counts.conflict += 1;
                if matches!(r, Some(Resolution::AcceptedWithDebt | Resolution::AcceptedFlagged)) {
                    counts.accepted += 1;
                }
            }
        }
    }
    let balances: BTreeMap<Uuid, Balances> = state.wallets.iter().map(|(id, w)| (*id, w.balances())).collect();
    let debts = balances.iter().filter(|(_, b)| b.debt.is_positive()).map(|(id, b)| (*id, b.debt)).collect();
    let blocked_wallets = state
        .wallets
        .iter()
        .filter(|(_, w)| w.status() != crate::wallet::WalletStatus::Active)
        .map(|(id, _)| *id)
        .collect();
    // Conservation is an invariant of the wallet engine; state it where it is cheap to check.
    debug_assert_eq!(
        before_total
            .checked_add(&totals.top_ups)
            .and_then(|t| t.checked_sub(&totals.payments))
            .and_then(|t| t.checked_add(&totals.refunds))
            .ok(),
        Some(state.total_balance())
    );
    Ok(ReconcileReport {
        records: outcomes,
        counts,
        alerts: alerts.into_iter().collect(),
        balances,
        debts,
        blocked_wallets,
        totals,
    })
}

fn wallet_items(payload_items: &[super::record::LineItem], amount: Money) -> Vec<WalletLineItem> {
    if payload_items.is_empty() {
        return vec![WalletLineItem { sku: "offline".into(), quantity: 1, unit_price: amount }];
    }
    payload_items
        .iter()
        .map(|i| WalletLineItem { sku: i.product_id.to_string(), quantity: i.quantity, unit_price: i.unit_price })
        .collect()
}

fn apply_all(
    state: &mut ReconcileState,
    ordered: &[&SignedRecord],
    policy: ConflictPolicy,
    conflicted: &BTreeSet<Uuid>,
    out: &mut Vec<Applied>,
    alerts: &mut BTreeSet<Alert>,
) {
    for rec in ordered {
        let effect = apply_one(state, rec, policy, conflicted, alerts);
        out.push(effect);
    }
}

fn apply_one(
    state: &mut ReconcileState,
    rec: &SignedRecord,
    policy: ConflictPolicy,
    conflicted: &BTreeSet<Uuid>,
    alerts: &mut BTreeSet<Alert>,
) -> Applied {
    let body = rec.body();
    let (record_id, device_id, at) = (body.record_id, body.device_id, body.device_time);
    if state.records.contains_key(&record_id) {
        return Applied::Rejected("RECONCILE_RECORD_ID_REUSED".into());
    }
    let currency = state.currency;
    let check_currency = |m: &Money| {
        if m.currency() != currency {
            Err(OfflineError::ReconcileCurrencyMismatch {
                expected: currency.to_string(),
                actual: m.currency().to_string(),
            })
        } else {
            Ok(())
        }
    };
    let remember = |state: &mut ReconcileState, wallet_id: Option<Uuid>, scan: Option<(Uuid, Direction)>| {
        state
            .records
            .insert(record_id, AcceptedRecord { device_id, kind: body.kind(), wallet_id, scan, voided: false });
    };
    match &body.payload {
        Payload::TopUp { wallet_id, amount } => {
            if let Err(e) = check_currency(amount) {
                return Applied::Rejected(e.code().into());
            }
            let Some(w) = state.wallets.get_mut(wallet_id) else {
                return Applied::Rejected("RECONCILE_UNKNOWN_WALLET".into());
            };
            let op = Operation::TopUp { amount: *amount, method: TopUpMethod::Cash };
            match w.apply(Entry::new(record_id, at, op)) {
                Ok(o) if o.replayed => Applied::Rejected("RECONCILE_RECORD_ID_REUSED".into()),
                Ok(_) => {
                    remember(state, Some(*wallet_id), None);
                    Applied::Accepted { refund: None }
                }
                Err(e) => Applied::Rejected(e.code().into()),
            }
        }
        Payload::Payment { wallet_id, amount, stand_id, items } => {
            if let Err(e) = check_currency(amount) {
                return Applied::Rejected(e.code().into());
            }
            let Some(w) = state.wallets.get_mut(wallet_id) else {
                return Applied::Rejected("RECONCILE_UNKNOWN_WALLET".into());
            };
            if conflicted.contains(wallet_id) {
                return Applied::Conflict {
                    resolution: Resolution::RejectedAll,
                    reason: "RECONCILE_DOUBLE_SPEND".into(),
                    debt: None,
                    accepted: false,
                };
            }
            let allow_debt = policy == ConflictPolicy::AcceptWithDebt;
            let op = Operation::Payment {
                stand_id: *stand_id,
                device_id: Some(device_id),
                items: wallet_items(items, *amount),
                allow_debt,
            };
            let spendable = w.spendable(at);
            match w.apply(Entry::new(record_id, at, op)) {
                Ok(o) if o.replayed => Applied::Rejected("RECONCILE_RECORD_ID_REUSED".into()),
                Ok(o) => {
                    remember(state, Some(*wallet_id), None);
                    if o.debt_delta.is_positive() {
                        alerts.insert(Alert::DoubleSpend {
                            wallet_id: *wallet_id,
                            record_id,
                            device_id,
                            shortfall: o.debt_delta.amount_string(),
                        });
                        Applied::Conflict {
                            resolution: Resolution::AcceptedWithDebt,
                            reason: "RECONCILE_DOUBLE_SPEND".into(),
                            debt: Some(o.debt_delta),
                            accepted: true,
                        }
                    } else {
                        Applied::Accepted { refund: None }
                    }
                }
                Err(crate::wallet::WalletError::InsufficientFunds { .. }) => {
                    let shortfall = amount.checked_sub(&spendable).map(|m| m.amount_string()).unwrap_or_default();
                    alerts.insert(Alert::DoubleSpend { wallet_id: *wallet_id, record_id, device_id, shortfall });
                    Applied::Conflict {
                        resolution: Resolution::RejectedLater,
                        reason: "RECONCILE_DOUBLE_SPEND".into(),
                        debt: None,
                        accepted: false,
                    }
                }
                Err(e) => Applied::Rejected(e.code().into()),
            }
        }
        Payload::Refund { wallet_id, amount, original_record_id } => {
            if let Err(e) = check_currency(amount) {
                return Applied::Rejected(e.code().into());
            }
            match state.records.get(original_record_id) {
                Some(orig)
                    if orig.kind == RecordKind::Payment && orig.wallet_id == Some(*wallet_id) && !orig.voided => {}
                _ => return Applied::Rejected("RECONCILE_INVALID_REFERENCE".into()),
            }
            let Some(w) = state.wallets.get_mut(wallet_id) else {
                return Applied::Rejected("RECONCILE_UNKNOWN_WALLET".into());
            };
            let op = Operation::Refund {
                payment_id: *original_record_id,
                amount: *amount,
                reason: Some("offline refund".into()),
            };
            match w.apply(Entry::new(record_id, at, op)) {
                Ok(o) if o.replayed => Applied::Rejected("RECONCILE_RECORD_ID_REUSED".into()),
                Ok(_) => {
                    remember(state, Some(*wallet_id), None);
                    Applied::Accepted { refund: Some(*amount) }
                }
                Err(e) => Applied::Rejected(e.code().into()),
            }
        }
        Payload::Scan { ticket_id, direction, .. } => {
            let Some(t) = state.tickets.get(ticket_id).copied() else {
                return Applied::Rejected("RECONCILE_UNKNOWN_TICKET".into());
            };
            if t.revoked {
                return Applied::Rejected("RECONCILE_TICKET_REVOKED".into());
            }
            let mut conflict = None;
            if *direction == Direction::In && t.inside {
                alerts.insert(Alert::DoubleAdmission { ticket_id: *ticket_id, record_id, device_id });
                if policy == ConflictPolicy::AcceptWithDebt {
                    conflict = Some(Resolution::AcceptedFlagged);
                } else {
                    return Applied::Conflict {
                        resolution: Resolution::RejectedLater,
                        reason: "RECONCILE_DOUBLE_ADMISSION".into(),
                        debt: None,
                        accepted: false,
                    };
                }
            }
            if let Some(ts) = state.tickets.get_mut(ticket_id) {
                ts.inside = *direction == Direction::In;
            }
            remember(state, None, Some((*ticket_id, *direction)));
            match conflict {
                Some(resolution) => Applied::Conflict {
                    resolution,
                    reason: "RECONCILE_DOUBLE_ADMISSION".into(),
                    debt: None,
                    accepted: true,
                },
                None => Applied::Accepted { refund: None },
            }
        }
        Payload::Void { voided_record_id } => {
            let target = match state.records.get(voided_record_id) {
                Some(t) if t.device_id == device_id && !t.voided => t.clone(),
                _ => return Applied::Rejected("RECONCILE_INVALID_REFERENCE".into()),
            };
            let mut refund = None;
            match (target.kind, target.wallet_id, target.scan) {
                (RecordKind::Payment, Some(wallet_id), _) => {
                    let Some(w) = state.wallets.get_mut(&wallet_id) else {
                        return Applied::Rejected("RECONCILE_UNKNOWN_WALLET".into());
                    };
                    let remaining = w.refundable_on_payment(*voided_record_id).unwrap_or(Money::zero(currency));
                    if remaining.is_positive() {
                        let op = Operation::Refund {
                            payment_id: *voided_record_id,
                            amount: remaining,
                            reason: Some("offline void".into()),
                        };
                        match w.apply(Entry::new(record_id, at, op)) {
                            Ok(o) if o.replayed => return Applied::Rejected("RECONCILE_RECORD_ID_REUSED".into()),
                            Ok(_) => refund = Some(remaining),
                            Err(e) => return Applied::Rejected(e.code().into()),
                        }
                    }
                }
                (RecordKind::Scan, _, Some((ticket_id, direction))) => {
                    if let Some(ts) = state.tickets.get_mut(&ticket_id) {
                        ts.inside = direction == Direction::Out;
                    }
                }
                _ => return Applied::Rejected("RECONCILE_INVALID_REFERENCE".into()),
            }
            if let Some(t) = state.records.get_mut(voided_record_id) {
                t.voided = true;
            }
            remember(state, target.wallet_id, None);
            Applied::Accepted { refund }
        }
    }
}
