//! Durations as people read them in messages: `30m`, `1h 30m`, `-5m`.

use jiff::SignedDuration;

/// `30m`, `1h 30m`, `2d 3h`; a negative duration gets a leading `-`
/// (jiff's own friendly form would say "ago", which reads wrong in
/// "late by …" or "got …").
pub fn human(duration: SignedDuration) -> String {
    let magnitude = format!("{:#}", duration.abs());
    if duration.is_negative() {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_the_plan_writes_it() {
        assert_eq!(human(SignedDuration::from_mins(30)), "30m");
        assert_eq!(human(SignedDuration::from_mins(90)), "1h 30m");
        assert_eq!(human(SignedDuration::from_mins(-1)), "-1m");
        assert_eq!(human(SignedDuration::ZERO), "0s");
    }
}
