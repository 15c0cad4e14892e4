//! Who is in which room right now. Ephemeral: kept in memory, never stored.
//!
//! A person counts once however many connections they have in a room. Their leaving is
//! announced only after a grace period without any connection, so a page reload or a brief
//! network drop does not spam the room with leave and join lines.

use crate::hub::{Hub, HubEvent};
use protocol::ServerEvent;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub struct Presence {
    /// room → nickname → open connections (0 while in the grace period).
    rooms: Arc<Mutex<HashMap<String, BTreeMap<String, usize>>>>,
    hub: Hub,
    grace: Duration,
}

impl Presence {
    pub fn new(hub: Hub, grace: Duration) -> Self {
        Presence { rooms: Arc::default(), hub, grace }
    }

    /// A connection of `nickname` entered `room`. Announces the person if they were away.
    pub fn enter(&self, room: &str, nickname: &str) {
        let arrived = {
            let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
            let people = rooms.entry(room.to_owned()).or_default();
            // An entry at 0 connections is someone in their grace period: not a new arrival.
            let arrived = !people.contains_key(nickname);
            *people.entry(nickname.to_owned()).or_insert(0) += 1;
            arrived
        };
        if arrived {
            let event = ServerEvent::Joined { room: room.to_owned(), nickname: nickname.to_owned() };
            self.hub.publish(room, HubEvent::new(None, event));
        }
    }

    /// A connection of `nickname` left `room`. After the grace period with no connection of
    /// theirs, the person is removed and their leaving announced.
    pub fn leave(&self, room: &str, nickname: &str) {
        let last = {
            let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
            match rooms.get_mut(room).and_then(|people| people.get_mut(nickname)) {
                Some(connections) if *connections > 0 => {
                    *connections -= 1;
                    *connections == 0
                }
                _ => false,
            }
        };
        if !last {
            return;
        }
        let presence = self.clone();
        let (room, nickname) = (room.to_owned(), nickname.to_owned());
        let finish = move || {
            let gone = {
                let mut rooms = presence.rooms.lock().unwrap_or_else(|e| e.into_inner());
                let gone = rooms.get(&room).and_then(|people| people.get(&nickname)) == Some(&0);
                if gone {
                    if let Some(people) = rooms.get_mut(&room) {
                        people.remove(&nickname);
                        if people.is_empty() {
                            rooms.remove(&room);
                        }
                    }
                }
                gone
            };
            if gone {
                let event = ServerEvent::Left { room: room.clone(), nickname };
                presence.hub.publish(&room, HubEvent::new(None, event));
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if !self.grace.is_zero() => {
                let grace = self.grace;
                runtime.spawn(async move {
                    tokio::time::sleep(grace).await;
                    finish();
                });
            }
            _ => finish(),
        }
    }

    /// The people in `room`, sorted by nickname.
    pub fn members(&self, room: &str) -> Vec<String> {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms.get(room).map(|people| people.keys().cloned().collect()).unwrap_or_default()
    }
}
