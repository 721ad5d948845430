//! Sets of inclusive integer intervals (port ranges), kept sorted, disjoint and
//! with adjacent intervals merged, so equal sets compare equal.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeSet(Vec<(u64, u64)>, u64);

impl RangeSet {
    /// Builds a set from checked intervals; overlapping input is the caller's
    /// error to report, so this returns the index of the first overlap.
    pub fn from_intervals(mut intervals: Vec<(u64, u64)>) -> Result<RangeSet, (usize, usize)> {
        let mut order: Vec<usize> = (0..intervals.len()).collect();
        order.sort_by_key(|&i| intervals[i]);
        for w in order.windows(2) {
            let (a, b) = (intervals[w[0]], intervals[w[1]]);
            if b.0 <= a.1 {
                return Err((w[0].min(w[1]), w[0].max(w[1])));
            }
        }
        intervals.sort_unstable();
        let mut set = RangeSet(Vec::with_capacity(intervals.len()), 0);
        for (b, e) in intervals {
            set.push_merged(b, e);
        }
        Ok(set)
    }

    pub fn single(begin: u64, end: u64) -> RangeSet {
        RangeSet(vec![(begin, end)], end - begin + 1)
    }

    fn push_merged(&mut self, b: u64, e: u64) {
        if let Some(last) = self.0.last_mut() {
            if b <= last.1.saturating_add(1) {
                if e > last.1 {
                    self.1 += e - last.1;
                    last.1 = e;
                }
                return;
            }
        }
        self.0.push((b, e));
        self.1 += e - b + 1;
    }

    pub fn intervals(&self) -> &[(u64, u64)] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many values the set holds (kept, not counted: scans ask often).
    pub fn count(&self) -> u64 {
        self.1
    }

    pub fn union(&self, other: &RangeSet) -> RangeSet {
        let mut out = RangeSet(Vec::with_capacity(self.0.len() + other.0.len()), 0);
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() || j < other.0.len() {
            let next = if j >= other.0.len() || (i < self.0.len() && self.0[i] <= other.0[j]) {
                i += 1;
                self.0[i - 1]
            } else {
                j += 1;
                other.0[j - 1]
            };
            out.push_merged(next.0, next.1);
        }
        out
    }

    /// True when every value of `other` is in `self`.
    pub fn contains(&self, other: &RangeSet) -> bool {
        let mut i = 0;
        for &(b, e) in &other.0 {
            while i < self.0.len() && self.0[i].1 < b {
                i += 1;
            }
            match self.0.get(i) {
                Some(&(sb, se)) if sb <= b && e <= se => {}
                _ => return false,
            }
        }
        true
    }

    /// `self − other` (values of `other` outside `self` are ignored).
    pub fn difference(&self, other: &RangeSet) -> RangeSet {
        let mut out = RangeSet(Vec::with_capacity(self.0.len() + 1), 0);
        let mut j = 0;
        for &(b, e) in &self.0 {
            while j < other.0.len() && other.0[j].1 < b {
                j += 1;
            }
            let mut cur = b;
            let mut covered_to_end = false;
            let mut k = j;
            while k < other.0.len() && other.0[k].0 <= e {
                let (ob, oe) = other.0[k];
                if ob > cur {
                    out.push_merged(cur, ob - 1);
                }
                if oe >= e {
                    covered_to_end = true;
                    break;
                }
                cur = cur.max(oe + 1);
                k += 1;
            }
            if !covered_to_end && cur <= e {
                out.push_merged(cur, e);
            }
        }
        out
    }

    /// The lowest `count` values of the set.
    pub fn lowest(&self, mut count: u64) -> RangeSet {
        let mut out = RangeSet::default();
        for &(b, e) in &self.0 {
            if count == 0 {
                break;
            }
            let n = (e - b + 1).min(count);
            out.push_merged(b, b + n - 1);
            count -= n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[(u64, u64)]) -> RangeSet {
        RangeSet::from_intervals(v.to_vec()).unwrap()
    }

    #[test]
    fn merges_adjacent_and_rejects_overlap() {
        assert_eq!(set(&[(5, 9), (1, 4)]).intervals(), &[(1, 9)]);
        assert_eq!(RangeSet::from_intervals(vec![(1, 5), (9, 9), (5, 6)]), Err((0, 2)));
    }

    #[test]
    fn arithmetic() {
        let all = set(&[(31000, 32000)]);
        let used = set(&[(31000, 31000), (31010, 31019), (32000, 32000)]);
        assert!(all.contains(&used));
        assert!(!used.contains(&all));
        let free = all.difference(&used);
        assert_eq!(free.intervals(), &[(31001, 31009), (31020, 31999)]);
        assert_eq!(free.count(), 9 + 980);
        assert_eq!(free.union(&used), all);
        assert_eq!(free.lowest(10).intervals(), &[(31001, 31009), (31020, 31020)]);
    }
}
