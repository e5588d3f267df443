//! The Wallets page's commands (issue 12).

use clubgate_ipc::wallets::WalletsView;
use tauri::State;

use crate::error::Result;
use crate::service::Service;

/// Every wallet of the policy against its thresholds (events and the last chain refresh).
#[tauri::command]
pub(crate) async fn wallets_view(service: State<'_, Service>) -> Result<WalletsView> {
    service.wallets_view().await
}

/// Reads every wallet's balances from the networks' nodes, then the same view.
#[tauri::command]
pub(crate) async fn refresh_wallets(service: State<'_, Service>) -> Result<WalletsView> {
    service.refresh_wallets().await
}
