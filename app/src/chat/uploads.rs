//! Files on their way: each chosen, dropped or pasted file is uploaded at once
//! (`POST /api/files`, the body is the file) with its progress shown; it can be cancelled, a
//! refusal says why and can be retried, and one cut off by a lost connection starts again by
//! itself once the browser is back online. Each file may have a caption of its own. The
//! message goes when every file is up, once (the client core resends it with the same
//! `client_id` after a reconnect).

use crate::lang::{t, tf};
use crate::live::{Live, Status};
use leptos::prelude::*;
use protocol::Attachment;

/// Where an upload is.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum State {
    Uploading,
    Done(Attachment),
    /// Refused or cut off; `again` when it starts again by itself once online.
    Failed {
        message: String,
        again: bool,
    },
}

/// One file being uploaded.
#[derive(Clone, Copy)]
pub struct Upload {
    pub key: u64,
    pub name: StoredValue<String>,
    pub size: u64,
    /// Per cent sent.
    pub progress: RwSignal<u32>,
    pub state: RwSignal<State>,
    /// Its own caption, as typed (none when blank).
    pub caption: RwSignal<String>,
}

/// The composer's files, and the message waiting for them.
#[derive(Clone, Copy)]
pub struct Uploads {
    pub items: RwSignal<Vec<Upload>>,
    /// The caption of a message sent before its files were all up: it goes once they are.
    pub waiting: RwSignal<Option<String>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    next: StoredValue<u64>,
    live: Live,
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The browser's side of each upload: the file, and its request while one runs.
    static FILES: std::cell::RefCell<std::collections::HashMap<u64, (web_sys::File, Option<web_sys::XmlHttpRequest>)>> =
        Default::default();
}

impl Uploads {
    pub fn new(live: Live) -> Self {
        let uploads = Uploads {
            items: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(None),
            next: StoredValue::new(1),
            live,
        };
        // Back online: what the lost connection cut off starts again.
        Effect::new(move |_| {
            if live.status.get() != Status::Connected {
                return;
            }
            for item in uploads.items.get_untracked() {
                if matches!(item.state.get_untracked(), State::Failed { again: true, .. }) {
                    uploads.start(item);
                }
            }
        });
        // Everything up: the waiting message goes.
        Effect::new(move |_| {
            let Some(caption) = uploads.waiting.get() else { return };
            let items = uploads.items.get();
            let done: Option<Vec<Attachment>> = items
                .iter()
                .map(|item| match item.state.get() {
                    State::Done(attachment) => {
                        let caption = item.caption.get_untracked();
                        let caption = (!caption.trim().is_empty()).then_some(caption);
                        Some(Attachment { caption, ..attachment })
                    }
                    _ => None,
                })
                .collect();
            if let Some(attachments) = done {
                uploads.waiting.set(None);
                if attachments.is_empty() && caption.trim().is_empty() {
                    return;
                }
                match live.send_files(&caption, attachments) {
                    Ok(()) => uploads.clear(),
                    Err(invalid) => live.notice.set(Some(crate::api::invalid_text(&invalid))),
                }
            }
        });
        uploads
    }

    /// Sends `caption` with the files once they are all up (at once if they are).
    pub fn send_when_ready(&self, caption: String) {
        self.waiting.set(Some(caption));
    }

    /// Forgets every file (after they were sent).
    pub fn clear(&self) {
        #[cfg(feature = "hydrate")]
        FILES.with(|files| files.borrow_mut().clear());
        self.items.set(Vec::new());
    }

    /// Starts uploading the files of a file input, a drop or a paste.
    #[cfg(feature = "hydrate")]
    pub fn add(&self, list: Option<web_sys::FileList>) {
        let Some(list) = list else { return };
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let key = self.next.get_value();
            self.next.set_value(key + 1);
            let item = Upload {
                key,
                name: StoredValue::new(file.name()),
                size: file.size() as u64,
                progress: RwSignal::new(0),
                state: RwSignal::new(State::Uploading),
                caption: RwSignal::new(String::new()),
            };
            let max = self.live.max_file_bytes.get_untracked();
            let too_large = item.size > max;
            FILES.with(|files| files.borrow_mut().insert(key, (file, None)));
            self.items.update(|items| items.push(item));
            if too_large {
                // Said at once, without sending it all first (the server refuses it too).
                let message = tf("files-too-large", &[("size", (&crate::lang::size(max)).into())]);
                item.state.set(State::Failed { message, again: false });
            } else {
                self.start(item);
            }
        }
    }

    /// Stops and forgets one file.
    pub fn cancel(&self, key: u64) {
        #[cfg(feature = "hydrate")]
        if let Some((_, Some(request))) = FILES.with(|files| files.borrow_mut().remove(&key)) {
            let _ = request.abort();
        }
        self.items.update(|items| items.retain(|i| i.key != key));
    }

    /// (Re)starts the upload of `item`.
    pub fn start(&self, item: Upload) {
        item.progress.set(0);
        item.state.set(State::Uploading);
        #[cfg(feature = "hydrate")]
        if let Err(error) = send(item) {
            item.state.set(State::Failed {
                message: tf(
                    "files-could-not-start",
                    &[("error", (&crate::browser::error_text(&error)).into())],
                ),
                again: false,
            });
        }
    }
}

/// The request for one upload, reporting into `item`'s signals.
#[cfg(feature = "hydrate")]
fn send(item: Upload) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(file) = FILES.with(|files| files.borrow().get(&item.key).map(|(f, _)| f.clone())) else {
        return Ok(());
    };
    let request = web_sys::XmlHttpRequest::new()?;
    let name = protocol::url_path_segment(&file.name());
    request.open_with_async("POST", &format!("/api/files?name={name}"), true)?;
    let progress = item.progress;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                progress.try_set((event.loaded() / event.total() * 100.0).floor() as u32);
            }
        });
    request.upload()?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let done = {
        let request = request.clone();
        Closure::<dyn FnMut()>::new(move || {
            let text = request.response_text().ok().flatten().unwrap_or_default();
            let state = match request.status().unwrap_or(0) {
                201 => match serde_json::from_slice::<Attachment>(text.as_bytes()) {
                    Ok(attachment) => {
                        progress.try_set(100);
                        State::Done(attachment)
                    }
                    Err(_) => State::Failed { message: t("files-unreadable-answer"), again: false },
                },
                // Cut off on the way (a proxy, a restart): try again once online.
                0 | 502 | 503 | 504 => State::Failed { message: lost(), again: true },
                _ => {
                    // `{"code": …, "message": …}`: the message is what the reader is told.
                    #[derive(serde::Deserialize)]
                    struct Refusal {
                        message: String,
                    }
                    let message = serde_json::from_slice::<Refusal>(text.as_bytes())
                        .map(|r| r.message)
                        .unwrap_or_else(|_| t("files-refused"));
                    State::Failed { message, again: false }
                }
            };
            item.state.try_set(state);
        })
    };
    request.set_onload(Some(done.as_ref().unchecked_ref()));
    let failed = Closure::<dyn FnMut()>::new(move || {
        item.state.try_set(State::Failed { message: lost(), again: true });
    });
    request.set_onerror(Some(failed.as_ref().unchecked_ref()));
    request.send_with_opt_blob(Some(&file))?;
    // The handlers live as long as the request (a few per upload).
    on_progress.forget();
    done.forget();
    failed.forget();
    FILES.with(|files| {
        if let Some(entry) = files.borrow_mut().get_mut(&item.key) {
            entry.1 = Some(request);
        }
    });
    Ok(())
}

#[cfg(feature = "hydrate")]
fn lost() -> String {
    t("files-connection-lost")
}

/// The files in the composer: name, progress, and what can be done with each.
#[component]
pub fn UploadList(uploads: Uploads) -> AnyView {
    view! {
        <Show when=move || !uploads.items.with(Vec::is_empty)>
            <ul class="uploads" aria-label=t("files-to-send")>
                <For each=move || uploads.items.get() key=|u| u.key let:item>
                    <UploadRow uploads item/>
                </For>
                <Show when=move || uploads.waiting.with(Option::is_some)>
                    <li class="waiting" role="status">{t("files-waiting")}</li>
                </Show>
            </ul>
        </Show>
    }
    .into_any()
}

#[component]
fn UploadRow(uploads: Uploads, item: Upload) -> AnyView {
    let name = item.name.get_value();
    let size = crate::lang::size(item.size);
    let cancel_label = tf("files-cancel-upload", &[("name", (&name).into())]);
    let remove_label = tf("files-remove-named", &[("name", (&name).into())]);
    let retry_label = tf("files-retry-upload", &[("name", (&name).into())]);
    let progress_label = tf("files-uploading", &[("name", (&name).into())]);
    let caption_label = tf("files-caption-for", &[("name", (&name).into())]);
    let key = item.key;
    // Enter in a caption sends the message, as it does in the message box.
    let caption_key = move |ev: leptos::ev::KeyboardEvent| {
        if super::message::enter_sends(&ev) {
            ev.prevent_default();
            super::message::submit_composer();
        }
    };
    view! {
        <li class="upload" data-state=move || match item.state.get() {
            State::Uploading => "uploading",
            State::Done(_) => "done",
            State::Failed { .. } => "failed",
        }>
            <span class="upload-name">{name.clone()}</span>
            <span class="upload-size">{size}</span>
            {move || match item.state.get() {
                State::Uploading => view! {
                    <progress max="100" value=move || item.progress.get() aria-label=progress_label.clone()></progress>
                    <span class="upload-percent" aria-hidden="true">{move || format!("{}%", item.progress.get())}</span>
                    <button type="button" class="small secondary" aria-label=cancel_label.clone()
                        on:click=move |_| uploads.cancel(key)>{t("files-cancel")}</button>
                }.into_any(),
                State::Done(_) => view! {
                    <span class="upload-done">"✓"</span>
                    <button type="button" class="small secondary" aria-label=remove_label.clone()
                        on:click=move |_| uploads.cancel(key)>{t("files-remove")}</button>
                }.into_any(),
                State::Failed { message, .. } => { let retry_label = retry_label.clone(); view! {
                    <span class="upload-error" role="alert">{message}</span>
                    // Too large stays too large: nothing to retry.
                    <Show when=move || item.size <= uploads.live.max_file_bytes.get()>
                        <button type="button" class="small" aria-label=retry_label.clone()
                            on:click=move |_| uploads.start(item)>{t("files-retry")}</button>
                    </Show>
                    <button type="button" class="small secondary" aria-label=remove_label.clone()
                        on:click=move |_| uploads.cancel(key)>{t("files-remove")}</button>
                }.into_any() }
            }}
            <input type="text" class="upload-caption" aria-label=caption_label dir="auto"
                placeholder=t("files-caption-placeholder") maxlength=protocol::MAX_FILE_CAPTION_CHARS
                prop:value=move || item.caption.get()
                on:input=move |ev| item.caption.set(event_target_value(&ev)) on:keydown=caption_key/>
        </li>
    }
    .into_any()
}
