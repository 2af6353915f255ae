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
    """Criterion median in ns, or None if the bench did not run in THIS bench.sh run (stale results
    from an older run stay in target/criterion; machine.txt's start_epoch tells them apart)."""
    p = os.path.join(CRIT, group, name.replace("/", "_"), "new", "estimates.json")
    if not os.path.exists(p) or os.path.getmtime(p) < START:
        return None
    return json.load(open(p))["median"]["point_estimate"]


def criterion_names(group):
    """Bench ids of a group measured in this run, in file-system order (sorted)."""
    d = os.path.join(CRIT, group)
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d) if median_ns(group, n) is not None)


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
START = float(machine.get("start_epoch", "0"))
print("### Machine and run\n")
for k in ("date_utc", "nproc", "cpu", "mem", "kernel", "rustc", "node", "python", "git", "load_at_start", "load_at_end",
          "elapsed_s"):
    print(f"- {k}: {machine.get(k, 'n/a')}")

# 1. The limit.
print("\n### Raw Ed25519 (criterion `verify`, median)\n")
print("| bench | signatures per call | time per call | signatures/s |")
print("| --- | ---: | ---: | ---: |")
rates = {}
for name in criterion_names("ed25519"):
    m = re.search(r"_(\d+)$", name)
    n = int(m.group(1)) if m else 1
    ns = median_ns("ed25519", name)
    rates[name] = n * 1e9 / ns
    print(f"| {name} | {n} | {ns / 1e3:,.1f} µs | {fmt(rates[name])} |")
LIMIT_NAME = "dalek_batch_1024"
limit = rates.get(LIMIT_NAME)
print(f"\nThe limit (issue 8): raw batch verification, `{LIMIT_NAME}` = {fmt(limit)} signatures/s in this run.")

# 2. Pipeline stages.
log = open(os.path.join(OUT, "criterion.log")).read() if os.path.exists(os.path.join(OUT, "criterion.log")) else ""
m = re.search(r"pipeline reference \((\d+) records\): (.*)", log)
n_pipe = int(m.group(1)) if m else None
print(f"\n### Pipeline stages (criterion `pipeline`, {n_pipe} records from 500 devices, median)\n")
if m:
    print(f"Outcome: `{m.group(2)}`\n")
print(f"| stage | seconds | records/s | % of the raw batch-verify rate ({LIMIT_NAME} of the same run) |")
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
def by_name(doc):
    return {p["name"]: p["records_per_s"] for p in doc["pipelines"]} if doc else {}


def find(by, needle):
    return next((v for k, v in by.items() if needle in k), None)


def find_name(by, needle):
    return next((k for k in by if needle in k), needle)


def peer_table(doc, with_core):
    print("| pipeline | records/s | outcome |")
    print("| --- | ---: | --- |")
    for p in doc["pipelines"]:
        print(f"| {p['name']} | {fmt(p['records_per_s'])} | `{json.dumps(p['outcome'], separators=(',', ':'))}` |")
    for p in doc.get("skipped", []):
        print(f"| {p['name']} | n/a | not measured: {p['reason']} |")
    if with_core and rust_100k:
        print(f"| festival-core core (Rust `bench_reconcile` all 1, no binding) | {fmt(rust_100k)} | see the table above |")


print("\n### Peers (same bytes, same outcome required; median of the repeats, interleaved)\n")
node100 = load("node-100k.json")
if node100:
    print(f"Node, {node100['records']:,} records; outcomes identical: {node100['identical']}\n")
    peer_table(node100, True)
    by = by_name(node100)
    bn, bw = find(by, "bindings-node"), find(by, "bindings-wasm")
    so, nc = find(by, "sodium"), find(by, "node:crypto")
    print(f"\n- {find_name(by, 'bindings-node')} / sodium-native + decimal.js: **{ratio(bn, so)}** (target >= 3.5x: "
          f"{'met' if bn and so and bn / so >= 3.5 else 'MISSED'})")
    print(f"- {find_name(by, 'bindings-node')} / node:crypto + decimal.js: **{ratio(bn, nc)}** (target >= 7x: "
          f"{'met' if bn and nc and bn / nc >= 7 else 'MISSED'})")
    print(f"- {find_name(by, 'bindings-wasm')} / sodium-native + decimal.js: {ratio(bw, so)}")
    print(f"- Rust core without a binding / sodium-native + decimal.js: {ratio(rust_100k, so)}; "
          f"bindings-node / Rust core: {pct(bn, rust_100k)}")
node10 = load("node-10k.json")
if node10:
    print(f"\nEvery JS pipeline, {node10['records']:,} records (pure JS is too slow for 100k); outcomes identical: "
          f"{node10['identical']}\n")
    peer_table(node10, False)
    by = by_name(node10)
    bw, pj = find(by, "bindings-wasm"), find(by, "pure JS")
    print(f"\n- {find_name(by, 'bindings-wasm')} / pure JS (@noble/ed25519 + @noble/hashes + decimal.js): **{ratio(bw, pj)}**")
    print(f"- {find_name(by, 'bindings-wasm')} / sodium-native + decimal.js: {ratio(bw, find(by, 'sodium'))}")
py = load("python-100k.json")
if py:
    print(f"\nPython, {py['records']:,} records; outcomes identical: {py['identical']}\n")
    peer_table(py, True)
    by = by_name(py)
    nat, nacl = find(by, "bindings-python"), find(by, "PyNaCl")
    print(f"\n- {find_name(by, 'bindings-python')} / PyNaCl + decimal: **{ratio(nat, nacl)}** (target >= 3.5x: "
          f"{'met' if nat and nacl and nat / nacl >= 3.5 else 'MISSED'})")
    print(f"- Rust core without a binding / PyNaCl + decimal: {ratio(rust_100k, nacl)}; "
          f"bindings-python / Rust core: {pct(nat, rust_100k)}")

# 6. Tiny calls.
print("\n### Per-call overhead of a tiny call (mean over 200,000 calls after 10,000 warm-up calls)\n")
print("| runtime | call | ns/call |")
print("| --- | --- | ---: |")
for label, doc in (("Node", node10 or node100), ("Python", py)):
    for t in (doc or {}).get("tiny", []):
        print(f"| {label} | {t['name']} | {t['ns_per_call']:,} |")

# 7. wasm size.
w = kv(os.path.join(OUT, "wasm-size.txt"))
if w.get("wasm_pkg_gzip9_bytes"):
    gz = int(w["wasm_pkg_gzip9_bytes"])
    cgz = int(w["wasm_conformance_gzip9_bytes"])
    print("\n### wasm size (cargo profile `wasm-release`, wasm-bindgen, wasm-opt -Oz from npm binaryen)\n")
    print("| .wasm | raw bytes | gzip -9 bytes |")
    print("| --- | ---: | ---: |")
    if w.get("wasm_cargo_bytes"):
        print(f"| npm package, cargo output before wasm-bindgen (names section kept) | {int(w['wasm_cargo_bytes']):,} | |")
    print(f"| **npm package** `bindings-wasm/pkg/web/festival_core_bg.wasm` (no `conformanceExecute`) "
          f"| {int(w['wasm_pkg_bytes']):,} | **{gz:,}** |")
    print(f"| test package `bindings-wasm/pkg-conformance/node/festival_core_bg.wasm` (with `conformanceExecute`) "
          f"| {int(w['wasm_conformance_bytes']):,} | {cgz:,} |")
    print(f"\nnpm package: {gz / 1000:.1f} KB gzipped = {100 * gz / 250_000:.0f} % of the 250 KB limit "
          f"(target <= 250 KB: {'met' if gz <= 250_000 else 'MISSED'}); {w.get('wasm_opt_version', '')}, "
          f"{w.get('wasm_bindgen_version', '')}")
