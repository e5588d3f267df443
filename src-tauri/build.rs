//! Generates the Tauri context from `../tauri.conf.json` and one `allow-<command>`
//! permission per app command, which `capabilities/main.json` grants to the main window.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "overview",
        "set_item_state",
        "item_history",
        "save_settings",
        "dashboard",
        "import_events",
        "start_replay",
        "plan_payout",
        "decode_transaction",
        "treasury",
        "payout_queue",
        "create_bundle",
        "approve_bundle",
        "review_chunk",
        "sign_chunk",
        "review_canary",
        "sign_canary",
        "mark_broadcast",
        "broadcast_chunk",
        "chain_status",
        "import_approval",
        "sync_status",
        "set_ledger_url",
        "report",
        "comms_templates",
        "comms_preview",
        "comms_export",
        "team",
        "add_person",
        "add_shift",
        "warroom",
        "wallets_view",
        "refresh_wallets",
        "eod_view",
        "eod_settle",
        "eod_dry_run",
        "volume_view",
        "decide",
    ]);
    let attributes = tauri_build::Attributes::new().config_path("../tauri.conf.json").app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build script: {error:#}");
    }
}
