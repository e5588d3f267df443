//! A page's view read from the shell now and then every few seconds, for as long as the
//! page is shown.

use std::future::Future;
use std::time::Duration;

use clubgate_ipc::CommandError;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Reads `fetch` once: `data` is set only when the answer changed (so a form being typed
/// into is not redrawn by an unchanged view), `error` on a refusal.
pub(crate) fn read_view<T, Fut>(data: RwSignal<Option<T>>, error: RwSignal<Option<String>>, fetch: fn() -> Fut)
where
    T: PartialEq + Send + Sync + 'static,
    Fut: Future<Output = Result<T, CommandError>> + 'static,
{
    spawn_local(async move {
        match fetch().await {
            Ok(view) => {
                if data.with_untracked(|old| old.as_ref() != Some(&view)) {
                    data.set(Some(view));
                }
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
}

/// [`read_view`] now and every `every`, until the page goes.
pub(crate) fn poll_view<T, Fut>(data: RwSignal<Option<T>>, error: RwSignal<Option<String>>, every: Duration, fetch: fn() -> Fut)
where
    T: PartialEq + Send + Sync + 'static,
    Fut: Future<Output = Result<T, CommandError>> + 'static,
{
    read_view(data, error, fetch);
    if let Ok(handle) = set_interval_with_handle(move || read_view(data, error, fetch), every) {
        on_cleanup(move || handle.clear());
    }
}
