// Offline API: strict Ed25519 (all Wycheproof cases), signing, ticket codes, revocation lists and
// the gate-side TicketVerifier. Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fc, repoRoot, throwsCode } from './adapter.mjs'

const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'))
const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const OTHER_FESTIVAL = '11111111-2222-4333-8444-555555555555'
const TICKET = '9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab'
const seed = new Uint8Array(32).fill(7)

test('Wycheproof ed25519: every case through verifySignature', () => {
  const mine = path.join(repoRoot, 'tests', 'wycheproof', 'ed25519_test.json')
  const file = fs.existsSync(mine) ? mine : '/work/shared/vectors/wycheproof/ed25519_test.json'
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  let n = 0
  for (const g of doc.testGroups) {
    const pk = hex(g.publicKey.pk)
    for (const t of g.tests) {
      n++
      const got = fc.verifySignature(pk, hex(t.msg), hex(t.sig))
      assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment}): expected ${t.result}`)
    }
  }
  assert.equal(n, doc.numberOfTests)
})

test('publicKeyFromSeed / signMessage / verifySignature round trip', () => {
  const pk = fc.publicKeyFromSeed(seed)
  assert.ok(pk instanceof Uint8Array)
  assert.equal(pk.length, 32)
  const msg = new TextEncoder().encode('payment 12.50 EUR')
  const sig = fc.signMessage(seed, msg)
  assert.ok(sig instanceof Uint8Array)
  assert.equal(sig.length, 64)
  assert.deepEqual(fc.signMessage(seed, msg), sig, 'deterministic')
  assert.equal(fc.verifySignature(pk, msg, sig), true)
  const tampered = Uint8Array.from(msg)
  tampered[0] ^= 1
  assert.equal(fc.verifySignature(pk, tampered, sig), false)
  assert.equal(fc.verifySignature(pk.subarray(0, 31), msg, sig), false, 'truncated key')
  assert.equal(fc.verifySignature(pk, msg, sig.subarray(0, 63)), false, 'truncated signature')
  assert.equal(fc.verifySignature(new Uint8Array(32), msg, sig), false, 'small-order key')
})

test('bytes arguments must be Uint8Array', () => {
  const pk = fc.publicKeyFromSeed(seed)
  for (const bad of ['00'.repeat(32), Array.from(pk), null, undefined, 42, new Uint16Array(16), {}]) {
    throwsCode(assert, () => fc.verifySignature(bad, new Uint8Array(), new Uint8Array(64)), 'INPUT_INVALID')
  }
  throwsCode(assert, () => fc.publicKeyFromSeed(new Uint8Array(31)), 'INPUT_INVALID')
  throwsCode(assert, () => fc.signMessage(new Uint8Array(33), new Uint8Array(1)), 'INPUT_INVALID')
})

function gate() {
  const keys = [{
    keyId: 1, publicKey: fc.publicKeyFromSeed(seed), festivalId: FESTIVAL,
    validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: '2027-01-01T00:00:00Z',
  }]
  return new fc.TicketVerifier(keys, FESTIVAL)
}

const claims = {
  keyId: 1, festivalId: FESTIVAL, ticketId: TICKET, ticketType: 'DAY',
  validFrom: new Date('2026-07-01T10:00:00Z'), validUntil: '2026-07-02T10:00:00Z',
}

function list(version, revokedTickets = []) {
  return fc.issueRevocationList({
    festivalId: FESTIVAL, keyId: 1, version, issuedAt: '2026-07-01T11:55:00Z',
    revokedTickets, blockedTags: [new Uint8Array([4, 1, 2, 3])], revokedDevices: [],
  }, seed)
}

test('ticket codes: issue, decode, verify at a gate, revoke', () => {
  const code = fc.issueTicketCode(claims, seed)
  assert.match(code, /^FC[A-Z2-7]+$/)
  assert.deepEqual(fc.decodeTicketCode(code), {
    keyId: 1, festivalId: FESTIVAL, ticketId: TICKET, ticketType: 'DAY',
    validFrom: '2026-07-01T10:00:00.000Z', validUntil: '2026-07-02T10:00:00.000Z',
  })
  const g = gate()
  const now = new Date('2026-07-01T12:00:00Z')
  assert.equal(g.revocationList(), null)
  throwsCode(assert, () => g.verify(code, now, 600000), 'CODE_REVOCATION_LIST_STALE')
  const v1 = list(1n)
  assert.ok(v1 instanceof Uint8Array)
  assert.equal(g.installRevocationList(v1, now), 'installed')
  assert.equal(g.installRevocationList(v1, now), 'unchanged')
  assert.equal(g.revocationList().version, '1')
  assert.deepEqual(g.revocationList().blockedTags, ['04010203'])
  assert.equal(g.verify(code, now, 600000).ticketId, TICKET)
  throwsCode(assert, () => g.verify(code, new Date('2026-07-01T12:10:00Z'), 60000), 'CODE_REVOCATION_LIST_STALE')
  throwsCode(assert, () => g.verify(code, '2026-07-02T10:00:00Z', 10 ** 9), 'CODE_EXPIRED')
  throwsCode(assert, () => g.verify(code, '2026-07-01T09:00:00Z', 10 ** 9), 'CODE_NOT_YET_VALID')
  throwsCode(assert, () => g.verify(code.slice(0, -3), now, 600000), 'CODE_MALFORMED')
  throwsCode(assert, () => g.verify(code.toLowerCase(), now, 600000), 'CODE_MALFORMED')
  assert.equal(g.installRevocationList(list(2, [TICKET]), now), 'installed')
  throwsCode(assert, () => g.verify(code, now, 600000), 'CODE_REVOKED')
  throwsCode(assert, () => g.installRevocationList(v1, now), 'CODE_REVOCATION_LIST_OUTDATED')
  const other = new fc.TicketVerifier([{
    keyId: 1, publicKey: fc.publicKeyFromSeed(seed), festivalId: OTHER_FESTIVAL,
    validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z',
  }], OTHER_FESTIVAL)
  throwsCode(assert, () => other.installRevocationList(v1, now), 'CODE_WRONG_FESTIVAL')
})

test('ticket code hostile input', () => {
  const g = gate()
  throwsCode(assert, () => fc.issueTicketCode({ ...claims, ticketType: 'day pass' }, seed), 'CODE_MALFORMED')
  throwsCode(assert, () => fc.issueTicketCode({ ...claims, ticketId: 'nope' }, seed), 'INPUT_INVALID')
  throwsCode(assert, () => fc.issueTicketCode({ ...claims, validFrom: new Date('x') }, seed), 'INPUT_INVALID')
  throwsCode(assert, () => fc.issueTicketCode({ ...claims, keyId: 1.5 }, seed), 'INPUT_INVALID')
  throwsCode(assert, () => fc.decodeTicketCode('FC' + 'A'.repeat(100000)), 'CODE_MALFORMED')
  throwsCode(assert, () => fc.decodeTicketCode(42), 'INPUT_INVALID')
  throwsCode(assert, () => g.verify('FCAAAA', new Date(NaN), 1), 'INPUT_INVALID')
  throwsCode(assert, () => g.verify('FCAAAA', 'yesterday', 1), 'INPUT_INVALID')
  throwsCode(assert, () => g.installRevocationList(new Uint8Array([1, 2, 3]), '2026-07-01T12:00:00Z'), 'OFFLINE_MALFORMED')
  throwsCode(assert, () => new fc.TicketVerifier([], 'not-a-uuid'), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.TicketVerifier([{ keyId: 1, publicKey: new Uint8Array(32), festivalId: FESTIVAL,
    validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }], FESTIVAL), 'OFFLINE_INVALID_KEY')
})
