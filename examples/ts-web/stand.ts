// A stand's offline POS page: verify the signed catalog it downloaded, show the basket with cup
// deposits and VAT, refuse what the wristband's age class may not buy. Type-checked with
// `tsc --noEmit --strict`.
import {
  Catalog,
  SignedCatalog,
  Wallet,
  type Basket,
  type BasketLine,
  type FestivalError,
  type LineItem,
  type VoucherCount,
} from '@festival-core/wasm/web'

export function installCatalog(signedJson: string, organizerKey: Uint8Array): Catalog {
  return SignedCatalog.fromJson(signedJson).verify(organizerKey)
}

export function basketView(catalog: Catalog, lines: BasketLine[]): { basket: Basket; display: string } {
  const basket = catalog.expand(lines, 'per_line')
  return { basket, display: `${basket.total.amount} ${basket.total.currency} (deposit ${basket.depositTotal.amount})` }
}

export function mayServe(catalog: Catalog, wallet: Wallet, items: LineItem[]): string | null {
  try {
    catalog.checkAge(items, wallet.config().ageClass ?? null)
    return null
  } catch (e) {
    return (e as FestivalError).code
  }
}

export function payAtStand(wallet: Wallet, catalog: Catalog, id: string, standId: string, basket: Basket): VoucherCount[] {
  wallet.applyWithCatalog({ id, at: new Date(), operation: { kind: 'payment', standId, items: basket.items, catalogVersion: basket.catalogVersion } }, catalog)
  return wallet.vouchers()
}
