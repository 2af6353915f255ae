//! Double-entry postings: `Posting`, `Leg` and `TrialBalance` over `festival_core::postings`.

use crate::convert::{currency_from_py, timestamp_to_py, uuid_to_py};
use crate::errors::CoreResult;
use crate::money::PyMoney;
use crate::wallet::PyWallet;
use festival_core::postings::{post_ledger, Account, Posting, TrialBalance};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::BTreeMap;

/// One leg of a posting: an account code and a signed amount (debit positive).
#[pyclass(frozen, get_all, module = "festival_core", name = "Leg")]
#[derive(Clone)]
pub struct PyLeg {
    account: String,
    amount: PyMoney,
}

#[pymethods]
impl PyLeg {
    fn __repr__(&self) -> String {
        format!("Leg(account='{}', amount={})", self.account, self.amount.inner.amount_string())
    }
}

/// The journal entry of one wallet ledger entry or till event: legs that sum to zero.
#[pyclass(frozen, module = "festival_core", name = "Posting")]
pub struct PyPosting {
    pub(crate) inner: Posting,
}

#[pymethods]
impl PyPosting {
    #[getter]
    fn entry_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.entry_id)
    }
    /// The wallet, or None (till postings without a recorded wallet).
    #[getter]
    fn wallet_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.wallet_id.as_ref().map(|id| uuid_to_py(py, id)).transpose()
    }
    /// The till, or None (wallet postings).
    #[getter]
    fn till_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.till_id.as_ref().map(|id| uuid_to_py(py, id)).transpose()
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.at)
    }
    /// The operation's kind (`payment`, `top_up`, ...).
    #[getter]
    fn kind(&self) -> String {
        self.inner.kind.clone()
    }
    /// The legs, wallet side first.
    #[getter]
    fn legs(&self) -> Vec<PyLeg> {
        self.inner.legs.iter().map(|l| PyLeg { account: l.account.code(), amount: PyMoney::wrap(l.amount) }).collect()
    }
    fn __repr__(&self) -> String {
        let legs: Vec<String> =
            self.inner.legs.iter().map(|l| format!("{} {}", l.account, l.amount.amount_string())).collect();
        format!(
            "Posting(kind='{}', entry_id=UUID('{}'), legs=[{}])",
            self.inner.kind,
            self.inner.entry_id,
            legs.join(", ")
        )
    }
}

pub(crate) fn till_postings_of(py: Python<'_>, s: &festival_core::till::TillSession) -> PyResult<Vec<PyPosting>> {
    Ok(festival_core::postings::post_till_session(s).py(py)?.into_iter().map(|inner| PyPosting { inner }).collect())
}

pub(crate) fn postings_of(py: Python<'_>, w: &festival_core::wallet::Wallet) -> PyResult<Vec<PyPosting>> {
    Ok(post_ledger(w.id(), w.ledger()).py(py)?.into_iter().map(|inner| PyPosting { inner }).collect())
}

fn account_arg(code: &str) -> PyResult<Account> {
    code.parse::<Account>().map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The festival's books: account balances (debit positive) over postings, in one currency.
#[pyclass(module = "festival_core", name = "TrialBalance")]
pub struct PyTrialBalance {
    inner: TrialBalance,
}

#[pymethods]
impl PyTrialBalance {
    /// `TrialBalance("EUR")`: empty books.
    #[new]
    fn new(currency: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyTrialBalance { inner: TrialBalance::new(currency_from_py(currency)?) })
    }

    /// Adds postings (from `Wallet.postings()`).
    fn add(&mut self, py: Python<'_>, postings: Vec<PyRef<'_, PyPosting>>) -> PyResult<()> {
        for p in &postings {
            self.inner.push(&p.inner).py(py)?;
        }
        Ok(())
    }

    /// Posts a wallet's whole ledger into the books.
    fn add_wallet(&mut self, py: Python<'_>, wallet: PyRef<'_, PyWallet>) -> PyResult<()> {
        for p in post_ledger(wallet.inner.id(), wallet.inner.ledger()).py(py)? {
            self.inner.push(&p).py(py)?;
        }
        Ok(())
    }

    /// Adds another trial balance (another partition of wallets) into this one.
    fn merge(&mut self, py: Python<'_>, other: PyRef<'_, PyTrialBalance>) -> PyResult<()> {
        self.inner.merge(&other.inner).py(py)
    }

    /// The balance of an account code (`"liability:refundable"`, `"revenue:<stand uuid>"`, ...).
    fn balance(&self, account: &str) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.balance(&account_arg(account)?)))
    }

    /// Every account with a posting: `{code: Money}` in account order.
    fn accounts(&self) -> BTreeMap<String, PyMoney> {
        self.inner.accounts().map(|(a, m)| (a.code(), PyMoney::wrap(*m))).collect()
    }

    /// Net revenue per stand (positive): `{UUID or None: Money}`; None is unattributed revenue.
    fn revenue_by_stand<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Option<Bound<'py, PyAny>>, PyMoney)>> {
        self.inner
            .revenue_by_stand()
            .into_iter()
            .map(|(s, m)| Ok((s.map(|s| uuid_to_py(py, &s)).transpose()?, PyMoney::wrap(m))))
            .collect()
    }

    /// The sum of every account (zero when the books balance).
    #[getter]
    fn total(&self, py: Python<'_>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.total().map_err(festival_core::Error::from).py(py)?))
    }

    /// Whether every account summed is zero.
    #[getter]
    fn is_balanced(&self) -> bool {
        self.inner.is_balanced()
    }

    #[getter]
    fn currency(&self) -> String {
        self.inner.currency().to_string()
    }

    /// `{"currency", "balanced", "accounts": {code: "<signed decimal>"}}` as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    fn __repr__(&self) -> String {
        format!(
            "TrialBalance(currency='{}', accounts={}, balanced={})",
            self.inner.currency(),
            self.inner.accounts().count(),
            self.inner.is_balanced()
        )
    }
}
