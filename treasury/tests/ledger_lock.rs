//! Goal (issue 10): on a desk that follows a ledger, no path opens a wallet key before that
//! ledger acknowledged the chunk's reservation — not a caller passing no connection, not a
//! connection to another ledger, not a refusal — and every refusal abandons the local
//! reservation. The connection here is `ScriptedLedger`, a test double that answers as told
//! (the real ledger's answers are exercised end to end in cli/tests/workstations.rs); the
//! keys are the SoftHSM2 demo's, counted as they are opened.

use std::sync::atomic::{AtomicUsize, Ordering};

use alloy::primitives::hex;
use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury, Wallet};
use clubgate_store::{LedgerCursor, PulledRecord, Store};
use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PIN};
use clubgate_treasury::flow::{self, BoxFuture, ChunkLedger, LedgerClaim, OperatorInput, Policy, ReviewRequest, SignRequest, WalletKeys};
use clubgate_treasury::{bundle, signers};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const URL: &str = "http://127.0.0.1:9";

/// Wallet keys that count how often a key was opened.
struct CountedKeys(AtomicUsize);

impl WalletKeys for CountedKeys {
    fn open(&self, wallet: &Wallet) -> clubgate_treasury::Result<signers::Signer> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let (token, key) = wallet.signer.trim_start_matches("pkcs11:").split_once('/').expect("a pkcs11 spec");
        signers::open_pkcs11_verified(token, key, DEMO_PIN)
    }
}

/// A test double of the ledger connection: its URL, and the answer it gives (a seq, or a
/// refusal with the ledger's code); counts the reservations it was asked for.
#[derive(Debug)]
struct ScriptedLedger {
    url: &'static str,
    refuse: Option<&'static str>,
    asked: AtomicUsize,
}

impl ChunkLedger for ScriptedLedger {
    fn url(&self) -> &str {
        self.url
    }

    fn signer_name(&self) -> &str {
        "lead@test"
    }

    fn reserve<'a>(&'a self, claim: &'a LedgerClaim) -> BoxFuture<'a, clubgate_treasury::Result<u64>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        assert_eq!(claim.payload["signed_by"], "lead@test");
        let answer = match self.refuse {
            None => Ok(7),
            Some(code) => Err(clubgate_treasury::Error::Ledger { code, message: format!("the ledger said {code}") }),
        };
        Box::pin(async move { answer })
    }
}

fn scripted(url: &'static str, refuse: Option<&'static str>) -> ScriptedLedger {
    ScriptedLedger { url, refuse, asked: AtomicUsize::new(0) }
}

#[tokio::test]
async fn a_desk_that_follows_a_ledger_opens_no_key_before_the_ledger_reserved_the_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), MODULE).unwrap();
    // The only test in this binary: the module reads SOFTHSM2_CONF when it loads.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    let treasury = Treasury::from_toml(&std::fs::read_to_string(&demo.treasury_file).unwrap()).unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).unwrap();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let source = treasury.wallet("hot-erc20-1").unwrap().address.to_string();
    let request = bundle::Request {
        network: Network::Erc20,
        token: Token::Usdt,
        source: &source,
        to: DEMO_PARTNER_ERC20,
        amount: "100",
        policy_version: 1,
    };
    let payout = bundle::make(&launch.plan, &treasury, &request).unwrap();

    // The store follows a ledger whose log holds a quorum of approvals of the bundle.
    let mut records = Vec::new();
    for (n, key) in ["approver-a", "approver-b"].into_iter().enumerate() {
        let (token, pin) = demo_token_of(key);
        let approval = signers::approve_with(&format!("pkcs11:{token}/{key}"), Profile::Production, &payout, Some(pin)).await.unwrap();
        let body = serde_json::json!({"id": format!("00000000-0000-4000-8000-00000000000{n}"), "payload": {
            "bundle_hash": payout.canonical_hash().to_string(), "approver": approval.approver.to_string(),
            "signature": format!("0x{}", hex::encode(&approval.signature))}});
        records.push(PulledRecord {
            seq: n as u64 + 1,
            kind: "approval".to_owned(),
            body: body.to_string(),
            prev: hex::encode([n as u8; 32]),
            hash: hex::encode([n as u8 + 1; 32]),
        });
    }
    let from = LedgerCursor { url: URL.to_owned(), seq: 0, hash: hex::encode([0u8; 32]) };
    store.apply_pulled(URL, &from, &records, &[], &[], jiff::Timestamp::now()).await.unwrap();

    let keys = CountedKeys(AtomicUsize::new(0));
    let now = jiff::Timestamp::now();
    let reviewed = flow::review_chunk(
        &store,
        policy,
        ReviewRequest { bundle: &payout, chunk: 0, replace: None, input: OperatorInput::default(), reviewed_by: "lead", now },
    )
    .await
    .unwrap();
    let sign = |ledger: Option<&'static ScriptedLedger>| SignRequest {
        bundle: &payout,
        approvals: &[],
        chunk: 0,
        review_hash: &reviewed.review_hash,
        now,
        ledger: ledger.map(|l| l as &dyn ChunkLedger),
    };
    let leak = |l: ScriptedLedger| -> &'static ScriptedLedger { Box::leak(Box::new(l)) };

    // No connection, another ledger's, a refusal, an unreachable ledger: nothing opened, and
    // each local reservation abandoned (the next attempt is a retry of an unsigned chunk).
    let elsewhere = leak(scripted("http://127.0.0.1:10", None));
    let refusing = leak(scripted(URL, Some("already_signed")));
    let unreachable = leak(scripted(URL, Some("ledger_unreachable")));
    for (case, ledger, code) in [
        ("no connection", None, "ledger_required"),
        ("another ledger", Some(elsewhere), "ledger_required"),
        ("a refusal", Some(refusing), "already_signed"),
        ("an unreachable ledger", Some(unreachable), "ledger_unreachable"),
    ] {
        let error = flow::sign_chunk(&store, policy, &keys, sign(ledger)).await.unwrap_err();
        assert_eq!(error.code(), code, "{case}: {error}");
        assert_eq!(keys.0.load(Ordering::SeqCst), 0, "{case}: no key was opened");
        let attempts = store.attempts(&payout.bundleId, 0).await.unwrap();
        assert!(attempts.iter().all(|a| a.state == "abandoned"), "{case}: {attempts:?}");
    }
    assert_eq!(elsewhere.asked.load(Ordering::SeqCst), 0, "another ledger is never asked");
    assert_eq!((refusing.asked.load(Ordering::SeqCst), unreachable.asked.load(Ordering::SeqCst)), (1, 1));

    // The ledger the store follows acknowledges: the key is opened once and the chunk signed.
    let granting = leak(scripted(URL, None));
    let signed = flow::sign_chunk(&store, policy, &keys, sign(Some(granting))).await.unwrap();
    assert_eq!((signed.chunk, keys.0.load(Ordering::SeqCst), granting.asked.load(Ordering::SeqCst)), (0, 1, 1));
}
