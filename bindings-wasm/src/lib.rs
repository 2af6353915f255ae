//! bindings-wasm (being built).
