//! Deterministic pseudo-random numbers (SplitMix64) so a seed reproduces a whole cluster; no global state.

/// A small, fast, seedable generator; quality is ample for picking names, failures and metric noise.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator derived from a seed and a label, so independent streams do not shift each other.
    pub fn derive(seed: u64, label: &str) -> Self {
        Rng::new(seed ^ hash(label))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..bound` (bound 0 yields 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next_u64() % bound }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Lower-case alphanumeric suffix like the ones controllers append (`web-7d9f8c-x2kqp`).
    pub fn suffix(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len).map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char).collect()
    }

    /// An RFC 4122-shaped UUID string.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// SplitMix64's finaliser; also a good stateless hash of a counter.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over a string, for deriving stable per-object seeds from names.
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// A stateless value in `[0, 1)` for (seed, key, step): metric noise that is the same for every reader.
pub fn noise(seed: u64, key: &str, step: i64) -> f64 {
    (mix(seed ^ hash(key) ^ (step as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93)) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_distinct_labels_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(Rng::derive(7, "pods").next_u64(), Rng::derive(7, "nodes").next_u64());
    }

    #[test]
    fn uuid_and_suffix_shapes() {
        let mut r = Rng::new(1);
        let id = r.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        let s = r.suffix(5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!((0..1000).all(|_| r.unit() < 1.0));
    }
}
