//! Carts: `price_cart`, `CartConfig` (line and order fees), `Catalog` (ticket types, `AddOn`s,
//! VAT per item), `QuotaBook` (shared quotas with cart holds) and `CartOrder` (line refunds).
//!
//! Thin: every rule is festival-core's (`festival_core::ticketing::{cart, CartOrder, QuotaBook}`);
//! this module converts arguments and builds frozen result objects (`Money`, aware `datetime`s,
//! `uuid.UUID`s, `Decimal` rates).

use crate::convert::{
    currency_from_py, decimal_from_py, decimal_to_py, rounding_from_str, timestamp_from_py, timestamp_to_py,
    uuid_from_py, uuid_to_py,
};
use crate::errors::{type_err, CoreResult};
use crate::money::{basis_arg, money_arg, tax_rounding_arg, PyMoney, PyRateTotal};
use crate::ticketing::{PyPromoCode, PyTicketBook, PyTicketType};
use festival_core::ticketing::cart::{
    price_cart as core_price_cart, CartBreakdown, CartConfig, CartLine, CartPriceRequest, ItemKind, LineFee, OrderFee,
    PricedCartLine,
};
use festival_core::ticketing::pricing::{FeeConfig, PricingConfig, PromoCode, TaxConfig};
use festival_core::ticketing::{
    AddOn, CartItem, CartOrder, CartSpec, Catalog, ItemTaxRate, LineRefund, LineRefundRequest, NewTicket, Quota,
    QuotaBook, QuotaHold, QuotaRequest,
};
use festival_core::{Money, Timestamp};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use uuid::Uuid;

fn seq<'py>(field: &str, what: &str, obj: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyString>() {
        return Err(type_err(field, what, obj));
    }
    obj.try_iter().map_err(|_| type_err(field, what, obj))?.collect()
}

fn opt<'a, 'py>(o: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    o.filter(|o| !o.is_none())
}

fn uuids(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Uuid>> {
    match opt(obj) {
        None => Ok(Vec::new()),
        Some(o) => seq(field, "a sequence of uuid.UUID", o)?.iter().map(|i| uuid_from_py(field, i)).collect(),
    }
}

fn uuid_list<'py>(py: Python<'py>, ids: &[Uuid]) -> PyResult<Vec<Bound<'py, PyAny>>> {
    ids.iter().map(|i| uuid_to_py(py, i)).collect()
}

fn promos_arg(promos: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PromoCode>> {
    let Some(p) = opt(promos) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for item in seq("promos", "a sequence of festival_core.PromoCode", p)? {
        let code = item.cast::<PyPromoCode>().map_err(|_| type_err("promos[i]", "festival_core.PromoCode", &item))?;
        out.push(code.borrow().inner.clone());
    }
    Ok(out)
}

fn kind_arg(kind: &str) -> PyResult<ItemKind> {
    match kind {
        "ticket" => Ok(ItemKind::Ticket),
        "add_on" => Ok(ItemKind::AddOn),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!("kind must be 'ticket' or 'add_on', got {other:?}"))),
    }
}

fn kind_str(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Ticket => "ticket",
        ItemKind::AddOn => "add_on",
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// One line of a cart price request.
#[pyclass(frozen, module = "festival_core", name = "CartLine")]
#[derive(Clone)]
pub struct PyCartLine {
    inner: CartLine,
}

#[pymethods]
impl PyCartLine {
    /// `kind` is `"ticket"` (the per-ticket fee applies) or `"add_on"`; `tax_rate` (Decimal,
    /// percent) overrides the config's VAT rate.
    #[new]
    #[pyo3(signature = (line_id, item_id, unit_price, quantity, *, kind = "ticket", tax_rate = None))]
    fn new(
        line_id: &Bound<'_, PyAny>,
        item_id: &Bound<'_, PyAny>,
        unit_price: &Bound<'_, PyAny>,
        quantity: u32,
        kind: &str,
        tax_rate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyCartLine {
            inner: CartLine {
                line_id: uuid_from_py("line_id", line_id)?,
                item_id: uuid_from_py("item_id", item_id)?,
                kind: kind_arg(kind)?,
                unit_price: money_arg("unit_price", unit_price)?,
                quantity,
                tax_rate: opt(tax_rate).map(|r| decimal_from_py("tax_rate", r)).transpose()?,
            },
        })
    }

    #[getter]
    fn line_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.line_id)
    }
    #[getter]
    fn item_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.item_id)
    }
    #[getter]
    fn kind(&self) -> &'static str {
        kind_str(self.inner.kind)
    }
    #[getter]
    fn unit_price(&self) -> PyMoney {
        PyMoney::wrap(self.inner.unit_price)
    }
    #[getter]
    fn quantity(&self) -> u32 {
        self.inner.quantity
    }
    #[getter]
    fn tax_rate<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.tax_rate.map(|r| decimal_to_py(py, r)).transpose()
    }
}

/// How a shop prices carts: VAT, the per-ticket service fee (ticket lines), line fees and order
/// fees. `line_fees` are `(name, per_unit, percent, item_ids)` tuples (`item_ids` empty: every
/// line), `order_fees` `(name, amount, percent)` tuples; percentages are Decimals.
#[pyclass(frozen, module = "festival_core", name = "CartConfig")]
#[derive(Clone)]
pub struct PyCartConfig {
    inner: CartConfig,
}

#[pymethods]
impl PyCartConfig {
    #[new]
    #[pyo3(signature = (*, currency, vat_rate, basis = "gross", tax_rounding = "per_line", tax_mode = "half_even", fee_per_ticket = None, fee_percent = None, fee_rounding = "half_even", fees_taxable = true, discount_rounding = "half_even", line_fees = None, order_fees = None, extra_fee_rounding = "half_even"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        currency: &Bound<'_, PyAny>,
        vat_rate: &Bound<'_, PyAny>,
        basis: &str,
        tax_rounding: &str,
        tax_mode: &str,
        fee_per_ticket: Option<&Bound<'_, PyAny>>,
        fee_percent: Option<&Bound<'_, PyAny>>,
        fee_rounding: &str,
        fees_taxable: bool,
        discount_rounding: &str,
        line_fees: Option<&Bound<'_, PyAny>>,
        order_fees: Option<&Bound<'_, PyAny>>,
        extra_fee_rounding: &str,
    ) -> PyResult<Self> {
        let c = currency_from_py(currency)?;
        let per_ticket = match opt(fee_per_ticket) {
            Some(f) => money_arg("fee_per_ticket", f)?,
            None => Money::zero(c),
        };
        let percent = match opt(fee_percent) {
            Some(f) => decimal_from_py("fee_percent", f)?,
            None => rust_decimal::Decimal::ZERO,
        };
        let extra = rounding_from_str(extra_fee_rounding)?;
        let pricing = PricingConfig {
            currency: c,
            fees: FeeConfig { per_ticket, percent, rounding: rounding_from_str(fee_rounding)? },
            fees_taxable,
            tax: TaxConfig {
                rate: decimal_from_py("vat_rate", vat_rate)?,
                basis: basis_arg(basis)?,
                rounding: tax_rounding_arg(tax_rounding)?,
                mode: rounding_from_str(tax_mode)?,
            },
            discount_rounding: rounding_from_str(discount_rounding)?,
        };
        let mut config = CartConfig::new(pricing);
        if let Some(fees) = opt(line_fees) {
            for f in seq("line_fees", "a sequence of (name, per_unit, percent, item_ids) tuples", fees)? {
                let (name, per_unit, pct, items): (String, Bound<'_, PyAny>, Bound<'_, PyAny>, Bound<'_, PyAny>) =
                    f.extract().map_err(|_| type_err("line_fees[i]", "a (name, per_unit, percent, item_ids) tuple", &f))?;
                config.line_fees.push(LineFee {
                    name,
                    per_unit: money_arg("per_unit", &per_unit)?,
                    percent: decimal_from_py("percent", &pct)?,
                    rounding: extra,
                    item_ids: uuids("item_ids", Some(&items))?,
                });
            }
        }
        if let Some(fees) = opt(order_fees) {
            for f in seq("order_fees", "a sequence of (name, amount, percent) tuples", fees)? {
                let (name, amount, pct): (String, Bound<'_, PyAny>, Bound<'_, PyAny>) =
                    f.extract().map_err(|_| type_err("order_fees[i]", "a (name, amount, percent) tuple", &f))?;
                config.order_fees.push(OrderFee {
                    name,
                    amount: money_arg("amount", &amount)?,
                    percent: decimal_from_py("percent", &pct)?,
                    rounding: extra,
                });
            }
        }
        Ok(PyCartConfig { inner: config })
    }

    /// The config in the core's JSON (what the conformance vectors and other runtimes read).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }
}

/// A product that is not a ticket (parking, merchandise), sold in carts next to tickets.
#[pyclass(frozen, module = "festival_core", name = "AddOn")]
#[derive(Clone)]
pub struct PyAddOn {
    inner: AddOn,
}

#[pymethods]
impl PyAddOn {
    /// Raises `TicketingError` (`TICKET_INVALID`) for an invalid definition.
    #[new]
    #[pyo3(signature = (id, name, price, *, max_per_order = 10, sale_from = None, sale_until = None))]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        name: String,
        price: &Bound<'_, PyAny>,
        max_per_order: u32,
        sale_from: Option<&Bound<'_, PyAny>>,
        sale_until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let inner = AddOn {
            id: uuid_from_py("id", id)?,
            name,
            price: money_arg("price", price)?,
            max_per_order,
            sale_from: opt(sale_from).map(|t| timestamp_from_py("sale_from", t)).transpose()?,
            sale_until: opt(sale_until).map(|t| timestamp_from_py("sale_until", t)).transpose()?,
        };
        inner.validate().py(py)?;
        Ok(PyAddOn { inner })
    }
    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id)
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    #[getter]
    fn price(&self) -> PyMoney {
        PyMoney::wrap(self.inner.price)
    }
    #[getter]
    fn max_per_order(&self) -> u32 {
        self.inner.max_per_order
    }
}

/// What a shop sells: ticket types, add-ons and VAT rates per item (`{item_id: Decimal}`).
#[pyclass(frozen, module = "festival_core", name = "Catalog")]
#[derive(Clone)]
pub struct PyCatalog {
    inner: Catalog,
}

#[pymethods]
impl PyCatalog {
    /// Raises `TicketingError` for invalid definitions or ids used twice.
    #[new]
    #[pyo3(signature = (ticket_types, add_ons = None, tax_rates = None))]
    fn new(
        py: Python<'_>,
        ticket_types: &Bound<'_, PyAny>,
        add_ons: Option<&Bound<'_, PyAny>>,
        tax_rates: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut catalog = Catalog::default();
        for t in seq("ticket_types", "a sequence of festival_core.TicketType", ticket_types)? {
            let t = t.cast::<PyTicketType>().map_err(|_| type_err("ticket_types[i]", "festival_core.TicketType", &t))?;
            catalog.ticket_types.push(t.borrow().inner.clone());
        }
        if let Some(a) = opt(add_ons) {
            for a in seq("add_ons", "a sequence of festival_core.AddOn", a)? {
                let a = a.cast::<PyAddOn>().map_err(|_| type_err("add_ons[i]", "festival_core.AddOn", &a))?;
                catalog.add_ons.push(a.borrow().inner.clone());
            }
        }
        if let Some(r) = opt(tax_rates) {
            let d = r.cast::<PyDict>().map_err(|_| type_err("tax_rates", "a dict {item_id: Decimal}", r))?;
            for (k, v) in d.iter() {
                catalog.tax_rates.push(ItemTaxRate { item_id: uuid_from_py("tax_rates", &k)?, rate: decimal_from_py("tax_rates", &v)? });
            }
        }
        catalog.validate().py(py)?;
        Ok(PyCatalog { inner: catalog })
    }
}

/// A shared quota over ticket types and add-ons (`size=None`: unlimited).
#[pyclass(frozen, module = "festival_core", name = "Quota")]
#[derive(Clone)]
pub struct PyQuota {
    inner: Quota,
}

#[pymethods]
impl PyQuota {
    #[new]
    fn new(id: &Bound<'_, PyAny>, name: String, size: Option<u32>, item_ids: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyQuota { inner: Quota { id: uuid_from_py("id", id)?, name, size, item_ids: uuids("item_ids", Some(item_ids))? } })
    }
    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id)
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    #[getter]
    fn size(&self) -> Option<u32> {
        self.inner.size
    }
    #[getter]
    fn item_ids<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        uuid_list(py, &self.inner.item_ids)
    }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// One priced cart line: `total = subtotal - discount + fees + order_fees + (tax unless
/// tax_included) + rounding_adjustment`.
#[pyclass(frozen, get_all, module = "festival_core", name = "PricedCartLine")]
pub struct PyPricedCartLine {
    line_id: Py<PyAny>,
    item_id: Py<PyAny>,
    kind: &'static str,
    quantity: u32,
    unit_price: PyMoney,
    tax_rate: Py<PyAny>,
    subtotal: PyMoney,
    discount: PyMoney,
    fees: PyMoney,
    order_fees: PyMoney,
    tax: PyMoney,
    rounding_adjustment: PyMoney,
    total: PyMoney,
}

impl PyPricedCartLine {
    fn new_py(py: Python<'_>, l: &PricedCartLine) -> PyResult<Py<PyPricedCartLine>> {
        Py::new(
            py,
            PyPricedCartLine {
                line_id: uuid_to_py(py, &l.line_id)?.unbind(),
                item_id: uuid_to_py(py, &l.item_id)?.unbind(),
                kind: kind_str(l.kind),
                quantity: l.quantity,
                unit_price: PyMoney::wrap(l.unit_price),
                tax_rate: decimal_to_py(py, l.tax_rate)?.unbind(),
                subtotal: PyMoney::wrap(l.subtotal),
                discount: PyMoney::wrap(l.discount),
                fees: PyMoney::wrap(l.fees),
                order_fees: PyMoney::wrap(l.order_fees),
                tax: PyMoney::wrap(l.tax),
                rounding_adjustment: PyMoney::wrap(l.rounding_adjustment),
                total: PyMoney::wrap(l.total),
            },
        )
    }
}

#[pymethods]
impl PyPricedCartLine {
    fn __repr__(&self) -> String {
        format!("PricedCartLine(kind='{}', quantity={}, total={})", self.kind, self.quantity, crate::ticketing::money_repr(&self.total.inner))
    }
}

/// The price of a cart (`order_fee_lines`: `(name, Money)` tuples; `taxes`: `RateTotal`s).
#[pyclass(frozen, get_all, module = "festival_core", name = "CartBreakdown")]
pub struct PyCartBreakdown {
    lines: Vec<Py<PyPricedCartLine>>,
    subtotal: PyMoney,
    discount: PyMoney,
    fees: PyMoney,
    order_fees: PyMoney,
    order_fee_lines: Vec<(String, PyMoney)>,
    tax: PyMoney,
    taxes: Vec<Py<PyRateTotal>>,
    tax_included: bool,
    rounding_adjustment: PyMoney,
    total: PyMoney,
    promo_code: Option<String>,
}

impl PyCartBreakdown {
    fn new_py(py: Python<'_>, b: &CartBreakdown) -> PyResult<PyCartBreakdown> {
        Ok(PyCartBreakdown {
            lines: b.lines.iter().map(|l| PyPricedCartLine::new_py(py, l)).collect::<PyResult<_>>()?,
            subtotal: PyMoney::wrap(b.subtotal),
            discount: PyMoney::wrap(b.discount),
            fees: PyMoney::wrap(b.fees),
            order_fees: PyMoney::wrap(b.order_fees),
            order_fee_lines: b.order_fee_lines.iter().map(|f| (f.name.clone(), PyMoney::wrap(f.amount))).collect(),
            tax: PyMoney::wrap(b.tax),
            taxes: b.taxes.iter().map(|r| PyRateTotal::new_py(py, r)).collect::<PyResult<_>>()?,
            tax_included: b.tax_included,
            rounding_adjustment: PyMoney::wrap(b.rounding_adjustment),
            total: PyMoney::wrap(b.total),
            promo_code: b.promo_code.clone(),
        })
    }
}

#[pymethods]
impl PyCartBreakdown {
    fn __repr__(&self) -> String {
        format!("CartBreakdown(lines=<{} lines>, total={})", self.lines.len(), crate::ticketing::money_repr(&self.total.inner))
    }
}

/// Prices a cart of `CartLine`s with a `CartConfig`; `promos` are the codes `promo_code` is
/// looked up in.
#[pyfunction]
#[pyo3(signature = (lines, config, *, at, promo_code = None, promos = None))]
pub fn price_cart(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    config: PyRef<'_, PyCartConfig>,
    at: &Bound<'_, PyAny>,
    promo_code: Option<String>,
    promos: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyCartBreakdown> {
    let mut cart = Vec::new();
    for l in seq("lines", "a sequence of festival_core.CartLine", lines)? {
        let l = l.cast::<PyCartLine>().map_err(|_| type_err("lines[i]", "festival_core.CartLine", &l))?;
        cart.push(l.borrow().inner.clone());
    }
    let request = CartPriceRequest { lines: cart, promo_code, at: timestamp_from_py("at", at)? };
    let b = core_price_cart(&request, &config.inner, &promos_arg(promos)?).py(py)?;
    PyCartBreakdown::new_py(py, &b)
}

/// A cart's hold in the quotas (`lines`: dicts `line_id`, `item_id`, `quantity`, `quota_ids`,
/// `released`).
#[pyclass(frozen, get_all, module = "festival_core", name = "QuotaHold")]
pub struct PyQuotaHold {
    id: Py<PyAny>,
    lines: Vec<Py<PyDict>>,
    created_at: Py<PyAny>,
    expires_at: Py<PyAny>,
    state: &'static str,
}

impl PyQuotaHold {
    fn new_py(py: Python<'_>, h: &QuotaHold) -> PyResult<PyQuotaHold> {
        let mut lines = Vec::new();
        for l in &h.lines {
            let d = PyDict::new(py);
            d.set_item("line_id", uuid_to_py(py, &l.line_id)?)?;
            d.set_item("item_id", uuid_to_py(py, &l.item_id)?)?;
            d.set_item("quantity", l.quantity)?;
            d.set_item("quota_ids", uuid_list(py, &l.quota_ids)?)?;
            d.set_item("released", l.released)?;
            lines.push(d.unbind());
        }
        Ok(PyQuotaHold {
            id: uuid_to_py(py, &h.id)?.unbind(),
            lines,
            created_at: timestamp_to_py(py, h.created_at)?.unbind(),
            expires_at: timestamp_to_py(py, h.expires_at)?.unbind(),
            state: h.state.as_str(),
        })
    }
}

#[pymethods]
impl PyQuotaHold {
    fn __repr__(&self) -> String {
        format!("QuotaHold(lines=<{} lines>, state='{}')", self.lines.len(), self.state)
    }
}

// ---------------------------------------------------------------------------------------------
// QuotaBook
// ---------------------------------------------------------------------------------------------

fn requests(lines: &Bound<'_, PyAny>) -> PyResult<Vec<QuotaRequest>> {
    let what = "a sequence of (line_id, item_id, quantity) tuples";
    seq("lines", what, lines)?
        .iter()
        .map(|l| {
            let (line, item, quantity): (Bound<'_, PyAny>, Bound<'_, PyAny>, u32) =
                l.extract().map_err(|_| type_err("lines[i]", what, l))?;
            Ok(QuotaRequest { line_id: uuid_from_py("line_id", &line)?, item_id: uuid_from_py("item_id", &item)?, quantity })
        })
        .collect()
}

/// Shared quotas over ticket types and add-ons: a line holds units in every quota of its item;
/// `sold + live holds <= size` for every quota, always.
#[pyclass(module = "festival_core", name = "QuotaBook")]
pub struct PyQuotaBook {
    inner: QuotaBook,
}

#[pymethods]
impl PyQuotaBook {
    /// Raises `TicketingError` (`QUOTA_INVALID`) for a bad definition.
    #[new]
    fn new(py: Python<'_>, quotas: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut qs = Vec::new();
        for q in seq("quotas", "a sequence of festival_core.Quota", quotas)? {
            let q = q.cast::<PyQuota>().map_err(|_| type_err("quotas[i]", "festival_core.Quota", &q))?;
            qs.push(q.borrow().inner.clone());
        }
        Ok(PyQuotaBook { inner: QuotaBook::new(qs).py(py)? })
    }

    /// The core's JSON of this state (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads state written by `to_json` (`QUOTA_STATE_INVALID` for inconsistent state).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyQuotaBook> {
        Ok(PyQuotaBook { inner: QuotaBook::from_json(text).py(py)? })
    }

    /// Every quota, by id.
    fn quotas(&self) -> Vec<PyQuota> {
        self.inner.quotas().map(|q| PyQuota { inner: q.clone() }).collect()
    }

    /// Holds `lines` (`(line_id, item_id, quantity)` tuples) in every quota of their items until
    /// `expires_at`, all or nothing (`QUOTA_EXHAUSTED` names the quota and what is left).
    fn reserve(
        &mut self,
        py: Python<'_>,
        hold_id: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        expires_at: &Bound<'_, PyAny>,
    ) -> PyResult<PyQuotaHold> {
        let (id, lines) = (uuid_from_py("hold_id", hold_id)?, requests(lines)?);
        let (now, exp) = (timestamp_from_py("now", now)?, timestamp_from_py("expires_at", expires_at)?);
        let h = self.inner.reserve(id, &lines, now, exp).py(py)?;
        PyQuotaHold::new_py(py, &h)
    }

    /// Sells a live hold.
    fn confirm(&mut self, py: Python<'_>, hold_id: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<PyQuotaHold> {
        let h = self.inner.confirm(uuid_from_py("hold_id", hold_id)?, timestamp_from_py("now", now)?).py(py)?;
        PyQuotaHold::new_py(py, &h)
    }

    /// Gives a held hold's units back.
    fn release(&mut self, py: Python<'_>, hold_id: &Bound<'_, PyAny>) -> PyResult<PyQuotaHold> {
        let h = self.inner.release(uuid_from_py("hold_id", hold_id)?).py(py)?;
        PyQuotaHold::new_py(py, &h)
    }

    /// Expires every hold whose expiry is at or before `now`; returns them.
    fn expire(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<Vec<PyQuotaHold>> {
        self.inner.expire(timestamp_from_py("now", now)?).iter().map(|h| PyQuotaHold::new_py(py, h)).collect()
    }

    /// Gives `quantity` sold units of one line back to its quotas; returns the units still sold.
    fn refund_line(
        &mut self,
        py: Python<'_>,
        hold_id: &Bound<'_, PyAny>,
        line_id: &Bound<'_, PyAny>,
        quantity: u32,
    ) -> PyResult<u32> {
        self.inner.refund_line(uuid_from_py("hold_id", hold_id)?, uuid_from_py("line_id", line_id)?, quantity).py(py)
    }

    /// A hold by id, or None.
    fn hold(&self, py: Python<'_>, hold_id: &Bound<'_, PyAny>) -> PyResult<Option<PyQuotaHold>> {
        self.inner.hold(uuid_from_py("hold_id", hold_id)?).map(|h| PyQuotaHold::new_py(py, h)).transpose()
    }

    /// Units of an item that can still be held at `now` (None: unlimited; `QUOTA_NOT_COVERED`).
    fn available(&self, py: Python<'_>, item_id: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
        self.inner.available(uuid_from_py("item_id", item_id)?, timestamp_from_py("now", now)?).py(py)
    }

    /// `{quota_id: {"size", "sold", "held", "available"}}` at `now` (None: unlimited).
    fn counts<'py>(&self, py: Python<'py>, now: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for c in self.inner.counts(timestamp_from_py("now", now)?) {
            let d = PyDict::new(py);
            d.set_item("size", c.size)?;
            d.set_item("sold", c.sold)?;
            d.set_item("held", c.held)?;
            d.set_item("available", c.available)?;
            out.set_item(uuid_to_py(py, &c.quota_id)?, d)?;
        }
        Ok(out)
    }

    /// True when `sold + held <= size` for every quota (always, unless the core has a bug).
    fn invariant_holds(&self) -> bool {
        self.inner.invariant_holds()
    }
}

// ---------------------------------------------------------------------------------------------
// CartOrder
// ---------------------------------------------------------------------------------------------

/// A recorded line refund.
#[pyclass(frozen, get_all, module = "festival_core", name = "LineRefund")]
pub struct PyLineRefund {
    refund_id: Py<PyAny>,
    line_id: Py<PyAny>,
    quantity: u32,
    amount: PyMoney,
    ticket_ids: Vec<Py<PyAny>>,
    at: Py<PyAny>,
}

impl PyLineRefund {
    fn new_py(py: Python<'_>, r: &LineRefund) -> PyResult<PyLineRefund> {
        Ok(PyLineRefund {
            refund_id: uuid_to_py(py, &r.refund_id)?.unbind(),
            line_id: uuid_to_py(py, &r.line_id)?.unbind(),
            quantity: r.quantity,
            amount: PyMoney::wrap(r.amount),
            ticket_ids: uuid_list(py, &r.ticket_ids)?.into_iter().map(Bound::unbind).collect(),
            at: timestamp_to_py(py, r.at)?.unbind(),
        })
    }
}

#[pymethods]
impl PyLineRefund {
    fn __repr__(&self) -> String {
        format!("LineRefund(quantity={}, amount={})", self.quantity, crate::ticketing::money_repr(&self.amount.inner))
    }
}

fn ts(field: &str, t: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    timestamp_from_py(field, t)
}

/// An order of several lines (tickets and add-ons) held in shared quotas: `pending → paid →
/// fulfilled`, `pending → expired | cancelled`, line refunds → `partially_refunded | refunded`.
/// Every call checks everything first: a failed call changes nothing.
#[pyclass(module = "festival_core", name = "CartOrder")]
pub struct PyCartOrder {
    inner: CartOrder,
}

#[pymethods]
impl PyCartOrder {
    /// Places a cart: `lines` are `(line_id, item_id, quantity)` tuples of catalog items. Checks
    /// sale windows and maximum per order, prices it with `config` and the promo code, and holds
    /// every line in `quotas` until `expires_at` (hold id = order id).
    #[staticmethod]
    #[pyo3(signature = (id, lines, *, catalog, config, quotas, now, expires_at, promo_code = None, promos = None))]
    #[allow(clippy::too_many_arguments)]
    fn place(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        catalog: PyRef<'_, PyCatalog>,
        config: PyRef<'_, PyCartConfig>,
        mut quotas: PyRefMut<'_, PyQuotaBook>,
        now: &Bound<'_, PyAny>,
        expires_at: &Bound<'_, PyAny>,
        promo_code: Option<String>,
        promos: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyCartOrder> {
        let lines = requests(lines)?
            .into_iter()
            .map(|r| CartItem { line_id: r.line_id, item_id: r.item_id, quantity: r.quantity })
            .collect();
        let spec = CartSpec {
            id: uuid_from_py("id", id)?,
            lines,
            promo_code,
            now: ts("now", now)?,
            expires_at: ts("expires_at", expires_at)?,
        };
        let promos = promos_arg(promos)?;
        let o = CartOrder::place(spec, &catalog.inner, &config.inner, &promos, &mut quotas.inner).py(py)?;
        Ok(PyCartOrder { inner: o })
    }

    /// The core's JSON of this state (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads state written by `to_json` (`ORDER_STATE_INVALID` for inconsistent state).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyCartOrder> {
        Ok(PyCartOrder { inner: CartOrder::from_json(text).py(py)? })
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id())
    }
    /// `pending`, `paid`, `fulfilled`, `expired`, `cancelled`, `partially_refunded`, `refunded`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }
    #[getter]
    fn total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.total())
    }
    #[getter]
    fn paid(&self) -> Option<PyMoney> {
        self.inner.paid().map(PyMoney::wrap)
    }
    #[getter]
    fn refunded(&self, py: Python<'_>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.refunded().py(py)?))
    }
    #[getter]
    fn refundable(&self, py: Python<'_>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.refundable().py(py)?))
    }
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.expires_at())
    }
    /// The price breakdown made at placement.
    #[getter]
    fn breakdown(&self, py: Python<'_>) -> PyResult<PyCartBreakdown> {
        PyCartBreakdown::new_py(py, self.inner.breakdown())
    }
    /// Every line refund, in the order made.
    #[getter]
    fn refunds(&self, py: Python<'_>) -> PyResult<Vec<PyLineRefund>> {
        self.inner.refunds().iter().map(|r| PyLineRefund::new_py(py, r)).collect()
    }
    /// `{line_id: [ticket_id, ...]}` for the ticket lines (empty before fulfilment).
    #[getter]
    fn tickets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for t in self.inner.tickets() {
            d.set_item(uuid_to_py(py, &t.line_id)?, uuid_list(py, &t.ticket_ids)?)?;
        }
        Ok(d)
    }

    /// Units of a line refunded so far.
    fn refunded_quantity(&self, line_id: &Bound<'_, PyAny>) -> PyResult<u32> {
        Ok(self.inner.refunded_quantity(uuid_from_py("line_id", line_id)?))
    }

    /// What refunding the next `quantity` units of a line would give back (changes nothing).
    fn line_refund_amount(&self, py: Python<'_>, line_id: &Bound<'_, PyAny>, quantity: u32) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.line_refund_amount(uuid_from_py("line_id", line_id)?, quantity).py(py)?))
    }

    /// Pays exactly the total (`ORDER_PAYMENT_MISMATCH`) and sells the quota hold.
    fn pay(
        &mut self,
        py: Python<'_>,
        mut quotas: PyRefMut<'_, PyQuotaBook>,
        amount: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let s = self.inner.pay(&mut quotas.inner, money_arg("amount", amount)?, ts("at", at)?).py(py)?;
        Ok(s.as_str())
    }

    /// Issues the tickets of the ticket lines in line order (`(id, number, holder)` tuples).
    fn fulfill(
        &mut self,
        py: Python<'_>,
        mut book: PyRefMut<'_, PyTicketBook>,
        tickets: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let what = "a sequence of (id, number, holder) tuples";
        let mut specs = Vec::new();
        for t in seq("tickets", what, tickets)? {
            let (id, number, holder): (Bound<'_, PyAny>, String, String) =
                t.extract().map_err(|_| type_err("tickets[i]", what, &t))?;
            specs.push(NewTicket { id: uuid_from_py("tickets[i]", &id)?, number, holder });
        }
        Ok(self.inner.fulfill(&mut book.inner, specs, ts("at", at)?).py(py)?.as_str())
    }

    /// Expires a pending order at or after its hold expiry (units back to the quotas).
    fn expire(&mut self, py: Python<'_>, mut quotas: PyRefMut<'_, PyQuotaBook>, at: &Bound<'_, PyAny>) -> PyResult<&'static str> {
        Ok(self.inner.expire(&mut quotas.inner, ts("at", at)?).py(py)?.as_str())
    }

    /// Cancels a pending order (units back to the quotas).
    fn cancel(&mut self, py: Python<'_>, mut quotas: PyRefMut<'_, PyQuotaBook>, at: &Bound<'_, PyAny>) -> PyResult<&'static str> {
        Ok(self.inner.cancel(&mut quotas.inner, ts("at", at)?).py(py)?.as_str())
    }

    /// Refunds `quantity` units of one line: its share of the total (order discount and fees
    /// included), units back to the quotas, the named tickets refunded in `book` (fulfilled
    /// ticket lines only). Repeating a `refund_id` returns the recorded refund and changes nothing.
    #[pyo3(signature = (refund_id, line_id, quantity, at, *, quotas, book = None, ticket_ids = None))]
    #[allow(clippy::too_many_arguments)]
    fn refund_line(
        &mut self,
        py: Python<'_>,
        refund_id: &Bound<'_, PyAny>,
        line_id: &Bound<'_, PyAny>,
        quantity: u32,
        at: &Bound<'_, PyAny>,
        mut quotas: PyRefMut<'_, PyQuotaBook>,
        book: Option<PyRefMut<'_, PyTicketBook>>,
        ticket_ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyLineRefund> {
        let request = LineRefundRequest {
            refund_id: uuid_from_py("refund_id", refund_id)?,
            line_id: uuid_from_py("line_id", line_id)?,
            quantity,
            ticket_ids: uuids("ticket_ids", ticket_ids)?,
        };
        let at = ts("at", at)?;
        let mut book = book;
        let r = self.inner.refund_line(request, at, &mut quotas.inner, book.as_mut().map(|b| &mut b.inner)).py(py)?;
        PyLineRefund::new_py(py, &r)
    }

    fn __repr__(&self) -> String {
        format!("CartOrder(id=UUID('{}'), state='{}', total={})", self.inner.id(), self.inner.state().as_str(), self.inner.total())
    }
}
