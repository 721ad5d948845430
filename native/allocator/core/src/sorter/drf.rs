//! Weighted DRF: clients in ascending (dominant share / weight, name). The keys
//! live in a B-tree, so a share change costs O(log n) and a scan walks clients in
//! order, stopping at the first taker, instead of sorting everyone per agent.

use std::collections::BTreeSet;

use super::{SortKey, Sorter};
use crate::rng::Rng;

#[derive(Clone, Debug, Default)]
pub struct DrfSorter {
    order: BTreeSet<(SortKey, u32)>,
}

pub struct DrfIter<'a>(std::collections::btree_set::Iter<'a, (SortKey, u32)>);

impl Iterator for DrfIter<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        self.0.next().map(|(_, id)| *id)
    }
}

impl Sorter for DrfSorter {
    type Iter<'a> = DrfIter<'a>;

    fn insert(&mut self, id: u32, key: SortKey, _weight: f64) {
        self.order.insert((key, id));
    }

    fn remove(&mut self, id: u32, key: &SortKey) {
        // A clone of the Arc name is cheap; BTreeSet lookup needs the owned tuple.
        self.order.remove(&(key.clone(), id));
    }

    fn rekey(&mut self, id: u32, old: &SortKey, new: SortKey, _weight: f64) {
        if old.share == new.share && old.name == new.name {
            return;
        }
        self.order.remove(&(old.clone(), id));
        self.order.insert((new, id));
    }

    fn prepare(&mut self, _rng: &mut Rng) {}

    fn iter(&self) -> DrfIter<'_> {
        DrfIter(self.order.iter())
    }

    fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn orders_by_share_then_name() {
        let mut s = DrfSorter::default();
        let (a, b, c): (Arc<str>, Arc<str>, Arc<str>) = ("a".into(), "b".into(), "c".into());
        // shares: a = .05, b = .06, c = .01
        s.insert(0, SortKey::new(0.05, &a), 1.0);
        s.insert(1, SortKey::new(0.06, &b), 1.0);
        s.insert(2, SortKey::new(0.01, &c), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![2, 0, 1]);
        // c is allocated up to .1: a = .05, b = .06, c = .1
        s.rekey(2, &SortKey::new(0.01, &c), SortKey::new(0.1, &c), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        // ties go to the smaller name: a = .06, b = .06
        s.rekey(0, &SortKey::new(0.05, &a), SortKey::new(0.06, &a), 1.0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        s.remove(1, &SortKey::new(0.06, &b));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 2]);
    }
}
