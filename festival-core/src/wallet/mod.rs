//! Cashless wallets (SPEC section 2): a ledger of entries per wallet, balances derived from it,
//! limits, idempotent application, debt from offline reconciliation, and NFC tag links.
//!
//! # Model
//! * A [`Wallet`] belongs to one festival and one currency ([`WalletConfig`]), has a
//!   [`WalletStatus`] and two sub-balances: **refundable** (top-ups; can be paid out) and
//!   **bonus** (promotional lots, never paid out, may expire). Payments spend bonus first unless
//!   [`SpendOrder::RefundableFirst`]; bonus is spent soonest-expiring lot first, and lots whose
//!   expiry time is at or before the payment time are not spent.
//! * Every change is an [`Entry`] (caller-given id + time + [`Operation`]). The persisted state is
//!   the config plus the ledger of [`LedgerEntry`]s; balances, payment refund remainders, daily
//!   spend and outcomes are rebuilt by [`Wallet::replay`] (serde reads replay too, and reject a
//!   ledger whose recorded effects do not reproduce: `WALLET_LEDGER_CORRUPT`).
//! * Conservation: `refundable + bonus - debt == WalletTotals::net()` for every history.
//! * Idempotency: an id already applied returns the original [`Outcome`] (`replayed: true`);
//!   a different request under a used id is `WALLET_DUPLICATE_ENTRY_CONFLICT`; failures change
//!   nothing and leave the id unused.
//! * Blocked wallets refuse debits (payments, transfers out, payouts) and accept credits;
//!   closed wallets refuse everything.
//!
//! # API for offline reconciliation
//! * Apply an offline payment with [`Operation::Payment`] and `allow_debt: true`: it is accepted
//!   even on a blocked wallet and regardless of limits; what balances cannot cover becomes
//!   [`Balances::debt`] and the wallet is blocked ([`BlockReason::Debt`]). Its outcome tells what
//!   came from refundable / bonus ([`Outcome::from_refundable`], [`Outcome::from_bonus`]) and
//!   the debt created ([`Outcome::debt_delta`]).
//! * Top-ups, incoming transfers and positive refundable adjustments settle debt first; when
//!   debt reaches zero the wallet unblocks unless it also has an administrative block.
//! * Read: [`Wallet::balances`], [`Wallet::spendable`], [`Wallet::ledger`] (entries carry
//!   stand/device ids and line items: [`LedgerEntry::stand_id`], [`LedgerEntry::line_items`]),
//!   [`Wallet::totals`], [`Wallet::day_spend`].
//!
//! # NFC tags
//! [`TagRegistry`] links [`TagUid`]s to wallet ids; see its docs for the rules.
//!
//! # Conformance
//! `wallet.run` and `tag.run` (see `conformance/wallet.rs`) run scenarios of these operations.

mod error;
mod ledger;
mod tags;
mod types;

#[cfg(test)]
pub(crate) mod proptests;
#[cfg(test)]
mod tests;

pub use error::WalletError;
pub use ledger::Wallet;
pub use tags::{TagRecord, TagRegistry, TagStatus, TagUid};
pub use types::{
    AgeClass, Balances, BlockReason, BonusLot, DepositTotals, Entry, LedgerEntry, LineItem, LineKind, LotDelta,
    Operation, Outcome, SpendOrder, SubBalance, TopUpMethod, TransferOutcome, VoucherPrice, VoucherTotals,
    WalletConfig, WalletLimits, WalletStatus, WalletTotals,
};
