//! bindings-node (being built).
