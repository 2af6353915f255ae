//! Verification of device logs: signature, sequence, hash chain, forks, replays, clock skew and
//! the registry's policy. Each failure is named by an [`OfflineError`] with a stable code.
//!
//! ```
//! use festival_core::offline::chain::{verify_chain, ChainConfig, CheckOutcome};
//! use festival_core::offline::device::DeviceSigner;
//! use festival_core::offline::record::{Direction, Payload};
//! use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
//! use festival_core::{offline::crypto, Timestamp};
//! use std::collections::BTreeMap;
//! use uuid::Uuid;
//! let (device, festival, zone) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
//! let t0 = Timestamp::from_unix_millis(1_783_180_800_000)?;
//! let registry = DeviceRegistry::new(vec![DeviceEntry {
//!     device_id: device, public_key: crypto::public_key_from_seed(&[5; 32]), festival_id: festival,
//!     role: DeviceRole::Gate, locations: vec![zone], valid_from: t0, valid_until: t0.plus_millis(86_400_000),
//!     revoked_at: None,
//! }])?;
//! let mut signer = DeviceSigner::new([5; 32], device, festival);
//! let scan = Payload::Scan { ticket_id: Uuid::from_u128(9), zone_id: zone, direction: Direction::In };
//! let r1 = signer.sign(Uuid::from_u128(10), t0, scan.clone())?;
//! let r2 = signer.sign(Uuid::from_u128(11), t0.plus_millis(5), scan)?;
//! // Present them out of order and with a gap-free chain: both valid.
//! let report = verify_chain(&registry, festival, &BTreeMap::new(), &[r2.clone(), r1.clone()], t0, &ChainConfig::default());
//! assert!(report.checks.iter().all(|c| *c == CheckOutcome::Valid));
//! // Without the first record, the second one is a gap.
//! let report = verify_chain(&registry, festival, &BTreeMap::new(), &[r2], t0, &ChainConfig::default());
//! assert_eq!(report.checks[0].code(), Some("OFFLINE_SEQUENCE_GAP"));
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::ack::IssuedAck;
use super::crypto::{verify_many, StrictPublicKey};
use super::exec::{Exec, Sequential};
pub use super::history::ChainHistory;
use super::record::{u64_string, Anchor, Digest, Hlc, Payload, SignedRecord};
use super::registry::{authorize_entry, DeviceRegistry};
use super::OfflineError;
use crate::error::ErrorCode;
use crate::money::Money;
use crate::Timestamp;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What the server knows of one device's log.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceChain {
    /// Last sequence that extended the chain (0 = none yet).
    #[serde(with = "u64_string")]
    pub last_sequence: u64,
    /// Hash of that record (zeros if none).
    pub last_hash: Digest,
    /// Its HLC stamp.
    #[serde(default)]
    pub last_hlc: Option<Hlc>,
    /// Hash of every record that extended the chain, by sequence (tells replays from forks).
    #[serde(default)]
    pub history: ChainHistory,
    /// Sequence ranges (inclusive) an operator declared lost (see
    /// [`ReconcileState::declare_lost`](super::reconcile::ReconcileState::declare_lost)): the
    /// chain continues after them without their hashes, and a lost record that turns up later is
    /// rejected as `OFFLINE_DECLARED_LOST`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostRange>,
    /// Sequences at which two different authentic records were seen (a fork): any record at such
    /// a sequence is rejected as `OFFLINE_FORK`, whichever copy comes later and however often, so
    /// the verdict does not depend on the order of syncs. An operator resolves it with
    /// `declare_lost`.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "u64_list")]
    pub forks: Vec<u64>,
    /// Set when the server revoked the device (see
    /// [`ReconcileState::revoke_device`](super::reconcile::ReconcileState::revoke_device)): every
    /// record after `sequence` is rejected as `OFFLINE_DEVICE_REVOKED`, **whatever its date** (a
    /// thief cannot backdate past the hash chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_after: Option<RevocationCut>,
    /// Set by the first verification at or after the end of the device's validity window: the
    /// last sequence the server had chained then (records it received before the window ended).
    /// Later records are treated like records after a revocation cut (see [`AfterCut`]), whatever
    /// their dates. Dropped (and set again when the new window ends) if the registry's
    /// `valid_until` changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_cut: Option<RevocationCut>,
    /// The acknowledgements the server issued to the device, oldest first (see
    /// [`super::ack`]): a record's anchor must be one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acks: Vec<IssuedAck>,
    /// The anchor of the last chained record: later records may not carry an older one, nor drop it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_anchor: Option<Anchor>,
}

/// A device's revocation as the server decided it: the last sequence it had received from the
/// device when it revoked it. Sequences are hash-chained, so unlike device times they cannot be
/// forged backwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationCut {
    /// Last sequence the server had chained when it revoked the device (0 = none).
    #[serde(with = "u64_string")]
    pub sequence: u64,
    /// Why (audit trail).
    pub reason: String,
    /// When the server revoked it (server time).
    pub revoked_at: Timestamp,
    /// Under [`AfterCut::AcceptUpTo`]: the money (payments, top-ups and refunds) of the records
    /// after the cut accepted so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Money>,
}

mod u64_list {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_string()))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter().map(|t| t.parse::<u64>().map_err(serde::de::Error::custom)).collect()
    }
}

/// A range of sequence numbers of one device declared lost by an operator: a recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostRange {
    /// First lost sequence.
    #[serde(with = "u64_string")]
    pub from: u64,
    /// Last lost sequence (inclusive).
    #[serde(with = "u64_string")]
    pub through: u64,
    /// Why (free text, for the audit trail).
    pub reason: String,
    /// When the operator decided it (server time).
    pub decided_at: Timestamp,
}

impl DeviceChain {
    /// Whether `sequence` lies after the device's revocation cut or validity-window cut.
    pub fn is_past_cut(&self, sequence: u64) -> bool {
        cut_for(self, sequence).is_some()
    }

    fn lost_contains(&self, seq: u64) -> bool {
        self.lost.iter().any(|r| r.from <= seq && seq <= r.through)
    }

    /// Whether the next record's `prev_hash` can not be checked (its predecessor was declared lost).
    pub(crate) fn link_unknown(&self) -> bool {
        self.lost.last().is_some_and(|r| r.through == self.last_sequence)
    }
}

/// Allowed clock skews, and what happens to records after a revocation or window cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainConfig {
    /// How far a record's device time may be ahead of the server's `now` (ms).
    pub max_future_skew_ms: i64,
    /// How far a record's device time may be from its own HLC physical time (ms).
    pub max_hlc_skew_ms: i64,
    /// Records of a device after its revocation cut or its validity-window cut.
    #[serde(default)]
    pub after_cut: AfterCut,
}

impl Default for ChainConfig {
    /// Five minutes ahead of the server; one hour between wall clock and HLC; records after a
    /// cut rejected.
    fn default() -> Self {
        ChainConfig { max_future_skew_ms: 300_000, max_hlc_skew_ms: 3_600_000, after_cut: AfterCut::Reject }
    }
}

/// What happens to a device's records whose sequence lies after a cut: the server's revocation
/// ([`DeviceChain::revoked_after`]) or the end of its validity window
/// ([`DeviceChain::window_cut`]). Such records may have been made before the cut by a device that
/// was offline, or after it by a thief who backdates them; the server cannot tell which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum AfterCut {
    /// Reject them all (`OFFLINE_DEVICE_REVOKED` / `OFFLINE_DEVICE_OUTSIDE_WINDOW`), with a
    /// `revoked_device_used` alert for revocations. Nothing a thief signs is applied.
    #[default]
    Reject,
    /// Accept those dated before the cut's time, in sequence order, while their money (payments,
    /// top-ups and refunds, counted in absolute value) stays within `amount` per device and cut;
    /// every one raises a `revoked_device_used` alert. The most a thief can get through is
    /// `amount` (and only dated after the last acknowledgement the device received).
    AcceptUpTo {
        /// The bound per device and cut, in the festival currency.
        amount: Money,
    },
}

/// The cut that applies to `seq`, if any: the revocation first, then the window.
fn cut_for(chain: &DeviceChain, seq: u64) -> Option<(bool, &RevocationCut)> {
    if let Some(c) = chain.revoked_after.as_ref().filter(|c| seq > c.sequence) {
        return Some((true, c));
    }
    chain.window_cut.as_ref().filter(|c| seq > c.sequence).map(|c| (false, c))
}

/// The money of a record, for the after-cut bound.
fn record_money(rec: &SignedRecord) -> Option<Money> {
    match &rec.body().payload {
        Payload::Payment { amount, .. } | Payload::TopUp { amount, .. } | Payload::Refund { amount, .. } => {
            Some(*amount)
        }
        _ => None,
    }
}

/// The anchor rules (see [`super::ack`]): an anchor this server issued to the device, not after
/// the record's own date, not older than the predecessor's, and not dropped once carried.
fn anchor_check(chain: &DeviceChain, rec: &SignedRecord, prev: Option<Anchor>) -> Result<(), OfflineError> {
    let body = rec.body();
    let device_id = body.device_id;
    let backdated = |reason: String| OfflineError::Backdated { device_id, sequence: body.sequence.to_string(), reason };
    match (body.anchor, prev) {
        (None, None) => Ok(()),
        (None, Some(p)) => {
            Err(backdated(format!("no anchor, its predecessor referenced the acknowledgement of {}", p.server_time)))
        }
        (Some(a), prev) => {
            if !chain.acks.iter().any(|i| i.anchor() == a) {
                return Err(OfflineError::AnchorInvalid {
                    device_id,
                    reason: format!(
                        "record {} references an acknowledgement ({} at {}) this server did not issue",
                        body.sequence, a.sequence, a.server_time
                    ),
                });
            }
            if body.device_time < a.server_time {
                return Err(backdated(format!(
                    "dated {} before its acknowledgement of {}",
                    body.device_time, a.server_time
                )));
            }
            if let Some(p) = prev.filter(|p| (a.server_time, a.sequence) < (p.server_time, p.sequence)) {
                return Err(backdated(format!(
                    "references the acknowledgement of {}, older than its predecessor's of {}",
                    a.server_time, p.server_time
                )));
            }
            Ok(())
        }
    }
}

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Authentic, in sequence, linked, and allowed.
    Valid,
    /// Already processed (the exact same record extended the chain before).
    Duplicate,
    /// Not decided yet, and kept: the device is not registered (yet), records before it are
    /// missing (`OFFLINE_SEQUENCE_GAP`), or its clock is ahead of the server's
    /// (`OFFLINE_CLOCK_SKEW`). It did not touch the chain; it is re-checked when the cause goes
    /// away (device registered, gap filled or declared lost, time passed).
    Pending {
        /// Why it waits.
        error: OfflineError,
    },
    /// Rejected for the named reason. `chained` says whether the record is still an authentic,
    /// correctly linked part of the device's log (e.g. a role violation) and so advanced it.
    Rejected {
        /// The reason.
        error: OfflineError,
        /// Whether the record extended the chain.
        chained: bool,
    },
}

impl CheckOutcome {
    /// The rejection code, if rejected.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            CheckOutcome::Rejected { error, .. } | CheckOutcome::Pending { error } => Some(error.code()),
            _ => None,
        }
    }
}

/// Serializes as `{"status": "valid"}`, `{"status": "duplicate"}`,
/// `{"status": "pending", "code": <stable error code>}` or
/// `{"status": "rejected", "code": <stable error code>, "chained": <bool>}` (the shape of the
/// `offline.verify_chain` conformance operation and of the bindings' reports).
impl Serialize for CheckOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CheckOutcome::Valid => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("status", "valid")?;
                m.end()
            }
            CheckOutcome::Duplicate => {
                let mut m = serializer.serialize_map(Some(1))?;
                m.serialize_entry("status", "duplicate")?;
                m.end()
            }
            CheckOutcome::Pending { error } => {
                let mut m = serializer.serialize_map(Some(2))?;
                m.serialize_entry("status", "pending")?;
                m.serialize_entry("code", error.code())?;
                m.end()
            }
            CheckOutcome::Rejected { error, chained } => {
                let mut m = serializer.serialize_map(Some(3))?;
                m.serialize_entry("status", "rejected")?;
                m.serialize_entry("code", error.code())?;
                m.serialize_entry("chained", chained)?;
                m.end()
            }
        }
    }
}

/// The result of [`verify_chain`]. Serializes as `{"checks": [...], "chains": {device id: chain}}`
/// (each check as described on [`CheckOutcome`]'s `Serialize` impl).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// One verdict per input record, in input order.
    pub checks: Vec<CheckOutcome>,
    /// The devices' chains after the records that extended them.
    pub chains: BTreeMap<Uuid, DeviceChain>,
}

fn rejected(error: OfflineError, chained: bool) -> CheckOutcome {
    CheckOutcome::Rejected { error, chained }
}

/// Verifies `records` (any order, any devices) against the known `chains`. Signatures are
/// checked with the batch verifier ([`super::crypto::verify_many`]); then each device's records are walked in sequence order.
/// The result does not depend on the order of `records`, and an exact duplicate in the input is
/// reported as `Duplicate` (the copy with the higher index).
pub fn verify_chain(
    registry: &DeviceRegistry,
    festival_id: Uuid,
    chains: &BTreeMap<Uuid, DeviceChain>,
    records: &[SignedRecord],
    now: Timestamp,
    config: &ChainConfig,
) -> ChainReport {
    verify_chain_with(registry, festival_id, chains, records, now, config, &verify_many)
}

/// Computes one signature verdict per `(key, signing input, signature)` item, in order, exactly as
/// [`verify_many`] does (e.g. the multi-threaded `offline::parallel::verify_many_parallel`).
pub type SignatureVerifier<'a> = &'a dyn Fn(&[(StrictPublicKey, &[u8], [u8; 64])]) -> Vec<bool>;

/// [`verify_chain`] with its signature stage done by `verify`, which must give the verdicts of
/// [`verify_many`] (a verdict missing from its result counts as a bad signature).
pub fn verify_chain_with(
    registry: &DeviceRegistry,
    festival_id: Uuid,
    chains: &BTreeMap<Uuid, DeviceChain>,
    records: &[SignedRecord],
    now: Timestamp,
    config: &ChainConfig,
    verify: SignatureVerifier<'_>,
) -> ChainReport {
    verify_chain_impl(registry, festival_id, chains, records, now, config, verify, &Sequential)
}

/// [`verify_chain_with`] with the per-device walks run by `exec`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_chain_impl<E: Exec>(
    registry: &DeviceRegistry,
    festival_id: Uuid,
    chains: &BTreeMap<Uuid, DeviceChain>,
    records: &[SignedRecord],
    now: Timestamp,
    config: &ChainConfig,
    verify: SignatureVerifier<'_>,
    exec: &E,
) -> ChainReport {
    let mut checks: Vec<Option<CheckOutcome>> = vec![None; records.len()];
    // Signatures of records of known devices.
    let mut sig_items: Vec<(StrictPublicKey, &[u8], [u8; 64])> = Vec::with_capacity(records.len());
    let mut sig_index: Vec<usize> = Vec::with_capacity(records.len());
    for (i, rec) in records.iter().enumerate() {
        match registry.get(&rec.body().device_id) {
            None => {
                checks[i] = Some(CheckOutcome::Pending {
                    error: OfflineError::UnknownDevice { device_id: rec.body().device_id },
                })
            }
            Some(dev) => {
                sig_items.push((dev.key, rec.signed_message(), *rec.signature()));
                sig_index.push(i);
            }
        }
    }
    let sig_ok = verify(&sig_items);
    for (j, i) in sig_index.iter().enumerate() {
        if !sig_ok.get(j).copied().unwrap_or(false) {
            checks[*i] = Some(rejected(OfflineError::BadSignature {}, false));
        }
    }
    // Per device, in (sequence, bytes) order: each device's walk reads only its own records and
    // chain, so the walks are jobs (`exec`), combined in device order.
    let mut by_device: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (i, rec) in records.iter().enumerate() {
        if checks[i].is_none() {
            by_device.entry(rec.body().device_id).or_default().push(i);
        }
    }
    let mut walks: Vec<DeviceWalk> =
        by_device.into_iter().map(|(device_id, idx)| DeviceWalk { device_id, idx, chain: None, out: Vec::new() }).collect();
    let ctx = WalkCtx { registry, festival_id, chains, records, now, config };
    exec.run(&mut walks, &|w: &DeviceWalk| w.idx.len(), &|w: &mut DeviceWalk| walk_device(&ctx, w), &|w: &mut DeviceWalk| {
        w.chain = None;
        w.out.clear();
    });
    // The chains of devices without records here stay as they were.
    let mut out_chains: BTreeMap<Uuid, DeviceChain> = chains
        .iter()
        .filter(|(id, _)| walks.binary_search_by(|w| w.device_id.cmp(id)).is_err())
        .map(|(id, c)| (*id, c.clone()))
        .collect();
    for w in walks {
        for (i, c) in w.idx.iter().zip(w.out) {
            if let Some(c) = c {
                if let Some(slot) = checks.get_mut(*i) {
                    *slot = Some(c);
                }
            }
        }
        out_chains.insert(w.device_id, w.chain.unwrap_or_else(|| chains.get(&w.device_id).cloned().unwrap_or_default()));
    }
    let checks =
        checks.into_iter().map(|c| c.unwrap_or_else(|| rejected(OfflineError::BadSignature {}, false))).collect();
    ChainReport { checks, chains: out_chains }
}

/// What every device walk reads.
struct WalkCtx<'a> {
    registry: &'a DeviceRegistry,
    festival_id: Uuid,
    chains: &'a BTreeMap<Uuid, DeviceChain>,
    records: &'a [SignedRecord],
    now: Timestamp,
    config: &'a ChainConfig,
}

/// One device's walk: its records (indexes into the input), its chain after the walk, and one
/// verdict per record in `idx` order (`None`: none given).
struct DeviceWalk {
    device_id: Uuid,
    idx: Vec<usize>,
    chain: Option<DeviceChain>,
    out: Vec<Option<CheckOutcome>>,
}

/// Walks one device's records in (sequence, bytes) order from its known chain.
fn walk_device(ctx: &WalkCtx<'_>, w: &mut DeviceWalk) {
    let WalkCtx { registry, festival_id, chains, records, now, config } = *ctx;
    let device_id = w.device_id;
    w.idx.sort_by(|a, b| {
        let (ra, rb) = (&records[*a], &records[*b]);
        (ra.body().sequence, ra.as_bytes(), *a).cmp(&(rb.body().sequence, rb.as_bytes(), *b))
    });
    let idx = &w.idx;
    let out = &mut w.out;
    out.clear();
    out.resize(idx.len(), None);
    let chain = w.chain.insert(chains.get(&device_id).cloned().unwrap_or_default());
    let Some(dev) = registry.get(&device_id) else { return };
    // The validity window ended: everything after what the server holds now is past the cut.
    if chain.window_cut.as_ref().is_some_and(|c| c.revoked_at != dev.entry.valid_until) {
        chain.window_cut = None;
    }
    if now >= dev.entry.valid_until && chain.window_cut.is_none() {
        chain.window_cut = Some(RevocationCut {
            sequence: chain.last_sequence,
            reason: "validity window ended".into(),
            revoked_at: dev.entry.valid_until,
            accepted: None,
        });
    }
    let mut k = 0;
    while k < idx.len() {
        let seq = records[idx[k]].body().sequence;
        let mut group: Vec<usize> = Vec::new();
        while k < idx.len() && records[idx[k]].body().sequence == seq {
            group.push(k);
            k += 1;
        }
        // Exact copies within the input: the first copy is judged, later ones are duplicates.
        let mut distinct: Vec<usize> = Vec::new();
        for i in group {
            if distinct.iter().any(|d| records[idx[*d]].as_bytes() == records[idx[i]].as_bytes()) {
                out[i] = Some(CheckOutcome::Duplicate);
            } else {
                distinct.push(i);
            }
        }
        if chain.lost_contains(seq) {
            for i in distinct {
                out[i] = Some(rejected(OfflineError::DeclaredLost { device_id, sequence: seq.to_string() }, false));
            }
            continue;
        }
        if seq <= chain.last_sequence {
            for i in distinct {
                let h = Digest(records[idx[i]].hash());
                out[i] = Some(if chain.history.get(seq) == Some(h) {
                    CheckOutcome::Duplicate
                } else {
                    rejected(OfflineError::Fork { device_id, sequence: seq.to_string() }, false)
                });
            }
            continue;
        }
        let expected = chain.last_sequence.saturating_add(1);
        if seq != expected {
            for i in distinct {
                out[i] = Some(CheckOutcome::Pending {
                    error: OfflineError::SequenceGap {
                        device_id,
                        expected: expected.to_string(),
                        found: seq.to_string(),
                    },
                });
            }
            // Everything after a gap waits too (it cannot be linked yet).
            while k < idx.len() {
                let found = records[idx[k]].body().sequence;
                out[k] = Some(CheckOutcome::Pending {
                    error: OfflineError::SequenceGap {
                        device_id,
                        expected: expected.to_string(),
                        found: found.to_string(),
                    },
                });
                k += 1;
            }
            continue;
        }
        if distinct.len() > 1 || chain.forks.contains(&seq) {
            if !chain.forks.contains(&seq) {
                chain.forks.push(seq);
            }
            for i in distinct {
                out[i] = Some(rejected(OfflineError::Fork { device_id, sequence: seq.to_string() }, false));
            }
            continue;
        }
        let Some(&i) = distinct.first() else { continue };
        let rec = &records[idx[i]];
        let body = rec.body();
        if body.prev_hash != chain.last_hash.0 && !chain.link_unknown() {
            out[i] = Some(rejected(OfflineError::ChainBroken { device_id, sequence: seq.to_string() }, false));
            continue;
        }
        // Not part of this festival's log of the device: never touches the chain.
        if let Err(error) = festival_check(dev, rec, festival_id) {
            out[i] = Some(rejected(error, false));
            continue;
        }
        // A clock ahead of the server's: wait (without touching the chain) until time passes.
        if body.device_time.millis_since(now) > config.max_future_skew_ms {
            let error = OfflineError::ClockSkew {
                device_id,
                record_time: body.device_time,
                reference: now,
                max_skew_ms: config.max_future_skew_ms,
            };
            out[i] = Some(CheckOutcome::Pending { error: error.clone() });
            while k < idx.len() {
                if out[k].is_none() {
                    out[k] = Some(CheckOutcome::Pending { error: error.clone() });
                }
                k += 1;
            }
            continue;
        }
        // Authentic and linked: it extends the chain whatever the policy says below.
        let prev_hlc = chain.last_hlc;
        let prev_anchor = chain.last_anchor;
        chain.last_sequence = seq;
        chain.last_hash = Digest(rec.hash());
        chain.last_hlc = Some(body.hlc);
        chain.history.insert(seq, chain.last_hash);
        if let Err(error) = anchor_check(chain, rec, prev_anchor) {
            out[i] = Some(rejected(error, true));
            continue;
        }
        if body.anchor.is_some() {
            chain.last_anchor = body.anchor;
        }
        let Some((revoked, cut)) = cut_for(chain, seq) else {
            out[i] = Some(match policy_check(dev, rec, prev_hlc, festival_id, now, config) {
                Ok(()) => CheckOutcome::Valid,
                Err(error) => rejected(error, true),
            });
            continue;
        };
        // Past a cut: rejected, or accepted within the bound, whatever the record's date says.
        let cut_error = if revoked {
            OfflineError::DeviceRevoked { device_id, revoked_at: cut.revoked_at, record_time: body.device_time }
        } else {
            OfflineError::DeviceOutsideWindow {
                device_id,
                record_time: body.device_time,
                valid_from: dev.entry.valid_from,
                valid_until: dev.entry.valid_until,
            }
        };
        let AfterCut::AcceptUpTo { amount: bound } = config.after_cut else {
            out[i] = Some(rejected(cut_error, true));
            continue;
        };
        if body.device_time >= cut.revoked_at {
            out[i] = Some(rejected(cut_error, true));
            continue;
        }
        if let Err(error) = policy_check(dev, rec, prev_hlc, festival_id, now, config) {
            out[i] = Some(rejected(error, true));
            continue;
        }
        let used = cut.accepted.unwrap_or(Money::zero(bound.currency()));
        let after = match record_money(rec) {
            Some(m) => used.checked_add(&m).ok(),
            None => Some(used),
        };
        out[i] = Some(match after.filter(|a| a.currency() == bound.currency() && a.amount() <= bound.amount()) {
            Some(a) => {
                let cut = if revoked { chain.revoked_after.as_mut() } else { chain.window_cut.as_mut() };
                if let Some(cut) = cut {
                    cut.accepted = Some(a);
                }
                CheckOutcome::Valid
            }
            None => rejected(cut_error, true),
        });
    }
}

/// The record and its device belong to `festival_id` (checked before the record may touch the chain).
fn festival_check(
    dev: &super::registry::RegisteredDevice,
    rec: &SignedRecord,
    festival_id: Uuid,
) -> Result<(), OfflineError> {
    if dev.entry.festival_id != festival_id {
        return Err(OfflineError::WrongFestival { expected: festival_id, actual: dev.entry.festival_id });
    }
    if rec.body().festival_id != festival_id {
        return Err(OfflineError::WrongFestival { expected: festival_id, actual: rec.body().festival_id });
    }
    Ok(())
}

fn policy_check(
    dev: &super::registry::RegisteredDevice,
    rec: &SignedRecord,
    prev_hlc: Option<Hlc>,
    festival_id: Uuid,
    now: Timestamp,
    config: &ChainConfig,
) -> Result<(), OfflineError> {
    let body = rec.body();
    let device_id = body.device_id;
    if let Some(prev) = prev_hlc {
        if body.hlc <= prev {
            return Err(OfflineError::HlcRegression { device_id, sequence: body.sequence.to_string() });
        }
    }
    let _ = now;
    let hlc_time = Timestamp::from_unix_millis(body.hlc.physical_ms).unwrap_or_default();
    if body.device_time.millis_since(hlc_time).abs() > config.max_hlc_skew_ms {
        return Err(OfflineError::ClockSkew {
            device_id,
            record_time: body.device_time,
            reference: hlc_time,
            max_skew_ms: config.max_hlc_skew_ms,
        });
    }
    authorize_entry(&dev.entry, body, festival_id)
}
