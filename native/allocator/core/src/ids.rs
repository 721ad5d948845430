//! Checks on the identifiers that cross the API: agent and framework ids,
//! hostnames, and role names.

use crate::error::{err, ErrorCode, Result};

fn printable_ascii(s: &str) -> Option<char> {
    s.chars().find(|c| !('!'..='~').contains(c))
}

/// Agent and framework ids: 1–255 bytes of printable ASCII, no `/`, not `.` or `..`.
pub fn check_id(id: &str, field: &str) -> Result<()> {
    if id.is_empty() {
        return Err(err(ErrorCode::InvalidId, format!("{field}: must not be empty")));
    }
    if id.len() > 255 {
        return Err(err(ErrorCode::InvalidId, format!("{field}: must be at most 255 bytes (got {})", id.len())));
    }
    if let Some(c) = printable_ascii(id) {
        return Err(err(ErrorCode::InvalidId, format!("{field}: '{}' has the character {c:?}; ids are printable ASCII without spaces", id.escape_debug())));
    }
    if id.contains('/') {
        return Err(err(ErrorCode::InvalidId, format!("{field}: '{id}' must not contain '/'")));
    }
    if id == "." || id == ".." {
        return Err(err(ErrorCode::InvalidId, format!("{field}: '{id}' is not a valid id")));
    }
    Ok(())
}

/// Hostnames: 1–255 bytes of printable ASCII.
pub fn check_hostname(hostname: &str, field: &str) -> Result<()> {
    if hostname.is_empty() || hostname.len() > 255 {
        return Err(err(ErrorCode::InvalidArgument, format!("{field}: a hostname has 1 to 255 bytes (got {})", hostname.len())));
    }
    if let Some(c) = printable_ascii(hostname) {
        return Err(err(ErrorCode::InvalidArgument, format!("{field}: hostname has the character {c:?}")));
    }
    Ok(())
}

/// Role names: `*`, or `/`-separated segments of printable ASCII without
/// whitespace or `\`, none empty, `.`, `..` or `*`, none starting with `-`.
pub fn check_role(role: &str, field: &str) -> Result<()> {
    if role == "*" {
        return Ok(());
    }
    if role.is_empty() {
        return Err(err(ErrorCode::InvalidRole, format!("{field}: a role name must not be empty")));
    }
    if role.len() > 255 {
        return Err(err(ErrorCode::InvalidRole, format!("{field}: a role name has at most 255 bytes (got {})", role.len())));
    }
    if let Some(c) = printable_ascii(role) {
        return Err(err(ErrorCode::InvalidRole, format!("{field}: role '{}' has the character {c:?}", role.escape_debug())));
    }
    for segment in role.split('/') {
        let problem = if segment.is_empty() {
            Some("has an empty segment (leading, trailing or doubled '/')")
        } else if segment == "." || segment == ".." {
            Some("has a '.' or '..' segment")
        } else if segment == "*" {
            Some("uses '*' as a segment; '*' is only the default role")
        } else if segment.starts_with('-') {
            Some("has a segment starting with '-'")
        } else if segment.contains('\\') {
            Some("contains '\\'")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(err(ErrorCode::InvalidRole, format!("{field}: role '{role}' {problem}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("agent-1", "id").is_ok());
        assert_eq!(check_id("", "agents[0].id").unwrap_err().message, "agents[0].id: must not be empty");
        assert!(check_id("a/b", "id").is_err());
        assert!(check_id("..", "id").is_err());
        assert!(check_id("a\u{7}", "id").is_err());
        assert!(check_id(&"x".repeat(256), "id").is_err());
        assert!(check_id(&"x".repeat(255), "id").is_ok());
    }

    #[test]
    fn roles() {
        for ok in ["*", "eng", "eng/ml/train", "a.b", "x-y"] {
            assert!(check_role(ok, "r").is_ok(), "{ok}");
        }
        for bad in ["", "/eng", "eng/", "eng//ml", "eng/../x", "-eng", "eng/*", "a b", "a\\b"] {
            let e = check_role(bad, "r").unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRole, "{bad}");
        }
    }
}
