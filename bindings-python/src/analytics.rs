//! Analytics over Arrow data: ledger / incident tables in (any object with `__arrow_c_stream__`
//! or `__arrow_c_array__`: pyarrow, Polars, pandas, arro3...), Arrow tables out
//! (`ResultTable.__arrow_c_stream__`, money as `decimal128(38, minor digits)`). No Python object is
//! created per row: columns are read from the Arrow buffers, aggregated by the core
//! (`festival_core::analytics`) with the GIL released, and only the (small) results come back.

use crate::convert::{currency_from_py, timestamp_to_py};
use crate::errors::{type_err, CoreResult};
use crate::money::PyMoney;
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int64Type, TimestampMillisecondType};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use festival_core::analytics::{
    Analytics, EntryKind, FlowSummary, IncidentBatch, IncidentBatchBuilder, IncidentKind, IncidentSummary, KeyColumn,
    LedgerBatch, LedgerBatchBuilder,
};
use festival_core::money::{Currency, Money, MoneyError};
use festival_core::offline::reconcile::ReconcileReport;
use festival_core::{InputError, Timestamp};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};
use pyo3_arrow::ffi::{to_stream_pycapsule, ArrayIterator};
use pyo3_arrow::{PyRecordBatch, PyRecordBatchReader};
use std::collections::HashMap;
use std::sync::Arc;

fn arrow_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("arrow: {e}"))
}

fn bad(field: &str, reason: impl Into<String>) -> festival_core::Error {
    InputError::invalid(field, reason).into()
}

/// Reads every record batch of an Arrow stream or array object.
fn read_batches(data: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if data.hasattr("__arrow_c_stream__")? {
        let reader: PyRecordBatchReader = data.extract()?;
        let reader = reader.into_reader()?;
        return reader.map(|b| b.map_err(arrow_err)).collect();
    }
    if data.hasattr("__arrow_c_array__")? {
        let batch: PyRecordBatch = data.extract()?;
        return Ok(vec![batch.into_inner()]);
    }
    Err(type_err(
        "data",
        "Arrow tabular data (an object with __arrow_c_stream__ or __arrow_c_array__: pyarrow.Table / RecordBatch, polars.DataFrame, pandas.DataFrame)",
        data,
    ))
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a ArrayRef> {
    batch.schema().index_of(name).ok().and_then(|i| batch.columns().get(i))
}

fn no_nulls(name: &str, a: &dyn Array) -> Result<(), festival_core::Error> {
    match a.null_count() {
        0 => Ok(()),
        n => Err(bad(name, format!("has {n} null values"))),
    }
}

/// An integer column as `i64` values (any integer type; no nulls).
fn int_column(batch: &RecordBatch, name: &str) -> Result<Option<Vec<i64>>, festival_core::Error> {
    let Some(a) = column(batch, name) else { return Ok(None) };
    if !a.data_type().is_integer() {
        return Err(bad(name, format!("expected an integer column, got {}", a.data_type())));
    }
    no_nulls(name, a)?;
    let c = arrow_cast::cast(a, &DataType::Int64).map_err(|e| bad(name, e.to_string()))?;
    Ok(Some(c.as_primitive::<Int64Type>().values().to_vec()))
}

/// An amount column as i64 minor units: integers are minor units; decimals must have at most the
/// currency's minor digits and are rescaled exactly. Floats are refused.
fn amount_column(batch: &RecordBatch, name: &str, c: Currency) -> Result<Vec<i64>, festival_core::Error> {
    let n = batch.num_rows();
    let Some(a) = column(batch, name) else { return Ok(vec![0; n]) };
    no_nulls(name, a)?;
    let digits = c.minor_digits();
    match a.data_type() {
        t if t.is_integer() => Ok(int_column(batch, name)?.unwrap_or_default()),
        DataType::Decimal32(_, s)
        | DataType::Decimal64(_, s)
        | DataType::Decimal128(_, s)
        | DataType::Decimal256(_, s) => {
            let s = i32::from(*s);
            if s > digits as i32 {
                return Err(MoneyError::ScaleExceeded {
                    amount: format!("column {name} (decimal scale {s})"),
                    currency: c.to_string(),
                    minor_digits: digits,
                }
                .into());
            }
            let target = DataType::Decimal128(38, digits as i8);
            let d = arrow_cast::cast(a, &target).map_err(|e| bad(name, e.to_string()))?;
            d.as_primitive::<Decimal128Type>()
                .values()
                .iter()
                .map(|v| i64::try_from(*v).map_err(|_| bad(name, "amount does not fit 64-bit minor units")))
                .collect()
        }
        t => Err(bad(
            name,
            format!("expected integer minor units or a decimal column, got {t} (floats are never accepted)"),
        )),
    }
}

/// A timestamp column as ms since the epoch: `timestamp[*, tz]` (time zone required) or int64 ms.
fn time_column(batch: &RecordBatch, name: &str) -> Result<Vec<i64>, festival_core::Error> {
    let Some(a) = column(batch, name) else { return Err(bad(name, "column is missing")) };
    no_nulls(name, a)?;
    match a.data_type() {
        DataType::Timestamp(_, None) => {
            Err(bad(name, "timestamp column has no time zone (naive); use UTC-aware timestamps or int64 milliseconds"))
        }
        DataType::Timestamp(_, Some(_)) => {
            let c = arrow_cast::cast(a, &DataType::Timestamp(TimeUnit::Millisecond, None))
                .map_err(|e| bad(name, e.to_string()))?;
            Ok(c.as_primitive::<TimestampMillisecondType>().values().to_vec())
        }
        t if t.is_integer() => Ok(int_column(batch, name)?.unwrap_or_default()),
        t => Err(bad(name, format!("expected a timestamp with time zone or int64 ms, got {t}"))),
    }
}

/// A key column (strings, dictionary-encoded strings, integers...) dictionary-encoded for the core.
fn key_column(batch: &RecordBatch, name: &str) -> Result<KeyColumn, festival_core::Error> {
    let n = batch.num_rows();
    let Some(a) = column(batch, name) else { return Ok(KeyColumn { codes: vec![None; n], labels: Vec::new() }) };
    let s = arrow_cast::cast(a, &DataType::Utf8).map_err(|e| bad(name, e.to_string()))?;
    let s: &StringArray = s.as_string::<i32>();
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut col = KeyColumn { codes: Vec::with_capacity(n), labels: Vec::new() };
    for v in s.iter() {
        let code = match v {
            None => None,
            Some(v) => Some(match index.get(v) {
                Some(c) => *c,
                None => {
                    let c = u32::try_from(col.labels.len()).map_err(|_| bad(name, "more than 2^32 distinct keys"))?;
                    col.labels.push(v.to_owned());
                    index.insert(v, c);
                    c
                }
            }),
        };
        col.codes.push(code);
    }
    Ok(col)
}

/// Kind column: integer codes or names.
fn kinds<T>(
    batch: &RecordBatch,
    from_code: fn(u8) -> Option<T>,
    parse: fn(&str) -> Option<T>,
) -> Result<Vec<T>, festival_core::Error> {
    let Some(a) = column(batch, "kind") else { return Err(bad("kind", "column is missing")) };
    no_nulls("kind", a)?;
    if a.data_type().is_integer() {
        let v = int_column(batch, "kind")?.unwrap_or_default();
        return v
            .iter()
            .enumerate()
            .map(|(i, c)| {
                u8::try_from(*c)
                    .ok()
                    .and_then(from_code)
                    .ok_or_else(|| bad("kind", format!("row {i}: unknown kind code {c}")))
            })
            .collect();
    }
    let s = arrow_cast::cast(a, &DataType::Utf8).map_err(|e| bad("kind", e.to_string()))?;
    let s: &StringArray = s.as_string::<i32>();
    s.iter()
        .enumerate()
        .map(|(i, v)| {
            let v = v.unwrap_or("");
            parse(v).ok_or_else(|| {
                bad("kind", format!("row {i}: unknown kind '{}'", v.chars().take(32).collect::<String>()))
            })
        })
        .collect()
}

fn ledger_batch(batch: &RecordBatch, c: Currency) -> Result<LedgerBatch, festival_core::Error> {
    let n = batch.num_rows();
    let quantity = match int_column(batch, "quantity")? {
        None => vec![0; n],
        Some(v) => v
            .into_iter()
            .map(|q| u32::try_from(q).map_err(|_| bad("quantity", format!("{q} is not in 0..=2^32-1"))))
            .collect::<Result<_, _>>()?,
    };
    Ok(LedgerBatch {
        currency: c,
        kind: kinds(batch, EntryKind::from_code, EntryKind::parse)?,
        at_ms: time_column(batch, "at")?,
        wallet: key_column(batch, "wallet")?,
        stand: key_column(batch, "stand")?,
        device: key_column(batch, "device")?,
        product: key_column(batch, "product")?,
        quantity,
        refundable: amount_column(batch, "refundable", c)?,
        bonus: amount_column(batch, "bonus", c)?,
        debt: amount_column(batch, "debt", c)?,
        fee: amount_column(batch, "fee", c)?,
    })
}

fn incident_batch(batch: &RecordBatch, c: Currency) -> Result<IncidentBatch, festival_core::Error> {
    Ok(IncidentBatch {
        currency: c,
        kind: kinds(batch, IncidentKind::from_code, IncidentKind::parse)?,
        device: key_column(batch, "device")?,
        subject: key_column(batch, "subject")?,
        amount: amount_column(batch, "amount", c)?,
        debt: amount_column(batch, "debt", c)?,
    })
}

/// Mergeable analytics over ledgers and reconciliation incidents (exact; see the package docs).
#[pyclass(frozen, module = "festival_core", name = "Analytics")]
pub struct PyAnalytics {
    inner: Analytics,
}

/// Builds the analytics of Arrow `ledger` data (and optional `incidents`) in `currency`.
#[pyfunction]
#[pyo3(signature = (ledger, currency, incidents = None))]
pub fn analyze(
    py: Python<'_>,
    ledger: &Bound<'_, PyAny>,
    currency: &Bound<'_, PyAny>,
    incidents: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyAnalytics> {
    let c = currency_from_py(currency)?;
    let mut acc = Analytics::empty(c);
    for batch in read_batches(ledger)? {
        let lb = ledger_batch(&batch, c).py(py)?;
        let part = py.detach(|| Analytics::compute(&lb)).py(py)?;
        acc = acc.merge(&part).py(py)?;
    }
    if let Some(inc) = incidents {
        for batch in read_batches(inc)? {
            let ib = incident_batch(&batch, c).py(py)?;
            let part = py.detach(|| Analytics::compute_incidents(&ib)).py(py)?;
            acc = acc.merge(&part).py(py)?;
        }
    }
    Ok(PyAnalytics { inner: acc })
}

/// Analytics of wallets' ledgers (Python `Wallet` objects), converted row by row in the core.
#[pyfunction]
pub fn analyze_wallets(
    py: Python<'_>,
    wallets: &Bound<'_, PyAny>,
    currency: &Bound<'_, PyAny>,
) -> PyResult<PyAnalytics> {
    let c = currency_from_py(currency)?;
    let mut b = LedgerBatchBuilder::new(c);
    for w in wallets.try_iter().map_err(|_| type_err("wallets", "an iterable of festival_core.Wallet", wallets))? {
        let w = w?;
        let w = w.cast::<crate::wallet::PyWallet>().map_err(|_| type_err("wallets[i]", "festival_core.Wallet", &w))?;
        b.push_wallet(&w.try_borrow()?.inner).py(py)?;
    }
    let batch = b.finish();
    Ok(PyAnalytics { inner: py.detach(|| Analytics::compute(&batch)).py(py)? })
}

/// Incident statistics (double spends, double admissions, tampered logs, revoked devices) from
/// reconciliation reports: `ReconcileReport` objects from `reconcile`, or their stored JSON text.
#[pyfunction]
pub fn analyze_reconcile_reports(
    py: Python<'_>,
    reports: &Bound<'_, PyAny>,
    currency: &Bound<'_, PyAny>,
) -> PyResult<PyAnalytics> {
    let c = currency_from_py(currency)?;
    let mut b = IncidentBatchBuilder::new(c);
    let what = "festival_core.ReconcileReport or its JSON str";
    for r in reports.try_iter().map_err(|_| type_err("reports", "an iterable of ReconcileReport", reports))? {
        let r = r?;
        if let Ok(rep) = r.cast::<crate::reconcile::PyReconcileReport>() {
            b.push_reconcile_report(&rep.get().inner).py(py)?;
            continue;
        }
        let text: String = r.extract().map_err(|_| type_err("reports[i]", what, &r))?;
        let report: ReconcileReport = serde_json::from_str(&text)
            .map_err(|e| crate::errors::core_err(py, InputError::invalid("report", e.to_string())))?;
        b.push_reconcile_report(&report).py(py)?;
    }
    let batch = b.finish();
    Ok(PyAnalytics { inner: py.detach(|| Analytics::compute_incidents(&batch)).py(py)? })
}

fn money_py(py: Python<'_>, m: Money) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyMoney::wrap(m))?.into_any())
}

fn decimal_col(name: &str, values: Vec<i128>, c: Currency) -> PyResult<(Field, ArrayRef)> {
    const LIMIT: i128 = 10i128.pow(38);
    if values.iter().any(|v| *v >= LIMIT || *v <= -LIMIT) {
        return Err(PyValueError::new_err(format!("{name}: a sum exceeds decimal128(38)")));
    }
    let scale = i8::try_from(c.minor_digits()).map_err(arrow_err)?;
    let arr = Decimal128Array::from(values).with_precision_and_scale(38, scale).map_err(arrow_err)?;
    Ok((Field::new(name, DataType::Decimal128(38, scale), false), Arc::new(arr)))
}

fn u64_col(name: &str, values: Vec<u64>) -> (Field, ArrayRef) {
    (Field::new(name, DataType::UInt64, false), Arc::new(UInt64Array::from(values)))
}

fn flow_table<K>(key: (Field, ArrayRef), rows: &[FlowSummary<K>], c: Currency) -> PyResult<Vec<(Field, ArrayRef)>> {
    let m = |f: fn(&FlowSummary<K>) -> &Money| rows.iter().map(|r| f(r).minor_units()).collect::<Vec<_>>();
    let u = |f: fn(&FlowSummary<K>) -> u64| rows.iter().map(f).collect::<Vec<_>>();
    Ok(vec![
        key,
        u64_col("sale_count", u(|r| r.sale_count)),
        u64_col("quantity", u(|r| r.quantity)),
        decimal_col("sales", m(|r| &r.sales), c)?,
        decimal_col("sales_bonus", m(|r| &r.sales_bonus), c)?,
        u64_col("refund_count", u(|r| r.refund_count)),
        decimal_col("refunds", m(|r| &r.refunds), c)?,
        decimal_col("net", m(|r| &r.net), c)?,
        u64_col("top_up_count", u(|r| r.top_up_count)),
        decimal_col("top_ups", m(|r| &r.top_ups), c)?,
    ])
}

fn string_key(name: &str, rows: &[FlowSummary<String>]) -> (Field, ArrayRef) {
    let arr = StringArray::from_iter_values(rows.iter().map(|r| r.key.as_str()));
    (Field::new(name, DataType::Utf8, false), Arc::new(arr))
}

impl PyAnalytics {
    fn table_of(&self, py: Python<'_>, key: &str, rows: Vec<FlowSummary<String>>) -> PyResult<ResultTable> {
        let c = self.inner.currency;
        let cols = flow_table(string_key(key, &rows), &rows, c)?;
        let dict = flow_dict(py, key, &rows, |py, k| Ok(k.clone().into_pyobject(py)?.into_any().unbind()))?;
        ResultTable::new(cols, dict)
    }
}

fn flow_dict<'py, K>(
    py: Python<'py>,
    key: &str,
    rows: &[FlowSummary<K>],
    key_py: impl Fn(Python<'py>, &K) -> PyResult<Py<PyAny>>,
) -> PyResult<Py<PyDict>> {
    let d = PyDict::new(py);
    let keys = rows.iter().map(|r| key_py(py, &r.key)).collect::<PyResult<Vec<_>>>()?;
    d.set_item(key, PyList::new(py, keys)?)?;
    let money = |f: fn(&FlowSummary<K>) -> &Money| -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, rows.iter().map(|r| money_py(py, *f(r))).collect::<PyResult<Vec<_>>>()?)
    };
    d.set_item("sale_count", rows.iter().map(|r| r.sale_count).collect::<Vec<_>>())?;
    d.set_item("quantity", rows.iter().map(|r| r.quantity).collect::<Vec<_>>())?;
    d.set_item("sales", money(|r| &r.sales)?)?;
    d.set_item("sales_bonus", money(|r| &r.sales_bonus)?)?;
    d.set_item("refund_count", rows.iter().map(|r| r.refund_count).collect::<Vec<_>>())?;
    d.set_item("refunds", money(|r| &r.refunds)?)?;
    d.set_item("net", money(|r| &r.net)?)?;
    d.set_item("top_up_count", rows.iter().map(|r| r.top_up_count).collect::<Vec<_>>())?;
    d.set_item("top_ups", money(|r| &r.top_ups)?)?;
    Ok(d.unbind())
}

#[pymethods]
impl PyAnalytics {
    /// An empty result (the identity of `merge`).
    #[staticmethod]
    fn empty(currency: &Bound<'_, PyAny>) -> PyResult<PyAnalytics> {
        Ok(PyAnalytics { inner: Analytics::empty(currency_from_py(currency)?) })
    }

    /// Combines two partial results exactly (associative and commutative).
    fn merge(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<PyAnalytics> {
        let o = other.cast::<PyAnalytics>().map_err(|_| type_err("other", "festival_core.Analytics", other))?;
        Ok(PyAnalytics { inner: self.inner.merge(&o.get().inner).py(py)? })
    }

    /// Merges any number of partial results.
    #[staticmethod]
    fn merge_all(py: Python<'_>, parts: &Bound<'_, PyAny>, currency: &Bound<'_, PyAny>) -> PyResult<PyAnalytics> {
        let mut acc = Analytics::empty(currency_from_py(currency)?);
        for p in parts.try_iter()? {
            let p = p?;
            let a = p.cast::<PyAnalytics>().map_err(|_| type_err("parts[i]", "festival_core.Analytics", &p))?;
            acc = acc.merge(&a.get().inner).py(py)?;
        }
        Ok(PyAnalytics { inner: acc })
    }

    /// The currency code.
    #[getter]
    fn currency(&self) -> String {
        self.inner.currency.to_string()
    }

    /// Ledger rows aggregated.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    /// Settlement per stand (Arrow table; `.to_pydict()` / `.rows()` for plain Python).
    fn settlements_by_stand(&self, py: Python<'_>) -> PyResult<ResultTable> {
        self.table_of(py, "stand", self.inner.settlements_by_stand().py(py)?)
    }

    /// Settlement per device.
    fn settlements_by_device(&self, py: Python<'_>) -> PyResult<ResultTable> {
        self.table_of(py, "device", self.inner.settlements_by_device().py(py)?)
    }

    /// Revenue per product.
    fn revenue_by_product(&self, py: Python<'_>) -> PyResult<ResultTable> {
        self.table_of(py, "product", self.inner.revenue_by_product().py(py)?)
    }

    /// Revenue and top-ups per UTC hour (`hour` is `timestamp[ms, UTC]`).
    fn revenue_by_hour(&self, py: Python<'_>) -> PyResult<ResultTable> {
        let rows = self.inner.revenue_by_hour().py(py)?;
        let ms: Vec<i64> = rows.iter().map(|r| r.key.unix_millis()).collect();
        let key: (Field, ArrayRef) = (
            Field::new("hour", DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), false),
            Arc::new(TimestampMillisecondArray::from(ms).with_timezone("UTC")),
        );
        let cols = flow_table(key, &rows, self.inner.currency)?;
        let dict = flow_dict(py, "hour", &rows, |py, k: &Timestamp| Ok(timestamp_to_py(py, *k)?.unbind()))?;
        ResultTable::new(cols, dict)
    }

    /// Double-spend, double-admission and other incident statistics.
    fn incident_stats(&self, py: Python<'_>) -> PyResult<ResultTable> {
        let rows: Vec<IncidentSummary> = self.inner.incident_stats().py(py)?;
        let c = self.inner.currency;
        let kinds = StringArray::from_iter_values(rows.iter().map(|r| r.kind.as_str()));
        let top = StringArray::from(rows.iter().map(|r| r.top_device.clone()).collect::<Vec<Option<String>>>());
        let u = |f: fn(&IncidentSummary) -> u64| rows.iter().map(f).collect::<Vec<_>>();
        let cols = vec![
            (Field::new("kind", DataType::Utf8, false), Arc::new(kinds) as ArrayRef),
            u64_col("count", u(|r| r.count)),
            decimal_col("amount", rows.iter().map(|r| r.amount.minor_units()).collect(), c)?,
            decimal_col("debt", rows.iter().map(|r| r.debt.minor_units()).collect(), c)?,
            u64_col("devices", u(|r| r.devices)),
            u64_col("subjects", u(|r| r.subjects)),
            u64_col("repeat_subjects", u(|r| r.repeat_subjects)),
            (Field::new("top_device", DataType::Utf8, true), Arc::new(top) as ArrayRef),
            u64_col("top_device_count", u(|r| r.top_device_count)),
        ];
        let d = PyDict::new(py);
        d.set_item("kind", rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>())?;
        d.set_item("count", u(|r| r.count))?;
        d.set_item("amount", rows.iter().map(|r| money_py(py, r.amount)).collect::<PyResult<Vec<_>>>()?)?;
        d.set_item("debt", rows.iter().map(|r| money_py(py, r.debt)).collect::<PyResult<Vec<_>>>()?)?;
        d.set_item("devices", u(|r| r.devices))?;
        d.set_item("subjects", u(|r| r.subjects))?;
        d.set_item("repeat_subjects", u(|r| r.repeat_subjects))?;
        d.set_item("top_device", rows.iter().map(|r| r.top_device.clone()).collect::<Vec<_>>())?;
        d.set_item("top_device_count", u(|r| r.top_device_count))?;
        ResultTable::new(cols, d.unbind())
    }

    /// Deposits per deposit product (a liability, never sales): `product`, `charged_quantity`,
    /// `charged`, `returned_quantity`, `returned`, `outstanding_quantity` (int64, negative when
    /// more came back than were sold) and `outstanding`, ascending by product.
    fn deposits_by_product(&self, py: Python<'_>) -> PyResult<ResultTable> {
        let rows = self.inner.deposits_by_product().py(py)?;
        let c = self.inner.currency;
        let products = StringArray::from_iter_values(rows.iter().map(|r| r.product.as_str()));
        let outstanding_q: Vec<i64> = rows.iter().map(|r| r.outstanding_quantity).collect();
        let cols = vec![
            (Field::new("product", DataType::Utf8, false), Arc::new(products) as ArrayRef),
            u64_col("charged_quantity", rows.iter().map(|r| r.charged_quantity).collect()),
            decimal_col("charged", rows.iter().map(|r| r.charged.minor_units()).collect(), c)?,
            u64_col("returned_quantity", rows.iter().map(|r| r.returned_quantity).collect()),
            decimal_col("returned", rows.iter().map(|r| r.returned.minor_units()).collect(), c)?,
            (
                Field::new("outstanding_quantity", DataType::Int64, false),
                Arc::new(Int64Array::from(outstanding_q.clone())) as ArrayRef,
            ),
            decimal_col("outstanding", rows.iter().map(|r| r.outstanding.minor_units()).collect(), c)?,
        ];
        let d = PyDict::new(py);
        let money = |f: fn(&festival_core::analytics::DepositSummary) -> Money| -> PyResult<Vec<Py<PyAny>>> {
            rows.iter().map(|r| money_py(py, f(r))).collect()
        };
        d.set_item("product", rows.iter().map(|r| r.product.as_str()).collect::<Vec<_>>())?;
        d.set_item("charged_quantity", rows.iter().map(|r| r.charged_quantity).collect::<Vec<_>>())?;
        d.set_item("charged", money(|r| r.charged)?)?;
        d.set_item("returned_quantity", rows.iter().map(|r| r.returned_quantity).collect::<Vec<_>>())?;
        d.set_item("returned", money(|r| r.returned)?)?;
        d.set_item("outstanding_quantity", outstanding_q)?;
        d.set_item("outstanding", money(|r| r.outstanding)?)?;
        ResultTable::new(cols, d.unbind())
    }

    /// Festival-wide totals as a dict (`Money` values and counts).
    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self.inner.totals().py(py)?;
        let d = PyDict::new(py);
        d.set_item("rows", t.rows)?;
        for (k, m) in [
            ("top_ups", t.top_ups),
            ("bonus_credited", t.bonus_credited),
            ("sales", t.sales),
            ("sales_bonus", t.sales_bonus),
            ("refunds", t.refunds),
            ("net_sales", t.net_sales),
            ("payouts", t.payouts),
            ("payout_fees", t.payout_fees),
            ("paid_out", t.paid_out),
            ("transfers", t.transfers),
            ("adjustments", t.adjustments),
            ("bonus_expired", t.bonus_expired),
        ] {
            d.set_item(k, money_py(py, m)?)?;
        }
        for (k, n) in [
            ("top_up_count", t.top_up_count),
            ("sale_count", t.sale_count),
            ("refund_count", t.refund_count),
            ("payout_count", t.payout_count),
        ] {
            d.set_item(k, n)?;
        }
        Ok(d)
    }

    /// Outstanding liability as a dict: `refundable`, `bonus`, `debt`, `total` (Money) and counts.
    fn liability<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let l = self.inner.liability().py(py)?;
        let d = PyDict::new(py);
        for (k, m) in [("refundable", l.refundable), ("bonus", l.bonus), ("debt", l.debt), ("total", l.total)] {
            d.set_item(k, money_py(py, m)?)?;
        }
        d.set_item("wallets", l.wallets)?;
        d.set_item("wallets_with_balance", l.wallets_with_balance)?;
        d.set_item("wallets_in_debt", l.wallets_in_debt)?;
        Ok(d)
    }

    /// The partial result as JSON text (exact; sums as strings).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads a partial result written by `to_json`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyAnalytics> {
        Ok(PyAnalytics { inner: Analytics::from_json(text).py(py)? })
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let ctor = py.import("festival_core")?.getattr("Analytics")?.getattr("from_json")?;
        Ok((ctor, (self.inner.to_json().py(py)?,)))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyAnalytics>().map(|o| o.get().inner == self.inner).unwrap_or(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Analytics(currency='{}', rows={}, stands={}, devices={}, products={}, hours={}, wallets={}, incidents={})",
            self.inner.currency,
            self.inner.rows,
            self.inner.stands.len(),
            self.inner.devices.len(),
            self.inner.products.len(),
            self.inner.hours.len(),
            self.inner.wallets.len(),
            self.inner.incidents.values().map(|i| i.count).sum::<u64>()
        )
    }
}

/// A small result table: Arrow for dataframes (`__arrow_c_stream__`: `pyarrow.table(t)`,
/// `polars.DataFrame(t)`, ...), and plain Python (`to_pydict()`, with `Money` and `datetime`).
#[pyclass(frozen, module = "festival_core", name = "ResultTable")]
pub struct ResultTable {
    batch: RecordBatch,
    pydict: Py<PyDict>,
}

impl ResultTable {
    fn new(cols: Vec<(Field, ArrayRef)>, pydict: Py<PyDict>) -> PyResult<ResultTable> {
        let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = cols.into_iter().unzip();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_err)?;
        Ok(ResultTable { batch, pydict })
    }
}

#[pymethods]
impl ResultTable {
    /// Arrow PyCapsule stream export (zero-copy into pyarrow / Polars / pandas).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = self.batch.schema();
        let field: arrow_schema::FieldRef =
            Field::new_struct("", schema.fields().clone(), false).with_metadata(schema.metadata().clone()).into();
        let arr: ArrayRef = Arc::new(arrow_array::StructArray::from(self.batch.clone()));
        let reader = Box::new(ArrayIterator::new(std::iter::once(Ok(arr)), field));
        Ok(to_stream_pycapsule(py, reader, requested_schema)?)
    }

    /// Column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    /// Columns as Python lists (`Money`, `datetime`, `int`, `str`): exact, for small results.
    fn to_pydict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.pydict.bind(py).copy()
    }

    /// Rows as a list of dicts (`Money`, `datetime`, `int`, `str` values): for small results.
    fn to_pylist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let d = self.pydict.bind(py);
        let names = self.column_names();
        let out = PyList::empty(py);
        for i in 0..self.batch.num_rows() {
            let row = PyDict::new(py);
            for n in &names {
                row.set_item(n, d.get_item(n)?.ok_or_else(|| PyValueError::new_err("missing column"))?.get_item(i)?)?;
            }
            out.append(row)?;
        }
        Ok(out)
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    fn __repr__(&self) -> String {
        format!("ResultTable(columns={:?}, rows={})", self.column_names(), self.batch.num_rows())
    }
}
