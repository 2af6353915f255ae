//! Compaction: folding a prefix of a wallet's ledger into a base (balances, lots, what is still
//! refundable per payment, daily sums, totals), so a long-running server keeps a bounded amount of
//! state per entry. See [`Wallet::compact`].

use super::{overflow, DepositCounts, Lot, PaymentRec, State, Totals, VoucherCounts, Wallet, MAX_MINOR};
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use crate::wallet::error::WalletError;
use crate::wallet::types::{DepositTotals, LedgerEntry, VoucherTotals, WalletTotals};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What a wallet keeps of the entries it folded away: how many, and the state they left. The
/// payments' refund records are kept sorted by id (smaller than a hash map, and only read).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Base {
    /// Number of entries folded so far.
    entries: u64,
    /// The state after them, without the per-entry index and outcomes and without `payments`.
    pub(super) state: State,
    /// What is still refundable on each payment of the folded entries, sorted by payment id: the
    /// common case (paid from refundable money only) as one amount, the others in `payments`.
    simple: Vec<(Uuid, i128)>,
    payments: Vec<(Uuid, PaymentRec)>,
}

impl Base {
    /// The refund record of a folded payment.
    pub(super) fn payment(&self, id: &Uuid) -> Option<Cow<'_, PaymentRec>> {
        if let Ok(i) = self.simple.binary_search_by(|(p, _)| p.cmp(id)) {
            return self.simple.get(i).map(|(_, r)| Cow::Owned(PaymentRec { refundable: *r, ..PaymentRec::default() }));
        }
        self.payments
            .binary_search_by(|(p, _)| p.cmp(id))
            .ok()
            .and_then(|i| self.payments.get(i))
            .map(|(_, r)| Cow::Borrowed(r))
    }

    /// The base made of `state` (the state after the `entries` folded entries) over the folded
    /// payments `old` of the previous base.
    fn fold(entries: u64, mut state: State, old: Vec<(Uuid, PaymentRec)>) -> Base {
        let mut overlay: Vec<(Uuid, PaymentRec)> = std::mem::take(&mut state.payments).into_iter().collect();
        overlay.sort_by(|a, b| a.0.cmp(&b.0));
        let (simple, payments) = Base::split(merge_sorted(old, overlay));
        state.index = Default::default();
        state.outcomes = Vec::new();
        Base { entries, state, simple, payments }
    }

    /// Every folded payment's record, sorted by id.
    fn all_payments(&self) -> Vec<(Uuid, PaymentRec)> {
        let simple =
            self.simple.iter().map(|(id, r)| (*id, PaymentRec { refundable: *r, ..PaymentRec::default() })).collect();
        merge_sorted(simple, self.payments.clone())
    }

    /// Splits id-sorted payment records into the simple ones and the others.
    fn split(all: Vec<(Uuid, PaymentRec)>) -> (Vec<(Uuid, i128)>, Vec<(Uuid, PaymentRec)>) {
        let (simple, other): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, p)| p.debt == 0 && p.lots.is_empty());
        let mut simple: Vec<(Uuid, i128)> = simple.into_iter().map(|(id, p)| (id, p.refundable)).collect();
        simple.shrink_to_fit();
        let mut other = other;
        other.shrink_to_fit();
        (simple, other)
    }

    pub(super) fn to_repr(&self, currency: Currency) -> BaseRepr {
        let m = |v: i128| Money::from_minor_i128(v, currency).unwrap_or_else(|_| Money::zero(currency));
        let s = &self.state;
        BaseRepr {
            entries: self.entries.to_string(),
            refundable: m(s.refundable),
            debt: m(s.debt),
            admin_block: s.admin_block.clone(),
            closed: s.closed,
            lots: s
                .lots
                .iter()
                .map(|l| LotRepr { id: l.id, expires_at: l.expires_at, remaining: m(l.remaining) })
                .collect(),
            payments: self
                .all_payments()
                .iter()
                .map(|(id, p)| PaymentRepr {
                    id: *id,
                    refundable: m(p.refundable),
                    debt: m(p.debt),
                    lots: p.lots.iter().map(|(l, a)| (*l, m(*a))).collect(),
                })
                .collect(),
            daily: s.daily.iter().map(|(d, v)| (d.to_string(), m(*v))).collect(),
            totals: totals_out(&s.totals, &m),
            vouchers: s
                .vouchers
                .iter()
                .map(|(t, c)| VoucherTotals {
                    voucher_type: t.clone(),
                    granted: c.granted,
                    revoked: c.revoked,
                    redeemed: c.redeemed,
                    forfeited: c.forfeited,
                    balance: c.held_public(),
                })
                .collect(),
            deposits: s
                .deposits
                .iter()
                .map(|(p, d)| DepositTotals {
                    product: p.clone(),
                    charged_quantity: d.charged_quantity,
                    charged: m(d.charged),
                    returned_quantity: d.returned_quantity,
                    returned: m(d.returned),
                    outstanding_quantity: i64::try_from(
                        i128::from(d.charged_quantity) - i128::from(d.returned_quantity),
                    )
                    .unwrap_or(i64::MIN),
                    outstanding: m(d.charged - d.returned),
                })
                .collect(),
        }
    }

    pub(super) fn from_repr(r: BaseRepr, currency: Currency) -> Result<Base, WalletError> {
        let bad = |reason: String| WalletError::LedgerCorrupt { entry_id: "base".into(), reason };
        let v = |field: &str, m: &Money| -> Result<i128, WalletError> {
            if m.currency() != currency {
                return Err(bad(format!("{field} is in {}, the wallet uses {currency}", m.currency())));
            }
            let x = m.minor_units();
            if x.abs() > MAX_MINOR {
                return Err(overflow(field));
            }
            Ok(x)
        };
        let nonneg = |field: &str, m: &Money| -> Result<i128, WalletError> {
            let x = v(field, m)?;
            if x < 0 {
                return Err(bad(format!("{field} is negative")));
            }
            Ok(x)
        };
        let entries: u64 = r.entries.parse().map_err(|_| bad(format!("entries '{}' is not a count", r.entries)))?;
        let mut s = State {
            refundable: nonneg("refundable", &r.refundable)?,
            debt: nonneg("debt", &r.debt)?,
            admin_block: r.admin_block,
            closed: r.closed,
            ..State::default()
        };
        for (i, l) in r.lots.iter().enumerate() {
            if s.lot_index.insert(l.id, i).is_some() {
                return Err(bad(format!("lot {} repeats", l.id)));
            }
            s.lots.push(Lot { id: l.id, expires_at: l.expires_at, remaining: 0 });
            s.set_lot(i, nonneg("lot remaining", &l.remaining)?);
        }
        for (day, amount) in &r.daily {
            let d: i64 = day.parse().map_err(|_| bad(format!("day '{day}' is not a day number")))?;
            s.daily.insert(d, nonneg("daily spend", amount)?);
        }
        let t = &r.totals;
        s.totals = Totals {
            top_ups: v("totals", &t.top_ups)?,
            bonus_credits: v("totals", &t.bonus_credits)?,
            payments: v("totals", &t.payments)?,
            refunds: v("totals", &t.refunds)?,
            payouts: v("totals", &t.payouts)?,
            payout_fees: v("totals", &t.payout_fees)?,
            adjustments: v("totals", &t.adjustments)?,
            transfers_in: v("totals", &t.transfers_in)?,
            transfers_out: v("totals", &t.transfers_out)?,
            bonus_expired: v("totals", &t.bonus_expired)?,
            bonus_forfeited: v("totals", &t.bonus_forfeited)?,
            deposits_charged: v("totals", &t.deposits_charged)?,
            deposit_returns: v("totals", &t.deposit_returns)?,
        };
        for c in &r.vouchers {
            let counts =
                VoucherCounts { granted: c.granted, revoked: c.revoked, redeemed: c.redeemed, forfeited: c.forfeited };
            if counts.held_public() != c.balance {
                return Err(bad(format!("voucher '{}' balance does not match its counts", c.voucher_type)));
            }
            if s.vouchers.insert(c.voucher_type.clone(), counts).is_some() {
                return Err(bad(format!("voucher '{}' repeats", c.voucher_type)));
            }
        }
        for d in &r.deposits {
            let counts = DepositCounts {
                charged_quantity: d.charged_quantity,
                charged: nonneg("deposit charged", &d.charged)?,
                returned_quantity: d.returned_quantity,
                returned: nonneg("deposit returned", &d.returned)?,
            };
            if s.deposits.insert(d.product.clone(), counts).is_some() {
                return Err(bad(format!("deposit '{}' repeats", d.product)));
            }
        }
        let mut payments = Vec::with_capacity(r.payments.len());
        for p in &r.payments {
            let mut lots = Vec::with_capacity(p.lots.len());
            for (l, a) in &p.lots {
                if !s.lot_index.contains_key(l) {
                    return Err(bad(format!("payment {} names lot {l}, which the base does not have", p.id)));
                }
                lots.push((*l, nonneg("payment lot", a)?));
            }
            let rec = PaymentRec {
                debt: nonneg("payment debt", &p.debt)?,
                refundable: nonneg("payment refundable", &p.refundable)?,
                lots,
            };
            payments.push((p.id, rec));
        }
        payments.sort_by(|a, b| a.0.cmp(&b.0));
        if payments.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(bad("a payment repeats".into()));
        }
        let (simple, payments) = Base::split(payments);
        Ok(Base { entries, state: s, simple, payments })
    }
}

fn totals_out(t: &Totals, m: &impl Fn(i128) -> Money) -> WalletTotals {
    WalletTotals {
        top_ups: m(t.top_ups),
        bonus_credits: m(t.bonus_credits),
        payments: m(t.payments),
        refunds: m(t.refunds),
        payouts: m(t.payouts),
        payout_fees: m(t.payout_fees),
        adjustments: m(t.adjustments),
        transfers_in: m(t.transfers_in),
        transfers_out: m(t.transfers_out),
        bonus_expired: m(t.bonus_expired),
        bonus_forfeited: m(t.bonus_forfeited),
        deposits_charged: m(t.deposits_charged),
        deposit_returns: m(t.deposit_returns),
    }
}

/// Serialized form of a [`Base`] (amounts as money strings, never floats).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BaseRepr {
    entries: String,
    refundable: Money,
    debt: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    admin_block: Option<String>,
    #[serde(default)]
    closed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lots: Vec<LotRepr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    payments: Vec<PaymentRepr>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    daily: BTreeMap<String, Money>,
    totals: WalletTotals,
    /// Count-vouchers per type (left out when none were ever granted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    vouchers: Vec<VoucherTotals>,
    /// Deposits per deposit product (left out when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    deposits: Vec<DepositTotals>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LotRepr {
    id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
    remaining: Money,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentRepr {
    id: Uuid,
    refundable: Money,
    debt: Money,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lots: Vec<(Uuid, Money)>,
}

impl Wallet {
    /// The refund record of payment `id` (made after the base, or in it).
    pub(super) fn payment(&self, id: &Uuid) -> Option<Cow<'_, PaymentRec>> {
        match self.state.payments.get(id) {
            Some(p) => Some(Cow::Borrowed(p)),
            None => self.base.as_ref().and_then(|b| b.payment(id)),
        }
    }

    /// Folds the first `n` entries of [`Wallet::ledger`] (all of them if fewer) into the wallet's
    /// base: balances, bonus lots, what is still refundable on each payment, the daily spend sums
    /// and the totals stay exactly as they are; the entries themselves, their outcomes and their
    /// ids are no longer kept.
    ///
    /// What a caller gives up, and must then keep elsewhere (its database, the reconciliation
    /// reports): the folded entries ([`Wallet::ledger`] starts after them, [`Wallet::entry`] and
    /// [`Wallet::outcome`] no longer find them) and **retry detection by id** for them — applying
    /// an entry again under a folded id applies it as a new one. Compact only entries that can no
    /// longer be retried (reconciliation compacts final records, whose replays the devices' hash
    /// chains catch). Refunds of folded payments keep working.
    ///
    /// Serialized wallets carry the base (`"base": {...}`) and read it back exactly; a wallet is
    /// equal to itself compacted only if `n` is 0.
    ///
    /// ```
    /// use festival_core::wallet::{Entry, LineItem, Operation, TopUpMethod, Wallet, WalletConfig};
    /// use festival_core::{Currency, Money, Timestamp};
    /// use uuid::Uuid;
    ///
    /// let eur = Currency::iso("EUR")?;
    /// let mut w = Wallet::new(WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(2), eur))?;
    /// let t: Timestamp = "2026-07-04T12:00:00Z".parse()?;
    /// w.apply(Entry::new(Uuid::from_u128(10), t, Operation::TopUp {
    ///     amount: Money::parse("20", eur)?, method: TopUpMethod::Card }))?;
    /// let beer = LineItem::new("beer", 1, Money::parse("4.50", eur)?);
    /// w.apply(Entry::new(Uuid::from_u128(11), t, Operation::Payment {
    ///     stand_id: Uuid::from_u128(7), device_id: None, items: vec![beer], allow_debt: false, catalog_version: None }))?;
    /// w.compact(2)?;
    /// assert!(w.ledger().is_empty());
    /// assert_eq!(w.compacted_entries(), 2);
    /// assert_eq!(w.balances().total.to_string(), "15.50 EUR");
    /// // The folded payment can still be refunded.
    /// w.apply(Entry::new(Uuid::from_u128(12), t, Operation::Refund {
    ///     payment_id: Uuid::from_u128(11), amount: Money::parse("4.50", eur)?, reason: None }))?;
    /// assert_eq!(w.balances().total.to_string(), "20.00 EUR");
    /// # Ok::<(), festival_core::Error>(())
    /// ```
    pub fn compact(&mut self, n: usize) -> Result<(), WalletError> {
        let n = n.min(self.ledger.len());
        if n == 0 {
            return Ok(());
        }
        let entries = self.compacted_entries() + n as u64;
        if n == self.ledger.len() {
            // Everything is folded: the current state is the new base, no replay needed.
            let old = self.base.take().map(|b| b.all_payments()).unwrap_or_default();
            let base = Box::new(Base::fold(entries, std::mem::take(&mut self.state), old));
            self.ledger = Vec::new();
            self.state = base.state.clone();
            self.base = Some(base);
            return Ok(());
        }
        let head = self.ledger.get(..n).unwrap_or_default().to_vec();
        let tail = self.ledger.get(n..).unwrap_or_default().to_vec();
        // The state after the head, on the current base; then the tail replayed on it.
        let folded = self.rebased()?.replay_onto(head)?;
        let old = folded.base.map(|b| b.all_payments()).unwrap_or_default();
        let base = Box::new(Base::fold(entries, folded.state, old));
        let mut w = Wallet::new(self.config.clone())?;
        w.state = base.state.clone();
        w.base = Some(base);
        *self = w.replay_onto(tail)?;
        Ok(())
    }

    /// How many entries [`Wallet::compact`] has folded into the base (0 if never compacted).
    pub fn compacted_entries(&self) -> u64 {
        self.base.as_ref().map_or(0, |b| b.entries)
    }

    /// The wallet rebuilt from its base and its ledger without the entries `remove` names (as if
    /// they had never been applied). Errors with `WALLET_LEDGER_CORRUPT` if a remaining entry no
    /// longer has its recorded effect.
    pub(crate) fn without_entries(&self, remove: &BTreeSet<Uuid>) -> Result<Wallet, WalletError> {
        let ledger: Vec<LedgerEntry> = self.ledger.iter().filter(|e| !remove.contains(&e.id)).cloned().collect();
        self.rebased()?.replay_onto(ledger)
    }

    /// An empty wallet on this wallet's base (no entries after it).
    fn rebased(&self) -> Result<Wallet, WalletError> {
        let mut w = Wallet::new(self.config.clone())?;
        if let Some(b) = &self.base {
            w.state = b.state.clone();
            w.base = Some(b.clone());
        }
        Ok(w)
    }
}

/// Merges two id-sorted lists; on equal ids the second (newer) wins.
fn merge_sorted(old: Vec<(Uuid, PaymentRec)>, new: Vec<(Uuid, PaymentRec)>) -> Vec<(Uuid, PaymentRec)> {
    let mut out = Vec::with_capacity(old.len() + new.len());
    let mut a = old.into_iter().peekable();
    let mut b = new.into_iter().peekable();
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                if x.0 == y.0 {
                    a.next();
                    false
                } else {
                    x.0 < y.0
                }
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if let Some(v) = if take_a { a.next() } else { b.next() } {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wallet::{Entry, LineItem, Operation, TopUpMethod, WalletConfig};

    fn eur() -> Currency {
        Currency::iso("EUR").unwrap()
    }
    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_780_000_000_000 + s * 1000).unwrap()
    }
    fn money(s: &str) -> Money {
        Money::parse(s, eur()).unwrap()
    }
    fn pay(amount: &str) -> Operation {
        Operation::Payment {
            stand_id: Uuid::from_u128(7),
            device_id: None,
            items: vec![LineItem::new("x", 1, money(amount))],
            allow_debt: true,
            catalog_version: None,
        }
    }

    /// A history with top-ups, expiring bonus, payments into debt, refunds of earlier payments.
    fn history() -> Vec<Entry> {
        let id = |n: u128| Uuid::from_u128(0x100 + n);
        vec![
            Entry::new(id(1), t(0), Operation::TopUp { amount: money("10"), method: TopUpMethod::Cash }),
            Entry::new(id(2), t(1), Operation::BonusCredit { amount: money("3"), expires_at: Some(t(100)) }),
            Entry::new(id(3), t(2), pay("4.20")),
            Entry::new(id(4), t(3), pay("12.00")),
            Entry::new(id(5), t(4), Operation::Refund { payment_id: id(3), amount: money("1.10"), reason: None }),
            Entry::new(id(6), t(5), Operation::TopUp { amount: money("5"), method: TopUpMethod::Card }),
            Entry::new(id(7), t(200), pay("2.00")),
            Entry::new(id(8), t(201), Operation::Refund { payment_id: id(4), amount: money("12.00"), reason: None }),
            Entry::new(id(9), t(202), Operation::Refund { payment_id: id(3), amount: money("3.10"), reason: None }),
        ]
    }

    fn wallet() -> Wallet {
        Wallet::new(WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(2), eur())).unwrap()
    }

    /// Compacting at any point, any number of times, changes no balance, total or refundable
    /// amount, and the rest of the history applies exactly as without compaction.
    #[test]
    fn compaction_at_every_point_keeps_every_observable_number() {
        let h = history();
        let mut full = wallet();
        let mut reference = Vec::new();
        for e in &h {
            let o = full.apply(e.clone()).unwrap();
            reference.push((o.balances, full.totals(), full.refundable_on_payment(Uuid::from_u128(0x103))));
        }
        for cut in 0..=h.len() {
            for step in 1..=3 {
                let mut w = wallet();
                for (i, e) in h.iter().enumerate() {
                    if i < cut && i % step == 0 {
                        w.compact(w.ledger().len()).unwrap();
                    }
                    let o = w.apply(e.clone()).unwrap();
                    assert_eq!((o.balances, w.totals(), w.refundable_on_payment(Uuid::from_u128(0x103))), reference[i]);
                }
                assert_eq!(w.balances(), full.balances());
                assert_eq!(w.bonus_lots(), full.bonus_lots());
                assert_eq!(w.day_spend(t(3)), full.day_spend(t(3)));
                // Round trip through JSON keeps the base.
                let json = serde_json::to_string(&w).unwrap();
                let back: Wallet = serde_json::from_str(&json).unwrap();
                assert_eq!(back, w);
            }
        }
    }

    #[test]
    fn without_entries_rebuilds_on_the_base() {
        let h = history();
        let mut w = wallet();
        for e in &h {
            w.apply(e.clone()).unwrap();
        }
        w.compact(4).unwrap();
        assert_eq!(w.compacted_entries(), 4);
        assert_eq!(w.ledger().len(), h.len() - 4);
        let drop: BTreeSet<Uuid> = [Uuid::from_u128(0x109)].into();
        let rebuilt = w.without_entries(&drop).unwrap();
        let mut expected = wallet();
        for e in h.iter().take(8) {
            expected.apply(e.clone()).unwrap();
        }
        assert_eq!(rebuilt.balances(), expected.balances());
        assert_eq!(
            rebuilt.refundable_on_payment(Uuid::from_u128(0x103)),
            expected.refundable_on_payment(Uuid::from_u128(0x103))
        );
    }

    #[test]
    fn a_tampered_base_is_refused() {
        let mut w = wallet();
        for e in history() {
            w.apply(e).unwrap();
        }
        w.compact(9).unwrap();
        let json = serde_json::to_value(&w).unwrap();
        assert!(serde_json::from_value::<Wallet>(json.clone()).is_ok());
        let mut bad = json.clone();
        bad["base"]["refundable"]["amount"] = "-1.00".into();
        assert!(serde_json::from_value::<Wallet>(bad).is_err(), "a negative refundable base");
        let mut mixed = json.clone();
        mixed["base"]["debt"]["currency"] = "USD".into();
        assert!(serde_json::from_value::<Wallet>(mixed).is_err(), "a base amount in another currency");
        let mut lot = json;
        lot["base"]["payments"][0]["lots"] =
            serde_json::json!([[Uuid::from_u128(99), {"amount": "1.00", "currency": "EUR"}]]);
        assert!(serde_json::from_value::<Wallet>(lot).is_err(), "a payment naming an unknown lot");
    }
}
