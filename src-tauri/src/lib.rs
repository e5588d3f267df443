//! ClubGate Desk, the desktop shell: opens the local store, registers the commands the
//! UI may call, and runs the window. Commands are one-line delegations to [`service`],
//! which works over the core and the store; [`views`] converts core values to the IPC
//! types of `clubgate-ipc`.

mod chain;
mod charts;
mod commands;
mod eod;
mod error;
mod ledger_sync;
mod live;
mod payouts;
mod queue;
mod reports;
mod service;
mod views;
mod volume;
mod wallets;
mod warroom;

use std::path::PathBuf;

use tauri::Manager;

pub use error::{Error, Result};
pub use ledger_sync::{LEDGER_URL_ENV, SETTINGS_FILE as LEDGER_SETTINGS_FILE};
pub use queue::TREASURY_ENV;
pub use service::Service;

/// Builds and runs the app with the default builder.
pub fn run() {
    run_app(tauri::Builder::default());
}

/// Runs the app on a given builder, so tests can pass `tauri::test::mock_builder()`.
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>) {
    let app = builder
        .invoke_handler(tauri::generate_handler![
            commands::launch::overview,
            commands::launch::save_settings,
            commands::checklist::set_item_state,
            commands::checklist::item_history,
            commands::slo::dashboard,
            commands::slo::import_events,
            commands::slo::start_replay,
            commands::payout::plan_payout,
            commands::payout::decode_transaction,
            commands::payout::treasury,
            commands::payout::payout_queue,
            commands::payout::create_bundle,
            commands::payout::approve_bundle,
            commands::payout::review_chunk,
            commands::payout::sign_chunk,
            commands::payout::review_canary,
            commands::payout::sign_canary,
            commands::payout::mark_broadcast,
            commands::payout::broadcast_chunk,
            commands::payout::chain_status,
            commands::payout::import_approval,
            commands::ledger::sync_status,
            commands::ledger::set_ledger_url,
            commands::report::report,
            commands::comms::comms_templates,
            commands::comms::comms_preview,
            commands::comms::comms_export,
            commands::team::team,
            commands::team::add_person,
            commands::team::add_shift,
            commands::warroom::warroom,
            commands::warroom::decide,
            commands::wallets::wallets_view,
            commands::wallets::refresh_wallets,
            commands::eod::eod_view,
            commands::eod::eod_settle,
            commands::eod::eod_dry_run,
            commands::volume::volume_view,
        ])
        .setup(|app| {
            let data_dir = match clubgate_store::default_data_dir_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            let service = tauri::async_runtime::block_on(Service::start(&data_dir))?;
            service.start_sync();
            app.manage(service);
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("ClubGate Desk could not start: {error}");
            std::process::exit(1);
        }
    }
}

/// Where the app keeps its store when started from a given data directory.
pub fn database_path(data_dir: &std::path::Path) -> PathBuf {
    clubgate_store::database_path(data_dir)
}
