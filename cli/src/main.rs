//! `clubgate`: the headless CLI of ClubGate Desk. Every command takes `--json`.
//! Exit codes: 0 success, 2 bad input (a T0, zone, plan file, item or argument), 1 any
//! other failure (the store could not be read or written).

mod broadcast;
mod bundle;
mod canary;
mod commands;
mod comms;
mod decide;
mod decode;
mod eod;
mod grafana;
mod metrics;
mod oncall;
mod output;
mod payout;
mod report;
mod secret;
mod switches;
mod sync;
mod tx;
mod volume;
mod wallets;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`clubgate plan dates | head`), as Unix tools do,
    // instead of panicking in println!.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = commands::Cli::parse();
    let json = cli.json();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, naming the offending value; the exit code tells input from failure.
            if json && !matches!(error, commands::Error::Lines(_)) {
                // `--json`: one JSON line, with the error's stable code (refused lines of an
                // input file stay one line each).
                let document = serde_json::json!({ "error": { "code": error.code(), "message": error.to_string() } });
                eprintln!("{document}");
            } else {
                for line in error.to_string().lines() {
                    eprintln!("error: {line}");
                }
            }
            ExitCode::from(error.exit_code())
        }
    }
}
