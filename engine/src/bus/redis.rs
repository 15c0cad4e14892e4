//! The bus over Redis pub/sub: one channel per cluster, one connection that publishes (what is queued
//! goes out in one pipeline per round trip) and one that subscribes. Both reconnect by
//! themselves; the subscriber reports when it is up or down.

use crate::metrics::Metrics;
use futures::StreamExt;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a connection attempt or a command may take.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Without a single envelope for this long (the node's own heartbeat comes back every
/// second), the subscription is taken for dead and made again.
const SILENCE: Duration = Duration::from_secs(3);
/// Envelopes published in one pipeline at most.
const BATCH: usize = 512;

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(4)).min(1_000))
}

async fn connect(client: &Client) -> redis::RedisResult<MultiplexedConnection> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT));
    client.get_multiplexed_async_connection_with_config(&config).await
}

/// Publishes what is queued until the queue closes. While Redis cannot be reached what is
/// queued is dropped (counted in `bus_lost`): the other nodes read it from the database.
pub async fn publish(client: Client, channel: String, mut queue: mpsc::Receiver<Vec<u8>>, metrics: Metrics) {
    let mut connection: Option<MultiplexedConnection> = None;
    let mut attempt = 0;
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        if connection.is_none() {
            match connect(&client).await {
                Ok(made) => {
                    connection = Some(made);
                    attempt = 0;
                }
                Err(error) => {
                    tracing::debug!(%error, "cannot publish on the bus");
                    metrics.bus_lost.inc_by(batch.len() as u64);
                    batch.clear();
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
            }
        }
        let Some(conn) = connection.as_mut() else { continue };
        let mut pipe = redis::pipe();
        for envelope in &batch {
            pipe.publish(&channel, envelope.as_slice()).ignore();
        }
        match pipe.query_async::<()>(conn).await {
            Ok(()) => {
                metrics.bus_published.inc_by(batch.len() as u64);
            }
            Err(error) => {
                tracing::debug!(%error, "publishing on the bus failed");
                metrics.bus_lost.inc_by(batch.len() as u64);
                connection = None;
            }
        }
        batch.clear();
    }
}

/// Reads the channel into `incoming` until that closes, reconnecting as needed; tells
/// `up` each time the subscription is made (true) or lost (false).
pub async fn subscribe(
    client: Client,
    channel: String,
    incoming: mpsc::UnboundedSender<Vec<u8>>,
    up: mpsc::UnboundedSender<bool>,
) {
    let mut attempt = 0;
    let mut was_up = None;
    let mut report = |now: bool| {
        if was_up != Some(now) {
            was_up = Some(now);
            let _ = up.send(now);
        }
    };
    loop {
        let made = tokio::time::timeout(TIMEOUT, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        let pubsub = match made {
            Ok(Ok(pubsub)) => pubsub,
            Ok(Err(error)) => {
                tracing::debug!(%error, "cannot subscribe to the bus");
                report(false);
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                // The engine is gone: nobody to subscribe for.
                if incoming.is_closed() {
                    return;
                }
                continue;
            }
            Err(_) => {
                report(false);
                attempt += 1;
                if incoming.is_closed() {
                    return;
                }
                continue;
            }
        };
        attempt = 0;
        report(true);
        let mut messages = pubsub.into_on_message();
        // Until the connection closes, or carries nothing (not even our own heartbeat).
        while let Ok(Some(message)) = tokio::time::timeout(SILENCE, messages.next()).await {
            if incoming.send(message.get_payload_bytes().to_vec()).is_err() {
                return;
            }
        }
        report(false);
        if incoming.is_closed() {
            return;
        }
    }
}
