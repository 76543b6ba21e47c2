//! Durations as people write them: `90s`, `5m`, `1h30m`, `2d`, `250ms`, `1.5s`.

use crate::scenario::SimMs;

pub fn parse_duration(s: &str) -> Result<SimMs, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if s.bytes().all(|c| c.is_ascii_digit()) {
        return s
            .parse::<u64>()
            .map(|n| n.saturating_mul(1000))
            .map_err(|_| "number too large".into());
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("'{s}' is not a duration (e.g. 90s, 5m, 1h30m)"));
        }
        let n: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("bad number in '{s}'"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let mult = match unit {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "" => return Err(format!("'{s}' needs a unit (ms, s, m, h, d)")),
            u => {
                return Err(format!(
                    "unknown time unit '{u}' in '{s}' (use ms, s, m, h, d)"
                ))
            }
        };
        total += n * mult;
        rest = &rest[unit_len..];
    }
    if total > 1e15 {
        return Err(format!("'{s}' is too long"));
    }
    Ok(total.round() as SimMs)
}

/// `1h 2m 3s`, `4m`, `43s`: whole seconds (rounded down), like the page's.
pub fn format_duration(ms: SimMs) -> String {
    let total = ms / 1000;
    if total == 0 {
        return if ms == 0 { "0s".into() } else { "<1s".into() };
    }
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

/// `mm:ss` / `h:mm:ss` clock for timelines.
pub fn clock(ms: SimMs) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("1.5s"), Ok(1500));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
        assert_eq!(parse_duration("300"), Ok(300_000));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert_eq!(clock(3_723_000), "1:02:03");
        assert_eq!(clock(75_000), "1:15");
        assert_eq!(format_duration(5_400_000), "1h 30m");
        assert_eq!(format_duration(229_039), "3m 49s");
        assert_eq!(format_duration(43_020), "43s");
        assert_eq!(format_duration(3_723_999), "1h 2m 3s");
        assert_eq!(format_duration(20), "<1s");
    }
}
