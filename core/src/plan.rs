//! The launch plan as data: a versioned TOML file (schema 1, documented in
//! `docs/plan-format.md`) parsed into a validated [`Plan`].
//!
//! Parsing happens in two steps. Serde reads the file into the `file` structs, which
//! refuse unknown fields and wrong types with the line and column. Then [`Plan::from_toml`]
//! checks the rules serde cannot (ids unique, owners are roles, offsets readable, phases
//! ordered, numbers in range) and names the offending field path and line.

use std::collections::HashSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, Location, Result};
use crate::offset::Offset;

/// The plan-file schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Limits on a plan, so that a damaged file cannot make the app allocate without bound.
const MAX_ITEMS: usize = 1_000;
const MAX_TEXT_CHARS: usize = 2_000;

/// A text kept in both languages of the plan: English and the Russian original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// English.
    pub en: String,
    /// Russian (the seed's original wording).
    pub ru: String,
}

/// A network the platform settles on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Ethereum ERC-20.
    Erc20,
    /// Tron TRC-20.
    Trc20,
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Erc20 => "ERC-20",
            Self::Trc20 => "TRC-20",
        })
    }
}

/// A role that owns checklist items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Stable id, e.g. `treasury_lead`.
    pub id: String,
    /// Display name.
    pub name: Text,
    /// What the role does during the launch.
    pub duty: Text,
}

/// A communication channel; the warroom has opening hours relative to T0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Stable id, e.g. `launch-warroom`.
    pub id: String,
    /// Display name, e.g. `#launch-warroom`.
    pub name: String,
    /// When the channel opens and closes, if it is not permanent.
    pub open: Option<(Offset, Offset)>,
}

/// A launch phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// Stable id: `preflight`, `pilot`, `canary`, `full`.
    pub id: String,
    /// Display name.
    pub name: Text,
    /// Start offset (inclusive).
    pub start: Offset,
    /// End offset (exclusive).
    pub end: Offset,
    /// Volume cap, percent of the daily target volume.
    pub volume_cap_percent: u8,
    /// The lower end of a target range (Canary: 25 of 25–30%), if the plan gives one.
    pub volume_target_percent: Option<u8>,
    /// Number of partners, if the phase limits it (Pilot: 2–4).
    pub partners: Option<(u32, u32)>,
    /// Whether partial / T+1 settlement is enabled in this phase.
    pub partial_settlement: bool,
    /// The phase's goals.
    pub goals: Text,
}

/// One checklist item: a checkpoint item, an entry criterion or an onboarding step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable id, unique across the plan.
    pub id: String,
    /// The owner role's id.
    pub owner: String,
    /// What to do.
    pub title: Text,
    /// The metrics window this check uses, if not the default (T-30m: 30 minutes).
    pub metrics_window_minutes: Option<u32>,
}

/// A cutover checkpoint with its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// When, relative to T0.
    pub offset: Offset,
    /// Display name.
    pub name: Text,
    /// The items to do at this checkpoint.
    pub items: Vec<Item>,
}

/// A freeze window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    /// Start offset (inclusive).
    pub start: Offset,
    /// End offset (exclusive).
    pub end: Offset,
    /// The rule while it is active.
    pub rule: Text,
}

/// The config freeze, with the keys that may still change by the IC's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFreeze {
    /// The window and its rule.
    pub window: Freeze,
    /// Config keys that may change during the freeze (`per_tx_cap`, `fee_mode`).
    pub exceptions: Vec<String>,
    /// The role whose decision an exception needs.
    pub exception_approver: String,
}

/// Where and how changes are made while freezes are on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeWindow {
    /// The channel changes go through.
    pub channel: String,
    /// When the window is open: the channel's opening hours.
    pub start: Offset,
    /// When it closes.
    pub end: Offset,
    /// The fields every change request fills in.
    pub template: Vec<String>,
    /// The rule in words.
    pub rule: Text,
}

/// The freeze plan (seed §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezePlan {
    /// Code freeze: hotfix only, by procedure.
    pub code: Freeze,
    /// Config freeze, with its exceptions.
    pub config: ConfigFreeze,
    /// The change window.
    pub change_window: ChangeWindow,
}

/// The per-transaction cap of one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerTxCap {
    /// The network.
    pub network: Network,
    /// The cap in whole token units (250,000 for ERC-20).
    pub cap_token_units: u64,
    /// Token decimals (USDT and USDC: 6).
    pub token_decimals: u8,
    /// Whether amounts above the cap are split into batches.
    pub batch_above_cap: bool,
}

impl PerTxCap {
    /// The cap in base units (token units × 10^decimals); validated not to overflow.
    pub fn cap_base_units(&self) -> u128 {
        u128::from(self.cap_token_units) * 10u128.pow(u32::from(self.token_decimals))
    }
}

/// Guardrails (seed §7). Phase volume caps live on the phases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardrails {
    /// Per-transaction caps, one per network.
    pub per_tx_caps: Vec<PerTxCap>,
    /// The first phase in which partial / T+1 settlement is allowed.
    pub partial_settlement_from_phase: String,
    /// The rule in words.
    pub partial_settlement_rule: Text,
}

/// Launch SLOs (seed §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slos {
    /// p95 pass-through must be at most this many minutes.
    pub pass_through_p95_max_minutes: u32,
    /// p95 EOD duration must be at most this many minutes.
    pub eod_p95_max_minutes: u32,
    /// Webhook success must be at least this, in basis points (9900 = 99%).
    pub webhook_success_min_basis_points: u32,
    /// The webhook success window.
    pub webhook_window_minutes: u32,
    /// The default metrics window.
    pub window_minutes: u32,
}

/// Rollback rule 1: pass-through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassThroughRule {
    /// Triggers when p95 is strictly above this.
    pub p95_above_minutes: u32,
    /// …in this many consecutive windows.
    pub consecutive_windows: u32,
    /// Window length.
    pub window_minutes: u32,
    /// …and the queue is growing.
    pub requires_queue_growth: bool,
    /// The rule in words.
    pub text: Text,
}

/// Rollback rule 2: unsettled EOD sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EodUnsettledRule {
    /// A session unsettled at least this long after its cut-off…
    pub after_cut_off_minutes: u32,
    /// …with no decrease of the unsettled gauge over this lookback.
    pub improvement_lookback_minutes: u32,
    /// The rule in words.
    pub text: Text,
}

/// Rollback rule 3: webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRule {
    /// Triggers when success is strictly below this, in basis points (9800 = 98%).
    pub success_below_basis_points: u32,
    /// Window length.
    pub window_minutes: u32,
    /// …and the dead-letter queue is growing.
    pub requires_dead_letter_growth: bool,
    /// The rule in words.
    pub text: Text,
}

/// Rollback rule 4: a severe incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRule {
    /// The severity that triggers (`SEV1`).
    pub severity: String,
    /// The kinds of incident named by the seed.
    pub causes: Vec<String>,
    /// The rule in words.
    pub text: Text,
}

/// Rollback criteria and procedure (seed §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    /// `partial` and `full`.
    pub kinds: Vec<String>,
    /// What a partial rollback can be narrowed to.
    pub partial_scopes: Vec<String>,
    /// Rule 1.
    pub pass_through: PassThroughRule,
    /// Rule 2.
    pub eod_unsettled: EodUnsettledRule,
    /// Rule 3.
    pub webhooks: WebhookRule,
    /// Rule 4.
    pub incident: IncidentRule,
    /// The procedure, in order; each step has an owner.
    pub procedure: Vec<Item>,
    /// What signing a payout chunk needs while a rollback recommendation or safe-mode
    /// covers its wallet, network or everything (issue 10).
    pub signing_gate: SigningGate,
}

/// What signing needs while the SLO picture says roll back (or safe-mode is on) for a
/// chunk's scope: `block` refuses it, `extra_approval` needs the quorum + 1 distinct approvers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SigningGate {
    /// No signature in that scope.
    Block,
    /// The policy's quorum + 1.
    #[default]
    ExtraApproval,
}

impl SigningGate {
    /// `block` / `extra_approval`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::ExtraApproval => "extra_approval",
        }
    }
}

/// A launch KPI (seed §11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    /// Stable id.
    pub id: String,
    /// `minutes`, `basis_points` or `count`.
    pub unit: String,
    /// What is measured.
    pub name: Text,
}

/// A communication template (seed §9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Communication {
    /// Stable id.
    pub id: String,
    /// `pilots` or `partners`.
    pub audience: String,
    /// Languages the message goes out in; both when absent.
    #[serde(default)]
    pub languages: Vec<String>,
    /// The template's rule.
    pub text: Text,
}

/// An environment (seed §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// `staging` or `prod-canary`.
    pub id: String,
    /// What it is.
    pub description: Text,
}

/// The seeding of prod-canary (seed §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seeding {
    /// The tiers of the seeded companies.
    pub companies: Vec<String>,
    /// The number of trust pairs.
    pub trust_pairs: u32,
    /// In words.
    pub description: Text,
}

/// A validated launch plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Plan id, e.g. `launch-plan-v1`.
    pub id: String,
    /// Plan version as written by its authors.
    pub version: String,
    /// IANA time zone of every plan time.
    pub time_zone: String,
    /// Title.
    pub title: Text,
    /// Assets settled.
    pub assets: Vec<String>,
    /// Networks used.
    pub networks: Vec<Network>,
    /// Launch goals.
    pub goals: Vec<Text>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Phases, in time order.
    pub phases: Vec<Phase>,
    /// Entry criteria of the Go/No-Go gate.
    pub entry_criteria: Vec<Item>,
    /// Pilot-partner onboarding steps.
    pub onboarding: Vec<Item>,
    /// Environments.
    pub environments: Vec<Environment>,
    /// Seeding of prod-canary.
    pub seeding: Seeding,
    /// The freeze plan.
    pub freeze: FreezePlan,
    /// Guardrails.
    pub guardrails: Guardrails,
    /// Cutover checkpoints, in time order.
    pub checkpoints: Vec<Checkpoint>,
    /// SLOs.
    pub slos: Slos,
    /// Rollback criteria and procedure.
    pub rollback: Rollback,
    /// KPIs.
    pub kpis: Vec<Kpi>,
    /// Communication templates.
    pub communications: Vec<Communication>,
    /// Message templates in RU/EN, filled from live figures (`crate::comms`).
    pub comms_templates: Vec<crate::comms::Template>,
}

/// Which list of a plan an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An entry criterion of the Go/No-Go gate.
    EntryCriterion,
    /// A pilot-onboarding step.
    Onboarding,
    /// A cutover checkpoint item.
    Checkpoint,
}

impl Plan {
    /// The default plan, `launch-plan-v1`, which encodes the seed.
    pub fn default_v1() -> Self {
        // The embedded plan is tested to parse; failing here is a build defect.
        Self::from_toml(crate::DEFAULT_PLAN_TOML).expect("the embedded default plan is valid")
    }

    /// Parses and validates a plan file.
    pub fn from_toml(source: &str) -> Result<Self> {
        let file: file::PlanFile = toml::from_str(source).map_err(|error| syntax_error(source, &error))?;
        Validator { source, seen_ids: HashSet::new(), role_ids: HashSet::new() }.plan(file)
    }

    /// Every checklist item with its kind, in plan order: entry criteria, onboarding, then
    /// checkpoints in time order.
    pub fn items(&self) -> impl Iterator<Item = (ItemKind, Option<&Checkpoint>, &Item)> {
        let entry = self.entry_criteria.iter().map(|i| (ItemKind::EntryCriterion, None, i));
        let onboarding = self.onboarding.iter().map(|i| (ItemKind::Onboarding, None, i));
        let checkpoints = self.checkpoints.iter().flat_map(|c| c.items.iter().map(move |i| (ItemKind::Checkpoint, Some(c), i)));
        entry.chain(onboarding).chain(checkpoints)
    }

    /// The item with this id, if the plan has one.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().map(|(_, _, item)| item).find(|item| item.id == id)
    }

    /// The role with this id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }
}

fn syntax_error(source: &str, error: &toml::de::Error) -> Error {
    let (line, column) = error.span().map(|span| line_column(source, span.start)).unwrap_or((1, 1));
    Error::PlanSyntax { line, column, message: error.message().trim().to_owned() }
}

fn line_column(source: &str, byte: usize) -> (usize, usize) {
    let before = &source[..byte.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The raw shape of the file, as serde reads it. Field names are the schema.
mod file {
    use serde::Deserialize;
    use toml::Spanned;

    use super::{Communication, Environment, Kpi, Network, PerTxCap, Seeding, Slos, Text};
    use super::{EodUnsettledRule, IncidentRule, PassThroughRule, WebhookRule};

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct PlanFile {
        pub(super) schema: Spanned<u32>,
        pub(super) id: Spanned<String>,
        pub(super) version: String,
        #[serde(default = "default_zone")]
        pub(super) time_zone: Spanned<String>,
        pub(super) title: Text,
        pub(super) assets: Vec<String>,
        pub(super) networks: Vec<Network>,
        #[serde(default)]
        pub(super) goals: Vec<Text>,
        pub(super) roles: Vec<RoleFile>,
        #[serde(default)]
        pub(super) channels: Vec<ChannelFile>,
        pub(super) phases: Vec<PhaseFile>,
        pub(super) entry_criteria: Vec<ItemFile>,
        #[serde(default)]
        pub(super) onboarding: Vec<ItemFile>,
        #[serde(default)]
        pub(super) environments: Vec<Environment>,
        pub(super) seeding: Seeding,
        pub(super) freeze: FreezeFile,
        pub(super) guardrails: GuardrailsFile,
        pub(super) checkpoints: Vec<CheckpointFile>,
        pub(super) slos: Spanned<Slos>,
        pub(super) rollback: RollbackFile,
        pub(super) kpis: Vec<Kpi>,
        #[serde(default)]
        pub(super) communications: Vec<Communication>,
        #[serde(default)]
        pub(super) comms_templates: Vec<crate::comms::TemplateFile>,
    }

    fn default_zone() -> Spanned<String> {
        Spanned::new(0..0, "Europe/Warsaw".to_owned())
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RoleFile {
        pub(super) id: Spanned<String>,
        pub(super) name: Text,
        pub(super) duty: Text,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct ChannelFile {
        pub(super) id: Spanned<String>,
        pub(super) name: String,
        pub(super) opens: Option<Spanned<String>>,
        pub(super) closes: Option<Spanned<String>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Range {
        pub(super) min: u32,
        pub(super) max: u32,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct PhaseFile {
        pub(super) id: Spanned<String>,
        pub(super) name: Text,
        pub(super) start: Spanned<String>,
        pub(super) end: Spanned<String>,
        pub(super) volume_cap_percent: Spanned<u8>,
        pub(super) volume_target_percent: Option<u8>,
        pub(super) partners: Option<Spanned<Range>>,
        #[serde(default)]
        pub(super) networks: Vec<Network>,
        pub(super) eod: Option<String>,
        #[serde(default)]
        pub(super) partial_settlement: bool,
        pub(super) goals: Text,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct ItemFile {
        pub(super) id: Spanned<String>,
        pub(super) owner: Spanned<String>,
        pub(super) title: Spanned<Text>,
        pub(super) metrics_window_minutes: Option<u32>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct CheckpointFile {
        pub(super) offset: Spanned<String>,
        pub(super) name: Text,
        pub(super) items: Vec<ItemFile>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct WindowFile {
        pub(super) start: Spanned<String>,
        pub(super) end: Spanned<String>,
        pub(super) rule: Text,
        #[serde(default)]
        pub(super) exceptions: Vec<String>,
        pub(super) exception_approver: Option<Spanned<String>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct ChangeWindowFile {
        pub(super) channel: Spanned<String>,
        pub(super) template: Spanned<Vec<String>>,
        pub(super) rule: Text,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct FreezeFile {
        pub(super) code: WindowFile,
        pub(super) config: WindowFile,
        pub(super) change_window: ChangeWindowFile,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct GuardrailsFile {
        pub(super) per_tx_caps: Vec<Spanned<PerTxCap>>,
        pub(super) partial_settlement_from_phase: Spanned<String>,
        pub(super) partial_settlement_rule: Text,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RollbackFile {
        pub(super) kinds: Vec<String>,
        pub(super) partial_scopes: Vec<String>,
        pub(super) pass_through: Spanned<PassThroughRule>,
        pub(super) eod_unsettled: Spanned<EodUnsettledRule>,
        pub(super) webhooks: Spanned<WebhookRule>,
        pub(super) incident: IncidentRule,
        pub(super) procedure: Vec<ItemFile>,
        #[serde(default)]
        pub(super) signing_gate: super::SigningGate,
    }
}

struct Validator<'a> {
    source: &'a str,
    seen_ids: HashSet<String>,
    role_ids: HashSet<String>,
}

impl Validator<'_> {
    fn at(&self, field: impl Into<String>, span: Range<usize>) -> Location {
        let line = (span.end > span.start).then(|| line_column(self.source, span.start).0);
        Location { field: field.into(), line }
    }

    fn invalid(&self, field: impl Into<String>, span: Range<usize>, message: impl Into<String>) -> Error {
        Error::PlanInvalid { at: self.at(field, span), message: message.into() }
    }

    fn text(&self, field: &str, span: Range<usize>, text: &Text) -> Result<()> {
        for (lang, value) in [("en", &text.en), ("ru", &text.ru)] {
            if value.trim().is_empty() {
                return Err(self.invalid(format!("{field}.{lang}"), span, "text is empty; write it in both en and ru"));
            }
            if value.chars().count() > MAX_TEXT_CHARS {
                return Err(self.invalid(format!("{field}.{lang}"), span, format!("text is longer than {MAX_TEXT_CHARS} characters")));
            }
        }
        Ok(())
    }

    fn offset(&self, field: &str, value: &Spanned<String>) -> Result<Offset> {
        value.get_ref().parse().map_err(|error: Error| self.invalid(field, value.span(), error.to_string()))
    }

    fn window(&self, field: &str, start: &Spanned<String>, end: &Spanned<String>) -> Result<(Offset, Offset)> {
        let start_offset = self.offset(&format!("{field}.start"), start)?;
        let end_offset = self.offset(&format!("{field}.end"), end)?;
        if end_offset.nominal_minutes() <= start_offset.nominal_minutes() {
            return Err(self.invalid(format!("{field}.end"), end.span(), format!("{end_offset} is not after the start {start_offset}")));
        }
        Ok((start_offset, end_offset))
    }

    fn new_id(&mut self, field: &str, id: &Spanned<String>) -> Result<String> {
        let value = id.get_ref();
        let well_formed = !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(self.invalid(field, id.span(), format!("id {value:?} must be 1–64 characters of a-z, 0-9, - and _")));
        }
        if !self.seen_ids.insert(value.clone()) {
            return Err(self.invalid(field, id.span(), format!("id {value:?} is used twice; ids are unique across the plan")));
        }
        Ok(value.clone())
    }

    fn owner(&self, field: &str, owner: &Spanned<String>) -> Result<String> {
        if !self.role_ids.contains(owner.get_ref()) {
            let mut known: Vec<&str> = self.role_ids.iter().map(String::as_str).collect();
            known.sort_unstable();
            return Err(self.invalid(
                field,
                owner.span(),
                format!("owner {:?} is not a role of the plan; use one of {}", owner.get_ref(), known.join(", ")),
            ));
        }
        Ok(owner.get_ref().clone())
    }

    fn item(&mut self, field: &str, item: file::ItemFile) -> Result<Item> {
        let id = self.new_id(&format!("{field}.id"), &item.id)?;
        let owner = self.owner(&format!("{field}.owner"), &item.owner)?;
        self.text(&format!("{field}.title"), item.title.span(), item.title.get_ref())?;
        if let Some(minutes) = item.metrics_window_minutes {
            if minutes == 0 || minutes > 24 * 60 {
                return Err(self.invalid(
                    format!("{field}.metrics_window_minutes"),
                    item.id.span(),
                    format!("{minutes} is not between 1 and 1440 minutes"),
                ));
            }
        }
        Ok(Item { id, owner, title: item.title.into_inner(), metrics_window_minutes: item.metrics_window_minutes })
    }

    fn items(&mut self, field: &str, items: Vec<file::ItemFile>, limit_span: Range<usize>) -> Result<Vec<Item>> {
        if items.len() > MAX_ITEMS {
            return Err(self.invalid(field, limit_span, format!("{} items; a plan holds at most {MAX_ITEMS}", items.len())));
        }
        items.into_iter().enumerate().map(|(n, item)| self.item(&format!("{field}[{n}]"), item)).collect()
    }

    fn plan(mut self, file: file::PlanFile) -> Result<Plan> {
        if *file.schema.get_ref() != SCHEMA_VERSION {
            return Err(self.invalid(
                "schema",
                file.schema.span(),
                format!("schema {} is not supported; this build reads schema {SCHEMA_VERSION}", file.schema.get_ref()),
            ));
        }
        let id = self.new_id("id", &file.id)?;
        if jiff::tz::TimeZone::get(file.time_zone.get_ref()).is_err() {
            return Err(self.invalid(
                "time_zone",
                file.time_zone.span(),
                format!("time zone {:?} is not in the tz database; use an IANA name such as Europe/Warsaw", file.time_zone.get_ref()),
            ));
        }
        let whole = 0..self.source.len().min(1);
        self.text("title", whole.clone(), &file.title)?;
        for (n, goal) in file.goals.iter().enumerate() {
            self.text(&format!("goals[{n}]"), whole.clone(), goal)?;
        }
        if file.networks.is_empty() {
            return Err(self.invalid("networks", whole, "name at least one network: erc20, trc20"));
        }

        let mut roles = Vec::with_capacity(file.roles.len());
        for (n, role) in file.roles.into_iter().enumerate() {
            let field = format!("roles[{n}]");
            let role_id = self.new_id(&format!("{field}.id"), &role.id)?;
            self.text(&format!("{field}.name"), role.id.span(), &role.name)?;
            self.text(&format!("{field}.duty"), role.id.span(), &role.duty)?;
            self.role_ids.insert(role_id.clone());
            roles.push(Role { id: role_id, name: role.name, duty: role.duty });
        }
        if roles.is_empty() {
            return Err(self.invalid("roles", whole, "a plan needs at least one role to own its items"));
        }

        let mut channels = Vec::with_capacity(file.channels.len());
        for (n, channel) in file.channels.into_iter().enumerate() {
            let field = format!("channels[{n}]");
            let channel_id = self.new_id(&format!("{field}.id"), &channel.id)?;
            let open = match (&channel.opens, &channel.closes) {
                (Some(opens), Some(closes)) => Some(self.window(&field, opens, closes)?),
                (None, None) => None,
                _ => return Err(self.invalid(format!("{field}.opens"), channel.id.span(), "give both opens and closes, or neither")),
            };
            channels.push(Channel { id: channel_id, name: channel.name, open });
        }

        let phases = self.phases(file.phases)?;
        let entry_criteria = self.items("entry_criteria", file.entry_criteria, whole.clone())?;
        if entry_criteria.is_empty() {
            return Err(self.invalid("entry_criteria", whole, "the Go/No-Go gate needs at least one entry criterion"));
        }
        let onboarding = self.items("onboarding", file.onboarding, whole.clone())?;
        let freeze = self.freeze(file.freeze, &channels)?;
        let guardrails = self.guardrails(file.guardrails, &phases)?;

        let mut checkpoints = Vec::with_capacity(file.checkpoints.len());
        let mut offsets_seen = HashSet::new();
        for (n, checkpoint) in file.checkpoints.into_iter().enumerate() {
            let field = format!("checkpoints[{n}]");
            let offset = self.offset(&format!("{field}.offset"), &checkpoint.offset)?;
            if !offsets_seen.insert(offset) {
                return Err(self.invalid(
                    format!("{field}.offset"),
                    checkpoint.offset.span(),
                    format!("checkpoint {offset} is listed twice; merge the items"),
                ));
            }
            self.text(&format!("{field}.name"), checkpoint.offset.span(), &checkpoint.name)?;
            let items = self.items(&format!("{field}.items"), checkpoint.items, checkpoint.offset.span())?;
            checkpoints.push(Checkpoint { offset, name: checkpoint.name, items });
        }
        checkpoints.sort_by_key(|c| c.offset.nominal_minutes());

        let slos = *file.slos.get_ref();
        let slo_span = file.slos.span();
        for (name, value) in [
            ("slos.pass_through_p95_max_minutes", slos.pass_through_p95_max_minutes),
            ("slos.eod_p95_max_minutes", slos.eod_p95_max_minutes),
            ("slos.webhook_window_minutes", slos.webhook_window_minutes),
            ("slos.window_minutes", slos.window_minutes),
        ] {
            if value == 0 || value > 24 * 60 {
                return Err(self.invalid(name, slo_span, format!("{value} is not between 1 and 1440 minutes")));
            }
        }
        if slos.webhook_success_min_basis_points > 10_000 {
            return Err(self.invalid(
                "slos.webhook_success_min_basis_points",
                slo_span,
                format!("{} is above 10000 (100%)", slos.webhook_success_min_basis_points),
            ));
        }

        let rollback = self.rollback(file.rollback, &slos)?;
        let mut kpi_ids = HashSet::new();
        for (n, kpi) in file.kpis.iter().enumerate() {
            if !kpi_ids.insert(kpi.id.clone()) {
                return Err(self.invalid(format!("kpis[{n}].id"), whole, format!("KPI {:?} is listed twice", kpi.id)));
            }
            if !["minutes", "basis_points", "count"].contains(&kpi.unit.as_str()) {
                return Err(self.invalid(
                    format!("kpis[{n}].unit"),
                    whole,
                    format!("unit {:?} is not minutes, basis_points or count", kpi.unit),
                ));
            }
            self.text(&format!("kpis[{n}].name"), whole.clone(), &kpi.name)?;
        }
        for (n, message) in file.communications.iter().enumerate() {
            self.text(&format!("communications[{n}].text"), whole.clone(), &message.text)?;
            if let Some(lang) = message.languages.iter().find(|l| !["en", "ru"].contains(&l.as_str())) {
                return Err(self.invalid(format!("communications[{n}].languages"), whole, format!("language {lang:?} is not en or ru")));
            }
        }
        let refs =
            crate::comms::PlanRefs { checkpoints: &checkpoints, communications: &file.communications, procedure: &rollback.procedure };
        let mut comms_templates = Vec::with_capacity(file.comms_templates.len());
        for (n, template) in file.comms_templates.into_iter().enumerate() {
            let field = format!("comms_templates[{n}]");
            let template_id = self.new_id(&format!("{field}.id"), &template.id)?;
            let template = crate::comms::template_from_file(&field, template_id, template, &refs)
                .map_err(|(path, span, message)| self.invalid(path, span, message))?;
            comms_templates.push(template);
        }

        Ok(Plan {
            id,
            version: file.version,
            time_zone: file.time_zone.into_inner(),
            title: file.title,
            assets: file.assets,
            networks: file.networks,
            goals: file.goals,
            roles,
            channels,
            phases,
            entry_criteria,
            onboarding,
            environments: file.environments,
            seeding: file.seeding,
            freeze,
            guardrails,
            checkpoints,
            slos,
            rollback,
            kpis: file.kpis,
            communications: file.communications,
            comms_templates,
        })
    }

    fn phases(&mut self, files: Vec<file::PhaseFile>) -> Result<Vec<Phase>> {
        let mut phases: Vec<Phase> = Vec::with_capacity(files.len());
        for (n, phase) in files.into_iter().enumerate() {
            let field = format!("phases[{n}]");
            let phase_id = self.new_id(&format!("{field}.id"), &phase.id)?;
            let (start, end) = self.window(&field, &phase.start, &phase.end)?;
            self.text(&format!("{field}.name"), phase.id.span(), &phase.name)?;
            self.text(&format!("{field}.goals"), phase.id.span(), &phase.goals)?;
            let cap = *phase.volume_cap_percent.get_ref();
            if cap > 100 {
                return Err(self.invalid(
                    format!("{field}.volume_cap_percent"),
                    phase.volume_cap_percent.span(),
                    format!("{cap}% is above 100%"),
                ));
            }
            if let Some(previous) = phases.last() {
                if start.nominal_minutes() < previous.end.nominal_minutes() {
                    return Err(self.invalid(
                        format!("{field}.start"),
                        phase.start.span(),
                        format!(
                            "{start} is before the end {} of phase {:?}; list phases in time order without overlap",
                            previous.end, previous.id
                        ),
                    ));
                }
                if cap < previous.volume_cap_percent {
                    return Err(self.invalid(
                        format!("{field}.volume_cap_percent"),
                        phase.volume_cap_percent.span(),
                        format!(
                            "{cap}% is below the previous phase's {}%; volume only grows through the launch",
                            previous.volume_cap_percent
                        ),
                    ));
                }
            }
            if let Some(target) = phase.volume_target_percent {
                if target > cap {
                    return Err(self.invalid(
                        format!("{field}.volume_target_percent"),
                        phase.volume_cap_percent.span(),
                        format!("target {target}% is above the cap {cap}%"),
                    ));
                }
            }
            let partners = match phase.partners {
                Some(range) => {
                    let r = range.get_ref();
                    if r.min == 0 || r.min > r.max {
                        return Err(self.invalid(
                            format!("{field}.partners"),
                            range.span(),
                            format!("partners {}–{} is not a range of at least one", r.min, r.max),
                        ));
                    }
                    Some((r.min, r.max))
                }
                None => None,
            };
            let _ = (phase.networks, phase.eod);
            phases.push(Phase {
                id: phase_id,
                name: phase.name,
                start,
                end,
                volume_cap_percent: cap,
                volume_target_percent: phase.volume_target_percent,
                partners,
                partial_settlement: phase.partial_settlement,
                goals: phase.goals,
            });
        }
        if phases.is_empty() {
            return Err(self.invalid("phases", 0..0, "a plan needs at least one phase"));
        }
        Ok(phases)
    }

    fn freeze(&self, file: file::FreezeFile, channels: &[Channel]) -> Result<FreezePlan> {
        let (code_start, code_end) = self.window("freeze.code", &file.code.start, &file.code.end)?;
        self.text("freeze.code.rule", file.code.start.span(), &file.code.rule)?;
        let (config_start, config_end) = self.window("freeze.config", &file.config.start, &file.config.end)?;
        self.text("freeze.config.rule", file.config.start.span(), &file.config.rule)?;
        let approver = match &file.config.exception_approver {
            Some(approver) => self.owner("freeze.config.exception_approver", approver)?,
            None if file.config.exceptions.is_empty() => String::new(),
            None => {
                return Err(self.invalid(
                    "freeze.config.exception_approver",
                    file.config.start.span(),
                    "name the role whose decision allows an exception",
                ))
            }
        };
        let cw = file.change_window;
        let channel = channels.iter().find(|c| &c.id == cw.channel.get_ref()).ok_or_else(|| {
            self.invalid(
                "freeze.change_window.channel",
                cw.channel.span(),
                format!("channel {:?} is not in [[channels]]", cw.channel.get_ref()),
            )
        })?;
        let Some((start, end)) = channel.open else {
            return Err(self.invalid(
                "freeze.change_window.channel",
                cw.channel.span(),
                format!("channel {:?} has no opens/closes, so the change window has no hours", channel.id),
            ));
        };
        for required in ["who", "what", "when", "rollback"] {
            if !cw.template.get_ref().iter().any(|f| f == required) {
                return Err(self.invalid(
                    "freeze.change_window.template",
                    cw.template.span(),
                    format!("the template lacks {required:?}; it must hold who, what, when and rollback"),
                ));
            }
        }
        Ok(FreezePlan {
            code: Freeze { start: code_start, end: code_end, rule: file.code.rule },
            config: ConfigFreeze {
                window: Freeze { start: config_start, end: config_end, rule: file.config.rule },
                exceptions: file.config.exceptions,
                exception_approver: approver,
            },
            change_window: ChangeWindow { channel: channel.id.clone(), start, end, template: cw.template.into_inner(), rule: cw.rule },
        })
    }

    fn guardrails(&self, file: file::GuardrailsFile, phases: &[Phase]) -> Result<Guardrails> {
        let mut networks = HashSet::new();
        let mut caps = Vec::with_capacity(file.per_tx_caps.len());
        for (n, cap) in file.per_tx_caps.iter().enumerate() {
            let value = *cap.get_ref();
            let field = format!("guardrails.per_tx_caps[{n}]");
            if !networks.insert(value.network) {
                return Err(self.invalid(format!("{field}.network"), cap.span(), "the network has two caps; keep one"));
            }
            if value.cap_token_units == 0 {
                return Err(self.invalid(
                    format!("{field}.cap_token_units"),
                    cap.span(),
                    "the cap is 0; a per-tx cap must allow some amount",
                ));
            }
            if value.token_decimals > 18 {
                return Err(self.invalid(
                    format!("{field}.token_decimals"),
                    cap.span(),
                    format!("{} decimals; at most 18", value.token_decimals),
                ));
            }
            caps.push(value);
        }
        let from = file.partial_settlement_from_phase;
        if !phases.iter().any(|p| &p.id == from.get_ref()) {
            return Err(self.invalid(
                "guardrails.partial_settlement_from_phase",
                from.span(),
                format!("phase {:?} is not in [[phases]]", from.get_ref()),
            ));
        }
        self.text("guardrails.partial_settlement_rule", from.span(), &file.partial_settlement_rule)?;
        Ok(Guardrails {
            per_tx_caps: caps,
            partial_settlement_from_phase: from.into_inner(),
            partial_settlement_rule: file.partial_settlement_rule,
        })
    }

    fn rollback(&mut self, file: file::RollbackFile, slos: &Slos) -> Result<Rollback> {
        let pass = file.pass_through.get_ref();
        if pass.consecutive_windows == 0 || pass.consecutive_windows > 96 {
            return Err(self.invalid(
                "rollback.pass_through.consecutive_windows",
                file.pass_through.span(),
                format!("{} is not between 1 and 96 windows", pass.consecutive_windows),
            ));
        }
        if pass.window_minutes == 0 || pass.window_minutes > 1440 {
            return Err(self.invalid(
                "rollback.pass_through.window_minutes",
                file.pass_through.span(),
                format!("{} is not between 1 and 1440 minutes", pass.window_minutes),
            ));
        }
        if pass.p95_above_minutes < slos.pass_through_p95_max_minutes {
            return Err(self.invalid(
                "rollback.pass_through.p95_above_minutes",
                file.pass_through.span(),
                format!(
                    "{} min is below the SLO's {} min; a rollback threshold is looser than its SLO",
                    pass.p95_above_minutes, slos.pass_through_p95_max_minutes
                ),
            ));
        }
        let eod = file.eod_unsettled.get_ref();
        if eod.after_cut_off_minutes == 0 || eod.improvement_lookback_minutes == 0 {
            return Err(self.invalid(
                "rollback.eod_unsettled",
                file.eod_unsettled.span(),
                "minutes after cut-off and the lookback must be positive",
            ));
        }
        let hooks = file.webhooks.get_ref();
        if hooks.success_below_basis_points > slos.webhook_success_min_basis_points {
            return Err(self.invalid(
                "rollback.webhooks.success_below_basis_points",
                file.webhooks.span(),
                format!(
                    "{} is above the SLO's {}; a rollback threshold is looser than its SLO",
                    hooks.success_below_basis_points, slos.webhook_success_min_basis_points
                ),
            ));
        }
        if hooks.window_minutes == 0 || hooks.window_minutes > 1440 {
            return Err(self.invalid(
                "rollback.webhooks.window_minutes",
                file.webhooks.span(),
                format!("{} is not between 1 and 1440 minutes", hooks.window_minutes),
            ));
        }
        for (field, text, span) in [
            ("rollback.pass_through.text", &pass.text, file.pass_through.span()),
            ("rollback.eod_unsettled.text", &eod.text, file.eod_unsettled.span()),
            ("rollback.webhooks.text", &hooks.text, file.webhooks.span()),
        ] {
            self.text(field, span, text)?;
        }
        let procedure = self.items("rollback.procedure", file.procedure, 0..0)?;
        Ok(Rollback {
            kinds: file.kinds,
            partial_scopes: file.partial_scopes,
            pass_through: file.pass_through.into_inner(),
            eod_unsettled: file.eod_unsettled.into_inner(),
            webhooks: file.webhooks.into_inner(),
            incident: file.incident,
            procedure,
            signing_gate: file.signing_gate,
        })
    }
}

/// Counts of what a plan holds, per list and per checkpoint; the `plan validate` summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    /// Plan id.
    pub id: String,
    /// Plan version.
    pub version: String,
    /// Time zone.
    pub time_zone: String,
    /// Number of phases.
    pub phases: usize,
    /// Number of roles.
    pub roles: usize,
    /// Number of entry criteria.
    pub entry_criteria: usize,
    /// Number of onboarding steps.
    pub onboarding: usize,
    /// Items per checkpoint offset, in time order: `("T-7d", 3)`.
    pub checkpoints: Vec<(String, usize)>,
    /// Number of KPIs.
    pub kpis: usize,
}

impl Plan {
    /// What the plan holds, in counts.
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            id: self.id.clone(),
            version: self.version.clone(),
            time_zone: self.time_zone.clone(),
            phases: self.phases.len(),
            roles: self.roles.len(),
            entry_criteria: self.entry_criteria.len(),
            onboarding: self.onboarding.len(),
            checkpoints: self.checkpoints.iter().map(|c| (c.offset.to_string(), c.items.len())).collect(),
            kpis: self.kpis.len(),
        }
    }
}
