//! Receipts: one deterministic receipt per payment, numbered without gaps per till.
//!
//! A [`SaleRequest`] names the payment (its id — for a wallet payment the wallet's payment entry
//! id —, time, method) and its lines (sku, quantity, unit price, gross). The name, the VAT rate and
//! the optional DSFinV-K VAT key of each line come from a [`ProductLookup`] (a map of
//! [`ProductInfo`] per sku, or any catalog that implements the trait). The VAT of the receipt is
//! computed with [`compute_tax`](crate::money::tax::compute_tax) on gross prices with the till's
//! [`TaxPolicy`] (pretix's rounding strategies; default `per_line` with `half_up`, which keeps
//! every line total at `quantity × unit price`).
//!
//! The receipt number is the session's `next_receipt_number` at the time of the sale
//! ([`TillSession::sale`](super::TillSession::sale)); a retried sale with the same payment id
//! returns the same receipt and takes no number, and a sale that fails takes no number either, so
//! the numbers of a till are `1..=n` without gaps or duplicates (property test).
//!
//! The core never talks to a TSE (KassenSichV): the caller signs the transaction with its TSE and
//! stores the result with [`TillSession::attach_fiscal_signature`](super::TillSession::attach_fiscal_signature)
//! in [`Receipt::fiscal_signature`].
//!
//! Serde form of a receipt (snake_case, money `{"amount", "currency"}`, rates as decimal strings):
//! `{"till_id", "session_id", "number", "payment_id", "festival_id", "device_id", "stand_id",
//! "cashier_id", "issued_at", "method", "wallet_id", "lines": [{"position", "sku", "name",
//! "quantity", "unit_price", "line_total", "net", "tax", "vat_rate", "vat_key", "voucher_id"}],
//! "vat": [{"rate", "net", "tax", "gross"}], "net", "tax", "total", "fiscal_signature"}`.

use super::TillError;
use crate::error::Error;
use crate::money::tax::{compute_tax, PriceBasis, RateTotal, TaxLine, TaxRounding};
use crate::money::{Money, RoundingMode};
use crate::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Paid from a cashless wallet (wristband): neither in the drawer nor at the card terminal.
    Wallet,
    /// Paid in cash: into the drawer.
    Cash,
    /// Paid by card at the till's card terminal.
    Card,
}

impl PaymentMethod {
    /// Snake-case name (`wallet`, `cash`, `card`).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Wallet => "wallet",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
        }
    }
}

/// What the till needs to know about a product to print it: its name and VAT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInfo {
    /// Name printed on the receipt (DSFinV-K `ARTIKELTEXT`).
    pub name: String,
    /// VAT rate in percent (`"19"`), `0..=100`.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
    /// The DSFinV-K VAT key (`UST_SCHLUESSEL`) when the default for the rate does not fit (see
    /// [`default_vat_key`]); for example `5` (not taxable) or `6` (tax free) for a 0 % product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_key: Option<u32>,
    /// A deposit (Pfand, a returnable cup): money the festival owes back, posted to
    /// `liability:deposits` and exported as `GV_TYP` `Pfand`, not revenue (default `false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposit: bool,
}

/// A source of [`ProductInfo`] per sku. Implemented for maps; a catalog implements it too.
pub trait ProductLookup {
    /// The product with this sku, if known.
    fn product(&self, sku: &str) -> Option<ProductInfo>;
}

impl ProductLookup for BTreeMap<String, ProductInfo> {
    fn product(&self, sku: &str) -> Option<ProductInfo> {
        self.get(sku).cloned()
    }
}

impl ProductLookup for HashMap<String, ProductInfo> {
    fn product(&self, sku: &str) -> Option<ProductInfo> {
        self.get(sku).cloned()
    }
}

impl<T: ProductLookup + ?Sized> ProductLookup for &T {
    fn product(&self, sku: &str) -> Option<ProductInfo> {
        (**self).product(sku)
    }
}

/// The DSFinV-K VAT key of a German rate: 19 % → 1, 7 % → 2, 10.7 % → 3, 5.5 % → 4, 0 % → 6
/// (tax free); any other rate has no default key (give [`ProductInfo::vat_key`], DSFinV-K reserves
/// 11 and above for one's own rates).
pub fn default_vat_key(rate: Decimal) -> Option<u32> {
    let r = rate.normalize();
    [("19", 1), ("7", 2), ("10.7", 3), ("5.5", 4), ("0", 6)]
        .iter()
        .find(|(s, _)| s.parse::<Decimal>().map(|d| d == r).unwrap_or(false))
        .map(|&(_, k)| k)
}

/// VAT rounding of a till's receipts (prices are gross).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxPolicy {
    /// pretix's rounding strategy (`per_line`, `sum_by_net`, `sum_by_net_keep_gross`).
    pub rounding: TaxRounding,
    /// Rounding mode (`half_up` is pretix's).
    pub mode: RoundingMode,
}

impl Default for TaxPolicy {
    /// `per_line` with `half_up`: every line total stays `quantity × unit price`.
    fn default() -> Self {
        TaxPolicy { rounding: TaxRounding::PerLine, mode: RoundingMode::HalfUp }
    }
}

/// One line of a sale as the POS sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleLine {
    /// The product (DSFinV-K `ART_NR`).
    pub sku: String,
    /// Units, at least 1.
    pub quantity: u32,
    /// Gross price of one unit (zero or more).
    pub unit_price: Money,
    /// A voucher redeemed on this line (DSFinV-K `GUTSCHEIN_NR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_id: Option<String>,
}

/// A payment to put on a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// The payment id: for a wallet payment, the wallet's payment entry id. Retrying the same id
    /// with the same payload returns the same receipt.
    pub payment_id: Uuid,
    /// When it was paid.
    pub at: Timestamp,
    /// How it was paid.
    pub method: PaymentMethod,
    /// The lines, at least one.
    pub lines: Vec<SaleLine>,
    /// The amount paid, when known: the receipt total must equal it (`TILL_TOTAL_MISMATCH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// The wallet that paid (method `wallet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<Uuid>,
}

/// One printed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    /// Position on the receipt, from 1 (DSFinV-K `POS_ZEILE`).
    pub position: u32,
    /// The product.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Units.
    pub quantity: u32,
    /// Gross unit price.
    pub unit_price: Money,
    /// Gross of the line after VAT rounding (`quantity × unit_price` under `per_line`).
    pub line_total: Money,
    /// Net of the line.
    pub net: Money,
    /// VAT of the line.
    pub tax: Money,
    /// VAT rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
    /// DSFinV-K VAT key, if any.
    #[serde(default)]
    pub vat_key: Option<u32>,
    /// A voucher redeemed on this line.
    #[serde(default)]
    pub voucher_id: Option<String>,
    /// A deposit line (the product is a deposit, [`ProductInfo::deposit`]): posted to
    /// `liability:deposits`, not revenue (left out of the JSON when `false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposit: bool,
}

/// The signature of an external TSE (KassenSichV) for a receipt, as the caller's TSE returned it.
/// The core stores it and prints it; it never verifies or produces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiscalSignature {
    /// Serial number of the TSE.
    pub tse_serial: String,
    /// The TSE's transaction number.
    pub transaction_number: u64,
    /// The TSE's signature counter.
    pub signature_counter: u64,
    /// Start of the transaction (TSE time).
    pub started_at: Timestamp,
    /// End of the transaction (TSE time).
    pub finished_at: Timestamp,
    /// Signature algorithm (e.g. `ecdsa-plain-SHA384`).
    pub algorithm: String,
    /// The signature value, base64 as the TSE returned it.
    pub signature: String,
    /// The TSE's public key, base64, if the receipt prints it.
    #[serde(default)]
    pub public_key: Option<String>,
}

/// A receipt. Serde form in the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The till.
    pub till_id: Uuid,
    /// The session it was issued in.
    pub session_id: Uuid,
    /// Receipt number: 1, 2, 3… per till, without gaps.
    pub number: u64,
    /// The payment (for wallet payments the wallet's payment entry id).
    pub payment_id: Uuid,
    /// The festival.
    pub festival_id: Uuid,
    /// The device that issued it.
    pub device_id: Uuid,
    /// The stand, if the till belongs to one.
    pub stand_id: Option<Uuid>,
    /// The cashier, if known.
    pub cashier_id: Option<String>,
    /// When it was paid.
    pub issued_at: Timestamp,
    /// How it was paid.
    pub method: PaymentMethod,
    /// The wallet that paid, if any.
    pub wallet_id: Option<Uuid>,
    /// The lines, in input order.
    pub lines: Vec<ReceiptLine>,
    /// VAT per rate, ascending by rate.
    pub vat: Vec<RateTotal>,
    /// Total net.
    pub net: Money,
    /// Total VAT.
    pub tax: Money,
    /// Total gross: what was paid.
    pub total: Money,
    /// The TSE signature, once attached.
    pub fiscal_signature: Option<FiscalSignature>,
}

impl Receipt {
    /// Whether a retried request is the same payment as the one this receipt was made from.
    pub(crate) fn same_sale(&self, req: &SaleRequest) -> bool {
        self.payment_id == req.payment_id
            && self.issued_at == req.at
            && self.method == req.method
            && self.wallet_id == req.wallet_id
            && self.lines.len() == req.lines.len()
            && self.lines.iter().zip(&req.lines).all(|(a, b)| {
                a.sku == b.sku
                    && a.quantity == b.quantity
                    && a.unit_price == b.unit_price
                    && a.voucher_id == b.voucher_id
            })
            && req.amount.is_none_or(|a| a == self.total)
    }
}

/// Who issues a receipt: the session's ids.
pub(crate) struct Issuer<'a> {
    pub till_id: Uuid,
    pub session_id: Uuid,
    pub festival_id: Uuid,
    pub device_id: Uuid,
    pub stand_id: Option<Uuid>,
    pub cashier_id: Option<&'a str>,
    pub currency: crate::money::Currency,
    pub tax: TaxPolicy,
}

fn invalid(reason: impl Into<String>) -> Error {
    TillError::InvalidReceipt { reason: reason.into() }.into()
}

/// Builds the receipt numbered `number` for `req` (checks everything; changes nothing).
pub(crate) fn build_receipt(
    issuer: &Issuer<'_>,
    number: u64,
    req: &SaleRequest,
    products: &dyn ProductLookup,
) -> Result<Receipt, Error> {
    if req.lines.is_empty() {
        return Err(invalid("a receipt needs at least one line"));
    }
    let mut infos = Vec::with_capacity(req.lines.len());
    let mut tax_lines = Vec::with_capacity(req.lines.len());
    for (i, l) in req.lines.iter().enumerate() {
        if l.quantity == 0 {
            return Err(invalid(format!("line {}: quantity must be at least 1", i + 1)));
        }
        super::session::same_currency(issuer.currency, &l.unit_price)?;
        if l.unit_price.is_negative() {
            return Err(invalid(format!("line {}: negative unit price {}", i + 1, l.unit_price.amount_string())));
        }
        let info = products.product(&l.sku).ok_or_else(|| TillError::UnknownProduct { sku: l.sku.clone() })?;
        if info.vat_key == Some(0) {
            return Err(invalid(format!("product '{}': VAT key 0 does not exist", l.sku)));
        }
        let amount = l.unit_price.checked_mul_qty(u64::from(l.quantity))?;
        tax_lines.push(TaxLine { amount, rate: info.vat_rate });
        infos.push(info);
    }
    if let Some(a) = &req.amount {
        super::session::same_currency(issuer.currency, a)?;
    }
    let breakdown = compute_tax(&tax_lines, PriceBasis::Gross, issuer.tax.rounding, issuer.tax.mode)?;
    let lines: Vec<ReceiptLine> = req
        .lines
        .iter()
        .zip(infos)
        .zip(&breakdown.lines)
        .enumerate()
        .map(|(i, ((l, info), t))| ReceiptLine {
            position: i as u32 + 1,
            sku: l.sku.clone(),
            name: info.name,
            quantity: l.quantity,
            unit_price: l.unit_price,
            line_total: t.gross,
            net: t.net,
            tax: t.tax,
            vat_rate: info.vat_rate.normalize(),
            vat_key: info.vat_key.or_else(|| default_vat_key(info.vat_rate)),
            voucher_id: l.voucher_id.clone(),
            deposit: info.deposit,
        })
        .collect();
    if let Some(a) = req.amount {
        if a != breakdown.gross {
            return Err(TillError::TotalMismatch {
                expected: a.amount_string(),
                computed: breakdown.gross.amount_string(),
            }
            .into());
        }
    }
    let vat = breakdown.by_rate.iter().map(|r| RateTotal { rate: r.rate.normalize(), amounts: r.amounts }).collect();
    Ok(Receipt {
        till_id: issuer.till_id,
        session_id: issuer.session_id,
        number,
        payment_id: req.payment_id,
        festival_id: issuer.festival_id,
        device_id: issuer.device_id,
        stand_id: issuer.stand_id,
        cashier_id: issuer.cashier_id.map(str::to_owned),
        issued_at: req.at,
        method: req.method,
        wallet_id: req.wallet_id,
        lines,
        vat,
        net: breakdown.net,
        tax: breakdown.tax,
        total: breakdown.gross,
        fiscal_signature: None,
    })
}
