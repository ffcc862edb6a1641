//! Instants typed at the terminal and shown back, always in a stated time zone.
//!
//! The API speaks UTC instants only; people think in local wall-clock time. So a command
//! that takes a time accepts RFC 3339 (exact) or a local date and time read in a zone the
//! command names, and every time it prints carries the zone's abbreviation (`CEST`,
//! `CET`, `UTC`), so a reader never has to guess and DST changes are visible.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

/// A time zone with the name it was given by, so output can say which zone it uses.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// An IANA zone such as `Europe/Berlin` (or `UTC`).
    pub fn named(name: &str) -> Result<Self, String> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("utc") || name == "Z" {
            return Ok(Self::utc());
        }
        let tz = TimeZone::get(name).map_err(|_| {
            format!("expected an IANA time zone such as Europe/Berlin or UTC, got {name:?}")
        })?;
        Ok(Self {
            name: name.to_owned(),
            tz,
        })
    }

    /// The schedule's own zone; UTC if this machine does not know it (every shown time
    /// carries its abbreviation, so the fallback cannot mislead).
    pub fn of_schedule(name: &str) -> Self {
        Self::named(name).unwrap_or_else(|_| Self::utc())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `2026-10-25 09:00 CET`.
    pub fn show(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// `2026-10-25 09:00:05 CET`, for histories whose entries are seconds apart.
    pub fn show_seconds(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    }

    /// `-` for none.
    pub fn show_opt(&self, at: Option<Timestamp>) -> String {
        at.map(|at| self.show(at)).unwrap_or_else(|| "-".to_owned())
    }

    /// An RFC 3339 instant, or a local date and time (`2026-12-05T09:00`,
    /// `2026-12-05 09:00`, `2026-12-05`) read in this zone. A local time that the clocks
    /// skip or pass twice is refused rather than guessed.
    pub fn instant(&self, text: &str) -> Result<Timestamp, String> {
        let text = text.trim();
        if let Ok(at) = text.parse::<Timestamp>() {
            return Ok(at);
        }
        let Ok(local) = text.parse::<DateTime>() else {
            return Err(format!(
                "expected an RFC 3339 instant such as 2026-12-05T09:00:00Z or a local time \
                 such as 2026-12-05T09:00 (read in {}), got {text:?}",
                self.name
            ));
        };
        let ambiguous = self.tz.to_ambiguous_timestamp(local);
        match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } => ambiguous
                .unambiguous()
                .map_err(|e| format!("{text:?} is out of range ({e})")),
            AmbiguousOffset::Gap { .. } => Err(format!(
                "{text} does not exist in {} (the clocks skip it); give an RFC 3339 instant \
                 with an offset",
                self.name
            )),
            AmbiguousOffset::Fold { before, after } => {
                let local = local.strftime("%Y-%m-%dT%H:%M:%S");
                Err(format!(
                    "{text} happens twice in {} (the clocks go back); give it with an offset, \
                     {local}{} or {local}{}",
                    self.name,
                    rfc_offset(before),
                    rfc_offset(after),
                ))
            }
        }
    }
}

/// `+02:00`: jiff's own display shortens to `+02`, which RFC 3339 does not allow.
fn rfc_offset(offset: Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// For `--tz`: clap prefixes the message with the flag.
pub(crate) fn parse_zone(text: &str) -> Result<Zone, String> {
    Zone::named(text)
}

/// A length of time as typed: `90s`, `5m`, `2h`, `1h30m`, `7d`, `1w`, or a
/// bare number of seconds. In whole seconds; clap prefixes the message with
/// the flag.
pub(crate) fn parse_span(text: &str) -> Result<i64, String> {
    let expected = || format!("expected a duration such as 90s, 5m, 2h, 1h30m or 7d, got {text:?}");
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(expected());
    }
    if let Ok(seconds) = compact.parse::<i64>() {
        return if seconds > 0 {
            Ok(seconds)
        } else {
            Err(expected())
        };
    }
    let mut total: i64 = 0;
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let number: i64 = rest[..digits].parse().map_err(|_| expected())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match &rest[..unit_len] {
            "s" | "sec" | "secs" => 1,
            "m" | "min" | "mins" => 60,
            "h" | "hr" | "hrs" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "wk" | "week" | "weeks" => 7 * 86_400,
            _ => return Err(expected()),
        };
        rest = &rest[unit_len..];
        total = number
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(expected)?;
    }
    if total > 0 {
        Ok(total)
    } else {
        Err(expected())
    }
}

/// A wait, as people say it: `5 min`, `1 h 30 min`, `45 s`, `none`.
pub(crate) fn wait(seconds: i64) -> String {
    if seconds <= 0 {
        return "none".to_owned();
    }
    let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut parts = Vec::new();
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} min"));
    }
    if rest > 0 {
        parts.push(format!("{rest} s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn reads_rfc_3339_and_local_times() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        assert_eq!(
            berlin.instant("2026-12-05T09:00:00Z").unwrap(),
            at("2026-12-05T09:00:00Z")
        );
        assert_eq!(
            berlin.instant("2026-12-05T09:00:00+01:00").unwrap(),
            at("2026-12-05T08:00:00Z")
        );
        // Local times either side of the 2026-10-25 change: +02:00 before, +01:00 after.
        assert_eq!(
            berlin.instant("2026-10-24T09:00").unwrap(),
            at("2026-10-24T07:00:00Z")
        );
        assert_eq!(
            berlin.instant("2026-10-26 09:00").unwrap(),
            at("2026-10-26T08:00:00Z")
        );
        assert_eq!(
            Zone::utc().instant(" 2026-12-05 09:00 ").unwrap(),
            at("2026-12-05T09:00:00Z")
        );
    }

    #[test]
    fn refuses_times_the_clocks_skip_or_repeat() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let skipped = berlin.instant("2026-03-29T02:30").unwrap_err();
        assert!(skipped.contains("does not exist"), "{skipped}");
        let twice = berlin.instant("2026-10-25T02:30").unwrap_err();
        assert!(twice.contains("happens twice"), "{twice}");
        assert!(
            twice.contains("2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00"),
            "{twice}"
        );
        for bad in ["noon", "", "2026-13-01T09:00", "tomorrow 9"] {
            let error = berlin.instant(bad).unwrap_err();
            assert!(error.contains("Europe/Berlin"), "{bad}: {error}");
        }
    }

    #[test]
    fn shows_times_with_the_zone_abbreviation() {
        let berlin = Zone::of_schedule("Europe/Berlin");
        assert_eq!(
            berlin.show(at("2026-10-24T07:00:00Z")),
            "2026-10-24 09:00 CEST"
        );
        assert_eq!(
            berlin.show(at("2026-10-26T08:00:00Z")),
            "2026-10-26 09:00 CET"
        );
        assert_eq!(
            Zone::utc().show(at("2026-10-26T08:00:00Z")),
            "2026-10-26 08:00 UTC"
        );
        assert_eq!(Zone::utc().show_opt(None), "-");
        assert_eq!(
            berlin.show_seconds(at("2026-10-26T08:00:05Z")),
            "2026-10-26 09:00:05 CET"
        );
        assert_eq!(Zone::of_schedule("Nowhere/Else").name(), "UTC");
        assert!(parse_zone("Mars/Base").is_err());
        assert_eq!(parse_zone("utc").unwrap().name(), "UTC");
    }

    #[test]
    fn spans_are_typed_with_units() {
        assert_eq!(parse_span("90s"), Ok(90));
        assert_eq!(parse_span("5m"), Ok(300));
        assert_eq!(parse_span("1h30m"), Ok(5400));
        assert_eq!(parse_span("2 h"), Ok(7200));
        assert_eq!(parse_span("7d"), Ok(604_800));
        assert_eq!(parse_span("1w"), Ok(604_800));
        assert_eq!(parse_span("300"), Ok(300));
        for bad in [
            "",
            "0",
            "-5m",
            "5x",
            "m",
            "soon",
            "1.5h",
            "99999999999999999999d",
        ] {
            let error = parse_span(bad).unwrap_err();
            assert!(error.contains("expected a duration"), "{bad}: {error}");
        }
    }

    #[test]
    fn waits_read_like_speech() {
        assert_eq!(wait(0), "none");
        assert_eq!(wait(300), "5 min");
        assert_eq!(wait(5400), "1 h 30 min");
        assert_eq!(wait(45), "45 s");
    }
}
