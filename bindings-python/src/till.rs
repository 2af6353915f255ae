//! Tills for Python: `TillSession` (open with a float, record cash and card operations, issue
//! receipts, attach TSE signatures, close into a signed closing), `verify_till_closing`,
//! `till_z_report` → `TillZReport` with the DSFinV-K-shaped export rows (a list of dicts) and CSV.
//!
//! Arguments are typed (`Money`, aware `datetime`, `uuid.UUID` or str, `bytes` seeds); results
//! are the core's serde forms as plain dicts with snake_case keys, where money is `Money`, times
//! are aware UTC `datetime`s, ids `uuid.UUID`, rates `Decimal` and festival days `datetime.date`.

use crate::checkin::{date_from_py, date_to_py, PyFestivalCalendar};
use crate::convert::{
    bytes_from_py, decimal_from_py, decimal_to_py, timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py,
};
use crate::errors::CoreResult;
use crate::money::{money_arg, PyMoney};
use crate::reconcile::PyDeviceRegistry;
use festival_core::money::tax::TaxRounding;
use festival_core::money::{parse_decimal, Money};
use festival_core::till::{
    render_csv, z_report, CountedAmounts, FiscalSignature, OperationKind, PaymentMethod, ProductInfo, SaleLine,
    SaleRequest, SessionSpec, SignedClosing, TaxPolicy, TillOperation, TillSession, ZReport, ZReportRequest,
};
use festival_core::{interop, Timestamp};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

const TIME_KEYS: &[&str] = &[
    "at",
    "opened_at",
    "closed_at",
    "issued_at",
    "started_at",
    "finished_at",
    "created_at",
    "z_erstellung",
    "bon_ende",
];
const UUID_KEYS: &[&str] =
    &["id", "session_id", "till_id", "festival_id", "device_id", "stand_id", "payment_id", "wallet_id", "z_kasse_id"];
const DECIMAL_KEYS: &[&str] = &["rate", "vat_rate", "ust_satz"];

/// The core's JSON → Python (see the module docs); `key` is the object key the value sits under.
fn to_py<'py>(py: Python<'py>, key: Option<&str>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    let k = key.unwrap_or("");
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match n.as_u64() {
            Some(u) => u.into_pyobject(py)?.into_any(),
            None => n.as_i64().unwrap_or_default().into_pyobject(py)?.into_any(),
        },
        Value::String(s) if TIME_KEYS.contains(&k) => timestamp_to_py(py, interop::parse_timestamp(k, s).py(py)?)?,
        Value::String(s) if UUID_KEYS.contains(&k) => uuid_to_py(py, &interop::parse_uuid(k, s).py(py)?)?,
        Value::String(s) if DECIMAL_KEYS.contains(&k) => decimal_to_py(py, parse_decimal(s).py(py)?)?,
        Value::String(s) if k == "day" => date_to_py(py, s.parse().py(py)?)?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let items = a.iter().map(|x| to_py(py, key, x)).collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(o) if o.len() == 2 && o.contains_key("amount") && o.contains_key("currency") => {
            let m: Money = serde_json::from_value(v.clone()).map_err(|e| PyValueError::new_err(e.to_string()))?;
            Bound::new(py, PyMoney::wrap(m))?.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (kk, vv) in o {
                d.set_item(kk, to_py(py, Some(kk), vv)?)?;
            }
            d.into_any()
        }
    })
}

fn out<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(v).map_err(|e| PyValueError::new_err(e.to_string()))?;
    to_py(py, None, &json)
}

fn opt_uuid(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Uuid>> {
    obj.filter(|o| !o.is_none()).map(|o| uuid_from_py(field, o)).transpose()
}

fn method_arg(method: &str) -> PyResult<PaymentMethod> {
    match method {
        "wallet" => Ok(PaymentMethod::Wallet),
        "cash" => Ok(PaymentMethod::Cash),
        "card" => Ok(PaymentMethod::Card),
        _ => Err(PyValueError::new_err(format!("method: expected 'wallet', 'cash' or 'card', got '{method}'"))),
    }
}

fn seed_arg(obj: &Bound<'_, PyAny>) -> PyResult<[u8; 32]> {
    let b = bytes_from_py("seed", obj)?;
    b.as_slice().try_into().map_err(|_| PyValueError::new_err(format!("seed: expected 32 bytes, got {}", b.len())))
}

/// `{sku: {"name": str, "vat_rate": Decimal | str | int, "vat_key": int (optional)}}`.
fn products_arg(obj: &Bound<'_, PyAny>) -> PyResult<BTreeMap<String, ProductInfo>> {
    let map =
        obj.cast::<PyMapping>().map_err(|_| crate::errors::type_err("products", "a mapping of sku to product", obj))?;
    let mut out = BTreeMap::new();
    for item in map.items()?.iter() {
        let (sku, info): (String, Bound<'_, PyAny>) = item.extract()?;
        let field = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            match info.get_item(k) {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(obj.py()) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let name: String = field("name")?
            .ok_or_else(|| PyValueError::new_err(format!("products[{sku:?}]: 'name' is required")))?
            .extract()?;
        let rate = field("vat_rate")?
            .ok_or_else(|| PyValueError::new_err(format!("products[{sku:?}]: 'vat_rate' is required")))?;
        let vat_key: Option<u32> = field("vat_key")?.filter(|v| !v.is_none()).map(|v| v.extract()).transpose()?;
        let deposit: bool =
            field("deposit")?.filter(|v| !v.is_none()).map(|v| v.extract()).transpose()?.unwrap_or(false);
        out.insert(
            sku.clone(),
            ProductInfo {
                name,
                vat_rate: decimal_from_py(&format!("products[{sku:?}].vat_rate"), &rate)?,
                vat_key,
                deposit,
            },
        );
    }
    Ok(out)
}

/// `(sku, quantity, unit_price)` or `(sku, quantity, unit_price, voucher_id)`.
fn lines_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<SaleLine>> {
    let mut lines = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        let item = item?;
        let n = item.len()?;
        if !(3..=4).contains(&n) {
            return Err(PyTypeError::new_err(format!(
                "lines[{i}]: expected (sku, quantity, unit_price[, voucher_id])"
            )));
        }
        let sku: String = item.get_item(0)?.extract()?;
        let quantity: u32 = item.get_item(1)?.extract()?;
        let unit_price = money_arg(&format!("lines[{i}].unit_price"), &item.get_item(2)?)?;
        let voucher_id: Option<String> = if n == 4 { item.get_item(3)?.extract()? } else { None };
        lines.push(SaleLine { sku, quantity, unit_price, voucher_id });
    }
    Ok(lines)
}

/// A till session: the drawer is derived from its operations; receipts are numbered without gaps
/// per till; the closing is signed by the device key.
#[pyclass(module = "festival_core", name = "TillSession")]
#[derive(Clone)]
pub struct PyTillSession {
    inner: TillSession,
}

impl PyTillSession {
    fn op(
        &mut self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        kind: OperationKind,
    ) -> PyResult<Py<PyAny>> {
        let op = TillOperation { id: uuid_from_py("op_id", id)?, at: timestamp_from_py("at", at)?, kind };
        let done = self.inner.record(op).py(py)?;
        Ok(out(py, &done)?.unbind())
    }
}

fn spec_arg(
    session_id: &Bound<'_, PyAny>,
    till_id: &Bound<'_, PyAny>,
    festival_id: &Bound<'_, PyAny>,
    device_id: &Bound<'_, PyAny>,
    opening_float: &Bound<'_, PyAny>,
    opened_at: &Bound<'_, PyAny>,
) -> PyResult<SessionSpec> {
    Ok(SessionSpec::new(
        uuid_from_py("session_id", session_id)?,
        uuid_from_py("till_id", till_id)?,
        uuid_from_py("festival_id", festival_id)?,
        uuid_from_py("device_id", device_id)?,
        money_arg("opening_float", opening_float)?,
        timestamp_from_py("opened_at", opened_at)?,
    ))
}

#[pymethods]
impl PyTillSession {
    /// Opens a session with a cash float. `tax_rounding` is pretix's strategy (`per_line`,
    /// `sum_by_net`, `sum_by_net_keep_gross`), `rounding` its mode (`half_up`: pretix's).
    #[staticmethod]
    #[pyo3(signature = (session_id, till_id, festival_id, device_id, opening_float, opened_at, *, stand_id=None,
                        cashier_id=None, first_receipt_number=1, tax_rounding="per_line", rounding="half_up"))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        session_id: &Bound<'_, PyAny>,
        till_id: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
        device_id: &Bound<'_, PyAny>,
        opening_float: &Bound<'_, PyAny>,
        opened_at: &Bound<'_, PyAny>,
        stand_id: Option<&Bound<'_, PyAny>>,
        cashier_id: Option<String>,
        first_receipt_number: u64,
        tax_rounding: &str,
        rounding: &str,
    ) -> PyResult<Self> {
        let mut spec = spec_arg(session_id, till_id, festival_id, device_id, opening_float, opened_at)?;
        spec.stand_id = opt_uuid("stand_id", stand_id)?;
        spec.cashier_id = cashier_id;
        spec.first_receipt_number = first_receipt_number;
        let rounding_mode = crate::convert::rounding_from_str(rounding)?;
        let strategy: TaxRounding = crate::money::tax_rounding_arg(tax_rounding)?;
        spec.tax = TaxPolicy { rounding: strategy, mode: rounding_mode };
        Ok(PyTillSession { inner: TillSession::open(spec).py(py)? })
    }

    /// The next session of this closed till: same till, receipt numbers continue; device, stand,
    /// cashier and tax policy default to this session's.
    #[pyo3(signature = (session_id, opening_float, opened_at, *, device_id=None, cashier_id=None))]
    fn open_next(
        &self,
        py: Python<'_>,
        session_id: &Bound<'_, PyAny>,
        opening_float: &Bound<'_, PyAny>,
        opened_at: &Bound<'_, PyAny>,
        device_id: Option<&Bound<'_, PyAny>>,
        cashier_id: Option<String>,
    ) -> PyResult<Self> {
        let mut spec = self.inner.spec().clone();
        spec.session_id = uuid_from_py("session_id", session_id)?;
        spec.opening_float = money_arg("opening_float", opening_float)?;
        spec.opened_at = timestamp_from_py("opened_at", opened_at)?;
        if let Some(d) = opt_uuid("device_id", device_id)? {
            spec.device_id = d;
        }
        if cashier_id.is_some() {
            spec.cashier_id = cashier_id;
        }
        Ok(PyTillSession { inner: self.inner.open_next(spec).py(py)? })
    }

    /// Rebuilds a session from `to_json()` (checked: `TILL_STATE_INVALID`).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyTillSession { inner: TillSession::from_json(text).py(py)? })
    }

    /// The session as JSON text (the core's format).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id())
    }

    #[getter]
    fn till_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.till_id())
    }

    #[getter]
    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    #[getter]
    fn next_receipt_number(&self) -> u64 {
        self.inner.next_receipt_number()
    }

    /// SHA-256 (hex) of the operations and receipts, as carried by the closing.
    #[getter]
    fn operations_hash(&self) -> String {
        self.inner.operations_hash()
    }

    /// Float, cash in / out by kind, sales by method, expected cash and card (a dict).
    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.inner.totals().py(py)?)
    }

    /// The session's double-entry postings: the float, cash top-ups, payouts, safe movements,
    /// cash / card receipts onto `cash_drawer:<till>`, `safe`, `funds:*`, `revenue:<stand>`, and
    /// once closed the closing (counted cash to the safe, differences to
    /// `expense:cash_differences`).
    fn postings(&self, py: Python<'_>) -> PyResult<Vec<crate::postings::PyPosting>> {
        crate::postings::till_postings_of(py, &self.inner)
    }

    /// The cash and card operations (dicts), in the order recorded.
    fn operations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.inner.operations())
    }

    /// The receipts (dicts), by number.
    fn receipts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.inner.receipts())
    }

    /// The receipt of a payment, or None.
    fn receipt<'py>(&self, py: Python<'py>, payment_id: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.inner.receipt(uuid_from_py("payment_id", payment_id)?))
    }

    /// The signed closing (a dict), or None while open.
    fn closing<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.inner.closing())
    }

    /// The signed closing as JSON text (what the device uploads), or None while open.
    fn closing_json(&self) -> Option<String> {
        self.inner.closing().and_then(|c| serde_json::to_string(c).ok())
    }

    /// A wallet top-up paid in cash; idempotent per `op_id`.
    #[pyo3(signature = (op_id, at, amount, wallet_id=None))]
    fn cash_top_up(
        &mut self,
        py: Python<'_>,
        op_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        wallet_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let kind = OperationKind::CashTopUp {
            amount: money_arg("amount", amount)?,
            wallet_id: opt_uuid("wallet_id", wallet_id)?,
        };
        self.op(py, op_id, at, kind)
    }

    /// A wallet top-up paid by card (not in the drawer).
    #[pyo3(signature = (op_id, at, amount, wallet_id=None))]
    fn card_top_up(
        &mut self,
        py: Python<'_>,
        op_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        wallet_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let kind = OperationKind::CardTopUp {
            amount: money_arg("amount", amount)?,
            wallet_id: opt_uuid("wallet_id", wallet_id)?,
        };
        self.op(py, op_id, at, kind)
    }

    /// Cash paid out of the drawer (`TILL_INSUFFICIENT_CASH` beyond the expected cash).
    #[pyo3(signature = (op_id, at, amount, wallet_id=None))]
    fn payout(
        &mut self,
        py: Python<'_>,
        op_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        wallet_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let kind = OperationKind::Payout {
            amount: money_arg("amount", amount)?,
            wallet_id: opt_uuid("wallet_id", wallet_id)?,
        };
        self.op(py, op_id, at, kind)
    }

    /// Cash brought from the safe into the drawer (Einlage).
    #[pyo3(signature = (op_id, at, amount, note=None))]
    fn safe_in(
        &mut self,
        py: Python<'_>,
        op_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        note: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let kind = OperationKind::SafeIn { amount: money_arg("amount", amount)?, note };
        self.op(py, op_id, at, kind)
    }

    /// Cash taken from the drawer to the safe (Entnahme).
    #[pyo3(signature = (op_id, at, amount, note=None))]
    fn safe_out(
        &mut self,
        py: Python<'_>,
        op_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        note: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let kind = OperationKind::SafeOut { amount: money_arg("amount", amount)?, note };
        self.op(py, op_id, at, kind)
    }

    /// Issues the receipt of a payment (a dict) with the next number; idempotent per
    /// `payment_id`. `lines` are `(sku, quantity, unit_price[, voucher_id])`; `products` maps a
    /// sku to `{"name", "vat_rate", "vat_key"?}`.
    #[pyo3(signature = (payment_id, at, method, lines, products, *, amount=None, wallet_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn sale(
        &mut self,
        py: Python<'_>,
        payment_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        method: &str,
        lines: &Bound<'_, PyAny>,
        products: &Bound<'_, PyAny>,
        amount: Option<&Bound<'_, PyAny>>,
        wallet_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let req = SaleRequest {
            payment_id: uuid_from_py("payment_id", payment_id)?,
            at: timestamp_from_py("at", at)?,
            method: method_arg(method)?,
            lines: lines_arg(lines)?,
            amount: amount.filter(|a| !a.is_none()).map(|a| money_arg("amount", a)).transpose()?,
            wallet_id: opt_uuid("wallet_id", wallet_id)?,
        };
        let products = products_arg(products)?;
        let r = self.inner.sale(&req, &products).py(py)?;
        Ok(out(py, &r)?.unbind())
    }

    /// Stores the signature of the caller's TSE on a receipt (returns the receipt).
    #[pyo3(signature = (payment_id, *, tse_serial, transaction_number, signature_counter, started_at, finished_at,
                        algorithm, signature, public_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn attach_fiscal_signature(
        &mut self,
        py: Python<'_>,
        payment_id: &Bound<'_, PyAny>,
        tse_serial: String,
        transaction_number: u64,
        signature_counter: u64,
        started_at: &Bound<'_, PyAny>,
        finished_at: &Bound<'_, PyAny>,
        algorithm: String,
        signature: String,
        public_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let sig = FiscalSignature {
            tse_serial,
            transaction_number,
            signature_counter,
            started_at: timestamp_from_py("started_at", started_at)?,
            finished_at: timestamp_from_py("finished_at", finished_at)?,
            algorithm,
            signature,
            public_key,
        };
        let r = self.inner.attach_fiscal_signature(uuid_from_py("payment_id", payment_id)?, sig).py(py)?;
        Ok(out(py, &r)?.unbind())
    }

    /// Closes with the counted cash and the card terminal's total; the device's 32-byte seed signs
    /// the closing (returned as a dict; `closing_json()` gives the text to upload).
    fn close(
        &mut self,
        py: Python<'_>,
        closed_at: &Bound<'_, PyAny>,
        counted_cash: &Bound<'_, PyAny>,
        counted_card: &Bound<'_, PyAny>,
        seed: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let at: Timestamp = timestamp_from_py("closed_at", closed_at)?;
        let counted = CountedAmounts {
            cash: money_arg("counted_cash", counted_cash)?,
            card: money_arg("counted_card", counted_card)?,
        };
        let c = self.inner.close(at, counted, &seed_arg(seed)?).py(py)?;
        Ok(out(py, &c)?.unbind())
    }

    fn __repr__(&self) -> String {
        format!(
            "TillSession(id={}, till_id={}, closed={}, next_receipt_number={})",
            self.inner.id(),
            self.inner.till_id(),
            self.inner.is_closed(),
            self.inner.next_receipt_number()
        )
    }
}

/// Verifies an uploaded closing (JSON text) as the server does: a registered device of the
/// festival, its signature, the arithmetic (`TILL_UNKNOWN_DEVICE`, `TILL_SIGNATURE_INVALID`,
/// `TILL_CLOSING_INVALID`; `InputError` for malformed JSON).
#[pyfunction]
pub fn verify_till_closing(py: Python<'_>, closing_json: &str, registry: PyRef<'_, PyDeviceRegistry>) -> PyResult<()> {
    let closing: SignedClosing = serde_json::from_str(closing_json)
        .map_err(|e| festival_core::InputError::invalid("closing_json", e.to_string()))
        .py(py)?;
    closing.verify(&registry.inner).py(py)
}

/// The Z-report of a till for a festival day.
#[pyclass(frozen, module = "festival_core", name = "TillZReport")]
pub struct PyTillZReport {
    inner: ZReport,
}

#[pymethods]
impl PyTillZReport {
    /// The whole report as a dict (see the core's `ZReport`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.inner)
    }

    /// The report as JSON text.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.inner).unwrap_or_default()
    }

    #[getter]
    fn receipt_count(&self) -> u64 {
        self.inner.receipt_count
    }

    #[getter]
    fn first_receipt_number(&self) -> Option<u64> {
        self.inner.first_receipt_number
    }

    #[getter]
    fn last_receipt_number(&self) -> Option<u64> {
        self.inner.last_receipt_number
    }

    #[getter]
    fn gross(&self) -> PyMoney {
        PyMoney::wrap(self.inner.gross)
    }

    /// One dict per receipt line with the DSFinV-K-shaped columns in snake case (`z_kasse_id`,
    /// `bon_id`, `pos_zeile`, `artikeltext`, `menge`, `stk_br`, `ust_schluessel`, `pos_brutto`…).
    fn export_rows<'py>(
        &self,
        py: Python<'py>,
        sessions: Vec<PyRef<'py, PyTillSession>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sessions: Vec<TillSession> = sessions.iter().map(|s| s.inner.clone()).collect();
        out(py, &self.inner.export_rows(&sessions))
    }

    /// The export rows as RFC 4180 CSV with the DSFinV-K column names.
    fn export_csv(&self, sessions: Vec<PyRef<'_, PyTillSession>>) -> String {
        let sessions: Vec<TillSession> = sessions.iter().map(|s| s.inner.clone()).collect();
        render_csv(&self.inner.export_rows(&sessions))
    }
}

/// The Z-report of `till_id` for the festival `day` (a `datetime.date`) from its sessions.
#[pyfunction]
#[pyo3(signature = (till_id, day, sessions, *, z_number, created_at, calendar=None))]
pub fn till_z_report(
    py: Python<'_>,
    till_id: &Bound<'_, PyAny>,
    day: &Bound<'_, PyAny>,
    sessions: Vec<PyRef<'_, PyTillSession>>,
    z_number: u64,
    created_at: &Bound<'_, PyAny>,
    calendar: Option<PyRef<'_, PyFestivalCalendar>>,
) -> PyResult<PyTillZReport> {
    let request = ZReportRequest {
        till_id: uuid_from_py("till_id", till_id)?,
        day: date_from_py(day)?,
        z_number,
        created_at: timestamp_from_py("created_at", created_at)?,
    };
    let cal = calendar.map(|c| c.inner).unwrap_or_default();
    let sessions: Vec<TillSession> = sessions.iter().map(|s| s.inner.clone()).collect();
    Ok(PyTillZReport { inner: z_report(&request, &cal, &sessions).py(py)? })
}
