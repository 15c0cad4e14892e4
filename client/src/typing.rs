//! The reader's own typing indicator: drafts at most every 50 ms (or "is typing" every
//! second when drafts are not shared), and a stop after 5 s without a keystroke.

/// Shared drafts are sent at most this often.
pub const DRAFT_INTERVAL_MS: f64 = 50.0;
/// "Is typing" (without the text) is refreshed at most this often.
pub const TYPING_INTERVAL_MS: f64 = 1000.0;
/// Typing stops this long after the last keystroke; others' indicators expire after as long.
pub const TYPING_TIMEOUT_MS: f64 = 5000.0;

/// What to tell the room, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Say {
    /// "Typing", with the draft when shared.
    Typing {
        room: String,
        draft: Option<String>,
    },
    Stop {
        room: String,
    },
}

#[derive(Clone, Debug, Default)]
pub struct OwnTyping {
    room: String,
    text: String,
    share: bool,
    /// When the last update went out, if one has since the last stop.
    last_sent: Option<f64>,
    /// When the next update is due, if one is waiting for the throttle.
    flush_at: Option<f64>,
    last_key: f64,
    /// The room has been told "typing" and not yet "stopped".
    active: bool,
}

impl OwnTyping {
    /// The composer in `room` now holds `text`.
    pub fn changed(&mut self, room: &str, text: &str, share: bool, now: f64) -> Option<Say> {
        if text.trim().is_empty() {
            return self.stop();
        }
        let mut said = None;
        if self.room != room {
            said = self.stop();
            self.room = room.to_owned();
        }
        self.text = text.to_owned();
        self.share = share;
        self.last_key = now;
        if self.flush_at.is_none() {
            let interval = if share { DRAFT_INTERVAL_MS } else { TYPING_INTERVAL_MS };
            self.flush_at = Some(self.last_sent.map_or(now, |sent| now.max(sent + interval)));
        }
        // A room change's stop goes out first; the new room hears on the next poll at most.
        said.or_else(|| self.poll(now))
    }

    /// Whatever is due at `now`: a throttled update, or the stop after going idle.
    pub fn poll(&mut self, now: f64) -> Option<Say> {
        if self.active && now - self.last_key >= TYPING_TIMEOUT_MS {
            return self.stop();
        }
        let due = self.flush_at.is_some_and(|at| at <= now);
        if !due {
            return None;
        }
        self.flush_at = None;
        self.last_sent = Some(now);
        self.active = true;
        Some(Say::Typing { room: self.room.clone(), draft: self.share.then(|| self.text.clone()) })
    }

    /// Sent, cleared, or left: the room hears "stopped" if it heard "typing".
    pub fn stop(&mut self) -> Option<Say> {
        let was = std::mem::take(self);
        // The throttle outlives the stop: typing a letter and deleting it over and over must
        // not send a fresh "typing" each time (the server allows 30 a second).
        self.last_sent = was.last_sent;
        was.active.then_some(Say::Stop { room: was.room })
    }

    /// The connection dropped: peers clear our typing themselves.
    pub fn reset(&mut self) {
        *self = OwnTyping::default();
    }

    /// The room being typed in, while it has heard (or is about to hear) "typing".
    pub fn room(&self) -> Option<&str> {
        (self.active || self.flush_at.is_some()).then_some(self.room.as_str())
    }

    /// When [`OwnTyping::poll`] next has something to do.
    pub fn next_due(&self) -> Option<f64> {
        let idle = self.active.then_some(self.last_key + TYPING_TIMEOUT_MS);
        match (self.flush_at, idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typing(draft: &str) -> Option<Say> {
        Some(Say::Typing { room: "general".into(), draft: Some(draft.into()) })
    }

    #[test]
    fn drafts_are_throttled_to_one_per_interval_and_the_latest_text_wins() {
        let mut t = OwnTyping::default();
        assert_eq!(t.changed("general", "h", true, 1000.0), typing("h"));
        assert_eq!(t.changed("general", "he", true, 1010.0), None);
        assert_eq!(t.changed("general", "hel", true, 1020.0), None);
        assert_eq!(t.next_due(), Some(1050.0));
        assert_eq!(t.poll(1049.0), None);
        assert_eq!(t.poll(1050.0), typing("hel"));
        assert_eq!(t.poll(1060.0), None);
        // Without sharing: no text, and once a second.
        let mut t = OwnTyping::default();
        let bare = Some(Say::Typing { room: "general".into(), draft: None });
        assert_eq!(t.changed("general", "secret", false, 0.0), bare);
        assert_eq!(t.changed("general", "secrets", false, 500.0), None);
        assert_eq!(t.poll(999.0), None);
        assert_eq!(t.poll(1000.0), bare);
    }

    #[test]
    fn stops_when_idle_cleared_or_moved_and_only_once() {
        let mut t = OwnTyping::default();
        t.changed("general", "hi", true, 0.0);
        assert_eq!(t.next_due(), Some(TYPING_TIMEOUT_MS));
        assert_eq!(t.poll(4999.0), None);
        assert_eq!(t.poll(5000.0), Some(Say::Stop { room: "general".into() }));
        assert_eq!(t.poll(9000.0), None);
        assert_eq!(t.next_due(), None);
        t.changed("general", "hi", true, 10_000.0);
        assert_eq!(t.changed("general", "  ", true, 10_010.0), Some(Say::Stop { room: "general".into() }));
        assert_eq!(t.stop(), None);
        t.changed("general", "hi", true, 20_000.0);
        assert_eq!(t.changed("rust", "hi", true, 20_010.0), Some(Say::Stop { room: "general".into() }));
        assert_eq!(t.poll(20_010.0), None, "the throttle holds across the stop");
        assert_eq!(t.poll(20_050.0), Some(Say::Typing { room: "rust".into(), draft: Some("hi".into()) }));
        // Nothing said yet: nothing to stop.
        let mut t = OwnTyping::default();
        assert_eq!(t.stop(), None);
    }
}
