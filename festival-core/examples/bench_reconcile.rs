//! Reconciles a benchmark data file (from `gen_bench_data`) once and prints records/s, the
//! outcome summary and the process's peak RSS (VmHWM). Outside criterion, for 1M records.
//!
//! `cargo run --release -p festival-core --example bench_reconcile -- <file> <stream|all> [threads] [none|synced|compact]`
//!
//! - `stream`: one `reconcile` call per round (one batch per device); only that round's bytes are
//!   read from the file into memory at a time;
//! - `all`: one `reconcile` call with every batch.
//!
//! - `compare` (feature `parallel`): 1 thread and `threads` threads side by side in this process,
//!   interleaved `[repeats]` times (default 3) on every batch at once, each on a fresh copy of the
//!   state (the copy is not timed); prints the median of each, the ratio, whether reports and states
//!   are equal, and a phase timer of the stages the public API exposes (decode, signatures; the
//!   rest is the chain walk, the total order, the folds, the commit and the report):
//!   `bench_reconcile <file> compare 2 [repeats]`.
//!
//! `threads` > 1 needs the `parallel` feature (`offline::parallel::reconcile_parallel`).
//! `synced` turns on finality by sync (`Finality::all_devices_synced`): after each round the
//! records before the oldest device's last sync become final and leave the merge log (compaction);
//! `compact` is `synced` plus `Finality::compact_ledgers` (final wallet entries folded into each
//! wallet's base); `none` (default) keeps every record's decision revisable, the largest state.
//! Peak RSS includes the input bytes held and the state (wallet ledgers, chain history,
//! accepted-record index), which grow with the number of records by design.

#[path = "../benches/common/mod.rs"]
mod common;

use festival_core::offline::reconcile::{reconcile, Counts, ReconcileReport, ReconcileState};
use festival_core::offline::registry::DeviceRegistry;
use festival_core::Timestamp;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

/// Counts the bytes live on the heap, so the state's own size can be told from the transient
/// structures of a call (peak RSS mixes both, and glibc keeps freed pages).
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged and only adds a counter. This is
// the benchmark binary, not the core (which forbids unsafe code).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn run(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[&[u8]],
    now: Timestamp,
    config: &festival_core::offline::reconcile::ReconcileConfig,
    threads: usize,
) -> ReconcileReport {
    if threads > 1 {
        #[cfg(feature = "parallel")]
        return festival_core::offline::parallel::reconcile_parallel(state, registry, batches, now, config, threads)
            .expect("reconcile");
        #[cfg(not(feature = "parallel"))]
        panic!("threads > 1 needs --features parallel");
    }
    reconcile(state, registry, batches, now, config).expect("reconcile")
}

/// Bytes of the state's JSON, counted without holding it (10M records would need gigabytes).
fn json_size(state: &ReconcileState) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    serde_json::to_writer(&mut c, state).map(|_| c.0).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_reconcile <file> <stream|all> [threads] [none|synced|compact]");
        std::process::exit(2);
    }
    let threads: usize = args.get(3).map(|t| t.parse().expect("threads")).unwrap_or(1);
    let mut file = std::io::BufReader::new(std::fs::File::open(&args[1]).expect("open data file"));
    let (mut data, n_rounds) = common::Dataset::read_header(&mut file);
    let stream = args[2] == "stream";
    if !stream {
        data.rounds = (0..n_rounds).map(|_| common::read_round(&mut file)).collect();
    }
    let registry = data.registry();
    let mut state = data.state();
    let (now, mut config) = (data.now(), data.config());
    let finality = if args[2] == "compare" { "none" } else { args.get(4).map(String::as_str).unwrap_or("none") };
    match finality {
        "none" => {}
        "synced" => config.finality.all_devices_synced = true,
        "compact" => {
            config.finality.all_devices_synced = true;
            config.finality.compact_ledgers = true;
        }
        other => panic!("finality {other}: expected none, synced or compact"),
    }
    let rss_before = common::peak_rss_kib().unwrap_or(0);
    let heap_before = LIVE.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut counts = Counts::default();
    let mut add = |c: Counts| {
        counts.accepted += c.accepted;
        counts.conflict += c.conflict;
        counts.rejected += c.rejected;
        counts.duplicate += c.duplicate;
        counts.pending += c.pending;
    };
    let (mut calls, mut n, mut input_bytes) = (0, 0usize, 0usize);
    if args[2] == "compare" {
        #[cfg(feature = "parallel")]
        compare(&data, &registry, &state, now, &config, threads, args.get(4).map_or(3, |r| r.parse().expect("repeats")));
        #[cfg(not(feature = "parallel"))]
        panic!("compare needs --features parallel");
        return;
    }
    match args[2].as_str() {
        "stream" => {
            // Only one round's bytes are in memory at a time (read from the file, reconciled, dropped).
            for _ in 0..n_rounds {
                let round = common::read_round(&mut file);
                let batches: Vec<&[u8]> = round.iter().map(|b| b.as_slice()).collect();
                let report = run(&mut state, &registry, &batches, now, &config, threads);
                n += report.records.len();
                input_bytes += round.iter().map(|b| b.len()).sum::<usize>();
                add(report.counts);
                calls += 1;
            }
        }
        "all" => {
            n = data.records();
            input_bytes = data.rounds.iter().flatten().map(|b| b.len()).sum::<usize>();
            let batches = data.all_batches();
            let report = run(&mut state, &registry, &batches, now, &config, threads);
            add(report.counts);
            calls += 1;
        }
        other => panic!("mode {other}: expected stream or all"),
    }
    let secs = start.elapsed().as_secs_f64();
    // Everything of the calls is dropped by now: what is still allocated since the start is the
    // state (wallets, chains, final-record index, merge log).
    let state_heap = (LIVE.load(Ordering::Relaxed) - heap_before).max(0) as f64;
    let accepted = counts.accepted.max(1) as f64;
    println!(
        "records={n} mode={} threads={threads} finality={finality} calls={calls} seconds={secs:.3} \
         records_per_s={:.0} peak_rss_mib={:.1} rss_before_mib={:.1} input_mib={:.1} non_final={} \
         state_json_mib={:.1} state_heap_mib={:.1} state_bytes_per_accepted={:.0}",
        args[2],
        n as f64 / secs,
        common::peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        input_bytes as f64 / 1_048_576.0,
        state.non_final_count(),
        json_size(&state) as f64 / 1_048_576.0,
        state_heap / 1_048_576.0,
        state_heap / accepted,
    );
    // Where the state's bytes are: free each part and count what that gives back.
    let mut parts = Vec::new();
    let mut take = |name: &str, free: &mut dyn FnMut()| {
        let before = LIVE.load(Ordering::Relaxed);
        free();
        parts.push(format!("{name}={:.0}", (before - LIVE.load(Ordering::Relaxed)) as f64 / accepted));
    };
    let balance = state.total_balance().amount_string();
    let mut state = state;
    take("wallets", &mut || drop(std::mem::take(&mut state.wallets)));
    take("final_index", &mut || drop(std::mem::take(&mut state.records)));
    take("chains", &mut || drop(std::mem::take(&mut state.chains)));
    let currency = state.currency;
    take("rest", &mut || drop(std::mem::replace(&mut state, ReconcileState::new(common::festival_id(), currency))));
    println!("state bytes per accepted record by part: {}", parts.join(" "));
    println!(
        "outcome accepted={} conflict={} rejected={} duplicate={} pending={} total_balance={}",
        counts.accepted, counts.conflict, counts.rejected, counts.duplicate, counts.pending, balance
    );
}

/// 1 thread vs `threads` threads, interleaved, with a phase timer (see the module doc).
#[cfg(feature = "parallel")]
fn compare(
    data: &common::Dataset,
    registry: &DeviceRegistry,
    state0: &ReconcileState,
    now: Timestamp,
    config: &festival_core::offline::reconcile::ReconcileConfig,
    threads: usize,
    repeats: usize,
) {
    use festival_core::offline::crypto::StrictPublicKey;
    use festival_core::offline::parallel::{decode_batches_parallel, reconcile_parallel, verify_many_parallel};
    let batches = data.all_batches();
    let n = data.records();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut one, mut many) = (Vec::new(), Vec::new());
    let mut identical = true;
    for _ in 0..repeats.max(1) {
        let mut s1 = state0.clone();
        let t = Instant::now();
        let r1 = reconcile(&mut s1, registry, &batches, now, config).expect("reconcile");
        one.push(t.elapsed().as_secs_f64());
        let mut s2 = state0.clone();
        let t = Instant::now();
        let r2 = reconcile_parallel(&mut s2, registry, &batches, now, config, threads).expect("reconcile");
        many.push(t.elapsed().as_secs_f64());
        identical &= r1 == r2 && s1 == s2;
    }
    let (t1, tn) = (median(&mut one), median(&mut many));
    println!(
        "compare records={n} repeats={repeats} 1_thread_s={t1:.3} ({:.0} rec/s) {threads}_threads_s={tn:.3} ({:.0} rec/s) \
         ratio={:.2}x identical={identical}",
        n as f64 / t1,
        n as f64 / tn,
        t1 / tn
    );
    // Phase timer: the stages the public API exposes, on 1 and `threads` threads.
    for t in [1, threads] {
        let start = Instant::now();
        let decoded = decode_batches_parallel(&batches, t);
        let decode_s = start.elapsed().as_secs_f64();
        let records: Vec<_> = decoded.into_iter().flat_map(|b| b.expect("batch").records).collect();
        let triples: Vec<(StrictPublicKey, &[u8], [u8; 64])> = records
            .iter()
            .map(|r| (registry.get(&r.body().device_id).expect("device").key, r.signed_message(), *r.signature()))
            .collect();
        let start = Instant::now();
        let ok = verify_many_parallel(&triples, t).iter().filter(|v| **v).count();
        let sig_s = start.elapsed().as_secs_f64();
        let total = if t == 1 { t1 } else { tn };
        println!(
            "phases threads={t} decode_s={decode_s:.3} signatures_s={sig_s:.3} rest_s={:.3} (of {total:.3}; {ok} valid)",
            total - decode_s - sig_s
        );
    }
}
