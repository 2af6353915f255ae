//! `analytics.*` conformance operations.
//!
//! * `analytics.compute`: `{"currency", "rows": [...], "incidents": [...]}` → the report.
//! * `analytics.merge`: `{"currency", "partitions": [{"rows", "incidents"}, ...]}` → the report of
//!   the merged per-partition results (equal to `compute` over all rows: merging is exact).
//!
//! A row is `{"kind", "at", "wallet"?, "stand"?, "device"?, "product"?, "quantity"?,
//! "refundable"?, "bonus"?, "debt"?, "fee"?}` with amounts as signed decimal strings in the
//! currency (the sub-balance deltas of a wallet ledger entry). An incident is `{"kind", "device"?,
//! "subject"?, "amount"?, "debt"?}`. The report has `totals`, `liability`, `by_stand`,
//! `by_device`, `by_product`, `by_hour` and `incidents` (and `by_day` when the input has a
//! `calendar`: `{"time_zone", "day_starts_at"}`), money as `{"amount", "currency"}`.
//! * `analytics.scan_stats`: `{"scans": [ScanFactOutcome], "calendar"?}` → `{"total", "by_day"}`
//!   failed-scan and admitted-in-error counts (the `scans` of reconciliation reports).

use super::{out, parse};
use crate::analytics::{
    Analytics, EntryKind, IncidentBatchBuilder, IncidentKind, IncidentRow, LedgerBatchBuilder, LedgerRow,
};
use crate::error::{Error, InputError};
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowIn {
    kind: String,
    at: Timestamp,
    wallet: Option<String>,
    stand: Option<String>,
    device: Option<String>,
    product: Option<String>,
    #[serde(default)]
    quantity: u32,
    refundable: Option<String>,
    bonus: Option<String>,
    debt: Option<String>,
    fee: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentIn {
    kind: String,
    device: Option<String>,
    subject: Option<String>,
    amount: Option<String>,
    debt: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartIn {
    #[serde(default)]
    rows: Vec<RowIn>,
    #[serde(default)]
    incidents: Vec<IncidentIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComputeIn {
    currency: String,
    /// When given, the report also has `by_day` in this calendar.
    #[serde(default)]
    calendar: Option<crate::calendar::FestivalCalendar>,
    #[serde(default)]
    rows: Vec<RowIn>,
    #[serde(default)]
    incidents: Vec<IncidentIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanStatsIn {
    scans: Vec<crate::offline::reconcile::ScanFactOutcome>,
    #[serde(default)]
    calendar: Option<crate::calendar::FestivalCalendar>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeIn {
    currency: String,
    partitions: Vec<PartIn>,
}

fn minor(c: Currency, field: &str, amount: &Option<String>) -> Result<i64, Error> {
    match amount {
        None => Ok(0),
        Some(text) => Ok(Money::parse(text, c)?
            .minor_units_i64()
            .map_err(|_| InputError::invalid(field, "does not fit 64-bit minor units"))?),
    }
}

fn compute_part(c: Currency, p: &PartIn) -> Result<Analytics, Error> {
    let mut b = LedgerBatchBuilder::new(c);
    for r in &p.rows {
        let kind = EntryKind::parse(&r.kind)
            .ok_or_else(|| InputError::invalid("kind", format!("unknown ledger row kind '{}'", r.kind)))?;
        b.push(&LedgerRow {
            kind,
            at_ms: r.at.unix_millis(),
            wallet: r.wallet.as_deref(),
            stand: r.stand.as_deref(),
            device: r.device.as_deref(),
            product: r.product.as_deref(),
            quantity: r.quantity,
            refundable: minor(c, "refundable", &r.refundable)?,
            bonus: minor(c, "bonus", &r.bonus)?,
            debt: minor(c, "debt", &r.debt)?,
            fee: minor(c, "fee", &r.fee)?,
        })?;
    }
    let mut ib = IncidentBatchBuilder::new(c);
    for i in &p.incidents {
        let kind = IncidentKind::parse(&i.kind)
            .ok_or_else(|| InputError::invalid("kind", format!("unknown incident kind '{}'", i.kind)))?;
        ib.push(&IncidentRow {
            kind,
            device: i.device.as_deref(),
            subject: i.subject.as_deref(),
            amount: minor(c, "amount", &i.amount)?,
            debt: minor(c, "debt", &i.debt)?,
        })?;
    }
    Analytics::compute(&b.finish())?.merge(&Analytics::compute_incidents(&ib.finish())?)
}

/// The report of a result, as the vectors state it.
pub(crate) fn report(a: &Analytics) -> Result<Value, Error> {
    Ok(json!({
        "totals": out(&a.totals()?)?,
        "liability": out(&a.liability()?)?,
        "by_stand": out(&a.settlements_by_stand()?)?,
        "by_device": out(&a.settlements_by_device()?)?,
        "by_product": out(&a.revenue_by_product()?)?,
        "by_hour": out(&a.revenue_by_hour()?)?,
        "incidents": out(&a.incident_stats()?)?,
    }))
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    let run = || -> Result<Value, Error> {
        match op {
            "analytics.compute" => {
                let i: ComputeIn = parse(input)?;
                let c: Currency = i.currency.parse()?;
                let a = compute_part(c, &PartIn { rows: i.rows, incidents: i.incidents })?;
                let mut r = report(&a)?;
                if let (Some(cal), Value::Object(m)) = (i.calendar, &mut r) {
                    m.insert("by_day".into(), out(&a.revenue_by_day(&cal)?)?);
                }
                Ok(r)
            }
            "analytics.scan_stats" => {
                let i: ScanStatsIn = parse(input)?;
                out(&crate::analytics::scan_stats(&i.scans, &i.calendar.unwrap_or_default()))
            }
            "analytics.merge" => {
                let i: MergeIn = parse(input)?;
                let c: Currency = i.currency.parse()?;
                let parts = i.partitions.iter().map(|p| compute_part(c, p)).collect::<Result<Vec<_>, _>>()?;
                report(&Analytics::merge_all(c, &parts)?)
            }
            _ => Err(InputError::UnknownOperation { op: op.chars().take(64).collect() }.into()),
        }
    };
    Some(run())
}
