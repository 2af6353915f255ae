//! Public data types of wallets: configuration, operations, ledger entries, outcomes, totals.

use crate::calendar::FestivalCalendar;
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which sub-balance a payment spends first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendOrder {
    /// Bonus credit first (soonest-expiring lot first), then refundable money. The default.
    #[default]
    BonusFirst,
    /// Refundable money first, then bonus credit.
    RefundableFirst,
}

/// Optional limits of a wallet. `None` means unlimited. All amounts in the wallet's currency.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletLimits {
    /// Maximum of refundable + bonus after a top-up, bonus credit or incoming transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_balance: Option<Money>,
    /// Maximum amount of one payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_single_payment: Option<Money>,
    /// Maximum sum of payments within one festival day (the day of each payment's entry time in
    /// the wallet's [`WalletConfig::calendar`]; UTC days by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_daily_spend: Option<Money>,
}

/// A wallet's configuration: identity, festival, currency, spend order and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletConfig {
    /// The wallet id.
    pub id: Uuid,
    /// The festival the wallet belongs to.
    pub festival_id: Uuid,
    /// The one currency of the wallet.
    pub currency: Currency,
    /// Which sub-balance payments spend first.
    #[serde(default)]
    pub spend_order: SpendOrder,
    /// Limits.
    #[serde(default)]
    pub limits: WalletLimits,
    /// The customer's verified age class (`None`: unknown, counts as under 16 for age-restricted
    /// products; omitted from the JSON then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_class: Option<AgeClass>,
    /// The festival calendar that decides which day a payment counts against for
    /// `max_daily_spend` (default: UTC days from midnight, omitted from the JSON then).
    #[serde(default, skip_serializing_if = "FestivalCalendar::is_utc")]
    pub calendar: FestivalCalendar,
}

impl WalletConfig {
    /// A configuration with bonus-first spending and no limits.
    pub fn new(id: Uuid, festival_id: Uuid, currency: Currency) -> Self {
        WalletConfig {
            id,
            festival_id,
            currency,
            spend_order: SpendOrder::BonusFirst,
            limits: WalletLimits::default(),
            age_class: None,
            calendar: FestivalCalendar::utc(),
        }
    }
}

/// Lifecycle status of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletStatus {
    /// Every operation is allowed (within balances and limits).
    Active,
    /// Debits (payments, transfers out, payouts) are refused; credits are accepted. Caused by an
    /// administrative block and/or outstanding debt.
    Blocked,
    /// Terminal: every operation is refused.
    Closed,
}

/// Why a wallet is blocked. A wallet can be blocked for both reasons at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockReason {
    /// Blocked by an operator ([`Operation::Block`]); lifted by [`Operation::Unblock`].
    Admin {
        /// The operator's reason.
        reason: String,
    },
    /// Blocked because of outstanding debt; lifted automatically when the debt is settled.
    Debt {},
}

/// How a top-up was paid (for settlement reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopUpMethod {
    /// Cash at a top-up point.
    Cash,
    /// Card at a top-up point.
    Card,
    /// Online (app, web shop).
    Online,
    /// Anything else or unknown.
    #[default]
    Other,
}

/// A sub-balance of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubBalance {
    /// Money the attendee paid in; can be paid out.
    Refundable,
    /// Promotional credit; never paid out, may expire.
    Bonus,
}

/// One line of a payment: product, quantity, unit price, and what the line is (a sale, a deposit,
/// or goods paid with vouchers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// Product code (1..=64 characters); with a catalog, the product id.
    pub sku: String,
    /// Quantity (at least 1).
    pub quantity: u32,
    /// Price of one unit (zero or more, in the wallet's currency; zero for voucher lines).
    pub unit_price: Money,
    /// What the line is (default `sale`, left out of the JSON then).
    #[serde(default, skip_serializing_if = "LineKind::is_sale")]
    pub kind: LineKind,
}

impl LineItem {
    /// A sale line.
    pub fn new(sku: impl Into<String>, quantity: u32, unit_price: Money) -> LineItem {
        LineItem { sku: sku.into(), quantity, unit_price, kind: LineKind::Sale }
    }
}

/// A price in count-vouchers: `count` vouchers of `voucher_type` per unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherPrice {
    /// The voucher type (1..=64 characters, for example `helper_drink`).
    pub voucher_type: String,
    /// Vouchers per unit (at least 1).
    pub count: u32,
}

/// What a payment line is. JSON: `"sale"`, `"deposit"` or `{"voucher": {"voucher_type", "count"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Goods sold for money (revenue).
    #[default]
    Sale,
    /// A deposit (Pfand) charged for a returnable item: money the festival owes back, not revenue.
    Deposit,
    /// Goods paid with count-vouchers (per unit; the unit price is zero): no money moves.
    Voucher(VoucherPrice),
}

impl LineKind {
    /// Whether this is a plain sale.
    pub fn is_sale(&self) -> bool {
        *self == LineKind::Sale
    }
}

/// The verified age class of a customer (wristband issue, ID check), for German youth protection
/// (JuSchG): beer, wine and sparkling wine from 16, spirits from 18.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AgeClass {
    /// Under 16 (also what an unknown age counts as).
    #[serde(rename = "under_16")]
    Under16,
    /// 16 or 17.
    #[serde(rename = "16_17")]
    From16To17,
    /// 18 or older.
    #[serde(rename = "adult")]
    Adult,
}

/// The serialized name of [`AgeClass::From16To17`].
const AGE_16_17: &str = "16_17";

impl AgeClass {
    /// `under_16`, `16_17` or `adult`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeClass::Under16 => "under_16",
            AgeClass::From16To17 => AGE_16_17,
            AgeClass::Adult => "adult",
        }
    }

    /// Parses `under_16`, `16_17` or `adult`.
    pub fn parse(text: &str) -> Option<AgeClass> {
        match text {
            "under_16" => Some(AgeClass::Under16),
            AGE_16_17 => Some(AgeClass::From16To17),
            "adult" => Some(AgeClass::Adult),
            _ => None,
        }
    }

    /// The highest minimum age this class satisfies for certain: 0, 16 or 18 (and every age for
    /// adults).
    pub fn max_min_age(self) -> u8 {
        match self {
            AgeClass::Under16 => 0,
            AgeClass::From16To17 => 16,
            AgeClass::Adult => u8::MAX,
        }
    }

    /// Whether a customer of `class` (`None`: unknown, counts as under 16) may buy a product with
    /// minimum age `min_age`.
    pub fn satisfies(class: Option<AgeClass>, min_age: u8) -> bool {
        min_age <= class.unwrap_or(AgeClass::Under16).max_min_age()
    }
}

/// An operation on a wallet. Serialized with a `kind` tag in snake case
/// (`{"kind": "top_up", "amount": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Money paid in: credits the refundable balance, after first settling any debt.
    TopUp {
        /// The amount paid in (positive).
        amount: Money,
        /// How it was paid.
        #[serde(default)]
        method: TopUpMethod,
    },
    /// Promotional credit: a new bonus lot (the lot id is the entry id).
    BonusCredit {
        /// The credit (positive).
        amount: Money,
        /// When the lot expires (`None`: never). Lots expired at a payment's time are not spent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<Timestamp>,
    },
    /// A payment at a stand; its amount is the sum of `quantity × unit_price` of the items.
    Payment {
        /// The stand.
        stand_id: Uuid,
        /// The device that took the payment, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_id: Option<Uuid>,
        /// The line items (at least one; the total must be positive).
        items: Vec<LineItem>,
        /// Only for offline reconciliation (payments accepted offline under the
        /// accept-and-record-debt policy): the payment is applied even on a blocked wallet and
        /// regardless of limits, and the shortfall after spending everything becomes debt,
        /// which blocks the wallet. Normally `false`.
        #[serde(default)]
        allow_debt: bool,
        /// The version of the product catalog the device priced the lines with, if it used one
        /// (checked by [`super::Wallet::apply_with_catalog`] and in reconciliation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        catalog_version: Option<u32>,
    },
    /// A returned deposit item (a cup): credits `amount` to the refundable balance, settling any
    /// debt first like every refundable credit. Accepted on blocked wallets. A cup can be returned
    /// to any wallet (festivals take cups from anyone), so a wallet may return more than it was
    /// charged; with a catalog, `amount` must be `quantity` × the deposit's price.
    DepositReturn {
        /// The stand that took the cup back.
        stand_id: Uuid,
        /// The device, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_id: Option<Uuid>,
        /// The deposit product (1..=64 characters).
        product: String,
        /// Units returned (at least 1).
        quantity: u32,
        /// The money credited (positive).
        amount: Money,
    },
    /// Grants count-vouchers (for example drink vouchers for helpers). Vouchers are not money.
    VoucherGrant {
        /// The voucher type (1..=64 characters).
        voucher_type: String,
        /// How many (at least 1).
        count: u32,
    },
    /// Takes back count-vouchers (at most what the wallet holds).
    VoucherRevoke {
        /// The voucher type.
        voucher_type: String,
        /// How many (at least 1).
        count: u32,
    },
    /// Refund of (part of) an earlier payment in this wallet. The amount is restored to where it
    /// came from: first the part that was recorded as debt (cancelling debt), then refundable
    /// money (which, like every refundable credit, first settles any remaining debt), then bonus
    /// lots (the last-consumed lot first; a restored lot keeps its expiry).
    Refund {
        /// The payment's entry id.
        payment_id: Uuid,
        /// The amount to refund (positive, at most what remains refundable on the payment).
        amount: Money,
        /// Why, if given (at most 256 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Cash-out of refundable money: `amount` leaves the refundable balance; the attendee
    /// receives `amount - fee`.
    Payout {
        /// The amount taken from the refundable balance (positive).
        amount: Money,
        /// Fee kept by the festival (zero or more, at most `amount`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fee: Option<Money>,
    },
    /// An operator correction of one sub-balance. Positive refundable adjustments first settle
    /// debt; negative ones must not take a sub-balance below zero.
    Adjustment {
        /// Signed, non-zero amount.
        amount: Money,
        /// Which sub-balance.
        target: SubBalance,
        /// Why (1..=256 characters).
        reason: String,
    },
    /// Expires every bonus lot whose `expires_at` is at or before the entry time.
    ExpireBonus {},
    /// Administrative block (debits are refused until [`Operation::Unblock`]).
    Block {
        /// Why (1..=256 characters).
        reason: String,
    },
    /// Lifts the administrative block (a debt block stays until the debt is settled).
    Unblock {},
    /// Closes the wallet for good. Requires zero refundable money and zero debt; remaining bonus
    /// is forfeited (recorded in the entry).
    Close {},
    /// Outgoing side of a transfer (recorded by [`super::Wallet::transfer`], never applied alone).
    /// Transfers move refundable money only: bonus is not transferable.
    TransferOut {
        /// The receiving wallet.
        to_wallet: Uuid,
        /// The amount (positive).
        amount: Money,
    },
    /// Incoming side of a transfer (recorded by [`super::Wallet::transfer`], never applied alone).
    /// Settles debt first, like a top-up.
    TransferIn {
        /// The sending wallet.
        from_wallet: Uuid,
        /// The amount (positive).
        amount: Money,
    },
}

impl Operation {
    /// The operation's kind in snake case (`top_up`, `payment`, ...), as in its serialized form.
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::TopUp { .. } => "top_up",
            Operation::BonusCredit { .. } => "bonus_credit",
            Operation::Payment { .. } => "payment",
            Operation::Refund { .. } => "refund",
            Operation::Payout { .. } => "payout",
            Operation::Adjustment { .. } => "adjustment",
            Operation::ExpireBonus { .. } => "expire_bonus",
            Operation::Block { .. } => "block",
            Operation::Unblock { .. } => "unblock",
            Operation::Close { .. } => "close",
            Operation::TransferOut { .. } => "transfer_out",
            Operation::TransferIn { .. } => "transfer_in",
            Operation::DepositReturn { .. } => "deposit_return",
            Operation::VoucherGrant { .. } => "voucher_grant",
            Operation::VoucherRevoke { .. } => "voucher_revoke",
        }
    }
}

/// A request to apply one operation: a caller-chosen unique id (used for idempotency) and the
/// time of the operation (caller-given; the core never reads a clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique id of the entry within the wallet. Retrying with the same id is a no-op.
    pub id: Uuid,
    /// When the operation happened.
    pub at: Timestamp,
    /// What happened.
    pub operation: Operation,
}

impl Entry {
    /// Shorthand constructor.
    pub fn new(id: Uuid, at: Timestamp, operation: Operation) -> Self {
        Entry { id, at, operation }
    }
}

/// The change of one bonus lot made by an entry (lot id = the entry id that created the lot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotDelta {
    /// The lot.
    pub lot_id: Uuid,
    /// Signed change of the lot's remaining amount.
    pub amount: Money,
}

/// One applied entry of a wallet's ledger: the request plus its recorded effect. The ledger is the
/// wallet's only persisted state besides its config; replay re-executes every operation and checks
/// that it reproduces these effects exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    /// The entry id.
    pub id: Uuid,
    /// The entry time.
    pub at: Timestamp,
    /// The operation (with stand/device ids and line items for payments).
    pub operation: Operation,
    /// Signed change of the refundable balance.
    pub refundable_delta: Money,
    /// Signed change of the bonus balance (the sum of `bonus_lots`).
    pub bonus_delta: Money,
    /// Signed change of the debt (positive: debt created; negative: debt settled).
    pub debt_delta: Money,
    /// Per-lot changes of the bonus balance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bonus_lots: Vec<LotDelta>,
}

impl LedgerEntry {
    /// The operation's kind (`payment`, `top_up`, ...).
    pub fn kind(&self) -> &'static str {
        self.operation.kind()
    }

    /// The stand of a payment or deposit return.
    pub fn stand_id(&self) -> Option<Uuid> {
        match &self.operation {
            Operation::Payment { stand_id, .. } | Operation::DepositReturn { stand_id, .. } => Some(*stand_id),
            _ => None,
        }
    }

    /// The device of a payment or deposit return, if recorded.
    pub fn device_id(&self) -> Option<Uuid> {
        match &self.operation {
            Operation::Payment { device_id, .. } | Operation::DepositReturn { device_id, .. } => *device_id,
            _ => None,
        }
    }

    /// The line items of a payment (empty for other kinds).
    pub fn line_items(&self) -> &[LineItem] {
        match &self.operation {
            Operation::Payment { items, .. } => items,
            _ => &[],
        }
    }
}

/// Balances of a wallet. `total = refundable + bonus - debt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    /// Refundable money (never negative).
    pub refundable: Money,
    /// Bonus credit (never negative), including lots past their expiry time that no
    /// `expire_bonus` entry has expired yet (those are not spendable).
    pub bonus: Money,
    /// Outstanding debt (never negative; positive only after offline reconciliation).
    pub debt: Money,
    /// `refundable + bonus - debt`.
    pub total: Money,
}

/// What applying an entry did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The entry id.
    pub entry_id: Uuid,
    /// `false` when the entry was applied by this call; `true` when it had already been applied
    /// and this is the original outcome, reported again.
    pub replayed: bool,
    /// The operation's kind.
    pub kind: String,
    /// Signed change of the refundable balance (a payment's `-refundable_delta` is what came from
    /// refundable money; a refund's is what went back to it).
    pub refundable_delta: Money,
    /// Signed change of the bonus balance.
    pub bonus_delta: Money,
    /// Signed change of the debt.
    pub debt_delta: Money,
    /// Balances right after the entry.
    pub balances: Balances,
    /// Status right after the entry.
    pub status: WalletStatus,
}

impl Outcome {
    /// For a payment: the part paid from refundable money (zero for credits).
    pub fn from_refundable(&self) -> Money {
        if self.refundable_delta.is_negative() {
            self.refundable_delta.negate()
        } else {
            Money::zero(self.refundable_delta.currency())
        }
    }

    /// For a payment: the part paid from bonus credit (zero for credits).
    pub fn from_bonus(&self) -> Money {
        if self.bonus_delta.is_negative() {
            self.bonus_delta.negate()
        } else {
            Money::zero(self.bonus_delta.currency())
        }
    }
}

/// Both sides of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferOutcome {
    /// The sending wallet's outcome.
    pub from: Outcome,
    /// The receiving wallet's outcome.
    pub to: Outcome,
}

/// A bonus lot (read-only view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusLot {
    /// The lot id (the entry that created it).
    pub lot_id: Uuid,
    /// When it expires (`None`: never).
    pub expires_at: Option<Timestamp>,
    /// What is left of it.
    pub remaining: Money,
}

/// Running sums over a wallet's ledger, all non-negative except `adjustments`. Conservation:
/// `refundable + bonus - debt == net()` for every history (see [`WalletTotals::net`]).
///
/// `deposits_charged` and `deposit_returns` are left out of the JSON while zero (so totals of
/// wallets without deposits read and write as before). Vouchers are counted, not money: they are
/// not in these totals but in [`super::Wallet::voucher_totals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WalletTotalsRepr")]
pub struct WalletTotals {
    /// Sum of top-ups.
    pub top_ups: Money,
    /// Sum of bonus credits.
    pub bonus_credits: Money,
    /// Sum of payment amounts (including the parts that became debt).
    pub payments: Money,
    /// Sum of refunds.
    pub refunds: Money,
    /// Sum paid out to attendees (payout amounts minus fees).
    pub payouts: Money,
    /// Sum of payout fees.
    pub payout_fees: Money,
    /// Signed sum of admin adjustments.
    pub adjustments: Money,
    /// Sum of incoming transfers.
    pub transfers_in: Money,
    /// Sum of outgoing transfers.
    pub transfers_out: Money,
    /// Sum of expired bonus.
    pub bonus_expired: Money,
    /// Bonus forfeited when the wallet was closed.
    pub bonus_forfeited: Money,
    /// The part of `payments` that was deposit lines (a liability, not revenue).
    #[serde(skip_serializing_if = "Money::is_zero")]
    pub deposits_charged: Money,
    /// Sum credited for returned deposit items.
    #[serde(skip_serializing_if = "Money::is_zero")]
    pub deposit_returns: Money,
}

#[derive(Deserialize)]
struct WalletTotalsRepr {
    top_ups: Money,
    bonus_credits: Money,
    payments: Money,
    refunds: Money,
    payouts: Money,
    payout_fees: Money,
    adjustments: Money,
    transfers_in: Money,
    transfers_out: Money,
    bonus_expired: Money,
    bonus_forfeited: Money,
    #[serde(default)]
    deposits_charged: Option<Money>,
    #[serde(default)]
    deposit_returns: Option<Money>,
}

impl TryFrom<WalletTotalsRepr> for WalletTotals {
    type Error = String;
    fn try_from(r: WalletTotalsRepr) -> Result<Self, Self::Error> {
        let z = Money::zero(r.top_ups.currency());
        Ok(WalletTotals {
            top_ups: r.top_ups,
            bonus_credits: r.bonus_credits,
            payments: r.payments,
            refunds: r.refunds,
            payouts: r.payouts,
            payout_fees: r.payout_fees,
            adjustments: r.adjustments,
            transfers_in: r.transfers_in,
            transfers_out: r.transfers_out,
            bonus_expired: r.bonus_expired,
            bonus_forfeited: r.bonus_forfeited,
            deposits_charged: r.deposits_charged.unwrap_or(z),
            deposit_returns: r.deposit_returns.unwrap_or(z),
        })
    }
}

impl WalletTotals {
    /// All zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        let z = Money::zero(currency);
        WalletTotals {
            top_ups: z,
            bonus_credits: z,
            payments: z,
            refunds: z,
            payouts: z,
            payout_fees: z,
            adjustments: z,
            transfers_in: z,
            transfers_out: z,
            bonus_expired: z,
            bonus_forfeited: z,
            deposits_charged: z,
            deposit_returns: z,
        }
    }

    /// `top_ups + bonus_credits - payments + refunds - payouts - payout_fees + adjustments
    /// + transfers_in - transfers_out - bonus_expired - bonus_forfeited + deposit_returns`: what
    /// the wallet's `Balances::total` must equal.
    pub fn net(&self) -> Result<Money, crate::money::MoneyError> {
        let plus =
            [self.top_ups, self.bonus_credits, self.refunds, self.adjustments, self.transfers_in, self.deposit_returns];
        let minus = [
            self.payments,
            self.payouts,
            self.payout_fees,
            self.transfers_out,
            self.bonus_expired,
            self.bonus_forfeited,
        ];
        let mut acc = Money::zero(self.top_ups.currency());
        for m in &plus {
            acc = acc.checked_add(m)?;
        }
        for m in &minus {
            acc = acc.checked_sub(m)?;
        }
        Ok(acc)
    }
}

/// Deposits of one deposit product in a wallet: charged on payment lines and returned. A cup can
/// be returned to any wallet, so `returned` may exceed `charged` in one wallet; the festival-wide
/// outstanding deposit is the sum over wallets (analytics).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `charged_quantity - returned_quantity` (may be negative in one wallet).
    pub outstanding_quantity: i64,
    /// `charged - returned` (may be negative in one wallet).
    pub outstanding: Money,
}

/// Count-vouchers of one type in a wallet (counts, not money).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
