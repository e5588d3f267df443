//! SLO dashboard commands.

use clubgate_ipc::{DashboardView, ImportView, ReplayRequest};
use tauri::State;

use crate::{Result, Service};

/// The dashboard at the data clock.
#[tauri::command]
pub(crate) async fn dashboard(service: State<'_, Service>) -> Result<DashboardView> {
    service.dashboard().await
}

/// Replaces the event stream with a JSON Lines file.
#[tauri::command]
pub(crate) async fn import_events(service: State<'_, Service>, path: String) -> Result<ImportView> {
    service.import_events(&path).await
}

/// Starts replaying a simulated scenario.
#[tauri::command]
pub(crate) async fn start_replay(service: State<'_, Service>, request: ReplayRequest) -> Result<()> {
    service.start_replay(&request).await
}
