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

/// The RFC 8785 canonical form of a JSON value: members sorted by the UTF-16 code units of
/// their names, no white space, strings escaped as ECMAScript's `JSON.stringify` does, and
/// numbers as IEEE doubles in ECMAScript's shortest form. Written directly (the catch-up
/// verifies every record: a general serializer's detour cost most of its time); a property
/// test holds it equal to the `serde_jcs` reference.
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => {
            // JCS numbers are IEEE doubles; a JSON number always converts to one.
            let double = number.as_f64().unwrap_or(f64::NAN);
            let mut buffer = ryu_js::Buffer::new();
            out.extend_from_slice(buffer.format(double).as_bytes());
        }
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&str, &Value)> = members.iter().map(|(n, v)| (n.as_str(), v)).collect();
            sort_members(&mut sorted);
            write_members(&sorted, out);
        }
    }
}

fn write_string(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match byte {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..index]);
        match escape {
            Some(escaped) => out.extend_from_slice(escaped),
            None => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]),
        }
        start = index + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The hash of the record `seq` after `prev`.
pub fn record_hash(prev: &[u8; 32], seq: u64, kind: &str, body: &Map<String, Value>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(canonical_with_kind(kind, body));
    hasher.finalize().into()
}

/// `canonical(&hashed_value(kind, body))` without copying the body: the `kind` member is
/// sorted in among the body's.
fn canonical_with_kind(kind: &str, body: &Map<String, Value>) -> Vec<u8> {
    let kind = Value::String(kind.to_owned());
    let mut sorted: Vec<(&str, &Value)> = body.iter().filter(|(name, _)| name.as_str() != "kind").map(|(n, v)| (n.as_str(), v)).collect();
    sorted.push(("kind", &kind));
    sort_members(&mut sorted);
    let mut out = Vec::with_capacity(256);
    write_members(&sorted, &mut out);
    out
}

fn sort_members(members: &mut [(&str, &Value)]) {
    members.sort_by(|a, b| {
        if a.0.is_ascii() && b.0.is_ascii() {
            a.0.as_bytes().cmp(b.0.as_bytes())
        } else {
            a.0.encode_utf16().cmp(b.0.encode_utf16())
        }
    });
}

fn write_members(sorted: &[(&str, &Value)], out: &mut Vec<u8>) {
    out.push(b'{');
    for (index, (name, member)) in sorted.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(name, out);
        out.push(b':');
        write_canonical(member, out);
    }
    out.push(b'}');
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
    use proptest::prelude::*;
    use serde_json::json;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
            "[\\x00-\\x1f\"\\\\a\u{7f}\u{2028}é€😀]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("\\PC{0,6}|[a-zA-Z_é😀\u{ff5f}]{1,4}", inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The record hash's copy-free form is the canonical form of the body with its kind.
        #[test]
        fn the_hashed_form_is_the_body_with_its_kind(value in json_value(), kind in "[a-z._]{1,12}") {
            let Value::Object(body) = json!({"payload": value, "id": "x", "zz": 1, "A": 2}) else { unreachable!() };
            prop_assert_eq!(canonical_with_kind(&kind, &body), canonical(&hashed_value(&kind, &body)));
        }

        /// The goal: the direct writer is RFC 8785 as the `serde_jcs` reference writes it —
        /// member order by UTF-16 code units, ECMAScript escapes and numbers.
        #[test]
        fn the_canonical_form_is_the_reference_one(value in json_value()) {
            prop_assert_eq!(String::from_utf8(canonical(&value)).unwrap(), String::from_utf8(serde_jcs::to_vec(&value).unwrap()).unwrap());
        }
    }

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
