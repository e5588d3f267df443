//! Goal: what the window's commands return — the overview at an instant, typed errors with
//! stable codes — is right without a window, for a fixed T0 and a fixed "now".

use clubgate_desk::Service;
use clubgate_ipc::{ItemUpdate, SettingsUpdate};

fn settings(t0: &str, tz: &str, plan_path: &str) -> SettingsUpdate {
    SettingsUpdate { t0: t0.into(), tz: tz.into(), plan_path: plan_path.into(), who: "Irina (IC)".into(), reason: String::new() }
}

fn update(item: &str, state: &str, evidence: &str) -> ItemUpdate {
    ItemUpdate { item_id: item.into(), state: state.into(), who: "Olga".into(), evidence: evidence.into() }
}

fn code_and_message(error: &clubgate_desk::Error) -> (String, String) {
    let json = serde_json::to_value(error).expect("errors serialize");
    (json["code"].as_str().unwrap().to_owned(), json["message"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn first_start_seeds_a_launch_a_few_days_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let overview = service.overview().await.unwrap();
    let ahead_ms = overview.t0.epoch_ms - overview.now.epoch_ms;
    assert!((2 * 86_400_000..=4 * 86_400_000).contains(&ahead_ms), "T0 is 2–4 days ahead: {ahead_ms} ms");
    assert_eq!((overview.plan_id.as_str(), overview.tz.as_str()), ("launch-plan-v1", "Europe/Warsaw"));
    assert!(overview.t0.rfc3339.ends_with("T10:00:00+01:00") || overview.t0.rfc3339.ends_with("T10:00:00+02:00"));
}

#[tokio::test]
async fn the_overview_at_an_instant() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    service.save_settings(&settings("2026-12-07T10:00", "", "")).await.unwrap();
    let now = "2026-12-05T12:00:00Z".parse().unwrap();
    let overview = service.overview_at(now).await.unwrap();
    assert_eq!(overview.current_phase.as_deref(), Some("canary"));
    assert_eq!(overview.t0_wall, "2026-12-07T10:00");
    assert_eq!(overview.t0.local, "Mon 07 Dec 2026 10:00 CET");
    let active: Vec<(&str, bool)> = overview.freezes.iter().map(|f| (f.kind.as_str(), f.active)).collect();
    assert_eq!(active, [("code", true), ("config", true)]);
    assert!(!overview.change_window.open, "the warroom opens at T-1d");
    assert_eq!(overview.change_window.channel, "#launch-warroom");
    assert_eq!(overview.checkpoints.len(), 9);
    assert_eq!(overview.checkpoints[3].at.rfc3339, "2026-12-07T08:00:00+01:00");
    assert_eq!((overview.gate.verdict.as_str(), overview.gate.blockers.len()), ("NO-GO", 4));
    assert_eq!(overview.entry_criteria.len(), 4);
    assert_eq!(overview.onboarding.len(), 4);
}

#[tokio::test]
async fn checklist_changes_and_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let after = service.set_item_state(&update("t7d-buffers", "done", "ETH 12.5")).await.unwrap();
    let item = &after.checkpoints[0].items[2];
    assert_eq!((item.id.as_str(), item.state.as_str()), ("t7d-buffers", "done"));
    assert_eq!(item.last.as_ref().map(|c| c.evidence.as_str()), Some("ETH 12.5"));
    assert_eq!(service.item_history("t7d-buffers").await.unwrap().len(), 1);

    let error = service.set_item_state(&update("t7d-buffers", "done", "")).await.expect_err("no evidence");
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("evidence"), "{message}");
    let error = service.set_item_state(&update("nope", "done", "x")).await.expect_err("unknown item");
    assert_eq!(code_and_message(&error).0, "not_found");
    let error = service.item_history("nope").await.expect_err("unknown item");
    assert_eq!(code_and_message(&error).0, "not_found");
    let error = service.save_settings(&settings("2026-10-25T02:30", "", "")).await.expect_err("ambiguous");
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("ambiguous") && message.contains("2026-10-25T02:30"), "{message}");
    let error = service.save_settings(&settings("2026-12-07T10:00", "", "/nonexistent/plan.toml")).await.expect_err("no file");
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "plan_file");
    assert!(message.contains("/nonexistent/plan.toml"), "{message}");
    let bad_plan = dir.path().join("bad.toml");
    std::fs::write(&bad_plan, clubgate_core::DEFAULT_PLAN_TOML.replacen("schema = 1", "schema = 7", 1)).unwrap();
    let error = service.save_settings(&settings("2026-12-07T10:00", "", bad_plan.to_str().unwrap())).await.expect_err("bad plan");
    assert_eq!(code_and_message(&error).0, "plan_file");
    assert_eq!(service.item_history("t7d-buffers").await.unwrap().len(), 1, "refused changes write nothing");
}

/// A chunk request with the chain fields the operator types.
fn chunk(bundle: &str, index: u32) -> clubgate_ipc::ChunkRequest {
    clubgate_ipc::ChunkRequest {
        bundle_id: bundle.into(),
        chunk: index,
        chain: clubgate_ipc::ChainInput {
            pending_nonce: String::new(),
            ref_block_bytes: "4b2f".into(),
            ref_block_hash: "0102030405060708".into(),
        },
        replace: String::new(),
        review_hash: String::new(),
    }
}

fn field<'a>(decoded: &'a clubgate_ipc::DecodedView, label: &str) -> &'a str {
    decoded.fields.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {label} in {decoded:?}"))
}

#[tokio::test]
async fn the_payout_queue_approves_with_each_approvers_pin_signs_the_reviewed_bytes_once_and_keeps_the_phase_cap() {
    use clubgate_ipc::{ApproveRequest, BundleRequest, CanaryRequest, ChainInput, ChunkRequest};
    use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PARTNER_TRC20, DEMO_PIN};
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    // The only test in this binary that loads a PKCS#11 module; no keychain runs here, so
    // the wallets' PIN comes from the environment. Approver PINs never do.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::set_var("CLUBGATE_PKCS11_PIN", DEMO_PIN);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let service = Service::start(dir.path()).await.unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(5)).unwrap();
    service.save_settings(&settings(&format!("{t0}T10:00"), "", "")).await.unwrap();

    let treasury = service.treasury_view().await.unwrap();
    assert_eq!(treasury.error, None);
    assert_eq!((treasury.quorum, treasury.approvers.len(), treasury.wallets.len()), (2, 5, 4));
    assert_eq!(treasury.headroom.as_deref(), Some("600000"), "30% of the 2,000,000 daily target");
    let hot = |network: &str| treasury.wallets.iter().find(|w| w.kind == "hot" && w.network == network).unwrap().address.clone();

    let request = |network: &str, wallet: &str, to: &str, amount: &str| BundleRequest {
        network: network.into(),
        token: "USDT".into(),
        source_wallet: wallet.into(),
        to: to.into(),
        amount: amount.into(),
        who: "Treasury lead".into(),
    };
    let code = |error: clubgate_desk::Error| code_and_message(&error).0;
    let queue = service.create_bundle(&request("erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "400000")).await.unwrap();
    let bundle = queue[0].clone();
    let id = bundle.bundle_id.clone();
    assert!(clubgate_treasury::bundle::is_payout_id(&id), "generated id: {id}");
    assert_eq!(bundle.chunks.iter().map(|c| c.amount.as_str()).collect::<Vec<_>>(), ["250000", "150000"]);
    assert_eq!(
        code(service.create_bundle(&request("erc20", "hot-erc20-1", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "1")).await.unwrap_err()),
        "not_allow_listed"
    );
    assert_eq!(code(service.create_bundle(&request("erc20", "canary-erc20", DEMO_PARTNER_ERC20, "1")).await.unwrap_err()), "invalid_input");

    // Approval needs the approver: their own PIN, typed now. One person holding approver A's
    // PIN cannot approve as B too; the environment's wallet PIN approves nobody.
    let approver = |name: &str| treasury.approvers.iter().find(|a| a.name == name).unwrap().address.clone();
    let pin_of = |key: &str| demo_token_of(key).1.to_owned();
    let approve =
        |bundle_id: &str, name: &str, pin: &str| ApproveRequest { bundle_id: bundle_id.into(), approver: approver(name), pin: pin.into() };
    assert_eq!(code(service.approve_bundle(&approve(&id, "Treasury lead", DEMO_PIN)).await.unwrap_err()), "role");
    assert_eq!(code(service.approve_bundle(&approve(&id, "Approver B", "")).await.unwrap_err()), "credential");
    assert_eq!(code(service.approve_bundle(&approve(&id, "Approver B", DEMO_PIN)).await.unwrap_err()), "login_refused");
    service.approve_bundle(&approve(&id, "Approver A", &pin_of("approver-a"))).await.unwrap();
    assert_eq!(code(service.approve_bundle(&approve(&id, "Approver B", &pin_of("approver-a"))).await.unwrap_err()), "login_refused");
    assert!(!service.payout_queue().await.unwrap()[0].approved, "one approver's credential makes one approval");
    // No signature before the quorum.
    let review = service.review_chunk(&chunk(&id, 0)).await.unwrap();
    let sign = |bundle_id: &str, index: u32, review_hash: &str| ChunkRequest { review_hash: review_hash.into(), ..chunk(bundle_id, index) };
    assert_eq!(code(service.sign_chunk(&sign(&id, 0, &review.review_hash)).await.unwrap_err()), "quorum");
    let queue = service.approve_bundle(&approve(&id, "Approver B", &pin_of("approver-b"))).await.unwrap();
    assert!(queue[0].approved);

    // What you see is what you sign: the review's decoded bytes and hash, signed exactly.
    assert_eq!(field(&review.decoded, "Amount"), "250000 (250000000000 base units)");
    assert_eq!(
        (field(&review.decoded, "Nonce"), field(&review.decoded, "From"), field(&review.decoded, "To")),
        ("0", "unsigned", DEMO_PARTNER_ERC20)
    );
    assert_eq!(code(service.sign_chunk(&sign(&id, 0, "")).await.unwrap_err()), "review_missing");
    let queue = service.sign_chunk(&sign(&id, 0, &review.review_hash)).await.unwrap();
    let signed = &queue[0].chunks[0];
    assert_eq!((signed.status.as_str(), signed.attempt), ("signed", Some(0)));
    assert_eq!(field(signed.decoded.as_ref().unwrap(), "From"), hot("erc20"));
    assert_eq!(code(service.sign_chunk(&sign(&id, 0, &review.review_hash)).await.unwrap_err()), "already_signed");
    let review1 = service.review_chunk(&chunk(&id, 1)).await.unwrap();
    assert_eq!(field(&review1.decoded, "Nonce"), "1");
    let queue = service.sign_chunk(&sign(&id, 1, &review1.review_hash)).await.unwrap();
    assert_eq!(field(queue[0].chunks[1].decoded.as_ref().unwrap(), "Nonce"), "1");

    // Canary payouts: reviewed, then exactly those bytes signed; one token per network to the
    // check address, once a day.
    let canary = |wallet: &str, chain: ChainInput, review_hash: &str| CanaryRequest {
        wallet: wallet.into(),
        chain,
        review_hash: review_hash.into(),
    };
    let no_ref = ChainInput { pending_nonce: String::new(), ref_block_bytes: String::new(), ref_block_hash: String::new() };
    let erc_review = service.review_canary(&canary("canary-erc20", no_ref.clone(), "")).await.unwrap();
    assert_eq!(field(&erc_review.decoded, "Amount"), "1 (1000000 base units)");
    assert_eq!(code(service.sign_canary(&canary("canary-erc20", no_ref.clone(), "")).await.unwrap_err()), "review_missing");
    let after = service.sign_canary(&canary("canary-erc20", no_ref.clone(), &erc_review.review_hash)).await.unwrap();
    let erc = after.canaries.iter().find(|c| c.network == "erc20").unwrap();
    assert_eq!(erc.status, "signed");
    assert_eq!(field(erc.decoded.as_ref().unwrap(), "Amount"), "1 (1000000 base units)");
    assert_eq!(field(erc.decoded.as_ref().unwrap(), "To"), erc.check_address);
    assert_eq!(code(service.review_canary(&canary("canary-trc20", no_ref, "")).await.unwrap_err()), "invalid_input");
    let trc_review = service.review_canary(&canary("canary-trc20", chunk("", 0).chain, "")).await.unwrap();
    service.sign_canary(&canary("canary-trc20", chunk("", 0).chain, &trc_review.review_hash)).await.unwrap();
    assert_eq!(
        code(service.sign_canary(&canary("canary-erc20", chunk("", 0).chain, &erc_review.review_hash)).await.unwrap_err()),
        "already_signed"
    );

    // The phase cap: 400,000 + 1 + 1 signed; 199,998 more fits exactly, one unit more does not.
    let approve_both = |bundle_id: &str| {
        [approve(bundle_id, "Approver A", &pin_of("approver-a")), approve(bundle_id, "Approver C", &pin_of("approver-c"))]
    };
    let queue = service.create_bundle(&request("trc20", "hot-trc20-1", DEMO_PARTNER_TRC20, "199998")).await.unwrap();
    let t1 = queue.last().unwrap().bundle_id.clone();
    let queue = service.create_bundle(&request("erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "0.000001")).await.unwrap();
    let e2 = queue.last().unwrap().bundle_id.clone();
    for approval in approve_both(&t1).iter().chain(approve_both(&e2).iter()) {
        service.approve_bundle(approval).await.unwrap();
    }
    let t1_review = service.review_chunk(&chunk(&t1, 0)).await.unwrap();
    let queue = service.sign_chunk(&sign(&t1, 0, &t1_review.review_hash)).await.unwrap();
    let trc = queue.iter().find(|b| b.bundle_id == t1).unwrap();
    assert_eq!(field(trc.chunks[0].decoded.as_ref().unwrap(), "From (owner)"), hot("trc20"));
    let e2_review = service.review_chunk(&chunk(&e2, 0)).await.unwrap();
    assert_eq!(code(service.sign_chunk(&sign(&e2, 0, &e2_review.review_hash)).await.unwrap_err()), "volume_cap");
    let treasury = service.treasury_view().await.unwrap();
    assert_eq!((treasury.signed_today.as_str(), treasury.headroom.as_deref()), ("600000", Some("0")));

    // Replacements add no volume: an ERC-20 speed-up keeps the nonce and raises the fees; a
    // TRC-20 chunk is re-signed only after expiry and only while unbroadcast.
    let speed_up = service.review_chunk(&ChunkRequest { replace: "speed-up".into(), ..chunk(&id, 0) }).await.unwrap();
    assert_eq!(speed_up.replace, "speed-up");
    let queue = service.sign_chunk(&sign(&id, 0, &speed_up.review_hash)).await.unwrap();
    let sped = &queue.iter().find(|b| b.bundle_id == id).unwrap().chunks[0];
    assert_eq!(sped.attempt, Some(1));
    let decoded = sped.decoded.as_ref().unwrap();
    assert_eq!(
        (field(decoded, "Nonce"), field(decoded, "Max fee per gas")),
        ("0", "3300000000 wei"),
        "2 × 1 gwei base + 1 gwei priority, +10%"
    );
    // Not expired yet (the policy names no Tron node: the desk's clock and record only).
    assert_eq!(
        code(service.review_chunk(&ChunkRequest { replace: "expired".into(), ..chunk(&t1, 0) }).await.unwrap_err()),
        "not_replaceable"
    );
    assert_eq!(
        code(service.review_chunk(&ChunkRequest { replace: "expired".into(), ..chunk(&id, 1) }).await.unwrap_err()),
        "invalid_input"
    );
    let queue = service.mark_broadcast(&chunk(&t1, 0)).await.unwrap();
    assert!(queue.iter().find(|b| b.bundle_id == t1).unwrap().chunks[0].broadcast_at.is_some());
    assert_eq!(code(service.mark_broadcast(&chunk(&t1, 0)).await.unwrap_err()), "refused");
    assert_eq!(code(service.mark_broadcast(&chunk(&e2, 0)).await.unwrap_err()), "refused");

    // Changing T0 after payouts were signed is a launch IC decision with its reason.
    let moved = format!("{}T10:00", t0.checked_add(jiff::ToSpan::days(1)).unwrap());
    assert_eq!(code(service.save_settings(&settings(&moved, "", "")).await.unwrap_err()), "launch_locked");
    service.save_settings(&SettingsUpdate { reason: "IC decision: T0 moved a day".into(), ..settings(&moved, "", "") }).await.unwrap();

    // An approval made on another workstation (`clubgate approve`) is added by its JSON:
    // only for this very bundle, only by a registered approver, only with a valid signature.
    let queue = service.create_bundle(&request("erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "10")).await.unwrap();
    let i1 = queue.last().unwrap().clone();
    let document = |key: &str, hash: &str| {
        let (token, pin) = demo_token_of(key);
        let signer = clubgate_treasury::signers::open_pkcs11_verified(token, key, pin).unwrap();
        let signature = signer.sign_prehash(&hash.parse().unwrap()).unwrap();
        serde_json::json!({ "bundle_hash": hash, "approver": signer.address().to_checksum(None), "signature": format!("0x{}", alloy::primitives::hex::encode(signature.as_bytes())) }).to_string()
    };
    let import = |document: String| clubgate_ipc::ApprovalImport { bundle_id: i1.bundle_id.clone(), document };
    assert_eq!(code(service.import_approval(&import(document("approver-c", &bundle.hash))).await.unwrap_err()), "invalid_input");
    assert_eq!(code(service.import_approval(&import(document("treasury-lead", &i1.hash))).await.unwrap_err()), "role");
    assert_eq!(code(service.import_approval(&import("{not json".into())).await.unwrap_err()), "invalid_input");
    let mut forged: serde_json::Value = serde_json::from_str(&document("approver-b", &i1.hash)).unwrap();
    forged["approver"] = serde_json::json!(approver("Approver C"));
    assert_eq!(code(service.import_approval(&import(forged.to_string())).await.unwrap_err()), "invalid_input");
    let queue = service.import_approval(&import(document("approver-c", &i1.hash))).await.unwrap();
    let imported = queue.iter().find(|b| b.bundle_id == i1.bundle_id).unwrap();
    assert_eq!(imported.approvals.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Approver C"]);
}

/// Issue 11: the warroom view of a fresh desk — no decision, no stream, the policy's launch
/// IC named — and a decision refused by name (a kind that does not exist), nothing logged.
#[tokio::test]
async fn the_warroom_of_a_fresh_desk() {
    let dir = tempfile::tempdir().unwrap();
    let demo = clubgate_treasury::demo::softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    assert!(demo.treasury_file.starts_with(dir.path()));
    let service = Service::start(dir.path()).await.unwrap();
    let view = tokio::time::timeout(std::time::Duration::from_secs(20), service.warroom()).await.expect("the warroom answers").unwrap();
    let events = dir.path().join("events.jsonl");
    let launch =
        clubgate_core::launch::Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &service.overview().await.unwrap().t0_wall, None).unwrap();
    let simulated = clubgate_core::simulate::simulate(&clubgate_core::simulate::Simulation {
        scenario: clubgate_core::simulate::Scenario::RpcDegradationTrc20,
        t0: launch.t0_instant(),
        tz: launch.t0.zoned().time_zone().clone(),
        seed: 1,
        hours: 6,
    });
    std::fs::write(&events, simulated.iter().map(|e| e.to_json() + "\n").collect::<String>()).unwrap();
    service.import_events(events.to_str().unwrap()).await.unwrap();
    let started = std::time::Instant::now();
    let degraded = tokio::time::timeout(std::time::Duration::from_secs(60), service.warroom()).await.expect("the warroom answers").unwrap();
    eprintln!("warroom over {} events: {:?} {}", simulated.len(), started.elapsed(), degraded.recommendation);
    assert!(view.intact && view.entries.is_empty() && view.rollbacks.is_empty());
    assert_eq!(view.recommendation, "none");
    assert!(view.launch_ic.as_ref().is_ok_and(|ic| ic.starts_with("Launch IC")), "{:?}", view.launch_ic);
    let request =
        clubgate_ipc::warroom::DecideRequest { kind: "launch".into(), details: Default::default(), text: "go".into(), pin: "4444".into() };
    let (code, message) = code_and_message(&service.decide(&request).await.unwrap_err());
    assert!(message.contains("\"launch\""), "{code}: {message}");
    assert!(service.warroom().await.unwrap().entries.is_empty());
    // A decision the ledger refused (a desk whose token is not the IC's) is said on the page
    // with the ledger's words; an entry that does not read is flagged, not hidden.
    let store = clubgate_store::Store::open(&clubgate_store::database_path(dir.path())).await.unwrap();
    store.record_decision("d-1", r#"{"kind":"other"}"#, None, &[], jiff::Timestamp::now()).await.unwrap();
    store.refuse_command("d-1", "forbidden", "role treasury_lead may not send decision commands").await.unwrap();
    let view = service.warroom().await.unwrap();
    assert_eq!(view.refused.len(), 1);
    assert!(
        view.refused[0].contains("other decision d-1") && view.refused[0].contains("forbidden: role treasury_lead"),
        "{:?}",
        view.refused
    );
    assert!(!view.intact && !view.entries[0].verified, "{:?}", view.entries);
}
