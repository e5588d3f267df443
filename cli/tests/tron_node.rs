//! Goal: with `[trc20] node_url` in the treasury file, `clubgate canary review` of a TRC-20
//! wallet takes the reference block from the node's head block — the operator types none —
//! and typed flags still win. The node is `FakeTronNode`, a test double of a Tron node's
//! documented HTTP API (no Tron node runs on this machine).

#[path = "../../chain/tests/support/fake_tron_node.rs"]
mod fake_tron_node;

use std::process::{Command, Output};

use serde_json::Value;

#[test]
fn a_trc20_canary_review_takes_the_reference_block_from_the_node() {
    let fake = fake_tron_node::FakeTronNode::start(fake_tron_node::block_json(
        0x03ab_12cd,
        "0000000003ab12cd8f1e2d3c4b5a69780123456789abcdeffedcba9876543210",
        1_893_456_000_000,
    ));
    let dir = tempfile::tempdir().unwrap();
    let demo = clubgate_treasury::demo::softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap();
    assert!(text.contains("[trc20]\n"), "the demo file has a [trc20] section");
    let with_node = dir.path().join("with-node.toml");
    std::fs::write(&with_node, text.replacen("[trc20]\n", &format!("[trc20]\nnode_url = \"{}\"\n", fake.url()), 1)).unwrap();
    let (plain, with_node) = (demo.treasury_file.to_str().unwrap().to_owned(), with_node.to_str().unwrap().to_owned());
    let db = dir.path().join("store.db").to_str().unwrap().to_owned();
    let run = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_clubgate"))
            .args(["--db", &db])
            .args(args)
            .env_remove("CLUBGATE_DATA_DIR")
            .env("SOFTHSM2_CONF", &demo.softhsm_conf)
            .output()
            .expect("run clubgate")
    };
    let ok = |args: &[&str]| -> Value {
        let output = run(args);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON output")
    };
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(6)).to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    ok(&["launch", "set", "--t0", &t0, "--who", "Irina (IC)", "--json"]);

    // No node, no flags: refused, asking for the reference block.
    let refused = run(&["canary", "review", "--treasury", &plain, "--wallet", "canary-trc20", "--who", "Lead", "--json"]);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("reference block"));

    // The node's head block gives it.
    let review = ok(&["canary", "review", "--treasury", &with_node, "--wallet", "canary-trc20", "--who", "Lead", "--json"]);
    assert_eq!(
        (review["decoded"]["ref_block_bytes"].as_str(), review["decoded"]["ref_block_hash"].as_str()),
        (Some("12cd"), Some("8f1e2d3c4b5a6978"))
    );
    assert_eq!(fake.received_on("/wallet/getnowblock").len(), 1);
    assert_eq!(fake.received_on("/wallet/getnowblock")[0].body, serde_json::json!({ "visible": true }));

    // Typed flags win; the node is not asked again.
    let typed = ok(&[
        "canary",
        "review",
        "--treasury",
        &with_node,
        "--wallet",
        "canary-trc20",
        "--who",
        "Lead",
        "--ref-block-bytes",
        "0102",
        "--ref-block-hash",
        "0303030303030303",
        "--json",
    ]);
    assert_eq!(typed["decoded"]["ref_block_bytes"].as_str(), Some("0102"));
    assert_eq!(fake.received_on("/wallet/getnowblock").len(), 1);
}
