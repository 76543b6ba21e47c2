//! Time as the registrar sees it: milliseconds since the Unix epoch, passed in.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = u64;

/// Asterisk stores `expiration_time` as whole seconds (`expiration_struct2str`).
pub fn stored_seconds(expiration_ms: Millis) -> u64 {
    expiration_ms / 1000
}

/// The `Date:` header: RFC 1123 in GMT.
pub fn http_date(now: Millis) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(now))
}

/// `YYYY-MM-DD HH:MM:SS.mmm` as Asterisk's logger prints it (UTC here).
pub fn log_timestamp(now: Millis) -> String {
    let secs = now / 1000;
    let ms = now % 1000;
    let days = (secs / 86400) as i64;
    let sod = secs % 86400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{ms:03}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Howard Hinnant's days → civil date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_asterisk() {
        // 1795730052.529 is 2026-11-26 21:54:12.529 UTC (from a recording).
        assert_eq!(log_timestamp(1_795_730_052_529), "2026-11-26 21:54:12.529");
        assert_eq!(
            http_date(1_795_730_052_529),
            "Thu, 26 Nov 2026 21:54:12 GMT"
        );
        assert_eq!(stored_seconds(1_795_730_352_538), 1_795_730_352);
    }
}
