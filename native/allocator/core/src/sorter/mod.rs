//! Sorters order the clients of one level: the roles under a role-tree node, or
//! the frameworks of a role. The allocator talks to them through [`Sorter`] only,
//! as Mesos' allocator does with its sorter interface, so a policy is one file:
//! [`drf::DrfSorter`] (weighted Dominant Resource Fairness, the default) and
//! [`random::RandomSorter`] (weighted random, as Mesos' random sorter).
//!
//! The caller keeps each client's current [`SortKey`] and hands the old one back
//! when it changes, so sorters need no second index of their clients.

pub mod drf;
pub mod random;

use crate::rng::Rng;

/// A client's position: weighted dominant share, then name. Both are integers:
/// the share's IEEE-754 bits (shares are finite and non-negative, and such
/// doubles order like their bits) and the name's rank (crate::ranks), so keys
/// are small, `Copy` and compare with two integer comparisons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortKey {
    share: u64,
    pub rank: u64,
}

impl SortKey {
    pub fn new(share: f64, rank: u64) -> SortKey {
        debug_assert!(share >= 0.0 && share.is_finite(), "share {share}");
        // `+ 0.0` turns a -0.0 into 0.0, whose bits order first.
        SortKey { share: (share + 0.0).to_bits(), rank }
    }

    pub fn with_share(self, share: f64) -> SortKey {
        SortKey::new(share, self.rank)
    }

    pub fn with_rank(self, rank: u64) -> SortKey {
        SortKey { rank, ..self }
    }

    pub fn share(self) -> f64 {
        f64::from_bits(self.share)
    }
}

/// One level's order. `id`s are the caller's (role or framework indices).
pub trait Sorter {
    type Iter<'a>: Iterator<Item = u32>
    where
        Self: 'a;

    fn insert(&mut self, id: u32, key: SortKey, weight: f64);
    fn remove(&mut self, id: u32, key: &SortKey);
    /// Moves a client whose share or weight changed.
    fn rekey(&mut self, id: u32, old: &SortKey, new: SortKey, weight: f64);
    /// Called before each scan; the random sorter draws a fresh order.
    fn prepare(&mut self, rng: &mut Rng);
    /// Clients in visiting order.
    fn iter(&self) -> Self::Iter<'_>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The only client, if the sorter holds exactly one and orders by key
    /// (its key then orders nothing, and may be brought up to date lazily).
    fn sole(&self) -> Option<u32> {
        None
    }
}

/// The sorter chosen in the allocator's options, dispatched statically.
#[derive(Clone, Debug)]
pub enum AnySorter {
    Drf(drf::DrfSorter),
    Random(random::RandomSorter),
}

impl AnySorter {
    pub fn new(kind: crate::spec::SorterKind) -> AnySorter {
        match kind {
            crate::spec::SorterKind::Drf => AnySorter::Drf(Default::default()),
            crate::spec::SorterKind::Random => AnySorter::Random(Default::default()),
        }
    }
}

pub enum AnyIter<'a> {
    Drf(<drf::DrfSorter as Sorter>::Iter<'a>),
    Random(<random::RandomSorter as Sorter>::Iter<'a>),
}

impl Iterator for AnyIter<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self {
            AnyIter::Drf(it) => it.next(),
            AnyIter::Random(it) => it.next(),
        }
    }
}

impl Sorter for AnySorter {
    type Iter<'a> = AnyIter<'a>;

    fn insert(&mut self, id: u32, key: SortKey, weight: f64) {
        match self {
            AnySorter::Drf(s) => s.insert(id, key, weight),
            AnySorter::Random(s) => s.insert(id, key, weight),
        }
    }
    fn remove(&mut self, id: u32, key: &SortKey) {
        match self {
            AnySorter::Drf(s) => s.remove(id, key),
            AnySorter::Random(s) => s.remove(id, key),
        }
    }
    fn rekey(&mut self, id: u32, old: &SortKey, new: SortKey, weight: f64) {
        match self {
            AnySorter::Drf(s) => s.rekey(id, old, new, weight),
            AnySorter::Random(s) => s.rekey(id, old, new, weight),
        }
    }
    fn prepare(&mut self, rng: &mut Rng) {
        match self {
            AnySorter::Drf(s) => s.prepare(rng),
            AnySorter::Random(s) => s.prepare(rng),
        }
    }
    fn iter(&self) -> AnyIter<'_> {
        match self {
            AnySorter::Drf(s) => AnyIter::Drf(s.iter()),
            AnySorter::Random(s) => AnyIter::Random(s.iter()),
        }
    }
    fn len(&self) -> usize {
        match self {
            AnySorter::Drf(s) => s.len(),
            AnySorter::Random(s) => s.len(),
        }
    }
    fn sole(&self) -> Option<u32> {
        match self {
            AnySorter::Drf(s) => s.sole(),
            AnySorter::Random(_) => None,
        }
    }
}
