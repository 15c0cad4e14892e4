//! The live connection over plain HTTP, for networks that block WebSockets
//! (`docs/protocol.md`, *The HTTP fallback*): an `EventSource` on `/api/events` down, each
//! batch of client events a `fetch` POST to `/api/events/{connection}` up. The same events
//! as the WebSocket carries, so `Core` cannot tell them apart; when the stream fails the
//! connection ends, and the connection loop reconnects (resuming with `since`, as always).

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::{Stream, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

const EVENTS: &str = "/api/events";

/// The open `EventSource` and its handlers; closed when the connection is dropped.
struct Source {
    source: web_sys::EventSource,
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

/// The `connection` event's data: the id this connection's posts go to.
#[derive(serde::Deserialize)]
struct Connection {
    connection: String,
}

impl Drop for Source {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Opens the connection: once the server has named it, client events from `input` are
/// posted to it and server events come out of the stream. `Err` if it could not open.
pub async fn connect(input: UnboundedReceiver<ClientEvent>) -> Result<impl Stream<Item = ServerEvent>, ()> {
    let source = web_sys::EventSource::new(EVENTS).map_err(|_| ())?;
    let (events, received) = unbounded::<ServerEvent>();
    let (named, name) = futures::channel::oneshot::channel::<String>();
    let named = std::cell::RefCell::new(Some(named));

    let on_message = {
        let events = events.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(data) = event.dyn_ref::<web_sys::MessageEvent>().and_then(|m| m.data().as_string())
            else {
                return;
            };
            // From bytes, as the WebSocket's frames are read (`protocol::frame`): one reader
            // type means one copy of the events' JSON decoder in the browser's build.
            if let Ok(event) = serde_json::from_slice::<ServerEvent>(data.as_bytes()) {
                let _ = events.unbounded_send(event);
            }
        })
    };
    let on_connection = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let id = event
            .dyn_ref::<web_sys::MessageEvent>()
            .and_then(|m| m.data().as_string())
            .and_then(|data| serde_json::from_slice::<Connection>(data.as_bytes()).ok())
            .map(|named| named.connection);
        if let (Some(id), Some(named)) = (id, named.borrow_mut().take()) {
            let _ = named.send(id);
        }
    });
    // An error (the stream broke: `EventSource` would retry by itself, but the connection
    // loop owns reconnecting) or the server's `close` ends the connection.
    let on_end = {
        let events = events.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| events.close_channel())
    };
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let _ = source.add_event_listener_with_callback("connection", on_connection.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("close", on_end.as_ref().unchecked_ref());
    source.set_onerror(Some(on_end.as_ref().unchecked_ref()));
    let source = Source { source, _handlers: vec![on_message, on_connection, on_end] };

    // Named within 10 s, or this transport does not work here either.
    let timeout = gloo_timers::future::sleep(std::time::Duration::from_secs(10));
    let id = match futures::future::select(name, Box::pin(timeout)).await {
        futures::future::Either::Left((Ok(id), _)) => id,
        _ => return Err(()),
    };
    leptos::task::spawn_local(post_all(input, format!("{EVENTS}/{id}"), events));
    // The stream holds the source open; dropping it (a hang-up) closes it.
    Ok(received.map(move |event| {
        let _ = &source;
        event
    }))
}

/// Posts what the client sends, in batches of what is waiting, in order. A refused POST
/// (the connection is gone) ends the connection.
async fn post_all(
    mut input: UnboundedReceiver<ClientEvent>,
    url: String,
    events: UnboundedSender<ServerEvent>,
) {
    while let Some(first) = input.next().await {
        let mut batch = vec![first];
        while let Ok(next) = input.try_recv() {
            batch.push(next);
        }
        if events.is_closed() {
            continue;
        }
        // (`to_string` writes into a `Vec<u8>`, as `protocol::frame::encode_client` does for
        // the WebSocket: one JSON writer for client events in the page.)
        let Ok(body) = serde_json::to_string(&batch) else { continue };
        if !post(&url, &body).await {
            events.close_channel();
            return;
        }
    }
}

/// One POST; true if the server took it.
async fn post(url: &str, body: &str) -> bool {
    crate::call::send(url, crate::call::Body::Json, body).await.is_ok_and(|response| response.ok())
}
