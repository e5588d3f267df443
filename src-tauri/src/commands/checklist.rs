//! Checklist commands.

use clubgate_ipc::{ChangeView, ItemUpdate, Overview};
use tauri::State;

use crate::{Result, Service};

/// Records a new state of an item; returns the new overview.
#[tauri::command]
pub(crate) async fn set_item_state(service: State<'_, Service>, update: ItemUpdate) -> Result<Overview> {
    service.set_item_state(&update).await
}

/// The history of one item, oldest first.
#[tauri::command]
pub(crate) async fn item_history(service: State<'_, Service>, item_id: String) -> Result<Vec<ChangeView>> {
    service.item_history(&item_id).await
}
