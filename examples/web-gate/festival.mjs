// The demo festival the gate page works with, made by the server side (here: the wasm package's
// Node build, the same core). Only public material goes to the page: issuer public keys, the
// signed revocation list, the ticket list and zones; the issuer seed stays here.
export const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
export const DAY = 'd1d1d1d1-0000-4000-8000-000000000001'
const ISSUER_SEED = new Uint8Array(32).fill(7)
const tid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const hex = (b) => Buffer.from(b).toString('hex')

/** The festival as of `now` (a Date): what a gate downloads before it goes offline. */
export function demoFestival(fc, now) {
  const day = (h) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h))
  const ticketType = {
    id: DAY, name: 'Saturday day pass', price: fc.parseMoney('59.00', 'EUR'), capacity: 100,
    saleFrom: new Date(now.getTime() - 30 * 86_400_000), saleUntil: new Date(now.getTime() + 86_400_000),
    validFrom: day(0), validUntil: new Date(day(0).getTime() + 2 * 86_400_000), maxPerOrder: 4, zones: ['main'],
    reentryAllowed: false, transferLimit: 1,
  }
  const key = {
    keyId: 7, publicKey: fc.publicKeyFromSeed(ISSUER_SEED), festivalId: FESTIVAL,
    validFrom: new Date(now.getTime() - 86_400_000), validUntil: new Date(now.getTime() + 86_400_000),
  }
  const book = new fc.TicketBook()
  book.addType(ticketType)
  const holders = ['Ada', 'Bo', 'Cy', 'Di']
  const codes = {}
  holders.forEach((holder, i) => {
    book.issue(DAY, { id: tid(i + 1), number: `SAT-${i + 1}`, holder }, tid(900), now)
    codes[holder] = fc.issueTicketCode({
      keyId: 7, festivalId: FESTIVAL, ticketId: tid(i + 1), ticketType: 'DAY',
      validFrom: ticketType.validFrom, validUntil: ticketType.validUntil,
    }, ISSUER_SEED)
  })
  // Di's ticket was reported stolen: it is on the signed revocation list.
  const list = fc.issueRevocationList({
    festivalId: FESTIVAL, keyId: 7, version: 1, issuedAt: now, revokedTickets: [tid(4)], blockedTags: [], revokedDevices: [],
  }, ISSUER_SEED)
  // A forged code: Ada's, with one character of the signature changed.
  const flip = (c) => (c === 'A' ? 'B' : 'A')
  const forged = codes.Ada.slice(0, -3) + flip(codes.Ada.at(-3)) + codes.Ada.slice(-2)
  const gate = {
    festivalId: FESTIVAL,
    issuerKeys: [{ ...key, publicKey: hex(key.publicKey) }],
    revocationList: hex(list),
    book: book.serialize(),
    zones: [{ id: 'main', name: 'Main arena', capacity: 3, perimeter: true, alertThresholds: [80] }],
    maxStalenessMs: 6 * 3_600_000,
  }
  const shop = {
    ticketType: { id: DAY, name: ticketType.name, price: ticketType.price },
    config: { ...fc.pricingConfig('EUR', '19', 'gross', 'sum_by_net_keep_gross'), fees: { perTicket: fc.parseMoney('1.50', 'EUR'), percent: '0', rounding: 'half_even' } },
    promos: [{ code: 'EARLY10', discount: { kind: 'percentage', percent: '10' }, maxUses: 100, used: 3, minQuantity: 2 }],
  }
  book.free()
  return { gate, shop, demoCodes: { valid: [codes.Ada, codes.Bo, codes.Cy], revoked: codes.Di, forged } }
}
