//! Canonicalization: RDFC-1.0 and JCS (RFC 8785). (Being written.)
