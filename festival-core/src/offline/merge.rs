//! The merge log behind [`reconcile`](super::reconcile::reconcile): the non-final offline
//! records with their current decisions, and the evaluation of one wallet or one ticket (a
//! *subject*) in the total order.
//!
//! Every chain-verified record is logged under its position in the total order (HLC, device,
//! sequence) and attached to the one subject it affects (its wallet; its ticket; for a void, the
//! wallet or ticket of the voided record). A subject's state is a fold of its base (the wallet or
//! ticket as the server set it, plus every final record) over its non-final records in that order.
//! When a record lands before records that were already decided, only that subject's suffix is
//! folded again (from the new record on; from the start under the `reject` policy, whose verdict
//! depends on all of a wallet's records). Records appended in order cost one wallet operation.

use super::reconcile::{
    AcceptedRecord, Alert, ConflictPolicy, FinalRecords, PublishedRevocationList, Resolution, StaleRevocationList,
    TicketState,
};
use super::record::{u64_string, CatalogSale, Digest, Direction, Hlc, LineItem, RecordKind, ScanFact};
use crate::access::policy::{CheckinContext, CheckinPolicy, PolicyDecision};
use crate::error::ErrorCode;
use crate::money::{Currency, Money};
use crate::wallet::{Entry, LineItem as WalletLineItem, Operation, TopUpMethod, Wallet};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Position in the total order: HLC, device id, sequence (unique among chain-verified records).
pub(crate) type OrderKey = (Hlc, Uuid, u64);

/// The smallest key (for "from the start" evaluation).
pub(crate) const KEY_MIN: OrderKey = (Hlc { physical_ms: i64::MIN, logical: 0 }, Uuid::nil(), 0);

/// What a record does, reduced to what evaluation needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Fact {
    TopUp {
        wallet_id: Uuid,
        amount: Money,
    },
    Payment {
        wallet_id: Uuid,
        amount: Money,
        stand_id: Uuid,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<LineItem>,
        /// The catalog version and lines of a catalog payment (record version 4).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        catalog: Option<CatalogSale>,
    },
    Refund {
        wallet_id: Uuid,
        amount: Money,
        original_record_id: Uuid,
    },
    /// Returned deposit items (record version 4), checked against the published catalog.
    DepositReturn {
        wallet_id: Uuid,
        stand_id: Uuid,
        product: String,
        quantity: u32,
        amount: Money,
        catalog_version: u32,
    },
    Scan {
        ticket_id: Uuid,
        direction: Direction,
        /// The zone, for scan facts (the policy's zones are matched against it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone_id: Option<Uuid>,
        /// The gate's decision, for scan facts (record version 3).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gate: Option<ScanFact>,
    },
    /// A void of a payment of the same device.
    VoidPayment {
        wallet_id: Uuid,
        target: Uuid,
    },
    /// A void of a scan of the same device (`direction`: the scan's).
    VoidScan {
        ticket_id: Uuid,
        target: Uuid,
        direction: Direction,
        /// For an annulled entry of a scan fact: its time, which stops counting on the policies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entry_at: Option<Timestamp>,
        /// For a scan fact: its zone (per-zone presence leaves or re-enters it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone_id: Option<Uuid>,
    },
}

/// The wallet or ticket a record affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub(crate) enum Subject {
    Wallet(Uuid),
    Ticket(Uuid),
}

impl Fact {
    pub(crate) fn subject(&self) -> Subject {
        match self {
            Fact::TopUp { wallet_id, .. }
            | Fact::Payment { wallet_id, .. }
            | Fact::Refund { wallet_id, .. }
            | Fact::DepositReturn { wallet_id, .. }
            | Fact::VoidPayment { wallet_id, .. } => Subject::Wallet(*wallet_id),
            Fact::Scan { ticket_id, .. } | Fact::VoidScan { ticket_id, .. } => Subject::Ticket(*ticket_id),
        }
    }
}

/// The current decision on a logged record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Decision {
    Accepted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refund: Option<Money>,
    },
    Rejected {
        reason: String,
    },
    Conflict {
        resolution: Resolution,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        debt: Option<Money>,
        accepted: bool,
    },
    /// A scan fact: applied iff the gate admitted it (reconciliation never undoes an entry that
    /// happened); `in_error` is the server's code when it would have denied an admitted scan.
    GateScan {
        applied: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server: Option<PolicyDecision>,
        /// Zones the entry left (per-zone presence, the policy's `leaves_zones`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        left: Vec<Uuid>,
        /// The newer revocation list that revoked the ticket before the scan (the gate's was stale).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stale: Option<StaleRevocationList>,
    },
}

impl Decision {
    fn rejected(code: &str) -> Decision {
        Decision::Rejected { reason: code.to_string() }
    }

    /// Whether the record took effect (it has a wallet entry or changed a ticket).
    pub(crate) fn applied(&self) -> bool {
        match self {
            Decision::Accepted { .. } => true,
            Decision::Rejected { .. } => false,
            Decision::Conflict { accepted, .. } => *accepted,
            Decision::GateScan { applied, .. } => *applied,
        }
    }
}

/// One logged (non-final) record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Logged {
    pub hlc: Hlc,
    pub device_id: Uuid,
    #[serde(with = "u64_string")]
    pub sequence: u64,
    pub record_id: Uuid,
    pub hash: Digest,
    pub at: Timestamp,
    pub kind: RecordKind,
    pub fact: Fact,
    pub decision: Decision,
}

impl Logged {
    pub(crate) fn key(&self) -> OrderKey {
        (self.hlc, self.device_id, self.sequence)
    }
}

/// A record kept until the cause of its wait goes away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingRecord {
    #[serde(with = "hex_bytes")]
    pub bytes: Vec<u8>,
    pub device_id: Uuid,
    #[serde(with = "u64_string")]
    pub sequence: u64,
    pub code: String,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::interop::hex_encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let t = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::interop::hex_decode("bytes", &t).map_err(serde::de::Error::custom)
    }
}

/// The log serializes as a list of records (its keys are derived from them).
mod log_as_list {
    use super::{Logged, OrderKey};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;
    pub fn serialize<S: Serializer>(v: &BTreeMap<OrderKey, Logged>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.values())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<OrderKey, Logged>, D::Error> {
        let list = Vec::<Logged>::deserialize(d)?;
        let mut map = BTreeMap::new();
        for l in list {
            if map.insert(l.key(), l).is_some() {
                return Err(serde::de::Error::custom("two logged records with the same order key"));
            }
        }
        Ok(map)
    }
}

/// The non-final part of the reconciliation state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct MergeLog {
    /// Finality watermark: records ordered before it are final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Timestamp>,
    /// Non-final records by order key.
    #[serde(default, with = "log_as_list", skip_serializing_if = "BTreeMap::is_empty")]
    pub log: BTreeMap<OrderKey, Logged>,
    /// Ticket states as the server set them, for tickets with non-final scans.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ticket_bases: BTreeMap<Uuid, TicketState>,
    /// Records that wait, by hash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<Digest, PendingRecord>,
    /// Subjects whose base changed since the last call (wallet added, ticket set).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub dirty: BTreeSet<Subject>,
    /// (subject, key) of every logged record (rebuilt on load).
    #[serde(skip)]
    pub subjects: BTreeSet<(Subject, OrderKey)>,
    /// Owner (smallest key) of each record id among logged records (rebuilt on load).
    #[serde(skip)]
    pub ids: BTreeMap<Uuid, OrderKey>,
    /// Ids of final records that owned their id without taking effect: later records with the
    /// same id stay `RECONCILE_RECORD_ID_REUSED`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub spent_ids: BTreeSet<Uuid>,
    /// Double-spend loss of final records, per wallet (see [`loss_of`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub final_loss: BTreeMap<Uuid, Money>,
}

/// The double-spend loss of a logged payment: the whole amount if it was rejected as a double
/// spend (the goods were handed over offline), its debt if it was accepted with debt.
pub(crate) fn loss_of(l: &Logged) -> Option<(Uuid, Money)> {
    let Fact::Payment { wallet_id, amount, .. } = &l.fact else { return None };
    match &l.decision {
        Decision::Conflict { accepted: false, .. } => Some((*wallet_id, *amount)),
        Decision::Conflict { accepted: true, debt: Some(d), .. } if d.is_positive() => Some((*wallet_id, *d)),
        _ => None,
    }
}

impl MergeLog {
    /// Rebuilds the indexes after deserialization.
    pub(crate) fn rebuild(&mut self) {
        self.subjects.clear();
        self.ids.clear();
        for (k, l) in &self.log {
            self.subjects.insert((l.fact.subject(), *k));
            self.ids.entry(l.record_id).or_insert(*k);
        }
    }

    /// Keys of `subject`'s logged records from `from` on.
    pub(crate) fn keys_from(&self, subject: Subject, from: OrderKey) -> Vec<OrderKey> {
        self.subjects.range((subject, from)..).take_while(|(s, _)| *s == subject).map(|(_, k)| *k).collect()
    }

    /// The first logged key of `subject`.
    pub(crate) fn first_key(&self, subject: Subject) -> Option<OrderKey> {
        self.subjects.range((subject, KEY_MIN)..).next().filter(|(s, _)| *s == subject).map(|(_, k)| *k)
    }
}

/// Money effects of one record's decision on the wallet totals (top-ups, payments, refunds,
/// deposit returns).
pub(crate) fn effect(fact: &Fact, d: &Decision, currency: Currency) -> [Money; 4] {
    let zero = Money::zero(currency);
    let mut out = [zero; 4];
    if !d.applied() {
        return out;
    }
    match fact {
        Fact::TopUp { amount, .. } => out[0] = *amount,
        Fact::Payment { amount, .. } => out[1] = *amount,
        Fact::Refund { amount, .. } => out[2] = *amount,
        Fact::DepositReturn { amount, .. } => out[3] = *amount,
        Fact::VoidPayment { .. } => {
            if let Decision::Accepted { refund: Some(r) } = d {
                out[2] = *r
            }
        }
        _ => {}
    }
    out
}

/// What evaluation of one subject reads besides the subject's own records.
pub(crate) struct Ctx<'a> {
    pub currency: Currency,
    pub policy: ConflictPolicy,
    pub finals: &'a FinalRecords,
    pub ids: &'a BTreeMap<Uuid, OrderKey>,
    pub spent: &'a BTreeSet<Uuid>,
    /// How scan facts change tickets (policies, per-zone presence).
    pub tickets: TicketRules<'a>,
    /// Revocation lists the server published, by version.
    pub revocations: &'a BTreeMap<u64, PublishedRevocationList>,
    /// Product catalogs the server published, by version (for catalog payments).
    pub catalogs: &'a BTreeMap<u32, crate::catalog::Catalog>,
}

/// What a ticket record's effect depends on besides the record: the check-in policies (the
/// entries they count, the zones an entry leaves) and whether presence is tracked per zone.
#[derive(Clone, Copy)]
pub(crate) struct TicketRules<'a> {
    /// Check-in policies for scan facts, by id.
    pub checkin: &'a BTreeMap<String, CheckinPolicy>,
    /// Track presence per zone ([`super::reconcile::ReconcileConfig::per_zone_presence`]).
    pub per_zone: bool,
}

impl TicketRules<'_> {
    /// The check-in policy of a zone (matched by the zone's UUID text).
    fn policy_for(&self, zone: Uuid) -> Option<&CheckinPolicy> {
        let zone = zone.to_string();
        self.checkin.values().find(|p| p.zones().iter().any(|z| *z == zone))
    }
}

/// Applies the effect of ticket record `l` under decision `d` to `t`: the one place that changes a
/// ticket, used by the fold and when records become final (the base of the records after them).
/// Returns the zones an admitted scan-fact entry left.
pub(crate) fn apply_ticket_effect(l: &Logged, d: &Decision, t: &mut TicketState, rules: TicketRules<'_>) -> Vec<Uuid> {
    if !d.applied() {
        return Vec::new();
    }
    let mut left = Vec::new();
    match &l.fact {
        Fact::Scan { direction, zone_id: Some(zone), gate: Some(_), .. } => {
            let policy = rules.policy_for(*zone);
            if rules.per_zone {
                match direction {
                    Direction::In => {
                        for other in policy.map(CheckinPolicy::leaves_zones).unwrap_or_default() {
                            if let Ok(o) = other.parse::<Uuid>() {
                                if o != *zone && t.zones.remove(&o) {
                                    left.push(o);
                                }
                            }
                        }
                        t.zones.insert(*zone);
                    }
                    Direction::Out => {
                        t.zones.remove(zone);
                    }
                }
                t.inside = !t.zones.is_empty();
            } else {
                t.inside = *direction == Direction::In;
            }
            if let (Some(p), Direction::In) = (policy, direction) {
                let list = t.entries.entry(p.id().to_string()).or_default();
                let at = list.partition_point(|x| *x <= l.at);
                list.insert(at, l.at);
            }
        }
        Fact::Scan { direction, .. } => t.inside = *direction == Direction::In,
        Fact::VoidScan { direction, entry_at, zone_id, .. } => {
            match (rules.per_zone, zone_id) {
                (true, Some(z)) => {
                    if *direction == Direction::In {
                        t.zones.remove(z);
                    } else {
                        t.zones.insert(*z);
                    }
                    t.inside = !t.zones.is_empty();
                }
                _ => t.inside = *direction == Direction::Out,
            }
            if let Some(at) = entry_at {
                for list in t.entries.values_mut() {
                    if let Some(i) = list.iter().position(|x| x == at) {
                        list.remove(i);
                    }
                }
                t.entries.retain(|_, l| !l.is_empty());
            }
        }
        _ => {}
    }
    left
}

/// Record ids seen while folding one subject: applied payments / scans and whether voided.
#[derive(Default)]
struct Pass {
    applied: BTreeMap<Uuid, bool>,
    voided_finals: BTreeSet<Uuid>,
}

impl Pass {
    /// The pass state after the records before `upto` (their stored decisions).
    fn before(log: &MergeLog, subject: Subject, upto: OrderKey) -> Pass {
        let mut p = Pass::default();
        for (_, k) in log.subjects.range((subject, KEY_MIN)..(subject, upto)) {
            if let Some(l) = log.log.get(k) {
                if l.decision.applied() {
                    p.note(l);
                }
            }
        }
        p
    }

    fn note(&mut self, l: &Logged) {
        match &l.fact {
            Fact::Payment { .. } | Fact::Scan { .. } => {
                self.applied.insert(l.record_id, false);
            }
            Fact::VoidPayment { target, .. } | Fact::VoidScan { target, .. } => {
                if let Some(v) = self.applied.get_mut(target) {
                    *v = true;
                } else {
                    self.voided_finals.insert(*target);
                }
            }
            _ => {}
        }
    }

    /// Whether `target` is an applied, not voided record of this subject (logged or final).
    fn live(&self, target: &Uuid, ctx: &Ctx<'_>, is: impl Fn(&AcceptedRecord) -> bool) -> bool {
        match self.applied.get(target) {
            Some(voided) => !voided,
            None => ctx.finals.get(target).is_some_and(|f| is(&f) && !f.voided) && !self.voided_finals.contains(target),
        }
    }
}

fn wallet_items(items: &[LineItem], amount: Money) -> Vec<WalletLineItem> {
    if items.is_empty() {
        return vec![WalletLineItem::new("offline", 1, amount)];
    }
    items.iter().map(|i| WalletLineItem::new(i.product_id.to_string(), i.quantity, i.unit_price)).collect()
}

const REUSED: &str = "RECONCILE_RECORD_ID_REUSED";
const BAD_REF: &str = "RECONCILE_INVALID_REFERENCE";
const UNKNOWN_WALLET: &str = "RECONCILE_UNKNOWN_WALLET";
const UNKNOWN_CATALOG: &str = "RECONCILE_UNKNOWN_CATALOG";
const DOUBLE_SPEND: &str = "RECONCILE_DOUBLE_SPEND";
const DOUBLE_ADMISSION: &str = "RECONCILE_DOUBLE_ADMISSION";

fn owner_ok(l: &Logged, ctx: &Ctx<'_>) -> bool {
    ctx.ids.get(&l.record_id) == Some(&l.key())
        && !ctx.finals.contains_key(&l.record_id)
        && !ctx.spent.contains(&l.record_id)
}

/// Folds a wallet's records `keys` (in order) onto `wallet` (None: unknown wallet). Returns the
/// decisions in order.
pub(crate) fn eval_wallet(
    log: &MergeLog,
    subject: Subject,
    keys: &[OrderKey],
    mut wallet: Option<&mut Wallet>,
    ctx: &Ctx<'_>,
    alerts: &mut BTreeSet<Alert>,
) -> Vec<Decision> {
    let Some(first) = keys.first() else { return Vec::new() };
    let mut pass = Pass::before(log, subject, *first);
    // Under `reject`, a wallet with a double spend among its (non-final) records has all of its
    // offline payments rejected: find out with a first-wins fold on a copy.
    let reject_all = if ctx.policy == ConflictPolicy::Reject {
        let mut sim = wallet.as_deref().cloned();
        let mut sim_pass = Pass::before(log, subject, *first);
        let mut found = BTreeSet::new();
        let sim_ctx = Ctx { policy: ConflictPolicy::FirstWins, ..*ctx };
        for k in keys {
            if let Some(l) = log.log.get(k) {
                let d = apply_wallet(l, sim.as_mut(), &mut sim_pass, &sim_ctx, false, &mut found);
                if d.applied() {
                    sim_pass.note(l);
                }
            }
        }
        let any = found.iter().any(|a| matches!(a, Alert::DoubleSpend { .. }));
        alerts.extend(found);
        any
    } else {
        false
    };
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let Some(l) = log.log.get(k) else { continue };
        let d = apply_wallet(l, wallet.as_deref_mut(), &mut pass, ctx, reject_all, alerts);
        if d.applied() {
            pass.note(l);
        }
        out.push(d);
    }
    out
}

fn apply_wallet(
    l: &Logged,
    wallet: Option<&mut Wallet>,
    pass: &mut Pass,
    ctx: &Ctx<'_>,
    reject_all: bool,
    alerts: &mut BTreeSet<Alert>,
) -> Decision {
    if !owner_ok(l, ctx) {
        return Decision::rejected(REUSED);
    }
    let currency_ok = |m: &Money| m.currency() == ctx.currency;
    let (record_id, at) = (l.record_id, l.at);
    let entry_result = |r: Result<crate::wallet::Outcome, crate::wallet::WalletError>| match r {
        Ok(o) if o.replayed => Err(Decision::rejected(REUSED)),
        Ok(o) => Ok(o),
        Err(e) => Err(Decision::rejected(e.code())),
    };
    match &l.fact {
        Fact::TopUp { amount, .. } => {
            if !currency_ok(amount) {
                return Decision::rejected("RECONCILE_CURRENCY_MISMATCH");
            }
            let Some(w) = wallet else { return Decision::rejected(UNKNOWN_WALLET) };
            let op = Operation::TopUp { amount: *amount, method: TopUpMethod::Cash };
            match entry_result(w.apply(Entry::new(record_id, at, op))) {
                Ok(_) => Decision::Accepted { refund: None },
                Err(d) => d,
            }
        }
        Fact::Payment { wallet_id, amount, stand_id, items, catalog } => {
            if !currency_ok(amount) {
                return Decision::rejected("RECONCILE_CURRENCY_MISMATCH");
            }
            let Some(w) = wallet else { return Decision::rejected(UNKNOWN_WALLET) };
            // A catalog payment is checked against the catalog the server published for its
            // version, with the wallet's age class, as an online POS checks it.
            let priced = match catalog {
                None => None,
                Some(sale) => match ctx.catalogs.get(&sale.version) {
                    Some(c) => Some((c, sale)),
                    None => return Decision::rejected(UNKNOWN_CATALOG),
                },
            };
            if reject_all {
                return Decision::Conflict {
                    resolution: Resolution::RejectedAll,
                    reason: DOUBLE_SPEND.into(),
                    debt: None,
                    accepted: false,
                };
            }
            let op = Operation::Payment {
                stand_id: *stand_id,
                device_id: Some(l.device_id),
                items: match priced {
                    Some((_, sale)) => sale.lines.clone(),
                    None => wallet_items(items, *amount),
                },
                allow_debt: ctx.policy == ConflictPolicy::AcceptWithDebt,
                catalog_version: priced.map(|(_, sale)| sale.version),
            };
            let spendable = w.spendable(at);
            let entry = Entry::new(record_id, at, op);
            let applied = match priced {
                Some((c, _)) => w.apply_with_catalog(entry, c),
                None => w.apply(entry),
            };
            match applied {
                Ok(o) if o.replayed => Decision::rejected(REUSED),
                Ok(o) if o.debt_delta.is_positive() => {
                    alerts.insert(Alert::DoubleSpend {
                        wallet_id: *wallet_id,
                        record_id,
                        device_id: l.device_id,
                        shortfall: o.debt_delta.amount_string(),
                    });
                    Decision::Conflict {
                        resolution: Resolution::AcceptedWithDebt,
                        reason: DOUBLE_SPEND.into(),
                        debt: Some(o.debt_delta),
                        accepted: true,
                    }
                }
                Ok(_) => Decision::Accepted { refund: None },
                Err(crate::wallet::WalletError::InsufficientFunds { .. }) => {
                    let shortfall = amount.checked_sub(&spendable).map(|m| m.amount_string()).unwrap_or_default();
                    alerts.insert(Alert::DoubleSpend {
                        wallet_id: *wallet_id,
                        record_id,
                        device_id: l.device_id,
                        shortfall,
                    });
                    Decision::Conflict {
                        resolution: Resolution::RejectedLater,
                        reason: DOUBLE_SPEND.into(),
                        debt: None,
                        accepted: false,
                    }
                }
                Err(e) => Decision::rejected(e.code()),
            }
        }
        Fact::Refund { wallet_id, amount, original_record_id } => {
            if !currency_ok(amount) {
                return Decision::rejected("RECONCILE_CURRENCY_MISMATCH");
            }
            let is_payment = |f: &AcceptedRecord| f.kind == RecordKind::Payment && f.wallet_id == Some(*wallet_id);
            if !pass.live(original_record_id, ctx, is_payment) {
                return Decision::rejected(BAD_REF);
            }
            let Some(w) = wallet else { return Decision::rejected(UNKNOWN_WALLET) };
            let op = Operation::Refund {
                payment_id: *original_record_id,
                amount: *amount,
                reason: Some("offline refund".into()),
            };
            match entry_result(w.apply(Entry::new(record_id, at, op))) {
                Ok(_) => Decision::Accepted { refund: Some(*amount) },
                Err(d) => d,
            }
        }
        Fact::DepositReturn { stand_id, product, quantity, amount, catalog_version, .. } => {
            if !currency_ok(amount) {
                return Decision::rejected("RECONCILE_CURRENCY_MISMATCH");
            }
            let Some(w) = wallet else { return Decision::rejected(UNKNOWN_WALLET) };
            let Some(c) = ctx.catalogs.get(catalog_version) else { return Decision::rejected(UNKNOWN_CATALOG) };
            let op = Operation::DepositReturn {
                stand_id: *stand_id,
                device_id: Some(l.device_id),
                product: product.clone(),
                quantity: *quantity,
                amount: *amount,
            };
            match entry_result(w.apply_with_catalog(Entry::new(record_id, at, op), c)) {
                Ok(_) => Decision::Accepted { refund: None },
                Err(d) => d,
            }
        }
        Fact::VoidPayment { target, .. } => {
            let is_payment = |f: &AcceptedRecord| f.kind == RecordKind::Payment && f.device_id == l.device_id;
            if !pass.live(target, ctx, is_payment) {
                return Decision::rejected(BAD_REF);
            }
            let Some(w) = wallet else { return Decision::rejected(UNKNOWN_WALLET) };
            let remaining = w.refundable_on_payment(*target).unwrap_or(Money::zero(ctx.currency));
            if !remaining.is_positive() {
                return Decision::Accepted { refund: None };
            }
            let op = Operation::Refund { payment_id: *target, amount: remaining, reason: Some("offline void".into()) };
            match entry_result(w.apply(Entry::new(record_id, at, op))) {
                Ok(_) => Decision::Accepted { refund: Some(remaining) },
                Err(d) => d,
            }
        }
        Fact::Scan { .. } | Fact::VoidScan { .. } => Decision::rejected(BAD_REF),
    }
}

/// Folds a ticket's records `keys` onto `ticket` (None: unknown ticket).
pub(crate) fn eval_ticket(
    log: &MergeLog,
    subject: Subject,
    keys: &[OrderKey],
    ticket: &mut Option<TicketState>,
    ctx: &Ctx<'_>,
    alerts: &mut BTreeSet<Alert>,
) -> Vec<Decision> {
    let Some(first) = keys.first() else { return Vec::new() };
    let mut pass = Pass::before(log, subject, *first);
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let Some(l) = log.log.get(k) else { continue };
        let d = apply_ticket(l, ticket, &mut pass, ctx, alerts);
        if d.applied() {
            pass.note(l);
        }
        out.push(d);
    }
    out
}

fn apply_ticket(
    l: &Logged,
    ticket: &mut Option<TicketState>,
    pass: &mut Pass,
    ctx: &Ctx<'_>,
    alerts: &mut BTreeSet<Alert>,
) -> Decision {
    if !owner_ok(l, ctx) {
        return Decision::rejected(REUSED);
    }
    let d = match &l.fact {
        Fact::Scan { ticket_id, direction, zone_id, gate: Some(gate) } => {
            return apply_scan_fact(l, *ticket_id, *direction, zone_id.unwrap_or_default(), gate, ticket, ctx, alerts)
        }
        Fact::Scan { ticket_id, direction, .. } => {
            let Some(t) = ticket.as_ref() else { return Decision::rejected("RECONCILE_UNKNOWN_TICKET") };
            if t.revoked {
                return Decision::rejected("RECONCILE_TICKET_REVOKED");
            }
            let double = *direction == Direction::In && t.inside;
            if double {
                alerts.insert(Alert::DoubleAdmission {
                    ticket_id: *ticket_id,
                    record_id: l.record_id,
                    device_id: l.device_id,
                });
                if ctx.policy != ConflictPolicy::AcceptWithDebt {
                    return Decision::Conflict {
                        resolution: Resolution::RejectedLater,
                        reason: DOUBLE_ADMISSION.into(),
                        debt: None,
                        accepted: false,
                    };
                }
                Decision::Conflict {
                    resolution: Resolution::AcceptedFlagged,
                    reason: DOUBLE_ADMISSION.into(),
                    debt: None,
                    accepted: true,
                }
            } else {
                Decision::Accepted { refund: None }
            }
        }
        Fact::VoidScan { ticket_id, target, .. } => {
            let is_scan = |f: &AcceptedRecord| {
                f.kind == RecordKind::Scan && f.device_id == l.device_id && f.scan.map(|s| s.0) == Some(*ticket_id)
            };
            if !pass.live(target, ctx, is_scan) {
                return Decision::rejected(BAD_REF);
            }
            Decision::Accepted { refund: None }
        }
        _ => return Decision::rejected(BAD_REF),
    };
    if let Some(t) = ticket.as_mut() {
        apply_ticket_effect(l, &d, t, ctx.tickets);
    }
    d
}

/// A scan fact (the gate's decision is signed into the record): the server decides it again with
/// what it knows — revocation (and which revocation list was current when the gate scanned),
/// presence (per zone when configured), the zone's check-in policy with the ticket's entries and
/// attributes — and records it as what it was. An admitted scan always takes effect (the person is
/// inside, or left); if the server would have denied it, `in_error` says why. A denied scan
/// changes nothing.
#[allow(clippy::too_many_arguments)]
fn apply_scan_fact(
    l: &Logged,
    ticket_id: Uuid,
    direction: Direction,
    zone_id: Uuid,
    gate: &ScanFact,
    ticket: &mut Option<TicketState>,
    ctx: &Ctx<'_>,
    alerts: &mut BTreeSet<Alert>,
) -> Decision {
    if !gate.admitted() {
        return Decision::GateScan { applied: false, in_error: None, server: None, left: Vec::new(), stale: None };
    }
    let policy = ctx.tickets.policy_for(zone_id);
    let Some(t) = ticket.as_mut() else {
        return Decision::GateScan {
            applied: true,
            in_error: Some("RECONCILE_UNKNOWN_TICKET".into()),
            server: None,
            left: Vec::new(),
            stale: None,
        };
    };
    let server = policy.map(|p| {
        p.evaluate(&CheckinContext {
            ticket_type_id: t.ticket_type_id.unwrap_or_default(),
            zone_id: zone_id.to_string(),
            gate: Some(l.device_id.to_string()),
            direction: match direction {
                Direction::In => crate::access::Direction::In,
                Direction::Out => crate::access::Direction::Out,
            },
            at: l.at,
            pending: t.pending,
            attributes: t.attributes.clone(),
            history: t.entries.get(p.id()).cloned().unwrap_or_default(),
        })
    });
    let stale = if direction == Direction::In {
        stale_list(ctx.revocations, gate.revocation_version, ticket_id, l.at)
    } else {
        None
    };
    let inside_here = if ctx.tickets.per_zone { t.zones.contains(&zone_id) } else { t.inside };
    let in_error = if stale.is_some() {
        Some("RECONCILE_STALE_REVOCATION_LIST")
    } else if t.revoked && direction == Direction::In {
        Some("RECONCILE_TICKET_REVOKED")
    } else if direction == Direction::In && inside_here {
        alerts.insert(Alert::DoubleAdmission { ticket_id, record_id: l.record_id, device_id: l.device_id });
        Some(DOUBLE_ADMISSION)
    } else if direction == Direction::Out && !inside_here {
        Some("RECONCILE_NOT_INSIDE")
    } else if server.as_ref().is_some_and(|d| d.decision != crate::access::Decision::Admit) {
        Some("RECONCILE_POLICY_DENIED")
    } else {
        None
    };
    let mut d =
        Decision::GateScan { applied: true, in_error: in_error.map(str::to_string), server, left: Vec::new(), stale };
    let left_now = apply_ticket_effect(l, &d, t, ctx.tickets);
    if let Decision::GateScan { left, .. } = &mut d {
        *left = left_now;
    }
    d
}

/// The revocation list that made the gate's list `gate_version` stale for `ticket_id` at `at`:
/// the newest list published at or before `at`, if it is newer than the gate's and revokes the
/// ticket while the gate's list did not.
fn stale_list(
    lists: &BTreeMap<u64, PublishedRevocationList>,
    gate_version: u64,
    ticket_id: Uuid,
    at: Timestamp,
) -> Option<StaleRevocationList> {
    let current = lists.values().filter(|l| l.published_at <= at).max_by_key(|l| l.version)?;
    if current.version <= gate_version || !current.revokes(&ticket_id) {
        return None;
    }
    if lists.get(&gate_version).is_some_and(|g| g.revokes(&ticket_id)) {
        return None;
    }
    Some(StaleRevocationList { gate_version, current_version: current.version, published_at: current.published_at })
}

/// The wallet rebuilt without the entries of `keys`' applied records (they are folded again).
pub(crate) fn wallet_without(
    w: &Wallet,
    log: &MergeLog,
    keys: &[OrderKey],
) -> Result<Option<Wallet>, crate::wallet::WalletError> {
    let remove: BTreeSet<Uuid> =
        keys.iter().filter_map(|k| log.log.get(k)).filter(|l| l.decision.applied()).map(|l| l.record_id).collect();
    if remove.is_empty() {
        return Ok(None);
    }
    w.without_entries(&remove).map(Some)
}
