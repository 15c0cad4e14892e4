//! What operators and orchestrators ask: `/healthz` (the process serves), `/readyz` (the store
//! answers, so traffic may come; it says when the bus between nodes is down), `/metrics`
//! (Prometheus/OpenMetrics text).

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use engine::Engine;

pub fn routes<S: Clone + Send + Sync + 'static>(engine: Engine) -> Router<S> {
    let ready = engine.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/readyz",
            get(move || {
                let engine = ready.clone();
                async move {
                    match engine.ready().await {
                        // Without the bus a node still serves its own clients, and reads the
                        // other nodes' messages from the database: ready, but say so.
                        Ok(()) if engine.bus().is_some_and(|bus| !bus.is_up()) => (
                            StatusCode::OK,
                            "ready; the bus is down: other nodes' messages come from the database, up to a second late\n"
                                .to_owned(),
                        ),
                        Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
                        Err(error) => {
                            tracing::warn!(%error, "not ready: the store does not answer");
                            (StatusCode::SERVICE_UNAVAILABLE, format!("store unavailable: {error}\n"))
                        }
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let text = engine.metrics().render();
                async move {
                    (
                        [(
                            header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        text,
                    )
                        .into_response()
                }
            }),
        )
}
