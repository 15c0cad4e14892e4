//! Files people send: who may upload how much and how fast, turning an upload into what is
//! kept (the `files` crate decides what a file is, off the async runtime, a few at a time),
//! who may download what, upload tokens for clients without the browser's cookie, and
//! sweeping away what nothing names any more.
//!
//! An upload belongs to its uploader until it is sent with a message; from then on whoever
//! may read the message's room may download it. Deleting the message deletes its uploads;
//! a blob (stored once per content hash) is deleted when no upload names it. Uploads never
//! sent are forgotten after [`UNSENT_LIFETIME`].

use crate::store::{Store, StoreError, UploadRecord};
use crate::users::Speaker;
use files::{Blobs, Fetched, Part, Refused};
use hmac::{Hmac, Mac};
use protocol::Attachment;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};

/// Uploads not sent with a message within this long are forgotten.
pub const UNSENT_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How long an upload token is valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Uploads being decoded (thumbnails, re-encoding) at once, each on a thread of the lowest
/// priority: the rest wait their turn, so a burst of uploads never takes the CPU from
/// message delivery.
pub const PREPARING_AT_ONCE: usize = 2;

/// Limits on files; `Default` is what the server runs with.
#[derive(Clone, Debug)]
pub struct FileOptions {
    /// Bytes of one file (`--max-file-bytes`).
    pub max_file_bytes: u64,
    /// Bytes one person may keep uploaded.
    pub max_person_bytes: u64,
    /// Bytes the server stores in all.
    pub max_total_bytes: u64,
    /// Uploads one person may make a minute (bursts of a third of that).
    pub uploads_per_minute: u32,
    /// Where contents go: `file:///dir` or `s3://bucket?endpoint=…` (see `files::Blobs`);
    /// `None`: `files/` under the data directory.
    pub blobs: Option<String>,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            max_file_bytes: 25 << 20,
            max_person_bytes: 1 << 30,
            max_total_bytes: 50 << 30,
            uploads_per_minute: 60,
            blobs: None,
        }
    }
}

/// Why an upload was refused; [`UploadError::code`] is what clients translate.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("The file is larger than the {} allowed.", protocol::human_size(*.0))]
    TooLarge(u64),
    #[error("Files of this type are not allowed: {0}.")]
    NotAllowed(String),
    #[error("The file could not be read: {0}.")]
    Invalid(String),
    #[error("You have used all the space for your files ({}). Delete some messages with files first.", protocol::human_size(*.0))]
    PersonFull(u64),
    #[error("The server is full: it takes no more files for now.")]
    ServerFull,
    #[error("Too many uploads: wait {0} s.")]
    TooFast(u64),
    #[error("Choose a nickname first.")]
    NotSignedIn,
    #[error("The file store is unavailable; try again.")]
    Unavailable,
}

impl UploadError {
    /// The error's code (documented in `docs/protocol.md`).
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::TooLarge(_) => "file_too_large",
            UploadError::NotAllowed(_) => "type_not_allowed",
            UploadError::Invalid(_) => "invalid_file",
            UploadError::PersonFull(_) => "quota_exceeded",
            UploadError::ServerFull => "storage_full",
            UploadError::TooFast(_) => "too_fast",
            UploadError::NotSignedIn => "not_signed_in",
            UploadError::Unavailable => "store_unavailable",
        }
    }

    /// The HTTP status that carries it.
    pub fn status(&self) -> u16 {
        match self {
            UploadError::TooLarge(_) => 413,
            UploadError::NotAllowed(_) => 415,
            UploadError::Invalid(_) => 422,
            UploadError::PersonFull(_) | UploadError::ServerFull => 507,
            UploadError::TooFast(_) => 429,
            UploadError::NotSignedIn => 401,
            UploadError::Unavailable => 503,
        }
    }
}

impl From<Refused> for UploadError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::TooLarge(max) => UploadError::TooLarge(max),
            Refused::NotAllowed(what) => UploadError::NotAllowed(what),
            other => UploadError::Invalid(other.to_string().trim_end_matches('.').to_owned()),
        }
    }
}

impl From<StoreError> for UploadError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "could not store an upload");
        UploadError::Unavailable
    }
}

impl From<files::BlobError> for UploadError {
    fn from(error: files::BlobError) -> Self {
        tracing::error!(%error, "file store error");
        UploadError::Unavailable
    }
}

/// A file (or its thumbnail) to send someone.
pub struct Download {
    pub attachment: Attachment,
    /// Its content address (a strong validator: the contents never change).
    pub hash: String,
    pub part: Part,
    pub fetched: Fetched,
}

/// Why a file is not sent.
#[derive(Debug, PartialEq, Eq)]
pub enum DownloadError {
    /// Not there, or not for this person (the same answer, so ids cannot be probed).
    NotFound,
    Unavailable,
}

type HmacSha256 = Hmac<Sha256>;

pub struct Files {
    store: Arc<Store>,
    blobs: Blobs,
    options: FileOptions,
    preparing: Semaphore,
    /// Held while an upload is registered and while orphans are swept, so a sweep never
    /// deletes contents an upload has just counted on.
    registry: tokio::sync::Mutex<()>,
    /// Per person: upload allowance left and when it was last topped up.
    allowance: Mutex<HashMap<String, (f64, Instant)>>,
    token_key: Vec<u8>,
    sweep: Arc<Notify>,
}

impl Files {
    pub fn new(store: Arc<Store>, blobs: Blobs, options: FileOptions, token_key: Vec<u8>) -> Arc<Files> {
        let files = Arc::new(Files {
            store,
            blobs,
            options,
            preparing: Semaphore::new(PREPARING_AT_ONCE),
            registry: tokio::sync::Mutex::new(()),
            allowance: Mutex::default(),
            token_key,
            sweep: Arc::default(),
        });
        let sweeper = Arc::downgrade(&files);
        let woken = Arc::clone(&files.sweep);
        tokio::spawn(async move {
            loop {
                let Some(files) = sweeper.upgrade() else { return };
                files.sweep_now().await;
                drop(files);
                // Hourly, or soon after a message with files is deleted.
                let _ = tokio::time::timeout(Duration::from_secs(3600), woken.notified()).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        files
    }

    pub fn options(&self) -> &FileOptions {
        &self.options
    }

    /// Asks for a sweep (a message was deleted).
    pub fn swept_soon(&self) {
        self.sweep.notify_one();
    }

    /// Forgets unsent uploads past their lifetime and deletes contents nothing names.
    pub async fn sweep_now(&self) {
        let before = now_millis() - UNSENT_LIFETIME.as_millis() as i64;
        if let Err(error) = self.store.expire_uploads(before).await {
            tracing::warn!(%error, "could not expire unsent uploads");
        }
        // The shared limits' ended windows (a row per person who uploaded or was guessed at).
        if let Err(error) = self.store.forget_old_windows().await {
            tracing::warn!(%error, "could not forget ended rate windows");
        }
        let _registering = self.registry.lock().await;
        let orphans = match self.store.orphan_blobs().await {
            Ok(orphans) => orphans,
            Err(error) => {
                tracing::warn!(%error, "could not list unused files");
                return;
            }
        };
        for hash in orphans {
            // Held against other nodes, and asked again: one of them may have recorded an
            // upload of the same contents since the list was read.
            let hold = match self.store.hold_blob(&hash).await {
                Ok(hold) => hold,
                Err(error) => {
                    tracing::warn!(%error, "could not hold an unused file to delete it");
                    continue;
                }
            };
            match self.store.blob_unnamed(&hash).await {
                Ok(true) => match self.blobs.delete(&hash).await {
                    Ok(()) => {
                        let _ = self.store.forget_blob(&hash).await;
                    }
                    Err(error) => tracing::warn!(%error, "could not delete an unused file"),
                },
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "could not check an unused file"),
            }
            hold.release().await;
        }
    }

    fn take_allowance(&self, owner: &str) -> Result<(), UploadError> {
        let per_second = self.options.uploads_per_minute.max(1) as f64 / 60.0;
        let burst = (self.options.uploads_per_minute as f64 / 3.0).max(1.0);
        let now = Instant::now();
        let mut allowance = self.allowance.lock().unwrap_or_else(|e| e.into_inner());
        if allowance.len() > 10_000 {
            allowance.retain(|_, (left, at)| *left + at.elapsed().as_secs_f64() * per_second < burst);
        }
        let (left, at) = allowance.entry(owner.to_owned()).or_insert((burst, now));
        *left = (*left + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *left < 1.0 {
            return Err(UploadError::TooFast(((1.0 - *left) / per_second).ceil() as u64));
        }
        *left -= 1.0;
        Ok(())
    }

    /// Keeps a file `who` uploaded as `name`: checked against the limits, its type decided
    /// from its content, an image re-encoded without metadata and given a thumbnail. Nothing
    /// is stored unless all of that succeeds.
    pub async fn upload(&self, who: &Speaker, name: &str, bytes: Vec<u8>) -> Result<Attachment, UploadError> {
        let owner = protocol::nickname_key(&who.nickname);
        if owner.is_empty() {
            return Err(UploadError::NotSignedIn);
        }
        let size = bytes.len() as u64;
        if size > self.options.max_file_bytes {
            return Err(UploadError::TooLarge(self.options.max_file_bytes));
        }
        // On a shared database every node counts a person's uploads together (a minute's
        // window); alone, a token bucket in memory.
        match self.store.count_in_window("upload", &owner).await? {
            Some((count, started)) if count > self.options.uploads_per_minute.max(1) => {
                let left_ms = (started + crate::store::RATE_WINDOW_MS - now_millis()).max(1000);
                return Err(UploadError::TooFast((left_ms as u64).div_ceil(1000)));
            }
            Some(_) => {}
            None => self.take_allowance(&owner)?,
        }
        let (mine, all) = self.store.upload_usage(&owner).await?;
        if mine + size > self.options.max_person_bytes {
            return Err(UploadError::PersonFull(self.options.max_person_bytes));
        }
        if all + size > self.options.max_total_bytes {
            return Err(UploadError::ServerFull);
        }
        let limits = files::Limits { max_bytes: self.options.max_file_bytes, ..files::Limits::default() };
        let prepared = {
            let _turn = self.preparing.acquire().await.map_err(|_| UploadError::Unavailable)?;
            let name = name.to_owned();
            // On a thread of its own at the lowest priority: decoding a photo takes half a
            // second of CPU, which must come from what message delivery leaves (on the
            // blocking pool at normal priority, 10 people uploading photos took the server's
            // core and the fan-out p99 went from 35 to 215 ms).
            let (done, result) = tokio::sync::oneshot::channel();
            std::thread::Builder::new()
                .name("natter-prepare".into())
                .spawn(move || {
                    search::lower_thread_priority();
                    let _ = done.send(files::prepare(&bytes, &name, &limits));
                })
                .map_err(|_| UploadError::Unavailable)?;
            result.await.map_err(|_| UploadError::Unavailable)??
        };
        let (width, height) = match prepared.kind {
            files::Kind::Image { width, height } => (Some(width), Some(height)),
            files::Kind::File => (None, None),
        };
        let attachment = Attachment {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: prepared.name,
            size: prepared.bytes.len() as u64,
            mime: prepared.mime,
            width,
            height,
            caption: None,
        };
        let _registering = self.registry.lock().await;
        let thumb = prepared.thumb.is_some();
        let hash = prepared.hash.clone();
        // No other node's sweep deletes these contents while they are recorded and written.
        let hold = self.store.hold_blob(&hash).await?;
        // The contents are recorded first: if writing them or the upload fails, the sweep finds
        // them named by no upload and deletes whatever was written.
        self.store.add_blob(&hash, prepared.bytes.len() as u64, thumb).await?;
        let written = async {
            self.blobs.put(&hash, Part::Whole, prepared.bytes).await?;
            if let Some(thumb) = prepared.thumb {
                self.blobs.put(&hash, Part::Thumb, thumb).await?;
            }
            let record = UploadRecord {
                attachment: attachment.clone(),
                owner,
                hash: hash.clone(),
                thumb,
                created_at: now_millis(),
                sent: None,
            };
            self.store.add_upload(record).await?;
            Ok::<_, UploadError>(())
        };
        let written = written.await;
        hold.release().await;
        if let Err(error) = written {
            self.swept_soon();
            return Err(error);
        }
        Ok(attachment)
    }

    /// The upload `id` for `who` (`None`: someone not signed in), when they may see it: the
    /// uploader before it is sent, then whoever may read the room of its message
    /// (`may_read(room)`).
    pub async fn find(
        &self,
        who: Option<&Speaker>,
        id: &str,
        may_read: impl FnOnce(&str) -> bool,
    ) -> Result<UploadRecord, DownloadError> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DownloadError::NotFound);
        }
        let record = match self.store.upload(id).await {
            Ok(Some(record)) => record,
            Ok(None) => return Err(DownloadError::NotFound),
            Err(error) => {
                tracing::warn!(%error, "could not read an upload");
                return Err(DownloadError::Unavailable);
            }
        };
        let allowed = match &record.sent {
            Some((room, _)) => may_read(room),
            None => who.is_some_and(|w| protocol::nickname_key(&w.nickname) == record.owner),
        };
        if allowed {
            Ok(record)
        } else {
            Err(DownloadError::NotFound)
        }
    }

    /// The contents of `record` (its thumbnail with `thumb`), the bytes `range` of them if
    /// given.
    pub async fn open(
        &self,
        record: UploadRecord,
        thumb: bool,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<Download, DownloadError> {
        let part = if thumb && record.thumb { Part::Thumb } else { Part::Whole };
        if thumb && !record.thumb {
            return Err(DownloadError::NotFound);
        }
        match self.blobs.get(&record.hash, part, range).await {
            Ok(fetched) => Ok(Download { attachment: record.attachment, hash: record.hash, part, fetched }),
            Err(error) if error.is_not_found() => Err(DownloadError::NotFound),
            Err(error) => {
                tracing::warn!(%error, "could not read a file");
                Err(DownloadError::Unavailable)
            }
        }
    }

    /// A token with which `who` may upload over HTTP until the time returned (ms).
    pub fn token(&self, who: &Speaker) -> (String, i64) {
        let expires = now_millis() + TOKEN_LIFETIME.as_millis() as i64;
        let payload = format!("{expires}.{}.{}", who.id.unwrap_or(0), hex(who.nickname.as_bytes()));
        (format!("{payload}.{}", hex(&self.sign(&payload))), expires)
    }

    /// Who a token from [`Files::token`] is for, if it is genuine and not expired.
    pub fn check_token(&self, token: &str) -> Option<Speaker> {
        let (payload, signature) = token.rsplit_once('.')?;
        let mut mac = HmacSha256::new_from_slice(&self.token_key).ok()?;
        mac.update(b"natter upload token\0");
        mac.update(payload.as_bytes());
        mac.verify_slice(&unhex(signature)?).ok()?;
        let mut parts = payload.splitn(3, '.');
        let expires: i64 = parts.next()?.parse().ok()?;
        let id: i64 = parts.next()?.parse().ok()?;
        let nickname = String::from_utf8(unhex(parts.next()?)?).ok()?;
        (expires > now_millis()).then(|| Speaker { nickname, id: (id != 0).then_some(id) })
    }

    fn sign(&self, payload: &str) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.token_key).expect("HMAC takes any key");
        mac.update(b"natter upload token\0");
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests;
