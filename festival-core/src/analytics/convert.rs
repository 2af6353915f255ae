//! Conversions from the domain types into the columnar batches: wallet ledgers → ledger rows,
//! reconciliation reports → incident rows.

use super::batch::{EntryKind, LedgerBatchBuilder, LedgerRow};
use super::incidents::{IncidentBatchBuilder, IncidentKind, IncidentRow};
use crate::error::{Error, InputError};
use crate::money::{Money, MoneyError};
use crate::offline::reconcile::{Alert, ReconcileReport};
use crate::wallet::{LedgerEntry, LineKind, Operation, Wallet};
use rust_decimal::Decimal;
use std::collections::HashMap;
use uuid::Uuid;

fn minor(m: &Money) -> Result<i64, Error> {
    Ok(m.minor_units_i64()?)
}

fn split_minor(total: i64, weights: &[Decimal], m: &Money) -> Result<Vec<i64>, Error> {
    let whole = Money::from_minor(
        total.checked_abs().ok_or(MoneyError::Overflow { operation: "analytics".into() })?,
        m.currency(),
    )?;
    whole.allocate(weights)?.iter().map(|p| Ok(if total < 0 { -minor(p)? } else { minor(p)? })).collect()
}

struct PaymentInfo {
    stand: String,
    device: Option<String>,
    product: Option<String>,
}

impl LedgerBatchBuilder {
    /// Appends every entry of a wallet's ledger (see [`LedgerBatchBuilder::push_ledger`]).
    pub fn push_wallet(&mut self, wallet: &Wallet) -> Result<(), Error> {
        self.push_ledger(wallet.id(), wallet.ledger())
    }

    /// Appends the entries of one wallet's ledger. A payment with several line items becomes one
    /// row per item (product = SKU, quantity, and the entry's deltas split over the items in
    /// proportion to their line totals, exactly: largest remainder). A refund takes the stand and
    /// device of the payment it refunds (and its product when that payment had one item).
    /// Entries must be in the builder's currency (`MONEY_CURRENCY_MISMATCH` otherwise).
    pub fn push_ledger(&mut self, wallet_id: Uuid, entries: &[LedgerEntry]) -> Result<(), Error> {
        let wallet = wallet_id.to_string();
        let mut payments: HashMap<Uuid, PaymentInfo> = HashMap::new();
        for e in entries {
            e.refundable_delta.ensure_currency(self.currency())?;
            let kind = EntryKind::parse(e.kind())
                .ok_or_else(|| InputError::invalid("kind", format!("no analytics kind for '{}'", e.kind())))?;
            let (r, b, d) = (minor(&e.refundable_delta)?, minor(&e.bonus_delta)?, minor(&e.debt_delta)?);
            let base = LedgerRow {
                kind,
                at_ms: e.at.unix_millis(),
                wallet: Some(&wallet),
                refundable: r,
                bonus: b,
                debt: d,
                ..LedgerRow::default()
            };
            match &e.operation {
                Operation::Payment { stand_id, device_id, items, .. } => {
                    let stand = stand_id.to_string();
                    let device = device_id.map(|d| d.to_string());
                    let only = match items.as_slice() {
                        [one] => Some(one.sku.clone()),
                        _ => None,
                    };
                    payments.insert(e.id, PaymentInfo { stand: stand.clone(), device: device.clone(), product: only });
                    let weights: Vec<Decimal> =
                        items.iter().map(|i| i.unit_price.amount() * Decimal::from(i.quantity)).collect();
                    let row = LedgerRow { stand: Some(&stand), device: device.as_deref(), ..base };
                    if items.is_empty() || weights.iter().all(|w| w.is_zero()) {
                        self.push(&row)?;
                        continue;
                    }
                    let (rs, bs, ds) = (
                        split_minor(r, &weights, &e.refundable_delta)?,
                        split_minor(b, &weights, &e.refundable_delta)?,
                        split_minor(d, &weights, &e.refundable_delta)?,
                    );
                    for (((item, r), b), d) in items.iter().zip(rs).zip(bs).zip(ds) {
                        let kind = if item.kind == LineKind::Deposit { EntryKind::Deposit } else { kind };
                        self.push(&LedgerRow {
                            kind,
                            product: Some(&item.sku),
                            quantity: item.quantity,
                            refundable: r,
                            bonus: b,
                            debt: d,
                            ..row
                        })?;
                    }
                }
                Operation::Refund { payment_id, .. } => {
                    let info = payments.get(payment_id);
                    self.push(&LedgerRow {
                        stand: info.map(|p| p.stand.as_str()),
                        device: info.and_then(|p| p.device.as_deref()),
                        product: info.and_then(|p| p.product.as_deref()),
                        ..base
                    })?;
                }
                Operation::DepositReturn { stand_id, device_id, product, quantity, .. } => {
                    let stand = stand_id.to_string();
                    let device = device_id.map(|d| d.to_string());
                    self.push(&LedgerRow {
                        stand: Some(&stand),
                        device: device.as_deref(),
                        product: Some(product),
                        quantity: *quantity,
                        ..base
                    })?;
                }
                Operation::Payout { fee, .. } => {
                    let fee = match fee {
                        Some(f) => minor(f)?,
                        None => 0,
                    };
                    self.push(&LedgerRow { fee, ..base })?;
                }
                _ => self.push(&base)?,
            }
        }
        Ok(())
    }
}

impl IncidentBatchBuilder {
    /// Appends the alerts of a reconciliation report: double spends (subject = wallet, amount =
    /// the uncovered shortfall, debt = the debt recorded for that record), double admissions
    /// (subject = ticket), tampered logs and revoked devices used.
    pub fn push_reconcile_report(&mut self, report: &ReconcileReport) -> Result<(), Error> {
        let c = self.currency();
        let debts: HashMap<Uuid, Money> = report.records.iter().filter_map(|r| Some((r.record_id?, r.debt?))).collect();
        for alert in &report.alerts {
            let row = match alert {
                Alert::DoubleSpend { wallet_id, record_id, device_id, shortfall } => {
                    let amount = Money::parse(shortfall, c)?;
                    let debt = debts.get(record_id).map(minor).transpose()?.unwrap_or(0);
                    (
                        IncidentKind::DoubleSpend,
                        Some(device_id.to_string()),
                        Some(wallet_id.to_string()),
                        minor(&amount)?,
                        debt,
                    )
                }
                Alert::DoubleAdmission { ticket_id, device_id, .. } => {
                    (IncidentKind::DoubleAdmission, Some(device_id.to_string()), Some(ticket_id.to_string()), 0, 0)
                }
                Alert::TamperedLog { device_id, .. } => {
                    (IncidentKind::TamperedLog, device_id.map(|d| d.to_string()), None, 0, 0)
                }
                Alert::RevokedDeviceUsed { device_id, .. } => {
                    (IncidentKind::RevokedDevice, Some(device_id.to_string()), None, 0, 0)
                }
            };
            self.push(&IncidentRow {
                kind: row.0,
                device: row.1.as_deref(),
                subject: row.2.as_deref(),
                amount: row.3,
                debt: row.4,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::Analytics;
    use crate::money::Currency;
    use crate::time::Timestamp;
    use crate::wallet::{Entry, LineItem, TopUpMethod, WalletConfig};

    use crate::test_util::{eur, m};

    #[test]
    fn wallet_ledger_rows_match_the_wallet() {
        let mut w = Wallet::new(WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(2), eur())).unwrap();
        let t = |h: i64| Timestamp::from_unix_millis(1_780_000_000_000 + h * 3_600_000).unwrap();
        let stand = Uuid::from_u128(5);
        let item = |sku: &str, q, p| LineItem::new(sku, q, m(p));
        let ops = vec![
            (0, Operation::TopUp { amount: m("30.00"), method: TopUpMethod::Cash }),
            (0, Operation::BonusCredit { amount: m("2.00"), expires_at: None }),
            (
                1,
                Operation::Payment {
                    stand_id: stand,
                    device_id: Some(Uuid::from_u128(9)),
                    items: vec![item("beer", 2, "4.50"), item("fries", 1, "3.50")],
                    allow_debt: false,
                    catalog_version: None,
                },
            ),
            (2, Operation::Refund { payment_id: Uuid::from_u128(102), amount: m("3.50"), reason: None }),
            (3, Operation::Payout { amount: m("10.00"), fee: Some(m("0.50")) }),
        ];
        for (i, (h, op)) in ops.into_iter().enumerate() {
            w.apply(Entry::new(Uuid::from_u128(100 + i as u128), t(h), op)).unwrap();
        }
        let mut b = LedgerBatchBuilder::new(eur());
        b.push_wallet(&w).unwrap();
        let batch = b.finish();
        assert_eq!(batch.len(), 6); // the payment is two rows
        let a = Analytics::compute(&batch).unwrap();
        let s = a.settlements_by_stand().unwrap();
        assert_eq!(s[0].key, stand.to_string());
        assert_eq!((s[0].sales.to_string(), s[0].refunds.to_string()), ("12.50 EUR".into(), "3.50 EUR".into()));
        let p = a.revenue_by_product().unwrap();
        assert_eq!(
            p.iter().map(|p| (p.key.as_str(), p.quantity, p.sales.to_string())).collect::<Vec<_>>(),
            vec![("beer", 2, "9.00 EUR".to_string()), ("fries", 1, "3.50 EUR".to_string())]
        );
        // bonus first: the 2.00 bonus is split over the lines in proportion (9.00 : 3.50)
        assert_eq!(p[0].sales_bonus.minor_units() + p[1].sales_bonus.minor_units(), 200);
        let l = a.liability().unwrap();
        let bal = w.balances();
        assert_eq!((l.refundable, l.bonus, l.debt), (bal.refundable, bal.bonus, bal.debt));
        assert_eq!(a.totals().unwrap().payout_fees.to_string(), "0.50 EUR");

        let mut usd = LedgerBatchBuilder::new(Currency::iso("USD").unwrap());
        assert_eq!(crate::ErrorCode::code(&usd.push_wallet(&w).unwrap_err()), "MONEY_CURRENCY_MISMATCH");
    }

    #[test]
    fn reconcile_alerts_become_incidents() {
        use crate::offline::reconcile::{Counts, MoneyTotals, RecordOutcome, RecordStatus, Resolution};
        use crate::offline::record::Digest;
        let id = Uuid::from_u128;
        let outcome = RecordOutcome {
            hash: Digest([0; 32]),
            record_id: Some(id(50)),
            device_id: Some(id(7)),
            sequence: None,
            kind: None,
            status: RecordStatus::Conflict,
            reason: None,
            resolution: Some(Resolution::AcceptedWithDebt),
            debt: Some(m("1.25")),
        };
        let report = ReconcileReport {
            records: vec![outcome],
            counts: Counts::default(),
            alerts: vec![
                Alert::DoubleSpend { wallet_id: id(1), record_id: id(50), device_id: id(7), shortfall: "1.25".into() },
                Alert::DoubleAdmission { ticket_id: id(3), record_id: id(51), device_id: id(8) },
                Alert::DoubleAdmission { ticket_id: id(3), record_id: id(52), device_id: id(8) },
                Alert::TamperedLog { device_id: None, hash: Digest([1; 32]), code: "OFFLINE_FORK".into() },
                Alert::RevokedDeviceUsed { device_id: id(9), record_id: id(53) },
            ],
            balances: Default::default(),
            debts: Default::default(),
            blocked_wallets: vec![],
            totals: MoneyTotals { top_ups: m("0"), payments: m("0"), refunds: m("0"), deposit_returns: None },
            revisions: vec![],
            watermark: None,
            finalized: 0,
            pending_total: 0,
            scans: vec![],
        };
        let mut b = IncidentBatchBuilder::new(eur());
        b.push_reconcile_report(&report).unwrap();
        let a = Analytics::compute_incidents(&b.finish()).unwrap();
        let st = a.incident_stats().unwrap();
        let kinds: Vec<_> = st.iter().map(|s| (s.kind, s.count)).collect();
        assert_eq!(
            kinds,
            vec![
                (IncidentKind::DoubleSpend, 1),
                (IncidentKind::DoubleAdmission, 2),
                (IncidentKind::TamperedLog, 1),
                (IncidentKind::RevokedDevice, 1)
            ]
        );
        assert_eq!((st[0].amount.to_string(), st[0].debt.to_string()), ("1.25 EUR".into(), "1.25 EUR".into()));
        assert_eq!((st[1].subjects, st[1].repeat_subjects), (1, 1));
    }
}
