//! The festival-day demo: `cargo run --example festival_day`.
//!
//! Grows with every module: money now; wallets, tickets, offline devices and reconciliation next.

use festival_core::money::tax::{compute_tax, PriceBasis, TaxLine, TaxRounding};
use festival_core::{Currency, Money, RoundingMode};

fn main() -> Result<(), festival_core::Error> {
    let eur = Currency::iso("EUR")?;
    let beer = Money::parse("5.50", eur)?;
    let lines = [TaxLine { amount: beer.checked_mul_qty(3)?, rate: "19".parse().unwrap_or_default() }];
    let vat = compute_tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross, RoundingMode::HalfEven)?;
    println!("3 beers: gross {} = net {} + VAT {}", vat.gross, vat.net, vat.tax);
    let shares = vat.gross.allocate(&[7.into(), 3.into()])?;
    println!("split 70/30 between stand and festival: {} + {}", shares[0], shares[1]);
    Ok(())
}
