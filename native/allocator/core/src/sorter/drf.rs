//! Weighted DRF: clients in ascending (dominant share / weight, name). The keys
//! live in a B-tree, so a share change costs O(log n) and a scan walks clients in
//! order, stopping at the first taker, instead of sorting everyone per agent.
//!
//! Most role-tree nodes hold a single entry (a role with no siblings, or only
//! itself); those keep it outside the tree, so moving it is free.

use std::collections::BTreeSet;

use super::{SortKey, Sorter};
use crate::rng::Rng;

#[derive(Clone, Debug, Default)]
pub struct DrfSorter {
    /// The only client, when there is exactly one; then `order` is empty.
    one: Option<(SortKey, u32)>,
    order: BTreeSet<(SortKey, u32)>,
}

pub enum DrfIter<'a> {
    One(Option<u32>),
    Tree(std::collections::btree_set::Iter<'a, (SortKey, u32)>),
}

impl Iterator for DrfIter<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self {
            DrfIter::One(id) => id.take(),
            DrfIter::Tree(it) => it.next().map(|(_, id)| *id),
        }
    }
}

impl Sorter for DrfSorter {
    type Iter<'a> = DrfIter<'a>;

    fn insert(&mut self, id: u32, key: SortKey, _weight: f64) {
        if self.one.is_none() && self.order.is_empty() {
            self.one = Some((key, id));
            return;
        }
        if let Some(only) = self.one.take() {
            self.order.insert(only);
        }
        self.order.insert((key, id));
    }

    fn remove(&mut self, id: u32, key: &SortKey) {
        if self.one.as_ref().is_some_and(|(_, only)| *only == id) {
            self.one = None;
            return;
        }
        self.order.remove(&(*key, id));
        if self.order.len() == 1 {
            self.one = self.order.pop_first();
        }
    }

    fn rekey(&mut self, id: u32, old: &SortKey, new: SortKey, _weight: f64) {
        if let Some((key, only)) = &mut self.one {
            if *only == id {
                *key = new;
            }
            return;
        }
        if *old == new {
            return;
        }
        // Only a member moves (the tree holds two or more, so it never
        // empties in between).
        if self.order.remove(&(*old, id)) {
            self.order.insert((new, id));
        }
    }

    fn prepare(&mut self, _rng: &mut Rng) {}

    fn iter(&self) -> DrfIter<'_> {
        match &self.one {
            Some((_, id)) => DrfIter::One(Some(*id)),
            None => DrfIter::Tree(self.order.iter()),
        }
    }

    fn len(&self) -> usize {
        self.order.len() + self.one.is_some() as usize
    }

    fn sole(&self) -> Option<u32> {
        self.one.as_ref().map(|(_, id)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Names a < b < c, as ranks.
    const A: u64 = 1;
    const B: u64 = 2;
    const C: u64 = 3;

    #[test]
    fn orders_by_share_then_name() {
        let mut s = DrfSorter::default();
        // shares: a = .05, b = .06, c = .01
        s.insert(0, SortKey::new(0.05, A), 1.0);
        s.insert(1, SortKey::new(0.06, B), 1.0);
        s.insert(2, SortKey::new(0.01, C), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![2, 0, 1]);
        // c is allocated up to .1: a = .05, b = .06, c = .1
        s.rekey(2, &SortKey::new(0.01, C), SortKey::new(0.1, C), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        // ties go to the smaller name: a = .06, b = .06
        s.rekey(0, &SortKey::new(0.05, A), SortKey::new(0.06, A), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        s.remove(1, &SortKey::new(0.06, B));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 2]);
    }

    #[test]
    fn a_single_client_lives_outside_the_tree() {
        let mut s = DrfSorter::default();
        s.insert(7, SortKey::new(0.5, A), 1.0);
        s.rekey(7, &SortKey::new(0.5, A), SortKey::new(0.9, A), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![7]);
        // A second client moves both into the tree, with a's current key.
        s.insert(8, SortKey::new(0.6, B), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![8, 7]);
        s.remove(8, &SortKey::new(0.6, B));
        assert_eq!((s.len(), s.iter().collect::<Vec<_>>()), (1, vec![7]));
        s.remove(7, &SortKey::new(0.9, A));
        assert_eq!(s.len(), 0);
    }
}
