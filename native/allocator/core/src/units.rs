//! Scalars are integer thousandths, so that sums never drift (0.1 + 0.2 is 300
//! thousandths, exactly). This module is the one place that turns JS numbers into
//! thousandths and back, and checks them.

use crate::error::{err, ErrorCode, Result};

/// Thousandths; 2^53 − 1 at most, so every value is exact as a JS number too.
pub type Milli = i64;

pub const MAX_MILLI: Milli = (1i64 << 53) - 1;

/// Converts a scalar amount to thousandths, naming `field` in the error.
pub fn to_milli(value: f64, field: &str) -> Result<Milli> {
    if value.is_nan() {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: must be a number (got NaN)")));
    }
    if value.is_infinite() {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: must be finite (got {value})")));
    }
    if value < 0.0 {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: must not be negative (got {value})")));
    }
    if value != 0.0 && !value.is_normal() {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: subnormal amount {value:e} is not a resource quantity")));
    }
    let scaled = (value * 1000.0).round();
    if scaled > MAX_MILLI as f64 {
        return Err(err(
            ErrorCode::InvalidResource,
            format!("{field}: {value} is above the largest exact amount, 9007199254740.991"),
        ));
    }
    if value > 0.0 && scaled == 0.0 {
        return Err(err(
            ErrorCode::InvalidResource,
            format!("{field}: {value} rounds to zero at the allocator's precision of 0.001"),
        ));
    }
    Ok(scaled as Milli)
}

/// Thousandths back to a JS number. Division by 1000 gives the double nearest
/// the decimal, identically in Rust and JavaScript.
pub fn from_milli(milli: Milli) -> f64 {
    milli as f64 / 1000.0
}

/// The canonical decimal text of a scalar: `3`, `2.5`, `0.125`.
pub fn milli_text(milli: Milli) -> String {
    let whole = milli / 1000;
    let frac = milli % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let mut digits = format!("{frac:03}");
    while digits.ends_with('0') {
        digits.pop();
    }
    format!("{whole}.{digits}")
}

/// Checks a range bound: an integer in [0, 2^53 − 1].
pub fn to_range_bound(value: f64, field: &str) -> Result<u64> {
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: must be an integer (got {value})")));
    }
    if value < 0.0 {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: must not be negative (got {value})")));
    }
    if value > MAX_MILLI as f64 {
        return Err(err(ErrorCode::InvalidResource, format!("{field}: must be at most 2^53 - 1 (got {value})")));
    }
    Ok(value as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_exactly() {
        assert_eq!(to_milli(0.1, "x").unwrap() + to_milli(0.2, "x").unwrap(), 300);
        assert_eq!(to_milli(2014.0, "x").unwrap(), 2_014_000);
        assert_eq!(to_milli(0.0005, "x").unwrap(), 1); // rounds half up
        assert_eq!(from_milli(1500), 1.5);
    }

    #[test]
    fn rejects_bad_amounts_naming_the_field() {
        let e = to_milli(-1.0, "resources[2].scalar").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResource);
        assert_eq!(e.message, "resources[2].scalar: must not be negative (got -1)");
        assert!(to_milli(f64::NAN, "x").is_err());
        assert!(to_milli(f64::INFINITY, "x").is_err());
        assert!(to_milli(5e-324, "x").is_err());
        assert!(to_milli(9_007_199_254_741.0, "x").is_err());
        assert!(to_milli(0.0004, "x").is_err());
        assert_eq!(to_milli(9_007_199_254_740.0, "x").unwrap(), 9_007_199_254_740_000);
    }

    #[test]
    fn prints_canonical_decimals() {
        assert_eq!(milli_text(3000), "3");
        assert_eq!(milli_text(2500), "2.5");
        assert_eq!(milli_text(125), "0.125");
        assert_eq!(milli_text(0), "0");
    }
}
