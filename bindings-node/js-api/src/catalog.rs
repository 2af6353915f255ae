//! Product catalogs for JS ([`festival_core::catalog`]): a [`CatalogHandle`] (build, JSON, the
//! canonical encoding, signing, basket pricing and the payment / age / deposit-return checks) and
//! a [`SignedCatalogHandle`] (JSON, verification under the organizer's key).
//!
//! Shapes are the core's serde forms with camelCase keys: a product is `{ id, name, price, vatRate,
//! kind?, minAge?, deposit?, voucherPrice?: { voucherType, count } }`. Product ids and voucher
//! types are always values (arrays of records, never object keys), so the camelCase renamer never
//! touches them. `toJson()` / `fromJson()` are the core's JSON (snake_case), byte-identical to
//! what every other runtime stores. Seeds, public keys, encodings and signatures are bytes.
//!
//! ```
//! use festival_js_api::catalog::CatalogHandle;
//! use serde_json::json;
//! let eur = |a: &str| json!({"amount": a, "currency": "EUR"});
//! let c = CatalogHandle::new(&json!({"festivalId": "11111111-2222-4333-8444-555555555555",
//!     "version": 3, "currency": "EUR", "products": [
//!     {"id": "beer", "name": "Beer", "price": eur("5.00"), "vatRate": "19", "deposit": "cup"},
//!     {"id": "cup", "name": "Cup", "price": eur("2.00"), "vatRate": "0", "kind": "deposit"}]}))?;
//! let basket = c.expand(&json!([{"product": "beer", "quantity": 2}]), &json!(null))?;
//! assert_eq!(basket["total"], eur("14.00"));
//! c.check_payment(&basket["items"], &json!(3))?;
//! # Ok::<(), festival_core::Error>(())
//! ```

use crate::{array_arg, enum_arg, from_js, invalid, money_arg, object_arg, str_arg, to_js, u64_arg, Result};
use festival_core::catalog::{AgeClass, BasketLine, Catalog, Product, SignedCatalog};
use festival_core::money::tax::TaxRounding;
use festival_core::wallet::LineItem;
use festival_core::Currency;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogSpec {
    festival_id: Uuid,
    version: u32,
    currency: Currency,
    products: Vec<Product>,
}

fn u32_arg(field: &str, v: &Value) -> Result<u32> {
    let n = u64_arg(field, v)?;
    u32::try_from(n).map_err(|_| invalid(field, format!("expected at most {}, got {n}", u32::MAX)))
}

fn bytes32(field: &str, b: &[u8]) -> Result<[u8; 32]> {
    b.try_into().map_err(|_| invalid(field, format!("expected 32 bytes, got {}", b.len())))
}

/// Wallet line items (`LineItem[]`: sku, quantity, unitPrice, kind?).
pub fn items_arg(field: &str, v: &Value) -> Result<Vec<LineItem>> {
    for (i, item) in array_arg(field, v)?.iter().enumerate() {
        object_arg(&format!("{field}[{i}]"), item)?;
    }
    from_js(field, v)
}

/// An age class argument: `"under_16" | "16_17" | "adult"`, or `null` (unknown: counts as under 16).
pub fn age_class_arg(field: &str, v: &Value) -> Result<Option<AgeClass>> {
    if v.is_null() {
        return Ok(None);
    }
    enum_arg(field, v, "'under_16', '16_17', 'adult'").map(Some)
}

/// A validated product catalog held by a JS object (see [`festival_core::catalog::Catalog`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogHandle(Catalog);

impl CatalogHandle {
    /// `new Catalog({ festivalId, version, currency, products })`: shape errors are
    /// `INPUT_INVALID`; a catalog that does not validate keeps its `CATALOG_*` code.
    pub fn new(spec: &Value) -> Result<Self> {
        let o = object_arg("spec", spec)?;
        array_arg("spec.products", o.get("products").unwrap_or(&Value::Null))?;
        let s: CatalogSpec = from_js("spec", spec)?;
        Ok(CatalogHandle(Catalog::new(s.festival_id, s.version, s.currency, s.products)?))
    }

    /// `Catalog.fromJson(text)`: the core's JSON (snake_case).
    pub fn from_json(text: &Value) -> Result<Self> {
        Ok(CatalogHandle(Catalog::from_json(str_arg("text", text)?)?))
    }

    /// `toJson(): string`: the core's JSON, byte-identical to its serde output.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.0).map_err(|e| invalid("catalog", e.to_string()))
    }

    /// The core catalog (for [`crate::wallet::WalletHandle::apply_with_catalog`]).
    pub fn catalog(&self) -> &Catalog {
        &self.0
    }

    /// `festivalId(): string`.
    pub fn festival_id(&self) -> Value {
        Value::String(self.0.festival_id().to_string())
    }

    /// `version(): number`.
    pub fn version(&self) -> Value {
        Value::from(self.0.version())
    }

    /// `currency(): string`.
    pub fn currency(&self) -> Value {
        Value::String(self.0.currency().to_string())
    }

    /// `products(): Product[]` (sorted by id).
    pub fn products(&self) -> Result<Value> {
        to_js(&self.0.products())
    }

    /// `product(id): Product | null`.
    pub fn product(&self, id: &Value) -> Result<Value> {
        match self.0.product(str_arg("id", id)?) {
            Some(p) => to_js(p),
            None => Ok(Value::Null),
        }
    }

    /// `encode(): Uint8Array`: the canonical encoding the signature covers.
    pub fn encode(&self) -> Vec<u8> {
        self.0.encode()
    }

    /// `sign(organizerSeed: Uint8Array): SignedCatalog` (a 32-byte seed, else `INPUT_INVALID`).
    pub fn sign(&self, organizer_seed: &[u8]) -> Result<SignedCatalogHandle> {
        Ok(SignedCatalogHandle(self.0.sign(&bytes32("organizerSeed", organizer_seed)?)))
    }

    /// `expand(lines: BasketLine[], rounding?: TaxRounding): Basket` (rounding default
    /// `per_line`).
    pub fn expand(&self, lines: &Value, rounding: &Value) -> Result<Value> {
        for (i, l) in array_arg("lines", lines)?.iter().enumerate() {
            object_arg(&format!("lines[{i}]"), l)?;
        }
        let lines: Vec<BasketLine> = from_js("lines", lines)?;
        let rounding: TaxRounding = if rounding.is_null() {
            TaxRounding::PerLine
        } else {
            enum_arg("rounding", rounding, "'per_line', 'sum_by_net', 'sum_by_net_keep_gross'")?
        };
        to_js(&self.0.expand(&lines, rounding)?)
    }

    /// `checkPayment(items: LineItem[], catalogVersion?: number | null): void` (throws
    /// `CATALOG_VERSION_MISMATCH`, `CATALOG_PRICE_MISMATCH`, ...).
    pub fn check_payment(&self, items: &Value, catalog_version: &Value) -> Result<()> {
        let items = items_arg("items", items)?;
        let version = if catalog_version.is_null() { None } else { Some(u32_arg("catalogVersion", catalog_version)?) };
        Ok(self.0.check_payment(&items, version)?)
    }

    /// `checkAge(items: LineItem[], ageClass: AgeClass | null): void` (`CATALOG_AGE_RESTRICTED`).
    pub fn check_age(&self, items: &Value, age_class: &Value) -> Result<()> {
        let items = items_arg("items", items)?;
        Ok(self.0.check_age(&items, age_class_arg("ageClass", age_class)?)?)
    }

    /// `checkDepositReturn(product: string, quantity: number, amount: Money): void`.
    pub fn check_deposit_return(&self, product: &Value, quantity: &Value, amount: &Value) -> Result<()> {
        let product = str_arg("product", product)?;
        let quantity = u32_arg("quantity", quantity)?;
        let amount = money_arg("amount", amount)?;
        Ok(self.0.check_deposit_return(product, quantity, &amount)?)
    }
}

/// A catalog with the organizer's signature (see [`festival_core::catalog::SignedCatalog`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SignedCatalogHandle(SignedCatalog);

impl SignedCatalogHandle {
    /// `SignedCatalog.fromJson(text)`: `{"catalog": {...}, "signature": "<hex>"}` (not verified).
    pub fn from_json(text: &Value) -> Result<Self> {
        Ok(SignedCatalogHandle(SignedCatalog::from_json(str_arg("text", text)?)?))
    }

    /// `toJson(): string`: the core's JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.0).map_err(|e| invalid("signedCatalog", e.to_string()))
    }

    /// `catalog(): Catalog`: the catalog as signed, NOT verified (use `verify`).
    pub fn catalog(&self) -> CatalogHandle {
        CatalogHandle(self.0.catalog.clone())
    }

    /// `signature(): Uint8Array` (64 bytes).
    pub fn signature(&self) -> Vec<u8> {
        self.0.signature.to_vec()
    }

    /// `verify(publicKey: Uint8Array): Catalog`: `CATALOG_BAD_SIGNATURE` when the signature does
    /// not verify, `OFFLINE_INVALID_KEY` for an unusable key, `INPUT_INVALID` for a key that is
    /// not 32 bytes.
    pub fn verify(&self, public_key: &[u8]) -> Result<CatalogHandle> {
        Ok(CatalogHandle(self.0.verify(&bytes32("publicKey", public_key)?)?.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;
    use serde_json::json;

    fn eur(a: &str) -> Value {
        json!({"amount": a, "currency": "EUR"})
    }

    fn catalog() -> CatalogHandle {
        CatalogHandle::new(&json!({"festivalId": "11111111-2222-4333-8444-555555555555", "version": 3,
            "currency": "EUR", "products": [
            {"id": "beer", "name": "Beer 0.5 l", "price": eur("5.00"), "vatRate": "19", "minAge": 16, "deposit": "cup"},
            {"id": "cup", "name": "Cup deposit", "price": eur("2.00"), "vatRate": "0", "kind": "deposit"},
            {"id": "soda", "name": "Soda", "price": eur("3.00"), "vatRate": "19",
             "voucherPrice": {"voucherType": "helper_drink", "count": 1}}]}))
        .unwrap()
    }

    #[test]
    fn build_expand_check_and_sign() {
        let c = catalog();
        assert_eq!(c.version(), json!(3));
        assert_eq!(c.product(&json!("soda")).unwrap()["voucherPrice"]["voucherType"], "helper_drink");
        assert_eq!(c.product(&json!("wine")).unwrap(), Value::Null);
        let b = c
            .expand(&json!([{"product": "beer", "quantity": 2}, {"product": "soda", "quantity": 1, "payWithVouchers": true}]), &Value::Null)
            .unwrap();
        assert_eq!((b["goodsTotal"].clone(), b["depositTotal"].clone()), (eur("10.00"), eur("4.00")));
        assert_eq!(b["vouchers"], json!([{"voucherType": "helper_drink", "count": 1}]));
        assert_eq!(b["items"][1]["kind"], json!({"voucher": {"voucherType": "helper_drink", "count": 1}}));
        c.check_payment(&b["items"], &json!(3)).unwrap();
        assert_eq!(c.check_payment(&b["items"], &Value::Null).unwrap_err().code(), "CATALOG_VERSION_MISMATCH");
        assert_eq!(c.check_age(&b["items"], &Value::Null).unwrap_err().code(), "CATALOG_AGE_RESTRICTED");
        c.check_age(&b["items"], &json!("16_17")).unwrap();
        assert_eq!(c.check_age(&b["items"], &json!("teen")).unwrap_err().code(), "INPUT_INVALID");
        c.check_deposit_return(&json!("cup"), &json!(2), &eur("4.00")).unwrap();
        let signed = c.sign(&[7; 32]).unwrap();
        let pk = festival_core::offline::crypto::public_key_from_seed(&[7; 32]);
        assert_eq!(signed.verify(&pk).unwrap(), c);
        let other = festival_core::offline::crypto::public_key_from_seed(&[8; 32]);
        assert_eq!(signed.verify(&other).unwrap_err().code(), "CATALOG_BAD_SIGNATURE");
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(signed.verify(&identity).unwrap_err().code(), "OFFLINE_INVALID_KEY");
        assert_eq!(c.sign(&[7; 31]).unwrap_err().code(), "INPUT_INVALID");
        let back = SignedCatalogHandle::from_json(&json!(signed.to_json().unwrap())).unwrap();
        assert_eq!(back, signed);
        assert_eq!(CatalogHandle::from_json(&json!(c.to_json().unwrap())).unwrap(), c);
    }

    #[test]
    fn bad_input_keeps_codes() {
        let bad = json!({"festivalId": "11111111-2222-4333-8444-555555555555", "version": 1, "currency": "EUR",
            "products": [{"id": "beer", "name": "Beer", "price": eur("5.00"), "vatRate": "19", "deposit": "cup"}]});
        assert_eq!(CatalogHandle::new(&bad).unwrap_err().code(), "CATALOG_INVALID_DEPOSIT_LINK");
        assert_eq!(CatalogHandle::new(&json!([])).unwrap_err().code(), "INPUT_INVALID");
        let float = json!({"festivalId": "11111111-2222-4333-8444-555555555555", "version": 1, "currency": "EUR",
            "products": [{"id": "beer", "name": "Beer", "price": eur("5.00"), "vatRate": 19.5}]});
        assert_eq!(CatalogHandle::new(&float).unwrap_err().code(), "INPUT_INVALID");
    }
}
