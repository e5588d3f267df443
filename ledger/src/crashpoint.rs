//! Named crash points for the crash tests (docs/ledger.md "Crash points").
//!
//! [`hit`] marks a place where a crash must leave the log whole: in the storage back ends'
//! `append` (`append.mid`, `append.before_commit`, `append.after_commit`) and in the HTTP
//! surface (`respond.before`, `stream.mid`). Without the cargo feature `crashpoints` it is
//! an empty function the compiler removes. With it, `CLUBGATE_CRASHPOINT=NAME:N` makes the
//! N-th call (from 1, counted across all threads of the process) of `hit(NAME)` kill the
//! process with SIGKILL — no unwinding, no destructors, no flush: what a power cut or the
//! OOM killer leaves. Standard output stays untouched (it is a contract); one line goes to
//! standard error just before the kill.
//!
//! The feature is turned on only for the crate's test and bench builds (a dev-dependency
//! on itself), so `cargo build -p clubgate-ledger` has no crash points at all.

/// Marks the crash point `name`; kills the process when `CLUBGATE_CRASHPOINT` names this
/// point and this is its N-th hit. A no-op without the `crashpoints` feature.
#[cfg(not(feature = "crashpoints"))]
#[inline(always)]
pub fn hit(name: &'static str) {
    let _ = name;
}

/// Marks the crash point `name`; kills the process when `CLUBGATE_CRASHPOINT` names this
/// point and this is its N-th hit. A no-op without the `crashpoints` feature.
#[cfg(feature = "crashpoints")]
pub fn hit(name: &'static str) {
    armed::hit(name);
}

/// The environment variable that arms one crash point: `NAME:N`.
pub const ENV: &str = "CLUBGATE_CRASHPOINT";

/// Every crash point there is, for the tests and the documentation.
pub const NAMES: [&str; 5] = ["append.mid", "append.before_commit", "append.after_commit", "respond.before", "stream.mid"];

#[cfg(feature = "crashpoints")]
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
        super::NAMES.contains(&name).then(|| (name.to_owned(), count))
    }

    fn armed() -> Option<&'static (String, u64)> {
        ARMED
            .get_or_init(|| {
                let text = std::env::var(super::ENV).ok()?;
                let parsed = parse(&text);
                if parsed.is_none() {
                    eprintln!(
                        "clubgate-ledger: {}={text:?} is not NAME:N with a known crash point and N ≥ 1; no crash point is armed",
                        super::ENV
                    );
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
            eprintln!("clubgate-ledger: crash point {name}:{count} hit; SIGKILL");
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
        fn only_a_known_point_with_a_positive_count_is_armed() {
            assert_eq!(parse("append.before_commit:3"), Some(("append.before_commit".to_owned(), 3)));
            assert_eq!(parse("stream.mid:1"), Some(("stream.mid".to_owned(), 1)));
            assert_eq!(parse("append.before_commit:0"), None);
            assert_eq!(parse("append.before_commit"), None);
            assert_eq!(parse("nowhere:2"), None);
            assert_eq!(parse("respond.before:x"), None);
        }
    }
}
