//! The Comms page (issue 11 point 3): a message template of the plan filled by the shell
//! from the live figures, English and Russian side by side; each language copied to the
//! clipboard, or both exported to the data directory's `comms/` folder. A figure without a
//! value is listed instead of a message — the texts are never shown with a placeholder.

use clubgate_ipc::{CommsMessageView, CommsPreview, CommsTemplateView};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{lang, t};
use crate::ipc;

/// The arguments of `comms_preview` / `comms_export` (also the warroom's partner message).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PreviewArgs<'a> {
    pub(crate) template: &'a str,
    pub(crate) zone: &'a str,
    pub(crate) network: &'a str,
    pub(crate) next_update_minutes: Option<u32>,
}

/// What the form asks for.
#[derive(Clone, Default)]
struct Form {
    template: String,
    zone: String,
    network: String,
    next_update: String,
}

impl Form {
    fn args(&self) -> PreviewArgs<'_> {
        PreviewArgs {
            template: &self.template,
            zone: &self.zone,
            network: &self.network,
            next_update_minutes: self.next_update.trim().parse().ok(),
        }
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = document, js_name = execCommand, catch)]
    fn exec_command(command: &str) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    fn clipboard_write_text(text: &str) -> Result<js_sys::Promise, JsValue>;
}

/// Copies `text` through the off-screen textarea (select + `execCommand('copy')`), or the
/// asynchronous clipboard where the webview refuses that. The textarea keeps the text, so
/// what was copied can be read back.
async fn copy(area: NodeRef<leptos::html::Textarea>, text: String) -> bool {
    if let Some(area) = area.get_untracked() {
        area.set_value(&text);
        area.select();
        if exec_command("copy").unwrap_or(false) {
            return true;
        }
    }
    match clipboard_write_text(&text) {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

/// One language's column: `#comms-en` / `#comms-ru` with `.subject` and `.body`.
#[component]
fn Column(
    language: &'static str,
    message: Signal<Option<CommsMessageView>>,
    offered: Signal<bool>,
    on_copy: Callback<String>,
) -> impl IntoView {
    let ui = lang();
    let lines = move || {
        message.get().map(|m| {
            m.body
                .lines()
                .map(|line| if line.is_empty() { view! { <br /> }.into_any() } else { view! { <div>{line.to_owned()}</div> }.into_any() })
                .collect_view()
        })
    };
    view! {
        <div
            class="card comms-text"
            id=format!("comms-{language}")
            data-filled=move || message.with(|m| m.is_some()).to_string()
            data-offered=move || offered.get().to_string()
            data-sha256=move || message.with(|m| m.as_ref().map(|m| m.sha256.clone()).unwrap_or_default())
        >
            <h2>{language.to_uppercase()}</h2>
            <div class="subject"><strong>{move || message.with(|m| m.as_ref().map(|m| m.subject.clone()).unwrap_or_default())}</strong></div>
            <div class="body">{lines}</div>
            <Show when=move || !offered.get()>
                <div class="muted note">{move || t("comms_en_only", ui.get())}</div>
            </Show>
            <div class="form-actions">
                <button
                    id=format!("comms-copy-{language}")
                    class="button"
                    disabled=move || message.with(|m| m.is_none())
                    on:click=move |_| {
                        if let Some(m) = message.get_untracked() {
                            on_copy.run(m.text);
                        }
                    }
                >
                    {move || t("comms_copy", ui.get())}
                </button>
            </div>
        </div>
    }
}

/// The Comms page.
#[component]
pub(crate) fn CommsPage() -> impl IntoView {
    let language = lang();
    let list = RwSignal::new(Vec::<CommsTemplateView>::new());
    let form = RwSignal::new(Form { next_update: "30".to_owned(), ..Form::default() });
    let shown = RwSignal::new(None::<CommsPreview>);
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let clip: NodeRef<leptos::html::Textarea> = NodeRef::new();

    let run_preview = move || {
        let request = form.get_untracked();
        if request.template.is_empty() {
            return;
        }
        spawn_local(async move {
            match ipc::comms_preview(&request.args()).await {
                Ok(view) => {
                    shown.set(Some(view));
                    error.set(None);
                }
                Err(e) => {
                    shown.set(None);
                    error.set(Some(e.message));
                }
            }
        });
    };
    spawn_local(async move {
        match ipc::comms_templates().await {
            Ok(templates) => {
                if let Some(first) = templates.first() {
                    form.update(|f| f.template = first.id.clone());
                }
                list.set(templates);
                run_preview();
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
    // The copy textarea stays in the page, out of sight (CSSOM, which the CSP allows).
    Effect::new(move |_| {
        if let Some(area) = clip.get() {
            let style = area.unchecked_ref::<leptos::web_sys::HtmlElement>().style();
            for (property, value) in [("position", "fixed"), ("left", "-10000px"), ("top", "0"), ("opacity", "0")] {
                let _ = style.set_property(property, value);
            }
        }
    });

    let on_copy = move |which: &'static str| {
        Callback::new(move |text: String| {
            status.set(None);
            spawn_local(async move {
                let copied = copy(clip, text).await;
                let ui = language.get_untracked();
                status.set(Some(if copied {
                    format!("{} {}", which.to_uppercase(), t("comms_copied", ui))
                } else {
                    t("comms_copy_failed", ui).to_owned()
                }));
            });
        })
    };
    let run_export = move |_| {
        let request = form.get_untracked();
        spawn_local(async move {
            match ipc::comms_export(&request.args()).await {
                Ok(done) => {
                    error.set(None);
                    status.set(Some(format!("{} {}: {}", t("comms_exported", language.get_untracked()), done.dir, done.files.join(", "))));
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    let message = move |which: &'static str| {
        Signal::derive(move || shown.with(|p| p.as_ref().and_then(|p| if which == "en" { p.en.clone() } else { p.ru.clone() })))
    };
    let offered = move |which: &'static str| {
        Signal::derive(move || shown.with(|p| p.as_ref().is_none_or(|p| p.languages.iter().any(|l| l == which))))
    };
    let missing = move || shown.with(|p| p.as_ref().map(|p| p.missing.clone()).unwrap_or_default());
    let selected = move || form.with(|f| list.with(|l| l.iter().find(|t| t.id == f.template).cloned()));

    view! {
        <section class="card controls">
            <div class="form-grid">
                <label>
                    {move || t("comms_template", language.get())}
                    <select
                        id="comms-template"
                        on:change=move |ev| {
                            form.update(|f| f.template = event_target_value(&ev));
                            run_preview();
                        }
                    >
                        {move || {
                            list.get()
                                .into_iter()
                                .map(|template| {
                                    let id = template.id.clone();
                                    let label = format!("{} · {} · {}", template.id, template.audience, template.languages.join("+"));
                                    view! { <option value=id.clone() selected=move || form.with(|f| f.template == id)>{label}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label>
                    {move || t("comms_zone", language.get())}
                    <input
                        id="comms-zone"
                        type="text"
                        placeholder=move || t("comms_zone_hint", language.get())
                        prop:value=move || form.with(|f| f.zone.clone())
                        on:input=move |ev| form.update(|f| f.zone = event_target_value(&ev))
                    />
                </label>
                <label>
                    {move || t("comms_network", language.get())}
                    <select id="comms-network" on:change=move |ev| form.update(|f| f.network = event_target_value(&ev))>
                        <option value="">{move || t("comms_network_auto", language.get())}</option>
                        <option value="erc20">"ERC-20"</option>
                        <option value="trc20">"TRC-20"</option>
                    </select>
                </label>
                <label>
                    {move || t("comms_next_update", language.get())}
                    <input
                        id="comms-next-update"
                        type="number"
                        min="0"
                        max="1440"
                        prop:value=move || form.with(|f| f.next_update.clone())
                        on:input=move |ev| form.update(|f| f.next_update = event_target_value(&ev))
                    />
                </label>
            </div>
            <div class="control-row">
                <button id="comms-preview" class="button primary" on:click=move |_| run_preview()>{move || t("comms_preview", language.get())}</button>
                <button id="comms-export" class="button" disabled=move || shown.with(|p| p.as_ref().is_none_or(|p| !p.missing.is_empty())) on:click=run_export>
                    {move || t("comms_export", language.get())}
                </button>
                <span class="muted" id="comms-meta">
                    {move || selected().map(|s| {
                        let mut parts = vec![s.audience.clone()];
                        parts.extend(s.checkpoint.map(|c| format!("{} {c}", t("checkpoint", language.get()))));
                        parts.extend(s.communication.map(|c| format!("§9 {c}")));
                        parts.extend(s.rollback_step.map(|r| format!("rollback: {r}")));
                        parts.join(" · ")
                    })}
                </span>
                <span class="mono muted" id="comms-at">
                    {move || shown.with(|p| p.as_ref().map(|p| format!("{} {} · {}", t("comms_figures_at", language.get()), p.at.local, p.zone)))}
                </span>
            </div>
            <Show when=move || status.get().is_some()>
                <div class="muted" id="comms-status">{move || status.get().unwrap_or_default()}</div>
            </Show>
        </section>
        <Show when=move || error.get().is_some()>
            <div class="alert error" id="comms-error">{move || error.get().unwrap_or_default()}</div>
        </Show>
        <section id="comms-missing" class=move || if missing().is_empty() { "comms-missing" } else { "card comms-missing" } data-count=move || missing().len().to_string()>
            <Show when=move || !missing().is_empty()>
                <h2>{move || t("comms_missing", language.get())}</h2>
                <ul class="plain">{move || missing().into_iter().map(|m| view! { <li class="missing">{m}</li> }).collect_view()}</ul>
            </Show>
        </section>
        <section class="two-col">
            <Column language="en" message=message("en") offered=offered("en") on_copy=on_copy("en") />
            <Column language="ru" message=message("ru") offered=offered("ru") on_copy=on_copy("ru") />
        </section>
        <div class="muted mono" id="comms-sha256">
            {move || shown.with(|p| p.as_ref().and_then(|p| p.sent_sha256.clone()).map(|h| format!("{}: {h}", t("comms_sent_hash", language.get()))))}
        </div>
        <textarea id="comms-clip" node_ref=clip readonly=true tabindex="-1" aria-hidden="true"></textarea>
    }
}
