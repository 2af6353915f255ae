//! `till.*` conformance operations. JSON is snake_case; money is `{"amount", "currency"}`; times
//! are RFC 3339; ids are UUIDs; seeds and keys are lowercase hex. A failed step is reported in
//! place as `{"error": "<CODE>", "details": {...}}` and changes nothing.
//!
//! * `till.session_run` — input `{"session": SessionSpec, "products": {"<sku>": {"name",
//!   "vat_rate", "vat_key"?}}, "steps": [Step]}`, each step one of `{"op": "record", "operation":
//!   TillOperation}`, `{"op": "sale", "sale": SaleRequest}`, `{"op": "attach_fiscal_signature",
//!   "payment_id", "fiscal_signature": FiscalSignature}`, `{"op": "close", "closed_at", "counted":
//!   {"cash", "card"}, "seed": hex}` (forms in [`crate::till`]). Output `{"steps": [{"ok": true,
//!   "operation"?, "receipt"?, "closing"?} | {"error", "details"}], "totals": SessionTotals,
//!   "closed": bool, "next_receipt_number": n, "operations_hash": hex}`.
//! * `till.closing_verify` — input `{"closing": SignedClosing, "registry": [DeviceEntry]}` (or
//!   `"public_key": hex` instead of `registry`). Output `{"valid": true}`; errors by code.
//! * `till.z_report` — input `{"calendar": FestivalCalendar, "request": ZReportRequest,
//!   "sessions": [{"session", "products", "steps"}]}` (each session run as in `session_run`; a
//!   failing step fails the operation). Output `{"report": ZReport, "rows": [ExportRow], "csv":
//!   "<RFC 4180 text>"}`.
//! * `till.postings` — input as `session_run`; output `{"postings": [Posting], "trial_balance":
//!   TrialBalance}` ([`crate::postings::post_till_session`]; failing steps are skipped as in
//!   `session_run`).

use super::{out, parse};
use crate::calendar::FestivalCalendar;
use crate::error::{Error, ErrorCode};
use crate::offline::registry::{DeviceEntry, DeviceRegistry};
use crate::till::{
    render_csv, z_report, CountedAmounts, FiscalSignature, ProductInfo, SaleRequest, SessionSpec, SignedClosing,
    TillOperation, TillSession, ZReportRequest,
};
use crate::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Step {
    Record { operation: TillOperation },
    Sale { sale: SaleRequest },
    AttachFiscalSignature { payment_id: Uuid, fiscal_signature: FiscalSignature },
    Close { closed_at: Timestamp, counted: CountedAmounts, seed: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionIn {
    session: SessionSpec,
    #[serde(default)]
    products: BTreeMap<String, ProductInfo>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyIn {
    closing: SignedClosing,
    #[serde(default)]
    registry: Option<Vec<DeviceEntry>>,
    #[serde(default)]
    public_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZIn {
    calendar: FestivalCalendar,
    request: ZReportRequest,
    sessions: Vec<SessionIn>,
}

fn step(s: &mut TillSession, products: &BTreeMap<String, ProductInfo>, st: &Step) -> Result<Value, Error> {
    Ok(match st {
        Step::Record { operation } => json!({"ok": true, "operation": out(&s.record(operation.clone())?)?}),
        Step::Sale { sale } => json!({"ok": true, "receipt": out(&s.sale(sale, products)?)?}),
        Step::AttachFiscalSignature { payment_id, fiscal_signature } => {
            json!({"ok": true, "receipt": out(&s.attach_fiscal_signature(*payment_id, fiscal_signature.clone())?)?})
        }
        Step::Close { closed_at, counted, seed } => {
            let seed = crate::interop::hex_decode_array::<32>("seed", seed)?;
            json!({"ok": true, "closing": out(&s.close(*closed_at, *counted, &seed)?)?})
        }
    })
}

fn run_session(i: &SessionIn, fail_fast: bool) -> Result<(TillSession, Vec<Value>), Error> {
    let mut s = TillSession::open(i.session.clone())?;
    let mut steps = Vec::with_capacity(i.steps.len());
    for st in &i.steps {
        match step(&mut s, &i.products, st) {
            Ok(v) => steps.push(v),
            Err(e) if !fail_fast => steps.push(json!({"error": e.code(), "details": e.details()})),
            Err(e) => return Err(e),
        }
    }
    Ok((s, steps))
}

fn session_run(i: SessionIn) -> Result<Value, Error> {
    let (s, steps) = run_session(&i, false)?;
    Ok(json!({
        "steps": steps,
        "totals": out(&s.totals()?)?,
        "closed": s.is_closed(),
        "next_receipt_number": s.next_receipt_number(),
        "operations_hash": s.operations_hash(),
    }))
}

fn postings(i: SessionIn) -> Result<Value, Error> {
    let (s, _) = run_session(&i, false)?;
    let postings = crate::postings::post_till_session(&s)?;
    let books = crate::postings::TrialBalance::from_postings(s.currency(), &postings)?;
    Ok(json!({"postings": out(&postings)?, "trial_balance": out(&books)?}))
}

fn closing_verify(i: VerifyIn) -> Result<Value, Error> {
    match (i.registry, i.public_key) {
        (Some(entries), None) => i.closing.verify(&DeviceRegistry::new(entries)?)?,
        (None, Some(key)) => i.closing.verify_with_key(&crate::interop::hex_decode_array::<32>("public_key", &key)?)?,
        _ => return Err(crate::InputError::invalid("input", "give exactly one of registry, public_key").into()),
    }
    Ok(json!({"valid": true}))
}

fn z(i: ZIn) -> Result<Value, Error> {
    let sessions = i.sessions.iter().map(|s| run_session(s, true).map(|r| r.0)).collect::<Result<Vec<_>, _>>()?;
    let report = z_report(&i.request, &i.calendar, &sessions)?;
    let rows = report.export_rows(&sessions);
    Ok(json!({"report": out(&report)?, "rows": out(&rows)?, "csv": render_csv(&rows)}))
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    Some(match op {
        "till.session_run" => parse::<SessionIn>(input).and_then(session_run),
        "till.closing_verify" => parse::<VerifyIn>(input).and_then(closing_verify),
        "till.z_report" => parse::<ZIn>(input).and_then(z),
        "till.postings" => parse::<SessionIn>(input).and_then(postings),
        _ => return None,
    })
}
