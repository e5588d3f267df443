//! The Reports page's command (issue 11 point 4).

use clubgate_ipc::{ReportRequest, ReportView};
use tauri::State;

use crate::error::Result;
use crate::service::Service;

/// A report (warroom, daily, kpi, postmortem) at an instant, over the current events.
#[tauri::command]
pub(crate) async fn report(service: State<'_, Service>, request: ReportRequest) -> Result<ReportView> {
    service.report(&request).await
}
