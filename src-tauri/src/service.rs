//! What the commands do, over the core and the store. Kept apart from the Tauri
//! command functions so it can be called from tests without a window.

use std::path::Path;

use clubgate_core::checklist::{go_no_go, ItemChange};
use clubgate_core::launch::default_t0;
use clubgate_core::DEFAULT_PLAN_TOML;
use clubgate_ipc::{
    ChangeView, DashboardView, DecodedView, ImportView, ItemUpdate, Overview, PayoutPlanRequest, PayoutPlanView, ReplayRequest,
    SettingsUpdate, SyncStatusView,
};
use clubgate_store::{NewSettings, Store};
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::ledger_sync::LedgerSync;
use crate::live::Live;
use crate::views;

/// The source label of the embedded default plan.
const BUILTIN_PLAN: &str = "builtin:launch-plan-v1";

/// The app's state: the open store and the live event stream.
pub struct Service {
    pub(crate) store: Store,
    pub(crate) data_dir: std::path::PathBuf,
    pub(crate) live: Live,
    /// The wallet balances of the last chain refresh (the Wallets page).
    pub(crate) chain_readings: tokio::sync::Mutex<crate::wallets::ChainReadings>,
    sync: LedgerSync,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("store", &self.store).finish_non_exhaustive()
    }
}

impl Service {
    /// Opens the store in `data_dir`; on a first start, configures a launch on the
    /// default plan with T0 three days ahead so that every page has content.
    pub async fn start(data_dir: &Path) -> Result<Self> {
        let store = Store::open(&clubgate_store::database_path(data_dir)).await?;
        if store.current_settings().await?.is_none() {
            let now = Timestamp::now();
            let t0 = default_t0(now, &clubgate_core::plan::Plan::default_v1().time_zone)?;
            let first = NewSettings {
                plan_source: BUILTIN_PLAN,
                plan_toml: DEFAULT_PLAN_TOML,
                t0: &t0,
                time_zone: None,
                changed_by: "ClubGate Desk (first start, default T0)",
                changed_at: now,
                reason: None,
            };
            store.configure(&first).await?;
        }
        let live = Live::load(store.clone()).await?;
        let sync = LedgerSync::new(store.clone(), live.clone(), data_dir);
        Ok(Self { store, data_dir: data_dir.to_path_buf(), live, chain_readings: Default::default(), sync })
    }

    /// Starts the ledger sync worker when a ledger URL is configured (`$CLUBGATE_LEDGER_URL`
    /// or `ledger.json` in the data directory). Needs the async runtime: call it from setup.
    pub fn start_sync(&self) {
        self.sync.start_configured();
    }

    /// The ledger sync's status for the strip.
    pub async fn sync_status(&self) -> Result<SyncStatusView> {
        self.sync.status_view().await
    }

    /// Sets (or, empty, clears) the ledger URL and restarts the sync worker.
    pub async fn set_ledger_url(&self, url: &str) -> Result<SyncStatusView> {
        self.sync.set_url(url).await
    }

    /// Refuses to replace the event stream while it comes from a ledger.
    fn refuse_if_following_ledger(&self) -> Result<()> {
        match self.sync.configured() {
            Some(url) => Err(Error::Refused {
                message: format!(
                    "this desk follows the ledger {url}: its events come from there; clear the ledger URL in Settings to import or replay"
                ),
            }),
            None => Ok(()),
        }
    }

    /// How a payout would be batched and whether the day's phase cap allows it.
    pub async fn plan_payout(&self, request: &PayoutPlanRequest) -> Result<PayoutPlanView> {
        let launch = self.store.require_settings().await?.launch()?;
        crate::payouts::plan(&launch, request, Timestamp::now())
    }

    /// What raw transaction bytes say.
    pub fn decode_transaction(&self, hex: &str) -> Result<DecodedView> {
        crate::payouts::decode(hex)
    }

    /// The SLO dashboard at the data clock.
    pub async fn dashboard(&self) -> Result<DashboardView> {
        let launch = self.store.require_settings().await?.launch()?;
        Ok(self.live.dashboard(&launch).await)
    }

    /// Replaces the event stream with a JSON Lines file.
    pub async fn import_events(&self, path: &str) -> Result<ImportView> {
        self.refuse_if_following_ledger()?;
        let launch = self.store.require_settings().await?.launch()?;
        self.live.import(path.trim(), &launch).await
    }

    /// Starts replaying a simulated scenario from T0, replacing the event stream.
    pub async fn start_replay(&self, request: &ReplayRequest) -> Result<()> {
        self.refuse_if_following_ledger()?;
        let launch = self.store.require_settings().await?.launch()?;
        self.live.start_replay(request, launch).await
    }

    /// The overview at the present instant.
    pub async fn overview(&self) -> Result<Overview> {
        self.overview_at(Timestamp::now()).await
    }

    /// The overview at `now`.
    pub async fn overview_at(&self, now: Timestamp) -> Result<Overview> {
        let settings = self.store.require_settings().await?;
        let launch = settings.launch()?;
        let history = self.store.history(settings.launch_id).await?;
        let gate = go_no_go(&launch.plan, &history);
        let pending = self.store.pending_checklist_items().await?;
        Ok(views::overview(&settings, &launch, &history, &pending, &gate, now))
    }

    /// Records new launch settings after checking them.
    pub async fn save_settings(&self, update: &SettingsUpdate) -> Result<Overview> {
        let path = update.plan_path.trim();
        let (source, text) = if path.is_empty() {
            (BUILTIN_PLAN.to_owned(), DEFAULT_PLAN_TOML.to_owned())
        } else {
            let text = std::fs::read_to_string(path).map_err(|source| Error::PlanFile { path: path.to_owned(), source })?;
            (path.to_owned(), text)
        };
        let zone = Some(update.tz.trim()).filter(|z| !z.is_empty());
        let new = NewSettings {
            plan_source: &source,
            plan_toml: &text,
            t0: &update.t0,
            time_zone: zone,
            changed_by: &update.who,
            changed_at: Timestamp::now(),
            reason: Some(update.reason.as_str()),
        };
        self.store.configure(&new).await?;
        self.overview().await
    }

    /// Records a checklist change.
    pub async fn set_item_state(&self, update: &ItemUpdate) -> Result<Overview> {
        let settings = self.store.require_settings().await?;
        let launch = settings.launch()?;
        let state = update.state.parse()?;
        let change = ItemChange::new(&launch.plan, &update.item_id, state, &update.who, Timestamp::now(), &update.evidence)?;
        self.store.record_change(settings.launch_id, &change).await?;
        self.overview().await
    }

    /// The history of one item.
    pub async fn item_history(&self, item_id: &str) -> Result<Vec<ChangeView>> {
        let settings = self.store.require_settings().await?;
        let launch = settings.launch()?;
        if launch.plan.item(item_id).is_none() {
            return Err(clubgate_core::Error::UnknownItem { item_id: item_id.to_owned(), plan_id: launch.plan.id.clone() }.into());
        }
        let tz = launch.t0.zoned().time_zone().clone();
        let history = self.store.history(settings.launch_id).await?;
        Ok(history.iter().filter(|c| c.item_id == item_id).map(|c| views::change(c, &tz)).collect())
    }
}
