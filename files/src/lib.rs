//! Natter's files: what an upload is and what of it is kept ([`media`]: the type decided from
//! the content, images decoded under limits and encoded again without their metadata, a
//! thumbnail), and where the contents live ([`blobs`]: by content address, in a directory or
//! an S3-compatible bucket). Who may upload how much, and who may see what, is the engine's.

pub mod blobs;
pub mod media;
pub mod samples;

pub use blobs::{BlobError, Blobs, Fetched, Part};
pub use media::{prepare, sanitize_name, Kind, Limits, Prepared, Refused};
