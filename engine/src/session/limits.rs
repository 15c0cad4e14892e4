//! Per-connection rate limits. A person typing and chatting never meets them; a runaway
//! script does: over a limit the event is refused with a `rate_limited` error ("slow down"),
//! and a connection that keeps being refused is closed (the transport sends close code 1008,
//! policy violation). Other connections are unaffected.

use governor::clock::DefaultClock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use protocol::{ClientEvent, ErrorCode, Invalid};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// Messages a second by default (`Options::messages_per_second`); a burst of six seconds'
/// worth is allowed (a reconnect resends its outbox).
pub const MESSAGES_PER_SECOND: u32 = 10;
const MESSAGE_BURST_SECONDS: u32 = 6;
/// Typing updates a second (the browser sends at most 20) and their burst.
const DRAFTS: (u32, u32) = (30, 60);
/// Searches a second and their burst (each reads the index).
const SEARCHES: (u32, u32) = (5, 10);
/// Client events of any kind a second, and their burst (a reconnect joins every room).
const EVENTS: (u32, u32) = (100, 300);
/// Refusals within [`STRIKE_WINDOW`] after which the connection is closed.
const MAX_STRIKES: u32 = 50;
const STRIKE_WINDOW: Duration = Duration::from_secs(10);

/// One clock for every connection's limiters. Making a clock asks the CPU about its
/// timestamp counter (`CPUID`, which a virtual machine traps): four new clocks per connection
/// were 44% of the server's CPU while 10,000 people joined one room (`docs/performance.md`).
/// A copy of this one costs nothing.
static CLOCK: std::sync::LazyLock<DefaultClock> = std::sync::LazyLock::new(DefaultClock::default);

fn limiter((per_second, burst): (u32, u32)) -> DefaultDirectRateLimiter {
    let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct_with_clock(Quota::per_second(per_second).allow_burst(burst), CLOCK.clone())
}

pub(super) struct Limits {
    messages_per_second: u32,
    events_per_second: u32,
    events: DefaultDirectRateLimiter,
    messages: DefaultDirectRateLimiter,
    drafts: DefaultDirectRateLimiter,
    searches: DefaultDirectRateLimiter,
    strikes: u32,
    window: Instant,
}

impl Limits {
    pub(super) fn new(messages_per_second: u32) -> Self {
        // Sending is most of what a busy client does: the overall limit leaves room for it.
        let events = (
            EVENTS.0.max(messages_per_second.saturating_mul(2)),
            EVENTS.1.max(messages_per_second.saturating_mul(2 * MESSAGE_BURST_SECONDS)),
        );
        Limits {
            messages_per_second,
            events_per_second: events.0,
            events: limiter(events),
            messages: limiter((
                messages_per_second,
                messages_per_second.saturating_mul(MESSAGE_BURST_SECONDS),
            )),
            drafts: limiter(DRAFTS),
            searches: limiter(SEARCHES),
            strikes: 0,
            window: Instant::now(),
        }
    }

    /// Whether `event` is within this connection's limits; if not, the refusal to send.
    pub(super) fn admit(&self, event: Option<&ClientEvent>) -> Result<(), Invalid> {
        let (limiter, what) = match event {
            // Edits, deletions and reactions count as messages.
            Some(
                ClientEvent::Send { .. }
                | ClientEvent::Edit { .. }
                | ClientEvent::Delete { .. }
                | ClientEvent::React { .. }
                | ClientEvent::Unreact { .. },
            ) => (&self.messages, format!("at most {} messages a second", self.messages_per_second)),
            Some(ClientEvent::Search { .. }) => {
                (&self.searches, format!("at most {} searches a second", SEARCHES.0))
            }
            Some(ClientEvent::Typing { .. }) => {
                (&self.drafts, format!("at most {} typing updates a second", DRAFTS.0))
            }
            _ => (&self.events, format!("at most {} requests a second", self.events_per_second)),
        };
        // Every event also counts against the overall limit.
        if limiter.check().is_err() || (event.is_some() && self.events.check().is_err()) {
            return Err(Invalid::new(ErrorCode::RateLimited, format!("Slow down: {what}.")));
        }
        Ok(())
    }

    /// Records a refusal; true when there have been so many that the connection should close.
    pub(super) fn strike(&mut self) -> bool {
        if self.window.elapsed() > STRIKE_WINDOW {
            self.window = Instant::now();
            self.strikes = 0;
        }
        self.strikes += 1;
        self.strikes > MAX_STRIKES
    }
}
