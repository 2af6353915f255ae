//! Signed-record decoder: never panics; whatever decodes re-encodes to the same bytes.
#![no_main]
use festival_core::offline::record::SignedRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rec) = SignedRecord::from_bytes(data) {
        assert_eq!(rec.as_bytes(), data);
        let mut again = rec.body().encode().expect("a decoded body encodes");
        again.extend_from_slice(rec.signature());
        assert_eq!(again, data);
    }
});
