//! Goal: `clubgate eod plan --events F --t0 T0 --at T --json` prints the EOD settlement plan
//! of every session whose cut-off is at or before T, in entry order, amounts as base-unit
//! integers; T0 as a plan-zone wall clock or an RFC 3339 instant gives the same plan; bad
//! input exits 2 with one line naming the value.

mod support;

use support::{clubgate_in as clubgate, json_in as plan, refused_in as refused};

use serde_json::{json, Value};

fn line(seq: u32, at: &str, kind: &str, fields: Value) -> String {
    let mut object = json!({"seq": seq, "id": format!("00000000-0000-0000-0000-{seq:012x}"), "at": at, "kind": kind});
    for (key, value) in fields.as_object().unwrap() {
        object[key] = value.clone();
    }
    object.to_string()
}

/// Two pairs, Warsaw and New York business hours, around the Canary start of T0
/// 2026-10-30T10:00 Warsaw: Canary starts 2026-10-23T10:00 Warsaw, still +02:00 before the
/// fall-back of 10-25, so 08:00Z.
fn events() -> String {
    let session = |id: &str, pair: &str, cut_off: &str| json!({"session_id": id, "trust_pair": pair, "cut_off_at": cut_off});
    let owe = |id: &str, payer: &str, payee: &str, network: &str, token: &str, amount: &str| json!({"session_id": id, "payer": payer, "payee": payee, "network": network, "token": token, "amount": amount});
    let balance = |partner: &str, network: &str, token: &str, amount: &str| json!({"partner": partner, "network": network, "token": token, "amount": amount});
    let opened = "2026-10-22T06:00:00Z";
    [
        line(1, opened, "eod.session_opened", session("nyc-1023", "pair-nyc", "2026-10-23T03:45:00-04:00")),
        line(2, opened, "eod.session_opened", session("waw-1023", "pair-waw", "2026-10-23T10:30:00+02:00")),
        line(3, opened, "eod.session_opened", session("nyc-1024", "pair-nyc", "2026-10-24T03:45:00-04:00")),
        line(4, opened, "eod.session_opened", session("waw-1024", "pair-waw", "2026-10-24T10:30:00+02:00")),
        line(5, opened, "trust.obligation", owe("nyc-1023", "N1", "N2", "trc20", "USDT", "900000000")),
        line(6, opened, "trust.obligation", owe("waw-1023", "W1", "W2", "trc20", "USDT", "700000000")),
        line(7, opened, "trust.obligation", owe("waw-1023", "W1", "W2", "erc20", "USDT", "5000000")),
        line(8, opened, "trust.obligation", owe("waw-1024", "W2", "W1", "trc20", "USDT", "1000000000")),
        line(9, opened, "trust.obligation", owe("nyc-1024", "N1", "N2", "trc20", "USDT", "100000000")),
        line(10, "2026-10-22T12:00:00Z", "partner.balance", balance("N1", "trc20", "USDT", "500000000")),
        line(11, "2026-10-22T12:00:00Z", "partner.balance", balance("W1", "trc20", "USDT", "300000000")),
        line(12, "2026-10-22T12:00:00Z", "partner.balance", balance("W1", "erc20", "USDT", "0")),
        line(13, "2026-10-23T20:00:00Z", "partner.balance", balance("W2", "trc20", "USDT", "600000000")),
    ]
    .join("\n")
}

fn entry(session: &str, pair: &str, payer: &str, payee: &str, network: &str, amounts: [u64; 4], mode: &str) -> Value {
    let [net, available, settle, carried] = amounts;
    json!({"session_id": session, "trust_pair": pair, "payer": payer, "payee": payee, "network": network, "token": "USDT",
           "net": net, "available": available, "settle": settle, "carried": carried, "mode": mode})
}

#[test]
fn the_plan_of_two_pairs_in_two_zones_across_the_canary_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, events()).unwrap();
    let file = file.to_str().unwrap();
    let at = "2026-10-24T12:00:00Z";
    let document = plan(&["eod", "plan", "--events", file, "--t0", "2026-10-30T10:00", "--at", at, "--json"], &data);
    let expected = json!({"sessions": [
        // 07:45Z, before Canary: a deficit blocks, nothing spent, nothing carried.
        entry("nyc-1023", "pair-nyc", "N1", "N2", "trc20", [900_000_000, 500_000_000, 0, 0], "blocked"),
        // 08:30Z, Canary: erc20 before trc20; balance "0" → t+1; 300 of 700 → partial.
        entry("waw-1023", "pair-waw", "W1", "W2", "erc20", [5_000_000, 0, 0, 5_000_000], "t+1"),
        entry("waw-1023", "pair-waw", "W1", "W2", "trc20", [700_000_000, 300_000_000, 300_000_000, 400_000_000], "partial"),
        // nyc-1024 owes only its own 100 (the blocked 900 is not carried) from the untouched 500.
        entry("nyc-1024", "pair-nyc", "N1", "N2", "trc20", [100_000_000, 500_000_000, 100_000_000, 0], "full"),
        // waw-1024: erc20 holds only the carry; trc20: W2 owes 1000 − 400 carried by W1 = 600,
        // exactly its balance of 10-23 20:00Z → full (the payer flipped).
        entry("waw-1024", "pair-waw", "W1", "W2", "erc20", [5_000_000, 0, 0, 5_000_000], "t+1"),
        entry("waw-1024", "pair-waw", "W2", "W1", "trc20", [600_000_000, 600_000_000, 600_000_000, 0], "full"),
    ]});
    assert_eq!(document, expected);
    // T0 as an RFC 3339 instant with its offset: the same launch, the same plan.
    let same = plan(&["eod", "plan", "--events", file, "--t0", "2026-10-30T10:00:00+01:00", "--at", at, "--json"], &data);
    assert_eq!(same, expected);
    // Before the second day's cut-offs only the first day is in the plan.
    let first = plan(&["eod", "plan", "--events", file, "--t0", "2026-10-30T10:00", "--at", "2026-10-23T12:00:00Z", "--json"], &data);
    assert_eq!(first["sessions"].as_array().unwrap().len(), 3);
    // A T0 a week later puts both days before Canary: every deficit blocks, none carries
    // (waw-1024 has no erc20 entry: nothing was carried into it).
    let pilot = plan(&["eod", "plan", "--events", file, "--t0", "2026-11-06T10:00", "--at", at, "--json"], &data);
    let modes: Vec<&str> = pilot["sessions"].as_array().unwrap().iter().map(|e| e["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["blocked", "blocked", "blocked", "full", "blocked"]);
}

#[test]
fn amounts_are_exact_integers_and_bad_input_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("events.jsonl");
    let big = "123456789012345678901234567890";
    let text = [
        line(
            1,
            "2026-12-10T06:00:00Z",
            "eod.session_opened",
            json!({"session_id": "s1", "trust_pair": "p", "cut_off_at": "2026-12-10T17:00:00Z"}),
        ),
        line(
            2,
            "2026-12-10T07:00:00Z",
            "trust.obligation",
            json!({"session_id": "s1", "payer": "A", "payee": "B", "network": "trc20", "token": "USDT", "amount": big}),
        ),
    ]
    .join("\n");
    std::fs::write(&file, &text).unwrap();
    let file = file.to_str().unwrap();
    let output = clubgate(&["eod", "plan", "--events", file, "--t0", "2026-12-07T10:00", "--at", "2026-12-10T17:00:00Z", "--json"], &data);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("\"net\": {big}")), "{stdout}");
    assert!(stdout.contains(&format!("\"carried\": {big}")), "{stdout}");

    let t0 = "2026-12-07T10:00";
    refused(&["eod", "plan", "--events", file, "--t0", t0, "--at", "tomorrow"], &data, "\"tomorrow\"");
    refused(&["eod", "plan", "--events", file, "--t0", "2026-03-29T02:30", "--at", "2026-12-10T17:00:00Z"], &data, "2026-03-29T02:30");
    refused(
        &["eod", "plan", "--events", "/nonexistent/e.jsonl", "--t0", t0, "--at", "2026-12-10T17:00:00Z"],
        &data,
        "/nonexistent/e.jsonl",
    );
    let bad = dir.path().join("bad.jsonl");
    let settled = line(2, "2026-12-10T18:00:00Z", "eod.settled", json!({"session_id": "s1", "mode": "full"}));
    let late = line(
        3,
        "2026-12-10T19:00:00Z",
        "trust.obligation",
        json!({"session_id": "s1", "payer": "A", "payee": "B", "network": "trc20", "token": "USDT", "amount": "1"}),
    );
    std::fs::write(&bad, [text.lines().next().unwrap(), &settled, &late].join("\n")).unwrap();
    refused(&["eod", "plan", "--events", bad.to_str().unwrap(), "--t0", t0, "--at", "2026-12-10T17:00:00Z"], &data, "line 3");
}
