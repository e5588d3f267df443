//! Calls into the Tauri shell through `window.__TAURI__.core.invoke`.

use clubgate_ipc::{
    ApprovalImport, ApproveRequest, BundleRequest, BundleView, CanaryRequest, ChangeView, ChunkRequest, CommandError, DashboardView,
    DecodedView, ImportView, ItemUpdate, LedgerUrlUpdate, Overview, PayoutPlanRequest, PayoutPlanView, ReplayRequest, ReviewView,
    SettingsUpdate, SyncStatusView, TreasuryView,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

async fn call<A: Serialize, T: DeserializeOwned>(command: &str, args: &A) -> Result<T, CommandError> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|e| CommandError { code: "ui".into(), message: e.to_string() })?;
    match invoke(command, args).await {
        Ok(value) => {
            serde_wasm_bindgen::from_value(value).map_err(|e| CommandError { code: "ui".into(), message: format!("{command}: {e}") })
        }
        Err(error) => Err(serde_wasm_bindgen::from_value(error.clone()).unwrap_or_else(|_| CommandError {
            code: "ipc".into(),
            message: error.as_string().unwrap_or_else(|| format!("{command} failed")),
        })),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct Update<'a, T> {
    update: &'a T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryArgs<'a> {
    item_id: &'a str,
}

pub(crate) async fn overview() -> Result<Overview, CommandError> {
    call("overview", &NoArgs {}).await
}

pub(crate) async fn save_settings(update: &SettingsUpdate) -> Result<Overview, CommandError> {
    call("save_settings", &Update { update }).await
}

pub(crate) async fn set_item_state(update: &ItemUpdate) -> Result<Overview, CommandError> {
    call("set_item_state", &Update { update }).await
}

pub(crate) async fn item_history(item_id: &str) -> Result<Vec<ChangeView>, CommandError> {
    call("item_history", &HistoryArgs { item_id }).await
}

#[derive(Serialize)]
struct PathArgs<'a> {
    path: &'a str,
}

#[derive(Serialize)]
struct ReplayArgs<'a> {
    request: &'a ReplayRequest,
}

pub(crate) async fn dashboard() -> Result<DashboardView, CommandError> {
    call("dashboard", &NoArgs {}).await
}

pub(crate) async fn import_events(path: &str) -> Result<ImportView, CommandError> {
    call("import_events", &PathArgs { path }).await
}

pub(crate) async fn start_replay(request: &ReplayRequest) -> Result<(), CommandError> {
    call("start_replay", &ReplayArgs { request }).await
}

#[derive(Serialize)]
struct PlanArgs<'a> {
    request: &'a PayoutPlanRequest,
}

#[derive(Serialize)]
struct HexArgs<'a> {
    hex: &'a str,
}

pub(crate) async fn plan_payout(request: &PayoutPlanRequest) -> Result<PayoutPlanView, CommandError> {
    call("plan_payout", &PlanArgs { request }).await
}

pub(crate) async fn decode_transaction(hex: &str) -> Result<DecodedView, CommandError> {
    call("decode_transaction", &HexArgs { hex }).await
}

#[derive(Serialize)]
struct RequestArgs<'a, T> {
    request: &'a T,
}

pub(crate) async fn treasury() -> Result<TreasuryView, CommandError> {
    call("treasury", &NoArgs {}).await
}

pub(crate) async fn payout_queue() -> Result<Vec<BundleView>, CommandError> {
    call("payout_queue", &NoArgs {}).await
}

pub(crate) async fn create_bundle(request: &BundleRequest) -> Result<Vec<BundleView>, CommandError> {
    call("create_bundle", &RequestArgs { request }).await
}

/// Approves with the approver's own token; `request.pin` is that token's PIN, typed now.
pub(crate) async fn approve_bundle(request: &ApproveRequest) -> Result<Vec<BundleView>, CommandError> {
    call("approve_bundle", &RequestArgs { request }).await
}

/// The exact unsigned bytes of a chunk (or of its replacement), fixed under a review hash
/// that signing must name.
pub(crate) async fn review_chunk(request: &ChunkRequest) -> Result<ReviewView, CommandError> {
    call("review_chunk", &RequestArgs { request }).await
}

/// Signs exactly the reviewed bytes named by `request.review_hash`.
pub(crate) async fn sign_chunk(request: &ChunkRequest) -> Result<Vec<BundleView>, CommandError> {
    call("sign_chunk", &RequestArgs { request }).await
}

pub(crate) async fn import_approval(request: &ApprovalImport) -> Result<Vec<BundleView>, CommandError> {
    call("import_approval", &RequestArgs { request }).await
}

pub(crate) async fn mark_broadcast(request: &ChunkRequest) -> Result<Vec<BundleView>, CommandError> {
    call("mark_broadcast", &RequestArgs { request }).await
}

/// Reviews the day's canary payout of a canary wallet: its exact unsigned bytes.
pub(crate) async fn review_canary(request: &CanaryRequest) -> Result<ReviewView, CommandError> {
    call("review_canary", &RequestArgs { request }).await
}

/// Signs exactly the reviewed canary bytes named by `request.review_hash`.
pub(crate) async fn sign_canary(request: &CanaryRequest) -> Result<TreasuryView, CommandError> {
    call("sign_canary", &RequestArgs { request }).await
}

/// The ledger sync's status for the strip.
pub(crate) async fn sync_status() -> Result<SyncStatusView, CommandError> {
    call("sync_status", &NoArgs {}).await
}

/// Sets the ledger URL (empty: stop syncing).
pub(crate) async fn set_ledger_url(update: &LedgerUrlUpdate) -> Result<SyncStatusView, CommandError> {
    call("set_ledger_url", &Update { update }).await
}

/// Milliseconds since the epoch, from the webview's clock (for countdowns only; every
/// decision is made by the shell).
pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The warroom: the decision log (verified), its rollbacks, the SLO picture now.
pub(crate) async fn warroom() -> Result<clubgate_ipc::warroom::WarroomView, CommandError> {
    call("warroom", &NoArgs {}).await
}

/// Takes a decision signed by the launch IC's key (the PIN typed now).
pub(crate) async fn decide(request: &clubgate_ipc::warroom::DecideRequest) -> Result<clubgate_ipc::warroom::WarroomView, CommandError> {
    call("decide", &RequestArgs { request }).await
}

/// Sends a chunk's latest signed transaction to its network's node.
pub(crate) async fn broadcast_chunk(request: &clubgate_ipc::ChunkRequest) -> Result<clubgate_ipc::ChainStatusView, CommandError> {
    call("broadcast_chunk", &RequestArgs { request }).await
}

/// The broadcast chunks followed on the policy's node.
pub(crate) async fn chain_status() -> Result<clubgate_ipc::ChainStatusView, CommandError> {
    call("chain_status", &NoArgs {}).await
}

/// The Wallets page: every wallet against its thresholds (events and the last chain read).
pub(crate) async fn wallets_view() -> Result<clubgate_ipc::wallets::WalletsView, CommandError> {
    call("wallets_view", &NoArgs {}).await
}

/// Reads every wallet's balances from the networks' nodes now, then the Wallets page.
pub(crate) async fn refresh_wallets() -> Result<clubgate_ipc::wallets::WalletsView, CommandError> {
    call("refresh_wallets", &NoArgs {}).await
}

/// The EOD page: every trust session against the settlement plan, with its durations.
pub(crate) async fn eod_view() -> Result<clubgate_ipc::eod::EodView, CommandError> {
    call("eod_view", &NoArgs {}).await
}

/// Queues the plan's due settlement transfers as payout bundles (never twice).
pub(crate) async fn eod_settle() -> Result<clubgate_ipc::eod::EodSettleView, CommandError> {
    call("eod_settle", &NoArgs {}).await
}

/// The T-3d dry run: what `eod_settle` would queue, nothing queued.
pub(crate) async fn eod_dry_run() -> Result<clubgate_ipc::eod::EodSettleView, CommandError> {
    call("eod_dry_run", &NoArgs {}).await
}

/// The Volume page: the day's signed volume against the cap, per network, with the IC's exceptions.
pub(crate) async fn volume_view() -> Result<clubgate_ipc::volume::VolumeView, CommandError> {
    call("volume_view", &NoArgs {}).await
}

/// The Team page: roles, people, the on-call rota and its gaps (issue 11 point 5).
pub(crate) async fn team() -> Result<clubgate_ipc::TeamView, CommandError> {
    call("team", &NoArgs {}).await
}

/// Adds a person to a role with one contact.
pub(crate) async fn add_person(request: &clubgate_ipc::PersonRequest) -> Result<clubgate_ipc::TeamView, CommandError> {
    call("add_person", &RequestArgs { request }).await
}

/// Puts a person on call in their role over [from, to).
pub(crate) async fn add_shift(request: &clubgate_ipc::ShiftRequest) -> Result<clubgate_ipc::TeamView, CommandError> {
    call("add_shift", &RequestArgs { request }).await
}

/// The plan's message templates (issue 11 point 3).
pub(crate) async fn comms_templates() -> Result<Vec<clubgate_ipc::CommsTemplateView>, CommandError> {
    call("comms_templates", &NoArgs {}).await
}

/// A template filled from the live figures; `args`: `template`, `zone`, `network`, `nextUpdateMinutes`.
pub(crate) async fn comms_preview(args: &impl Serialize) -> Result<clubgate_ipc::CommsPreview, CommandError> {
    call("comms_preview", args).await
}

/// Writes the filled template into the data directory's `comms/` folder; the same arguments.
pub(crate) async fn comms_export(args: &impl Serialize) -> Result<clubgate_ipc::CommsExport, CommandError> {
    call("comms_export", args).await
}

/// A report (warroom, daily, kpi, postmortem) at an instant, over the current events.
pub(crate) async fn report(request: &clubgate_ipc::ReportRequest) -> Result<clubgate_ipc::ReportView, CommandError> {
    call("report", &RequestArgs { request }).await
}
