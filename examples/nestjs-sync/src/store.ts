// Persistence: one interface, two databases. Every mutation of the service is ONE commit that
// writes the reconciliation state (Reconciler.serialize(), which holds every wallet's ledger), the
// wallet projection of the wallets it touched, the idempotency record of the request and, for a
// sync, its audit row. Either all of it is durable or none of it is.
import * as fs from 'node:fs'
import * as path from 'node:path'
import initSqlJs, { Database } from 'sql.js'
import { Pool } from 'pg'

export interface WalletRow { walletId: string; state: string; total: string }
export interface IdempotencyRow { key: string; requestHash: string; status: number; response: string }
export interface SyncRow {
  batchHash: string; deviceId: string; receivedAt: string
  records: number; accepted: number; duplicate: number; rejected: number; conflict: number; pending: number
}
export interface Mutation {
  meta: Record<string, string>
  wallets: WalletRow[]
  idempotency?: IdempotencyRow
  sync?: SyncRow
}
export interface Loaded { meta: Map<string, string>; wallets: WalletRow[] }

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  load(): Promise<Loaded>
  idempotency(key: string): Promise<IdempotencyRow | null>
  commit(m: Mutation): Promise<void>
  syncTotals(): Promise<Record<string, number>>
  close(): Promise<void>
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // total: the wallet's total balance as the core's decimal string (never a float).
  `CREATE TABLE IF NOT EXISTS wallets (wallet_id TEXT PRIMARY KEY, state TEXT NOT NULL, total TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS syncs (batch_hash TEXT NOT NULL, device_id TEXT NOT NULL, received_at TEXT NOT NULL,
     records INTEGER NOT NULL, accepted INTEGER NOT NULL, duplicate INTEGER NOT NULL, rejected INTEGER NOT NULL,
     conflict INTEGER NOT NULL, pending INTEGER NOT NULL)`,
]
const SYNC_COLS = ['batch_hash', 'device_id', 'received_at', 'records', 'accepted', 'duplicate', 'rejected', 'conflict', 'pending']
const syncValues = (s: SyncRow) => [s.batchHash, s.deviceId, s.receivedAt, s.records, s.accepted, s.duplicate, s.rejected, s.conflict, s.pending]
const TOTALS = `SELECT COUNT(*) AS syncs, COALESCE(SUM(records),0) AS records, COALESCE(SUM(accepted),0) AS accepted,
  COALESCE(SUM(duplicate),0) AS duplicate, COALESCE(SUM(rejected),0) AS rejected, COALESCE(SUM(conflict),0) AS conflict,
  COALESCE(SUM(pending),0) AS pending FROM syncs`

/** Writes `bytes` to `file` so that a crash leaves the old file or the new one, never a torn one. */
export async function atomicWrite(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`
  const fh = await fs.promises.open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await fs.promises.rename(tmp, file)
  const dir = await fs.promises.open(path.dirname(file), 'r')
  try { await dir.sync() } finally { await dir.close() }
}

/**
 * SQLite through sql.js (SQLite compiled to wasm: no native build, no download). The database
 * lives in memory; each commit runs in a transaction and then replaces the file atomically.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const
  private constructor(private db: Database, private readonly file: string) {}

  static async open(file: string): Promise<SqliteStore> {
    const SQL = await initSqlJs()
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
    const db = fs.existsSync(file) ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database()
    for (const s of SCHEMA) db.run(s)
    const store = new SqliteStore(db, path.resolve(file))
    if (!fs.existsSync(file)) await atomicWrite(store.file, db.export())
    return store
  }

  async load(): Promise<Loaded> {
    const meta = new Map<string, string>()
    for (const r of this.rows('SELECT key, value FROM meta')) meta.set(String(r.key), String(r.value))
    const wallets = this.rows('SELECT wallet_id, state, total FROM wallets')
      .map((r) => ({ walletId: String(r.wallet_id), state: String(r.state), total: String(r.total) }))
    return { meta, wallets }
  }

  async idempotency(key: string): Promise<IdempotencyRow | null> {
    const r = this.rows('SELECT key, request_hash, status, response FROM idempotency WHERE key = ?', [key])[0]
    return r ? { key: String(r.key), requestHash: String(r.request_hash), status: Number(r.status), response: String(r.response) } : null
  }

  async syncTotals(): Promise<Record<string, number>> {
    const r = this.rows(TOTALS)[0] ?? {}
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))
  }

  async commit(m: Mutation): Promise<void> {
    const db = this.db
    db.run('BEGIN')
    try {
      for (const [k, v] of Object.entries(m.meta)) {
        db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [k, v])
      }
      for (const w of m.wallets) {
        db.run('INSERT INTO wallets (wallet_id, state, total) VALUES (?, ?, ?) ON CONFLICT(wallet_id) DO UPDATE SET state = excluded.state, total = excluded.total',
          [w.walletId, w.state, w.total])
      }
      if (m.idempotency) {
        const i = m.idempotency
        db.run('INSERT INTO idempotency (key, request_hash, status, response) VALUES (?, ?, ?, ?)', [i.key, i.requestHash, i.status, i.response])
      }
      if (m.sync) db.run(`INSERT INTO syncs (${SYNC_COLS.join(', ')}) VALUES (${SYNC_COLS.map(() => '?').join(', ')})`, syncValues(m.sync))
      db.run('COMMIT')
    } catch (e) {
      db.run('ROLLBACK')
      throw e
    }
    // Durable only once the file is replaced; if this throws, the caller reloads from the file.
    await atomicWrite(this.file, db.export())
  }

  async close(): Promise<void> {
    this.db.close()
  }

  private rows(sql: string, params: (string | number)[] = []): Record<string, unknown>[] {
    const st = this.db.prepare(sql)
    try {
      st.bind(params)
      const out: Record<string, unknown>[] = []
      while (st.step()) out.push(st.getAsObject())
      return out
    } finally {
      st.free()
    }
  }
}

/** PostgreSQL through `pg`: one transaction per commit. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  private constructor(private readonly pool: Pool) {}

  static async open(url: string): Promise<PostgresStore> {
    const pool = new Pool({ connectionString: url, max: 4 })
    pool.on('error', (e) => console.error(`postgres pool error: ${e.message}`))
    for (const s of SCHEMA) await pool.query(s)
    return new PostgresStore(pool)
  }

  async load(): Promise<Loaded> {
    const meta = new Map<string, string>()
    for (const r of (await this.pool.query('SELECT key, value FROM meta')).rows) meta.set(r.key, r.value)
    const wallets = (await this.pool.query('SELECT wallet_id, state, total FROM wallets')).rows
      .map((r) => ({ walletId: r.wallet_id, state: r.state, total: r.total }))
    return { meta, wallets }
  }

  async idempotency(key: string): Promise<IdempotencyRow | null> {
    const r = (await this.pool.query('SELECT key, request_hash, status, response FROM idempotency WHERE key = $1', [key])).rows[0]
    return r ? { key: r.key, requestHash: r.request_hash, status: Number(r.status), response: r.response } : null
  }

  async syncTotals(): Promise<Record<string, number>> {
    const r = (await this.pool.query(TOTALS)).rows[0] ?? {}
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))
  }

  async commit(m: Mutation): Promise<void> {
    const c = await this.pool.connect()
    try {
      await c.query('BEGIN')
      for (const [k, v] of Object.entries(m.meta)) {
        await c.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [k, v])
      }
      for (const w of m.wallets) {
        await c.query('INSERT INTO wallets (wallet_id, state, total) VALUES ($1, $2, $3) ON CONFLICT (wallet_id) DO UPDATE SET state = EXCLUDED.state, total = EXCLUDED.total',
          [w.walletId, w.state, w.total])
      }
      if (m.idempotency) {
        const i = m.idempotency
        await c.query('INSERT INTO idempotency (key, request_hash, status, response) VALUES ($1, $2, $3, $4)', [i.key, i.requestHash, i.status, i.response])
      }
      if (m.sync) {
        await c.query(`INSERT INTO syncs (${SYNC_COLS.join(', ')}) VALUES (${SYNC_COLS.map((_, i) => `$${i + 1}`).join(', ')})`, syncValues(m.sync))
      }
      await c.query('COMMIT')
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined)
      throw e
    } finally {
      c.release()
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

/** `DATABASE_URL`: `postgres://...` / `postgresql://...`, or `sqlite:<file>` / a plain file path (default `data/festival.sqlite`). */
export async function openStore(url: string | undefined): Promise<Store> {
  const u = url && url.length > 0 ? url : 'sqlite:data/festival.sqlite'
  if (/^postgres(ql)?:/.test(u)) return PostgresStore.open(u)
  return SqliteStore.open(u.replace(/^sqlite:(\/\/)?/, ''))
}
