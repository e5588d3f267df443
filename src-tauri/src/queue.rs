//! The payout queue behind the Payouts page: bundles from requests, approvals with the
//! approvers' configured hardware keys, review of the exact unsigned bytes, signing with the
//! paying wallet's key, and the day's canary payouts — all through `clubgate-treasury`, the
//! same flow the CLI uses. Keys stay in their tokens; the webview gets addresses, hashes and
//! decoded transactions only.

use std::path::PathBuf;

use alloy::primitives::hex;
use clubgate_chain::approval::{Approval, PayoutBundle};
use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::payout::{cap_of, phase_headroom, Destination};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_from_id, network_id, Token, Treasury, WalletKind};
use clubgate_ipc::{
    ApprovalImport, ApprovalView, ApproveRequest, ApproverView, BundleRequest, BundleView, CanaryRequest, CanaryView, ChainInput,
    ChunkRequest, ChunkView, DecodedView, ReviewView, TreasuryView, WalletView,
};
use clubgate_store::StoredBundle;
use clubgate_treasury::{bundle, flow, signers};
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::payouts::{decimal, why_batched};
use crate::service::Service;

/// Where an approval stands for this desk.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ApprovalState {
    /// In the ledger's log (or local, without a ledger): it counts.
    Counted,
    /// This desk's, not back from the log yet.
    Pending,
    /// This desk's, refused by the ledger (its code and words).
    Refused(String),
}

/// Moves the treasury file away from `<data dir>/treasury.toml`.
pub const TREASURY_ENV: &str = "CLUBGATE_TREASURY";

fn refuse(message: impl Into<String>) -> Error {
    Error::Refused { message: message.into() }
}

/// The network a request names.
pub(crate) fn network_named(text: &str) -> Result<Network> {
    network_from_id(text).ok_or_else(|| refuse(format!("network {text:?} is not erc20 or trc20")))
}

fn operator_input(input: &ChainInput) -> Result<flow::OperatorInput> {
    let pending = input.pending_nonce.trim();
    let pending_nonce = if pending.is_empty() {
        0
    } else {
        pending.parse().map_err(|_| {
            refuse(format!("pending nonce {pending:?} is not a whole number; copy the wallet's pending nonce from the node"))
        })?
    };
    let fixed = |text: &str, what: &str, n: usize| -> Result<Vec<u8>> {
        hex::decode(text.trim()).ok().filter(|b| b.len() == n).ok_or_else(|| refuse(format!("{what} {text:?} is not {n} bytes of hex")))
    };
    let ref_block = if input.ref_block_bytes.trim().is_empty() && input.ref_block_hash.trim().is_empty() {
        None
    } else {
        let bytes = fixed(&input.ref_block_bytes, "reference block bytes", 2)?;
        let hash = fixed(&input.ref_block_hash, "reference block hash", 8)?;
        Some((bytes.try_into().unwrap_or([0; 2]), hash.try_into().unwrap_or([0; 8])))
    };
    Ok(flow::OperatorInput { pending_nonce, ref_block, ..Default::default() })
}

/// The keys of this workstation's wallets: the treasury file's specs, production profile.
const WALLET_KEYS: signers::ConfiguredKeys = signers::ConfiguredKeys { profile: Profile::Production };

impl Service {
    fn treasury_path(&self) -> PathBuf {
        std::env::var_os(TREASURY_ENV).filter(|v| !v.is_empty()).map_or_else(|| self.data_dir.join("treasury.toml"), PathBuf::from)
    }

    /// The rules: the policy of the ledger this desk follows, else the treasury file.
    pub(crate) async fn treasury(&self) -> Result<Treasury> {
        if let Some(policy) = self.store.ledger_policy().await? {
            return Treasury::from_toml(&policy.treasury)
                .map_err(|e| refuse(format!("the ledger's policy version {}: {e}", policy.version)));
        }
        let path = self.treasury_path();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            refuse(format!(
                "no treasury file at {}: {e}; write one (docs/treasury-format.md) or start with `cargo xtask demo`",
                path.display()
            ))
        })?;
        Treasury::from_toml(&text).map_err(|e| refuse(format!("{}: {e}", path.display())))
    }

    pub(crate) async fn launch(&self) -> Result<Launch> {
        Ok(self.store.require_settings().await?.launch()?)
    }

    /// The treasury, its canary payouts of the day and the phase headroom.
    pub async fn treasury_view(&self) -> Result<TreasuryView> {
        let file = self.treasury_path().display().to_string();
        let treasury = match self.treasury().await {
            Ok(treasury) => treasury,
            Err(error) => {
                return Ok(TreasuryView {
                    file,
                    error: Some(error.to_string()),
                    quorum: 0,
                    approvers: Vec::new(),
                    wallets: Vec::new(),
                    daily_target: String::new(),
                    signed_today: String::new(),
                    phase: None,
                    headroom: None,
                    canary_day: String::new(),
                    canaries: Vec::new(),
                })
            }
        };
        let launch = self.launch().await?;
        let now = Timestamp::now();
        let (_, start, end) = flow::business_day(&launch, now)?;
        let signed = self.store.signed_volume(start, end).await?;
        let target = treasury.daily_target.base_units();
        let (phase, headroom) = match phase_headroom(&launch.plan, &launch.table, now, target, signed) {
            Ok((phase, percent, _, left)) => (Some(format!("{phase} (≤{percent}% of the daily target)")), Some(decimal(left))),
            Err(error) => (Some(error.to_string()), None),
        };
        let (day, statuses) = flow::canary_statuses(&self.store, &launch, &treasury, now).await?;
        let mut canaries = Vec::new();
        for c in statuses {
            canaries.push(CanaryView {
                network: network_id(c.wallet.network).to_owned(),
                wallet: c.wallet.id.clone(),
                check_address: c.wallet.check_address.map(|a| a.to_string()).unwrap_or_default(),
                decoded: self.decoded_latest(&c.bundle_id, 0).await?,
                status: c.status,
                tx_hash: c.tx_hash,
            });
        }
        Ok(TreasuryView {
            file,
            error: None,
            quorum: treasury.quorum,
            approvers: treasury
                .approvers
                .iter()
                .map(|a| ApproverView {
                    name: a.name.clone(),
                    role: a.role.id().to_owned(),
                    address: a.address.to_string(),
                    signs_here: a.signer.is_some(),
                })
                .collect(),
            wallets: treasury
                .wallets
                .iter()
                .map(|w| WalletView {
                    id: w.id.clone(),
                    kind: if w.kind == WalletKind::Hot { "hot" } else { "canary" }.to_owned(),
                    network: network_id(w.network).to_owned(),
                    address: w.address.to_string(),
                })
                .collect(),
            daily_target: decimal(target),
            signed_today: decimal(signed),
            phase,
            headroom,
            canary_day: day.to_string(),
            canaries,
        })
    }

    async fn decoded_latest(&self, bundle_id: &str, chunk: u32) -> Result<Option<DecodedView>> {
        match self.store.latest_signed_raw(bundle_id, chunk).await? {
            Some(raw) => Ok(Some(crate::payouts::decode(&raw)?)),
            None => Ok(None),
        }
    }

    /// A bundle's approvals: in the ledger's log (or local, when this desk follows no
    /// ledger) — the ones that count — then this desk's own that the log does not hold yet
    /// (pending), or that the ledger refused (with its words: the local approval stays,
    /// reconciled, never silently dropped).
    async fn approvals_of(&self, stored: &StoredBundle) -> Result<Vec<(Approval, ApprovalState)>> {
        let parse = |approver: &str, signature: &str| -> Result<Approval> {
            let approver = approver.parse().map_err(|_| refuse(format!("approver {approver:?} is not an address")))?;
            let signature = hex::decode(signature.trim_start_matches("0x")).map_err(|_| refuse("an approval is not hex"))?;
            Ok(Approval { approver, signature })
        };
        let local = self.store.approvals(&stored.bundle_id).await?;
        if self.store.ledger_cursor().await?.is_none() {
            return local.iter().map(|(approver, signature)| Ok((parse(approver, signature)?, ApprovalState::Counted))).collect();
        }
        let logged = self.store.log_approvals(&stored.hash).await?;
        let mut approvals: Vec<(Approval, ApprovalState)> =
            logged.iter().filter_map(|a| parse(&a.approver, &a.signature).ok()).map(|a| (a, ApprovalState::Counted)).collect();
        let outbox = self.store.outbox(false).await?;
        for (approver, signature) in &local {
            let approval = parse(approver, signature)?;
            if approvals.iter().any(|(a, _)| a.approver == approval.approver) {
                continue;
            }
            let id = clubgate_store::approval_command_id(&stored.hash, approver);
            let state = match outbox.iter().find(|c| c.id == id) {
                Some(command) if command.state == "refused" => {
                    let (code, message) = command.error.clone().unwrap_or_default();
                    ApprovalState::Refused(format!("{code}: {message}"))
                }
                _ => ApprovalState::Pending,
            };
            approvals.push((approval, state));
        }
        Ok(approvals)
    }

    /// The connection a signature goes through when this desk follows a ledger: its URL,
    /// the token from the OS keychain (never leaves the shell), after a pull.
    async fn ledger_client(&self) -> Result<Option<clubgate_sync::Client>> {
        let Some(cursor) = self.store.ledger_cursor().await? else { return Ok(None) };
        let token = clubgate_sync::keychain::load_token(&cursor.url).map_err(|e| refuse(e.to_string()))?;
        let client = clubgate_sync::Client::new(&cursor.url, token).map_err(|e| refuse(e.to_string()))?;
        // The log as it is now — approvals, safe-mode, policy, events — before the flow
        // reads it. The sync worker may apply the same page first (then this pull's page is
        // refused as already applied): once more is enough.
        if clubgate_sync::pull(&self.store, &client).await.is_err() {
            clubgate_sync::pull(&self.store, &client).await.map_err(|e| refuse(format!("{e}; nothing was signed")))?;
        }
        Ok(Some(client))
    }

    pub(crate) async fn stored_bundle(&self, bundle_id: &str) -> Result<(StoredBundle, PayoutBundle)> {
        let stored = self
            .store
            .bundles()
            .await?
            .into_iter()
            .find(|b| b.bundle_id == bundle_id)
            .ok_or_else(|| refuse(format!("bundle {bundle_id:?} is not in the payout queue")))?;
        let document = serde_json::from_str(&stored.document).map_err(|e| refuse(format!("bundle {bundle_id}: {e}")))?;
        let payout = bundle::from_document(&document, &format!("bundle {bundle_id}"))?;
        Ok((stored, payout))
    }

    async fn bundle_view(
        &self,
        treasury: &Treasury,
        plan: &clubgate_core::plan::Plan,
        stored: &StoredBundle,
        payout: &PayoutBundle,
    ) -> Result<BundleView> {
        let network = bundle::network_of(payout)?;
        let approvals = self.approvals_of(stored).await?;
        let counted: Vec<Approval> =
            approvals.iter().filter(|(_, state)| *state == ApprovalState::Counted).map(|(a, _)| a.clone()).collect();
        let approved = flow::check_approvals(treasury, payout, &counted).is_ok();
        let mut chunks = Vec::new();
        for (index, amount) in payout.chunks.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let latest = flow::chunk_status(&self.store, &stored.bundle_id, index).await?;
            chunks.push(ChunkView {
                index,
                amount: decimal(u128::try_from(*amount).unwrap_or(0)),
                status: latest.as_ref().map_or_else(|| "not signed".to_owned(), |(_, _, state, _)| state.clone()),
                attempt: latest.as_ref().map(|(attempt, _, _, _)| *attempt),
                broadcast_at: match &latest {
                    Some((attempt, _, state, _)) if state == "signed" => {
                        self.store.broadcast_at(&stored.bundle_id, index, *attempt).await?
                    }
                    _ => None,
                },
                tx_hash: latest.and_then(|(_, _, _, hash)| hash),
                raw: self.store.latest_signed_raw(&stored.bundle_id, index).await?,
                decoded: self.decoded_latest(&stored.bundle_id, index).await?,
                ledger_signed: self
                    .store
                    .log_signatures(&stored.hash, index)
                    .await?
                    .pop()
                    .map(|s| format!("by {} at seq {}", s.signed_by.as_deref().unwrap_or("an unnamed desk"), s.seq)),
            });
        }
        let destination = Destination::parse(network, &payout.destination)?;
        let amount = u128::try_from(payout.amount).unwrap_or(0);
        Ok(BundleView {
            bundle_id: stored.bundle_id.clone(),
            network: payout.network.clone(),
            token: payout.token.clone(),
            source: payout.source.clone(),
            destination: payout.destination.clone(),
            destination_name: treasury.allow_list.check(destination).ok().and_then(|d| treasury.destination_name(&d).map(str::to_owned)),
            amount: decimal(amount),
            hash: stored.hash.clone(),
            why: why_batched(amount, network, cap_of(plan, network)?.cap_base_units(), payout.chunks.len()),
            requested_by: stored.requested_by.clone(),
            approvals: approvals
                .iter()
                .map(|(a, state)| ApprovalView {
                    name: treasury
                        .approvers
                        .iter()
                        .find(|p| p.address.address() == a.approver)
                        .map_or_else(|| "unregistered".to_owned(), |p| p.name.clone()),
                    address: a.approver.to_checksum(None),
                    pending: *state == ApprovalState::Pending,
                    refused: match state {
                        ApprovalState::Refused(why) => Some(why.clone()),
                        _ => None,
                    },
                })
                .collect(),
            quorum: treasury.quorum,
            approved,
            chunks,
        })
    }

    /// The payout queue, oldest first.
    pub async fn payout_queue(&self) -> Result<Vec<BundleView>> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let mut views = Vec::new();
        for stored in self.store.bundles().await? {
            let (_, payout) = self.stored_bundle(&stored.bundle_id).await?;
            views.push(self.bundle_view(&treasury, &launch.plan, &stored, &payout).await?);
        }
        Ok(views)
    }

    /// Puts a payout into the queue as a bundle: from a hot wallet, to the allow-list,
    /// batched under the per-tx cap.
    pub async fn create_bundle(&self, request: &BundleRequest) -> Result<Vec<BundleView>> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let network = network_named(&request.network)?;
        let wallet = treasury.wallet(&request.source_wallet)?;
        if wallet.kind != WalletKind::Hot || wallet.network != network {
            return Err(refuse(format!("wallet {} is not a hot wallet on {}", wallet.id, request.network)));
        }
        let who = request.who.trim();
        if who.is_empty() {
            return Err(refuse("who requests the payout is required: type your name"));
        }
        let source = wallet.address.to_string();
        let made = bundle::make(
            &launch.plan,
            &treasury,
            &bundle::Request {
                network,
                token: Token::parse(&request.token)?,
                source: &source,
                to: &request.to,
                amount: &request.amount,
                policy_version: self.store.ledger_policy().await?.map_or(1, |p| p.version),
            },
        )?;
        let document = bundle::to_document(&made);
        self.store
            .publish_bundle(&StoredBundle {
                bundle_id: made.bundleId.clone(),
                hash: made.canonical_hash().to_string(),
                document: document.to_string(),
                requested_by: who.to_owned(),
                created_at: Timestamp::now(),
            })
            .await?;
        self.payout_queue().await
    }

    /// Approves a queued bundle with the registered approver's configured key.
    pub async fn approve_bundle(&self, request: &ApproveRequest) -> Result<Vec<BundleView>> {
        let treasury = self.treasury().await?;
        let (_, payout) = self.stored_bundle(&request.bundle_id).await?;
        let person = treasury
            .approvers
            .iter()
            .find(|a| a.address.to_string().eq_ignore_ascii_case(request.approver.trim()))
            .ok_or_else(|| refuse(format!("{} is not in the approver registry", request.approver)))?;
        flow::check_approver(&treasury, person.address.address())?;
        let spec =
            person.signer.as_deref().ok_or_else(|| refuse(format!("{} has no signer configured on this workstation", person.name)))?;
        // The approver's own credential, now: the PIN typed for this approval (the command
        // wipes it afterwards), or their Ledger's confirmation. Never the keychain's.
        let approval = signers::approve_with(spec, Profile::Production, &payout, Some(request.pin.as_str())).await?;
        if approval.approver != person.address.address() {
            return Err(refuse(format!("the key configured for {} is not their registered key", person.name)));
        }
        flow::check_approver(&treasury, approval.approver)?;
        self.store
            .add_approval(&request.bundle_id, &approval.approver.to_checksum(None), &hex::encode(&approval.signature), Timestamp::now())
            .await?;
        self.payout_queue().await
    }

    /// Adds an approval made on another workstation: it must be for this very bundle (its
    /// hash), by a registered approver, and its signature must recover to that approver.
    pub async fn import_approval(&self, request: &ApprovalImport) -> Result<Vec<BundleView>> {
        let treasury = self.treasury().await?;
        let (stored, payout) = self.stored_bundle(&request.bundle_id).await?;
        let document: serde_json::Value = serde_json::from_str(request.document.trim())
            .map_err(|e| refuse(format!("the approval is not JSON ({e}); paste the file `clubgate approve` wrote")))?;
        let field = |name: &str| document[name].as_str().ok_or_else(|| refuse(format!("the approval has no {name:?}")));
        if !field("bundle_hash")?.eq_ignore_ascii_case(&stored.hash) {
            return Err(refuse(format!(
                "the approval is for bundle hash {}, not {} ({})",
                field("bundle_hash")?,
                stored.hash,
                stored.bundle_id
            )));
        }
        let approver = field("approver")?.parse().map_err(|_| refuse("the approver is not an address"))?;
        let signature = hex::decode(field("signature")?).map_err(|_| refuse("the signature is not hex"))?;
        flow::check_approver(&treasury, approver)?;
        let approval = Approval { approver, signature };
        let recovered = alloy::primitives::Signature::try_from(approval.signature.as_slice())
            .ok()
            .and_then(|s| s.recover_address_from_prehash(&payout.canonical_hash()).ok());
        if recovered != Some(approver) {
            return Err(refuse(format!("the signature is not {}'s over bundle {}", approver.to_checksum(None), stored.bundle_id)));
        }
        self.store
            .add_approval(&request.bundle_id, &approver.to_checksum(None), &hex::encode(&approval.signature), Timestamp::now())
            .await?;
        self.payout_queue().await
    }

    /// Reviews a chunk: the exact unsigned bytes it would be signed with, decoded, fixed
    /// under their signing hash; signing names that hash.
    pub async fn review_chunk(&self, request: &ChunkRequest) -> Result<ReviewView> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let (_, payout) = self.stored_bundle(&request.bundle_id).await?;
        let replace = Some(request.replace.trim()).filter(|r| !r.is_empty()).map(flow::Replace::parse).transpose()?;
        let policy = flow::Policy { treasury: &treasury, launch: &launch };
        let source = flow::check_policy(policy, &payout)?.1.address;
        let speed_up_of = (replace == Some(flow::Replace::SpeedUp)).then_some((request.bundle_id.as_str(), request.chunk));
        let input = self.chain_input(policy, &source, operator_input(&request.chain)?, &request.chain, speed_up_of).await?;
        let review = flow::review_chunk(
            &self.store,
            policy,
            flow::ReviewRequest {
                bundle: &payout,
                chunk: request.chunk,
                replace,
                input,
                reviewed_by: "ClubGate Desk",
                now: Timestamp::now(),
            },
        )
        .await?;
        Ok(ReviewView {
            bundle_id: request.bundle_id.clone(),
            chunk: request.chunk,
            decoded: crate::payouts::decode(&review.unsigned_hex)?,
            review_hash: review.review_hash,
            expires_at: review.expires_at.to_string(),
            replace: replace.map(|r| r.reason().to_owned()).unwrap_or_default(),
            gate: review.gate,
        })
    }

    /// Signs exactly the reviewed bytes of a chunk of an approved bundle with its hot
    /// wallet's configured key — every rule from the treasury file and the launch record.
    pub async fn sign_chunk(&self, request: &ChunkRequest) -> Result<Vec<BundleView>> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let (stored, payout) = self.stored_bundle(&request.bundle_id).await?;
        // Following a ledger, the flow counts the log's approvals itself; otherwise these.
        let approvals: Vec<Approval> = self.approvals_of(&stored).await?.into_iter().map(|(a, _)| a).collect();
        let client = self.ledger_client().await?;
        let who = clubgate_sync::workstation_name();
        let ledger = client.as_ref().map(|client| clubgate_sync::SigningLedger::new(client, &self.store, &who));
        let sign = flow::SignRequest {
            bundle: &payout,
            approvals: &approvals,
            chunk: request.chunk,
            review_hash: request.review_hash.trim(),
            now: Timestamp::now(),
            ledger: ledger.as_ref().map(|l| l as &dyn flow::ChunkLedger),
        };
        flow::sign_chunk(&self.store, flow::Policy { treasury: &treasury, launch: &launch }, &WALLET_KEYS, sign).await?;
        self.payout_queue().await
    }

    /// Records that a chunk's latest signed transaction was handed to the network.
    pub async fn mark_broadcast(&self, request: &ChunkRequest) -> Result<Vec<BundleView>> {
        self.stored_bundle(&request.bundle_id).await?;
        self.store.mark_broadcast(&request.bundle_id, request.chunk, "ClubGate Desk", Timestamp::now()).await?;
        self.payout_queue().await
    }

    /// Reviews the day's canary payout of a canary wallet: its exact unsigned bytes.
    pub async fn review_canary(&self, request: &CanaryRequest) -> Result<ReviewView> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let wallet = treasury.wallet(&request.wallet).map_err(|e| refuse(e.to_string()))?.clone();
        let policy = flow::Policy { treasury: &treasury, launch: &launch };
        let input = self.chain_input(policy, &wallet.address, operator_input(&request.chain)?, &request.chain, None).await?;
        let review = flow::CanaryReviewRequest {
            wallet: &request.wallet,
            token: Token::Usdt,
            input,
            reviewed_by: "ClubGate Desk",
            now: Timestamp::now(),
        };
        let review = flow::review_canary(&self.store, flow::Policy { treasury: &treasury, launch: &launch }, review).await?;
        Ok(ReviewView {
            bundle_id: request.wallet.clone(),
            chunk: 0,
            decoded: crate::payouts::decode(&review.unsigned_hex)?,
            review_hash: review.review_hash,
            expires_at: review.expires_at.to_string(),
            replace: String::new(),
            gate: review.gate,
        })
    }

    /// Signs exactly the reviewed canary payout of a canary wallet with its configured key.
    pub async fn sign_canary(&self, request: &CanaryRequest) -> Result<TreasuryView> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let client = self.ledger_client().await?;
        let who = clubgate_sync::workstation_name();
        let ledger = client.as_ref().map(|client| clubgate_sync::SigningLedger::new(client, &self.store, &who));
        let canary = flow::CanaryRequest {
            wallet: &request.wallet,
            token: Token::Usdt,
            review_hash: request.review_hash.trim(),
            now: Timestamp::now(),
            ledger: ledger.as_ref().map(|l| l as &dyn flow::ChunkLedger),
        };
        flow::sign_canary(&self.store, flow::Policy { treasury: &treasury, launch: &launch }, &WALLET_KEYS, canary).await?;
        self.treasury_view().await
    }
}
