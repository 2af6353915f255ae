//! Analytics over wallet ledgers and reconciliation outcomes, for data teams at millions of rows.
//!
//! * Input is **columnar**: a [`LedgerBatch`] is a struct of column vectors (entry kind, time in
//!   milliseconds, wallet / stand / device / product keys, quantity, and the signed refundable,
//!   bonus and debt deltas in integer **minor units** of one currency, plus payout fees), so a
//!   binding can fill it from Arrow buffers without one object per row. Keys are
//!   dictionary-encoded ([`KeyColumn`]): a code per row into a list of labels.
//! * Every sum is an exact `i128` of minor units; [`Money`](crate::Money) appears only in the summaries.
//! * An [`Analytics`] value is a **mergeable partial result**: [`Analytics::merge`] is associative
//!   and commutative and `compute(a ++ b) == merge(compute(a), compute(b))`, so partitions can be
//!   computed anywhere (threads, Dask, Spark) and combined exactly.
//! * Summaries: settlements per stand and per device, revenue by product and by hour, top-ups vs
//!   spend, outstanding liability (refundable and bonus separately, and debt), refunds, payouts,
//!   and double-spend / double-admission statistics from [`IncidentBatch`]; revenue by festival
//!   day ([`Analytics::revenue_by_day`]) and failed-scan statistics of scan facts ([`scan_stats`]).
//!
//! How a row's money is read (deltas are the change of the wallet's sub-balances, as in a wallet
//! ledger entry): the row's *value* is `refundable + bonus - debt`. A payment's amount is minus its
//! value (money spent plus debt created), a refund's, top-up's and transfer-in's amount is its
//! value, a payout's amount is minus its value (of which `fee` is kept by the festival).
//!
//! ```
//! use festival_core::analytics::{Analytics, EntryKind, LedgerBatchBuilder, LedgerRow};
//! use festival_core::Currency;
//! let eur = Currency::iso("EUR")?;
//! let mut b = LedgerBatchBuilder::new(eur);
//! b.push(&LedgerRow { kind: EntryKind::TopUp, at_ms: 0, wallet: Some("w1"), refundable: 2000, ..LedgerRow::default() })?;
//! b.push(&LedgerRow { kind: EntryKind::Payment, at_ms: 60_000, wallet: Some("w1"), stand: Some("bar"),
//!                     product: Some("beer"), quantity: 2, refundable: -900, ..LedgerRow::default() })?;
//! let a = Analytics::compute(&b.finish())?;
//! let bar = &a.settlements_by_stand()?[0];
//! assert_eq!((bar.key.as_str(), bar.sales.to_string()), ("bar", "9.00 EUR".to_string()));
//! assert_eq!(a.liability()?.refundable.to_string(), "11.00 EUR");
//! # Ok::<(), festival_core::Error>(())
//! ```

mod batch;
mod convert;
mod incidents;
mod report;
mod scans;

pub use batch::{EntryKind, KeyColumn, LedgerBatch, LedgerBatchBuilder, LedgerRow};
pub use incidents::{IncidentBatch, IncidentBatchBuilder, IncidentKind, IncidentRow, IncidentSummary};
pub use scans::{scan_stats, DayScanCounts, ScanCounts, ScanStats};
pub use report::{Analytics, DepositFlow, DepositSummary, Flow, FlowSummary, KindTotals, Liability, Position, Tally, Totals};

/// Milliseconds in one hour (the bucket of [`Analytics::revenue_by_hour`]).
pub const HOUR_MS: i64 = 3_600_000;
