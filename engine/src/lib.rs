//! Natter's chat engine: everything a chat server does, with no web framework in sight.
//!
//! - [`store`]: durable history; assigns each room's `seq`, dedupes resends, group-commits.
//! - [`hub`]: live fan-out of committed messages to the connections in a room.
//! - [`session`]: one connection's conversation: validates what the client sends, posts,
//!   replays history and forwards live messages without gaps or duplicates.

pub mod hub;
pub mod session;
pub mod store;

use hub::Hub;
use protocol::{Invalid, Seq};
use std::path::Path;
use std::sync::Arc;
use store::{Appended, NewMessage, Page, SqliteStore, Store, StoreError};

/// The chat engine shared by every connection and server function; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    hub: Hub,
}

/// Why a message was not posted.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// The embedded default: history in SQLite under `data_dir`, fan-out in this process.
    pub fn open_sqlite(data_dir: &Path) -> Result<Engine, StoreError> {
        let hub = Hub::default();
        let publisher = hub.clone();
        let store = SqliteStore::open(data_dir, Box::new(move |m| publisher.publish(m.clone())))?;
        Ok(Engine {
            inner: Arc::new(Inner {
                store: Store::Sqlite(store),
                hub,
            }),
        })
    }

    /// Validates and durably stores a message, then publishes it to the room. A resend of a
    /// stored `client_id` returns the stored message and publishes nothing.
    pub async fn post(
        &self,
        author: &str,
        room: &str,
        client_id: &str,
        text: &str,
    ) -> Result<Appended, PostError> {
        let room = protocol::room_name(room)?;
        let client_id = protocol::client_id(client_id)?;
        let text = protocol::message_text(text)?;
        let author = protocol::nickname(author)?;
        let message = NewMessage {
            room,
            client_id: client_id.to_owned(),
            author: author.to_owned(),
            text: text.to_owned(),
        };
        Ok(self.inner.store.append(message).await?)
    }

    /// The newest `limit` messages of a room before `before` (or the newest overall).
    pub async fn history(
        &self,
        room: &str,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.inner.store.latest(room, before, limit).await
    }

    /// Messages after `seq`, oldest first: what a reconnecting client missed.
    pub async fn after(
        &self,
        room: &str,
        seq: Seq,
        limit: usize,
    ) -> Result<Vec<protocol::Message>, StoreError> {
        self.inner.store.after(room, seq, limit).await
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }
}
