//! Python bindings for festival-core (PyO3, abi3-py39): the extension module
//! `festival_core._native`, re-exported by the pure-Python package `festival_core`.
//!
//! Thin by design: every rule lives in festival-core; this crate converts Python values
//! (`decimal.Decimal`, aware `datetime`, `uuid.UUID`, `bytes`, Arrow data) and maps core errors to
//! the exception hierarchy of `festival_core._errors`. No panic crosses: nothing here unwraps.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod checkin;
mod analytics;
mod carts;
mod catalog;
mod till;
mod codes;
mod convert;
mod errors;
mod money;
mod offline;
mod postings;
mod reconcile;
mod ticketing;
mod wallet;

use errors::CoreResult;
use pyo3::prelude::*;

/// Runs a language-neutral conformance operation (`tests/vectors/*.json`) on JSON text and returns
/// the output as JSON text. Errors raise the family exception with the core's `.code`.
#[pyfunction]
fn conformance_execute(py: Python<'_>, op: &str, input_json: &str) -> PyResult<String> {
    let (op, input) = (op.to_owned(), input_json.to_owned());
    py.detach(move || festival_core::conformance::execute_json(&op, &input)).py(py)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(conformance_execute, m)?)?;
    m.add_class::<money::PyMoney>()?;
    m.add_class::<money::PyTaxAmounts>()?;
    m.add_class::<money::PyRateTotal>()?;
    m.add_class::<money::PyTaxBreakdown>()?;
    m.add_function(wrap_pyfunction!(money::allocate, m)?)?;
    m.add_function(wrap_pyfunction!(money::split, m)?)?;
    m.add_function(wrap_pyfunction!(money::compute_tax, m)?)?;
    m.add_class::<analytics::PyAnalytics>()?;
    m.add_class::<analytics::ResultTable>()?;
    m.add_function(wrap_pyfunction!(analytics::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(offline::verify_signature, m)?)?;
    m.add_function(wrap_pyfunction!(offline::public_key_from_seed, m)?)?;
    m.add_function(wrap_pyfunction!(offline::sign, m)?)?;
    m.add_function(wrap_pyfunction!(analytics::analyze_wallets, m)?)?;
    m.add_class::<wallet::PyWallet>()?;
    m.add_class::<wallet::PyOutcome>()?;
    m.add_class::<wallet::PyBalances>()?;
    m.add_class::<wallet::PyDepositTotals>()?;
    m.add_class::<wallet::PyVoucherTotals>()?;
    m.add_class::<catalog::PyVoucherPrice>()?;
    m.add_class::<catalog::PyProduct>()?;
    m.add_class::<catalog::PyLineItem>()?;
    m.add_class::<catalog::PyDepositCharge>()?;
    m.add_class::<catalog::PyBasket>()?;
    m.add_class::<catalog::PyProductCatalog>()?;
    m.add_class::<catalog::PySignedCatalog>()?;
    m.add_class::<postings::PyPosting>()?;
    m.add_class::<postings::PyLeg>()?;
    m.add_class::<postings::PyTrialBalance>()?;
    m.add_class::<ticketing::PyInventory>()?;
    m.add_class::<ticketing::PyHold>()?;
    m.add_function(wrap_pyfunction!(analytics::analyze_reconcile_reports, m)?)?;
    m.add_class::<ticketing::PyTicketType>()?;
    m.add_class::<ticketing::PyPromoCode>()?;
    m.add_class::<ticketing::PyPricedLine>()?;
    m.add_class::<ticketing::PyPriceBreakdown>()?;
    m.add_function(wrap_pyfunction!(ticketing::price_order, m)?)?;
    m.add_class::<ticketing::PyTicket>()?;
    m.add_class::<ticketing::PyTicketBook>()?;
    m.add_class::<ticketing::PyOrder>()?;
    m.add_class::<carts::PyCartLine>()?;
    m.add_class::<carts::PyCartConfig>()?;
    m.add_class::<carts::PyAddOn>()?;
    m.add_class::<carts::PyCatalog>()?;
    m.add_class::<carts::PyQuota>()?;
    m.add_class::<carts::PyPricedCartLine>()?;
    m.add_class::<carts::PyCartBreakdown>()?;
    m.add_class::<carts::PyQuotaHold>()?;
    m.add_class::<carts::PyQuotaBook>()?;
    m.add_class::<carts::PyLineRefund>()?;
    m.add_class::<carts::PyCartOrder>()?;
    m.add_function(wrap_pyfunction!(carts::price_cart, m)?)?;
    m.add_class::<access::PyZone>()?;
    m.add_class::<access::PyAccessControl>()?;
    m.add_class::<access::PyDecision>()?;
    m.add_class::<access::PyScanOutcome>()?;
    m.add_class::<access::PyZoneOccupancy>()?;
    m.add_class::<access::PyCapacityAlert>()?;
    m.add_class::<checkin::PyCheckinPolicy>()?;
    m.add_class::<checkin::PyPolicyDecision>()?;
    m.add_class::<checkin::PyFestivalCalendar>()?;
    m.add_class::<checkin::PyScanFactOutcome>()?;
    m.add_function(wrap_pyfunction!(checkin::scan_stats, m)?)?;
    m.add_class::<till::PyTillSession>()?;
    m.add_class::<till::PyTillZReport>()?;
    m.add_function(wrap_pyfunction!(till::verify_till_closing, m)?)?;
    m.add_function(wrap_pyfunction!(till::till_z_report, m)?)?;
    m.add_class::<offline::PyPayload>()?;
    m.add_class::<offline::PyRecordBody>()?;
    m.add_class::<offline::PySignedRecord>()?;
    m.add_function(wrap_pyfunction!(offline::encode_batch, m)?)?;
    m.add_function(wrap_pyfunction!(offline::decode_batch, m)?)?;
    m.add_class::<offline::PyDeviceSigner>()?;
    m.add_class::<offline::PyDeviceLog>()?;
    m.add_class::<reconcile::PyDeviceEntry>()?;
    m.add_class::<reconcile::PyDeviceRegistry>()?;
    m.add_class::<reconcile::PyReconcileConfig>()?;
    m.add_class::<reconcile::PyReconcileState>()?;
    m.add_class::<reconcile::PyRecordOutcome>()?;
    m.add_class::<reconcile::PyAlert>()?;
    m.add_class::<reconcile::PyReconcileReport>()?;
    m.add_class::<reconcile::PyRevision>()?;
    m.add_function(wrap_pyfunction!(reconcile::reconcile, m)?)?;
    m.add_class::<reconcile::PyChainCheck>()?;
    m.add_class::<reconcile::PyChainReport>()?;
    m.add_function(wrap_pyfunction!(reconcile::verify_chain, m)?)?;
    m.add_class::<codes::PyIssuerKey>()?;
    m.add_class::<codes::PyKeySet>()?;
    m.add_class::<codes::PyTicketClaims>()?;
    m.add_function(wrap_pyfunction!(codes::issue_ticket_code, m)?)?;
    m.add_function(wrap_pyfunction!(codes::decode_ticket_code, m)?)?;
    m.add_function(wrap_pyfunction!(codes::verify_ticket_code, m)?)?;
    m.add_class::<codes::PyRevocationList>()?;
    m.add_class::<codes::PyRevocationStore>()?;
    Ok(())
}
