//! Offer constraints on agent attributes and hostname (SEMANTICS.md,
//! "Constraints"): predicates AND-ed inside a group, groups OR-ed.

use regex::Regex;

use crate::error::{err, ErrorCode, Result};
use crate::names::check_resource_name;
use crate::spec::{ConstraintGroupsSpec, ConstraintSpec};
use crate::units::Milli;

#[derive(Clone, Debug)]
pub enum AttributeValue {
    Text(Box<str>),
    Scalar(Milli),
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: Box<str>,
    pub value: AttributeValue,
    /// The text predicates compare: the text, or a scalar's canonical decimal.
    pub text: Box<str>,
}

#[derive(Clone, Debug)]
enum Selector {
    Hostname,
    Attribute(Box<str>),
}

#[derive(Clone, Debug)]
enum Predicate {
    Exists,
    NotExists,
    Equals(Box<str>),
    NotEquals(Box<str>),
    Matches(Regex),
    NotMatches(Regex),
}

#[derive(Clone, Debug)]
pub struct Constraint {
    selector: Selector,
    predicate: Predicate,
}

#[derive(Clone, Debug, Default)]
pub struct ConstraintGroups(Vec<Vec<Constraint>>);

const MAX_REGEX_LEN: usize = 1024;

fn compile(pattern: &str, field: &str) -> Result<Regex> {
    if pattern.len() > MAX_REGEX_LEN {
        return Err(err(ErrorCode::InvalidConstraint, format!("{field}: a regex has at most {MAX_REGEX_LEN} bytes")));
    }
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| err(ErrorCode::InvalidConstraint, format!("{field}: invalid regex '{pattern}': {}", e.to_string().lines().last().unwrap_or(""))))
}

impl Constraint {
    pub fn from_spec(spec: &ConstraintSpec, field: &str) -> Result<Constraint> {
        let selector = match (&spec.attribute, spec.hostname) {
            (Some(_), true) => {
                return Err(err(ErrorCode::InvalidConstraint, format!("{field}: give either attribute or hostname, not both")))
            }
            (None, false) => {
                return Err(err(ErrorCode::InvalidConstraint, format!("{field}: needs an attribute name or hostname: true")))
            }
            (Some(name), false) => {
                check_resource_name(name, &format!("{field}.attribute"))
                    .map_err(|e| err(ErrorCode::InvalidConstraint, e.message))?;
                Selector::Attribute(name.as_str().into())
            }
            (None, true) => Selector::Hostname,
        };
        let value = |what: &str| {
            spec.value
                .as_deref()
                .ok_or_else(|| err(ErrorCode::InvalidConstraint, format!("{field}.value: '{}' needs a {what}", spec.op)))
        };
        let predicate = match spec.op.as_str() {
            "exists" => Predicate::Exists,
            "notExists" => Predicate::NotExists,
            "equals" => Predicate::Equals(value("value")?.into()),
            "notEquals" => Predicate::NotEquals(value("value")?.into()),
            "matches" => Predicate::Matches(compile(value("regex")?, &format!("{field}.value"))?),
            "notMatches" => Predicate::NotMatches(compile(value("regex")?, &format!("{field}.value"))?),
            other => {
                return Err(err(
                    ErrorCode::InvalidConstraint,
                    format!("{field}.op: unknown op '{other}'; use exists, notExists, equals, notEquals, matches or notMatches"),
                ))
            }
        };
        Ok(Constraint { selector, predicate })
    }

    fn holds(&self, hostname: &str, attributes: &[Attribute]) -> bool {
        let text = match &self.selector {
            Selector::Hostname => Some(hostname),
            Selector::Attribute(name) => attributes.iter().find(|a| a.name == *name).map(|a| &*a.text),
        };
        match (&self.predicate, text) {
            (Predicate::Exists, t) => t.is_some(),
            (Predicate::NotExists, t) => t.is_none(),
            (Predicate::Equals(v), Some(t)) => t == &**v,
            (Predicate::NotEquals(v), Some(t)) => t != &**v,
            (Predicate::Matches(re), Some(t)) => re.is_match(t),
            (Predicate::NotMatches(re), Some(t)) => !re.is_match(t),
            (Predicate::Equals(_) | Predicate::Matches(_), None) => false,
            (Predicate::NotEquals(_) | Predicate::NotMatches(_), None) => true,
        }
    }
}

impl ConstraintGroups {
    pub fn from_spec(spec: &ConstraintGroupsSpec, field: &str) -> Result<ConstraintGroups> {
        let mut groups = Vec::with_capacity(spec.len());
        for (i, group) in spec.iter().enumerate() {
            let mut out = Vec::with_capacity(group.len());
            for (j, c) in group.iter().enumerate() {
                out.push(Constraint::from_spec(c, &format!("{field}[{i}][{j}]"))?);
            }
            groups.push(out);
        }
        Ok(ConstraintGroups(groups))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An agent satisfies an empty list, or every constraint of some group.
    pub fn holds(&self, hostname: &str, attributes: &[Attribute]) -> bool {
        self.0.is_empty() || self.0.iter().any(|g| g.iter().all(|c| c.holds(hostname, attributes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(attribute: Option<&str>, op: &str, value: Option<&str>) -> ConstraintSpec {
        ConstraintSpec { attribute: attribute.map(Into::into), hostname: attribute.is_none(), op: op.into(), value: value.map(Into::into) }
    }

    fn attr(name: &str, text: &str) -> Attribute {
        Attribute { name: name.into(), value: AttributeValue::Text(text.into()), text: text.into() }
    }

    #[test]
    fn groups_are_or_of_ands() {
        let spec = vec![
            vec![c(Some("rack"), "equals", Some("r1")), c(Some("ssd"), "exists", None)],
            vec![c(None, "matches", Some("gpu-[0-9]+"))],
        ];
        let g = ConstraintGroups::from_spec(&spec, "c").unwrap();
        assert!(g.holds("h1", &[attr("rack", "r1"), attr("ssd", "1")]));
        assert!(!g.holds("h1", &[attr("rack", "r1")]));
        assert!(g.holds("gpu-12", &[]));
        assert!(!g.holds("gpu-12x", &[]), "regexes match the whole text");
    }

    #[test]
    fn missing_attributes() {
        let g = |op, v| ConstraintGroups::from_spec(&vec![vec![c(Some("zone"), op, v)]], "c").unwrap().holds("h", &[]);
        assert!(!g("exists", None));
        assert!(g("notExists", None));
        assert!(!g("equals", Some("a")));
        assert!(g("notEquals", Some("a")));
        assert!(!g("matches", Some(".*")));
        assert!(g("notMatches", Some(".*")));
    }

    #[test]
    fn bad_constraints_name_the_field() {
        let e = ConstraintGroups::from_spec(&vec![vec![c(Some("x"), "matches", Some("("))]], "offerConstraints.ml").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidConstraint);
        assert!(e.message.starts_with("offerConstraints.ml[0][0].value: invalid regex '('"), "{}", e.message);
        let e = ConstraintGroups::from_spec(&vec![vec![c(Some("x"), "near", None)]], "c").unwrap_err();
        assert!(e.message.starts_with("c[0][0].op: unknown op 'near'"));
    }
}
