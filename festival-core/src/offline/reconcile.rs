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
//!    grouping) and walks each device's log ([`super::chain::verify_chain`]): replays are
//!    `duplicate`; bad signatures, broken chains, forks, wrong festival, revoked / out-of-window /
//!    out-of-role devices are `rejected` with their code (permanent, and a record that is not part
//!    of this device's log for this festival never touches the chain); a record whose device is
//!    not registered yet, whose predecessors are missing (`OFFLINE_SEQUENCE_GAP`) or whose clock is
//!    ahead of the server (`OFFLINE_CLOCK_SKEW`) is **pending**: kept in the state (at most
//!    [`MAX_PENDING_PER_DEVICE`] per device) and re-checked by every later call, so it is applied
//!    as soon as the cause goes away. Resubmitting it is never a "duplicate of a rejection";
//! 3. orders every decided record by the total order (HLC, device id, sequence, bytes) and
//!    evaluates each wallet's and each ticket's records in that order: top-ups, payments (with
//!    line items), refunds, voids (of the device's own payments and scans) on wallets, scans on
//!    ticket admission states;
//! 4. resolves conflicts with the configured [`ConflictPolicy`]:
//!    - `first_wins`: in the total order, the first record wins; an offline payment the wallet
//!      can no longer cover, or a second entry of a ticket already inside, is a conflict
//!      resolved by rejecting it;
//!    - `accept_with_debt`: the payment is accepted anyway, the shortfall becomes the wallet's
//!      debt and the wallet is blocked (the wallet module's `allow_debt`); a double admission is
//!      accepted and flagged;
//!    - `reject`: every offline payment of a wallet that has a double spend is rejected (nobody
//!      wins; the operator decides), double admissions are rejected.
//!
//! # The merge model: what a caller may rely on
//!
//! - **The state is a function of the set of records.** After any sequence of [`reconcile`]
//!   calls — any split of the records into calls, any order of calls, any duplicates — the
//!   balances, debts, blocks, ticket states and per-record outcomes equal those of one call with
//!   all the records (a proptest checks it: `any_split_into_separate_syncs_gives_the_state_of_one_call`).
//!   A late record that lands before already-decided records of the same wallet or ticket
//!   re-evaluates that wallet's / ticket's suffix only.
//! - **Nothing changes silently.** Every earlier outcome a call changes is listed in
//!   [`ReconcileReport::revisions`] (record, old and new verdict, money effect), so a service can
//!   notify a stand or a customer.
//! - **Finality.** [`Finality`] moves a watermark forward (the later of `now - max_offline_ms`
//!   and, with `all_devices_synced`, the oldest HLC time every valid registered device has synced
//!   past). Records ordered before the watermark are **final**: never revised again, and they
//!   leave the merge log (their effect stays in the wallets and tickets, their id stays known so
//!   a replay is a duplicate). A record that arrives later and would be ordered before the
//!   watermark is evaluated **at the watermark**: after every final record, so it can never change
//!   a final outcome; if the money is no longer there it becomes the conflict (or the debt, under
//!   `accept_with_debt`). Without finality nothing is ever final and the state keeps every
//!   record's decision.
//! - **Lost gaps are an explicit decision.** [`ReconcileState::declare_lost`] records a range of
//!   a device's sequences as lost, with a reason and a time; the device's later records are then
//!   processed, and a lost record that turns up afterwards is rejected as
//!   `OFFLINE_DECLARED_LOST`.
//! - **Persistence.** [`ReconcileState`] serializes with [`STATE_FORMAT_VERSION`] (5); a state
//!   of format 2, 3 or 4 loads as it is, one of format 1 with every record final; any other
//!   version is refused with `RECONCILE_INVALID_STATE`.
//! - **Catalog payments are priced as the online POS prices them.** A payment a device priced
//!   with a product catalog (record version 4, [`super::record::CatalogSale`]) is applied with
//!   [`Wallet::apply_with_catalog`] against the catalog the server published for that version
//!   ([`ReconcileState::publish_catalog`]): a tampered price, kind or deposit is rejected with
//!   its `CATALOG_*` code, a product above the wallet's age class with `CATALOG_AGE_RESTRICTED`;
//!   deposit lines become deposit liability and voucher lines use the wallet's vouchers. A
//!   version the server has not published yet is `RECONCILE_UNKNOWN_CATALOG` until it is
//!   published, then revised.
//! - **Scan facts are decided as the gate decides** (see [`ScanFactOutcome`]): with the zone's
//!   check-in policy, the ticket's attributes ([`TicketState::attributes`]), presence per zone
//!   ([`ReconcileConfig::per_zone_presence`]) and the revocation lists the server published
//!   ([`ReconcileState::publish_revocation_list`]); a void of an entry, final or not, uncounts it.
//! - **Compact state.** Final records are kept as a packed index ([`FinalRecords`]: for refunds,
//!   voids and id uniqueness) and each device's chain as runs of hashes
//!   ([`ChainHistory`](super::chain::ChainHistory): replays vs forks). With
//!   [`Finality::compact_ledgers`] each wallet also folds its final entries into its base
//!   ([`Wallet::compact`]): about 120 bytes of state per accepted record instead of about 1.2 KiB,
//!   with identical outcomes (proptest `compacting_final_ledgers_changes_no_outcome`).
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
//!         wallet_id, amount: Money::parse("8", eur)?, stand_id: stand, items: vec![], catalog: None })?;
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

use super::ack::{IssuedAck, SignedAck, SyncAck};
use super::allowance::{Allowance, AllowanceBook, ExposureReport, SignedAllowance, WalletExposure};
use super::chain::{
    verify_chain_impl, ChainConfig, CheckOutcome, DeviceChain, LostRange, RevocationCut, SignatureVerifier,
};
use super::exec::{Exec, Sequential};
pub use super::finals::FinalRecords;
use super::merge::{
    apply_ticket_effect, effect, eval_ticket, eval_wallet, wallet_without, Ctx, Decision, Fact, Logged, MergeLog,
    OrderKey, PendingRecord, Subject, TicketRules, KEY_MIN,
};
use super::record::{total_order, Batch, Digest, Direction, Hlc, Payload, RecordKind, SignedRecord};
use super::registry::DeviceRegistry;
use super::wire::sha256;
use super::OfflineError;
use crate::error::ErrorCode;
use crate::money::{Currency, Money};
use crate::wallet::{Balances, Wallet};
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
    /// When outcomes become final (default: never).
    #[serde(default)]
    pub finality: Finality,
    /// Track presence per zone, as the gate's [`AccessControl`](crate::access::AccessControl)
    /// does: a scan fact's entry into zone B is a double admission only if the ticket is inside B
    /// (not merely inside zone A), an exit needs the ticket inside that zone, and an admitted
    /// entry leaves the zones its check-in policy's `leaves_zones` lists ("entering the stage
    /// front leaves the arena", reported in [`ScanFactOutcome::left_zones`]). The zones a ticket
    /// is inside are [`TicketState::zones`]; `inside` then says whether it is inside any. Old-style
    /// scans (without the gate's decision) keep the one `inside` flag. Default: off (one flag per
    /// ticket, as before). Use the same setting for every call on a state.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub per_zone_presence: bool,
}

/// When outcomes become final: records ordered before the *finality watermark* are never revised
/// again. The watermark only moves forward; it is the latest of the enabled rules' times (none
/// enabled: nothing becomes final and the state keeps every record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Finality {
    /// `now - max_offline_ms`: devices never stay offline longer than this (their limits say so),
    /// so nothing older can still arrive in the normal course.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_offline_ms: Option<i64>,
    /// The oldest HLC time up to which every registered, not revoked device that is valid at `now`
    /// has synced (its last chained record); no watermark while any such device has not synced.
    #[serde(default)]
    pub all_devices_synced: bool,
    /// Fold the final entries of each wallet into the wallet's base ([`Wallet::compact`]) as they
    /// become final, so the state keeps balances and refund records instead of every entry: what
    /// a 100,000-person festival's server needs to stay within memory. Store the reports (they
    /// carry every record's outcome) if you need the entries; `wallets[id].ledger()` then holds
    /// only the non-final ones. Default: off (every entry is kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compact_ledgers: bool,
}

/// Admission state of a ticket.
///
/// The last three fields matter for scan facts (scans signed with the gate's decision) in zones
/// with a check-in policy ([`ReconcileState::set_checkin_policy`]); they are left out of the JSON
/// when empty, so states without them are byte-identical.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketState {
    /// Whether the ticket is currently inside.
    #[serde(default)]
    pub inside: bool,
    /// Whether the server has revoked it (scans are rejected).
    #[serde(default)]
    pub revoked: bool,
    /// The ticket's type, for the policies' ticket types and the `product` rule variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_type_id: Option<Uuid>,
    /// Whether its order is pending (unpaid).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// Admitted entries of scan facts per check-in policy id (the evaluator's history).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entries: BTreeMap<String, Vec<Timestamp>>,
    /// With [`ReconcileConfig::per_zone_presence`]: the zones (UUIDs) the ticket is inside.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub zones: BTreeSet<Uuid>,
    /// Ticket attributes for the check-in policies' rules (`attributes.<name>`), as the gates
    /// have them in their ticket data, so the server evaluates the same rule the same way.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, crate::access::policy::AttributeValue>,
}

/// A revocation list version as the server published it to the gates: its version, when it was
/// published (the server's time) and every ticket it revokes (lists are cumulative, as the signed
/// [`RevocationList`](super::codes::RevocationList)s are). See
/// [`ReconcileState::publish_revocation_list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedRevocationList {
    /// The list version.
    #[serde(with = "super::record::u64_string")]
    pub version: u64,
    /// When the server published it.
    pub published_at: Timestamp,
    /// The tickets it revokes, ascending, without repeats.
    #[serde(default)]
    pub revoked_tickets: Vec<Uuid>,
}

impl PublishedRevocationList {
    /// Whether this list revokes `ticket_id`.
    pub fn revokes(&self, ticket_id: &Uuid) -> bool {
        self.revoked_tickets.binary_search(ticket_id).is_ok()
    }
}

/// Why a scan fact's revocation list was stale: the gate used `gate_version`, but version
/// `current_version`, published at `published_at` (before the scan), already revoked the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleRevocationList {
    /// The revocation-list version the gate had installed.
    #[serde(with = "super::record::u64_string")]
    pub gate_version: u64,
    /// The newest version published before the scan (it revokes the ticket).
    #[serde(with = "super::record::u64_string")]
    pub current_version: u64,
    /// When that version was published.
    pub published_at: Timestamp,
}

/// What the server remembers of a final accepted record (for refunds, voids and id uniqueness).
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
    /// For a scan fact: its zone (a later void leaves or re-enters it under per-zone presence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<Uuid>,
    /// For an admitted scan-fact entry: its time, so that a later void of the (final) entry
    /// uncounts it on the check-in policies (entries in total, per day, days, last entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_at: Option<Timestamp>,
}

/// Current format version of a serialized [`ReconcileState`].
pub const STATE_FORMAT_VERSION: u32 = 5;

/// The most records of one device that may wait (pending) at a time; more are rejected with
/// `OFFLINE_PENDING_LIMIT` (the device re-exports them once the gap is filled).
pub const MAX_PENDING_PER_DEVICE: usize = 100_000;

/// The server state that reconciliation reads and updates: a function of the set of records
/// reconciled so far (see the module documentation).
///
/// Serialized (serde) with `format_version` 5: format 4 plus published product catalogs and
/// catalog payments in the merge log (left out when unused); format 4 is format 3 plus per-zone
/// presence and attributes on tickets, published revocation lists, and the zone and entry time
/// of final scan facts; format 3 is format 2 plus wallets that may carry a compacted base
/// ([`Finality::compact_ledgers`]). States of format 2, 3 and 4 load as they are; one of format 1 (no
/// `format_version`, as written before the merge model) loads with every record it had accepted
/// final. Any other version fails with `RECONCILE_INVALID_STATE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StateRepr")]
pub struct ReconcileState {
    /// Format version of the serialized state ([`STATE_FORMAT_VERSION`]).
    pub format_version: u32,
    /// The festival.
    pub festival_id: Uuid,
    /// Its currency.
    pub currency: Currency,
    /// Wallets by id, with every accepted offline record applied (server entries first, then the
    /// final records, then the non-final ones in the total order).
    #[serde(default)]
    pub wallets: BTreeMap<Uuid, Wallet>,
    /// Ticket admission states by ticket id (set a ticket with [`ReconcileState::set_ticket`]).
    #[serde(default)]
    pub tickets: BTreeMap<Uuid, TicketState>,
    /// Each device's chain position.
    #[serde(default)]
    pub chains: BTreeMap<Uuid, DeviceChain>,
    /// Final accepted records by record id (non-final ones live in the merge log).
    #[serde(default)]
    pub records: FinalRecords,
    /// Offline allowances issued and what chained payments used of them (see
    /// [`super::allowance`]).
    #[serde(default)]
    pub allowances: AllowanceBook,
    /// Check-in policies by id, for scan facts (the zone of an offline scan is matched by its
    /// UUID text, `00000000-0000-…`, against the policies' `zones`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checkin_policies: BTreeMap<String, crate::access::policy::CheckinPolicy>,
    /// Revocation lists the server published, by version (see
    /// [`ReconcileState::publish_revocation_list`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", with = "revocation_lists_as_list")]
    pub revocation_lists: BTreeMap<u64, PublishedRevocationList>,
    /// Product catalogs the server published, by version (see [`ReconcileState::publish_catalog`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", with = "catalogs_as_list")]
    pub catalogs: BTreeMap<u32, crate::catalog::Catalog>,
    /// The merge log: non-final records and their decisions, pending records, the watermark.
    #[serde(default)]
    merge: MergeLog,
}

#[derive(Deserialize)]
struct StateRepr {
    #[serde(default)]
    format_version: Option<u32>,
    festival_id: Uuid,
    currency: Currency,
    #[serde(default)]
    wallets: BTreeMap<Uuid, Wallet>,
    #[serde(default)]
    tickets: BTreeMap<Uuid, TicketState>,
    #[serde(default)]
    chains: BTreeMap<Uuid, DeviceChain>,
    #[serde(default)]
    records: FinalRecords,
    #[serde(default)]
    allowances: AllowanceBook,
    #[serde(default)]
    checkin_policies: BTreeMap<String, crate::access::policy::CheckinPolicy>,
    #[serde(default, with = "revocation_lists_as_list")]
    revocation_lists: BTreeMap<u64, PublishedRevocationList>,
    #[serde(default, with = "catalogs_as_list")]
    catalogs: BTreeMap<u32, crate::catalog::Catalog>,
    #[serde(default)]
    merge: MergeLog,
}

/// Published catalogs serialize as a list ascending by version (the keys are derived).
mod catalogs_as_list {
    use crate::catalog::Catalog;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;
    pub fn serialize<S: Serializer>(v: &BTreeMap<u32, Catalog>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.values())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, Catalog>, D::Error> {
        let mut map = BTreeMap::new();
        for c in Vec::<Catalog>::deserialize(d)? {
            if map.insert(c.version(), c).is_some() {
                return Err(serde::de::Error::custom("a catalog version appears twice"));
            }
        }
        Ok(map)
    }
}

/// Published revocation lists serialize as a list ascending by version (the keys are derived).
mod revocation_lists_as_list {
    use super::PublishedRevocationList;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;
    pub fn serialize<S: Serializer>(v: &BTreeMap<u64, PublishedRevocationList>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.values())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u64, PublishedRevocationList>, D::Error> {
        let mut map = BTreeMap::new();
        for l in Vec::<PublishedRevocationList>::deserialize(d)? {
            if let Err(e) = super::check_revocation_list(&map, &l) {
                return Err(serde::de::Error::custom(e));
            }
            map.insert(l.version, l);
        }
        Ok(map)
    }
}

/// The rules of [`ReconcileState::publish_revocation_list`] for `l` against the lists published.
fn check_revocation_list(
    published: &BTreeMap<u64, PublishedRevocationList>,
    l: &PublishedRevocationList,
) -> Result<(), OfflineError> {
    let bad = |reason: String| Err(OfflineError::ReconcileInvalidState { reason });
    if !l.revoked_tickets.windows(2).all(|w| w[0] < w[1]) {
        return bad(format!("revocation list {}: revoked tickets must be ascending without repeats", l.version));
    }
    if let Some(same) = published.get(&l.version) {
        if same != l {
            return bad(format!("revocation list {} is published already with other content", l.version));
        }
    }
    let older_later = published.range(..l.version).any(|(_, o)| o.published_at > l.published_at);
    let newer_earlier = published.range(l.version.saturating_add(1)..).any(|(_, n)| n.published_at < l.published_at);
    if older_later || newer_earlier {
        return bad(format!("revocation list {}: versions must be published in order of their times", l.version));
    }
    Ok(())
}

impl TryFrom<StateRepr> for ReconcileState {
    type Error = OfflineError;
    fn try_from(r: StateRepr) -> Result<Self, OfflineError> {
        let version = r.format_version.unwrap_or(1);
        if !(1..=STATE_FORMAT_VERSION).contains(&version) {
            return Err(OfflineError::ReconcileInvalidState {
                reason: format!(
                    "state format version {version} is not supported (this library reads 1 to {STATE_FORMAT_VERSION})"
                ),
            });
        }
        if version == 1 && r.merge != MergeLog::default() {
            return Err(OfflineError::ReconcileInvalidState { reason: "a format 1 state has no merge log".into() });
        }
        let mut merge = r.merge;
        merge.rebuild();
        let state = ReconcileState {
            format_version: STATE_FORMAT_VERSION,
            festival_id: r.festival_id,
            currency: r.currency,
            wallets: r.wallets,
            tickets: r.tickets,
            chains: r.chains,
            records: r.records,
            allowances: r.allowances,
            checkin_policies: r.checkin_policies,
            revocation_lists: r.revocation_lists,
            catalogs: r.catalogs,
            merge,
        };
        // Every wallet belongs to this festival and currency (as `add_wallet` checks), and so
        // does every catalog (as `publish_catalog` checks).
        for w in state.wallets.values() {
            state.check_wallet(w)?;
        }
        for c in state.catalogs.values() {
            state.check_catalog(c)?;
        }
        Ok(state)
    }
}

impl ReconcileState {
    /// An empty state.
    pub fn new(festival_id: Uuid, currency: Currency) -> Self {
        ReconcileState {
            format_version: STATE_FORMAT_VERSION,
            festival_id,
            currency,
            wallets: BTreeMap::new(),
            tickets: BTreeMap::new(),
            chains: BTreeMap::new(),
            records: FinalRecords::default(),
            allowances: AllowanceBook::default(),
            checkin_policies: BTreeMap::new(),
            revocation_lists: BTreeMap::new(),
            catalogs: BTreeMap::new(),
            merge: MergeLog::default(),
        }
    }

    /// Sets (or replaces) a check-in policy for the reconciliation of scan facts: the same
    /// evaluator the gates run ([`crate::access::policy`]) re-decides every scan fact in its
    /// zones with the server's knowledge, and an entry the gate admitted that the server would
    /// have denied is reported `admitted_in_error` (it still counts: the person is inside).
    /// Scans of its zones that are not final yet are folded again by the next call.
    pub fn set_checkin_policy(&mut self, policy: crate::access::policy::CheckinPolicy) {
        self.refold_scan_facts();
        self.checkin_policies.insert(policy.id().to_string(), policy);
    }

    /// Tickets with a non-final scan fact are folded again by the next call.
    fn refold_scan_facts(&mut self) {
        let ids: BTreeSet<Uuid> = self
            .merge
            .log
            .values()
            .filter_map(|l| match &l.fact {
                Fact::Scan { ticket_id, gate: Some(_), .. } => Some(*ticket_id),
                _ => None,
            })
            .collect();
        for t in ids {
            self.merge.dirty.insert(Subject::Ticket(t));
        }
    }

    /// Records that the server published revocation list `version` at `published_at` (the
    /// server's time) revoking `revoked_tickets` (every ticket revoked as of that version; sorted
    /// and deduplicated here). Reconciliation then compares each scan fact's revocation-list
    /// version with this history: an entry the gate admitted with a list older than the newest one
    /// published at or before the scan, which revokes the ticket (and the gate's list did not),
    /// is `admitted_in_error` with `RECONCILE_STALE_REVOCATION_LIST`, and the report's
    /// [`ScanFactOutcome::stale_revocation_list`] names both versions. Scans with the current list
    /// are decided as before. Non-final scan facts are folded again by the next call.
    ///
    /// The scan's time is the gate's clock (bounded by the chain's clock-skew checks): a gate set
    /// back in time can hide that its list was stale, never make a current list look stale.
    ///
    /// Errors (`RECONCILE_INVALID_STATE`, nothing changes): the version is published already with
    /// other tickets or time, or versions and publication times are not in the same order.
    pub fn publish_revocation_list(
        &mut self,
        version: u64,
        published_at: Timestamp,
        mut revoked_tickets: Vec<Uuid>,
    ) -> Result<(), OfflineError> {
        revoked_tickets.sort_unstable();
        revoked_tickets.dedup();
        let list = PublishedRevocationList { version, published_at, revoked_tickets };
        check_revocation_list(&self.revocation_lists, &list)?;
        self.revocation_lists.insert(version, list);
        self.refold_scan_facts();
        Ok(())
    }

    /// Publishes a product catalog for the reconciliation of catalog payments (records that
    /// name the catalog version the device priced them with, [`super::record::CatalogSale`]).
    /// Each such payment is checked against the published catalog of its version, with the
    /// wallet's age class, as an online POS checks it ([`Wallet::apply_with_catalog`]): a line
    /// whose price, kind, voucher price or deposit differs from the catalog is rejected with its
    /// `CATALOG_*` code (`CATALOG_PRICE_MISMATCH` for a tampered price), a product above the
    /// wallet's age class with `CATALOG_AGE_RESTRICTED`. A payment naming a version that is not
    /// published is rejected with `RECONCILE_UNKNOWN_CATALOG` until it is: publishing the version
    /// folds the wallets of such payments again in the next call, and their outcomes change as
    /// revisions (like a wallet added late). A payment that becomes final first stays rejected.
    ///
    /// Errors (`RECONCILE_INVALID_STATE`, nothing changes): the catalog is of another festival or
    /// currency, or its version is published already with other content (publishing the same
    /// catalog again changes nothing).
    pub fn publish_catalog(&mut self, catalog: crate::catalog::Catalog) -> Result<(), OfflineError> {
        self.check_catalog(&catalog)?;
        let version = catalog.version();
        if let Some(same) = self.catalogs.get(&version) {
            if *same != catalog {
                return Err(OfflineError::ReconcileInvalidState {
                    reason: format!("catalog version {version} is published already with other content"),
                });
            }
            return Ok(());
        }
        self.catalogs.insert(version, catalog);
        let ids: BTreeSet<Uuid> = self
            .merge
            .log
            .values()
            .filter_map(|l| match &l.fact {
                Fact::Payment { wallet_id, catalog: Some(sale), .. } if sale.version == version => Some(*wallet_id),
                Fact::DepositReturn { wallet_id, catalog_version, .. } if *catalog_version == version => {
                    Some(*wallet_id)
                }
                _ => None,
            })
            .collect();
        for w in ids {
            self.merge.dirty.insert(Subject::Wallet(w));
        }
        Ok(())
    }

    fn check_catalog(&self, c: &crate::catalog::Catalog) -> Result<(), OfflineError> {
        if c.festival_id() != self.festival_id || c.currency() != self.currency {
            return Err(OfflineError::ReconcileInvalidState {
                reason: format!(
                    "catalog version {} is of festival {} in {}, the state is of festival {} in {}",
                    c.version(),
                    c.festival_id(),
                    c.currency(),
                    self.festival_id,
                    self.currency
                ),
            });
        }
        Ok(())
    }

    /// Adds (or replaces) a wallet; errors if its festival or currency differ
    /// (`RECONCILE_INVALID_STATE`). Its entries count as server entries, before every non-final
    /// offline record of the wallet, which the next [`reconcile`] call folds onto it again
    /// (records that named the wallet before it was known are then decided, as revisions).
    pub fn add_wallet(&mut self, wallet: Wallet) -> Result<(), OfflineError> {
        self.check_wallet(&wallet)?;
        let id = wallet.id();
        self.wallets.insert(id, wallet);
        if self.merge.first_key(Subject::Wallet(id)).is_some() {
            self.merge.dirty.insert(Subject::Wallet(id));
        }
        Ok(())
    }

    /// Sets a ticket as the server knows it (inside, revoked, its type, a pending order, the zones
    /// it is inside, its attributes for the check-in rules). If offline scans of the ticket are
    /// not final yet, this is their new base: the next [`reconcile`] call folds them onto it
    /// again (a scan of a ticket revoked since is then rejected, as a revision).
    pub fn set_ticket(&mut self, ticket_id: Uuid, ticket: TicketState) {
        let subject = Subject::Ticket(ticket_id);
        if self.merge.first_key(subject).is_some() {
            self.merge.ticket_bases.insert(ticket_id, ticket);
            self.merge.dirty.insert(subject);
        } else {
            self.tickets.insert(ticket_id, ticket);
        }
    }

    /// Declares the records `last chained sequence + 1 ..= through` of a device lost: an explicit,
    /// recorded operator decision (kept in the device's chain with `reason` and `decided_at`). The
    /// device's later records are then processed by the next [`reconcile`] call (pending ones
    /// included: call it with no batches); a lost record that turns up afterwards is rejected as
    /// `OFFLINE_DECLARED_LOST`. Errors (`RECONCILE_INVALID_STATE`) if nothing lies in the range.
    pub fn declare_lost(
        &mut self,
        device_id: Uuid,
        through: u64,
        reason: &str,
        decided_at: Timestamp,
    ) -> Result<LostRange, OfflineError> {
        let chain = self.chains.entry(device_id).or_default();
        let from = chain.last_sequence.saturating_add(1);
        if through < from || through == u64::MAX {
            return Err(OfflineError::ReconcileInvalidState {
                reason: format!(
                    "device {device_id} has records up to {} already; nothing to declare lost up to {through}",
                    chain.last_sequence
                ),
            });
        }
        let range = LostRange { from, through, reason: reason.to_string(), decided_at };
        chain.last_sequence = through;
        chain.lost.push(range.clone());
        Ok(range)
    }

    /// Revokes a device by sequence: every record of it after the last sequence the server has
    /// chained now is rejected as `OFFLINE_DEVICE_REVOKED` (with the `revoked_device_used` alert),
    /// **whatever its device time**, so backdating records to before the revocation does not
    /// help a thief (the registry's `revoked_at` alone judges by the record's own, forgeable,
    /// date). Records it sent before stay as they are. Recorded in the device's chain with
    /// `reason` and `revoked_at`. Errors (`RECONCILE_INVALID_STATE`) if the device is revoked
    /// already.
    ///
    /// Residual risk: records signed *before* the revocation but not yet synced are rejected too
    /// (the server cannot tell them from later ones without a server-signed acknowledgement);
    /// what a thief can spend between the device's last sync and the revocation is bounded by the
    /// device's offline limits.
    pub fn revoke_device(
        &mut self,
        device_id: Uuid,
        reason: &str,
        revoked_at: Timestamp,
    ) -> Result<RevocationCut, OfflineError> {
        let chain = self.chains.entry(device_id).or_default();
        if let Some(cut) = &chain.revoked_after {
            return Err(OfflineError::ReconcileInvalidState {
                reason: format!("device {device_id} is revoked already (after sequence {})", cut.sequence),
            });
        }
        let cut =
            RevocationCut { sequence: chain.last_sequence, reason: reason.to_string(), revoked_at, accepted: None };
        chain.revoked_after = Some(cut.clone());
        Ok(cut)
    }

    /// Issues the server-signed acknowledgement of a device's log after a sync (see
    /// [`super::ack`]): the last sequence chained so far, its hash and `server_time`, signed with
    /// the server's acknowledgement seed, and remembered so that records anchored to it are
    /// recognised. Give it to the device, which accepts it with
    /// [`DeviceLog::accept_ack`](super::device::DeviceLog::accept_ack).
    ///
    /// Errors: `OFFLINE_UNKNOWN_DEVICE`, `OFFLINE_WRONG_FESTIVAL`, `OFFLINE_DEVICE_REVOKED` (by the
    /// registry at `server_time` or by [`ReconcileState::revoke_device`]),
    /// `OFFLINE_DEVICE_OUTSIDE_WINDOW` (`server_time` outside the device's window: no
    /// acknowledgement may anchor records past it), `RECONCILE_INVALID_STATE` if `server_time` is
    /// before the device's previous acknowledgement.
    pub fn acknowledge(
        &mut self,
        registry: &DeviceRegistry,
        device_id: Uuid,
        server_time: Timestamp,
        server_seed: &[u8; 32],
    ) -> Result<SignedAck, OfflineError> {
        let dev = registry.get(&device_id).ok_or(OfflineError::UnknownDevice { device_id })?;
        let e = &dev.entry;
        if e.festival_id != self.festival_id {
            return Err(OfflineError::WrongFestival { expected: self.festival_id, actual: e.festival_id });
        }
        let chain = self.chains.entry(device_id).or_default();
        if let Some(revoked_at) =
            chain.revoked_after.as_ref().map(|c| c.revoked_at).or(e.revoked_at.filter(|r| server_time >= *r))
        {
            return Err(OfflineError::DeviceRevoked { device_id, revoked_at, record_time: server_time });
        }
        if server_time < e.valid_from || server_time >= e.valid_until {
            return Err(OfflineError::DeviceOutsideWindow {
                device_id,
                record_time: server_time,
                valid_from: e.valid_from,
                valid_until: e.valid_until,
            });
        }
        if let Some(last) = chain.acks.last() {
            if server_time < last.server_time {
                return Err(OfflineError::ReconcileInvalidState {
                    reason: format!("acknowledgement at {server_time} before the previous one at {}", last.server_time),
                });
            }
        }
        let issued = IssuedAck { server_time, sequence: chain.last_sequence };
        if chain.acks.last() != Some(&issued) {
            chain.acks.push(issued);
        }
        let ack = SyncAck {
            festival_id: self.festival_id,
            device_id,
            sequence: chain.last_sequence,
            // After a declared-lost range the server does not know the last record's hash.
            last_hash: if chain.link_unknown() { Digest::default() } else { chain.last_hash },
            server_time,
        };
        Ok(ack.sign(server_seed))
    }

    /// Issues (signs with the server's seed) and records an offline allowance: from now on,
    /// chained payments are charged to it as the devices do, and [`ReconcileState::exposure`]
    /// counts it. Issuing the same allowance again returns it signed again; another allowance
    /// with an id in use, another festival or currency are `RECONCILE_INVALID_STATE`; a bad
    /// allowance is `OFFLINE_MALFORMED` / `OFFLINE_INVALID_AMOUNT`.
    ///
    /// Payments chained before an allowance was issued are not charged to it afterwards.
    pub fn issue_allowance(
        &mut self,
        allowance: Allowance,
        server_seed: &[u8; 32],
    ) -> Result<SignedAllowance, OfflineError> {
        if allowance.festival_id != self.festival_id || allowance.amount.currency() != self.currency {
            return Err(OfflineError::ReconcileInvalidState {
                reason: format!("allowance {} belongs to another festival or currency", allowance.allowance_id),
            });
        }
        let signed = allowance.sign(server_seed)?;
        match self.allowances.issued.get(&allowance.allowance_id) {
            Some(existing) if *existing != allowance => {
                return Err(OfflineError::ReconcileInvalidState {
                    reason: format!("allowance id {} is in use for another allowance", allowance.allowance_id),
                })
            }
            Some(_) => {}
            None => {
                self.allowances.issued.insert(allowance.allowance_id, allowance);
            }
        }
        Ok(signed)
    }

    /// The offline exposure under the issued allowances, per wallet and in total, given
    /// `policy` (the conflict policy reconciliation runs with).
    ///
    /// `loss` is what double spends cost so far: payments rejected as double spends (the goods
    /// were handed over offline) and the debt of payments accepted with debt. `max_loss` is the
    /// most it can become if the devices spend every open allowance (`open_allowance`; an
    /// allowance is open until the finality watermark passes its window's end):
    ///
    /// * accept-with-debt: `loss + max(0, open_allowance − max(0, balance))` (every payment is
    ///   applied, only the part the balance cannot cover becomes debt);
    /// * first-wins and reject: `loss` if nothing is open; 0 if nothing was lost and
    ///   `open_allowance <= balance` (everything fits, in any order); otherwise
    ///   `offline_spent + open_allowance` (a late record ordered before accepted ones can turn
    ///   them into conflicts, so every offline payment is at risk).
    ///
    /// Every honest device charges each payment to an allowance, so `loss <= max_loss <=` the
    /// sum of the wallet's allowances plus its `uncovered` payments; property-tested over random
    /// offline histories (`festival-core/tests/allowances.rs`). Online spending after the report
    /// is outside the bound (the server should not let it eat into what it allowed offline).
    pub fn exposure(&self, policy: ConflictPolicy) -> ExposureReport {
        let zero = Money::zero(self.currency);
        let add = |a: Money, b: Money| a.checked_add(&b).unwrap_or(a);
        let mut losses: BTreeMap<Uuid, Money> = self.merge.final_loss.clone();
        for l in self.merge.log.values() {
            if let Some((w, m)) = super::merge::loss_of(l) {
                let slot = losses.entry(w).or_insert(zero);
                *slot = add(*slot, m);
            }
        }
        let mut ids: BTreeSet<Uuid> = losses.keys().copied().collect();
        ids.extend(self.allowances.spent.keys().copied());
        let generic = self.allowances.issued.values().any(|a| a.wallet_id.is_none());
        for a in self.allowances.issued.values() {
            ids.extend(a.wallet_id);
        }
        if generic {
            ids.extend(self.wallets.keys().copied());
        }
        let watermark = self.merge.watermark;
        let mut report = ExposureReport {
            wallets: Vec::with_capacity(ids.len()),
            total_loss: zero,
            total_max_loss: zero,
            total_open_allowance: zero,
            total_uncovered: zero,
        };
        for id in ids {
            let balance = self.wallets.get(&id).map(|w| w.balances().total).unwrap_or(zero);
            let available = if balance.is_positive() { balance } else { zero };
            let offline_spent = self.allowances.spent.get(&id).copied().unwrap_or(zero);
            let open = self.allowances.open_for(&id, watermark, zero);
            let loss = losses.get(&id).copied().unwrap_or(zero);
            let max_loss = match policy {
                ConflictPolicy::AcceptWithDebt => {
                    add(loss, open.checked_sub(&available).ok().filter(|m| m.is_positive()).unwrap_or(zero))
                }
                ConflictPolicy::FirstWins | ConflictPolicy::Reject => {
                    if !open.is_positive() {
                        loss
                    } else if !loss.is_positive() && open.amount() <= available.amount() {
                        zero
                    } else {
                        add(offline_spent, open)
                    }
                }
            };
            let uncovered = self.allowances.uncovered.get(&id).copied().unwrap_or(zero);
            report.total_loss = add(report.total_loss, loss);
            report.total_max_loss = add(report.total_max_loss, max_loss);
            report.total_open_allowance = add(report.total_open_allowance, open);
            report.total_uncovered = add(report.total_uncovered, uncovered);
            report.wallets.push(WalletExposure {
                wallet_id: id,
                balance,
                offline_spent,
                open_allowance: open,
                allowance_total: self.allowances.total_for(&id, zero),
                uncovered,
                loss,
                max_loss,
            });
        }
        report
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

    /// The finality watermark: records ordered before it are final (never revised).
    pub fn watermark(&self) -> Option<Timestamp> {
        self.merge.watermark
    }

    /// The current decision on a non-final record (by record id), or `None` if the record is
    /// final, pending or unknown.
    pub fn outcome(&self, record_id: &Uuid) -> Option<RecordOutcome> {
        let key = self.merge.ids.get(record_id)?;
        self.merge.log.get(key).map(outcome_of)
    }

    /// The current decisions on every non-final record, in the total order.
    pub fn outcomes(&self) -> Vec<RecordOutcome> {
        self.merge.log.values().map(outcome_of).collect()
    }

    /// Records that wait (device, sequence, the code of what they wait for), by device and sequence.
    pub fn pending(&self) -> Vec<RecordOutcome> {
        let mut v: Vec<RecordOutcome> = self
            .merge
            .pending
            .iter()
            .map(|(h, p)| RecordOutcome {
                hash: *h,
                record_id: None,
                device_id: Some(p.device_id),
                sequence: Some(p.sequence.to_string()),
                kind: None,
                status: RecordStatus::Pending,
                reason: Some(p.code.clone()),
                resolution: None,
                debt: None,
            })
            .collect();
        v.sort_by(|a, b| outcome_order(a).cmp(&outcome_order(b)));
        v
    }

    /// Number of non-final records in the merge log.
    pub fn non_final_count(&self) -> usize {
        self.merge.log.len()
    }

    /// Number of records that currently take effect: final ones (`records`) plus non-final ones
    /// whose decision applies them (accepted, or a conflict accepted with debt / flagged).
    pub fn accepted_count(&self) -> usize {
        self.records.len() + self.merge.log.values().filter(|l| l.decision.applied()).count()
    }
}

fn verdict(d: &Decision) -> Verdict {
    match d {
        Decision::GateScan { applied: true, in_error: None, .. } => {
            Verdict { status: RecordStatus::Accepted, reason: None, resolution: None, debt: None }
        }
        Decision::GateScan { applied: true, in_error: Some(code), .. } => Verdict {
            status: RecordStatus::Conflict,
            reason: Some(code.clone()),
            resolution: Some(Resolution::AdmittedInError),
            debt: None,
        },
        Decision::GateScan { applied: false, .. } => {
            Verdict { status: RecordStatus::Recorded, reason: None, resolution: None, debt: None }
        }
        Decision::Accepted { .. } => Verdict { status: RecordStatus::Accepted, reason: None, resolution: None, debt: None },
        Decision::Rejected { reason } => {
            Verdict { status: RecordStatus::Rejected, reason: Some(reason.clone()), resolution: None, debt: None }
        }
        Decision::Conflict { resolution, reason, debt, .. } => Verdict {
            status: RecordStatus::Conflict,
            reason: Some(reason.clone()),
            resolution: Some(*resolution),
            debt: *debt,
        },
    }
}

fn outcome_of(l: &Logged) -> RecordOutcome {
    outcome_with(l, &l.decision)
}

/// [`outcome_of`] with `decision` in place of the logged one.
fn outcome_with(l: &Logged, decision: &Decision) -> RecordOutcome {
    let v = verdict(decision);
    RecordOutcome {
        hash: l.hash,
        record_id: Some(l.record_id),
        device_id: Some(l.device_id),
        sequence: Some(l.sequence.to_string()),
        kind: Some(l.kind),
        status: v.status,
        reason: v.reason,
        resolution: v.resolution,
        debt: v.debt,
    }
}

/// Report order: device, numeric sequence as (length, digits), hash.
fn outcome_order(o: &RecordOutcome) -> (Option<Uuid>, Option<(usize, &str)>, Digest) {
    (o.device_id, o.sequence.as_deref().map(|s| (s.len(), s)), o.hash)
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
    /// Kept, not decided yet: `reason` says what it waits for (`OFFLINE_SEQUENCE_GAP`,
    /// `OFFLINE_CLOCK_SKEW` ahead of the server, `OFFLINE_UNKNOWN_DEVICE`). Submitting it again is
    /// harmless; it is decided in the call in which the cause goes away.
    Pending,
    /// Kept as a fact without changing any state: a scan the gate denied (the person did not go
    /// in); listed in [`ReconcileReport::scans`] for the failed-scan statistics.
    Recorded,
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
    /// A scan fact the gate admitted that the server would have denied (revoked ticket, second
    /// entry of a ticket inside, the check-in policy, an unknown ticket): the entry is recorded
    /// anyway (the person is inside) and `reason` says what the server knew.
    AdmittedInError,
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
    /// Records of this call that wait (pending).
    #[serde(default)]
    pub pending: u64,
    /// Scan facts of denied scans, recorded without effect (left out of the JSON when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recorded: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
    /// Deposits returned offline (records of kind `deposit_return`); `None` (left out of the
    /// JSON) when the call changed none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_returns: Option<Money>,
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
    /// Money moved in this call, revisions included (a revision may make a total negative).
    /// `sum(total before) + top_ups - payments + refunds == sum(total after)`.
    pub totals: MoneyTotals,
    /// Earlier decisions that this call changed (a late record landed before them in the total
    /// order, a wallet or ticket appeared, a record id changed hands), ordered like `records`.
    #[serde(default)]
    pub revisions: Vec<Revision>,
    /// The finality watermark after the call (records ordered before it are final).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Timestamp>,
    /// Records that became final in this call.
    #[serde(default)]
    pub finalized: u64,
    /// Records that wait in the state after the call (all devices).
    #[serde(default)]
    pub pending_total: u64,
    /// Scan facts (scans signed with the gate's decision) decided or re-decided in this call:
    /// what the gate did, what the server would have done, and whether the gate admitted in
    /// error. Left out of the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scans: Vec<ScanFactOutcome>,
}

/// A scan fact as reconciliation decided it (see [`ReconcileReport::scans`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanFactOutcome {
    /// The scan record.
    pub record_id: Uuid,
    /// The gate (device).
    pub device_id: Uuid,
    /// The ticket.
    pub ticket_id: Uuid,
    /// The zone.
    pub zone_id: Uuid,
    /// In or out.
    pub direction: Direction,
    /// The gate's time.
    pub at: Timestamp,
    /// What the gate decided, with the policy and revocation-list versions it used.
    pub gate: super::record::ScanFact,
    /// With [`ReconcileConfig::per_zone_presence`]: the zones this entry left (its check-in
    /// policy's `leaves_zones` the ticket was inside), as the gate's `ScanOutcome::left_zones`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_zones: Vec<Uuid>,
    /// For `RECONCILE_STALE_REVOCATION_LIST`: the gate's list and the newer one that revoked the
    /// ticket before the scan (see [`ReconcileState::publish_revocation_list`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_revocation_list: Option<StaleRevocationList>,
    /// Whether the entry or exit took effect (the gate admitted it).
    pub applied: bool,
    /// For an admitted scan the server would have denied: the server's code
    /// (`RECONCILE_STALE_REVOCATION_LIST`, `RECONCILE_TICKET_REVOKED`,
    /// `RECONCILE_DOUBLE_ADMISSION`, `RECONCILE_NOT_INSIDE`, `RECONCILE_UNKNOWN_TICKET`,
    /// `RECONCILE_POLICY_DENIED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admitted_in_error: Option<String>,
    /// The check-in policy's decision on the server, when the zone has a policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_policy: Option<crate::access::policy::PolicyDecision>,
}

/// A decision: status, reason, resolution, debt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The status.
    pub status: RecordStatus,
    /// The error code, if not accepted (or a conflict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the policy did, for conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Debt created by the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debt: Option<Money>,
}

/// An earlier decision that changed: which record, before, after, and what it did to the money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// SHA-256 of the signed record.
    pub hash: Digest,
    /// The record id.
    pub record_id: Uuid,
    /// The device.
    pub device_id: Uuid,
    /// The sequence (decimal string).
    pub sequence: String,
    /// The record kind.
    pub kind: RecordKind,
    /// The wallet or ticket it affects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<Uuid>,
    /// The ticket, for scans and their voids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<Uuid>,
    /// The decision before this call.
    pub before: Verdict,
    /// The decision now.
    pub after: Verdict,
    /// Signed change of the wallet's total balance caused by the revision (zero for scans):
    /// e.g. `-8.00` when a payment that was rejected is now accepted.
    pub money_effect: Money,
}
fn code_of(e: &impl ErrorCode) -> Option<String> {
    Some(e.code().to_string())
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
    reconcile_impl(state, registry, batches, now, config, &mut |_, bytes| Batch::from_bytes(bytes), verify, &Sequential)
}

/// Decodes batch `i` from its bytes (see [`reconcile_impl`]).
pub(crate) type BatchDecoder<'a> = &'a mut dyn FnMut(usize, &[u8]) -> Result<Batch, OfflineError>;

fn base_outcome(rec: &SignedRecord) -> RecordOutcome {
    let body = rec.body();
    RecordOutcome {
        hash: Digest(rec.hash()),
        record_id: Some(body.record_id),
        device_id: Some(body.device_id),
        sequence: Some(body.sequence.to_string()),
        kind: Some(body.kind()),
        status: RecordStatus::Accepted,
        reason: None,
        resolution: None,
        debt: None,
    }
}

/// The fact of a chain-verified record; `None` for a void whose target is not an earlier record
/// of the same device.
fn fact_of(rec: &SignedRecord, state: &ReconcileState, new: &[Logged]) -> Option<Fact> {
    let body = rec.body();
    Some(match &body.payload {
        Payload::TopUp { wallet_id, amount } => Fact::TopUp { wallet_id: *wallet_id, amount: *amount },
        Payload::Payment { wallet_id, amount, stand_id, items, catalog } => Fact::Payment {
            wallet_id: *wallet_id,
            amount: *amount,
            stand_id: *stand_id,
            items: items.clone(),
            catalog: catalog.clone(),
        },
        Payload::Refund { wallet_id, amount, original_record_id } => {
            Fact::Refund { wallet_id: *wallet_id, amount: *amount, original_record_id: *original_record_id }
        }
        Payload::DepositReturn { wallet_id, stand_id, product, quantity, amount, catalog_version } => {
            Fact::DepositReturn {
                wallet_id: *wallet_id,
                stand_id: *stand_id,
                product: product.clone(),
                quantity: *quantity,
                amount: *amount,
                catalog_version: *catalog_version,
            }
        }
        Payload::Scan { ticket_id, direction, zone_id } => Fact::Scan {
            ticket_id: *ticket_id,
            direction: *direction,
            zone_id: body.scan_fact.map(|_| *zone_id),
            gate: body.scan_fact,
        },
        Payload::Void { voided_record_id } => {
            let target = *voided_record_id;
            let of_device = |l: &&Logged| l.record_id == target && l.device_id == body.device_id;
            let logged = new
                .iter()
                .find(of_device)
                .or_else(|| state.merge.ids.get(&target).and_then(|k| state.merge.log.get(k)).filter(of_device));
            if let Some(l) = logged {
                return match &l.fact {
                    Fact::Payment { wallet_id, .. } => Some(Fact::VoidPayment { wallet_id: *wallet_id, target }),
                    Fact::Scan { ticket_id, direction, gate, zone_id } => {
                        let entry_at = (gate.is_some_and(|g| g.admitted()) && *direction == Direction::In).then_some(l.at);
                        Some(Fact::VoidScan {
                            ticket_id: *ticket_id,
                            target,
                            direction: *direction,
                            entry_at,
                            zone_id: *zone_id,
                        })
                    }
                    _ => None,
                };
            }
            let f = state.records.get(&target).filter(|f| f.device_id == body.device_id)?;
            match (f.kind, f.wallet_id, f.scan) {
                (RecordKind::Payment, Some(wallet_id), _) => Fact::VoidPayment { wallet_id, target },
                (RecordKind::Scan, _, Some((ticket_id, direction))) => {
                    Fact::VoidScan { ticket_id, target, direction, entry_at: f.entry_at, zone_id: f.zone_id }
                }
                _ => return None,
            }
        }
    })
}

/// [`reconcile_with`] with the decoding of batch `i` done by `decode(i, bytes)`, which must equal
/// `Batch::from_bytes(bytes)` (e.g. batches decoded ahead of time on several threads), and the
/// per-device chain walks and the per-subject folds run by `exec`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reconcile_impl<B: AsRef<[u8]>, E: Exec>(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[B],
    now: Timestamp,
    config: &ReconcileConfig,
    decode: BatchDecoder<'_>,
    verify: SignatureVerifier<'_>,
    exec: &E,
) -> Result<ReconcileReport, OfflineError> {
    for w in state.wallets.values() {
        state.check_wallet(w)?;
    }
    let currency = state.currency;
    let before_total = state.total_balance();
    let mut outcomes: Vec<RecordOutcome> = Vec::new();
    let mut alerts: BTreeSet<Alert> = BTreeSet::new();
    // 1. Decode, drop exact copies (of batches and of records); add the records that wait.
    // Records in arrival order; the first copy of each digest is kept, in digest order (a sort of
    // the digests rather than a map of whole records: records are large to move around).
    let mut flat: Vec<SignedRecord> = Vec::new();
    let mut bad_batches: BTreeSet<Digest> = BTreeSet::new();
    for (i, b) in batches.iter().enumerate() {
        match decode(i, b.as_ref()) {
            Ok(batch) => {
                flat.extend(batch.records);
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
    let mut submitted: Vec<Digest> = flat.iter().map(|r| Digest(r.hash())).collect();
    let mut order: Vec<(Digest, usize)> = submitted.iter().copied().zip(0..).collect();
    submitted.sort_unstable();
    submitted.dedup();
    let submitted = |h: &Digest| submitted.binary_search(h).is_ok();
    // A waiting record is keyed by its digest in the state, as a map of records would key it.
    for (h, p) in &state.merge.pending {
        if !submitted(h) {
            if let Ok(r) = SignedRecord::from_bytes(&p.bytes) {
                order.push((*h, flat.len()));
                flat.push(r);
            }
        }
    }
    order.sort_unstable();
    order.dedup_by_key(|(h, _)| *h);
    let mut slots: Vec<Option<SignedRecord>> = flat.into_iter().map(Some).collect();
    let records: Vec<SignedRecord> = order.iter().filter_map(|(_, i)| slots.get_mut(*i).and_then(Option::take)).collect();
    drop(slots);
    // 2. Logs.
    let report = verify_chain_impl(registry, state.festival_id, &state.chains, &records, now, &config.chain, verify, exec);
    let mut valid: Vec<usize> = Vec::new();
    let mut waiting: Vec<(usize, &OfflineError)> = Vec::new();
    for (i, (rec, check)) in records.iter().zip(&report.checks).enumerate() {
        let base = base_outcome(rec);
        let reported = submitted(&base.hash) || state.merge.pending.contains_key(&base.hash);
        match check {
            CheckOutcome::Valid => {
                let body = rec.body();
                if report.chains.get(&body.device_id).is_some_and(|c| c.is_past_cut(body.sequence)) {
                    alerts.insert(Alert::RevokedDeviceUsed { device_id: body.device_id, record_id: body.record_id });
                }
                valid.push(i)
            }
            CheckOutcome::Pending { error } => waiting.push((i, error)),
            CheckOutcome::Duplicate if reported => outcomes.push(RecordOutcome {
                status: RecordStatus::Duplicate,
                reason: Some("OFFLINE_DUPLICATE_RECORD".into()),
                ..base
            }),
            CheckOutcome::Duplicate => {}
            CheckOutcome::Rejected { error, .. } => {
                let body = rec.body();
                match error {
                    OfflineError::BadSignature {}
                    | OfflineError::ChainBroken { .. }
                    | OfflineError::Fork { .. }
                    | OfflineError::HlcRegression { .. }
                    | OfflineError::Backdated { .. }
                    | OfflineError::AnchorInvalid { .. } => {
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
    // Records that wait are kept (up to a bound per device, lowest sequences first).
    waiting.sort_by_key(|(i, _)| (records[*i].body().device_id, records[*i].body().sequence, records[*i].hash()));
    let mut new_pending: BTreeMap<Digest, PendingRecord> = BTreeMap::new();
    let mut per_device: BTreeMap<Uuid, usize> = BTreeMap::new();
    for (i, error) in waiting {
        let rec = &records[i];
        let body = rec.body();
        let base = base_outcome(rec);
        let n = per_device.entry(body.device_id).or_default();
        *n += 1;
        if *n > MAX_PENDING_PER_DEVICE {
            let e = OfflineError::PendingLimit { device_id: body.device_id, max: MAX_PENDING_PER_DEVICE as u64 };
            outcomes.push(RecordOutcome { status: RecordStatus::Rejected, reason: code_of(&e), ..base });
            continue;
        }
        if submitted(&base.hash) {
            outcomes.push(RecordOutcome { status: RecordStatus::Pending, reason: code_of(error), ..base.clone() });
        }
        new_pending.insert(
            base.hash,
            PendingRecord {
                bytes: rec.to_bytes(),
                device_id: body.device_id,
                sequence: body.sequence,
                code: error.code().to_string(),
            },
        );
    }
    // The newly chained payments, per device in sequence order (how devices charge allowances).
    let mut payments_in_chain_order: Vec<(Uuid, u64, Uuid, Timestamp, Money)> = valid
        .iter()
        .filter_map(|i| {
            let body = records[*i].body();
            match &body.payload {
                Payload::Payment { wallet_id, amount, .. } => {
                    Some((body.device_id, body.sequence, *wallet_id, body.device_time, *amount))
                }
                _ => None,
            }
        })
        .collect();
    payments_in_chain_order.sort_by_key(|p| (p.0, p.1));
    // 3. The new records in the total order (a record ordered before the finality watermark is
    //    placed at the watermark: final outcomes never change).
    valid.sort_by(|a, b| total_order(&records[*a], &records[*b]));
    let floor = state.merge.watermark.map(|w| Hlc { physical_ms: w.unix_millis(), logical: 0 });
    let mut new_entries: Vec<Logged> = Vec::with_capacity(valid.len());
    for i in valid {
        let rec = &records[i];
        let body = rec.body();
        let Some(fact) = fact_of(rec, state, &new_entries) else {
            outcomes.push(RecordOutcome {
                status: RecordStatus::Rejected,
                reason: Some("RECONCILE_INVALID_REFERENCE".into()),
                ..base_outcome(rec)
            });
            continue;
        };
        let hlc = match floor {
            Some(f) if body.hlc < f => f,
            _ => body.hlc,
        };
        new_entries.push(Logged {
            hlc,
            device_id: body.device_id,
            sequence: body.sequence,
            record_id: body.record_id,
            hash: Digest(rec.hash()),
            at: body.device_time,
            kind: body.kind(),
            fact,
            decision: Decision::Rejected { reason: "RECONCILE_INVALID_STATE".into() },
        });
    }
    new_entries.sort_by_key(Logged::key);
    // Which wallets and tickets are folded again, and from where.
    let mut dirty: BTreeMap<Subject, OrderKey> = state.merge.dirty.iter().map(|s| (*s, KEY_MIN)).collect();
    fn mark(dirty: &mut BTreeMap<Subject, OrderKey>, s: Subject, k: OrderKey) {
        let e = dirty.entry(s).or_insert(k);
        if k < *e {
            *e = k;
        }
    }
    let mut owners: BTreeMap<Uuid, OrderKey> = BTreeMap::new();
    for e in &new_entries {
        let key = e.key();
        mark(&mut dirty, e.fact.subject(), key);
        let current = owners.get(&e.record_id).or_else(|| state.merge.ids.get(&e.record_id)).copied();
        match current {
            Some(owner) if owner <= key => {}
            Some(owner) => {
                // The id changes hands: the previous owner's subject is folded again.
                if let Some(l) = state.merge.log.get(&owner) {
                    mark(&mut dirty, l.fact.subject(), owner);
                }
                owners.insert(e.record_id, key);
            }
            None => {
                owners.insert(e.record_id, key);
            }
        }
    }
    for (s, from) in dirty.iter_mut() {
        if matches!(s, Subject::Ticket(_)) || config.policy == ConflictPolicy::Reject {
            *from = KEY_MIN;
        }
    }
    // 4. Wallets rebuilt without the suffixes folded again (the only step that can fail: before
    //    anything changes).
    let mut rebuilt: BTreeMap<Uuid, Wallet> = BTreeMap::new();
    for (s, from) in &dirty {
        if let Subject::Wallet(id) = s {
            if let Some(w) = state.wallets.get(id) {
                let keys = state.merge.keys_from(*s, *from);
                let w2 = wallet_without(w, &state.merge, &keys).map_err(|e| OfflineError::ReconcileInvalidState {
                    reason: format!("wallet {id} cannot be rebuilt: {e}"),
                })?;
                if let Some(w2) = w2 {
                    rebuilt.insert(*id, w2);
                }
            }
        }
    }
    // 5. Commit: chains, allowances, the new records, and the folds.
    state.chains = report.chains;
    for (device, _, wallet, at, amount) in payments_in_chain_order {
        state.allowances.charge_payment(device, wallet, at, amount);
    }
    let ReconcileState {
        wallets, tickets, records: finals, merge, chains, checkin_policies, revocation_lists, catalogs, ..
    } = state;
    let mut new_keys: Vec<OrderKey> = new_entries.iter().map(Logged::key).collect();
    new_keys.dedup();
    for e in new_entries {
        let key = e.key();
        let subject = e.fact.subject();
        if let Subject::Ticket(t) = subject {
            if let Some(ts) = tickets.get(&t) {
                merge.ticket_bases.entry(t).or_insert_with(|| ts.clone());
            }
        }
        merge.subjects.insert((subject, key));
        merge.log.insert(key, e);
    }
    for (id, k) in owners {
        merge.ids.insert(id, k);
    }
    for (id, w) in rebuilt {
        wallets.insert(id, w);
    }
    let zero = Money::zero(currency);
    let mut totals = [zero; 4];
    let mut revisions: Vec<Revision> = Vec::new();
    let mut evaluation_alerts: BTreeSet<Alert> = BTreeSet::new();
    let mut changed_ids: BTreeSet<Uuid> = BTreeSet::new();
    // The folds: each wallet's / ticket's reads only its own records, its base and the
    // (unchanging here) record-id indexes, so the folds are jobs (`exec`); their decisions are then
    // written back in subject order. In waves, so that at most a wave's keys and decisions are
    // held at once.
    let ctx = Ctx {
        currency,
        policy: config.policy,
        finals,
        ids: &merge.ids,
        spent: &merge.spent_ids,
        tickets: TicketRules { checkin: &*checkin_policies, per_zone: config.per_zone_presence },
        revocations: &*revocation_lists,
        catalogs: &*catalogs,
    };
    let mut scans: Vec<ScanFactOutcome> = Vec::new();
    let dirty_list: Vec<(Subject, OrderKey)> = dirty.iter().map(|(s, k)| (*s, *k)).collect();
    let mut wallet_iter = wallets.iter_mut().peekable();
    // The new records' outcomes, by position in `new_keys`.
    let mut fresh: Vec<Option<RecordOutcome>> = vec![None; new_keys.len()];
    for wave in dirty_list.chunks(FOLD_WAVE) {
        let mut jobs: Vec<FoldJob<'_>> = Vec::with_capacity(wave.len());
        for (subject, from) in wave {
            let (wallet, ticket) = match subject {
                Subject::Wallet(id) => {
                    // `dirty` and `wallets` are both in id order: a merge of the two.
                    while wallet_iter.peek().is_some_and(|(w, _)| *w < id) {
                        wallet_iter.next();
                    }
                    let w = if wallet_iter.peek().is_some_and(|(w, _)| *w == id) {
                        wallet_iter.next().map(|(_, w)| w)
                    } else {
                        None
                    };
                    (w, None)
                }
                Subject::Ticket(id) => (None, merge.ticket_bases.get(id).cloned().or_else(|| tickets.get(id).cloned())),
            };
            let keys = merge.keys_from(*subject, *from);
            let ledger_len = wallet.as_ref().map_or(0, |w| w.ledger().len());
            jobs.push(FoldJob {
                subject: *subject,
                keys,
                wallet,
                ledger_len,
                base: ticket.clone(),
                ticket,
                alerts: BTreeSet::new(),
                changes: Vec::new(),
                outcomes: Vec::new(),
            });
        }
        let log: &MergeLog = merge;
        exec.run(
            &mut jobs,
            &|j: &FoldJob<'_>| j.keys.len(),
            &|j: &mut FoldJob<'_>| j.fold(log, &ctx, &new_keys),
            &|j: &mut FoldJob<'_>| j.reset(),
        );
        for job in jobs {
            let FoldJob { subject, ticket, alerts, changes, outcomes: new_outcomes, .. } = job;
            evaluation_alerts.extend(alerts);
            if let (Subject::Ticket(id), Some(t)) = (subject, ticket) {
                tickets.insert(id, t);
            }
            for c in changes {
                let Some(l) = merge.log.get_mut(&c.key) else { continue };
                for (t, (new, old)) in totals.iter_mut().zip(c.new.iter().zip(&c.old)) {
                    *t = t.checked_add(new).and_then(|x| x.checked_sub(old)).unwrap_or(*t);
                }
                changed_ids.insert(l.record_id);
                revisions.extend(c.revision);
                l.decision = c.decision;
                if let (
                    Fact::Scan { ticket_id, direction, zone_id: Some(zone_id), gate: Some(gate) },
                    Decision::GateScan { applied, in_error, server, left, stale },
                ) = (&l.fact, &l.decision)
                {
                    scans.push(ScanFactOutcome {
                        record_id: l.record_id,
                        device_id: l.device_id,
                        ticket_id: *ticket_id,
                        zone_id: *zone_id,
                        direction: *direction,
                        at: l.at,
                        gate: *gate,
                        applied: *applied,
                        admitted_in_error: in_error.clone(),
                        server_policy: server.clone(),
                        left_zones: left.clone(),
                        stale_revocation_list: *stale,
                    });
                }
            }
            for (i, o) in new_outcomes {
                if let Some(slot) = fresh.get_mut(i) {
                    *slot = Some(o);
                }
            }
        }
    }
    for (i, k) in new_keys.iter().enumerate() {
        match fresh.get_mut(i).and_then(Option::take) {
            Some(o) => outcomes.push(o),
            None => {
                if let Some(l) = merge.log.get(k) {
                    outcomes.push(outcome_of(l));
                }
            }
        }
    }
    for a in evaluation_alerts {
        let id = match &a {
            Alert::DoubleSpend { record_id, .. } | Alert::DoubleAdmission { record_id, .. } => Some(*record_id),
            _ => None,
        };
        if id.map_or(true, |id| changed_ids.contains(&id)) {
            alerts.insert(a);
        }
    }
    merge.pending = new_pending;
    merge.dirty.clear();
    // 6. Finality.
    let rules = TicketRules { checkin: &*checkin_policies, per_zone: config.per_zone_presence };
    let finalized = finalize(merge, finals, wallets, registry, chains, now, &config.finality, rules);
    let state = &*state;
    outcomes.sort_by(|a, b| outcome_order(a).cmp(&outcome_order(b)));
    revisions.sort_by(|a, b| {
        (a.device_id, a.sequence.len(), &a.sequence, a.hash).cmp(&(b.device_id, b.sequence.len(), &b.sequence, b.hash))
    });
    let mut counts = Counts::default();
    for o in &outcomes {
        match (o.status, o.resolution) {
            (RecordStatus::Accepted, _) => counts.accepted += 1,
            (RecordStatus::Duplicate, _) => counts.duplicate += 1,
            (RecordStatus::Rejected, _) => counts.rejected += 1,
            (RecordStatus::Pending, _) => counts.pending += 1,
            (RecordStatus::Recorded, _) => counts.recorded += 1,
            (RecordStatus::Conflict, r) => {
                counts.conflict += 1;
                if matches!(r, Some(Resolution::AcceptedWithDebt | Resolution::AcceptedFlagged | Resolution::AdmittedInError)) {
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
    let totals = MoneyTotals {
        top_ups: totals[0],
        payments: totals[1],
        refunds: totals[2],
        deposit_returns: (!totals[3].is_zero()).then_some(totals[3]),
    };
    // Conservation is an invariant of the wallet engine; state it where it is cheap to check.
    debug_assert_eq!(
        before_total
            .checked_add(&totals.top_ups)
            .and_then(|t| t.checked_sub(&totals.payments))
            .and_then(|t| t.checked_add(&totals.refunds))
            .and_then(|t| t.checked_add(&totals.deposit_returns.unwrap_or(Money::zero(currency))))
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
        revisions,
        watermark: state.merge.watermark,
        finalized,
        pending_total: state.merge.pending.len() as u64,
        scans: {
            scans.sort_by_key(|s| (s.device_id, s.record_id));
            scans
        },
    })
}

/// Subjects folded per wave (bounds the keys and decisions held at once).
const FOLD_WAVE: usize = 4096;

/// One wallet's or ticket's fold (see [`eval_wallet`] / [`eval_ticket`]): its inputs, and once
/// folded, what changes (in key order) and the outcomes of its new records.
struct FoldJob<'w> {
    subject: Subject,
    /// The subject's logged records folded again, in order.
    keys: Vec<OrderKey>,
    /// The wallet (wallet subjects it names and the state has).
    wallet: Option<&'w mut Wallet>,
    /// The wallet's ledger length before the fold (to undo a fold that did not finish).
    ledger_len: usize,
    /// The ticket's base before the fold, and the ticket after it (ticket subjects).
    base: Option<TicketState>,
    ticket: Option<TicketState>,
    alerts: BTreeSet<Alert>,
    /// The records whose decision changes (new ones included).
    changes: Vec<Change>,
    /// The outcomes of the new records, by position in the call's sorted new keys.
    outcomes: Vec<(usize, RecordOutcome)>,
}

/// A decision that changes: the new decision, the money effects before and after, and the
/// revision to report (records decided before this call).
struct Change {
    key: OrderKey,
    decision: Decision,
    old: [Money; 4],
    new: [Money; 4],
    revision: Option<Revision>,
}

impl FoldJob<'_> {
    fn fold(&mut self, log: &MergeLog, ctx: &Ctx<'_>, new_keys: &[OrderKey]) {
        let decisions = match self.subject {
            Subject::Wallet(_) => eval_wallet(log, self.subject, &self.keys, self.wallet.as_deref_mut(), ctx, &mut self.alerts),
            Subject::Ticket(_) => eval_ticket(log, self.subject, &self.keys, &mut self.ticket, ctx, &mut self.alerts),
        };
        let (currency, zero) = (ctx.currency, Money::zero(ctx.currency));
        for (k, d) in self.keys.iter().zip(decisions) {
            let Some(l) = log.log.get(k) else { continue };
            let fresh = new_keys.binary_search(k).ok();
            if fresh.is_none() && l.decision == d {
                continue;
            }
            let old = if fresh.is_some() { [zero; 4] } else { effect(&l.fact, &l.decision, currency) };
            let new = effect(&l.fact, &d, currency);
            let revision = if fresh.is_none() {
                // The wallet's balance change: + top-ups - payments + refunds + deposit returns.
                let net = |e: &[Money; 4]| {
                    e[0].checked_sub(&e[1]).and_then(|x| x.checked_add(&e[2])).and_then(|x| x.checked_add(&e[3]))
                };
                let delta = net(&new).and_then(|n| net(&old).and_then(|o| n.checked_sub(&o))).unwrap_or(zero);
                let (wallet_id, ticket_id) = match self.subject {
                    Subject::Wallet(w) => (Some(w), None),
                    Subject::Ticket(t) => (None, Some(t)),
                };
                Some(Revision {
                    hash: l.hash,
                    record_id: l.record_id,
                    device_id: l.device_id,
                    sequence: l.sequence.to_string(),
                    kind: l.kind,
                    wallet_id,
                    ticket_id,
                    before: verdict(&l.decision),
                    after: verdict(&d),
                    money_effect: delta,
                })
            } else {
                None
            };
            if let Some(i) = fresh {
                self.outcomes.push((i, outcome_with(l, &d)));
            }
            self.changes.push(Change { key: *k, decision: d, old, new, revision });
        }
    }

    /// Back to the state before [`FoldJob::fold`], from wherever it stopped: a wallet only ever
    /// appends to its ledger and is a function of it, so it is replayed from the ledger it had.
    fn reset(&mut self) {
        self.changes.clear();
        self.outcomes.clear();
        self.alerts.clear();
        self.ticket = self.base.clone();
        if let Some(w) = self.wallet.as_deref_mut() {
            if w.ledger().len() != self.ledger_len {
                let ledger = w.ledger().get(..self.ledger_len).map(<[_]>::to_vec).unwrap_or_default();
                if let Ok(before) = Wallet::replay(w.config().clone(), ledger) {
                    *w = before;
                }
            }
        }
    }
}

/// Moves the watermark forward per `finality` and makes every record before it final: its
/// decision is kept in `finals` (if it took effect) and its log entry is dropped. A ticket that
/// keeps non-final records gets the final ones' effects folded into its base (`rules`), so the
/// next fold of its remaining records starts where the final ones left it.
#[allow(clippy::too_many_arguments)]
fn finalize(
    merge: &mut MergeLog,
    finals: &mut FinalRecords,
    wallets: &mut BTreeMap<Uuid, Wallet>,
    registry: &DeviceRegistry,
    chains: &BTreeMap<Uuid, DeviceChain>,
    now: Timestamp,
    finality: &Finality,
    rules: TicketRules<'_>,
) -> u64 {
    let mut candidate: Option<Timestamp> = None;
    if let Some(ms) = finality.max_offline_ms {
        candidate = Some(now.plus_millis(-ms.max(0)));
    }
    if finality.all_devices_synced {
        let mut min: Option<i64> = None;
        let mut all = true;
        for e in registry.entries() {
            if e.revoked_at.is_some() || now < e.valid_from || now >= e.valid_until {
                continue;
            }
            match chains.get(&e.device_id).and_then(|c| c.last_hlc) {
                Some(h) => min = Some(min.map_or(h.physical_ms, |m: i64| m.min(h.physical_ms))),
                None => all = false,
            }
        }
        if all {
            if let Some(t) = min.and_then(|m| Timestamp::from_unix_millis(m).ok()) {
                candidate = Some(candidate.map_or(t, |c| c.max(t)));
            }
        }
    }
    let Some(w) = candidate else { return 0 };
    if merge.watermark.is_some_and(|cur| cur >= w) {
        return 0;
    }
    merge.watermark = Some(w);
    let cut: OrderKey = (Hlc { physical_ms: w.unix_millis(), logical: 0 }, Uuid::nil(), 0);
    let keys: Vec<OrderKey> = merge.log.range(..cut).map(|(k, _)| *k).collect();
    let mut touched_tickets = BTreeSet::new();
    let mut touched_wallets = BTreeSet::new();
    for k in &keys {
        let Some(l) = merge.log.remove(k) else { continue };
        if let (Subject::Ticket(t), true) = (l.fact.subject(), l.decision.applied()) {
            if let Some(base) = merge.ticket_bases.get_mut(&t) {
                apply_ticket_effect(&l, &l.decision, base, rules);
            }
        }
        if let Some((w, m)) = super::merge::loss_of(&l) {
            let slot = merge.final_loss.entry(w).or_insert(Money::zero(m.currency()));
            *slot = slot.checked_add(&m).unwrap_or(*slot);
        }
        let subject = l.fact.subject();
        merge.subjects.remove(&(subject, *k));
        match subject {
            Subject::Ticket(t) => {
                touched_tickets.insert(t);
            }
            Subject::Wallet(w) => {
                touched_wallets.insert(w);
            }
        }
        let owner = merge.ids.get(&l.record_id) == Some(k);
        if owner {
            merge.ids.remove(&l.record_id);
        }
        if !l.decision.applied() || !owner || finals.contains_key(&l.record_id) {
            if owner && !finals.contains_key(&l.record_id) {
                merge.spent_ids.insert(l.record_id);
            }
            continue;
        }
        let (mut zone_id, mut entry_at) = (None, None);
        let (wallet_id, scan) = match &l.fact {
            Fact::TopUp { wallet_id, .. }
            | Fact::Payment { wallet_id, .. }
            | Fact::Refund { wallet_id, .. }
            | Fact::DepositReturn { wallet_id, .. } => (Some(*wallet_id), None),
            Fact::Scan { ticket_id, direction, zone_id: z, gate } => {
                if gate.is_some() {
                    zone_id = *z;
                    entry_at = (*direction == Direction::In).then_some(l.at);
                }
                (None, Some((*ticket_id, *direction)))
            }
            Fact::VoidPayment { wallet_id, target } => {
                finals.set_voided(target);
                (Some(*wallet_id), None)
            }
            Fact::VoidScan { target, .. } => {
                finals.set_voided(target);
                (None, None)
            }
        };
        finals.insert(
            l.record_id,
            AcceptedRecord { device_id: l.device_id, kind: l.kind, wallet_id, scan, voided: false, zone_id, entry_at },
        );
    }
    for t in touched_tickets {
        if merge.first_key(Subject::Ticket(t)).is_none() {
            merge.ticket_bases.remove(&t);
        }
    }
    if finality.compact_ledgers {
        for id in touched_wallets {
            let Some(w) = wallets.get_mut(&id) else { continue };
            // Final and server entries come first in a wallet's ledger, the non-final records'
            // entries after them (in the total order): fold everything before the first of those.
            let n = w.ledger().iter().position(|e| merge.ids.contains_key(&e.id)).unwrap_or(w.ledger().len());
            // `compact` changes nothing when it fails (it cannot on a ledger that replays, which
            // every committed wallet does): the wallet then stays whole, which is only bigger.
            let _ = w.compact(n);
        }
    }
    keys.len() as u64
}
