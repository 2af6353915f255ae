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
