//! Reconciles a benchmark data file (from `gen_bench_data`) once and prints records/s, the
//! outcome summary and the process's peak RSS (VmHWM). Outside criterion, for 1M records.
//!
//! `cargo run --release -p festival-core --example bench_reconcile -- <file> <stream|all> [threads] [none|synced]`
//!
//! - `stream`: one `reconcile` call per round (one batch per device); only that round's bytes are
//!   read from the file into memory at a time;
//! - `all`: one `reconcile` call with every batch.
//!
//! `threads` > 1 needs the `parallel` feature (`offline::parallel::reconcile_parallel`).
//! `synced` turns on finality by sync (`Finality::all_devices_synced`): after each round the
//! records before the oldest device's last sync become final and leave the merge log (compaction);
//! `none` (default) keeps every record's decision revisable, the largest state.
//! Peak RSS includes the input bytes held and the state (wallet ledgers, chain history,
//! accepted-record index), which grow with the number of records by design.

#[path = "../benches/common/mod.rs"]
mod common;

use festival_core::offline::reconcile::{reconcile, Counts, ReconcileReport, ReconcileState};
use festival_core::offline::registry::DeviceRegistry;
use festival_core::Timestamp;
use std::time::Instant;

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
        eprintln!("usage: bench_reconcile <file> <stream|all> [threads] [none|synced]");
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
    let finality = args.get(4).map(String::as_str).unwrap_or("none");
    match finality {
        "none" => {}
        "synced" => config.finality.all_devices_synced = true,
        other => panic!("finality {other}: expected none or synced"),
    }
    let rss_before = common::peak_rss_kib().unwrap_or(0);
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
    println!(
        "records={n} mode={} threads={threads} finality={finality} calls={calls} seconds={secs:.3} \
         records_per_s={:.0} peak_rss_mib={:.1} rss_before_mib={:.1} input_mib={:.1} non_final={} \
         state_json_mib={:.1}",
        args[2],
        n as f64 / secs,
        common::peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        input_bytes as f64 / 1_048_576.0,
        state.non_final_count(),
        json_size(&state) as f64 / 1_048_576.0,
    );
    println!(
        "outcome accepted={} conflict={} rejected={} duplicate={} pending={} total_balance={}",
        counts.accepted,
        counts.conflict,
        counts.rejected,
        counts.duplicate,
        counts.pending,
        state.total_balance().amount_string()
    );
}
