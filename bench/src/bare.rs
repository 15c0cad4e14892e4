//! The floor to compare against: a bare tokio broadcast server speaking just enough of the
//! live protocol for the bench's clients (hello, join, create_room, send), with no storage,
//! no presence, no limits. One `broadcast` channel for the one room, every message encoded
//! once; a receiver that lags skips what it missed. Started as `natter-bench --bare-server`
//! so it runs in its own process, pinned to CPU 0 as `natter` is.

use futures::{SinkExt, StreamExt};
use protocol::{ClientEvent, Message, RoomInfo, ServerEvent};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message as Frame};

/// Messages a receiver may be behind before it skips.
const CHANNEL: usize = 1024;

pub async fn serve(addr: &str) -> Result<(), String> {
    let listener = TcpListener::bind(addr).await.map_err(|e| e.to_string())?;
    // The line `Server::start` waits for, as natter prints it.
    println!("listening on http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let room = broadcast::channel::<Bytes>(CHANNEL).0;
    let seq = Arc::new(AtomicU64::new(0));
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        tokio::spawn(connection(stream, room.clone(), Arc::clone(&seq)));
    }
}

fn frame(event: &ServerEvent) -> Frame {
    Frame::Binary(protocol::frame::encode_server(event).into())
}

/// A message as natter would deliver it (one place builds it, for new fields).
fn message(room: String, seq: u64, client_id: String, author: String, text: String) -> Message {
    let sent_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Message { room, seq, client_id, author, text, sent_at, mood: 0.0, lang: None, ..Message::default() }
}

/// Bytes read per call. tungstenite's default (128 KiB) is allocated for every connection and
/// zero-filled before each read: the floor would pay for buffers no lean server keeps.
const READ_BUFFER_BYTES: usize = 4096;

async fn connection(stream: TcpStream, room: broadcast::Sender<Bytes>, seq: Arc<AtomicU64>) {
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    let Ok(socket) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else { return };
    let (mut sink, mut source) = socket.split();
    let mut nickname = String::new();
    let mut live: Option<broadcast::Receiver<Bytes>> = None;
    loop {
        let broadcast = async {
            match live.as_mut() {
                Some(live) => live.recv().await,
                None => std::future::pending().await,
            }
        };
        let answer = tokio::select! {
            received = source.next() => {
                let Some(Ok(Frame::Binary(bytes))) = received else {
                    match received {
                        Some(Ok(_)) => continue,
                        _ => return,
                    }
                };
                let Ok(event) = protocol::frame::decode_client(&bytes) else { continue };
                match event {
                    ClientEvent::Hello { nickname: name, .. } => {
                        nickname = name.clone();
                        let _ = sink.feed(frame(&ServerEvent::Welcome { nickname: name })).await;
                        ServerEvent::Rooms { rooms: Vec::new() }
                    }
                    ClientEvent::CreateRoom { room, .. } => ServerEvent::RoomCreated { room: RoomInfo::public(room, 0) },
                    ClientEvent::Join { room: name, .. } => {
                        live = Some(room.subscribe());
                        ServerEvent::History { room: name, messages: Vec::new(), has_more: false, changes: Vec::new(), last: 0 }
                    }
                    ClientEvent::Send { room: name, client_id, text, reply_to: None, .. } => {
                        let seq = seq.fetch_add(1, Ordering::Relaxed) + 1;
                        let sent = message(name.clone(), seq, client_id.clone(), nickname.clone(), text);
                        let bytes = protocol::frame::encode_server(&ServerEvent::Message(sent));
                        let _ = room.send(bytes.into());
                        ServerEvent::Ack { room: name, client_id, seq }
                    }
                    _ => continue,
                }
            }
            bytes = broadcast => match bytes {
                Ok(bytes) => {
                    // What else the room has ready goes in the same write, as natter's
                    // flushers batch a connection's frames.
                    if sink.feed(Frame::Binary(bytes)).await.is_err() {
                        return;
                    }
                    if let Some(live) = live.as_mut() {
                        while let Ok(more) = live.try_recv() {
                            if sink.feed(Frame::Binary(more)).await.is_err() {
                                return;
                            }
                        }
                    }
                    if sink.flush().await.is_err() {
                        return;
                    }
                    continue;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        if sink.send(frame(&answer)).await.is_err() {
            return;
        }
    }
}
