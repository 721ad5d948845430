//! Resource names, interned to small integers. A name is scalar or ranges for its
//! whole life: `cpus`, `mem`, `disk`, `gpus` are scalar and `ports` ranges from the
//! start; any other name takes the kind of its first use.
//!
//! Interning must not change state when the call that introduces a name fails,
//! so callers resolve names through a [`NameDraft`] and commit it only once the
//! whole call has been validated.

use rustc_hash::FxHashMap as HashMap;

use crate::error::{err, ErrorCode, Result};

pub type NameId = u16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Ranges,
}

pub const CPUS: NameId = 0;
pub const MEM: NameId = 1;
pub const DISK: NameId = 2;
pub const GPUS: NameId = 3;
pub const PORTS: NameId = 4;

#[derive(Clone, Debug)]
pub struct Names {
    names: Vec<Box<str>>,
    kinds: Vec<Kind>,
    by_name: HashMap<Box<str>, NameId>,
    /// The scalar names, kept for share computations that walk only those.
    scalars: Vec<NameId>,
}

impl Default for Names {
    fn default() -> Self {
        let mut names = Names { names: vec![], kinds: vec![], by_name: HashMap::default(), scalars: vec![] };
        for (name, kind) in [
            ("cpus", Kind::Scalar),
            ("mem", Kind::Scalar),
            ("disk", Kind::Scalar),
            ("gpus", Kind::Scalar),
            ("ports", Kind::Ranges),
        ] {
            names.push(name, kind);
        }
        names
    }
}

impl Names {
    fn push(&mut self, name: &str, kind: Kind) -> NameId {
        let id = self.names.len() as NameId;
        self.names.push(name.into());
        self.kinds.push(kind);
        self.by_name.insert(name.into(), id);
        if kind == Kind::Scalar {
            self.scalars.push(id);
        }
        id
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, id: NameId) -> &str {
        &self.names[id as usize]
    }

    pub fn kind(&self, id: NameId) -> Kind {
        self.kinds[id as usize]
    }

    pub fn get(&self, name: &str) -> Option<NameId> {
        self.by_name.get(name).copied()
    }

    pub fn scalars(&self) -> &[NameId] {
        &self.scalars
    }

    /// Starts resolving names for one call.
    pub fn draft(&self) -> NameDraft<'_> {
        NameDraft { names: self, pending: Vec::new() }
    }

    /// Adds the names a successful call introduced.
    pub fn commit(&mut self, pending: Vec<(Box<str>, Kind)>) {
        for (name, kind) in pending {
            if self.get(&name).is_none() {
                self.push(&name, kind);
            }
        }
    }
}

/// Name resolution for one call: new names get provisional ids (in order after
/// the committed ones) that become real on [`Names::commit`].
pub struct NameDraft<'a> {
    names: &'a Names,
    pending: Vec<(Box<str>, Kind)>,
}

const MAX_NAMES: usize = 4096;

impl NameDraft<'_> {
    pub fn resolve(&mut self, name: &str, kind: Kind, field: &str) -> Result<NameId> {
        check_resource_name(name, field)?;
        if let Some(id) = self.names.get(name) {
            let known = self.names.kind(id);
            if known != kind {
                return Err(err(
                    ErrorCode::InvalidResource,
                    format!("{field}: '{name}' is a {} resource, not {}", kind_text(known), kind_text(kind)),
                ));
            }
            return Ok(id);
        }
        if let Some(pos) = self.pending.iter().position(|(n, _)| &**n == name) {
            let known = self.pending[pos].1;
            if known != kind {
                return Err(err(
                    ErrorCode::InvalidResource,
                    format!("{field}: '{name}' is used both as a {} and as a {} resource", kind_text(known), kind_text(kind)),
                ));
            }
            return Ok((self.names.len() + pos) as NameId);
        }
        if self.names.len() + self.pending.len() >= MAX_NAMES {
            return Err(err(ErrorCode::InvalidResource, format!("{field}: too many distinct resource names (at most {MAX_NAMES})")));
        }
        self.pending.push((name.into(), kind));
        Ok((self.names.len() + self.pending.len() - 1) as NameId)
    }

    /// Resolves a name whose kind the caller does not know (quota, placement):
    /// an unknown name is taken to be scalar.
    pub fn resolve_any(&mut self, name: &str, field: &str) -> Result<(NameId, Kind)> {
        if let Some(id) = self.names.get(name) {
            return Ok((id, self.names.kind(id)));
        }
        if let Some(pos) = self.pending.iter().position(|(n, _)| &**n == name) {
            return Ok(((self.names.len() + pos) as NameId, self.pending[pos].1));
        }
        Ok((self.resolve(name, Kind::Scalar, field)?, Kind::Scalar))
    }

    pub fn into_pending(self) -> Vec<(Box<str>, Kind)> {
        self.pending
    }
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Scalar => "scalar",
        Kind::Ranges => "ranges",
    }
}

pub fn check_resource_name(name: &str, field: &str) -> Result<()> {
    if name.is_empty() || name.len() > 64 {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: a resource name has 1 to 64 characters (got {})", name.len())));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.' || *c == '-')) {
        return Err(err(
            ErrorCode::InvalidResource,
            format!("{field}: resource name '{}' has the character {c:?}; use letters, digits, '_', '.' and '-'", name.escape_debug()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_are_fixed() {
        let names = Names::default();
        let mut draft = names.draft();
        assert_eq!(draft.resolve("cpus", Kind::Scalar, "r").unwrap(), CPUS);
        let e = draft.resolve("ports", Kind::Scalar, "r").unwrap_err();
        assert_eq!(e.message, "r: 'ports' is a ranges resource, not scalar");
    }

    #[test]
    fn new_names_wait_for_commit() {
        let mut names = Names::default();
        let mut draft = names.draft();
        let fpga = draft.resolve("fpga", Kind::Scalar, "r").unwrap();
        assert_eq!(fpga, 5);
        assert!(draft.resolve("fpga", Kind::Ranges, "r").is_err());
        let pending = draft.into_pending();
        assert_eq!(names.get("fpga"), None);
        names.commit(pending);
        assert_eq!(names.get("fpga"), Some(5));
        assert_eq!(names.scalars(), &[0, 1, 2, 3, 5]);
    }
}
