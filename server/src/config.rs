//! Start-up configuration: command-line flags, each with an environment fallback.

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug, Clone)]
#[command(name = "natter", version, about = "Natter: a real-time chat server")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "NATTER_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory of the embedded SQLite database (created if missing), and of what a node
    /// keeps for itself: the search index and the files of an SQLite node, the session key
    /// when no secret is given.
    #[arg(long, env = "NATTER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Where messages, rooms and people are kept: `postgres://user@host:5432/db` (several
    /// nodes may share it; see docs/scaling.md) or `sqlite://PATH` (a database file).
    /// Default: `natter.db` in the data directory.
    #[arg(long, env = "NATTER_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Redis (`redis://host:6379`) for the bus between nodes: each node publishes its room
    /// events, typing and presence there and delivers the others'. Needed by every node of a
    /// cluster; a single node needs none.
    #[arg(long, env = "NATTER_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Directory of the built site (the `pkg/` folder with WASM, JS and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Secret that signs session cookies (at least 32 bytes). Every node of a cluster needs
    /// the same one. Without it, a random key is created once and kept in the data directory.
    #[arg(long, env = "NATTER_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// A file holding the secret (instead of `--secret`), e.g. one mounted on every node.
    #[arg(long, env = "NATTER_SECRET_FILE", conflicts_with = "secret")]
    pub secret_file: Option<PathBuf>,

    /// Mark session cookies `Secure` (set when the site is served over HTTPS).
    #[arg(long, env = "NATTER_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Origins (`scheme://host[:port]`, comma-separated) besides the server's own from which
    /// browsers may open the live connection and post forms (e.g. when a proxy serves the
    /// site under another name).
    #[arg(long = "allowed-origin", env = "NATTER_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Messages one connection may send a second (bursts of six times that); beyond it the
    /// client is told to slow down. Benchmarks of raw capacity raise it.
    #[arg(long, env = "NATTER_MAX_MESSAGES_PER_SECOND", default_value_t = engine::session::MESSAGES_PER_SECOND)]
    pub max_messages_per_second: u32,

    /// Live connections served at once; beyond it a new one is refused (503, Retry-After)
    /// instead of degrading everyone's.
    #[arg(long, env = "NATTER_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: u32,

    /// Seconds between pings on a live connection the client has been silent on. One that
    /// answers nothing (no pong, no frame) for two of them, or takes no bytes for as long, is
    /// dropped: a vanished laptop or phone leaves the presence list and frees its slot.
    #[arg(long, env = "NATTER_KEEPALIVE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub keepalive_secs: u64,

    /// Largest file one may upload, in bytes.
    #[arg(long, env = "NATTER_MAX_FILE_BYTES", default_value_t = engine::files::FileOptions::default().max_file_bytes)]
    pub max_file_bytes: u64,

    /// Bytes of files one person may keep (their uploads, until the messages are deleted).
    #[arg(long, env = "NATTER_MAX_PERSON_FILE_BYTES", default_value_t = engine::files::FileOptions::default().max_person_bytes)]
    pub max_person_file_bytes: u64,

    /// Bytes of files the server keeps in all; beyond it uploads are refused as "server full".
    #[arg(long, env = "NATTER_MAX_FILE_STORAGE_BYTES", default_value_t = engine::files::FileOptions::default().max_total_bytes)]
    pub max_file_storage_bytes: u64,

    /// Uploads one person may make a minute.
    #[arg(long, env = "NATTER_UPLOADS_PER_MINUTE", default_value_t = engine::files::FileOptions::default().uploads_per_minute)]
    pub uploads_per_minute: u32,

    /// Where files are kept: `file:///dir`, or an S3-compatible bucket
    /// `s3://bucket?endpoint=https://…&region=…` (credentials from the AWS environment
    /// variables). Default: `files/` in the data directory.
    #[arg(long, env = "NATTER_FILE_STORE")]
    pub file_store: Option<String>,

    /// Log format.
    #[arg(long, env = "NATTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}
