//! Offer filters: "do not offer these resources on this agent to this framework
//! (under this role) again until then". Declines in one batch refuse the same
//! resources until the same time, so an agent keeps its filters as groups
//! (role, refused resources, expiry) with a set of frameworks each. Mesos' own
//! benchmark (every offer declined forever, 50,000 agents × 6,000 frameworks)
//! then costs one bit per framework per agent instead of a filter object each.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::resources::{Resources, RoleIdx};

pub type FwIdx = u32;

/// A set of framework indices: a short sorted list, or a bitmap once it grows.
#[derive(Clone, Debug)]
pub enum FwSet {
    Small(SmallVec<[FwIdx; 4]>),
    Bits { words: Vec<u64>, len: u32 },
}

const SMALL_MAX: usize = 32;

impl Default for FwSet {
    fn default() -> Self {
        FwSet::Small(SmallVec::new())
    }
}

impl FwSet {
    #[inline]
    pub fn contains(&self, fw: FwIdx) -> bool {
        match self {
            FwSet::Small(v) => v.binary_search(&fw).is_ok(),
            FwSet::Bits { words, .. } => words.get((fw / 64) as usize).is_some_and(|w| w & (1 << (fw % 64)) != 0),
        }
    }

    /// Adds `fw`; false if it was there.
    pub fn insert(&mut self, fw: FwIdx) -> bool {
        match self {
            FwSet::Small(v) => match v.binary_search(&fw) {
                Ok(_) => false,
                Err(i) => {
                    v.insert(i, fw);
                    if v.len() > SMALL_MAX {
                        let mut bits = FwSet::Bits { words: Vec::new(), len: 0 };
                        for &f in v.iter() {
                            bits.insert(f);
                        }
                        *self = bits;
                    }
                    true
                }
            },
            FwSet::Bits { words, len } => {
                let w = (fw / 64) as usize;
                if w >= words.len() {
                    words.resize(w + 1, 0);
                }
                let bit = 1 << (fw % 64);
                if words[w] & bit != 0 {
                    return false;
                }
                words[w] |= bit;
                *len += 1;
                true
            }
        }
    }

    pub fn remove(&mut self, fw: FwIdx) -> bool {
        match self {
            FwSet::Small(v) => match v.binary_search(&fw) {
                Ok(i) => {
                    v.remove(i);
                    true
                }
                Err(_) => false,
            },
            FwSet::Bits { words, len } => {
                let w = (fw / 64) as usize;
                let bit = 1 << (fw % 64);
                match words.get_mut(w) {
                    Some(word) if *word & bit != 0 => {
                        *word &= !bit;
                        *len -= 1;
                        true
                    }
                    _ => false,
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            FwSet::Small(v) => v.len(),
            FwSet::Bits { len, .. } => *len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug)]
pub struct FilterGroup {
    pub role: RoleIdx,
    pub refused: Arc<Resources>,
    /// The content generation of `refused` (Agent::free_gen) when it was an
    /// offer of all that was free, else 0: while the agent's free resources
    /// carry the same generation, they are exactly what was refused.
    pub gen: u64,
    /// Milliseconds; `f64::INFINITY` for "forever".
    pub expires_at: f64,
    pub frameworks: FwSet,
}

/// The filters on one agent.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub groups: Vec<FilterGroup>,
}

impl Filters {
    /// Records that `fw` refuses `refused` under `role` until `expires_at`.
    /// Returns true when this added a filter (not a repeat of an existing one).
    pub fn add(&mut self, fw: FwIdx, role: RoleIdx, refused: &Resources, gen: u64, expires_at: f64) -> bool {
        let same = |g: &FilterGroup| (gen != 0 && g.gen == gen) || *g.refused == *refused;
        if let Some(g) = self.groups.iter_mut().find(|g| g.role == role && g.expires_at == expires_at && same(g)) {
            return g.frameworks.insert(fw);
        }
        let mut frameworks = FwSet::default();
        frameworks.insert(fw);
        self.groups.push(FilterGroup { role, refused: Arc::new(refused.clone()), gen, expires_at, frameworks });
        true
    }

    /// Drops the filters of `fw` (for the given roles, or all); returns how many.
    pub fn remove_framework(&mut self, fw: FwIdx, roles: Option<&[RoleIdx]>) -> usize {
        let mut removed = 0;
        for g in &mut self.groups {
            if roles.is_none_or(|rs| rs.contains(&g.role)) && g.frameworks.remove(fw) {
                removed += 1;
            }
        }
        self.groups.retain(|g| !g.frameworks.is_empty());
        removed
    }

    /// Drops expired groups; returns how many filters went.
    pub fn purge_expired(&mut self, now: f64) -> usize {
        let mut removed = 0;
        self.groups.retain(|g| {
            let keep = g.expires_at > now;
            if !keep {
                removed += g.frameworks.len();
            }
            keep
        });
        removed
    }

    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.frameworks.len()).sum()
    }

    pub fn clear(&mut self) {
        self.groups.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_switch_to_bits_and_stay_exact() {
        let mut s = FwSet::default();
        for f in (0..200).rev().step_by(3) {
            assert!(s.insert(f));
        }
        assert!(matches!(s, FwSet::Bits { .. }));
        assert_eq!(s.len(), 67);
        assert!(s.contains(199) && !s.contains(198));
        assert!(!s.insert(199));
        assert!(s.remove(199) && !s.contains(199));
        assert_eq!(s.len(), 66);
    }

    #[test]
    fn same_refusal_shares_a_group() {
        let mut f = Filters::default();
        let r = Resources::new();
        assert!(f.add(1, 5, &r, 0, f64::INFINITY));
        assert!(f.add(2, 5, &r, 7, f64::INFINITY));
        assert!(!f.add(2, 5, &r, 0, f64::INFINITY));
        assert!(f.add(2, 5, &r, 0, 10.0));
        assert_eq!(f.groups.len(), 2);
        assert_eq!(f.count(), 3);
        assert_eq!(f.purge_expired(10.0), 1);
        assert_eq!(f.remove_framework(1, None), 1);
        assert_eq!(f.count(), 1);
    }
}
