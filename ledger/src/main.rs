//! `clubgate-ledger`: see the library's [`clubgate_ledger::run`].

fn main() -> std::process::ExitCode {
    clubgate_ledger::run()
}
