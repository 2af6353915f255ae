//! Till sessions: open with a float, record cash movements and sales, close with counted amounts.
//!
//! State machine: `open` → (operations, sales) → `closed` (once). Every operation has a
//! caller-chosen id; recording the same id again with the same payload is a no-op that returns the
//! original outcome, with a different payload it is `TILL_OPERATION_CONFLICT`. Operation ids and
//! payment ids share one namespace per session. Nothing is recorded on a closed session
//! (`TILL_SESSION_CLOSED`), a session is closed once (`TILL_ALREADY_CLOSED`), amounts are in the
//! session's currency (`TILL_CURRENCY_MISMATCH`) and positive (`TILL_INVALID_AMOUNT`), and no time
//! is before the opening (`TILL_INVALID_TIME`).
//!
//! The drawer is derived from the operations (nothing stored separately can disagree):
//!
//! * expected cash = opening float + cash top-ups + cash from the safe (Einlage) + cash sales −
//!   payouts − cash to the safe (Entnahme);
//! * expected card = card top-ups + card sales (the card terminal's total);
//! * wallet sales touch neither (the wallet ledger holds them).
//!
//! A payout or a transfer to the safe that needs more cash than expected in the drawer is
//! `TILL_INSUFFICIENT_CASH`.
//!
//! Serde form of a session (`TillSession::to_json` / `from_json`, checked when read:
//! `TILL_STATE_INVALID`): `{"spec": SessionSpec, "operations": [TillOperation], "receipts":
//! [Receipt], "next_receipt_number": n, "closing": SignedClosing | null}` with `SessionSpec =
//! {"session_id", "till_id", "festival_id", "device_id", "stand_id"?, "cashier_id"?,
//! "opening_float": money, "first_receipt_number"? (default 1), "tax"? ({"rounding", "mode"},
//! default per_line / half_up), "opened_at"}` and `TillOperation = {"id", "at", "kind":
//! "cash_top_up" | "card_top_up" | "payout" | "safe_in" | "safe_out", "amount": money,
//! "wallet_id"?: uuid, "note"?: string}`.
//!
//! ```
//! use festival_core::till::{CountedAmounts, OperationKind, SessionSpec, TillOperation, TillSession};
//! use festival_core::{Currency, Money, Timestamp};
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let m = |s: &str| Money::parse(s, eur);
//! let t = |ms: i64| Timestamp::from_unix_millis(1_783_180_800_000 + ms);
//! let mut s = TillSession::open(SessionSpec::new(Uuid::from_u128(1), Uuid::from_u128(2),
//!     Uuid::from_u128(3), Uuid::from_u128(4), m("100.00")?, t(0)?))?;
//! s.record(TillOperation { id: Uuid::from_u128(10), at: t(1_000)?,
//!     kind: OperationKind::CashTopUp { amount: m("20.00")?, wallet_id: None } })?;
//! s.record(TillOperation { id: Uuid::from_u128(11), at: t(2_000)?,
//!     kind: OperationKind::Payout { amount: m("5.00")?, wallet_id: None } })?;
//! assert_eq!(s.totals()?.expected_cash, m("115.00")?);
//! let closing = s.close(t(3_000)?, CountedAmounts { cash: m("114.50")?, card: m("0")? }, &[9; 32])?;
//! assert_eq!(closing.closing.balances[0].imbalance, m("-0.50")?);   // 50 cents short
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::closing::{MethodBalance, SignedClosing, TillClosing, CLOSING_FORMAT};
use super::receipt::{
    build_receipt, FiscalSignature, Issuer, PaymentMethod, ProductLookup, Receipt, SaleRequest, TaxPolicy,
};
use super::TillError;
use crate::error::Error;
use crate::money::{Currency, Money};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(crate) fn same_currency(currency: Currency, m: &Money) -> Result<(), Error> {
    if m.currency() != currency {
        return Err(
            TillError::CurrencyMismatch { expected: currency.to_string(), actual: m.currency().to_string() }.into()
        );
    }
    Ok(())
}

fn positive(field: &str, m: &Money) -> Result<(), Error> {
    if !m.is_positive() {
        return Err(TillError::InvalidAmount {
            field: field.into(),
            amount: m.amount_string(),
            reason: "must be positive".into(),
        }
        .into());
    }
    Ok(())
}

fn non_negative(field: &str, m: &Money) -> Result<(), Error> {
    if m.is_negative() {
        return Err(TillError::InvalidAmount {
            field: field.into(),
            amount: m.amount_string(),
            reason: "must be zero or more".into(),
        }
        .into());
    }
    Ok(())
}

fn one() -> u64 {
    1
}

/// How a session is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSpec {
    /// The session id (caller-chosen, unique per till).
    pub session_id: Uuid,
    /// The till (cash register) — DSFinV-K `Z_KASSE_ID`.
    pub till_id: Uuid,
    /// The festival.
    pub festival_id: Uuid,
    /// The device whose key signs the closing.
    pub device_id: Uuid,
    /// The stand the till belongs to, if any.
    #[serde(default)]
    pub stand_id: Option<Uuid>,
    /// The cashier, if sessions are per cashier.
    #[serde(default)]
    pub cashier_id: Option<String>,
    /// Cash in the drawer at the opening (zero or more); its currency is the session's.
    pub opening_float: Money,
    /// The number of the first receipt: the previous session's `next_receipt_number` (1 for a
    /// till's first session; [`TillSession::open_next`] takes it from the previous session).
    #[serde(default = "one")]
    pub first_receipt_number: u64,
    /// VAT rounding of the receipts.
    #[serde(default)]
    pub tax: TaxPolicy,
    /// When it was opened.
    pub opened_at: Timestamp,
}

impl SessionSpec {
    /// A spec with the defaults: no stand, no cashier, first receipt 1, `per_line` / `half_up`.
    pub fn new(
        session_id: Uuid,
        till_id: Uuid,
        festival_id: Uuid,
        device_id: Uuid,
        opening_float: Money,
        opened_at: Timestamp,
    ) -> Self {
        SessionSpec {
            session_id,
            till_id,
            festival_id,
            device_id,
            stand_id: None,
            cashier_id: None,
            opening_float,
            first_receipt_number: 1,
            tax: TaxPolicy::default(),
            opened_at,
        }
    }
}

/// A cash or card movement of a session (sales are receipts, see [`TillSession::sale`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OperationKind {
    /// A wallet top-up paid in cash (into the drawer).
    CashTopUp {
        /// Amount, positive.
        amount: Money,
        /// The wallet topped up.
        #[serde(default)]
        wallet_id: Option<Uuid>,
    },
    /// A wallet top-up paid by card (at the card terminal, not in the drawer).
    CardTopUp {
        /// Amount, positive.
        amount: Money,
        /// The wallet topped up.
        #[serde(default)]
        wallet_id: Option<Uuid>,
    },
    /// Cash paid out of the drawer (wallet payout at the end, refund in cash).
    Payout {
        /// Amount, positive.
        amount: Money,
        /// The wallet paid out.
        #[serde(default)]
        wallet_id: Option<Uuid>,
    },
    /// Cash brought from the safe into the drawer (Einlage, e.g. change).
    SafeIn {
        /// Amount, positive.
        amount: Money,
        /// Free text (who, why).
        #[serde(default)]
        note: Option<String>,
    },
    /// Cash taken from the drawer to the safe (Entnahme, skimming).
    SafeOut {
        /// Amount, positive.
        amount: Money,
        /// Free text (who, why).
        #[serde(default)]
        note: Option<String>,
    },
}

impl OperationKind {
    /// The amount moved.
    pub fn amount(&self) -> Money {
        match self {
            OperationKind::CashTopUp { amount, .. }
            | OperationKind::CardTopUp { amount, .. }
            | OperationKind::Payout { amount, .. }
            | OperationKind::SafeIn { amount, .. }
            | OperationKind::SafeOut { amount, .. } => *amount,
        }
    }
}

/// One recorded operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillOperation {
    /// Caller-chosen id (idempotency key).
    pub id: Uuid,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: OperationKind,
}

/// Counted amounts at the closing, per payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountedAmounts {
    /// Cash counted in the drawer.
    pub cash: Money,
    /// The card terminal's total for the session.
    pub card: Money,
}

/// The sums of a session (or of a Z-report), all in the session's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionTotals {
    /// Opening float(s).
    pub opening_float: Money,
    /// Top-ups paid in cash.
    pub cash_top_ups: Money,
    /// Top-ups paid by card.
    pub card_top_ups: Money,
    /// Cash paid out.
    pub payouts: Money,
    /// Cash brought from the safe (Einlage).
    pub safe_in: Money,
    /// Cash taken to the safe (Entnahme).
    pub safe_out: Money,
    /// Sales paid in cash (receipt totals).
    pub cash_sales: Money,
    /// Sales paid by card.
    pub card_sales: Money,
    /// Sales paid from wallets.
    pub wallet_sales: Money,
    /// `opening_float + cash_top_ups + safe_in + cash_sales − payouts − safe_out`.
    pub expected_cash: Money,
    /// `card_top_ups + card_sales`.
    pub expected_card: Money,
    /// Number of cash and card operations (without sales).
    pub operation_count: u64,
    /// Number of receipts.
    pub receipt_count: u64,
}

impl SessionTotals {
    pub(crate) fn zero(c: Currency) -> Self {
        let z = Money::zero(c);
        SessionTotals {
            opening_float: z,
            cash_top_ups: z,
            card_top_ups: z,
            payouts: z,
            safe_in: z,
            safe_out: z,
            cash_sales: z,
            card_sales: z,
            wallet_sales: z,
            expected_cash: z,
            expected_card: z,
            operation_count: 0,
            receipt_count: 0,
        }
    }

    /// Field-wise sum (for Z-reports).
    pub(crate) fn add(&self, o: &SessionTotals) -> Result<SessionTotals, Error> {
        Ok(SessionTotals {
            opening_float: self.opening_float.checked_add(&o.opening_float)?,
            cash_top_ups: self.cash_top_ups.checked_add(&o.cash_top_ups)?,
            card_top_ups: self.card_top_ups.checked_add(&o.card_top_ups)?,
            payouts: self.payouts.checked_add(&o.payouts)?,
            safe_in: self.safe_in.checked_add(&o.safe_in)?,
            safe_out: self.safe_out.checked_add(&o.safe_out)?,
            cash_sales: self.cash_sales.checked_add(&o.cash_sales)?,
            card_sales: self.card_sales.checked_add(&o.card_sales)?,
            wallet_sales: self.wallet_sales.checked_add(&o.wallet_sales)?,
            expected_cash: self.expected_cash.checked_add(&o.expected_cash)?,
            expected_card: self.expected_card.checked_add(&o.expected_card)?,
            operation_count: self.operation_count + o.operation_count,
            receipt_count: self.receipt_count + o.receipt_count,
        })
    }

    /// Checks `expected_cash` and `expected_card` against their parts.
    pub(crate) fn consistent(&self) -> Result<bool, Error> {
        let cash = self
            .opening_float
            .checked_add(&self.cash_top_ups)?
            .checked_add(&self.safe_in)?
            .checked_add(&self.cash_sales)?
            .checked_sub(&self.payouts)?
            .checked_sub(&self.safe_out)?;
        let card = self.card_top_ups.checked_add(&self.card_sales)?;
        Ok(cash == self.expected_cash && card == self.expected_card)
    }
}

/// Where an id was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Operation(usize),
    Receipt(usize),
}

/// A till session. See the module docs for the rules and the serde form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SessionRepr", into = "SessionRepr")]
pub struct TillSession {
    spec: SessionSpec,
    operations: Vec<TillOperation>,
    receipts: Vec<Receipt>,
    next_receipt_number: u64,
    closing: Option<SignedClosing>,
    ids: BTreeMap<Uuid, Slot>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRepr {
    spec: SessionSpec,
    operations: Vec<TillOperation>,
    receipts: Vec<Receipt>,
    next_receipt_number: u64,
    closing: Option<SignedClosing>,
}

impl From<TillSession> for SessionRepr {
    fn from(s: TillSession) -> Self {
        SessionRepr {
            spec: s.spec,
            operations: s.operations,
            receipts: s.receipts,
            next_receipt_number: s.next_receipt_number,
            closing: s.closing,
        }
    }
}

impl TryFrom<SessionRepr> for TillSession {
    type Error = TillError;
    fn try_from(r: SessionRepr) -> Result<Self, TillError> {
        let bad = |reason: String| TillError::StateInvalid { reason };
        let c = r.spec.opening_float.currency();
        let mut ids = BTreeMap::new();
        for (i, op) in r.operations.iter().enumerate() {
            if op.kind.amount().currency() != c || !op.kind.amount().is_positive() {
                return Err(bad(format!("operation {} has an invalid amount", op.id)));
            }
            if ids.insert(op.id, Slot::Operation(i)).is_some() {
                return Err(bad(format!("id {} used twice", op.id)));
            }
        }
        for (i, rc) in r.receipts.iter().enumerate() {
            let expected = r
                .spec
                .first_receipt_number
                .checked_add(i as u64)
                .ok_or_else(|| bad("receipt number overflow".into()))?;
            if rc.number != expected
                || rc.session_id != r.spec.session_id
                || rc.till_id != r.spec.till_id
                || rc.total.currency() != c
            {
                return Err(bad(format!("receipt {} does not belong at position {} of this session", rc.number, i)));
            }
            if ids.insert(rc.payment_id, Slot::Receipt(i)).is_some() {
                return Err(bad(format!("id {} used twice", rc.payment_id)));
            }
        }
        if r.next_receipt_number != r.spec.first_receipt_number + r.receipts.len() as u64 {
            return Err(bad("next_receipt_number does not follow the receipts".into()));
        }
        let s = TillSession {
            spec: r.spec,
            operations: r.operations,
            receipts: r.receipts,
            next_receipt_number: r.next_receipt_number,
            closing: r.closing,
            ids,
        };
        if let Some(cl) = &s.closing {
            if cl.closing.session_id != s.spec.session_id
                || cl.closing.operations_hash != s.operations_hash()
                || cl.closing.next_receipt_number != s.next_receipt_number
            {
                return Err(bad("the closing does not match the session".into()));
            }
        }
        Ok(s)
    }
}

impl TillSession {
    /// Opens a session (`TILL_INVALID_AMOUNT` for a negative float, `TILL_INVALID_RECEIPT` for a
    /// first receipt number 0).
    pub fn open(spec: SessionSpec) -> Result<TillSession, Error> {
        non_negative("opening_float", &spec.opening_float)?;
        if spec.first_receipt_number == 0 {
            return Err(TillError::InvalidReceipt { reason: "receipt numbers start at 1".into() }.into());
        }
        Ok(TillSession {
            next_receipt_number: spec.first_receipt_number,
            spec,
            operations: Vec::new(),
            receipts: Vec::new(),
            closing: None,
            ids: BTreeMap::new(),
        })
    }

    /// Opens the session that follows `self` on the same till: the receipt numbers continue at
    /// `self.next_receipt_number()`. `self` must be closed (`TILL_SESSION_OPEN`); the till and the
    /// currency must be the same and the session id new (`TILL_SESSION_MISMATCH`).
    pub fn open_next(&self, mut spec: SessionSpec) -> Result<TillSession, Error> {
        if self.closing.is_none() {
            return Err(TillError::SessionOpen { session_id: self.spec.session_id.to_string() }.into());
        }
        if spec.till_id != self.spec.till_id {
            return Err(TillError::SessionMismatch {
                reason: format!("session is for till {}, not {}", spec.till_id, self.spec.till_id),
            }
            .into());
        }
        if spec.session_id == self.spec.session_id {
            return Err(TillError::SessionMismatch {
                reason: format!("session id {} is already used", spec.session_id),
            }
            .into());
        }
        same_currency(self.currency(), &spec.opening_float)?;
        spec.first_receipt_number = self.next_receipt_number;
        TillSession::open(spec)
    }

    /// Reads a session from its JSON form (checked: `INPUT_INVALID`, `TILL_STATE_INVALID`).
    pub fn from_json(text: &str) -> Result<TillSession, Error> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| crate::InputError::invalid("state", e.to_string()))?;
        let repr: SessionRepr =
            serde_json::from_value(v).map_err(|e| crate::InputError::invalid("state", e.to_string()))?;
        Ok(TillSession::try_from(repr)?)
    }

    /// The session as JSON text (see the module docs).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&SessionRepr::from(self.clone())).unwrap_or_default()
    }

    /// How it was opened.
    pub fn spec(&self) -> &SessionSpec {
        &self.spec
    }

    /// The session id.
    pub fn id(&self) -> Uuid {
        self.spec.session_id
    }

    /// The till.
    pub fn till_id(&self) -> Uuid {
        self.spec.till_id
    }

    /// The currency (the opening float's).
    pub fn currency(&self) -> Currency {
        self.spec.opening_float.currency()
    }

    /// Whether it is closed.
    pub fn is_closed(&self) -> bool {
        self.closing.is_some()
    }

    /// The cash and card operations, in the order recorded.
    pub fn operations(&self) -> &[TillOperation] {
        &self.operations
    }

    /// The receipts, by number.
    pub fn receipts(&self) -> &[Receipt] {
        &self.receipts
    }

    /// The receipt of a payment, if any.
    pub fn receipt(&self, payment_id: Uuid) -> Option<&Receipt> {
        match self.ids.get(&payment_id) {
            Some(Slot::Receipt(i)) => self.receipts.get(*i),
            _ => None,
        }
    }

    /// The number the next receipt gets.
    pub fn next_receipt_number(&self) -> u64 {
        self.next_receipt_number
    }

    /// The signed closing, once closed.
    pub fn closing(&self) -> Option<&SignedClosing> {
        self.closing.as_ref()
    }

    fn ensure_open(&self) -> Result<(), Error> {
        if self.closing.is_some() {
            return Err(TillError::SessionClosed { session_id: self.spec.session_id.to_string() }.into());
        }
        Ok(())
    }

    fn ensure_time(&self, at: Timestamp) -> Result<(), Error> {
        if at < self.spec.opened_at {
            return Err(TillError::InvalidTime {
                at: at.to_string(),
                reason: format!("before the session was opened at {}", self.spec.opened_at),
            }
            .into());
        }
        Ok(())
    }

    /// Records a cash or card operation; idempotent per `op.id` (the original operation is
    /// returned for a retry with the same payload).
    pub fn record(&mut self, op: TillOperation) -> Result<TillOperation, Error> {
        if let Some(slot) = self.ids.get(&op.id) {
            return match slot {
                Slot::Operation(i) if self.operations[*i] == op => Ok(op),
                _ => Err(TillError::OperationConflict { operation_id: op.id.to_string() }.into()),
            };
        }
        self.ensure_open()?;
        self.ensure_time(op.at)?;
        let amount = op.kind.amount();
        same_currency(self.currency(), &amount)?;
        positive("amount", &amount)?;
        if matches!(op.kind, OperationKind::Payout { .. } | OperationKind::SafeOut { .. }) {
            let cash = self.totals()?.expected_cash;
            if amount.amount() > cash.amount() {
                return Err(TillError::InsufficientCash {
                    needed: amount.amount_string(),
                    available: cash.amount_string(),
                    currency: self.currency().to_string(),
                }
                .into());
            }
        }
        self.ids.insert(op.id, Slot::Operation(self.operations.len()));
        self.operations.push(op.clone());
        Ok(op)
    }

    /// Issues the receipt of a payment with the next receipt number (see
    /// [`receipt`](super::receipt)); idempotent per `payment_id`. A failing sale takes no number.
    pub fn sale(&mut self, req: &SaleRequest, products: &dyn ProductLookup) -> Result<Receipt, Error> {
        if let Some(slot) = self.ids.get(&req.payment_id) {
            return match slot {
                Slot::Receipt(i) if self.receipts[*i].same_sale(req) => Ok(self.receipts[*i].clone()),
                _ => Err(TillError::OperationConflict { operation_id: req.payment_id.to_string() }.into()),
            };
        }
        self.ensure_open()?;
        self.ensure_time(req.at)?;
        let issuer = Issuer {
            till_id: self.spec.till_id,
            session_id: self.spec.session_id,
            festival_id: self.spec.festival_id,
            device_id: self.spec.device_id,
            stand_id: self.spec.stand_id,
            cashier_id: self.spec.cashier_id.as_deref(),
            currency: self.currency(),
            tax: self.spec.tax,
        };
        let receipt = build_receipt(&issuer, self.next_receipt_number, req, products)?;
        self.next_receipt_number += 1;
        self.ids.insert(req.payment_id, Slot::Receipt(self.receipts.len()));
        self.receipts.push(receipt.clone());
        Ok(receipt)
    }

    /// Stores the TSE signature of a receipt (open sessions only). The same signature again is a
    /// no-op; another one is `TILL_OPERATION_CONFLICT`; an unknown payment `TILL_UNKNOWN_RECEIPT`.
    pub fn attach_fiscal_signature(&mut self, payment_id: Uuid, signature: FiscalSignature) -> Result<Receipt, Error> {
        let i = match self.ids.get(&payment_id) {
            Some(Slot::Receipt(i)) => *i,
            _ => return Err(TillError::UnknownReceipt { payment_id: payment_id.to_string() }.into()),
        };
        match &self.receipts[i].fiscal_signature {
            Some(s) if *s == signature => return Ok(self.receipts[i].clone()),
            Some(_) => return Err(TillError::OperationConflict { operation_id: payment_id.to_string() }.into()),
            None => {}
        }
        self.ensure_open()?;
        self.receipts[i].fiscal_signature = Some(signature);
        Ok(self.receipts[i].clone())
    }

    /// The sums of the session so far (derived from the operations and receipts).
    pub fn totals(&self) -> Result<SessionTotals, Error> {
        let mut t = SessionTotals::zero(self.currency());
        t.opening_float = self.spec.opening_float;
        for op in &self.operations {
            let slot = match &op.kind {
                OperationKind::CashTopUp { .. } => &mut t.cash_top_ups,
                OperationKind::CardTopUp { .. } => &mut t.card_top_ups,
                OperationKind::Payout { .. } => &mut t.payouts,
                OperationKind::SafeIn { .. } => &mut t.safe_in,
                OperationKind::SafeOut { .. } => &mut t.safe_out,
            };
            *slot = slot.checked_add(&op.kind.amount())?;
        }
        for r in &self.receipts {
            let slot = match r.method {
                PaymentMethod::Cash => &mut t.cash_sales,
                PaymentMethod::Card => &mut t.card_sales,
                PaymentMethod::Wallet => &mut t.wallet_sales,
            };
            *slot = slot.checked_add(&r.total)?;
        }
        t.expected_cash = t
            .opening_float
            .checked_add(&t.cash_top_ups)?
            .checked_add(&t.safe_in)?
            .checked_add(&t.cash_sales)?
            .checked_sub(&t.payouts)?
            .checked_sub(&t.safe_out)?;
        t.expected_card = t.card_top_ups.checked_add(&t.card_sales)?;
        t.operation_count = self.operations.len() as u64;
        t.receipt_count = self.receipts.len() as u64;
        Ok(t)
    }

    /// SHA-256 (hex) over the canonical JSON of the operations and receipts: the closing carries
    /// it, so a server holding the session's records can check they are the ones closed.
    pub fn operations_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"festival-core till operations v1\n");
        h.update(serde_json::to_vec(&self.operations).unwrap_or_default());
        h.update(b"\n");
        h.update(serde_json::to_vec(&self.receipts).unwrap_or_default());
        crate::interop::hex_encode(&h.finalize())
    }

    /// Closes the session with the counted amounts and signs the closing with the device's seed
    /// (the 32-byte Ed25519 seed of `spec.device_id`). `TILL_ALREADY_CLOSED` the second time;
    /// `TILL_INVALID_TIME` before the last operation; counted amounts are zero or more.
    pub fn close(
        &mut self,
        closed_at: Timestamp,
        counted: CountedAmounts,
        seed: &[u8; 32],
    ) -> Result<SignedClosing, Error> {
        if let Some(c) = &self.closing {
            return Err(TillError::AlreadyClosed {
                session_id: self.spec.session_id.to_string(),
                closed_at: c.closing.closed_at.to_string(),
            }
            .into());
        }
        self.ensure_time(closed_at)?;
        let last = self.operations.iter().map(|o| o.at).chain(self.receipts.iter().map(|r| r.issued_at)).max();
        if let Some(last) = last.filter(|l| closed_at < *l) {
            return Err(TillError::InvalidTime {
                at: closed_at.to_string(),
                reason: format!("before the last operation at {last}"),
            }
            .into());
        }
        for (field, m) in [("counted.cash", &counted.cash), ("counted.card", &counted.card)] {
            same_currency(self.currency(), m)?;
            non_negative(field, m)?;
        }
        let totals = self.totals()?;
        let balance = |method, expected: Money, counted: Money| -> Result<MethodBalance, Error> {
            Ok(MethodBalance { method, expected, counted, imbalance: counted.checked_sub(&expected)? })
        };
        let closing = TillClosing {
            format: CLOSING_FORMAT,
            session_id: self.spec.session_id,
            till_id: self.spec.till_id,
            festival_id: self.spec.festival_id,
            device_id: self.spec.device_id,
            stand_id: self.spec.stand_id,
            cashier_id: self.spec.cashier_id.clone(),
            currency: self.currency(),
            opened_at: self.spec.opened_at,
            closed_at,
            totals,
            balances: vec![
                balance(PaymentMethod::Cash, totals.expected_cash, counted.cash)?,
                balance(PaymentMethod::Card, totals.expected_card, counted.card)?,
            ],
            first_receipt_number: self.spec.first_receipt_number,
            next_receipt_number: self.next_receipt_number,
            operations_hash: self.operations_hash(),
        };
        let signed = SignedClosing::sign(closing, seed);
        self.closing = Some(signed.clone());
        Ok(signed)
    }
}
