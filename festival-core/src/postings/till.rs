//! Postings of a till session: the cash drawer of each till, the safe, card takings at the till
//! and the differences found at the closing (see the table in the [module docs](super)).

use super::{Account, Leg, Posting};
use crate::error::Error;
use crate::money::Money;
use crate::till::{OperationKind, PaymentMethod, TillSession};
use crate::time::Timestamp;
use crate::wallet::TopUpMethod;
use uuid::Uuid;

/// What a till posting is about, in the order the postings of a session are returned.
enum Event<'a> {
    Operation(&'a crate::till::TillOperation),
    Receipt(&'a crate::till::Receipt),
}

impl Event<'_> {
    fn at(&self) -> Timestamp {
        match self {
            Event::Operation(o) => o.at,
            Event::Receipt(r) => r.issued_at,
        }
    }
}

/// The postings of one till session, in time order: the opening float (`till_open`), each cash
/// top-up, payout and safe movement (`till_cash_top_up`, `till_payout`, `till_safe_in`,
/// `till_safe_out`), each receipt paid in cash or by card (`till_sale`), and, once the session is
/// closed, the closing (`till_closing`: the differences found and the counted cash taken to the
/// safe, which leaves the drawer at zero). Card top-ups and wallet sales post nothing here: the
/// wallet's own postings carry them ([`super::WalletPoster`]). Every posting names the till
/// (`till_id`); those of top-ups and payouts also name the wallet when the till recorded it.
///
/// Entry ids: the session id for `till_open` / `till_closing`, the operation id, the receipt's
/// payment id. Operations and receipts at the same time keep the order: operations first.
///
/// ```
/// use festival_core::postings::{post_till_session, Account, TrialBalance};
/// use festival_core::till::{CountedAmounts, OperationKind, SessionSpec, TillOperation, TillSession};
/// use festival_core::{Currency, Money, Timestamp};
/// use uuid::Uuid;
/// let eur = Currency::iso("EUR")?;
/// let m = |s: &str| Money::parse(s, eur).unwrap();
/// let at = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
/// let till = Uuid::from_u128(1);
/// let mut s = TillSession::open(SessionSpec::new(Uuid::from_u128(10), till, Uuid::from_u128(3),
///     Uuid::from_u128(2), m("50.00"), at("2026-07-04T10:00:00Z")))?;
/// s.record(TillOperation { id: Uuid::from_u128(20), at: at("2026-07-04T11:00:00Z"),
///     kind: OperationKind::CashTopUp { amount: m("20.00"), wallet_id: None } })?;
/// s.close(at("2026-07-04T20:00:00Z"), CountedAmounts { cash: m("69.50"), card: m("0") }, &[7; 32])?;
/// let books = TrialBalance::from_postings(eur, &post_till_session(&s)?)?;
/// assert!(books.is_balanced());
/// assert_eq!(books.balance(&Account::CashDrawer { till_id: till }), m("0"));   // emptied
/// assert_eq!(books.balance(&Account::Safe), m("19.50"));          // 69.50 in, 50.00 float out
/// assert_eq!(books.balance(&Account::CashDifferences), m("0.50")); // the drawer was short
/// assert_eq!(books.balance(&Account::Funds { method: festival_core::wallet::TopUpMethod::Cash }),
///     m("-20.00")); // cleared against the wallet's cash top-up posting
/// # Ok::<(), festival_core::Error>(())
/// ```
pub fn post_till_session(session: &TillSession) -> Result<Vec<Posting>, Error> {
    let spec = session.spec();
    let till_id = spec.till_id;
    let drawer = Account::CashDrawer { till_id };
    let mut out = Vec::with_capacity(session.operations().len() + session.receipts().len() + 2);
    let posting = |entry_id: Uuid, wallet_id: Option<Uuid>, at: Timestamp, kind: &str, legs: Vec<(Account, Money)>| {
        let legs: Vec<Leg> =
            legs.into_iter().filter(|(_, m)| !m.is_zero()).map(|(account, amount)| Leg { account, amount }).collect();
        (!legs.is_empty()).then(|| Posting {
            entry_id,
            wallet_id,
            till_id: Some(till_id),
            at,
            kind: kind.to_string(),
            legs,
        })
    };
    let float = spec.opening_float;
    out.extend(posting(spec.session_id, None, spec.opened_at, "till_open", vec![
        (drawer, float),
        (Account::Safe, float.negate()),
    ]));

    let mut events: Vec<Event<'_>> = session.operations().iter().map(Event::Operation).collect();
    events.extend(session.receipts().iter().map(Event::Receipt));
    events.sort_by_key(|e| e.at()); // stable: operations before receipts at the same time
    for event in events {
        let p = match event {
            Event::Operation(op) => {
                let amount = op.kind.amount();
                match &op.kind {
                    OperationKind::CashTopUp { wallet_id, .. } => posting(op.id, *wallet_id, op.at, "till_cash_top_up", vec![
                        (drawer, amount),
                        (Account::Funds { method: TopUpMethod::Cash }, amount.negate()),
                    ]),
                    OperationKind::CardTopUp { .. } => None,
                    OperationKind::Payout { wallet_id, .. } => posting(op.id, *wallet_id, op.at, "till_payout", vec![
                        (Account::Payouts, amount),
                        (drawer, amount.negate()),
                    ]),
                    OperationKind::SafeIn { .. } => {
                        posting(op.id, None, op.at, "till_safe_in", vec![(drawer, amount), (Account::Safe, amount.negate())])
                    }
                    OperationKind::SafeOut { .. } => {
                        posting(op.id, None, op.at, "till_safe_out", vec![(Account::Safe, amount), (drawer, amount.negate())])
                    }
                }
            }
            Event::Receipt(r) => {
                let taken = match r.method {
                    PaymentMethod::Cash => drawer,
                    PaymentMethod::Card => Account::Funds { method: TopUpMethod::Card },
                    PaymentMethod::Wallet => continue,
                };
                // Deposit lines (cups) are money owed back, not revenue.
                let mut deposits = Money::zero(r.total.currency());
                for l in r.lines.iter().filter(|l| l.deposit) {
                    deposits = deposits.checked_add(&l.line_total)?;
                }
                let mut legs = vec![(taken, r.total)];
                legs.push((Account::Revenue { stand_id: spec.stand_id }, r.total.checked_sub(&deposits)?.negate()));
                legs.push((Account::Deposits, deposits.negate()));
                posting(r.payment_id, r.wallet_id, r.issued_at, "till_sale", legs)
            }
        };
        out.extend(p);
    }

    if let Some(signed) = session.closing() {
        let c = &signed.closing;
        let zero = Money::zero(session.currency());
        let (mut expected_cash, mut counted_cash, mut differences, mut card) = (zero, zero, zero, zero);
        for b in &c.balances {
            match b.method {
                PaymentMethod::Cash => {
                    expected_cash = b.expected;
                    counted_cash = b.counted;
                    differences = differences.checked_sub(&b.imbalance)?;
                }
                PaymentMethod::Card => {
                    card = b.imbalance;
                    differences = differences.checked_sub(&b.imbalance)?;
                }
                PaymentMethod::Wallet => {}
            }
        }
        out.extend(posting(c.session_id, None, c.closed_at, "till_closing", vec![
            (drawer, expected_cash.negate()),
            (Account::Safe, counted_cash),
            (Account::CashDifferences, differences),
            (Account::Funds { method: TopUpMethod::Card }, card),
        ]));
    }
    Ok(out)
}
