//! Signed ticket codes and revocation lists (in progress).
