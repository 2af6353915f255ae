/* Shapes shared by the festival-core JS packages (bindings-node and bindings-wasm declare the same API). */

/** Exact money: the amount is a decimal string with exactly the currency's minor digits. Never a JS number. */
export interface Money {
  /** Decimal string, e.g. "12.50". */
  amount: string
  /** ISO 4217 code ("EUR") or a festival token "CODE:scale" ("BEER:0"). */
  currency: string
}

/** Every rounding names its mode. */
export type RoundingMode = 'half_even' | 'half_up' | 'down' | 'up'

/** Whether tax line amounts include VAT. */
export type PriceBasis = 'gross' | 'net'

/** VAT rounding strategy. */
export type TaxRounding = 'per_line' | 'sum_by_net' | 'sum_by_net_keep_gross'

/** One taxable line: amount (gross or net) and VAT rate in percent as a decimal string ("19"). */
export interface TaxLine {
  amount: Money
  rate: string
}

/** Net, tax and gross of one line or total; net + tax = gross exactly. */
export interface TaxAmounts {
  net: Money
  tax: Money
  gross: Money
}

/** Totals of one VAT rate. */
export interface RateTotal extends TaxAmounts {
  rate: string
}

/** Result of computeTax. */
export interface TaxBreakdown extends TaxAmounts {
  lines: TaxAmounts[]
  byRate: RateTotal[]
}

/** Every error thrown by festival-core is an Error with these fields. */
export interface FestivalError extends Error {
  /** Stable code, e.g. "MONEY_SCALE_EXCEEDED" (see ERRORS.md). */
  code: string
  /** "input" | "money" | "wallet" | "ticketing" | "access" | "offline". */
  family: string
  /** Structured fields (camelCase keys; conformanceExecute keeps the core's snake_case). */
  details: Record<string, unknown>
}

/** A timestamp argument: a valid Date or an RFC 3339 string. Outputs are RFC 3339 strings (UTC, ms). */
export type TimestampInput = Date | string

/** What a signed ticket code says. */
export interface TicketClaims {
  keyId: number
  festivalId: string
  ticketId: string
  /** 1..=16 of A-Z 0-9 _ - ("DAY", "VIP"). */
  ticketType: string
  validFrom: string
  validUntil: string
}

/** Claims as accepted by issueTicketCode (timestamps may be Dates). */
export interface TicketClaimsInput extends Omit<TicketClaims, 'validFrom' | 'validUntil'> {
  validFrom: TimestampInput
  validUntil: TimestampInput
}

/** An issuer key a gate trusts (several may be valid at once during a rotation). */
export interface IssuerKey {
  keyId: number
  /** Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array
  festivalId: string
  validFrom: TimestampInput
  validUntil: TimestampInput
}

/** A revocation / block list (entries strictly increasing). */
export interface RevocationList {
  festivalId: string
  keyId: number
  /** 64-bit version (output: decimal string). */
  version: bigint | number | string
  issuedAt: TimestampInput
  revokedTickets: string[]
  /** NFC tag UIDs (input: Uint8Array or hex; output: hex strings). */
  blockedTags: (Uint8Array | string)[]
  revokedDevices: string[]
}

/** Which sub-balance payments spend first. */
export type SpendOrder = 'bonus_first' | 'refundable_first'
/** How a top-up was paid. */
export type TopUpMethod = 'cash' | 'card' | 'online' | 'other'
/** A wallet sub-balance. */
export type SubBalance = 'refundable' | 'bonus'
/** Wallet lifecycle status. */
export type WalletStatus = 'active' | 'blocked' | 'closed'

/** Optional wallet limits (absent = unlimited). */
export interface WalletLimits {
  maxBalance?: Money
  maxSinglePayment?: Money
  maxDailySpend?: Money
}

/** Wallet configuration as returned by `wallet.config()`. */
export interface WalletConfig {
  id: string
  festivalId: string
  currency: string
  spendOrder: SpendOrder
  limits: WalletLimits
  /** The customer's verified age class (absent: unknown, counts as under 16). */
  ageClass?: AgeClass
}

/** Wallet configuration for `new Wallet(...)`. */
export interface WalletConfigInput {
  id: string
  festivalId: string
  currency: string
  spendOrder?: SpendOrder
  limits?: WalletLimits
  ageClass?: AgeClass | null
}

/** A customer's verified age class (German youth protection: beer and wine from 16, spirits from 18). */
export type AgeClass = 'under_16' | '16_17' | 'adult'

/** A price in count-vouchers: `count` vouchers of `voucherType` per unit. */
export interface VoucherPrice {
  voucherType: string
  count: number
}

/** What a payment line is: a sale (default), a deposit (a liability), or goods paid with vouchers (unit price zero). */
export type LineKind = 'sale' | 'deposit' | { voucher: VoucherPrice }

/** One line of a payment. */
export interface LineItem {
  sku: string
  quantity: number
  unitPrice: Money
  /** Absent: `'sale'`. */
  kind?: LineKind
}

/** A wallet operation (`kind` values are the core's snake_case names). */
export type WalletOperation =
  | { kind: 'top_up'; amount: Money; method?: TopUpMethod }
  | { kind: 'bonus_credit'; amount: Money; expiresAt?: TimestampInput }
  | { kind: 'payment'; standId: string; deviceId?: string; items: LineItem[]; allowDebt?: boolean; catalogVersion?: number }
  | { kind: 'deposit_return'; standId: string; deviceId?: string; product: string; quantity: number; amount: Money }
  | { kind: 'voucher_grant'; voucherType: string; count: number }
  | { kind: 'voucher_revoke'; voucherType: string; count: number }
  | { kind: 'refund'; paymentId: string; amount: Money; reason?: string }
  | { kind: 'payout'; amount: Money; fee?: Money }
  | { kind: 'adjustment'; amount: Money; target: SubBalance; reason: string }
  | { kind: 'expire_bonus' }
  | { kind: 'block'; reason: string }
  | { kind: 'unblock' }
  | { kind: 'close' }
  | { kind: 'transfer_out'; toWallet: string; amount: Money }
  | { kind: 'transfer_in'; fromWallet: string; amount: Money }

/** A request to apply one operation (the id makes retries idempotent). */
export interface WalletEntry {
  id: string
  at: TimestampInput
  operation: WalletOperation
}

/** Balances; total = refundable + bonus - debt. */
export interface Balances {
  refundable: Money
  bonus: Money
  debt: Money
  total: Money
}

/** What applying an entry did. */
export interface WalletOutcome {
  entryId: string
  /** true when the entry had already been applied (the original outcome is reported again). */
  replayed: boolean
  kind: string
  refundableDelta: Money
  bonusDelta: Money
  debtDelta: Money
  balances: Balances
  status: WalletStatus
}

/** Both sides of a transfer. */
export interface TransferOutcome {
  from: WalletOutcome
  to: WalletOutcome
}

/** Why a wallet is blocked. */
export type BlockReason = { kind: 'admin'; reason: string } | { kind: 'debt' }

/** A bonus lot. */
export interface BonusLot {
  lotId: string
  expiresAt: string | null
  remaining: Money
}

/** Running sums over a wallet's ledger. */
export interface WalletTotals {
  topUps: Money
  bonusCredits: Money
  payments: Money
  refunds: Money
  payouts: Money
  payoutFees: Money
  adjustments: Money
  transfersIn: Money
  transfersOut: Money
  bonusExpired: Money
  bonusForfeited: Money
  /** Deposits charged on payment lines (a liability, not revenue). */
  depositsCharged: Money
  /** Money credited for returned deposit items. */
  depositReturns: Money
}

/** Deposits of one deposit product in a wallet (outstanding may be negative: cups go back to any wallet). */
export interface DepositTotals {
  product: string
  chargedQuantity: number
  charged: Money
  returnedQuantity: number
  returned: Money
  outstandingQuantity: number
  outstanding: Money
}

/** A number of count-vouchers of one type. */
export interface VoucherCount {
  voucherType: string
  count: number
}

/** Count-vouchers of one type in a wallet: balance = granted - revoked - redeemed - forfeited. */
export interface VoucherTotals {
  voucherType: string
  granted: number
  revoked: number
  redeemed: number
  forfeited: number
  balance: number
}

/** Whether a catalog product is goods (revenue, with VAT) or a deposit (Pfand: refundable, VAT 0). */
export type ProductKind = 'goods' | 'deposit'

/** One product of a stand catalog; `id` is the `sku` of the payment lines that sell it. */
export interface Product {
  id: string
  name: string
  /** Gross unit price. */
  price: Money
  /** VAT rate in percent as a decimal string ("19"); "0" for deposits. */
  vatRate: string
  /** Absent: `'goods'`. */
  kind?: ProductKind
  minAge?: number
  /** The deposit product added per unit sold. */
  deposit?: string
  voucherPrice?: VoucherPrice
}

/** What `new Catalog(...)` takes. */
export interface CatalogSpec {
  festivalId: string
  version: number
  currency: string
  products: Product[]
}

/** One line of a basket to price (`Catalog.expand`): a goods product, paid in money or with its voucher price. */
export interface BasketLine {
  product: string
  quantity: number
  payWithVouchers?: boolean
}

/** A priced basket: `items` go to `pay(...)` with `catalogVersion`; total = goodsTotal + depositTotal. */
export interface Basket {
  catalogVersion: number
  items: LineItem[]
  goodsTotal: Money
  depositTotal: Money
  total: Money
  deposits: { product: string; quantity: number; amount: Money }[]
  vouchers: VoucherCount[]
  /** VAT of the goods paid in money (null when there are none). */
  vat: TaxBreakdown | null
}

/** One applied ledger entry with its effect. */
export interface LedgerEntry {
  id: string
  at: string
  operation: WalletOperation
  refundableDelta: Money
  bonusDelta: Money
  debtDelta: Money
  bonusLots?: { lotId: string; amount: Money }[]
}

/**
 * An account code of the festival's books: `funds:cash|card|online|other`, `payouts`,
 * `liability:refundable`, `liability:bonus`, `liability:deposits`, `receivable:debt`, `revenue:<stand id>`,
 * `revenue:unattributed`, `income:fees`, `expense:bonus`, `income:bonus_breakage`,
 * `adjustments`, `clearing:transfers`.
 */
export type AccountCode = string

/** One leg of a posting: debit positive, credit negative. */
export interface Leg {
  account: AccountCode
  amount: Money
}

/** The double-entry posting of one wallet ledger entry or till event; its legs sum to zero. */
export interface Posting {
  entryId: string
  /** The wallet (every wallet posting; a till posting when the till recorded it). */
  walletId?: string
  /** The till (every till posting). */
  tillId?: string
  at: string
  kind: string
  legs: Leg[]
}

/** Account balances over postings (`trialBalance`). */
export interface TrialBalance {
  currency: string
  /** Every account summed is zero. */
  balanced: boolean
  total: Money
  /** Balance per account code (keys are account codes, not camelCased). */
  accounts: Record<AccountCode, Money>
  /** Net revenue per stand (sales minus refunds); `standId: null` is unattributed revenue. */
  revenueByStand: { standId: string | null; net: Money }[]
}

/** An NFC tag record (uid as hex). */
export interface TagRecord {
  uid: string
  walletId: string
  status: 'active' | 'lost'
  linkedAt: string
  lostAt?: string
  replacedBy?: string
}


// ------------------------------------------------------------------ ticketing

/** One line of a price request. */
export interface PriceLine {
  ticketTypeId: string
  unitPrice: Money
  quantity: number
}

/** What to price (`at` decides promo expiry). */
export interface PriceRequest {
  lines: PriceLine[]
  promoCode?: string | null
  at: TimestampInput
}

/** Service fees: per ticket plus a percentage (decimal string) of each line after discount. */
export interface FeeConfig {
  perTicket: Money
  percent: string
  rounding: RoundingMode
}

/** VAT of a shop: rate in percent (decimal string), basis, strategy, rounding mode. */
export interface TaxConfig {
  rate: string
  basis: PriceBasis
  rounding: TaxRounding
  mode: RoundingMode
}

/** How a shop prices orders (`pricingConfig(...)` gives the core's defaults). */
export interface PricingConfig {
  currency: string
  fees: FeeConfig
  feesTaxable: boolean
  tax: TaxConfig
  discountRounding: RoundingMode
}

/** What a promo code takes off. */
export type PromoDiscount = { kind: 'percentage'; percent: string } | { kind: 'fixed_amount'; amount: Money }

/** A promo code and its usage so far (the caller stores `used`). */
export interface PromoCode {
  code: string
  discount: PromoDiscount
  maxUses?: number | null
  used?: number
  expiresAt?: TimestampInput | null
  minQuantity?: number
  /** Ticket types (in carts: ticket types and add-ons) it applies to; empty: all. */
  ticketTypeIds?: string[]
  /** Usable from this instant on (inclusive). */
  validFrom?: TimestampInput | null
  /** Where the discount is computed; default: percentages per line, fixed amounts per order. */
  scope?: PromoScope | null
}

/** `line`: on each eligible line (fixed amounts: per unit); `order`: once, split by subtotal. */
export type PromoScope = 'line' | 'order'

/** One priced line. */
export interface PricedLine {
  ticketTypeId: string
  quantity: number
  unitPrice: Money
  subtotal: Money
  discount: Money
  fees: Money
  tax: Money
  roundingAdjustment: Money
  total: Money
}

/** The price of an order: total = subtotal - discount + fees + (tax unless taxIncluded) + roundingAdjustment. */
export interface PriceBreakdown {
  lines: PricedLine[]
  subtotal: Money
  discount: Money
  fees: Money
  tax: Money
  taxIncluded: boolean
  roundingAdjustment: Money
  total: Money
  promoCode: string | null
}

/** A ticket type as returned (timestamps are RFC 3339 strings). */
export interface TicketType {
  id: string
  name: string
  price: Money
  capacity: number
  saleFrom: string
  saleUntil: string
  validFrom: string
  validUntil: string
  maxPerOrder: number
  zones: string[]
  reentryAllowed: boolean
  transferLimit: number
}

/** A ticket type as accepted (timestamps may be Dates). */
export interface TicketTypeInput extends Omit<TicketType, 'saleFrom' | 'saleUntil' | 'validFrom' | 'validUntil'> {
  saleFrom: TimestampInput
  saleUntil: TimestampInput
  validFrom: TimestampInput
  validUntil: TimestampInput
}

/** State of an inventory hold. */
export type HoldState = 'held' | 'confirmed' | 'released' | 'expired'

/** Seats held under a caller's id until `expiresAt` (exclusive). */
export interface Hold {
  id: string
  quantity: number
  createdAt: string
  expiresAt: string
  state: HoldState
}

/** Seat counts at one instant; available = capacity - sold - held. */
export interface InventoryCounts {
  capacity: number
  sold: number
  held: number
  available: number
}

/** Order state. */
export type OrderState = 'pending' | 'paid' | 'fulfilled' | 'expired' | 'cancelled' | 'partially_refunded' | 'refunded'

/** Caller-given identity of a ticket to issue (or the new ticket of a transfer). */
export interface NewTicket {
  id: string
  number: string
  holder: string
}

/** An order event for `order.apply(event, inventory, book)`. */
export type OrderEvent =
  | { event: 'pay'; amount: Money; at: TimestampInput }
  | { event: 'fulfill'; tickets: NewTicket[]; at: TimestampInput }
  | { event: 'expire'; at: TimestampInput }
  | { event: 'cancel'; at: TimestampInput }
  | { event: 'refund'; amount: Money; at: TimestampInput }

// ------------------------------------------------------------------ carts and quotas

/** What a cart line sells. */
export type ItemKind = 'ticket' | 'add_on'

/** One line of a cart price request. */
export interface CartLine {
  lineId: string
  itemId: string
  /** Default `'ticket'` (the per-ticket service fee applies to ticket lines only). */
  kind?: ItemKind
  unitPrice: Money
  quantity: number
  /** VAT rate of the line in percent (decimal string); default: the config's rate. */
  taxRate?: string | null
}

/** A fee on each line it applies to: perUnit × quantity + percent of the line after discount. */
export interface LineFee {
  name: string
  perUnit: Money
  percent: string
  rounding: RoundingMode
  /** Items it applies to (empty: every line). */
  itemIds?: string[]
}

/** A fee once per order (amount + percent of the order after discount), split onto the lines. */
export interface OrderFee {
  name: string
  amount: Money
  percent: string
  rounding: RoundingMode
}

/** How a shop prices carts. */
export interface CartConfig {
  pricing: PricingConfig
  lineFees?: LineFee[]
  orderFees?: OrderFee[]
}

/** What `priceCart` prices. */
export interface CartPriceRequest {
  lines: CartLine[]
  promoCode?: string | null
  at: TimestampInput
}

/** One priced cart line: total = subtotal - discount + fees + orderFees + (tax unless taxIncluded) + roundingAdjustment. */
export interface PricedCartLine {
  lineId: string
  itemId: string
  kind: ItemKind
  quantity: number
  unitPrice: Money
  taxRate: string
  subtotal: Money
  discount: Money
  fees: Money
  /** This line's share of the order fees. */
  orderFees: Money
  tax: Money
  roundingAdjustment: Money
  /** What the customer pays for the line; what refunding all its units gives back. */
  total: Money
}

/** VAT of one rate. */
export interface RateTotal {
  rate: string
  net: Money
  tax: Money
  gross: Money
}

/** The price of a cart. */
export interface CartBreakdown {
  lines: PricedCartLine[]
  subtotal: Money
  discount: Money
  fees: Money
  orderFees: Money
  orderFeeLines: { name: string; amount: Money }[]
  tax: Money
  taxes: RateTotal[]
  taxIncluded: boolean
  roundingAdjustment: Money
  total: Money
  promoCode: string | null
}

/** A shared quota over ticket types and add-ons (`size: null`: unlimited). */
export interface Quota {
  id: string
  name: string
  size: number | null
  itemIds: string[]
}

/** Units of one item a hold asks for. */
export interface QuotaRequest {
  lineId: string
  itemId: string
  quantity: number
}

/** One line of a quota hold (the quotas it counts in, units refunded after the sale). */
export interface QuotaHoldLine {
  lineId: string
  itemId: string
  quantity: number
  quotaIds: string[]
  released: number
}

/** A cart's hold in the quotas. */
export interface QuotaHold {
  id: string
  lines: QuotaHoldLine[]
  createdAt: string
  expiresAt: string
  state: HoldState
}

/** Counts of one quota; available = size - sold - held (`null`: unlimited). */
export interface QuotaCounts {
  quotaId: string
  size: number | null
  sold: number
  held: number
  available: number | null
}

/** A product that is not a ticket (parking, merchandise). */
export interface AddOn {
  id: string
  name: string
  price: Money
  maxPerOrder: number
  saleFrom?: TimestampInput | null
  saleUntil?: TimestampInput | null
}

/** What a ticket shop sells (`CartOrder.place`; the stand catalog is the `Catalog` class). */
export interface ShopCatalog {
  ticketTypes: TicketTypeInput[]
  addOns?: AddOn[]
  /** VAT rates that differ from the config's rate. */
  taxRates?: { itemId: string; rate: string }[]
}

/** A cart to place with `CartOrder.place`. */
export interface CartSpec {
  id: string
  lines: { lineId: string; itemId: string; quantity: number }[]
  promoCode?: string | null
  now: TimestampInput
  expiresAt: TimestampInput
}

/** A line refund request; repeating a refundId returns the recorded refund. */
export interface LineRefundRequest {
  refundId: string
  lineId: string
  quantity: number
  /** For a fulfilled ticket line: exactly `quantity` of its unrefunded tickets. */
  ticketIds?: string[]
}

/** A recorded line refund. */
export interface LineRefund {
  refundId: string
  lineId: string
  quantity: number
  amount: Money
  ticketIds: string[]
  at: string
}

/** The tickets issued for one ticket line. */
export interface LineTickets {
  lineId: string
  ticketIds: string[]
}

/** Ticket state (the core's `ticketing::TicketState`; offline reconciliation's per-ticket view needs another TS name). */
export type TicketState = 'valid' | 'checked_in' | 'checked_out' | 'transferred' | 'cancelled' | 'refunded' | 'revoked'

/** Ticket events for `book.apply` / `book.nextState` (transfers: `book.transfer`). */
export type TicketEvent = 'check_in' | 'check_out' | 'cancel' | 'refund' | 'revoke'

/** A ticket. */
export interface Ticket {
  id: string
  number: string
  ticketTypeId: string
  orderId: string | null
  holder: string
  state: TicketState
  lineageId: string
  transfers: number
  used: boolean
  issuedAt: string
  updatedAt: string
  firstCheckedInAt: string | null
  replaces: string | null
  replacedBy: string | null
}

// ------------------------------------------------------------------ access

/** An access zone (`ticketTypeIds`, `perimeter`, `alertThresholds` default to [], false, []). */
export interface Zone {
  id: string
  name: string
  capacity: number
  ticketTypeIds?: string[]
  perimeter?: boolean
  /** Percent of capacity, 1..=100. */
  alertThresholds?: number[]
}

/** Entry or exit. */
export type Direction = 'in' | 'out'

/** One scan at a zone's gate. */
export interface Scan {
  ticketId: string
  zoneId: string
  direction: Direction
  at: TimestampInput
}

/** Why a scan was denied. */
export type DenyReason =
  | 'wrong_zone'
  | 'outside_validity'
  | 'already_inside'
  | 'not_inside'
  | 'revoked'
  | 'cancelled'
  | 'transferred'
  | 'refunded'
  | 'zone_full'
  | 'reentry_not_allowed'
  | 'unpaid'
  | 'wrong_ticket_type'
  | 'wrong_gate'
  | 'outside_window'
  | 'max_entries_reached'
  | 'max_entries_per_day_reached'
  | 'max_days_reached'
  | 'too_soon'
  | 'rules'

/** Admit, or deny with a reason (a deny is a decision, not an error). */
export type Decision = { decision: 'admit' } | { decision: 'deny'; reason: DenyReason }

/** A capacity threshold crossed upward. */
export interface CapacityAlert {
  zoneId: string
  thresholdPercent: number
  occupancy: number
  capacity: number
  at: string
}

/** The outcome of a scan: the decision, the zone's occupancy after it, alerts it raised; with a
 * check-in policy on the zone, the policy's decision (`policy`) and the zones the entry left. */
export type ScanOutcome = Decision & {
  occupancy: number
  alerts: CapacityAlert[]
  policy?: PolicyDecision
  leftZones?: string[]
}

/** A festival calendar: IANA time zone and the local time each festival day starts. */
export interface FestivalCalendar {
  timeZone: string
  /** `HH:MM`, default `00:00`. */
  dayStartsAt?: string
}

/** Where an instant falls in a festival calendar (`festivalDay`). */
export interface DayInfo {
  day: string
  dayNumber: number
  weekday: number
  dayStart: string
  dayEnd: string
  dayLengthMinutes: number
  localTime: string
  offsetMinutes: number
}

/** `festivalDayBounds`: a festival day's start, end and length (1380 / 1440 / 1500 minutes). */
export interface FestivalDayBounds {
  day: string
  weekday: number
  dayStart: string
  dayEnd: string
  dayLengthMinutes: number
}

/** A half-open time window. */
export interface TimeWindow {
  from: TimestampInput
  until: TimestampInput
}

/** A check-in list: what a group of zones admits. `rules` is pretix-style JsonLogic (kept as is). */
export interface CheckinPolicy {
  id: string
  version: number
  zones: string[]
  ticketTypeIds?: string[]
  gates?: string[]
  windows?: TimeWindow[]
  maxEntries?: number
  maxEntriesPerDay?: number
  maxDays?: number
  minMinutesBetweenEntries?: number
  admitPending?: boolean
  leavesZones?: string[]
  calendar?: FestivalCalendar
  /** The event's dates for the rules' `buildTime` `date_from` / `date_to` / `date_admission`. */
  event?: EventDates
  rules?: unknown
}

/** pretix's event dates (`dateTo` and `dateAdmission` fall back to `dateFrom`). */
export interface EventDates {
  dateFrom: TimestampInput
  dateTo?: TimestampInput
  dateAdmission?: TimestampInput
}

/** A ticket attribute a rule can read (`attributes.<name>`). */
export type AttributeValue = boolean | number | string

/** What a gate knows besides the scan (for `scanWith`). */
export interface ScanContext {
  gate?: string
  pending?: boolean
  attributes?: Record<string, AttributeValue>
}

/** The evaluator's input (`evaluateCheckin`). */
export interface CheckinContext {
  ticketTypeId: string
  zoneId: string
  gate?: string
  direction?: 'in' | 'out'
  at: TimestampInput
  pending?: boolean
  attributes?: Record<string, AttributeValue>
  /** Admitted entries of the ticket on this policy. */
  history?: TimestampInput[]
}

/** The check that decided (in evaluation order). */
export type PolicyCheck =
  | 'exit' | 'pending' | 'ticket_types' | 'zones' | 'gates' | 'windows' | 'max_entries'
  | 'max_entries_per_day' | 'max_days' | 'min_minutes_between_entries' | 'rules' | 'passed'

/** A check-in policy's decision and what decided it (for `rules`: the rule node). */
export type PolicyDecision = Decision & {
  policyId: string
  policyVersion: number
  decidedBy: { check: PolicyCheck; rulePath?: string; ruleOperator?: string; ruleVariable?: string }
}

/** A gate's decision signed into a scan record (record version 3). */
export type ScanFact = Decision & { policyVersion: string | number; revocationVersion: string | number }

/** A scan fact as reconciliation decided it (`report.scans`). */
export interface ScanFactOutcome {
  recordId: string
  deviceId: string
  ticketId: string
  zoneId: string
  direction: 'in' | 'out'
  at: string
  gate: Decision & { policyVersion: string; revocationVersion: string }
  applied: boolean
  /** The server's code when the gate admitted what it would have denied. */
  admittedInError?: string
  serverPolicy?: PolicyDecision
  /** With `perZonePresence`: the zones this entry left (its policy's `leavesZones`). */
  leftZones?: string[]
  /** For `RECONCILE_STALE_REVOCATION_LIST`: the gate's list and the newer one that revoked the ticket. */
  staleRevocationList?: { gateVersion: string; currentVersion: string; publishedAt: string }
}

/** Scan counts (`scanStats`); reason maps keep the core's names. */
export interface ScanCounts {
  scans: number
  admitted: number
  denied: number
  admittedInError: number
  deniedByReason: Record<string, number>
  inErrorByReason: Record<string, number>
  /** Entries admitted with a stale revocation list (absent when 0). */
  staleRevocationList?: number
}

/** Failed-scan statistics, in total and per festival day. */
export interface ScanStats {
  total: ScanCounts
  byDay: (ScanCounts & { day: string })[]
}

/** Occupancy of one zone (entries and exits are numbers below 2^53, BigInt beyond). */
export interface ZoneOccupancy {
  zoneId: string
  occupancy: number
  capacity: number
  entries: number
  exits: number
}

/* ---- Offline device side and reconciliation (DeviceSigner, DeviceLog, records, Reconciler) ---- */

/** Hybrid logical clock stamp: physical milliseconds (a safe integer) and a logical counter. */
export interface Hlc {
  physicalMs: number
  logical: number
}

/** One line of an offline payment; the lines sum exactly to the payment's amount. */
export interface RecordLineItem {
  productId: string
  quantity: number
  unitPrice: Money
}

/** A payment priced with a product catalog (record version 4): the catalog version the device used and the lines as the wallet books them (`items` is empty then; voucher lines have unit price 0). */
export interface CatalogSale {
  version: number
  lines: LineItem[]
}

/** What an offline record does. */
export type RecordPayload =
  | { kind: 'payment'; walletId: string; amount: Money; standId: string; items: RecordLineItem[]; catalog?: CatalogSale }
  | { kind: 'top_up'; walletId: string; amount: Money }
  | { kind: 'refund'; walletId: string; amount: Money; originalRecordId: string }
  | { kind: 'scan'; ticketId: string; zoneId: string; direction: 'in' | 'out' }
  | { kind: 'void'; voidedRecordId: string }
  | { kind: 'deposit_return'; walletId: string; standId: string; product: string; quantity: number; amount: Money; catalogVersion: number }

/** The signed content of a record as returned: sequence as a decimal string, prevHash as hex. */
export interface RecordBody {
  recordId: string
  deviceId: string
  festivalId: string
  sequence: string
  prevHash: string
  deviceTime: string
  hlc: Hlc
  payload: RecordPayload
  /** The newest server acknowledgement the device held (absent before its first; version 2 encoding). */
  anchor?: Anchor
  /** For a scan: the gate's decision (version 3 encoding). */
  scanFact?: ScanFact
}

/** A record body as accepted: the sequence may also be a bigint or a safe integer, prevHash bytes. */
export interface RecordBodyInput extends Omit<RecordBody, 'sequence' | 'prevHash' | 'deviceTime'> {
  sequence: string | bigint | number
  prevHash: string | Uint8Array
  deviceTime: TimestampInput
}

/** A signed record: its exact bytes (encoding || signature), the signature, its SHA-256 (hex) and body. */
export interface SignedRecordOut {
  bytes: Uint8Array
  signature: Uint8Array
  hash: string
  record: RecordBody
}

/** Persisted signer state, for DeviceSigner.resume. */
export interface DeviceSignerState {
  nextSequence: bigint | number
  lastHash: string | Uint8Array
  lastHlc: Hlc
  /** The newest accepted server acknowledgement (absent before the first). */
  anchor?: Anchor | null
}

/** Local limits of a device (money in the log's currency). */
export interface DeviceLimits {
  perPayment: Money
  perWalletOffline: Money
  maxStoredValue: Money
  /** A number or a bigint on input; a number on output. */
  maxQueuedRecords: number | bigint
}

/** What a device is for. */
export type DeviceRole = 'pos' | 'gate' | 'top_up'

/** One registered device (publicKey: Uint8Array or hex on input, hex on output). */
export interface DeviceEntry {
  deviceId: string
  publicKey: string | Uint8Array
  festivalId: string
  role: DeviceRole
  locations: string[]
  validFrom: TimestampInput
  validUntil: TimestampInput
  revokedAt?: TimestampInput | null
}

/** `new Reconciler(config)`. */
export interface ReconcilerConfig {
  festivalId: string
  currency: string
}

/** How conflicts (double spends, double admissions) are resolved. */
export type ConflictPolicy = 'first_wins' | 'accept_with_debt' | 'reject'

/** Reconciliation settings (defaults: first_wins, 5 min future skew, 1 h HLC skew, nothing final). */
export interface ReconcileConfig {
  policy?: ConflictPolicy
  chain?: ChainConfig
  finality?: Finality
  /** Track presence per zone like the gate (an entry leaves its policy's `leavesZones`). */
  perZonePresence?: boolean
}

/** Allowed clock skews and what happens after a revocation or validity-window cut. */
export interface ChainConfig {
  maxFutureSkewMs: number
  maxHlcSkewMs: number
  /** Records after a cut: rejected (default), or accepted up to an amount per device and cut (each with a `revoked_device_used` alert). */
  afterCut?: AfterCut
}

/** The after-cut policy. */
export type AfterCut = { policy: 'reject' } | { policy: 'accept_up_to'; amount: Money }

/** A server-signed offline allowance (`Reconciler.issueAllowance`, `DeviceLog.installAllowance`). */
export interface Allowance {
  allowanceId: string
  festivalId: string
  /** One wallet, or null / absent for every wallet. */
  walletId?: string | null
  /** The device group: sorted, distinct device ids. */
  devices: string[]
  /** The most one wallet may spend offline on one device of the group within the window. */
  amount: Money
  validFrom: TimestampInput
  validUntil: TimestampInput
}

/** One wallet's offline exposure (`Reconciler.exposure`). */
export interface WalletExposure {
  walletId: string
  balance: Money
  offlineSpent: Money
  openAllowance: Money
  allowanceTotal: Money
  uncovered: Money
  /** Double-spend loss so far (rejected double spends, debt). */
  loss: Money
  /** The most `loss` can become if every open allowance is spent. */
  maxLoss: Money
}

/** The festival's offline exposure under its allowances. */
export interface ExposureReport {
  wallets: WalletExposure[]
  totalLoss: Money
  totalMaxLoss: Money
  totalOpenAllowance: Money
  totalUncovered: Money
}

/**
 * When outcomes become final (never revised again): records ordered before the watermark, the
 * latest of `now - maxOfflineMs` and (with `allDevicesSynced`) the oldest time every registered
 * device has synced past.
 */
export interface Finality {
  maxOfflineMs?: number | null
  allDevicesSynced?: boolean
  /**
   * Fold each wallet's final entries into the wallet's base as they become final: balances and
   * refund records stay, the entries themselves are only in the reports (bounded state for a
   * whole festival). Default `false`.
   */
  compactLedgers?: boolean
}

/** A device revoked by sequence (`Reconciler.revokeDevice`): records after `sequence` are rejected whatever their dates. */
export interface RevocationCut {
  sequence: string
  reason: string
  revokedAt: string
  /** Under `accept_up_to`: the money accepted after the cut so far. */
  accepted?: Money
}

/** An acknowledgement the server issued to a device (`Reconciler.acknowledge`). */
export interface IssuedAck {
  serverTime: string
  sequence: string
}

/** The newest server acknowledgement a record's device held when it signed it. */
export interface Anchor {
  sequence: string
  serverTime: string
}

/** A range of a device's sequences an operator declared lost (`Reconciler.declareLost`). */
export interface LostRange {
  from: string
  through: string
  reason: string
  decidedAt: string
}

/** A ticket's admission state on the reconciliation server. */
export interface TicketAdmission {
  inside: boolean
  revoked: boolean
  ticketTypeId?: string
  pending?: boolean
  /** Admitted entries of scan facts per check-in policy id. */
  entries?: Record<string, string[]>
  /** With `perZonePresence`: the zones the ticket is inside. */
  zones?: string[]
  /** Ticket attributes for the check-in rules. */
  attributes?: Record<string, AttributeValue>
}

/** `setTicket` input. */
export interface TicketAdmissionInput {
  inside?: boolean
  revoked?: boolean
  ticketTypeId?: string
  pending?: boolean
  entries?: Record<string, TimestampInput[]>
  zones?: string[]
  /** Ticket attributes for the check-in rules' `attributes.<name>` (names kept as given). */
  attributes?: Record<string, AttributeValue>
}

/** Where the server's view of one device's log stands. */
export interface DeviceChain {
  lastSequence: string
  lastHash: string
  lastHlc?: Hlc | null
  history: Record<string, string>
  /** Ranges declared lost (absent when none). */
  lost?: LostRange[]
  /** Sequences at which two different authentic records were seen (absent when none). */
  forks?: string[]
  /** Set once the server revoked the device by sequence (absent otherwise). */
  revokedAfter?: RevocationCut
  /** Set once the device's validity window ended: records after `sequence` are past the cut. */
  windowCut?: RevocationCut
  /** Acknowledgements issued to the device (absent when none). */
  acks?: IssuedAck[]
  /** The anchor of the last chained record. */
  lastAnchor?: Anchor
}

/** `verifyChain` options (defaults: no known chains, 5 min future skew, 1 h HLC skew). */
export interface VerifyChainOptions {
  /** What the server already knows of each device's log (e.g. `Reconciler.chains()` or a previous `ChainReport.chains`). */
  chains?: Record<string, DeviceChain> | null
  config?: ChainConfig | null
}

/** `verifyChain`'s verdict on one record. `chained`: whether a rejected record still extended the device's log. */
export type ChainCheck =
  | { status: 'valid' }
  | { status: 'duplicate' }
  | { status: 'pending'; code: string }
  | { status: 'rejected'; code: string; chained: boolean }

/** `verifyChain`'s result: one check per record (input order) and the chains after the records. */
export interface ChainReport {
  checks: ChainCheck[]
  chains: Record<string, DeviceChain>
}

/** What happened to one record (or to an undecodable batch). */
export interface RecordOutcome {
  hash: string
  recordId?: string
  deviceId?: string
  sequence?: string
  kind?: RecordPayload['kind']
  status: RecordStatus
  /** The error code, for rejected / conflict / duplicate / pending records. */
  reason?: string
  resolution?: Resolution
  debt?: Money
}

/** What happened to a record; `pending`: kept, re-evaluated when its cause goes away. */
export type RecordStatus = 'accepted' | 'duplicate' | 'rejected' | 'conflict' | 'pending' | 'recorded'

/** How a conflict was resolved. */
export type Resolution = 'rejected_later' | 'accepted_with_debt' | 'accepted_flagged' | 'rejected_all' | 'admitted_in_error'

/** A decision on a record. */
export interface Verdict {
  status: RecordStatus
  reason?: string
  resolution?: Resolution
  debt?: Money
}

/** An earlier outcome that a later reconcile call changed (a late record landed before it). */
export interface Revision {
  hash: string
  recordId: string
  deviceId: string
  sequence: string
  kind: RecordPayload['kind']
  walletId?: string
  ticketId?: string
  before: Verdict
  after: Verdict
  /** Signed change of the wallet's total balance caused by the revision (zero for scans). */
  moneyEffect: Money
}

/** Something an operator must look at. */
export type ReconcileAlert =
  | { kind: 'double_spend'; walletId: string; recordId: string; deviceId: string; shortfall: string }
  | { kind: 'double_admission'; ticketId: string; recordId: string; deviceId: string }
  | { kind: 'tampered_log'; deviceId?: string; hash: string; code: string }
  | { kind: 'revoked_device_used'; deviceId: string; recordId: string }

/** Records per status in one reconcile call. */
export interface ReconcileCounts {
  accepted: number
  duplicate: number
  rejected: number
  conflict: number
  pending: number
  /** Denied scan facts, kept without effect (present when any). */
  recorded?: number
}

/** Money moved by the accepted records of one reconcile call. */
export interface ReconcileTotals {
  topUps: Money
  payments: Money
  refunds: Money
  /** Deposits returned offline (absent when the call changed none). */
  depositReturns?: Money
}

/**
 * The deterministic result of one reconcile call as plain data: `ReconcileReport.toJSON()` (what
 * `JSON.stringify(report)` writes; equal to the conformance op's report with camelCase keys). The
 * `ReconcileReport` class has the same fields as getters.
 */
export interface ReconcileReportJson {
  records: RecordOutcome[]
  counts: ReconcileCounts
  alerts: ReconcileAlert[]
  balances: Record<string, Balances>
  debts: Record<string, Money>
  blockedWallets: string[]
  totals: ReconcileTotals
  revisions: Revision[]
  /** The finality watermark after the call (absent: none yet). */
  watermark?: string
  finalized: number
  pendingTotal: number
}

// ------------------------------------------------------------------ tills (festival_core::till)

/** How a till session is opened (`TillSession.open`). */
export interface SessionSpec {
  sessionId: string
  /** The till (cash register): DSFinV-K `Z_KASSE_ID`. */
  tillId: string
  festivalId: string
  /** The device whose key signs the closing. */
  deviceId: string
  standId?: string | null
  cashierId?: string | null
  /** Cash in the drawer at the opening (zero or more); its currency is the session's. */
  openingFloat: Money
  /** Default 1; `openNext` takes it from the previous session. */
  firstReceiptNumber?: number
  /** VAT rounding of the receipts (default `per_line` / `half_up`). */
  tax?: { rounding: TaxRounding; mode: RoundingMode }
  openedAt: TimestampInput
}

/** A cash or card movement of a session; `id` is its idempotency key. */
export interface TillOperation {
  id: string
  at: TimestampInput
  /** `safe_in` / `safe_out`: cash from / to the safe (Einlage / Entnahme). */
  kind: 'cash_top_up' | 'card_top_up' | 'payout' | 'safe_in' | 'safe_out'
  amount: Money
  /** For top-ups and payouts. */
  walletId?: string | null
  /** For safe_in / safe_out. */
  note?: string | null
}

export type PaymentMethod = 'wallet' | 'cash' | 'card'

/** Name and VAT of a product (the catalog's view of it). */
export interface ProductInfo {
  sku: string
  name: string
  /** Percent as a decimal string, e.g. `"19"`. */
  vatRate: string
  /** DSFinV-K `UST_SCHLUESSEL` when the default for the rate does not fit. */
  vatKey?: number | null
  /** A deposit product (a cup): its lines are posted to `liability:deposits`, exported as `Pfand`. */
  deposit?: boolean
}

/** A payment to put on a receipt. */
export interface SaleRequest {
  /** For a wallet payment: the wallet's payment entry id. Retrying it returns the same receipt. */
  paymentId: string
  at: TimestampInput
  method: PaymentMethod
  lines: { sku: string; quantity: number; unitPrice: Money; voucherId?: string | null }[]
  /** When given, the receipt total must equal it (`TILL_TOTAL_MISMATCH`). */
  amount?: Money | null
  walletId?: string | null
}

/** A TSE signature (KassenSichV) as the caller's TSE returned it; never verified by the core. */
export interface FiscalSignature {
  tseSerial: string
  transactionNumber: number
  signatureCounter: number
  startedAt: TimestampInput
  finishedAt: TimestampInput
  algorithm: string
  /** Base64, as the TSE returned it. */
  signature: string
  publicKey?: string | null
}

export interface ReceiptLine {
  position: number
  sku: string
  name: string
  quantity: number
  unitPrice: Money
  /** Gross after VAT rounding. */
  lineTotal: Money
  net: Money
  tax: Money
  vatRate: string
  vatKey: number | null
  voucherId: string | null
  /** A deposit line (absent: not a deposit). */
  deposit?: true
}

/** A receipt, numbered 1, 2, 3… per till without gaps. */
export interface Receipt {
  tillId: string
  sessionId: string
  number: number
  paymentId: string
  festivalId: string
  deviceId: string
  standId: string | null
  cashierId: string | null
  issuedAt: string
  method: PaymentMethod
  walletId: string | null
  lines: ReceiptLine[]
  vat: RateTotal[]
  net: Money
  tax: Money
  total: Money
  fiscalSignature: FiscalSignature | null
}

/** Sums of a session or a Z-report. */
export interface SessionTotals {
  openingFloat: Money
  cashTopUps: Money
  cardTopUps: Money
  payouts: Money
  safeIn: Money
  safeOut: Money
  cashSales: Money
  cardSales: Money
  walletSales: Money
  /** `openingFloat + cashTopUps + safeIn + cashSales − payouts − safeOut`. */
  expectedCash: Money
  /** `cardTopUps + cardSales`. */
  expectedCard: Money
  operationCount: number
  receiptCount: number
}

export interface CountedAmounts {
  cash: Money
  card: Money
}

export interface MethodBalance {
  method: 'cash' | 'card'
  expected: Money
  counted: Money
  /** `counted − expected`: negative is a shortage. */
  imbalance: Money
}

/** A closing signed by the device key (Ed25519, hex). */
export interface SignedClosing {
  closing: {
    format: number
    sessionId: string
    tillId: string
    festivalId: string
    deviceId: string
    standId: string | null
    cashierId: string | null
    currency: string
    openedAt: string
    closedAt: string
    totals: SessionTotals
    /** Cash, then card. */
    balances: MethodBalance[]
    firstReceiptNumber: number
    nextReceiptNumber: number
    operationsHash: string
  }
  signature: string
}

export interface ZReportRequest {
  tillId: string
  /** The festival day, `YYYY-MM-DD`. */
  day: string
  /** DSFinV-K `Z_NR` (kept by the caller). */
  zNumber: number
  createdAt: TimestampInput
}

/** The end-of-day report of a till. */
export interface ZReport {
  tillId: string
  day: string
  zNumber: number
  createdAt: string
  currency: string
  sessions: {
    sessionId: string
    deviceId: string
    cashierId: string | null
    openedAt: string
    closedAt: string
    totals: SessionTotals
    balances: MethodBalance[]
    firstReceiptNumber: number
    nextReceiptNumber: number
  }[]
  totals: SessionTotals
  balances: MethodBalance[]
  receiptCount: number
  firstReceiptNumber: number | null
  lastReceiptNumber: number | null
  vat: RateTotal[]
  net: Money
  tax: Money
  gross: Money
}

/** One receipt line in the DSFinV-K-shaped export (columns: README, `festival_core::till` export docs). */
export interface TillExportRow {
  zKasseId: string
  zErstellung: string
  zNr: number
  bonId: number
  posZeile: number
  gutscheinNr: string | null
  artikeltext: string
  gvTyp: string
  artNr: string
  menge: number
  stkBr: Money
  ustSchluessel: number | null
  ustSatz: string
  posBrutto: Money
  posNetto: Money
  posUst: Money
  bonEnde: string
  zahlartTyp: 'Bar' | 'Unbar' | 'GuthabenKarte'
}
