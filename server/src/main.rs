//! The `natter` binary: reads its configuration, opens the engine and serves the chat.

mod config;
mod emoji;
mod files;
mod guard;
mod live;
mod ops;
mod routes;
mod secret;
mod sse;

use config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// mimalloc: under load glibc's malloc and free were a fifth of the server's time, with
/// mimalloc they are a few per cent (`docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    no_huge_pages();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("natter: cannot start the async runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Keeps transparent huge pages out of this process, before the runtime's threads start.
/// mimalloc asks for them where the kernel leaves it the choice, and a 2 MiB page is resident
/// as soon as one connection's few hundred bytes touch it: 10,000 idle connections took 9–11
/// KiB each instead of 5–6.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

async fn run() -> std::process::ExitCode {
    let config = Config::from_command_line();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log_format {
        // Colours only for a terminal, not for log files and pipes.
        LogFormat::Human => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
    }
    tracing::info!(
        addr = %config.addr,
        data_dir = %config.data_dir.display(),
        database = config.database_url.as_deref().map_or("natter.db in the data directory", database_kind),
        bus = if config.redis_url.is_some() { "redis" } else { "none (a single node)" },
        site_root = %config.site_root.display(),
        log_format = ?config.log_format,
        secret = if config.secret_file.is_some() {
            "from the secret file"
        } else if config.secret.is_some() {
            "from NATTER_SECRET"
        } else {
            "kept in the data directory"
        },
        secure_cookies = config.secure_cookies,
        allowed_origins = ?config.allowed_origins,
        max_messages_per_second = config.max_messages_per_second,
        max_connections = config.max_connections,
        keepalive_secs = config.keepalive_secs,
        max_file_bytes = config.max_file_bytes,
        max_person_file_bytes = config.max_person_file_bytes,
        max_file_storage_bytes = config.max_file_storage_bytes,
        uploads_per_minute = config.uploads_per_minute,
        file_store = config.file_store.as_deref().unwrap_or("files/ in the data directory"),
        "natter starting"
    );
    match routes::serve(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What a database URL names, without its credentials (for the log).
fn database_kind(url: &str) -> &'static str {
    if url.starts_with("sqlite://") {
        "sqlite"
    } else {
        "postgresql"
    }
}
