//! Cashless wallets: one method per ledger operation, balances as `Money` (Decimal amounts).

use crate::convert::{currency_from_py, timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::{type_err, CoreResult};
use crate::money::{money_arg, PyMoney};
use festival_core::wallet::{
    Balances, DepositTotals, Entry, Operation, Outcome, SpendOrder, SubBalance, TopUpMethod, VoucherTotals, Wallet,
    WalletConfig, WalletLimits, WalletStatus,
};
use festival_core::Money;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;

pub(crate) fn enum_arg<T: DeserializeOwned>(field: &str, value: &str, allowed: &str) -> PyResult<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| PyValueError::new_err(format!("{field} must be one of {allowed}, got {value:?}")))
}

pub(crate) fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub(crate) fn opt_money(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Money>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(money_arg(field, o)?)),
        _ => Ok(None),
    }
}

fn opt_uuid(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<uuid::Uuid>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(uuid_from_py(field, o)?)),
        _ => Ok(None),
    }
}

/// A wallet's balances: `total = refundable + bonus - debt`.
#[pyclass(frozen, get_all, module = "festival_core", name = "Balances")]
#[derive(Clone)]
pub struct PyBalances {
    refundable: PyMoney,
    bonus: PyMoney,
    debt: PyMoney,
    total: PyMoney,
}

impl PyBalances {
    pub(crate) fn from(b: &Balances) -> Self {
        PyBalances {
            refundable: PyMoney::wrap(b.refundable),
            bonus: PyMoney::wrap(b.bonus),
            debt: PyMoney::wrap(b.debt),
            total: PyMoney::wrap(b.total),
        }
    }
}

#[pymethods]
impl PyBalances {
    fn __repr__(&self) -> String {
        format!(
            "Balances(refundable={}, bonus={}, debt={}, total={})",
            self.refundable.inner.amount_string(),
            self.bonus.inner.amount_string(),
            self.debt.inner.amount_string(),
            self.total.inner.amount_string()
        )
    }
}

/// What one applied entry did (also returned, unchanged, when an entry id is retried).
#[pyclass(frozen, module = "festival_core", name = "WalletOutcome")]
pub struct PyOutcome {
    inner: Outcome,
}

#[pymethods]
impl PyOutcome {
    /// The entry id.
    #[getter]
    fn entry_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.entry_id)
    }

    /// True when the entry id had already been applied (nothing changed).
    #[getter]
    fn replayed(&self) -> bool {
        self.inner.replayed
    }

    /// Operation kind (`top_up`, `payment`, ...).
    #[getter]
    fn kind(&self) -> String {
        self.inner.kind.clone()
    }

    #[getter]
    fn refundable_delta(&self) -> PyMoney {
        PyMoney::wrap(self.inner.refundable_delta)
    }

    #[getter]
    fn bonus_delta(&self) -> PyMoney {
        PyMoney::wrap(self.inner.bonus_delta)
    }

    #[getter]
    fn debt_delta(&self) -> PyMoney {
        PyMoney::wrap(self.inner.debt_delta)
    }

    /// Balances after the entry.
    #[getter]
    fn balances(&self) -> PyBalances {
        PyBalances::from(&self.inner.balances)
    }

    /// Status after the entry (`active`, `blocked`, `closed`).
    #[getter]
    fn status(&self) -> String {
        enum_str(&self.inner.status)
    }

    fn __repr__(&self) -> String {
        format!(
            "WalletOutcome(entry_id=UUID('{}'), kind='{}', replayed={}, refundable_delta={}, bonus_delta={}, debt_delta={}, status='{}')",
            self.inner.entry_id,
            self.inner.kind,
            if self.inner.replayed { "True" } else { "False" },
            self.inner.refundable_delta.amount_string(),
            self.inner.bonus_delta.amount_string(),
            self.inner.debt_delta.amount_string(),
            enum_str(&self.inner.status)
        )
    }
}

/// Deposits of one deposit product in a wallet (`Wallet.deposits()`): charged, returned and
/// outstanding (outstanding may be negative: cups are taken back from anyone).
#[pyclass(frozen, get_all, module = "festival_core", name = "DepositTotals")]
#[derive(Clone)]
pub struct PyDepositTotals {
    product: String,
    charged_quantity: u64,
    charged: PyMoney,
    returned_quantity: u64,
    returned: PyMoney,
    outstanding_quantity: i64,
    outstanding: PyMoney,
}

impl PyDepositTotals {
    fn from(d: &DepositTotals) -> Self {
        PyDepositTotals {
            product: d.product.clone(),
            charged_quantity: d.charged_quantity,
            charged: PyMoney::wrap(d.charged),
            returned_quantity: d.returned_quantity,
            returned: PyMoney::wrap(d.returned),
            outstanding_quantity: d.outstanding_quantity,
            outstanding: PyMoney::wrap(d.outstanding),
        }
    }
}

#[pymethods]
impl PyDepositTotals {
    fn __repr__(&self) -> String {
        format!(
            "DepositTotals(product='{}', charged_quantity={}, charged={}, returned_quantity={}, returned={}, outstanding_quantity={}, outstanding={})",
            self.product,
            self.charged_quantity,
            self.charged.inner.amount_string(),
            self.returned_quantity,
            self.returned.inner.amount_string(),
            self.outstanding_quantity,
            self.outstanding.inner.amount_string()
        )
    }
}

/// Count-vouchers of one type in a wallet (`Wallet.voucher_totals()`); counts, not money.
#[pyclass(frozen, get_all, module = "festival_core", name = "VoucherTotals")]
#[derive(Clone)]
pub struct PyVoucherTotals {
    voucher_type: String,
    granted: u64,
    revoked: u64,
    redeemed: u64,
    forfeited: u64,
    balance: u64,
}

impl PyVoucherTotals {
    fn from(v: &VoucherTotals) -> Self {
        PyVoucherTotals {
            voucher_type: v.voucher_type.clone(),
            granted: v.granted,
            revoked: v.revoked,
            redeemed: v.redeemed,
            forfeited: v.forfeited,
            balance: v.balance,
        }
    }
}

#[pymethods]
impl PyVoucherTotals {
    fn __repr__(&self) -> String {
        format!(
            "VoucherTotals(voucher_type='{}', granted={}, revoked={}, redeemed={}, forfeited={}, balance={})",
            self.voucher_type, self.granted, self.revoked, self.redeemed, self.forfeited, self.balance
        )
    }
}

/// A cashless wallet whose balances are derived from its ledger. Every method takes a
/// caller-chosen `entry_id` (retrying the same id is a no-op that returns the original outcome)
/// and the operation time `at` (a timezone-aware datetime).
#[pyclass(module = "festival_core", name = "Wallet")]
pub struct PyWallet {
    pub(crate) inner: Wallet,
}

impl PyWallet {
    fn apply(
        &mut self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        op: Operation,
    ) -> PyResult<PyOutcome> {
        self.apply_checked(py, id, at, op, None)
    }

    /// `Wallet::apply`, or `Wallet::apply_with_catalog` when a `ProductCatalog` is given.
    fn apply_checked(
        &mut self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        op: Operation,
        catalog: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let entry = Entry::new(uuid_from_py("entry_id", id)?, timestamp_from_py("at", at)?, op);
        let outcome = match catalog {
            Some(c) if !c.is_none() => {
                let c = c
                    .cast::<crate::catalog::PyProductCatalog>()
                    .map_err(|_| type_err("catalog", "festival_core.ProductCatalog or None", c))?;
                self.inner.apply_with_catalog(entry, &c.get().inner).py(py)?
            }
            _ => self.inner.apply(entry).py(py)?,
        };
        Ok(PyOutcome { inner: outcome })
    }
}

#[pymethods]
impl PyWallet {
    /// `Wallet(id, festival_id, currency, spend_order="bonus_first", max_balance=None,
    /// max_single_payment=None, max_daily_spend=None, age_class=None)`; `age_class` is the
    /// customer's verified age class (`under_16`, `16_17`, `adult`; `None` = unknown).
    #[new]
    #[pyo3(signature = (id, festival_id, currency, spend_order = "bonus_first", max_balance = None, max_single_payment = None, max_daily_spend = None, age_class = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
        currency: &Bound<'_, PyAny>,
        spend_order: &str,
        max_balance: Option<&Bound<'_, PyAny>>,
        max_single_payment: Option<&Bound<'_, PyAny>>,
        max_daily_spend: Option<&Bound<'_, PyAny>>,
        age_class: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut config = WalletConfig::new(
            uuid_from_py("id", id)?,
            uuid_from_py("festival_id", festival_id)?,
            currency_from_py(currency)?,
        );
        config.spend_order = enum_arg::<SpendOrder>("spend_order", spend_order, "'bonus_first', 'refundable_first'")?;
        config.limits = WalletLimits {
            max_balance: opt_money("max_balance", max_balance)?,
            max_single_payment: opt_money("max_single_payment", max_single_payment)?,
            max_daily_spend: opt_money("max_daily_spend", max_daily_spend)?,
        };
        config.age_class = crate::catalog::age_class_arg(age_class)?;
        Ok(PyWallet { inner: Wallet::new(config).py(py)? })
    }

    /// Money paid in (refundable; settles debt first). `method`: cash, card, online, other.
    #[pyo3(signature = (entry_id, at, amount, method = "cash"))]
    fn top_up(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        method: &str,
    ) -> PyResult<PyOutcome> {
        let method = enum_arg::<TopUpMethod>("method", method, "'cash', 'card', 'online', 'other'")?;
        self.apply(py, entry_id, at, Operation::TopUp { amount: money_arg("amount", amount)?, method })
    }

    /// Promotional credit, optionally expiring at `expires_at`.
    #[pyo3(signature = (entry_id, at, amount, expires_at = None))]
    fn bonus_credit(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        expires_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let expires_at = match expires_at {
            Some(e) if !e.is_none() => Some(timestamp_from_py("expires_at", e)?),
            _ => None,
        };
        self.apply(py, entry_id, at, Operation::BonusCredit { amount: money_arg("amount", amount)?, expires_at })
    }

    /// A payment at `stand_id` for `items`: `LineItem` objects (e.g. `Basket.items`) or
    /// `(sku, quantity, unit_price[, kind])` tuples, `kind` being `sale` (default), `deposit` or a
    /// `VoucherPrice`. `catalog_version`: the catalog the lines were priced with. With
    /// `catalog=` (a `ProductCatalog`) the lines and the wallet's age class are checked first
    /// (`CATALOG_*` errors, nothing applied).
    #[pyo3(signature = (entry_id, at, stand_id, items, device_id = None, allow_debt = false, catalog_version = None, catalog = None))]
    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        items: &Bound<'_, PyAny>,
        device_id: Option<&Bound<'_, PyAny>>,
        allow_debt: bool,
        catalog_version: Option<u32>,
        catalog: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let op = Operation::Payment {
            stand_id: uuid_from_py("stand_id", stand_id)?,
            device_id: opt_uuid("device_id", device_id)?,
            items: crate::catalog::line_items_arg(items)?,
            allow_debt,
            catalog_version,
        };
        self.apply_checked(py, entry_id, at, op, catalog)
    }

    /// A returned deposit item (cup): credits `amount` (refundable). With `catalog=` the product
    /// must be one of its deposits and `amount == quantity × price`.
    #[pyo3(signature = (entry_id, at, stand_id, product, quantity, amount, device_id = None, catalog = None))]
    #[allow(clippy::too_many_arguments)]
    fn deposit_return(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        product: String,
        quantity: u32,
        amount: &Bound<'_, PyAny>,
        device_id: Option<&Bound<'_, PyAny>>,
        catalog: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let op = Operation::DepositReturn {
            stand_id: uuid_from_py("stand_id", stand_id)?,
            device_id: opt_uuid("device_id", device_id)?,
            product,
            quantity,
            amount: money_arg("amount", amount)?,
        };
        self.apply_checked(py, entry_id, at, op, catalog)
    }

    /// Grants `count` vouchers of `voucher_type` (counts, not money).
    fn voucher_grant(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        voucher_type: String,
        count: u32,
    ) -> PyResult<PyOutcome> {
        self.apply(py, entry_id, at, Operation::VoucherGrant { voucher_type, count })
    }

    /// Takes back `count` vouchers of `voucher_type` (at most what the wallet holds).
    fn voucher_revoke(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        voucher_type: String,
        count: u32,
    ) -> PyResult<PyOutcome> {
        self.apply(py, entry_id, at, Operation::VoucherRevoke { voucher_type, count })
    }

    /// Refund of (part of) payment `payment_id`, restored to where it came from.
    #[pyo3(signature = (entry_id, at, payment_id, amount, reason = None))]
    fn refund(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        payment_id: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        reason: Option<String>,
    ) -> PyResult<PyOutcome> {
        let op = Operation::Refund {
            payment_id: uuid_from_py("payment_id", payment_id)?,
            amount: money_arg("amount", amount)?,
            reason,
        };
        self.apply(py, entry_id, at, op)
    }

    /// Cash-out of refundable money; the attendee receives `amount - fee`.
    #[pyo3(signature = (entry_id, at, amount, fee = None))]
    fn payout(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        fee: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let op = Operation::Payout { amount: money_arg("amount", amount)?, fee: opt_money("fee", fee)? };
        self.apply(py, entry_id, at, op)
    }

    /// Operator correction of `target` (`refundable` or `bonus`) by a signed amount.
    fn adjust(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        target: &str,
        reason: String,
    ) -> PyResult<PyOutcome> {
        let target = enum_arg::<SubBalance>("target", target, "'refundable', 'bonus'")?;
        self.apply(py, entry_id, at, Operation::Adjustment { amount: money_arg("amount", amount)?, target, reason })
    }

    /// Expires bonus lots whose expiry is at or before `at`.
    fn expire_bonus(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        self.apply(py, entry_id, at, Operation::ExpireBonus {})
    }

    /// Administrative block.
    fn block(
        &mut self,
        py: Python<'_>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        reason: String,
    ) -> PyResult<PyOutcome> {
        self.apply(py, entry_id, at, Operation::Block { reason })
    }

    /// Lifts the administrative block.
    fn unblock(&mut self, py: Python<'_>, entry_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyOutcome> {
        self.apply(py, entry_id, at, Operation::Unblock {})
    }

    /// Closes the wallet (no refundable money and no debt left).
    fn close(&mut self, py: Python<'_>, entry_id: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<PyOutcome> {
        self.apply(py, entry_id, at, Operation::Close {})
    }

    /// Moves refundable money to `to` atomically; returns (from_outcome, to_outcome).
    fn transfer(
        &mut self,
        py: Python<'_>,
        to: &Bound<'_, PyAny>,
        entry_id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<(PyOutcome, PyOutcome)> {
        let to = to.cast::<PyWallet>().map_err(|_| type_err("to", "festival_core.Wallet", to))?;
        let mut to = to.try_borrow_mut().map_err(|_| PyValueError::new_err("a wallet cannot transfer to itself"))?;
        let o = Wallet::transfer(
            &mut self.inner,
            &mut to.inner,
            uuid_from_py("entry_id", entry_id)?,
            timestamp_from_py("at", at)?,
            money_arg("amount", amount)?,
        )
        .py(py)?;
        Ok((PyOutcome { inner: o.from }, PyOutcome { inner: o.to }))
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.id())
    }

    #[getter]
    fn currency(&self) -> String {
        self.inner.currency().to_string()
    }

    /// Balances derived from the ledger.
    #[getter]
    fn balances(&self) -> PyBalances {
        PyBalances::from(&self.inner.balances())
    }

    /// Money spendable at `at` (active bonus lots + refundable).
    fn spendable(&self, at: &Bound<'_, PyAny>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.spendable(timestamp_from_py("at", at)?)))
    }

    /// `active`, `blocked` or `closed`.
    #[getter]
    fn status(&self) -> String {
        enum_str::<WalletStatus>(&self.inner.status())
    }

    /// The verified age class (`under_16`, `16_17`, `adult`) or `None` (unknown).
    #[getter]
    fn age_class(&self) -> Option<&'static str> {
        self.inner.config().age_class.map(|a| a.as_str())
    }

    /// Deposits charged, returned and outstanding per deposit product, sorted by product.
    fn deposits(&self) -> Vec<PyDepositTotals> {
        self.inner.deposits().iter().map(PyDepositTotals::from).collect()
    }

    /// Count-vouchers held now, `{voucher_type: count}` (types with none held left out).
    fn vouchers(&self) -> std::collections::BTreeMap<String, u64> {
        self.inner.vouchers()
    }

    /// Count-voucher sums per type, sorted by type.
    fn voucher_totals(&self) -> Vec<PyVoucherTotals> {
        self.inner.voucher_totals().iter().map(PyVoucherTotals::from).collect()
    }

    /// Number of ledger entries (after a compaction: those after the folded ones).
    fn __len__(&self) -> usize {
        self.inner.ledger().len()
    }

    /// How many entries were folded into the wallet's base by compaction (`ReconcileConfig(
    /// compact_ledgers=True)`); their balances and refund records stay, the entries do not.
    #[getter]
    fn compacted_entries(&self) -> u64 {
        self.inner.compacted_entries()
    }

    /// The double-entry postings of the ledger, one per entry that moves money (see `TrialBalance`).
    fn postings(&self, py: Python<'_>) -> PyResult<Vec<crate::postings::PyPosting>> {
        crate::postings::postings_of(py, &self.inner)
    }

    /// The wallet (config + ledger) as JSON text; `Wallet.from_json` replays and checks it.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Rebuilds a wallet from `to_json` output by replaying its ledger (tampering is detected).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyWallet> {
        let w = Wallet::from_json(text).map_err(|e| crate::errors::core_err(py, e))?;
        Ok(PyWallet { inner: w })
    }

    /// Times of the first and last entries (None when empty).
    fn time_range<'py>(&self, py: Python<'py>) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        match (self.inner.ledger().first(), self.inner.ledger().last()) {
            (Some(a), Some(b)) => Ok(Some((timestamp_to_py(py, a.at)?, timestamp_to_py(py, b.at)?))),
            _ => Ok(None),
        }
    }

    fn __repr__(&self) -> String {
        let b = self.inner.balances();
        format!(
            "Wallet(id=UUID('{}'), currency='{}', status='{}', refundable={}, bonus={}, debt={}, entries={})",
            self.inner.id(),
            self.inner.currency(),
            enum_str(&self.inner.status()),
            b.refundable.amount_string(),
            b.bonus.amount_string(),
            b.debt.amount_string(),
            self.inner.ledger().len()
        )
    }
}
