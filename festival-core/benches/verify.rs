//! The physical limit: raw Ed25519 verification of the pipeline's own records.
//!
//! - `dalek_verify_strict`: ed25519-dalek `verify_strict`, one signature (no extra checks);
//! - `strict_single`: our `StrictPublicKey::verify` (canonical S and strict R pre-checks + `verify_strict`);
//! - `dalek_batch/64`, `dalek_batch/1024`: ed25519-dalek `verify_batch` (the raw batch rate);
//! - `verify_many/64`, `verify_many/1024`: what the pipeline uses (strict single verification per item);
//! - `verify_many_batched/64`, `verify_many_batched/1024`: the batch path (strict pre-checks of `S` and
//!   `R`, including `R`'s prime-order-subgroup check, in front of `verify_batch`).
//!
//! Run: `cargo bench -p festival-core --bench verify`. Throughput is reported in signatures/s.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signature, VerifyingKey};
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::record::Batch;
use std::hint::black_box;
use std::time::Duration;

struct Items {
    keys: Vec<VerifyingKey>,
    strict: Vec<StrictPublicKey>,
    messages: Vec<Vec<u8>>,
    sigs: Vec<[u8; 64]>,
}

/// The first 1024 records of the 100k / 500-device pipeline data set (2 per device, 2 rounds).
fn items() -> Items {
    let data = common::generate(1_000, 500, 2);
    let registry = data.registry();
    let mut it = Items { keys: vec![], strict: vec![], messages: vec![], sigs: vec![] };
    for b in data.all_batches() {
        for rec in Batch::from_bytes(b).expect("batch").records {
            let dev = registry.get(&rec.body().device_id).expect("device");
            it.strict.push(dev.key);
            it.keys.push(VerifyingKey::from_bytes(&dev.key.to_bytes()).expect("key"));
            it.messages.push(rec.signing_input());
            it.sigs.push(*rec.signature());
        }
    }
    // 1000 records; repeat the first ones up to 1024 (distinct signatures are not needed).
    let mut i = 0;
    while it.sigs.len() < 1024 {
        it.strict.push(it.strict[i]);
        it.keys.push(it.keys[i]);
        it.messages.push(it.messages[i].clone());
        it.sigs.push(it.sigs[i]);
        i += 1;
    }
    it
}

fn bench(c: &mut Criterion) {
    let it = items();
    let mut g = c.benchmark_group("ed25519");
    g.sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(1));
    let sig0 = Signature::from_bytes(&it.sigs[0]);
    g.bench_function("dalek_verify_strict", |b| {
        b.iter(|| black_box(it.keys[0].verify_strict(black_box(&it.messages[0]), &sig0)).is_ok())
    });
    g.bench_function("strict_single", |b| {
        b.iter(|| black_box(it.strict[0].verify(black_box(&it.messages[0]), &it.sigs[0])).is_ok())
    });
    for n in [64usize, 1024] {
        g.throughput(Throughput::Elements(n as u64));
        let msgs: Vec<&[u8]> = it.messages[..n].iter().map(|m| m.as_slice()).collect();
        let sigs: Vec<Signature> = it.sigs[..n].iter().map(Signature::from_bytes).collect();
        let keys = &it.keys[..n];
        g.bench_function(format!("dalek_batch/{n}"), |b| {
            b.iter(|| assert!(ed25519_dalek::verify_batch(black_box(&msgs), &sigs, keys).is_ok()))
        });
        let triples: Vec<(StrictPublicKey, &[u8], [u8; 64])> =
            (0..n).map(|i| (it.strict[i], it.messages[i].as_slice(), it.sigs[i])).collect();
        g.bench_function(format!("verify_many/{n}"), |b| {
            b.iter(|| assert!(crypto::verify_many(black_box(&triples)).iter().all(|v| *v)))
        });
        g.bench_function(format!("verify_many_batched/{n}"), |b| {
            b.iter(|| assert!(crypto::verify_many_batched(black_box(&triples)).iter().all(|v| *v)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
