"""Collates one run of scripts/bench.sh into the markdown tables BENCHMARKS.md quotes.

    python bench/report.py <bench/out> <target/criterion>

Criterion figures are the MEDIAN of the samples (estimates.json `median`); peer figures are the
median of the runner's repeats. Ratios are computed from these medians.
"""

import json
import os
import re
import sys

OUT, CRIT = sys.argv[1], sys.argv[2]


def kv(path):
    d = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                d[k] = v
    return d


def median_ns(group, name):
    p = os.path.join(CRIT, group, name.replace("/", "_"), "new", "estimates.json")
    if not os.path.exists(p):
        return None
    return json.load(open(p))["median"]["point_estimate"]


def load(name):
    p = os.path.join(OUT, name)
    return json.load(open(p)) if os.path.exists(p) else None


def fmt(x):
    return "n/a" if x is None else f"{x:,.0f}"


def pct(a, b):
    return "n/a" if not a or not b else f"{100 * a / b:.0f} %"


def ratio(a, b):
    return "n/a" if not a or not b else f"{a / b:.2f}x"


machine = kv(os.path.join(OUT, "machine.txt"))
print("### Machine and run\n")
for k in ("date_utc", "nproc", "cpu", "mem", "rustc", "node", "python", "load_at_start", "load_at_end"):
    print(f"- {k}: {machine.get(k, 'n/a')}")

# 1. The limit.
print("\n### Raw Ed25519 (criterion `verify`, median)\n")
print("| what | time per call | signatures/s |")
print("| --- | ---: | ---: |")
rates = {}
for name, n in [("dalek_verify_strict", 1), ("strict_single", 1), ("dalek_batch/64", 64), ("verify_many/64", 64),
                ("verify_many_batched/64", 64), ("dalek_batch/1024", 1024), ("verify_many/1024", 1024),
                ("verify_many_batched/1024", 1024)]:
    ns = median_ns("ed25519", name)
    rates[name] = None if ns is None else n * 1e9 / ns
    print(f"| {name} | {'n/a' if ns is None else f'{ns / 1e3:,.1f} µs'} | {fmt(rates[name])} |")
print(f"\nverify_many/1024 (the pipeline's signature stage) = {pct(rates.get('verify_many/1024'), rates.get('dalek_batch/1024'))} "
      f"of dalek_batch/1024; verify_many_batched/1024 = {pct(rates.get('verify_many_batched/1024'), rates.get('dalek_batch/1024'))}")
limit = rates.get("dalek_batch/1024")

# 2. Pipeline stages.
log = open(os.path.join(OUT, "criterion.log")).read() if os.path.exists(os.path.join(OUT, "criterion.log")) else ""
m = re.search(r"pipeline reference \((\d+) records\): (.*)", log)
n_pipe = int(m.group(1)) if m else None
print(f"\n### Pipeline stages (criterion `pipeline`, {n_pipe} records from 500 devices, median)\n")
if m:
    print(f"Outcome: `{m.group(2)}`\n")
print("| stage | seconds | records/s | % of raw batch-verify rate (dalek_batch/1024 of the same run) |")
print("| --- | ---: | ---: | ---: |")
pipe = {}
for name in ("decode", "signatures", "verify_chain", "reconcile", "reconcile_parallel/2"):
    ns = median_ns("pipeline", name)
    pipe[name] = None if ns is None or not n_pipe else n_pipe * 1e9 / ns
    secs = "n/a" if ns is None else f"{ns / 1e9:.2f}"
    print(f"| {name} | {secs} | {fmt(pipe[name])} | {pct(pipe[name], limit)} |")
print(f"\n2 threads vs 1 (reconcile_parallel/2 / reconcile): {ratio(pipe.get('reconcile_parallel/2'), pipe.get('reconcile'))} (target >= 1.8x)")

# 3. Big runs.
print("\n### Whole files through `bench_reconcile` (one process per line, peak RSS = VmHWM)\n")
print("| records | mode | threads | calls | seconds | records/s | peak RSS MiB | input MiB | outcome |")
print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
big = {}
lines = open(os.path.join(OUT, "big.txt")).read().splitlines() if os.path.exists(os.path.join(OUT, "big.txt")) else []
for i in range(0, len(lines) - 1, 2):
    a = dict(p.split("=", 1) for p in lines[i].split())
    outcome = lines[i + 1].replace("outcome ", "")
    big[(a["records"], a["mode"], a["threads"])] = (float(a["records_per_s"]), outcome)
    print(f"| {a['records']} | {a['mode']} | {a['threads']} | {a['calls']} | {a['seconds']} | {fmt(float(a['records_per_s']))} "
          f"| {a['peak_rss_mib']} | {a['input_mib']} | `{outcome}` |")
for (rec, mode, th), (r, o) in sorted(big.items()):
    if th == "2" and (rec, mode, "1") in big:
        r1, o1 = big[(rec, mode, "1")]
        print(f"\n{rec} {mode}: 2 threads / 1 thread = {r / r1:.2f}x; outcomes {'identical' if o == o1 else 'DIFFER'}")
rust_100k = next((r for (rec, mode, th), (r, _) in big.items() if rec == "100000" and mode == "all" and th == "1"), None)

# 4. Ops.
print("\n### Core operations (criterion `ops`, median)\n")
print("| op | ns/op |")
print("| --- | ---: |")
for name in ("money_add", "wallet_apply_payment", "wallet_apply_top_up", "wallet_clone_only", "pricing_3_lines",
             "ticket_code_verify"):
    ns = median_ns("ops", name)
    print(f"| {name} | {fmt(ns)} |")

# 5. Peers.
print("\n### Peers (same bytes, same outcome required)\n")
node100 = load("node-100k.json")
if node100:
    print(f"Node at {node100['records']} records (median of repeats), vs the Rust core's reconcile on the same file "
          f"({fmt(rust_100k)} rec/s, `bench_reconcile all 1`):\n")
    print("| pipeline | records/s | festival-core core / this | outcome |")
    print("| --- | ---: | ---: | --- |")
    for p in node100["pipelines"]:
        print(f"| {p['name']} | {fmt(p['records_per_s'])} | {ratio(rust_100k, p['records_per_s'])} | `{json.dumps(p['outcome'], separators=(',', ':'))}` |")
node1 = load("node-1k.json")
if node1:
    print(f"\nEvery JS pipeline at {node1['records']} records per call (the JS bindings accept at most 1 MiB of "
          f"JSON per `conformanceExecute` call), median of the repeats; outcomes identical: {node1['identical']}\n")
    by = {p["name"]: p["records_per_s"] for p in node1["pipelines"]}
    print("| pipeline | records/s |")
    print("| --- | ---: |")
    for k, v in by.items():
        print(f"| {k} | {fmt(v)} |")
    bn = next((v for k, v in by.items() if "bindings-node" in k), None)
    bw = next((v for k, v in by.items() if "bindings-wasm" in k), None)
    so = next((v for k, v in by.items() if k.startswith("sodium")), None)
    nc = next((v for k, v in by.items() if k.startswith("node:crypto")), None)
    pj = next((v for k, v in by.items() if k.startswith("pure JS")), None)
    print(f"\n- bindings-node / sodium-native: {ratio(bn, so)} (target >= 3.5x)")
    print(f"- bindings-node / node:crypto: {ratio(bn, nc)} (target >= 7x)")
    print(f"- bindings-wasm / pure JS: {ratio(bw, pj)}")
    print("\nTiny call (money add), Node:\n")
    for t in node1["tiny"]:
        print(f"- {t['name']}: {t['ns_per_call']} ns/call")
py = load("python-100k.json")
if py:
    print(f"\nPython at {py['records']} records, median of repeats; outcomes identical: {py['identical']}\n")
    print("| pipeline | records/s | outcome |")
    print("| --- | ---: | --- |")
    by = {}
    for p in py["pipelines"]:
        by[p["name"]] = p["records_per_s"]
        print(f"| {p['name']} | {fmt(p['records_per_s'])} | `{json.dumps(p['outcome'], separators=(',', ':'))}` |")
    nat = next((v for k, v in by.items() if "bindings-python" in k), None)
    nacl = next((v for k, v in by.items() if k.startswith("PyNaCl")), None)
    print(f"\n- bindings-python / PyNaCl + decimal: {ratio(nat, nacl)} (target >= 3.5x)")
    print(f"- festival-core core (Rust, `bench_reconcile`) / PyNaCl + decimal: {ratio(rust_100k, nacl)}")
    print("\nTiny call (money add), Python:\n")
    for t in py["tiny"]:
        print(f"- {t['name']}: {t['ns_per_call']} ns/call")

# 6. wasm size.
w = kv(os.path.join(OUT, "wasm-size.txt"))
if w:
    gz = int(w["wasm_opt_gzip9_bytes"])
    print("\n### wasm size (release, wasm-bindgen, wasm-opt -Oz from npm binaryen)\n")
    print(f"- cargo release .wasm: {int(w['wasm_cargo_release_bytes']):,} bytes")
    print(f"- after wasm-bindgen + wasm-opt: {int(w['wasm_opt_bytes']):,} bytes raw, {gz:,} bytes gzip -9 "
          f"({gz / 1024:.0f} KiB; target <= 250 KB: {'met' if gz <= 250_000 else 'MISSED'}) ({w.get('wasm_opt_version', '')})")
