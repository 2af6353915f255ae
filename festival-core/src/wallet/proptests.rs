//! Property tests of the wallet invariants (filled in below).
