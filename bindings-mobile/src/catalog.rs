//! Stand product catalogs (`festival_core::catalog`): a versioned price list with deposits
//! (Pfand), prices in count-vouchers and minimum ages, signed by the organizer for offline
//! devices. [`ProductCatalog`] holds a validated core catalog (the name `Catalog` is taken by the
//! ticket shop's catalog record of `carts`); [`SignedCatalog`] is a catalog with its signature.
//! Every rule (validation, pricing, checks, encoding, signature) is the core's; errors are
//! `FestivalException.Wallet` with `CATALOG_*` codes (or `Input` / `Money` / `Offline`).

use crate::convert::{bytes32, hex32, uuid};
use crate::error::{FestivalError, Result};
use crate::money::{breakdown, Money, TaxBreakdown, TaxRounding};
use crate::wallet::{line_item_from_core, line_items_to_core, WalletLineItem};
use festival_core::catalog as core;
use festival_core::money::parse_decimal;
use festival_core::{Currency, InputError};
use std::sync::Arc;

/// The verified age class of a customer (wristband issue, ID check), for German youth
/// protection: beer and wine from 16, spirits from 18. The core's names are `under_16`, `16_17`
/// and `adult` ([`age_class_parse`], [`age_class_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum AgeClass {
    /// Under 16 (also what an unknown age counts as).
    Under16,
    /// 16 or 17.
    Age16To17,
    /// 18 or older.
    Adult,
}

impl From<AgeClass> for festival_core::wallet::AgeClass {
    fn from(a: AgeClass) -> Self {
        match a {
            AgeClass::Under16 => festival_core::wallet::AgeClass::Under16,
            AgeClass::Age16To17 => festival_core::wallet::AgeClass::From16To17,
            AgeClass::Adult => festival_core::wallet::AgeClass::Adult,
        }
    }
}

impl From<festival_core::wallet::AgeClass> for AgeClass {
    fn from(a: festival_core::wallet::AgeClass) -> Self {
        match a {
            festival_core::wallet::AgeClass::Under16 => AgeClass::Under16,
            festival_core::wallet::AgeClass::From16To17 => AgeClass::Age16To17,
            festival_core::wallet::AgeClass::Adult => AgeClass::Adult,
        }
    }
}

/// Parses the core's name of an age class (`"under_16"`, `"16_17"`, `"adult"`, e.g. read from a
/// wristband); anything else is `INPUT_INVALID`.
#[uniffi::export]
pub fn age_class_parse(text: String) -> Result<AgeClass> {
    festival_core::wallet::AgeClass::parse(&text).map(Into::into).ok_or_else(|| {
        InputError::invalid("age_class", format!("unknown age class '{text}' (under_16, 16_17, adult)")).into()
    })
}

/// The core's name of an age class: `"under_16"`, `"16_17"` or `"adult"`.
#[uniffi::export]
pub fn age_class_name(age_class: AgeClass) -> String {
    festival_core::wallet::AgeClass::from(age_class).as_str().to_string()
}

/// Whether a product is sold as goods or is a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProductKind {
    /// Goods: revenue, with VAT.
    Goods,
    /// A deposit (Pfand): a refundable liability, VAT rate 0.
    Deposit,
}

/// A price in count-vouchers: `count` vouchers of `voucher_type` per unit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VoucherPrice {
    /// The voucher type (1..=64 characters, e.g. `helper_drink`).
    pub voucher_type: String,
    /// Vouchers per unit (at least 1).
    pub count: u32,
}

/// One product of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Product {
    /// The product id: the `sku` of the payment lines that sell it (1..=64 characters).
    pub id: String,
    /// Display name (1..=256 characters).
    pub name: String,
    /// Gross unit price in the catalog's currency.
    pub price: Money,
    /// VAT rate in percent as a decimal string (`"19"`, `"7"`, `"0"`); `"0"` for deposits.
    pub vat_rate: String,
    /// Goods or deposit.
    pub kind: ProductKind,
    /// Minimum age (16 for beer, 18 for spirits), if any.
    #[uniffi(default = None)]
    pub min_age: Option<u8>,
    /// The deposit product added per unit sold, if any.
    #[uniffi(default = None)]
    pub deposit: Option<String>,
    /// The price in vouchers, if the product may be paid with vouchers.
    #[uniffi(default = None)]
    pub voucher_price: Option<VoucherPrice>,
}

fn product_to_core(p: &Product) -> Result<core::Product> {
    Ok(core::Product {
        id: p.id.clone(),
        name: p.name.clone(),
        price: p.price.to_core()?,
        vat_rate: parse_decimal(&p.vat_rate)?,
        min_age: p.min_age,
        deposit: p.deposit.clone(),
        voucher_price: p
            .voucher_price
            .as_ref()
            .map(|v| core::VoucherPrice { voucher_type: v.voucher_type.clone(), count: v.count }),
        kind: match p.kind {
            ProductKind::Goods => core::ProductKind::Goods,
            ProductKind::Deposit => core::ProductKind::Deposit,
        },
    })
}

fn product_from_core(p: &core::Product) -> Product {
    Product {
        id: p.id.clone(),
        name: p.name.clone(),
        price: Money::from_core(&p.price),
        vat_rate: p.vat_rate.to_string(),
        kind: match p.kind {
            core::ProductKind::Goods => ProductKind::Goods,
            core::ProductKind::Deposit => ProductKind::Deposit,
        },
        min_age: p.min_age,
        deposit: p.deposit.clone(),
        voucher_price: p
            .voucher_price
            .as_ref()
            .map(|v| VoucherPrice { voucher_type: v.voucher_type.clone(), count: v.count }),
    }
}

/// One line of a basket to price: a goods product and how many.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BasketLine {
    /// The product id (goods; deposits are added by [`ProductCatalog::expand`]).
    pub product: String,
    /// How many (at least 1).
    pub quantity: u32,
    /// Pay these units with the product's voucher price instead of money.
    #[uniffi(default = false)]
    pub pay_with_vouchers: bool,
}

/// The deposit of one deposit product in a basket.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DepositCharge {
    /// The deposit product.
    pub product: String,
    /// Units charged.
    pub quantity: u32,
    /// `quantity` × its price.
    pub amount: Money,
}

/// A number of count-vouchers of one type.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VoucherCount {
    /// The voucher type.
    pub voucher_type: String,
    /// How many.
    pub count: u64,
}

/// A priced basket ([`ProductCatalog::expand`]): `total = goodsTotal + depositTotal`, and the
/// money lines of `items` sum to `total`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Basket {
    /// The catalog version (pass it to `Wallet.pay` as `catalogVersion`).
    pub catalog_version: u32,
    /// The payment lines to charge (`Wallet.pay` items): goods first, then deposits.
    pub items: Vec<WalletLineItem>,
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

fn basket(b: &core::Basket) -> Basket {
    Basket {
        catalog_version: b.catalog_version,
        items: b.items.iter().map(line_item_from_core).collect(),
        goods_total: Money::from_core(&b.goods_total),
        deposit_total: Money::from_core(&b.deposit_total),
        total: Money::from_core(&b.total),
        deposits: b
            .deposits
            .iter()
            .map(|d| DepositCharge {
                product: d.product.clone(),
                quantity: d.quantity,
                amount: Money::from_core(&d.amount),
            })
            .collect(),
        vouchers: b
            .vouchers
            .iter()
            .map(|v| VoucherCount { voucher_type: v.voucher_type.clone(), count: v.count })
            .collect(),
        vat: b.vat.as_ref().map(breakdown),
    }
}

fn json_error(field: &str, e: serde_json::Error) -> FestivalError {
    InputError::invalid(field, e.to_string()).into()
}

/// A validated, versioned product catalog of one festival in one currency (products sorted by
/// id). Immutable: a new price list is a new catalog with a higher version.
#[derive(uniffi::Object)]
pub struct ProductCatalog {
    inner: core::Catalog,
}

impl ProductCatalog {
    /// The core catalog.
    pub(crate) fn core(&self) -> &core::Catalog {
        &self.inner
    }

    pub(crate) fn wrap(inner: core::Catalog) -> Arc<Self> {
        Arc::new(ProductCatalog { inner })
    }
}

#[uniffi::export]
impl ProductCatalog {
    /// Validates and builds a catalog. Errors: `CATALOG_INVALID` (no products),
    /// `CATALOG_INVALID_PRODUCT`, `CATALOG_DUPLICATE_PRODUCT`, `CATALOG_CURRENCY_MISMATCH`,
    /// `CATALOG_INVALID_DEPOSIT_LINK`; bad ids, currencies and amounts are `Input` / `Money`.
    #[uniffi::constructor]
    pub fn new(festival_id: String, version: u32, currency: String, products: Vec<Product>) -> Result<Arc<Self>> {
        let festival_id = uuid("festival_id", &festival_id)?;
        let currency: Currency = currency.parse().map_err(festival_core::Error::from)?;
        let products = products.iter().map(product_to_core).collect::<Result<Vec<_>>>()?;
        Ok(Self::wrap(core::Catalog::new(festival_id, version, currency, products)?))
    }

    /// Reads the core's catalog JSON (snake_case keys, module docs of `festival_core::catalog`):
    /// another shape is `INPUT_INVALID`, a catalog that does not validate keeps its `CATALOG_*`
    /// code.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Self::wrap(core::Catalog::from_json(&json)?))
    }

    /// The core's JSON of the catalog (byte-identical to its serde output).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.inner).map_err(|e| json_error("catalog", e))
    }

    /// The festival id.
    pub fn festival_id(&self) -> String {
        self.inner.festival_id().to_string()
    }

    /// The catalog version.
    pub fn version(&self) -> u32 {
        self.inner.version()
    }

    /// The currency of every price.
    pub fn currency(&self) -> String {
        self.inner.currency().to_string()
    }

    /// The products, sorted by id.
    pub fn products(&self) -> Vec<Product> {
        self.inner.products().iter().map(product_from_core).collect()
    }

    /// The product with this id, if any.
    pub fn product(&self, id: String) -> Option<Product> {
        self.inner.product(&id).map(product_from_core)
    }

    /// The canonical encoding that is signed.
    pub fn encode(&self) -> Vec<u8> {
        self.inner.encode()
    }

    /// Signs the catalog with the organizer's 32-byte Ed25519 seed (`INPUT_INVALID` for another
    /// length).
    pub fn sign(&self, organizer_seed: Vec<u8>) -> Result<Arc<SignedCatalog>> {
        let seed = bytes32("organizer_seed", &organizer_seed)?;
        Ok(Arc::new(SignedCatalog { inner: self.inner.sign(&seed) }))
    }

    /// Prices a basket: the payment lines (goods, then one deposit line per deposit product),
    /// goods / deposit / total, deposits, vouchers needed and the VAT of the goods paid in money
    /// (`rounding`, default per line). Errors: `CATALOG_INVALID` (no lines),
    /// `CATALOG_UNKNOWN_PRODUCT`, `CATALOG_LINE_KIND_MISMATCH` (a deposit in the basket),
    /// `CATALOG_VOUCHER_MISMATCH`, `CATALOG_INVALID_PRODUCT` (zero quantity), `MONEY_OVERFLOW`.
    #[uniffi::method(default(rounding = None))]
    pub fn expand(&self, lines: Vec<BasketLine>, rounding: Option<TaxRounding>) -> Result<Basket> {
        let lines: Vec<core::BasketLine> = lines
            .into_iter()
            .map(|l| core::BasketLine {
                product: l.product,
                quantity: l.quantity,
                pay_with_vouchers: l.pay_with_vouchers,
            })
            .collect();
        let rounding = rounding.map_or(festival_core::money::tax::TaxRounding::PerLine, Into::into);
        Ok(basket(&self.inner.expand(&lines, rounding)?))
    }

    /// Checks payment lines against the catalog: the version (`CATALOG_VERSION_MISMATCH`),
    /// products (`CATALOG_UNKNOWN_PRODUCT`), kinds (`CATALOG_LINE_KIND_MISMATCH`), voucher prices
    /// (`CATALOG_VOUCHER_MISMATCH`), prices (`CATALOG_PRICE_MISMATCH`) and deposits
    /// (`CATALOG_DEPOSIT_MISMATCH`).
    #[uniffi::method(default(catalog_version = None))]
    pub fn check_payment(&self, items: Vec<WalletLineItem>, catalog_version: Option<u32>) -> Result<()> {
        Ok(self.inner.check_payment(&line_items_to_core(&items)?, catalog_version)?)
    }

    /// Refuses the first line whose product's minimum age `age_class` does not reach
    /// (`CATALOG_AGE_RESTRICTED`); `null` (no verified age) counts as under 16.
    pub fn check_age(&self, items: Vec<WalletLineItem>, age_class: Option<AgeClass>) -> Result<()> {
        Ok(self.inner.check_age(&line_items_to_core(&items)?, age_class.map(Into::into))?)
    }

    /// Checks a cup return: `product` is a deposit and `amount` is `quantity` × its price
    /// (`CATALOG_UNKNOWN_PRODUCT`, `CATALOG_LINE_KIND_MISMATCH`, `CATALOG_PRICE_MISMATCH`).
    pub fn check_deposit_return(&self, product: String, quantity: u32, amount: Money) -> Result<()> {
        Ok(self.inner.check_deposit_return(&product, quantity, &amount.to_core()?)?)
    }
}

/// A catalog with the organizer's Ed25519 signature over its canonical encoding, as devices
/// receive it. JSON: `{"catalog": {...}, "signature": "<128 hex digits>"}`.
#[derive(uniffi::Object)]
pub struct SignedCatalog {
    inner: core::SignedCatalog,
}

#[uniffi::export]
impl SignedCatalog {
    /// A catalog with a 64-byte signature (not verified: call [`SignedCatalog::verify`]).
    #[uniffi::constructor]
    pub fn new(catalog: Arc<ProductCatalog>, signature: Vec<u8>) -> Result<Arc<Self>> {
        let signature = <[u8; 64]>::try_from(signature.as_slice()).map_err(|_| {
            FestivalError::from(InputError::invalid("signature", format!("expected 64 bytes, got {}", signature.len())))
        })?;
        Ok(Arc::new(SignedCatalog { inner: core::SignedCatalog { catalog: catalog.inner.clone(), signature } }))
    }

    /// Reads the JSON (`INPUT_INVALID` for another shape, `CATALOG_*` for a catalog that does not
    /// validate). Does not verify.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(SignedCatalog { inner: core::SignedCatalog::from_json(&json)? }))
    }

    /// The core's JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.inner).map_err(|e| json_error("signed_catalog", e))
    }

    /// The catalog as received (not verified).
    pub fn catalog(&self) -> Arc<ProductCatalog> {
        ProductCatalog::wrap(self.inner.catalog.clone())
    }

    /// The 64-byte signature.
    pub fn signature(&self) -> Vec<u8> {
        self.inner.signature.to_vec()
    }

    /// Verifies the signature under the organizer's public key (64 hex digits, as
    /// `publicKeyFromSeed` returns it) and returns the catalog: `CATALOG_BAD_SIGNATURE` if it
    /// does not verify, `OFFLINE_INVALID_KEY` for a key that is not a usable Ed25519 point,
    /// `INPUT_INVALID` for malformed hex.
    pub fn verify(&self, public_key_hex: String) -> Result<Arc<ProductCatalog>> {
        let key = hex32("public_key_hex", &public_key_hex)?;
        Ok(ProductCatalog::wrap(self.inner.verify(&key)?.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(a: &str) -> Money {
        Money { amount: a.into(), currency: "EUR".into() }
    }

    fn product(id: &str, price: &str, vat: &str) -> Product {
        Product {
            id: id.into(),
            name: id.into(),
            price: eur(price),
            vat_rate: vat.into(),
            kind: ProductKind::Goods,
            min_age: None,
            deposit: None,
            voucher_price: None,
        }
    }

    fn catalog() -> Arc<ProductCatalog> {
        let beer = Product { deposit: Some("cup".into()), min_age: Some(16), ..product("beer", "5.00", "19") };
        let cup = Product { kind: ProductKind::Deposit, ..product("cup", "2.00", "0") };
        ProductCatalog::new(uuid::Uuid::from_u128(1).to_string(), 3, "EUR".into(), vec![beer, cup]).unwrap()
    }

    #[test]
    fn json_is_the_cores_and_round_trips() {
        let c = catalog();
        let json = c.to_json().unwrap();
        assert_eq!(json, serde_json::to_string(c.core()).unwrap());
        assert!(json.contains(r#""kind":"deposit""#));
        assert_eq!(ProductCatalog::from_json(json.clone()).unwrap().to_json().unwrap(), json);
        assert_eq!(ProductCatalog::from_json("{".into()).err().unwrap().code(), "INPUT_INVALID");
    }

    #[test]
    fn expand_and_check() {
        let c = catalog();
        let b =
            c.expand(vec![BasketLine { product: "beer".into(), quantity: 2, pay_with_vouchers: false }], None).unwrap();
        assert_eq!(
            (b.goods_total.clone(), b.deposit_total.clone(), b.total.clone()),
            (eur("10.00"), eur("4.00"), eur("14.00"))
        );
        assert_eq!(b.items[1].kind, Some(crate::wallet::LineKind::Deposit));
        c.check_payment(b.items.clone(), Some(3)).unwrap();
        assert_eq!(c.check_payment(b.items.clone(), None).unwrap_err().code(), "CATALOG_VERSION_MISMATCH");
        assert_eq!(c.check_age(b.items, Some(AgeClass::Under16)).unwrap_err().code(), "CATALOG_AGE_RESTRICTED");
    }

    #[test]
    fn age_class_names_are_the_cores() {
        for (a, n) in [(AgeClass::Under16, "under_16"), (AgeClass::Age16To17, "16_17"), (AgeClass::Adult, "adult")] {
            assert_eq!(age_class_name(a), n);
            assert_eq!(age_class_parse(n.into()).unwrap(), a);
        }
        assert_eq!(age_class_parse("senior".into()).unwrap_err().code(), "INPUT_INVALID");
    }
}
