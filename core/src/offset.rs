//! Offsets from T0: `T0`, `T-7d`, `T+24h`, `T-30m`.
//!
//! Day offsets are calendar days (they keep T0's wall clock); hour and minute offsets are
//! exact elapsed time. The distinction matters across DST and is applied in
//! [`crate::schedule`].

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The largest magnitude accepted for each unit: a plan spans weeks, never more than a year.
const MAX_DAYS: i32 = 366;
const MAX_HOURS: i32 = MAX_DAYS * 24;
const MAX_MINUTES: i32 = MAX_HOURS * 60;

/// The unit of an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    /// Calendar days: the date moves, the local wall-clock time of T0 stays.
    Days,
    /// Elapsed hours.
    Hours,
    /// Elapsed minutes.
    Minutes,
}

/// A signed offset from T0. `T0` itself is zero days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Offset {
    amount: i32,
    unit: OffsetUnit,
}

impl Offset {
    /// T0 itself.
    pub const ZERO: Self = Self { amount: 0, unit: OffsetUnit::Days };

    /// An offset of `amount` calendar days.
    pub fn days(amount: i32) -> Result<Self> {
        Self::new(amount, OffsetUnit::Days)
    }

    /// An offset of `amount` elapsed hours.
    pub fn hours(amount: i32) -> Result<Self> {
        Self::new(amount, OffsetUnit::Hours)
    }

    /// An offset of `amount` elapsed minutes.
    pub fn minutes(amount: i32) -> Result<Self> {
        Self::new(amount, OffsetUnit::Minutes)
    }

    fn new(amount: i32, unit: OffsetUnit) -> Result<Self> {
        let limit = match unit {
            OffsetUnit::Days => MAX_DAYS,
            OffsetUnit::Hours => MAX_HOURS,
            OffsetUnit::Minutes => MAX_MINUTES,
        };
        if amount.abs() > limit {
            let offset = Self { amount, unit };
            return Err(Error::Offset { value: offset.to_string(), reason: format!("more than {limit} {} from T0", unit.word()) });
        }
        Ok(Self { amount, unit })
    }

    /// The signed amount in [`Self::unit`].
    pub fn amount(self) -> i32 {
        self.amount
    }

    /// The unit of the amount.
    pub fn unit(self) -> OffsetUnit {
        self.unit
    }

    /// A nominal length in minutes (a day counted as 1440 minutes), for ordering offsets
    /// of a plan before any T0 is known. Never used to compute an instant.
    pub fn nominal_minutes(self) -> i64 {
        let amount = i64::from(self.amount);
        match self.unit {
            OffsetUnit::Days => amount * 1440,
            OffsetUnit::Hours => amount * 60,
            OffsetUnit::Minutes => amount,
        }
    }
}

impl OffsetUnit {
    fn word(self) -> &'static str {
        match self {
            Self::Days => "days",
            Self::Hours => "hours",
            Self::Minutes => "minutes",
        }
    }

    fn suffix(self) -> char {
        match self {
            Self::Days => 'd',
            Self::Hours => 'h',
            Self::Minutes => 'm',
        }
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.amount == 0 {
            return f.write_str("T0");
        }
        let sign = if self.amount < 0 { '-' } else { '+' };
        write!(f, "T{sign}{}{}", self.amount.unsigned_abs(), self.unit.suffix())
    }
}

impl FromStr for Offset {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let refuse = |reason: &str| Error::Offset { value: text.to_owned(), reason: reason.to_owned() };
        // Accept the typographic minus and the non-breaking hyphen the seed uses ("T‑7").
        let normalized: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '\u{2212}' | '\u{2011}' | '\u{2010}' | '\u{2013}' => '-',
                other => other,
            })
            .collect();
        let Some(rest) = normalized.strip_prefix('T') else {
            return Err(refuse("it must start with T"));
        };
        if rest == "0" {
            return Ok(Self::ZERO);
        }
        let (sign, rest) = match rest.chars().next() {
            Some('+') => (1, &rest[1..]),
            Some('-') => (-1, &rest[1..]),
            _ => return Err(refuse("expected T0 or a sign after T")),
        };
        let Some(unit_char) = rest.chars().last() else {
            return Err(refuse("the amount and unit are missing"));
        };
        let unit = match unit_char {
            'd' => OffsetUnit::Days,
            'h' => OffsetUnit::Hours,
            'm' => OffsetUnit::Minutes,
            _ => return Err(refuse("the unit must be d, h or m")),
        };
        let digits = &rest[..rest.len() - 1];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse("the amount must be a whole number"));
        }
        let amount: i32 = digits.parse().map_err(|_| refuse("the amount is too large"))?;
        Self::new(sign * amount, unit).map_err(|_| refuse("the amount is too large"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &str) {
        let parsed: Offset = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(parsed.to_string(), expected, "{text}");
    }

    fn check_refused(text: &str, reason_part: &str) {
        let error = text.parse::<Offset>().expect_err(text);
        let message = error.to_string();
        assert!(message.contains(reason_part), "{text}: {message}");
        assert!(message.contains(&format!("{text:?}")), "names the value: {message}");
    }

    #[test]
    fn offsets_round_trip_in_canonical_form() {
        check("T0", "T0");
        check("T-7d", "T-7d");
        check("T+24h", "T+24h");
        check("T-30m", "T-30m");
        check("T‑21d", "T-21d");
        check("T+0d", "T0");
        check(" T+2d ", "T+2d");
    }

    #[test]
    fn malformed_offsets_are_refused_with_a_reason() {
        check_refused("7d", "must start with T");
        check_refused("T7d", "sign");
        check_refused("T-7w", "unit must be d, h or m");
        check_refused("T-d", "whole number");
        check_refused("T-1.5h", "whole number");
        check_refused("T-400d", "too large");
        check_refused("T+99999999999m", "too large");
    }

    #[test]
    fn nominal_minutes_order_mixed_units() {
        let mut offsets: Vec<Offset> =
            ["T+7d", "T-30m", "T-2h", "T0", "T+24h", "T-7d", "T+1h"].iter().map(|t| t.parse().unwrap()).collect();
        offsets.sort_by_key(|o| o.nominal_minutes());
        let texts: Vec<String> = offsets.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["T-7d", "T-2h", "T-30m", "T0", "T+1h", "T+24h", "T+7d"]);
    }
}
