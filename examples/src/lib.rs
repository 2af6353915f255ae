//! Holder crate for the runnable examples (see `festival_day.rs`).
