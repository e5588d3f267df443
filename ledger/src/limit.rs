//! Request rate limits per bearer token: the generic cell rate algorithm (GCRA), one
//! "theoretical arrival time" per token name, integer time only. A token may send `rate`
//! requests a second on average and a burst of up to `rate` at once; over that it gets 429
//! `rate_limited` with `Retry-After`. The limit is per server process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Rate limits of one server process.
#[derive(Debug)]
pub struct Limiter {
    per_second: u32,
    interval: Duration,
    burst: Duration,
    arrivals: Mutex<HashMap<String, Instant>>,
}

impl Limiter {
    /// `per_second` requests a second per token (0: no limit).
    pub fn new(per_second: u32) -> Self {
        let interval = if per_second == 0 { Duration::ZERO } else { Duration::from_secs(1) / per_second };
        Self { per_second, interval, burst: Duration::from_secs(1), arrivals: Mutex::new(HashMap::new()) }
    }

    /// Counts a request of `name` at `now`; refused when the token is over its rate.
    pub fn admit(&self, name: &str, now: Instant) -> Result<()> {
        if self.per_second == 0 {
            return Ok(());
        }
        let mut arrivals = self.arrivals.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let theoretical = arrivals.get(name).copied().unwrap_or(now).max(now);
        let ahead = theoretical - now;
        if ahead >= self.burst {
            let retry_after = ahead - self.burst + self.interval;
            return Err(Error::RateLimited {
                name: name.to_owned(),
                per_second: self.per_second,
                retry_after_ms: u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX),
            });
        }
        arrivals.insert(name.to_owned(), theoretical + self.interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The goal: a burst of `rate` passes, the next is refused with a retry time, and the
    /// rate comes back as time passes; other tokens are not affected.
    #[test]
    fn a_burst_of_the_rate_passes_then_the_rate_holds() {
        let limiter = Limiter::new(10);
        let start = Instant::now();
        for _ in 0..10 {
            limiter.admit("a", start).unwrap();
        }
        let refused = limiter.admit("a", start).unwrap_err();
        assert_eq!(refused.code(), "rate_limited");
        assert!(matches!(refused, Error::RateLimited { retry_after_ms: 100, .. }), "{refused:?}");
        limiter.admit("b", start).unwrap();
        limiter.admit("a", start + Duration::from_millis(100)).unwrap();
        assert!(limiter.admit("a", start + Duration::from_millis(100)).is_err());
        assert!(Limiter::new(0).admit("a", start).is_ok());
    }
}
