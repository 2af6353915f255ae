// The web gate and shop: everything below runs in the browser on the WebAssembly build of
// festival-core, offline once /festival.json is loaded (issuer public keys, the signed revocation
// list, the ticket list and zones). Decisions and prices are the core's, exactly as the server's.
import init, {
  AccessControl, TicketBook, TicketVerifier, formatMoney, priceOrder, split,
} from './pkg/festival_core.js'

const $ = (id) => document.getElementById(id)
const unhex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16))

async function main() {
  await init()
  const { gate, shop } = await (await fetch('festival.json')).json()
  const now = () => new Date()
  const verifier = new TicketVerifier(gate.issuerKeys.map((k) => ({ ...k, publicKey: unhex(k.publicKey) })), gate.festivalId)
  verifier.installRevocationList(unhex(gate.revocationList), now())
  const book = TicketBook.deserialize(gate.book)
  const zones = new AccessControl(gate.zones)
  const zone = gate.zones[0]
  $('zone-name').textContent = zone.name
  const list = verifier.revocationList()
  $('list').textContent = `version ${list.version}, ${list.revokedTickets.length} revoked ticket(s), issued ${list.issuedAt}`

  const showOccupancy = () => {
    const o = zones.occupancy(zone.id)
    $('occupancy').textContent = `${o.occupancy} / ${o.capacity}`
  }
  const show = (decision, reason, ticket) => {
    $('decision').textContent = decision
    $('decision').className = decision === 'admit' ? 'admit' : 'deny'
    $('reason').textContent = reason ?? ''
    $('ticket').textContent = ticket ?? '–'
    showOccupancy()
  }
  const scan = (direction) => {
    const code = $('code').value.trim()
    let claims
    try {
      claims = verifier.verify(code, now(), gate.maxStalenessMs)
    } catch (e) {
      // Signature, festival, validity, revocation: a CODE_* error with its stable code.
      show('deny', e.code ?? 'CODE_MALFORMED')
      return
    }
    const t = book.ticket(claims.ticketId)
    const label = t ? `${t.number} (${t.holder})` : claims.ticketId
    const outcome = zones.scan(book, { ticketId: claims.ticketId, zoneId: zone.id, direction, at: now() })
    show(outcome.decision, outcome.decision === 'deny' ? outcome.reason : undefined, label)
  }
  $('scan-in').addEventListener('click', () => scan('in'))
  $('scan-out').addEventListener('click', () => scan('out'))
  showOccupancy()

  $('offer').textContent = `${shop.ticketType.name}, ${formatMoney(shop.ticketType.price)}`
  const preview = () => {
    $('shop-error').textContent = ''
    try {
      const quantity = Number($('qty').value)
      const promo = $('promo').value.trim()
      const p = priceOrder({
        lines: [{ ticketTypeId: shop.ticketType.id, unitPrice: shop.ticketType.price, quantity }],
        promoCode: promo || null, at: now(),
      }, shop.config, shop.promos)
      for (const [id, m] of [['subtotal', p.subtotal], ['discount', p.discount], ['fees', p.fees], ['vat', p.tax], ['total', p.total]]) {
        $(id).textContent = formatMoney(m)
      }
      // A refund of one ticket is its exact share of what was paid (the shares sum to the total).
      $('refund').textContent = quantity > 0 ? formatMoney(split(p.total, quantity)[0]) : '–'
    } catch (e) {
      for (const id of ['subtotal', 'discount', 'fees', 'vat', 'total', 'refund']) $(id).textContent = '–'
      $('shop-error').textContent = `${e.code}: ${e.message}`
    }
  }
  $('price').addEventListener('click', preview)
  preview()
  $('status').textContent = 'ready (offline)'
}

main().catch((e) => {
  $('status').textContent = `failed: ${e.code ?? ''} ${e.message}`
})
