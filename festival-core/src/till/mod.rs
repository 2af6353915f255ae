//! Tills: cash sessions, signed closings, receipts, Z-reports and a DSFinV-K-shaped export.
//!
//! A festival's top-up desk or bar runs a **till session** ([`TillSession`]): a device (or a
//! cashier on it) opens it with a cash float, records cash top-ups, card top-ups, payouts and cash
//! moved from / to the safe, issues a **receipt** for every payment ([`TillSession::sale`]: wallet,
//! cash or card, numbered without gaps per till, VAT per rate with pretix's rounding), and closes it
//! with the counted cash and the card terminal's total. The closing states expected, counted and
//! the imbalance per method and is **signed** with the device's Ed25519 key
//! ([`SignedClosing`], verified by the server against the device registry). At the end of the
//! festival day the **Z-report** ([`z_report`]) sums the till's sessions, and
//! [`ZReport::export_rows`] / [`render_csv`] give one row per receipt line with DSFinV-K column
//! names.
//!
//! A cashless festival's top-up till mostly has top-ups and payouts; a bar till mostly has wallet
//! sales. Both are the same session: sales paid in cash go into the drawer, card sales to the card
//! total, wallet sales to neither.
//!
//! Everything is pure: times, ids and the device seed are arguments; the core never talks to a
//! TSE, a printer or a card terminal. Errors are [`TillError`] (`TILL_*`) or, for arithmetic,
//! money errors (`MONEY_OVERFLOW`).
//!
//! ```
//! use festival_core::calendar::FestivalCalendar;
//! use festival_core::till::*;
//! use festival_core::{Currency, Money, Timestamp};
//! use std::collections::BTreeMap;
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let m = |s: &str| Money::parse(s, eur);
//! let at = |s: &str| Timestamp::parse_rfc3339(s);
//! let products = BTreeMap::from([
//!     ("beer".to_string(), ProductInfo { name: "Beer 0.5l".into(), vat_rate: "19".parse().unwrap(), vat_key: None, deposit: false }),
//!     ("water".to_string(), ProductInfo { name: "Water".into(), vat_rate: "7".parse().unwrap(), vat_key: None, deposit: false }),
//! ]);
//! let (till, device, seed) = (Uuid::from_u128(1), Uuid::from_u128(2), [7u8; 32]);
//! let mut s = TillSession::open(SessionSpec::new(Uuid::from_u128(10), till, Uuid::from_u128(3), device,
//!     m("50.00")?, at("2026-07-04T10:00:00Z")?))?;
//! let line = |sku: &str, quantity, price: &str| Ok::<_, festival_core::Error>(
//!     SaleLine { sku: sku.into(), quantity, unit_price: m(price)?, voucher_id: None });
//! let r = s.sale(&SaleRequest { payment_id: Uuid::from_u128(100), at: at("2026-07-04T12:00:00Z")?,
//!     method: PaymentMethod::Cash, lines: vec![line("beer", 2, "5.00")?, line("water", 1, "2.50")?],
//!     amount: None, wallet_id: None }, &products)?;
//! assert_eq!((r.number, r.total.amount_string(), r.vat.len()), (1, "12.50".into(), 2));
//! s.close(at("2026-07-04T20:00:00Z")?, CountedAmounts { cash: m("62.00")?, card: m("0")? }, &seed)?;
//! let closing = s.closing().unwrap();
//! assert_eq!(closing.closing.balances[0].imbalance, m("-0.50")?);
//! closing.verify_with_key(&festival_core::offline::crypto::public_key_from_seed(&seed))?;
//!
//! let calendar = FestivalCalendar::new("Europe/Berlin", "06:00")?;
//! let request = ZReportRequest { till_id: till, day: "2026-07-04".parse()?, z_number: 1,
//!     created_at: at("2026-07-05T05:00:00Z")? };
//! let sessions = [s];
//! let z = z_report(&request, &calendar, &sessions)?;
//! assert_eq!((z.receipt_count, z.gross.amount_string()), (1, "12.50".into()));
//! let csv = render_csv(&z.export_rows(&sessions));
//! assert!(csv.starts_with("Z_KASSE_ID,Z_ERSTELLUNG,Z_NR,BON_ID,POS_ZEILE,"));
//! assert_eq!(csv.lines().count(), 3);    // header + two lines
//! # Ok::<(), festival_core::Error>(())
//! ```

mod closing;
mod error;
mod export;
pub mod receipt;
mod session;
mod zreport;

#[cfg(test)]
mod tests;

pub use closing::{MethodBalance, SignedClosing, TillClosing, CLOSING_FORMAT};
pub use error::TillError;
pub use export::{export_receipts, render_csv, zahlart_typ, ExportRow, EXPORT_COLUMNS};
pub use receipt::{
    default_vat_key, FiscalSignature, PaymentMethod, ProductInfo, ProductLookup, Receipt, ReceiptLine, SaleLine,
    SaleRequest, TaxPolicy,
};
pub use session::{CountedAmounts, OperationKind, SessionSpec, SessionTotals, TillOperation, TillSession};
pub use zreport::{z_report, ZReport, ZReportRequest, ZSession};
