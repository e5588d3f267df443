//! Named crash points for the crash tests (docs/ledger.md "Crash points"), shared by the
//! ledger service and the desk's sync.
//!
//! [`hit`] marks a place where a crash must leave the data whole. Without the cargo feature
//! `armed` it is an empty function the compiler removes. With it, `CLUBGATE_CRASHPOINT=NAME:N`
//! makes the N-th call (from 1, counted across all threads of the process) of `hit(NAME)`
//! kill the process with SIGKILL — no unwinding, no destructors, no flush: what a power cut
//! or the OOM killer leaves. Standard output stays untouched (it may be a contract); one line
//! goes to standard error just before the kill.
//!
//! Each crate with crash points turns `armed` on only for its test and bench builds (a
//! dev-dependency on itself with its own `crashpoints` feature), so a packaged build has
//! none at all.

/// The environment variable that arms one crash point: `NAME:N`.
pub const ENV: &str = "CLUBGATE_CRASHPOINT";

/// Marks the crash point `name`; kills the process when `CLUBGATE_CRASHPOINT` names this
/// point and this is its N-th hit. A no-op without the `armed` feature.
#[cfg(not(feature = "armed"))]
#[inline(always)]
pub fn hit(name: &'static str) {
    let _ = name;
}

/// Marks the crash point `name`; kills the process when `CLUBGATE_CRASHPOINT` names this
/// point and this is its N-th hit. A no-op without the `armed` feature.
#[cfg(feature = "armed")]
pub fn hit(name: &'static str) {
    armed::hit(name);
}

#[cfg(feature = "armed")]
mod armed {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    /// The armed point and the hit that kills, read once from the environment.
    static ARMED: OnceLock<Option<(String, u64)>> = OnceLock::new();

    /// Hits of the armed point so far (one counter: only the armed point is counted).
    static HITS: AtomicU64 = AtomicU64::new(0);

    /// `NAME:N` with N ≥ 1; anything else arms nothing (and says so once on stderr).
    fn parse(text: &str) -> Option<(String, u64)> {
        let (name, count) = text.rsplit_once(':')?;
        let count: u64 = count.parse().ok().filter(|n| *n >= 1)?;
        (!name.is_empty()).then(|| (name.to_owned(), count))
    }

    fn armed() -> Option<&'static (String, u64)> {
        ARMED
            .get_or_init(|| {
                let text = std::env::var(super::ENV).ok()?;
                let parsed = parse(&text);
                if parsed.is_none() {
                    eprintln!("{}={text:?} is not NAME:N with N ≥ 1; no crash point is armed", super::ENV);
                }
                parsed
            })
            .as_ref()
    }

    pub(super) fn hit(name: &'static str) {
        let Some((armed, count)) = armed() else { return };
        if armed != name {
            return;
        }
        if HITS.fetch_add(1, Ordering::SeqCst) + 1 == *count {
            eprintln!("crash point {name}:{count} hit; SIGKILL");
            // SAFETY: getpid and kill are async-signal-safe libc calls with no pointers;
            // SIGKILL cannot be caught, so nothing of this process runs after it.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            // SIGKILL to oneself is delivered before kill returns; should it not be, do not
            // go on past the crash point either.
            loop {
                std::thread::park();
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::parse;

        #[test]
        fn only_a_name_with_a_positive_count_is_armed() {
            assert_eq!(parse("append.before_commit:3"), Some(("append.before_commit".to_owned(), 3)));
            assert_eq!(parse("append.before_commit:0"), None);
            assert_eq!(parse("append.before_commit"), None);
            assert_eq!(parse(":2"), None);
            assert_eq!(parse("respond.before:x"), None);
        }
    }
}
