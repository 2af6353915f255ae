//! Product catalogs for stands (issue #15): versioned, signed for offline devices, with deposits
//! (Pfand), prices in count-vouchers and minimum ages.
//!
//! # Model
//! * A [`Catalog`] is one festival's price list in one currency, with a `version` that only
//!   increases when prices change. Its products ([`Product`]) have an id — the `sku` of the
//!   payment line items that sell it — a name, a gross price, a VAT rate in percent (as
//!   [`crate::money::tax`] uses it), optionally a minimum age, a linked deposit product and a
//!   price in vouchers. Products are kept sorted by id. Products sold by offline devices need ids
//!   that are UUID strings (lower case, hyphenated): offline records carry 16-byte product ids.
//! * **Deposits** are products of kind `deposit`. Selling a product with a linked deposit adds
//!   one deposit unit per unit sold ([`Catalog::expand`]). A deposit is a liability of the
//!   festival (it owes the money back for the cup), not revenue: deposit lines are marked
//!   [`LineKind::Deposit`], the wallet counts them per deposit product
//!   ([`crate::wallet::Wallet::deposits`]) and analytics report them apart from revenue. The
//!   catalog treats a deposit as a non-taxable security for a lent cup: deposit products must
//!   have VAT rate 0 and the basket's VAT breakdown covers goods only. (Whether that holds for a
//!   festival is its tax adviser's call: German practice taxes packaging deposits together with
//!   the drink when the container is sold with it; this model does not do that.)
//! * **Vouchers** are counted, not money: a product may have a [`VoucherPrice`] (for example one
//!   `helper_drink`), and a line paid with vouchers carries [`LineKind::Voucher`] with a unit
//!   price of zero. Its deposit is still charged in money.
//! * **Age**: a product's `min_age` is checked against the customer's [`AgeClass`]
//!   ([`Catalog::check_age`]); `None` (no verified age) counts as under 16.
//!
//! # Signing
//! [`Catalog::sign`] signs the canonical encoding ([`Catalog::encode`], below) with an organizer
//! key (Ed25519, [`crate::offline::crypto`]); devices check it with [`SignedCatalog::verify`].
//! The signature covers `b"festival-core/catalog/v1" || encoding`. Encoding (big-endian, one
//! encoding per catalog): magic `FCC`, version `1`, festival id (16), catalog version (u32),
//! currency (u8 length + text), product count (u32), then per product in id order: id (u8 length
//! + UTF-8), name (u16 length + UTF-8), price (u64 minor units), VAT rate (u8 length + the
//! normalized decimal text, `19`, `7`, `0`), kind (u8: 0 goods, 1 deposit), min age (u8 flag + u8),
//! deposit (u8 flag + u8 length + id), voucher price (u8 flag + u8 length + type + u32 count).
//!
//! # JSON
//! ```json
//! {"festival_id": "…", "version": 3, "currency": "EUR", "products": [
//!   {"id": "beer", "name": "Beer 0.5 l", "price": {"amount": "5.00", "currency": "EUR"},
//!    "vat_rate": "19", "min_age": 16, "deposit": "cup", "voucher_price": {"voucher_type":
//!    "helper_drink", "count": 1}},
//!   {"id": "cup", "name": "Cup deposit", "price": {"amount": "2.00", "currency": "EUR"},
//!    "vat_rate": "0", "kind": "deposit"}]}
//! ```
//! `kind` defaults to `goods`; `min_age`, `deposit` and `voucher_price` are left out when absent.
//! A [`SignedCatalog`] is `{"catalog": {...}, "signature": "<128 hex digits>"}`.
//!
//! ```
//! use festival_core::catalog::{BasketLine, Catalog, Product};
//! use festival_core::money::{parse_decimal, tax::TaxRounding};
//! use festival_core::{Currency, Money};
//! use uuid::Uuid;
//!
//! let eur = Currency::iso("EUR")?;
//! let beer = Product::goods("beer", "Beer 0.5 l", Money::parse("5.00", eur)?, parse_decimal("19")?)
//!     .with_deposit("cup").with_min_age(16);
//! let cup = Product::deposit("cup", "Cup deposit", Money::parse("2.00", eur)?);
//! let catalog = Catalog::new(Uuid::from_u128(1), 3, eur, vec![beer, cup])?;
//! let basket = catalog.expand(&[BasketLine::new("beer", 2)], TaxRounding::PerLine)?;
//! assert_eq!(basket.goods_total.to_string(), "10.00 EUR");
//! assert_eq!(basket.deposit_total.to_string(), "4.00 EUR");
//! assert_eq!(basket.total.to_string(), "14.00 EUR");
//! // The lines to charge pass the catalog's own check; a tampered price does not.
//! catalog.check_payment(&basket.items, Some(3))?;
//! let mut tampered = basket.items.clone();
//! tampered[0].unit_price = Money::parse("0.50", eur)?;
//! let err = catalog.check_payment(&tampered, Some(3)).unwrap_err();
//! assert_eq!(festival_core::ErrorCode::code(&err), "CATALOG_PRICE_MISMATCH");
//! # Ok::<(), festival_core::Error>(())
//! ```

mod error;

#[cfg(test)]
mod tests;

pub use crate::wallet::{AgeClass, LineKind, VoucherPrice};
pub use error::CatalogError;

use crate::money::tax::{compute_tax, PriceBasis, TaxBreakdown, TaxLine, TaxRounding};
use crate::money::{Currency, Money, RoundingMode};
use crate::offline::wire::Writer;
use crate::wallet::LineItem;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Domain separation prefix of a catalog signature.
pub const CATALOG_DOMAIN: &[u8] = b"festival-core/catalog/v1";
const CATALOG_MAGIC: &[u8; 3] = b"FCC";
const CATALOG_ENCODING_VERSION: u8 = 1;
/// Most products in one catalog.
pub const MAX_PRODUCTS: usize = 10_000;
/// Longest product id / voucher type (characters), as for a line item's sku.
pub const MAX_ID: usize = 64;
/// Longest product name (characters).
pub const MAX_NAME: usize = 256;
/// Most lines in one basket.
pub const MAX_BASKET_LINES: usize = 1000;

/// Whether a product is sold as goods or is a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Goods: revenue, with VAT.
    #[default]
    Goods,
    /// A deposit (Pfand): a refundable liability, VAT rate 0.
    Deposit,
}

impl ProductKind {
    fn is_goods(&self) -> bool {
        *self == ProductKind::Goods
    }
}

/// One product of a [`Catalog`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The product id: the `sku` of the payment lines that sell it (1..=64 characters).
    pub id: String,
    /// Display name (1..=256 characters).
    pub name: String,
    /// Gross unit price (zero or more, in the catalog's currency; positive for deposits).
    pub price: Money,
    /// VAT rate in percent (`19`, `7`, `0`), `0..=100`; 0 for deposits.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
    /// Minimum age (for example 16 for beer and wine, 18 for spirits in Germany).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u8>,
    /// The deposit product added per unit sold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit: Option<String>,
    /// The price in count-vouchers, if the product may be paid with vouchers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_price: Option<VoucherPrice>,
    /// Goods or deposit.
    #[serde(default, skip_serializing_if = "ProductKind::is_goods")]
    pub kind: ProductKind,
}

impl Product {
    /// A goods product without age limit, deposit or voucher price.
    pub fn goods(id: impl Into<String>, name: impl Into<String>, price: Money, vat_rate: Decimal) -> Product {
        Product {
            id: id.into(),
            name: name.into(),
            price,
            vat_rate,
            min_age: None,
            deposit: None,
            voucher_price: None,
            kind: ProductKind::Goods,
        }
    }

    /// A deposit product (VAT rate 0).
    pub fn deposit(id: impl Into<String>, name: impl Into<String>, price: Money) -> Product {
        Product { kind: ProductKind::Deposit, ..Product::goods(id, name, price, Decimal::ZERO) }
    }

    /// With a linked deposit product.
    pub fn with_deposit(mut self, deposit: impl Into<String>) -> Product {
        self.deposit = Some(deposit.into());
        self
    }

    /// With a minimum age.
    pub fn with_min_age(mut self, min_age: u8) -> Product {
        self.min_age = Some(min_age);
        self
    }

    /// With a price in vouchers.
    pub fn with_voucher_price(mut self, voucher_type: impl Into<String>, count: u32) -> Product {
        self.voucher_price = Some(VoucherPrice { voucher_type: voucher_type.into(), count });
        self
    }
}

/// A versioned product catalog (see the module docs). Always valid: built by [`Catalog::new`]
/// (or read from JSON, which validates the same way); products sorted by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CatalogRepr")]
pub struct Catalog {
    festival_id: Uuid,
    version: u32,
    currency: Currency,
    products: Vec<Product>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogRepr {
    festival_id: Uuid,
    version: u32,
    currency: Currency,
    products: Vec<Product>,
}

impl TryFrom<CatalogRepr> for Catalog {
    type Error = CatalogError;
    fn try_from(r: CatalogRepr) -> Result<Self, Self::Error> {
        Catalog::new(r.festival_id, r.version, r.currency, r.products)
    }
}

/// An amount as a decimal string, with its currency appended when it is not `currency`.
fn amount_text(m: &Money, currency: Currency) -> String {
    if m.currency() == currency {
        m.amount_string()
    } else {
        m.to_string()
    }
}

fn check_text(product: &str, field: &str, text: &str, max: usize) -> Result<(), CatalogError> {
    let n = text.chars().count();
    if text.trim().is_empty() || n > max {
        return Err(CatalogError::InvalidProduct {
            product: product.chars().take(MAX_ID).collect(),
            reason: format!("{field} must be 1..={max} characters"),
        });
    }
    Ok(())
}

impl Catalog {
    /// Validates and builds a catalog (products sorted by id). Errors: `CATALOG_INVALID` (no
    /// products, more than [`MAX_PRODUCTS`]), `CATALOG_INVALID_PRODUCT`,
    /// `CATALOG_DUPLICATE_PRODUCT`, `CATALOG_CURRENCY_MISMATCH`, `CATALOG_INVALID_DEPOSIT_LINK`.
    pub fn new(
        festival_id: Uuid,
        version: u32,
        currency: Currency,
        mut products: Vec<Product>,
    ) -> Result<Catalog, CatalogError> {
        if products.is_empty() {
            return Err(CatalogError::Invalid { reason: "a catalog needs at least one product".into() });
        }
        if products.len() > MAX_PRODUCTS {
            return Err(CatalogError::Invalid { reason: format!("more than {MAX_PRODUCTS} products") });
        }
        for p in &products {
            check_text(&p.id, "id", &p.id, MAX_ID)?;
            check_text(&p.id, "name", &p.name, MAX_NAME)?;
            let bad = |reason: &str| CatalogError::InvalidProduct { product: p.id.clone(), reason: reason.into() };
            if p.price.currency() != currency {
                return Err(CatalogError::CurrencyMismatch {
                    product: p.id.clone(),
                    expected: currency.to_string(),
                    actual: p.price.currency().to_string(),
                });
            }
            if p.price.is_negative() {
                return Err(bad("price must not be negative"));
            }
            if u64::try_from(p.price.minor_units()).is_err() {
                return Err(bad("price is too large"));
            }
            if p.vat_rate.is_sign_negative() && !p.vat_rate.is_zero() || p.vat_rate > Decimal::ONE_HUNDRED {
                return Err(bad("VAT rate must be within 0..=100 percent"));
            }
            if let Some(v) = &p.voucher_price {
                check_text(&p.id, "voucher type", &v.voucher_type, MAX_ID)?;
                if v.count == 0 {
                    return Err(bad("a voucher price must be at least one voucher"));
                }
            }
            if let Some(d) = &p.deposit {
                check_text(&p.id, "deposit", d, MAX_ID)?;
            }
            if p.kind == ProductKind::Deposit {
                if !p.price.is_positive() {
                    return Err(bad("a deposit must be positive"));
                }
                if !p.vat_rate.is_zero() {
                    return Err(bad("a deposit carries no VAT (rate 0)"));
                }
                if p.deposit.is_some() || p.min_age.is_some() || p.voucher_price.is_some() {
                    return Err(bad("a deposit has no deposit, minimum age or voucher price of its own"));
                }
            }
        }
        products.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = products.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(CatalogError::DuplicateProduct { product: w[0].id.clone() });
        }
        let c = Catalog { festival_id, version, currency, products };
        for p in &c.products {
            if let Some(d) = &p.deposit {
                let reason = match c.product(d) {
                    None => Some("no such product"),
                    Some(dp) if dp.kind != ProductKind::Deposit => Some("the linked product is not a deposit"),
                    Some(_) => None,
                };
                if let Some(reason) = reason {
                    return Err(CatalogError::InvalidDepositLink {
                        product: p.id.clone(),
                        deposit: d.clone(),
                        reason: reason.into(),
                    });
                }
            }
        }
        Ok(c)
    }

    /// The festival.
    pub fn festival_id(&self) -> Uuid {
        self.festival_id
    }

    /// The catalog version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The currency of every price.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The products, sorted by id.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The product with this id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.binary_search_by(|p| p.id.as_str().cmp(id)).ok().and_then(|i| self.products.get(i))
    }

    /// Reads a catalog from its JSON: a text that is not the catalog shape is `INPUT_INVALID`;
    /// a catalog that does not validate keeps its `CATALOG_*` code.
    pub fn from_json(text: &str) -> Result<Catalog, crate::Error> {
        let r: CatalogRepr =
            serde_json::from_str(text).map_err(|e| crate::error::InputError::invalid("catalog", e.to_string()))?;
        Ok(Catalog::try_from(r).map_err(crate::wallet::WalletError::from)?)
    }

    /// The canonical encoding that is signed (module docs).
    pub fn encode(&self) -> Vec<u8> {
        fn text8(out: &mut Vec<u8>, t: &str) {
            // Ids and types are at most 64 characters = 256 bytes of UTF-8; checked by `new`.
            let b = t.as_bytes();
            let b = b.get(..b.len().min(255)).unwrap_or_default();
            out.put_u8(b.len() as u8);
            out.extend_from_slice(b);
        }
        let mut out = Vec::new();
        out.extend_from_slice(CATALOG_MAGIC);
        out.put_u8(CATALOG_ENCODING_VERSION);
        out.put_uuid(&self.festival_id);
        out.put_u32(self.version);
        text8(&mut out, &self.currency.to_string());
        out.put_u32(self.products.len() as u32);
        for p in &self.products {
            text8(&mut out, &p.id);
            let name = p.name.as_bytes();
            out.put_u16(name.len().min(usize::from(u16::MAX)) as u16);
            out.extend_from_slice(name.get(..name.len().min(usize::from(u16::MAX))).unwrap_or_default());
            out.put_u64(u64::try_from(p.price.minor_units()).unwrap_or(0));
            text8(&mut out, &p.vat_rate.normalize().to_string());
            out.put_u8(match p.kind {
                ProductKind::Goods => 0,
                ProductKind::Deposit => 1,
            });
            match p.min_age {
                Some(a) => {
                    out.put_u8(1);
                    out.put_u8(a);
                }
                None => out.put_u8(0),
            }
            match &p.deposit {
                Some(d) => {
                    out.put_u8(1);
                    text8(&mut out, d);
                }
                None => out.put_u8(0),
            }
            match &p.voucher_price {
                Some(v) => {
                    out.put_u8(1);
                    text8(&mut out, &v.voucher_type);
                    out.put_u32(v.count);
                }
                None => out.put_u8(0),
            }
        }
        out
    }

    fn signing_input(&self) -> Vec<u8> {
        let mut m = CATALOG_DOMAIN.to_vec();
        m.extend_from_slice(&self.encode());
        m
    }

    /// Signs the catalog with the organizer's secret seed (the caller holds the key).
    pub fn sign(&self, organizer_seed: &[u8; 32]) -> SignedCatalog {
        SignedCatalog {
            catalog: self.clone(),
            signature: crate::offline::crypto::sign(organizer_seed, &self.signing_input()),
        }
    }

    fn lookup(&self, line: usize, id: &str) -> Result<&Product, CatalogError> {
        self.product(id)
            .ok_or_else(|| CatalogError::UnknownProduct { line, product: id.chars().take(MAX_ID).collect() })
    }

    /// Checks a payment's lines against this catalog: the payment must carry this catalog's
    /// version; every line names a product of the catalog with the right kind
    /// ([`LineKind::Sale`] for goods, [`LineKind::Deposit`] for deposits, [`LineKind::Voucher`]
    /// with the product's voucher price and a zero unit price); every money line's unit price is
    /// the catalog's; and the deposit lines charge exactly one deposit unit per unit of goods that
    /// links it. (Lines carry no VAT rate; the rate of every line is the catalog's.)
    ///
    /// Errors: `CATALOG_VERSION_MISMATCH`, `CATALOG_UNKNOWN_PRODUCT`, `CATALOG_LINE_KIND_MISMATCH`,
    /// `CATALOG_VOUCHER_MISMATCH`, `CATALOG_PRICE_MISMATCH` (naming the line),
    /// `CATALOG_DEPOSIT_MISMATCH`.
    pub fn check_payment(&self, items: &[LineItem], version: Option<u32>) -> Result<(), CatalogError> {
        if version != Some(self.version) {
            return Err(CatalogError::VersionMismatch { catalog_version: self.version, payment_version: version });
        }
        let mut need: BTreeMap<&str, u64> = BTreeMap::new();
        let mut charged: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            let p = self.lookup(i, &item.sku)?;
            let kind_err =
                |reason: &str| CatalogError::LineKindMismatch { line: i, product: p.id.clone(), reason: reason.into() };
            match (&item.kind, p.kind) {
                (LineKind::Deposit, ProductKind::Goods) => return Err(kind_err("goods on a deposit line")),
                (LineKind::Sale | LineKind::Voucher(_), ProductKind::Deposit) => {
                    return Err(kind_err("a deposit is charged on a deposit line"))
                }
                (LineKind::Voucher(v), ProductKind::Goods) => {
                    let vm = |reason: &str| CatalogError::VoucherMismatch {
                        line: i,
                        product: p.id.clone(),
                        reason: reason.into(),
                    };
                    match &p.voucher_price {
                        None => return Err(vm("the product has no voucher price")),
                        Some(vp) if vp != v => {
                            return Err(vm(&format!(
                                "the catalog's voucher price is {} x {}",
                                vp.count, vp.voucher_type
                            )))
                        }
                        Some(_) => {}
                    }
                    if !item.unit_price.is_zero() {
                        return Err(vm("a line paid with vouchers has a unit price of zero"));
                    }
                }
                _ => {
                    if item.unit_price != p.price {
                        return Err(CatalogError::PriceMismatch {
                            line: i,
                            product: p.id.clone(),
                            expected: p.price.amount_string(),
                            actual: amount_text(&item.unit_price, self.currency),
                            currency: self.currency.to_string(),
                        });
                    }
                }
            }
            if p.kind == ProductKind::Deposit {
                *charged.entry(p.id.as_str()).or_default() += u64::from(item.quantity);
            } else if let Some(d) = &p.deposit {
                *need.entry(d.as_str()).or_default() += u64::from(item.quantity);
            }
        }
        let deposits: std::collections::BTreeSet<&str> = need.keys().chain(charged.keys()).copied().collect();
        for d in deposits {
            let (e, a) = (need.get(d).copied().unwrap_or(0), charged.get(d).copied().unwrap_or(0));
            if e != a {
                return Err(CatalogError::DepositMismatch {
                    deposit: d.to_string(),
                    expected_quantity: e,
                    actual_quantity: a,
                });
            }
        }
        Ok(())
    }

    /// Refuses the first line whose product's minimum age the age class does not reach
    /// (`CATALOG_AGE_RESTRICTED`, naming the product). `None` (no verified age) counts as
    /// under 16. Lines of products that are not in the catalog are ignored here
    /// ([`Catalog::check_payment`] reports them).
    pub fn check_age(&self, items: &[LineItem], age_class: Option<AgeClass>) -> Result<(), CatalogError> {
        for item in items {
            if let Some(p) = self.product(&item.sku) {
                if let Some(min_age) = p.min_age {
                    if !AgeClass::satisfies(age_class, min_age) {
                        return Err(CatalogError::AgeRestricted {
                            product: p.id.clone(),
                            min_age,
                            age_class: age_class.map_or("unknown", AgeClass::as_str).to_string(),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks a cup return: `product` is a deposit of the catalog and `amount` is exactly
    /// `quantity` × its price. Errors: `CATALOG_UNKNOWN_PRODUCT`, `CATALOG_LINE_KIND_MISMATCH`,
    /// `CATALOG_PRICE_MISMATCH`.
    pub fn check_deposit_return(&self, product: &str, quantity: u32, amount: &Money) -> Result<(), CatalogError> {
        let p = self.lookup(0, product)?;
        if p.kind != ProductKind::Deposit {
            return Err(CatalogError::LineKindMismatch {
                line: 0,
                product: p.id.clone(),
                reason: "only deposits can be returned".into(),
            });
        }
        let expected = p
            .price
            .checked_mul_qty(u64::from(quantity))
            .map_err(|_| CatalogError::Invalid { reason: "deposit return amount overflows".into() })?;
        if *amount != expected {
            return Err(CatalogError::PriceMismatch {
                line: 0,
                product: p.id.clone(),
                expected: expected.amount_string(),
                actual: amount_text(amount, self.currency),
                currency: self.currency.to_string(),
            });
        }
        Ok(())
    }

    /// Prices a basket: the lines to charge (the goods in basket order, each goods line paid in
    /// money or — with `pay_with_vouchers` — with the product's voucher price, then one deposit
    /// line per deposit product in order of first use), the goods total (money), the deposit total,
    /// the total (`goods_total + deposit_total`, what the wallet pays), the vouchers needed per
    /// type, and the VAT breakdown of the goods paid in money (gross prices, `rounding`, half-up;
    /// `null` when no goods are paid in money). Deposits carry no VAT and are not in the breakdown.
    /// With [`TaxRounding::PerLine`] the breakdown's gross is exactly `goods_total`; the
    /// `sum_by_net*` modes may move a gross that no net reaches by a cent, as pretix does, so a
    /// till whose receipts must show the charged prices uses `PerLine`.
    ///
    /// Errors: `CATALOG_INVALID` (no lines, more than [`MAX_BASKET_LINES`]),
    /// `CATALOG_UNKNOWN_PRODUCT`, `CATALOG_LINE_KIND_MISMATCH` (a deposit in the basket: deposits
    /// follow their goods), `CATALOG_VOUCHER_MISMATCH` (vouchers for a product without a voucher
    /// price), `CATALOG_INVALID_PRODUCT` (zero quantity), `MONEY_OVERFLOW`.
    pub fn expand(&self, lines: &[BasketLine], rounding: TaxRounding) -> Result<Basket, crate::Error> {
        let cat = |e: CatalogError| crate::Error::from(crate::wallet::WalletError::from(e));
        if lines.is_empty() || lines.len() > MAX_BASKET_LINES {
            return Err(cat(CatalogError::Invalid { reason: format!("a basket has 1..={MAX_BASKET_LINES} lines") }));
        }
        let zero = Money::zero(self.currency);
        let mut items = Vec::with_capacity(lines.len() + 1);
        let mut deposits: Vec<(&Product, u64)> = Vec::new();
        let mut vouchers: BTreeMap<String, u64> = BTreeMap::new();
        let mut tax_lines = Vec::new();
        let mut goods_total = zero;
        for (i, l) in lines.iter().enumerate() {
            let p = self.lookup(i, &l.product).map_err(cat)?;
            if p.kind == ProductKind::Deposit {
                return Err(cat(CatalogError::LineKindMismatch {
                    line: i,
                    product: p.id.clone(),
                    reason: "deposits are added for their goods, not sold on their own".into(),
                }));
            }
            if l.quantity == 0 {
                return Err(cat(CatalogError::InvalidProduct {
                    product: p.id.clone(),
                    reason: "quantity is zero".into(),
                }));
            }
            if l.pay_with_vouchers {
                let Some(v) = &p.voucher_price else {
                    return Err(cat(CatalogError::VoucherMismatch {
                        line: i,
                        product: p.id.clone(),
                        reason: "the product has no voucher price".into(),
                    }));
                };
                let n = u64::from(v.count) * u64::from(l.quantity);
                let e = vouchers.entry(v.voucher_type.clone()).or_default();
                *e = e.saturating_add(n);
                items.push(LineItem {
                    sku: p.id.clone(),
                    quantity: l.quantity,
                    unit_price: zero,
                    kind: LineKind::Voucher(v.clone()),
                });
            } else {
                let amount = p.price.checked_mul_qty(u64::from(l.quantity))?;
                goods_total = goods_total.checked_add(&amount)?;
                tax_lines.push(TaxLine { amount, rate: p.vat_rate });
                items.push(LineItem::new(p.id.clone(), l.quantity, p.price));
            }
            if let Some(d) = p.deposit.as_deref().and_then(|d| self.product(d)) {
                match deposits.iter_mut().find(|(x, _)| x.id == d.id) {
                    Some((_, n)) => *n += u64::from(l.quantity),
                    None => deposits.push((d, u64::from(l.quantity))),
                }
            }
        }
        let mut deposit_total = zero;
        let mut deposit_lines = Vec::new();
        for (d, n) in deposits {
            let quantity = u32::try_from(n)
                .map_err(|_| crate::money::MoneyError::Overflow { operation: "deposit quantity".into() })?;
            let amount = d.price.checked_mul_qty(n)?;
            deposit_total = deposit_total.checked_add(&amount)?;
            items.push(LineItem { sku: d.id.clone(), quantity, unit_price: d.price, kind: LineKind::Deposit });
            deposit_lines.push(DepositCharge { product: d.id.clone(), quantity, amount });
        }
        let vat = if tax_lines.is_empty() {
            None
        } else {
            Some(compute_tax(&tax_lines, PriceBasis::Gross, rounding, RoundingMode::HalfUp)?)
        };
        Ok(Basket {
            catalog_version: self.version,
            total: goods_total.checked_add(&deposit_total)?,
            items,
            goods_total,
            deposit_total,
            deposits: deposit_lines,
            vouchers: vouchers.into_iter().map(|(voucher_type, count)| VoucherCount { voucher_type, count }).collect(),
            vat,
        })
    }
}

/// One line of a basket to price: a goods product and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasketLine {
    /// The product id (goods; deposits are added by [`Catalog::expand`]).
    pub product: String,
    /// How many (at least 1).
    pub quantity: u32,
    /// Pay these units with the product's voucher price instead of money.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pay_with_vouchers: bool,
}

impl BasketLine {
    /// `quantity` units of `product`, paid in money.
    pub fn new(product: impl Into<String>, quantity: u32) -> BasketLine {
        BasketLine { product: product.into(), quantity, pay_with_vouchers: false }
    }

    /// The same line paid with vouchers.
    pub fn with_vouchers(mut self) -> BasketLine {
        self.pay_with_vouchers = true;
        self
    }
}

/// A number of count-vouchers of one type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherCount {
    /// The voucher type.
    pub voucher_type: String,
    /// How many.
    pub count: u64,
}

/// The deposit of one deposit product in a basket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositCharge {
    /// The deposit product.
    pub product: String,
    /// Units charged.
    pub quantity: u32,
    /// `quantity` × its price.
    pub amount: Money,
}

/// A priced basket ([`Catalog::expand`]). `total = goods_total + deposit_total`, and the money
/// lines of `items` sum to `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basket {
    /// The catalog version (put it on the payment: `Operation::Payment::catalog_version`).
    pub catalog_version: u32,
    /// The payment lines to charge: goods first, then deposits.
    pub items: Vec<LineItem>,
    /// Goods paid in money (revenue, gross).
    pub goods_total: Money,
    /// Deposits charged (a liability, no VAT).
    pub deposit_total: Money,
    /// What the wallet pays in money.
    pub total: Money,
    /// Deposits per deposit product.
    pub deposits: Vec<DepositCharge>,
    /// Vouchers needed, per voucher type (sorted by type).
    pub vouchers: Vec<VoucherCount>,
    /// VAT of the goods paid in money (`null` when there are none).
    pub vat: Option<TaxBreakdown>,
}

/// A catalog with the organizer's signature over its canonical encoding. JSON:
/// `{"catalog": {...}, "signature": "<hex>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCatalog {
    /// The catalog.
    pub catalog: Catalog,
    /// Ed25519 signature over `CATALOG_DOMAIN || catalog.encode()`.
    #[serde(with = "sig_hex")]
    pub signature: [u8; 64],
}

impl SignedCatalog {
    /// Verifies the signature under the organizer's public key and returns the catalog.
    /// `CATALOG_BAD_SIGNATURE` if it does not verify (any change of the catalog, another key);
    /// `OFFLINE_INVALID_KEY` for a key that is not a usable Ed25519 point.
    pub fn verify(&self, public_key: &[u8; 32]) -> Result<&Catalog, crate::Error> {
        let key = crate::offline::crypto::StrictPublicKey::from_bytes(public_key)?;
        key.verify(&self.catalog.signing_input(), &self.signature)
            .map_err(|_| crate::wallet::WalletError::from(CatalogError::BadSignature {}))?;
        Ok(&self.catalog)
    }

    /// Reads a signed catalog from its JSON (`INPUT_INVALID` for another shape, `CATALOG_*` for
    /// a catalog that does not validate). Does not verify: call [`SignedCatalog::verify`].
    pub fn from_json(text: &str) -> Result<SignedCatalog, crate::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Repr {
            catalog: serde_json::Value,
            #[serde(with = "sig_hex")]
            signature: [u8; 64],
        }
        let r: Repr = serde_json::from_str(text)
            .map_err(|e| crate::error::InputError::invalid("signed_catalog", e.to_string()))?;
        let catalog = Catalog::from_json(&r.catalog.to_string())?;
        Ok(SignedCatalog { catalog, signature: r.signature })
    }
}

mod sig_hex {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::interop::hex_encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let t = String::deserialize(d)?;
        crate::interop::hex_decode_array::<64>("signature", &t).map_err(serde::de::Error::custom)
    }
}

/// A catalog names and taxes the lines of till receipts: a product's name and VAT rate (deposits
/// at their rate, zero), so a stand's receipts use exactly the prices and rates its devices sold
/// with.
impl crate::till::ProductLookup for Catalog {
    fn product(&self, sku: &str) -> Option<crate::till::ProductInfo> {
        Catalog::product(self, sku).map(|p| crate::till::ProductInfo {
            name: p.name.clone(),
            vat_rate: p.vat_rate,
            vat_key: None,
            deposit: p.kind == ProductKind::Deposit,
        })
    }
}
