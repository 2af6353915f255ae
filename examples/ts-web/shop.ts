// A web shop page: preview a cart's price in the browser exactly as the server computes it
// (same core, compiled to WebAssembly). Type-checked with `tsc --noEmit --strict`.
import init, {
  parseMoney,
  mulQty,
  computeTax,
  formatMoney,
  allocate,
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
