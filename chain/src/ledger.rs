//! The Ledger hardware wallet (through `alloy-signer-ledger`, USB HID). A Ledger does not
//! sign bare prehashes — it shows what it signs — so it is not a [`crate::signer::HashSigner`]:
//! it approves a bundle by signing the EIP-712 typed data (the device shows the domain and
//! the struct hash; newer firmware shows the fields) and signs an ERC-20 transfer as a whole
//! EIP-1559 transaction. Both results are checked against the device's address before use.
//!
//! No device can be attached on CI; the adapter's own parts (derivation paths, assembling and
//! checking the device's signature, the "no device" error) are unit-tested here, the device
//! round trip is not (docs/signers.md).

use std::fmt;
use std::panic::AssertUnwindSafe;

use alloy::consensus::SignableTransaction;
use alloy::primitives::{Address, Signature};
use alloy::signers::ledger::{HDPath, LedgerSigner};
use alloy::signers::Signer;
use futures_util::FutureExt;

use crate::approval::{domain, Approval, PayoutBundle};
use crate::erc20::{assemble, SignedTransfer, Transfer};
use crate::error::{Error, Result};

/// The deepest path a Ledger accepts (the APDU carries at most 10 indices).
const MAX_DEPTH: usize = 10;

/// A derivation path checked for the Ledger: `m/` then 1–10 indices below 2^31, each
/// optionally hardened with `'`. The Ledger Live and legacy layouts are recognised.
pub fn derivation(path: &str) -> Result<HDPath> {
    let refuse = |reason: &str| Error::Signer { spec: format!("ledger:{path}"), reason: reason.to_owned() };
    let rest = path.strip_prefix("m/").ok_or_else(|| refuse("a derivation path starts with m/, e.g. m/44'/60'/0'/0/0"))?;
    let mut indices = Vec::new();
    for element in rest.split('/') {
        let (digits, hardened) = element.strip_suffix('\'').map_or((element, false), |d| (d, true));
        let index: u32 = digits
            .parse()
            .ok()
            .filter(|i| *i < 0x8000_0000 && !digits.starts_with('+'))
            .ok_or_else(|| refuse("every index is a number below 2^31, optionally hardened with '"))?;
        indices.push((index, hardened));
    }
    if indices.len() > MAX_DEPTH {
        return Err(refuse("a Ledger takes at most 10 indices"));
    }
    Ok(match indices.as_slice() {
        [(44, true), (60, true), (account, true), (0, false), (0, false)] => HDPath::LedgerLive(*account as usize),
        [(44, true), (60, true), (0, true), (index, false)] => HDPath::Legacy(*index as usize),
        _ => HDPath::Other(path.to_owned()),
    })
}

/// A connected Ledger at one derivation path.
pub struct LedgerDevice {
    signer: LedgerSigner,
    path: String,
}

impl fmt::Debug for LedgerDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LedgerDevice").field("path", &self.path).field("address", &self.signer.address()).finish()
    }
}

fn device_error(path: &str, action: &str, error: impl fmt::Display) -> Error {
    Error::Signer {
        spec: format!("ledger:{path}"),
        reason: format!(
            "{action}: {error}; connect the Ledger over USB, unlock it, open the Ethereum app (with blind signing off) and try again"
        ),
    }
}

impl LedgerDevice {
    /// Connects to the first Ledger found and reads the address at `path`.
    pub async fn connect(path: &str, chain_id: Option<u64>) -> Result<Self> {
        let hd_path = derivation(path)?;
        // The HID transport panics when the system has no HID access at all (containers, CI);
        // that is "no device" too, not a crash of the app.
        // Its panic message would reach stderr as a crash report: silence the hook meanwhile.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let connected = AssertUnwindSafe(LedgerSigner::new(hd_path, chain_id)).catch_unwind().await;
        std::panic::set_hook(hook);
        let signer = match connected {
            Ok(Ok(signer)) => signer,
            Ok(Err(error)) => return Err(device_error(path, "no Ledger answered", error)),
            Err(_) => return Err(device_error(path, "no USB HID access on this system", "the HID API could not start")),
        };
        Ok(Self { signer, path: path.to_owned() })
    }

    /// The address at the path.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Approves a bundle: the device signs its EIP-712 typed data under [`domain`].
    pub async fn approve(&self, bundle: &PayoutBundle) -> Result<Approval> {
        let signature =
            self.signer.sign_typed_data(bundle, &domain()).await.map_err(|e| device_error(&self.path, "the Ledger did not sign", e))?;
        approval_from_device(bundle, signature, self.address())
    }

    /// Signs a warroom decision as EIP-712 typed data the device shows; the signature must
    /// recover to the decision's author.
    pub async fn sign_decision(&self, decision: &crate::decision::Decision) -> Result<Vec<u8>> {
        let signature = self
            .signer
            .sign_typed_data(decision, &crate::decision::domain())
            .await
            .map_err(|e| device_error(&self.path, "the Ledger did not sign", e))?;
        match crate::approval::recover(&decision.hash(), &signature.as_bytes()) {
            Ok(signer) if signer == decision.author => Ok(signature.as_bytes().to_vec()),
            Ok(signer) => Err(crate::error::Error::Sign(format!(
                "the Ledger at {} signed as {signer}, not the author {}",
                self.path, decision.author
            ))),
            Err(why) => Err(crate::error::Error::Sign(why)),
        }
    }

    /// Signs an ERC-20 transfer as a whole EIP-1559 transaction on the device.
    pub async fn sign_erc20(&self, transfer: &Transfer) -> Result<SignedTransfer> {
        let tx = transfer.transaction()?;
        let signature =
            self.signer.sign_tx_rlp(&tx.encoded_for_signing()).await.map_err(|e| device_error(&self.path, "the Ledger did not sign", e))?;
        assemble(transfer, signature, self.address())
    }
}

/// An approval from a device's EIP-712 signature, refused unless it recovers to the
/// device's address over this very bundle.
pub fn approval_from_device(bundle: &PayoutBundle, signature: Signature, device: Address) -> Result<Approval> {
    let recovered = signature
        .recover_address_from_prehash(&bundle.canonical_hash())
        .map_err(|e| Error::Sign(format!("the device's approval does not recover: {e}")))?;
    if recovered != device {
        return Err(Error::Sign(format!("the device's approval recovers to {recovered}, not the device's {device}")));
    }
    Ok(Approval { approver: device, signature: signature.as_bytes().to_vec() })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::U256;

    use super::*;
    use crate::signer::{DevKey, HashSigner, Profile};

    const KEY: &str = "4646464646464646464646464646464646464646464646464646464646464646";

    #[test]
    fn derivation_paths_are_checked_and_recognised() {
        assert!(matches!(derivation("m/44'/60'/3'/0/0").unwrap(), HDPath::LedgerLive(3)));
        assert!(matches!(derivation("m/44'/60'/0'/7").unwrap(), HDPath::Legacy(7)));
        assert_eq!(derivation("m/44'/195'/0'/0/0").unwrap().to_string(), "m/44'/195'/0'/0/0");
        for bad in ["44'/60'/0'/0/0", "m/", "m/44'/x/0", "m/2147483648", "m/+1", "m/1/2/3/4/5/6/7/8/9/10/11", "m/1''"] {
            let error = derivation(bad).unwrap_err().to_string();
            assert!(error.contains(&format!("ledger:{bad}")), "{bad}: {error}");
        }
    }

    #[test]
    fn a_device_signature_becomes_the_same_bytes_as_a_prehash_signature_and_is_checked() {
        let key = DevKey::new(KEY, Profile::Dev).unwrap();
        // Sepolia and a test token: the development key never signs for mainnet.
        let transfer = Transfer {
            chain_id: 11_155_111,
            token: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238".parse().unwrap(),
            to: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".parse().unwrap(),
            amount: 250_000_000_000,
            nonce: 9,
            gas_limit: 65_000,
            max_fee_per_gas: 30_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        };
        let signature = key.sign_prehash(&transfer.transaction().unwrap().signature_hash()).unwrap();
        let from_device = assemble(&transfer, signature, key.address()).unwrap();
        assert_eq!(from_device, crate::erc20::sign(&transfer, &key).unwrap());
        let other: Address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".parse().unwrap();
        assert!(assemble(&transfer, signature, other).unwrap_err().to_string().contains("not the signer's"));

        let bundle = PayoutBundle {
            bundleId: "b-1".into(),
            network: "erc20".into(),
            token: "USDT".into(),
            tokenContract: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238".into(),
            source: key.address().to_checksum(None),
            destination: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
            amount: U256::from(10u64),
            chunks: vec![U256::from(10u64)],
            policyVersion: 1,
        };
        let approval = approval_from_device(&bundle, key.sign_prehash(&bundle.canonical_hash()).unwrap(), key.address()).unwrap();
        assert_eq!(approval, crate::approval::approve(&bundle, &key).unwrap(), "a device approval is an ordinary approval");
        let mut replayed = bundle.clone();
        replayed.policyVersion = 2;
        assert!(approval_from_device(&replayed, key.sign_prehash(&bundle.canonical_hash()).unwrap(), key.address()).is_err());
    }

    #[tokio::test]
    async fn without_a_device_connecting_says_what_to_do() {
        // No Ledger is attached to this machine (nor to CI): the transport reports it.
        let error = LedgerDevice::connect("m/44'/60'/0'/0/0", Some(1)).await.unwrap_err().to_string();
        assert!(error.contains("ledger:m/44'/60'/0'/0/0") && error.contains("connect the Ledger over USB"), "{error}");
    }
}
