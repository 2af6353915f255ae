//! `catalog.*` conformance operations: product catalogs, signatures, basket pricing and payment
//! checks. Money as `{"amount", "currency"}`, keys and signatures as lowercase hex.
//!
//! * `catalog.build`: input a catalog (JSON form in `festival_core::catalog`); output the
//!   validated catalog (products sorted by id) or a `CATALOG_*` error.
//! * `catalog.sign`: `{"catalog", "seed": "<64 hex>"}` → `{"signed": {"catalog", "signature"},
//!   "public_key": "<64 hex>", "encoding": "<hex of the signed encoding>"}`.
//! * `catalog.verify`: `{"signed": {...}, "public_key": "<64 hex>"}` → the catalog, or
//!   `CATALOG_BAD_SIGNATURE`.
//! * `catalog.expand`: `{"catalog", "lines": [{"product", "quantity", "pay_with_vouchers"?}],
//!   "rounding"?: "per_line" (default) | "sum_by_net" | "sum_by_net_keep_gross"}` → the basket:
//!   `catalog_version`, `items` (payment lines), `goods_total`, `deposit_total`, `total`,
//!   `deposits`, `vouchers`, `vat` (a tax breakdown of the goods, or `null`).
//! * `catalog.check_payment`: `{"catalog", "items": [<payment lines>], "catalog_version"?: n,
//!   "age_class"?: "under_16" | "16_17" | "adult" | null}` → `{"ok": true}` or the first error;
//!   the age is checked only when `age_class` is present (`null`: unknown, counts as under 16).
//! * `catalog.check_deposit_return`: `{"catalog", "product", "quantity", "amount"}` →
//!   `{"ok": true}` or the error.

use super::{out, parse};
use crate::catalog::{AgeClass, BasketLine, Catalog, SignedCatalog};
use crate::error::{Error, InputError};
use crate::interop::{hex_decode_array, hex_encode};
use crate::money::tax::TaxRounding;
use crate::money::Money;
use crate::wallet::LineItem;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    catalog: Catalog,
    seed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyIn {
    signed: Value,
    public_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpandIn {
    catalog: Catalog,
    lines: Vec<BasketLine>,
    #[serde(default)]
    rounding: Option<TaxRounding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckIn {
    catalog: Catalog,
    items: Vec<LineItem>,
    #[serde(default)]
    catalog_version: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    age_class: Option<Option<AgeClass>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnIn {
    catalog: Catalog,
    product: String,
    quantity: u32,
    amount: Money,
}

/// `Some(None)` for an explicit `null`, `None` when the key is absent (with `#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<AgeClass>>, D::Error> {
    Option::<AgeClass>::deserialize(d).map(Some)
}

/// Reads input whose catalog must validate: a catalog error keeps its `CATALOG_*` code.
fn parse_with_catalog<T: for<'de> Deserialize<'de>>(input: &Value) -> Result<T, Error> {
    if let Some(c) = input.get("catalog") {
        Catalog::from_json(&c.to_string())?;
    }
    parse(input)
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    let run = || -> Result<Value, Error> {
        match op {
            "catalog.build" => out(&Catalog::from_json(&input.to_string())?),
            "catalog.sign" => {
                let i: SignIn = parse_with_catalog(input)?;
                let seed: [u8; 32] = hex_decode_array("seed", &i.seed)?;
                let signed = i.catalog.sign(&seed);
                Ok(json!({
                    "signed": out(&signed)?,
                    "public_key": hex_encode(&crate::offline::crypto::public_key_from_seed(&seed)),
                    "encoding": hex_encode(&i.catalog.encode()),
                }))
            }
            "catalog.verify" => {
                let i: VerifyIn = parse(input)?;
                let key: [u8; 32] = hex_decode_array("public_key", &i.public_key)?;
                let signed = SignedCatalog::from_json(&i.signed.to_string())?;
                out(signed.verify(&key)?)
            }
            "catalog.expand" => {
                let i: ExpandIn = parse_with_catalog(input)?;
                out(&i.catalog.expand(&i.lines, i.rounding.unwrap_or(TaxRounding::PerLine))?)
            }
            "catalog.check_payment" => {
                let i: CheckIn = parse_with_catalog(input)?;
                i.catalog.check_payment(&i.items, i.catalog_version).map_err(Error::from)?;
                if let Some(age) = i.age_class {
                    i.catalog.check_age(&i.items, age).map_err(Error::from)?;
                }
                Ok(json!({ "ok": true }))
            }
            "catalog.check_deposit_return" => {
                let i: ReturnIn = parse_with_catalog(input)?;
                i.catalog.check_deposit_return(&i.product, i.quantity, &i.amount).map_err(Error::from)?;
                Ok(json!({ "ok": true }))
            }
            _ => Err(InputError::UnknownOperation { op: op.chars().take(64).collect() }.into()),
        }
    };
    Some(run())
}
