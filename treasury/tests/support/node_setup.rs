//! A chain and a desk for the broadcast tests (treasury and CLI): anvil with the demo token
//! deployed, the SoftHSM2 demo's hot wallet funded with ETH and tokens, the demo treasury
//! file pointed at anvil (`[erc20] rpc_url`, a fee ceiling of 100 gwei, 3 confirmations,
//! stuck after 60 s), a store with a launch, and an approved bundle.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, TxKind, U256};
use clubgate_chain::approval::{Approval, PayoutBundle};
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::Store;
use clubgate_treasury::bundle;
use clubgate_treasury::demo::{demo_approvals, softhsm_demo, DEMO_ERC20_USDT, DEMO_PARTNER_ERC20, DEMO_PIN};

use super::anvil_support::{deploy_token, dev_key, dev_raw, dev_tx, Anvil, CHAIN_ID};

/// The fee ceiling of the test treasury file (wei).
pub(crate) const CEILING_WEI: u128 = 100_000_000_000;

pub(crate) struct NodeSetup {
    pub(crate) anvil: Anvil,
    pub(crate) treasury: Treasury,
    pub(crate) treasury_file: PathBuf,
    pub(crate) softhsm_conf: PathBuf,
    pub(crate) launch: Launch,
    pub(crate) token: Address,
    pub(crate) hot: Address,
    pub(crate) partner: Address,
}

/// Starts anvil, funds the demo hot wallet and writes `dir/treasury-node.toml`.
pub(crate) fn start(dir: &Path) -> NodeSetup {
    let demo = softhsm_demo(dir, "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::set_var("CLUBGATE_PKCS11_PIN", DEMO_PIN);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let anvil = Anvil::start();
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap().replacen(
        "[erc20]\n",
        &format!(
            "[erc20]\nrpc_url = \"{}\"\nmax_fee_per_gas_wei = \"{CEILING_WEI}\"\nconfirmations = 3\nstuck_after_s = 60\n",
            anvil.url()
        ),
        1,
    );
    let treasury_file = dir.join("treasury-node.toml");
    std::fs::write(&treasury_file, &text).unwrap();
    let treasury = Treasury::from_toml(&text).unwrap();
    let hot: Address = treasury.wallet("hot-erc20-1").unwrap().address.to_string().parse().unwrap();
    let dev = dev_key();
    let token = deploy_token(&anvil, &dev, 0, 10_000_000_000_000);
    assert_eq!(token, DEMO_ERC20_USDT.parse::<Address>().unwrap());
    assert_eq!(anvil.send(&dev_raw(&dev, dev_tx(1, TxKind::Call(hot), U256::from(10u128.pow(18)), Vec::new(), 21_000)))["status"], "0x1");
    let tokens = Transfer {
        chain_id: CHAIN_ID,
        token,
        to: hot,
        amount: 500_000_000_000,
        nonce: 2,
        gas_limit: 80_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    assert_eq!(anvil.send(&sign(&tokens, &dev).unwrap().raw)["status"], "0x1");
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_sub(jiff::ToSpan::days(10)).unwrap();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).unwrap();
    NodeSetup {
        anvil,
        treasury,
        treasury_file,
        softhsm_conf: demo.softhsm_conf,
        launch,
        token,
        hot,
        partner: DEMO_PARTNER_ERC20.parse().unwrap(),
    }
}

impl NodeSetup {
    /// A bundle of `amount` tokens from the hot wallet to the partner, approved by A and C.
    pub(crate) async fn approved_bundle(&self, amount: &str) -> (PayoutBundle, Vec<Approval>) {
        let hot = self.treasury.wallet("hot-erc20-1").unwrap().address.to_string();
        let request = bundle::Request {
            network: Network::Erc20,
            token: Token::Usdt,
            source: &hot,
            to: DEMO_PARTNER_ERC20,
            amount,
            policy_version: 1,
        };
        let payout = bundle::make(&self.launch.plan, &self.treasury, &request).unwrap();
        let approvals = demo_approvals(&payout, &["approver-a", "approver-c"]).await.unwrap();
        (payout, approvals)
    }

    /// The store of a data directory, with the launch set.
    pub(crate) async fn store(&self, data_dir: &Path) -> Store {
        let store = Store::open(&clubgate_store::database_path(data_dir)).await.unwrap();
        let t0 = clubgate_core::schedule::rfc3339(self.launch.t0.zoned());
        store
            .configure(&clubgate_store::NewSettings {
                plan_source: "builtin:launch-plan-v1",
                plan_toml: clubgate_core::DEFAULT_PLAN_TOML,
                t0: &t0,
                time_zone: None,
                changed_by: "test",
                changed_at: jiff::Timestamp::now(),
                reason: None,
            })
            .await
            .unwrap();
        store
    }

    /// A number the node answers for `method` (hex quantity).
    pub(crate) fn quantity(&self, method: &str, params: serde_json::Value) -> u128 {
        let value = self.anvil.call(method, params).unwrap();
        u128::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }
}
