//! What the daemon's benchmarks share: a request through the router, timed to its
//! last byte; percentiles and milliseconds.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

/// `request` through `router` in-process, the body collected: the time, the status
/// and the body.
pub async fn timed(router: &Router, request: Request<Body>) -> (Duration, StatusCode, Bytes) {
    let t = Instant::now();
    let response = router.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (t.elapsed(), status, body)
}

/// The `p` quantile (0–1) of `sorted`, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
