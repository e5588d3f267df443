//! Payout commands: the planner and the decoder of exact transaction bytes.

use clubgate_ipc::{
    ApprovalImport, ApproveRequest, BundleRequest, BundleView, CanaryRequest, ChainStatusView, ChunkRequest, DecodedView,
    PayoutPlanRequest, PayoutPlanView, ReviewView, TreasuryView,
};
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

/// The treasury: registry, wallets, headroom and the day's canary payouts.
#[tauri::command]
pub(crate) async fn treasury(service: State<'_, Service>) -> Result<TreasuryView> {
    service.treasury_view().await
}

/// The payout queue with approvals and chunk statuses.
#[tauri::command]
pub(crate) async fn payout_queue(service: State<'_, Service>) -> Result<Vec<BundleView>> {
    service.payout_queue().await
}

/// Queues a payout as a bundle.
#[tauri::command]
pub(crate) async fn create_bundle(service: State<'_, Service>, request: BundleRequest) -> Result<Vec<BundleView>> {
    service.create_bundle(&request).await
}

/// Approves a bundle with a registered approver's configured key.
#[tauri::command]
pub(crate) async fn approve_bundle(service: State<'_, Service>, mut request: ApproveRequest) -> Result<Vec<BundleView>> {
    let result = service.approve_bundle(&request).await;
    // The approver's PIN is wiped as soon as the approval is made or refused.
    zeroize::Zeroize::zeroize(&mut request.pin);
    result
}

/// Reviews a chunk: its exact unsigned bytes, decoded, under their signing hash.
#[tauri::command]
pub(crate) async fn review_chunk(service: State<'_, Service>, request: ChunkRequest) -> Result<ReviewView> {
    service.review_chunk(&request).await
}

/// Signs exactly the reviewed bytes of a chunk with its hot wallet's key.
#[tauri::command]
pub(crate) async fn sign_chunk(service: State<'_, Service>, request: ChunkRequest) -> Result<Vec<BundleView>> {
    service.sign_chunk(&request).await
}

/// Reviews the day's canary payout of a canary wallet: its exact unsigned bytes, decoded.
#[tauri::command]
pub(crate) async fn review_canary(service: State<'_, Service>, request: CanaryRequest) -> Result<ReviewView> {
    service.review_canary(&request).await
}

/// Signs the day's canary payout of a canary wallet.
#[tauri::command]
pub(crate) async fn sign_canary(service: State<'_, Service>, request: CanaryRequest) -> Result<TreasuryView> {
    service.sign_canary(&request).await
}

/// Records that a chunk's latest signed transaction was broadcast.
#[tauri::command]
pub(crate) async fn mark_broadcast(service: State<'_, Service>, request: ChunkRequest) -> Result<Vec<BundleView>> {
    service.mark_broadcast(&request).await
}

/// Adds an approval made on another workstation.
#[tauri::command]
pub(crate) async fn import_approval(service: State<'_, Service>, request: ApprovalImport) -> Result<Vec<BundleView>> {
    service.import_approval(&request).await
}

/// Broadcasts a chunk's latest signed transaction to its network's node.
#[tauri::command]
pub(crate) async fn broadcast_chunk(service: State<'_, Service>, request: ChunkRequest) -> Result<ChainStatusView> {
    service.broadcast_chunk(&request).await
}

/// The broadcast chunks followed on their networks' nodes (pending, stuck with its speed-up, confirmations).
#[tauri::command]
pub(crate) async fn chain_status(service: State<'_, Service>) -> Result<ChainStatusView> {
    service.chain_status().await
}
