//! Writes the deterministic benchmark data set (signed records in encoded batches) that every
//! pipeline of the benchmark compares on: ours (Rust, bindings) and the peers' (Node, Python).
//!
//! `cargo run --release -p festival-core --example gen_bench_data -- <records> <devices> <out-file>`
//! (see `festival-core/benches/common/mod.rs` for the scenario and the file format).

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_bench_data <records> <devices> <out-file>");
        std::process::exit(2);
    }
    let records: usize = args[1].parse().expect("records");
    let devices: usize = args[2].parse().expect("devices");
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let data = common::generate(records, devices, threads);
    std::fs::write(&args[3], data.to_bytes()).expect("write");
    println!(
        "wrote {} records from {} devices, {} wallets, {} rounds of batches to {}",
        data.records(),
        data.devices.len(),
        data.wallets.len(),
        data.rounds.len(),
        args[3]
    );
}
