//! `uniffi-bindgen`: generates Kotlin and Swift sources from the built `bindings-mobile` library
//! (`cargo run -p uniffi-bindgen -- generate --library target/debug/libbindings_mobile.so --language kotlin --out-dir ...`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
