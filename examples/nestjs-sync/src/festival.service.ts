// The service's whole state is festival-core objects (Reconciler, TicketBook, DeviceRegistry);
// this class only decodes requests, calls the core, and commits what the core returns. No money
// math here: balances, conflicts, debts, settlements are the core's.
import { Injectable, OnModuleDestroy } from '@nestjs/common'
import { createHash, randomBytes } from 'node:crypto'
import * as fc from '@festival-core/node'
import { ServiceError } from './errors'
import { IdempotencyRow, Mutation, Store, WalletRow } from './store'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const HEX = /^(?:[0-9a-f]{2})*$/i

export interface Config {
  festivalId: string
  currency: string
  policy: fc.ConflictPolicy
  serverSeedHex?: string
}

export interface Reply { status: number; body: unknown }

/** Request body checks: the core checks values; these only give clear codes for the JSON shape. */
function object(v: unknown, what = 'body'): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(what, 'must be a JSON object')
  return v as Record<string, unknown>
}
function str(o: Record<string, unknown>, k: string, optional = false): string {
  const v = o[k]
  if (v === undefined && optional) return ''
  if (typeof v !== 'string' || v.length === 0 || v.length > 10_000) throw invalid(k, 'must be a non-empty string')
  return v
}
function uuid(o: Record<string, unknown>, k: string): string {
  const v = str(o, k)
  if (!UUID.test(v)) throw invalid(k, 'must be a UUID')
  return v.toLowerCase()
}
export function checkUuid(v: string, k: string): string {
  if (!UUID.test(v)) throw invalid(k, 'must be a UUID')
  return v.toLowerCase()
}
function invalid(field: string, reason: string): ServiceError {
  return new ServiceError('INPUT_INVALID', `${field}: ${reason}`, 400, { field, reason })
}
const sha256 = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex')
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

/** Bytes from a JSON string: base64 (default) or hex, strictly (Buffer.from alone accepts junk). */
export function decodeBytes(text: unknown, encoding: unknown, field: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw invalid(field, 'must be a non-empty base64 or hex string')
  const enc = encoding ?? 'base64'
  if (enc === 'base64') {
    if (!BASE64.test(text)) throw invalid(field, 'is not valid base64')
    return new Uint8Array(Buffer.from(text, 'base64'))
  }
  if (enc === 'hex') {
    if (!HEX.test(text)) throw invalid(field, 'is not valid hex')
    return new Uint8Array(Buffer.from(text, 'hex'))
  }
  throw invalid('encoding', "must be 'base64' or 'hex'")
}

@Injectable()
export class FestivalService implements OnModuleDestroy {
  private rec!: fc.Reconciler
  private book!: fc.TicketBook
  private devices: fc.DeviceEntry[] = []
  private registry!: fc.DeviceRegistry
  private seed!: Uint8Array
  private lastServerMs = 0
  /** Committed wallet views (what GET /wallets/:id answers; never an uncommitted state). */
  private views = new Map<string, unknown>()
  /** Committed total balance per wallet (to find every wallet a reconcile call changed). */
  private totals = new Map<string, string>()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly store: Store, private readonly config: Config) {}

  async onModuleDestroy(): Promise<void> {
    await this.store.close()
  }

  /** Loads the committed state (also after a failed commit: memory must never run ahead of the database). */
  async load(): Promise<void> {
    const { meta, wallets } = await this.store.load()
    const { festivalId, currency } = this.config
    this.rec = meta.has('reconciler') ? fc.Reconciler.deserialize(meta.get('reconciler')!) : new fc.Reconciler({ festivalId, currency })
    this.book = meta.has('ticket_book') ? fc.TicketBook.deserialize(meta.get('ticket_book')!) : new fc.TicketBook()
    this.devices = meta.has('devices') ? JSON.parse(meta.get('devices')!) : []
    this.registry = new fc.DeviceRegistry(this.devices)
    this.lastServerMs = Number(meta.get('server_time') ?? 0)
    this.views.clear()
    this.totals.clear()
    for (const w of wallets) {
      this.views.set(w.walletId, this.view(w.walletId, w.state))
      this.totals.set(w.walletId, w.total)
    }
    const seedHex = this.config.serverSeedHex ?? meta.get('server_seed')
    if (seedHex) {
      this.seed = decodeBytes(seedHex, 'hex', 'server seed')
    } else {
      // First start without FESTIVAL_SERVER_SEED: make one and keep it (production: a KMS secret).
      this.seed = new Uint8Array(randomBytes(32))
      await this.store.commit({ meta: { server_seed: Buffer.from(this.seed).toString('hex') }, wallets: [] })
    }
    if (!meta.has('reconciler')) await this.store.commit({ meta: this.stateMeta(), wallets: [] })
  }

  serverKey(): Reply {
    return { status: 200, body: { publicKey: b64(fc.publicKeyFromSeed(this.seed)), festivalId: this.config.festivalId, currency: this.config.currency } }
  }

  // ------------------------------------------------------------------ the mutex and the commit

  /** Runs mutations one at a time (the core objects are one state; the commit order is the apply order). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** A server time that never goes back (acknowledgements must not). */
  private now(): Date {
    this.lastServerMs = Math.max(Date.now(), this.lastServerMs)
    return new Date(this.lastServerMs)
  }

  private stateMeta(): Record<string, string> {
    return {
      reconciler: this.rec.serialize(),
      ticket_book: this.book.serialize(),
      devices: JSON.stringify(this.devices),
      server_time: String(this.lastServerMs),
    }
  }

  private view(walletId: string, state: string): unknown {
    const w = fc.Wallet.deserialize(state)
    return { walletId, status: w.status(), balances: w.balances(), totals: w.totals(), entries: w.ledger().length }
  }

  /**
   * An idempotent mutation: a request seen before (same key) gets its stored reply; the same key
   * with another request is IDEMPOTENCY_KEY_REUSED. `apply` changes the core objects and returns
   * the reply and the wallets it touched; its error leaves them as they were (the core's
   * operations are atomic). Everything is then committed in one transaction; if that fails, the
   * committed state is loaded again.
   */
  private mutate(key: string, requestHash: string, apply: () => { reply: Reply; wallets: Iterable<string>; sync?: Mutation['sync'] }): Promise<Reply> {
    return this.exclusive(async () => {
      const seen: IdempotencyRow | null = await this.store.idempotency(key)
      if (seen) {
        if (seen.requestHash !== requestHash) {
          throw new ServiceError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${key} was used for another request`, 409, { key })
        }
        return { status: seen.status, body: { ...JSON.parse(seen.response), replayed: true } }
      }
      const { reply, wallets, sync } = apply()
      const rows: WalletRow[] = []
      const views = new Map<string, unknown>()
      for (const id of new Set(wallets)) {
        const state = this.rec.wallet(id)
        if (state === null) continue
        const v = this.view(id, state) as { balances: fc.Balances }
        views.set(id, v)
        rows.push({ walletId: id, state, total: v.balances.total.amount })
      }
      const response = JSON.stringify({ ...(reply.body as object), replayed: false })
      try {
        await this.store.commit({
          meta: this.stateMeta(), wallets: rows, sync,
          idempotency: { key, requestHash, status: reply.status, response },
        })
      } catch (e) {
        await this.load()
        throw e
      }
      for (const r of rows) {
        this.views.set(r.walletId, views.get(r.walletId))
        this.totals.set(r.walletId, r.total)
      }
      return { status: reply.status, body: JSON.parse(response) }
    })
  }

  // ------------------------------------------------------------------ offline sync

  sync(raw: unknown, idempotencyKey?: string): Promise<Reply> {
    const body = object(raw)
    const deviceId = uuid(body, 'deviceId')
    const bytes = decodeBytes(body.batch, body.encoding, 'batch')
    // Truncated or garbled batches are refused whole (OFFLINE_MALFORMED, 400) before they touch the state.
    const records = fc.decodeBatch(bytes)
    const batchHash = sha256(bytes)
    const key = idempotencyKey ? `key:${idempotencyKey}` : `sync:${deviceId}:${batchHash}`
    return this.mutate(key, `sync:${deviceId}:${batchHash}`, () => {
      const now = this.now()
      const report = this.rec.reconcile(this.registry, [bytes], now, { policy: this.config.policy })
      let ack: string | null = null
      let ackError: { code: string; message: string } | null = null
      try {
        ack = b64(this.rec.acknowledge(this.registry, deviceId, now, this.seed))
      } catch (e) {
        // The batch is reconciled either way; an unknown or revoked device gets no acknowledgement.
        const err = e as { code?: string; message: string }
        ackError = { code: err.code ?? 'INTERNAL', message: err.message }
      }
      const touched = new Set<string>()
      for (const r of records) {
        const p = r.record.payload as { walletId?: string }
        if (p.walletId) touched.add(p.walletId)
      }
      const revisions = report.revisions
      for (const r of revisions) if (r.walletId) touched.add(r.walletId)
      // Records of earlier batches that waited (a sequence gap, an unknown device) may be applied
      // now: their wallets changed too.
      const all = report.balances
      for (const [id, b] of Object.entries(all)) if (this.totals.get(id) !== b.total.amount) touched.add(id)
      const counts = report.counts
      const balances: Record<string, fc.Balances> = {}
      for (const id of touched) if (all[id]) balances[id] = all[id]
      return {
        reply: {
          status: 200,
          body: {
            deviceId, serverTime: now.toISOString(), counts, records: report.records, alerts: report.alerts,
            revisions, debts: report.debts, blockedWallets: report.blockedWallets, pendingTotal: report.pendingTotal,
            balances, ack, ackError,
          },
        },
        wallets: touched,
        sync: { batchHash, deviceId, receivedAt: now.toISOString(), records: records.length, ...counts },
      }
    })
  }

  // ------------------------------------------------------------------ online wallet operations

  createWallet(raw: unknown): Promise<Reply> {
    const body = object(raw)
    const walletId = uuid(body, 'walletId')
    return this.mutate(`wallet:${walletId}`, `wallet:${walletId}`, () => {
      if (this.rec.wallet(walletId) !== null) throw new ServiceError('WALLET_DUPLICATE_ID', `wallet ${walletId} exists`, 409, { walletId })
      const w = new fc.Wallet({ id: walletId, festivalId: this.config.festivalId, currency: this.config.currency })
      this.rec.addWallet(w)
      return { reply: { status: 201, body: { walletId, balances: w.balances() } }, wallets: [walletId] }
    })
  }

  /** Applies an online entry to the wallet as the reconciler holds it, then lets the core fold the offline records again. */
  private walletOp(kind: string, raw: unknown, idem: string | undefined, op: (w: fc.Wallet, entryId: string, at: Date) => fc.WalletOutcome): Promise<Reply> {
    const body = object(raw)
    const entryId = uuid(body, 'entryId')
    const walletId = uuid(body, 'walletId')
    const key = idem ? `key:${idem}` : `${kind}:${entryId}`
    return this.mutate(key, sha256(`${kind}:${JSON.stringify(body)}`), () => {
      const state = this.rec.wallet(walletId)
      if (state === null) throw new ServiceError('RECONCILE_UNKNOWN_WALLET', `unknown wallet ${walletId}`, 404, { walletId })
      const w = fc.Wallet.deserialize(state)
      const now = this.now()
      const outcome = op(w, entryId, now)
      this.rec.addWallet(w)
      // Server entries come before the wallet's non-final offline records: fold them again now,
      // so the state and the wallet projection agree (revisions say what changed).
      const fold = this.rec.reconcile(this.registry, [], now, { policy: this.config.policy })
      const revisions = fold.revisions
      const after = fc.Wallet.deserialize(this.rec.wallet(walletId)!)
      return {
        reply: { status: 201, body: { entryId, walletId, kind: outcome.kind, balances: after.balances(), status: after.status(), revisions } },
        wallets: [walletId, ...revisions.map((r) => r.walletId).filter((x): x is string => !!x)],
      }
    })
  }

  topUp(raw: unknown, idem?: string): Promise<Reply> {
    const body = object(raw)
    const method = body.method === undefined ? 'card' : body.method
    return this.walletOp('topup', raw, idem, (w, id, at) =>
      w.topUp(id, at, fc.parseMoney(body.amount as string, this.config.currency), method as fc.TopUpMethod))
  }

  pay(raw: unknown, idem?: string): Promise<Reply> {
    const body = object(raw)
    const standId = uuid(body, 'standId')
    const items: fc.LineItem[] = body.items !== undefined
      ? (body.items as fc.LineItem[])
      : [{ sku: 'sale', quantity: 1, unitPrice: fc.parseMoney(body.amount as string, this.config.currency) }]
    const deviceId = body.deviceId === undefined ? null : uuid(body, 'deviceId')
    return this.walletOp('payment', raw, idem, (w, id, at) => w.pay(id, at, standId, items, deviceId))
  }

  wallet(walletId: string): Reply {
    const id = checkUuid(walletId, 'walletId')
    const v = this.views.get(id)
    if (!v) throw new ServiceError('RECONCILE_UNKNOWN_WALLET', `unknown wallet ${id}`, 404, { walletId: id })
    return { status: 200, body: v }
  }

  // ------------------------------------------------------------------ devices, tickets, check-in

  registerDevice(raw: unknown): Promise<Reply> {
    const body = object(raw)
    const deviceId = uuid(body, 'deviceId')
    const entry = {
      deviceId,
      publicKey: body.publicKey as string,
      festivalId: this.config.festivalId,
      role: body.role as fc.DeviceRole,
      locations: body.locations as string[],
      validFrom: (body.validFrom as string) ?? '2000-01-01T00:00:00Z',
      validUntil: (body.validUntil as string) ?? '2100-01-01T00:00:00Z',
    }
    return this.mutate(`device:${deviceId}`, sha256(JSON.stringify(entry)), () => {
      if (this.devices.some((d) => d.deviceId === deviceId)) {
        throw new ServiceError('DEVICE_DUPLICATE_ID', `device ${deviceId} is registered with another entry`, 409, { deviceId })
      }
      const devices = [...this.devices, entry]
      const registry = new fc.DeviceRegistry(devices) // checks the key, role, window (INPUT_INVALID, OFFLINE_INVALID_KEY)
      this.devices = registry.entries()
      this.registry = registry
      // Records of this device that waited (OFFLINE_UNKNOWN_DEVICE) are applied now.
      const fold = this.rec.reconcile(this.registry, [], this.now(), { policy: this.config.policy })
      const c = fold.counts
      const wallets = c.accepted + c.conflict + c.rejected > 0 ? Object.keys(fold.balances) : []
      return { reply: { status: 201, body: { device: registry.get(deviceId), applied: fold.counts } }, wallets }
    })
  }

  addTicketType(raw: unknown): Promise<Reply> {
    const body = object(raw)
    const id = uuid(body, 'id')
    return this.mutate(`ticket-type:${id}`, sha256(JSON.stringify(body)), () => {
      this.book.addType(body as unknown as fc.TicketTypeInput)
      return { reply: { status: 201, body: { ticketType: this.book.ticketType(id) } }, wallets: [] }
    })
  }

  issueTicket(raw: unknown): Promise<Reply> {
    const body = object(raw)
    const ticketTypeId = uuid(body, 'ticketTypeId')
    const id = uuid(body, 'id')
    return this.mutate(`ticket:${id}`, sha256(JSON.stringify(body)), () => {
      const ticket = this.book.issue(ticketTypeId, { id, number: str(body, 'number'), holder: str(body, 'holder') }, null, this.now())
      this.rec.setTicket(id, {}) // so that offline gate scans of it are reconciled
      return { reply: { status: 201, body: { ticket } }, wallets: [] }
    })
  }

  checkIn(raw: unknown, idem?: string): Promise<Reply> {
    const body = object(raw)
    const ticketId = uuid(body, 'ticketId')
    const scanId = body.scanId === undefined ? undefined : uuid(body, 'scanId')
    const key = idem ? `key:${idem}` : scanId ? `checkin:${scanId}` : `checkin:${ticketId}:${randomBytes(8).toString('hex')}`
    return this.mutate(key, sha256(JSON.stringify(body)), () => {
      const ticket = this.book.checkIn(ticketId, this.now()) // TICKET_UNKNOWN, TICKET_ALREADY_USED, TICKET_REENTRY_NOT_ALLOWED...
      return { reply: { status: 200, body: { ticket } }, wallets: [] }
    })
  }

  // ------------------------------------------------------------------ reports

  /**
   * Settlement: the core's analytics over every wallet's ledger (the `analytics.compute`
   * operation: totals, liability, per stand, per device, per hour), the reconciler's total balance
   * and offline exposure, and the sync counters of the database.
   */
  settlement(): Promise<Reply> {
    return this.exclusive(async () => {
      const rows: unknown[] = []
      const ids = Object.keys(this.rec.balances())
      for (const id of ids) {
        const w = fc.Wallet.deserialize(this.rec.wallet(id)!)
        for (const e of w.ledger()) {
          const op = e.operation as { kind: string; standId?: string; deviceId?: string }
          rows.push({
            kind: op.kind, at: e.at, wallet: id,
            ...(op.standId ? { stand: op.standId } : {}), ...(op.deviceId ? { device: op.deviceId } : {}),
            refundable: e.refundableDelta.amount, bonus: e.bonusDelta.amount, debt: e.debtDelta.amount,
          })
        }
      }
      const analytics = JSON.parse(fc.conformanceExecute('analytics.compute', JSON.stringify({ currency: this.config.currency, rows })))
      return {
        status: 200,
        body: {
          currency: this.config.currency,
          wallets: ids.length,
          totalBalance: this.rec.totalBalance(),
          exposure: this.rec.exposure(this.config.policy),
          syncs: await this.store.syncTotals(),
          ...analytics,
        },
      }
    })
  }
}
