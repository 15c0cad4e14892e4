//! Where file contents live, by content address: a directory under the data directory by
//! default, or an S3-compatible bucket (the scale-out option) — one code path through
//! `object_store`. Keys are `files/{sha256}` and `thumbs/{sha256}`; the same contents are
//! stored once however often they are uploaded.

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload};
use std::ops::Range;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("file store: {0}")]
    Store(#[from] object_store::Error),
    #[error("file store directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error(
        "file store address {0:?}: expected file:// or s3://bucket[?endpoint=…&region=…&allow_http=true]"
    )]
    Address(String),
}

impl BlobError {
    /// The blob is not there.
    pub fn is_not_found(&self) -> bool {
        matches!(self, BlobError::Store(object_store::Error::NotFound { .. }))
    }
}

/// Which blob of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The file as stored.
    Whole,
    /// An image's thumbnail.
    Thumb,
}

fn key(hash: &str, part: Part) -> Key {
    let folder = match part {
        Part::Whole => "files",
        Part::Thumb => "thumbs",
    };
    Key::from(format!("{folder}/{hash}"))
}

/// Some bytes of a blob, streamed, and how large the whole blob is.
pub struct Fetched {
    pub size: u64,
    /// The range sent (the whole blob when none was asked).
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, BlobError>>,
}

impl Fetched {
    /// All the bytes fetched, read into memory (small parts: thumbnails, tests).
    pub async fn bytes(self) -> Result<Vec<u8>, BlobError> {
        let mut body = self.body;
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// Where, for the start-up log (no secrets).
    pub place: String,
}

impl Blobs {
    /// A directory on disk (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Blobs, BlobError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| BlobError::Directory { path: dir.display().to_string(), source })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Blobs { store: Arc::new(store), place: dir.display().to_string() })
    }

    /// From an address: `file:///path`, or `s3://bucket` with credentials from the usual AWS
    /// environment variables and, in the query, `endpoint=` (an S3-compatible server),
    /// `region=` and `allow_http=true`.
    pub fn from_address(address: &str) -> Result<Blobs, BlobError> {
        if let Some(path) = address.strip_prefix("file://") {
            return Blobs::local(std::path::Path::new(path));
        }
        let Some(rest) = address.strip_prefix("s3://") else {
            return Err(BlobError::Address(address.to_owned()));
        };
        let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(BlobError::Address(address.to_owned()));
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("endpoint", value)) => builder = builder.with_endpoint(value),
                Some(("region", value)) => builder = builder.with_region(value),
                Some(("allow_http", value)) => builder = builder.with_allow_http(value == "true"),
                _ => return Err(BlobError::Address(address.to_owned())),
            }
        }
        Ok(Blobs { store: Arc::new(builder.build()?), place: format!("s3://{bucket}") })
    }

    /// Stores `bytes` as the `part` of file `hash`, unless it is there already.
    pub async fn put(&self, hash: &str, part: Part, bytes: Vec<u8>) -> Result<(), BlobError> {
        let key = key(hash, part);
        if self.store.head(&key).await.is_ok() {
            return Ok(());
        }
        self.store.put(&key, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The `part` of file `hash`, or the bytes `range` of it (clamped to its size).
    pub async fn get(&self, hash: &str, part: Part, range: Option<Range<u64>>) -> Result<Fetched, BlobError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let got = self.store.get_opts(&key(hash, part), options).await?;
        let (size, range) = (got.meta.size, got.range.clone());
        let body = got.into_stream().map(|chunk| chunk.map_err(BlobError::from)).boxed();
        Ok(Fetched { size, range, body })
    }

    /// Forgets file `hash` (both parts); fine if they are gone already.
    pub async fn delete(&self, hash: &str) -> Result<(), BlobError> {
        for part in [Part::Whole, Part::Thumb] {
            match self.store.delete(&key(hash, part)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// Whether the `part` of file `hash` is stored.
    pub async fn exists(&self, hash: &str, part: Part) -> Result<bool, BlobError> {
        match self.store.head(&key(hash, part)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_stored_once_read_in_ranges_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::from_address(&format!("file://{}", dir.path().display())).unwrap();
        let hash = crate::media::hash(b"hello world");
        blobs.put(&hash, Part::Whole, b"hello world".to_vec()).await.unwrap();
        blobs.put(&hash, Part::Whole, b"hello world".to_vec()).await.unwrap();
        assert!(blobs.exists(&hash, Part::Whole).await.unwrap());
        assert!(!blobs.exists(&hash, Part::Thumb).await.unwrap());
        let whole = blobs.get(&hash, Part::Whole, None).await.unwrap();
        assert_eq!((whole.size, whole.range.clone()), (11, 0..11));
        assert_eq!(whole.bytes().await.unwrap(), b"hello world");
        let part = blobs.get(&hash, Part::Whole, Some(6..11)).await.unwrap();
        assert_eq!(part.range, 6..11);
        assert_eq!(part.bytes().await.unwrap(), b"world");
        blobs.delete(&hash).await.unwrap();
        blobs.delete(&hash).await.unwrap();
        assert!(!blobs.exists(&hash, Part::Whole).await.unwrap());
        assert!(matches!(Blobs::from_address("ftp://x"), Err(BlobError::Address(_))));
    }
}
