//! Double-entry postings: every wallet operation as legs on named accounts that sum to zero.
//!
//! A [`Posting`] is the journal entry of one wallet ledger entry: a list of [`Leg`]s, each an
//! [`Account`] and a signed amount, **debit positive, credit negative**, whose sum is zero. The
//! legs are derived from what the entry recorded (its refundable, bonus and debt deltas) and its
//! operation, so a posting can never disagree with the wallet:
//!
//! | operation | wallet side | other side |
//! | --- | --- | --- |
//! | top-up | Cr `liability:refundable` (Cr `receivable:debt` for the debt it settles) | Dr `funds:<method>` |
//! | bonus credit | Cr `liability:bonus` | Dr `expense:bonus` |
//! | payment | Dr `liability:refundable`, Dr `liability:bonus`, Dr `receivable:debt` (debt created) | Cr `revenue:<stand>` (sale lines), Cr `liability:deposits` (deposit lines) |
//! | refund | Cr the sub-balances it restored (Cr `receivable:debt` for debt it cancelled) | Dr `revenue:<stand of the payment>`, then Dr `liability:deposits` once the payment's goods are refunded |
//! | deposit return (a cup back) | Cr `liability:refundable` (or `receivable:debt`) | Dr `liability:deposits` |
//! | payout | Dr `liability:refundable` | Cr `payouts` (handed out), Cr `income:fees` (the fee) |
//! | adjustment | Cr / Dr the sub-balance | Dr / Cr `adjustments` |
//! | bonus expiry, bonus forfeited on close | Dr `liability:bonus` | Cr `income:bonus_breakage` |
//! | transfer out / in | Dr / Cr `liability:refundable` | Cr / Dr `clearing:transfers` |
//!
//! A till session ([`post_till_session`]) posts its cash onto the till's own drawer account:
//!
//! | till event | debit | credit |
//! | --- | --- | --- |
//! | opening float | `cash_drawer:<till>` | `safe` |
//! | cash top-up (the wallet's top-up debited `funds:cash`) | `cash_drawer:<till>` | `funds:cash` |
//! | payout in cash (the wallet's payout credited `payouts`) | `payouts` | `cash_drawer:<till>` |
//! | cash from / to the safe | `cash_drawer:<till>` / `safe` | `safe` / `cash_drawer:<till>` |
//! | sale paid in cash / by card (not from a wallet) | `cash_drawer:<till>` / `funds:card` | `revenue:<the till's stand>` |
//! | closing | `safe` (the counted cash), `expense:cash_differences` (a shortage) | `cash_drawer:<till>` (what it should hold), `expense:cash_differences` (a surplus) |
//!
//! A card difference at the closing (terminal total ≠ recorded card takings) moves `funds:card`
//! against `expense:cash_differences` the same way. After the closing the drawer is zero, so
//! `cash_drawer:<till>` is the cash a till holds now; with every cash top-up and payout made at a
//! till, `funds:cash` and `payouts` clear to zero and `safe` is the cash the festival holds.
//! Card top-ups and wallet sales at a till post nothing there (the wallet's postings carry them).
//! A till's cash and card sales are posted to its stand's revenue (`revenue:unattributed` for a
//! till without a stand), except their deposit lines (receipt lines of deposit products, e.g.
//! sold with a catalog), which are credited to `liability:deposits` like a wallet's.
//!
//! Block, unblock, a close without bonus and count-vouchers (granted, revoked, or paying voucher
//! lines, whose price is zero) move no money and post nothing: vouchers are counted, not money
//! (see [`crate::wallet::Wallet::voucher_totals`]).
//!
//! The accounts' balances ([`TrialBalance`]) are the festival's books: the trial balance is zero
//! for every history; `-liability:refundable` is the sum of the wallets' refundable balances,
//! `-liability:bonus` the bonus balances, `receivable:debt` the debt; `clearing:transfers` is zero
//! once both sides of every transfer are posted; `-revenue:<stand>` is what the stand is settled
//! for (sales minus refunds, as [`crate::analytics::Analytics::settlements_by_stand`] `net`);
//! `funds:cash` is the cash the top-up points took in and no till has yet put in a drawer;
//! `-liability:deposits` is the deposit money of cups still out (the analytics' outstanding
//! deposits summed over products).
//!
//! Revenue is gross (VAT included); a refund of a payment that is not in the posted ledger (a
//! payment folded away by [`crate::wallet::Wallet::compact`] before it was posted) is posted to
//! `revenue:unattributed`. Post a wallet's entries as they are applied ([`WalletPoster`], which
//! remembers each payment's stand and what is left to refund of it) and keep the journal, or post
//! a whole ledger at once ([`post_ledger`]).
//!
//! ```
//! use festival_core::postings::{post_ledger, Account, TrialBalance};
//! use festival_core::wallet::{Entry, LineItem, Operation, TopUpMethod, Wallet, WalletConfig};
//! use festival_core::{Currency, Money, Timestamp};
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let m = |s: &str| Money::parse(s, eur).unwrap();
//! let at: Timestamp = "2026-07-04T12:00:00Z".parse()?;
//! let (w, bar) = (Uuid::from_u128(1), Uuid::from_u128(7));
//! let mut wallet = Wallet::new(WalletConfig::new(w, Uuid::from_u128(9), eur))?;
//! wallet.apply(Entry::new(Uuid::from_u128(10), at,
//!     Operation::TopUp { amount: m("20.00"), method: TopUpMethod::Cash }))?;
//! wallet.apply(Entry::new(Uuid::from_u128(11), at, Operation::Payment { stand_id: bar, device_id: None,
//!     items: vec![LineItem::new("beer", 2, m("4.50"))], allow_debt: false, catalog_version: None }))?;
//! let postings = post_ledger(w, wallet.ledger())?;
//! let books = TrialBalance::from_postings(eur, &postings)?;
//! assert!(books.is_balanced());
//! assert_eq!(books.balance(&Account::Revenue { stand_id: Some(bar) }), m("-9.00"));
//! assert_eq!(books.balance(&Account::Refundable), m("-11.00")); // the wallet holds 11.00
//! assert_eq!(books.balance(&Account::Funds { method: TopUpMethod::Cash }), m("20.00"));
//! # Ok::<(), festival_core::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::{Error, InputError};
use crate::money::{Currency, Money, MoneyError};
use crate::time::Timestamp;
use crate::wallet::{LedgerEntry, LineKind, Operation, TopUpMethod};

mod till;
pub use till::post_till_session;

/// A named account of the festival's books. Serialized as its code (see [`Account::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// `funds:<method>`: money taken in by top-ups paid by `method` (cash, card, online, other),
    /// held by the top-up points or the payment providers until settled.
    Funds {
        /// How the top-ups were paid.
        method: TopUpMethod,
    },
    /// `payouts`: money handed back to attendees by payouts.
    Payouts,
    /// `liability:refundable`: refundable money the festival owes wallet holders.
    Refundable,
    /// `liability:bonus`: bonus credit the festival owes as goods (never paid out).
    Bonus,
    /// `receivable:debt`: debt wallet holders owe (from offline reconciliation).
    Debt,
    /// `liability:deposits`: deposits (Pfand) charged for returnable items not yet returned.
    Deposits,
    /// `revenue:<stand id>` (or `revenue:unattributed`): gross sales of a stand, minus refunds.
    Revenue {
        /// The stand; `None` for refunds of payments that were not posted and sales of tills without a stand.
        stand_id: Option<Uuid>,
    },
    /// `income:fees`: payout fees kept by the festival.
    Fees,
    /// `expense:bonus`: promotional credit granted.
    BonusExpense,
    /// `income:bonus_breakage`: bonus that expired or was forfeited on closing.
    BonusBreakage,
    /// `adjustments`: operator corrections (the other side of an adjustment).
    Adjustments,
    /// `clearing:transfers`: the two sides of a wallet-to-wallet transfer; zero when both are posted.
    TransferClearing,
    /// `cash_drawer:<till id>`: the cash in one till's drawer (zero after its closing).
    CashDrawer {
        /// The till.
        till_id: Uuid,
    },
    /// `safe`: cash held in the safe (floats go out, closings come in).
    Safe,
    /// `expense:cash_differences`: shortages (debit) and surpluses (credit) found at till closings.
    CashDifferences,
}

impl Account {
    /// The account's stable code: `funds:cash`, `liability:refundable`, `revenue:<uuid>`, ...
    pub fn code(&self) -> String {
        match self {
            Account::Funds { method } => format!("funds:{}", method_code(*method)),
            Account::Payouts => "payouts".into(),
            Account::Refundable => "liability:refundable".into(),
            Account::Bonus => "liability:bonus".into(),
            Account::Debt => "receivable:debt".into(),
            Account::Deposits => "liability:deposits".into(),
            Account::Revenue { stand_id: Some(s) } => format!("revenue:{s}"),
            Account::Revenue { stand_id: None } => "revenue:unattributed".into(),
            Account::Fees => "income:fees".into(),
            Account::BonusExpense => "expense:bonus".into(),
            Account::BonusBreakage => "income:bonus_breakage".into(),
            Account::Adjustments => "adjustments".into(),
            Account::TransferClearing => "clearing:transfers".into(),
            Account::CashDrawer { till_id } => format!("cash_drawer:{till_id}"),
            Account::Safe => "safe".into(),
            Account::CashDifferences => "expense:cash_differences".into(),
        }
    }
}

fn method_code(m: TopUpMethod) -> &'static str {
    match m {
        TopUpMethod::Cash => "cash",
        TopUpMethod::Card => "card",
        TopUpMethod::Online => "online",
        TopUpMethod::Other => "other",
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl FromStr for Account {
    type Err = InputError;

    /// Parses an account code as written by [`Account::code`].
    fn from_str(s: &str) -> Result<Account, InputError> {
        let bad = || InputError::invalid("account", format!("unknown account code '{s}'"));
        Ok(match s {
            "funds:cash" => Account::Funds { method: TopUpMethod::Cash },
            "funds:card" => Account::Funds { method: TopUpMethod::Card },
            "funds:online" => Account::Funds { method: TopUpMethod::Online },
            "funds:other" => Account::Funds { method: TopUpMethod::Other },
            "payouts" => Account::Payouts,
            "liability:refundable" => Account::Refundable,
            "liability:bonus" => Account::Bonus,
            "receivable:debt" => Account::Debt,
            "liability:deposits" => Account::Deposits,
            "revenue:unattributed" => Account::Revenue { stand_id: None },
            "income:fees" => Account::Fees,
            "expense:bonus" => Account::BonusExpense,
            "income:bonus_breakage" => Account::BonusBreakage,
            "adjustments" => Account::Adjustments,
            "clearing:transfers" => Account::TransferClearing,
            "safe" => Account::Safe,
            "expense:cash_differences" => Account::CashDifferences,
            _ => {
                let id = |rest: &str| Uuid::parse_str(rest).map_err(|_| bad());
                if let Some(rest) = s.strip_prefix("revenue:") {
                    Account::Revenue { stand_id: Some(id(rest)?) }
                } else if let Some(rest) = s.strip_prefix("cash_drawer:") {
                    Account::CashDrawer { till_id: id(rest)? }
                } else {
                    return Err(bad());
                }
            }
        })
    }
}

impl Serialize for Account {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Account, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One leg of a posting: `amount` on `account`, debit positive, credit negative (never zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leg {
    /// The account.
    pub account: Account,
    /// Signed amount: positive debits, negative credits.
    pub amount: Money,
}

/// The journal entry of one wallet ledger entry or one till event: legs that sum to zero.
/// JSON leaves out `wallet_id` / `till_id` when absent (a wallet posting has no till).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Posting {
    /// The wallet ledger entry, till operation, receipt (payment id) or till session it posts.
    pub entry_id: Uuid,
    /// The wallet (every wallet posting; a till's top-ups, payouts and sales when it recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<Uuid>,
    /// The till (every till posting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub till_id: Option<Uuid>,
    /// The entry's time.
    pub at: Timestamp,
    /// The operation's kind (`payment`, `top_up`, ..., `till_open`, `till_sale`, `till_closing`, ...).
    pub kind: String,
    /// The legs (at least two, in a fixed order: wallet side first), summing to zero.
    pub legs: Vec<Leg>,
}

impl Posting {
    /// The sum of the legs (zero for every posting this module builds).
    pub fn sum(&self, currency: Currency) -> Result<Money, MoneyError> {
        Money::sum(currency, self.legs.iter().map(|l| &l.amount))
    }
}

/// What a posted payment has left to refund, split into its revenue and its deposit lines.
#[derive(Debug, Clone, Copy)]
struct PaymentLeft {
    stand_id: Uuid,
    goods: Money,
    deposits: Money,
}

/// Posts one wallet's ledger entries in order, remembering each posted payment's stand and what
/// is left to refund of its goods and its deposit lines. A refund is taken from the payment's
/// goods (revenue) first, then from its deposits (a cup never handed out); a refund of a payment
/// this poster has not seen (folded away by compaction before it was posted) goes to
/// `revenue:unattributed`.
#[derive(Debug, Clone)]
pub struct WalletPoster {
    wallet_id: Uuid,
    payments: HashMap<Uuid, PaymentLeft>,
}

impl WalletPoster {
    /// A poster for the entries of `wallet_id`.
    pub fn new(wallet_id: Uuid) -> WalletPoster {
        WalletPoster { wallet_id, payments: HashMap::new() }
    }

    /// The posting of the next ledger entry, or `None` for entries that move no money (block,
    /// unblock, a close without bonus, an expiry of nothing). An entry that moves money it should
    /// not (a block with a balance change: a corrupt ledger) is `INPUT_INVALID`.
    pub fn post(&mut self, entry: &LedgerEntry) -> Result<Option<Posting>, Error> {
        let c = entry.refundable_delta.currency();
        let z = Money::zero(c);
        let mut legs: Vec<Leg> = Vec::with_capacity(4);
        let mut push = |account: Account, amount: Money| {
            if !amount.is_zero() {
                legs.push(Leg { account, amount });
            }
        };
        // Wallet side: liabilities are credits when they grow, the debt receivable a debit.
        push(Account::Refundable, entry.refundable_delta.negate());
        push(Account::Bonus, entry.bonus_delta.negate());
        push(Account::Debt, entry.debt_delta);
        // The other side carries the entry's net change of the wallet's total.
        let total = entry.refundable_delta.checked_add(&entry.bonus_delta)?.checked_sub(&entry.debt_delta)?;
        match &entry.operation {
            Operation::TopUp { method, .. } => push(Account::Funds { method: *method }, total),
            Operation::BonusCredit { .. } => push(Account::BonusExpense, total),
            Operation::Payment { stand_id, items, .. } => {
                // Deposit lines are a liability, the rest (sales; voucher lines are zero) revenue.
                let mut deposits = z;
                for item in items.iter().filter(|i| i.kind == LineKind::Deposit) {
                    deposits = deposits.checked_add(&item.unit_price.checked_mul_qty(u64::from(item.quantity))?)?;
                }
                let goods = total.negate().checked_sub(&deposits)?;
                push(Account::Revenue { stand_id: Some(*stand_id) }, goods.negate());
                push(Account::Deposits, deposits.negate());
                self.payments.insert(entry.id, PaymentLeft { stand_id: *stand_id, goods, deposits });
            }
            Operation::DepositReturn { .. } => push(Account::Deposits, total),
            Operation::Refund { payment_id, .. } => match self.payments.get_mut(payment_id) {
                Some(left) => {
                    let from_goods = total.min(&left.goods)?;
                    let from_deposits = total.checked_sub(&from_goods)?;
                    left.goods = left.goods.checked_sub(&from_goods)?;
                    left.deposits = left.deposits.checked_sub(&from_deposits)?;
                    push(Account::Revenue { stand_id: Some(left.stand_id) }, from_goods);
                    push(Account::Deposits, from_deposits);
                }
                None => push(Account::Revenue { stand_id: None }, total),
            },
            Operation::Payout { fee, .. } => {
                let fee = fee.unwrap_or(z);
                push(Account::Fees, fee.negate());
                push(Account::Payouts, total.checked_add(&fee)?);
            }
            Operation::Adjustment { .. } => push(Account::Adjustments, total),
            Operation::ExpireBonus {} | Operation::Close {} => push(Account::BonusBreakage, total),
            Operation::TransferOut { .. } | Operation::TransferIn { .. } => push(Account::TransferClearing, total),
            Operation::Block { .. }
            | Operation::Unblock {}
            | Operation::VoucherGrant { .. }
            | Operation::VoucherRevoke { .. } => {
                if !total.is_zero() {
                    return Err(InputError::invalid(
                        "entry",
                        format!("{} entry {} moves money", entry.kind(), entry.id),
                    )
                    .into());
                }
            }
        }
        if legs.is_empty() {
            return Ok(None);
        }
        Ok(Some(Posting {
            entry_id: entry.id,
            wallet_id: Some(self.wallet_id),
            till_id: None,
            at: entry.at,
            kind: entry.kind().to_string(),
            legs,
        }))
    }
}

/// Posts a wallet's ledger entries in order with a fresh [`WalletPoster`]. Entries that move no
/// money are skipped.
pub fn post_ledger(wallet_id: Uuid, entries: &[LedgerEntry]) -> Result<Vec<Posting>, Error> {
    let mut poster = WalletPoster::new(wallet_id);
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if let Some(p) = poster.post(e)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Account balances over a set of postings, in one currency (debit positive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialBalance {
    currency: Currency,
    accounts: BTreeMap<Account, Money>,
}

impl TrialBalance {
    /// No postings yet.
    pub fn new(currency: Currency) -> TrialBalance {
        TrialBalance { currency, accounts: BTreeMap::new() }
    }

    /// The balances of `postings`.
    pub fn from_postings<'a>(
        currency: Currency,
        postings: impl IntoIterator<Item = &'a Posting>,
    ) -> Result<TrialBalance, Error> {
        let mut tb = TrialBalance::new(currency);
        for p in postings {
            tb.push(p)?;
        }
        Ok(tb)
    }

    /// Adds one posting's legs. A leg in another currency is `MONEY_CURRENCY_MISMATCH`.
    pub fn push(&mut self, posting: &Posting) -> Result<(), Error> {
        for leg in &posting.legs {
            let slot = self.accounts.entry(leg.account).or_insert_with(|| Money::zero(self.currency));
            *slot = slot.checked_add(&leg.amount)?;
        }
        Ok(())
    }

    /// Adds another trial balance (of other wallets, another partition) into this one.
    pub fn merge(&mut self, other: &TrialBalance) -> Result<(), Error> {
        for (a, m) in &other.accounts {
            let slot = self.accounts.entry(*a).or_insert_with(|| Money::zero(self.currency));
            *slot = slot.checked_add(m)?;
        }
        Ok(())
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The balance of one account (zero when nothing was posted to it).
    pub fn balance(&self, account: &Account) -> Money {
        self.accounts.get(account).copied().unwrap_or_else(|| Money::zero(self.currency))
    }

    /// Every account with a posting, in account order, with its balance.
    pub fn accounts(&self) -> impl Iterator<Item = (&Account, &Money)> {
        self.accounts.iter()
    }

    /// The sum of every account (zero for books built from balanced postings).
    pub fn total(&self) -> Result<Money, MoneyError> {
        Money::sum(self.currency, self.accounts.values())
    }

    /// Whether the books balance: every account summed is zero.
    pub fn is_balanced(&self) -> bool {
        self.total().map(|t| t.is_zero()).unwrap_or(false)
    }

    /// Net revenue per stand (sales minus refunds, positive), from the `revenue:*` accounts;
    /// `None` is `revenue:unattributed`.
    pub fn revenue_by_stand(&self) -> Vec<(Option<Uuid>, Money)> {
        self.accounts
            .iter()
            .filter_map(|(a, m)| match a {
                Account::Revenue { stand_id } => Some((*stand_id, m.negate())),
                _ => None,
            })
            .collect()
    }
}

impl Serialize for TrialBalance {
    /// `{"currency": "EUR", "accounts": {"funds:cash": "20.00", ...}}` with amounts as decimal
    /// strings in the currency's scale.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let accounts: BTreeMap<String, String> =
            self.accounts.iter().map(|(a, m)| (a.code(), m.amount().to_string())).collect();
        let mut st = s.serialize_struct("TrialBalance", 3)?;
        st.serialize_field("currency", self.currency.code())?;
        st.serialize_field("balanced", &self.is_balanced())?;
        st.serialize_field("accounts", &accounts)?;
        st.end()
    }
}

#[cfg(test)]
mod tests;
