//! ClubGate Desk's entry point: everything lives in the library.

// Keep Windows release builds from opening a console next to the window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    clubgate_desk::run();
}
