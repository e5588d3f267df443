//! The Volume page's command (issue 12, point 5).

use clubgate_ipc::volume::VolumeView;
use tauri::State;

use crate::error::Result;
use crate::service::Service;

/// The day's signed volume against the cap, per network, with the IC's freeze exceptions.
#[tauri::command]
pub(crate) async fn volume_view(service: State<'_, Service>) -> Result<VolumeView> {
    service.volume_view().await
}
