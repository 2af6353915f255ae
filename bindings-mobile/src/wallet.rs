//! Cashless wallets and NFC tags: the core's `Wallet` (ledger, balances, limits, idempotent
//! entries) and `TagRegistry` as UniFFI objects. Every operation takes the caller's entry id
//! (idempotency key) and time in ms since the epoch; money crosses as decimal strings.

use crate::catalog::{AgeClass, ProductCatalog};
use crate::convert::{time, uuid};
use crate::error::{bad_json, Result};
use crate::money::Money;
use festival_core::wallet::{self as core, Entry, Operation, TagUid};
use festival_core::{Currency, InputError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Which sub-balance a payment spends first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SpendOrder {
    /// Bonus credit first (soonest-expiring lot first), then refundable money.
    BonusFirst,
    /// Refundable money first, then bonus credit.
    RefundableFirst,
}

/// Optional wallet limits (`null`: unlimited), in the wallet's currency.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct WalletLimits {
    /// Maximum of refundable + bonus after a credit.
    pub max_balance: Option<Money>,
    /// Maximum amount of one payment.
    pub max_single_payment: Option<Money>,
    /// Maximum sum of payments within one UTC day.
    pub max_daily_spend: Option<Money>,
}

/// A wallet's configuration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletConfig {
    /// The wallet id.
    pub id: String,
    /// The festival.
    pub festival_id: String,
    /// The one currency.
    pub currency: String,
    /// Which sub-balance payments spend first.
    pub spend_order: SpendOrder,
    /// Limits.
    pub limits: WalletLimits,
    /// The customer's verified age class (`null`: unknown, counts as under 16 for age-restricted
    /// products).
    #[uniffi(default = None)]
    pub age_class: Option<AgeClass>,
}

/// Lifecycle status of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WalletStatus {
    /// Every operation is allowed (within balances and limits).
    Active,
    /// Debits are refused, credits accepted (administrative block and/or debt).
    Blocked,
    /// Terminal: every operation is refused.
    Closed,
}

impl From<core::WalletStatus> for WalletStatus {
    fn from(s: core::WalletStatus) -> Self {
        match s {
            core::WalletStatus::Active => WalletStatus::Active,
            core::WalletStatus::Blocked => WalletStatus::Blocked,
            core::WalletStatus::Closed => WalletStatus::Closed,
        }
    }
}

/// How a top-up was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TopUpMethod {
    /// Cash at a top-up point.
    Cash,
    /// Card at a top-up point.
    Card,
    /// Online (app, web shop).
    Online,
    /// Anything else.
    Other,
}

/// A sub-balance of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SubBalance {
    /// Money the attendee paid in; can be paid out.
    Refundable,
    /// Promotional credit.
    Bonus,
}

/// What a payment line is when it is not a plain sale (a `null` kind is a sale: revenue).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum LineKind {
    /// A deposit (Pfand) charged for a returnable item: money the festival owes back, not revenue.
    Deposit,
    /// Goods paid with count-vouchers (per unit; the unit price is zero): no money moves.
    Voucher {
        /// The voucher type, e.g. `helper_drink`.
        voucher_type: String,
        /// Vouchers per unit.
        count: u32,
    },
}

/// One line of a wallet payment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletLineItem {
    /// Product code (1..=64 characters); with a catalog, the product id.
    pub sku: String,
    /// Quantity (at least 1).
    pub quantity: u32,
    /// Price of one unit (zero on voucher lines).
    pub unit_price: Money,
    /// What the line is: `null` (the default) for a sale, [`LineKind::Deposit`] or
    /// [`LineKind::Voucher`].
    #[uniffi(default = None)]
    pub kind: Option<LineKind>,
}

/// A foreign line item as the core's (money validated).
pub(crate) fn line_item_to_core(i: &WalletLineItem) -> Result<core::LineItem> {
    let kind = match &i.kind {
        None => core::LineKind::Sale,
        Some(LineKind::Deposit) => core::LineKind::Deposit,
        Some(LineKind::Voucher { voucher_type, count }) => {
            core::LineKind::Voucher(core::VoucherPrice { voucher_type: voucher_type.clone(), count: *count })
        }
    };
    Ok(core::LineItem { sku: i.sku.clone(), quantity: i.quantity, unit_price: i.unit_price.to_core()?, kind })
}

/// Foreign line items as the core's.
pub(crate) fn line_items_to_core(items: &[WalletLineItem]) -> Result<Vec<core::LineItem>> {
    items.iter().map(line_item_to_core).collect()
}

/// A core line item for the foreign side (a sale has kind `null`).
pub(crate) fn line_item_from_core(i: &core::LineItem) -> WalletLineItem {
    WalletLineItem {
        sku: i.sku.clone(),
        quantity: i.quantity,
        unit_price: Money::from_core(&i.unit_price),
        kind: match &i.kind {
            core::LineKind::Sale => None,
            core::LineKind::Deposit => Some(LineKind::Deposit),
            core::LineKind::Voucher(v) => {
                Some(LineKind::Voucher { voucher_type: v.voucher_type.clone(), count: v.count })
            }
        },
    }
}

/// Deposits of one deposit product in a wallet. A cup can be returned to any wallet, so
/// `returned` may exceed `charged` here (the outstanding values are then negative).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DepositTotals {
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
    /// `chargedQuantity - returnedQuantity` (may be negative).
    pub outstanding_quantity: i64,
    /// `charged - returned` (may be negative).
    pub outstanding: Money,
}

/// Count-vouchers of one type in a wallet (counts, not money).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VoucherTotals {
    /// The voucher type.
    pub voucher_type: String,
    /// Vouchers granted.
    pub granted: u64,
    /// Vouchers revoked.
    pub revoked: u64,
    /// Vouchers spent on payments.
    pub redeemed: u64,
    /// Vouchers forfeited when the wallet closed.
    pub forfeited: u64,
    /// Vouchers held now: `granted - revoked - redeemed - forfeited`.
    pub balance: u64,
}

/// Refundable, bonus, debt and total (`refundable + bonus`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Balances {
    /// Money that can be paid out.
    pub refundable: Money,
    /// Promotional credit.
    pub bonus: Money,
    /// Outstanding debt from offline payments.
    pub debt: Money,
    /// `refundable + bonus`.
    pub total: Money,
}

pub(crate) fn balances(b: &core::Balances) -> Balances {
    Balances {
        refundable: Money::from_core(&b.refundable),
        bonus: Money::from_core(&b.bonus),
        debt: Money::from_core(&b.debt),
        total: Money::from_core(&b.total),
    }
}

/// What one applied entry did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletOutcome {
    /// The entry id.
    pub entry_id: String,
    /// True if the entry id was already applied and this is the original outcome.
    pub replayed: bool,
    /// Operation kind in snake case (`top_up`, `payment` ...).
    pub kind: String,
    /// Change of the refundable balance (signed).
    pub refundable_delta: Money,
    /// Change of the bonus balance (signed).
    pub bonus_delta: Money,
    /// Change of the debt (signed).
    pub debt_delta: Money,
    /// Part of a payment taken from refundable money.
    pub from_refundable: Money,
    /// Part of a payment taken from bonus credit.
    pub from_bonus: Money,
    /// Balances after the entry.
    pub balances: Balances,
    /// Status after the entry.
    pub status: WalletStatus,
}

fn outcome(o: &core::Outcome) -> WalletOutcome {
    WalletOutcome {
        entry_id: o.entry_id.to_string(),
        replayed: o.replayed,
        kind: o.kind.clone(),
        refundable_delta: Money::from_core(&o.refundable_delta),
        bonus_delta: Money::from_core(&o.bonus_delta),
        debt_delta: Money::from_core(&o.debt_delta),
        from_refundable: Money::from_core(&o.from_refundable()),
        from_bonus: Money::from_core(&o.from_bonus()),
        balances: balances(&o.balances),
        status: o.status.into(),
    }
}

/// Both sides of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferOutcome {
    /// The sending wallet's outcome.
    pub from: WalletOutcome,
    /// The receiving wallet's outcome.
    pub to: WalletOutcome,
}

/// One entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LedgerEntry {
    /// The entry id.
    pub id: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Operation kind in snake case.
    pub kind: String,
    /// The full operation as JSON (`{"kind":"payment","stand_id":...}`, money as strings).
    pub operation_json: String,
    /// Change of the refundable balance.
    pub refundable_delta: Money,
    /// Change of the bonus balance.
    pub bonus_delta: Money,
    /// Change of the debt.
    pub debt_delta: Money,
    /// The stand of a payment.
    pub stand_id: Option<String>,
    /// The device of a payment, if known.
    pub device_id: Option<String>,
    /// The line items of a payment.
    pub line_items: Vec<WalletLineItem>,
}

fn ledger_entry(e: &core::LedgerEntry) -> LedgerEntry {
    LedgerEntry {
        id: e.id.to_string(),
        at_ms: e.at.unix_millis(),
        kind: e.kind().to_string(),
        operation_json: serde_json::to_string(&e.operation).unwrap_or_default(),
        refundable_delta: Money::from_core(&e.refundable_delta),
        bonus_delta: Money::from_core(&e.bonus_delta),
        debt_delta: Money::from_core(&e.debt_delta),
        stand_id: e.stand_id().map(|u| u.to_string()),
        device_id: e.device_id().map(|u| u.to_string()),
        line_items: e.line_items().iter().map(line_item_from_core).collect(),
    }
}

/// A promotional credit lot.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BonusLot {
    /// The lot id (the entry id that credited it).
    pub lot_id: String,
    /// Expiry, ms since the epoch (`null`: never).
    pub expires_at_ms: Option<i64>,
    /// What remains of it.
    pub remaining: Money,
}

/// Lifetime totals of a wallet, per kind of movement.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletTotals {
    /// Top-ups.
    pub top_ups: Money,
    /// Bonus credits.
    pub bonus_credits: Money,
    /// Payments.
    pub payments: Money,
    /// Refunds.
    pub refunds: Money,
    /// Payouts.
    pub payouts: Money,
    /// Payout fees.
    pub payout_fees: Money,
    /// Adjustments (signed).
    pub adjustments: Money,
    /// Transfers in.
    pub transfers_in: Money,
    /// Transfers out.
    pub transfers_out: Money,
    /// Bonus expired.
    pub bonus_expired: Money,
    /// Bonus forfeited at close.
    pub bonus_forfeited: Money,
    /// Deposits charged on payment lines (a liability, not revenue; also in `payments`).
    pub deposits_charged: Money,
    /// Money credited for returned deposit items.
    pub deposit_returns: Money,
}

/// A block reason: `admin` (with the operator's reason) or `debt`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum BlockReason {
    /// Blocked by an operator.
    Admin {
        /// The operator's reason.
        reason: String,
    },
    /// Blocked by outstanding debt.
    Debt,
}

fn opt_money(m: &Option<Money>) -> Result<Option<festival_core::Money>> {
    m.as_ref().map(Money::to_core).transpose()
}

/// A cashless wallet: one festival, one currency, a ledger of idempotent entries. Failures are
/// `FestivalException.Wallet` (`WALLET_*`) or `Money` and change nothing; retrying an entry id
/// returns the original outcome with `replayed = true`. Thread-safe (one lock per wallet).
#[derive(uniffi::Object)]
pub struct Wallet {
    inner: Mutex<core::Wallet>,
}

impl Wallet {
    fn lock(&self) -> MutexGuard<'_, core::Wallet> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the core wallet (e.g. to hand to the reconciler).
    pub(crate) fn snapshot(&self) -> core::Wallet {
        self.lock().clone()
    }

    /// Wraps a core wallet.
    pub(crate) fn from_core(wallet: core::Wallet) -> Arc<Self> {
        Arc::new(Wallet { inner: Mutex::new(wallet) })
    }

    fn apply(&self, entry_id: &str, at_ms: i64, operation: Operation) -> Result<WalletOutcome> {
        self.apply_checked(entry_id, at_ms, operation, None)
    }

    /// Applies an operation, through the core's catalog check when a catalog is given.
    fn apply_checked(
        &self,
        entry_id: &str,
        at_ms: i64,
        operation: Operation,
        catalog: Option<&ProductCatalog>,
    ) -> Result<WalletOutcome> {
        let entry = Entry::new(uuid("entry_id", entry_id)?, time("at_ms", at_ms)?, operation);
        let mut w = self.lock();
        let o = match catalog {
            Some(c) => w.apply_with_catalog(entry, c.core())?,
            None => w.apply(entry)?,
        };
        Ok(outcome(&o))
    }
}

#[uniffi::export]
impl Wallet {
    /// A new empty wallet. `age_class` is the customer's verified age class (`null`, the
    /// default: unknown, counts as under 16 for age-restricted products).
    #[uniffi::constructor(default(age_class = None))]
    pub fn new(
        id: String,
        festival_id: String,
        currency: String,
        spend_order: SpendOrder,
        limits: WalletLimits,
        age_class: Option<AgeClass>,
    ) -> Result<Arc<Self>> {
        let currency: Currency = currency.parse().map_err(festival_core::Error::from)?;
        let config = core::WalletConfig {
            age_class: age_class.map(Into::into),
            id: uuid("id", &id)?,
            festival_id: uuid("festival_id", &festival_id)?,
            currency,
            spend_order: match spend_order {
                SpendOrder::BonusFirst => core::SpendOrder::BonusFirst,
                SpendOrder::RefundableFirst => core::SpendOrder::RefundableFirst,
            },
            limits: core::WalletLimits {
                max_balance: opt_money(&limits.max_balance)?,
                max_single_payment: opt_money(&limits.max_single_payment)?,
                max_daily_spend: opt_money(&limits.max_daily_spend)?,
            },
            calendar: Default::default(),
        };
        Ok(Arc::new(Wallet { inner: Mutex::new(core::Wallet::new(config)?) }))
    }

    /// Reads a wallet saved with [`Wallet::to_json`] (`{"config": ..., "base"?: ..., "ledger":
    /// [...]}`); the ledger is replayed and must reproduce its recorded effects
    /// (`WALLET_LEDGER_CORRUPT`); malformed JSON is `INPUT_INVALID`.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Wallet { inner: Mutex::new(core::Wallet::from_json(&json)?) }))
    }

    /// The persisted form: configuration plus ledger, as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| InputError::invalid("wallet", e.to_string()).into())
    }

    /// The wallet id.
    pub fn id(&self) -> String {
        self.lock().id().to_string()
    }

    /// The configuration: festival id, spend order and limits.
    pub fn config(&self) -> WalletConfig {
        let w = self.lock();
        let c = w.config();
        let m = |x: &Option<festival_core::Money>| x.as_ref().map(Money::from_core);
        WalletConfig {
            id: c.id.to_string(),
            festival_id: c.festival_id.to_string(),
            currency: c.currency.to_string(),
            spend_order: match c.spend_order {
                core::SpendOrder::BonusFirst => SpendOrder::BonusFirst,
                core::SpendOrder::RefundableFirst => SpendOrder::RefundableFirst,
            },
            limits: WalletLimits {
                max_balance: m(&c.limits.max_balance),
                max_single_payment: m(&c.limits.max_single_payment),
                max_daily_spend: m(&c.limits.max_daily_spend),
            },
            age_class: c.age_class.map(Into::into),
        }
    }

    /// The wallet currency.
    pub fn currency(&self) -> String {
        self.lock().currency().to_string()
    }

    /// Money paid in (credits refundable after settling debt).
    pub fn top_up(&self, entry_id: String, at_ms: i64, amount: Money, method: TopUpMethod) -> Result<WalletOutcome> {
        let method = match method {
            TopUpMethod::Cash => core::TopUpMethod::Cash,
            TopUpMethod::Card => core::TopUpMethod::Card,
            TopUpMethod::Online => core::TopUpMethod::Online,
            TopUpMethod::Other => core::TopUpMethod::Other,
        };
        self.apply(&entry_id, at_ms, Operation::TopUp { amount: amount.to_core()?, method })
    }

    /// Promotional credit as a new bonus lot (expiring at `expires_at_ms`, or never).
    pub fn bonus_credit(
        &self,
        entry_id: String,
        at_ms: i64,
        amount: Money,
        expires_at_ms: Option<i64>,
    ) -> Result<WalletOutcome> {
        let expires_at = expires_at_ms.map(|ms| time("expires_at_ms", ms)).transpose()?;
        self.apply(&entry_id, at_ms, Operation::BonusCredit { amount: amount.to_core()?, expires_at })
    }

    /// A payment at a stand: the amount is the sum of the money lines (voucher lines spend the
    /// wallet's vouchers). `allow_debt` only for offline reconciliation (accepted regardless of
    /// limits and blocks; the shortfall becomes debt). `catalog_version`: the catalog version the
    /// lines were priced with (`Basket.catalogVersion`). With `catalog`, the payment must match it
    /// first (version, prices, kinds, deposits: `CATALOG_*` codes) and the wallet's age class must
    /// reach every product's minimum age (`CATALOG_AGE_RESTRICTED`); a refused payment changes
    /// nothing.
    #[uniffi::method(default(catalog_version = None, catalog = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn pay(
        &self,
        entry_id: String,
        at_ms: i64,
        stand_id: String,
        items: Vec<WalletLineItem>,
        device_id: Option<String>,
        allow_debt: bool,
        catalog_version: Option<u32>,
        catalog: Option<Arc<ProductCatalog>>,
    ) -> Result<WalletOutcome> {
        let operation = Operation::Payment {
            stand_id: uuid("stand_id", &stand_id)?,
            device_id: device_id.as_deref().map(|d| uuid("device_id", d)).transpose()?,
            items: line_items_to_core(&items)?,
            allow_debt,
            catalog_version,
        };
        self.apply_checked(&entry_id, at_ms, operation, catalog.as_deref())
    }

    /// A returned deposit item (a cup): credits `amount` to the refundable balance (settling debt
    /// first), accepted on blocked wallets. Any wallet may return cups. With `catalog`, `product`
    /// must be one of its deposits and `amount` exactly `quantity` × its price
    /// (`CATALOG_UNKNOWN_PRODUCT`, `CATALOG_LINE_KIND_MISMATCH`, `CATALOG_PRICE_MISMATCH`).
    #[uniffi::method(default(device_id = None, catalog = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn deposit_return(
        &self,
        entry_id: String,
        at_ms: i64,
        stand_id: String,
        product: String,
        quantity: u32,
        amount: Money,
        device_id: Option<String>,
        catalog: Option<Arc<ProductCatalog>>,
    ) -> Result<WalletOutcome> {
        let operation = Operation::DepositReturn {
            stand_id: uuid("stand_id", &stand_id)?,
            device_id: device_id.as_deref().map(|d| uuid("device_id", d)).transpose()?,
            product,
            quantity,
            amount: amount.to_core()?,
        };
        self.apply_checked(&entry_id, at_ms, operation, catalog.as_deref())
    }

    /// Grants `count` count-vouchers of `voucher_type` (e.g. helper drinks). Vouchers are not money.
    pub fn voucher_grant(&self, entry_id: String, at_ms: i64, voucher_type: String, count: u32) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::VoucherGrant { voucher_type, count })
    }

    /// Takes back `count` count-vouchers of `voucher_type` (at most what the wallet holds).
    pub fn voucher_revoke(&self, entry_id: String, at_ms: i64, voucher_type: String, count: u32) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::VoucherRevoke { voucher_type, count })
    }

    /// Refund of (part of) the payment `payment_id` of this wallet.
    pub fn refund(
        &self,
        entry_id: String,
        at_ms: i64,
        payment_id: String,
        amount: Money,
        reason: Option<String>,
    ) -> Result<WalletOutcome> {
        let operation =
            Operation::Refund { payment_id: uuid("payment_id", &payment_id)?, amount: amount.to_core()?, reason };
        self.apply(&entry_id, at_ms, operation)
    }

    /// Cash-out of refundable money (`amount` leaves the wallet, the attendee gets `amount - fee`).
    pub fn payout(&self, entry_id: String, at_ms: i64, amount: Money, fee: Option<Money>) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::Payout { amount: amount.to_core()?, fee: opt_money(&fee)? })
    }

    /// Operator correction of one sub-balance (signed, non-zero amount; a reason is required).
    pub fn adjust(
        &self,
        entry_id: String,
        at_ms: i64,
        amount: Money,
        target: SubBalance,
        reason: String,
    ) -> Result<WalletOutcome> {
        let target = match target {
            SubBalance::Refundable => core::SubBalance::Refundable,
            SubBalance::Bonus => core::SubBalance::Bonus,
        };
        self.apply(&entry_id, at_ms, Operation::Adjustment { amount: amount.to_core()?, target, reason })
    }

    /// Expires every bonus lot whose expiry is at or before `at_ms`.
    pub fn expire_bonus(&self, entry_id: String, at_ms: i64) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::ExpireBonus {})
    }

    /// Administrative block (debits refused until [`Wallet::unblock`]).
    pub fn block(&self, entry_id: String, at_ms: i64, reason: String) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::Block { reason })
    }

    /// Lifts the administrative block (a debt block stays until the debt is settled).
    pub fn unblock(&self, entry_id: String, at_ms: i64) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::Unblock {})
    }

    /// Closes the wallet for good (zero refundable and zero debt required; bonus is forfeited).
    pub fn close(&self, entry_id: String, at_ms: i64) -> Result<WalletOutcome> {
        self.apply(&entry_id, at_ms, Operation::Close {})
    }

    /// Moves refundable money from this wallet to `to`, atomically (both get entry `entry_id`).
    /// A transfer to the same wallet is `WALLET_TRANSFER_INVALID`.
    pub fn transfer_to(&self, to: Arc<Wallet>, entry_id: String, at_ms: i64, amount: Money) -> Result<TransferOutcome> {
        let (id, at, amount) = (uuid("entry_id", &entry_id)?, time("at_ms", at_ms)?, amount.to_core()?);
        if std::ptr::eq(self, Arc::as_ptr(&to)) {
            // One object cannot be locked twice: give the core a copy as the other side; it
            // rejects a self-transfer (`WALLET_TRANSFER_INVALID`) before touching either.
            let mut w = self.lock();
            let mut other = w.clone();
            let o = core::Wallet::transfer(&mut w, &mut other, id, at, amount)?;
            return Ok(TransferOutcome { from: outcome(&o.from), to: outcome(&o.to) });
        }
        // Lock in address order so that concurrent opposite transfers cannot deadlock.
        let self_first = (self as *const Wallet) < Arc::as_ptr(&to);
        let (mut a, mut b) = if self_first {
            let a = self.lock();
            (a, to.lock())
        } else {
            let b = to.lock();
            (self.lock(), b)
        };
        let o = core::Wallet::transfer(&mut a, &mut b, id, at, amount)?;
        Ok(TransferOutcome { from: outcome(&o.from), to: outcome(&o.to) })
    }

    /// Current balances.
    pub fn balances(&self) -> Balances {
        balances(&self.lock().balances())
    }

    /// What a payment at `at_ms` could spend (refundable + unexpired bonus, minus nothing for debt).
    pub fn spendable(&self, at_ms: i64) -> Result<Money> {
        Ok(Money::from_core(&self.lock().spendable(time("at_ms", at_ms)?)))
    }

    /// Current status.
    pub fn status(&self) -> WalletStatus {
        self.lock().status().into()
    }

    /// Why the wallet is blocked (empty when it is not).
    pub fn block_reasons(&self) -> Vec<BlockReason> {
        self.lock()
            .block_reasons()
            .into_iter()
            .map(|r| match r {
                core::BlockReason::Admin { reason } => BlockReason::Admin { reason },
                core::BlockReason::Debt {} => BlockReason::Debt,
            })
            .collect()
    }

    /// The live bonus lots.
    pub fn bonus_lots(&self) -> Vec<BonusLot> {
        self.lock()
            .bonus_lots()
            .iter()
            .map(|l| BonusLot {
                lot_id: l.lot_id.to_string(),
                expires_at_ms: l.expires_at.map(|t| t.unix_millis()),
                remaining: Money::from_core(&l.remaining),
            })
            .collect()
    }

    /// Sum of payments on the UTC day of `at_ms` (what `max_daily_spend` limits).
    pub fn day_spend(&self, at_ms: i64) -> Result<Money> {
        Ok(Money::from_core(&self.lock().day_spend(time("at_ms", at_ms)?)))
    }

    /// What can still be refunded on payment `payment_id` (`null` if it is not a payment here).
    pub fn refundable_on_payment(&self, payment_id: String) -> Result<Option<Money>> {
        let id = uuid("payment_id", &payment_id)?;
        Ok(self.lock().refundable_on_payment(id).as_ref().map(Money::from_core))
    }

    /// Lifetime totals per kind of movement.
    pub fn totals(&self) -> WalletTotals {
        let t = self.lock().totals();
        let m = |x: &festival_core::Money| Money::from_core(x);
        WalletTotals {
            top_ups: m(&t.top_ups),
            bonus_credits: m(&t.bonus_credits),
            payments: m(&t.payments),
            refunds: m(&t.refunds),
            payouts: m(&t.payouts),
            payout_fees: m(&t.payout_fees),
            adjustments: m(&t.adjustments),
            transfers_in: m(&t.transfers_in),
            transfers_out: m(&t.transfers_out),
            bonus_expired: m(&t.bonus_expired),
            bonus_forfeited: m(&t.bonus_forfeited),
            deposits_charged: m(&t.deposits_charged),
            deposit_returns: m(&t.deposit_returns),
        }
    }

    /// Deposits charged, returned and outstanding per deposit product, sorted by product.
    pub fn deposits(&self) -> Vec<DepositTotals> {
        let m = |x: &festival_core::Money| Money::from_core(x);
        self.lock()
            .deposits()
            .iter()
            .map(|d| DepositTotals {
                product: d.product.clone(),
                charged_quantity: d.charged_quantity,
                charged: m(&d.charged),
                returned_quantity: d.returned_quantity,
                returned: m(&d.returned),
                outstanding_quantity: d.outstanding_quantity,
                outstanding: m(&d.outstanding),
            })
            .collect()
    }

    /// Count-vouchers held now, per voucher type (types with none held are left out).
    pub fn vouchers(&self) -> HashMap<String, u64> {
        self.lock().vouchers().into_iter().collect()
    }

    /// Count-voucher sums per type (granted, revoked, redeemed, forfeited, balance), sorted by type.
    pub fn voucher_totals(&self) -> Vec<VoucherTotals> {
        self.lock()
            .voucher_totals()
            .into_iter()
            .map(|v| VoucherTotals {
                voucher_type: v.voucher_type,
                granted: v.granted,
                revoked: v.revoked,
                redeemed: v.redeemed,
                forfeited: v.forfeited,
                balance: v.balance,
            })
            .collect()
    }

    /// The ledger, oldest first.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.lock().ledger().iter().map(ledger_entry).collect()
    }

    /// The double-entry postings of the ledger: one per entry that moves money (feed them to
    /// `trialBalance`).
    pub fn postings(&self) -> Result<Vec<crate::postings::Posting>> {
        let w = self.lock();
        Ok(festival_core::postings::post_ledger(w.id(), w.ledger())?.iter().map(crate::postings::posting_out).collect())
    }

    /// One ledger entry by id, if applied.
    pub fn entry(&self, entry_id: String) -> Result<Option<LedgerEntry>> {
        let id = uuid("entry_id", &entry_id)?;
        Ok(self.lock().entry(id).map(ledger_entry))
    }

    /// The outcome of an applied entry, if any (as it was when applied).
    pub fn outcome(&self, entry_id: String) -> Result<Option<WalletOutcome>> {
        let id = uuid("entry_id", &entry_id)?;
        Ok(self.lock().outcome(id).map(outcome))
    }
}

/// State of an NFC tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TagStatus {
    /// Linked and usable.
    Active,
    /// Reported lost: blocked forever.
    Lost,
}

/// One tag's record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TagRecord {
    /// The tag UID, lowercase hex.
    pub uid_hex: String,
    /// The wallet it is (or was) linked to.
    pub wallet_id: String,
    /// Active or lost.
    pub status: TagStatus,
    /// When it was linked, ms.
    pub linked_at_ms: i64,
    /// When it was reported lost, ms.
    pub lost_at_ms: Option<i64>,
    /// The tag that replaced it, hex.
    pub replaced_by_hex: Option<String>,
}

fn tag_record(r: &core::TagRecord) -> TagRecord {
    TagRecord {
        uid_hex: r.uid.to_string(),
        wallet_id: r.wallet_id.to_string(),
        status: match r.status {
            core::TagStatus::Active => TagStatus::Active,
            core::TagStatus::Lost => TagStatus::Lost,
        },
        linked_at_ms: r.linked_at.unix_millis(),
        lost_at_ms: r.lost_at.map(|t| t.unix_millis()),
        replaced_by_hex: r.replaced_by.as_ref().map(|u| u.to_string()),
    }
}

/// Raw tag UID bytes, checked by the core (`TAG_INVALID`).
fn tag(uid: &[u8]) -> Result<TagUid> {
    Ok(TagUid::from_bytes(uid)?)
}

/// NFC tag UID ↔ wallet links (at most one active tag per wallet; lost tags blocked forever).
/// Errors are `FestivalException.Wallet` with `TAG_*` codes.
#[derive(uniffi::Object)]
pub struct TagRegistry {
    inner: Mutex<core::TagRegistry>,
}

impl TagRegistry {
    fn lock(&self) -> MutexGuard<'_, core::TagRegistry> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl TagRegistry {
    /// An empty registry.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(TagRegistry { inner: Mutex::new(core::TagRegistry::new()) })
    }

    /// Reads a registry saved with [`TagRegistry::to_json`] (checks one active tag per wallet).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        let r: core::TagRegistry = serde_json::from_str(&json).map_err(|e| bad_json("json", e))?;
        Ok(Arc::new(TagRegistry { inner: Mutex::new(r) }))
    }

    /// The persisted form (the list of tag records) as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| InputError::invalid("tags", e.to_string()).into())
    }

    /// Links tag `uid` (raw UID bytes) to `wallet_id` (`TAG_ALREADY_USED`, `TAG_LOST`,
    /// `TAG_WALLET_ALREADY_LINKED`).
    pub fn link(&self, uid: Vec<u8>, wallet_id: String, at_ms: i64) -> Result<TagRecord> {
        let (uid, w, at) = (tag(&uid)?, uuid("wallet_id", &wallet_id)?, time("at_ms", at_ms)?);
        Ok(tag_record(self.lock().link(&uid, w, at)?))
    }

    /// Reports a tag lost: it is blocked forever.
    pub fn report_lost(&self, uid: Vec<u8>, at_ms: i64) -> Result<TagRecord> {
        let (uid, at) = (tag(&uid)?, time("at_ms", at_ms)?);
        Ok(tag_record(self.lock().report_lost(&uid, at)?))
    }

    /// Replaces tag `old_uid` by `new_uid` for the same wallet (the old one is blocked).
    /// (Not `old` / `new`: `new` is reserved in the generated TypeScript.)
    pub fn replace(&self, old_uid: Vec<u8>, new_uid: Vec<u8>, at_ms: i64) -> Result<TagRecord> {
        let (old, new, at) = (tag(&old_uid)?, tag(&new_uid)?, time("at_ms", at_ms)?);
        Ok(tag_record(self.lock().replace(&old, &new, at)?))
    }

    /// The wallet of an active tag (`TAG_UNKNOWN`, `TAG_LOST`).
    pub fn lookup(&self, uid: Vec<u8>) -> Result<String> {
        let uid = tag(&uid)?;
        Ok(self.lock().lookup(&uid)?.to_string())
    }

    /// A tag's record, if known.
    pub fn record(&self, uid: Vec<u8>) -> Result<Option<TagRecord>> {
        let uid = tag(&uid)?;
        Ok(self.lock().record(&uid).map(tag_record))
    }

    /// The active tag of a wallet (hex), if any.
    pub fn active_tag(&self, wallet_id: String) -> Result<Option<String>> {
        let w = uuid("wallet_id", &wallet_id)?;
        Ok(self.lock().active_tag(w).map(|u| u.to_string()))
    }

    /// Every tag record.
    pub fn records(&self) -> Vec<TagRecord> {
        self.lock().records().map(tag_record).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(a: &str) -> Money {
        Money { amount: a.into(), currency: "EUR".into() }
    }

    fn wallet(id: u128) -> Arc<Wallet> {
        let id = uuid::Uuid::from_u128(id).to_string();
        let festival = uuid::Uuid::from_u128(99).to_string();
        Wallet::new(id, festival, "EUR".into(), SpendOrder::BonusFirst, WalletLimits::default(), None).unwrap()
    }

    const T: i64 = 1_783_180_800_000;

    #[test]
    fn transfer_to_itself_is_an_error_not_a_deadlock() {
        let a = wallet(1);
        a.top_up(uuid::Uuid::from_u128(10).to_string(), T, eur("5"), TopUpMethod::Cash).unwrap();
        let e = a.transfer_to(a.clone(), uuid::Uuid::from_u128(11).to_string(), T, eur("1")).unwrap_err();
        assert_eq!(e.code(), "WALLET_TRANSFER_INVALID");
        assert_eq!(a.ledger().len(), 1);
        let b = wallet(2);
        let t = b.clone();
        let o = a.transfer_to(t, uuid::Uuid::from_u128(12).to_string(), T, eur("2")).unwrap();
        assert_eq!((o.from.balances.refundable, o.to.balances.refundable), (eur("3.00"), eur("2.00")));
    }

    #[test]
    fn from_json_keeps_the_ledger_corrupt_code() {
        let a = wallet(1);
        a.top_up(uuid::Uuid::from_u128(10).to_string(), T, eur("5"), TopUpMethod::Cash).unwrap();
        let json = a.to_json().unwrap();
        assert_eq!(Wallet::from_json(json.clone()).unwrap().to_json().unwrap(), json);
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["ledger"][0]["refundable_delta"]["amount"] = "4.00".into();
        assert_eq!(
            Wallet::from_json(v.to_string()).err().map(|e| e.code().to_string()).as_deref(),
            Some("WALLET_LEDGER_CORRUPT")
        );
        for bad in ["", "[]", "{}", r#"{"config":{},"ledger":[]}"#] {
            assert_eq!(
                Wallet::from_json(bad.into()).err().map(|e| e.code().to_string()).as_deref(),
                Some("INPUT_INVALID")
            );
        }
    }
}
