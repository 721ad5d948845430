//! Weights and quota (SEMANTICS.md, "Quota").

use super::Allocator;
use crate::error::{err, ErrorCode, Result};
use crate::quantities::{Limits, Quantities};
use crate::resources::RoleIdx;
use crate::roles::{ShareBase, ROOT};
use crate::spec::QuotaSpec;

impl Allocator {
    pub fn set_weights(&mut self, weights: &[(String, f64)]) -> Result<()> {
        self.set_weights_(weights).map_err(|e| e.in_op("setWeights"))
    }

    fn set_weights_(&mut self, weights: &[(String, f64)]) -> Result<()> {
        let (checked, _) = self.converting(|conv| {
            let mut out: Vec<(RoleIdx, f64)> = Vec::with_capacity(weights.len());
            for (role, w) in weights {
                let field = format!("weights.{role}");
                let r = conv.role(role, &field)?;
                if !(w.is_finite() && *w > 0.0 && w.is_normal()) {
                    return Err(err(ErrorCode::InvalidWeight, format!("{field}: a weight is a finite number above zero (got {w})")));
                }
                out.push((r, *w));
            }
            Ok(out)
        })?;
        self.refresh_shares();
        let base = ShareBase { totals: &self.totals, scalars: self.names.scalars() };
        for (r, w) in checked {
            self.roles.set_weight(r, w, &base);
        }
        self.global_version += 1;
        Ok(())
    }

    /// Sets or (with `None`) clears a role's quota.
    pub fn set_quota(&mut self, role: &str, quota: Option<&QuotaSpec>) -> Result<()> {
        self.set_quota_(role, quota).map_err(|e| e.in_op("setQuota"))
    }

    fn set_quota_(&mut self, role: &str, quota: Option<&QuotaSpec>) -> Result<()> {
        if role == "*" {
            if quota.is_none() {
                return Ok(());
            }
            return Err(err(ErrorCode::InvalidQuota, "role: the default role '*' cannot have quota"));
        }
        let empty = QuotaSpec::default();
        let spec = quota.unwrap_or(&empty);
        let ((r, guarantees, limit_q, limit_names), pending) = self.converting(|conv| {
            let r = conv.role(role, "role")?;
            let g = conv.quantities(&spec.guarantees, "guarantees", false)?;
            let l = conv.quantities(&spec.limits, "limits", false)?;
            // A limit of 0 is a limit; remember which names were given.
            let mut names = Vec::new();
            for (name, _) in &spec.limits {
                names.push(conv.names.resolve_any(name, "limits")?.0);
            }
            Ok((r, g, l, names))
        })?;
        let mut limits = Limits::default();
        for n in limit_names {
            limits.set(n, Some(limit_q.get(n)));
        }
        for (n, g) in guarantees.iter() {
            if let Some(l) = limits.get(n) {
                if g > l {
                    return Err(err(
                        ErrorCode::InvalidQuota,
                        format!("guarantees.{0}: {1} is above the limit of {2}", self.names_or_pending(n), g as f64 / 1000.0, l as f64 / 1000.0),
                    ));
                }
            }
        }
        // Guarantees nest: a role's children together are guaranteed no more
        // than the role itself, so headroom is counted at the top level only.
        let role_data = self.roles.get(r);
        let mut children = Quantities::default();
        for &c in &role_data.children {
            children.add_all(&self.roles.get(c).guarantees);
        }
        for (n, v) in children.iter() {
            if v > guarantees.get(n) {
                return Err(err(
                    ErrorCode::InvalidQuota,
                    format!("guarantees: the children of '{role}' are guaranteed {} {}, above the {} given", v as f64 / 1000.0, self.names_or_pending(n), guarantees.get(n) as f64 / 1000.0),
                ));
            }
        }
        let parent = role_data.parent;
        if parent != ROOT {
            let mut siblings = guarantees.clone();
            for &c in &self.roles.get(parent).children {
                if c != r {
                    siblings.add_all(&self.roles.get(c).guarantees);
                }
            }
            let parent_g = &self.roles.get(parent).guarantees;
            for (n, v) in siblings.iter() {
                if v > parent_g.get(n) {
                    return Err(err(
                        ErrorCode::InvalidQuota,
                        format!(
                            "guarantees.{}: '{}' and its siblings would be guaranteed {}, above the {} of their parent '{}'",
                            self.names_or_pending(n),
                            role,
                            v as f64 / 1000.0,
                            parent_g.get(n) as f64 / 1000.0,
                            self.roles.name(parent)
                        ),
                    ));
                }
            }
        }
        self.names.commit(pending);
        self.roles.set_quota(r, guarantees, limits);
        self.global_version += 1;
        Ok(())
    }

    fn names_or_pending(&self, n: crate::names::NameId) -> String {
        if (n as usize) < self.names.len() {
            self.names.name(n).to_string()
        } else {
            format!("#{n}")
        }
    }
}
