//! The queue in front of a backend's one writer, the same in every backend: what is asked of
//! it, and how each asker is answered once the batch its write was in is committed (or not).

use super::{Appended, Changed, NewChange, NewMessage, NewRoom, OnCommit, StoreError, StoredRoom};
use protocol::ServerEvent;
use tokio::sync::{mpsc, oneshot};

pub enum WriteRequest {
    Append { message: NewMessage, reply: oneshot::Sender<Result<Appended, StoreError>> },
    Change { change: NewChange, reply: oneshot::Sender<Result<Changed, StoreError>> },
    CreateRoom { room: NewRoom, reply: RoomReply },
}

/// Whom to answer about a room creation.
pub type RoomReply = oneshot::Sender<Result<StoredRoom, StoreError>>;

/// The sending end of a writer's queue.
pub struct Queue(mpsc::Sender<WriteRequest>);

impl Queue {
    /// A queue holding up to `capacity` requests, and its receiving end for the writer.
    pub fn new(capacity: usize) -> (Queue, mpsc::Receiver<WriteRequest>) {
        let (sender, requests) = mpsc::channel(capacity);
        (Queue(sender), requests)
    }

    /// Queues a message and waits until it is committed.
    pub async fn append(&self, message: NewMessage) -> Result<Appended, StoreError> {
        self.submit(message).await?.await
    }

    /// Queues a message for the writer and returns what resolves once it is committed.
    /// Messages submitted one after another are committed in that order.
    pub async fn submit(
        &self,
        message: NewMessage,
    ) -> Result<impl std::future::Future<Output = Result<Appended, StoreError>> + use<>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.0.send(WriteRequest::Append { message, reply }).await.map_err(|_| StoreError::Closed)?;
        Ok(async move { answer.await.map_err(|_| StoreError::Closed)? })
    }

    /// Queues a change to a message, in order with the messages submitted before it.
    pub async fn submit_change(
        &self,
        change: NewChange,
    ) -> Result<impl std::future::Future<Output = Result<Changed, StoreError>> + use<>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.0.send(WriteRequest::Change { change, reply }).await.map_err(|_| StoreError::Closed)?;
        Ok(async move { answer.await.map_err(|_| StoreError::Closed)? })
    }

    /// Has the writer create a room, in order with the writes queued before it.
    pub async fn create_room(&self, room: NewRoom) -> Result<StoredRoom, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.0.send(WriteRequest::CreateRoom { room, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// One queued write of a batch.
pub enum Work {
    Append(NewMessage),
    Change(NewChange),
}

impl Work {
    pub fn room(&self) -> &str {
        match self {
            Work::Append(m) => &m.room,
            Work::Change(c) => &c.room,
        }
    }
}

/// Whom to answer about one [`Work`].
pub enum Reply {
    Append(oneshot::Sender<Result<Appended, StoreError>>),
    Change(oneshot::Sender<Result<Changed, StoreError>>),
}

/// What a batch did with one [`Work`]: its answer.
pub enum Done {
    Append(Result<Appended, StoreError>),
    Change(Result<Changed, StoreError>),
}

impl WriteRequest {
    /// A write for a batch, with whom to answer; a room creation as it is.
    pub fn into_work(self) -> Result<(Work, Reply), (NewRoom, RoomReply)> {
        match self {
            WriteRequest::Append { message, reply } => Ok((Work::Append(message), Reply::Append(reply))),
            WriteRequest::Change { change, reply } => Ok((Work::Change(change), Reply::Change(reply))),
            WriteRequest::CreateRoom { room, reply } => Err((room, reply)),
        }
    }
}

/// After a batch committed: publishes each new event with `on_commit`, in order, and answers
/// each sender (`results` answers `replies` one for one, each with its own kind).
pub fn answer(on_commit: &OnCommit, replies: Vec<Reply>, results: Vec<Done>) {
    for (reply, done) in replies.into_iter().zip(results) {
        match (reply, done) {
            (Reply::Append(reply), Done::Append(result)) => {
                if let Ok(Appended::New(message)) = &result {
                    on_commit(ServerEvent::Message(message.clone()));
                }
                let _ = reply.send(result);
            }
            (Reply::Change(reply), Done::Change(result)) => {
                if let Ok(Changed::New(change)) = &result {
                    on_commit(change.clone().into_event());
                }
                let _ = reply.send(result);
            }
            // The writer answers each item with its own kind.
            _ => {}
        }
    }
}

/// After a batch failed as a whole: tells each sender why ([`StoreError::Commit`]).
pub fn refuse(replies: Vec<Reply>, reason: &str) {
    for reply in replies {
        match reply {
            Reply::Append(reply) => drop(reply.send(Err(StoreError::Commit(reason.to_owned())))),
            Reply::Change(reply) => drop(reply.send(Err(StoreError::Commit(reason.to_owned())))),
        }
    }
}
