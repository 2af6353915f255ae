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
