//! bindings-mobile (being built).
