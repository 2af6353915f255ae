//! `Money`, rounding, allocation and VAT.

use crate::convert::{currency_from_py, decimal_from_py, decimal_to_py, rounding_from_str};
use crate::errors::{type_err, CoreResult};
use festival_core::money::tax::{compute_tax as core_compute_tax, PriceBasis, TaxAmounts, TaxLine, TaxRounding};
use festival_core::Money;
use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use rust_decimal::Decimal;
use std::hash::{Hash, Hasher};

/// An exact amount in one currency (`decimal.Decimal` at the currency's scale).
#[pyclass(frozen, module = "festival_core", name = "Money")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyMoney {
    pub(crate) inner: Money,
}

impl PyMoney {
    pub fn wrap(inner: Money) -> PyMoney {
        PyMoney { inner }
    }
}

/// Extracts a `Money` argument.
pub fn money_arg(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Money> {
    obj.cast::<PyMoney>().map(|m| m.get().inner).map_err(|_| type_err(field, "festival_core.Money", obj))
}

fn other_money(obj: &Bound<'_, PyAny>) -> Option<Money> {
    obj.cast::<PyMoney>().ok().map(|m| m.get().inner)
}

#[pymethods]
impl PyMoney {
    /// `Money(Decimal("12.50"), "EUR")`; amount may also be an `int` or a decimal `str`.
    #[new]
    fn new(amount: &Bound<'_, PyAny>, currency: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = amount.py();
        let d = decimal_from_py("amount", amount)?;
        let c = currency_from_py(currency)?;
        Ok(PyMoney { inner: Money::new(d, c).py(py)? })
    }

    /// From integer minor units: `Money.from_minor(1050, "EUR")` is 10.50 EUR.
    #[staticmethod]
    fn from_minor(py: Python<'_>, minor: &Bound<'_, PyAny>, currency: &Bound<'_, PyAny>) -> PyResult<Self> {
        if !minor.is_instance_of::<PyInt>() || minor.is_instance_of::<pyo3::types::PyBool>() {
            return Err(type_err("minor", "int", minor));
        }
        let c = currency_from_py(currency)?;
        let m: i128 = minor.extract().map_err(|_| PyValueError::new_err("minor: out of range"))?;
        Ok(PyMoney { inner: Money::from_minor_i128(m, c).py(py)? })
    }

    /// Zero in `currency`.
    #[staticmethod]
    fn zero(currency: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyMoney { inner: Money::zero(currency_from_py(currency)?) })
    }

    /// The amount as a `decimal.Decimal` with exactly the currency's minor digits.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.inner.amount())
    }

    /// The currency code (`"EUR"`, `"COIN:2"` for tokens).
    #[getter]
    fn currency(&self) -> String {
        self.inner.currency().to_string()
    }

    /// Minor digits of the currency.
    #[getter]
    fn minor_digits(&self) -> u32 {
        self.inner.currency().minor_digits()
    }

    /// Integer minor units (`10.50 EUR` → `1050`).
    #[getter]
    fn minor_units(&self) -> i128 {
        self.inner.minor_units()
    }

    fn is_zero(&self) -> bool {
        self.inner.is_zero()
    }

    fn is_negative(&self) -> bool {
        self.inner.is_negative()
    }

    fn __repr__(&self) -> String {
        format!("Money(amount=Decimal('{}'), currency='{}')", self.inner.amount_string(), self.inner.currency())
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __bool__(&self) -> bool {
        !self.inner.is_zero()
    }

    fn __add__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match other_money(other) {
            Some(o) => Ok(Py::new(py, PyMoney::wrap(self.inner.checked_add(&o).py(py)?))?.into_any()),
            None => Ok(py.NotImplemented()),
        }
    }

    fn __sub__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match other_money(other) {
            Some(o) => Ok(Py::new(py, PyMoney::wrap(self.inner.checked_sub(&o).py(py)?))?.into_any()),
            None => Ok(py.NotImplemented()),
        }
    }

    /// `money * n` for a non-negative integer quantity `n` (floats raise TypeError).
    fn __mul__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if !other.is_instance_of::<PyInt>() || other.is_instance_of::<pyo3::types::PyBool>() {
            if other.is_instance_of::<pyo3::types::PyFloat>() {
                return Err(PyTypeError::new_err("Money * float is not allowed; multiply by an int quantity"));
            }
            return Ok(py.NotImplemented());
        }
        let q: u64 = other.extract().map_err(|_| PyValueError::new_err("quantity must be an int in 0..=2**64-1"))?;
        Ok(Py::new(py, PyMoney::wrap(self.inner.checked_mul_qty(q).py(py)?))?.into_any())
    }

    fn __rmul__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.__mul__(py, other)
    }

    fn __neg__(&self) -> PyMoney {
        PyMoney::wrap(self.inner.negate())
    }

    fn __abs__(&self) -> PyMoney {
        PyMoney::wrap(self.inner.abs())
    }

    /// `==` / `!=` between any two Money values (different currencies are simply unequal);
    /// `<`, `<=`, `>`, `>=` need the same currency (else `MoneyError` `MONEY_CURRENCY_MISMATCH`).
    fn __richcmp__(&self, py: Python<'_>, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let Some(o) = other_money(other) else { return Ok(py.NotImplemented()) };
        let r = match op {
            CompareOp::Eq => self.inner == o,
            CompareOp::Ne => self.inner != o,
            _ => {
                self.inner.ensure_same_currency(&o).py(py)?;
                op.matches(self.inner.amount().cmp(&o.amount()))
            }
        };
        Ok(pyo3::types::PyBool::new(py, r).to_owned().into_any().unbind())
    }

    fn __hash__(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.hash(&mut h);
        h.finish()
    }

    /// `self × rate`, rounded with `mode` (`half_even`, `half_up`, `down`, `up`).
    #[pyo3(signature = (rate, mode = "half_even"))]
    fn apply_rate(&self, py: Python<'_>, rate: &Bound<'_, PyAny>, mode: &str) -> PyResult<PyMoney> {
        let r = decimal_from_py("rate", rate)?;
        Ok(PyMoney::wrap(self.inner.apply_rate(r, rounding_from_str(mode)?).py(py)?))
    }

    /// `self × percent / 100`, rounded with `mode`.
    #[pyo3(signature = (percent, mode = "half_even"))]
    fn percentage(&self, py: Python<'_>, percent: &Bound<'_, PyAny>, mode: &str) -> PyResult<PyMoney> {
        let r = decimal_from_py("percent", percent)?;
        Ok(PyMoney::wrap(self.inner.percentage(r, rounding_from_str(mode)?).py(py)?))
    }

    /// Splits by ratios (largest remainder); the parts sum exactly to `self`.
    fn allocate(&self, py: Python<'_>, ratios: &Bound<'_, PyAny>) -> PyResult<Vec<PyMoney>> {
        allocate_impl(py, &self.inner, ratios)
    }

    /// Splits into `parts` near-equal parts that sum exactly to `self`.
    fn split(&self, py: Python<'_>, parts: usize) -> PyResult<Vec<PyMoney>> {
        Ok(self.inner.split(parts).py(py)?.into_iter().map(PyMoney::wrap).collect())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String, String))> {
        let cls = py.import("festival_core")?.getattr("Money")?;
        let ctor = cls.getattr("_from_text")?;
        Ok((ctor, (self.inner.amount_string(), self.inner.currency().to_string())))
    }

    /// Internal constructor used by pickling.
    #[staticmethod]
    fn _from_text(py: Python<'_>, amount: &str, currency: &str) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(festival_core::interop::parse_money(amount, currency).py(py)?))
    }
}

fn allocate_impl(py: Python<'_>, m: &Money, ratios: &Bound<'_, PyAny>) -> PyResult<Vec<PyMoney>> {
    if ratios.is_instance_of::<PyString>() {
        return Err(type_err("ratios", "a sequence of Decimal / int / str", ratios));
    }
    let mut rs: Vec<Decimal> = Vec::new();
    for r in ratios.try_iter().map_err(|_| type_err("ratios", "a sequence", ratios))? {
        rs.push(decimal_from_py("ratios", &r?)?);
    }
    Ok(m.allocate(&rs).py(py)?.into_iter().map(PyMoney::wrap).collect())
}

/// `allocate(money, ratios)`: split by ratios so the parts sum exactly to `money`.
#[pyfunction]
pub fn allocate(py: Python<'_>, money: &Bound<'_, PyAny>, ratios: &Bound<'_, PyAny>) -> PyResult<Vec<PyMoney>> {
    allocate_impl(py, &money_arg("money", money)?, ratios)
}

/// `split(money, parts)`: near-equal parts that sum exactly to `money`.
#[pyfunction]
pub fn split(py: Python<'_>, money: &Bound<'_, PyAny>, parts: usize) -> PyResult<Vec<PyMoney>> {
    Ok(money_arg("money", money)?.split(parts).py(py)?.into_iter().map(PyMoney::wrap).collect())
}

/// Net, tax and gross of one line, one rate or the total.
#[pyclass(frozen, get_all, module = "festival_core", name = "TaxAmounts")]
pub struct PyTaxAmounts {
    net: PyMoney,
    tax: PyMoney,
    gross: PyMoney,
}

#[pymethods]
impl PyTaxAmounts {
    fn __repr__(&self) -> String {
        format!("TaxAmounts(net={}, tax={}, gross={})", self.net.__repr__(), self.tax.__repr__(), self.gross.__repr__())
    }
}

impl PyTaxAmounts {
    fn from(a: &TaxAmounts) -> Self {
        PyTaxAmounts { net: PyMoney::wrap(a.net), tax: PyMoney::wrap(a.tax), gross: PyMoney::wrap(a.gross) }
    }
}

/// Totals of one VAT rate.
#[pyclass(frozen, get_all, module = "festival_core", name = "RateTotal")]
pub struct PyRateTotal {
    rate: Py<PyAny>,
    net: PyMoney,
    tax: PyMoney,
    gross: PyMoney,
}

impl PyRateTotal {
    /// The Python object of one rate total (shared with the cart breakdown).
    pub(crate) fn new_py(py: Python<'_>, r: &festival_core::money::tax::RateTotal) -> PyResult<Py<PyRateTotal>> {
        let (t, rate) = (&r.amounts, r.rate);
        Py::new(
            py,
            PyRateTotal {
                rate: decimal_to_py(py, rate)?.unbind(),
                net: PyMoney::wrap(t.net),
                tax: PyMoney::wrap(t.tax),
                gross: PyMoney::wrap(t.gross),
            },
        )
    }
}

#[pymethods]
impl PyRateTotal {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RateTotal(rate={}, net={}, tax={}, gross={})",
            self.rate.bind(py).repr()?,
            self.net.__repr__(),
            self.tax.__repr__(),
            self.gross.__repr__()
        ))
    }
}

/// Result of `compute_tax`: per line, per rate and totals (`net + tax == gross` everywhere).
#[pyclass(frozen, get_all, module = "festival_core", name = "TaxBreakdown")]
pub struct PyTaxBreakdown {
    lines: Vec<Py<PyTaxAmounts>>,
    by_rate: Vec<Py<PyRateTotal>>,
    net: PyMoney,
    tax: PyMoney,
    gross: PyMoney,
}

#[pymethods]
impl PyTaxBreakdown {
    fn __repr__(&self) -> String {
        format!(
            "TaxBreakdown(lines=<{} lines>, by_rate=<{} rates>, net={}, tax={}, gross={})",
            self.lines.len(),
            self.by_rate.len(),
            self.net.__repr__(),
            self.tax.__repr__(),
            self.gross.__repr__()
        )
    }
}

/// A price basis name: `gross` or `net`.
pub(crate) fn basis_arg(basis: &str) -> PyResult<PriceBasis> {
    match basis {
        "gross" => Ok(PriceBasis::Gross),
        "net" => Ok(PriceBasis::Net),
        other => Err(PyValueError::new_err(format!("basis must be 'gross' or 'net', got {other:?}"))),
    }
}

/// A tax rounding strategy name: `per_line`, `sum_by_net` or `sum_by_net_keep_gross`.
pub(crate) fn tax_rounding_arg(rounding: &str) -> PyResult<TaxRounding> {
    match rounding {
        "per_line" => Ok(TaxRounding::PerLine),
        "sum_by_net" => Ok(TaxRounding::SumByNet),
        "sum_by_net_keep_gross" => Ok(TaxRounding::SumByNetKeepGross),
        other => Err(PyValueError::new_err(format!(
            "rounding must be 'per_line', 'sum_by_net' or 'sum_by_net_keep_gross', got {other:?}"
        ))),
    }
}

/// `compute_tax(lines, basis="gross", rounding="per_line", mode="half_even")`.
///
/// `lines` is a sequence of `(Money, rate_percent)` pairs; `basis` is `gross` or `net`;
/// `rounding` is `per_line`, `sum_by_net` or `sum_by_net_keep_gross`.
#[pyfunction]
#[pyo3(signature = (lines, basis = "gross", rounding = "per_line", mode = "half_even"))]
pub fn compute_tax(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    basis: &str,
    rounding: &str,
    mode: &str,
) -> PyResult<PyTaxBreakdown> {
    let basis = basis_arg(basis)?;
    let rounding = tax_rounding_arg(rounding)?;
    let mode = rounding_from_str(mode)?;
    let mut tl = Vec::new();
    for item in lines.try_iter().map_err(|_| type_err("lines", "a sequence of (Money, rate) pairs", lines))? {
        let item = item?;
        let (amount, rate): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            item.extract().map_err(|_| type_err("lines[i]", "a (Money, rate) pair", &item))?;
        tl.push(TaxLine { amount: money_arg("lines[i][0]", &amount)?, rate: decimal_from_py("rate", &rate)? });
    }
    let b = core_compute_tax(&tl, basis, rounding, mode).py(py)?;
    tax_breakdown_to_py(py, &b)
}

/// The Python `TaxBreakdown` of a core breakdown (shared with `ProductCatalog.expand`).
pub(crate) fn tax_breakdown_to_py(
    py: Python<'_>,
    b: &festival_core::money::tax::TaxBreakdown,
) -> PyResult<PyTaxBreakdown> {
    let mut by_rate = Vec::new();
    for r in &b.by_rate {
        let t = PyTaxAmounts::from(&r.amounts);
        by_rate.push(Py::new(
            py,
            PyRateTotal { rate: decimal_to_py(py, r.rate)?.unbind(), net: t.net, tax: t.tax, gross: t.gross },
        )?);
    }
    Ok(PyTaxBreakdown {
        lines: b.lines.iter().map(|l| Py::new(py, PyTaxAmounts::from(l))).collect::<PyResult<_>>()?,
        by_rate,
        net: PyMoney::wrap(b.net),
        tax: PyMoney::wrap(b.tax),
        gross: PyMoney::wrap(b.gross),
    })
}
