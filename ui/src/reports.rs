//! The Reports page (issue 11 point 4): the warroom (T+1h), daily, KPI and postmortem
//! reports the shell makes from the current events at an instant — the report as HTML the
//! shell rendered from its Markdown, its SVG charts, its CSV and its Markdown source, the
//! same files `clubgate report` writes.

use clubgate_ipc::{ReportRequest, ReportView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, t};
use crate::ipc;

/// The kinds, as the shell takes them, with their label keys.
const KINDS: [(&str, &str); 4] =
    [("warroom", "report_warroom"), ("daily", "report_daily"), ("kpi", "report_kpi"), ("postmortem", "report_postmortem")];

/// The Reports page.
#[component]
pub(crate) fn ReportsPage() -> impl IntoView {
    let language = lang();
    let kind = RwSignal::new("warroom".to_owned());
    let at = RwSignal::new(String::new());
    let report = RwSignal::new(None::<ReportView>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run = move |_| {
        let request = ReportRequest { kind: kind.get_untracked(), at: at.get_untracked() };
        busy.set(true);
        spawn_local(async move {
            match ipc::report(&request).await {
                Ok(view) => {
                    error.set(None);
                    report.set(Some(view));
                }
                Err(e) => {
                    report.set(None);
                    error.set(Some(e.message));
                }
            }
            busy.set(false);
        });
    };

    let body = move || {
        report.get().map(|r| {
            let charts = r
                .charts
                .iter()
                .map(|chart| {
                    view! { <div class="card chart report-chart" id=format!("report-chart-{}", chart.id.trim_end_matches(".svg")) data-file=chart.id.clone() inner_html=chart.svg.clone()></div> }
                })
                .collect_view();
            view! {
                <section class="card">
                    <div class="control-row muted" id="report-period" data-kind=r.kind.clone() data-at=r.at.rfc3339.clone()>
                        <span>{format!("{} {}", t("report_at", language.get()), r.at.local)}</span>
                        <span>{format!("{} [{} — {})", t("report_period", language.get()), r.from.local, r.to.local)}</span>
                    </div>
                    // The shell rendered this HTML from the report's Markdown: raw HTML in
                    // the data is text there, and it carries no image or script.
                    <div class="report-doc" id="report-markdown" data-kind=r.kind.clone() inner_html=r.html.clone()></div>
                </section>
                <section class="charts report-charts">{charts}</section>
                <section class="card">
                    <h2>{format!("CSV — {}.csv", r.kind)}</h2>
                    <pre class="report-text" id="report-csv">{r.csv.clone()}</pre>
                </section>
                <section class="card">
                    <details>
                        <summary>{format!("Markdown — {}.md", r.kind)}</summary>
                        <pre class="report-text" id="report-source">{r.markdown.clone()}</pre>
                    </details>
                </section>
            }
        })
    };

    view! {
        <section class="card controls">
            <div class="control-row">
                <strong>{move || t("reports", language.get())}</strong>
                <select id="report-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {KINDS.map(|(id, key)| view! { <option value=id selected=move || kind.get() == id>{move || t(key, language.get())}</option> })}
                </select>
                <input
                    id="report-at"
                    type="text"
                    class="wide-input"
                    placeholder=move || t("report_at_hint", language.get())
                    prop:value=move || at.get()
                    on:input=move |ev| at.set(event_target_value(&ev))
                />
                <button id="report-run" class="button primary" disabled=move || busy.get() on:click=run>{move || t("report_run", language.get())}</button>
            </div>
            <div class="muted">{move || t("report_files_hint", language.get())}</div>
        </section>
        <Show when=move || error.get().is_some()>
            <div class="alert error" id="report-error">{move || error.get().unwrap_or_default()}</div>
        </Show>
        {body}
    }
}
