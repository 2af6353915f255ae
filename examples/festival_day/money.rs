//! Chapter 1: prices, VAT and splits.

use festival_core::money::tax::{compute_tax, PriceBasis, TaxLine, TaxRounding};
use festival_core::{Currency, Money, RoundingMode};

pub fn run() -> Result<(), festival_core::Error> {
    let eur = Currency::iso("EUR")?;
    let beer = Money::parse("5.50", eur)?;
    let lines = [TaxLine { amount: beer.checked_mul_qty(3)?, rate: "19".parse().unwrap_or_default() }];
    let vat = compute_tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross, RoundingMode::HalfEven)?;
    println!("\n--- 1. prices and VAT ---");
    println!("3 beers: gross {} = net {} + VAT {}", vat.gross, vat.net, vat.tax);
    let shares = vat.gross.allocate(&[7.into(), 3.into()])?;
    println!("split 70/30 between stand and festival: {} + {}", shares[0], shares[1]);
    Ok(())
}
