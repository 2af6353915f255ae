//! uniffi-bindgen (being built).
