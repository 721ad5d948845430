//! Frameworks: their roles (subscribed, suppressed, allocation in each), their
//! capabilities, minimum allocatable resources and offer constraints.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::constraints::ConstraintGroups;
use crate::error::{err, ErrorCode, Result};
use crate::filters::FwIdx;
use crate::quantities::Quantities;
use crate::resources::RoleIdx;
use crate::sorter::SortKey;

pub const CAPABILITIES: [&str; 8] = [
    "GPU_RESOURCES",
    "REVOCABLE_RESOURCES",
    "MULTI_ROLE",
    "PARTITION_AWARE",
    "SHARED_RESOURCES",
    "RESERVATION_REFINEMENT",
    "REGION_AWARE",
    "TASK_KILLING_STATE",
];

/// Capabilities as a bit set over [`CAPABILITIES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities(pub u16);

impl Capabilities {
    pub fn parse(list: &[String], field: &str) -> Result<Capabilities> {
        let mut bits = 0u16;
        for (i, c) in list.iter().enumerate() {
            match CAPABILITIES.iter().position(|k| k == c) {
                Some(b) => bits |= 1 << b,
                None => {
                    return Err(err(
                        ErrorCode::InvalidArgument,
                        format!("{field}[{i}]: unknown capability '{c}'; known: {}", CAPABILITIES.join(", ")),
                    ))
                }
            }
        }
        Ok(Capabilities(bits))
    }

    pub fn gpu(self) -> bool {
        self.0 & 1 != 0
    }

    pub fn revocable(self) -> bool {
        self.0 & 2 != 0
    }

    pub fn names(self) -> Vec<&'static str> {
        CAPABILITIES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, c)| *c).collect()
    }
}

/// A framework's standing in one role.
#[derive(Clone, Debug)]
pub struct FrameworkRole {
    pub role: RoleIdx,
    pub subscribed: bool,
    pub suppressed: bool,
    /// Offered + used under this role.
    pub alloc: Quantities,
    /// Its key in the role's framework sorter (share of `alloc`).
    pub key: SortKey,
    pub in_sorter: bool,
    pub min_allocatable: Option<Arc<Vec<Quantities>>>,
    pub constraints: Option<Arc<ConstraintGroups>>,
}

#[derive(Clone, Debug)]
pub struct Framework {
    pub id: Arc<str>,
    /// Stable number of this framework for the JS side; never reused.
    pub handle: u32,
    pub active: bool,
    pub capabilities: Capabilities,
    pub roles: SmallVec<[FrameworkRole; 2]>,
}

impl Framework {
    pub fn role(&self, r: RoleIdx) -> Option<&FrameworkRole> {
        self.roles.iter().find(|fr| fr.role == r)
    }

    pub fn role_mut(&mut self, r: RoleIdx) -> Option<&mut FrameworkRole> {
        self.roles.iter_mut().find(|fr| fr.role == r)
    }

    /// Candidate in a role: active, subscribed, not suppressed.
    pub fn is_candidate(&self, fr: &FrameworkRole) -> bool {
        self.active && fr.subscribed && !fr.suppressed
    }
}

#[derive(Clone, Debug, Default)]
pub struct Frameworks {
    slots: Vec<Option<Framework>>,
    vacant: Vec<FwIdx>,
    by_id: HashMap<Arc<str>, FwIdx>,
    pub next_handle: u32,
}

impl Frameworks {
    pub fn find(&self, id: &str) -> Option<FwIdx> {
        self.by_id.get(id).copied()
    }

    pub fn get(&self, f: FwIdx) -> &Framework {
        self.slots[f as usize].as_ref().expect("live framework index")
    }

    pub fn get_mut(&mut self, f: FwIdx) -> &mut Framework {
        self.slots[f as usize].as_mut().expect("live framework index")
    }

    pub fn insert(&mut self, fw: Framework) -> FwIdx {
        let id = fw.id.clone();
        let idx = match self.vacant.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(fw);
                i
            }
            None => {
                self.slots.push(Some(fw));
                (self.slots.len() - 1) as FwIdx
            }
        };
        self.by_id.insert(id, idx);
        idx
    }

    pub fn remove(&mut self, f: FwIdx) -> Framework {
        let fw = self.slots[f as usize].take().expect("live framework index");
        self.by_id.remove(&fw.id);
        self.vacant.push(f);
        fw
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FwIdx, &Framework)> {
        self.slots.iter().enumerate().filter_map(|(i, f)| f.as_ref().map(|f| (i as FwIdx, f)))
    }
}
