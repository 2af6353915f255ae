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
  priceOrder,
  pricingConfig,
  recordPromoUse,
  Inventory,
  Order,
  TicketBook,
  AccessControl,
  type PriceBreakdown,
  type PricingConfig,
  type PromoCode,
  type TicketTypeInput,
  type Ticket,
  type OrderState,
  type ScanOutcome,
  type DenyReason,
  type ZoneOccupancy,
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

// Ticket sale on the server: quote the cart, hold the seats, take the payment, issue the tickets,
// then let the gate scan them. Inventory, book and gates are stored as JSON text between requests.
export function quoteTickets(typeId: string, unitPrice: Money, quantity: number, promo: PromoCode | null): PriceBreakdown {
  const config: PricingConfig = { ...pricingConfig('EUR', '19', 'gross', 'sum_by_net_keep_gross') }
  config.fees = { perTicket: parseMoney('1.50', 'EUR'), percent: '0', rounding: 'half_even' }
  const lines = [{ ticketTypeId: typeId, unitPrice, quantity }]
  return priceOrder({ lines, promoCode: promo?.code ?? null, at: new Date() }, config, promo ? [promo] : [])
}

export function sellAndAdmit(
  dayPass: TicketTypeInput,
  orderId: string,
  tickets: { id: string; number: string; holder: string }[],
  promo: PromoCode,
): { state: OrderState; issued: Ticket[]; scans: ScanOutcome[]; main: ZoneOccupancy; denied: DenyReason[]; promoAfter: PromoCode } {
  const book = new TicketBook()
  book.addType(dayPass)
  const inventory = new Inventory(dayPass.id, dayPass.capacity)
  const quote = quoteTickets(dayPass.id, dayPass.price, tickets.length, promo)
  const now = new Date()
  const order = Order.place(orderId, dayPass, inventory, tickets.length, quote.total, now, new Date(now.getTime() + 15 * 60_000))
  order.pay(inventory, quote.total, now)
  const state = order.fulfill(book, tickets, now)
  const promoAfter = recordPromoUse(promo)
  const gates = new AccessControl([{ id: 'main', name: 'Main arena', capacity: 5000, perimeter: true, alertThresholds: [80, 95] }])
  const at = dayPass.validFrom
  const scans = tickets.map((t) => gates.scan(book, { ticketId: t.id, zoneId: 'main', direction: 'in', at }))
  const denied: DenyReason[] = []
  for (const s of scans) if (s.decision === 'deny') denied.push(s.reason)
  const stored: string = inventory.serialize() + book.serialize() + gates.serialize()
  void stored
  return { state, issued: book.tickets(), scans, main: gates.occupancy('main'), denied, promoAfter }
}
