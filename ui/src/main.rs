//! ClubGate Desk's UI. One feature per file: `timeline`, `checklists`, `gate`,
//! `settings`, `slo`, `payouts` with `queue`, `sync` (the ledger status strip); `ipc` calls the shell's commands; `i18n` holds the interface's own words
//! (plan texts come in both languages from the plan itself).

mod app;
mod checklists;
mod comms;
mod eod;
mod gate;
mod i18n;
mod ipc;
mod payouts;
mod poll;
mod queue;
mod reports;
mod settings;
mod slo;
mod sync;
mod team;
mod timeline;
mod volume;
mod wallets;
mod warroom;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
