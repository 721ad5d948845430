//! Framework operations: add, update, activate, deactivate, remove, suppress,
//! revive.

use rustc_hash::FxHashSet as HashSet;
use std::sync::Arc;

use smallvec::SmallVec;

use super::Allocator;
use crate::constraints::ConstraintGroups;
use crate::convert::Converter;
use crate::error::{err, ErrorCode, Result};
use crate::filters::FwIdx;
use crate::framework::{Capabilities, Framework, FrameworkRole};
use crate::ids::check_id;
use crate::quantities::Quantities;
use crate::resources::RoleIdx;
use crate::ranks::Relabeled;
use crate::sorter::{SortKey, Sorter};
use crate::spec::{ConstraintGroupsSpec, FrameworkChanges, FrameworkSpec, QuantitiesSpec};

type PerRole<T> = Vec<(RoleIdx, T)>;

/// A framework's role settings, checked.
struct RoleSettings {
    roles: Vec<RoleIdx>,
    suppressed: Vec<RoleIdx>,
    min_allocatable: PerRole<Arc<Vec<Quantities>>>,
    constraints: PerRole<Arc<ConstraintGroups>>,
}

fn role_list(conv: &mut Converter, roles: &[String], field: &str) -> Result<Vec<RoleIdx>> {
    let mut out = Vec::with_capacity(roles.len());
    for (i, r) in roles.iter().enumerate() {
        let idx = conv.role(r, &format!("{field}[{i}]"))?;
        if out.contains(&idx) {
            return Err(err(ErrorCode::InvalidArgument, format!("{field}[{i}]: role '{r}' is listed twice")));
        }
        out.push(idx);
    }
    Ok(out)
}

fn subscribed_role(conv: &mut Converter, roles: &[RoleIdx], role: &str, field: &str) -> Result<RoleIdx> {
    let idx = conv.role(role, field)?;
    if !roles.contains(&idx) {
        return Err(err(ErrorCode::InvalidArgument, format!("{field}: '{role}' is not one of the framework's roles")));
    }
    Ok(idx)
}

fn min_allocatable(conv: &mut Converter, roles: &[RoleIdx], spec: &[(String, Vec<QuantitiesSpec>)]) -> Result<PerRole<Arc<Vec<Quantities>>>> {
    let mut out = Vec::new();
    for (role, sets) in spec {
        let field = format!("minAllocatable.{role}");
        let r = subscribed_role(conv, roles, role, &field)?;
        let mut list = Vec::with_capacity(sets.len());
        for (i, set) in sets.iter().enumerate() {
            list.push(conv.quantities(set, &format!("{field}[{i}]"), true)?);
        }
        out.push((r, Arc::new(list)));
    }
    Ok(out)
}

fn constraints(conv: &mut Converter, roles: &[RoleIdx], spec: &[(String, ConstraintGroupsSpec)]) -> Result<PerRole<Arc<ConstraintGroups>>> {
    let mut out = Vec::new();
    for (role, groups) in spec {
        let field = format!("offerConstraints.{role}");
        let r = subscribed_role(conv, roles, role, &field)?;
        let groups = ConstraintGroups::from_spec(groups, &field)?;
        if !groups.is_empty() {
            out.push((r, Arc::new(groups)));
        }
    }
    Ok(out)
}

fn suppressed(conv: &mut Converter, roles: &[RoleIdx], spec: &[String]) -> Result<Vec<RoleIdx>> {
    let mut out = Vec::new();
    for (i, role) in spec.iter().enumerate() {
        let r = subscribed_role(conv, roles, role, &format!("suppressedRoles[{i}]"))?;
        if !out.contains(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

impl Allocator {
    pub fn add_framework(&mut self, spec: &FrameworkSpec) -> Result<u32> {
        self.add_framework_(spec).map_err(|e| e.in_op("addFramework"))
    }

    fn add_framework_(&mut self, spec: &FrameworkSpec) -> Result<u32> {
        check_id(&spec.id, "id")?;
        if self.frameworks.find(&spec.id).is_some() {
            return Err(err(ErrorCode::DuplicateFramework, format!("id: framework '{}' already exists", spec.id)));
        }
        let capabilities = Capabilities::parse(&spec.capabilities, "capabilities")?;
        let (settings, pending) = self.converting(|conv| {
            let roles = role_list(conv, &spec.roles, "roles")?;
            Ok(RoleSettings {
                suppressed: suppressed(conv, &roles, &spec.suppressed_roles)?,
                min_allocatable: min_allocatable(conv, &roles, &spec.min_allocatable)?,
                constraints: constraints(conv, &roles, &spec.offer_constraints)?,
                roles,
            })
        })?;
        self.names.commit(pending);
        let id: Arc<str> = spec.id.as_str().into();
        let handle = self.frameworks.next_handle;
        self.frameworks.next_handle += 1;
        let fw = Framework { id: id.clone(), rank: 0, handle, active: spec.active, capabilities, roles: SmallVec::new() };
        let (f, relabeled) = self.frameworks.insert(fw);
        if relabeled == Relabeled::Yes {
            self.rerank_frameworks();
        }
        self.apply_role_settings(f, settings);
        self.global_version += 1;
        Ok(handle)
    }

    /// Every framework id's rank changed: moves every framework to its new key.
    fn rerank_frameworks(&mut self) {
        let all: Vec<FwIdx> = self.frameworks.iter().map(|(f, _)| f).collect();
        for f in all {
            let rank = self.frameworks.ranks.get(&self.frameworks.get(f).id);
            let fw = self.frameworks.get_mut(f);
            fw.rank = rank;
            for fr in fw.roles.iter_mut() {
                let new = fr.key.with_rank(rank);
                if fr.in_sorter {
                    self.roles.get_mut(fr.role).frameworks.rekey(f, &fr.key, new, 1.0);
                }
                fr.key = new;
            }
        }
    }

    /// Replaces the framework's role settings and syncs its candidacy.
    fn apply_role_settings(&mut self, f: FwIdx, s: RoleSettings) {
        let fw = self.frameworks.get_mut(f);
        let rank = fw.rank;
        for fr in fw.roles.iter_mut() {
            fr.subscribed = s.roles.contains(&fr.role);
        }
        for &r in &s.roles {
            if fw.role(r).is_none() {
                fw.roles.push(FrameworkRole {
                    role: r,
                    subscribed: true,
                    suppressed: false,
                    alloc: Quantities::default(),
                    key: SortKey::new(0.0, rank),
                    in_sorter: false,
                    counted: 0,
                    min_allocatable: None,
                    constraints: None,
                });
            }
        }
        for fr in fw.roles.iter_mut() {
            fr.suppressed = fr.subscribed && s.suppressed.contains(&fr.role);
            fr.min_allocatable = s.min_allocatable.iter().find(|(r, _)| *r == fr.role).map(|(_, m)| m.clone());
            fr.constraints = s.constraints.iter().find(|(r, _)| *r == fr.role).map(|(_, c)| c.clone());
        }
        self.sync_candidates(f);
        let fw = self.frameworks.get_mut(f);
        fw.roles.retain(|fr| fr.subscribed || !fr.alloc.is_zero());
        self.frameworks.refresh_flags(f);
        self.recount_candidate(f);
    }

    fn framework_idx(&self, id: &str, field: &str) -> Result<FwIdx> {
        self.frameworks
            .find(id)
            .ok_or_else(|| err(ErrorCode::UnknownFramework, format!("{field}: no framework '{id}'")))
    }

    pub fn update_framework(&mut self, id: &str, changes: &FrameworkChanges) -> Result<()> {
        self.update_framework_(id, changes).map_err(|e| e.in_op("updateFramework"))
    }

    fn update_framework_(&mut self, id: &str, changes: &FrameworkChanges) -> Result<()> {
        let f = self.framework_idx(id, "id")?;
        let capabilities = match &changes.capabilities {
            Some(c) => Some(Capabilities::parse(c, "capabilities")?),
            None => None,
        };
        let fw = self.frameworks.get(f);
        let current_roles: Vec<RoleIdx> = fw.roles.iter().filter(|fr| fr.subscribed).map(|fr| fr.role).collect();
        let current_suppressed: Vec<String> =
            fw.roles.iter().filter(|fr| fr.suppressed).map(|fr| self.roles.name(fr.role).to_string()).collect();
        let current_mins: PerRole<Arc<Vec<Quantities>>> =
            fw.roles.iter().filter_map(|fr| fr.min_allocatable.clone().map(|m| (fr.role, m))).collect();
        let current_constraints: PerRole<Arc<ConstraintGroups>> =
            fw.roles.iter().filter_map(|fr| fr.constraints.clone().map(|c| (fr.role, c))).collect();
        let (settings, pending) = self.converting(|conv| {
            let roles = match &changes.roles {
                Some(list) => role_list(conv, list, "roles")?,
                None => current_roles.clone(),
            };
            let suppressed = match &changes.suppressed_roles {
                Some(list) => suppressed(conv, &roles, list)?,
                // Kept for the roles that stay.
                None => current_suppressed.iter().filter_map(|n| conv.roles.find(n)).filter(|r| roles.contains(r)).collect(),
            };
            let min_allocatable = match &changes.min_allocatable {
                Some(spec) => min_allocatable(conv, &roles, spec)?,
                None => current_mins.into_iter().filter(|(r, _)| roles.contains(r)).collect(),
            };
            let constraints = match &changes.offer_constraints {
                Some(spec) => constraints(conv, &roles, spec)?,
                None => current_constraints.into_iter().filter(|(r, _)| roles.contains(r)).collect(),
            };
            Ok(RoleSettings { roles, suppressed, min_allocatable, constraints })
        })?;
        self.names.commit(pending);
        if let Some(c) = capabilities {
            self.frameworks.get_mut(f).capabilities = c;
            self.frameworks.refresh_flags(f);
            self.recount_candidate(f);
        }
        self.apply_role_settings(f, settings);
        self.global_version += 1;
        Ok(())
    }

    pub fn activate_framework(&mut self, id: &str) -> Result<()> {
        self.set_framework_active(id, true).map_err(|e| e.in_op("activateFramework"))
    }

    pub fn deactivate_framework(&mut self, id: &str) -> Result<()> {
        self.set_framework_active(id, false).map_err(|e| e.in_op("deactivateFramework"))
    }

    fn set_framework_active(&mut self, id: &str, active: bool) -> Result<()> {
        let f = self.framework_idx(id, "id")?;
        self.frameworks.get_mut(f).active = active;
        self.sync_candidates(f);
        self.global_version += 1;
        Ok(())
    }

    /// Removes the framework: its offers are rescinded (their ids returned,
    /// ascending), its used resources released, its filters dropped.
    pub fn remove_framework(&mut self, id: &str) -> Result<Vec<u64>> {
        let f = self.framework_idx(id, "id").map_err(|e| e.in_op("removeFramework"))?;
        let mut offer_ids: Vec<u64> = self.offers.values().filter(|o| o.fw == f).map(|o| o.id).collect();
        offer_ids.sort_unstable();
        for &id in &offer_ids {
            self.rescind_one(id);
        }
        let agent_ids: Vec<_> = self.agents.iter().map(|(a, _)| a).collect();
        for a in agent_ids {
            let agent = self.agents.get_mut(a);
            agent.filters.remove_framework(f, None);
            let held: Vec<(RoleIdx, crate::resources::Resources)> =
                agent.used.iter().filter(|u| u.fw == f).map(|u| (u.role, u.resources.clone())).collect();
            if held.is_empty() {
                continue;
            }
            agent.used.retain(|u| u.fw != f);
            for (r, res) in held {
                self.release(a, f, r, &res);
            }
        }
        self.frameworks.get_mut(f).active = false;
        self.sync_candidates(f);
        self.frameworks.remove(f);
        self.global_version += 1;
        Ok(offer_ids)
    }

    /// The given roles, or all subscribed roles; each must be subscribed.
    fn framework_roles(&mut self, f: FwIdx, roles: Option<&[String]>) -> Result<Vec<RoleIdx>> {
        let subscribed: Vec<RoleIdx> = self.frameworks.get(f).roles.iter().filter(|fr| fr.subscribed).map(|fr| fr.role).collect();
        match roles {
            None => Ok(subscribed),
            Some(list) => {
                let (out, _) = self.converting(|conv| {
                    let mut out = Vec::with_capacity(list.len());
                    for (i, r) in list.iter().enumerate() {
                        out.push(subscribed_role(conv, &subscribed, r, &format!("roles[{i}]"))?);
                    }
                    Ok(out)
                })?;
                Ok(out)
            }
        }
    }

    pub fn suppress(&mut self, framework_id: &str, roles: Option<&[String]>) -> Result<()> {
        self.suppress_(framework_id, roles).map_err(|e| e.in_op("suppress"))
    }

    fn suppress_(&mut self, framework_id: &str, roles: Option<&[String]>) -> Result<()> {
        let f = self.framework_idx(framework_id, "frameworkId")?;
        let roles = self.framework_roles(f, roles)?;
        for &r in &roles {
            if let Some(fr) = self.frameworks.get_mut(f).role_mut(r) {
                fr.suppressed = true;
            }
            self.sync_candidate(f, r);
        }
        self.global_version += 1;
        Ok(())
    }

    pub fn revive(&mut self, framework_id: &str, roles: Option<&[String]>) -> Result<()> {
        self.revive_(framework_id, roles).map_err(|e| e.in_op("revive"))
    }

    fn revive_(&mut self, framework_id: &str, roles: Option<&[String]>) -> Result<()> {
        let f = self.framework_idx(framework_id, "frameworkId")?;
        let roles = self.framework_roles(f, roles)?;
        for &r in &roles {
            if let Some(fr) = self.frameworks.get_mut(f).role_mut(r) {
                fr.suppressed = false;
            }
            self.sync_candidate(f, r);
        }
        let role_set: HashSet<RoleIdx> = roles.iter().copied().collect();
        let role_list: Vec<RoleIdx> = role_set.into_iter().collect();
        for (_, agent) in self.agents.iter_mut() {
            if agent.filters.groups.is_empty() {
                continue;
            }
            let removed = agent.filters.remove_framework(f, Some(&role_list));
            if removed > 0 {
                agent.touch();
            }
        }
        self.global_version += 1;
        Ok(())
    }
}
