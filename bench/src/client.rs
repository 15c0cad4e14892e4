//! A protocol client: binary frames of one tag byte (0) and a JSON event (docs/protocol.md).

use futures::{SinkExt, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Bytes the generator reads per call. tungstenite's default (128 KiB) zero-fills that much
/// before every read: with a frame or two per read, the memset was 28% of the generator's
/// samples in scenario a, and a generator that saturates its core adds its own queueing to
/// every latency it measures. Frames larger than this still arrive whole.
const READ_BUFFER_BYTES: usize = 4096;

pub async fn connect(addr: &str) -> Result<Socket, String> {
    let url = format!("ws://{addr}{}", protocol::LIVE_PATH);
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    // No Nagle, as browsers do: each frame leaves when it is written.
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    Ok(socket)
}

pub fn frame(event: &ClientEvent) -> Frame {
    Frame::Binary(protocol::frame::encode_client(event).into())
}

pub fn decode(frame: &Frame) -> Option<ServerEvent> {
    match frame {
        Frame::Binary(bytes) => protocol::frame::decode_server(bytes),
        Frame::Text(text) => protocol::frame::decode_server(text.as_bytes()),
        _ => None,
    }
}

pub async fn send(socket: &mut Socket, event: &ClientEvent) -> Result<(), String> {
    socket.send(frame(event)).await.map_err(|e| format!("send: {e}"))
}

/// Says hello as `nickname` and joins `room`, returning once the history has arrived.
pub async fn join(addr: &str, nickname: &str, room: &str) -> Result<Socket, String> {
    let mut socket = connect(addr).await?;
    send(&mut socket, &ClientEvent::Hello { nickname: nickname.into(), password: None }).await?;
    send(&mut socket, &ClientEvent::Join { room: room.into(), since: None }).await?;
    wait_for(&mut socket, Duration::from_secs(30), |e| matches!(e, ServerEvent::History { .. })).await?;
    Ok(socket)
}

/// [`join`], tried again for up to 5 s while it fails: on a cluster a room created through
/// one node is known to the others once the bus has told them (a few milliseconds).
pub async fn join_retrying(addr: &str, nickname: &str, room: &str) -> Result<Socket, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match join(addr, nickname, room).await {
            Ok(socket) => return Ok(socket),
            Err(error) if tokio::time::Instant::now() >= deadline => return Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Reads until an event that `want` accepts arrives, for at most `limit`; an `error` event,
/// the connection ending or the time running out is an error.
pub async fn wait_for(
    socket: &mut Socket,
    limit: Duration,
    want: impl Fn(&ServerEvent) -> bool,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(frame))) => match decode(&frame) {
                Some(ServerEvent::Error { message, .. }) => return Err(message),
                Some(event) if want(&event) => return Ok(()),
                _ => {}
            },
            Ok(Some(Err(error))) => return Err(error.to_string()),
            Ok(None) => return Err("the server closed the connection".into()),
            Err(_) => return Err(format!("no answer from the server in {limit:?}")),
        }
    }
}
