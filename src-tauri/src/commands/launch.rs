//! Launch commands: the overview every page renders, and the settings dialog.

use clubgate_ipc::{Overview, SettingsUpdate};
use tauri::State;

use crate::{Result, Service};

/// Everything the pages show, computed now.
#[tauri::command]
pub(crate) async fn overview(service: State<'_, Service>) -> Result<Overview> {
    service.overview().await
}

/// Sets T0, zone and plan file; returns the new overview.
#[tauri::command]
pub(crate) async fn save_settings(service: State<'_, Service>, update: SettingsUpdate) -> Result<Overview> {
    service.save_settings(&update).await
}
