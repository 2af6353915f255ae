//! Batch decoder: never panics; whatever decodes re-encodes to the same bytes.
#![no_main]
use festival_core::offline::record::Batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = Batch::from_bytes(data) {
        assert_eq!(b.to_bytes(), data);
    }
});
