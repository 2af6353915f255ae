//! The wallet engine: applies operations as ledger entries and derives balances by replay.

use super::error::WalletError;
use super::types::*;
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// Largest magnitude (in minor units) any balance or running total may reach: the mantissa range
/// of `Money` (96 bits). Every state change is checked against it before it is committed.
const MAX_MINOR: i128 = (1i128 << 96) - 1;
/// Longest reason / SKU text accepted.
const MAX_TEXT: usize = 256;
const MAX_SKU: usize = 64;
/// Most line items in one payment.
const MAX_ITEMS: usize = 1000;

/// A cashless wallet: config + ledger, with balances derived by replaying the ledger.
///
/// Every change is an [`Entry`] (caller-given id and time) applied with [`Wallet::apply`] (or
/// [`Wallet::transfer`] for two wallets). Applying an id again returns the original [`Outcome`]
/// with `replayed: true`; a different operation under a used id is
/// `WALLET_DUPLICATE_ENTRY_CONFLICT`; a failed operation changes nothing and does not use its id.
/// Serde writes `{"config": ..., "ledger": [...]}` and reading replays the ledger, so stored
/// balances can never disagree with the entries.
///
/// ```
/// use festival_core::wallet::{Entry, LineItem, Operation, TopUpMethod, Wallet, WalletConfig};
/// use festival_core::{Currency, Money, Timestamp};
/// use uuid::Uuid;
///
/// let eur = Currency::iso("EUR")?;
/// let mut w = Wallet::new(WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(2), eur))?;
/// let t: Timestamp = "2026-07-04T12:00:00Z".parse()?;
/// let top_up = Operation::TopUp { amount: Money::parse("20", eur)?, method: TopUpMethod::Card };
/// w.apply(Entry::new(Uuid::from_u128(10), t, top_up))?;
/// w.apply(Entry::new(Uuid::from_u128(11), t, Operation::BonusCredit {
///     amount: Money::parse("5", eur)?, expires_at: None }))?;
/// let beer = LineItem::new("beer-05", 2, Money::parse("4.50", eur)?);
/// let pay = Operation::Payment { stand_id: Uuid::from_u128(7), device_id: None, items: vec![beer],
///                                allow_debt: false, catalog_version: None };
/// let out = w.apply(Entry::new(Uuid::from_u128(12), t, pay.clone()))?;
/// assert_eq!(out.from_bonus().to_string(), "5.00 EUR");        // bonus is spent first
/// assert_eq!(out.from_refundable().to_string(), "4.00 EUR");
/// assert_eq!(w.balances().total.to_string(), "16.00 EUR");
/// // A retry with the same id changes nothing and reports the original outcome.
/// let again = w.apply(Entry::new(Uuid::from_u128(12), t, pay))?;
/// assert!(again.replayed);
/// assert_eq!(w.balances().total.to_string(), "16.00 EUR");
/// // The totals explain the balance exactly.
/// assert_eq!(w.totals().net()?, w.balances().total);
/// # Ok::<(), festival_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    config: WalletConfig,
    /// What [`Wallet::compact`] kept of the entries it folded away (none until then).
    base: Option<Box<compact::Base>>,
    /// The entries after the base, in order of application.
    ledger: Vec<LedgerEntry>,
    state: State,
}

mod compact;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Lot {
    id: Uuid,
    expires_at: Option<Timestamp>,
    remaining: i128,
}

/// What is still refundable on a payment, split by origin (`lots` in consumption order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct PaymentRec {
    debt: i128,
    refundable: i128,
    lots: Vec<(Uuid, i128)>,
}

impl PaymentRec {
    fn total(&self) -> i128 {
        self.debt + self.refundable + self.lots.iter().map(|(_, a)| a).sum::<i128>()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Totals {
    top_ups: i128,
    bonus_credits: i128,
    payments: i128,
    refunds: i128,
    payouts: i128,
    payout_fees: i128,
    adjustments: i128,
    transfers_in: i128,
    transfers_out: i128,
    bonus_expired: i128,
    bonus_forfeited: i128,
    deposits_charged: i128,
    deposit_returns: i128,
}

impl Totals {
    fn fields(&self) -> [i128; 13] {
        [
            self.top_ups,
            self.bonus_credits,
            self.payments,
            self.refunds,
            self.payouts,
            self.payout_fees,
            self.adjustments,
            self.transfers_in,
            self.transfers_out,
            self.bonus_expired,
            self.bonus_forfeited,
            self.deposits_charged,
            self.deposit_returns,
        ]
    }

    fn plus(&self, d: &Totals) -> Option<Totals> {
        let a = |x: i128, y: i128| x.checked_add(y);
        Some(Totals {
            top_ups: a(self.top_ups, d.top_ups)?,
            bonus_credits: a(self.bonus_credits, d.bonus_credits)?,
            payments: a(self.payments, d.payments)?,
            refunds: a(self.refunds, d.refunds)?,
            payouts: a(self.payouts, d.payouts)?,
            payout_fees: a(self.payout_fees, d.payout_fees)?,
            adjustments: a(self.adjustments, d.adjustments)?,
            transfers_in: a(self.transfers_in, d.transfers_in)?,
            transfers_out: a(self.transfers_out, d.transfers_out)?,
            bonus_expired: a(self.bonus_expired, d.bonus_expired)?,
            bonus_forfeited: a(self.bonus_forfeited, d.bonus_forfeited)?,
            deposits_charged: a(self.deposits_charged, d.deposits_charged)?,
            deposit_returns: a(self.deposit_returns, d.deposit_returns)?,
        })
    }
}

/// Derived state, rebuilt from the ledger; never persisted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct State {
    refundable: i128,
    debt: i128,
    /// Bonus lots in creation order (including spent ones: refunds may restore them).
    lots: Vec<Lot>,
    /// Lot id -> index in `lots`.
    lot_index: HashMap<Uuid, usize>,
    /// Lots with something left, in spending order.
    active: BTreeSet<LotKey>,
    /// Sum of the lots' remaining amounts.
    bonus: i128,
    admin_block: Option<String>,
    closed: bool,
    /// Payments by entry id: what remains refundable on each (for a compacted wallet: the
    /// payments made or refunded after the base; the others are in the base).
    payments: HashMap<Uuid, PaymentRec>,
    /// Payment sums per festival day number (the config's calendar; UTC days by default).
    daily: BTreeMap<i64, i128>,
    /// Entry id -> index in the ledger (and in `outcomes`).
    index: HashMap<Uuid, usize>,
    outcomes: Vec<Outcome>,
    totals: Totals,
    /// Count-vouchers per type.
    vouchers: BTreeMap<String, VoucherCounts>,
    /// Deposits per deposit product.
    deposits: BTreeMap<String, DepositCounts>,
}

/// Count-voucher sums of one type (counts, not money); held = granted - revoked - redeemed -
/// forfeited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct VoucherCounts {
    pub(super) granted: u64,
    pub(super) revoked: u64,
    pub(super) redeemed: u64,
    pub(super) forfeited: u64,
}

impl VoucherCounts {
    pub(super) fn held_public(&self) -> u64 {
        self.held()
    }

    fn held(&self) -> u64 {
        self.granted.saturating_sub(self.revoked).saturating_sub(self.redeemed).saturating_sub(self.forfeited)
    }

    fn plus(&self, d: &VoucherCounts) -> Option<VoucherCounts> {
        Some(VoucherCounts {
            granted: self.granted.checked_add(d.granted)?,
            revoked: self.revoked.checked_add(d.revoked)?,
            redeemed: self.redeemed.checked_add(d.redeemed)?,
            forfeited: self.forfeited.checked_add(d.forfeited)?,
        })
    }
}

/// Deposit sums of one deposit product (units and minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct DepositCounts {
    pub(super) charged_quantity: u64,
    pub(super) charged: i128,
    pub(super) returned_quantity: u64,
    pub(super) returned: i128,
}

impl DepositCounts {
    fn plus(&self, d: &DepositCounts) -> Option<DepositCounts> {
        Some(DepositCounts {
            charged_quantity: self.charged_quantity.checked_add(d.charged_quantity)?,
            charged: self.charged.checked_add(d.charged).filter(|v| v.abs() <= MAX_MINOR)?,
            returned_quantity: self.returned_quantity.checked_add(d.returned_quantity)?,
            returned: self.returned.checked_add(d.returned).filter(|v| v.abs() <= MAX_MINOR)?,
        })
    }
}

/// Spending order of a lot: soonest expiry first, lots without expiry last, then creation order.
type LotKey = (bool, Option<Timestamp>, usize);

fn lot_key(l: &Lot, index: usize) -> LotKey {
    (l.expires_at.is_none(), l.expires_at, index)
}

impl State {
    fn bonus(&self) -> i128 {
        self.bonus
    }

    /// Lots with something left, in spending order.
    fn active_lots(&self) -> impl Iterator<Item = &Lot> + '_ {
        self.active.iter().filter_map(|&(_, _, i)| self.lots.get(i))
    }

    /// Lots with something left whose expiry time is at or before `at` (not spendable at `at`).
    /// They come first in spending order, so this stops at the first lot still valid.
    fn expired_lots(&self, at: Timestamp) -> impl Iterator<Item = &Lot> + '_ {
        self.active_lots().take_while(move |l| l.expires_at.is_some_and(|e| e <= at))
    }

    /// Lots spendable at `at`, in spending order.
    fn live_lots(&self, at: Timestamp) -> impl Iterator<Item = &Lot> + '_ {
        self.active_lots().filter(move |l| l.expires_at.map_or(true, |e| e > at))
    }

    fn set_lot(&mut self, index: usize, remaining: i128) {
        if let Some(l) = self.lots.get_mut(index) {
            let key = lot_key(l, index);
            self.bonus += remaining - l.remaining;
            l.remaining = remaining;
            if remaining > 0 {
                self.active.insert(key);
            } else {
                self.active.remove(&key);
            }
        }
    }
}

/// The checked effect of one operation, computed before anything is mutated.
#[derive(Debug, Default)]
struct Plan {
    refundable: i128,
    debt: i128,
    lot_deltas: Vec<(Uuid, i128)>,
    new_lot: Option<Lot>,
    new_payment: Option<PaymentRec>,
    /// A refund: the payment and what is taken off its refundable remainder.
    refund: Option<(Uuid, PaymentRec)>,
    admin_block: Option<Option<String>>,
    close: bool,
    day_spend: Option<(i64, i128)>,
    totals: Totals,
    vouchers: BTreeMap<String, VoucherCounts>,
    deposits: BTreeMap<String, DepositCounts>,
}

impl Plan {
    fn bonus_delta(&self) -> i128 {
        self.lot_deltas.iter().map(|(_, a)| a).sum::<i128>() + self.new_lot.as_ref().map_or(0, |l| l.remaining)
    }
}

/// Whether transfer sides may be applied (only by `transfer` and replay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Live,
    TransferSide,
    Replay,
}

fn overflow(op: &str) -> WalletError {
    WalletError::Overflow { operation: op.into() }
}

fn add(a: i128, b: i128, op: &str) -> Result<i128, WalletError> {
    a.checked_add(b).filter(|v| v.abs() <= MAX_MINOR).ok_or_else(|| overflow(op))
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), WalletError> {
    if text.trim().is_empty() {
        return Err(WalletError::InvalidOperation { reason: format!("{field} must not be empty") });
    }
    if text.chars().count() > max {
        return Err(WalletError::InvalidOperation { reason: format!("{field} is longer than {max} characters") });
    }
    Ok(())
}

impl Wallet {
    /// An empty, active wallet. Errors with `WALLET_INVALID_CONFIG` if a limit is negative or in
    /// another currency.
    pub fn new(config: WalletConfig) -> Result<Wallet, WalletError> {
        let l = &config.limits;
        for (name, limit) in [
            ("max_balance", &l.max_balance),
            ("max_single_payment", &l.max_single_payment),
            ("max_daily_spend", &l.max_daily_spend),
        ] {
            if let Some(m) = limit {
                if m.currency() != config.currency {
                    return Err(WalletError::InvalidConfig {
                        reason: format!("{name} is in {}, the wallet uses {}", m.currency(), config.currency),
                    });
                }
                if m.is_negative() {
                    return Err(WalletError::InvalidConfig { reason: format!("{name} is negative") });
                }
            }
        }
        Ok(Wallet { config, base: None, ledger: Vec::new(), state: State::default() })
    }

    /// Rebuilds a wallet from its config and ledger by re-executing every entry and checking that
    /// each reproduces its recorded effect. Errors with `WALLET_LEDGER_CORRUPT` (naming the first
    /// bad entry) if an entry fails, repeats an id or records a different effect.
    pub fn replay(config: WalletConfig, ledger: Vec<LedgerEntry>) -> Result<Wallet, WalletError> {
        Wallet::new(config)?.replay_onto(ledger)
    }

    /// Applies `ledger` after what the wallet holds, checking each recorded effect (see
    /// [`Wallet::replay`]).
    fn replay_onto(mut self, ledger: Vec<LedgerEntry>) -> Result<Wallet, WalletError> {
        let w = &mut self;
        for recorded in ledger {
            let corrupt = |reason: String| WalletError::LedgerCorrupt { entry_id: recorded.id.to_string(), reason };
            if w.state.index.contains_key(&recorded.id) {
                return Err(corrupt("the entry id repeats".into()));
            }
            let plan = w.plan(recorded.at, &recorded.operation, recorded.id, Mode::Replay).map_err(|e| {
                use crate::error::ErrorCode;
                corrupt(format!("{}: {e}", e.code()))
            })?;
            let entry = w.ledger_entry(recorded.id, recorded.at, recorded.operation.clone(), &plan);
            if entry != recorded {
                return Err(corrupt("the recorded effect differs from the replayed one".into()));
            }
            w.commit(entry, plan);
        }
        Ok(self)
    }

    /// The configuration.
    pub fn config(&self) -> &WalletConfig {
        &self.config
    }

    /// The wallet id.
    pub fn id(&self) -> Uuid {
        self.config.id
    }

    /// The wallet's currency.
    pub fn currency(&self) -> Currency {
        self.config.currency
    }

    /// Every applied entry, in order of application; after [`Wallet::compact`], the entries after
    /// the folded ones.
    pub fn ledger(&self) -> &[LedgerEntry] {
        &self.ledger
    }

    /// The applied entry with this id.
    pub fn entry(&self, id: Uuid) -> Option<&LedgerEntry> {
        self.state.index.get(&id).and_then(|&i| self.ledger.get(i))
    }

    /// The original outcome of the entry with this id (`replayed: false`).
    pub fn outcome(&self, id: Uuid) -> Option<&Outcome> {
        self.state.index.get(&id).and_then(|&i| self.state.outcomes.get(i))
    }

    fn money(&self, minor: i128) -> Money {
        // Every committed value was checked against MAX_MINOR, which Money can always hold.
        Money::from_minor_i128(minor, self.config.currency).unwrap_or_else(|_| Money::zero(self.config.currency))
    }

    /// Current balances.
    pub fn balances(&self) -> Balances {
        let s = &self.state;
        Balances {
            refundable: self.money(s.refundable),
            bonus: self.money(s.bonus()),
            debt: self.money(s.debt),
            total: self.money(s.refundable + s.bonus() - s.debt),
        }
    }

    /// What a payment at time `at` could spend: refundable money plus bonus lots not expired at
    /// `at`.
    pub fn spendable(&self, at: Timestamp) -> Money {
        self.money(self.spendable_minor(at))
    }

    fn spendable_minor(&self, at: Timestamp) -> i128 {
        self.state.refundable + self.state.live_lots(at).map(|l| l.remaining).sum::<i128>()
    }

    /// Running sums over the ledger (see [`WalletTotals::net`] for the conservation identity).
    pub fn totals(&self) -> WalletTotals {
        let t = &self.state.totals;
        WalletTotals {
            top_ups: self.money(t.top_ups),
            bonus_credits: self.money(t.bonus_credits),
            payments: self.money(t.payments),
            refunds: self.money(t.refunds),
            payouts: self.money(t.payouts),
            payout_fees: self.money(t.payout_fees),
            adjustments: self.money(t.adjustments),
            transfers_in: self.money(t.transfers_in),
            transfers_out: self.money(t.transfers_out),
            bonus_expired: self.money(t.bonus_expired),
            bonus_forfeited: self.money(t.bonus_forfeited),
            deposits_charged: self.money(t.deposits_charged),
            deposit_returns: self.money(t.deposit_returns),
        }
    }

    /// Count-vouchers held now, per type (types with none held are left out).
    pub fn vouchers(&self) -> BTreeMap<String, u64> {
        self.state.vouchers.iter().map(|(t, c)| (t.clone(), c.held())).filter(|(_, n)| *n > 0).collect()
    }

    /// Count-voucher sums per type, sorted by type (counts, not money).
    pub fn voucher_totals(&self) -> Vec<VoucherTotals> {
        self.state
            .vouchers
            .iter()
            .map(|(t, c)| VoucherTotals {
                voucher_type: t.clone(),
                granted: c.granted,
                revoked: c.revoked,
                redeemed: c.redeemed,
                forfeited: c.forfeited,
                balance: c.held(),
            })
            .collect()
    }

    /// Deposits charged, returned and outstanding per deposit product, sorted by product.
    pub fn deposits(&self) -> Vec<DepositTotals> {
        self.state
            .deposits
            .iter()
            .map(|(p, d)| DepositTotals {
                product: p.clone(),
                charged_quantity: d.charged_quantity,
                charged: self.money(d.charged),
                returned_quantity: d.returned_quantity,
                returned: self.money(d.returned),
                outstanding_quantity: i64::try_from(i128::from(d.charged_quantity) - i128::from(d.returned_quantity))
                    .unwrap_or(i64::MIN),
                outstanding: self.money(d.charged - d.returned),
            })
            .collect()
    }

    /// [`Wallet::apply`] at a POS that holds the product catalog: a payment must carry the
    /// catalog's version and match its prices, kinds, voucher prices and deposits
    /// ([`crate::catalog::Catalog::check_payment`]), and no product may be above the wallet's age
    /// class (`CATALOG_AGE_RESTRICTED`, [`crate::catalog::Catalog::check_age`]); a deposit return
    /// must be a deposit at its price ([`crate::catalog::Catalog::check_deposit_return`]). Other
    /// operations are applied as by [`Wallet::apply`]. A retry of an applied entry reports the
    /// original outcome without checking again.
    pub fn apply_with_catalog(
        &mut self,
        entry: Entry,
        catalog: &crate::catalog::Catalog,
    ) -> Result<Outcome, WalletError> {
        if let Some(previous) = self.previous_outcome(&entry)? {
            return Ok(previous);
        }
        match &entry.operation {
            Operation::Payment { items, catalog_version, .. } => {
                catalog.check_payment(items, *catalog_version)?;
                catalog.check_age(items, self.config.age_class)?;
            }
            Operation::DepositReturn { product, quantity, amount, .. } => {
                catalog.check_deposit_return(product, *quantity, amount)?;
            }
            _ => {}
        }
        self.apply(entry)
    }

    /// The current status.
    pub fn status(&self) -> WalletStatus {
        if self.state.closed {
            WalletStatus::Closed
        } else if self.state.admin_block.is_some() || self.state.debt > 0 {
            WalletStatus::Blocked
        } else {
            WalletStatus::Active
        }
    }

    /// Why the wallet is blocked (empty unless blocked).
    pub fn block_reasons(&self) -> Vec<BlockReason> {
        let mut v = Vec::new();
        if self.state.closed {
            return v;
        }
        if let Some(reason) = &self.state.admin_block {
            v.push(BlockReason::Admin { reason: reason.clone() });
        }
        if self.state.debt > 0 {
            v.push(BlockReason::Debt {});
        }
        v
    }

    /// Bonus lots with something left, in creation order.
    pub fn bonus_lots(&self) -> Vec<BonusLot> {
        let mut indices: Vec<usize> = self.state.active.iter().map(|&(_, _, i)| i).collect();
        indices.sort_unstable();
        indices
            .into_iter()
            .filter_map(|i| self.state.lots.get(i))
            .map(|l| BonusLot { lot_id: l.id, expires_at: l.expires_at, remaining: self.money(l.remaining) })
            .collect()
    }

    /// Sum of payments on the festival day containing `at` in the wallet's calendar (what counts
    /// against `max_daily_spend`; UTC days unless the config sets a calendar).
    pub fn day_spend(&self, at: Timestamp) -> Money {
        self.money(self.state.daily.get(&self.config.calendar.day_number(at)).copied().unwrap_or(0))
    }

    /// What is still refundable on payment `payment_id`, if it is a payment of this wallet.
    pub fn refundable_on_payment(&self, payment_id: Uuid) -> Option<Money> {
        self.payment(&payment_id).map(|p| self.money(p.total()))
    }

    /// Applies one entry. Transfers go through [`Wallet::transfer`] instead.
    ///
    /// On success returns what the entry did; if the id was already applied with the same time
    /// and operation, returns the original outcome with `replayed: true` and changes nothing.
    /// On error nothing changes and the id stays unused.
    pub fn apply(&mut self, entry: Entry) -> Result<Outcome, WalletError> {
        if let Some(previous) = self.previous_outcome(&entry)? {
            return Ok(previous);
        }
        let plan = self.plan(entry.at, &entry.operation, entry.id, Mode::Live)?;
        let le = self.ledger_entry(entry.id, entry.at, entry.operation, &plan);
        Ok(self.commit(le, plan))
    }

    /// Moves refundable money from `from` to `to` atomically: both wallets get an entry with id
    /// `id` (`transfer_out` / `transfer_in`), or neither changes. Both must belong to the same
    /// festival and currency; `from` must be active and `to` not closed; `to`'s `max_balance`
    /// applies; debt of `to` is settled first. Retrying with the same id reports the original
    /// outcomes.
    pub fn transfer(
        from: &mut Wallet,
        to: &mut Wallet,
        id: Uuid,
        at: Timestamp,
        amount: Money,
    ) -> Result<TransferOutcome, WalletError> {
        if from.id() == to.id() {
            return Err(WalletError::TransferInvalid { reason: "a wallet cannot transfer to itself".into() });
        }
        if from.config.festival_id != to.config.festival_id {
            return Err(WalletError::TransferInvalid { reason: "the wallets belong to different festivals".into() });
        }
        if from.currency() != to.currency() {
            return Err(WalletError::TransferInvalid {
                reason: format!("the wallets use different currencies ({} and {})", from.currency(), to.currency()),
            });
        }
        let out_entry = Entry::new(id, at, Operation::TransferOut { to_wallet: to.id(), amount });
        let in_entry = Entry::new(id, at, Operation::TransferIn { from_wallet: from.id(), amount });
        match (from.previous_outcome(&out_entry)?, to.previous_outcome(&in_entry)?) {
            (Some(a), Some(b)) => return Ok(TransferOutcome { from: a, to: b }),
            (None, None) => {}
            _ => return Err(WalletError::DuplicateEntryConflict { entry_id: id.to_string() }),
        }
        let out_plan = from.plan(at, &out_entry.operation, id, Mode::TransferSide)?;
        let in_plan = to.plan(at, &in_entry.operation, id, Mode::TransferSide)?;
        let out_le = from.ledger_entry(id, at, out_entry.operation, &out_plan);
        let in_le = to.ledger_entry(id, at, in_entry.operation, &in_plan);
        let a = from.commit(out_le, out_plan);
        let b = to.commit(in_le, in_plan);
        Ok(TransferOutcome { from: a, to: b })
    }

    /// If `entry.id` was applied: the original outcome (marked replayed) when the request is the
    /// same, a conflict error otherwise.
    fn previous_outcome(&self, entry: &Entry) -> Result<Option<Outcome>, WalletError> {
        let Some(&i) = self.state.index.get(&entry.id) else { return Ok(None) };
        let same = self.ledger.get(i).is_some_and(|e| e.at == entry.at && e.operation == entry.operation);
        match (same, self.state.outcomes.get(i)) {
            (true, Some(o)) => Ok(Some(Outcome { replayed: true, ..o.clone() })),
            _ => Err(WalletError::DuplicateEntryConflict { entry_id: entry.id.to_string() }),
        }
    }

    fn ledger_entry(&self, id: Uuid, at: Timestamp, operation: Operation, plan: &Plan) -> LedgerEntry {
        let mut bonus_lots: Vec<LotDelta> =
            plan.lot_deltas.iter().map(|(lot_id, a)| LotDelta { lot_id: *lot_id, amount: self.money(*a) }).collect();
        if let Some(l) = &plan.new_lot {
            bonus_lots.push(LotDelta { lot_id: l.id, amount: self.money(l.remaining) });
        }
        LedgerEntry {
            id,
            at,
            operation,
            refundable_delta: self.money(plan.refundable),
            bonus_delta: self.money(plan.bonus_delta()),
            debt_delta: self.money(plan.debt),
            bonus_lots,
        }
    }

    /// Applies a checked plan. Cannot fail: every value was checked by `plan`.
    fn commit(&mut self, entry: LedgerEntry, plan: Plan) -> Outcome {
        let s = &mut self.state;
        s.refundable += plan.refundable;
        s.debt += plan.debt;
        for (lot_id, d) in &plan.lot_deltas {
            if let Some(&i) = s.lot_index.get(lot_id) {
                let remaining = s.lots.get(i).map_or(0, |l| l.remaining) + d;
                s.set_lot(i, remaining);
            }
        }
        if let Some(l) = plan.new_lot {
            let i = s.lots.len();
            let remaining = l.remaining;
            s.lot_index.insert(l.id, i);
            s.lots.push(Lot { remaining: 0, ..l });
            s.set_lot(i, remaining);
        }
        if let Some(p) = plan.new_payment {
            s.payments.insert(entry.id, p);
        }
        if let Some((pid, take)) = plan.refund {
            if !s.payments.contains_key(&pid) {
                // A payment of the base: refunded from now on in the overlay.
                if let Some(p) = self.base.as_ref().and_then(|b| b.payment(&pid)) {
                    s.payments.insert(pid, p.into_owned());
                }
            }
            if let Some(p) = s.payments.get_mut(&pid) {
                p.debt -= take.debt;
                p.refundable -= take.refundable;
                for (lot, a) in &take.lots {
                    if let Some(x) = p.lots.iter_mut().find(|(l, _)| l == lot) {
                        x.1 -= a;
                    }
                }
            }
        }
        if let Some(b) = plan.admin_block {
            s.admin_block = b;
        }
        if plan.close {
            s.closed = true;
        }
        if let Some((day, amount)) = plan.day_spend {
            *s.daily.entry(day).or_insert(0) += amount;
        }
        s.totals = s.totals.plus(&plan.totals).unwrap_or(s.totals);
        for (k, d) in plan.vouchers {
            let e = s.vouchers.entry(k).or_default();
            *e = e.plus(&d).unwrap_or(*e);
        }
        for (k, d) in plan.deposits {
            let e = s.deposits.entry(k).or_default();
            *e = e.plus(&d).unwrap_or(*e);
        }
        let idx = self.ledger.len();
        s.index.insert(entry.id, idx);
        let outcome = Outcome {
            entry_id: entry.id,
            replayed: false,
            kind: entry.kind().to_string(),
            refundable_delta: entry.refundable_delta,
            bonus_delta: entry.bonus_delta,
            debt_delta: entry.debt_delta,
            balances: self.balances(),
            status: self.status(),
        };
        self.state.outcomes.push(outcome.clone());
        self.ledger.push(entry);
        outcome
    }

    /// Takes up to `amount` from `lots` in order; returns the (negative) deltas and what was taken.
    fn take_from_lots<'a>(lots: impl Iterator<Item = &'a Lot>, amount: i128) -> (Vec<(Uuid, i128)>, i128) {
        let mut left = amount;
        let mut deltas = Vec::new();
        for l in lots {
            if left <= 0 {
                break;
            }
            let t = l.remaining.min(left);
            if t > 0 {
                deltas.push((l.id, -t));
                left -= t;
            }
        }
        (deltas, amount - left)
    }

    fn minor(&self, field: &str, m: &Money) -> Result<i128, WalletError> {
        if m.currency() != self.config.currency {
            return Err(WalletError::CurrencyMismatch {
                expected: self.config.currency.to_string(),
                actual: m.currency().to_string(),
            });
        }
        let v = m.minor_units();
        if v.abs() > MAX_MINOR {
            return Err(overflow(field));
        }
        Ok(v)
    }

    fn positive(&self, field: &str, m: &Money) -> Result<i128, WalletError> {
        let v = self.minor(field, m)?;
        if v <= 0 {
            return Err(WalletError::InvalidAmount {
                field: field.into(),
                amount: m.amount_string(),
                reason: "must be positive".into(),
            });
        }
        Ok(v)
    }

    fn insufficient(&self, needed: i128, available: i128) -> WalletError {
        WalletError::InsufficientFunds {
            wallet_id: self.id().to_string(),
            needed: self.money(needed).amount_string(),
            available: self.money(available).amount_string(),
            currency: self.config.currency.to_string(),
        }
    }

    fn limit_error(&self, limit: &str, maximum: &Money, attempted: i128) -> WalletError {
        WalletError::LimitExceeded {
            limit: limit.into(),
            maximum: maximum.amount_string(),
            attempted: self.money(attempted.min(MAX_MINOR)).amount_string(),
            currency: self.config.currency.to_string(),
        }
    }

    fn blocked_error(&self) -> WalletError {
        let reasons = self
            .block_reasons()
            .into_iter()
            .map(|r| match r {
                BlockReason::Admin { reason } => format!("admin: {reason}"),
                BlockReason::Debt {} => "debt".to_string(),
            })
            .collect();
        WalletError::Blocked { wallet_id: self.id().to_string(), reasons }
    }

    /// Refuses debits on a blocked wallet.
    fn ensure_active(&self) -> Result<(), WalletError> {
        if self.status() == WalletStatus::Blocked {
            Err(self.blocked_error())
        } else {
            Ok(())
        }
    }

    /// Credits money to the refundable balance, settling debt first. Checks `max_balance`.
    fn credit_refundable(&self, amount: i128, plan: &mut Plan, check_limit: bool) -> Result<(), WalletError> {
        let settle = amount.min(self.state.debt);
        plan.debt = -settle;
        plan.refundable = amount - settle;
        if check_limit {
            self.check_max_balance(plan.refundable)?;
        }
        Ok(())
    }

    fn check_max_balance(&self, increase: i128) -> Result<(), WalletError> {
        if let Some(max) = &self.config.limits.max_balance {
            let after = add(add(self.state.refundable, self.state.bonus(), "balance")?, increase, "balance")?;
            if increase > 0 && after > max.minor_units() {
                return Err(self.limit_error("max_balance", max, after));
            }
        }
        Ok(())
    }

    /// Computes and checks the effect of `op` without changing anything.
    fn plan(&self, at: Timestamp, op: &Operation, id: Uuid, mode: Mode) -> Result<Plan, WalletError> {
        if self.state.closed {
            return Err(WalletError::Closed { wallet_id: self.id().to_string() });
        }
        let mut p = Plan::default();
        match op {
            Operation::TopUp { amount, .. } => {
                let a = self.positive("amount", amount)?;
                self.credit_refundable(a, &mut p, true)?;
                p.totals.top_ups = a;
            }
            Operation::BonusCredit { amount, expires_at } => {
                let a = self.positive("amount", amount)?;
                self.check_max_balance(a)?;
                p.new_lot = Some(Lot { id, expires_at: *expires_at, remaining: a });
                p.totals.bonus_credits = a;
            }
            Operation::Payment { items, allow_debt, .. } => {
                let total = self.payment_total(items)?;
                self.plan_lines(items, &mut p)?;
                if !allow_debt {
                    self.ensure_active()?;
                }
                let day = self.config.calendar.day_number(at);
                let day_before = self.state.daily.get(&day).copied().unwrap_or(0);
                if !allow_debt {
                    let limits = &self.config.limits;
                    if let Some(max) = &limits.max_single_payment {
                        if total > max.minor_units() {
                            return Err(self.limit_error("max_single_payment", max, total));
                        }
                    }
                    if let Some(max) = &limits.max_daily_spend {
                        let after = add(day_before, total, "daily spend")?;
                        if after > max.minor_units() {
                            return Err(self.limit_error("max_daily_spend", max, after));
                        }
                    }
                }
                let expired: i128 = self.state.expired_lots(at).map(|l| l.remaining).sum();
                let bonus_avail = self.state.bonus() - expired;
                let available = self.state.refundable + bonus_avail;
                if total > available && !allow_debt {
                    return Err(self.insufficient(total, available));
                }
                let (lot_deltas, from_bonus, from_refundable) = match self.config.spend_order {
                    SpendOrder::BonusFirst => {
                        let (d, b) = Self::take_from_lots(self.state.live_lots(at), total);
                        let r = (total - b).min(self.state.refundable);
                        (d, b, r)
                    }
                    SpendOrder::RefundableFirst => {
                        let r = total.min(self.state.refundable);
                        let (d, b) = Self::take_from_lots(self.state.live_lots(at), total - r);
                        (d, b, r)
                    }
                };
                let debt = total - from_bonus - from_refundable;
                p.refundable = -from_refundable;
                p.debt = debt;
                add(self.state.debt, debt, "debt")?;
                p.new_payment = Some(PaymentRec {
                    debt,
                    refundable: from_refundable,
                    lots: lot_deltas.iter().map(|(l, a)| (*l, -a)).collect(),
                });
                p.lot_deltas = lot_deltas;
                p.day_spend = Some((day, total));
                add(day_before, total, "daily spend")?;
                p.totals.payments = total;
                p.totals.deposits_charged = p.deposits.values().map(|d| d.charged).sum();
            }
            Operation::Refund { payment_id, amount, reason } => {
                if let Some(r) = reason {
                    check_text("reason", r, MAX_TEXT)?;
                }
                let a = self.positive("amount", amount)?;
                let rec = self
                    .payment(payment_id)
                    .ok_or_else(|| WalletError::UnknownPayment { payment_id: payment_id.to_string() })?;
                let remaining = rec.total();
                if a > remaining {
                    return Err(WalletError::RefundExceedsPayment {
                        payment_id: payment_id.to_string(),
                        requested: amount.amount_string(),
                        remaining: self.money(remaining).amount_string(),
                        currency: self.config.currency.to_string(),
                    });
                }
                let mut take = PaymentRec { debt: a.min(rec.debt), ..PaymentRec::default() };
                let mut left = a - take.debt;
                take.refundable = left.min(rec.refundable);
                left -= take.refundable;
                for (lot, amt) in rec.lots.iter().rev() {
                    if left == 0 {
                        break;
                    }
                    let t = (*amt).min(left);
                    if t > 0 {
                        take.lots.push((*lot, t));
                        p.lot_deltas.push((*lot, t));
                        left -= t;
                    }
                }
                // The debt part cancels debt; the refundable part is restored, settling any other
                // debt first like every refundable credit.
                let settle = take.refundable.min(self.state.debt - take.debt);
                p.debt = -take.debt - settle;
                p.refundable = take.refundable - settle;
                p.refund = Some((*payment_id, take));
                p.totals.refunds = a;
            }
            Operation::Payout { amount, fee } => {
                self.ensure_active()?;
                let a = self.positive("amount", amount)?;
                let f = match fee {
                    Some(f) => {
                        let v = self.minor("fee", f)?;
                        if v < 0 {
                            return Err(WalletError::InvalidAmount {
                                field: "fee".into(),
                                amount: f.amount_string(),
                                reason: "must not be negative".into(),
                            });
                        }
                        v
                    }
                    None => 0,
                };
                if f > a {
                    return Err(WalletError::FeeExceedsAmount {
                        fee: self.money(f).amount_string(),
                        amount: amount.amount_string(),
                        currency: self.config.currency.to_string(),
                    });
                }
                if a > self.state.refundable {
                    return Err(self.insufficient(a, self.state.refundable));
                }
                p.refundable = -a;
                p.totals.payouts = a - f;
                p.totals.payout_fees = f;
            }
            Operation::Adjustment { amount, target, reason } => {
                check_text("reason", reason, MAX_TEXT)?;
                let a = self.minor("amount", amount)?;
                if a == 0 {
                    return Err(WalletError::InvalidAmount {
                        field: "amount".into(),
                        amount: amount.amount_string(),
                        reason: "must not be zero".into(),
                    });
                }
                match (target, a > 0) {
                    (SubBalance::Refundable, true) => self.credit_refundable(a, &mut p, false)?,
                    (SubBalance::Refundable, false) => {
                        if -a > self.state.refundable {
                            return Err(self.insufficient(-a, self.state.refundable));
                        }
                        p.refundable = a;
                    }
                    (SubBalance::Bonus, true) => {
                        p.new_lot = Some(Lot { id, expires_at: None, remaining: a });
                    }
                    (SubBalance::Bonus, false) => {
                        let bonus = self.state.bonus();
                        if -a > bonus {
                            return Err(self.insufficient(-a, bonus));
                        }
                        let (d, _) = Self::take_from_lots(self.state.active_lots(), -a);
                        p.lot_deltas = d;
                    }
                }
                p.totals.adjustments = a;
            }
            Operation::ExpireBonus {} => {
                for l in self.state.expired_lots(at) {
                    p.lot_deltas.push((l.id, -l.remaining));
                }
                p.totals.bonus_expired = -p.bonus_delta();
            }
            Operation::Block { reason } => {
                check_text("reason", reason, MAX_TEXT)?;
                p.admin_block = Some(Some(reason.clone()));
            }
            Operation::Unblock {} => {
                if self.state.admin_block.is_none() {
                    return Err(WalletError::NotBlocked { wallet_id: self.id().to_string() });
                }
                p.admin_block = Some(None);
            }
            Operation::Close {} => {
                if self.state.refundable != 0 || self.state.debt != 0 {
                    return Err(WalletError::NotEmpty {
                        wallet_id: self.id().to_string(),
                        refundable: self.money(self.state.refundable).amount_string(),
                        debt: self.money(self.state.debt).amount_string(),
                        currency: self.config.currency.to_string(),
                    });
                }
                for l in self.state.active_lots() {
                    p.lot_deltas.push((l.id, -l.remaining));
                }
                p.totals.bonus_forfeited = -p.bonus_delta();
                for (t, c) in &self.state.vouchers {
                    if c.held() > 0 {
                        p.vouchers.insert(t.clone(), VoucherCounts { forfeited: c.held(), ..VoucherCounts::default() });
                    }
                }
                p.close = true;
            }
            Operation::TransferOut { to_wallet, amount } => {
                self.transfer_side_allowed(mode, *to_wallet)?;
                self.ensure_active()?;
                let a = self.positive("amount", amount)?;
                if a > self.state.refundable {
                    return Err(self.insufficient(a, self.state.refundable));
                }
                p.refundable = -a;
                p.totals.transfers_out = a;
            }
            Operation::TransferIn { from_wallet, amount } => {
                self.transfer_side_allowed(mode, *from_wallet)?;
                let a = self.positive("amount", amount)?;
                self.credit_refundable(a, &mut p, true)?;
                p.totals.transfers_in = a;
            }
            Operation::DepositReturn { product, quantity, amount, .. } => {
                check_text("product", product, MAX_SKU)?;
                if *quantity == 0 {
                    return Err(WalletError::InvalidOperation {
                        reason: "quantity of a deposit return is zero".into(),
                    });
                }
                let a = self.positive("amount", amount)?;
                // A returned cup is owed money: never refused for the balance limit.
                self.credit_refundable(a, &mut p, false)?;
                p.totals.deposit_returns = a;
                p.deposits.insert(
                    product.clone(),
                    DepositCounts { returned_quantity: u64::from(*quantity), returned: a, ..DepositCounts::default() },
                );
            }
            Operation::VoucherGrant { voucher_type, count } => {
                check_text("voucher_type", voucher_type, MAX_SKU)?;
                Self::positive_count(*count)?;
                p.vouchers.insert(
                    voucher_type.clone(),
                    VoucherCounts { granted: u64::from(*count), ..VoucherCounts::default() },
                );
            }
            Operation::VoucherRevoke { voucher_type, count } => {
                check_text("voucher_type", voucher_type, MAX_SKU)?;
                Self::positive_count(*count)?;
                let held = self.vouchers_held(voucher_type);
                if u64::from(*count) > held {
                    return Err(self.insufficient_vouchers(voucher_type, u64::from(*count), held));
                }
                p.vouchers.insert(
                    voucher_type.clone(),
                    VoucherCounts { revoked: u64::from(*count), ..VoucherCounts::default() },
                );
            }
        }
        self.check_fits(&p)?;
        Ok(p)
    }

    fn transfer_side_allowed(&self, mode: Mode, other: Uuid) -> Result<(), WalletError> {
        if mode == Mode::Live {
            return Err(WalletError::TransferInvalid {
                reason: "transfer entries are applied to both wallets with Wallet::transfer".into(),
            });
        }
        if other == self.id() {
            return Err(WalletError::TransferInvalid { reason: "a wallet cannot transfer to itself".into() });
        }
        Ok(())
    }

    fn positive_count(count: u32) -> Result<(), WalletError> {
        if count == 0 {
            return Err(WalletError::InvalidOperation { reason: "a voucher count must be at least 1".into() });
        }
        Ok(())
    }

    fn vouchers_held(&self, voucher_type: &str) -> u64 {
        self.state.vouchers.get(voucher_type).map_or(0, VoucherCounts::held)
    }

    fn insufficient_vouchers(&self, voucher_type: &str, needed: u64, available: u64) -> WalletError {
        WalletError::InsufficientVouchers {
            wallet_id: self.id().to_string(),
            voucher_type: voucher_type.to_string(),
            needed,
            available,
        }
    }

    /// The vouchers a payment spends (checked against what the wallet holds) and its deposits per
    /// deposit product, into `p`.
    fn plan_lines(&self, items: &[LineItem], p: &mut Plan) -> Result<(), WalletError> {
        for item in items {
            let q = u64::from(item.quantity);
            match &item.kind {
                LineKind::Sale => {}
                LineKind::Deposit => {
                    let line = item.unit_price.minor_units() * i128::from(item.quantity);
                    let d = DepositCounts { charged_quantity: q, charged: line, ..DepositCounts::default() };
                    let e = p.deposits.entry(item.sku.clone()).or_default();
                    *e = e.plus(&d).ok_or_else(|| overflow("deposits"))?;
                }
                LineKind::Voucher(v) => {
                    check_text("voucher_type", &v.voucher_type, MAX_SKU)?;
                    Self::positive_count(v.count)?;
                    let n = u64::from(v.count).checked_mul(q).ok_or_else(|| overflow("vouchers"))?;
                    let e = p.vouchers.entry(v.voucher_type.clone()).or_default();
                    e.redeemed = e.redeemed.checked_add(n).ok_or_else(|| overflow("vouchers"))?;
                }
            }
        }
        for (t, c) in &p.vouchers {
            let held = self.vouchers_held(t);
            if c.redeemed > held {
                return Err(self.insufficient_vouchers(t, c.redeemed, held));
            }
        }
        Ok(())
    }

    fn payment_total(&self, items: &[LineItem]) -> Result<i128, WalletError> {
        if items.is_empty() {
            return Err(WalletError::InvalidOperation { reason: "a payment needs at least one line item".into() });
        }
        if items.len() > MAX_ITEMS {
            return Err(WalletError::InvalidOperation { reason: format!("more than {MAX_ITEMS} line items") });
        }
        let mut total: i128 = 0;
        for item in items {
            check_text("sku", &item.sku, MAX_SKU)?;
            if item.quantity == 0 {
                return Err(WalletError::InvalidOperation { reason: format!("quantity of '{}' is zero", item.sku) });
            }
            let price = self.minor("unit_price", &item.unit_price)?;
            if price < 0 {
                return Err(WalletError::InvalidAmount {
                    field: "unit_price".into(),
                    amount: item.unit_price.amount_string(),
                    reason: "must not be negative".into(),
                });
            }
            if matches!(item.kind, LineKind::Voucher(_)) && price != 0 {
                return Err(WalletError::InvalidAmount {
                    field: "unit_price".into(),
                    amount: item.unit_price.amount_string(),
                    reason: "a line paid with vouchers has a unit price of zero".into(),
                });
            }
            let line = price.checked_mul(i128::from(item.quantity)).ok_or_else(|| overflow("line total"))?;
            total = add(total, line, "payment total")?;
        }
        if total == 0 && !items.iter().any(|i| matches!(i.kind, LineKind::Voucher(_))) {
            return Err(WalletError::InvalidAmount {
                field: "payment total".into(),
                amount: self.money(0).amount_string(),
                reason: "must be positive".into(),
            });
        }
        Ok(total)
    }

    /// Checks that every balance and running total after `p` stays representable.
    fn check_fits(&self, p: &Plan) -> Result<(), WalletError> {
        let s = &self.state;
        add(s.refundable, p.refundable, "refundable balance")?;
        add(s.debt, p.debt, "debt")?;
        let bonus = add(s.bonus(), p.bonus_delta(), "bonus balance")?;
        add(add(s.refundable + p.refundable, bonus, "balance")?, -(s.debt + p.debt), "balance")?;
        let t = s.totals.plus(&p.totals).ok_or_else(|| overflow("totals"))?;
        for v in t.fields() {
            add(v, 0, "totals")?;
        }
        for (k, d) in &p.vouchers {
            s.vouchers.get(k).copied().unwrap_or_default().plus(d).ok_or_else(|| overflow("vouchers"))?;
        }
        for (k, d) in &p.deposits {
            s.deposits.get(k).copied().unwrap_or_default().plus(d).ok_or_else(|| overflow("deposits"))?;
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletRepr {
    config: WalletConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base: Option<compact::BaseRepr>,
    ledger: Vec<LedgerEntry>,
}

impl Serialize for Wallet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let base = self.base.as_deref().map(|b| b.to_repr(self.config.currency));
        WalletRepr { config: self.config.clone(), base, ledger: self.ledger.clone() }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Wallet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Wallet::from_repr(WalletRepr::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Wallet {
    fn from_repr(r: WalletRepr) -> Result<Wallet, WalletError> {
        let mut w = Wallet::new(r.config)?;
        if let Some(b) = r.base {
            let base = compact::Base::from_repr(b, w.config.currency)?;
            w.state = base.state.clone();
            w.base = Some(Box::new(base));
        }
        w.replay_onto(r.ledger)
    }

    /// Reads a wallet from its JSON (`{"config": ..., "base"?: ..., "ledger": [...]}`, what serde
    /// writes) for the bindings: a text that is not that shape is `INPUT_INVALID` (naming what is
    /// wrong), a ledger or base that does not replay keeps its own code (`WALLET_LEDGER_CORRUPT`,
    /// `WALLET_INVALID_CONFIG`, ...).
    pub fn from_json(text: &str) -> Result<Wallet, crate::Error> {
        let r: WalletRepr =
            serde_json::from_str(text).map_err(|e| crate::error::InputError::invalid("wallet", e.to_string()))?;
        Ok(Wallet::from_repr(r)?)
    }
}
