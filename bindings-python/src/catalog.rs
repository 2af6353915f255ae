//! Stand product catalogs (`festival_core::catalog`): `ProductCatalog`, `Product`, `VoucherPrice`,
//! `SignedCatalog`, `Basket`, `DepositCharge`, and the payment `LineItem` a basket hands to
//! `Wallet.pay`. Named `ProductCatalog` because `Catalog` is the ticket shop's catalog (carts).
//!
//! Thin: validation, pricing, signing and every check are the core's; this module converts
//! arguments (Decimal rates, `Money`, `bytes`, age classes as strings) and results.

use crate::convert::{bytes_from_py, currency_from_py, decimal_from_py, decimal_to_py, uuid_from_py, uuid_to_py};
use crate::errors::{type_err, CoreResult};
use crate::money::{money_arg, tax_breakdown_to_py, PyMoney, PyTaxBreakdown};
use crate::offline::seed_arg;
use crate::wallet::{enum_arg, enum_str};
use festival_core::catalog::{
    AgeClass, Basket, BasketLine, Catalog, DepositCharge, LineKind, Product, ProductKind, SignedCatalog, VoucherPrice,
};
use festival_core::money::tax::TaxRounding;
use festival_core::offline::OfflineError;
use festival_core::wallet::LineItem;
use festival_core::InputError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

const AGE_CLASSES: &str = "'under_16', '16_17', 'adult'";

/// An age class name (`under_16`, `16_17`, `adult`) or `None` (unknown: counts as under 16).
pub(crate) fn age_class_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<AgeClass>> {
    match obj {
        Some(o) if !o.is_none() => {
            let s =
                o.cast::<PyString>().map_err(|_| type_err("age_class", &format!("one of {AGE_CLASSES} or None"), o))?;
            let text: String = s.extract()?;
            AgeClass::parse(&text).map(Some).ok_or_else(|| {
                PyValueError::new_err(format!("age_class must be one of {AGE_CLASSES} or None, got {text:?}"))
            })
        }
        _ => Ok(None),
    }
}

fn public_key_arg(obj: &Bound<'_, PyAny>) -> PyResult<[u8; 32]> {
    let v = bytes_from_py("public_key", obj)?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| OfflineError::InvalidKey { reason: format!("public_key: expected 32 bytes, got {}", v.len()) })
        .py(obj.py())
}

fn json_err(e: serde_json::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A price in count-vouchers: `count` vouchers of `voucher_type` per unit.
#[pyclass(frozen, get_all, eq, module = "festival_core", name = "VoucherPrice")]
#[derive(Clone, PartialEq)]
pub struct PyVoucherPrice {
    voucher_type: String,
    count: u32,
}

impl PyVoucherPrice {
    fn from(v: &VoucherPrice) -> Self {
        PyVoucherPrice { voucher_type: v.voucher_type.clone(), count: v.count }
    }
    fn core(&self) -> VoucherPrice {
        VoucherPrice { voucher_type: self.voucher_type.clone(), count: self.count }
    }
}

#[pymethods]
impl PyVoucherPrice {
    /// `VoucherPrice(voucher_type, count)`, e.g. `VoucherPrice("helper_drink", 1)`.
    #[new]
    fn new(voucher_type: String, count: u32) -> Self {
        PyVoucherPrice { voucher_type, count }
    }
    fn __repr__(&self) -> String {
        format!("VoucherPrice(voucher_type='{}', count={})", self.voucher_type, self.count)
    }
}

/// A `VoucherPrice` or a `(voucher_type, count)` tuple.
fn voucher_price_arg(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<VoucherPrice> {
    if let Ok(v) = obj.cast::<PyVoucherPrice>() {
        return Ok(v.get().core());
    }
    let (voucher_type, count): (String, u32) = obj
        .extract()
        .map_err(|_| type_err(field, "festival_core.VoucherPrice or a (voucher_type, count) tuple", obj))?;
    Ok(VoucherPrice { voucher_type, count })
}

/// One product of a catalog.
#[pyclass(frozen, eq, module = "festival_core", name = "Product")]
#[derive(Clone, PartialEq)]
pub struct PyProduct {
    inner: Product,
}

#[pymethods]
impl PyProduct {
    /// `Product(id, name, price, vat_rate, kind="goods", min_age=None, deposit=None,
    /// voucher_price=None)`: `price` a `Money`, `vat_rate` a percent (`Decimal`/`int`/`str`),
    /// `kind` `goods` or `deposit`, `deposit` the id of the deposit product added per unit,
    /// `voucher_price` a `VoucherPrice` or `(voucher_type, count)`. Checked by `ProductCatalog`.
    #[new]
    #[pyo3(signature = (id, name, price, vat_rate, kind = "goods", min_age = None, deposit = None, voucher_price = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: String,
        name: String,
        price: &Bound<'_, PyAny>,
        vat_rate: &Bound<'_, PyAny>,
        kind: &str,
        min_age: Option<u8>,
        deposit: Option<String>,
        voucher_price: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let voucher_price = match voucher_price {
            Some(v) if !v.is_none() => Some(voucher_price_arg("voucher_price", v)?),
            _ => None,
        };
        Ok(PyProduct {
            inner: Product {
                id,
                name,
                price: money_arg("price", price)?,
                vat_rate: decimal_from_py("vat_rate", vat_rate)?,
                min_age,
                deposit,
                voucher_price,
                kind: enum_arg::<ProductKind>("kind", kind, "'goods', 'deposit'")?,
            },
        })
    }
    /// The product id (the `sku` of the payment lines that sell it).
    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    /// Gross unit price.
    #[getter]
    fn price(&self) -> PyMoney {
        PyMoney::wrap(self.inner.price)
    }
    /// VAT rate in percent (`Decimal`).
    #[getter]
    fn vat_rate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.inner.vat_rate)
    }
    /// `goods` or `deposit`.
    #[getter]
    fn kind(&self) -> String {
        enum_str(&self.inner.kind)
    }
    #[getter]
    fn min_age(&self) -> Option<u8> {
        self.inner.min_age
    }
    /// The linked deposit product id.
    #[getter]
    fn deposit(&self) -> Option<String> {
        self.inner.deposit.clone()
    }
    #[getter]
    fn voucher_price(&self) -> Option<PyVoucherPrice> {
        self.inner.voucher_price.as_ref().map(PyVoucherPrice::from)
    }
    fn __repr__(&self) -> String {
        format!(
            "Product(id='{}', name='{}', price={}, vat_rate='{}', kind='{}')",
            self.inner.id,
            self.inner.name,
            crate::ticketing::money_repr(&self.inner.price),
            self.inner.vat_rate,
            enum_str(&self.inner.kind)
        )
    }
}

/// One payment line: `LineItem(sku, quantity, unit_price, kind="sale")`, `kind` being `sale`,
/// `deposit` or a `VoucherPrice` (goods paid with vouchers; the unit price is then zero).
#[pyclass(frozen, eq, module = "festival_core", name = "LineItem")]
#[derive(Clone, PartialEq)]
pub struct PyLineItem {
    pub(crate) inner: LineItem,
}

fn line_kind_arg(obj: &Bound<'_, PyAny>) -> PyResult<LineKind> {
    if let Ok(v) = obj.cast::<PyVoucherPrice>() {
        return Ok(LineKind::Voucher(v.get().core()));
    }
    let s = obj.cast::<PyString>().map_err(|_| type_err("kind", "'sale', 'deposit' or a VoucherPrice", obj))?;
    match s.extract::<String>()?.as_str() {
        "sale" => Ok(LineKind::Sale),
        "deposit" => Ok(LineKind::Deposit),
        other => Err(PyValueError::new_err(format!("kind must be 'sale', 'deposit' or a VoucherPrice, got {other:?}"))),
    }
}

#[pymethods]
impl PyLineItem {
    #[new]
    #[pyo3(signature = (sku, quantity, unit_price, kind = None))]
    fn new(
        sku: String,
        quantity: u32,
        unit_price: &Bound<'_, PyAny>,
        kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let kind = match kind {
            Some(k) if !k.is_none() => line_kind_arg(k)?,
            _ => LineKind::Sale,
        };
        Ok(PyLineItem { inner: LineItem { sku, quantity, unit_price: money_arg("unit_price", unit_price)?, kind } })
    }
    #[getter]
    fn sku(&self) -> String {
        self.inner.sku.clone()
    }
    #[getter]
    fn quantity(&self) -> u32 {
        self.inner.quantity
    }
    #[getter]
    fn unit_price(&self) -> PyMoney {
        PyMoney::wrap(self.inner.unit_price)
    }
    /// `'sale'`, `'deposit'` or the `VoucherPrice` the line was paid with.
    #[getter]
    fn kind(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match &self.inner.kind {
            LineKind::Sale => PyString::new(py, "sale").into_any().unbind(),
            LineKind::Deposit => PyString::new(py, "deposit").into_any().unbind(),
            LineKind::Voucher(v) => Py::new(py, PyVoucherPrice::from(v))?.into_any(),
        })
    }
    fn __repr__(&self) -> String {
        let kind = match &self.inner.kind {
            LineKind::Sale => "'sale'".to_string(),
            LineKind::Deposit => "'deposit'".to_string(),
            LineKind::Voucher(v) => format!("VoucherPrice(voucher_type='{}', count={})", v.voucher_type, v.count),
        };
        format!(
            "LineItem(sku='{}', quantity={}, unit_price={}, kind={})",
            self.inner.sku,
            self.inner.quantity,
            crate::ticketing::money_repr(&self.inner.unit_price),
            kind
        )
    }
}

/// Payment lines: `LineItem` objects or `(sku, quantity, unit_price[, kind])` tuples.
pub(crate) fn line_items_arg(items: &Bound<'_, PyAny>) -> PyResult<Vec<LineItem>> {
    let what = "a sequence of LineItem or (sku, quantity, Money[, kind]) tuples";
    let mut out = Vec::new();
    for it in items.try_iter().map_err(|_| type_err("items", what, items))? {
        let it = it?;
        if let Ok(li) = it.cast::<PyLineItem>() {
            out.push(li.get().inner.clone());
            continue;
        }
        let t = it
            .cast::<PyTuple>()
            .map_err(|_| type_err("items[i]", "a LineItem or a (str, int, Money[, kind]) tuple", &it))?;
        let kind = match t.len() {
            3 => LineKind::Sale,
            4 => line_kind_arg(&t.get_item(3)?)?,
            _ => return Err(type_err("items[i]", "a LineItem or a (str, int, Money[, kind]) tuple", &it)),
        };
        let bad = || type_err("items[i]", "a (str, int, Money[, kind]) tuple", &it);
        let sku: String = t.get_item(0)?.extract().map_err(|_| bad())?;
        let quantity: u32 = t.get_item(1)?.extract().map_err(|_| bad())?;
        out.push(LineItem { sku, quantity, unit_price: money_arg("unit_price", &t.get_item(2)?)?, kind });
    }
    Ok(out)
}

/// Basket lines: `(product, quantity)` or `(product, quantity, pay_with_vouchers)` tuples.
fn basket_lines_arg(lines: &Bound<'_, PyAny>) -> PyResult<Vec<BasketLine>> {
    let what = "a (product, quantity[, pay_with_vouchers]) tuple";
    let mut out = Vec::new();
    for l in lines
        .try_iter()
        .map_err(|_| type_err("lines", "a sequence of (product, quantity[, pay_with_vouchers])", lines))?
    {
        let l = l?;
        let line = if let Ok((product, quantity)) = l.extract::<(String, u32)>() {
            BasketLine::new(product, quantity)
        } else if let Ok((product, quantity, vouchers)) = l.extract::<(String, u32, bool)>() {
            BasketLine { product, quantity, pay_with_vouchers: vouchers }
        } else {
            return Err(type_err("lines[i]", what, &l));
        };
        out.push(line);
    }
    Ok(out)
}

/// The deposit of one deposit product in a basket: units and `quantity × price`.
#[pyclass(frozen, get_all, module = "festival_core", name = "DepositCharge")]
#[derive(Clone)]
pub struct PyDepositCharge {
    product: String,
    quantity: u32,
    amount: PyMoney,
}

impl PyDepositCharge {
    fn from(d: &DepositCharge) -> Self {
        PyDepositCharge { product: d.product.clone(), quantity: d.quantity, amount: PyMoney::wrap(d.amount) }
    }
}

#[pymethods]
impl PyDepositCharge {
    fn __repr__(&self) -> String {
        format!(
            "DepositCharge(product='{}', quantity={}, amount={})",
            self.product,
            self.quantity,
            crate::ticketing::money_repr(&self.amount.inner)
        )
    }
}

/// A priced basket (`ProductCatalog.expand`): `items` go straight to `Wallet.pay`, with
/// `catalog_version`; `total = goods_total + deposit_total`.
#[pyclass(frozen, module = "festival_core", name = "Basket")]
pub struct PyBasket {
    inner: Basket,
}

#[pymethods]
impl PyBasket {
    /// The catalog version to pass as `Wallet.pay(..., catalog_version=)`.
    #[getter]
    fn catalog_version(&self) -> u32 {
        self.inner.catalog_version
    }
    /// The payment lines: goods first, then one deposit line per deposit product.
    #[getter]
    fn items(&self) -> Vec<PyLineItem> {
        self.inner.items.iter().map(|i| PyLineItem { inner: i.clone() }).collect()
    }
    /// Goods paid in money (gross revenue).
    #[getter]
    fn goods_total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.goods_total)
    }
    /// Deposits charged (a liability, no VAT).
    #[getter]
    fn deposit_total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.deposit_total)
    }
    /// What the wallet pays in money.
    #[getter]
    fn total(&self) -> PyMoney {
        PyMoney::wrap(self.inner.total)
    }
    /// Deposits per deposit product.
    #[getter]
    fn deposits(&self) -> Vec<PyDepositCharge> {
        self.inner.deposits.iter().map(PyDepositCharge::from).collect()
    }
    /// Vouchers needed per voucher type (`{voucher_type: count}`, sorted by type).
    #[getter]
    fn vouchers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for v in &self.inner.vouchers {
            d.set_item(&v.voucher_type, v.count)?;
        }
        Ok(d)
    }
    /// VAT of the goods paid in money (`None` when there are none).
    #[getter]
    fn vat(&self, py: Python<'_>) -> PyResult<Option<PyTaxBreakdown>> {
        self.inner.vat.as_ref().map(|b| tax_breakdown_to_py(py, b)).transpose()
    }
    fn __repr__(&self) -> String {
        format!(
            "Basket(catalog_version={}, items=<{} lines>, goods_total={}, deposit_total={}, total={})",
            self.inner.catalog_version,
            self.inner.items.len(),
            crate::ticketing::money_repr(&self.inner.goods_total),
            crate::ticketing::money_repr(&self.inner.deposit_total),
            crate::ticketing::money_repr(&self.inner.total)
        )
    }
}

/// A stand's versioned product catalog (prices, VAT rates, deposits, voucher prices, minimum
/// ages), always valid. Sign it for offline devices; check payments against it.
#[pyclass(frozen, eq, module = "festival_core", name = "ProductCatalog")]
#[derive(Clone, PartialEq)]
pub struct PyProductCatalog {
    pub(crate) inner: Catalog,
}

#[pymethods]
impl PyProductCatalog {
    /// `ProductCatalog(festival_id, version, currency, products)`; raises `WalletError`
    /// (`CATALOG_INVALID`, `CATALOG_INVALID_PRODUCT`, `CATALOG_DUPLICATE_PRODUCT`,
    /// `CATALOG_CURRENCY_MISMATCH`, `CATALOG_INVALID_DEPOSIT_LINK`).
    #[new]
    fn new(
        py: Python<'_>,
        festival_id: &Bound<'_, PyAny>,
        version: u32,
        currency: &Bound<'_, PyAny>,
        products: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let mut ps = Vec::new();
        for p in
            products.try_iter().map_err(|_| type_err("products", "a sequence of festival_core.Product", products))?
        {
            let p = p?;
            let p = p.cast::<PyProduct>().map_err(|_| type_err("products[i]", "festival_core.Product", &p))?;
            ps.push(p.get().inner.clone());
        }
        let c = Catalog::new(uuid_from_py("festival_id", festival_id)?, version, currency_from_py(currency)?, ps)
            .map_err(festival_core::wallet::WalletError::from)
            .py(py)?;
        Ok(PyProductCatalog { inner: c })
    }
    /// Reads the core JSON (`InputError` for another shape, `WalletError` `CATALOG_*` otherwise).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyProductCatalog> {
        Ok(PyProductCatalog { inner: Catalog::from_json(text).py(py)? })
    }
    /// The core JSON (snake_case keys, products sorted by id).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(json_err)
    }
    #[getter]
    fn festival_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.festival_id())
    }
    #[getter]
    fn version(&self) -> u32 {
        self.inner.version()
    }
    #[getter]
    fn currency(&self) -> String {
        self.inner.currency().to_string()
    }
    /// The products, sorted by id.
    #[getter]
    fn products(&self) -> Vec<PyProduct> {
        self.inner.products().iter().map(|p| PyProduct { inner: p.clone() }).collect()
    }
    /// The product with this id, or `None`.
    fn product(&self, id: &str) -> Option<PyProduct> {
        self.inner.product(id).map(|p| PyProduct { inner: p.clone() })
    }
    /// The canonical encoding that is signed.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.encode())
    }
    /// Signs with the organizer's 32-byte seed (`OfflineError` `OFFLINE_INVALID_KEY` for
    /// another length).
    fn sign(&self, seed: &Bound<'_, PyAny>) -> PyResult<PySignedCatalog> {
        Ok(PySignedCatalog { inner: self.inner.sign(&seed_arg(seed)?) })
    }
    /// Prices a basket of `(product, quantity[, pay_with_vouchers])` lines; `rounding` is the
    /// VAT rounding (`per_line`, `sum_by_net`, `sum_by_net_keep_gross`).
    #[pyo3(signature = (lines, rounding = "per_line"))]
    fn expand(&self, py: Python<'_>, lines: &Bound<'_, PyAny>, rounding: &str) -> PyResult<PyBasket> {
        let rounding: TaxRounding = crate::money::tax_rounding_arg(rounding)?;
        let lines = basket_lines_arg(lines)?;
        Ok(PyBasket { inner: self.inner.expand(&lines, rounding).py(py)? })
    }
    /// Checks payment lines against the catalog (version, products, kinds, prices, deposits);
    /// raises `WalletError` (`CATALOG_VERSION_MISMATCH`, `CATALOG_PRICE_MISMATCH`, ...).
    #[pyo3(signature = (items, catalog_version = None))]
    fn check_payment(&self, py: Python<'_>, items: &Bound<'_, PyAny>, catalog_version: Option<u32>) -> PyResult<()> {
        let items = line_items_arg(items)?;
        self.inner.check_payment(&items, catalog_version).map_err(festival_core::wallet::WalletError::from).py(py)
    }
    /// Refuses a line above the age class (`under_16`, `16_17`, `adult`; `None` = unknown,
    /// counts as under 16): `WalletError` `CATALOG_AGE_RESTRICTED`.
    fn check_age(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        age_class: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let items = line_items_arg(items)?;
        let age = age_class_arg(age_class)?;
        self.inner.check_age(&items, age).map_err(festival_core::wallet::WalletError::from).py(py)
    }
    /// Checks a cup return: a deposit product and `amount == quantity × price`.
    fn check_deposit_return(
        &self,
        py: Python<'_>,
        product: &str,
        quantity: u32,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let amount = money_arg("amount", amount)?;
        self.inner
            .check_deposit_return(product, quantity, &amount)
            .map_err(festival_core::wallet::WalletError::from)
            .py(py)
    }
    fn __len__(&self) -> usize {
        self.inner.products().len()
    }
    fn __repr__(&self) -> String {
        format!(
            "ProductCatalog(festival_id=UUID('{}'), version={}, currency='{}', products=<{}>)",
            self.inner.festival_id(),
            self.inner.version(),
            self.inner.currency(),
            self.inner.products().len()
        )
    }
}

/// A catalog with the organizer's Ed25519 signature; `verify(public_key)` returns the catalog.
#[pyclass(frozen, eq, module = "festival_core", name = "SignedCatalog")]
#[derive(Clone, PartialEq)]
pub struct PySignedCatalog {
    inner: SignedCatalog,
}

/// A `ProductCatalog` argument (`TypeError` naming `field` for anything else).
pub(crate) fn catalog_arg<'a, 'py>(
    field: &str,
    obj: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, PyProductCatalog>> {
    obj.cast::<PyProductCatalog>().map_err(|_| type_err(field, "festival_core.ProductCatalog", obj))
}

#[pymethods]
impl PySignedCatalog {
    /// `SignedCatalog(catalog, signature)` from a `ProductCatalog` and 64 signature bytes.
    #[new]
    fn new(py: Python<'_>, catalog: &Bound<'_, PyAny>, signature: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c = catalog_arg("catalog", catalog)?;
        let sig = bytes_from_py("signature", signature)?;
        let signature = <[u8; 64]>::try_from(sig.as_slice())
            .map_err(|_| InputError::invalid("signature", format!("expected 64 bytes, got {}", sig.len())))
            .py(py)?;
        Ok(PySignedCatalog { inner: SignedCatalog { catalog: c.get().inner.clone(), signature } })
    }
    /// Reads `{"catalog": {...}, "signature": "<hex>"}` (does not verify).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PySignedCatalog> {
        Ok(PySignedCatalog { inner: SignedCatalog::from_json(text).py(py)? })
    }
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(json_err)
    }
    /// The catalog as signed (not yet verified).
    #[getter]
    fn catalog(&self) -> PyProductCatalog {
        PyProductCatalog { inner: self.inner.catalog.clone() }
    }
    /// The 64-byte signature.
    #[getter]
    fn signature<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.signature)
    }
    /// Verifies under the organizer's 32-byte public key and returns the catalog; raises
    /// `WalletError` `CATALOG_BAD_SIGNATURE` or `OfflineError` `OFFLINE_INVALID_KEY`.
    fn verify(&self, py: Python<'_>, public_key: &Bound<'_, PyAny>) -> PyResult<PyProductCatalog> {
        let pk = public_key_arg(public_key)?;
        Ok(PyProductCatalog { inner: self.inner.verify(&pk).py(py)?.clone() })
    }
    fn __repr__(&self) -> String {
        format!(
            "SignedCatalog(version={}, products=<{}>)",
            self.inner.catalog.version(),
            self.inner.catalog.products().len()
        )
    }
}
