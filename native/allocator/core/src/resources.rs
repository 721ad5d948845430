//! Resources: scalar amounts and range sets, each optionally reserved to a role
//! and optionally revocable. A [`Resources`] is kept sorted by identity
//! `(name, reservation, revocable)`, merged and without zeros, so that equality,
//! containment and subtraction are single merge walks.

use std::cmp::Ordering;

use crate::names::{Kind, NameId, Names};
use crate::quantities::Quantities;
use crate::ranges::RangeSet;
use crate::units::Milli;

/// Index of a role in the role registry. 0 is the root, never a reservation.
pub type RoleIdx = u32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(Milli),
    Ranges(RangeSet),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: NameId,
    /// The role this resource is statically reserved to; `None` is unreserved.
    pub reservation: Option<RoleIdx>,
    pub revocable: bool,
    pub value: Value,
}

impl Entry {
    pub fn scalar(name: NameId, milli: Milli) -> Entry {
        Entry { name, reservation: None, revocable: false, value: Value::Scalar(milli) }
    }

    pub fn key(&self) -> (NameId, Option<RoleIdx>, bool) {
        (self.name, self.reservation, self.revocable)
    }

    fn is_empty(&self) -> bool {
        match &self.value {
            Value::Scalar(v) => *v == 0,
            Value::Ranges(r) => r.is_empty(),
        }
    }

    /// Scalar amount, or the number of values of a range set.
    pub fn quantity(&self) -> Milli {
        match &self.value {
            Value::Scalar(v) => *v,
            Value::Ranges(r) => r.count() as Milli,
        }
    }

    /// How many intervals a range set has (0 for a scalar).
    pub fn interval_count(&self) -> usize {
        match &self.value {
            Value::Ranges(r) => r.intervals().len(),
            Value::Scalar(_) => 0,
        }
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self.value, Value::Scalar(_))
    }

    /// Unreserved, non-revocable scalars are what quota and headroom count.
    pub fn is_quota_scalar(&self) -> bool {
        self.reservation.is_none() && !self.revocable && self.is_scalar()
    }

    /// True when `self` has at least what `other` (same identity) has.
    fn covers(&self, other: &Entry) -> bool {
        match (&self.value, &other.value) {
            (Value::Scalar(a), Value::Scalar(b)) => a >= b,
            (Value::Ranges(a), Value::Ranges(b)) => a.contains(b),
            _ => false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources(Vec<Entry>);

impl Resources {
    pub fn new() -> Resources {
        Resources(Vec::new())
    }

    /// Builds from entries in any order, merging equal identities.
    pub fn from_entries(entries: Vec<Entry>) -> Resources {
        let mut r = Resources::new();
        for e in entries {
            r.push(e);
        }
        r
    }

    pub fn entries(&self) -> &[Entry] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds one entry, merging with an entry of the same identity.
    pub fn push(&mut self, entry: Entry) {
        if entry.is_empty() {
            return;
        }
        match self.0.binary_search_by(|e| e.key().cmp(&entry.key())) {
            Ok(i) => {
                let cur = &mut self.0[i];
                cur.value = match (&cur.value, entry.value) {
                    (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(a + b),
                    (Value::Ranges(a), Value::Ranges(b)) => Value::Ranges(a.union(&b)),
                    // Kinds are fixed per name, so this cannot happen; keep the
                    // existing value rather than panic.
                    (v, _) => v.clone(),
                };
            }
            Err(i) => self.0.insert(i, entry),
        }
    }

    pub fn add(&mut self, other: &Resources) {
        if self.0.is_empty() {
            self.0 = other.0.clone();
            return;
        }
        for e in &other.0 {
            self.push(e.clone());
        }
    }

    /// `self ⊇ other`.
    pub fn contains(&self, other: &Resources) -> bool {
        let mut i = 0;
        for o in &other.0 {
            while i < self.0.len() && self.0[i].key() < o.key() {
                i += 1;
            }
            match self.0.get(i) {
                Some(s) if s.key() == o.key() && s.covers(o) => {}
                _ => return false,
            }
        }
        true
    }

    /// `self − other`; returns false and leaves `self` as it was unless
    /// `self ⊇ other`.
    pub fn subtract(&mut self, other: &Resources) -> bool {
        if !self.contains(other) {
            return false;
        }
        let mut i = 0;
        for o in &other.0 {
            while self.0[i].key() < o.key() {
                i += 1;
            }
            let cur = &mut self.0[i];
            cur.value = match (&cur.value, &o.value) {
                (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(a - b),
                (Value::Ranges(a), Value::Ranges(b)) => Value::Ranges(a.difference(b)),
                (v, _) => v.clone(),
            };
        }
        self.0.retain(|e| !e.is_empty());
        true
    }

    /// The entry with exactly this identity.
    pub fn find(&self, name: NameId, reservation: Option<RoleIdx>, revocable: bool) -> Option<&Entry> {
        self.0
            .binary_search_by(|e| e.key().cmp(&(name, reservation, revocable)))
            .ok()
            .map(|i| &self.0[i])
    }

    /// Sum over every reservation and revocability of a name's amounts (or
    /// range counts).
    pub fn quantity(&self, name: NameId) -> Milli {
        let start = self.0.partition_point(|e| e.name < name);
        self.0[start..].iter().take_while(|e| e.name == name).map(Entry::quantity).sum()
    }

    /// Adds the scalar quantities of every entry to `q`.
    pub fn add_scalar_quantities(&self, q: &mut Quantities) {
        for e in &self.0 {
            if let Value::Scalar(v) = e.value {
                q.add(e.name, v);
            }
        }
    }

    pub fn scalar_quantities(&self) -> Quantities {
        let mut q = Quantities::default();
        self.add_scalar_quantities(&mut q);
        q
    }

    /// Scalar quantities of all entries, and of the unreserved non-revocable
    /// ones, in one walk.
    pub fn scalar_and_quota_quantities(&self) -> (Quantities, Quantities) {
        let (mut all, mut quota) = (Quantities::default(), Quantities::default());
        for e in &self.0 {
            if let Value::Scalar(v) = e.value {
                all.add(e.name, v);
                if e.reservation.is_none() && !e.revocable {
                    quota.add(e.name, v);
                }
            }
        }
        (all, quota)
    }

    /// Scalar quantities of the unreserved, non-revocable entries only.
    pub fn quota_quantities(&self) -> Quantities {
        let mut q = Quantities::default();
        for e in &self.0 {
            if let (true, Value::Scalar(v)) = (e.is_quota_scalar(), &e.value) {
                q.add(e.name, *v);
            }
        }
        q
    }

    pub fn has_revocable(&self) -> bool {
        self.0.iter().any(|e| e.revocable)
    }

    pub fn has_reserved(&self) -> bool {
        self.0.iter().any(|e| e.reservation.is_some())
    }

    pub fn filter(&self, keep: impl Fn(&Entry) -> bool) -> Resources {
        Resources(self.0.iter().filter(|e| keep(e)).cloned().collect())
    }

    pub fn into_entries(self) -> Vec<Entry> {
        self.0
    }
}

/// Orders entries for output: by name text, unreserved first then by role name,
/// non-revocable first (SEMANTICS.md, "Canonical order").
pub fn canonical_order<'a>(
    names: &Names,
    role_name: impl Fn(RoleIdx) -> &'a str,
    a: &Entry,
    b: &Entry,
) -> Ordering {
    names
        .name(a.name)
        .cmp(names.name(b.name))
        .then_with(|| match (a.reservation, b.reservation) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => role_name(x).cmp(role_name(y)),
        })
        .then_with(|| a.revocable.cmp(&b.revocable))
}

/// True when the name is a ranges name (its quantity counts values).
pub fn is_ranges(names: &Names, name: NameId) -> bool {
    names.kind(name) == Kind::Ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{CPUS, MEM, PORTS};

    fn ports(b: u64, e: u64) -> Entry {
        Entry { name: PORTS, reservation: None, revocable: false, value: Value::Ranges(RangeSet::single(b, e)) }
    }

    #[test]
    fn merges_and_subtracts() {
        let mut total = Resources::from_entries(vec![
            Entry::scalar(MEM, 4096_000),
            Entry::scalar(CPUS, 24_000),
            ports(31000, 32000),
            Entry { name: CPUS, reservation: Some(7), revocable: false, value: Value::Scalar(2_000) },
        ]);
        assert_eq!(total.len(), 4);
        assert_eq!(total.quantity(CPUS), 26_000);
        let used = Resources::from_entries(vec![Entry::scalar(CPUS, 16_000), ports(31000, 31015)]);
        assert!(total.contains(&used));
        assert!(total.subtract(&used));
        assert_eq!(total.quantity(CPUS), 10_000);
        assert_eq!(total.quantity(PORTS), 985);
        // 10 cpus remain, but only 8 of them unreserved.
        assert!(!total.contains(&Resources::from_entries(vec![Entry::scalar(CPUS, 9_000)])));
        let reserved_cpus = Resources::from_entries(vec![Entry { name: CPUS, reservation: Some(7), revocable: false, value: Value::Scalar(3_000) }]);
        assert!(!total.subtract(&reserved_cpus), "only 2 cpus are reserved to role 7");
        assert_eq!(total.quantity(CPUS), 10_000, "a failed subtraction changes nothing");
    }

    #[test]
    fn quota_quantities_skip_reserved_and_revocable() {
        let r = Resources::from_entries(vec![
            Entry::scalar(CPUS, 4_000),
            Entry { name: CPUS, reservation: Some(3), revocable: false, value: Value::Scalar(1_000) },
            Entry { name: CPUS, reservation: None, revocable: true, value: Value::Scalar(2_000) },
        ]);
        assert_eq!(r.quota_quantities().get(CPUS), 4_000);
        assert_eq!(r.scalar_quantities().get(CPUS), 7_000);
    }
}
