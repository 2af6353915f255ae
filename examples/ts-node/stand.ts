// A stand's POS service: verify the organizer's signed catalog once, price baskets with cup
// deposits and helper vouchers, and charge wallets through the catalog check (prices, deposits,
// minimum ages). Type-checked with `tsc --noEmit --strict`.
import {
  Catalog,
  SignedCatalog,
  Wallet,
  publicKeyFromSeed,
  type AgeClass,
  type Basket,
  type BasketLine,
  type CatalogSpec,
  type DepositTotals,
  type FestivalError,
  type Product,
  type VoucherTotals,
  type WalletOutcome,
} from '@festival-core/node'

const FESTIVAL = '11111111-2222-4333-8444-555555555555'
const BAR = '9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab'

export function organizerCatalog(seed: Uint8Array): string {
  const spec: CatalogSpec = {
    festivalId: FESTIVAL,
    version: 3,
    currency: 'EUR',
    products: [
      { id: 'beer', name: 'Beer 0.5 l', price: { amount: '5.00', currency: 'EUR' }, vatRate: '19', minAge: 16, deposit: 'cup' },
      { id: 'cup', name: 'Cup deposit', price: { amount: '2.00', currency: 'EUR' }, vatRate: '0', kind: 'deposit' },
      { id: 'soda', name: 'Soda', price: { amount: '3.00', currency: 'EUR' }, vatRate: '19', voucherPrice: { voucherType: 'helper_drink', count: 1 } },
    ],
  }
  return new Catalog(spec).sign(seed).toJson()
}

/** What the device does when it downloads the catalog: no verified signature, no catalog. */
export function installCatalog(signedJson: string, organizerKey: Uint8Array): Catalog {
  return SignedCatalog.fromJson(signedJson).verify(organizerKey)
}

export function charge(wallet: Wallet, catalog: Catalog, entryId: string, lines: BasketLine[]): { basket: Basket; outcome: WalletOutcome } {
  const basket = catalog.expand(lines)
  const outcome = wallet.applyWithCatalog(
    { id: entryId, at: new Date(), operation: { kind: 'payment', standId: BAR, items: basket.items, catalogVersion: basket.catalogVersion } },
    catalog,
  )
  return { basket, outcome }
}

export function refusalText(e: unknown): string {
  const err = e as FestivalError
  if (err.code === 'CATALOG_AGE_RESTRICTED') return `only from ${String(err.details.minAge)}`
  return err.message
}

const seed = new Uint8Array(32).fill(7)
const catalog = installCatalog(organizerCatalog(seed), publicKeyFromSeed(seed))
const beer: Product | null = catalog.product('beer')
const age: AgeClass = '16_17'
const wallet = new Wallet({ id: '67e55044-10b1-426f-9247-bb680e5fe0c8', festivalId: FESTIVAL, currency: 'EUR', ageClass: age })
wallet.topUp('00000000-0000-4000-8000-000000000001', new Date(), { amount: '20.00', currency: 'EUR' }, 'cash')
wallet.voucherGrant('00000000-0000-4000-8000-000000000002', new Date(), 'helper_drink', 1)
const { basket } = charge(wallet, catalog, '00000000-0000-4000-8000-000000000003', [{ product: 'beer', quantity: 2 }])
wallet.depositReturn('00000000-0000-4000-8000-000000000004', new Date(), BAR, 'cup', 1, { amount: '2.00', currency: 'EUR' })
const deposits: DepositTotals[] = wallet.deposits()
const vouchers: VoucherTotals[] = wallet.voucherTotals()
export const summary = { beer, total: basket.total, vat: basket.vat?.tax ?? null, deposits, vouchers }
