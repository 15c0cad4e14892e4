//! What the engine counts, for operators: rendered in the Prometheus/OpenMetrics text format
//! at `/metrics`. Each metric is a plain atomic, so counting on the delivery path costs one
//! relaxed add.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone)]
pub struct Metrics {
    /// Live connections (sessions) open now.
    pub connections: Gauge,
    /// Messages stored (resends of a stored message not counted).
    pub messages_in: Counter,
    /// Messages sent to connections, live or caught up.
    pub deliveries: Counter,
    /// Times a connection fell too far behind its rooms and was resynced from the store.
    pub lag_resyncs: Counter,
    /// Client events refused for going over a rate limit.
    pub rate_limited: Counter,
    /// Live connections refused because the server was at its connection limit.
    pub connections_refused: Counter,
    /// Live connections dropped because the client answered nothing or read nothing for two
    /// keepalive periods (a peer gone without closing).
    pub connections_dropped: Counter,
    /// How long storing a message took (queueing, group commit, fsync), in seconds.
    pub store_seconds: Histogram,
    /// 1 while this node is connected to the bus between nodes (Redis), 0 while it is not or
    /// has none configured (`bus_configured` tells).
    pub bus_up: Gauge,
    /// 1 when the node runs with a bus between nodes.
    pub bus_configured: Gauge,
    /// Envelopes this node published on the bus.
    pub bus_published: Counter,
    /// Envelopes from other nodes taken off the bus.
    pub bus_received: Counter,
    /// Envelopes that could not be published (the bus was down or its queue full).
    pub bus_lost: Counter,
    /// Room events read from the store because the bus did not bring them in order in time.
    pub bus_filled: Counter,
    registry: Arc<Registry>,
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Metrics {
            connections: Gauge::default(),
            messages_in: Counter::default(),
            deliveries: Counter::default(),
            lag_resyncs: Counter::default(),
            rate_limited: Counter::default(),
            connections_refused: Counter::default(),
            connections_dropped: Counter::default(),
            // 50 µs … ~3.3 s.
            store_seconds: Histogram::new(exponential_buckets(0.000_05, 2.0, 17)),
            bus_up: Gauge::default(),
            bus_configured: Gauge::default(),
            bus_published: Counter::default(),
            bus_received: Counter::default(),
            bus_lost: Counter::default(),
            bus_filled: Counter::default(),
            registry: Arc::default(),
        };
        let mut registry = Registry::with_prefix("natter");
        registry.register("connections", "Live connections open now", metrics.connections.clone());
        registry.register("messages_in", "Messages stored", metrics.messages_in.clone());
        registry.register("deliveries", "Messages sent to connections", metrics.deliveries.clone());
        registry.register(
            "lag_resyncs",
            "Connections that fell behind and were resynced from the store",
            metrics.lag_resyncs.clone(),
        );
        registry.register(
            "rate_limited",
            "Client events refused by a rate limit",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "connections_refused",
            "Live connections refused at the connection limit",
            metrics.connections_refused.clone(),
        );
        registry.register(
            "connections_dropped",
            "Live connections dropped after two keepalive periods without an answer or a read",
            metrics.connections_dropped.clone(),
        );
        registry.register(
            "store_append_seconds",
            "Time to store a message durably, queueing and group commit included",
            metrics.store_seconds.clone(),
        );
        registry.register("bus_up", "1 while connected to the bus between nodes", metrics.bus_up.clone());
        registry.register(
            "bus_configured",
            "1 when this node runs with a bus between nodes",
            metrics.bus_configured.clone(),
        );
        registry.register("bus_published", "Envelopes published on the bus", metrics.bus_published.clone());
        registry.register("bus_received", "Envelopes from other nodes", metrics.bus_received.clone());
        registry.register(
            "bus_lost",
            "Envelopes that could not be published (bus down or queue full)",
            metrics.bus_lost.clone(),
        );
        registry.register(
            "bus_filled",
            "Room events read from the store because the bus did not bring them in time",
            metrics.bus_filled.clone(),
        );
        Metrics { registry: Arc::new(registry), ..metrics }
    }
}

impl Metrics {
    /// Everything, in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_with_its_value() {
        let metrics = Metrics::default();
        metrics.connections.inc();
        metrics.deliveries.inc_by(3);
        metrics.store_seconds.observe(0.002);
        let text = metrics.render();
        for line in [
            "natter_connections 1",
            "natter_deliveries_total 3",
            "natter_messages_in_total 0",
            "natter_store_append_seconds_count 1",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
