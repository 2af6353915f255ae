// The reconcile pipeline a Node team would write by hand, parameterised by its crypto:
// decode our binary batches, verify Ed25519 (domain || encoding), check the registry (festival,
// window, role, stand), per-device sequence and SHA-256 hash chain, order by (HLC, device, seq),
// then apply money with decimal.js (first wins: a payment the wallet cannot cover is a conflict).
// Same data, same rules as festival-core's `reconcile` for this data set (no refunds/voids/scans).
import Decimal from 'decimal.js';

const DOMAIN = Buffer.from('festival-core/record/v1');
const ZERO32 = Buffer.alloc(32);

/** Parses an FCBENCH1 file (see festival-core/benches/common/mod.rs). */
export function parseDataFile(buf) {
  let p = 0;
  const take = (n) => { const s = buf.subarray(p, p + n); p += n; return s; };
  if (take(8).toString('latin1') !== 'FCBENCH1') throw new Error('not an FCBENCH1 file');
  const festival = take(16).toString('hex');
  const clen = take(1)[0];
  const currency = take(clen).toString('latin1');
  const t0 = Number(take(8).readBigUInt64BE());
  const nowMs = Number(take(8).readBigUInt64BE());
  const validUntilMs = Number(take(8).readBigUInt64BE());
  const nd = take(4).readUInt32BE();
  const devices = new Map();
  for (let i = 0; i < nd; i++) {
    const id = take(16).toString('hex');
    const pk = Buffer.from(take(32));
    const desk = take(1)[0] === 1;
    const stand = take(16).toString('hex');
    devices.set(id, { pk, desk, stand });
  }
  const nw = take(4).readUInt32BE();
  const wallets = [];
  for (let i = 0; i < nw; i++) {
    const id = take(16).toString('hex');
    wallets.push([id, Number(take(8).readBigUInt64BE())]);
  }
  const nr = take(4).readUInt32BE();
  const rounds = [];
  for (let r = 0; r < nr; r++) {
    const nb = take(4).readUInt32BE();
    const batches = [];
    for (let b = 0; b < nb; b++) batches.push(take(take(4).readUInt32BE()));
    rounds.push(batches);
  }
  return { festival, currency, t0, nowMs, validFromMs: t0 - 86_400_000, validUntilMs, devices, wallets, rounds };
}

const uuidHex = (b, o) => b.toString('hex', o, o + 16);
const u64 = (b, o) => Number(b.readBigUInt64BE(o));
const cents = (n) => new Decimal(n).div(100);

function decodeRecord(b) {
  if (b.length < 4 + 1 + 48 + 8 + 32 + 8 + 12 + 64 || b.toString('latin1', 0, 3) !== 'FCR' || b[3] !== 1) {
    throw new Error('malformed record');
  }
  const kind = b[4];
  let o = 5;
  const r = { bytes: b, kind, recordId: uuidHex(b, o), device: uuidHex(b, o + 16), festival: uuidHex(b, o + 32) };
  o += 48;
  r.seq = u64(b, o); o += 8;
  r.prev = b.subarray(o, o + 32); o += 32;
  r.deviceTime = u64(b, o); o += 8;
  r.hlcMs = u64(b, o); r.hlcLogical = b.readUInt32BE(o + 8); o += 12;
  r.wallet = uuidHex(b, o); o += 16;
  r.amountMinor = u64(b, o); o += 8;
  const cl = b[o]; r.currency = b.toString('latin1', o + 1, o + 1 + cl); o += 1 + cl;
  if (kind === 1) {
    r.stand = uuidHex(b, o); o += 16;
    const n = b.readUInt16BE(o); o += 2;
    r.items = [];
    for (let i = 0; i < n; i++) {
      r.items.push({ product: uuidHex(b, o), qty: b.readUInt32BE(o + 16), unitMinor: u64(b, o + 20) });
      o += 28;
    }
  } else if (kind !== 2) {
    throw new Error(`record kind ${kind} is not in this benchmark`);
  }
  r.bodyLen = o;
  r.sig = b.subarray(o, o + 64);
  if (o + 64 !== b.length) throw new Error('trailing bytes');
  return r;
}

function decodeBatch(b) {
  if (b.toString('latin1', 0, 3) !== 'FCB' || b[3] !== 1) throw new Error('malformed batch');
  const n = b.readUInt32BE(4);
  const out = [];
  let o = 8;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32BE(o);
    out.push(decodeRecord(b.subarray(o + 4, o + 4 + len)));
    o += 4 + len;
  }
  if (o !== b.length) throw new Error('trailing bytes in batch');
  return out;
}

/** A fresh server state: decimal balances, empty chains, no accepted ids. */
export function initialState(data) {
  const balances = new Map();
  for (const [id, c] of data.wallets) balances.set(id, cents(c));
  return { balances, chains: new Map(), accepted: new Set() };
}

/**
 * Reconciles `batches` into `state`. `crypto` = { verify(sig, msg, pk) -> bool, sha256(buf) -> Buffer }.
 * Returns counts; the state carries chains, balances and accepted ids between calls.
 */
export function reconcile(data, state, batches, crypto) {
  const counts = { accepted: 0, conflict: 0, rejected: 0, duplicate: 0 };
  // 1. decode + drop exact copies
  const byHash = new Map();
  for (const b of batches) {
    for (const r of decodeBatch(b)) {
      r.hash = crypto.sha256(r.bytes);
      const h = r.hash.toString('hex');
      if (!byHash.has(h)) byHash.set(h, r);
    }
  }
  // 2. signatures and registry
  const byDevice = new Map();
  for (const r of byHash.values()) {
    const dev = data.devices.get(r.device);
    if (!dev) { counts.rejected++; continue; }
    const msg = Buffer.concat([DOMAIN, r.bytes.subarray(0, r.bodyLen)]);
    if (!crypto.verify(r.sig, msg, dev.pk)) { counts.rejected++; continue; }
    let list = byDevice.get(r.device);
    if (!list) byDevice.set(r.device, (list = []));
    list.push(r);
  }
  // 3. per-device sequence and hash chain, then policy
  const valid = [];
  for (const [device, list] of byDevice) {
    const dev = data.devices.get(device);
    list.sort((a, b) => a.seq - b.seq);
    let chain = state.chains.get(device);
    if (!chain) state.chains.set(device, (chain = { seq: 0, hash: ZERO32, hlcMs: -1, hlcLogical: 0 }));
    for (const r of list) {
      if (r.seq <= chain.seq) { counts.duplicate++; continue; }
      if (r.seq !== chain.seq + 1 || !r.prev.equals(chain.hash)) { counts.rejected++; continue; }
      const hlcOk = r.hlcMs > chain.hlcMs || (r.hlcMs === chain.hlcMs && r.hlcLogical > chain.hlcLogical);
      chain.seq = r.seq; chain.hash = r.hash; chain.hlcMs = r.hlcMs; chain.hlcLogical = r.hlcLogical;
      const allowed = hlcOk && r.festival === data.festival && r.deviceTime >= data.validFromMs &&
        r.deviceTime < data.validUntilMs && r.deviceTime - data.nowMs <= 300_000 &&
        Math.abs(r.deviceTime - r.hlcMs) <= 3_600_000 &&
        (dev.desk ? r.kind === 2 : r.kind === 1 && r.stand === dev.stand) && r.currency === data.currency;
      if (allowed) valid.push(r); else counts.rejected++;
    }
  }
  // 4. total order, 5. money
  valid.sort((a, b) => a.hlcMs - b.hlcMs || a.hlcLogical - b.hlcLogical ||
    (a.device < b.device ? -1 : a.device > b.device ? 1 : a.seq - b.seq));
  for (const r of valid) {
    if (state.accepted.has(r.recordId)) { counts.rejected++; continue; }
    const bal = state.balances.get(r.wallet);
    if (bal === undefined) { counts.rejected++; continue; }
    const amount = cents(r.amountMinor);
    if (r.kind === 2) {
      state.balances.set(r.wallet, bal.plus(amount));
    } else {
      let total = new Decimal(0);
      for (const it of r.items) total = total.plus(cents(it.unitMinor).times(it.qty));
      if (r.items.length > 0 && !total.eq(amount)) { counts.rejected++; continue; }
      if (bal.lt(amount)) { counts.conflict++; continue; }
      state.balances.set(r.wallet, bal.minus(amount));
    }
    state.accepted.add(r.recordId);
    counts.accepted++;
  }
  return counts;
}

export function totalBalance(state) {
  let t = new Decimal(0);
  for (const v of state.balances.values()) t = t.plus(v);
  return t.toFixed(2);
}

/** The conformance-op input for festival-core's `offline.reconcile` (bindings without a typed reconcile). */
export function conformanceInput(data, batches) {
  const iso = (ms) => new Date(ms).toISOString();
  const wallets = {};
  for (const [id, c] of data.wallets) wallets[uuid(id)] = cents(c).toFixed(2);
  const devices = [];
  for (const [id, d] of data.devices) {
    devices.push({
      device_id: uuid(id), public_key: d.pk.toString('hex'), festival_id: uuid(data.festival),
      role: d.desk ? 'top_up' : 'pos', locations: d.desk ? [] : [uuid(d.stand)],
      valid_from: iso(data.validFromMs), valid_until: iso(data.validUntilMs), revoked_at: null,
    });
  }
  return {
    festival_id: uuid(data.festival), currency: data.currency, wallets, devices,
    batches: batches.map((b) => Buffer.from(b).toString('hex')), now: iso(data.nowMs), policy: 'first_wins',
  };
}

function uuid(hex) {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Counts and total balance from an `offline.reconcile` conformance output. */
export function conformanceSummary(outText) {
  const out = JSON.parse(outText);
  const c = out.report.counts;
  let t = new Decimal(0);
  for (const b of Object.values(out.report.balances)) t = t.plus(b.total.amount ?? b.total);
  return { counts: { accepted: c.accepted, conflict: c.conflict, rejected: c.rejected, duplicate: c.duplicate }, total: t.toFixed(2) };
}

/**
 * festival-core through a JS binding's typed reconcile API (`DeviceRegistry`, `Reconciler`,
 * `Wallet`, `reconcile(registry, batches: Uint8Array[], now, config)`: bytes in, a `ReconcileReport`
 * out, of which only `counts` is read, like the hand-written pipelines): returns a function that
 * runs the whole file, one `reconcile` call per round, with the registry and the wallets set up
 * inside the timing like the hand-written pipelines' initial state.
 */
export function typedPipeline(fc, data) {
  const festivalId = uuid(data.festival);
  const iso = (ms) => new Date(ms).toISOString();
  const entries = [];
  for (const [id, d] of data.devices) {
    entries.push({
      deviceId: uuid(id), publicKey: new Uint8Array(d.pk), festivalId, role: d.desk ? 'top_up' : 'pos',
      locations: d.desk ? [] : [uuid(d.stand)], validFrom: iso(data.validFromMs), validUntil: iso(data.validUntilMs),
    });
  }
  const wallets = data.wallets.map(([id, c]) => [uuid(id), cents(c).toFixed(2)]);
  const now = iso(data.nowMs);
  const epoch = iso(0);
  return () => {
    const registry = new fc.DeviceRegistry(entries);
    const rec = new fc.Reconciler({ festivalId, currency: data.currency });
    for (const [id, amount] of wallets) {
      const w = new fc.Wallet({ id, festivalId, currency: data.currency });
      w.topUp(id, epoch, { amount, currency: data.currency });
      rec.addWallet(w);
      w.free?.();
    }
    const counts = { accepted: 0, conflict: 0, rejected: 0, duplicate: 0 };
    for (const round of data.rounds) {
      const r = rec.reconcile(registry, round, now, { policy: 'first_wins' });
      const c = r.counts;
      for (const k of Object.keys(counts)) counts[k] += c[k];
      r.free?.(); // wasm: the report's Rust memory now, not at the next GC
    }
    const total = new Decimal(rec.totalBalance().amount).toFixed(2);
    rec.free?.();
    registry.free?.();
    return { counts, total };
  };
}
