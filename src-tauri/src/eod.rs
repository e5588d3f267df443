//! The EOD page (issue 12): each trust session against the settlement plan of
//! `clubgate_core::eod` and the view of `clubgate_core::settlement` — the same code as
//! `clubgate eod plan|settle|dry-run` — over the event stream the dashboard shows, at the
//! later of the wall clock and the data clock (a replay runs ahead of the wall clock).
//! Settling queues the plan's transfers through `clubgate_treasury::eod::settle`: payout
//! bundles like any other, never twice — only over the desk's own stream (never an import
//! or a replay) and at the wall clock; the dry run shows them over any stream.

use clubgate_core::eod::{network_name, token_name, Entry, Mode};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{Ledger, MINUTE_NS};
use clubgate_core::schedule::rfc3339;
use clubgate_core::settlement::{payout_id, transfers, view, SessionView, Settlement};
use clubgate_ipc::eod::{EodEntryView, EodSessionView, EodSettleView, EodTransferView, EodView};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::payouts::decimal;
use crate::service::Service;

/// A cut-off on a zone's wall clock, with the zone's abbreviation and name.
fn wall(at: Timestamp, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    format!("{} {zone}", at.to_zoned_datetime(tz).strftime("%a %d %b %Y %H:%M %Z"))
}

fn entry_view(entry: &Entry, queued: &[String]) -> EodEntryView {
    let id = (entry.settle > 0).then(|| payout_id(&entry.session_id, entry.network, entry.token));
    EodEntryView {
        network: network_name(entry.network).to_owned(),
        token: token_name(entry.token).to_owned(),
        payer: entry.payer.clone(),
        payee: entry.payee.clone(),
        net: entry.net.to_string(),
        available: entry.available.to_string(),
        settle: entry.settle.to_string(),
        carried: entry.carried.to_string(),
        net_tokens: decimal(entry.net),
        available_tokens: decimal(entry.available),
        settle_tokens: decimal(entry.settle),
        carried_tokens: decimal(entry.carried),
        mode: entry.mode.name().to_owned(),
        queued: id.as_ref().is_some_and(|id| queued.contains(id)),
        payout_id: id,
    }
}

/// The session's mode over its entries (as the simulator's `eod.settled` says it).
fn session_mode(entries: &[Entry]) -> &'static str {
    if entries.is_empty() {
        "—"
    } else if entries.iter().any(|e| e.mode == Mode::Blocked) {
        "blocked"
    } else if entries.iter().all(|e| e.mode == Mode::NextDay) {
        "t+1"
    } else if entries.iter().all(|e| e.mode == Mode::Full) {
        "full"
    } else {
        "partial"
    }
}

fn session_view(session: &SessionView, plan_zone: &str, queued: &[String]) -> EodSessionView {
    let settle: u128 = session.entries.iter().map(|e| e.settle).sum();
    let carried: u128 = session.entries.iter().map(|e| e.carried).sum();
    EodSessionView {
        session_id: session.session_id.clone(),
        trust_pair: session.trust_pair.clone(),
        pair_zone: session.pair_zone.clone(),
        pair_zone_known: session.pair_zone_known,
        cut_off_pair: wall(session.cut_off, &session.pair_zone),
        cut_off_plan: wall(session.cut_off, plan_zone),
        cut_off: session.cut_off.to_string(),
        status: session.status.name().to_owned(),
        settled_at: session.settled_at.map(|at| wall(at, plan_zone)),
        duration_minutes: session.duration.map(|d| d.div_euclid(MINUTE_NS)),
        over_slo: session.over_slo,
        over_rollback_threshold: session.over_rollback_threshold,
        rollback_trigger: session.rollback_trigger,
        mode: session_mode(&session.entries).to_owned(),
        settle: settle.to_string(),
        carried: carried.to_string(),
        settle_tokens: decimal(settle),
        carried_tokens: decimal(carried),
        entries: session.entries.iter().map(|e| entry_view(e, queued)).collect(),
    }
}

fn empty(error: String) -> EodView {
    EodView {
        error: Some(error),
        at: String::new(),
        plan_zone: String::new(),
        slo_minutes: 0,
        rollback_minutes: 0,
        rollback_triggered: false,
        sessions: Vec::new(),
        alerts: Vec::new(),
        refusals: Vec::new(),
        due: 0,
    }
}

impl Service {
    /// The instant of the EOD page: the later of the wall clock and the data clock.
    async fn eod_instant(&self) -> Timestamp {
        let clock = self.live.read(|_, clock| clock).await;
        let now = Timestamp::now();
        clock.map_or(now, |c| now.max(clubgate_core::ledger::instant(c)))
    }

    /// Runs `read` over the event stream as it stands.
    async fn with_ledger<T>(&self, read: impl FnOnce(&Ledger) -> T) -> T {
        self.live.read(|ledger, _| read(ledger)).await
    }

    /// The EOD page at the later of the wall clock and the data clock.
    pub async fn eod_view(&self) -> Result<EodView> {
        let launch = match self.launch().await {
            Ok(launch) => launch,
            Err(error) => return Ok(empty(error.to_string())),
        };
        // Without a policy the page still shows the sessions and the plan; the transfers
        // need the hot wallets and the allow-list.
        let treasury = self.treasury().await;
        let at = self.eod_instant().await;
        let computed = self.with_ledger(|ledger| view(&launch, ledger, treasury.as_ref().ok(), at)).await;
        let computed = match computed {
            Ok(view) => view,
            Err(error) => return Ok(empty(error)),
        };
        let queued: Vec<String> = self.store.bundles().await?.into_iter().map(|b| b.bundle_id).collect();
        let mut refusals = computed.settlement.refusals.clone();
        if let Err(error) = &treasury {
            refusals.push(format!("no settlement transfers without a policy: {error}"));
        }
        let plan_zone = computed.plan_zone.clone();
        Ok(EodView {
            error: None,
            at: rfc3339(&at.to_zoned_datetime(launch.t0.zoned().time_zone().clone())),
            slo_minutes: computed.slo_minutes,
            rollback_minutes: computed.rollback_minutes,
            rollback_triggered: computed.rollback_triggered,
            due: computed.settlement.transfers.iter().filter(|t| !queued.contains(&t.payout_id)).count(),
            sessions: computed.sessions.iter().map(|s| session_view(s, &plan_zone, &queued)).collect(),
            alerts: computed.settlement.alerts.clone(),
            refusals,
            plan_zone,
        })
    }

    /// The settlement at `at`; `settling`: only over the desk's own stream (not an import or
    /// a replay), checked under the same lock the events are read under.
    async fn settlement(
        &self,
        launch: &Launch,
        at: Timestamp,
        settling: bool,
    ) -> Result<(Settlement, clubgate_core::treasury::Treasury, u32)> {
        let treasury = self.treasury().await?;
        let entries = self
            .live
            .read_sourced(|ledger, source| {
                if settling {
                    clubgate_treasury::eod::check_settle_source(source)?;
                }
                clubgate_core::eod::plan(launch, ledger, at).map_err(|message| Error::Refused { message })
            })
            .await?;
        let version = self.store.ledger_policy().await?.map_or(1, |policy| policy.version);
        Ok((transfers(&treasury, &entries, at), treasury, version))
    }

    /// Queues the plan's due settlement transfers (never twice), or only shows them.
    ///
    /// Settling queues payouts under each session's own payout id, so it runs only over the
    /// desk's own stream (the ledger's; the demo's simulator feeds its ledger) and at the
    /// wall clock: an imported or replayed stream, whose data clock may run ahead, is
    /// refused by name (red team F3). The dry run takes any stream at the page's instant.
    pub async fn eod_settle(&self, dry_run: bool) -> Result<EodSettleView> {
        let launch = self.launch().await?;
        let at = if dry_run { self.eod_instant().await } else { Timestamp::now() };
        let (settlement, treasury, version) = self.settlement(&launch, at, !dry_run).await?;
        let settled = if dry_run {
            clubgate_treasury::eod::dry_run(Some(&self.store), &launch.plan, &treasury, &settlement, version).await?
        } else {
            clubgate_treasury::eod::settle(&self.store, &launch.plan, &treasury, &settlement, version, Timestamp::now()).await?
        };
        Ok(EodSettleView {
            dry_run,
            transfers: settled
                .iter()
                .map(|item| {
                    let entry = &item.transfer.entry;
                    EodTransferView {
                        session_id: entry.session_id.clone(),
                        network: network_name(entry.network).to_owned(),
                        token: token_name(entry.token).to_owned(),
                        payee: entry.payee.clone(),
                        settle: entry.settle.to_string(),
                        settle_tokens: decimal(entry.settle),
                        chunks: item.bundle.chunks.iter().map(ToString::to_string).collect(),
                        payout_id: item.bundle.bundleId.clone(),
                        wallet: item.transfer.wallet.clone(),
                        destination: item.bundle.destination.clone(),
                        outcome: item.outcome.name().to_owned(),
                    }
                })
                .collect(),
            refusals: settlement.refusals,
            alerts: settlement.alerts,
        })
    }
}
