//! Checks caller input (crate::spec) and turns it into domain values. Nothing
//! here changes observable state: new resource names stay in the draft until the
//! caller commits it, and roles only come into being (every valid role exists
//! implicitly anyway).

use crate::constraints::{Attribute, AttributeValue};
use crate::error::{err, ErrorCode, Result};
use crate::ids::check_role;
use crate::names::{check_resource_name, Kind, NameDraft, NameId, GPUS};
use crate::quantities::Quantities;
use crate::ranges::RangeSet;
use crate::resources::{Entry, Resources, RoleIdx, Value};
use crate::roles::Roles;
use crate::spec::{AttributeSpec, QuantitiesSpec, ResourceSpec, ResourcesSpec};
use crate::units::{milli_text, to_milli, to_range_bound};

pub struct Converter<'a> {
    pub names: NameDraft<'a>,
    pub roles: &'a mut Roles,
}

impl Converter<'_> {
    pub fn role(&mut self, name: &str, field: &str) -> Result<RoleIdx> {
        check_role(name, field)?;
        Ok(self.roles.ensure(name))
    }

    pub fn resources(&mut self, spec: &ResourcesSpec, field: &str) -> Result<Resources> {
        let parsed;
        let list = match spec {
            ResourcesSpec::List(list) => list,
            ResourcesSpec::Text(text) => {
                parsed = crate::parse::parse_resources(text, field)?;
                &parsed
            }
        };
        let mut out = Resources::new();
        for (i, r) in list.iter().enumerate() {
            let entry = self.resource(r, &format!("{field}[{i}]"))?;
            // Two items may add up to one scalar, but may not both claim a port.
            if let (Value::Ranges(mine), Some(Entry { value: Value::Ranges(theirs), .. })) =
                (&entry.value, out.find(entry.name, entry.reservation, entry.revocable))
            {
                if !theirs.difference(mine).eq(theirs) {
                    return Err(err(ErrorCode::InvalidResource, format!("{field}[{i}].ranges: overlap ranges given earlier in {field}")));
                }
            }
            out.push(entry);
        }
        Ok(out)
    }

    fn resource(&mut self, r: &ResourceSpec, field: &str) -> Result<Entry> {
        let kind = match (&r.scalar, &r.ranges) {
            (Some(_), None) => Kind::Scalar,
            (None, Some(_)) => Kind::Ranges,
            (Some(_), Some(_)) => {
                return Err(err(ErrorCode::InvalidResource, format!("{field}: give either scalar or ranges, not both")))
            }
            (None, None) => return Err(err(ErrorCode::InvalidResource, format!("{field}: needs a scalar or ranges"))),
        };
        let name = self.names.resolve(&r.name, kind, &format!("{field}.name"))?;
        let value = match (&r.scalar, &r.ranges) {
            (Some(v), _) => {
                let milli = to_milli(*v, &format!("{field}.scalar"))?;
                if name == GPUS && milli % 1000 != 0 {
                    return Err(err(ErrorCode::InvalidResource, format!("{field}.scalar: gpus come whole (got {v})")));
                }
                Value::Scalar(milli)
            }
            (_, Some(ranges)) => Value::Ranges(self.ranges(ranges, &format!("{field}.ranges"))?),
            _ => unreachable!("checked above"),
        };
        let reservation = match r.reservation.as_deref() {
            None | Some("*") => None,
            Some(role) => Some(self.role(role, &format!("{field}.reservation"))?),
        };
        if reservation.is_some() && r.revocable {
            return Err(err(ErrorCode::InvalidResource, format!("{field}: revocable resources cannot be reserved")));
        }
        Ok(Entry { name, reservation, revocable: r.revocable, value })
    }

    fn ranges(&self, ranges: &[(f64, f64)], field: &str) -> Result<RangeSet> {
        let mut intervals = Vec::with_capacity(ranges.len());
        for (i, &(b, e)) in ranges.iter().enumerate() {
            let b = to_range_bound(b, &format!("{field}[{i}][0]"))?;
            let e = to_range_bound(e, &format!("{field}[{i}][1]"))?;
            if b > e {
                return Err(err(ErrorCode::InvalidResource, format!("{field}[{i}]: begin {b} is after end {e}")));
            }
            intervals.push((b, e));
        }
        RangeSet::from_intervals(intervals)
            .map_err(|(i, j)| err(ErrorCode::InvalidResource, format!("{field}[{j}]: overlaps {field}[{i}]")))
    }

    /// Quantities by name. `ranges_ok`: whether ranges names (counted in values)
    /// may appear. A bad name or amount is a bad resource.
    pub fn quantities(&mut self, spec: &QuantitiesSpec, field: &str, ranges_ok: bool) -> Result<Quantities> {
        let code = ErrorCode::InvalidResource;
        let mut q = Quantities::default();
        for (name, value) in spec {
            let f = format!("{field}.{name}");
            let (id, kind) = self.names.resolve_any(name, &f).map_err(|e| err(code, e.message))?;
            if kind == Kind::Ranges && !ranges_ok {
                return Err(err(code, format!("{f}: '{name}' is a ranges resource; quota applies to scalar resources")));
            }
            let milli = to_milli(*value, &f).map_err(|e| err(code, e.message))?;
            if kind == Kind::Ranges && milli % 1000 != 0 {
                return Err(err(code, format!("{f}: a count of '{name}' values must be a whole number (got {value})")));
            }
            if id == GPUS && milli % 1000 != 0 {
                return Err(err(code, format!("{f}: gpus come whole (got {value})")));
            }
            q.set(id, if kind == Kind::Ranges { milli / 1000 } else { milli });
        }
        Ok(q)
    }
}

pub fn attributes(spec: &[(String, AttributeSpec)], field: &str) -> Result<Vec<Attribute>> {
    let mut out: Vec<Attribute> = Vec::with_capacity(spec.len());
    for (name, value) in spec {
        let f = format!("{field}.{name}");
        check_resource_name(name, &f).map_err(|e| err(ErrorCode::InvalidArgument, e.message.replace("resource name", "attribute name")))?;
        let (value, text) = match value {
            AttributeSpec::Text(t) => {
                if t.len() > 1024 {
                    return Err(err(ErrorCode::InvalidArgument, format!("{f}: attribute text has at most 1024 bytes")));
                }
                if let Some(c) = t.chars().find(|c| c.is_control()) {
                    return Err(err(ErrorCode::InvalidArgument, format!("{f}: attribute text has the control character {c:?}")));
                }
                (AttributeValue::Text(t.as_str().into()), t.as_str().into())
            }
            AttributeSpec::Scalar(v) => {
                let milli = to_milli(*v, &f).map_err(|e| err(ErrorCode::InvalidArgument, e.message))?;
                (AttributeValue::Scalar(milli), milli_text(milli).into())
            }
        };
        if out.iter().any(|a| *a.name == **name) {
            return Err(err(ErrorCode::InvalidArgument, format!("{f}: attribute given twice")));
        }
        out.push(Attribute { name: name.as_str().into(), value, text });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Names of a quantities map, for messages.
pub fn quantity_names(q: &Quantities, names: &crate::names::Names) -> Vec<(NameId, String)> {
    q.iter().map(|(n, _)| (n, names.name(n).to_string())).collect()
}
