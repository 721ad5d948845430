//! The Mesos text form of resources: `cpus:4;mem:1024;ports:[31000-32000];cpus(ml):2`.
//! A name, an optional `(role)` reservation (`*` = unreserved), a colon, then a
//! scalar or a bracketed list of `begin-end` ranges. Items are separated by `;`.

use crate::error::{err, ErrorCode, Result};
use crate::spec::ResourceSpec;

pub fn parse_resources(text: &str, field: &str) -> Result<Vec<ResourceSpec>> {
    let mut out = Vec::new();
    for (i, raw) in text.split(';').enumerate() {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        let at = |what: String| err(ErrorCode::InvalidResource, format!("{field}: item {} '{item}': {what}", i + 1));
        let (head, value) = item.split_once(':').ok_or_else(|| at("expected name:value".into()))?;
        let head = head.trim();
        let (name, reservation) = match head.find('(') {
            Some(open) => {
                let close = head.strip_suffix(')').ok_or_else(|| at("a reservation is written name(role)".into()))?;
                let role = &close[open + 1..];
                (head[..open].trim(), if role == "*" { None } else { Some(role.to_string()) })
            }
            None => (head, None),
        };
        let value = value.trim();
        let mut spec = ResourceSpec { name: name.to_string(), reservation, ..Default::default() };
        if let Some(inner) = value.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or_else(|| at("ranges are written [begin-end,...]".into()))?;
            let mut ranges = Vec::new();
            for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (b, e) = part.split_once('-').ok_or_else(|| at(format!("range '{part}' is not begin-end")))?;
                let b: f64 = b.trim().parse().map_err(|_| at(format!("range begin '{b}' is not a number")))?;
                let e: f64 = e.trim().parse().map_err(|_| at(format!("range end '{e}' is not a number")))?;
                ranges.push((b, e));
            }
            spec.ranges = Some(ranges);
        } else {
            let v: f64 = value.parse().map_err(|_| at(format!("'{value}' is not a number")))?;
            spec.scalar = Some(v);
        }
        out.push(spec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scalars_ranges_and_reservations() {
        let r = parse_resources("cpus:24;mem:4096; ports:[31000-32000, 33000-33001];cpus(ml/train):2;disk(*):10", "r").unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(r[0].scalar, Some(24.0));
        assert_eq!(r[2].ranges, Some(vec![(31000.0, 32000.0), (33000.0, 33001.0)]));
        assert_eq!(r[3].reservation.as_deref(), Some("ml/train"));
        assert_eq!(r[4].reservation, None);
    }

    #[test]
    fn reports_the_bad_item() {
        let e = parse_resources("cpus:4;mem:lots", "resources").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResource);
        assert_eq!(e.message, "resources: item 2 'mem:lots': 'lots' is not a number");
    }
}
