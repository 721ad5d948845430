//! Scalar quantities by resource name (dense over interned names): what DRF
//! shares, quota and headroom are computed from.

use smallvec::SmallVec;

use crate::names::NameId;
use crate::units::Milli;

/// Inline for the first eight names (cpus, mem, disk, gpus, ports and three
/// custom ones), which always have a slot, so the quantities a take computes
/// cost no allocation and no resizing.
#[derive(Clone, Debug)]
pub struct Quantities(SmallVec<[Milli; 8]>);

impl Default for Quantities {
    fn default() -> Self {
        Quantities(SmallVec::from_buf([0; 8]))
    }
}

/// Equal when every name has the same amount (missing slots are zero).
impl PartialEq for Quantities {
    fn eq(&self, other: &Self) -> bool {
        let n = self.0.len().max(other.0.len());
        (0..n).all(|i| self.get(i as NameId) == other.get(i as NameId))
    }
}

impl Eq for Quantities {}

impl Quantities {
    pub fn get(&self, name: NameId) -> Milli {
        self.0.get(name as usize).copied().unwrap_or(0)
    }

    pub fn set(&mut self, name: NameId, value: Milli) {
        let i = name as usize;
        if i >= self.0.len() {
            if value == 0 {
                return;
            }
            self.0.resize(i + 1, 0);
        }
        self.0[i] = value;
    }

    pub fn add(&mut self, name: NameId, delta: Milli) {
        let v = self.get(name) + delta;
        self.set(name, v);
    }

    pub fn add_all(&mut self, other: &Quantities) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += *b;
        }
    }

    pub fn sub_all(&mut self, other: &Quantities) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a -= *b;
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0)
    }

    /// True when some entry is above zero.
    pub fn any_positive(&self) -> bool {
        self.0.iter().any(|&v| v > 0)
    }

    /// Non-zero entries, by name id.
    pub fn iter(&self) -> impl Iterator<Item = (NameId, Milli)> + '_ {
        self.0.iter().enumerate().filter(|(_, &v)| v != 0).map(|(i, &v)| (i as NameId, v))
    }

    /// `max(0, self − other)` per name.
    pub fn saturating_sub(&self, other: &Quantities) -> Quantities {
        let mut out = self.clone();
        for (i, v) in out.0.iter_mut().enumerate() {
            *v = (*v - other.get(i as NameId)).max(0);
        }
        out
    }
}

/// Optional upper bounds by name: `None` is unlimited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits(Vec<Option<Milli>>);

impl Limits {
    pub fn get(&self, name: NameId) -> Option<Milli> {
        self.0.get(name as usize).copied().flatten()
    }

    pub fn set(&mut self, name: NameId, value: Option<Milli>) {
        let i = name as usize;
        if i >= self.0.len() {
            if value.is_none() {
                return;
            }
            self.0.resize(i + 1, None);
        }
        self.0[i] = value;
    }

    pub fn is_unlimited(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    pub fn iter(&self) -> impl Iterator<Item = (NameId, Milli)> + '_ {
        self.0.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i as NameId, v)))
    }

    /// Tightens each bound to `min(bound, other's bound)`.
    pub fn tighten(&mut self, name: NameId, bound: Milli) {
        let v = match self.get(name) {
            Some(cur) => cur.min(bound),
            None => bound,
        };
        self.set(name, Some(v));
    }
}
