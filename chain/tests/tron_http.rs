//! Goal: the Tron HTTP client speaks the documented `/wallet/*` API and refuses what it
//! must. No Tron node runs on this machine, so it is tested against `FakeTronNode`, a TEST
//! DOUBLE serving the documented request/response shapes (tests/support/fake_tron_node.rs),
//! which checks every request it receives. Independent cross-checks with tronweb: a transfer
//! built from the double's head block by our code is byte-identical to the one tronweb builds
//! after asking the same double for the block itself, and the body we broadcast is exactly
//! tronweb's serialized signed transaction and decodes (with tronweb's protobuf) to it.

#[path = "support/dev_key.rs"]
mod dev_key;
#[path = "support/fake_tron_node.rs"]
mod fake_tron_node;

use std::path::PathBuf;
use std::process::Command;

use alloy::primitives::{hex, B256};
use clubgate_chain::signer::HashSigner;
use clubgate_chain::trc20::{decode_transaction, sign, Transfer};
use clubgate_chain::tron_http::{
    confirmation_of, reference_block, signed_transaction_bytes, Energy, NodeError, Outcome, TronNode, TxStatus,
};
use clubgate_core::payout::TronAddress;
use fake_tron_node::{block_json, hex_text, FakeTronNode};
use serde_json::{json, Value};

const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// USDT on Tron's Nile test network (the development key never signs for a mainnet contract).
const TEST_TOKEN: &str = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf";
const TO: &str = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
const OTHER: &str = "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG";
/// 2030-01-01T00:00:00Z: the head block's time (the transfers never expire in the test).
const T_MS: i64 = 1_893_456_000_000;
/// Height 0x03ab12cd = 61,543,117: ref_block_bytes are its bytes 6..8 = 12cd.
const HEIGHT: u64 = 0x03ab_12cd;
/// Its id: the height's 8 bytes ‖ 24 bytes; ref_block_hash = bytes 8..16 = 8f1e2d3c4b5a6978.
const BLOCK_ID: &str = "0000000003ab12cd8f1e2d3c4b5a69780123456789abcdeffedcba9876543210";

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools")
}

fn node(script: &str, input: &Value) -> Value {
    let output = Command::new("node").arg(tools().join(script)).arg(input.to_string()).output().expect("node runs tronweb");
    assert!(output.status.success(), "{script}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn tron(address: &str) -> TronAddress {
    TronAddress::parse(address).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn double() -> FakeTronNode {
    FakeTronNode::start(block_json(HEIGHT, BLOCK_ID, T_MS))
}

fn client(fake: &FakeTronNode) -> TronNode {
    TronNode::new(fake.url()).unwrap()
}

fn word(value: u128) -> String {
    format!("{value:064x}")
}

#[test]
fn the_reference_block_is_derived_by_tron_rules() {
    let id: B256 = BLOCK_ID.parse().unwrap();
    assert_eq!(reference_block(HEIGHT, &id), ([0x12, 0xcd], [0x8f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78]));
    // Heights above 2^16 keep only their low 2 bytes; block 1 gives 0001.
    assert_eq!(reference_block(0x0001_0000, &id).0, [0, 0]);
    assert_eq!(reference_block(1, &id).0, [0, 1]);

    let fake = double();
    let block = runtime().block_on(client(&fake).now_block()).unwrap();
    assert_eq!((block.number, block.timestamp_ms, block.id), (HEIGHT, T_MS, id));
    assert_eq!(hex::encode(block.ref_block_bytes), "12cd");
    assert_eq!(hex::encode(block.ref_block_hash), "8f1e2d3c4b5a6978");
    let asked = fake.received();
    assert_eq!(asked.len(), 1);
    assert_eq!((asked[0].method.as_str(), asked[0].path.as_str()), ("POST", "/wallet/getnowblock"));
    assert_eq!(asked[0].body, json!({ "visible": true }));
}

#[test]
fn a_transfer_built_from_the_nodes_block_is_tronwebs_and_is_broadcast_as_tronweb_serializes_it() {
    let fake = double();
    let tron_node = client(&fake);
    let rt = runtime();
    let block = rt.block_on(tron_node.now_block()).unwrap();
    let key = dev_key::from_file(DEV_KEY);
    let owner = TronAddress::from_account(key.address());
    // tronweb builds on the block's own time with its default 60 s expiration; so do we here.
    let transfer = Transfer {
        owner,
        token: tron(TEST_TOKEN),
        to: tron(TO),
        amount: 200_000_000_000,
        ref_block_bytes: block.ref_block_bytes,
        ref_block_hash: block.ref_block_hash,
        expiration_ms: block.timestamp_ms + 60_000,
        timestamp_ms: block.timestamp_ms,
        fee_limit_sun: 30_000_000,
    };
    let ours = sign(&transfer, &key, T_MS).unwrap();

    let theirs = node(
        "tron-build-from-node.js",
        &json!({ "fullHost": fake.url(), "privateKey": DEV_KEY, "token": TEST_TOKEN, "to": TO, "amount": "200000000000", "feeLimit": 30_000_000 }),
    );
    // tronweb asked the double for the block itself (wallet/getblock, detail false).
    let getblock = fake.received_on("/wallet/getblock");
    assert_eq!(getblock.len(), 1, "tronweb fetched the reference block from the double");
    assert_eq!(getblock[0].body["detail"], json!(false));
    assert_eq!((theirs["ref_block_bytes"].as_str().unwrap(), theirs["ref_block_hash"].as_str().unwrap()), ("12cd", "8f1e2d3c4b5a6978"));
    assert_eq!((theirs["timestamp"].as_i64().unwrap(), theirs["expiration"].as_i64().unwrap()), (T_MS, T_MS + 60_000));
    assert_eq!(hex::encode(&ours.raw_data), theirs["raw_data_hex"].as_str().unwrap(), "raw_data_hex");
    assert_eq!(hex::encode(ours.txid), theirs["txID"].as_str().unwrap(), "txID");
    assert_eq!(hex::encode(ours.signature), theirs["signature"].as_str().unwrap().to_lowercase(), "signature");

    // Our serialized signed transaction is byte for byte tronweb's.
    let signed_hex = hex::encode(signed_transaction_bytes(&ours));
    assert_eq!(signed_hex, theirs["signed_hex"].as_str().unwrap(), "the signed protocol.Transaction");

    fake.set_broadcast(json!({ "result": true, "code": "SUCCESS", "message": "", "txid": theirs["txID"] }));
    let sent = rt.block_on(tron_node.broadcast(&ours)).unwrap();
    assert_eq!((sent.txid, sent.duplicate), (ours.txid, false));
    let bodies = fake.received_on("/wallet/broadcasthex");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].body, json!({ "transaction": signed_hex }), "the broadcast body is the signed transaction's hex, nothing else");
    // tronweb's protobuf reads the body back to our raw data and signature, recovering the owner.
    let decoded = node("tron-decode-signed.js", &json!({ "hex": bodies[0].body["transaction"] }));
    assert_eq!(decoded["raw_data_hex"].as_str().unwrap(), hex::encode(&ours.raw_data));
    assert_eq!(decoded["txID"].as_str().unwrap(), hex::encode(ours.txid));
    assert_eq!(decoded["signatures"], json!([hex::encode(ours.signature)]));
    assert_eq!(decoded["recovered"].as_str().unwrap(), owner.to_string());
    // And so does our own decoder.
    let (raw, signature) = decode_transaction(&hex::decode(&signed_hex).unwrap()).unwrap();
    assert_eq!((raw, signature), (ours.raw_data.clone(), ours.signature));
}

fn broadcast_error(answer: Value) -> Result<clubgate_chain::tron_http::Broadcast, NodeError> {
    let fake = double();
    fake.set_broadcast(answer);
    let key = dev_key::from_file(DEV_KEY);
    let transfer = Transfer {
        owner: TronAddress::from_account(key.address()),
        token: tron(TEST_TOKEN),
        to: tron(TO),
        amount: 1,
        ref_block_bytes: [0x12, 0xcd],
        ref_block_hash: [1; 8],
        expiration_ms: T_MS + 60_000,
        timestamp_ms: T_MS,
        fee_limit_sun: 1,
    };
    let signed = sign(&transfer, &key, T_MS).unwrap();
    runtime().block_on(client(&fake).broadcast(&signed))
}

#[test]
fn broadcast_refusals_carry_the_nodes_code_and_decoded_message() {
    let refused = broadcast_error(
        json!({ "result": false, "code": "SIGERROR", "message": hex_text("Validate signature error: miss sig or contract") }),
    )
    .unwrap_err();
    let NodeError::Refused { endpoint, code, message } = &refused else { panic!("{refused:?}") };
    assert!(endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/wallet/broadcasthex"), "{endpoint}");
    assert_eq!(code, "SIGERROR");
    assert!(message.contains("Validate signature error: miss sig or contract"), "the hex message is decoded: {message}");
    assert!(refused.to_string().contains("/wallet/broadcasthex: SIGERROR"), "{refused}");

    // broadcasthex sends the message as text: kept as it is.
    let expired =
        broadcast_error(json!({ "result": false, "code": "TRANSACTION_EXPIRATION_ERROR", "message": "Transaction expired" })).unwrap_err();
    assert!(
        matches!(&expired, NodeError::Refused { code, message, .. } if code == "TRANSACTION_EXPIRATION_ERROR" && message.contains("Transaction expired")),
        "{expired:?}"
    );

    // A duplicate is a success: the node has it already.
    let duplicate =
        broadcast_error(json!({ "result": false, "code": "DUP_TRANSACTION_ERROR", "message": hex_text("dup transaction") })).unwrap();
    assert!(duplicate.duplicate);

    // No result field at all is not a success.
    let silent = broadcast_error(json!({})).unwrap_err();
    assert!(matches!(&silent, NodeError::Refused { code, .. } if code == "no result"), "{silent:?}");

    // The node reporting another txid than sha256(raw_data) is refused.
    let other = broadcast_error(json!({ "result": true, "txid": "00".repeat(32) })).unwrap_err();
    assert!(matches!(&other, NodeError::Answer { field: "txid", .. }), "{other:?}");

    // java-tron's processError shape.
    let error = broadcast_error(json!({ "Error": "class org.tron.core.exception.BadItemException : invalid" })).unwrap_err();
    assert!(
        matches!(&error, NodeError::Refused { code, message, .. } if code == "Error" && message.contains("BadItemException")),
        "{error:?}"
    );
}

#[test]
fn http_failures_name_the_endpoint() {
    let fake = double();
    fake.set_raw("/wallet/getnowblock", 503, "Service Unavailable");
    let rt = runtime();
    let status = rt.block_on(client(&fake).now_block()).unwrap_err();
    assert!(
        matches!(&status, NodeError::Status { status: 503, body, endpoint } if body == "Service Unavailable" && endpoint.ends_with("/wallet/getnowblock")),
        "{status:?}"
    );

    fake.set_raw("/wallet/getnowblock", 200, "<html>proxy error</html>");
    let html = rt.block_on(client(&fake).now_block()).unwrap_err();
    assert!(matches!(&html, NodeError::Answer { field: "body", value, .. } if value.contains("proxy error")), "{html:?}");

    // A closed port: no answer, and the URL says where it was asked.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        port
    };
    let unreachable = rt.block_on(TronNode::new(&format!("http://127.0.0.1:{closed}/")).unwrap().now_block()).unwrap_err();
    assert!(
        matches!(&unreachable, NodeError::Unreachable { endpoint, .. } if endpoint == &format!("http://127.0.0.1:{closed}/wallet/getnowblock")),
        "{unreachable:?}"
    );

    for bad in ["localhost:8090", "ftp://node", "http://", ""] {
        assert!(matches!(TronNode::new(bad), Err(NodeError::Url { .. })), "{bad:?} is refused");
    }
}

#[test]
fn a_head_block_that_is_not_one_is_refused() {
    let rt = runtime();
    let fake = double();
    // The id does not start with the height.
    fake.set_block(block_json(HEIGHT + 1, BLOCK_ID, T_MS));
    let wrong = rt.block_on(client(&fake).now_block()).unwrap_err();
    assert!(
        matches!(&wrong, NodeError::Answer { field: "blockID", .. }) && wrong.to_string().contains(&(HEIGHT + 1).to_string()),
        "{wrong}"
    );
    fake.set_block(block_json(HEIGHT, "0000000003ab12cd", T_MS));
    assert!(matches!(rt.block_on(client(&fake).now_block()), Err(NodeError::Answer { field: "blockID", .. })));
    fake.set_block(json!({ "blockID": BLOCK_ID, "block_header": { "raw_data": { "number": HEIGHT } } }));
    let no_time = rt.block_on(client(&fake).now_block()).unwrap_err();
    assert!(
        matches!(&no_time, NodeError::Answer { field: "block_header.raw_data.timestamp", value, .. } if value == "absent"),
        "{no_time:?}"
    );
    fake.set_block(json!({ "blockID": BLOCK_ID, "block_header": { "raw_data": { "number": -5, "timestamp": T_MS } } }));
    assert!(matches!(rt.block_on(client(&fake).now_block()), Err(NodeError::Answer { field: "block_header.raw_data.number", .. })));
    fake.set_block(json!({}));
    assert!(matches!(rt.block_on(client(&fake).now_block()), Err(NodeError::Answer { field: "blockID", .. })));
}

#[test]
fn trx_balances_read_absent_fields_as_zero_and_refuse_bad_numbers() {
    let rt = runtime();
    let fake = double();
    let tron_node = client(&fake);
    fake.set_account(TO, json!({ "address": TO, "balance": 123_456_789, "create_time": 1_700_000_000_000_i64 }));
    assert_eq!(rt.block_on(tron_node.trx_balance(&tron(TO))).unwrap(), 123_456_789);
    let asked = fake.received_on("/wallet/getaccount");
    assert_eq!(asked[0].body, json!({ "address": TO, "visible": true }));
    // An unknown account is {}; an account holding 0 TRX has no balance field.
    assert_eq!(rt.block_on(tron_node.trx_balance(&tron(OTHER))).unwrap(), 0);
    fake.set_account(OTHER, json!({ "address": OTHER, "create_time": 1 }));
    assert_eq!(rt.block_on(tron_node.trx_balance(&tron(OTHER))).unwrap(), 0);
    // The largest int64 the node can send.
    fake.set_account(OTHER, json!({ "balance": i64::MAX }));
    assert_eq!(rt.block_on(tron_node.trx_balance(&tron(OTHER))).unwrap(), 9_223_372_036_854_775_807);
    for bad in [json!(-1), json!(1.5), json!("100"), json!(1e20)] {
        fake.set_account(OTHER, json!({ "balance": bad }));
        let error = rt.block_on(tron_node.trx_balance(&tron(OTHER))).unwrap_err();
        assert!(
            matches!(&error, NodeError::Answer { field: "balance", value, endpoint, .. } if value == &bad.to_string() && endpoint.ends_with("/wallet/getaccount")),
            "{bad}: {error:?}"
        );
    }
}

#[test]
fn energy_is_limit_minus_used_with_absent_fields_zero() {
    let rt = runtime();
    let fake = double();
    let tron_node = client(&fake);
    // Unknown account.
    assert_eq!(rt.block_on(tron_node.energy(&tron(TO))).unwrap(), Energy { limit: 0, used: 0 });
    assert_eq!(fake.received_on("/wallet/getaccountresource")[0].body, json!({ "address": TO, "visible": true }));
    let cases: [(Value, u64, u64, u64); 5] = [
        (json!({ "freeNetLimit": 600, "TotalEnergyLimit": 180_000_000_000_i64 }), 0, 0, 0),
        (json!({ "EnergyLimit": 65_000 }), 65_000, 0, 65_000),
        (json!({ "EnergyLimit": 65_000, "EnergyUsed": 15_000 }), 65_000, 15_000, 50_000),
        (json!({ "EnergyLimit": 0, "EnergyUsed": 10 }), 0, 10, 0),
        (json!({ "EnergyLimit": i64::MAX, "EnergyUsed": 1 }), i64::MAX as u64, 1, i64::MAX as u64 - 1),
    ];
    for (answer, limit, used, available) in cases {
        fake.set_resources(TO, answer.clone());
        let energy = rt.block_on(tron_node.energy(&tron(TO))).unwrap();
        assert_eq!((energy.limit, energy.used, energy.available()), (limit, used, available), "{answer}");
    }
    fake.set_resources(TO, json!({ "EnergyLimit": "65000" }));
    let error = rt.block_on(tron_node.energy(&tron(TO))).unwrap_err();
    assert!(matches!(&error, NodeError::Answer { field: "EnergyLimit", value, .. } if value == "\"65000\""), "{error:?}");
    fake.set_resources(TO, json!({ "EnergyLimit": 5, "EnergyUsed": -1 }));
    assert!(matches!(rt.block_on(tron_node.energy(&tron(TO))), Err(NodeError::Answer { field: "EnergyUsed", .. })));
}

#[test]
fn trc20_balance_of_decodes_one_word_and_refuses_overflow() {
    let rt = runtime();
    let fake = double();
    let tron_node = client(&fake);
    let (token, owner) = (tron(TEST_TOKEN), tron(TO));
    fake.set_constant(TEST_TOKEN, TO, FakeTronNode::constant_ok(&word(200_000_000_000)));
    assert_eq!(rt.block_on(tron_node.trc20_balance(&token, &owner)).unwrap(), 200_000_000_000);
    let asked = &fake.received_on("/wallet/triggerconstantcontract")[0].body;
    assert_eq!(
        asked,
        &json!({
            "owner_address": TO, "contract_address": TEST_TOKEN, "function_selector": "balanceOf(address)",
            "parameter": format!("000000000000000000000000{}", hex::encode(owner.account())), "visible": true,
        })
    );
    fake.set_constant(TEST_TOKEN, TO, FakeTronNode::constant_ok(&word(0)));
    assert_eq!(rt.block_on(tron_node.trc20_balance(&token, &owner)).unwrap(), 0);
    fake.set_constant(TEST_TOKEN, TO, FakeTronNode::constant_ok(&word(u128::MAX)));
    assert_eq!(rt.block_on(tron_node.trc20_balance(&token, &owner)).unwrap(), u128::MAX);
    // 2^128: one more than u128 holds.
    fake.set_constant(TEST_TOKEN, TO, FakeTronNode::constant_ok(&format!("{:0>64}", "100000000000000000000000000000000")));
    let overflow = rt.block_on(tron_node.trc20_balance(&token, &owner)).unwrap_err();
    assert!(
        matches!(&overflow, NodeError::Answer { field: "constant_result", value, .. } if value == "340282366920938463463374607431768211456"),
        "{overflow:?}"
    );
    for (answer, field) in [
        (json!({ "result": { "result": true } }), "constant_result"),
        (json!({ "result": { "result": true }, "constant_result": [] }), "constant_result"),
        (json!({ "result": { "result": true }, "constant_result": ["00ff"] }), "constant_result"),
    ] {
        fake.set_constant(TEST_TOKEN, TO, answer.clone());
        let error = rt.block_on(tron_node.trc20_balance(&token, &owner)).unwrap_err();
        assert!(matches!(&error, NodeError::Answer { field: f, .. } if *f == field), "{answer}: {error:?}");
    }
    // A reverted call.
    fake.set_constant(
        TEST_TOKEN,
        TO,
        json!({ "result": { "result": true }, "constant_result": [""], "transaction": { "ret": [{ "ret": "FAILED" }] } }),
    );
    assert!(matches!(rt.block_on(tron_node.trc20_balance(&token, &owner)), Err(NodeError::Refused { code, .. }) if code == "FAILED"));
    // A contract the node does not know: its documented refusal, hex message decoded.
    let unknown = rt.block_on(tron_node.trc20_balance(&tron(OTHER), &owner)).unwrap_err();
    assert!(
        matches!(&unknown, NodeError::Refused { code, message, .. } if code == "CONTRACT_VALIDATE_ERROR" && message.contains("Smart contract is not exist.") && message.contains(OTHER)),
        "{unknown:?}"
    );
}

#[test]
fn receipts_and_confirmations() {
    let rt = runtime();
    let fake = double();
    let tron_node = client(&fake);
    let txid: B256 = "5a71eb78216e74de956fd5db476757f8a7d9c9d08c088f8a2d5a51c7bbf1f08e".parse().unwrap();
    let id = hex::encode(txid);
    assert_eq!(rt.block_on(tron_node.transaction_info(&txid)).unwrap(), TxStatus::NotFound);
    assert_eq!(fake.received_on("/wallet/gettransactioninfobyid")[0].body, json!({ "value": id, "visible": true }));
    let not_found = rt.block_on(tron_node.confirmation(&txid, 19)).unwrap();
    assert_eq!((not_found.confirmations, not_found.confirmed, not_found.head), (0, false, HEIGHT));

    // In block HEIGHT − 18: with the head at HEIGHT that is 19 blocks including its own.
    let block = HEIGHT - 18;
    fake.set_info(
        &id,
        json!({ "id": id, "fee": 13_844_850, "blockNumber": block, "blockTimeStamp": T_MS - 54_000, "contractResult": [word(1)],
                "contract_address": TEST_TOKEN, "receipt": { "energy_usage_total": 64_285, "net_usage": 345, "result": "SUCCESS" } }),
    );
    let status = rt.block_on(tron_node.transaction_info(&txid)).unwrap();
    assert_eq!(status, TxStatus::InBlock { block, block_time_ms: Some(T_MS - 54_000), outcome: Outcome::Success });
    let confirmed = rt.block_on(tron_node.confirmation(&txid, 19)).unwrap();
    assert_eq!((confirmed.confirmations, confirmed.confirmed, confirmed.required), (19, true, 19));
    let short = rt.block_on(tron_node.confirmation(&txid, 20)).unwrap();
    assert_eq!((short.confirmations, short.confirmed), (19, false));
    // One block fewer: 18 confirmations, not yet 19.
    let early = confirmation_of(status.clone(), HEIGHT - 1, 19);
    assert_eq!((early.confirmations, early.confirmed), (18, false));
    // A head behind the receipt's block (another node): 0, never an underflow.
    assert_eq!(confirmation_of(status, block - 1, 1).confirmations, 0);

    // A revert is in a block but never confirmed.
    fake.set_info(&id, json!({ "id": id, "blockNumber": block, "result": "FAILED", "resMessage": hex_text("REVERT opcode executed"), "receipt": { "result": "REVERT" } }));
    let reverted = rt.block_on(tron_node.confirmation(&txid, 1)).unwrap();
    assert_eq!(
        reverted.status,
        TxStatus::InBlock {
            block,
            block_time_ms: None,
            outcome: Outcome::Failed { result: "REVERT".into(), message: Some("REVERT opcode executed".into()) }
        }
    );
    assert!(!reverted.confirmed && reverted.confirmations == 19);
    fake.set_info(&id, json!({ "id": id, "blockNumber": block, "receipt": { "result": "OUT_OF_ENERGY" } }));
    assert!(
        matches!(rt.block_on(tron_node.transaction_info(&txid)).unwrap(), TxStatus::InBlock { outcome: Outcome::Failed { result, .. }, .. } if result == "OUT_OF_ENERGY")
    );

    // Malformed receipts are refused, naming the field.
    for (answer, field) in [
        (json!({ "id": id, "receipt": { "result": "SUCCESS" } }), "blockNumber"),
        (json!({ "id": id, "blockNumber": block, "receipt": { "net_usage": 345 } }), "receipt.result"),
        (json!({ "id": "00".repeat(32), "blockNumber": block, "receipt": { "result": "SUCCESS" } }), "id"),
    ] {
        fake.set_info(&id, answer.clone());
        let error = rt.block_on(tron_node.transaction_info(&txid)).unwrap_err();
        assert!(
            matches!(&error, NodeError::Answer { field: f, endpoint, .. } if *f == field && endpoint.ends_with("/wallet/gettransactioninfobyid")),
            "{answer}: {error:?}"
        );
    }
}
