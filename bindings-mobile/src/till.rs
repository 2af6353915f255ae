//! Tills on the POS: `TillSession` (open with a float, record cash and card operations, issue
//! receipts numbered without gaps, attach the TSE signature, close with counted amounts into a
//! closing signed by the device key), `verifyTillClosing` for the server side, and Z-reports of
//! stored sessions. Times are milliseconds since the epoch, ids UUID strings, money [`Money`].
//! The JSON forms (`toJson`, `closingJson`, `receiptJson`) are the core's, shared with every
//! runtime.

use crate::convert::{bytes32, time, uuid};
use crate::error::Result;
use crate::money::{amounts, Money, RateTotal, RoundingMode, TaxRounding};
use crate::reconcile::DeviceRegistry;
use festival_core::till as core;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How a till session is opened.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillSessionSpec {
    /// The session id.
    pub session_id: String,
    /// The till (cash register).
    pub till_id: String,
    /// The festival.
    pub festival_id: String,
    /// The device whose key signs the closing.
    pub device_id: String,
    /// The stand, if any.
    pub stand_id: Option<String>,
    /// The cashier, if any.
    pub cashier_id: Option<String>,
    /// Cash in the drawer at the opening (zero or more).
    pub opening_float: Money,
    /// 1 for a till's first session, else the previous session's `nextReceiptNumber`.
    pub first_receipt_number: u64,
    /// VAT rounding (pretix strategy) of the receipts.
    pub tax_rounding: TaxRounding,
    /// Rounding mode (`HALF_UP` is pretix's).
    pub rounding: RoundingMode,
    /// Opening time (ms).
    pub opened_at_ms: i64,
}

/// A cash or card movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TillOperationKind {
    /// A top-up paid in cash (into the drawer).
    CashTopUp,
    /// A top-up paid by card (not in the drawer).
    CardTopUp,
    /// Cash paid out of the drawer.
    Payout,
    /// Cash from the safe into the drawer (Einlage).
    SafeIn,
    /// Cash from the drawer to the safe (Entnahme).
    SafeOut,
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TillPaymentMethod {
    /// From a cashless wallet.
    Wallet,
    /// Cash (into the drawer).
    Cash,
    /// Card (at the till's terminal).
    Card,
}

fn method_core(m: TillPaymentMethod) -> core::PaymentMethod {
    match m {
        TillPaymentMethod::Wallet => core::PaymentMethod::Wallet,
        TillPaymentMethod::Cash => core::PaymentMethod::Cash,
        TillPaymentMethod::Card => core::PaymentMethod::Card,
    }
}

fn method_out(m: core::PaymentMethod) -> TillPaymentMethod {
    match m {
        core::PaymentMethod::Wallet => TillPaymentMethod::Wallet,
        core::PaymentMethod::Cash => TillPaymentMethod::Cash,
        core::PaymentMethod::Card => TillPaymentMethod::Card,
    }
}

/// Name and VAT of a product.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillProduct {
    /// Printed name.
    pub name: String,
    /// VAT rate in percent (`"19"`).
    pub vat_rate: String,
    /// DSFinV-K VAT key when the default for the rate does not fit.
    pub vat_key: Option<u32>,
    /// A deposit product (a cup): its lines are posted to `liability:deposits`, not revenue.
    #[uniffi(default = false)]
    pub deposit: bool,
}

/// One line of a sale.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillSaleLine {
    /// The product.
    pub sku: String,
    /// Units, at least 1.
    pub quantity: u32,
    /// Gross unit price.
    pub unit_price: Money,
    /// A voucher redeemed on the line.
    pub voucher_id: Option<String>,
}

/// One printed receipt line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillReceiptLine {
    /// Position from 1.
    pub position: u32,
    /// The product.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Units.
    pub quantity: u32,
    /// Gross unit price.
    pub unit_price: Money,
    /// Gross of the line.
    pub line_total: Money,
    /// VAT rate in percent.
    pub vat_rate: String,
    /// DSFinV-K VAT key.
    pub vat_key: Option<u32>,
    /// A deposit line (posted to `liability:deposits`, exported as `Pfand`).
    #[uniffi(default = false)]
    pub deposit: bool,
}

/// A receipt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillReceipt {
    /// 1, 2, 3… per till, without gaps.
    pub number: u64,
    /// The payment id.
    pub payment_id: String,
    /// When it was paid (ms).
    pub issued_at_ms: i64,
    /// How it was paid.
    pub method: TillPaymentMethod,
    /// The lines.
    pub lines: Vec<TillReceiptLine>,
    /// VAT per rate, ascending.
    pub vat: Vec<RateTotal>,
    /// Total net.
    pub net: Money,
    /// Total VAT.
    pub tax: Money,
    /// Total gross.
    pub total: Money,
    /// Whether a TSE signature is attached.
    pub fiscally_signed: bool,
    /// The full receipt as the core's JSON (till, stand, device, cashier, TSE signature…).
    pub receipt_json: String,
}

fn receipt_out(r: &core::Receipt) -> TillReceipt {
    TillReceipt {
        number: r.number,
        payment_id: r.payment_id.to_string(),
        issued_at_ms: r.issued_at.unix_millis(),
        method: method_out(r.method),
        lines: r
            .lines
            .iter()
            .map(|l| TillReceiptLine {
                position: l.position,
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit_price: Money::from_core(&l.unit_price),
                line_total: Money::from_core(&l.line_total),
                vat_rate: l.vat_rate.to_string(),
                vat_key: l.vat_key,
                deposit: l.deposit,
            })
            .collect(),
        vat: r.vat.iter().map(|v| RateTotal { rate: v.rate.to_string(), amounts: amounts(&v.amounts) }).collect(),
        net: Money::from_core(&r.net),
        tax: Money::from_core(&r.tax),
        total: Money::from_core(&r.total),
        fiscally_signed: r.fiscal_signature.is_some(),
        receipt_json: serde_json::to_string(r).unwrap_or_default(),
    }
}

/// The TSE signature of a receipt, as the app's TSE returned it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillFiscalSignature {
    /// TSE serial number.
    pub tse_serial: String,
    /// TSE transaction number.
    pub transaction_number: u64,
    /// TSE signature counter.
    pub signature_counter: u64,
    /// Transaction start (ms).
    pub started_at_ms: i64,
    /// Transaction end (ms).
    pub finished_at_ms: i64,
    /// Algorithm name.
    pub algorithm: String,
    /// Signature (base64).
    pub signature: String,
    /// TSE public key (base64), if printed.
    pub public_key: Option<String>,
}

/// Sums of a session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillTotals {
    /// Opening float.
    pub opening_float: Money,
    /// Cash top-ups.
    pub cash_top_ups: Money,
    /// Card top-ups.
    pub card_top_ups: Money,
    /// Payouts.
    pub payouts: Money,
    /// Cash from the safe.
    pub safe_in: Money,
    /// Cash to the safe.
    pub safe_out: Money,
    /// Cash sales.
    pub cash_sales: Money,
    /// Card sales.
    pub card_sales: Money,
    /// Wallet sales.
    pub wallet_sales: Money,
    /// Expected cash in the drawer.
    pub expected_cash: Money,
    /// Expected card terminal total.
    pub expected_card: Money,
    /// Receipts issued.
    pub receipt_count: u64,
}

fn totals_out(t: &core::SessionTotals) -> TillTotals {
    let m = Money::from_core;
    TillTotals {
        opening_float: m(&t.opening_float),
        cash_top_ups: m(&t.cash_top_ups),
        card_top_ups: m(&t.card_top_ups),
        payouts: m(&t.payouts),
        safe_in: m(&t.safe_in),
        safe_out: m(&t.safe_out),
        cash_sales: m(&t.cash_sales),
        card_sales: m(&t.card_sales),
        wallet_sales: m(&t.wallet_sales),
        expected_cash: m(&t.expected_cash),
        expected_card: m(&t.expected_card),
        receipt_count: t.receipt_count,
    }
}

/// Expected, counted and imbalance of one method.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillBalance {
    /// Cash or card.
    pub method: TillPaymentMethod,
    /// Expected.
    pub expected: Money,
    /// Counted.
    pub counted: Money,
    /// `counted − expected` (negative: shortage).
    pub imbalance: Money,
}

/// A signed closing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillClosing {
    /// The session.
    pub session_id: String,
    /// When it was closed (ms).
    pub closed_at_ms: i64,
    /// Cash, then card.
    pub balances: Vec<TillBalance>,
    /// The session's totals.
    pub totals: TillTotals,
    /// The number the till's next receipt gets.
    pub next_receipt_number: u64,
    /// Ed25519 signature (hex).
    pub signature_hex: String,
    /// The signed closing as the core's JSON: what the app uploads for `verifyTillClosing`.
    pub closing_json: String,
}

fn closing_out(c: &core::SignedClosing) -> TillClosing {
    TillClosing {
        session_id: c.closing.session_id.to_string(),
        closed_at_ms: c.closing.closed_at.unix_millis(),
        balances: c
            .closing
            .balances
            .iter()
            .map(|b| TillBalance {
                method: method_out(b.method),
                expected: Money::from_core(&b.expected),
                counted: Money::from_core(&b.counted),
                imbalance: Money::from_core(&b.imbalance),
            })
            .collect(),
        totals: totals_out(&c.closing.totals),
        next_receipt_number: c.closing.next_receipt_number,
        signature_hex: festival_core::interop::hex_encode(&c.signature),
        closing_json: serde_json::to_string(c).unwrap_or_default(),
    }
}

/// A till session. Thread-safe (one lock per session); failures change nothing.
#[derive(uniffi::Object)]
pub struct TillSession {
    inner: Mutex<core::TillSession>,
}

impl TillSession {
    fn lock(&self) -> MutexGuard<'_, core::TillSession> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl TillSession {
    /// Opens a session (`TILL_INVALID_AMOUNT` for a negative float).
    #[uniffi::constructor]
    pub fn new(spec: TillSessionSpec) -> Result<Arc<Self>> {
        let mut s = core::SessionSpec::new(
            uuid("session_id", &spec.session_id)?,
            uuid("till_id", &spec.till_id)?,
            uuid("festival_id", &spec.festival_id)?,
            uuid("device_id", &spec.device_id)?,
            spec.opening_float.to_core()?,
            time("opened_at_ms", spec.opened_at_ms)?,
        );
        s.stand_id = spec.stand_id.as_deref().map(|x| uuid("stand_id", x)).transpose()?;
        s.cashier_id = spec.cashier_id;
        s.first_receipt_number = spec.first_receipt_number;
        s.tax = core::TaxPolicy { rounding: spec.tax_rounding.into(), mode: spec.rounding.into() };
        Ok(Arc::new(TillSession { inner: Mutex::new(core::TillSession::open(s)?) }))
    }

    /// Rebuilds a session from `toJson()` (checked: `TILL_STATE_INVALID`).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(TillSession { inner: Mutex::new(core::TillSession::from_json(&json)?) }))
    }

    /// The session as the core's JSON.
    pub fn to_json(&self) -> String {
        self.lock().to_json()
    }

    /// Whether it is closed.
    pub fn is_closed(&self) -> bool {
        self.lock().is_closed()
    }

    /// The number the next receipt gets.
    pub fn next_receipt_number(&self) -> u64 {
        self.lock().next_receipt_number()
    }

    /// The sums so far.
    pub fn totals(&self) -> Result<TillTotals> {
        Ok(totals_out(&self.lock().totals()?))
    }

    /// The session's double-entry postings (`till_open`, `till_cash_top_up`, `till_payout`,
    /// `till_safe_in`, `till_safe_out`, `till_sale`, `till_closing`) on `cash_drawer:<till>`,
    /// `safe`, `funds:*`, `revenue:<stand>` and `expense:cash_differences`; the closing leaves the
    /// drawer at zero.
    pub fn postings(&self) -> Result<Vec<crate::postings::Posting>> {
        Ok(festival_core::postings::post_till_session(&self.lock())?.iter().map(crate::postings::posting_out).collect())
    }

    /// The receipts, by number.
    pub fn receipts(&self) -> Vec<TillReceipt> {
        self.lock().receipts().iter().map(receipt_out).collect()
    }

    /// The closing, once closed.
    pub fn closing(&self) -> Option<TillClosing> {
        self.lock().closing().map(closing_out)
    }

    /// Records a cash or card operation; idempotent per `op_id` (`TILL_OPERATION_CONFLICT`,
    /// `TILL_INSUFFICIENT_CASH`, `TILL_SESSION_CLOSED`).
    pub fn record(
        &self,
        op_id: String,
        at_ms: i64,
        kind: TillOperationKind,
        amount: Money,
        wallet_id: Option<String>,
        note: Option<String>,
    ) -> Result<()> {
        let amount = amount.to_core()?;
        let wallet_id = wallet_id.as_deref().map(|w| uuid("wallet_id", w)).transpose()?;
        let kind = match kind {
            TillOperationKind::CashTopUp => core::OperationKind::CashTopUp { amount, wallet_id },
            TillOperationKind::CardTopUp => core::OperationKind::CardTopUp { amount, wallet_id },
            TillOperationKind::Payout => core::OperationKind::Payout { amount, wallet_id },
            TillOperationKind::SafeIn => core::OperationKind::SafeIn { amount, note },
            TillOperationKind::SafeOut => core::OperationKind::SafeOut { amount, note },
        };
        self.lock().record(core::TillOperation { id: uuid("op_id", &op_id)?, at: time("at_ms", at_ms)?, kind })?;
        Ok(())
    }

    /// Issues the receipt of a payment with the next number; idempotent per `payment_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn sale(
        &self,
        payment_id: String,
        at_ms: i64,
        method: TillPaymentMethod,
        lines: Vec<TillSaleLine>,
        products: HashMap<String, TillProduct>,
        amount: Option<Money>,
        wallet_id: Option<String>,
    ) -> Result<TillReceipt> {
        let mut lookup = std::collections::BTreeMap::new();
        for (sku, p) in products {
            let vat_rate = festival_core::money::parse_decimal(&p.vat_rate)?;
            lookup.insert(sku, core::ProductInfo { name: p.name, vat_rate, vat_key: p.vat_key, deposit: p.deposit });
        }
        let req = core::SaleRequest {
            payment_id: uuid("payment_id", &payment_id)?,
            at: time("at_ms", at_ms)?,
            method: method_core(method),
            lines: lines
                .into_iter()
                .map(|l| {
                    Ok(core::SaleLine {
                        sku: l.sku,
                        quantity: l.quantity,
                        unit_price: l.unit_price.to_core()?,
                        voucher_id: l.voucher_id,
                    })
                })
                .collect::<Result<_>>()?,
            amount: amount.as_ref().map(Money::to_core).transpose()?,
            wallet_id: wallet_id.as_deref().map(|w| uuid("wallet_id", w)).transpose()?,
        };
        Ok(receipt_out(&self.lock().sale(&req, &lookup)?))
    }

    /// Stores the TSE signature on a receipt.
    pub fn attach_fiscal_signature(&self, payment_id: String, signature: TillFiscalSignature) -> Result<TillReceipt> {
        let sig = core::FiscalSignature {
            tse_serial: signature.tse_serial,
            transaction_number: signature.transaction_number,
            signature_counter: signature.signature_counter,
            started_at: time("started_at_ms", signature.started_at_ms)?,
            finished_at: time("finished_at_ms", signature.finished_at_ms)?,
            algorithm: signature.algorithm,
            signature: signature.signature,
            public_key: signature.public_key,
        };
        Ok(receipt_out(&self.lock().attach_fiscal_signature(uuid("payment_id", &payment_id)?, sig)?))
    }

    /// Closes with the counted cash and card total; `seed` (the device's 32-byte key seed) signs
    /// the closing (`TILL_ALREADY_CLOSED` the second time).
    pub fn close(
        &self,
        closed_at_ms: i64,
        counted_cash: Money,
        counted_card: Money,
        seed: Vec<u8>,
    ) -> Result<TillClosing> {
        let counted = core::CountedAmounts { cash: counted_cash.to_core()?, card: counted_card.to_core()? };
        let seed = bytes32("seed", &seed)?;
        Ok(closing_out(&self.lock().close(time("closed_at_ms", closed_at_ms)?, counted, &seed)?))
    }
}

/// Verifies an uploaded closing (`closingJson`) against the device registry
/// (`TILL_UNKNOWN_DEVICE`, `TILL_SIGNATURE_INVALID`, `TILL_CLOSING_INVALID`, `INPUT_INVALID`).
#[uniffi::export]
pub fn verify_till_closing(closing_json: String, registry: Arc<DeviceRegistry>) -> Result<()> {
    let c: core::SignedClosing = serde_json::from_str(&closing_json)
        .map_err(|e| festival_core::InputError::invalid("closing_json", e.to_string()))?;
    Ok(c.verify(&registry.inner)?)
}

/// The Z-report of a till for a festival day (`YYYY-MM-DD` in `calendar`) from the sessions'
/// `toJson()` texts, as the core's JSON; `exportCsv` gives its DSFinV-K-shaped CSV.
#[uniffi::export]
pub fn till_z_report_json(
    till_id: String,
    day: String,
    z_number: u64,
    created_at_ms: i64,
    calendar: Arc<crate::checkin::FestivalCalendar>,
    sessions_json: Vec<String>,
) -> Result<String> {
    let (report, _) = z_report(till_id, day, z_number, created_at_ms, &calendar, &sessions_json)?;
    Ok(serde_json::to_string(&report).unwrap_or_default())
}

/// The export CSV (one row per receipt line, DSFinV-K column names) of the same Z-report.
#[uniffi::export]
pub fn till_export_csv(
    till_id: String,
    day: String,
    z_number: u64,
    created_at_ms: i64,
    calendar: Arc<crate::checkin::FestivalCalendar>,
    sessions_json: Vec<String>,
) -> Result<String> {
    let (report, sessions) = z_report(till_id, day, z_number, created_at_ms, &calendar, &sessions_json)?;
    Ok(core::render_csv(&report.export_rows(&sessions)))
}

fn z_report(
    till_id: String,
    day: String,
    z_number: u64,
    created_at_ms: i64,
    calendar: &crate::checkin::FestivalCalendar,
    sessions_json: &[String],
) -> Result<(core::ZReport, Vec<core::TillSession>)> {
    let sessions =
        sessions_json.iter().map(|s| core::TillSession::from_json(s)).collect::<std::result::Result<Vec<_>, _>>()?;
    let request = core::ZReportRequest {
        till_id: uuid("till_id", &till_id)?,
        day: day.parse().map_err(festival_core::Error::from)?,
        z_number,
        created_at: time("created_at_ms", created_at_ms)?,
    };
    Ok((core::z_report(&request, &calendar.inner, &sessions)?, sessions))
}
