//! A fast hasher for the generator's own lookup tables.
//!
//! The tables are keyed by short names (Python identifiers, proto type names, runtime
//! symbols) and probed several times per RPC, where std's default SipHash, built to resist
//! collision attacks by untrusted keys, took about a tenth of a run. A plugin run is one
//! short process over a request from the user's own build, so the multiply-rotate scheme
//! of rustc's FxHash (as in the `rustc-hash` crate) is enough.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().unwrap()));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the best-mixed bits at the top; hashbrown picks buckets
        // with the low ones, so rotate them down (as rustc-hash 2 does).
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_behave_like_maps() {
        let mut names: FastSet<String> = FastSet::default();
        for i in 0..1000 {
            assert!(names.insert(format!("name_{i}")));
        }
        assert!(names.contains("name_999"));
        assert!(!names.contains("name_1000"));
        let mut counts: FastMap<&str, usize> = FastMap::default();
        *counts.entry("a").or_default() += 2;
        assert_eq!(counts["a"], 2);
    }
}
