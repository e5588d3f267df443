//! `cargo xtask sqlx-prepare` compiles the ledger once per back end against a live database
//! of that kind, to write the compile-time query data (`ledger/.sqlx/`): with
//! `LEDGER_SQLX_PREPARE=sqlite|postgres` only that back end's queries are compiled
//! (`cfg(ledger_prepare = …)`). Every other build compiles both from the committed data.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ledger_prepare, values(\"sqlite\", \"postgres\"))");
    println!("cargo::rerun-if-env-changed=LEDGER_SQLX_PREPARE");
    if let Ok(backend) = std::env::var("LEDGER_SQLX_PREPARE") {
        if backend == "sqlite" || backend == "postgres" {
            println!("cargo::rustc-cfg=ledger_prepare=\"{backend}\"");
        }
    }
}
