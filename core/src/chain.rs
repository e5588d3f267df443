//! The hash chain of PRODUCT.md "Ledger protocol v1":
//! `hash = sha256(prev ‖ u64_be(seq) ‖ JCS(body ∪ {"kind":kind}))`, the first `prev` is
//! 32 zero bytes, and hashes are written as lowercase hex. The ledger service computes it;
//! the desktop's sync verifies it.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev` of the first record: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// A record's body with its kind, as hashed: the body's members plus `"kind":kind`.
///
/// A body never carries `kind` itself (the service refuses one), so the union is plain.
pub fn hashed_value(kind: &str, body: &Map<String, Value>) -> Value {
    let mut object = body.clone();
    object.insert("kind".to_owned(), Value::String(kind.to_owned()));
    Value::Object(object)
}

/// The RFC 8785 canonical form of a JSON value.
pub fn canonical(value: &Value) -> Vec<u8> {
    // A `serde_json::Value` always serialises (its map keys are strings), so this cannot
    // fail; an error here is a bug in the JCS crate.
    serde_jcs::to_vec(value).expect("a JSON value has a canonical form")
}

/// The hash of the record `seq` after `prev`.
pub fn record_hash(prev: &[u8; 32], seq: u64, kind: &str, body: &Map<String, Value>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(canonical(&hashed_value(kind, body)));
    hasher.finalize().into()
}

/// Reads a 64-digit lowercase hex hash.
pub fn parse_hash(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The goal: the canonical form sorts keys and drops white space, so two spellings of
    /// one JSON value hash alike, and the hash binds the seq and the previous hash.
    #[test]
    fn the_hash_is_of_the_value_not_its_spelling() {
        let a: Map<String, Value> = serde_json::from_str(r#"{"b":1,"a":"x"}"#).unwrap();
        let b: Map<String, Value> = serde_json::from_str(r#"{ "a" : "x", "b" : 1 }"#).unwrap();
        assert_eq!(record_hash(&GENESIS, 1, "k", &a), record_hash(&GENESIS, 1, "k", &b));
        assert_ne!(record_hash(&GENESIS, 1, "k", &a), record_hash(&GENESIS, 2, "k", &a));
        assert_ne!(record_hash(&GENESIS, 1, "k", &a), record_hash(&[1; 32], 1, "k", &a));
        assert_eq!(canonical(&hashed_value("k", &a)), br#"{"a":"x","b":1,"kind":"k"}"#);
    }

    /// The goal: the service's JCS (serde_jcs) writes what an independent RFC 8785
    /// implementation writes, for the values that trip implementations up — key order by
    /// UTF-16 code units, escapes, non-ASCII, numbers in ES6 form.
    #[test]
    fn canonical_form_matches_an_independent_implementation() {
        let cases = [
            r#"{"b":[1,2,{"z":null,"a":true}],"a":"x"}"#,
            r#"{"\u20ac":1,"\r":2,"1":3,"\ud83d\ude00":4,"\u0080":5,"a\u0000":6}"#,
            r#"{"s":"\u0007 \" \\ \/ \n é ünïcødé €"}"#,
            r#"{"n":[0,-0,1.0,0.1,1e21,1e-7,123456789012,-1.5,9007199254740991,3.0e2]}"#,
            r#"{}"#,
        ];
        for case in cases {
            let value: Value = serde_json::from_str(case).unwrap();
            let ours = String::from_utf8(canonical(&value)).unwrap();
            let theirs = serde_json_canonicalizer::to_string(&value).unwrap();
            assert_eq!(ours, theirs, "{case}");
        }
    }

    #[test]
    fn hashes_are_lowercase_hex_of_32_bytes() {
        assert_eq!(parse_hash(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(parse_hash(&"AB".repeat(32)), None);
        assert_eq!(parse_hash("ab"), None);
    }
}
