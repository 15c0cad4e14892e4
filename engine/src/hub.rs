//! Fan-out of live room events to the connections that joined the room.
//!
//! Each room has a bounded broadcast ring. A receiver that falls more than the ring behind
//! is told it lagged and catches up from the store, so a slow reader never grows memory.

use protocol::Message;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Messages a room keeps for receivers that are briefly behind.
const ROOM_BUFFER: usize = 1024;

#[derive(Clone, Default)]
pub struct Hub {
    rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Message>>>>>,
}

impl Hub {
    pub fn subscribe(&self, room: &str) -> broadcast::Receiver<Arc<Message>> {
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

    /// Sends a committed message to everyone in its room. Rooms nobody listens to are dropped.
    pub fn publish(&self, message: Message) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = rooms.get(&message.room) {
            if sender.send(Arc::new(message)).is_err() {
                rooms.retain(|_, s| s.receiver_count() > 0);
            }
        }
    }
}
