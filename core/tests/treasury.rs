//! The treasury configuration: the example parses, the token registry resolves per
//! environment, and every refusal names the field, the value and the rule.

use clubgate_core::payout::Destination;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{mainnet_contract, ApproverRole, Token, Treasury, TreasuryError, WalletKind};
use clubgate_core::EXAMPLE_TREASURY_TOML;

fn refusal(toml: &str) -> String {
    Treasury::from_toml(toml).expect_err("the file must be refused").to_string()
}

fn example_with(from: &str, to: &str) -> String {
    assert!(EXAMPLE_TREASURY_TOML.contains(from), "the example has {from:?}");
    EXAMPLE_TREASURY_TOML.replacen(from, to, 1)
}

#[test]
fn the_example_parses_with_its_wallets_approvers_and_tokens() {
    let t = Treasury::from_toml(EXAMPLE_TREASURY_TOML).unwrap();
    assert_eq!(t.daily_target.base_units(), 2_000_000_000_000);
    assert_eq!(t.quorum, 2);
    assert_eq!(t.voting_approvers().count(), 3);
    assert_eq!(t.approvers.iter().filter(|a| a.role == ApproverRole::TreasuryLead).count(), 1);
    assert_eq!(t.wallets.iter().filter(|w| w.kind == WalletKind::Canary).count(), 2);
    assert_eq!(t.trc20.expiration_s, 60);
    assert_eq!(t.erc20.base_fee_wei, 20_000_000_000);
    // Testnet networks use the configured contracts; USDC is not configured there.
    assert_eq!(t.token_contract(Network::Erc20, Token::Usdt).unwrap().to_string(), "0xF6f6F6f6f6f6F6F6F6F6F6f6f6F6f6f6F6f6f6f6");
    let missing = t.token_contract(Network::Trc20, Token::Usdc).unwrap_err().to_string();
    assert!(missing.contains("testnet_tokens") && missing.contains("trc20/USDC"), "{missing}");
    let canary = t.wallet("canary-trc20").unwrap();
    assert_eq!(canary.check_address.unwrap().to_string(), "TTpKHSFUdoi9j2zacMcRx522rztL61ojFS");
    assert!(t.wallet("nope").unwrap_err().to_string().contains("hot-erc20-1, hot-trc20-1, canary-erc20, canary-trc20"));
}

#[test]
fn mainnet_uses_the_built_in_registry() {
    let toml = example_with("[erc20]\nenvironment = \"testnet\"", "[erc20]\nenvironment = \"mainnet\"");
    let t = Treasury::from_toml(&toml).unwrap();
    assert_eq!(t.token_contract(Network::Erc20, Token::Usdt).unwrap().to_string(), "0xdAC17F958D2ee523a2206206994597C13D831ec7");
    assert_eq!(t.token_contract(Network::Erc20, Token::Usdc).unwrap().to_string(), "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
    assert_eq!(mainnet_contract(Network::Trc20, Token::Usdt).to_string(), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    assert_eq!(mainnet_contract(Network::Trc20, Token::Usdc).to_string(), "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8");
    assert!(matches!(mainnet_contract(Network::Trc20, Token::Usdt), Destination::Tron(_)));
}

#[test]
fn refusals_name_field_value_and_rule() {
    let cases = [
        (example_with("daily_target = \"2000000\"", "daily_target = \"-5\""), "daily_target = \"-5\""),
        (example_with("quorum = 2", "quorum = 1"), "quorum = \"1\" must be at least 2 and at most the 3 registered approvers"),
        (example_with("quorum = 2", "quorum = 4"), "at most the 3 registered approvers"),
        (
            example_with("0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1", "0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1A1"),
            "approvers[0].address = \"0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1A1\"",
        ),
        (
            example_with("0xb2b2b2b2b2B2b2B2B2b2b2B2B2b2B2B2b2b2b2b2", "0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1"),
            "approvers[1].address = \"0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1\" is registered twice",
        ),
        (
            example_with("check_address = \"0xB8b8b8B8b8B8B8B8b8b8B8B8b8B8B8b8b8B8b8b8\"\n", ""),
            "wallets[2].check_address = \"\" is required",
        ),
        (
            example_with("address = \"TQhqRHgEonKEYqudomS8243o3bejg8dt1d\"", "address = \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\""),
            "wallets[1].address",
        ),
        (example_with("fee_mode = \"normal\"", "fee_mode = \"turbo\""), "erc20.fee_mode = \"turbo\" is not normal, fast or urgent"),
        (example_with("expiration_s = 60", "expiration_s = 86401"), "trc20.expiration_s = \"86401\" must be 1…86400"),
        (
            example_with("base_fee_wei = \"20000000000\"", "base_fee_wei = \"2.5\""),
            "erc20.base_fee_wei = \"2.5\" is not a whole number of wei",
        ),
        (example_with("schema = 1", "schema = 2"), "schema = \"2\" is not supported"),
        (example_with("quorum = 2", "quorum = 2\nsurprise = true"), "unknown field `surprise`"),
        (example_with("role = \"treasury_lead\"", "role = \"ceo\""), "unknown variant `ceo`"),
        (
            example_with(
                "name = \"Canary check (TRC-20)\"\nnetwork = \"trc20\"\naddress = \"TTpKHSFUdoi9j2zacMcRx522rztL61ojFS\"",
                "name = \"x\"\nnetwork = \"trc20\"\naddress = \"TVNZDWY6YpQcK8Y41ehav5W9mhW8HQGynR\"",
            ),
            "wallets[3].check_address = \"TTpKHSFUdoi9j2zacMcRx522rztL61ojFS\" is not on the allow-list",
        ),
    ];
    for (toml, expected) in cases {
        let message = refusal(&toml);
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
    }
    // A role that does not approve does not count towards the quorum.
    let demoted = example_with("name = \"Approver C\"\nrole = \"approver\"", "name = \"Approver C\"\nrole = \"treasury_lead\"");
    let t = Treasury::from_toml(&demoted).unwrap();
    assert_eq!(t.voting_approvers().count(), 2);
    let three = demoted.replacen("quorum = 2", "quorum = 3", 1);
    assert!(matches!(Treasury::from_toml(&three), Err(TreasuryError::Field { field, .. }) if field == "quorum"));
}

/// Issue 8: one person at one workstation could approve as every approver whose key sat on a
/// token they could unlock; an approver's key now needs a token of its own.
#[test]
fn an_approver_key_on_a_wallet_or_another_approvers_token_is_refused() {
    for (from, to) in [("pkcs11:approver-b/b", "pkcs11:approver-a/b"), ("pkcs11:approver-a/a", "pkcs11:hot/a")] {
        let error = Treasury::from_toml(&example_with(from, to)).expect_err(to);
        assert!(matches!(&error, TreasuryError::Field { field, value, .. } if field.ends_with("].signer") && value == to), "{error}");
    }
}

#[test]
fn tokens_parse_by_symbol() {
    assert_eq!(Token::parse("usdt").unwrap(), Token::Usdt);
    assert_eq!(Token::parse("USDC").unwrap().symbol(), "USDC");
    assert!(Token::parse("DAI").unwrap_err().to_string().contains("\"DAI\" is not USDT or USDC"));
}

/// Issue 12: the node keys of `[erc20]` — defaults when absent (an existing file parses
/// unchanged), a node only with the fee ceiling signing checks its fees against.
#[test]
fn erc20_node_keys_default_and_a_node_needs_the_fee_ceiling() {
    let t = Treasury::from_toml(EXAMPLE_TREASURY_TOML).unwrap();
    assert_eq!(
        (t.erc20.rpc_url.as_deref(), t.erc20.confirmations, t.erc20.stuck_after_s, t.erc20.max_fee_per_gas_wei),
        (None, 12, 180, None)
    );
    let with_node = example_with(
        "fee_mode = \"normal\"",
        "fee_mode = \"normal\"\nrpc_url = \"http://127.0.0.1:8545\"\nconfirmations = 3\nstuck_after_s = 60\nmax_fee_per_gas_wei = \"100000000000\"",
    );
    let t = Treasury::from_toml(&with_node).unwrap();
    assert_eq!(t.erc20.rpc_url.as_deref(), Some("http://127.0.0.1:8545"));
    assert_eq!((t.erc20.confirmations, t.erc20.stuck_after_s, t.erc20.max_fee_per_gas_wei), (3, 60, Some(100_000_000_000)));
    let cases = [
        (
            example_with("fee_mode = \"normal\"", "fee_mode = \"normal\"\nrpc_url = \"http://127.0.0.1:8545\""),
            "erc20.max_fee_per_gas_wei = \"\" is required with rpc_url",
        ),
        (
            with_node.replace("http://127.0.0.1:8545", "https://node.example"),
            "erc20.rpc_url = \"https://node.example\" is not an http:// URL",
        ),
        (
            with_node.replace("max_fee_per_gas_wei = \"100000000000\"", "max_fee_per_gas_wei = \"1\""),
            "erc20.max_fee_per_gas_wei = \"1\" is below",
        ),
        (with_node.replace("confirmations = 3", "confirmations = 0"), "erc20.confirmations = \"0\" must be at least 1"),
        (with_node.replace("stuck_after_s = 60", "stuck_after_s = 0"), "erc20.stuck_after_s = \"0\" must be 1…86400"),
    ];
    for (toml, expected) in cases {
        let message = refusal(&toml);
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
    }
}

/// Issue 12: `[trc20]` names an optional Tron node and the confirmations a payout needs;
/// files without them still parse (no node, 19 confirmations).
#[test]
fn trc20_node_keys_are_optional_and_checked() {
    let t = Treasury::from_toml(EXAMPLE_TREASURY_TOML).unwrap();
    assert_eq!((t.trc20.node_url.as_deref(), t.trc20.confirmations), (None, 19));
    let with = example_with("expiration_s = 60", "expiration_s = 60\nnode_url = \"http://127.0.0.1:8090\"\nconfirmations = 27");
    let t = Treasury::from_toml(&with).unwrap();
    assert_eq!((t.trc20.node_url.as_deref(), t.trc20.confirmations), (Some("http://127.0.0.1:8090"), 27));
    let tls = example_with("expiration_s = 60", "expiration_s = 60\nnode_url = \"https://nile.trongrid.io\"");
    assert_eq!(Treasury::from_toml(&tls).unwrap().trc20.node_url.as_deref(), Some("https://nile.trongrid.io"));
    for (line, expected) in [
        ("node_url = \"127.0.0.1:8090\"", "trc20.node_url = \"127.0.0.1:8090\" is not an http:// or https:// URL"),
        ("node_url = \"http://\"", "trc20.node_url = \"http://\" is not an http:// or https:// URL"),
        ("confirmations = 0", "trc20.confirmations = \"0\" must be at least 1"),
    ] {
        let message = refusal(&example_with("expiration_s = 60", &format!("expiration_s = 60\n{line}")));
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
    }
}
