//! The Volume page (issue 12, point 5): `clubgate_treasury::volume::volume_view` — the same
//! function as `clubgate volume` — rendered for the window, at the wall clock.

use clubgate_core::events::WalletAsset;
use clubgate_core::treasury::network_id;
use clubgate_core::wallets::decimal;
use clubgate_ipc::volume::{AuthorisedView, ExceptionView, NetworkVolumeView, VolumeView};
use clubgate_treasury::flow::Policy;
use clubgate_treasury::volume::Authorised;
use jiff::Timestamp;

use crate::error::Result;
use crate::service::Service;

/// USDT and USDC share 6 decimals.
fn tokens(units: u128) -> String {
    decimal(WalletAsset::Usdt, units)
}

/// A figure an IC exception authorises, its value as the page shows it.
fn authorised<T>(a: &Authorised<T>, value: String) -> AuthorisedView {
    AuthorisedView { value, decision: a.decision.clone(), who: a.who.clone(), when: a.when.to_string(), why: a.why.clone() }
}

impl Service {
    /// The day's signed volume against the cap, per network, with the IC's exceptions.
    pub async fn volume_view(&self) -> Result<VolumeView> {
        let treasury = match self.treasury().await {
            Ok(treasury) => treasury,
            Err(error) => return Ok(VolumeView { error: Some(error.to_string()), ..VolumeView::default() }),
        };
        let launch = self.launch().await?;
        let view =
            match clubgate_treasury::volume::volume_view(&self.store, Policy { treasury: &treasury, launch: &launch }, Timestamp::now())
                .await
            {
                Ok(view) => view,
                // No phase governs yet (before Pre-flight): said, not failed.
                Err(error) if error.is_refusal() => return Ok(VolumeView { error: Some(error.to_string()), ..VolumeView::default() }),
                Err(error) => return Err(error.into()),
            };
        Ok(VolumeView {
            error: None,
            at: view.at.to_string(),
            business_day: view.cap.day.to_string(),
            phase: view.cap.phase.0.clone(),
            phase_percent: view.cap.phase.1,
            daily_target: tokens(view.daily_target),
            phase_cap: tokens(view.cap.phase_cap),
            level: view.cap.level.as_ref().map(|(level, percent, why, cap)| format!("{level} ({percent} %, cap {}): {why}", tokens(*cap))),
            cap: tokens(view.cap.cap),
            cap_units: view.cap.cap.to_string(),
            signed_today: tokens(view.signed_today),
            signed_today_units: view.signed_today.to_string(),
            headroom: tokens(view.headroom),
            headroom_units: view.headroom.to_string(),
            networks: view
                .networks
                .iter()
                .map(|n| NetworkVolumeView {
                    network: network_id(n.network).to_owned(),
                    signed_today: tokens(n.signed_today),
                    signed_today_units: n.signed_today.to_string(),
                    per_tx_cap: tokens(n.per_tx_cap),
                    per_tx_cap_units: n.per_tx_cap.to_string(),
                    per_tx_cap_authorised: n.per_tx_cap_authorised.as_ref().map(|a| authorised(a, tokens(a.value))),
                    fee_mode: n.fee_mode.clone(),
                    fee_mode_authorised: n.fee_mode_authorised.as_ref().map(|a| authorised(a, a.value.clone())),
                    fee_limit_sun: n.fee_limit_sun.map(|f| f.to_string()),
                })
                .collect(),
            exceptions: view
                .exceptions
                .iter()
                .map(|e| ExceptionView {
                    decision: e.decision.clone(),
                    area: e.area.clone(),
                    network: e.network.map(|n| network_id(n).to_owned()),
                    value: e.value.clone(),
                    who: e.who.clone(),
                    what: e.what.clone(),
                    when: e.when.to_string(),
                    rollback_plan: e.rollback_plan.clone(),
                    why: e.why.clone(),
                    decided_at: e.decided_at.clone(),
                    applied: e.applied,
                    not_applied: e.not_applied.clone(),
                })
                .collect(),
        })
    }
}
