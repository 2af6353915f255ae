//! Chapter 2: cashless wallets. Twenty attendees top up (cash and card), some get bonus credit,
//! they pay at four stands with NFC wristbands, a burger is refunded, friends transfer money, a
//! lost wristband is replaced, bonus expires at 22:00 and at the end everybody cashes out (fee
//! 0.50). Then the settlement per stand and the liability, and a check that every total adds up.

use festival_core::wallet::{
    Entry, LineItem, Operation, TagRegistry, TagUid, TopUpMethod, Wallet, WalletConfig, WalletLimits,
};
use festival_core::{Currency, Error, ErrorCode, InputError, Money, Timestamp};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const FESTIVAL: Uuid = Uuid::from_u128(0x0F35_71A1);

struct Stand {
    id: Uuid,
    name: &'static str,
    menu: &'static [(&'static str, &'static str)],
}

const STANDS: [Stand; 4] = [
    Stand { id: Uuid::from_u128(0x5701), name: "Beer garden", menu: &[("beer-05", "5.50"), ("water", "2.50")] },
    Stand { id: Uuid::from_u128(0x5702), name: "Burger truck", menu: &[("burger", "9.00"), ("fries", "4.00")] },
    Stand { id: Uuid::from_u128(0x5703), name: "Merch tent", menu: &[("t-shirt", "25.00"), ("cap", "15.00")] },
    Stand { id: Uuid::from_u128(0x5704), name: "Coffee bar", menu: &[("espresso", "2.20"), ("cake", "3.80")] },
];

fn check(ok: bool, what: &str) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(InputError::invalid("festival_day.wallets", format!("check failed: {what}")).into())
    }
}

/// Deterministic xorshift so the day is the same on every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

struct Day {
    eur: Currency,
    wallets: Vec<Wallet>,
    by_id: HashMap<Uuid, usize>,
    tags: TagRegistry,
    next_entry: u128,
    clock: Timestamp,
    declined: usize,
}

impl Day {
    fn at(&mut self, hh_mm: &str) -> Result<(), Error> {
        self.clock = format!("2026-07-04T{hh_mm}:00Z").parse()?;
        Ok(())
    }

    /// A fresh entry id; the clock moves on by a second.
    fn fresh_id(&mut self) -> Uuid {
        self.next_entry += 1;
        self.clock = self.clock.plus_millis(1_000);
        Uuid::from_u128(0xE000_0000 + self.next_entry)
    }

    fn entry(&mut self, op: Operation) -> Entry {
        let id = self.fresh_id();
        Entry::new(id, self.clock, op)
    }

    fn eur(&self, s: &str) -> Result<Money, Error> {
        Ok(Money::parse(s, self.eur)?)
    }

    /// The wallet behind a wristband (a lost one is refused).
    fn tap(&self, uid: &TagUid) -> Result<usize, Error> {
        let wallet_id = self.tags.lookup(uid)?;
        self.by_id.get(&wallet_id).copied().ok_or_else(|| InputError::invalid("wallet_id", "unknown wallet").into())
    }

    fn apply(&mut self, who: usize, op: Operation) -> Result<festival_core::wallet::Outcome, Error> {
        let entry = self.entry(op);
        let w = self.wallets.get_mut(who).ok_or_else(|| InputError::invalid("attendee", "out of range"))?;
        Ok(w.apply(entry)?)
    }
}

/// Sum of one amount over all wallets.
fn sum(wallets: &[Wallet], eur: Currency, f: impl Fn(&Wallet) -> Money) -> Result<Money, Error> {
    Ok(Money::sum(eur, wallets.iter().map(f).collect::<Vec<_>>().iter())?)
}

fn wristband(n: usize) -> Result<TagUid, Error> {
    let b = n.to_be_bytes();
    Ok(TagUid::from_bytes(&[0x04, 0xA1, 0x7F, b[5], b[6], b[7], 0x80])?)
}

pub fn run() -> Result<(), Error> {
    println!("\n--- 2. cashless wallets ---");
    let eur = Currency::iso("EUR")?;
    let limits = WalletLimits {
        max_balance: Some(Money::parse("250", eur)?),
        max_single_payment: Some(Money::parse("100", eur)?),
        max_daily_spend: Some(Money::parse("300", eur)?),
    };
    let mut day = Day {
        eur,
        wallets: Vec::new(),
        by_id: HashMap::new(),
        tags: TagRegistry::new(),
        next_entry: 0,
        clock: "2026-07-04T11:00:00Z".parse()?,
        declined: 0,
    };
    let mut bands = Vec::new();
    for n in 0..20 {
        let mut config = WalletConfig::new(Uuid::from_u128(0xA77E_0000 + n as u128), FESTIVAL, eur);
        config.limits = limits.clone();
        let wallet = Wallet::new(config)?;
        day.by_id.insert(wallet.id(), n);
        let band = wristband(n)?;
        day.tags.link(&band, wallet.id(), day.clock)?;
        day.wallets.push(wallet);
        bands.push(band);
    }

    // Gates open: top-ups at the booths, early-bird bonus (expires 22:00) and two VIP bonuses.
    day.at("12:00")?;
    let early_bird_expiry: Timestamp = "2026-07-04T22:00:00Z".parse()?;
    for n in 0..20 {
        let amount = Money::from_minor([3000, 5000, 6000, 4000, 2500][n % 5] + 1000 * (n as i64 % 3), eur)?;
        let method = if n % 3 == 0 { TopUpMethod::Cash } else { TopUpMethod::Card };
        day.apply(n, Operation::TopUp { amount, method })?;
        if n < 8 {
            day.apply(n, Operation::BonusCredit { amount: day.eur("5")?, expires_at: Some(early_bird_expiry) })?;
        }
    }
    for n in [18, 19] {
        day.apply(n, Operation::BonusCredit { amount: day.eur("10")?, expires_at: None })?;
    }

    // Friends at the gate: attendee 2 sends 20.00 to attendee 3 (refundable money only, atomically).
    day.at("12:30")?;
    let id = day.fresh_id();
    let (a, b) = day.wallets.split_at_mut(3);
    let out = Wallet::transfer(&mut a[2], &mut b[0], id, day.clock, Money::parse("20", eur)?)?;
    println!("transfer 2 -> 3: {} / {}", out.from.refundable_delta, out.to.refundable_delta);

    // The afternoon and evening at the stands: every tap is a payment with line items.
    let mut dice = Dice(0x5EED_F357);
    let mut burger_payment = None;
    let mut lost_band_done = false;
    for round in 0..9 {
        day.at(&format!("{:02}:00", 13 + round))?;
        if round == 5 && !lost_band_done {
            // Attendee 7 loses the wristband; the booth links a new one to the same wallet.
            let new_band = TagUid::from_bytes(&[0x04, 0xB2, 0x00, 0x00, 0x00, 0x07, 0x80])?;
            day.tags.replace(&bands[7], &new_band, day.clock)?;
            let before = day.wallets[7].balances().total;
            match day.tap(&bands[7]) {
                Err(e) => println!("old wristband of attendee 7 tapped: refused ({})", e.code()),
                Ok(_) => return Err(InputError::invalid("tags", "a lost wristband was accepted").into()),
            }
            bands[7] = new_band;
            let who = day.tap(&bands[7])?;
            check(who == 7 && day.wallets[7].balances().total == before, "balance follows the new wristband")?;
            println!("attendee 7's new wristband {} reaches the same wallet ({})", bands[7], before);
            lost_band_done = true;
        }
        if round == 8 {
            // The headliner is late: everybody gets 3.00 bonus, valid until 22:00.
            day.at("20:30")?;
            for n in 0..20 {
                let amount = day.eur("3")?;
                day.apply(n, Operation::BonusCredit { amount, expires_at: Some(early_bird_expiry) })?;
            }
            day.at("21:00")?;
        }
        for band in &bands {
            if dice.roll(2) == 0 {
                continue;
            }
            let who = day.tap(band)?;
            let stand = &STANDS[dice.roll(STANDS.len() as u64) as usize];
            let mut items = Vec::new();
            for (sku, price) in stand.menu {
                let qty = dice.roll(3) as u32;
                if qty > 0 {
                    items.push(LineItem::new(*sku, qty, Money::parse(price, eur)?));
                }
            }
            if items.is_empty() {
                continue;
            }
            let op = Operation::Payment {
                stand_id: stand.id,
                device_id: None,
                items,
                allow_debt: false,
                catalog_version: None,
            };
            let entry = day.entry(op);
            let id = entry.id;
            match day.wallets[who].apply(entry) {
                Ok(_) if stand.name == "Burger truck" && burger_payment.is_none() => burger_payment = Some((who, id)),
                Ok(_) => {}
                Err(e) if matches!(e.code(), "WALLET_INSUFFICIENT_FUNDS" | "WALLET_LIMIT_EXCEEDED") => {
                    // Declined: the attendee settles for one of the cheapest item, if affordable.
                    day.declined += 1;
                    let cheapest =
                        stand.menu.iter().min_by_key(|(_, p)| Money::parse(p, eur).map(|m| m.minor_units()).ok());
                    if let Some((sku, price)) = cheapest {
                        let unit_price = Money::parse(price, eur)?;
                        if day.wallets[who].spendable(day.clock).checked_sub(&unit_price)?.is_negative() {
                            continue;
                        }
                        let item = LineItem::new(*sku, 1, unit_price);
                        let op = Operation::Payment {
                            stand_id: stand.id,
                            device_id: None,
                            items: vec![item],
                            allow_debt: false,
                            catalog_version: None,
                        };
                        day.apply(who, op)?;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    // A cold burger: the truck refunds half of that payment, back to where the money came from.
    if let Some((who, payment_id)) = burger_payment {
        let half = day.wallets[who].refundable_on_payment(payment_id).map(|m| m.split(2)).transpose()?;
        if let Some(parts) = half {
            let amount = parts.into_iter().last().unwrap_or(Money::zero(eur));
            if amount.is_positive() {
                let o = day.apply(who, Operation::Refund { payment_id, amount, reason: Some("cold burger".into()) })?;
                println!(
                    "refund of {amount} to attendee {who}: {} refundable, {} bonus",
                    o.refundable_delta, o.bonus_delta
                );
            }
        }
    }

    // 22:00: early-bird bonus expires.
    day.at("22:00")?;
    let mut expired = Money::zero(eur);
    for n in 0..20 {
        let o = day.apply(n, Operation::ExpireBonus {})?;
        expired = expired.checked_sub(&o.bonus_delta)?;
    }
    println!("bonus expired at 22:00: {expired}");

    // A wallet's persisted state is its config + ledger; reloading replays it, so nothing disagrees.
    let reloaded = day
        .wallets
        .iter()
        .map(|w| Wallet::replay(w.config().clone(), w.ledger().to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    check(reloaded == day.wallets, "reloaded wallets equal the live ones")?;

    // Liability before cash-out.
    let refundable = sum(&day.wallets, eur, |w| w.balances().refundable)?;
    let bonus = sum(&day.wallets, eur, |w| w.balances().bonus)?;
    let debt = sum(&day.wallets, eur, |w| w.balances().debt)?;
    println!("liability at 23:00: refundable {refundable} (owed in cash), bonus {bonus} (not cash), debt {debt}");

    let mut explained = Money::zero(eur);
    for w in &day.wallets {
        explained = explained.checked_add(&w.totals().net()?)?;
    }
    let liability = refundable.checked_add(&bonus)?.checked_sub(&debt)?;
    check(explained == liability, "liability equals what the ledgers explain")?;

    // Cash-out at the end: everything refundable, fee 0.50 (never more than the payout).
    day.at("23:30")?;
    let fee = Money::parse("0.50", eur)?;
    for n in 0..20 {
        let amount = day.wallets[n].balances().refundable;
        if amount.is_positive() {
            let fee = fee.min(&amount)?;
            day.apply(n, Operation::Payout { amount, fee: Some(fee) })?;
        }
    }

    // Settlement per stand, from the ledgers (refunds are charged to the stand of their payment).
    #[derive(Default)]
    struct Row {
        payments: usize,
        items: u64,
        gross: i128,
        from_bonus: i128,
        refunds: i128,
    }
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    for w in &day.wallets {
        for e in w.ledger() {
            match &e.operation {
                Operation::Payment { stand_id, items, .. } => {
                    let name = STANDS.iter().find(|s| s.id == *stand_id).map_or("?", |s| s.name);
                    let row = rows.entry(name).or_default();
                    row.payments += 1;
                    row.items += items.iter().map(|i| u64::from(i.quantity)).sum::<u64>();
                    row.gross -=
                        e.refundable_delta.minor_units() + e.bonus_delta.minor_units() - e.debt_delta.minor_units();
                    row.from_bonus -= e.bonus_delta.minor_units();
                }
                Operation::Refund { payment_id, amount, .. } => {
                    let stand = w.entry(*payment_id).and_then(|p| p.stand_id());
                    let name = STANDS.iter().find(|s| Some(s.id) == stand).map_or("?", |s| s.name);
                    rows.entry(name).or_default().refunds += amount.minor_units();
                }
                _ => {}
            }
        }
    }
    let money = |minor: i128| Money::from_minor_i128(minor, eur);
    println!(
        "{:<14} {:>8} {:>6} {:>12} {:>12} {:>10} {:>12}",
        "stand", "payments", "items", "gross", "of which bonus", "refunds", "net"
    );
    let (mut gross, mut refunds) = (0i128, 0i128);
    for (name, r) in &rows {
        println!(
            "{:<14} {:>8} {:>6} {:>12} {:>14} {:>10} {:>12}",
            name,
            r.payments,
            r.items,
            money(r.gross)?.amount_string(),
            money(r.from_bonus)?.amount_string(),
            money(r.refunds)?.amount_string(),
            money(r.gross - r.refunds)?.amount_string()
        );
        gross += r.gross;
        refunds += r.refunds;
    }

    // Everything must add up, across all wallets, exactly.
    let totals: Vec<_> = day.wallets.iter().map(|w| w.totals()).collect();
    let t = |f: &dyn Fn(&festival_core::wallet::WalletTotals) -> Money| {
        Money::sum(eur, totals.iter().map(f).collect::<Vec<_>>().iter())
    };
    let (top_ups, bonus_in, payments) = (t(&|x| x.top_ups)?, t(&|x| x.bonus_credits)?, t(&|x| x.payments)?);
    let (refunded, payouts, fees) = (t(&|x| x.refunds)?, t(&|x| x.payouts)?, t(&|x| x.payout_fees)?);
    let (expired_all, moved_in, moved_out) =
        (t(&|x| x.bonus_expired)?, t(&|x| x.transfers_in)?, t(&|x| x.transfers_out)?);
    let balances = sum(&day.wallets, eur, |w| w.balances().total)?;
    let expected = top_ups
        .checked_add(&bonus_in)?
        .checked_sub(&payments)?
        .checked_add(&refunded)?
        .checked_sub(&payouts)?
        .checked_sub(&fees)?
        .checked_sub(&expired_all)?;
    println!(
        "top-ups {top_ups} + bonus {bonus_in} - payments {payments} + refunds {refunded} - payouts {payouts} \
         - fees {fees} - expired {expired_all} = {expected}; balances {balances}"
    );
    println!("declined payments (funds or limits): {}", day.declined);
    check(balances == expected, "sum of balances equals the ledger totals")?;
    check(moved_in == moved_out, "transfers cancel out between wallets")?;
    check(money(gross)? == payments && money(refunds)? == refunded, "stand settlement equals wallet totals")?;
    check(expired_all == expired, "expired bonus is what the expiry entries reported")?;
    for w in &day.wallets {
        check(w.totals().net()? == w.balances().total, "each wallet conserves")?;
    }
    let left = sum(&day.wallets, eur, |w| w.balances().refundable)?;
    check(left.is_zero(), "after cash-out no refundable money is left")?;
    println!(
        "after cash-out: refundable {left}; bonus left (never paid out) {}",
        sum(&day.wallets, eur, |w| w.balances().bonus)?
    );
    Ok(())
}
