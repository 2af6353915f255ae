//! bindings-python (being built).
