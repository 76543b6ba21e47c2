//! Asterisk log timestamps: `[2026-11-30 09:24:44.869]` (a `dateformat` with
//! milliseconds) and the default `[Nov 30 09:24:44]` (no year, whole seconds).

use crate::evidence::Micros;

/// A timestamp at the start of a log line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stamp {
    /// `None` when the line's format has no year (the default `%b %e %T`).
    pub year: Option<i64>,
    pub month: i64,
    pub day: i64,
    /// Milliseconds into the day.
    pub ms_of_day: i64,
    /// Whether the format had milliseconds.
    pub fine: bool,
}

impl Stamp {
    /// Microseconds since the epoch, the year supplied when the line had none.
    pub fn micros(&self, year: i64) -> Option<Micros> {
        let days = days_from_civil(self.year.unwrap_or(year), self.month, self.day);
        let ms = days * 86_400_000 + self.ms_of_day;
        u64::try_from(ms).ok().map(|ms| ms * 1000)
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Split `[stamp] rest` into the stamp and the rest of the line.
pub(crate) fn split_stamp(line: &str) -> Option<(Stamp, &str)> {
    let inner_end = line.find(']')?;
    let inner = line.strip_prefix('[')?.get(..inner_end - 1)?;
    let rest = line[inner_end + 1..].trim_start();
    let (date, time) = inner.rsplit_once(' ')?;
    let (hms, ms) = match time.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (time, None),
    };
    let mut t = hms.split(':').map(|x| x.parse::<i64>().ok());
    let (h, m, s) = (t.next()??, t.next()??, t.next()??);
    if t.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let frac_ms = match ms {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<3}");
            padded[..3].parse::<i64>().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    let ms_of_day = ((h * 60 + m) * 60 + s) * 1000 + frac_ms;
    let (year, month, day) = if let Some((y, md)) = date.split_once('-') {
        let (mo, d) = md.split_once('-')?;
        (Some(y.parse().ok()?), mo.parse().ok()?, d.parse().ok()?)
    } else {
        let mut w = date.split_whitespace();
        let mon = w.next()?;
        let month = MONTHS.iter().position(|m| *m == mon)? as i64 + 1;
        let day = w.next()?.parse().ok()?;
        if w.next().is_some() {
            return None;
        }
        (None, month, day)
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some((
        Stamp {
            year,
            month,
            day,
            ms_of_day,
            fine: ms.is_some(),
        },
        rest,
    ))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year of an epoch time (for a log whose lines have none).
pub(crate) fn year_of(us: Micros) -> i64 {
    let days = (us / 86_400_000_000) as i64;
    let mut y = 1970 + days / 366;
    while days_from_civil(y + 1, 1, 1) <= days {
        y += 1;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats() {
        let (s, rest) = split_stamp("[2026-11-30 09:24:44.869] VERBOSE[1] x.c: y").unwrap();
        assert_eq!(rest, "VERBOSE[1] x.c: y");
        assert_eq!(s.micros(0), Some(1_796_030_684_869_000));
        assert!(s.fine);
        let (s, _) = split_stamp("[Nov 30 09:24:44] VERBOSE[5267] p.c: z").unwrap();
        assert_eq!(s.year, None);
        assert_eq!(s.micros(2026), Some(1_796_030_684_000_000));
        let (s, _) = split_stamp("[Nov  3 09:24:44] NOTICE x").unwrap();
        assert_eq!(s.day, 3);
        assert!(split_stamp("[not a time] x").is_none());
        assert!(split_stamp("Via: SIP/2.0/UDP [::1]:5060").is_none());
        assert_eq!(year_of(1_796_030_684_869_000), 2026);
    }
}
