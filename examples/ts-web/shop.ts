// A web shop page: preview a cart's price in the browser exactly as the server computes it
// (same core, compiled to WebAssembly). Type-checked with `tsc --noEmit --strict`.
import init, {
  parseMoney,
  mulQty,
  computeTax,
  formatMoney,
  allocate,
  TicketVerifier,
  priceOrder,
  pricingConfig,
  Inventory,
  Order,
  TicketBook,
  AccessControl,
  type Decision,
  type PriceBreakdown,
  type TicketType,
  type IssuerKey,
  type TicketClaims,
  type Money,
  type TaxBreakdown,
  type FestivalError,
} from '@festival-core/wasm/web'

interface Offer {
  name: string
  price: string
  vatRate: string
}

export async function start(): Promise<void> {
  await init() // fetches festival_core_bg.wasm next to the module
}

export function previewCart(offers: Offer[], quantities: number[]): TaxBreakdown {
  const lines = offers.map((o, i) => ({ amount: mulQty(parseMoney(o.price, 'EUR'), quantities[i] ?? 0), rate: o.vatRate }))
  return computeTax(lines, 'gross', 'sum_by_net_keep_gross', 'half_up')
}

export function refundShares(paid: Money, ratios: string[]): string[] {
  return allocate(paid, ratios).map((m) => formatMoney(m))
}

export function render(el: HTMLElement, offers: Offer[], quantities: number[]): void {
  try {
    const t = previewCart(offers, quantities)
    el.textContent = `${formatMoney(t.gross)} (incl. ${formatMoney(t.tax)} VAT)`
  } catch (e) {
    const err = e as FestivalError
    el.textContent = `cannot price this cart: ${err.code}`
  }
}

// A box-office tablet verifies a QR ticket code fully offline, with the festival's issuer keys
// and the last signed revocation list it downloaded.
export function checkTicket(
  code: string,
  issuerKeys: IssuerKey[],
  festivalId: string,
  revocationList: Uint8Array,
): { ok: true; claims: TicketClaims } | { ok: false; reason: string } {
  const gate = new TicketVerifier(issuerKeys, festivalId)
  const now = new Date()
  gate.installRevocationList(revocationList, now)
  try {
    return { ok: true, claims: gate.verify(code, now, 10 * 60 * 1000) }
  } catch (e) {
    return { ok: false, reason: (e as FestivalError).code }
  } finally {
    gate.free()
  }
}

// The ticket shop page previews the exact price the server will charge, and the box-office
// tablet sells and admits at the gate with the same core, offline.
export function previewTickets(ticketTypeId: string, unitPrice: Money, quantity: number): PriceBreakdown {
  const config = pricingConfig('EUR', '19', 'gross', 'sum_by_net_keep_gross')
  return priceOrder({ lines: [{ ticketTypeId, unitPrice, quantity }], at: new Date() }, config, null)
}

export function boxOffice(storedBook: string, type: TicketType, orderId: string, ticketId: string): Decision {
  const book = TicketBook.deserialize(storedBook)
  const inventory = new Inventory(type.id, type.capacity)
  const now = new Date()
  const quote = previewTickets(type.id, type.price, 1)
  const order = Order.place(orderId, type, inventory, 1, quote.total, now, new Date(now.getTime() + 60_000))
  order.pay(inventory, quote.total, now)
  order.fulfill(book, [{ id: ticketId, number: `BOX-${ticketId.slice(0, 8)}`, holder: 'walk-in' }], now)
  const gates = new AccessControl([{ id: 'main', name: 'Main arena', capacity: 5000, perimeter: true }])
  const outcome = gates.scan(book, { ticketId, zoneId: 'main', direction: 'in', at: now })
  const decision: Decision = outcome.decision === 'admit' ? { decision: 'admit' } : { decision: 'deny', reason: outcome.reason }
  gates.free()
  order.free()
  inventory.free()
  book.free()
  return decision
}
