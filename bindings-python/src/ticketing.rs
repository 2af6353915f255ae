//! Ticketing: ticket types, pricing (promo codes, fees, VAT), inventory with holds, orders and
//! the ticket book (issue, check in / out, transfer, cancel, refund, revoke).
//!
//! Thin: every rule is festival-core's; this module converts arguments and wraps results in
//! frozen, dataclass-like objects (`Money` amounts, aware `datetime`s, `uuid.UUID`s).

use crate::convert::{
    currency_from_py, decimal_from_py, decimal_to_py, rounding_from_str, timestamp_from_py, timestamp_to_py,
    uuid_from_py, uuid_to_py,
};
use crate::errors::{type_err, CoreResult};
use crate::money::{basis_arg, money_arg, tax_rounding_arg, PyMoney};
use crate::wallet::enum_arg;
use festival_core::ticketing::pricing::{
    price, FeeConfig, PriceBreakdown, PriceLine, PriceRequest, PricedLine, PricingConfig, PromoCode, PromoDiscount, PromoScope,
    TaxConfig,
};
use festival_core::ticketing::{
    Hold, Inventory, NewTicket, Order, OrderEvent, Ticket, TicketBook, TicketEvent, TicketType,
};
use festival_core::{Money, Timestamp};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use uuid::Uuid;

/// `Money(...)` repr of a core amount.
pub(crate) fn money_repr(m: &Money) -> String {
    format!("Money(amount=Decimal('{}'), currency='{}')", m.amount_string(), m.currency())
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn opt_ts<'py>(py: Python<'py>, t: Option<Timestamp>) -> PyResult<Option<Bound<'py, PyAny>>> {
    t.map(|t| timestamp_to_py(py, t)).transpose()
}

fn opt_uuid<'py>(py: Python<'py>, id: Option<Uuid>) -> PyResult<Option<Bound<'py, PyAny>>> {
    id.map(|i| uuid_to_py(py, &i)).transpose()
}

fn opt_ts_arg(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Timestamp>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(timestamp_from_py(field, o)?)),
        _ => Ok(None),
    }
}

fn opt_uuid_arg(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Uuid>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(uuid_from_py(field, o)?)),
        _ => Ok(None),
    }
}

fn uuid_list(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Uuid>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(vec![]) };
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(type_err(field, "a sequence of uuid.UUID", obj));
    }
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| type_err(field, "a sequence of uuid.UUID", obj))? {
        out.push(uuid_from_py(field, &item?)?);
    }
    Ok(out)
}

fn uuids_py<'py>(py: Python<'py>, ids: &[Uuid]) -> PyResult<Vec<Bound<'py, PyAny>>> {
    ids.iter().map(|i| uuid_to_py(py, i)).collect()
}

/// `(id, number, holder)` → `NewTicket`.
fn new_ticket(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<NewTicket> {
    let (id, number, holder): (Bound<'_, PyAny>, String, String) =
        obj.extract().map_err(|_| type_err(field, "an (id, number, holder) tuple", obj))?;
    Ok(NewTicket { id: uuid_from_py(field, &id)?, number, holder })
}

fn new_tickets(obj: &Bound<'_, PyAny>) -> PyResult<Vec<NewTicket>> {
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(type_err("tickets", "a sequence of (id, number, holder) tuples", obj));
    }
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| type_err("tickets", "a sequence of (id, number, holder) tuples", obj))? {
        out.push(new_ticket("tickets[i]", &item?)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Ticket types
// ---------------------------------------------------------------------------------------------

/// A kind of ticket on sale ("Saturday day pass", "VIP"), validated by the core on creation.
#[pyclass(frozen, module = "festival_core", name = "TicketType")]
#[derive(Clone)]
pub struct PyTicketType {
    pub(crate) inner: TicketType,
}

#[pymethods]
impl PyTicketType {
    /// All times are timezone-aware datetimes; `zones` are access zone ids. Raises
    /// `TicketingError` (`TICKET_INVALID`) for an invalid definition.
    #[new]
    #[pyo3(signature = (id, name, price, capacity, sale_from, sale_until, valid_from, valid_until, max_per_order = 10, zones = Vec::new(), reentry_allowed = false, transfer_limit = 0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        name: String,
        price: &Bound<'_, PyAny>,
        capacity: u32,
        sale_from: &Bound<'_, PyAny>,
        sale_until: &Bound<'_, PyAny>,
        valid_from: &Bound<'_, PyAny>,
        valid_until: &Bound<'_, PyAny>,
        max_per_order: u32,
        zones: Vec<String>,
        reentry_allowed: bool,
        transfer_limit: u32,
    ) -> PyResult<Self> {
        let inner = TicketType {
            id: uuid_from_py("id", id)?,
            name,
            price: money_arg("price", price)?,
            capacity,
            sale_from: timestamp_from_py("sale_from", sale_from)?,
            sale_until: timestamp_from_py("sale_until", sale_until)?,
            valid_from: timestamp_from_py("valid_from", valid_from)?,
            valid_until: timestamp_from_py("valid_until", valid_until)?,
            max_per_order,
            zones,
            reentry_allowed,
            transfer_limit,
        };
        inner.validate().py(py)?;
        Ok(PyTicketType { inner })
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
    fn capacity(&self) -> u32 {
        self.inner.capacity
    }
    #[getter]
    fn sale_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.sale_from)
    }
    #[getter]
    fn sale_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.sale_until)
    }
    #[getter]
    fn valid_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_from)
    }
    #[getter]
    fn valid_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_until)
    }
    #[getter]
    fn max_per_order(&self) -> u32 {
        self.inner.max_per_order
    }
    #[getter]
    fn zones(&self) -> Vec<String> {
        self.inner.zones.clone()
    }
    #[getter]
    fn reentry_allowed(&self) -> bool {
        self.inner.reentry_allowed
    }
    #[getter]
    fn transfer_limit(&self) -> u32 {
        self.inner.transfer_limit
    }

    /// Checks the definition again (it was checked on creation).
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.validate().py(py)
    }

    /// Whether this type opens access zone `zone_id`.
    fn opens_zone(&self, zone_id: &str) -> bool {
        self.inner.opens_zone(zone_id)
    }

    /// Whether tickets of this type admit at `at` (validity window).
    fn is_valid_at(&self, at: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.is_valid_at(timestamp_from_py("at", at)?))
    }

    /// Raises `TicketingError` if `quantity` tickets cannot be sold at `at` (sale window, maximum
    /// per order).
    fn check_sale(&self, py: Python<'_>, at: &Bound<'_, PyAny>, quantity: u32) -> PyResult<()> {
        self.inner.check_sale(timestamp_from_py("at", at)?, quantity).py(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "TicketType(id=UUID('{}'), name={:?}, price={}, capacity={}, zones={:?}, reentry_allowed={}, transfer_limit={})",
            self.inner.id,
            self.inner.name,
            money_repr(&self.inner.price),
            self.inner.capacity,
            self.inner.zones,
            py_bool(self.inner.reentry_allowed),
            self.inner.transfer_limit
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyTicketType>().is_ok_and(|o| o.get().inner == self.inner)
    }
}

// ---------------------------------------------------------------------------------------------
// Pricing
// ---------------------------------------------------------------------------------------------

/// A promo code and its usage so far (persist `used`; call `record_use()` when an order with the
/// code is paid). Exactly one of `percent` (Decimal, 0..=100) or `amount` (Money) is given.
#[pyclass(module = "festival_core", name = "PromoCode")]
#[derive(Clone)]
pub struct PyPromoCode {
    pub(crate) inner: PromoCode,
}

#[pymethods]
impl PyPromoCode {
    #[new]
    #[pyo3(signature = (code, *, percent = None, amount = None, max_uses = None, used = 0, expires_at = None, min_quantity = 0, ticket_type_ids = None, valid_from = None, scope = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        code: String,
        percent: Option<&Bound<'_, PyAny>>,
        amount: Option<&Bound<'_, PyAny>>,
        max_uses: Option<u32>,
        used: u32,
        expires_at: Option<&Bound<'_, PyAny>>,
        min_quantity: u32,
        ticket_type_ids: Option<&Bound<'_, PyAny>>,
        valid_from: Option<&Bound<'_, PyAny>>,
        scope: Option<&str>,
    ) -> PyResult<Self> {
        let scope = match scope {
            None => None,
            Some("line") => Some(PromoScope::Line),
            Some("order") => Some(PromoScope::Order),
            Some(other) => return Err(PyValueError::new_err(format!("scope must be 'line' or 'order', got {other:?}"))),
        };
        let discount = match (percent.filter(|p| !p.is_none()), amount.filter(|a| !a.is_none())) {
            (Some(p), None) => PromoDiscount::Percentage { percent: decimal_from_py("percent", p)? },
            (None, Some(a)) => PromoDiscount::FixedAmount { amount: money_arg("amount", a)? },
            _ => return Err(PyValueError::new_err("give exactly one of percent= (Decimal) or amount= (Money)")),
        };
        Ok(PyPromoCode {
            inner: PromoCode {
                code,
                discount,
                max_uses,
                used,
                expires_at: opt_ts_arg("expires_at", expires_at)?,
                min_quantity,
                ticket_type_ids: uuid_list("ticket_type_ids", ticket_type_ids)?,
                valid_from: opt_ts_arg("valid_from", valid_from)?,
                scope,
            },
        })
    }

    /// Usable from this instant on (inclusive), or None.
    #[getter]
    fn valid_from<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_ts(py, self.inner.valid_from)
    }

    /// `line`, `order`, or None (percentages per line, fixed amounts per order).
    #[getter]
    fn scope(&self) -> Option<&'static str> {
        self.inner.scope.map(|s| match s {
            PromoScope::Line => "line",
            PromoScope::Order => "order",
        })
    }

    #[getter]
    fn code(&self) -> String {
        self.inner.code.clone()
    }
    /// `percentage` or `fixed_amount`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.discount {
            PromoDiscount::Percentage { .. } => "percentage",
            PromoDiscount::FixedAmount { .. } => "fixed_amount",
        }
    }
    #[getter]
    fn percent<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.discount {
            PromoDiscount::Percentage { percent } => Ok(Some(decimal_to_py(py, percent)?)),
            PromoDiscount::FixedAmount { .. } => Ok(None),
        }
    }
    #[getter]
    fn amount(&self) -> Option<PyMoney> {
        match self.inner.discount {
            PromoDiscount::FixedAmount { amount } => Some(PyMoney::wrap(amount)),
            PromoDiscount::Percentage { .. } => None,
        }
    }
    #[getter]
    fn max_uses(&self) -> Option<u32> {
        self.inner.max_uses
    }
    #[getter]
    fn used(&self) -> u32 {
        self.inner.used
    }
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_ts(py, self.inner.expires_at)
    }
    #[getter]
    fn min_quantity(&self) -> u32 {
        self.inner.min_quantity
    }
    #[getter]
    fn ticket_type_ids<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        uuids_py(py, &self.inner.ticket_type_ids)
    }

    /// Whether the code applies to ticket type `ticket_type_id`.
    fn applies_to(&self, ticket_type_id: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.applies_to(uuid_from_py("ticket_type_id", ticket_type_id)?))
    }

    /// Counts one use; returns the new count (`PROMO_EXHAUSTED` when used up).
    fn record_use(&mut self, py: Python<'_>) -> PyResult<u32> {
        self.inner.record_use().py(py)
    }

    /// Checks the definition for a shop in `currency` (`PROMO_INVALID`).
    fn validate(&self, py: Python<'_>, currency: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.validate(currency_from_py(currency)?).py(py)
    }

    /// Raises `TicketingError` (`PROMO_*`) if the code cannot be used for `lines` at `at`;
    /// `lines` as in `price_order`.
    fn check(&self, py: Python<'_>, lines: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.check(&price_lines(lines)?, timestamp_from_py("at", at)?).py(py)
    }

    fn __repr__(&self) -> String {
        let discount = match &self.inner.discount {
            PromoDiscount::Percentage { percent } => format!("percent=Decimal('{percent}')"),
            PromoDiscount::FixedAmount { amount } => format!("amount={}", money_repr(amount)),
        };
        format!(
            "PromoCode(code={:?}, {discount}, max_uses={}, used={}, min_quantity={})",
            self.inner.code,
            self.inner.max_uses.map_or("None".to_string(), |m| m.to_string()),
            self.inner.used,
            self.inner.min_quantity
        )
    }
}

fn price_lines(lines: &Bound<'_, PyAny>) -> PyResult<Vec<PriceLine>> {
    const WHAT: &str = "a sequence of (ticket_type_id, unit_price: Money, quantity: int) tuples";
    if lines.is_instance_of::<pyo3::types::PyString>() {
        return Err(type_err("lines", WHAT, lines));
    }
    let mut out = Vec::new();
    for item in lines.try_iter().map_err(|_| type_err("lines", WHAT, lines))? {
        let item = item?;
        let (id, unit_price, quantity): (Bound<'_, PyAny>, Bound<'_, PyAny>, u32) =
            item.extract().map_err(|_| type_err("lines[i]", WHAT, &item))?;
        out.push(PriceLine {
            ticket_type_id: uuid_from_py("ticket_type_id", &id)?,
            unit_price: money_arg("unit_price", &unit_price)?,
            quantity,
        });
    }
    Ok(out)
}

/// One priced line of a `PriceBreakdown`.
#[pyclass(frozen, module = "festival_core", name = "PricedLine")]
pub struct PyPricedLine {
    inner: PricedLine,
}

#[pymethods]
impl PyPricedLine {
    #[getter]
    fn ticket_type_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.ticket_type_id)
    }
    #[getter]
    fn quantity(&self) -> u32 {
        self.inner.quantity
    }
    #[getter]
    fn unit_price(&self) -> PyMoney {
        PyMoney::wrap(self.inner.unit_price)
    }
    #[getter]
    fn subtotal(&self) -> PyMoney {
        PyMoney::wrap(self.inner.subtotal)
    }
    #[getter]
    fn discount(&self) -> PyMoney {
        PyMoney::wrap(self.inner.discount)
    }
    #[getter]
    fn fees(&self) -> PyMoney {
        PyMoney::wrap(self.inner.fees)
    }
    #[getter]
    fn tax(&self) -> PyMoney {
        PyMoney::wrap(self.inner.tax)
    }
    #[getter]
    fn rounding_adjustment(&self) -> PyMoney {
        PyMoney::wrap(self.inner.rounding_adjustment)
    }
    #[getter]
    fn total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.total)
    }

    fn __repr__(&self) -> String {
        format!(
            "PricedLine(ticket_type_id=UUID('{}'), quantity={}, unit_price={}, subtotal={}, discount={}, fees={}, tax={}, rounding_adjustment={}, total={})",
            self.inner.ticket_type_id,
            self.inner.quantity,
            money_repr(&self.inner.unit_price),
            money_repr(&self.inner.subtotal),
            money_repr(&self.inner.discount),
            money_repr(&self.inner.fees),
            money_repr(&self.inner.tax),
            money_repr(&self.inner.rounding_adjustment),
            money_repr(&self.inner.total)
        )
    }
}

/// The result of `price_order`: per line and totals, all `Money`.
#[pyclass(frozen, module = "festival_core", name = "PriceBreakdown")]
pub struct PyPriceBreakdown {
    inner: PriceBreakdown,
}

#[pymethods]
impl PyPriceBreakdown {
    #[getter]
    fn lines(&self) -> Vec<PyPricedLine> {
        self.inner.lines.iter().map(|l| PyPricedLine { inner: l.clone() }).collect()
    }
    #[getter]
    fn subtotal(&self) -> PyMoney {
        PyMoney::wrap(self.inner.subtotal)
    }
    #[getter]
    fn discount(&self) -> PyMoney {
        PyMoney::wrap(self.inner.discount)
    }
    #[getter]
    fn fees(&self) -> PyMoney {
        PyMoney::wrap(self.inner.fees)
    }
    #[getter]
    fn tax(&self) -> PyMoney {
        PyMoney::wrap(self.inner.tax)
    }
    /// True for gross prices (VAT is part of the total, not added to it).
    #[getter]
    fn tax_included(&self) -> bool {
        self.inner.tax_included
    }
    #[getter]
    fn rounding_adjustment(&self) -> PyMoney {
        PyMoney::wrap(self.inner.rounding_adjustment)
    }
    #[getter]
    fn total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.total)
    }
    /// The promo code applied (as defined, not as typed).
    #[getter]
    fn promo_code(&self) -> Option<String> {
        self.inner.promo_code.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "PriceBreakdown(lines=<{} lines>, subtotal={}, discount={}, fees={}, tax={}, tax_included={}, rounding_adjustment={}, total={}, promo_code={:?})",
            self.inner.lines.len(),
            money_repr(&self.inner.subtotal),
            money_repr(&self.inner.discount),
            money_repr(&self.inner.fees),
            money_repr(&self.inner.tax),
            py_bool(self.inner.tax_included),
            money_repr(&self.inner.rounding_adjustment),
            money_repr(&self.inner.total),
            self.inner.promo_code
        )
    }
}

/// Prices an order: `lines` are `(ticket_type_id, unit_price, quantity)` tuples, `promos` the
/// codes `promo_code` is looked up in. Fees and VAT as configured; money never goes through float.
#[pyfunction]
#[pyo3(signature = (lines, *, currency, at, vat_rate, basis = "gross", tax_rounding = "per_line", tax_mode = "half_even", fee_per_ticket = None, fee_percent = None, fee_rounding = "half_even", fees_taxable = true, discount_rounding = "half_even", promo_code = None, promos = None))]
#[allow(clippy::too_many_arguments)]
pub fn price_order(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    currency: &Bound<'_, PyAny>,
    at: &Bound<'_, PyAny>,
    vat_rate: &Bound<'_, PyAny>,
    basis: &str,
    tax_rounding: &str,
    tax_mode: &str,
    fee_per_ticket: Option<&Bound<'_, PyAny>>,
    fee_percent: Option<&Bound<'_, PyAny>>,
    fee_rounding: &str,
    fees_taxable: bool,
    discount_rounding: &str,
    promo_code: Option<String>,
    promos: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyPriceBreakdown> {
    let c = currency_from_py(currency)?;
    let per_ticket = match fee_per_ticket.filter(|f| !f.is_none()) {
        Some(f) => money_arg("fee_per_ticket", f)?,
        None => Money::zero(c),
    };
    let percent = match fee_percent.filter(|f| !f.is_none()) {
        Some(f) => decimal_from_py("fee_percent", f)?,
        None => rust_decimal::Decimal::ZERO,
    };
    let config = PricingConfig {
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
    let mut codes = Vec::new();
    if let Some(p) = promos.filter(|p| !p.is_none()) {
        for item in p.try_iter().map_err(|_| type_err("promos", "a sequence of festival_core.PromoCode", p))? {
            let item = item?;
            let code =
                item.cast::<PyPromoCode>().map_err(|_| type_err("promos[i]", "festival_core.PromoCode", &item))?;
            codes.push(code.borrow().inner.clone());
        }
    }
    let request = PriceRequest { lines: price_lines(lines)?, promo_code, at: timestamp_from_py("at", at)? };
    Ok(PyPriceBreakdown { inner: price(&request, &config, &codes).py(py)? })
}

// ---------------------------------------------------------------------------------------------
// Inventory
// ---------------------------------------------------------------------------------------------

/// A seat hold.
#[pyclass(frozen, module = "festival_core", name = "Hold")]
pub struct PyHold {
    inner: Hold,
}

#[pymethods]
impl PyHold {
    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id)
    }

    #[getter]
    fn quantity(&self) -> u32 {
        self.inner.quantity
    }

    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.created_at)
    }

    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.expires_at)
    }

    /// `held`, `confirmed`, `released` or `expired`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state.as_str()
    }

    fn __repr__(&self) -> String {
        format!(
            "Hold(id=UUID('{}'), quantity={}, expires_at='{}', state='{}')",
            self.inner.id,
            self.inner.quantity,
            self.inner.expires_at,
            self.inner.state.as_str()
        )
    }
}

/// Seats of one ticket type: reserve (hold with expiry), confirm, release, expire, restock.
#[pyclass(module = "festival_core", name = "Inventory")]
pub struct PyInventory {
    pub(crate) inner: Inventory,
}

#[pymethods]
impl PyInventory {
    /// The core's JSON of this state (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads state written by `to_json`, checked by the core: `InputError` (`INPUT_INVALID`) for
    /// malformed JSON, `INVENTORY_STATE_INVALID` for inconsistent state.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyInventory> {
        Ok(PyInventory { inner: Inventory::from_json(text).py(py)? })
    }

    #[new]
    fn new(ticket_type_id: &Bound<'_, PyAny>, capacity: u32) -> PyResult<Self> {
        Ok(PyInventory { inner: Inventory::new(uuid_from_py("ticket_type_id", ticket_type_id)?, capacity) })
    }

    /// Holds `quantity` seats until `expires_at` (`INVENTORY_SOLD_OUT` says how many are left).
    fn reserve(
        &mut self,
        py: Python<'_>,
        hold_id: &Bound<'_, PyAny>,
        quantity: u32,
        now: &Bound<'_, PyAny>,
        expires_at: &Bound<'_, PyAny>,
    ) -> PyResult<PyHold> {
        let h = self
            .inner
            .reserve(
                uuid_from_py("hold_id", hold_id)?,
                quantity,
                timestamp_from_py("now", now)?,
                timestamp_from_py("expires_at", expires_at)?,
            )
            .py(py)?;
        Ok(PyHold { inner: h })
    }

    /// Turns a live hold into sold seats.
    fn confirm(&mut self, py: Python<'_>, hold_id: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<PyHold> {
        let h = self.inner.confirm(uuid_from_py("hold_id", hold_id)?, timestamp_from_py("now", now)?).py(py)?;
        Ok(PyHold { inner: h })
    }

    /// Gives a live hold's seats back.
    fn release(&mut self, py: Python<'_>, hold_id: &Bound<'_, PyAny>) -> PyResult<PyHold> {
        Ok(PyHold { inner: self.inner.release(uuid_from_py("hold_id", hold_id)?).py(py)? })
    }

    /// Expires every hold whose expiry is at or before `now`; returns them.
    fn expire(&mut self, now: &Bound<'_, PyAny>) -> PyResult<Vec<PyHold>> {
        Ok(self.inner.expire(timestamp_from_py("now", now)?).into_iter().map(|h| PyHold { inner: h }).collect())
    }

    /// Puts `quantity` sold seats back on sale (after refunded tickets); returns the new sold count.
    fn restock(&mut self, py: Python<'_>, quantity: u32) -> PyResult<u32> {
        self.inner.restock(quantity).py(py)
    }

    /// A hold by id, or None.
    fn hold(&self, hold_id: &Bound<'_, PyAny>) -> PyResult<Option<PyHold>> {
        Ok(self.inner.hold(uuid_from_py("hold_id", hold_id)?).map(|h| PyHold { inner: *h }))
    }

    /// Every hold (any state).
    fn holds(&self) -> Vec<PyHold> {
        self.inner.holds().map(|h| PyHold { inner: *h }).collect()
    }

    /// Seats available at `now`.
    fn available(&self, now: &Bound<'_, PyAny>) -> PyResult<u32> {
        Ok(self.inner.available(timestamp_from_py("now", now)?))
    }

    /// `{"capacity", "sold", "held", "available"}` at `now`.
    fn counts<'py>(&self, py: Python<'py>, now: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.counts(timestamp_from_py("now", now)?);
        let d = PyDict::new(py);
        d.set_item("capacity", c.capacity)?;
        d.set_item("sold", c.sold)?;
        d.set_item("held", c.held)?;
        d.set_item("available", c.available)?;
        Ok(d)
    }

    /// True when sold + live holds never exceed capacity (always, unless the core has a bug).
    fn invariant_holds(&self) -> bool {
        self.inner.invariant_holds()
    }

    #[getter]
    fn ticket_type_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.ticket_type_id())
    }

    #[getter]
    fn capacity(&self) -> u32 {
        self.inner.capacity()
    }

    #[getter]
    fn sold(&self) -> u32 {
        self.inner.sold()
    }

    fn __repr__(&self) -> String {
        format!(
            "Inventory(ticket_type_id=UUID('{}'), capacity={}, sold={})",
            self.inner.ticket_type_id(),
            self.inner.capacity(),
            self.inner.sold()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

/// One ticket (a snapshot: the `TicketBook` holds the live state).
#[pyclass(frozen, module = "festival_core", name = "Ticket")]
pub struct PyTicket {
    inner: Ticket,
}

#[pymethods]
impl PyTicket {
    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id)
    }
    #[getter]
    fn number(&self) -> String {
        self.inner.number.clone()
    }
    #[getter]
    fn ticket_type_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.ticket_type_id)
    }
    #[getter]
    fn order_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_uuid(py, self.inner.order_id)
    }
    #[getter]
    fn holder(&self) -> String {
        self.inner.holder.clone()
    }
    /// `valid`, `checked_in`, `checked_out`, `transferred`, `cancelled`, `refunded`, `revoked`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state.as_str()
    }
    /// True for the final states that never admit again.
    #[getter]
    fn is_void(&self) -> bool {
        self.inner.state.is_void()
    }
    #[getter]
    fn lineage_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.lineage_id)
    }
    #[getter]
    fn transfers(&self) -> u32 {
        self.inner.transfers
    }
    #[getter]
    fn used(&self) -> bool {
        self.inner.used
    }
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.issued_at)
    }
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.updated_at)
    }
    #[getter]
    fn first_checked_in_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_ts(py, self.inner.first_checked_in_at)
    }
    #[getter]
    fn replaces<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_uuid(py, self.inner.replaces)
    }
    #[getter]
    fn replaced_by<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_uuid(py, self.inner.replaced_by)
    }

    fn __repr__(&self) -> String {
        format!(
            "Ticket(id=UUID('{}'), number={:?}, holder={:?}, state='{}', transfers={}, used={})",
            self.inner.id,
            self.inner.number,
            self.inner.holder,
            self.inner.state.as_str(),
            self.inner.transfers,
            py_bool(self.inner.used)
        )
    }
}

const EVENTS: &str = "'check_in', 'check_out', 'cancel', 'refund', 'revoke'";

/// Ticket types and tickets: issues tickets with unique ids and numbers and applies the ticket
/// state machine (`valid → checked_in ⇄ checked_out`, `transferred`, `cancelled`, `refunded`,
/// `revoked`).
#[pyclass(module = "festival_core", name = "TicketBook")]
pub struct PyTicketBook {
    pub(crate) inner: TicketBook,
}

impl PyTicketBook {
    fn event(
        &mut self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        e: TicketEvent,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyTicket> {
        let t = self.inner.apply(uuid_from_py("ticket_id", id)?, e, timestamp_from_py("at", at)?).py(py)?;
        Ok(PyTicket { inner: t })
    }
}

#[pymethods]
impl PyTicketBook {
    /// The core's JSON of this state (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads state written by `to_json`, checked by the core: `InputError` (`INPUT_INVALID`) for
    /// malformed JSON, `TICKET_STATE_INVALID` for inconsistent state.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyTicketBook> {
        Ok(PyTicketBook { inner: TicketBook::from_json(text).py(py)? })
    }

    #[new]
    fn new() -> Self {
        PyTicketBook { inner: TicketBook::new() }
    }

    /// Adds a ticket type (`TICKET_DUPLICATE_ID` if its id is taken).
    fn add_type(&mut self, py: Python<'_>, ticket_type: PyRef<'_, PyTicketType>) -> PyResult<()> {
        self.inner.add_type(ticket_type.inner.clone()).py(py)
    }

    /// A ticket type by id (`TICKET_UNKNOWN_TYPE`).
    fn ticket_type(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<PyTicketType> {
        Ok(PyTicketType { inner: self.inner.ticket_type(uuid_from_py("id", id)?).py(py)?.clone() })
    }

    /// A ticket by id (`TICKET_UNKNOWN`).
    fn ticket(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<PyTicket> {
        Ok(PyTicket { inner: self.inner.ticket(uuid_from_py("id", id)?).py(py)?.clone() })
    }

    /// A ticket by number, or None.
    fn by_number(&self, number: &str) -> Option<PyTicket> {
        self.inner.by_number(number).map(|t| PyTicket { inner: t.clone() })
    }

    /// Every ticket, by id.
    fn tickets(&self) -> Vec<PyTicket> {
        self.inner.tickets().map(|t| PyTicket { inner: t.clone() }).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.tickets().count()
    }

    /// Issues one valid ticket.
    #[pyo3(signature = (ticket_type_id, id, number, holder, at, order_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &mut self,
        py: Python<'_>,
        ticket_type_id: &Bound<'_, PyAny>,
        id: &Bound<'_, PyAny>,
        number: String,
        holder: String,
        at: &Bound<'_, PyAny>,
        order_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTicket> {
        let spec = NewTicket { id: uuid_from_py("id", id)?, number, holder };
        let t = self
            .inner
            .issue(
                uuid_from_py("ticket_type_id", ticket_type_id)?,
                spec,
                opt_uuid_arg("order_id", order_id)?,
                timestamp_from_py("at", at)?,
            )
            .py(py)?;
        Ok(PyTicket { inner: t })
    }

    /// Issues several tickets, all or none; `tickets` are `(id, number, holder)` tuples.
    #[pyo3(signature = (ticket_type_id, tickets, at, order_id = None))]
    fn issue_all(
        &mut self,
        py: Python<'_>,
        ticket_type_id: &Bound<'_, PyAny>,
        tickets: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        order_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyTicket>> {
        let issued = self
            .inner
            .issue_all(
                uuid_from_py("ticket_type_id", ticket_type_id)?,
                new_tickets(tickets)?,
                opt_uuid_arg("order_id", order_id)?,
                timestamp_from_py("at", at)?,
            )
            .py(py)?;
        Ok(issued.into_iter().map(|t| PyTicket { inner: t }).collect())
    }

    /// The state `event` would move the ticket to, without changing anything.
    fn next_state(&self, py: Python<'_>, ticket_id: &Bound<'_, PyAny>, event: &str) -> PyResult<&'static str> {
        let e = enum_arg::<TicketEvent>("event", event, EVENTS)?;
        Ok(self.inner.next_state(uuid_from_py("ticket_id", ticket_id)?, e).py(py)?.as_str())
    }

    /// Applies `event` (one of check_in, check_out, cancel, refund, revoke) at `at`.
    fn apply(
        &mut self,
        py: Python<'_>,
        ticket_id: &Bound<'_, PyAny>,
        event: &str,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyTicket> {
        let e = enum_arg::<TicketEvent>("event", event, EVENTS)?;
        self.event(py, ticket_id, e, at)
    }

    /// Perimeter entry.
    fn check_in(&mut self, py: Python<'_>, ticket_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyTicket> {
        self.event(py, ticket_id, TicketEvent::CheckIn, at)
    }

    /// Perimeter exit.
    fn check_out(&mut self, py: Python<'_>, ticket_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyTicket> {
        self.event(py, ticket_id, TicketEvent::CheckOut, at)
    }

    /// Cancels an unused ticket.
    fn cancel(&mut self, py: Python<'_>, ticket_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyTicket> {
        self.event(py, ticket_id, TicketEvent::Cancel, at)
    }

    /// Refunds an unused ticket (restock its seat with `Inventory.restock`).
    fn refund(&mut self, py: Python<'_>, ticket_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyTicket> {
        self.event(py, ticket_id, TicketEvent::Refund, at)
    }

    /// Revokes a ticket that is not yet void.
    fn revoke(&mut self, py: Python<'_>, ticket_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyTicket> {
        self.event(py, ticket_id, TicketEvent::Revoke, at)
    }

    /// Transfers a valid, unused ticket: it becomes `transferred` and the returned new ticket
    /// (`new_id`, `number`, `holder`) replaces it.
    fn transfer(
        &mut self,
        py: Python<'_>,
        ticket_id: &Bound<'_, PyAny>,
        new_id: &Bound<'_, PyAny>,
        number: String,
        holder: String,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyTicket> {
        let to = NewTicket { id: uuid_from_py("new_id", new_id)?, number, holder };
        let t = self.inner.transfer(uuid_from_py("ticket_id", ticket_id)?, to, timestamp_from_py("at", at)?).py(py)?;
        Ok(PyTicket { inner: t })
    }

    fn __repr__(&self) -> String {
        format!("TicketBook(tickets={})", self.inner.tickets().count())
    }
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

/// An order for `quantity` tickets of one type: `pending → paid → fulfilled`,
/// `pending → expired | cancelled`, `paid | fulfilled → partially_refunded | refunded`. Every
/// transition checks everything first: a failed call changes nothing.
#[pyclass(module = "festival_core", name = "Order")]
pub struct PyOrder {
    inner: Order,
}

#[pymethods]
impl PyOrder {
    /// The core's JSON of this state (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads state written by `to_json`, checked by the core: `InputError` (`INPUT_INVALID`) for
    /// malformed JSON, `ORDER_STATE_INVALID` for inconsistent state.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyOrder> {
        Ok(PyOrder { inner: Order::from_json(text).py(py)? })
    }

    /// Places an order: checks the sale window and maximum per order, then holds `quantity`
    /// seats in `inventory` until `expires_at` under the order id.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn place(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        ticket_type: PyRef<'_, PyTicketType>,
        mut inventory: PyRefMut<'_, PyInventory>,
        quantity: u32,
        total: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        expires_at: &Bound<'_, PyAny>,
    ) -> PyResult<PyOrder> {
        let o = Order::place(
            uuid_from_py("id", id)?,
            &ticket_type.inner,
            &mut inventory.inner,
            quantity,
            money_arg("total", total)?,
            timestamp_from_py("now", now)?,
            timestamp_from_py("expires_at", expires_at)?,
        )
        .py(py)?;
        Ok(PyOrder { inner: o })
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id())
    }
    #[getter]
    fn ticket_type_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.ticket_type_id())
    }
    #[getter]
    fn quantity(&self) -> u32 {
        self.inner.quantity()
    }
    #[getter]
    fn total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.total())
    }
    /// `pending`, `paid`, `fulfilled`, `expired`, `cancelled`, `partially_refunded`, `refunded`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().as_str()
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.created_at())
    }
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.updated_at())
    }
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.expires_at())
    }
    #[getter]
    fn paid(&self) -> Option<PyMoney> {
        self.inner.paid().map(PyMoney::wrap)
    }
    #[getter]
    fn refunded(&self) -> PyMoney {
        PyMoney::wrap(self.inner.refunded())
    }
    #[getter]
    fn ticket_ids<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        uuids_py(py, self.inner.ticket_ids())
    }

    /// What can still be refunded.
    fn refundable(&self, py: Python<'_>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.refundable().py(py)?))
    }

    /// `pending → paid`: `amount` must equal the total exactly; confirms the hold.
    fn pay(
        &mut self,
        py: Python<'_>,
        mut inventory: PyRefMut<'_, PyInventory>,
        amount: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let s =
            self.inner.pay(&mut inventory.inner, money_arg("amount", amount)?, timestamp_from_py("at", at)?).py(py)?;
        Ok(s.as_str())
    }

    /// `paid → fulfilled`: issues exactly `quantity` tickets (`(id, number, holder)` tuples) in `book`.
    fn fulfill(
        &mut self,
        py: Python<'_>,
        mut book: PyRefMut<'_, PyTicketBook>,
        tickets: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let s = self.inner.fulfill(&mut book.inner, new_tickets(tickets)?, timestamp_from_py("at", at)?).py(py)?;
        Ok(s.as_str())
    }

    /// `pending → expired` at or after `expires_at`; the seats go back on sale.
    fn expire(
        &mut self,
        py: Python<'_>,
        mut inventory: PyRefMut<'_, PyInventory>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        Ok(self.inner.expire(&mut inventory.inner, timestamp_from_py("at", at)?).py(py)?.as_str())
    }

    /// `pending → cancelled`; the held seats go back on sale.
    fn cancel(
        &mut self,
        py: Python<'_>,
        mut inventory: PyRefMut<'_, PyInventory>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        Ok(self.inner.cancel(&mut inventory.inner, timestamp_from_py("at", at)?).py(py)?.as_str())
    }

    /// Refunds (part of) the payment; cumulative refunds never exceed it.
    fn refund(&mut self, py: Python<'_>, amount: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<&'static str> {
        Ok(self.inner.refund(money_arg("amount", amount)?, timestamp_from_py("at", at)?).py(py)?.as_str())
    }

    /// Applies an event by name (`pay`, `fulfill`, `expire`, `cancel`, `refund`), as the core's
    /// `Order::apply`: `amount` for pay / refund, `tickets` for fulfill.
    #[pyo3(signature = (event, inventory, book, at, amount = None, tickets = None))]
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        py: Python<'_>,
        event: &str,
        mut inventory: PyRefMut<'_, PyInventory>,
        mut book: PyRefMut<'_, PyTicketBook>,
        at: &Bound<'_, PyAny>,
        amount: Option<&Bound<'_, PyAny>>,
        tickets: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let at = timestamp_from_py("at", at)?;
        let need_amount = || -> PyResult<Money> {
            match amount.filter(|a| !a.is_none()) {
                Some(a) => money_arg("amount", a),
                None => Err(PyValueError::new_err(format!("{event}: amount= is required"))),
            }
        };
        let ev = match event {
            "pay" => OrderEvent::Pay { amount: need_amount()?, at },
            "refund" => OrderEvent::Refund { amount: need_amount()?, at },
            "expire" => OrderEvent::Expire { at },
            "cancel" => OrderEvent::Cancel { at },
            "fulfill" => match tickets.filter(|t| !t.is_none()) {
                Some(t) => OrderEvent::Fulfill { tickets: new_tickets(t)?, at },
                None => return Err(PyValueError::new_err("fulfill: tickets= is required")),
            },
            other => {
                return Err(PyValueError::new_err(format!(
                    "event must be one of 'pay', 'fulfill', 'expire', 'cancel', 'refund', got {other:?}"
                )))
            }
        };
        Ok(self.inner.apply(ev, &mut inventory.inner, &mut book.inner).py(py)?.as_str())
    }

    fn __repr__(&self) -> String {
        format!(
            "Order(id=UUID('{}'), quantity={}, total={}, state='{}', refunded={})",
            self.inner.id(),
            self.inner.quantity(),
            money_repr(&self.inner.total()),
            self.inner.state().as_str(),
            money_repr(&self.inner.refunded())
        )
    }
}
