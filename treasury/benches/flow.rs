//! The whole signing flow per payout, as the window and the CLI run it: a one-chunk bundle
//! made under the policy and approved 2-of-3, its review (the exact unsigned bytes kept under
//! their hash), then `flow::sign_chunk` — policy, quorum recovery, the review compared, one
//! store transaction for the state, the day's cap and the nonce (SQLite, synchronous=FULL),
//! sign, record. Local development keys, so the figure is the flow's and the store's cost,
//! not an HSM's.
//!
//! Run: `cargo bench -p clubgate-treasury --bench flow`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::path::PathBuf;

use clubgate_chain::approval::approve;
use clubgate_chain::signer::{DevKey, HashSigner, Profile};
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury, Wallet};
use clubgate_store::Store;
use clubgate_treasury::flow::{self, OperatorInput, Policy, ReviewRequest, SignRequest, WalletKeys};
use clubgate_treasury::{bundle, signers};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PARTNER: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

/// Every wallet is the one development key in `path`.
struct DevKeys(PathBuf);

impl WalletKeys for DevKeys {
    fn open(&self, _wallet: &Wallet) -> clubgate_treasury::Result<signers::Signer> {
        Ok(Box::new(DevKey::from_file(&self.0, Profile::Dev)?))
    }
}

fn key(dir: &std::path::Path, byte: &str) -> (PathBuf, DevKey) {
    let path = dir.join(format!("{byte}.key"));
    std::fs::write(&path, byte.repeat(32)).expect("key file");
    let key = DevKey::from_file(&path, Profile::Dev).expect("dev key");
    (path, key)
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = runtime.block_on(Store::open(&dir.path().join("bench.db"))).expect("store");
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").expect("zone");
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_sub(jiff::ToSpan::days(10)).expect("date");
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).expect("launch");
    let (hot_path, hot) = key(dir.path(), "ac");
    let approvers = [key(dir.path(), "11").1, key(dir.path(), "22").1, key(dir.path(), "33").1];
    let approver = |i: usize, name: &str| {
        format!("[[approvers]]\nname = \"{name}\"\nrole = \"approver\"\naddress = \"{}\"\n\n", approvers[i].address().to_checksum(None))
    };
    let text = format!(
        "schema = 1\ndaily_target = \"1000000000000\"\nquorum = 2\n\n[erc20]\nenvironment = \"testnet\"\nchain_id = 31337\ngas_limit = 65000\nfee_mode = \"normal\"\nbase_fee_wei = \"1000000000\"\npriority_fee_wei = \"1000000000\"\n\n[trc20]\nenvironment = \"testnet\"\nfee_limit_sun = 30000000\nexpiration_s = 60\n\n[[testnet_tokens]]\nnetwork = \"erc20\"\ntoken = \"USDT\"\ncontract = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n\n{}{}{}[[wallets]]\nid = \"hot\"\nkind = \"hot\"\nnetwork = \"erc20\"\naddress = \"{}\"\nsigner = \"dev:file:{}\"\n\n[[allow_list]]\nname = \"Partner\"\nnetwork = \"erc20\"\naddress = \"{PARTNER}\"\n",
        approver(0, "A"),
        approver(1, "B"),
        approver(2, "C"),
        hot.address().to_checksum(None),
        hot_path.display()
    );
    let treasury = Treasury::from_toml(&text).expect("treasury");
    let policy = Policy { treasury: &treasury, launch: &launch };
    let keys = DevKeys(hot_path);
    let source = hot.address().to_checksum(None);
    let mut group = c.benchmark_group("flow");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    group.bench_function("approve_2_of_3_review_and_sign_one_chunk_durably", |b| {
        b.iter(|| {
            let request = bundle::Request {
                network: Network::Erc20,
                token: Token::Usdt,
                source: &source,
                to: PARTNER,
                amount: "0.000001",
                policy_version: 1,
            };
            let bundle = bundle::make(&launch.plan, &treasury, &request).expect("bundle");
            let approvals = [approve(&bundle, &approvers[0]).expect("approve"), approve(&bundle, &approvers[2]).expect("approve")];
            let now = jiff::Timestamp::now();
            runtime.block_on(async {
                let review =
                    ReviewRequest { bundle: &bundle, chunk: 0, replace: None, input: OperatorInput::default(), reviewed_by: "bench", now };
                let review = flow::review_chunk(&store, policy, review).await.expect("review");
                let sign =
                    SignRequest { bundle: &bundle, approvals: &approvals, chunk: 0, review_hash: &review.review_hash, now, ledger: None };
                flow::sign_chunk(&store, policy, &keys, sign).await.expect("signed")
            })
        })
    });
    group.finish();
}

criterion_group!(flow_bench, benches);
criterion_main!(flow_bench);
