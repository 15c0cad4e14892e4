//! A message's files: images inline as thumbnails whose shape is reserved before they load,
//! opening a viewer (arrows between the message's images, Escape closes); other files as
//! name, size and type, downloaded on click; each with its own caption under it, if it has
//! one. Without JavaScript an image opens on its own.

use crate::lang::{t, tf};
use leptos::{html, prelude::*};
use protocol::Attachment;

/// "PDF", "PNG", "text": the part of a media type people recognise.
fn kind(mime: &str) -> String {
    let essence = mime.split(';').next().unwrap_or(mime).trim();
    let (top, sub) = essence.split_once('/').unwrap_or((essence, ""));
    match (top, sub) {
        ("text", "plain") => t("files-kind-text"),
        (_, "octet-stream") | (_, "") => t("files-kind-file"),
        (_, sub) => sub.trim_start_matches("x-").trim_start_matches("vnd.").to_ascii_uppercase(),
    }
}

/// The image viewer's state: the images it pages through and the one shown.
#[derive(Clone, Copy)]
pub struct Viewer {
    pub open: RwSignal<Option<(Vec<Attachment>, usize)>>,
}

impl Viewer {
    pub fn new() -> Self {
        Viewer { open: RwSignal::new(None) }
    }
}

#[component]
pub fn AttachmentList(attachments: Vec<Attachment>) -> AnyView {
    let viewer = use_context::<Viewer>();
    let images: Vec<Attachment> = attachments.iter().filter(|a| a.is_image()).cloned().collect();
    let items = attachments
        .into_iter()
        .map(|attachment| {
            let url = attachment.url();
            // Its own caption, under it.
            let caption = attachment
                .caption
                .clone()
                .map(|caption| view! { <p class="attachment-caption" dir="auto">{caption}</p> });
            if let (Some(width), Some(height)) = (attachment.width, attachment.height) {
                // Shown at most 320×240, in the image's own shape.
                let scale = (320.0 / width as f64).min(240.0 / height as f64).min(1.0);
                let (w, h) = ((width as f64 * scale).round().max(1.0), (height as f64 * scale).round().max(1.0));
                let index = images.iter().position(|i| i.id == attachment.id).unwrap_or(0);
                let all = images.clone();
                let open = move |ev: leptos::ev::MouseEvent| {
                    if let Some(viewer) = viewer {
                        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
                            return;
                        }
                        ev.prevent_default();
                        viewer.open.set(Some((all.clone(), index)));
                    }
                };
                let label = tf("files-open-image", &[("name", (&attachment.name).into())]);
                view! {
                    <li class="attachment image">
                        <a href=url class="thumb" aria-label=label on:click=open>
                            <img src=attachment.thumb_url() alt=attachment.name.clone() width=w height=h
                                style=format!("aspect-ratio: {width} / {height}") loading="lazy" decoding="async"/>
                        </a>
                        {caption}
                    </li>
                }
                .into_any()
            } else {
                let details = format!("{} · {}", crate::lang::size(attachment.size), kind(&attachment.mime));
                view! {
                    <li class="attachment file">
                        <a href=url download=attachment.name.clone()>
                            <svg class="file-icon" viewBox="0 0 24 24" width="24" height="28" aria-hidden="true" focusable="false">
                                <path d="M6 2.5h8l4.5 4.5v14.5H6z M14 2.5V7h4.5" fill="none" stroke="currentColor"
                                    stroke-width="1.6" stroke-linejoin="round"/>
                            </svg>
                            <span class="file-name">{attachment.name.clone()}</span>
                            <span class="file-details">{details}</span>
                        </a>
                        {caption}
                    </li>
                }
                .into_any()
            }
        })
        .collect_view();
    view! { <ul class="attachments" aria-label=t("files-list")>{items}</ul> }.into_any()
}

/// The full image over the page: Previous, Next (and the arrow keys), Download, Close
/// (and Escape); focus goes back where it was when it closes.
#[component]
pub fn ImageViewer(viewer: Viewer) -> AnyView {
    let close_button = NodeRef::<html::Button>::new();
    // What had focus before the viewer opened is given back when it closes.
    Effect::new(move |_| {
        if viewer.open.with(Option::is_some) {
            focus::remember();
            crate::browser::next_frame(move || {
                if let Some(button) = close_button.get_untracked() {
                    let _ = button.focus();
                }
            });
        }
    });
    let close = move || {
        viewer.open.set(None);
        focus::restore();
    };
    let step = move |by: isize| {
        viewer.open.update(|open| {
            if let Some((images, at)) = open {
                let n = images.len() as isize;
                *at = ((*at as isize + by).rem_euclid(n.max(1))) as usize;
            }
        })
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "ArrowLeft" => {
            ev.prevent_default();
            step(-1);
        }
        "ArrowRight" => {
            ev.prevent_default();
            step(1);
        }
        _ => {}
    };
    view! {
        {move || viewer.open.get().map(|(images, at)| {
            let image = images[at.min(images.len() - 1)].clone();
            let several = images.len() > 1;
            let position = format!("{} / {}", at + 1, images.len());
            view! {
                <div class="viewer" role="dialog" aria-modal="true" aria-label=t("files-viewer") on:keydown=keydown
                    on:click=move |ev: leptos::ev::MouseEvent| {
                        // A click on the backdrop itself, not on what it holds.
                        if ev.target() == ev.current_target() { close(); }
                    }>
                    <figure>
                        <img src=image.url() alt=image.name.clone()
                            style=format!("aspect-ratio: {} / {}", image.width.unwrap_or(1), image.height.unwrap_or(1))/>
                        <figcaption>
                            <span class="viewer-name">{image.name.clone()}</span>
                            {image.caption.clone().map(|c| view! { <span class="viewer-caption" dir="auto">{c}</span> })}
                            <Show when=move || several><span class="viewer-position">{position.clone()}</span></Show>
                        </figcaption>
                    </figure>
                    <div class="viewer-controls">
                        <Show when=move || several>
                            <button type="button" aria-label=t("files-previous-image") on:click=move |_| step(-1)>"←"</button>
                            <button type="button" aria-label=t("files-next-image") on:click=move |_| step(1)>"→"</button>
                        </Show>
                        <a class="button" href=image.url() download=image.name.clone()>{t("files-download")}</a>
                        <button type="button" aria-label=t("files-close") node_ref=close_button on:click=move |_| close()>"✕"</button>
                    </div>
                </div>
            }
        })}
    }
    .into_any()
}

/// Focus to give back after a dialog: the browser's element, kept on the browser's one
/// thread (nothing happens on the server).
mod focus {
    #[cfg(feature = "hydrate")]
    thread_local! {
        static RETURN_TO: std::cell::RefCell<Option<web_sys::HtmlElement>> = const { std::cell::RefCell::new(None) };
    }

    /// Remembers what has focus now.
    pub fn remember() {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            RETURN_TO.with(|r| *r.borrow_mut() = active);
        }
    }

    /// Gives focus back to what had it when [`remember`] was called.
    pub fn restore() {
        #[cfg(feature = "hydrate")]
        if let Some(element) = RETURN_TO.with(|r| r.borrow_mut().take()) {
            let _ = element.focus();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_as_people_read_them() {
        assert_eq!(kind("application/pdf"), "PDF");
        assert_eq!(kind("text/plain; charset=utf-8"), "text");
        assert_eq!(kind("application/octet-stream"), "file");
        assert_eq!(kind("image/svg+xml"), "SVG+XML");
    }
}
