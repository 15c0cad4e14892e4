//! Fan-out of live events to the connections that joined a room, and of room-list changes
//! (a room created, a member invited or removed) to every connection, each of which keeps
//! only what concerns its person.
//!
//! A room's event is serialised once, by the first receiver that sends it, and every other
//! receiver sends the same bytes.
//!
//! Each room has a bounded broadcast ring. A receiver that falls more than the ring behind
//! is told it lagged; for messages it then catches up from the store, so a slow reader never
//! grows memory. Ephemeral events (typing, presence) missed that way are simply gone.

use bytes::Bytes;
use protocol::{Message, RoomInfo, ServerEvent};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::broadcast;

/// Events a room keeps for receivers that are briefly behind.
const ROOM_BUFFER: usize = 1024;
/// Room creations kept for connections that are briefly behind.
const LOBBY_BUFFER: usize = 64;

/// A change to the room list, for the connections it concerns.
#[derive(Clone, Debug)]
pub enum LobbyEvent {
    /// A room appeared or changed. `audience` holds the ids of the people who may see it;
    /// `None` means everyone (a public room).
    Room { room: RoomInfo, audience: Option<Vec<i64>> },
    /// The person with id `user` may no longer see `room`.
    Revoked { room: String, user: i64 },
}

/// Identifies one live connection, so it is not sent its own typing back.
pub type ConnectionId = u64;

/// An event for everyone in a room.
#[derive(Debug)]
pub struct HubEvent {
    /// The connection it came from, for events that should not echo back to it.
    pub origin: Option<ConnectionId>,
    pub event: ServerEvent,
    /// `event` as a frame, encoded once for all receivers.
    frame: OnceLock<Bytes>,
}

impl HubEvent {
    pub fn new(origin: Option<ConnectionId>, event: ServerEvent) -> Self {
        HubEvent { origin, event, frame: OnceLock::new() }
    }

    /// The event as a frame (`protocol::frame`), encoded by whichever receiver asks first.
    pub fn frame(&self) -> Bytes {
        self.frame.get_or_init(|| Bytes::from(protocol::frame::encode_server(&self.event))).clone()
    }
}

#[derive(Clone)]
pub struct Hub {
    rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<HubEvent>>>>>,
    lobby: broadcast::Sender<Arc<LobbyEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub { rooms: Arc::default(), lobby: broadcast::channel(LOBBY_BUFFER).0 }
    }
}

impl Hub {
    pub fn subscribe(&self, room: &str) -> broadcast::Receiver<Arc<HubEvent>> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        match rooms.get(room) {
            Some(sender) => sender.subscribe(),
            None => {
                let (sender, receiver) = broadcast::channel(ROOM_BUFFER);
                rooms.insert(room.to_owned(), sender);
                receiver
            }
        }
    }

    /// Sends an event to everyone in `room`. Rooms nobody listens to are dropped.
    pub fn publish(&self, room: &str, event: HubEvent) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = rooms.get(room) {
            if sender.send(Arc::new(event)).is_err() {
                rooms.retain(|_, s| s.receiver_count() > 0);
            }
        }
    }

    /// Sends a committed message to everyone in its room.
    pub fn publish_message(&self, message: Message) {
        let room = message.room.clone();
        self.publish(&room, HubEvent::new(None, ServerEvent::Message(message)));
    }

    pub fn subscribe_lobby(&self) -> broadcast::Receiver<Arc<LobbyEvent>> {
        self.lobby.subscribe()
    }

    pub fn publish_lobby(&self, event: LobbyEvent) {
        let _ = self.lobby.send(Arc::new(event));
    }
}
