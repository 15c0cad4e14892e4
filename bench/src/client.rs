//! A protocol client: binary frames of one tag byte (0) and a JSON event (docs/protocol.md).

use futures::{SinkExt, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn connect(addr: &str) -> Result<Socket, String> {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{}", protocol::LIVE_PATH))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    Ok(socket)
}

pub fn frame(event: &ClientEvent) -> Frame {
    let mut bytes = vec![0u8];
    bytes.extend(serde_json::to_vec(event).unwrap_or_default());
    Frame::Binary(bytes.into())
}

pub fn decode(frame: &Frame) -> Option<ServerEvent> {
    match frame {
        Frame::Binary(bytes) if bytes.first() == Some(&0) => serde_json::from_slice(&bytes[1..]).ok(),
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
    while let Some(frame) = socket.next().await {
        match decode(&frame.map_err(|e| e.to_string())?) {
            Some(ServerEvent::History { .. }) => return Ok(socket),
            Some(ServerEvent::Error { message, .. }) => return Err(message),
            _ => {}
        }
    }
    Err("closed before history".into())
}
