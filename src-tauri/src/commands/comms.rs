//! Comms commands (issue 11 point 3): the plan's message templates, filled from the live
//! figures in both languages, and their export to the data directory's `comms/` folder.
//!
//! The figures are the core's (`clubgate_core::comms`) over the store's event stream — the
//! stream the SLO dashboard shows, read the way the decision log's snapshot reads it (an
//! event the core ledger refuses is left out) — at the later of the wall clock and the
//! data clock (the instant after the latest event): a replay runs ahead of the wall clock.

use clubgate_core::comms::{figures, fill, sent_record, Context, Figures, FillError, Language, Message, Template};
use clubgate_core::events::Event;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns, Ledger, MINUTE_NS};
use clubgate_core::plan::Network;
use clubgate_core::schedule::{rfc3339, time_zone};
use clubgate_ipc::{CommsExport, CommsMessageView, CommsPreview, CommsTemplateView, Instant};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use tauri::State;

use crate::error::{Error, Result};
use crate::Service;

/// The furthest ahead a next update may be announced, in minutes: a day.
const MAX_NEXT_UPDATE_MINUTES: u32 = 24 * 60;

/// The plan's message templates.
#[tauri::command]
pub(crate) async fn comms_templates(service: State<'_, Service>) -> Result<Vec<CommsTemplateView>> {
    templates(&service).await
}

/// A template filled from the live figures; `zone` empty: the launch zone; `network`
/// empty: the partial rollback's; no `next_update_minutes`: none announced.
#[tauri::command]
pub(crate) async fn comms_preview(
    service: State<'_, Service>,
    template: String,
    zone: String,
    network: String,
    next_update_minutes: Option<u32>,
) -> Result<CommsPreview> {
    Ok(preview(&service, &Request::new(&template, &zone, &network, next_update_minutes)?).await?.0)
}

/// Writes the filled template, one file per language, into the data directory's `comms/`.
#[tauri::command]
pub(crate) async fn comms_export(
    service: State<'_, Service>,
    template: String,
    zone: String,
    network: String,
    next_update_minutes: Option<u32>,
) -> Result<CommsExport> {
    export(&service, &Request::new(&template, &zone, &network, next_update_minutes)?).await
}

/// What the page asks for, checked.
struct Request {
    template: String,
    zone: Option<TimeZone>,
    network: Option<Network>,
    next_update_minutes: Option<u32>,
}

impl Request {
    fn new(template: &str, zone: &str, network: &str, next_update_minutes: Option<u32>) -> Result<Self> {
        let zone = match zone.trim() {
            "" => None,
            name => Some(time_zone(name)?),
        };
        let network = match network.trim() {
            "" => None,
            "erc20" => Some(Network::Erc20),
            "trc20" => Some(Network::Trc20),
            other => return Err(Error::Refused { message: format!("network {other:?} is not erc20 or trc20 (or empty: the rollback's)") }),
        };
        let next_update_minutes = match next_update_minutes {
            None | Some(0) => None,
            Some(minutes) if minutes <= MAX_NEXT_UPDATE_MINUTES => Some(minutes),
            Some(minutes) => {
                return Err(Error::Refused {
                    message: format!(
                        "the next update in {minutes} minutes is more than a day away; give 1–{MAX_NEXT_UPDATE_MINUTES} minutes"
                    ),
                })
            }
        };
        Ok(Self { template: template.trim().to_owned(), zone, network, next_update_minutes })
    }
}

async fn templates(service: &Service) -> Result<Vec<CommsTemplateView>> {
    let launch = service.store.require_settings().await?.launch()?;
    Ok(launch.plan.comms_templates.iter().map(template_view).collect())
}

fn template_view(template: &Template) -> CommsTemplateView {
    CommsTemplateView {
        id: template.id.clone(),
        audience: template.audience.id().to_owned(),
        languages: template.languages.iter().map(|l| l.id().to_owned()).collect(),
        checkpoint: template.checkpoint.map(|o| o.to_string()),
        communication: template.communication.clone(),
        rollback_step: template.rollback_step.clone(),
        placeholders: template.placeholders().iter().map(|p| p.name().to_owned()).collect(),
    }
}

/// The store's event stream as a ledger, and the instant the figures are taken at.
async fn live(service: &Service) -> Result<(Ledger, Timestamp)> {
    let mut ledger = Ledger::default();
    for line in service.store.event_lines().await? {
        if let Ok(event) = Event::from_json(&line) {
            // Refused events are left out, as the dashboard and the signing gate do.
            let _ = ledger.apply(&event);
        }
    }
    let now = Timestamp::now();
    let at = ledger.latest.map_or(now, |latest| now.max(instant(latest + 1)));
    Ok((ledger, at))
}

/// The preview and its messages (all languages, when every figure has a value).
async fn preview(service: &Service, request: &Request) -> Result<(CommsPreview, Vec<Message>)> {
    let launch = service.store.require_settings().await?.launch()?;
    let template =
        clubgate_core::comms::template(&launch.plan, &request.template).map_err(|e| Error::Refused { message: e.to_string() })?;
    let (ledger, at) = live(service).await?;
    let launch_zone = launch.t0.zoned().time_zone().clone();
    let partner_zone = request.zone.clone().unwrap_or_else(|| launch_zone.clone());
    let context = Context {
        partner_zone: partner_zone.clone(),
        network: request.network,
        next_update: request.next_update_minutes.map(|m| instant(ns(at) + i64::from(m) * MINUTE_NS)),
        incident: None,
    };
    let figures = figures(&launch, &ledger, at, &context);
    let (messages, missing) = filled(&launch, template, &figures)?;
    let view = |language: Language| {
        messages.iter().find(|m| m.language == language).map(|m| CommsMessageView {
            subject: m.subject.clone(),
            body: m.body.clone(),
            text: m.text(),
            sha256: sent_record(std::slice::from_ref(m)).sha256,
        })
    };
    let preview = CommsPreview {
        template: template.id.clone(),
        audience: template.audience.id().to_owned(),
        languages: template.languages.iter().map(|l| l.id().to_owned()).collect(),
        at: stamp(at, &launch_zone),
        zone: partner_zone.iana_name().unwrap_or("UTC").to_owned(),
        en: view(Language::En),
        ru: view(Language::Ru),
        missing,
        sent_sha256: (!messages.is_empty()).then(|| sent_record(&messages).sha256),
    };
    Ok((preview, messages))
}

/// Fills every language of the template; a figure without a value leaves every language
/// unfilled and is listed (once, though every language names it).
fn filled(launch: &Launch, template: &Template, figures: &Figures) -> Result<(Vec<Message>, Vec<String>)> {
    let mut messages = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for language in &template.languages {
        match fill(&launch.plan, &template.id, figures, *language) {
            Ok(message) => messages.push(message),
            Err(FillError::MissingFigures { missing: figures, .. }) => {
                for figure in figures.iter().map(ToString::to_string) {
                    if !missing.contains(&figure) {
                        missing.push(figure);
                    }
                }
            }
            Err(other) => return Err(Error::Refused { message: other.to_string() }),
        }
    }
    if !missing.is_empty() {
        messages.clear();
    }
    Ok((messages, missing))
}

fn stamp(at: Timestamp, tz: &TimeZone) -> Instant {
    let zoned = at.to_zoned_datetime(tz.clone());
    Instant { rfc3339: rfc3339(&zoned), local: zoned.strftime("%a %d %b %Y %H:%M %Z").to_string(), epoch_ms: at.as_millisecond() }
}

async fn export(service: &Service, request: &Request) -> Result<CommsExport> {
    let (preview, messages) = preview(service, request).await?;
    if !preview.missing.is_empty() {
        return Err(Error::Refused {
            message: format!("template {} cannot be exported: {}", preview.template, preview.missing.join("; ")),
        });
    }
    let dir = service.data_dir.join("comms");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Refused { message: format!("cannot create {}: {source}", dir.display()) })?;
    // Named by the template and the figures' instant: exporting the same preview again
    // writes the same files, another instant keeps the earlier ones.
    let at: Timestamp =
        preview.at.rfc3339.parse().map_err(|_| Error::Refused { message: "the preview's instant is unreadable".to_owned() })?;
    let stamp = at.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut files = Vec::new();
    for message in &messages {
        let path = dir.join(format!("{}-{stamp}.{}.txt", message.template, message.language));
        std::fs::write(&path, message.text())
            .map_err(|source| Error::Refused { message: format!("cannot write {}: {source}", path.display()) })?;
        files.push(path.display().to_string());
    }
    Ok(CommsExport { dir: dir.display().to_string(), files })
}
