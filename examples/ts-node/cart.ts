// A NestJS-style service method: price a cart server-side with exact money and VAT, and turn
// festival-core errors into API responses. Type-checked with `tsc --noEmit --strict`.
import {
  parseMoney,
  mulQty,
  addMoney,
  percentage,
  computeTax,
  formatMoney,
  moneyToMinor,
  split,
  Wallet,
  type Balances,
  type LineItem,
  type WalletOutcome,
  type Money,
  type TaxLine,
  type TaxBreakdown,
  type FestivalError,
} from '@festival-core/node'

interface CartItem {
  sku: string
  unitPrice: string // decimal string from the catalogue, never a float
  quantity: number
  vatRate: string // "19"
}

interface PricedCart {
  lines: { sku: string; total: Money }[]
  serviceFee: Money
  tax: TaxBreakdown
  display: string
}

export function priceCart(items: CartItem[], currency: string): PricedCart {
  const lines = items.map((item) => ({
    sku: item.sku,
    total: mulQty(parseMoney(item.unitPrice, currency), item.quantity),
  }))
  const subtotal = lines.reduce<Money>((acc, l) => addMoney(acc, l.total), parseMoney('0', currency))
  const serviceFee = percentage(subtotal, '2.5', 'half_even')
  const taxLines: TaxLine[] = items.map((item, i) => ({ amount: lines[i].total, rate: item.vatRate }))
  const tax = computeTax(taxLines, 'gross', 'sum_by_net_keep_gross', 'half_up')
  return { lines, serviceFee, tax, display: formatMoney(addMoney(tax.gross, serviceFee)) }
}

export function splitBill(total: Money, people: number): Money[] {
  return split(total, people)
}

export function toHttpError(e: unknown): { status: number; body: { code: string; details: Record<string, unknown> } } {
  const err = e as FestivalError
  if (err instanceof Error && typeof err.code === 'string') {
    const status = err.family === 'input' || err.family === 'money' ? 400 : 409
    return { status, body: { code: err.code, details: err.details } }
  }
  return { status: 500, body: { code: 'INTERNAL', details: {} } }
}

const cart = priceCart(
  [
    { sku: 'beer', unitPrice: '4.50', quantity: 3, vatRate: '19' },
    { sku: 'water', unitPrice: '2.00', quantity: 2, vatRate: '7' },
  ],
  'EUR',
)
const shares: Money[] = splitBill(cart.tax.gross, 3)
const totalCents: bigint = moneyToMinor(cart.tax.gross) // BigInt: exact beyond 2^53
void shares
void totalCents

// A POS payment on the server: load the wallet from storage, pay, store it again. The entry id
// comes from the client, so a retried request is answered with the original outcome.
export function payAtStand(
  storedWallet: string,
  requestId: string,
  standId: string,
  items: LineItem[],
): { wallet: string; outcome: WalletOutcome } {
  const wallet = Wallet.deserialize(storedWallet)
  const outcome = wallet.pay(requestId, new Date(), standId, items)
  return { wallet: wallet.serialize(), outcome }
}

export function openWallet(id: string, festivalId: string): string {
  const wallet = new Wallet({ id, festivalId, currency: 'EUR', limits: { maxSinglePayment: parseMoney('150', 'EUR') } })
  wallet.topUp(`${id.slice(0, 24)}000000000001`, new Date(), parseMoney('50', 'EUR'), 'card')
  const b: Balances = wallet.balances()
  void b
  return wallet.serialize()
}
