//! A SoftHSM2 demo token and the treasury file that matches it — for `cargo xtask demo` and
//! the tests, never for production (SoftHSM2 keeps keys in files; its PIN is public here).
//! The token holds one secp256k1 key per person and wallet; the file registers them with
//! their addresses, read back from the token, on anvil's chain id and Nile's USDT.

use std::path::{Path, PathBuf};
use std::process::Command;

use clubgate_chain::pkcs11::address_of_point;
use clubgate_core::payout::TronAddress;

use crate::error::{Error, Result};

/// The demo token's label.
pub const DEMO_TOKEN: &str = "clubgate-demo";
/// The demo token's user PIN (public: this is a demo token).
pub const DEMO_PIN: &str = "1234";
/// The keys of the demo: the approvers' on their own tokens ([`DEMO_APPROVERS`]), the rest
/// on the workstation's token [`DEMO_TOKEN`].
pub const DEMO_KEYS: [&str; 9] =
    ["approver-a", "approver-b", "approver-c", "treasury-lead", "hot-erc20", "hot-trc20", "canary-erc20", "canary-trc20", "launch-ic"];
/// Each demo approver's own token and PIN (key label, token label, PIN): approving needs
/// that approver's PIN, typed at the moment, so one person cannot approve as two.
pub const DEMO_APPROVERS: [(&str, &str, &str); 3] = [
    ("approver-a", "clubgate-approver-a", "1111"),
    ("approver-b", "clubgate-approver-b", "2222"),
    ("approver-c", "clubgate-approver-c", "3333"),
];

/// The launch IC's key, on a token of its own (key label, token label, PIN): signing a
/// decision needs that PIN, typed at the moment.
pub const DEMO_LAUNCH_IC: (&str, &str, &str) = ("launch-ic", "clubgate-launch-ic", "4444");

/// The token and PIN that hold a demo key.
pub fn demo_token_of(key: &str) -> (&'static str, &'static str) {
    DEMO_APPROVERS
        .iter()
        .chain(std::iter::once(&DEMO_LAUNCH_IC))
        .find(|(k, _, _)| *k == key)
        .map_or((DEMO_TOKEN, DEMO_PIN), |(_, token, pin)| (*token, *pin))
}

/// The approvals of `bundle` by the demo approvers `keys`, each with its own token's PIN (as
/// the approver types it); SOFTHSM2_CONF must name the demo's configuration.
pub async fn demo_approvals(
    bundle: &clubgate_chain::approval::PayoutBundle,
    keys: &[&str],
) -> Result<Vec<clubgate_chain::approval::Approval>> {
    let mut approvals = Vec::new();
    for key in keys {
        let (token, pin) = demo_token_of(key);
        let spec = format!("pkcs11:{token}/{key}");
        approvals.push(crate::signers::approve_with(&spec, clubgate_chain::signer::Profile::Production, bundle, Some(pin)).await?);
    }
    Ok(approvals)
}
/// The allow-listed partner destination on ERC-20 in the demo file.
pub const DEMO_PARTNER_ERC20: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
/// The allow-listed partner destination on TRC-20 in the demo file.
pub const DEMO_PARTNER_TRC20: &str = "TVNZDWY6YpQcK8Y41ehav5W9mhW8HQGynR";
/// The demo file's settlement address of `partner-s` (TRC-20), the simulator's trust-pair
/// partner: EOD settlement transfers to it go there.
pub const DEMO_SETTLE_PARTNER_S: &str = "TEdvoHEatmDKvTh3o9vBRB9VdtgUwdVuDN";
/// The demo file's settlement address of `partner-m` (TRC-20).
pub const DEMO_SETTLE_PARTNER_M: &str = "TGCAjMXComunWZEXCT1LPBdcYbJH8hKsha";
/// The demo file's settlement address of `partner-l` (ERC-20; digits only, so its own
/// EIP-55 checksum).
pub const DEMO_SETTLE_PARTNER_L: &str = "0x4000000000000000000000000000000000000001";
/// The demo file's settlement address of `partner-xl` (ERC-20).
pub const DEMO_SETTLE_PARTNER_XL: &str = "0x4000000000000000000000000000000000000002";
/// The ERC-20 token contract of the demo file: the first contract anvil's first account
/// deploys (nonce 0), so an anvil-deployed test token has this address.
pub const DEMO_ERC20_USDT: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/// The demo set-up in a directory.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The SOFTHSM2_CONF to run with.
    pub softhsm_conf: PathBuf,
    /// The treasury file.
    pub treasury_file: PathBuf,
}

fn run(command: &mut Command) -> Result<Vec<u8>> {
    let output =
        command.output().map_err(|e| Error::Refused(format!("{command:?}: {e}; install softhsm2 and opensc (cargo xtask setup)")))?;
    if !output.status.success() {
        return Err(Error::Refused(format!(
            "{command:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(output.stdout)
}

fn address_of(conf: &Path, module: &str, dir: &Path, key: &str) -> Result<alloy::primitives::Address> {
    let der = dir.join(format!("{key}.pub.der"));
    run(Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", conf)
        .args(["--module", module, "--token-label", demo_token_of(key).0, "--read-object", "--type", "pubkey", "--label", key, "-o"])
        .arg(&der))?;
    let bytes = std::fs::read(&der).map_err(|e| Error::Refused(format!("{}: {e}", der.display())))?;
    let _ = std::fs::remove_file(&der);
    // SubjectPublicKeyInfo of a secp256k1 key: the uncompressed point is its last 65 bytes.
    let point: [u8; 65] = bytes
        .get(bytes.len().saturating_sub(65)..)
        .and_then(|tail| tail.try_into().ok())
        .filter(|p: &[u8; 65]| p[0] == 0x04)
        .ok_or_else(|| Error::Refused(format!("{}: not an uncompressed secp256k1 public key", der.display())))?;
    Ok(address_of_point(&point))
}

/// Creates (or reuses) the demo token under `dir` and writes the treasury file for it.
pub fn softhsm_demo(dir: &Path, module: &str) -> Result<Demo> {
    let tokens = dir.join("softhsm-tokens");
    let conf = dir.join("softhsm2.conf");
    let treasury_file = dir.join("treasury.toml");
    let io = |e: std::io::Error| Error::Refused(format!("{}: {e}", dir.display()));
    if conf.exists() && treasury_file.exists() {
        let current = std::fs::read_to_string(&treasury_file).map_err(io)?;
        // A demo made before the launch IC had a key (issue 11), or before its trust pairs
        // and their partners' settlement addresses (issue 12), is made again.
        if current.contains("role = \"launch_ic\"") && current.contains("[[trust_pairs]]") {
            return Ok(Demo { softhsm_conf: conf, treasury_file });
        }
        let _ = std::fs::remove_dir_all(&tokens);
    }
    std::fs::create_dir_all(&tokens).map_err(io)?;
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()))
        .map_err(io)?;
    let mut labels = vec![(DEMO_TOKEN, DEMO_PIN)];
    labels.extend(DEMO_APPROVERS.iter().chain(std::iter::once(&DEMO_LAUNCH_IC)).map(|(_, token, pin)| (*token, *pin)));
    for (token, pin) in labels {
        run(Command::new("softhsm2-util").env("SOFTHSM2_CONF", &conf).args([
            "--init-token",
            "--free",
            "--label",
            token,
            "--pin",
            pin,
            "--so-pin",
            "5678",
        ]))?;
    }
    let mut addresses = Vec::new();
    for key in DEMO_KEYS {
        let (token, pin) = demo_token_of(key);
        run(Command::new("pkcs11-tool").env("SOFTHSM2_CONF", &conf).args([
            "--module",
            module,
            "--token-label",
            token,
            "--login",
            "--pin",
            pin,
            "--keypairgen",
            "--key-type",
            "EC:secp256k1",
            "--label",
            key,
        ]))?;
        addresses.push(address_of(&conf, module, dir, key)?);
    }
    let eth = |i: usize| addresses[i].to_checksum(None);
    let signer = |key: &str| format!("pkcs11:{}/{key}", demo_token_of(key).0);
    let text = format!(
        r#"# The ClubGate Desk demo treasury: the wallets' and the treasury lead's keys live in the
# SoftHSM2 token {DEMO_TOKEN:?}, each approver's in a token of its own (SOFTHSM2_CONF={conf}).
# Generated by `cargo xtask demo`; not for production.
schema = 1
daily_target = "2000000"
quorum = 2

[erc20]
environment = "testnet"
chain_id = 31337
gas_limit = 100000
fee_mode = "normal"
base_fee_wei = "1000000000"
priority_fee_wei = "1000000000"
# Wallet thresholds (docs/wallets.md): a hot or canary wallet under one is alerted with its top-up.
min_hot_balance.USDT = "100000"
gas_buffer_eth = "0.5"

[trc20]
environment = "testnet"
fee_limit_sun = 30000000
expiration_s = 60
min_hot_balance.USDT = "100000"
trx_buffer = "500"
energy_buffer = 130000

[[testnet_tokens]]
network = "erc20"
token = "USDT"
contract = "{DEMO_ERC20_USDT}"

[[testnet_tokens]]
network = "trc20"
token = "USDT"
contract = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"

[[approvers]]
name = "Approver A"
role = "approver"
address = "{a}"
signer = "{sa}"

[[approvers]]
name = "Approver B"
role = "approver"
address = "{b}"
signer = "{sb}"

[[approvers]]
name = "Approver C"
role = "approver"
address = "{c}"
signer = "{sc}"

[[approvers]]
name = "Treasury lead"
role = "treasury_lead"
address = "{lead}"
signer = "{slead}"

[[approvers]]
name = "Launch IC"
role = "launch_ic"
address = "{ic}"
signer = "{sic}"

[[wallets]]
id = "hot-erc20-1"
kind = "hot"
network = "erc20"
address = "{hot_erc20}"
signer = "{shot_erc20}"

[[wallets]]
id = "hot-trc20-1"
kind = "hot"
network = "trc20"
address = "{hot_trc20}"
signer = "{shot_trc20}"

[[wallets]]
id = "canary-erc20"
kind = "canary"
network = "erc20"
address = "{canary_erc20}"
signer = "{scanary_erc20}"
check_address = "0xB8b8b8B8b8B8B8B8b8b8B8B8b8B8B8b8b8B8b8b8"

[[wallets]]
id = "canary-trc20"
kind = "canary"
network = "trc20"
address = "{canary_trc20}"
signer = "{scanary_trc20}"
check_address = "TTpKHSFUdoi9j2zacMcRx522rztL61ojFS"

[[allow_list]]
name = "Partner S"
network = "erc20"
address = "{DEMO_PARTNER_ERC20}"

[[allow_list]]
name = "Partner S"
network = "trc20"
address = "{DEMO_PARTNER_TRC20}"

# The settlement addresses of the simulator's trust-pair partners (`eod-deficit`): an EOD
# settlement transfer goes to the payee's allow-listed address on the pair's network, found
# by the partner's name.
[[allow_list]]
name = "partner-s"
network = "trc20"
address = "{DEMO_SETTLE_PARTNER_S}"

[[allow_list]]
name = "partner-m"
network = "trc20"
address = "{DEMO_SETTLE_PARTNER_M}"

[[allow_list]]
name = "partner-l"
network = "erc20"
address = "{DEMO_SETTLE_PARTNER_L}"

[[allow_list]]
name = "partner-xl"
network = "erc20"
address = "{DEMO_SETTLE_PARTNER_XL}"

[[allow_list]]
name = "Canary check (ERC-20)"
network = "erc20"
address = "0xB8b8b8B8b8B8B8B8b8b8B8B8b8B8B8b8b8B8b8b8"

[[allow_list]]
name = "Canary check (TRC-20)"
network = "trc20"
address = "TTpKHSFUdoi9j2zacMcRx522rztL61ojFS"

# The trust pairs' own time zones (the EOD view shows each cut-off in its pair's zone and in
# the plan's).
[[trust_pairs]]
name = "pair-s-m"
time_zone = "Europe/Warsaw"

[[trust_pairs]]
name = "pair-l-xl"
time_zone = "Europe/London"
"#,
        conf = conf.display(),
        a = eth(0),
        sa = signer(DEMO_KEYS[0]),
        b = eth(1),
        sb = signer(DEMO_KEYS[1]),
        c = eth(2),
        sc = signer(DEMO_KEYS[2]),
        lead = eth(3),
        slead = signer(DEMO_KEYS[3]),
        hot_erc20 = eth(4),
        shot_erc20 = signer(DEMO_KEYS[4]),
        hot_trc20 = TronAddress::from_account(addresses[5]),
        shot_trc20 = signer(DEMO_KEYS[5]),
        canary_erc20 = eth(6),
        scanary_erc20 = signer(DEMO_KEYS[6]),
        canary_trc20 = TronAddress::from_account(addresses[7]),
        scanary_trc20 = signer(DEMO_KEYS[7]),
        ic = eth(8),
        sic = signer(DEMO_KEYS[8]),
    );
    clubgate_core::treasury::Treasury::from_toml(&text)?;
    std::fs::write(&treasury_file, text).map_err(io)?;
    Ok(Demo { softhsm_conf: conf, treasury_file })
}
