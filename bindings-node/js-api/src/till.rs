//! Tills for JS: a [`TillSession`] handle (open with a float, record cash and card operations,
//! issue receipts, attach TSE signatures, close with counted amounts into a signed closing), the
//! server's closing verification, Z-reports and the DSFinV-K-shaped export rows / CSV
//! ([`festival_core::till`]).
//!
//! Shapes are the core's serde forms with camelCase keys. Products are an array
//! `[{ sku, name, vatRate, vatKey? }]` (an array, so skus are never renamed like keys); sessions
//! given to `tillZReport` / `tillExportRows` are `serialize()` texts (what a server stores).
//! The seed that signs a closing is the device's 32-byte `Uint8Array`, as for `DeviceSigner`.

use crate::offline::uuid_arg;
use crate::ticketing::state_out;
use crate::{array_arg, from_js, invalid, object_arg, str_arg, to_js, Result};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry};
use festival_core::till::{
    render_csv, z_report, CountedAmounts, ExportRow, FiscalSignature, ProductInfo, SaleRequest, SessionSpec,
    SignedClosing, TillOperation, TillSession, ZReport, ZReportRequest,
};
use festival_core::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductRow {
    sku: String,
    name: String,
    #[serde(with = "rust_decimal::serde::str")]
    vat_rate: rust_decimal::Decimal,
    #[serde(default)]
    vat_key: Option<u32>,
    #[serde(default)]
    deposit: bool,
}

/// `[{ sku, name, vatRate, vatKey?, deposit? }]` → the core's product lookup (a sku given twice is
/// `INPUT_INVALID`; `deposit: true` marks a deposit product, posted as a liability).
pub fn products_arg(field: &str, v: &Value) -> Result<BTreeMap<String, ProductInfo>> {
    array_arg(field, v)?;
    let rows: Vec<ProductRow> = from_js(field, v)?;
    let mut out = BTreeMap::new();
    for r in rows {
        let sku = r.sku.clone();
        if out
            .insert(r.sku, ProductInfo { name: r.name, vat_rate: r.vat_rate, vat_key: r.vat_key, deposit: r.deposit })
            .is_some()
        {
            return Err(invalid(field, format!("sku '{sku}' is given twice")));
        }
    }
    Ok(out)
}

fn seed_arg(seed: &[u8]) -> Result<[u8; 32]> {
    seed.try_into().map_err(|_| invalid("seed", format!("expected 32 bytes, got {}", seed.len())))
}

fn sessions_arg(field: &str, v: &Value) -> Result<Vec<TillSession>> {
    array_arg(field, v)?
        .iter()
        .enumerate()
        .map(|(i, s)| TillSession::from_json(str_arg(&format!("{field}[{i}]"), s)?))
        .collect()
}

/// A till session (see [`festival_core::till::TillSession`]).
#[derive(Debug, Clone)]
pub struct TillSessionHandle(TillSession);

impl TillSessionHandle {
    /// `TillSession.open(spec)`: `{ sessionId, tillId, festivalId, deviceId, standId?, cashierId?,
    /// openingFloat, firstReceiptNumber?, tax?: { rounding, mode }, openedAt }`.
    pub fn open(spec: &Value) -> Result<Self> {
        object_arg("spec", spec)?;
        Ok(TillSessionHandle(TillSession::open(from_js("spec", spec)?)?))
    }

    /// `TillSession.deserialize(state)` (checked: `TILL_STATE_INVALID`).
    pub fn deserialize(state: &Value) -> Result<Self> {
        Ok(TillSessionHandle(TillSession::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `openNext(spec)`: the next session of this (closed) till; receipt numbers continue.
    pub fn open_next(&self, spec: &Value) -> Result<Self> {
        object_arg("spec", spec)?;
        let spec: SessionSpec = from_js("spec", spec)?;
        Ok(TillSessionHandle(self.0.open_next(spec)?))
    }

    /// `spec(): SessionSpec`.
    pub fn spec(&self) -> Result<Value> {
        to_js(self.0.spec())
    }

    /// `id(): string`.
    pub fn id(&self) -> Value {
        Value::String(self.0.id().to_string())
    }

    /// `isClosed(): boolean`.
    pub fn is_closed(&self) -> Value {
        Value::Bool(self.0.is_closed())
    }

    /// `nextReceiptNumber(): number`.
    pub fn next_receipt_number(&self) -> Value {
        Value::from(self.0.next_receipt_number())
    }

    /// `operationsHash(): string` (hex).
    pub fn operations_hash(&self) -> Value {
        Value::String(self.0.operations_hash())
    }

    /// `totals(): SessionTotals`.
    pub fn totals(&self) -> Result<Value> {
        to_js(&self.0.totals()?)
    }

    /// `postings(): Posting[]`: the session's double-entry postings
    /// ([`festival_core::postings::post_till_session`]).
    pub fn postings(&self) -> Result<Value> {
        to_js(&festival_core::postings::post_till_session(&self.0)?)
    }

    /// `operations(): TillOperation[]`.
    pub fn operations(&self) -> Result<Value> {
        to_js(&self.0.operations())
    }

    /// `receipts(): Receipt[]`.
    pub fn receipts(&self) -> Result<Value> {
        to_js(&self.0.receipts())
    }

    /// `receipt(paymentId): Receipt | null`.
    pub fn receipt(&self, payment_id: &Value) -> Result<Value> {
        match self.0.receipt(uuid_arg("paymentId", payment_id)?) {
            Some(r) => to_js(r),
            None => Ok(Value::Null),
        }
    }

    /// `closing(): SignedClosing | null`.
    pub fn closing(&self) -> Result<Value> {
        match self.0.closing() {
            Some(c) => to_js(c),
            None => Ok(Value::Null),
        }
    }

    /// `record(operation): TillOperation` — `{ id, at, kind, amount, walletId?, note? }`.
    pub fn record(&mut self, operation: &Value) -> Result<Value> {
        object_arg("operation", operation)?;
        let op: TillOperation = from_js("operation", operation)?;
        to_js(&self.0.record(op)?)
    }

    /// `sale(request, products): Receipt`.
    pub fn sale(&mut self, request: &Value, products: &Value) -> Result<Value> {
        object_arg("request", request)?;
        let req: SaleRequest = from_js("request", request)?;
        let products = products_arg("products", products)?;
        to_js(&self.0.sale(&req, &products)?)
    }

    /// `attachFiscalSignature(paymentId, signature): Receipt`.
    pub fn attach_fiscal_signature(&mut self, payment_id: &Value, signature: &Value) -> Result<Value> {
        let id = uuid_arg("paymentId", payment_id)?;
        object_arg("signature", signature)?;
        let sig: FiscalSignature = from_js("signature", signature)?;
        to_js(&self.0.attach_fiscal_signature(id, sig)?)
    }

    /// `close(closedAt, counted, seed): SignedClosing` — `counted` is `{ cash, card }`.
    pub fn close(&mut self, closed_at: &Value, counted: &Value, seed: &[u8]) -> Result<Value> {
        let at: Timestamp = crate::offline::timestamp_arg("closedAt", closed_at)?;
        object_arg("counted", counted)?;
        let counted: CountedAmounts = from_js("counted", counted)?;
        to_js(&self.0.close(at, counted, &seed_arg(seed)?)?)
    }
}

/// `verifyTillClosing(closing, registry: DeviceEntry[])`: throws `TILL_UNKNOWN_DEVICE`,
/// `TILL_SIGNATURE_INVALID`, `TILL_CLOSING_INVALID`.
pub fn verify_till_closing(closing: &Value, registry: &Value) -> Result<()> {
    object_arg("closing", closing)?;
    let closing: SignedClosing = from_js("closing", closing)?;
    array_arg("registry", registry)?;
    let entries: Vec<DeviceEntry> = from_js("registry", registry)?;
    closing.verify(&DeviceRegistry::new(entries)?)
}

/// `tillZReport(request, calendar, sessions: string[]): ZReport`.
pub fn till_z_report(request: &Value, calendar: &Value, sessions: &Value) -> Result<Value> {
    object_arg("request", request)?;
    let req: ZReportRequest = from_js("request", request)?;
    let cal = crate::access::calendar_arg("calendar", calendar)?;
    to_js(&z_report(&req, &cal, &sessions_arg("sessions", sessions)?)?)
}

/// `tillExportRows(report, sessions: string[]): ExportRow[]`.
pub fn till_export_rows(report: &Value, sessions: &Value) -> Result<Value> {
    object_arg("report", report)?;
    let report: ZReport = from_js("report", report)?;
    to_js(&report.export_rows(&sessions_arg("sessions", sessions)?))
}

/// `tillExportCsv(rows): string` (RFC 4180, DSFinV-K column names).
pub fn till_export_csv(rows: &Value) -> Result<Value> {
    array_arg("rows", rows)?;
    let rows: Vec<ExportRow> = from_js("rows", rows)?;
    Ok(Value::String(render_csv(&rows)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;
    use serde_json::json;

    fn eur(a: &str) -> Value {
        json!({"amount": a, "currency": "EUR"})
    }

    #[test]
    fn a_session_in_js_shapes() {
        let mut s = TillSessionHandle::open(&json!({"sessionId": "00000000-0000-4000-8000-000000000001",
            "tillId": "00000000-0000-4000-8000-000000000002", "festivalId": "00000000-0000-4000-8000-000000000003",
            "deviceId": "00000000-0000-4000-8000-000000000004", "openingFloat": eur("50.00"), "openedAt": "2026-07-04T10:00:00Z"}))
        .unwrap();
        let products = json!([{"sku": "beerLarge", "name": "Beer", "vatRate": "19"}]);
        let r = s
            .sale(&json!({"paymentId": "00000000-0000-4000-8000-000000000010", "at": "2026-07-04T11:00:00Z", "method": "cash",
                "lines": [{"sku": "beerLarge", "quantity": 2, "unitPrice": eur("5.00")}]}), &products)
            .unwrap();
        assert_eq!(
            (r["number"].clone(), r["total"].clone(), r["lines"][0]["vatKey"].clone()),
            (json!(1), eur("10.00"), json!(1))
        );
        let c = s
            .close(&json!("2026-07-04T12:00:00Z"), &json!({"cash": eur("59.00"), "card": eur("0")}), &[5; 32])
            .unwrap();
        assert_eq!(c["closing"]["balances"][0]["imbalance"], eur("-1.00"));
        assert_eq!(
            s.close(&json!("2026-07-04T12:00:00Z"), &json!({"cash": eur("59.00"), "card": eur("0")}), &[5; 32])
                .unwrap_err()
                .code(),
            "TILL_ALREADY_CLOSED"
        );
        assert_eq!(s.close(&json!("2026-07-04T12:00:00Z"), &json!({}), &[5; 3]).unwrap_err().code(), "INPUT_INVALID");
        let dup = json!([{"sku": "a", "name": "A", "vatRate": "7"}, {"sku": "a", "name": "B", "vatRate": "7"}]);
        assert_eq!(products_arg("products", &dup).unwrap_err().code(), "INPUT_INVALID");
        let back = TillSessionHandle::deserialize(&json!(s.serialize().unwrap())).unwrap();
        assert_eq!(back.receipts().unwrap(), s.receipts().unwrap());
    }
}
