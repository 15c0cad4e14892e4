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

    /// Directory of the embedded SQLite database (created if missing).
    #[arg(long, env = "NATTER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Directory of the built site (the `pkg/` folder with WASM, JS and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Secret that signs session cookies (at least 32 bytes). Every node of a cluster needs
    /// the same one. Without it, a random key is created once and kept in the data directory.
    #[arg(long, env = "NATTER_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Mark session cookies `Secure` (set when the site is served over HTTPS).
    #[arg(long, env = "NATTER_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Log format.
    #[arg(long, env = "NATTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}
