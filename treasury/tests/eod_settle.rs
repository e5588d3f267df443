//! EOD settlement transfers into a real store's payout queue (PRODUCT.md "Treasury and
//! EOD"): the simulator's `eod-deficit` day, its settlement plan, and the bundles it makes —
//! hot wallet → the payee's allow-listed address, batched under the per-tx cap, ids derived
//! from session, network and token — queued once however often, by however many racing
//! store handles (two pools on one file: what two processes are to SQLite); a payee without
//! an allow-listed address refused by name; a blocked session queues nothing and alerts; the
//! dry run leaves the queue as it was.

use std::collections::BTreeSet;

use alloy::primitives::U256;
use clubgate_core::eod::{plan, plan_at, Mode};
use clubgate_core::events::{Amount, Balance, Event, EventKind, Token};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::Ledger;
use clubgate_core::plan::Network;
use clubgate_core::settlement::{payout_id, transfers};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_core::treasury::Treasury;
use clubgate_core::{DEFAULT_PLAN_TOML, EXAMPLE_TREASURY_TOML};
use clubgate_store::Store;
use clubgate_treasury::eod::{dry_run, settle, Outcome};
use jiff::Timestamp;

const PARTNER_S: &str = "TEdvoHEatmDKvTh3o9vBRB9VdtgUwdVuDN";
const PARTNER_M: &str = "TGCAjMXComunWZEXCT1LPBdcYbJH8hKsha";
const PARTNER_L: &str = "0x4000000000000000000000000000000000000001";
const PARTNER_XL: &str = "0x4000000000000000000000000000000000000002";
const PARTNERS: [(&str, &str, &str); 4] = [
    ("partner-s", "trc20", PARTNER_S),
    ("partner-m", "trc20", PARTNER_M),
    ("partner-l", "erc20", PARTNER_L),
    ("partner-xl", "erc20", PARTNER_XL),
];

/// The example treasury file with the settlement addresses of the simulator's partners but
/// `missing`.
fn treasury_without(missing: &str) -> Treasury {
    let mut extra = String::new();
    for (name, network, address) in PARTNERS.into_iter().filter(|(name, _, _)| *name != missing) {
        extra += &format!("\n[[allow_list]]\nname = \"{name}\"\nnetwork = \"{network}\"\naddress = \"{address}\"\n");
    }
    extra += "\n[[trust_pairs]]\nname = \"pair-l-xl\"\ntime_zone = \"Europe/London\"\n";
    Treasury::from_toml(&format!("{EXAMPLE_TREASURY_TOML}{extra}")).unwrap()
}

/// Every partner has an address.
fn treasury() -> Treasury {
    treasury_without("")
}

fn day() -> (Launch, Ledger, Timestamp) {
    let launch = Launch::new(DEFAULT_PLAN_TOML, "2026-12-07T10:00", None).unwrap();
    let tz = launch.t0.zoned().time_zone().clone();
    let events = simulate(&Simulation { scenario: Scenario::EodDeficit, t0: launch.t0_instant(), tz, seed: 7, hours: 24 });
    let mut ledger = Ledger::default();
    for event in &events {
        ledger.apply(event).unwrap();
    }
    let end = events.iter().map(|e| e.at).max().unwrap();
    (launch, ledger, end)
}

async fn store(dir: &std::path::Path) -> Store {
    Store::open(&dir.join("store.db")).await.unwrap()
}

#[tokio::test]
async fn settlement_transfers_are_queued_once_as_batched_allow_listed_payouts() {
    let (launch, ledger, end) = day();
    let entries = plan(&launch, &ledger, end).unwrap();
    // Every entry that settles something is a transfer or a refusal; nothing else.
    let settling: Vec<_> = entries.iter().filter(|e| e.settle > 0).collect();
    // An ERC-20 payee without an address: each of its settlements is refused by name.
    let missing = settling.iter().find(|e| e.network == Network::Erc20).expect("the scenario settles on ERC-20").payee.clone();
    let treasury = treasury_without(&missing);
    let settlement = transfers(&treasury, &entries, end);
    assert_eq!(settlement.transfers.len() + settlement.refusals.len(), settling.len());
    assert!(settlement.alerts.is_empty(), "no blocked session in the scenario");
    let to_missing = settling.iter().filter(|e| e.payee == missing).count();
    assert_eq!(settlement.refusals.len(), to_missing);
    for refusal in &settlement.refusals {
        assert!(refusal.contains(&format!("{missing:?}")) && refusal.contains("erc20") && refusal.contains("[[allow_list]]"), "{refusal}");
    }
    assert_eq!(transfers(&treasury_without("none"), &entries, end).transfers.len(), settling.len(), "with every address");
    // Partial entries settle their part only.
    assert!(settlement.transfers.iter().any(|t| t.entry.mode == Mode::Partial && t.entry.settle < t.entry.net));

    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    // The dry run: the same bundles, nothing queued.
    let dry = dry_run(Some(&store), &launch.plan, &treasury, &settlement, 1).await.unwrap();
    assert_eq!(dry.len(), settlement.transfers.len());
    assert!(dry.iter().all(|d| d.outcome == Outcome::WouldQueue));
    assert!(store.bundles().await.unwrap().is_empty(), "a dry run queues nothing");
    assert_eq!(store.outbox(false).await.unwrap().len(), 0, "a dry run sends nothing");

    let now: Timestamp = "2026-12-08T12:00:00Z".parse().unwrap();
    let first = settle(&store, &launch.plan, &treasury, &settlement, 1, now).await.unwrap();
    assert!(first.iter().all(|s| s.outcome == Outcome::Queued));
    let queued = store.bundles().await.unwrap();
    assert_eq!(queued.len(), settlement.transfers.len());
    let hot_trc20 = treasury.wallet("hot-trc20-1").unwrap().address.to_string();
    let hot_erc20 = treasury.wallet("hot-erc20-1").unwrap().address.to_string();
    for (item, dry) in first.iter().zip(&dry) {
        let entry = &item.transfer.entry;
        let bundle = &item.bundle;
        assert_eq!(bundle.bundleId, payout_id(&entry.session_id, entry.network, entry.token));
        assert_eq!(bundle.canonical_hash(), dry.bundle.canonical_hash(), "the dry run shows exactly what is queued");
        assert_eq!(bundle.amount, U256::from(entry.settle), "{}: the settled amount, in base units", entry.session_id);
        let (source, to) = match entry.payee.as_str() {
            "partner-s" => (&hot_trc20, PARTNER_S),
            "partner-m" => (&hot_trc20, PARTNER_M),
            "partner-l" => (&hot_erc20, PARTNER_L),
            "partner-xl" => (&hot_erc20, PARTNER_XL),
            other => panic!("a transfer to {other}"),
        };
        assert_eq!((bundle.source.as_str(), bundle.destination.as_str()), (source.as_str(), to));
        // Batched under the per-tx cap (ERC-20 250,000, TRC-20 200,000 tokens).
        let cap = U256::from(if entry.network == Network::Erc20 { 250_000_000_000u64 } else { 200_000_000_000 });
        assert!(bundle.chunks.iter().all(|c| *c <= cap && *c > U256::ZERO));
        assert_eq!(bundle.chunks.iter().fold(U256::ZERO, |a, c| a + *c), bundle.amount);
        let stored = queued.iter().find(|b| b.bundle_id == bundle.bundleId).unwrap();
        assert_eq!(stored.requested_by, format!("EOD settlement of {}", entry.session_id));
    }
    // Published to the ledger through the outbox, one `bundle` command each.
    let commands = store.commands_of_kind("bundle").await.unwrap();
    assert_eq!(commands.len(), settlement.transfers.len());

    // A second run queues nothing and says so.
    let again = settle(&store, &launch.plan, &treasury, &settlement, 1, now).await.unwrap();
    assert!(again.iter().all(|s| s.outcome == Outcome::AlreadyQueued { same: true }));
    assert_eq!(store.bundles().await.unwrap().len(), settlement.transfers.len());
    assert_eq!(store.commands_of_kind("bundle").await.unwrap().len(), settlement.transfers.len());
    // A later plan with the same sessions (another policy version: another bundle hash)
    // still cannot queue them again: the id is the session's.
    let other = settle(&store, &launch.plan, &treasury, &settlement, 2, now).await.unwrap();
    assert!(other.iter().all(|s| s.outcome == Outcome::AlreadyQueued { same: false }));
    assert_eq!(store.bundles().await.unwrap().len(), settlement.transfers.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_racing_store_handles_queue_each_settlement_once() {
    let (launch, ledger, end) = day();
    let treasury = treasury();
    let settlement = transfers(&treasury, &plan(&launch, &ledger, end).unwrap(), end);
    assert!(settlement.transfers.len() >= 3);
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        // Two pools on one database file, as two processes would hold it.
        let (a, b) = (store(dir.path()).await, store(dir.path()).await);
        let now: Timestamp = "2026-12-08T12:00:00Z".parse().unwrap();
        // Two tasks on two worker threads, released together.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let task = |store: Store| {
            let (plan, treasury, settlement, barrier) = (launch.plan.clone(), treasury.clone(), settlement.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                settle(&store, &plan, &treasury, &settlement, 1, now).await
            })
        };
        let (x, y) = (task(a.clone()), task(b));
        let (x, y) = (x.await.unwrap().unwrap(), y.await.unwrap().unwrap());
        for (one, two) in x.iter().zip(&y) {
            let outcomes: BTreeSet<&str> = [one.outcome.name(), two.outcome.name()].into();
            assert_eq!(outcomes, ["already_queued", "queued"].into(), "round {round}: {} queued by exactly one", one.bundle.bundleId);
        }
        assert_eq!(a.bundles().await.unwrap().len(), settlement.transfers.len(), "round {round}");
        assert_eq!(a.commands_of_kind("bundle").await.unwrap().len(), settlement.transfers.len(), "round {round}");
    }
}

#[tokio::test]
async fn a_blocked_session_queues_nothing_and_alerts_naming_it() {
    // Before Canary (T0 − 7d = 2026-11-30 10:00 Warsaw) a deficit blocks.
    let launch = Launch::new(DEFAULT_PLAN_TOML, "2026-12-07T10:00", None).unwrap();
    let mut ledger = Ledger::default();
    let mut seq = 0;
    let mut push = |at: &str, kind: EventKind| {
        seq += 1;
        ledger.apply(&Event { seq, id: u128::from(seq), at: at.parse().unwrap(), kind }).unwrap();
    };
    for (id, cut_off) in [("s-before", "2026-11-28T17:00:00Z"), ("s-canary", "2026-12-01T17:00:00Z")] {
        push(
            "2026-11-28T08:00:00Z",
            EventKind::EodSessionOpened { session_id: id.into(), trust_pair: "pair-s-m".into(), cut_off_at: cut_off.parse().unwrap() },
        );
    }
    let owe = |session: &str| EventKind::TrustObligation {
        session_id: session.into(),
        payer: "partner-m".into(),
        payee: "partner-s".into(),
        network: Network::Trc20,
        token: Token::Usdt,
        amount: Amount::parse("300000000").unwrap(),
    };
    push("2026-11-28T09:00:00Z", owe("s-before"));
    push("2026-11-28T09:00:00Z", owe("s-canary"));
    let balance = EventKind::PartnerBalance {
        partner: "partner-m".into(),
        network: Network::Trc20,
        token: Token::Usdt,
        amount: Balance::parse("100000000").unwrap(),
    };
    push("2026-11-28T10:00:00Z", balance);
    let at: Timestamp = "2026-12-01T18:00:00Z".parse().unwrap();
    let entries = plan(&launch, &ledger, at).unwrap();
    let modes: Vec<_> = entries.iter().map(|e| (e.session_id.as_str(), e.mode, e.settle)).collect();
    assert_eq!(modes, [("s-before", Mode::Blocked, 0), ("s-canary", Mode::Partial, 100_000_000)]);
    let settlement = transfers(&treasury(), &entries, at);
    assert_eq!(settlement.alerts.len(), 1);
    assert!(settlement.alerts[0].contains("s-before") && settlement.alerts[0].contains("blocked"), "{}", settlement.alerts[0]);
    assert_eq!(settlement.transfers.iter().map(|t| t.entry.session_id.as_str()).collect::<Vec<_>>(), ["s-canary"]);
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    settle(&store, &launch.plan, &treasury(), &settlement, 1, at).await.unwrap();
    let queued = store.bundles().await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].bundle_id, payout_id("s-canary", Network::Trc20, Token::Usdt));
    // A cut-off after `now` is not settled yet, whatever the plan's instant.
    let early = transfers(&treasury(), &plan_at(&ledger, at, None).unwrap(), "2026-11-30T00:00:00Z".parse().unwrap());
    assert!(early.transfers.is_empty() && early.alerts.len() == 1, "only s-before's cut-off has passed: {early:?}");
}

/// Wallet keys that must never be reached: the refusals below come before any key is opened.
struct KeysNeverOpened;

impl clubgate_treasury::flow::WalletKeys for KeysNeverOpened {
    fn open(&self, wallet: &clubgate_core::treasury::Wallet) -> clubgate_treasury::Result<clubgate_treasury::signers::Signer> {
        panic!("the key of {} was opened for a settlement bundle that should have been refused", wallet.id)
    }
}

#[tokio::test]
async fn a_queued_settlement_transfer_signs_only_under_the_rules_of_any_payout() {
    use clubgate_treasury::flow::{sign_chunk, Policy, SignRequest};
    let (launch, ledger, end) = day();
    let treasury = treasury();
    let settlement = transfers(&treasury, &plan(&launch, &ledger, end).unwrap(), end);
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let now: Timestamp = "2026-12-08T12:00:00Z".parse().unwrap();
    let queued = settle(&store, &launch.plan, &treasury, &settlement, 1, now).await.unwrap();
    let bundle = &queued[0].bundle;
    let request = SignRequest { bundle, approvals: &[], chunk: 0, review_hash: "0x00", now, ledger: None };
    // No approvals: the quorum refuses it, as for any payout.
    let refused = sign_chunk(&store, Policy { treasury: &treasury, launch: &launch }, &KeysNeverOpened, request).await.unwrap_err();
    assert_eq!(refused.code(), "quorum", "{refused}");
    // Its payee off the allow-list in the policy at signing: refused by the policy check.
    let payee = &queued[0].transfer.entry.payee;
    let delisted = treasury_without(payee);
    let request = SignRequest { bundle, approvals: &[], chunk: 0, review_hash: "0x00", now, ledger: None };
    let refused = clubgate_treasury::flow::check_policy(Policy { treasury: &delisted, launch: &launch }, request.bundle).unwrap_err();
    assert_eq!(refused.code(), "not_allow_listed", "{refused}");
}
