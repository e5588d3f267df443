//! Roles and on-call (seed §2, issue 11 point 5): the people of each plan role with the
//! contacts the warroom reaches them by, the on-call rota of the warroom hours, and the rule
//! that the T-2h item "on-call roles confirmed" ([`CONFIRMATION_ITEM`]) is done only when
//! every role of the plan has someone on call for the whole warroom span.
//!
//! A shift is the half-open interval `[start_ns, end_ns)` of absolute instants (nanoseconds
//! since the epoch): one shift ending at the instant the next begins leaves no gap, and a
//! shift ending at the span's end covers it. The warroom span's ends come from the date
//! table (`T-1d`/`T+2d` keep T0's wall clock, PRODUCT.md "Time"); once they are instants, a
//! DST change inside the span changes nothing here — coverage is arithmetic on instants.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;

use crate::checklist::ItemState;
use crate::launch::Launch;
use crate::ledger::{instant, ns};
use crate::offset::Offset;
use crate::plan::{Checkpoint, Plan};
use crate::schedule::rfc3339;

/// The item that confirms the on-call roles: the T-2h checkpoint's "Warroom open; on-call
/// roles confirmed." of `launch-plan-v1`. A plan that names an item so is held to the rule;
/// a plan without it has no on-call confirmation to gate.
pub const CONFIRMATION_ITEM: &str = "t2h-warroom";

/// Longest name kept.
pub const MAX_NAME_CHARS: usize = 120;

/// The longest shift: a week. The warroom span is three days; a longer shift is a typo.
pub const MAX_SHIFT_NS: i64 = 7 * 24 * 3_600 * 1_000_000_000;

/// How many gaps a refusal lists by name; the rest are counted.
pub const MAX_LISTED_GAPS: usize = 6;

/// Why a person, a shift or the on-call confirmation was refused. Every variant names the
/// offending value and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    /// The person's name is empty.
    #[error("a person needs a name")]
    MissingName,
    /// The person's name is too long.
    #[error("the name is {length} characters long; at most {limit} are kept")]
    NameTooLong {
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The role is not one of the plan's.
    #[error("role {role:?} is not a role of the plan; use one of {known}")]
    UnknownRole {
        /// The role as given.
        role: String,
        /// The plan's role ids, comma-separated.
        known: String,
    },
    /// The person has no contact.
    #[error("{name} needs a contact the warroom can reach: a phone (+48 601 234 567), a Telegram handle (@name) or an e-mail")]
    NoContact {
        /// The person.
        name: String,
    },
    /// A phone number is not an international number.
    #[error(
        "phone {value:?} is not an international number; write it as +48 601 234 567 (a + and 8 to 15 digits, spaces or dashes between)"
    )]
    Phone {
        /// The text as given.
        value: String,
    },
    /// A Telegram handle is not one.
    #[error("Telegram handle {value:?} is not one; write it as @name (5 to 32 letters, digits or underscores, starting with a letter)")]
    Telegram {
        /// The text as given.
        value: String,
    },
    /// An e-mail address is not one.
    #[error("e-mail {value:?} is not an address; write it as name@example.com")]
    Email {
        /// The text as given.
        value: String,
    },
    /// A contact in one field is none of a phone, a handle or an e-mail.
    #[error("contact {value:?} is not a phone (+48 601 234 567), a Telegram handle (@name) or an e-mail (name@example.com)")]
    Contact {
        /// The text as given.
        value: String,
    },
    /// No person of that name is in the team.
    #[error("no person named {name:?} in the team; add them first (`clubgate team add` or the Team page)")]
    UnknownPerson {
        /// The name as given.
        name: String,
    },
    /// An instant could not be read.
    #[error("instant {value:?}: {reason}")]
    Instant {
        /// The text as given.
        value: String,
        /// Why, and how to write it.
        reason: String,
    },
    /// The shift ends before it starts, or when it starts.
    #[error("the shift {start} → {end} ends before it starts; its end must come after its start")]
    ShiftOrder {
        /// Its start, RFC 3339 in the plan zone.
        start: String,
        /// Its end.
        end: String,
    },
    /// The shift is longer than [`MAX_SHIFT_NS`].
    #[error("the shift {start} → {end} is longer than 7 days; split it into shifts people can hold")]
    ShiftTooLong {
        /// Its start.
        start: String,
        /// Its end.
        end: String,
    },
    /// The person is on call already for part of the shift.
    #[error("{person} is on call as {role} from {start} to {end} (shift {id}) already; a person is on call for one role at a time — cancel that shift first or pick another time")]
    Overlap {
        /// The person.
        person: String,
        /// The role of the shift in the way.
        role: String,
        /// That shift's id.
        id: i64,
        /// Its start.
        start: String,
        /// Its end.
        end: String,
    },
    /// No shift has this id, or it was cancelled already.
    #[error("no shift {id} is on the rota (it does not exist or was cancelled already); `clubgate team show` lists the shifts")]
    NoSuchShift {
        /// The id as given.
        id: i64,
    },
    /// The on-call confirmation was refused: a role has nobody on call somewhere in the
    /// warroom span.
    #[error("{item_id} cannot be done: every role must have someone on call for the whole warroom span {span}; {described}; add shifts that cover them (`clubgate team shift` or the Team page)")]
    Uncovered {
        /// The item.
        item_id: String,
        /// The warroom span, in the plan zone.
        span: String,
        /// Every uncovered interval, by role in plan order.
        gaps: Vec<Gap>,
        /// The gaps in words (the first [`MAX_LISTED_GAPS`], then how many more).
        described: String,
    },
}

/// The result type of this module.
pub type Result<T, E = TeamError> = std::result::Result<T, E>;

/// The ways a person is reached. At least one is set; each is normalised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contacts {
    /// International phone number, `+` and digits only (`+48601234567`).
    pub phone: Option<String>,
    /// Telegram handle with its `@` (`@olga_treasury`).
    pub telegram: Option<String>,
    /// E-mail address, its domain lowercased.
    pub email: Option<String>,
}

impl Contacts {
    /// Reads the contacts given in separate fields; an empty field is absent.
    pub fn new(phone: Option<&str>, telegram: Option<&str>, email: Option<&str>) -> Result<Self> {
        fn given(field: Option<&str>) -> Option<&str> {
            field.map(str::trim).filter(|v| !v.is_empty())
        }
        Ok(Self {
            phone: given(phone).map(phone_number).transpose()?,
            telegram: given(telegram).map(telegram_handle).transpose()?,
            email: given(email).map(email_address).transpose()?,
        })
    }

    /// Reads one contact written in a single field (the window's form): a phone starts with
    /// `+` or a digit, a Telegram handle with `@`, an e-mail has its `@` inside.
    pub fn from_one(text: &str) -> Result<Self> {
        let value = text.trim();
        let first = value.chars().next();
        if first == Some('+') || first.is_some_and(|c| c.is_ascii_digit()) {
            Self::new(Some(value), None, None)
        } else if first == Some('@') && value.matches('@').count() == 1 {
            Self::new(None, Some(value), None)
        } else if value.contains('@') {
            Self::new(None, None, Some(value))
        } else if value.is_empty() {
            Ok(Self::default())
        } else {
            Err(TeamError::Contact { value: value.to_owned() })
        }
    }

    /// Whether no contact is set.
    pub fn is_empty(&self) -> bool {
        self.phone.is_none() && self.telegram.is_none() && self.email.is_none()
    }
}

/// A phone number as `+` and 8 to 15 digits (E.164), the first not 0; spaces, dashes, dots
/// and parentheses between digits are dropped.
fn phone_number(text: &str) -> Result<String> {
    let refuse = || TeamError::Phone { value: text.to_owned() };
    let rest = text.strip_prefix('+').ok_or_else(refuse)?;
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(refuse()),
        }
    }
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(refuse());
    }
    Ok(format!("+{digits}"))
}

/// A Telegram handle: `@` (optional when given) and 5 to 32 letters, digits or underscores,
/// starting with a letter and not ending with an underscore.
fn telegram_handle(text: &str) -> Result<String> {
    let body = text.strip_prefix('@').unwrap_or(text);
    let valid = (5..=32).contains(&body.len())
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && body.as_bytes()[0].is_ascii_alphabetic()
        && !body.ends_with('_');
    if !valid {
        return Err(TeamError::Telegram { value: text.to_owned() });
    }
    Ok(format!("@{body}"))
}

/// An e-mail address: one `@`, a local part of up to 64 printable characters without
/// spaces, a domain of dot-separated labels (letters, digits, inner dashes) ending in a
/// top-level domain of letters; at most 254 characters. The domain is lowercased.
fn email_address(text: &str) -> Result<String> {
    let refuse = || TeamError::Email { value: text.to_owned() };
    let (local, domain) = text.split_once('@').ok_or_else(refuse)?;
    let local_ok = (1..=64).contains(&local.len())
        && local.chars().all(|c| c.is_ascii_graphic() && c != '@' && c != '"' && c != ',')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_ok = labels.last().is_some_and(|top| top.len() >= 2 && top.bytes().all(|b| b.is_ascii_alphabetic()));
    if !local_ok || labels.len() < 2 || !labels.iter().all(label_ok) || !top_ok || text.len() > 254 {
        return Err(refuse());
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A person of the team: a role of the plan and at least one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The name (trimmed); it names the person in shifts.
    pub name: String,
    /// The plan role they hold.
    pub role: String,
    /// How the warroom reaches them.
    pub contacts: Contacts,
}

impl Person {
    /// Builds a person after checking the name, that the role is one of the plan's, and
    /// that there is a contact.
    pub fn new(plan: &Plan, name: &str, role: &str, contacts: Contacts) -> Result<Self> {
        let name = person_name(name)?;
        let role = known_role(plan, role)?;
        if contacts.is_empty() {
            return Err(TeamError::NoContact { name });
        }
        Ok(Self { name, role, contacts })
    }
}

/// A person's name as the team keeps it: trimmed, inner runs of white space made one space,
/// at most [`MAX_NAME_CHARS`] characters. Shifts name people by it.
pub fn person_name(name: &str) -> Result<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(TeamError::MissingName);
    }
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(TeamError::NameTooLong { length, limit: MAX_NAME_CHARS });
    }
    Ok(name)
}

fn known_role(plan: &Plan, role: &str) -> Result<String> {
    let role = role.trim();
    match plan.role(role) {
        Some(found) => Ok(found.id.clone()),
        None => Err(TeamError::UnknownRole {
            role: role.to_owned(),
            known: plan.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// A shift of the rota: `person` is on call as `role` over `[start_ns, end_ns)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Its id in the store.
    pub id: i64,
    /// The person's name.
    pub person: String,
    /// The role they are on call for.
    pub role: String,
    /// Start, inclusive (ns since the epoch).
    pub start_ns: i64,
    /// End, exclusive.
    pub end_ns: i64,
}

impl Shift {
    /// Whether the shift holds the instant: `start <= at < end`.
    pub fn contains(&self, at_ns: i64) -> bool {
        self.start_ns <= at_ns && at_ns < self.end_ns
    }
}

/// A shift to add, checked against the plan and the rota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShift {
    /// The person's name, as the team knows it.
    pub person: String,
    /// The role: the one given, else the person's.
    pub role: String,
    /// Start, inclusive (ns).
    pub start_ns: i64,
    /// End, exclusive (ns).
    pub end_ns: i64,
}

/// Checks a shift for `person` (as the team knows them now): the role (default: the
/// person's own) is one of the plan's, the shift ends after it starts and is at most
/// [`MAX_SHIFT_NS`] long, and the person holds no other shift of the current `rota`
/// meeting it — a person is on call for one role at a time, so one person cannot cover
/// every role of the warroom alone.
pub fn new_shift(launch: &Launch, rota: &[Shift], person: &Person, role: Option<&str>, start_ns: i64, end_ns: i64) -> Result<NewShift> {
    let role = match role.map(str::trim).filter(|r| !r.is_empty()) {
        Some(role) => known_role(&launch.plan, role)?,
        None => person.role.clone(),
    };
    let zone = launch.t0.zoned().time_zone();
    let (start, end) = (display(start_ns, zone), display(end_ns, zone));
    if end_ns <= start_ns {
        return Err(TeamError::ShiftOrder { start, end });
    }
    if end_ns - start_ns > MAX_SHIFT_NS {
        return Err(TeamError::ShiftTooLong { start, end });
    }
    if let Some(other) = rota.iter().find(|s| s.person == person.name && s.start_ns < end_ns && start_ns < s.end_ns) {
        return Err(TeamError::Overlap {
            person: person.name.clone(),
            role: other.role.clone(),
            id: other.id,
            start: display(other.start_ns, zone),
            end: display(other.end_ns, zone),
        });
    }
    Ok(NewShift { person: person.name.clone(), role, start_ns, end_ns })
}

/// A half-open span of instants `[start_ns, end_ns)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start, inclusive (ns).
    pub start_ns: i64,
    /// End, exclusive (ns).
    pub end_ns: i64,
}

/// The warroom's hours: the channel the change window goes through (`launch-warroom`,
/// open `T-1d` → `T+2d` in `launch-plan-v1`, seed §2 and §6). A validated plan always gives
/// that channel its hours.
pub fn warroom_span(launch: &Launch) -> Span {
    let (start, end) = &launch.table.change_window;
    Span { start_ns: ns(start.timestamp()), end_ns: ns(end.timestamp()) }
}

/// An interval of the span in which a role has nobody on call: `[start_ns, end_ns)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The role.
    pub role: String,
    /// Start, inclusive (ns).
    pub start_ns: i64,
    /// End, exclusive (ns).
    pub end_ns: i64,
}

/// Every interval of `span` in which a role of `roles` has no shift of `rota`, by role in
/// the order given, each role's gaps in time order. Gaps are maximal: two gaps of a role
/// never touch. Shifts of roles not in `roles` are ignored; an empty span has no gaps.
pub fn coverage<R: AsRef<str>>(rota: &[Shift], roles: &[R], span: Span) -> Vec<Gap> {
    let mut gaps = Vec::new();
    if span.end_ns <= span.start_ns {
        return gaps;
    }
    for role in roles {
        let role = role.as_ref();
        let mut held: Vec<(i64, i64)> = rota
            .iter()
            .filter(|s| s.role == role)
            .map(|s| (s.start_ns.max(span.start_ns), s.end_ns.min(span.end_ns)))
            .filter(|(start, end)| start < end)
            .collect();
        held.sort_unstable();
        // Everything before `covered` is held by some shift (or is before the span).
        let mut covered = span.start_ns;
        for (start, end) in held {
            if start > covered {
                gaps.push(Gap { role: role.to_owned(), start_ns: covered, end_ns: start });
            }
            covered = covered.max(end);
        }
        if covered < span.end_ns {
            gaps.push(Gap { role: role.to_owned(), start_ns: covered, end_ns: span.end_ns });
        }
    }
    gaps
}

/// The shifts holding `at_ns`, in rota order.
pub fn on_call_at(rota: &[Shift], at_ns: i64) -> Vec<&Shift> {
    rota.iter().filter(|s| s.contains(at_ns)).collect()
}

/// The names of the people on call as `role` at `at_ns`.
pub fn on_call_for<'a>(rota: &'a [Shift], role: &str, at_ns: i64) -> Vec<&'a str> {
    rota.iter().filter(|s| s.role == role && s.contains(at_ns)).map(|s| s.person.as_str()).collect()
}

/// The instant a checklist item's owner is resolved to a person at: its checkpoint's
/// instant, or `now` for an item without one (entry criteria, onboarding).
pub fn item_due(launch: &Launch, point: Option<&Checkpoint>, now: Timestamp) -> Timestamp {
    point.and_then(|p| launch.t0.at(p.offset).ok()).map_or(now, |z| z.timestamp())
}

/// Whether recording `state` for `item_id` needs the rota to cover the warroom span: only
/// setting the on-call confirmation done does.
pub fn requires_cover(item_id: &str, state: ItemState) -> bool {
    item_id == CONFIRMATION_ITEM && state == ItemState::Done
}

/// The on-call confirmation's rule: every role of the plan has someone on call for the
/// whole warroom span, else [`TeamError::Uncovered`] naming each role and interval.
pub fn confirm(launch: &Launch, rota: &[Shift]) -> Result<()> {
    let span = warroom_span(launch);
    let roles: Vec<&str> = launch.plan.roles.iter().map(|r| r.id.as_str()).collect();
    let gaps = coverage(rota, &roles, span);
    if gaps.is_empty() {
        return Ok(());
    }
    let zone = launch.t0.zoned().time_zone();
    let mut described: Vec<String> = gaps
        .iter()
        .take(MAX_LISTED_GAPS)
        .map(|g| format!("{} has nobody on call from {} to {}", g.role, display(g.start_ns, zone), display(g.end_ns, zone)))
        .collect();
    if gaps.len() > MAX_LISTED_GAPS {
        described.push(format!("and {} more gaps", gaps.len() - MAX_LISTED_GAPS));
    }
    Err(TeamError::Uncovered {
        item_id: CONFIRMATION_ITEM.to_owned(),
        span: format!("{} → {}", display(span.start_ns, zone), display(span.end_ns, zone)),
        gaps,
        described: described.join("; "),
    })
}

/// An instant as RFC 3339 with the offset `zone` has then.
pub fn display(at_ns: i64, zone: &TimeZone) -> String {
    rfc3339(&instant(at_ns).to_zoned_datetime(zone.clone()))
}

/// Reads an instant of the launch: an offset from T0 (`T-1d`, `T+36h`, `T0`; day offsets
/// keep T0's wall clock), an RFC 3339 instant with its offset (`2026-12-06T10:00:00+01:00`,
/// `…Z`), or a wall clock in the launch's zone (`2026-12-06T10:00`), which must exist
/// exactly once there.
pub fn parse_instant(launch: &Launch, text: &str) -> Result<Timestamp> {
    let value = text.trim();
    let refuse = |reason: String| TeamError::Instant { value: value.to_owned(), reason };
    // An offset is `T` then `0` or a sign (the seed's typographic minus included).
    let mut chars = value.chars();
    if matches!(chars.next(), Some('T' | 't'))
        && matches!(chars.next(), Some('0' | '+' | '-' | '\u{2212}' | '\u{2011}' | '\u{2010}' | '\u{2013}'))
    {
        let offset: Offset = format!("T{}", &value[1..]).parse().map_err(|e: crate::Error| refuse(e.to_string()))?;
        return launch.t0.at(offset).map(|z| z.timestamp()).map_err(|e| refuse(e.to_string()));
    }
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at);
    }
    let zone = launch.t0.zoned().time_zone();
    let zone_name = zone.iana_name().unwrap_or("the plan zone");
    let wall: DateTime = value.parse().map_err(|_| {
        refuse("write an offset from T0 (T-1d, T+36h), a wall clock in the plan zone (2026-12-06T10:00) or an RFC 3339 instant with its offset".to_owned())
    })?;
    let ambiguous = zone.to_ambiguous_zoned_datetime(wall);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => ambiguous.unambiguous().map(|z| z.timestamp()).map_err(|e| refuse(e.to_string())),
        AmbiguousOffset::Gap { before, after } => Err(refuse(format!(
            "does not exist in {zone_name}: the clocks jump from {before} to {after}; pick another time or give the offset"
        ))),
        AmbiguousOffset::Fold { before, after } => {
            Err(refuse(format!("happens twice in {zone_name} (at {before} and at {after}); give the offset you mean")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(role: &str, start_ns: i64, end_ns: i64) -> Shift {
        Shift { id: start_ns, person: format!("p{start_ns}"), role: role.to_owned(), start_ns, end_ns }
    }

    fn gap(role: &str, start_ns: i64, end_ns: i64) -> Gap {
        Gap { role: role.to_owned(), start_ns, end_ns }
    }

    fn check(rota: &[Shift], roles: &[&str], span: (i64, i64), expected: &[Gap]) {
        let gaps = coverage(rota, roles, Span { start_ns: span.0, end_ns: span.1 });
        assert_eq!(gaps, expected, "rota {rota:?} over {span:?}");
    }

    #[test]
    fn gaps_are_exact_at_the_edges_of_half_open_shifts() {
        // Back to back: [0,10) and [10,20) leave nothing of [0,20).
        check(&[shift("a", 0, 10), shift("a", 10, 20)], &["a"], (0, 20), &[]);
        // One nanosecond short at either end.
        check(&[shift("a", 1, 20)], &["a"], (0, 20), &[gap("a", 0, 1)]);
        check(&[shift("a", 0, 19)], &["a"], (0, 20), &[gap("a", 19, 20)]);
        // A nanosecond between two shifts.
        check(&[shift("a", 0, 10), shift("a", 11, 20)], &["a"], (0, 20), &[gap("a", 10, 11)]);
        // Shifts beyond the span are clipped; ones outside it count for nothing.
        check(&[shift("a", -50, 5), shift("a", 15, 99)], &["a"], (0, 20), &[gap("a", 5, 15)]);
        check(&[shift("a", -50, 0), shift("a", 20, 99)], &["a"], (0, 20), &[gap("a", 0, 20)]);
        // Overlapping and nested shifts, unsorted.
        check(&[shift("a", 8, 12), shift("a", 0, 10), shift("a", 9, 10), shift("a", 14, 20)], &["a"], (0, 20), &[gap("a", 12, 14)]);
    }

    #[test]
    fn each_role_is_covered_by_its_own_shifts() {
        let rota = [shift("a", 0, 20), shift("b", 5, 20), shift("x", 0, 20)];
        check(&rota, &["a", "b", "c"], (0, 20), &[gap("b", 0, 5), gap("c", 0, 20)]);
        check(&rota, &["a"], (0, 0), &[]);
    }

    #[test]
    fn contacts_are_validated_and_normalised() {
        let contacts = Contacts::new(Some("+48 601-234 567"), Some("olga_treasury"), Some("Olga@Example.COM")).unwrap();
        assert_eq!(contacts.phone.as_deref(), Some("+48601234567"));
        assert_eq!(contacts.telegram.as_deref(), Some("@olga_treasury"));
        assert_eq!(contacts.email.as_deref(), Some("Olga@example.com"));
        assert!(Contacts::new(Some(" "), None, Some("")).unwrap().is_empty());
        for bad in ["601234567", "+0601234567", "+48 601", "+48 601 234 567 890 1234", "+48 6O1 234 567"] {
            assert_eq!(Contacts::new(Some(bad), None, None), Err(TeamError::Phone { value: bad.to_owned() }), "{bad}");
        }
        for bad in ["@ab", "@1olga", "@olga-t", "@olga_", "@this_handle_is_far_too_long_for_telegram"] {
            assert_eq!(Contacts::new(None, Some(bad), None), Err(TeamError::Telegram { value: bad.to_owned() }), "{bad}");
        }
        for bad in
            ["olga", "olga@", "@example.com", "olga@example", "olga@example.c0m", "ol ga@example.com", "olga@-x.com", "o..lga@example.com"]
        {
            assert_eq!(Contacts::new(None, None, Some(bad)), Err(TeamError::Email { value: bad.to_owned() }), "{bad}");
        }
        assert_eq!(Contacts::from_one("+48 601 234 567").unwrap().phone.as_deref(), Some("+48601234567"));
        assert_eq!(Contacts::from_one("@olga_t").unwrap().telegram.as_deref(), Some("@olga_t"));
        assert_eq!(Contacts::from_one("olga@example.com").unwrap().email.as_deref(), Some("olga@example.com"));
        assert_eq!(Contacts::from_one("olga"), Err(TeamError::Contact { value: "olga".to_owned() }));
    }

    #[test]
    fn a_person_needs_a_plan_role_a_name_and_a_contact() {
        let plan = Plan::default_v1();
        let phone = Contacts::new(Some("+48601234567"), None, None).unwrap();
        let person = Person::new(&plan, "  Olga   K. ", "treasury_lead", phone.clone()).unwrap();
        assert_eq!((person.name.as_str(), person.role.as_str()), ("Olga K.", "treasury_lead"));
        let error = Person::new(&plan, "Olga", "treasurer", phone.clone()).unwrap_err();
        assert!(error.to_string().contains("\"treasurer\"") && error.to_string().contains("treasury_lead"), "{error}");
        assert_eq!(Person::new(&plan, " ", "qa_lead", phone.clone()), Err(TeamError::MissingName));
        assert_eq!(Person::new(&plan, "Olga", "qa_lead", Contacts::default()), Err(TeamError::NoContact { name: "Olga".to_owned() }));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(Person::new(&plan, &long, "qa_lead", phone), Err(TeamError::NameTooLong { .. })));
    }
}
