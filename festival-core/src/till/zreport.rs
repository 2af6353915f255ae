//! Z-reports: the end-of-day report of one till for one festival day.
//!
//! [`z_report`] takes every session of the till whose **opening** falls on the festival day (in
//! the [`FestivalCalendar`]: a session opened at 23:00 and closed at 02:00 belongs to the day it
//! was opened; sessions of other tills and days in the input are ignored). Every such session must
//! be closed (`TILL_SESSION_OPEN`), in one currency (`TILL_CURRENCY_MISMATCH`), with distinct ids
//! (`TILL_SESSION_MISMATCH`), and their receipt numbers must continue each other
//! (`TILL_RECEIPT_GAP`); a day without sessions is `TILL_NO_SESSIONS`.
//!
//! The report lists the sessions (ordered by first receipt number, then opening time, then id),
//! their totals and per-method balances, and the day's totals: the field-wise sums of the
//! sessions (property test: the totals equal the sum of the sessions), the number of receipts,
//! the first and last receipt number, and the VAT of the sales per rate (the sum of the receipts'
//! own VAT breakdowns, so the report states exactly what the receipts stated). It is a pure
//! function of its input.
//!
//! Serde form: `{"till_id", "day": "YYYY-MM-DD", "z_number", "created_at", "currency",
//! "sessions": [{"session_id", "device_id", "cashier_id", "opened_at", "closed_at", "totals",
//! "balances", "first_receipt_number", "next_receipt_number"}], "totals": SessionTotals,
//! "balances": [MethodBalance], "receipt_count", "first_receipt_number", "last_receipt_number",
//! "vat": [{"rate", "net", "tax", "gross"}], "net", "tax", "gross"}`.

use super::closing::MethodBalance;
use super::receipt::PaymentMethod;
use super::session::{SessionTotals, TillSession};
use super::TillError;
use crate::calendar::{FestivalCalendar, FestivalDay};
use crate::error::Error;
use crate::money::tax::{RateTotal, TaxAmounts};
use crate::money::{Currency, Money};
use crate::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZReportRequest {
    /// The till.
    pub till_id: Uuid,
    /// The festival day.
    pub day: FestivalDay,
    /// The number of this Z-report (DSFinV-K `Z_NR`: ascending per till, kept by the caller).
    pub z_number: u64,
    /// When the report is made (DSFinV-K `Z_ERSTELLUNG`).
    pub created_at: Timestamp,
}

/// One session in a Z-report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZSession {
    /// The session.
    pub session_id: Uuid,
    /// Its device.
    pub device_id: Uuid,
    /// Its cashier.
    pub cashier_id: Option<String>,
    /// Opened at.
    pub opened_at: Timestamp,
    /// Closed at.
    pub closed_at: Timestamp,
    /// Its sums.
    pub totals: SessionTotals,
    /// Its expected, counted and imbalance per method.
    pub balances: Vec<MethodBalance>,
    /// Its first receipt number.
    pub first_receipt_number: u64,
    /// The number after its last receipt.
    pub next_receipt_number: u64,
}

/// The end-of-day report of a till. Serde form in the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZReport {
    /// The till.
    pub till_id: Uuid,
    /// The festival day.
    pub day: FestivalDay,
    /// The report's number.
    pub z_number: u64,
    /// When it was made.
    pub created_at: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// The sessions of the day.
    pub sessions: Vec<ZSession>,
    /// Field-wise sums of the sessions' totals.
    pub totals: SessionTotals,
    /// Expected, counted and imbalance per method, summed over the sessions.
    pub balances: Vec<MethodBalance>,
    /// Receipts of the day.
    pub receipt_count: u64,
    /// First receipt number of the day (none without receipts).
    pub first_receipt_number: Option<u64>,
    /// Last receipt number of the day.
    pub last_receipt_number: Option<u64>,
    /// VAT of the sales per rate, ascending.
    pub vat: Vec<RateTotal>,
    /// Net of the sales.
    pub net: Money,
    /// VAT of the sales.
    pub tax: Money,
    /// Gross of the sales (cash + card + wallet sales).
    pub gross: Money,
}

/// The sessions of `request.till_id` opened on `request.day`, in report order.
pub(crate) fn day_sessions<'a>(
    request: &ZReportRequest,
    calendar: &FestivalCalendar,
    sessions: &'a [TillSession],
) -> Vec<&'a TillSession> {
    let mut picked: Vec<&TillSession> = sessions
        .iter()
        .filter(|s| s.till_id() == request.till_id && calendar.day_of(s.spec().opened_at) == request.day)
        .collect();
    picked.sort_by_key(|s| (s.spec().first_receipt_number, s.spec().opened_at, s.id()));
    picked
}

/// Makes the Z-report of a till for a festival day (see the module docs).
pub fn z_report(
    request: &ZReportRequest,
    calendar: &FestivalCalendar,
    sessions: &[TillSession],
) -> Result<ZReport, Error> {
    let picked = day_sessions(request, calendar, sessions);
    let first = picked
        .first()
        .ok_or_else(|| TillError::NoSessions { till_id: request.till_id.to_string(), day: request.day.to_string() })?;
    let currency = first.currency();
    let zero = Money::zero(currency);
    let mut totals = SessionTotals::zero(currency);
    let mut balances: Vec<MethodBalance> = [PaymentMethod::Cash, PaymentMethod::Card]
        .into_iter()
        .map(|method| MethodBalance { method, expected: zero, counted: zero, imbalance: zero })
        .collect();
    let mut vat: BTreeMap<Decimal, TaxAmounts> = BTreeMap::new();
    let mut out = Vec::with_capacity(picked.len());
    let mut ids = BTreeSet::new();
    let mut expected_next: Option<u64> = None;
    let mut range: Option<(u64, u64)> = None;
    for s in picked {
        if s.currency() != currency {
            return Err(TillError::CurrencyMismatch {
                expected: currency.to_string(),
                actual: s.currency().to_string(),
            }
            .into());
        }
        if !ids.insert(s.id()) {
            return Err(TillError::SessionMismatch { reason: format!("session {} appears twice", s.id()) }.into());
        }
        let closing = match s.closing() {
            Some(c) => &c.closing,
            None => return Err(TillError::SessionOpen { session_id: s.id().to_string() }.into()),
        };
        let first_no = s.spec().first_receipt_number;
        if let Some(exp) = expected_next {
            if exp != first_no {
                return Err(TillError::ReceiptGap { expected: exp, found: first_no }.into());
            }
        }
        expected_next = Some(s.next_receipt_number());
        if s.next_receipt_number() > first_no {
            let last = s.next_receipt_number() - 1;
            range = Some(range.map_or((first_no, last), |(a, _)| (a, last)));
        }
        totals = totals.add(&closing.totals)?;
        for (sum, b) in balances.iter_mut().zip(&closing.balances) {
            sum.expected = sum.expected.checked_add(&b.expected)?;
            sum.counted = sum.counted.checked_add(&b.counted)?;
            sum.imbalance = sum.imbalance.checked_add(&b.imbalance)?;
        }
        for r in s.receipts() {
            for rt in &r.vat {
                let e = vat.entry(rt.rate.normalize()).or_insert(TaxAmounts { net: zero, tax: zero, gross: zero });
                e.net = e.net.checked_add(&rt.amounts.net)?;
                e.tax = e.tax.checked_add(&rt.amounts.tax)?;
                e.gross = e.gross.checked_add(&rt.amounts.gross)?;
            }
        }
        out.push(ZSession {
            session_id: s.id(),
            device_id: s.spec().device_id,
            cashier_id: s.spec().cashier_id.clone(),
            opened_at: s.spec().opened_at,
            closed_at: closing.closed_at,
            totals: closing.totals,
            balances: closing.balances.clone(),
            first_receipt_number: first_no,
            next_receipt_number: s.next_receipt_number(),
        });
    }
    let vat: Vec<RateTotal> = vat.into_iter().map(|(rate, amounts)| RateTotal { rate, amounts }).collect();
    let sum = |f: fn(&TaxAmounts) -> Money| {
        Money::sum(currency, vat.iter().map(|r| f(&r.amounts)).collect::<Vec<_>>().iter())
    };
    let (net, tax, gross) = (sum(|a| a.net)?, sum(|a| a.tax)?, sum(|a| a.gross)?);
    Ok(ZReport {
        till_id: request.till_id,
        day: request.day,
        z_number: request.z_number,
        created_at: request.created_at,
        currency,
        sessions: out,
        receipt_count: totals.receipt_count,
        totals,
        balances,
        first_receipt_number: range.map(|r| r.0),
        last_receipt_number: range.map(|r| r.1),
        vat,
        net,
        tax,
        gross,
    })
}
