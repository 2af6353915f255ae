//! Double-entry postings: a wallet's ledger as legs on named accounts (debit positive, summing to
//! zero per posting) and the trial balance of the festival's books, over `festival_core::postings`.

use crate::convert::{time, uuid};
use crate::error::Result;
use crate::money::Money;
use festival_core::postings::{self as core, Account};
use festival_core::Currency;

/// One leg of a posting: an account code (`"liability:refundable"`, `"revenue:<stand id>"`, ...)
/// and a signed amount, debit positive.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PostingLeg {
    /// The account code.
    pub account: String,
    /// Debit positive, credit negative.
    pub amount: Money,
}

/// The journal entry of one wallet ledger entry or till event; its legs sum to zero.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Posting {
    /// The ledger entry it posts.
    pub entry_id: String,
    /// The wallet (every wallet posting; a till posting when the till recorded it).
    pub wallet_id: Option<String>,
    /// The entry's time, ms since the epoch.
    pub at_ms: i64,
    /// The operation's kind (`payment`, `top_up`, ...).
    pub kind: String,
    /// The legs, wallet side first.
    pub legs: Vec<PostingLeg>,
    /// The till (every till posting). Last, so code that builds wallet postings positionally
    /// keeps compiling (defaults to none).
    #[uniffi(default = None)]
    pub till_id: Option<String>,
}

/// The balance of one account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountBalance {
    /// The account code.
    pub account: String,
    /// Debit positive.
    pub balance: Money,
}

/// Net revenue of a stand (sales minus refunds).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StandRevenue {
    /// The stand; `None` for refunds of payments that were not posted and sales of tills without a stand.
    pub stand_id: Option<String>,
    /// Sales minus refunds.
    pub net: Money,
}

/// The festival's books over a set of postings.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TrialBalance {
    /// The currency.
    pub currency: String,
    /// Whether every account summed is zero.
    pub balanced: bool,
    /// The sum of every account.
    pub total: Money,
    /// Every account with a posting, in account order.
    pub accounts: Vec<AccountBalance>,
    /// Net revenue per stand.
    pub revenue_by_stand: Vec<StandRevenue>,
}

pub(crate) fn posting_out(p: &core::Posting) -> Posting {
    Posting {
        entry_id: p.entry_id.to_string(),
        wallet_id: p.wallet_id.map(|w| w.to_string()),
        till_id: p.till_id.map(|t| t.to_string()),
        at_ms: p.at.unix_millis(),
        kind: p.kind.clone(),
        legs: p
            .legs
            .iter()
            .map(|l| PostingLeg { account: l.account.code(), amount: Money::from_core(&l.amount) })
            .collect(),
    }
}

fn posting_in(p: &Posting) -> Result<core::Posting> {
    let legs = p
        .legs
        .iter()
        .map(|l| Ok(core::Leg { account: l.account.parse::<Account>()?, amount: l.amount.to_core()? }))
        .collect::<Result<Vec<_>>>()?;
    Ok(core::Posting {
        entry_id: uuid("entry_id", &p.entry_id)?,
        wallet_id: p.wallet_id.as_deref().map(|w| uuid("wallet_id", w)).transpose()?,
        till_id: p.till_id.as_deref().map(|t| uuid("till_id", t)).transpose()?,
        at: time("at_ms", p.at_ms)?,
        kind: p.kind.clone(),
        legs,
    })
}

/// The trial balance of `postings` (from `Wallet.postings()`) in `currency`; a leg in another
/// currency is `MONEY_CURRENCY_MISMATCH`, a bad account code `INPUT_INVALID`.
#[uniffi::export]
pub fn trial_balance(currency: String, postings: Vec<Posting>) -> Result<TrialBalance> {
    let c: Currency = currency.parse().map_err(festival_core::Error::from)?;
    let mut books = core::TrialBalance::new(c);
    for p in &postings {
        books.push(&posting_in(p)?)?;
    }
    Ok(TrialBalance {
        currency: c.to_string(),
        balanced: books.is_balanced(),
        total: Money::from_core(&books.total()?),
        accounts: books
            .accounts()
            .map(|(a, m)| AccountBalance { account: a.code(), balance: Money::from_core(m) })
            .collect(),
        revenue_by_stand: books
            .revenue_by_stand()
            .into_iter()
            .map(|(s, m)| StandRevenue { stand_id: s.map(|s| s.to_string()), net: Money::from_core(&m) })
            .collect(),
    })
}
