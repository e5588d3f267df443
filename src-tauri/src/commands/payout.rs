//! Payout commands: the planner and the decoder of exact transaction bytes.

use clubgate_ipc::{DecodedView, PayoutPlanRequest, PayoutPlanView};
use tauri::State;

use crate::{Result, Service};

/// How a payout would be batched and whether the day's phase cap allows it.
#[tauri::command]
pub(crate) async fn plan_payout(service: State<'_, Service>, request: PayoutPlanRequest) -> Result<PayoutPlanView> {
    service.plan_payout(&request).await
}

/// What raw transaction bytes say (ERC-20 signed or unsigned, TRC-20 raw data).
#[tauri::command]
pub(crate) async fn decode_transaction(service: State<'_, Service>, hex: String) -> Result<DecodedView> {
    service.decode_transaction(&hex)
}
