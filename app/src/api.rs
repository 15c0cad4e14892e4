//! Server functions: the page's data, joining, posting without JavaScript, and the live
//! WebSocket. Each has a fixed endpoint under `/api` so other clients can rely on it.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::error::ServerFnErrorErr;
use leptos::server_fn::{codec::JsonEncoding, BoxedStream, Websocket};
use protocol::{ClientEvent, Message, ServerEvent};
use serde::{Deserialize, Serialize};

/// Everything the room page shows before any live event arrives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomView {
    pub room: String,
    /// The reader's nickname; `None` shows the nickname prompt.
    pub nickname: Option<String>,
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// A fresh id for the composer's next message when it is posted as a plain form.
    pub form_client_id: String,
}

#[cfg(feature = "ssr")]
fn engine() -> Result<engine::Engine, ServerFnError> {
    use_context::<engine::Engine>().ok_or_else(|| ServerFnError::new("the chat engine is not running"))
}

#[cfg(feature = "ssr")]
fn user_error(invalid: protocol::Invalid) -> ServerFnError {
    ServerFnErrorErr::Args(invalid.reason).into()
}

/// The page data of a room for the current reader.
#[server(prefix = "/api", endpoint = "room_page")]
pub async fn room_page(room: String) -> Result<RoomView, ServerFnError> {
    let room = protocol::room_name(&room).map_err(user_error)?;
    let nickname = crate::identity::nickname().await;
    let form_client_id = uuid::Uuid::new_v4().to_string();
    if nickname.is_none() {
        return Ok(RoomView { room, nickname, messages: Vec::new(), has_more: false, form_client_id });
    }
    let page = engine()?.history(&room, None, protocol::HISTORY_PAGE).await.map_err(|error| {
        tracing::warn!(%error, "history read failed");
        ServerFnError::new("History is unavailable right now; please reload in a moment.")
    })?;
    Ok(RoomView { room, nickname, messages: page.messages, has_more: page.has_more, form_client_id })
}

/// Takes a nickname for this browser (a cookie) and returns it as it will be shown.
#[server(prefix = "/api", endpoint = "join")]
pub async fn join(nickname: String) -> Result<String, ServerFnError> {
    let nickname = protocol::nickname(&nickname).map_err(user_error)?.to_owned();
    crate::identity::remember(&nickname);
    Ok(nickname)
}

/// Posts a message from a plain HTML form (the composer without JavaScript).
#[server(prefix = "/api", endpoint = "post")]
pub async fn post_message(room: String, client_id: String, text: String) -> Result<(), ServerFnError> {
    let Some(author) = crate::identity::nickname().await else {
        return Err(ServerFnErrorErr::Args("Choose a nickname before posting.".into()).into());
    };
    match engine()?.post(&author, &room, &client_id, &text).await {
        Ok(_) => Ok(()),
        Err(engine::PostError::Invalid(invalid)) => Err(user_error(invalid)),
        Err(engine::PostError::Store(error)) => {
            tracing::warn!(%error, "could not store a form post");
            Err(ServerFnError::new("Your message could not be saved; please try again."))
        }
    }
}

/// The live connection: client events in, server events out (see `docs/protocol.md`).
#[server(prefix = "/api", endpoint = "live", protocol = Websocket<JsonEncoding, JsonEncoding>)]
pub async fn live(
    input: BoxedStream<ClientEvent, ServerFnError>,
) -> Result<BoxedStream<ServerEvent, ServerFnError>, ServerFnError> {
    use futures::StreamExt;

    /// Events waiting for a slow client before its session stops reading the hub.
    const OUTGOING_QUEUE: usize = 256;

    let engine = engine()?;
    let nickname = crate::identity::nickname().await;
    let (out, events) = tokio::sync::mpsc::channel(OUTGOING_QUEUE);
    let input: std::pin::Pin<Box<dyn futures::Stream<Item = Result<ClientEvent, ServerFnError>> + Send>> =
        input.into();
    let input = input.map(|item| item.map_err(|error| error.to_string()));
    tokio::spawn(engine::session::Session::new(engine, nickname, out).run(input));
    Ok(tokio_stream::wrappers::ReceiverStream::new(events).map(Ok).into())
}
