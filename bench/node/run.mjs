// Runs every JS-side pipeline side by side on one FCBENCH1 file and prints records/s (median of
// `--repeat` runs, interleaved) and each pipeline's outcome, which must all be identical.
//
//   node bench/node/run.mjs <data-file> [--repeat N] [--node-addon path.node] [--wasm path/to/pkg-nodejs]
//                           [--only name,name] [--json out.json]
//
// Pipelines: sodium-native + decimal.js, node:crypto + decimal.js, pure JS (@noble/ed25519 +
// @noble/hashes + decimal.js), bindings-node and bindings-wasm: festival-core's reconcile through the
// binding's typed API when it has one (`Reconciler.reconcile(registry, batches: Uint8Array[], ...)`,
// see `typedPipeline` in pipeline.mjs), otherwise through `conformanceExecute('offline.reconcile',
// json)` (JSON in/out with hex batches, included in the time; single-round files of <= 1 MiB JSON).
// The pipeline names say which path was measured.
// Also: the per-call cost of tiny calls (money add, money format) in each binding vs decimal.js.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import Decimal from 'decimal.js';
import sodium from 'sodium-native';
import * as ed from '@noble/ed25519';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { parseDataFile, initialState, reconcile, totalBalance, conformanceInput, conformanceSummary, typedPipeline } from './pipeline.mjs';

ed.hashes.sha512 = sha512;
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const file = args[0];
const repeat = Number(opt('--repeat', '3'));
const only = opt('--only', null)?.split(',');
const data = parseDataFile(fs.readFileSync(file));
const nRecords = data.rounds.flat().reduce((n, b) => n + b.readUInt32BE(4), 0);

const sodiumCrypto = {
  verify: (sig, msg, pk) => sodium.crypto_sign_verify_detached(sig, msg, pk),
  sha256: (b) => { const out = Buffer.alloc(32); sodium.crypto_hash_sha256(out, b); return out; },
};
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keyCache = new Map();
const nodeCrypto = {
  verify: (sig, msg, pk) => {
    const k = pk.toString('hex');
    let key = keyCache.get(k);
    if (!key) keyCache.set(k, (key = crypto.createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' })));
    return crypto.verify(null, msg, key, sig);
  },
  sha256: (b) => crypto.createHash('sha256').update(b).digest(),
};
const pureJs = {
  verify: (sig, msg, pk) => ed.verify(sig, msg, pk, { zip215: false }),
  sha256: (b) => Buffer.from(nobleSha256(b)),
};

const handWritten = (c) => () => {
  const state = initialState(data);
  const counts = { accepted: 0, conflict: 0, rejected: 0, duplicate: 0 };
  for (const round of data.rounds) {
    const r = reconcile(data, state, round, c);
    for (const k of Object.keys(counts)) counts[k] += r[k];
  }
  return { counts, total: totalBalance(state) };
};

// festival-core through a binding's conformanceExecute: one call per round; the state between
// rounds (chains, balances) is carried by feeding the next call the previous outputs.
const viaConformance = (execute) => () => {
  const counts = { accepted: 0, conflict: 0, rejected: 0, duplicate: 0 };
  let total;
  if (data.rounds.length !== 1) throw new Error('the conformance op path is measured on single-round files (100k)');
  const input = JSON.stringify(conformanceInput(data, data.rounds[0]));
  const s = conformanceSummary(execute('offline.reconcile', input));
  for (const k of Object.keys(counts)) counts[k] += s.counts[k];
  total = s.total;
  return { counts, total };
};

const pipelines = [
  ['sodium-native + decimal.js', handWritten(sodiumCrypto)],
  ['node:crypto + decimal.js', handWritten(nodeCrypto)],
  ['pure JS (@noble/ed25519) + decimal.js', handWritten(pureJs)],
];
let addon = null;
let wasm = null;
const skipped = [];
// The binding's typed reconcile if it has one, else the conformance op (named accordingly).
const binding = (label, fc) => {
  if (typeof fc.Reconciler === 'function' && typeof fc.DeviceRegistry === 'function') {
    pipelines.push([`festival-core ${label} (typed reconcile)`, typedPipeline(fc, data)]);
  } else {
    const exec = fc.conformanceExecute ?? fc.conformance_execute;
    if (!exec) throw new Error(`${label}: neither a typed Reconciler nor conformanceExecute`);
    const bytes = data.rounds.length === 1 ? Buffer.byteLength(JSON.stringify(conformanceInput(data, data.rounds[0]))) : Infinity;
    if (bytes > 1_048_576) {
      // The JS bindings' string arguments are capped at 1 MiB (festival-js-api MAX_STRING_BYTES).
      skipped.push({ name: `festival-core ${label}`, reason: 'no typed reconcile, and conformanceExecute takes at most 1 MiB of JSON' });
      console.log(`festival-core ${label}: not measured on this file (no typed reconcile; conformanceExecute input would be ${bytes} bytes > 1 MiB)`);
      return;
    }
    pipelines.push([`festival-core ${label} (conformanceExecute)`, viaConformance((op, i) => exec(op, i))]);
  }
};
const addonPath = opt('--node-addon', null);
if (addonPath) {
  addon = require(path.resolve(addonPath));
  binding('bindings-node', addon);
}
const wasmPath = opt('--wasm', null);
if (wasmPath) {
  wasm = require(path.resolve(wasmPath));
  binding('bindings-wasm', wasm);
}

const times = new Map(pipelines.map(([n]) => [n, []]));
const outcomes = new Map();
for (let k = 0; k < repeat; k++) {
  for (const [name, run] of pipelines) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const t = performance.now();
    const out = run();
    times.get(name).push((performance.now() - t) / 1000);
    outcomes.set(name, JSON.stringify(out));
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const results = [];
console.log(`records=${nRecords} rounds=${data.rounds.length} repeat=${repeat} node=${process.version}`);
for (const [name, ts] of times) {
  if (ts.length === 0) continue;
  const rps = nRecords / median(ts);
  results.push({ name, records_per_s: Math.round(rps), seconds: ts.map((x) => +x.toFixed(3)), outcome: JSON.parse(outcomes.get(name)) });
  console.log(`${name.padEnd(52)} ${String(Math.round(rps)).padStart(8)} rec/s   outcome ${outcomes.get(name)}`);
}
const distinct = new Set(outcomes.values());
console.log(distinct.size === 1 ? 'outcomes: identical' : `outcomes: DIFFER (${distinct.size} distinct)`);

// Tiny call: money add, per call.
const tiny = [];
const perCall = (name, fn, n = 200_000) => {
  for (let i = 0; i < 10_000; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t) / n;
  tiny.push({ name, ns_per_call: Math.round(ns) });
  console.log(`tiny call ${name.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns/call`);
};
const da = new Decimal('12.34');
const db = new Decimal('0.66');
perCall('decimal.js plus', () => da.plus(db));
perCall('decimal.js toFixed(2)', () => da.toFixed(2));
for (const [label, fc] of [['bindings-node', addon], ['bindings-wasm', wasm]]) {
  if (!fc) continue;
  const a = fc.parseMoney('12.34', 'EUR');
  const b = fc.parseMoney('0.66', 'EUR');
  perCall(`${label} addMoney`, () => fc.addMoney(a, b));
  perCall(`${label} formatMoney`, () => fc.formatMoney(a));
}
const jsonOut = opt('--json', null);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ records: nRecords, pipelines: results, skipped, tiny, identical: distinct.size === 1 }, null, 1));
