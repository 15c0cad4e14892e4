//! The HTTP side: Leptos pages and server functions, the live WebSocket (`live`), static
//! files, and graceful shutdown.

use crate::config::Config;
use crate::guard::AllowedOrigins;
use crate::live::Live;
use app::identity::SessionKey;
use app::{shell, App};
use axum::serve::ListenerExt;
use axum::Router;
use engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the message store: {0}")]
    Store(#[from] engine::store::StoreError),
    #[error(transparent)]
    Secret(#[from] crate::secret::SecretError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Config(String),
}

/// The whole HTTP service: the routes, wrapped in the middleware every request passes.
///
/// The middleware wraps the router as one service rather than being added with
/// `Router::layer`, which wraps each route's handler in all of it: axum clones the matched
/// route's handlers for every request, and with the four layers on each that was about 14%
/// of the server's busy time while 10,000 people joined (`perf`). The live WebSocket (`live::upgrade`) is
/// answered before routing.
pub fn router(
    engine: Engine,
    session: SessionKey,
    options: LeptosOptions,
    allowed: AllowedOrigins,
    live: Live,
) -> axum::routing::IntoMakeService<
    impl tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future = impl Send,
        > + Clone
        + Send
        + 'static,
> {
    let routes = generate_route_list(App);
    let ops = crate::ops::routes(engine.clone());
    let files =
        crate::files::routes(crate::files::FileRoutes { engine: engine.clone(), session: session.clone() });
    let context = move || {
        provide_context(engine.clone());
        provide_context(session.clone());
    };
    let routes = Router::new()
        .merge(ops)
        .merge(files)
        .merge(crate::emoji::routes())
        .merge(crate::sse::routes(crate::sse::Sse::new(live.clone())))
        .leptos_routes_with_context(&options, routes, context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);
    // The first layer is the outermost.
    let service = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(crate::guard::security_headers))
        .layer(axum::middleware::from_fn_with_state(allowed, crate::guard::same_origin))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(live, crate::live::upgrade))
        .service(routes);
    axum::ServiceExt::<axum::extract::Request>::into_make_service(service)
}

pub async fn serve(config: Config) -> Result<(), StartError> {
    let secret = match &config.secret_file {
        Some(path) => Some(crate::secret::read_file(path)?),
        None => config.secret.clone(),
    };
    let shared = config.database_url.as_deref().is_some_and(|url| !url.starts_with("sqlite://"));
    if shared && secret.is_none() {
        // Each node would make a key of its own, and a session made on one node would not
        // be taken by the next.
        return Err(StartError::Config(
            "a node on a shared database needs the cluster's secret: --secret, NATTER_SECRET or --secret-file"
                .into(),
        ));
    }
    if shared && config.file_store.is_none() {
        tracing::warn!(
            "files are kept in this node's data directory: the other nodes cannot serve them; \
             give every node the same --file-store (an S3-compatible bucket)"
        );
    }
    let key = crate::secret::session_key(secret.as_deref(), &config.data_dir)?;
    let files = engine::files::FileOptions {
        max_file_bytes: config.max_file_bytes,
        max_person_bytes: config.max_person_file_bytes,
        max_total_bytes: config.max_file_storage_bytes,
        uploads_per_minute: config.uploads_per_minute,
        blobs: config.file_store.clone(),
    };
    let options = engine::Options {
        messages_per_second: config.max_messages_per_second,
        files,
        // Upload tokens are signed with the session key, so any node of a cluster takes them.
        token_key: key.signing().to_vec(),
        ..Default::default()
    };
    let backends =
        engine::Backends { database_url: config.database_url.clone(), redis_url: config.redis_url.clone() };
    let engine = Engine::open(&config.data_dir, &backends, options).await?;
    let session = SessionKey { key: std::sync::Arc::new(key), secure: config.secure_cookies };
    let options = LeptosOptions::builder()
        .output_name("natter")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_addr(config.addr)
        .build();
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Listen { addr: config.addr, source })?;
    let local = listener.local_addr().map_err(StartError::Serve)?;
    tracing::info!("listening on http://{local}");
    let allowed = AllowedOrigins(std::sync::Arc::new(config.allowed_origins.clone()));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let keepalive = std::time::Duration::from_secs(config.keepalive_secs);
    let live = Live::new(engine.clone(), session.clone(), config.max_connections, keepalive, stopping);
    let app = router(engine, session, options, allowed, live.clone());
    // No Nagle: a chat's frames are small and must leave at once. With it, a frame written
    // while the one before is unacknowledged waits for the client's delayed ACK (up to 40 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    // On SIGTERM: stop accepting; live connections answer the posts in flight, then close
    // with 1012 (restarting) so clients reconnect; exit once they are done or after 3 s.
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        })
        .await
        .map_err(StartError::Serve)?;
    live.drained().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            term.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
