//! Identifiers and tokens. With `--seed N` every id and token is
//! deterministic; otherwise they come from the OS random source.

use std::sync::Mutex;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A small deterministic generator (SplitMix64), or OS randomness.
pub struct Ids {
    state: Mutex<Option<u64>>,
}

impl Ids {
    pub fn new(seed: Option<u64>) -> Self {
        Ids {
            state: Mutex::new(seed),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let mut g = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match g.as_mut() {
            Some(s) => {
                *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = *s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^ (z >> 31)
            }
            None => {
                let mut b = [0u8; 8];
                // aws-lc's RNG cannot fail short of a broken OS; fall back to time.
                if aws_lc_rs::rand::fill(&mut b).is_err() {
                    let t = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default();
                    b = (t.as_nanos() as u64).to_le_bytes();
                }
                u64::from_le_bytes(b)
            }
        }
    }

    /// `n` random bytes.
    pub fn bytes(&self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }

    /// A random base62 string.
    pub fn base62(&self, len: usize) -> String {
        (0..len)
            .map(|_| BASE62[(self.next_u64() % 62) as usize] as char)
            .collect()
    }

    /// A 27-character id like ConductorOne's and Segment's (KSUID-shaped).
    pub fn id(&self) -> String {
        self.base62(27)
    }

    /// A 22-character id like Segment's workspace and group ids.
    pub fn short_id(&self) -> String {
        self.base62(22)
    }
}
