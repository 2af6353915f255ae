//! Unit tests of catalogs, basket pricing and signing.
