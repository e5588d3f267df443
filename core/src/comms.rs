//! Partner and warroom messages in Russian and English (seed §9, and the messages the
//! checklists name), filled from live figures.
//!
//! A plan's `[[comms_templates]]` hold a subject and a body per language with `{placeholder}`
//! names from the fixed vocabulary [`Placeholder`]; the plan validator has already refused
//! unknown names, a template whose languages use different placeholders, and a language the
//! template does not go out in (`webhooks-degraded` is English only, as its seed rule says).
//!
//! [`figures`] computes every figure a template can name at an instant, from the launch and
//! the ledger — each one either a value or the reason it has none ("no data" is never 0) —
//! and [`fill`] puts them into one language of one template. A placeholder without a value
//! is an error naming it, its reason and the template; it is never left in the text.
//! Instants are formatted in the partner's zone with the zone's name and UTC offset, with
//! Russian month names in Russian and English ones in English, on a 24-hour clock.
//!
//! [`sent_record`] gives what the decision log keeps of a sent message: the template, the
//! languages and the SHA-256 of each exact text.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::events::SettleMode;
use crate::launch::Launch;
use crate::ledger::{instant, ns, p95, window_start, Ledger, Scope, MINUTE_NS};
use crate::offset::Offset;
use crate::plan::{Checkpoint, Communication, Item, Network, Plan, Text};
use crate::rollback::{evaluate, Recommendation};

/// The longest subject or body a template may have, in characters.
const MAX_TEMPLATE_CHARS: usize = 4_000;

/// A language a message goes out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// Russian.
    Ru,
}

impl Language {
    /// Both languages, in the order previews show them.
    pub const ALL: [Self; 2] = [Self::En, Self::Ru];

    /// `en` / `ru`.
    pub fn id(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "en" => Ok(Self::En),
            "ru" => Ok(Self::Ru),
            other => Err(format!("language {other:?} is not en or ru")),
        }
    }
}

/// Who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// The pilot partners only.
    Pilots,
    /// Every partner.
    Partners,
    /// The launch warroom.
    Warroom,
}

impl Audience {
    /// `pilots` / `partners` / `warroom`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Pilots => "pilots",
            Self::Partners => "partners",
            Self::Warroom => "warroom",
        }
    }
}

macro_rules! placeholders {
    ($($variant:ident => $name:literal: $doc:literal,)+) => {
        /// A figure a template can name as `{name}`: the fixed vocabulary of templates.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Placeholder {
            $(#[doc = $doc] $variant,)+
        }

        impl Placeholder {
            /// Every placeholder, in the order the format documentation lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The name written between braces.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// What the placeholder is filled with.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Self::$variant => $doc,)+
                }
            }

            /// The placeholder called `name`, if the vocabulary has it.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

placeholders! {
    Now => "now": "The instant of the figures (the message's \"as of\"), in the partner's zone.",
    T0 => "t0": "T0 of the launch, in the partner's zone.",
    PartnerZone => "partner_zone": "The partner's time zone (IANA name).",
    Phase => "phase": "The phase governing the instant: the one in force, or between phases the last that started.",
    PhaseVolumeCap => "phase_volume_cap": "That phase's volume cap, percent of the daily target.",
    NextPhase => "next_phase": "The first phase that starts after the instant.",
    NextPhaseStart => "next_phase_start": "When it starts, in the partner's zone.",
    NextPhaseVolumeCap => "next_phase_volume_cap": "Its volume cap, percent of the daily target.",
    Network => "network": "The affected network: the one given, else the network of the partial rollback recommended at the instant.",
    Rollback => "rollback": "The rollback recommendation at the instant (none, partial with its scope, full).",
    SloPassThroughP95 => "slo_pass_through_p95": "The plan's p95 pass-through SLO.",
    PassThroughWindow => "pass_through_window": "The last complete metrics window before the instant (the plan's window length), in the partner's zone.",
    P95PassThrough => "p95_pass_through": "p95 pass-through of that window over all networks (in-flight payouts at their age).",
    NetworkP95PassThrough => "network_p95_pass_through": "p95 pass-through of that window on the affected network.",
    NetworkQueueDepth => "network_queue_depth": "Payouts accepted and not yet confirmed or failed on the affected network at the instant.",
    EodDay => "eod_day": "The business day (plan zone) of the latest EOD cut-off at or before the instant.",
    EodSessions => "eod_sessions": "EOD sessions with their cut-off on that day.",
    EodSettled => "eod_settled": "Of them, settled before the instant.",
    P95Eod => "p95_eod": "p95 EOD duration (cut-off to settlement) of that day's settled sessions.",
    PartialShare => "partial_share": "Partial settlements among that day's settled sessions, percent from basis points, with the counts.",
    T1Share => "t1_share": "T+1 (deferred) settlements among them, percent from basis points, with the counts.",
    WebhookWindow => "webhook_window": "The last complete webhook window before the instant (the plan's webhook window), in the partner's zone.",
    WebhookSuccess => "webhook_success": "Webhook delivery success in that window, percent from basis points, with the counts.",
    DeadLetterDepth => "dead_letter_depth": "Webhook events in the dead-letter queue at the instant.",
    NextUpdate => "next_update": "When the next update is sent, in the partner's zone (given by the sender).",
    IncidentId => "incident_id": "The incident's id: the one given, else the latest opened before the instant.",
    IncidentSeverity => "incident_severity": "Its severity (SEV1–SEV3).",
    IncidentTitle => "incident_title": "Its title, as the ledger has it.",
    IncidentOpened => "incident_opened": "When it was opened, in the partner's zone.",
    IncidentResolved => "incident_resolved": "When it was resolved, in the partner's zone.",
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

/// A piece of a template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text kept as written.
    Literal(String),
    /// A figure.
    Figure(Placeholder),
}

/// A subject or body as written in the plan, with its parsed pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateText {
    /// The text as written, placeholders included.
    pub source: String,
    /// The text split into literals and placeholders.
    pub segments: Vec<Segment>,
}

impl TemplateText {
    /// Reads `{name}` placeholders; refuses unknown names and braces that do not make one.
    pub fn parse(source: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        while let Some(index) = rest.find(['{', '}']) {
            literal.push_str(&rest[..index]);
            if rest[index..].starts_with('}') {
                return Err(format!("a '}}' closes no placeholder (after {:?}); write placeholders as {{name}}", excerpt(&literal)));
            }
            let after = &rest[index + 1..];
            let Some(close) = after.find('}') else {
                return Err(format!("a '{{' is not closed (after {:?}); write placeholders as {{name}}", excerpt(&literal)));
            };
            let name = &after[..close];
            let placeholder = Placeholder::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Placeholder::ALL.iter().map(|p| p.name()).collect();
                format!("placeholder {{{name}}} is not one the app fills; use one of {}", known.join(", "))
            })?;
            if !literal.is_empty() {
                segments.push(Segment::Literal(std::mem::take(&mut literal)));
            }
            segments.push(Segment::Figure(placeholder));
            rest = &after[close + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Ok(Self { source: source.to_owned(), segments })
    }

    /// The placeholders the text names, in order of first appearance.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut seen = Vec::new();
        for segment in &self.segments {
            if let Segment::Figure(p) = segment {
                if !seen.contains(p) {
                    seen.push(*p);
                }
            }
        }
        seen
    }
}

fn excerpt(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(24)..].iter().collect()
}

/// A template's words in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// The subject (or the banner's headline).
    pub subject: TemplateText,
    /// The body.
    pub body: TemplateText,
}

impl Wording {
    /// The placeholders of subject and body.
    pub fn placeholders(&self) -> BTreeSet<Placeholder> {
        self.subject.placeholders().into_iter().chain(self.body.placeholders()).collect()
    }
}

/// A validated message template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Stable id, e.g. `start-in-2h`.
    pub id: String,
    /// Who it is for.
    pub audience: Audience,
    /// The languages it goes out in (both unless the plan narrows it).
    pub languages: Vec<Language>,
    /// The checkpoint whose checklist asks for it, if any.
    pub checkpoint: Option<Offset>,
    /// The `[[communications]]` rule (seed §9) it follows, if any.
    pub communication: Option<String>,
    /// The rollback procedure step that sends it, if any.
    pub rollback_step: Option<String>,
    /// English words, present exactly when it goes out in English.
    pub en: Option<Wording>,
    /// Russian words, present exactly when it goes out in Russian.
    pub ru: Option<Wording>,
}

impl Template {
    /// Its words in `language`, if it goes out in it.
    pub fn wording(&self, language: Language) -> Option<&Wording> {
        match language {
            Language::En => self.en.as_ref(),
            Language::Ru => self.ru.as_ref(),
        }
    }

    /// The placeholders it names (the same in every language; the validator checked).
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let wording = self.en.as_ref().or(self.ru.as_ref()).expect("a validated template has a language");
        let mut ordered = wording.subject.placeholders();
        for p in wording.body.placeholders() {
            if !ordered.contains(&p) {
                ordered.push(p);
            }
        }
        ordered
    }
}

/// The raw `[[comms_templates]]` entry as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateFile {
    pub(crate) id: Spanned<String>,
    audience: Audience,
    languages: Option<Vec<Language>>,
    checkpoint: Option<Spanned<String>>,
    communication: Option<Spanned<String>>,
    rollback_step: Option<Spanned<String>>,
    subject: WordingFile,
    body: WordingFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordingFile {
    en: Option<Spanned<String>>,
    ru: Option<Spanned<String>>,
}

impl WordingFile {
    fn get(&self, language: Language) -> Option<&Spanned<String>> {
        match language {
            Language::En => self.en.as_ref(),
            Language::Ru => self.ru.as_ref(),
        }
    }
}

/// A rule a template breaks: the field path, the span for the line, what is wrong.
pub(crate) type TemplateProblem = (String, Range<usize>, String);

/// What a template may refer to in the rest of the plan.
pub(crate) struct PlanRefs<'a> {
    pub(crate) checkpoints: &'a [Checkpoint],
    pub(crate) communications: &'a [Communication],
    pub(crate) procedure: &'a [Item],
}

/// The second step for one `[[comms_templates]]` entry (its id is already checked unique):
/// references, languages, placeholders.
pub(crate) fn template_from_file(field: &str, id: String, file: TemplateFile, refs: &PlanRefs<'_>) -> Result<Template, TemplateProblem> {
    let id_span = file.id.span();
    let problem = |path: String, span: Range<usize>, message: String| -> TemplateProblem { (path, span, message) };
    let checkpoint = match &file.checkpoint {
        Some(text) => {
            let offset: Offset = text
                .get_ref()
                .parse()
                .map_err(|error: crate::Error| problem(format!("{field}.checkpoint"), text.span(), error.to_string()))?;
            if !refs.checkpoints.iter().any(|c| c.offset == offset) {
                let known: Vec<String> = refs.checkpoints.iter().map(|c| c.offset.to_string()).collect();
                return Err(problem(
                    format!("{field}.checkpoint"),
                    text.span(),
                    format!("checkpoint {offset} is not in [[checkpoints]]; use one of {}", known.join(", ")),
                ));
            }
            Some(offset)
        }
        None => None,
    };
    let mut languages = file.languages.clone().unwrap_or_else(|| Language::ALL.to_vec());
    if languages.is_empty() {
        return Err(problem(
            format!("{field}.languages"),
            id_span,
            "no language; leave languages out for both, or name en and/or ru".to_owned(),
        ));
    }
    let count = languages.len();
    languages.sort_unstable();
    languages.dedup();
    if languages.len() != count {
        return Err(problem(format!("{field}.languages"), id_span, "a language is listed twice".to_owned()));
    }
    let communication = match &file.communication {
        Some(rule_id) => {
            let rule = refs.communications.iter().find(|c| &c.id == rule_id.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = refs.communications.iter().map(|c| c.id.as_str()).collect();
                problem(
                    format!("{field}.communication"),
                    rule_id.span(),
                    format!("communication {:?} is not in [[communications]]; use one of {}", rule_id.get_ref(), known.join(", ")),
                )
            })?;
            if rule.audience != file.audience.id() {
                return Err(problem(
                    format!("{field}.audience"),
                    id_span,
                    format!(
                        "audience {} differs from {:?}'s audience {}; the template follows its rule",
                        file.audience.id(),
                        rule.id,
                        rule.audience
                    ),
                ));
            }
            let mut rule_languages: Vec<Language> = if rule.languages.is_empty() {
                Language::ALL.to_vec()
            } else {
                rule.languages.iter().filter_map(|l| l.parse().ok()).collect()
            };
            rule_languages.sort_unstable();
            if rule_languages != languages {
                let names = |list: &[Language]| list.iter().map(|l| l.id()).collect::<Vec<_>>().join(" and ");
                return Err(problem(
                    format!("{field}.languages"),
                    id_span,
                    format!(
                        "the template goes out in {} but its rule {:?} says {} ({}); follow the rule",
                        names(&languages),
                        rule.id,
                        names(&rule_languages),
                        rule.text.en
                    ),
                ));
            }
            Some(rule.id.clone())
        }
        None => None,
    };
    let rollback_step = match &file.rollback_step {
        Some(step) => {
            if !refs.procedure.iter().any(|s| &s.id == step.get_ref()) {
                let known: Vec<&str> = refs.procedure.iter().map(|s| s.id.as_str()).collect();
                return Err(problem(
                    format!("{field}.rollback_step"),
                    step.span(),
                    format!("step {:?} is not in [[rollback.procedure]]; use one of {}", step.get_ref(), known.join(", ")),
                ));
            }
            Some(step.get_ref().clone())
        }
        None => None,
    };

    let mut words = [None, None];
    for (slot, language) in Language::ALL.into_iter().enumerate() {
        let offered = languages.contains(&language);
        let mut parts = Vec::with_capacity(2);
        for (part, wording) in [("subject", &file.subject), ("body", &file.body)] {
            let path = format!("{field}.{part}.{language}");
            match (wording.get(language), offered) {
                (Some(text), true) => {
                    let value = text.get_ref();
                    if value.trim().is_empty() {
                        return Err(problem(path, text.span(), "text is empty; write it".to_owned()));
                    }
                    if value.chars().count() > MAX_TEMPLATE_CHARS {
                        return Err(problem(path, text.span(), format!("text is longer than {MAX_TEMPLATE_CHARS} characters")));
                    }
                    parts.push(TemplateText::parse(value).map_err(|message| problem(path, text.span(), message))?);
                }
                (None, true) => {
                    return Err(problem(
                        path,
                        id_span,
                        format!("missing; template {id:?} goes out in {language}, so write its {part} in {language}"),
                    ))
                }
                (Some(text), false) => {
                    let offered: Vec<&str> = languages.iter().map(|l| l.id()).collect();
                    return Err(problem(
                        path,
                        text.span(),
                        format!(
                            "template {id:?} goes out in {} only; remove the {language} text or add \"{language}\" to languages",
                            offered.join(" and ")
                        ),
                    ));
                }
                (None, false) => {}
            }
        }
        if let (Some(body), Some(subject)) = (parts.pop(), parts.pop()) {
            words[slot] = Some(Wording { subject, body });
        }
    }
    let [en, ru] = words;
    if let (Some(en), Some(ru)) = (&en, &ru) {
        let (en_set, ru_set) = (en.placeholders(), ru.placeholders());
        if en_set != ru_set {
            let list = |set: BTreeSet<&Placeholder>| set.into_iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            let only_en = list(en_set.difference(&ru_set).collect());
            let only_ru = list(ru_set.difference(&en_set).collect());
            let mut differences = Vec::new();
            if !only_en.is_empty() {
                differences.push(format!("only en has {only_en}"));
            }
            if !only_ru.is_empty() {
                differences.push(format!("only ru has {only_ru}"));
            }
            return Err(problem(
                field.to_owned(),
                id_span,
                format!(
                    "template {id:?}: en and ru use different placeholders ({}); both languages must carry the same figures",
                    differences.join("; ")
                ),
            ));
        }
    }
    Ok(Template { id, audience: file.audience, languages, checkpoint, communication, rollback_step, en, ru })
}

/// What the sender adds to the ledger's figures.
#[derive(Debug, Clone)]
pub struct Context {
    /// The zone the partner reads times in.
    pub partner_zone: TimeZone,
    /// The affected network; `None`: the network of the partial rollback recommended at the
    /// instant, if there is one.
    pub network: Option<Network>,
    /// When the next update goes out.
    pub next_update: Option<Timestamp>,
    /// The incident the message is about; `None`: the latest opened before the instant.
    pub incident: Option<String>,
}

/// A figure, or why it has none (in words, naming the instant or window looked at).
pub type Figure<T> = Result<T, String>;

/// A phase as a message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseFigure {
    /// Phase id.
    pub id: String,
    /// Its name in both languages.
    pub name: Text,
    /// Start.
    pub start: Timestamp,
    /// Volume cap, percent of the daily target.
    pub volume_cap_percent: u8,
}

/// A metrics window `[start, end)` (ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start (ns).
    pub start: i64,
    /// End (ns).
    pub end: i64,
}

/// The EOD of one business day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EodFigure {
    /// The plan-zone business day.
    pub day: Date,
    /// Sessions with their cut-off that day (and at or before the instant).
    pub sessions: u64,
    /// Settled before the instant: in full, partially, deferred (T+1).
    pub settled: (u64, u64, u64),
    /// p95 of `settled − cut_off` over the settled ones (ns); `None` when none settled.
    pub p95: Option<i64>,
}

impl EodFigure {
    /// Sessions settled before the instant.
    pub fn settled_total(&self) -> u64 {
        self.settled.0 + self.settled.1 + self.settled.2
    }
}

/// Webhook attempts of one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookFigure {
    /// The window.
    pub window: Window,
    /// 2xx attempts.
    pub succeeded: u64,
    /// All attempts (> 0).
    pub attempts: u64,
}

/// An incident as a message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFigure {
    /// Id.
    pub id: String,
    /// Severity 1–3.
    pub severity: u8,
    /// Title.
    pub title: String,
    /// Opened.
    pub opened: Timestamp,
    /// Resolved before the instant, if it was.
    pub resolved: Option<Timestamp>,
}

/// Every figure a template can name, at one instant.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The instant.
    pub at: Timestamp,
    /// The partner's zone.
    pub partner_zone: TimeZone,
    /// T0.
    pub t0: Timestamp,
    /// The phase governing the instant.
    pub phase: Figure<PhaseFigure>,
    /// The next phase to start.
    pub next_phase: Figure<PhaseFigure>,
    /// The affected network.
    pub network: Figure<Network>,
    /// The rollback recommendation at the instant.
    pub rollback: Recommendation,
    /// The network of its scope, when it is partial.
    pub rollback_network: Option<Network>,
    /// The plan's p95 pass-through SLO (ns).
    pub slo_pass_through_p95: i64,
    /// The last complete metrics window.
    pub pass_through_window: Window,
    /// Its p95 pass-through over all networks (ns).
    pub p95_pass_through: Figure<i64>,
    /// Its p95 pass-through on the affected network (ns).
    pub network_p95_pass_through: Figure<i64>,
    /// Queue depth of the affected network at the instant.
    pub network_queue_depth: Figure<u64>,
    /// The latest business day's EOD.
    pub eod: Figure<EodFigure>,
    /// The last complete webhook window.
    pub webhooks: Figure<WebhookFigure>,
    /// Dead-letter depth at the instant.
    pub dead_letter_depth: Figure<i64>,
    /// The next update.
    pub next_update: Figure<Timestamp>,
    /// The incident.
    pub incident: Figure<IncidentFigure>,
}

/// Computes every figure at `at` (strictly before it, as every metric) from the launch, the
/// ledger and what the sender adds. Windows align to the launch zone's wall clock, as the
/// dashboard's do.
pub fn figures(launch: &Launch, ledger: &Ledger, at: Timestamp, context: &Context) -> Figures {
    let plan = &launch.plan;
    let tz = launch.t0.zoned().time_zone().clone();
    let at_ns = ns(at);
    let when = |nanos: i64| moment(instant(nanos), &tz);
    let phase_figure = |index: usize| {
        let (phase, dates) = (&plan.phases[index], &launch.table.phases[index]);
        PhaseFigure {
            id: phase.id.clone(),
            name: phase.name.clone(),
            start: dates.start.timestamp(),
            volume_cap_percent: phase.volume_cap_percent,
        }
    };
    let phase = match launch.table.phases.iter().rposition(|p| p.start.timestamp() <= at) {
        Some(index) => Ok(phase_figure(index)),
        None => Err(format!(
            "no phase has started at {}: the first, {}, starts at {}",
            when(at_ns),
            plan.phases[0].id,
            moment(launch.table.phases[0].start.timestamp(), &tz)
        )),
    };
    let next_phase = match launch.table.phases.iter().position(|p| p.start.timestamp() > at) {
        Some(index) => Ok(phase_figure(index)),
        None => {
            let last = plan.phases.last().expect("a validated plan has phases");
            Err(format!("no phase starts after {}: {}, the last phase, has started", when(at_ns), last.id))
        }
    };

    let evaluation = evaluate(ledger, plan, &tz, at_ns);
    let rollback_network = match &evaluation.recommendation {
        Recommendation::Partial(Scope::Network(network)) => Some(*network),
        Recommendation::Partial(Scope::Wallet(wallet)) => ledger.wallets.iter().find(|(w, _)| w == wallet).map(|(_, n)| *n),
        _ => None,
    };
    let network = match (context.network, &evaluation.recommendation) {
        (Some(network), _) => Ok(network),
        (None, Recommendation::Partial(scope)) => rollback_network
            .ok_or_else(|| format!("the partial rollback of {} recommended at {} names no network", scope.label(), when(at_ns))),
        (None, Recommendation::Full) => {
            Err(format!("no network was given, and the rollback recommended at {} is full (every network); name the network", when(at_ns)))
        }
        (None, _) => Err(format!("no network was given, and no partial rollback is recommended at {}; name the network", when(at_ns))),
    };

    let width = i64::from(plan.slos.window_minutes) * MINUTE_NS;
    let end = window_start(at_ns, &tz, plan.slos.window_minutes);
    let pass_through_window = Window { start: end - width, end };
    let window_text = format!("[{}, {})", when(pass_through_window.start), when(pass_through_window.end));
    let p95_of = |scope: &Scope, label: &str| {
        let (mut samples, _, _) = ledger.pass_through_samples(scope, pass_through_window.start, pass_through_window.end);
        p95(&mut samples).ok_or_else(|| format!("no payout{label} was confirmed in the window {window_text} or still in flight at its end"))
    };
    let p95_pass_through = p95_of(&Scope::Global, "");
    let network_p95_pass_through = match &network {
        Ok(network) => p95_of(&Scope::Network(*network), &format!(" on {network}")),
        Err(reason) => Err(format!("the affected network is unknown: {reason}")),
    };
    let network_queue_depth = match &network {
        Ok(network) => {
            if ledger.payouts.iter().any(|p| p.network == *network && p.accepted < at_ns) {
                Ok(ledger.queue_depth(&Scope::Network(*network), at_ns))
            } else {
                Err(format!("no payout on {network} was accepted before {}", when(at_ns)))
            }
        }
        Err(reason) => Err(format!("the affected network is unknown: {reason}")),
    };

    let eod = eod_figure(ledger, &tz, at_ns).ok_or_else(|| format!("no EOD session had its cut-off at or before {}", when(at_ns)));

    let hook_minutes = plan.slos.webhook_window_minutes;
    let hook_end = window_start(at_ns, &tz, hook_minutes);
    let hook_window = Window { start: hook_end - i64::from(hook_minutes) * MINUTE_NS, end: hook_end };
    let (succeeded, attempts) = ledger.webhook_attempts(hook_window.start, hook_window.end);
    let webhooks = if attempts == 0 {
        Err(format!("no webhook delivery attempt finished in the window [{}, {})", when(hook_window.start), when(hook_window.end)))
    } else {
        Ok(WebhookFigure { window: hook_window, succeeded, attempts })
    };
    let dead_letter_depth = if ledger.attempts.iter().any(|(finished, _)| *finished < at_ns) {
        Ok(ledger.dead_letter_depth(at_ns))
    } else {
        Err(format!("no webhook delivery attempt finished before {}", when(at_ns)))
    };

    let next_update = match context.next_update {
        Some(next) if next > at => Ok(next),
        Some(next) => Err(format!("the next update {} is not after {}", moment(next, &tz), when(at_ns))),
        None => Err("no next update time was given; set when the next update goes out (e.g. in 30 minutes)".to_owned()),
    };

    let opened: Vec<&crate::ledger::Incident> = ledger.incidents.iter().filter(|i| i.opened < at_ns).collect();
    let incident = match &context.incident {
        Some(id) => opened.iter().find(|i| &i.id == id).copied().ok_or_else(|| {
            let known: Vec<&str> = opened.iter().map(|i| i.id.as_str()).collect();
            if known.is_empty() {
                format!("incident {id:?} was not opened before {}: no incident was", when(at_ns))
            } else {
                format!("incident {id:?} was not opened before {}; the incidents are {}", when(at_ns), known.join(", "))
            }
        }),
        None => opened.iter().max_by_key(|i| i.opened).copied().ok_or_else(|| format!("no incident was opened before {}", when(at_ns))),
    }
    .map(|i| IncidentFigure {
        id: i.id.clone(),
        severity: i.sev,
        title: i.title.clone(),
        opened: instant(i.opened),
        resolved: i.resolved.filter(|r| *r < at_ns).map(instant),
    });

    Figures {
        at,
        partner_zone: context.partner_zone.clone(),
        t0: launch.t0_instant(),
        phase,
        next_phase,
        network,
        rollback: evaluation.recommendation,
        rollback_network,
        slo_pass_through_p95: i64::from(plan.slos.pass_through_p95_max_minutes) * MINUTE_NS,
        pass_through_window,
        p95_pass_through,
        network_p95_pass_through,
        network_queue_depth,
        eod,
        webhooks,
        dead_letter_depth,
        next_update,
        incident,
    }
}

/// An instant in a reason: RFC 3339 to the second, with the zone's offset.
fn moment(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The EOD of the business day of the latest cut-off at or before `at`.
fn eod_figure(ledger: &Ledger, tz: &TimeZone, at: i64) -> Option<EodFigure> {
    let passed = |s: &&crate::ledger::Session| s.opened < at && s.cut_off <= at;
    let latest = ledger.sessions.iter().filter(passed).map(|s| s.cut_off).max()?;
    let day_of = |nanos: i64| instant(nanos).to_zoned_datetime(tz.clone()).date();
    let day = day_of(latest);
    let mut figure = EodFigure { day, sessions: 0, settled: (0, 0, 0), p95: None };
    let mut durations = Vec::new();
    for session in ledger.sessions.iter().filter(passed).filter(|s| day_of(s.cut_off) == day) {
        figure.sessions += 1;
        if let Some((settled_at, mode)) = session.settled.filter(|(when, _)| *when < at) {
            durations.push(settled_at - session.cut_off);
            match mode {
                SettleMode::Full => figure.settled.0 += 1,
                SettleMode::Partial => figure.settled.1 += 1,
                SettleMode::NextDay => figure.settled.2 += 1,
            }
        }
    }
    figure.p95 = p95(&mut durations);
    Some(figure)
}

const MONTHS_EN: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MONTHS_RU: [&str; 12] =
    ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"];

/// `7 December 2026` / `7 декабря 2026`.
pub fn format_date(date: Date, language: Language) -> String {
    let month = usize::try_from(date.month() - 1).expect("month 1–12");
    let name = match language {
        Language::En => MONTHS_EN[month],
        Language::Ru => MONTHS_RU[month],
    };
    format!("{} {name} {}", date.day(), date.year())
}

fn zone_label(zoned: &jiff::ZonedDateTime) -> String {
    let seconds = zoned.offset().seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    let name = zoned.time_zone().iana_name().unwrap_or("UTC");
    format!("{name}, UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An instant in `zone`: `7 December 2026, 10:00 (Europe/Warsaw, UTC+01:00)`, or with the
/// Russian month name; a 24-hour clock in both.
pub fn format_instant(at: Timestamp, zone: &TimeZone, language: Language) -> String {
    let zoned = at.to_zoned_datetime(zone.clone());
    format!("{}, {} ({})", format_date(zoned.date(), language), zoned.strftime("%H:%M"), zone_label(&zoned))
}

/// A window in `zone`: `7 December 2026, 13:45–14:00 (Europe/Warsaw, UTC+01:00)`; both ends
/// written in full when their date or offset differ.
pub fn format_window(window: Window, zone: &TimeZone, language: Language) -> String {
    let start = instant(window.start).to_zoned_datetime(zone.clone());
    let end = instant(window.end).to_zoned_datetime(zone.clone());
    if start.date() == end.date() && start.offset() == end.offset() {
        format!("{}, {}–{} ({})", format_date(start.date(), language), start.strftime("%H:%M"), end.strftime("%H:%M"), zone_label(&start))
    } else {
        format!("{} – {}", format_instant(start.timestamp(), zone, language), format_instant(end.timestamp(), zone, language))
    }
}

/// A duration from exact nanoseconds: `1 h 35 min 12 s` / `1 ч 35 мин 12 с`, to the second,
/// a fraction of a second counted as a whole one so that a value just above a threshold
/// never reads as the threshold; zero parts are left out (`30 min`).
pub fn format_duration(nanos: i64, language: Language) -> String {
    let seconds = nanos.max(0).unsigned_abs().div_ceil(1_000_000_000);
    let (hours, minutes, secs) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let (h, m, s) = match language {
        Language::En => ("h", "min", "s"),
        Language::Ru => ("ч", "мин", "с"),
    };
    let mut parts = Vec::new();
    if hours > 0 {
        parts.push(format!("{hours} {h}"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} {m}"));
    }
    if secs > 0 || parts.is_empty() {
        parts.push(format!("{secs} {s}"));
    }
    parts.join(" ")
}

/// `part / whole` in basis points, rounded half up.
pub fn basis_points(part: u64, whole: u64) -> u64 {
    assert!(whole > 0 && part <= whole, "a share needs 0 ≤ part ≤ whole and whole > 0");
    let scaled = u128::from(part) * 10_000;
    let whole = u128::from(whole);
    u64::try_from((scaled + whole / 2) / whole).expect("at most 10000")
}

/// Basis points as a percentage, exactly: `1250` → `12.5%` / `12,5%`, `10000` → `100%`.
pub fn format_basis_points(basis_points: u64, language: Language) -> String {
    let (whole, fraction) = (basis_points / 100, basis_points % 100);
    let separator = match language {
        Language::En => ".",
        Language::Ru => ",",
    };
    match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}{separator}{}%", f / 10),
        f => format!("{whole}{separator}{f:02}%"),
    }
}

/// `12.5% (1 of 8)` / `12,5% (1 из 8)`.
fn format_share(part: u64, whole: u64, language: Language) -> String {
    let of = match language {
        Language::En => "of",
        Language::Ru => "из",
    };
    format!("{} ({part} {of} {whole})", format_basis_points(basis_points(part, whole), language))
}

fn format_rollback(recommendation: &Recommendation, wallet_network: Option<Network>, language: Language) -> String {
    let scope = match recommendation {
        Recommendation::None => None,
        Recommendation::Full => Some(match language {
            Language::En => "every network".to_owned(),
            Language::Ru => "все сети".to_owned(),
        }),
        Recommendation::Partial(Scope::Network(network)) => Some(network.to_string()),
        Recommendation::Partial(Scope::Wallet(wallet)) => {
            let network = wallet_network.map(|n| format!(", {n}")).unwrap_or_default();
            Some(match language {
                Language::En => format!("wallet {wallet}{network}"),
                Language::Ru => format!("кошелёк {wallet}{network}"),
            })
        }
        Recommendation::Partial(Scope::Global) => Some(Scope::Global.label()),
    };
    match (recommendation, language, scope) {
        (Recommendation::Full, Language::En, Some(scope)) => format!("full rollback ({scope})"),
        (Recommendation::Full, Language::Ru, Some(scope)) => format!("полный откат ({scope})"),
        (Recommendation::Partial(_), Language::En, Some(scope)) => format!("partial rollback ({scope})"),
        (Recommendation::Partial(_), Language::Ru, Some(scope)) => format!("частичный откат ({scope})"),
        (_, Language::En, _) => "no rollback".to_owned(),
        (_, Language::Ru, _) => "откат не нужен".to_owned(),
    }
}

impl Figures {
    /// The text `placeholder` is replaced with in `language`, or why it has none.
    pub fn value(&self, placeholder: Placeholder, language: Language) -> Result<String, String> {
        let zone = &self.partner_zone;
        let at = |t: Timestamp| format_instant(t, zone, language);
        let name = |text: &Text| match language {
            Language::En => text.en.clone(),
            Language::Ru => text.ru.clone(),
        };
        let percent = |p: u8| format!("{p}%");
        let when = |t: Timestamp| moment(t, zone);
        let eod_settled = |eod: &EodFigure| -> Result<EodFigure, String> {
            if eod.settled_total() == 0 {
                Err(format!("no EOD session with its cut-off on {} was settled before {}", eod.day, when(self.at)))
            } else {
                Ok(eod.clone())
            }
        };
        Ok(match placeholder {
            Placeholder::Now => at(self.at),
            Placeholder::T0 => at(self.t0),
            Placeholder::PartnerZone => zone.iana_name().unwrap_or("UTC").to_owned(),
            Placeholder::Phase => name(&self.phase.clone()?.name),
            Placeholder::PhaseVolumeCap => percent(self.phase.clone()?.volume_cap_percent),
            Placeholder::NextPhase => name(&self.next_phase.clone()?.name),
            Placeholder::NextPhaseStart => at(self.next_phase.clone()?.start),
            Placeholder::NextPhaseVolumeCap => percent(self.next_phase.clone()?.volume_cap_percent),
            Placeholder::Network => self.network.clone()?.to_string(),
            Placeholder::Rollback => format_rollback(&self.rollback, self.rollback_network, language),
            Placeholder::SloPassThroughP95 => format_duration(self.slo_pass_through_p95, language),
            Placeholder::PassThroughWindow => format_window(self.pass_through_window, zone, language),
            Placeholder::P95PassThrough => format_duration(self.p95_pass_through.clone()?, language),
            Placeholder::NetworkP95PassThrough => format_duration(self.network_p95_pass_through.clone()?, language),
            Placeholder::NetworkQueueDepth => self.network_queue_depth.clone()?.to_string(),
            Placeholder::EodDay => format_date(self.eod.clone()?.day, language),
            Placeholder::EodSessions => self.eod.clone()?.sessions.to_string(),
            Placeholder::EodSettled => self.eod.clone()?.settled_total().to_string(),
            Placeholder::P95Eod => {
                let eod = eod_settled(&self.eod.clone()?)?;
                format_duration(eod.p95.expect("settled sessions have a p95"), language)
            }
            Placeholder::PartialShare => {
                let eod = eod_settled(&self.eod.clone()?)?;
                format_share(eod.settled.1, eod.settled_total(), language)
            }
            Placeholder::T1Share => {
                let eod = eod_settled(&self.eod.clone()?)?;
                format_share(eod.settled.2, eod.settled_total(), language)
            }
            Placeholder::WebhookWindow => format_window(self.webhooks.clone()?.window, zone, language),
            Placeholder::WebhookSuccess => {
                let hooks = self.webhooks.clone()?;
                format_share(hooks.succeeded, hooks.attempts, language)
            }
            Placeholder::DeadLetterDepth => self.dead_letter_depth.clone()?.to_string(),
            Placeholder::NextUpdate => at(self.next_update.clone()?),
            Placeholder::IncidentId => self.incident.clone()?.id,
            Placeholder::IncidentSeverity => format!("SEV{}", self.incident.clone()?.severity),
            Placeholder::IncidentTitle => self.incident.clone()?.title,
            Placeholder::IncidentOpened => at(self.incident.clone()?.opened),
            Placeholder::IncidentResolved => {
                let incident = self.incident.clone()?;
                at(incident.resolved.ok_or_else(|| format!("incident {} is still open at {}", incident.id, when(self.at)))?)
            }
        })
    }
}

/// A filled message in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The template's id.
    pub template: String,
    /// Who it is for.
    pub audience: Audience,
    /// Its language.
    pub language: Language,
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
}

impl Message {
    /// The exact text that is copied, exported and hashed: the subject, an empty line, the
    /// body, and a final newline.
    pub fn text(&self) -> String {
        format!("{}\n\n{}\n", self.subject, self.body.trim_end_matches('\n'))
    }
}

/// A placeholder with no value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFigure {
    /// The placeholder.
    pub placeholder: Placeholder,
    /// Why it has no value.
    pub reason: String,
}

impl fmt::Display for MissingFigure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} has no value: {}", self.placeholder, self.reason)
    }
}

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    /// The plan has no template with this id.
    #[error("template {id:?} is not in the plan; use one of {}", known.join(", "))]
    UnknownTemplate {
        /// The id asked for.
        id: String,
        /// The plan's template ids.
        known: Vec<String>,
    },
    /// The template does not go out in this language.
    #[error("template {template:?} goes out in {} only; it has no {language} text", offered.iter().map(|l| l.id()).collect::<Vec<_>>().join(" and "))]
    LanguageNotOffered {
        /// The template.
        template: String,
        /// The language asked for.
        language: Language,
        /// The languages it goes out in.
        offered: Vec<Language>,
    },
    /// Placeholders of the template have no value at this instant.
    #[error("template {template:?} ({language}) cannot be filled — {}", missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    MissingFigures {
        /// The template.
        template: String,
        /// The language.
        language: Language,
        /// Each placeholder without a value, in order of first appearance, with its reason.
        missing: Vec<MissingFigure>,
    },
}

/// The template `template_id` of the plan, or the error naming the plan's ids.
pub fn template<'a>(plan: &'a Plan, template_id: &str) -> Result<&'a Template, FillError> {
    plan.comms_templates.iter().find(|t| t.id == template_id).ok_or_else(|| FillError::UnknownTemplate {
        id: template_id.to_owned(),
        known: plan.comms_templates.iter().map(|t| t.id.clone()).collect(),
    })
}

/// Fills one language of a template with the figures. Every placeholder without a value
/// is named in the error with its reason; a message is returned only when all have one.
pub fn fill(plan: &Plan, template_id: &str, figures: &Figures, language: Language) -> Result<Message, FillError> {
    let template = template(plan, template_id)?;
    let wording = template.wording(language).ok_or_else(|| FillError::LanguageNotOffered {
        template: template.id.clone(),
        language,
        offered: template.languages.clone(),
    })?;
    let mut missing: Vec<MissingFigure> = Vec::new();
    let mut render = |text: &TemplateText| {
        let mut out = String::with_capacity(text.source.len() + 64);
        for segment in &text.segments {
            match segment {
                Segment::Literal(literal) => out.push_str(literal),
                Segment::Figure(placeholder) => match figures.value(*placeholder, language) {
                    Ok(value) => out.push_str(&value),
                    Err(reason) => {
                        if !missing.iter().any(|m| m.placeholder == *placeholder) {
                            missing.push(MissingFigure { placeholder: *placeholder, reason });
                        }
                    }
                },
            }
        }
        out
    };
    let subject = render(&wording.subject);
    let body = render(&wording.body);
    if !missing.is_empty() {
        return Err(FillError::MissingFigures { template: template.id.clone(), language, missing });
    }
    Ok(Message { template: template.id.clone(), audience: template.audience, language, subject, body })
}

/// One sent text as the decision log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentText {
    /// Its language.
    pub language: Language,
    /// SHA-256 (lower-case hex) of [`Message::text`], the exact UTF-8 bytes of this language.
    pub sha256: String,
}

/// What the decision log keeps of a sent message (the `comms_sent` decision): the template,
/// who it went to, its languages and the hash of the exact text sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    /// The template's id.
    pub template: String,
    /// Its audience.
    pub audience: Audience,
    /// The languages sent, in the order given.
    pub languages: Vec<Language>,
    /// SHA-256 (lower-case hex) of [`sent_text`] of the same messages: the exact UTF-8 text
    /// sent, both languages in one message when both went out.
    pub sha256: String,
    /// Each language's own text by its hash, in the same order.
    pub texts: Vec<SentText>,
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn check_one_template(messages: &[Message]) -> &Message {
    let first = messages.first().expect("a sent message has at least one language");
    for (index, message) in messages.iter().enumerate() {
        assert_eq!(message.template, first.template, "one sent message holds one template");
        assert!(!messages[..index].iter().any(|m| m.language == message.language), "language {} given twice", message.language);
    }
    first
}

/// The exact text of a message sent in the given languages: each language's
/// [`Message::text`] in the order given, an empty line between them. This is what the app
/// copies and exports as the message.
pub fn sent_text(messages: &[Message]) -> String {
    check_one_template(messages);
    messages.iter().map(Message::text).collect::<Vec<_>>().join("\n")
}

/// The log entry of one message sent in one or more languages. `messages` are the filled
/// languages of one template, each at most once (a caller passing anything else has a bug).
pub fn sent_record(messages: &[Message]) -> SentRecord {
    let first = check_one_template(messages);
    SentRecord {
        template: first.template.clone(),
        audience: first.audience,
        languages: messages.iter().map(|m| m.language).collect(),
        sha256: sha256_hex(&sent_text(messages)),
        texts: messages.iter().map(|message| SentText { language: message.language, sha256: sha256_hex(&message.text()) }).collect(),
    }
}
