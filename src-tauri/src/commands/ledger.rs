//! Ledger sync commands: the status strip and the ledger URL of the Settings page.

use clubgate_ipc::{LedgerUrlUpdate, SyncStatusView};
use tauri::State;

use crate::{Result, Service};

/// The ledger sync's status (state, cursor, lag, outbox, refusals).
#[tauri::command]
pub(crate) async fn sync_status(service: State<'_, Service>) -> Result<SyncStatusView> {
    service.sync_status().await
}

/// Sets the ledger URL (empty: stop syncing) and restarts the sync.
#[tauri::command]
pub(crate) async fn set_ledger_url(service: State<'_, Service>, update: LedgerUrlUpdate) -> Result<SyncStatusView> {
    service.set_ledger_url(&update.url).await
}
