//! Order-preserving integer labels for names ("order maintenance"): a name's
//! rank compares like the name itself, so sort keys can be two integers instead
//! of a share and a string. New names take the midpoint of their neighbours'
//! ranks (or a fixed step past the last); when a gap runs out, every name is
//! spaced out again and the caller re-keys what it sorted.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};
use std::sync::Arc;

const STEP: u64 = 1 << 32;

#[derive(Clone, Debug, Default)]
pub struct NameRanks {
    ranks: BTreeMap<Arc<str>, u64>,
}

/// Whether every rank changed while inserting.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relabeled {
    No,
    Yes,
}

impl NameRanks {
    pub fn get(&self, name: &str) -> u64 {
        self.ranks.get(name).copied().unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.ranks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranks.is_empty()
    }

    /// Gives `name` a rank between its neighbours'.
    pub fn insert(&mut self, name: &Arc<str>) -> Relabeled {
        if self.ranks.contains_key(&**name) {
            return Relabeled::No;
        }
        let key: &str = name;
        let below = self.ranks.range::<str, _>((Unbounded, Excluded(key))).next_back().map(|(_, &r)| r);
        let above = self.ranks.range::<str, _>((Excluded(key), Unbounded)).next().map(|(_, &r)| r);
        let rank = match (below, above) {
            (None, None) => Some(STEP),
            (Some(lo), None) => lo.checked_add(STEP),
            (lo, Some(hi)) => {
                let lo = lo.unwrap_or(0);
                (hi - lo >= 2).then(|| lo + (hi - lo) / 2)
            }
        };
        match rank {
            Some(r) => {
                self.ranks.insert(name.clone(), r);
                Relabeled::No
            }
            None => {
                self.ranks.insert(name.clone(), 0);
                let spacing = u64::MAX / (self.ranks.len() as u64 + 1);
                for (i, r) in self.ranks.values_mut().enumerate() {
                    *r = spacing * (i as u64 + 1);
                }
                Relabeled::Yes
            }
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.ranks.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_order(r: &NameRanks) {
        let ranks: Vec<u64> = r.ranks.values().copied().collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "ranks follow names: {ranks:?}");
    }

    #[test]
    fn ranks_compare_like_names() {
        let mut r = NameRanks::default();
        for name in ["m", "c", "x", "a", "d", "f10", "f1", "f100"] {
            assert_eq!(r.insert(&Arc::from(name)), Relabeled::No);
        }
        check_order(&r);
        assert!(r.get("f1") < r.get("f10") && r.get("f10") < r.get("f100"));
    }

    #[test]
    fn a_full_gap_relabels_everything_in_order() {
        let mut r = NameRanks::default();
        r.insert(&Arc::from("b")).eq(&Relabeled::No);
        // Squeeze names between "a" and "b" until the gap runs out.
        let mut relabeled = false;
        let mut name = String::from("a");
        for _ in 0..80 {
            name.push('z');
            relabeled |= r.insert(&Arc::from(name.as_str())) == Relabeled::Yes;
        }
        assert!(relabeled, "80 halvings exhaust a 2^32 gap");
        check_order(&r);
    }
}
