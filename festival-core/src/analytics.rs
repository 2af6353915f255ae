//! Analytics over ledgers and sync outcomes (being built: see issue 6).
