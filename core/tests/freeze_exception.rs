//! Issue 12: a `freeze_exception` decision may name its network and a machine-readable value
//! (the volume view applies it); entries without them read and canonicalise exactly as before
//! (their signatures still verify), and a bad value is refused by name.

use clubgate_core::decision::{check_against_plan, Details};
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use serde_json::json;

const WHEN: &str = "2026-12-07T08:00:00Z";

#[test]
fn old_entries_read_unchanged_and_new_fields_are_checked() {
    let old =
        json!({"area": "per_tx_cap", "who": "DevOps lead", "what": "TRC-20 cap 200000 → 150000", "when": WHEN, "rollback_plan": "back"});
    let details = Details::parse("freeze_exception", &old).unwrap();
    assert!(matches!(&details, Details::FreezeException { network: None, value: None, .. }));
    // The canonical text is the same object as before: no new keys appear.
    assert_eq!(details.to_value(), old);

    let new =
        json!({"area": "per_tx_cap", "who": "a", "what": "b", "when": WHEN, "rollback_plan": "c", "network": "trc20", "value": "150000.5"});
    let details = Details::parse("freeze_exception", &new).unwrap();
    assert!(matches!(&details, Details::FreezeException { network: Some(Network::Trc20), value: Some(v), .. } if v == "150000.5"));
    assert_eq!(details.to_value(), new, "the value is kept as written (it is what was signed)");

    let with = |extra: serde_json::Value| {
        let mut object = json!({"area": "per_tx_cap", "who": "a", "what": "b", "when": WHEN, "rollback_plan": "c"});
        for (k, v) in extra.as_object().unwrap() {
            object[k] = v.clone();
        }
        Details::parse("freeze_exception", &object)
    };
    let refused = with(json!({"network": "btc"})).unwrap_err();
    assert!(refused.contains("\"btc\""), "{refused}");
    let refused = with(json!({"network": "trc20", "value": "1.1234567"})).unwrap_err();
    assert!(refused.contains("\"1.1234567\""), "{refused}");
    let refused = with(json!({"network": "trc20", "value": "-5"})).unwrap_err();
    assert!(refused.contains("\"-5\""), "{refused}");
    let refused = with(json!({"area": "fee_mode", "value": "turbo"})).unwrap_err();
    assert!(refused.contains("\"turbo\""), "{refused}");
    assert!(with(json!({"area": "fee_mode", "value": "fast"})).is_ok());

    // Decided inside the change window, a per-tx cap value still needs its network.
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, "2026-12-07T10:00", None).unwrap();
    let at: jiff::Timestamp = WHEN.parse().unwrap();
    let no_network = with(json!({"value": "150000"})).unwrap();
    let refused = check_against_plan(&no_network, &launch.plan, &launch.table, at).unwrap_err();
    assert!(refused.contains("needs its network"), "{refused}");
    let fine = with(json!({"network": "erc20", "value": "150000"})).unwrap();
    check_against_plan(&fine, &launch.plan, &launch.table, at).unwrap();
}
