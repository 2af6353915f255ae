//! Total, bounds-checked binary reading and writing shared by every offline codec.
//!
//! Integers are big-endian with fixed widths, so every value has exactly one encoding; every read
//! checks the remaining length and returns an error instead of panicking.

use super::OfflineError;
use uuid::Uuid;

/// A cursor over untrusted bytes. Every method is total.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }

    pub(crate) fn err(&self, reason: impl Into<String>) -> OfflineError {
        OfflineError::Malformed { what: self.what.to_string(), offset: self.pos as u64, reason: reason.into() }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], OfflineError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.err("length overflow"))?;
        let out = self.buf.get(self.pos..end).ok_or_else(|| self.err(format!("truncated: needs {n} more bytes")))?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], OfflineError> {
        let s = self.bytes(N)?;
        <[u8; N]>::try_from(s).map_err(|_| self.err("truncated"))
    }

    pub(crate) fn u8(&mut self) -> Result<u8, OfflineError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, OfflineError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, OfflineError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, OfflineError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub(crate) fn uuid(&mut self) -> Result<Uuid, OfflineError> {
        Ok(Uuid::from_bytes(self.array()?))
    }

    /// A timestamp stored as u64 milliseconds, checked to lie in the `Timestamp` range.
    pub(crate) fn timestamp(&mut self) -> Result<crate::Timestamp, OfflineError> {
        let ms = self.u64()?;
        let ms = i64::try_from(ms).map_err(|_| self.err("timestamp out of range"))?;
        crate::Timestamp::from_unix_millis(ms).map_err(|_| self.err("timestamp out of range"))
    }

    /// Expects the exact magic bytes and version.
    /// Reads `magic` and a version byte that must be one of `versions`; returns the version.
    pub(crate) fn header_any(&mut self, magic: &[u8; 3], versions: &[u8]) -> Result<u8, OfflineError> {
        let m = self.array::<3>()?;
        if &m != magic {
            return Err(self.err("bad magic"));
        }
        let v = self.u8()?;
        if !versions.contains(&v) {
            return Err(self.err(format!("unsupported version {v}")));
        }
        Ok(v)
    }

    pub(crate) fn header(&mut self, magic: &[u8; 3], version: u8) -> Result<(), OfflineError> {
        let m = self.array::<3>()?;
        if &m != magic {
            return Err(self.err("bad magic"));
        }
        let v = self.u8()?;
        if v != version {
            return Err(self.err(format!("unsupported version {v}")));
        }
        Ok(())
    }

    /// Errors unless every byte was consumed (one encoding per value: no trailing bytes).
    pub(crate) fn finish(&self) -> Result<(), OfflineError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(self.err(format!("{} trailing bytes", self.remaining())))
        }
    }
}

/// Appends fixed-width big-endian values.
pub(crate) trait Writer {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u32(&mut self, v: u32);
    fn put_u64(&mut self, v: u64);
    fn put_uuid(&mut self, v: &Uuid);
    fn put_timestamp(&mut self, t: crate::Timestamp);
}

impl Writer for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_uuid(&mut self, v: &Uuid) {
        self.extend_from_slice(v.as_bytes());
    }
    fn put_timestamp(&mut self, t: crate::Timestamp) {
        // Timestamps are never negative (1970..9999), so the cast is lossless.
        self.put_u64(t.unix_millis().max(0) as u64);
    }
}

/// SHA-256 of `parts` concatenated.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}
