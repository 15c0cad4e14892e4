//! Server functions: the page's data, joining, posting without JavaScript, and the live
//! WebSocket. Each has a fixed endpoint under `/api` so other clients can rely on it.

use leptos::prelude::*;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::{codec::JsonEncoding, BoxedStream, Websocket};
use protocol::{ClientEvent, Message, RoomInfo, ServerEvent};
use serde::{Deserialize, Serialize};

/// Everything the room page shows before any live event arrives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomView {
    pub room: String,
    /// The reader's nickname; `None` shows the nickname prompt.
    pub nickname: Option<String>,
    /// The reader's nickname has a password.
    pub protected: bool,
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// The public rooms, for the room list.
    pub rooms: Vec<RoomInfo>,
    /// A fresh id for the composer's next message when it is posted as a plain form.
    pub form_client_id: String,
}

/// Why a server function did not do what was asked. Its text is meant for the reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; the text says which.
    #[error("{0}")]
    Refused(String),
    /// The server cannot do it right now (e.g. the store is down).
    #[error("{0}")]
    Unavailable(String),
    /// There is no such room (or page).
    #[error("Not found.")]
    NotFound,
    /// The call did not get through (network, encoding); the detail is for logs.
    #[error("Could not reach the server; please try again.")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        AppError::Transport(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<protocol::Invalid> for AppError {
    fn from(invalid: protocol::Invalid) -> Self {
        AppError::Refused(invalid.reason)
    }
}

#[cfg(feature = "ssr")]
fn engine() -> Result<engine::Engine, AppError> {
    use_context::<engine::Engine>()
        .ok_or_else(|| AppError::Unavailable("The chat engine is not running.".into()))
}

/// The page data of a room for the current reader. An unknown room is `NotFound` (and the
/// page answers 404).
#[server(prefix = "/api", endpoint = "room_page")]
pub async fn room_page(room: String) -> Result<RoomView, AppError> {
    let engine = engine()?;
    let Ok(room) = engine.existing_room(&room) else {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
        return Err(AppError::NotFound);
    };
    let user = crate::identity::current_user().await;
    let protected = user.as_ref().is_some_and(|u| u.protected);
    let nickname = user.map(|u| u.nickname);
    let form_client_id = uuid::Uuid::new_v4().to_string();
    let unavailable = |error: engine::store::StoreError| {
        tracing::warn!(%error, "page data read failed");
        AppError::Unavailable("History is unavailable right now; please reload in a moment.".into())
    };
    let rooms = engine.rooms().await.map_err(unavailable)?;
    if nickname.is_none() {
        return Ok(RoomView {
            room,
            nickname,
            protected,
            messages: Vec::new(),
            has_more: false,
            rooms,
            form_client_id,
        });
    }
    let page = engine.history(&room, None, protocol::HISTORY_PAGE).await.map_err(unavailable)?;
    Ok(RoomView {
        room,
        nickname,
        protected,
        messages: page.messages,
        has_more: page.has_more,
        rooms,
        form_client_id,
    })
}

/// Creates a public room and goes there.
#[server(prefix = "/api", endpoint = "create_room")]
pub async fn create_room(name: String) -> Result<RoomInfo, AppError> {
    if crate::identity::current_user().await.is_none() {
        return Err(AppError::Refused("Choose a nickname before creating rooms.".into()));
    }
    match engine()?.create_room(&name).await {
        Ok(room) => {
            leptos_axum::redirect(&format!("/r/{}", room.name));
            Ok(room)
        }
        Err(engine::PostError::Invalid(invalid)) => Err(invalid.into()),
        Err(engine::PostError::Store(error)) => {
            tracing::warn!(%error, "could not create a room");
            Err(AppError::Unavailable("The room could not be created; please try again.".into()))
        }
    }
}

#[cfg(feature = "ssr")]
fn refused_or_unavailable(error: engine::PostError) -> AppError {
    match error {
        engine::PostError::Invalid(invalid) => invalid.into(),
        engine::PostError::Store(error) => {
            tracing::warn!(%error, "store failed");
            AppError::Unavailable("The server could not do that right now; please try again.".into())
        }
    }
}

/// Signs this browser in as `nickname` (claiming it if it is free; a protected nickname
/// needs its `password`) and returns it as it will be shown.
#[server(prefix = "/api", endpoint = "join")]
pub async fn join(nickname: String, #[server(default)] password: Option<String>) -> Result<String, AppError> {
    let current = crate::identity::current_user().await.map(|u| u.id);
    let user = engine()?
        .users()
        .sign_in(&nickname, password.as_deref(), current)
        .await
        .map_err(refused_or_unavailable)?;
    crate::identity::remember(&user).await;
    Ok(user.nickname)
}

/// Protects the reader's nickname with a password, so they can use it from another browser.
#[server(prefix = "/api", endpoint = "protect")]
pub async fn protect(password: String) -> Result<(), AppError> {
    let Some(user) = crate::identity::current_user().await else {
        return Err(AppError::Refused("Choose a nickname first.".into()));
    };
    engine()?.users().set_password(user.id, &password).await.map_err(refused_or_unavailable)
}

/// Posts a message from a plain HTML form (the composer without JavaScript).
#[server(prefix = "/api", endpoint = "post")]
pub async fn post_message(room: String, client_id: String, text: String) -> Result<(), AppError> {
    let Some(author) = crate::identity::current_user().await else {
        return Err(AppError::Refused("Choose a nickname before posting.".into()));
    };
    engine()?
        .post(&author.nickname, &room, &client_id, &text)
        .await
        .map(|_| ())
        .map_err(refused_or_unavailable)
}

/// The live connection: client events in, server events out (see `docs/protocol.md`).
#[server(prefix = "/api", endpoint = "live", protocol = Websocket<JsonEncoding, JsonEncoding>)]
pub async fn live(
    input: BoxedStream<ClientEvent, ServerFnError>,
) -> Result<BoxedStream<ServerEvent, ServerFnError>, ServerFnError> {
    use futures::StreamExt;

    /// Events waiting for a slow client before its session stops reading the hub.
    const OUTGOING_QUEUE: usize = 256;

    let engine = engine().map_err(|e| ServerFnError::new(e.to_string()))?;
    let nickname = crate::identity::current_user().await.map(|u| u.nickname);
    let (out, events) = tokio::sync::mpsc::channel(OUTGOING_QUEUE);
    let input: std::pin::Pin<Box<dyn futures::Stream<Item = Result<ClientEvent, ServerFnError>> + Send>> =
        input.into();
    let input = input.map(|item| item.map_err(|error| error.to_string()));
    tokio::spawn(engine::session::Session::new(engine, nickname, out).run(input));
    Ok(tokio_stream::wrappers::ReceiverStream::new(events).map(Ok).into())
}
