//! The live connection over a WebSocket (`docs/protocol.md`): the browser's own `WebSocket`
//! on `/api/live`, each event one binary frame (a tag byte, then JSON: `protocol::frame`, the
//! framing of Leptos' WebSocket server functions, which the server's transport speaks). When
//! the socket closes or fails the stream ends, and the connection loop reconnects (resuming
//! with `since`, as always).
//!
//! It is the browser's `WebSocket` used directly rather than through a Leptos server
//! function's client: the server answers this path with its own transport anyway
//! (`server/src/live.rs`), and the client's stream and sink plumbing (gloo-net's socket,
//! futures' splitting, server_fn's request code) were WASM the page carried for nothing
//! (`docs/performance.md`).

use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use futures::{Stream, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The open socket and its handlers; closed when the connection is dropped.
struct Socket {
    socket: web_sys::WebSocket,
    _handlers: [Closure<dyn FnMut(web_sys::Event)>; 3],
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Unhooked first: closing fires `close` (and maybe `error`) later, and the handlers go
        // with this value.
        self.socket.set_onmessage(None);
        self.socket.set_onopen(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close();
    }
}

/// `ws://` or `wss://` and this page's host, then `path`.
fn address(path: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}{path}", location.host().ok()?))
}

/// Opens the connection: once the socket is open, client events from `input` are sent on it
/// and server events come out of the stream. `Err` if it could not open within 10 s.
pub async fn connect(
    mut input: UnboundedReceiver<ClientEvent>,
) -> Result<impl Stream<Item = ServerEvent>, ()> {
    let socket = web_sys::WebSocket::new(&address(protocol::LIVE_PATH).ok_or(())?).map_err(|_| ())?;
    socket.set_binary_type(web_sys::BinaryType::Arraybuffer);
    let (events, received) = unbounded::<ServerEvent>();
    // Told once: `Ok` when the socket opens, dropped (an `Err` for `open`) if it ends first.
    let (opened, open) = futures::channel::oneshot::channel::<()>();
    let opened = std::rc::Rc::new(std::cell::RefCell::new(Some(opened)));

    let on_message = {
        let events = events.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(data) = event.dyn_ref::<web_sys::MessageEvent>().map(|m| m.data()) else { return };
            let frame = match data.dyn_ref::<js_sys::ArrayBuffer>() {
                Some(buffer) => js_sys::Uint8Array::new(buffer).to_vec(),
                None => data.as_string().map(String::into_bytes).unwrap_or_default(),
            };
            if let Some(event) = protocol::frame::decode_server(&frame) {
                let _ = events.unbounded_send(event);
            }
        })
    };
    let on_open = {
        let opened = opened.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(opened) = opened.borrow_mut().take() {
                let _ = opened.send(());
            }
        })
    };
    // A close or an error ends the connection (an error is followed by a close).
    let on_end = {
        let events = events.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            opened.borrow_mut().take();
            events.close_channel();
        })
    };
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_end.as_ref().unchecked_ref()));
    socket.set_onerror(Some(on_end.as_ref().unchecked_ref()));
    let socket = Socket { socket, _handlers: [on_message, on_open, on_end] };

    // Open within 10 s, or this try failed (a refused socket fails at once).
    let timeout = gloo_timers::future::sleep(std::time::Duration::from_secs(10));
    match futures::future::select(open, Box::pin(timeout)).await {
        futures::future::Either::Left((Ok(()), _)) => {}
        _ => return Err(()),
    }
    let sending = socket.socket.clone();
    leptos::task::spawn_local(async move {
        while let Some(event) = input.next().await {
            if sending.ready_state() != web_sys::WebSocket::OPEN
                || sending.send_with_u8_array(&protocol::frame::encode_client(&event)).is_err()
            {
                return;
            }
        }
    });
    // The stream holds the socket open; dropping it (a hang-up) closes it.
    Ok(received.map(move |event| {
        let _ = &socket;
        event
    }))
}
