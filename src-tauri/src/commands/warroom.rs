//! The warroom page's commands (issue 11).

use clubgate_ipc::warroom::{DecideRequest, WarroomView};
use tauri::State;

use crate::error::Result;
use crate::service::Service;

/// The decision log, verified, with the rollbacks it declared and the SLO picture now.
#[tauri::command]
pub(crate) async fn warroom(service: State<'_, Service>) -> Result<WarroomView> {
    service.warroom().await
}

/// Takes a decision signed by the launch IC's key; the PIN is wiped afterwards.
#[tauri::command]
pub(crate) async fn decide(service: State<'_, Service>, mut request: DecideRequest) -> Result<WarroomView> {
    let result = service.decide(&request).await;
    zeroize::Zeroize::zeroize(&mut request.pin);
    result
}
