//! Issue 10, "approvals across workstations, one signature per chunk worldwide": four desks
//! — two approvers, two treasury leads — each with its own store and token, against one real
//! ledger, with the keys on SoftHSM2. The treasury lead publishes a bundle, the approvers
//! approve it on their own desks, the quorum shows on every desk from the log, one treasury
//! desk signs with the HSM key after the ledger reserved the chunk, and every other path to a
//! second signature of that chunk is refused in words that name who signed.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PIN};
use serde_json::Value;
use support::{ledger_binary, Ledger};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// One workstation: its own data directory (store) and its own ledger token.
struct Desk {
    dir: PathBuf,
    token: String,
    conf: PathBuf,
}

impl Desk {
    fn new(root: &Path, name: &str, token: String, conf: &Path) -> Self {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir, token, conf: conf.to_owned() }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clubgate"))
            .args(args)
            .env("CLUBGATE_DATA_DIR", &self.dir)
            .env("CLUBGATE_LEDGER_TOKEN", &self.token)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("SOFTHSM2_CONF", &self.conf)
            .env("CLUBGATE_PKCS11_PIN", DEMO_PIN)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run clubgate");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> Value {
        let output = self.run(args, stdin);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&output.stdout)))
    }

    fn sync(&self, url: &str) -> Value {
        self.ok(&["sync", "--url", url, "--once", "--json"], "")
    }

    fn queue(&self) -> Value {
        self.ok(&["payout", "queue", "--json"], "")
    }

    /// Makes a USDT bundle from a wallet of the treasury file to `to` under the ledger's
    /// policy (written to `out`, into the queue and the outbox); answers its id.
    fn make_bundle(&self, treasury: &Path, network: &str, wallet: &str, to: &str, amount: &str, out: &Path) -> String {
        let source = wallet_address(treasury, wallet);
        let args = ["payout", "bundle", "--network", network, "--token", "USDT", "--source", &source, "--to", to, "--amount", amount];
        let made = self.ok(&[&args[..], &["--out", out.to_str().unwrap(), "--json"]].concat(), "");
        made["bundle_id"].as_str().unwrap().to_owned()
    }
}

/// The JSON error the CLI printed last on standard error.
fn error_of(output: &Output) -> Value {
    assert!(!output.status.success(), "expected a refusal, got {}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().rev().find_map(|line| serde_json::from_str(line).ok()).unwrap_or_else(|| panic!("no JSON error in {stderr:?}"))
}

fn t0_in_three_days() -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let day = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).unwrap();
    format!("{day}T10:00")
}

fn wallet_address(treasury: &Path, id: &str) -> String {
    let text = std::fs::read_to_string(treasury).unwrap();
    let parsed = clubgate_core::treasury::Treasury::from_toml(&text).unwrap();
    parsed.wallet(id).unwrap().address.to_string()
}

fn approve(desk: &Desk, bundle_id: &str, key: &str) -> Output {
    let (token, pin) = demo_token_of(key);
    desk.run(&["approve", "--bundle-id", bundle_id, "--signer", &format!("pkcs11:{token}/{key}"), "--json"], &format!("{pin}\n"))
}

fn review(desk: &Desk, bundle_id: &str, chunk: &str, extra: &[&str]) -> Value {
    let mut args = vec!["review", "--bundle-id", bundle_id, "--chunk", chunk, "--who", "the treasury lead", "--json"];
    args.extend_from_slice(extra);
    desk.ok(&args, "")
}

fn sign(desk: &Desk, bundle_id: &str, chunk: &str, review_hash: &str, who: &str) -> Output {
    desk.run(&["sign", "--bundle-id", bundle_id, "--chunk", chunk, "--review", review_hash, "--who", who, "--json"], "")
}

fn chunk_of<'a>(queue: &'a Value, bundle_id: &str, chunk: usize) -> &'a Value {
    let bundle = queue["bundles"].as_array().unwrap().iter().find(|b| b["bundle_id"] == bundle_id).expect("the bundle is in the queue");
    &bundle["chunks"][chunk]
}

fn logged_approvers(queue: &Value, bundle_id: &str) -> Vec<String> {
    let bundle = queue["bundles"].as_array().unwrap().iter().find(|b| b["bundle_id"] == bundle_id).expect("the bundle is in the queue");
    bundle["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["seq"].is_u64())
        .map(|a| a["approver"].as_str().unwrap().to_owned())
        .collect()
}

struct Setup {
    _dir: tempfile::TempDir,
    ledger: Ledger,
    treasury: PathBuf,
    root: PathBuf,
    conf: PathBuf,
}

/// A ledger whose policy is the SoftHSM2 demo's treasury file.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(&dir.path().join("hsm"), MODULE).unwrap();
    let db = format!("sqlite://{}", dir.path().join("ledger.db").display());
    let init = Command::new(ledger_binary()).args(["--db", &db, "policy", "init"]).arg(&demo.treasury_file).output().unwrap();
    assert!(init.status.success(), "policy init: {}", String::from_utf8_lossy(&init.stderr));
    let ledger = Ledger::start(dir.path(), &[]);
    let root = dir.path().to_owned();
    Setup { ledger, treasury: demo.treasury_file, root, conf: demo.softhsm_conf, _dir: dir }
}

impl Setup {
    fn desk(&self, name: &str, role: &str) -> Desk {
        let desk = Desk::new(&self.root, name, self.ledger.token(name, role), &self.conf);
        desk.ok(&["launch", "set", "--t0", &t0_in_three_days(), "--who", name, "--json"], "");
        let synced = desk.sync(&self.ledger.url);
        assert_eq!(synced["cursor"], synced["head"], "{name} follows the ledger from its first sync");
        desk
    }
}

#[test]
fn two_approvers_on_two_desks_one_signature_per_chunk_worldwide() {
    let s = setup();
    let url = s.ledger.url.clone();
    let lead = s.desk("lead-1", "treasury_lead");
    let other_lead = s.desk("lead-2", "treasury_lead");
    let desk_a = s.desk("approver-a", "approver");
    let desk_b = s.desk("approver-b", "approver");

    // The treasury lead makes the bundle under the ledger's policy (no treasury file given)
    // and publishes it with the next sync.
    let out = s.root.join("bundle.json");
    let bundle_id = lead.make_bundle(&s.treasury, "erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "400000", &out);
    assert_eq!(lead.sync(&url)["pushed"]["acked"], 1, "the bundle went to the ledger");

    // A bundle published with a document changed after it was made (a bigger amount under
    // the approved hash) is not taken by another desk, and is reported.
    let mut forged: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    forged["amount"] = Value::from(900_000_000_000u64);
    let hash = forged["hash"].clone();
    let command = serde_json::json!({"id": "0badc0de-0000-4000-8000-000000000002", "kind": "bundle",
        "payload": {"bundle_id": bundle_id, "bundle_hash": hash, "document": forged, "requested_by": "lead-1"}});
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new().post(format!("{url}/v1/commands")).bearer_auth(&lead.token).json(&command).send().await.unwrap().status()
    });
    assert_eq!(status.as_u16(), 201);

    // Approver A approves on desk A: the bundle came from the log.
    let pulled = desk_a.sync(&url);
    let skipped = pulled["pulled"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{pulled}");
    assert!(skipped[0].as_str().unwrap().contains("does not match its fields"), "{pulled}");
    let queued = desk_a.queue();
    assert_eq!(queued["bundles"].as_array().unwrap().len(), 1, "only the real bundle: {queued}");
    assert_eq!(queued["bundles"][0]["bundle_id"], bundle_id.as_str());
    let approved = approve(&desk_a, &bundle_id, "approver-a");
    assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
    let before_sync = desk_a.queue();
    assert!(logged_approvers(&before_sync, &bundle_id).is_empty(), "pending until it comes back from the log");
    assert_eq!(desk_a.sync(&url)["pushed"]["acked"], 1);
    assert_eq!(logged_approvers(&desk_a.queue(), &bundle_id).len(), 1, "read-your-writes: A's approval is back from the log");

    // One approval in the log is no quorum: the lead cannot sign, not even with approval files
    // made elsewhere (a desk that follows a ledger counts the log only).
    lead.sync(&url);
    let reviewed = review(&lead, &bundle_id, "0", &[]);
    let review_hash = reviewed["review_hash"].as_str().unwrap().to_owned();
    let refused = sign(&lead, &bundle_id, "0", &review_hash, "lead-1@desk-1");
    assert_eq!(error_of(&refused)["error"]["code"], "quorum", "1 of 2 in the log");
    let file_b = s.root.join("b.json");
    let (token_b, pin_b) = demo_token_of("approver-b");
    let offline = lead.run(
        &[
            "approve",
            "--bundle",
            out.to_str().unwrap(),
            "--signer",
            &format!("pkcs11:{token_b}/approver-b"),
            "--out",
            file_b.to_str().unwrap(),
            "--json",
        ],
        &format!("{pin_b}\n"),
    );
    assert!(offline.status.success(), "{}", String::from_utf8_lossy(&offline.stderr));
    let with_file = lead.run(
        &["sign", "--bundle-id", &bundle_id, "--chunk", "0", "--review", &review_hash, "--approval", file_b.to_str().unwrap(), "--json"],
        "",
    );
    assert_eq!(error_of(&with_file)["error"]["code"], "quorum", "an approval that is not in the log does not count");

    // Approver B approves on desk B; the quorum shows on every desk from the log.
    desk_b.sync(&url);
    let approved = approve(&desk_b, &bundle_id, "approver-b");
    assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
    desk_b.sync(&url);
    for desk in [&desk_a, &desk_b, &lead, &other_lead] {
        desk.sync(&url);
        assert_eq!(logged_approvers(&desk.queue(), &bundle_id).len(), 2, "the quorum on {}", desk.dir.display());
    }

    // Red team F9: approver A's approval sent again under another id (any approver token can)
    // does not spoil the quorum — the desk counts each approver once.
    let http = reqwest::Client::new();
    let records: Value = runtime.block_on(async {
        http.get(format!("{url}/v1/events?after=0&limit=1000")).bearer_auth(&desk_a.token).send().await.unwrap().json().await.unwrap()
    });
    let first = records["records"].as_array().unwrap().iter().find(|r| r["kind"] == "approval").expect("A's approval").clone();
    let again = serde_json::json!({"id": "0badc0de-0000-4000-8000-000000000001", "kind": "approval", "payload": first["body"]["payload"]});
    let status = runtime.block_on(async {
        http.post(format!("{url}/v1/commands")).bearer_auth(&desk_b.token).json(&again).send().await.unwrap().status().as_u16()
    });
    assert_eq!(status, 201, "the ledger keeps a repeated bundle approval");
    lead.sync(&url);

    // An approver's desk cannot sign: its token's role may not send a signature, so the
    // ledger refuses the reservation and the key is never opened.
    let approver_review = review(&desk_a, &bundle_id, "0", &[]);
    let approver_signs = sign(&desk_a, &bundle_id, "0", approver_review["review_hash"].as_str().unwrap(), "approver-a@desk-a");
    let error = error_of(&approver_signs);
    assert_eq!(error["error"]["code"], "ledger_refused", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("403"), "{error}");

    // The treasury lead signs chunk 0 with the HSM key, after the ledger's reservation.
    let signed = sign(&lead, &bundle_id, "0", &review_hash, "lead-1@desk-1");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signed: Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert!(signed["raw"].as_str().unwrap().starts_with("0x02"), "an EIP-1559 transaction");

    // The other treasury desk reviews the same chunk and tries: the ledger refuses, naming
    // who signed; nothing is signed there, and a second try is refused again.
    other_lead.sync(&url);
    let other_review = review(&other_lead, &bundle_id, "0", &[]);
    let other_hash = other_review["review_hash"].as_str().unwrap().to_owned();
    for attempt in 1..=2 {
        let second = sign(&other_lead, &bundle_id, "0", &other_hash, "lead-2@desk-2");
        let error = error_of(&second);
        assert_eq!(error["error"]["code"], "already_signed", "attempt {attempt}: {error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains("lead-1@desk-1"), "the refusal names who signed: {message}");
        assert!(String::from_utf8_lossy(&second.stdout).trim().is_empty(), "no signed transaction printed");
    }
    let local = other_lead.queue();
    assert_ne!(chunk_of(&local, &bundle_id, 0)["local"]["state"], "signed", "desk 2 signed nothing");

    // Red team F8: the day's phase cap (Canary before T0: 30 % of the 2,000,000 USDT target =
    // 600,000) holds across desks — lead-1's 400,000 bundle counts on lead-2's desk.
    let lead2_bundle = |amount: &str| -> String {
        let out = s.root.join(format!("lead2-{amount}.json"));
        let id = other_lead.make_bundle(&s.treasury, "erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, amount, &out);
        other_lead.sync(&url);
        for (desk, key) in [(&desk_a, "approver-a"), (&desk_b, "approver-b")] {
            desk.sync(&url);
            let approved = approve(desk, &id, key);
            assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
            desk.sync(&url);
        }
        other_lead.sync(&url);
        id
    };
    let over = lead2_bundle("300000");
    let reviewed = review(&other_lead, &over, "0", &[]);
    let refused = sign(&other_lead, &over, "0", reviewed["review_hash"].as_str().unwrap(), "lead-2@desk-2");
    let error = error_of(&refused);
    assert_eq!(error["error"]["code"], "volume_cap", "400,000 elsewhere + 300,000 here > 600,000: {error}");
    let fits = lead2_bundle("150000");
    let reviewed = review(&other_lead, &fits, "0", &[]);
    let signed = sign(&other_lead, &fits, "0", reviewed["review_hash"].as_str().unwrap(), "lead-2@desk-2");
    assert!(signed.status.success(), "400,000 + 150,000 fits: {}", String::from_utf8_lossy(&signed.stderr));

    // The first desk cannot sign it twice either (its own registry), and the signature shows
    // on every desk, naming who signed.
    let again = sign(&lead, &bundle_id, "0", &review_hash, "lead-1@desk-1");
    assert_eq!(error_of(&again)["error"]["code"], "already_signed");
    for desk in [&desk_a, &desk_b, &lead, &other_lead] {
        desk.sync(&url);
        let queue = desk.queue();
        let ledger = chunk_of(&queue, &bundle_id, 0)["ledger"].as_array().unwrap().clone();
        assert_eq!(ledger.len(), 1, "one signature of chunk 0 in the log, seen from {}", desk.dir.display());
        assert_eq!(ledger[0]["signed_by"], "lead-1@desk-1");
        assert!(chunk_of(&queue, &bundle_id, 1)["ledger"].as_array().unwrap().is_empty(), "chunk 1 is not signed");
    }

    // A desk that follows the ledger never signs without it: with the ledger gone, the lead's
    // chunk 1 is refused and nothing is signed.
    let review1 = review(&lead, &bundle_id, "1", &[]);
    drop(s.ledger);
    let offline = sign(&lead, &bundle_id, "1", review1["review_hash"].as_str().unwrap(), "lead-1@desk-1");
    assert_ne!(offline.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&offline.stderr);
    assert!(stderr.contains("cannot be reached"), "{stderr}");
}

/// Posts JSON Lines to the ledger as the platform.
fn post_events(ledger: &Ledger, token: &str, lines: &[String]) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let body = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let (status, text) = runtime.block_on(async {
        let response = reqwest::Client::new().post(format!("{}/v1/events", ledger.url)).bearer_auth(token).body(body).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    assert_eq!(status, 200, "{text}");
}

/// Issue 10, "SLO-gated signing": the rpc-degradation-trc20 scenario fed through the ledger
/// (T0 six hours ago) makes the rollback rules recommend a partial rollback of TRC-20 at the
/// data clock; while it holds, a TRC-20 chunk needs the quorum + 1 (the default plan's
/// `extra_approval`) or nothing at all (a plan with `block`), an ERC-20 chunk needs the
/// quorum; the review says why. The rest of the day's traffic (the provider recovers) lifts
/// it. Safe-mode switched on by the launch IC gates ERC-20 the same way until it is off.
#[test]
fn the_slo_picture_from_the_ledger_gates_signing_in_its_scope() {
    let s = setup();
    let url = s.ledger.url.clone();
    let platform = s.ledger.token("platform", "platform");
    let lead = s.desk("lead", "treasury_lead");
    let strict = s.desk("strict-lead", "treasury_lead");
    let approvers: Vec<(Desk, &str)> =
        ["approver-a", "approver-b", "approver-c"].into_iter().map(|key| (s.desk(key, "approver"), key)).collect();
    let ic = s.desk("ic", "launch_ic");

    // The strict desk's plan says `block`.
    let plan = include_str!("../../core/plans/launch-plan-v1.toml");
    assert!(plan.contains("signing_gate = \"extra_approval\""));
    let strict_plan = s.root.join("strict-plan.toml");
    std::fs::write(&strict_plan, plan.replace("signing_gate = \"extra_approval\"", "signing_gate = \"block\"")).unwrap();
    strict.ok(&["launch", "set", "--t0", &t0_in_three_days(), "--plan", strict_plan.to_str().unwrap(), "--who", "IC", "--json"], "");

    // The day so far: T0 six hours ago; the TRC-20 provider degraded from T0+4h.
    let t0 = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(6);
    let events = s.root.join("rpc.jsonl");
    lead.ok(
        &[
            "simulate",
            "--scenario",
            "rpc-degradation-trc20",
            "--t0",
            &t0.to_string(),
            "--seed",
            "5",
            "--hours",
            "8",
            "--out",
            events.to_str().unwrap(),
            "--json",
        ],
        "",
    );
    // Without their `seq`: the ledger assigns it.
    let lines: Vec<String> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|line| {
            let mut event: Value = serde_json::from_str(line).unwrap();
            event.as_object_mut().unwrap().remove("seq");
            event.to_string()
        })
        .collect();
    let now_line = lines
        .iter()
        .position(|l| {
            serde_json::from_str::<Value>(l).unwrap()["at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap() > jiff::Timestamp::now()
        })
        .expect("the scenario runs past now");
    post_events(&s.ledger, &platform, &lines[..now_line]);

    let bundle = |network: &str, wallet: &str, to: &str| -> String {
        let out = s.root.join(format!("{network}-{}.json", lines.len()));
        lead.make_bundle(&s.treasury, network, wallet, to, "100", &out)
    };
    let approve_by = |bundle_id: &str, keys: &[&str]| {
        lead.sync(&url);
        for (desk, key) in approvers.iter().filter(|(_, key)| keys.contains(key)) {
            desk.sync(&url);
            let approved = approve(desk, bundle_id, key);
            assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
            assert_eq!(desk.sync(&url)["pushed"]["acked"], 1);
        }
        lead.sync(&url);
        strict.sync(&url);
    };
    let tron = ["--ref-block-bytes", "0a0b", "--ref-block-hash", "0102030405060708"];
    let trc = bundle("trc20", "hot-trc20-1", clubgate_treasury::demo::DEMO_PARTNER_TRC20);
    let erc = bundle("erc20", "hot-erc20-1", DEMO_PARTNER_ERC20);
    lead.sync(&url);
    approve_by(&trc, &["approver-a", "approver-b"]);
    approve_by(&erc, &["approver-a", "approver-b"]);

    // While the rule holds: TRC-20 needs three approvers; the review says why.
    let reviewed = review(&lead, &trc, "0", &tron);
    let gate = reviewed["gate"].as_str().expect("the review names the gate");
    assert!(gate.contains("quorum + 1") && gate.contains("partial rollback of network:trc20"), "{gate}");
    let refused = sign(&lead, &trc, "0", reviewed["review_hash"].as_str().unwrap(), "lead@desk");
    let error = error_of(&refused);
    assert_eq!(error["error"]["code"], "quorum", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("signing_gate"), "{error}");
    // The strict desk's plan blocks it outright, whatever the approvals.
    let strict_review = review(&strict, &trc, "0", &tron);
    assert!(strict_review["gate"].as_str().unwrap().contains("blocked"));
    let blocked = sign(&strict, &trc, "0", strict_review["review_hash"].as_str().unwrap(), "strict@desk");
    assert_eq!(error_of(&blocked)["error"]["code"], "slo_gate");
    // ERC-20 is outside the rollback's scope: the quorum signs.
    let erc_review = review(&lead, &erc, "0", &[]);
    assert!(erc_review["gate"].is_null(), "{erc_review}");
    let signed = sign(&lead, &erc, "0", erc_review["review_hash"].as_str().unwrap(), "lead@desk");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    // A third approver meets the raised quorum.
    approve_by(&trc, &["approver-c"]);
    let reviewed = review(&lead, &trc, "0", &tron);
    let signed = sign(&lead, &trc, "0", reviewed["review_hash"].as_str().unwrap(), "lead@desk");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    // The provider recovers (the rest of the day): the gate lifts, two approvers sign TRC-20.
    post_events(&s.ledger, &platform, &lines[now_line..]);
    let trc2 = bundle("trc20", "hot-trc20-1", clubgate_treasury::demo::DEMO_PARTNER_TRC20);
    lead.sync(&url);
    approve_by(&trc2, &["approver-a", "approver-b"]);
    let reviewed = review(&lead, &trc2, "0", &tron);
    assert!(reviewed["gate"].is_null(), "lifted: {reviewed}");
    let signed = sign(&lead, &trc2, "0", reviewed["review_hash"].as_str().unwrap(), "lead@desk");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    // Safe-mode for ERC-20 from the launch IC's desk, through the ledger.
    let erc2 = bundle("erc20", "hot-erc20-1", DEMO_PARTNER_ERC20);
    lead.sync(&url);
    approve_by(&erc2, &["approver-a", "approver-b"]);
    ic.ok(&["safe-mode", "on", "--scope", "network:erc20", "--why", "RPC provider flapping", "--who", "Irina (IC)", "--json"], "");
    assert_eq!(ic.sync(&url)["pushed"]["acked"], 1);
    lead.sync(&url);
    let reviewed = review(&lead, &erc2, "0", &[]);
    let gate = reviewed["gate"].as_str().unwrap();
    assert!(
        gate.contains("signing is blocked (safe-mode)")
            && gate.contains("safe-mode is on for network:erc20")
            && gate.contains("RPC provider flapping"),
        "{reviewed}"
    );
    // Safe-mode freezes the network's payouts (seed §10): even a third approval does not sign.
    approve_by(&erc2, &["approver-c"]);
    let refused = sign(&lead, &erc2, "0", reviewed["review_hash"].as_str().unwrap(), "lead@desk");
    assert_eq!(error_of(&refused)["error"]["code"], "slo_gate");
    // Red team F3: an unsigned "off" is not even queued (issue 11: lifting is the IC's signed
    // decision) — not from the lead's desk, not from the IC's.
    for desk in [&lead, &ic] {
        let refused = desk.run(&["safe-mode", "off", "--scope", "network:erc20", "--why", "I am in a hurry", "--who", "x", "--json"], "");
        assert_eq!(refused.status.code(), Some(2));
        assert!(error_of(&refused)["error"]["message"].as_str().unwrap().contains("clubgate decide safe_mode"), "{refused:?}");
    }
    // An unsigned switch off sent straight to the ledger with the IC's token lifts nothing.
    let unsigned = serde_json::json!({"id": "0badc0de-0000-4000-8000-0000000000ff", "kind": "safe_mode",
        "payload": {"scope": "network:erc20", "on": false, "why": "stolen token", "by": "x", "at": "2026-12-01T00:00:00Z"}});
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new().post(format!("{url}/v1/commands")).bearer_auth(&ic.token).json(&unsigned).send().await.unwrap().status()
    });
    assert_eq!(status.as_u16(), 201);
    lead.sync(&url);
    let reviewed = review(&lead, &erc2, "0", &[]);
    assert!(reviewed["gate"].as_str().unwrap().contains("safe-mode is on for network:erc20"), "{reviewed}");
    let refused = sign(&lead, &erc2, "0", reviewed["review_hash"].as_str().unwrap(), "lead@desk");
    assert_eq!(error_of(&refused)["error"]["code"], "slo_gate", "an unsigned switch off lifts nothing");
    // The IC's signed decision lifts it (the IC's PIN typed now).
    let (_, _, ic_pin) = clubgate_treasury::demo::DEMO_LAUNCH_IC;
    ic.ok(
        &["decide", "safe_mode", "--set", "state=off", "--set", "scope=network:erc20", "--why", "provider stable for 30 min", "--json"],
        &format!("{ic_pin}\n"),
    );
    ic.sync(&url);
    lead.sync(&url);
    let reviewed = review(&lead, &erc2, "0", &[]);
    assert!(reviewed["gate"].is_null(), "{reviewed}");
    let signed = sign(&lead, &erc2, "0", reviewed["review_hash"].as_str().unwrap(), "lead@desk");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
}

/// Issue 10, air-gapped signing: a desk that follows no ledger signs a chunk with approval
/// files; a connected desk imports the signed document, which is checked against the bundle
/// and recorded on the ledger; every other signature of that chunk — online, or another
/// air-gapped one imported — is refused, naming the air-gapped signer.
#[test]
fn an_air_gapped_signature_is_recorded_on_import_and_a_second_one_is_refused() {
    let s = setup();
    let url = s.ledger.url.clone();
    let lead = s.desk("lead", "treasury_lead");
    let treasury = s.treasury.to_str().unwrap().to_owned();
    let out = s.root.join("bundle.json");
    let bundle_id = lead.make_bundle(&s.treasury, "erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "400000", &out);
    lead.sync(&url);

    // Two vault desks with no ledger: approvals as files, signing by the local registry only.
    let vault = |name: &str| {
        let desk = Desk::new(&s.root, name, String::new(), &s.conf);
        desk.ok(&["launch", "set", "--t0", &t0_in_three_days(), "--who", name, "--json"], "");
        desk
    };
    let signed_on = |desk: &Desk, name: &str| -> PathBuf {
        let mut approvals = Vec::new();
        for key in ["approver-a", "approver-b"] {
            let (token, pin) = demo_token_of(key);
            let file = s.root.join(format!("{name}-{key}.json"));
            let signer = format!("pkcs11:{token}/{key}");
            desk.ok(
                &[
                    "approve",
                    "--treasury",
                    &treasury,
                    "--bundle",
                    out.to_str().unwrap(),
                    "--signer",
                    &signer,
                    "--out",
                    file.to_str().unwrap(),
                    "--json",
                ],
                &format!("{pin}\n"),
            );
            approvals.push(file.to_str().unwrap().to_owned());
        }
        let reviewed =
            desk.ok(&["review", "--treasury", &treasury, "--bundle", out.to_str().unwrap(), "--chunk", "0", "--who", name, "--json"], "");
        let mut args = vec![
            "sign",
            "--treasury",
            &treasury,
            "--bundle",
            out.to_str().unwrap(),
            "--chunk",
            "0",
            "--review",
            reviewed["review_hash"].as_str().unwrap(),
            "--json",
        ];
        for approval in &approvals {
            args.extend_from_slice(&["--approval", approval]);
        }
        let signed = desk.ok(&args, "");
        let file = s.root.join(format!("{name}-signed.json"));
        std::fs::write(&file, signed.to_string()).unwrap();
        file
    };
    let first = signed_on(&vault("vault-1"), "vault-1");
    let second = signed_on(&vault("vault-2"), "vault-2");

    // A document that is not the bundle's chunk is refused before anything is sent.
    let mut tampered: Value = serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    tampered["chunk"] = Value::from(1);
    let tampered_file = s.root.join("tampered.json");
    std::fs::write(&tampered_file, tampered.to_string()).unwrap();
    let refused = lead.run(&["signature", "import", "--file", tampered_file.to_str().unwrap(), "--who", "vault-1", "--json"], "");
    assert_eq!(error_of(&refused)["error"]["code"], "review_mismatch");

    // The first import is recorded; the second air-gapped signature of the chunk is refused.
    let imported = lead.ok(&["signature", "import", "--file", first.to_str().unwrap(), "--who", "vault-1@safe-room", "--json"], "");
    assert!(imported["seq"].as_u64().unwrap() > 0);
    let again = lead.run(&["signature", "import", "--file", second.to_str().unwrap(), "--who", "vault-2@safe-room", "--json"], "");
    let error = error_of(&again);
    assert_eq!(error["error"]["code"], "already_signed");
    assert!(error["error"]["message"].as_str().unwrap().contains("vault-1@safe-room"), "{error}");

    // Online signing of that chunk is refused too, and the log shows one signature.
    lead.sync(&url);
    let other = s.desk("lead-2", "treasury_lead");
    for (key, desk_name) in [("approver-a", "approver-a"), ("approver-b", "approver-b")] {
        let desk = s.desk(desk_name, "approver");
        let approved = approve(&desk, &bundle_id, key);
        assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
        desk.sync(&url);
    }
    other.sync(&url);
    let reviewed = review(&other, &bundle_id, "0", &[]);
    let online = sign(&other, &bundle_id, "0", reviewed["review_hash"].as_str().unwrap(), "lead-2@desk");
    let error = error_of(&online);
    assert_eq!(error["error"]["code"], "already_signed");
    assert!(error["error"]["message"].as_str().unwrap().contains("vault-1@safe-room"), "{error}");
    let queue = other.queue();
    let logged = chunk_of(&queue, &bundle_id, 0)["ledger"].as_array().unwrap().clone();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["signed_by"], "vault-1@safe-room");
}

/// Issue 11, the decision log across workstations: the launch IC's desk signs decisions with
/// the IC's SoftHSM2 key (its PIN typed now; a wrong one signs nothing) and sends them to the
/// ledger with the switch they carry out; another desk pulls them, verifies every entry and
/// obeys the switch. A decision from a desk whose token is not the IC's is refused by the
/// ledger and never enters anyone's log; a forged decision put on the ledger with an IC
/// token but signed by an approver's key shows as broken on every desk that pulls it.
#[test]
fn decisions_travel_through_the_ledger_signed_and_verified() {
    let s = setup();
    let url = s.ledger.url.clone();
    let ic = s.desk("ic", "launch_ic");
    let lead = s.desk("lead", "treasury_lead");
    let (_, _, ic_pin) = clubgate_treasury::demo::DEMO_LAUNCH_IC;

    let declare = ["decide", "rollback_declared", "--set", "scope=network:erc20", "--why", "ERC-20 RPC flapping", "--json"];
    let refused = ic.run(&declare, "0000\n");
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(error_of(&refused)["error"]["code"], "login_refused");
    let declared = ic.ok(&declare, &format!("{ic_pin}\n"));
    assert_eq!((declared["seq"].as_u64(), declared["author_name"].as_str()), (Some(1), Some("Launch IC")));
    let rollback = declared["id"].as_str().unwrap().to_owned();
    let safe = ic.ok(
        &[
            "decide",
            "safe_mode",
            "--set",
            "state=on",
            "--set",
            "scope=network:erc20",
            "--set",
            &format!("rollback={rollback}"),
            "--why",
            "freeze ERC-20",
            "--json",
        ],
        &format!("{ic_pin}\n"),
    );
    assert_eq!(safe["prev"], declared["hash"]);
    assert_eq!(ic.sync(&url)["pushed"]["acked"], 3, "two decisions and the safe-mode switch");

    // The treasury desk pulls them, verifies each, and its signing gate obeys the switch.
    lead.sync(&url);
    let verified = lead.ok(&["log", "verify", "--json"], "");
    assert_eq!((verified["intact"].as_bool(), verified["entries"].as_u64()), (Some(true), Some(2)), "{verified}");
    let shown = lead.ok(&["log", "show", "--json"], "");
    assert_eq!(shown["entries"][1]["decision"]["kind"], "safe_mode");
    assert_eq!(shown["rollbacks"][0]["steps"][1]["step"], "safe-mode");
    assert!(shown["rollbacks"][0]["steps"][1]["done"].is_object(), "{shown}");
    let erc = lead.make_bundle(&s.treasury, "erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "1000", &s.root.join("erc.json"));
    lead.sync(&url);
    let reviewed = review(&lead, &erc, "0", &[]);
    assert!(reviewed["gate"].as_str().unwrap().contains("signing is blocked (safe-mode)"), "{reviewed}");

    // The lead's desk holds the IC's PIN (a stolen one): it can sign locally, but its token is
    // not the IC's — the ledger refuses the decision and no desk's log has it.
    lead.ok(
        &["decide", "safe_mode", "--set", "state=off", "--set", "scope=network:erc20", "--why", "lift it", "--json"],
        &format!("{ic_pin}\n"),
    );
    let pushed = lead.sync(&url);
    assert!(pushed["pushed"]["refused"].as_array().unwrap().iter().all(|r| r["status"] == 403), "{pushed}");
    assert_eq!(lead.ok(&["log", "verify", "--json"], "")["entries"], 2);
    let reviewed = review(&lead, &erc, "0", &[]);
    assert!(reviewed["gate"].as_str().unwrap().contains("safe-mode"), "still frozen: {reviewed}");

    // A forged decision on the ledger (an IC token, an approver's key) is broken on every desk.
    let forged = {
        let mut payload = safe.clone();
        payload["id"] = Value::from("0badc0de-0000-4000-8000-00000000d3c1");
        payload["seq"] = Value::from(3);
        payload["prev"] = safe["hash"].clone();
        payload["text"] = Value::from("lift it");
        payload
    };
    let command = serde_json::json!({"id": "0badc0de-0000-4000-8000-00000000d3c1", "kind": "decision", "payload": forged});
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new().post(format!("{url}/v1/commands")).bearer_auth(&ic.token).json(&command).send().await.unwrap().status()
    });
    assert_eq!(status.as_u16(), 201, "the ledger stores a decision's payload as given; the desks judge it");
    lead.sync(&url);
    let broken = lead.run(&["log", "verify", "--json"], "");
    assert_eq!(broken.status.code(), Some(1));
    let error = error_of(&broken);
    assert_eq!(error["error"]["code"], "log_broken");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("entry 3") && message.contains("does not match its hash"), "{message}");
    ic.sync(&url);
    assert_eq!(ic.run(&["log", "verify", "--json"], "").status.code(), Some(1), "the IC's own desk sees it too");
}
