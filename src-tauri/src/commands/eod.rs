//! The EOD page's commands (issue 12).

use clubgate_ipc::eod::{EodSettleView, EodView};
use tauri::State;

use crate::error::Result;
use crate::service::Service;

/// Every trust session: cut-off in the pair's zone and the plan's, status, the plan's
/// figures, duration against the EOD SLO and the rollback threshold.
#[tauri::command]
pub(crate) async fn eod_view(service: State<'_, Service>) -> Result<EodView> {
    service.eod_view().await
}

/// Queues the plan's due settlement transfers as payout bundles (never twice).
#[tauri::command]
pub(crate) async fn eod_settle(service: State<'_, Service>) -> Result<EodSettleView> {
    service.eod_settle(false).await
}

/// The T-3d dry run: what `eod_settle` would queue; the payout queue is left as it is.
#[tauri::command]
pub(crate) async fn eod_dry_run(service: State<'_, Service>) -> Result<EodSettleView> {
    service.eod_settle(true).await
}
