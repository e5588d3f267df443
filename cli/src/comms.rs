//! `clubgate comms list` and `clubgate comms preview`: the plan's message templates, filled
//! from the figures at an instant — both languages side by side, or as JSON, or written to
//! `ID.en.txt` / `ID.ru.txt`. The figures come from an events file or the store's stream.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use clubgate_core::comms::{figures, fill, sent_record, Context, FillError, Language, Message, Template};
use clubgate_core::events::Event;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns, Ledger, MINUTE_NS};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::schedule::{rfc3339, time_zone, T0};
use clubgate_store::Store;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::commands::{name_plan_file, open_store, print_json, read_plan, Error, Result};

/// The width of each language's column in the side-by-side preview, in characters.
const COLUMN: usize = 64;
/// The furthest ahead a next update may be announced: a day.
const MAX_NEXT_UPDATE_MINUTES: i64 = 24 * 60;

#[derive(Subcommand)]
pub(crate) enum CommsCommand {
    /// The plan's message templates: id, audience, languages, what asks for them, figures.
    List(ListArgs),
    /// Fill a template with the figures at an instant: both languages side by side.
    Preview(PreviewArgs),
}

#[derive(Args)]
pub(crate) struct ListArgs {
    /// A plan file (default: the store's launch plan, else the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum NetworkArg {
    Erc20,
    Trc20,
}

#[derive(Args)]
pub(crate) struct PreviewArgs {
    /// The template's id (`clubgate comms list`).
    id: String,
    /// The instant of the figures: RFC 3339, or a wall clock in the launch zone.
    #[arg(long)]
    at: String,
    /// The partner's time zone, for every time in the text (default: the launch zone).
    #[arg(long)]
    zone: Option<String>,
    /// The affected network (default: the network of the partial rollback recommended at --at).
    #[arg(long, value_enum)]
    network: Option<NetworkArg>,
    /// When the next update goes out: after --at (30m, 1h, 90m), or an instant.
    #[arg(long)]
    next_update: Option<String>,
    /// The incident (default: the latest opened before --at).
    #[arg(long)]
    incident: Option<String>,
    /// The events (JSON Lines); default: the store's event stream.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Also write the texts as ID.en.txt and ID.ru.txt into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// T0 of the launch (default: the store's launch).
    #[arg(long)]
    t0: Option<String>,
    /// A plan file, with --t0 (default: the embedded launch-plan-v1).
    #[arg(long, requires = "t0")]
    plan: Option<PathBuf>,
}

pub(crate) async fn run(command: &CommsCommand, json: bool, db: Option<&Path>) -> Result<()> {
    match command {
        CommsCommand::List(args) => run_list(args, json, db).await,
        CommsCommand::Preview(args) => run_preview(args, json, db).await,
    }
}

async fn run_list(args: &ListArgs, json: bool, db: Option<&Path>) -> Result<()> {
    let (source, plan) = match &args.plan {
        Some(path) => {
            let (source, text) = read_plan(Some(path))?;
            let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
            (source, plan)
        }
        None => match open_store(db).await?.current_settings().await? {
            Some(settings) => (settings.plan_source.clone(), settings.launch()?.plan),
            None => ("builtin:launch-plan-v1".to_owned(), Plan::default_v1()),
        },
    };
    if json {
        let templates: Vec<Value> = plan.comms_templates.iter().map(template_json).collect();
        return print_json(&json!({ "plan": source, "templates": templates }));
    }
    println!("{} message templates of {source}", plan.comms_templates.len());
    for template in &plan.comms_templates {
        let languages: Vec<&str> = template.languages.iter().map(|l| l.id()).collect();
        let mut asked = Vec::new();
        if let Some(offset) = template.checkpoint {
            asked.push(format!("checklist {offset}"));
        }
        if let Some(rule) = &template.communication {
            asked.push(format!("§9 {rule}"));
        }
        if let Some(step) = &template.rollback_step {
            asked.push(format!("rollback step {step}"));
        }
        println!("  {:<26} {:<9} {:<6} {}", template.id, template.audience.id(), languages.join("+"), asked.join(", "));
        let placeholders: Vec<String> = template.placeholders().iter().map(ToString::to_string).collect();
        println!("  {:<26} {}", "", placeholders.join(" "));
    }
    Ok(())
}

fn template_json(template: &Template) -> Value {
    json!({
        "id": template.id,
        "audience": template.audience,
        "languages": template.languages,
        "checkpoint": template.checkpoint.map(|o| o.to_string()),
        "communication": template.communication,
        "rollback_step": template.rollback_step,
        "placeholders": template.placeholders().iter().map(|p| p.name()).collect::<Vec<_>>(),
    })
}

/// An instant as the other commands read it: a wall clock in `tz`, or RFC 3339.
fn instant_arg(text: &str, what: &str, tz: &TimeZone) -> Result<Timestamp> {
    T0::parse(text, tz)
        .map(|parsed| parsed.zoned().timestamp())
        .map_err(|error| Error::Input(format!("{what}: {}", error.to_string().replacen("T0", "time", 1))))
}

/// `30m`, `1h`, `90m`: minutes after `at`; anything else is read as an instant.
fn next_update(text: &str, at: Timestamp, tz: &TimeZone) -> Result<Timestamp> {
    let trimmed = text.trim();
    let relative = trimmed.strip_suffix('m').map(|n| (n, 1)).or_else(|| trimmed.strip_suffix('h').map(|n| (n, 60)));
    if let Some((digits, unit)) = relative.filter(|(digits, _)| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())) {
        let minutes = digits.parse::<i64>().ok().and_then(|n| n.checked_mul(unit)).filter(|m| (1..=MAX_NEXT_UPDATE_MINUTES).contains(m));
        let minutes = minutes.ok_or_else(|| {
            Error::Input(format!("--next-update {text:?} is not between 1 minute and 24 hours after --at; write e.g. 30m or 2h"))
        })?;
        return Ok(instant(ns(at) + minutes * MINUTE_NS));
    }
    instant_arg(trimmed, "--next-update (30m, 1h, or an instant)", tz)
}

async fn launch_and_ledger(args: &PreviewArgs, db: Option<&Path>) -> Result<(Launch, Ledger)> {
    let needs_store = args.t0.is_none() || args.events.is_none();
    let store = if needs_store { Some(open_store(db).await?) } else { None };
    let launch = match (&args.t0, &store) {
        (Some(t0), _) => {
            let (source, text) = read_plan(args.plan.as_deref())?;
            let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
            Launch::from_plan(plan, t0, None)?
        }
        (None, Some(store)) => store.require_settings().await?.launch()?,
        (None, None) => unreachable!("a store is opened when no --t0 is given"),
    };
    let ledger = match (&args.events, &store) {
        (Some(path), _) => crate::metrics::read_events(path)?,
        (None, Some(store)) => stored_ledger(store).await?,
        (None, None) => unreachable!("a store is opened when no --events is given"),
    };
    Ok((launch, ledger))
}

/// The store's event stream (an import, a replay, or the ledger's events), as the
/// dashboard reads it.
async fn stored_ledger(store: &Store) -> Result<Ledger> {
    let mut ledger = Ledger::default();
    for (index, line) in store.event_lines().await?.iter().enumerate() {
        Event::from_json(line)
            .and_then(|event| ledger.apply(&event))
            .map_err(|detail| Error::Store(clubgate_store::Error::Corrupt { table: "events", row: index as i64 + 1, detail }))?;
    }
    Ok(ledger)
}

async fn run_preview(args: &PreviewArgs, json: bool, db: Option<&Path>) -> Result<()> {
    let (launch, ledger) = launch_and_ledger(args, db).await?;
    let plan = &launch.plan;
    let template = clubgate_core::comms::template(plan, &args.id).map_err(|error| Error::Input(error.to_string()))?;
    let launch_zone = launch.t0.zoned().time_zone().clone();
    let at = instant_arg(&args.at, "--at", &launch_zone)?;
    let partner_zone = match &args.zone {
        Some(zone) => time_zone(zone)?,
        None => launch_zone.clone(),
    };
    let context = Context {
        partner_zone: partner_zone.clone(),
        network: args.network.map(|n| match n {
            NetworkArg::Erc20 => Network::Erc20,
            NetworkArg::Trc20 => Network::Trc20,
        }),
        next_update: args.next_update.as_deref().map(|text| next_update(text, at, &launch_zone)).transpose()?,
        incident: args.incident.clone(),
    };
    let figures = figures(&launch, &ledger, at, &context);
    let messages: Vec<Message> = template
        .languages
        .iter()
        .map(|language| fill(plan, &template.id, &figures, *language))
        .collect::<std::result::Result<_, FillError>>()
        .map_err(|error| Error::Input(error.to_string()))?;
    let mut files = Vec::new();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|source| Error::Read { path: dir.display().to_string(), source })?;
        for message in &messages {
            let path = dir.join(format!("{}.{}.txt", message.template, message.language));
            std::fs::write(&path, message.text()).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
            files.push(path.display().to_string());
        }
    }
    let of = |language: Language| messages.iter().find(|m| m.language == language);
    if json {
        let side = |language: Language| of(language).map_or(Value::Null, |m| json!({ "subject": m.subject, "body": m.body }));
        return print_json(&json!({
            "template": template.id,
            "audience": template.audience,
            "at": rfc3339(&at.to_zoned_datetime(launch_zone)),
            "zone": partner_zone.iana_name().unwrap_or("UTC"),
            "en": side(Language::En),
            "ru": side(Language::Ru),
            "files": files,
            "sent_record": sent_record(&messages),
        }));
    }
    println!(
        "{} — {} — figures at {} — times in {}",
        template.id,
        template.audience.id(),
        rfc3339(&at.to_zoned_datetime(launch_zone)),
        partner_zone.iana_name().unwrap_or("UTC")
    );
    let text = |language: Language| match of(language) {
        Some(message) => message.text(),
        None => format!("({} only — this template has no {language} text)", template_languages(template)),
    };
    let (english, russian) = (text(Language::En), text(Language::Ru));
    println!("{:<COLUMN$} │ RU", "EN");
    println!("{}─┼─{}", "─".repeat(COLUMN), "─".repeat(COLUMN));
    // The languages' texts follow the same lines, so each source line is wrapped and put
    // beside its counterpart: paragraphs stay side by side.
    let (left_lines, right_lines): (Vec<&str>, Vec<&str>) =
        (english.trim_end().split('\n').collect(), russian.trim_end().split('\n').collect());
    for index in 0..left_lines.len().max(right_lines.len()) {
        let left = wrap(left_lines.get(index).copied().unwrap_or(""), COLUMN);
        let right = wrap(right_lines.get(index).copied().unwrap_or(""), COLUMN);
        for row in 0..left.len().max(right.len()) {
            let l = left.get(row).map_or("", String::as_str);
            let r = right.get(row).map_or("", String::as_str);
            let pad = COLUMN - l.chars().count().min(COLUMN);
            println!("{l}{} │ {r}", " ".repeat(pad));
        }
    }
    for file in files {
        println!("wrote {file}");
    }
    Ok(())
}

fn template_languages(template: &Template) -> String {
    template.languages.iter().map(|l| l.id().to_uppercase()).collect::<Vec<_>>().join(" and ")
}

/// Breaks each line of `text` at spaces so no line is wider than `width` characters (a
/// longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            let used = line.chars().count();
            if used > 0 && used + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            while word.len() > width {
                lines.push(word.drain(..width).collect());
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.extend(word);
        }
        lines.push(line);
    }
    lines
}
