//! The mergeable partial result and its summaries.

use super::batch::{EntryKind, LedgerBatch};
use super::incidents::{IncidentAgg, IncidentBatch, IncidentKind, IncidentSummary};
use super::HOUR_MS;
use crate::calendar::{FestivalCalendar, FestivalDay};
use crate::error::Error;
use crate::money::{Currency, Money, MoneyError};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

fn overflow() -> MoneyError {
    MoneyError::Overflow { operation: "analytics".into() }
}

pub(crate) fn add(a: i128, b: i128) -> Result<i128, MoneyError> {
    a.checked_add(b).ok_or_else(overflow)
}

fn add_u(a: u64, b: u64) -> Result<u64, MoneyError> {
    a.checked_add(b).ok_or_else(overflow)
}

/// Serde for `i128` sums as decimal strings (JSON numbers above 2^53 are not portable).
pub(crate) mod i128_str {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(|_| D::Error::custom(format!("expected an integer string, got '{text}'")))
    }
}

/// Count and exact sums (minor units) of one kind of movement in a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    /// Rows.
    pub count: u64,
    /// Units (payments: sold; refunds: returned).
    pub quantity: u64,
    /// Total amount, minor units, `>= 0` (see the module docs for how a row's amount is read).
    #[serde(with = "i128_str")]
    pub amount: i128,
    /// Part of `amount` taken from (or restored to) bonus credit, minor units.
    #[serde(with = "i128_str")]
    pub bonus: i128,
}

impl Tally {
    fn add_row(&mut self, quantity: u32, amount: i128, bonus: i128) -> Result<(), MoneyError> {
        self.count = add_u(self.count, 1)?;
        self.quantity = add_u(self.quantity, u64::from(quantity))?;
        self.amount = add(self.amount, amount)?;
        self.bonus = add(self.bonus, bonus)?;
        Ok(())
    }

    fn merge(&mut self, o: &Tally) -> Result<(), MoneyError> {
        self.count = add_u(self.count, o.count)?;
        self.quantity = add_u(self.quantity, o.quantity)?;
        self.amount = add(self.amount, o.amount)?;
        self.bonus = add(self.bonus, o.bonus)?;
        Ok(())
    }
}

/// Sales, refunds and top-ups of one group (stand, device, product or hour).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Payments (amount = money spent + debt created).
    pub sales: Tally,
    /// Refunds (amount = money restored + debt cancelled).
    pub refunds: Tally,
    /// Top-ups (amount = money paid in).
    pub top_ups: Tally,
}

impl Flow {
    fn merge(&mut self, o: &Flow) -> Result<(), MoneyError> {
        self.sales.merge(&o.sales)?;
        self.refunds.merge(&o.refunds)?;
        self.top_ups.merge(&o.top_ups)
    }
}

/// Signed sums of one [`EntryKind`] (minor units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindTotals {
    /// Rows.
    pub count: u64,
    /// Sum of refundable deltas.
    #[serde(with = "i128_str")]
    pub refundable: i128,
    /// Sum of bonus deltas.
    #[serde(with = "i128_str")]
    pub bonus: i128,
    /// Sum of debt deltas.
    #[serde(with = "i128_str")]
    pub debt: i128,
    /// Sum of payout fees.
    #[serde(with = "i128_str")]
    pub fee: i128,
}

impl KindTotals {
    fn merge(&mut self, o: &KindTotals) -> Result<(), MoneyError> {
        self.count = add_u(self.count, o.count)?;
        self.refundable = add(self.refundable, o.refundable)?;
        self.bonus = add(self.bonus, o.bonus)?;
        self.debt = add(self.debt, o.debt)?;
        self.fee = add(self.fee, o.fee)?;
        Ok(())
    }

    /// `refundable + bonus - debt`: the change of what the festival owes.
    fn value(&self) -> Result<i128, MoneyError> {
        add(self.refundable, self.bonus)?.checked_sub(self.debt).ok_or_else(overflow)
    }
}

/// A wallet's position: signed sums of its deltas (minor units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Refundable balance.
    #[serde(with = "i128_str")]
    pub refundable: i128,
    /// Bonus balance.
    #[serde(with = "i128_str")]
    pub bonus: i128,
    /// Debt.
    #[serde(with = "i128_str")]
    pub debt: i128,
}

impl Position {
    fn merge(&mut self, o: &Position) -> Result<(), MoneyError> {
        self.refundable = add(self.refundable, o.refundable)?;
        self.bonus = add(self.bonus, o.bonus)?;
        self.debt = add(self.debt, o.debt)?;
        Ok(())
    }
}

/// A mergeable analytics result over any number of ledger rows and incidents (see the module
/// docs). Build with [`Analytics::compute`] / [`Analytics::compute_incidents`], combine with
/// [`Analytics::merge`], read with the summary methods. Serializes to JSON (sums as strings) so
/// partial results can travel between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analytics {
    /// The currency of every amount.
    pub currency: Currency,
    /// Ledger rows seen.
    pub rows: u64,
    /// Per entry kind.
    pub kinds: BTreeMap<EntryKind, KindTotals>,
    /// Per stand.
    pub stands: BTreeMap<String, Flow>,
    /// Per device.
    pub devices: BTreeMap<String, Flow>,
    /// Per product.
    pub products: BTreeMap<String, Flow>,
    /// Per UTC hour, keyed by the hour's start in ms since the epoch.
    pub hours: BTreeMap<i64, Flow>,
    /// Per wallet position (what the festival owes each wallet).
    pub wallets: BTreeMap<String, Position>,
    /// Reconciliation incidents (double spends, double admissions, ...).
    pub incidents: BTreeMap<IncidentKind, IncidentAgg>,
    /// Per deposit product: deposits charged and returned (left out of the JSON when empty).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deposits: BTreeMap<String, DepositFlow>,
}

/// Deposits of one deposit product: charged on payment lines, credited back on returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositFlow {
    /// Deposit lines of payments (quantity = units charged, amount = money charged).
    pub charged: Tally,
    /// Deposit returns (quantity = units returned, amount = money credited).
    pub returned: Tally,
}

impl DepositFlow {
    fn merge(&mut self, o: &DepositFlow) -> Result<(), MoneyError> {
        self.charged.merge(&o.charged)?;
        self.returned.merge(&o.returned)
    }
}

/// Deposits of one deposit product in money (see [`Analytics::deposits_by_product`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepositSummary {
    /// The deposit product.
    pub product: String,
    /// Units charged.
    pub charged_quantity: u64,
    /// Money charged.
    pub charged: Money,
    /// Units returned.
    pub returned_quantity: u64,
    /// Money credited for returns.
    pub returned: Money,
    /// `charged_quantity - returned_quantity`: items still out (negative when more came back
    /// than were sold, e.g. cups of an earlier festival).
    pub outstanding_quantity: i64,
    /// `charged - returned`: what the festival still owes for items out (a liability).
    pub outstanding: Money,
}

/// Dense per-code accumulators for one key column of one batch.
fn flows_by_code(n_labels: usize) -> Vec<Flow> {
    vec![Flow::default(); n_labels]
}

fn fold_labels(
    into: &mut BTreeMap<String, Flow>,
    labels: &[String],
    dense: Vec<Flow>,
    used: &[bool],
) -> Result<(), MoneyError> {
    for ((label, flow), used) in labels.iter().zip(dense).zip(used) {
        if *used {
            into.entry(label.clone()).or_default().merge(&flow)?;
        }
    }
    Ok(())
}

impl Analytics {
    /// An empty result in `currency` (the identity of [`Analytics::merge`]).
    pub fn empty(currency: Currency) -> Analytics {
        Analytics {
            currency,
            rows: 0,
            kinds: BTreeMap::new(),
            stands: BTreeMap::new(),
            devices: BTreeMap::new(),
            products: BTreeMap::new(),
            hours: BTreeMap::new(),
            wallets: BTreeMap::new(),
            incidents: BTreeMap::new(),
            deposits: BTreeMap::new(),
        }
    }

    /// Aggregates one ledger batch (validated first: see [`LedgerBatch::validate`]).
    pub fn compute(batch: &LedgerBatch) -> Result<Analytics, Error> {
        batch.validate()?;
        let mut a = Analytics::empty(batch.currency);
        let n = batch.len();
        a.rows = u64::try_from(n).map_err(|_| overflow())?;
        let mut kinds = [KindTotals::default(); EntryKind::ALL.len()];
        let mut stands = flows_by_code(batch.stand.labels.len());
        let mut devices = flows_by_code(batch.device.labels.len());
        let mut products = flows_by_code(batch.product.labels.len());
        let mut used_s = vec![false; stands.len()];
        let mut used_d = vec![false; devices.len()];
        let mut used_p = vec![false; products.len()];
        let mut wallets = vec![Position::default(); batch.wallet.labels.len()];
        let mut used_w = vec![false; wallets.len()];
        let mut hours: HashMap<i64, Flow> = HashMap::new();
        let mut deposits: BTreeMap<String, DepositFlow> = BTreeMap::new();
        let rows = batch
            .kind
            .iter()
            .zip(&batch.at_ms)
            .zip(&batch.quantity)
            .zip(batch.refundable.iter().zip(&batch.bonus).zip(batch.debt.iter().zip(&batch.fee)))
            .enumerate();
        for (i, (((&kind, &at), &qty), ((&r, &b), (&d, &f)))) in rows {
            let (r, b, d, f) = (i128::from(r), i128::from(b), i128::from(d), i128::from(f));
            let kt = kinds.get_mut(usize::from(kind.code()) - 1).ok_or_else(overflow)?;
            kt.count += 1;
            kt.refundable += r;
            kt.bonus += b;
            kt.debt += d;
            kt.fee += f;
            if let Some(w) = batch.wallet.codes.get(i).copied().flatten() {
                if let (Some(p), Some(u)) = (wallets.get_mut(w as usize), used_w.get_mut(w as usize)) {
                    p.refundable += r;
                    p.bonus += b;
                    p.debt += d;
                    *u = true;
                }
            }
            // value = r + b - d; |value| fits easily in i128 for i64 inputs.
            let value = r + b - d;
            if matches!(kind, EntryKind::Deposit | EntryKind::DepositReturn) {
                let product = batch.product.label(i).unwrap_or_default().to_string();
                let flow = deposits.entry(product).or_default();
                if kind == EntryKind::Deposit {
                    flow.charged.add_row(qty, -value, -b)?;
                } else {
                    flow.returned.add_row(qty, value, 0)?;
                }
                continue;
            }
            let (amount, bonus, pick): (i128, i128, fn(&mut Flow) -> &mut Tally) = match kind {
                EntryKind::Payment => (-value, -b, |fl| &mut fl.sales),
                EntryKind::Refund => (value, b, |fl| &mut fl.refunds),
                EntryKind::TopUp => (value, 0, |fl| &mut fl.top_ups),
                _ => continue,
            };
            let hour = at.div_euclid(HOUR_MS) * HOUR_MS;
            pick(hours.entry(hour).or_default()).add_row(qty, amount, bonus)?;
            for (col, dense, used) in [
                (&batch.stand, &mut stands, &mut used_s),
                (&batch.device, &mut devices, &mut used_d),
                (&batch.product, &mut products, &mut used_p),
            ] {
                if let Some(c) = col.codes.get(i).copied().flatten() {
                    if let (Some(fl), Some(u)) = (dense.get_mut(c as usize), used.get_mut(c as usize)) {
                        pick(fl).add_row(qty, amount, bonus)?;
                        *u = true;
                    }
                }
            }
        }
        for (k, t) in EntryKind::ALL.iter().zip(kinds) {
            if t.count > 0 {
                a.kinds.insert(*k, t);
            }
        }
        fold_labels(&mut a.stands, &batch.stand.labels, stands, &used_s)?;
        fold_labels(&mut a.devices, &batch.device.labels, devices, &used_d)?;
        fold_labels(&mut a.products, &batch.product.labels, products, &used_p)?;
        for ((label, p), used) in batch.wallet.labels.iter().zip(wallets).zip(used_w) {
            if used {
                a.wallets.entry(label.clone()).or_default().merge(&p)?;
            }
        }
        a.hours = hours.into_iter().collect();
        a.deposits = deposits;
        Ok(a)
    }

    /// Aggregates one batch of reconciliation incidents.
    pub fn compute_incidents(batch: &IncidentBatch) -> Result<Analytics, Error> {
        let mut a = Analytics::empty(batch.currency);
        a.incidents = super::incidents::aggregate(batch)?;
        Ok(a)
    }

    /// Combines two partial results exactly. Associative and commutative, with
    /// [`Analytics::empty`] as identity. Errors if the currencies differ or a sum overflows.
    pub fn merge(&self, other: &Analytics) -> Result<Analytics, Error> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                expected: self.currency.to_string(),
                actual: other.currency.to_string(),
            }
            .into());
        }
        let mut a = self.clone();
        a.rows = add_u(a.rows, other.rows)?;
        for (k, t) in &other.kinds {
            a.kinds.entry(*k).or_default().merge(t)?;
        }
        for (mine, theirs) in
            [(&mut a.stands, &other.stands), (&mut a.devices, &other.devices), (&mut a.products, &other.products)]
        {
            for (k, f) in theirs {
                mine.entry(k.clone()).or_default().merge(f)?;
            }
        }
        for (k, f) in &other.hours {
            a.hours.entry(*k).or_default().merge(f)?;
        }
        for (k, p) in &other.wallets {
            a.wallets.entry(k.clone()).or_default().merge(p)?;
        }
        for (k, i) in &other.incidents {
            a.incidents.entry(*k).or_default().merge(i)?;
        }
        for (k, f) in &other.deposits {
            a.deposits.entry(k.clone()).or_default().merge(f)?;
        }
        Ok(a)
    }

    /// Merges any number of partial results (an empty list gives [`Analytics::empty`]).
    pub fn merge_all<'a>(
        currency: Currency,
        parts: impl IntoIterator<Item = &'a Analytics>,
    ) -> Result<Analytics, Error> {
        parts.into_iter().try_fold(Analytics::empty(currency), |acc, p| acc.merge(p))
    }

    fn money(&self, minor: i128) -> Result<Money, MoneyError> {
        Money::from_minor_i128(minor, self.currency)
    }

    fn summarize<K: Clone>(&self, map: &BTreeMap<K, Flow>) -> Result<Vec<FlowSummary<K>>, Error> {
        map.iter().map(|(k, f)| FlowSummary::new(k.clone(), f, self.currency).map_err(Error::from)).collect()
    }

    /// Deposits per deposit product, ascending by product: charged, returned and outstanding.
    /// Deposits are a liability, never sales: they are not in the stand, device, product or hour
    /// flows nor in [`Totals::sales`].
    pub fn deposits_by_product(&self) -> Result<Vec<DepositSummary>, Error> {
        self.deposits
            .iter()
            .map(|(p, f)| {
                let q = i128::from(f.charged.quantity) - i128::from(f.returned.quantity);
                Ok(DepositSummary {
                    product: p.clone(),
                    charged_quantity: f.charged.quantity,
                    charged: self.money(f.charged.amount)?,
                    returned_quantity: f.returned.quantity,
                    returned: self.money(f.returned.amount)?,
                    outstanding_quantity: i64::try_from(q).map_err(|_| overflow())?,
                    outstanding: self.money(f.charged.amount.checked_sub(f.returned.amount).ok_or_else(overflow)?)?,
                })
            })
            .collect()
    }

    /// Settlement per stand: sales, refunds, net (what the stand is owed), ascending by stand.
    pub fn settlements_by_stand(&self) -> Result<Vec<FlowSummary<String>>, Error> {
        self.summarize(&self.stands)
    }

    /// Settlement per device, ascending by device.
    pub fn settlements_by_device(&self) -> Result<Vec<FlowSummary<String>>, Error> {
        self.summarize(&self.devices)
    }

    /// Revenue per product, ascending by product.
    pub fn revenue_by_product(&self) -> Result<Vec<FlowSummary<String>>, Error> {
        self.summarize(&self.products)
    }

    /// Revenue and top-ups per UTC hour, ascending.
    pub fn revenue_by_hour(&self) -> Result<Vec<FlowSummary<Timestamp>>, Error> {
        self.hours
            .iter()
            .map(|(h, f)| Ok(FlowSummary::new(Timestamp::from_unix_millis(*h)?, f, self.currency)?))
            .collect()
    }

    /// Revenue and top-ups per festival day of `calendar` (its time zone and day cutoff),
    /// ascending. Built exactly from the hourly groups, so every day boundary must fall on a
    /// whole UTC hour (true for every whole-hour zone with a cutoff on the hour, e.g. 06:00
    /// Europe/Berlin); a calendar whose day splits an hour that holds rows (Asia/Kolkata, a
    /// 06:30 cutoff) is `INPUT_INVALID` rather than an approximation.
    ///
    /// ```
    /// use festival_core::analytics::Analytics;
    /// use festival_core::calendar::FestivalCalendar;
    /// let a = Analytics::empty(festival_core::Currency::iso("EUR")?);
    /// assert!(a.revenue_by_day(&FestivalCalendar::new("Europe/Berlin", "06:00")?)?.is_empty());
    /// # Ok::<(), festival_core::Error>(())
    /// ```
    pub fn revenue_by_day(&self, calendar: &FestivalCalendar) -> Result<Vec<FlowSummary<FestivalDay>>, Error> {
        let mut days: BTreeMap<FestivalDay, Flow> = BTreeMap::new();
        for (h, f) in &self.hours {
            let start = Timestamp::from_unix_millis(*h)?;
            let day = calendar.day_of(start);
            if calendar.day_of(start.plus_millis(HOUR_MS - 1)) != day {
                return Err(crate::InputError::invalid(
                    "calendar",
                    format!(
                        "a {} day boundary splits the UTC hour {start}: days cannot be built from hours",
                        calendar.time_zone()
                    ),
                )
                .into());
            }
            days.entry(day).or_default().merge(f)?;
        }
        self.summarize(&days)
    }

    fn kind(&self, k: EntryKind) -> KindTotals {
        self.kinds.get(&k).copied().unwrap_or_default()
    }

    /// Festival-wide totals: top-ups vs spend, refunds, payouts, transfers, adjustments, expiries.
    pub fn totals(&self) -> Result<Totals, Error> {
        let m = |v: i128| self.money(v);
        let value = |k: EntryKind| self.kind(k).value();
        let payout = self.kind(EntryKind::Payout);
        let payouts = -value(EntryKind::Payout)?;
        Ok(Totals {
            rows: self.rows,
            top_ups: m(value(EntryKind::TopUp)?)?,
            top_up_count: self.kind(EntryKind::TopUp).count,
            bonus_credited: m(value(EntryKind::BonusCredit)?)?,
            sales: m(-value(EntryKind::Payment)?)?,
            sales_bonus: m(-self.kind(EntryKind::Payment).bonus)?,
            sale_count: self.kind(EntryKind::Payment).count,
            refunds: m(value(EntryKind::Refund)?)?,
            refund_count: self.kind(EntryKind::Refund).count,
            net_sales: m(add(-value(EntryKind::Payment)?, -value(EntryKind::Refund)?)?)?,
            payouts: m(payouts)?,
            payout_fees: m(payout.fee)?,
            paid_out: m(payouts.checked_sub(payout.fee).ok_or_else(overflow)?)?,
            payout_count: payout.count,
            transfers: m(value(EntryKind::TransferIn)?)?,
            adjustments: m(value(EntryKind::Adjustment)?)?,
            bonus_expired: m(-add(value(EntryKind::ExpireBonus)?, value(EntryKind::Close)?)?)?,
            deposits_charged: m(-value(EntryKind::Deposit)?)?,
            deposits_returned: m(value(EntryKind::DepositReturn)?)?,
        })
    }

    /// Outstanding liability: what the festival owes wallet holders (refundable and bonus
    /// separately) and what they owe (debt), with wallet counts.
    pub fn liability(&self) -> Result<Liability, Error> {
        let (mut with_balance, mut in_debt) = (0u64, 0u64);
        for p in self.wallets.values() {
            with_balance += u64::from(p.refundable != 0 || p.bonus != 0);
            in_debt += u64::from(p.debt > 0);
        }
        // Sums over the kind totals, so rows without a wallet key count too.
        let (mut kr, mut kb, mut kd) = (0i128, 0i128, 0i128);
        for t in self.kinds.values() {
            kr = add(kr, t.refundable)?;
            kb = add(kb, t.bonus)?;
            kd = add(kd, t.debt)?;
        }
        Ok(Liability {
            refundable: self.money(kr)?,
            bonus: self.money(kb)?,
            debt: self.money(kd)?,
            total: self.money(add(kr, kb)?.checked_sub(kd).ok_or_else(overflow)?)?,
            wallets: u64::try_from(self.wallets.len()).map_err(|_| overflow())?,
            wallets_with_balance: with_balance,
            wallets_in_debt: in_debt,
        })
    }

    /// Double-spend, double-admission and other incident statistics, by kind.
    pub fn incident_stats(&self) -> Result<Vec<IncidentSummary>, Error> {
        self.incidents.iter().map(|(k, i)| i.summary(*k, self.currency)).collect()
    }

    /// The partial result as JSON text (sums as strings), for moving it between processes.
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string(self).map_err(|e| crate::InputError::invalid("analytics", e.to_string()).into())
    }

    /// Reads a partial result written by [`Analytics::to_json`].
    pub fn from_json(text: &str) -> Result<Analytics, Error> {
        serde_json::from_str(text).map_err(|e| crate::InputError::invalid("analytics", e.to_string()).into())
    }
}

/// A group's flows in money: the row of a settlement or revenue table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowSummary<K> {
    /// The group (stand, device, product, or hour start).
    pub key: K,
    /// Payment rows.
    pub sale_count: u64,
    /// Units sold.
    pub quantity: u64,
    /// Payments: money spent plus debt created.
    pub sales: Money,
    /// Part of `sales` paid with bonus credit.
    pub sales_bonus: Money,
    /// Refund rows.
    pub refund_count: u64,
    /// Refunds.
    pub refunds: Money,
    /// `sales - refunds`: what the group is settled for.
    pub net: Money,
    /// Top-up rows.
    pub top_up_count: u64,
    /// Top-ups taken.
    pub top_ups: Money,
}

impl<K> FlowSummary<K> {
    fn new(key: K, f: &Flow, c: Currency) -> Result<FlowSummary<K>, MoneyError> {
        let m = |v: i128| Money::from_minor_i128(v, c);
        Ok(FlowSummary {
            key,
            sale_count: f.sales.count,
            quantity: f.sales.quantity,
            sales: m(f.sales.amount)?,
            sales_bonus: m(f.sales.bonus)?,
            refund_count: f.refunds.count,
            refunds: m(f.refunds.amount)?,
            net: m(f.sales.amount.checked_sub(f.refunds.amount).ok_or_else(overflow)?)?,
            top_up_count: f.top_ups.count,
            top_ups: m(f.top_ups.amount)?,
        })
    }
}

/// Festival-wide totals (see [`Analytics::totals`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Ledger rows.
    pub rows: u64,
    /// Money paid in by top-ups.
    pub top_ups: Money,
    /// Top-up rows.
    pub top_up_count: u64,
    /// Bonus credit granted.
    pub bonus_credited: Money,
    /// Payments (money spent plus debt created).
    pub sales: Money,
    /// Part of `sales` paid with bonus credit.
    pub sales_bonus: Money,
    /// Payment rows.
    pub sale_count: u64,
    /// Refunds.
    pub refunds: Money,
    /// Refund rows.
    pub refund_count: u64,
    /// `sales - refunds`.
    pub net_sales: Money,
    /// Taken from refundable balances by payouts (including fees).
    pub payouts: Money,
    /// Payout fees kept by the festival.
    pub payout_fees: Money,
    /// Handed to attendees: `payouts - payout_fees`.
    pub paid_out: Money,
    /// Payout rows.
    pub payout_count: u64,
    /// Moved between wallets (incoming sides).
    pub transfers: Money,
    /// Net operator adjustments (signed).
    pub adjustments: Money,
    /// Bonus forfeited by expiry and wallet closing.
    pub bonus_expired: Money,
    /// Deposits charged on payment lines (a liability, not in `sales`; left out when zero).
    #[serde(skip_serializing_if = "Money::is_zero")]
    pub deposits_charged: Money,
    /// Deposits credited back for returned items (left out when zero).
    #[serde(skip_serializing_if = "Money::is_zero")]
    pub deposits_returned: Money,
}

/// Outstanding liability (see [`Analytics::liability`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Liability {
    /// Refundable money held in wallets (what payouts may still claim).
    pub refundable: Money,
    /// Bonus credit held in wallets (spendable, not refundable).
    pub bonus: Money,
    /// Debt owed by wallet holders (from offline reconciliation).
    pub debt: Money,
    /// `refundable + bonus - debt`.
    pub total: Money,
    /// Wallets seen.
    pub wallets: u64,
    /// Wallets with a non-zero refundable or bonus balance.
    pub wallets_with_balance: u64,
    /// Wallets with debt.
    pub wallets_in_debt: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::{EntryKind as K, IncidentBatchBuilder, IncidentRow, LedgerBatchBuilder, LedgerRow};
    use proptest::prelude::*;

    use crate::test_util::eur;

    fn batch(rows: &[LedgerRow<'_>]) -> LedgerBatch {
        let mut b = LedgerBatchBuilder::new(eur());
        for r in rows {
            b.push(r).unwrap();
        }
        b.finish()
    }

    fn row(kind: K, at_ms: i64, wallet: &'static str, r: i64, b: i64) -> LedgerRow<'static> {
        LedgerRow { kind, at_ms, wallet: Some(wallet), refundable: r, bonus: b, ..LedgerRow::default() }
    }

    fn festival_day() -> LedgerBatch {
        let pay = |at, w, stand, dev, prod, q, r, b| LedgerRow {
            stand: Some(stand),
            device: Some(dev),
            product: Some(prod),
            quantity: q,
            ..row(K::Payment, at, w, r, b)
        };
        batch(&[
            row(K::TopUp, 0, "w1", 5000, 0),
            row(K::BonusCredit, 1, "w1", 0, 500),
            row(K::TopUp, 2, "w2", 2000, 0),
            pay(HOUR_MS, "w1", "bar", "pos1", "beer", 2, -400, -500), // 9.00, 5.00 of it bonus
            pay(HOUR_MS + 5, "w2", "bar", "pos2", "beer", 1, -450, 0),
            pay(2 * HOUR_MS, "w2", "food", "pos3", "fries", 1, -350, 0),
            LedgerRow {
                stand: Some("bar"),
                device: Some("pos2"),
                product: Some("beer"),
                quantity: 1,
                ..row(K::Refund, 2 * HOUR_MS + 1, "w2", 450, 0)
            },
            LedgerRow { fee: 100, ..row(K::Payout, 3 * HOUR_MS, "w2", -1200, 0) },
            // Offline payment accepted with debt: 3.00 spent, 2.00 of debt.
            LedgerRow {
                debt: 200,
                stand: Some("food"),
                product: Some("fries"),
                quantity: 1,
                ..row(K::Payment, 3 * HOUR_MS + 1, "w3", 0, 0)
            },
        ])
    }

    #[test]
    fn festival_day_settlements_and_totals() {
        let a = Analytics::compute(&festival_day()).unwrap();
        let s = a.settlements_by_stand().unwrap();
        let bar = &s[0];
        assert_eq!((bar.key.as_str(), bar.sale_count, bar.quantity), ("bar", 2, 3));
        assert_eq!(bar.sales.to_string(), "13.50 EUR");
        assert_eq!(bar.sales_bonus.to_string(), "5.00 EUR");
        assert_eq!(bar.refunds.to_string(), "4.50 EUR");
        assert_eq!(bar.net.to_string(), "9.00 EUR");
        assert_eq!(s[1].key, "food");
        assert_eq!(s[1].sales.to_string(), "5.50 EUR");
        let products = a.revenue_by_product().unwrap();
        assert_eq!(
            products.iter().map(|p| (p.key.as_str(), p.net.to_string())).collect::<Vec<_>>(),
            vec![("beer", "9.00 EUR".to_string()), ("fries", "5.50 EUR".to_string())]
        );
        let hours = a.revenue_by_hour().unwrap();
        assert_eq!(hours.len(), 4);
        assert_eq!(hours[0].top_ups.to_string(), "70.00 EUR");
        assert_eq!(hours[1].key.to_string(), "1970-01-01T01:00:00.000Z");
        let t = a.totals().unwrap();
        assert_eq!(t.top_ups.to_string(), "70.00 EUR");
        assert_eq!(t.bonus_credited.to_string(), "5.00 EUR");
        assert_eq!(t.sales.to_string(), "19.00 EUR");
        assert_eq!(t.net_sales.to_string(), "14.50 EUR");
        assert_eq!(
            (t.payouts.to_string(), t.payout_fees.to_string(), t.paid_out.to_string()),
            ("12.00 EUR".into(), "1.00 EUR".into(), "11.00 EUR".into())
        );
        let l = a.liability().unwrap();
        assert_eq!(l.refundable.to_string(), "50.50 EUR"); // w1: 50 - 4; w2: 20 - 4.5 - 3.5 + 4.5 - 12
        assert_eq!(l.bonus.to_string(), "0.00 EUR");
        assert_eq!(l.debt.to_string(), "2.00 EUR");
        assert_eq!(l.total.to_string(), "48.50 EUR");
        assert_eq!((l.wallets, l.wallets_with_balance, l.wallets_in_debt), (3, 2, 1));
    }

    #[test]
    fn incidents_statistics() {
        let mut b = IncidentBatchBuilder::new(eur());
        let ds = |dev, w, amount| IncidentRow {
            kind: IncidentKind::DoubleSpend,
            device: Some(dev),
            subject: Some(w),
            amount,
            debt: amount,
        };
        b.push(&ds("pos1", "w1", 300)).unwrap();
        b.push(&ds("pos1", "w1", 200)).unwrap();
        b.push(&ds("pos2", "w2", 100)).unwrap();
        b.push(&IncidentRow {
            kind: IncidentKind::DoubleAdmission,
            device: Some("gate1"),
            subject: Some("t1"),
            ..IncidentRow::default()
        })
        .unwrap();
        let a = Analytics::compute_incidents(&b.finish()).unwrap();
        let st = a.incident_stats().unwrap();
        assert_eq!(st[0].kind, IncidentKind::DoubleSpend);
        assert_eq!((st[0].count, st[0].devices, st[0].subjects, st[0].repeat_subjects), (3, 2, 2, 1));
        assert_eq!(st[0].amount.to_string(), "6.00 EUR");
        assert_eq!((st[0].top_device.as_deref(), st[0].top_device_count), (Some("pos1"), 2));
        assert_eq!((st[1].kind, st[1].count), (IncidentKind::DoubleAdmission, 1));
    }

    #[test]
    fn merge_rejects_other_currency_and_json_round_trips() {
        let a = Analytics::compute(&festival_day()).unwrap();
        let usd = Analytics::empty(Currency::iso("USD").unwrap());
        assert_eq!(crate::ErrorCode::code(&a.merge(&usd).unwrap_err()), "MONEY_CURRENCY_MISMATCH");
        assert_eq!(Analytics::from_json(&a.to_json().unwrap()).unwrap(), a);
        assert!(Analytics::from_json("{}").is_err());
    }

    fn arb_row() -> impl Strategy<Value = (u8, i64, u8, u8, u8, u32, i64, i64, i64)> {
        (1u8..=13, 0i64..20_000_000, 0u8..6, 0u8..4, 0u8..5, 0u32..5, 0i64..1_000_000, 0i64..100_000, 0i64..50_000)
    }

    const W: [&str; 6] = ["w0", "w1", "w2", "w3", "w4", "w5"];
    const S: [&str; 4] = ["s0", "s1", "s2", "s3"];
    const P: [&str; 5] = ["p0", "p1", "p2", "p3", "p4"];

    /// Turns arbitrary numbers into a valid row of the drawn kind.
    fn to_row(t: &(u8, i64, u8, u8, u8, u32, i64, i64, i64)) -> LedgerRow<'static> {
        let &(k, at, w, s, p, q, x, y, z) = t;
        let kind = K::from_code(k).unwrap();
        let (r, b, d, fee) = match kind {
            K::Payment | K::Deposit => (-x, -y, z, 0),
            K::Refund | K::TopUp | K::TransferIn | K::BonusCredit | K::DepositReturn => (x, y, -z, 0),
            K::Payout => (-x, 0, 0, x.min(y)),
            K::TransferOut | K::ExpireBonus | K::Close => (-x, -y, 0, 0),
            K::Adjustment => (x - 500_000, y - 50_000, z - 25_000, 0),
            K::Status => (0, 0, 0, 0),
        };
        LedgerRow {
            kind,
            at_ms: at,
            wallet: Some(W[w as usize]),
            stand: (s > 0).then(|| S[s as usize]),
            device: (s > 1).then(|| S[s as usize]),
            product: (p > 0).then(|| P[p as usize]),
            quantity: q,
            refundable: r,
            bonus: b,
            debt: d,
            fee,
        }
    }

    proptest! {
        #[test]
        fn merge_of_partitions_equals_whole(rows in proptest::collection::vec(arb_row(), 0..60), cut1 in 0usize..60, cut2 in 0usize..60) {
            let rows: Vec<_> = rows.iter().map(to_row).collect();
            let (c1, c2) = (cut1.min(rows.len()), cut2.min(rows.len()));
            let (c1, c2) = (c1.min(c2), c1.max(c2));
            let whole = Analytics::compute(&batch(&rows)).unwrap();
            let a = Analytics::compute(&batch(&rows[..c1])).unwrap();
            let b = Analytics::compute(&batch(&rows[c1..c2])).unwrap();
            let c = Analytics::compute(&batch(&rows[c2..])).unwrap();
            // exact, associative, commutative, identity
            prop_assert_eq!(&a.merge(&b).unwrap().merge(&c).unwrap(), &whole);
            prop_assert_eq!(&a.merge(&b.merge(&c).unwrap()).unwrap(), &whole);
            prop_assert_eq!(&c.merge(&a).unwrap().merge(&b).unwrap(), &whole);
            prop_assert_eq!(&Analytics::empty(eur()).merge(&whole).unwrap(), &whole);
            prop_assert_eq!(&Analytics::from_json(&whole.to_json().unwrap()).unwrap(), &whole);
        }

        #[test]
        fn liability_is_conserved(rows in proptest::collection::vec(arb_row(), 0..60)) {
            let rows: Vec<_> = rows.iter().map(to_row).collect();
            let a = Analytics::compute(&batch(&rows)).unwrap();
            let (t, l) = (a.totals().unwrap(), a.liability().unwrap());
            let minor = |m: &Money| m.minor_units();
            let out = a.kinds.get(&K::TransferOut).map(|k| k.value().unwrap()).unwrap_or(0);
            // owed = top-ups + bonus - sales + refunds - payouts + transfers in - out + adjustments - expired
            //        - deposits charged + deposits returned
            let expect = minor(&t.top_ups) + minor(&t.bonus_credited) - minor(&t.sales) + minor(&t.refunds)
                - minor(&t.payouts) + minor(&t.transfers) + out + minor(&t.adjustments) - minor(&t.bonus_expired)
                - minor(&t.deposits_charged) + minor(&t.deposits_returned);
            prop_assert_eq!(minor(&l.total), expect);
            // per-wallet positions add up to the liability
            let sum: i128 = a.wallets.values().map(|p| p.refundable + p.bonus - p.debt).sum();
            prop_assert_eq!(sum, minor(&l.total));
            // settlements: stand nets add up to at most the festival's net sales
            let by_hour: i128 = a.revenue_by_hour().unwrap().iter().map(|h| minor(&h.net)).sum();
            prop_assert_eq!(by_hour, minor(&t.net_sales));
        }
    }
}
