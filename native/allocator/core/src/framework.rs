//! Frameworks: their roles (subscribed, suppressed, allocation in each), their
//! capabilities, minimum allocatable resources and offer constraints.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::constraints::ConstraintGroups;
use crate::error::{err, ErrorCode, Result};
use crate::filters::FwIdx;
use crate::quantities::Quantities;
use crate::ranks::{NameRanks, Relabeled};
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
    /// The framework's flags when it joined the role's candidates (what the
    /// role's candidate counts were incremented by).
    pub counted: u8,
    pub min_allocatable: Option<Arc<Vec<Quantities>>>,
    pub constraints: Option<Arc<ConstraintGroups>>,
}

/// What a scan needs to know of a framework without reading it: candidates
/// with neither constraints nor their own minimums in any role are "plain",
/// and a scan judges them from these bits and the agent alone.
pub const FLAG_SPECIAL: u8 = 1;
pub const FLAG_GPU: u8 = 2;
pub const FLAG_REVOCABLE: u8 = 4;

#[derive(Clone, Debug)]
pub struct Framework {
    pub id: Arc<str>,
    /// The id's rank among framework ids (the DRF tie-break).
    pub rank: u64,
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

    pub fn flags(&self) -> u8 {
        let special = self.roles.iter().any(|fr| fr.constraints.is_some() || fr.min_allocatable.is_some());
        (special as u8 * FLAG_SPECIAL) | (self.capabilities.gpu() as u8 * FLAG_GPU) | (self.capabilities.revocable() as u8 * FLAG_REVOCABLE)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Frameworks {
    slots: Vec<Option<Framework>>,
    vacant: Vec<FwIdx>,
    by_id: HashMap<Arc<str>, FwIdx>,
    /// [`Framework::flags`] by index, dense for the scan's inner loop.
    flags: Vec<u8>,
    pub ranks: NameRanks,
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

    /// Adds a framework, giving it a rank; `Relabeled::Yes` means every
    /// framework's rank changed and the caller must re-key them.
    pub fn insert(&mut self, mut fw: Framework) -> (FwIdx, Relabeled) {
        let id = fw.id.clone();
        let relabeled = self.ranks.insert(&id);
        fw.rank = self.ranks.get(&id);
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
        if self.flags.len() <= idx as usize {
            self.flags.resize(idx as usize + 1, 0);
        }
        self.refresh_flags(idx);
        (idx, relabeled)
    }

    #[inline]
    pub fn flags(&self, f: FwIdx) -> u8 {
        self.flags[f as usize]
    }

    pub fn refresh_flags(&mut self, f: FwIdx) {
        self.flags[f as usize] = self.get(f).flags();
    }

    pub fn remove(&mut self, f: FwIdx) -> Framework {
        let fw = self.slots[f as usize].take().expect("live framework index");
        self.by_id.remove(&fw.id);
        self.ranks.remove(&fw.id);
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
