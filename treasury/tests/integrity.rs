//! Goal (issue 8): no path gets a treasury key to sign what did not pass the policy, a
//! quorum of approvers present with their own credentials, the day's cap and the review of
//! exactly those bytes. Each step below closes a hole the previous flow had, on the SoftHSM2
//! demo tokens (each approver's key on a token of its own, with its own PIN).

use alloy::primitives::hex;
use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury, Wallet};
use clubgate_store::Store;
use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PARTNER_TRC20, DEMO_PIN};
use clubgate_treasury::flow::{self, OperatorInput, Policy, ReviewRequest, SignRequest, WalletKeys};
use clubgate_treasury::{bundle, signers};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// Wallet keys opened with a PIN of the test's choosing, verified at every open.
struct PinKeys(&'static str);

impl WalletKeys for PinKeys {
    fn open(&self, wallet: &Wallet) -> clubgate_treasury::Result<signers::Signer> {
        let (token, key) = wallet.signer.trim_start_matches("pkcs11:").split_once('/').expect("a pkcs11 spec");
        signers::open_pkcs11_verified(token, key, self.0)
    }
}

async fn approve(
    key: &str,
    pin: Option<&str>,
    payout: &clubgate_chain::approval::PayoutBundle,
) -> clubgate_treasury::Result<clubgate_chain::approval::Approval> {
    let (token, _) = demo_token_of(key);
    signers::approve_with(&format!("pkcs11:{token}/{key}"), Profile::Production, payout, pin).await
}

#[tokio::test]
async fn every_signature_passes_policy_quorum_review_and_cap() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), MODULE).unwrap();
    // The only test in this binary: the module reads SOFTHSM2_CONF when it loads.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::remove_var("CLUBGATE_PKCS11_PIN");
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap();
    let treasury = Treasury::from_toml(&text).unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    // T0 three days ahead: the Canary phase governs, cap 30% of 2,000,000 = 600,000 a day.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).unwrap();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let hot_erc20 = treasury.wallet("hot-erc20-1").unwrap().address.to_string();
    let request = |network, source: &str, to: &str, amount: &str| {
        let request = bundle::Request { network, token: Token::Usdt, source, to, amount, policy_version: 1 };
        bundle::make(&launch.plan, &treasury, &request)
    };
    let payout = request(Network::Erc20, &hot_erc20, DEMO_PARTNER_ERC20, "400000").unwrap();
    assert!(bundle::is_payout_id(&payout.bundleId), "bundle ids are generated: {}", payout.bundleId);

    // Approval needs the approver: no PIN, or another approver's PIN, is refused even though
    // this process is logged in to that token already.
    let (_, pin_a) = demo_token_of("approver-a");
    let a = approve("approver-a", Some(pin_a), &payout).await.unwrap();
    assert_eq!(approve("approver-b", None, &payout).await.unwrap_err().code(), "credential");
    assert_eq!(approve("approver-b", Some(pin_a), &payout).await.unwrap_err().code(), "login_refused");
    assert_eq!(
        approve("approver-a", Some("0000"), &payout).await.unwrap_err().code(),
        "login_refused",
        "a logged-in token still checks the PIN"
    );
    let c = approve("approver-c", Some(demo_token_of("approver-c").1), &payout).await.unwrap();
    let approvals = [a, c];
    let keys = PinKeys(DEMO_PIN);

    // What you see is what you sign: the review hash is the signed transaction's signing hash.
    let review = |chunk, replace, now| {
        flow::review_chunk(
            &store,
            policy,
            ReviewRequest { bundle: &payout, chunk, replace, input: OperatorInput::default(), reviewed_by: "A", now },
        )
    };
    let now = jiff::Timestamp::now();
    let reviewed = review(0, None, now).await.unwrap();
    let sign = |review_hash| SignRequest { bundle: &payout, approvals: &approvals, chunk: 0, review_hash, now, ledger: None };
    assert_eq!(flow::sign_chunk(&store, policy, &keys, sign("0xdeadbeef")).await.unwrap_err().code(), "review_missing");
    let expired = SignRequest { now: reviewed.expires_at, ..sign(&reviewed.review_hash) };
    assert_eq!(flow::sign_chunk(&store, policy, &keys, expired).await.unwrap_err().code(), "review_expired");
    // A changed fee in the policy after the review: the bytes would differ, refused.
    let dearer = Treasury::from_toml(&text.replace("base_fee_wei = \"1000000000\"", "base_fee_wei = \"2000000000\"")).unwrap();
    let refused = flow::sign_chunk(&store, Policy { treasury: &dearer, ..policy }, &keys, sign(&reviewed.review_hash)).await.unwrap_err();
    assert_eq!(refused.code(), "review_mismatch");

    // A signer failing after the reservation (wrong PIN at the HSM) abandons it; the retry
    // signs once, with the same nonce.
    let failed = flow::sign_chunk(&store, policy, &PinKeys("9999"), sign(&reviewed.review_hash)).await.unwrap_err();
    assert_eq!(failed.code(), "login_refused");
    assert_eq!(store.attempts(&payout.bundleId, 0).await.unwrap()[0].state, "abandoned");
    let signed = flow::sign_chunk(&store, policy, &keys, sign(&reviewed.review_hash)).await.unwrap();
    assert_eq!((signed.attempt, signed.signing_hash.as_str()), (1, reviewed.review_hash.as_str()));
    let decoded = clubgate_chain::erc20::decode(&hex::decode(&signed.raw).unwrap()).unwrap();
    let unsigned = clubgate_chain::erc20::decode(&hex::decode(&reviewed.unsigned_hex).unwrap()).unwrap();
    assert_eq!((decoded.nonce, decoded.max_fee_per_gas, decoded.amount), (unsigned.nonce, unsigned.max_fee_per_gas, unsigned.amount));
    assert_eq!(flow::sign_chunk(&store, policy, &keys, sign(&reviewed.review_hash)).await.unwrap_err().code(), "already_signed");
    // The bundle's whole 400,000 was reserved with its first chunk.
    let (_, start, end) = flow::business_day(&launch, now).unwrap();
    assert_eq!(store.signed_volume(start, end).await.unwrap(), 400_000_000_000);

    // The policy is re-checked at signing: a destination that left the allow-list, a token
    // contract other than the policy's.
    let chunk1 = review(1, None, now).await.unwrap();
    let sign1 = SignRequest { chunk: 1, ..sign(&chunk1.review_hash) };
    let delisted = Treasury::from_toml(&text.replace(
        &format!("address = \"{DEMO_PARTNER_ERC20}\""),
        "address = \"0xB8b8b8B8b8B8B8B8b8b8B8B8b8B8B8b8b8B8b8b8\"\n# was the partner",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    // Another treasury file is refused as such until the launch IC binds it; then its rules
    // are the ones checked.
    let bind = |fingerprint: String| {
        let store = &store;
        async move { store.bind_policy(&fingerprint, "Irina (IC)", Some("IC decision: policy change"), now).await.unwrap() }
    };
    assert_eq!(
        flow::sign_chunk(&store, Policy { treasury: &delisted, ..policy }, &keys, sign1).await.unwrap_err().code(),
        "policy_changed"
    );
    bind(delisted.fingerprint.clone()).await;
    assert_eq!(
        flow::sign_chunk(&store, Policy { treasury: &delisted, ..policy }, &keys, sign1).await.unwrap_err().code(),
        "not_allow_listed"
    );
    let other_contract =
        Treasury::from_toml(&text.replace("0x5FbDB2315678afecb367f032d93F642f64180aa3", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"))
            .unwrap();
    bind(other_contract.fingerprint.clone()).await;
    assert_eq!(
        flow::sign_chunk(&store, Policy { treasury: &other_contract, ..policy }, &keys, sign1).await.unwrap_err().code(),
        "token_contract"
    );
    assert_eq!(flow::sign_chunk(&store, policy, &keys, sign1).await.unwrap_err().code(), "policy_changed");
    bind(treasury.fingerprint.clone()).await;
    flow::sign_chunk(&store, policy, &keys, sign1).await.unwrap();

    // A speed-up: same nonce, fees up; reviewed, then signed as attempt 2 of chunk 0.
    let speed_up = review(0, Some(flow::Replace::SpeedUp), now).await.unwrap();
    let replaced = flow::sign_chunk(&store, policy, &keys, sign(&speed_up.review_hash)).await.unwrap();
    let faster = clubgate_chain::erc20::decode(&hex::decode(&replaced.raw).unwrap()).unwrap();
    assert_eq!((replaced.attempt, faster.nonce), (2, decoded.nonce));
    assert!(faster.max_fee_per_gas * 100 >= decoded.max_fee_per_gas * 110);

    // The cap: 200,000 left today; 200,000.000001 is refused, 200,000 fits.
    let over = request(Network::Erc20, &hot_erc20, DEMO_PARTNER_ERC20, "200000.000001").unwrap();
    let approve_both =
        |p| async move { [approve("approver-a", Some(pin_a), p).await.unwrap(), approve("approver-c", Some("3333"), p).await.unwrap()] };
    let over_approvals = approve_both(&over).await;
    let over_review = flow::review_chunk(
        &store,
        policy,
        ReviewRequest { bundle: &over, chunk: 0, replace: None, input: OperatorInput::default(), reviewed_by: "A", now },
    )
    .await
    .unwrap();
    let over_sign =
        SignRequest { bundle: &over, approvals: &over_approvals, chunk: 0, review_hash: &over_review.review_hash, now, ledger: None };
    assert_eq!(flow::sign_chunk(&store, policy, &keys, over_sign).await.unwrap_err().code(), "volume_cap");

    // TRC-20: the txID is the review hash.
    let hot_trc20 = treasury.wallet("hot-trc20-1").unwrap().address.to_string();
    let tron = request(Network::Trc20, &hot_trc20, DEMO_PARTNER_TRC20, "100").unwrap();
    let tron_approvals = approve_both(&tron).await;
    let input = OperatorInput { pending_nonce: 0, ref_block: Some(([0x12, 0x34], [1, 2, 3, 4, 5, 6, 7, 8])), ..OperatorInput::default() };
    let tron_review =
        flow::review_chunk(&store, policy, ReviewRequest { bundle: &tron, chunk: 0, replace: None, input, reviewed_by: "A", now })
            .await
            .unwrap();
    let tron_signed = flow::sign_chunk(
        &store,
        policy,
        &keys,
        SignRequest { bundle: &tron, approvals: &tron_approvals, chunk: 0, review_hash: &tron_review.review_hash, now, ledger: None },
    )
    .await
    .unwrap();
    assert_eq!(format!("0x{}", tron_signed.hash), tron_review.review_hash);
    assert_eq!(tron_signed.raw, tron_review.unsigned_hex);
}
