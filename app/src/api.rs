//! Server functions: the page's data, joining, posting without JavaScript, and the live
//! WebSocket. Each has a fixed endpoint under `/api` so other clients can rely on it.

use crate::lang::t;
#[cfg(feature = "ssr")]
use crate::lang::tf;
use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use protocol::{Message, RoomInfo, SearchHit, Seq};
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
    /// The room's latest `seq` the messages show (changes included).
    pub last: Seq,
    /// The rooms the reader may see (public ones, their private rooms and direct
    /// conversations), for the room list.
    pub rooms: Vec<RoomInfo>,
    /// A fresh id for the composer's next message when it is posted as a plain form.
    pub form_client_id: String,
    /// The largest file the server takes (the browser says so before uploading).
    pub max_file_bytes: u64,
}

/// Why a server function did not do what was asked. Its text is meant for the reader, in
/// their language: the server writes `Refused` and `Unavailable` in the request's language,
/// and the others are worded where they are shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; the text says which.
    #[error("{0}")]
    Refused(String),
    /// The server cannot do it right now (e.g. the store is down).
    #[error("{0}")]
    Unavailable(String),
    /// There is no such room (or page).
    #[error("{}", t("error-not-found"))]
    NotFound,
    /// The call did not get through (network, encoding); the detail is for logs.
    #[error("{}", t("error-transport"))]
    Transport(String),
}

/// The text for a refusal with `code` in the reader's language ([`i18n::error_text`]).
pub fn error_text(code: protocol::ErrorCode, server_message: &str) -> String {
    i18n::error_text(crate::lang::locale(), code, server_message)
}

/// [`error_text`] for a rule the input broke.
pub fn invalid_text(invalid: &protocol::Invalid) -> String {
    i18n::invalid_text(crate::lang::locale(), invalid)
}

/// The server's English sentence when the reader reads English, else `translated`.
#[cfg(feature = "ssr")]
fn english_or(server_message: &str, translated: impl FnOnce() -> String) -> String {
    i18n::english_or(crate::lang::locale(), server_message, translated)
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
        AppError::Refused(invalid_text(&invalid))
    }
}

#[cfg(feature = "ssr")]
fn engine() -> Result<engine::Engine, AppError> {
    use_context::<engine::Engine>().ok_or_else(|| AppError::Unavailable(t("error-engine-down")))
}

/// [`room_page`] wherever the page is: called directly on the server, one request from the
/// browser ([`crate::call`]). (A resource's future must be `Send`; the browser's `fetch` is not,
/// and runs on the app's one thread.)
pub fn load_room_page(
    room: String,
    at: Option<Seq>,
) -> impl std::future::Future<Output = Result<RoomView, AppError>> + Send + 'static {
    #[cfg(feature = "hydrate")]
    {
        use leptos::server_fn::ServerFn;
        send_wrapper::SendWrapper::new(async move {
            let arguments = serde_json::to_string(&RoomPage { room, at }).map_err(|e| {
                AppError::from_server_fn_error(ServerFnErrorErr::Serialization(e.to_string()))
            })?;
            crate::call::post(RoomPage::PATH, crate::call::Body::Json, &arguments).await
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        room_page(room, at)
    }
}

/// The page data of a room for the current reader, with history back to message `at` when
/// asked (a search hit or a reply's original). An unknown room, or a private one the reader is
/// not a member of, is `NotFound` (and the page answers 404). Its arguments come as JSON
/// (`{"room": …, "at": …}`): only the browser's app calls it (the server renders the page with
/// it), and the app writes JSON already; forms' encoding would need an encoder of its own.
#[server(prefix = "/api", endpoint = "room_page", input = leptos::server_fn::codec::Json)]
pub async fn room_page(room: String, #[server(default)] at: Option<Seq>) -> Result<RoomView, AppError> {
    let engine = engine()?;
    let user = crate::identity::current_user().await;
    let user_id = user.as_ref().map(|u| u.id);
    let Ok(room) = engine.existing_room(&room, user_id) else {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
        return Err(AppError::NotFound);
    };
    let protected = user.as_ref().is_some_and(|u| u.protected);
    let nickname = user.map(|u| u.nickname);
    let form_client_id = uuid::Uuid::new_v4().to_string();
    let unavailable = |error: engine::store::StoreError| {
        tracing::warn!(%error, "page data read failed");
        AppError::Unavailable(t("error-history-unavailable"))
    };
    let rooms = engine.rooms_for(user_id);
    if nickname.is_none() {
        return Ok(RoomView {
            room,
            nickname,
            protected,
            messages: Vec::new(),
            has_more: false,
            last: 0,
            rooms,
            form_client_id,
            max_file_bytes: engine.files().options().max_file_bytes,
        });
    }
    let page = engine.history(&room, None, at, protocol::HISTORY_PAGE).await.map_err(unavailable)?;
    Ok(RoomView {
        room,
        nickname,
        protected,
        messages: page.messages,
        has_more: page.has_more,
        last: page.last,
        rooms,
        form_client_id,
        max_file_bytes: engine.files().options().max_file_bytes,
    })
}

/// The signed-in reader, or a refusal telling them to choose a nickname before doing what
/// the text `before` says ("Choose a nickname before posting.").
#[cfg(feature = "ssr")]
async fn speaker(before: &str) -> Result<engine::users::Speaker, AppError> {
    match crate::identity::current_user().await {
        Some(user) => Ok(user.into()),
        None => Err(AppError::Refused(t(before))),
    }
}

/// Goes to a room's page (when the call came from a plain form, or the app follows it).
#[cfg(feature = "ssr")]
fn go_to(room: &RoomInfo) {
    leptos_axum::redirect(&format!("/r/{}", room.name), false);
}

/// Creates a room and goes there. `private` (a checkbox: any value) makes it visible only to
/// the people its creator invites.
#[server(prefix = "/api", endpoint = "create_room")]
pub async fn create_room(
    name: String,
    #[server(default)] private: Option<String>,
) -> Result<RoomInfo, AppError> {
    let creator = speaker("error-nickname-before-creating-rooms").await?;
    let room =
        engine()?.create_room(&creator, &name, private.is_some()).await.map_err(refused_or_unavailable)?;
    go_to(&room);
    Ok(room)
}

/// Opens the direct conversation with `with` (created the first time) and goes there.
#[server(prefix = "/api", endpoint = "open_direct")]
pub async fn open_direct(with: String) -> Result<RoomInfo, AppError> {
    let me = speaker("error-nickname-before-messaging").await?;
    let (room, _) = engine()?.open_direct(&me, &with).await.map_err(refused_or_unavailable)?;
    go_to(&room);
    Ok(room)
}

/// Adds `nickname` to a private room the reader created.
#[server(prefix = "/api", endpoint = "invite")]
pub async fn invite(room: String, nickname: String) -> Result<RoomInfo, AppError> {
    let me = speaker("error-nickname-before-inviting").await?;
    engine()?.invite(&me, &room, &nickname).await.map_err(refused_or_unavailable)
}

/// Takes `nickname` out of a private room: the creator removes anyone else; a member may
/// remove themselves (leaving the room, which then sends them to `#general`).
#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(room: String, nickname: String) -> Result<RoomInfo, AppError> {
    let me = speaker("error-nickname-before-changing-members").await?;
    let leaving = protocol::nickname_key(&nickname) == protocol::nickname_key(&me.nickname);
    let room = engine()?.remove(&me, &room, &nickname).await.map_err(refused_or_unavailable)?;
    if leaving {
        leptos_axum::redirect("/", false);
    }
    Ok(room)
}

#[cfg(feature = "ssr")]
fn refused_or_unavailable(error: engine::PostError) -> AppError {
    match error {
        engine::PostError::Invalid(invalid) => invalid.into(),
        engine::PostError::Store(error) => {
            tracing::warn!(%error, "store failed");
            AppError::Unavailable(t("error-server-busy"))
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
        return Err(AppError::Refused(t("error-no-nickname")));
    };
    engine()?.users().set_password(user.id, &password).await.map_err(|error| match error {
        // The only password it refuses is a too short one.
        engine::PostError::Invalid(invalid) if invalid.code == protocol::ErrorCode::WrongPassword => {
            AppError::Refused(english_or(&invalid.reason, || {
                tf("error-password-too-short", &[("min", engine::users::MIN_PASSWORD_CHARS.into())])
            }))
        }
        other => refused_or_unavailable(other),
    })
}

/// Posts a message from a plain HTML form (the composer without JavaScript), answering
/// message `reply_to` if given.
#[server(prefix = "/api", endpoint = "post")]
pub async fn post_message(
    room: String,
    client_id: String,
    text: String,
    #[server(default)] reply_to: Option<Seq>,
) -> Result<(), AppError> {
    let author = speaker("error-nickname-before-posting").await?;
    let posted = engine()?.post(&author, &room, &client_id, &text, reply_to).await;
    posted.map(|_| ()).map_err(refused_or_unavailable)?;
    // A reply from a message's own page goes back to the conversation (other posts go back
    // where they came from).
    if reply_to.is_some() {
        leptos_axum::redirect(&format!("/r/{}", protocol::room_name(&room)?), false);
    }
    Ok(())
}

/// A message and what the reader may do with it (the page of its actions without
/// JavaScript).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub message: Message,
    /// The reader wrote it (and may edit or delete it).
    pub own: bool,
    /// A fresh id for a reply posted from this page.
    pub form_client_id: String,
}

/// One message of a room the reader may see, for its actions page.
#[server(prefix = "/api", endpoint = "message_page")]
pub async fn message_page(room: String, seq: Seq) -> Result<MessageView, AppError> {
    let not_found = || {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
        AppError::NotFound
    };
    let user = crate::identity::current_user().await;
    let engine = engine()?;
    let room = engine.existing_room(&room, user.as_ref().map(|u| u.id)).map_err(|_| not_found())?;
    let Some(user) = user else { return Err(AppError::Refused(t("error-no-nickname"))) };
    let found = engine.messages(&room, vec![seq]).await.map_err(store_unavailable)?;
    let message = found.into_iter().next().ok_or_else(not_found)?;
    let own = protocol::nickname_key(&message.author) == protocol::nickname_key(&user.nickname);
    Ok(MessageView { message, own, form_client_id: uuid::Uuid::new_v4().to_string() })
}

#[cfg(feature = "ssr")]
fn store_unavailable(error: engine::store::StoreError) -> AppError {
    tracing::warn!(%error, "store read failed");
    AppError::Unavailable(t("error-server-busy"))
}

/// Edits, deletes or reacts to a message from a plain form, then goes back to it.
#[cfg(feature = "ssr")]
async fn change(room: &str, seq: Seq, request: engine::Request) -> Result<(), AppError> {
    let me = speaker("error-nickname-before-changing-messages").await?;
    let engine = engine()?;
    let done = engine.submit_change(&me, room, seq, request).await.map_err(refused_or_unavailable)?;
    done.await.map_err(|error| match error {
        engine::PostError::Store(engine::store::StoreError::UnknownMessage) => {
            AppError::Refused(t("error-unknown-message"))
        }
        engine::PostError::Store(engine::store::StoreError::NotAuthor) => {
            AppError::Refused(t("error-not-author"))
        }
        engine::PostError::Store(engine::store::StoreError::TooManyReactions) => AppError::Refused(tf(
            "error-too-many-reactions",
            &[("max", protocol::MAX_REACTIONS_PER_MESSAGE.into())],
        )),
        other => refused_or_unavailable(other),
    })?;
    leptos_axum::redirect(&format!("/r/{}#m{seq}", protocol::room_name(room)?), false);
    Ok(())
}

/// Replaces the text of one of the reader's messages (without JavaScript).
#[server(prefix = "/api", endpoint = "edit")]
pub async fn edit_message(room: String, seq: Seq, text: String) -> Result<(), AppError> {
    change(&room, seq, engine::Request::Edit(text)).await
}

/// Deletes one of the reader's messages (without JavaScript).
#[server(prefix = "/api", endpoint = "delete")]
pub async fn delete_message(room: String, seq: Seq) -> Result<(), AppError> {
    change(&room, seq, engine::Request::Delete).await
}

/// Adds the reader's reaction `emoji` to a message, or takes it back if it is there (without
/// JavaScript).
#[server(prefix = "/api", endpoint = "react")]
pub async fn react(room: String, seq: Seq, emoji: String) -> Result<(), AppError> {
    let me = speaker("error-nickname-before-reacting").await?;
    let engine = engine()?;
    let room = engine.existing_room(&room, me.id)?;
    let found = engine.messages(&room, vec![seq]).await.map_err(store_unavailable)?;
    let reacted = found
        .iter()
        .any(|m| m.reactions.iter().any(|r| r.emoji == emoji.trim() && r.people.contains(&me.nickname)));
    let request = if reacted { engine::Request::Unreact(emoji) } else { engine::Request::React(emoji) };
    change(&room, seq, request).await
}

/// Search results: hits newest first, and how to ask for the next ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub next: Option<String>,
}

/// Searches the messages of the rooms the reader may read (or of `room` only).
#[server(prefix = "/api", endpoint = "search", input = leptos::server_fn::codec::GetUrl)]
pub async fn search(
    q: String,
    #[server(default)] room: Option<String>,
    #[server(default)] before: Option<String>,
) -> Result<SearchPage, AppError> {
    let user = crate::identity::current_user().await;
    let Some(user) = user else { return Err(AppError::Refused(t("error-no-nickname"))) };
    let engine = engine()?;
    let room = room.filter(|r| !r.trim().is_empty());
    let found = engine.search(Some(user.id), &q, room.as_deref(), before.as_deref()).await;
    let (hits, next) = found.map_err(|error| match error {
        engine::PostError::Invalid(invalid) => invalid.into(),
        other => refused_or_unavailable(other),
    })?;
    Ok(SearchPage { query: q, hits, next })
}
