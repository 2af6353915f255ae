//! The festival-day demo: `cargo run --example festival_day`.
//!
//! One day at a festival, told through festival-core: prices and VAT, cashless wallets (top-ups,
//! payments, refunds, payouts and the stands' settlement), ticket sales and gates, then the
//! offline devices, their attacks and the reconciliation when they sync, and last a stand's
//! night: signed catalog, cup deposits, vouchers, till closing, receipts, Z-report and balanced
//! books. Each chapter is one module; every chapter checks that its numbers add up and fails
//! loudly otherwise.

mod money;
mod offline;
mod stand;
mod tickets;
mod wallets;

fn main() -> Result<(), festival_core::Error> {
    println!("=== festival-core: a festival day ===");
    money::run()?;
    wallets::run()?;
    tickets::run()?;
    offline::run()?;
    stand::run()?;
    Ok(())
}
