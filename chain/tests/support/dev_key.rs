//! The development key as an operator gives it: a `dev:file:PATH` spec naming a file that
//! holds the key as hex. Shared by the chain tests (`#[path]`).

use clubgate_chain::signer::{DevKey, Profile, SignerSpec};

/// Writes `hex_key` to a temporary file (with `0x` and a newline, as an editor leaves it),
/// parses the `dev:file:` spec naming it and opens the key from the file.
pub(crate) fn from_file(hex_key: &str) -> DevKey {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.key");
    std::fs::write(&path, format!("0x{hex_key}\n")).unwrap();
    match SignerSpec::parse(&format!("dev:file:{}", path.display()), Profile::Dev).unwrap() {
        SignerSpec::Dev(path) => DevKey::from_file(&path, Profile::Dev).unwrap(),
        other => unreachable!("a dev:file: spec parses as a development key, not {other:?}"),
    }
}
