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
}

/** Wallet configuration for `new Wallet(...)`. */
export interface WalletConfigInput {
  id: string
  festivalId: string
  currency: string
  spendOrder?: SpendOrder
  limits?: WalletLimits
}

/** One line of a payment. */
export interface LineItem {
  sku: string
  quantity: number
  unitPrice: Money
}

/** A wallet operation (`kind` values are the core's snake_case names). */
export type WalletOperation =
  | { kind: 'top_up'; amount: Money; method?: TopUpMethod }
  | { kind: 'bonus_credit'; amount: Money; expiresAt?: TimestampInput }
  | { kind: 'payment'; standId: string; deviceId?: string; items: LineItem[]; allowDebt?: boolean }
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

/** An NFC tag record (uid as hex). */
export interface TagRecord {
  uid: string
  walletId: string
  status: 'active' | 'lost'
  linkedAt: string
  lostAt?: string
  replacedBy?: string
}

