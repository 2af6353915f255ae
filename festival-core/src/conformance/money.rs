//! `money.*` conformance operations.

use super::{out, parse};
use crate::error::Error;
use crate::money::tax::{compute_tax, PriceBasis, TaxLine, TaxRounding};
use crate::money::{parse_decimal, Currency, Money, RoundingMode};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParseIn {
    amount: String,
    currency: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FromMinorIn {
    minor: String,
    currency: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairIn {
    a: Money,
    b: Money,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QtyIn {
    amount: Money,
    quantity: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateIn {
    amount: Money,
    rate: String,
    mode: RoundingMode,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllocateIn {
    amount: Money,
    ratios: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitIn {
    amount: Money,
    parts: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxIn {
    lines: Vec<TaxLine>,
    basis: PriceBasis,
    rounding: TaxRounding,
    mode: RoundingMode,
}

fn describe(m: &Money) -> Value {
    json!({
        "amount": m.amount_string(),
        "currency": m.currency().to_string(),
        "minor_units": m.minor_units().to_string(),
        "display": m.to_string(),
    })
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    let run = || -> Result<Value, Error> {
        match op {
            "money.parse" => {
                let i: ParseIn = parse(input)?;
                let c: Currency = i.currency.parse()?;
                Ok(describe(&Money::parse(&i.amount, c)?))
            }
            "money.from_minor" => {
                let i: FromMinorIn = parse(input)?;
                let c: Currency = i.currency.parse()?;
                let minor: i128 = i
                    .minor
                    .parse()
                    .map_err(|_| crate::InputError::invalid("minor", "expected an integer string"))?;
                Ok(describe(&Money::from_minor_i128(minor, c)?))
            }
            "money.add" => {
                let i: PairIn = parse(input)?;
                Ok(describe(&i.a.checked_add(&i.b)?))
            }
            "money.sub" => {
                let i: PairIn = parse(input)?;
                Ok(describe(&i.a.checked_sub(&i.b)?))
            }
            "money.mul_qty" => {
                let i: QtyIn = parse(input)?;
                Ok(describe(&i.amount.checked_mul_qty(i.quantity)?))
            }
            "money.apply_rate" => {
                let i: RateIn = parse(input)?;
                Ok(describe(&i.amount.apply_rate(parse_decimal(&i.rate)?, i.mode)?))
            }
            "money.percentage" => {
                let i: RateIn = parse(input)?;
                Ok(describe(&i.amount.percentage(parse_decimal(&i.rate)?, i.mode)?))
            }
            "money.allocate" => {
                let i: AllocateIn = parse(input)?;
                let ratios: Vec<Decimal> = i.ratios.iter().map(|r| parse_decimal(r)).collect::<Result<_, _>>()?;
                let parts = i.amount.allocate(&ratios)?;
                Ok(json!({ "parts": out(&parts)? }))
            }
            "money.split" => {
                let i: SplitIn = parse(input)?;
                Ok(json!({ "parts": out(&i.amount.split(i.parts)?)? }))
            }
            "money.tax" => {
                let i: TaxIn = parse(input)?;
                out(&compute_tax(&i.lines, i.basis, i.rounding, i.mode)?)
            }
            _ => Err(crate::InputError::UnknownOperation { op: op.into() }.into()),
        }
    };
    Some(run())
}
