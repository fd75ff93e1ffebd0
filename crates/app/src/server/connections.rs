//! The accept loop: HTTP/1.1 connections under three bounds, so that slow or idle clients cannot
//! hold the shop. A client has `header_read_timeout` to send a request's headers — the same
//! bound closes a kept-alive connection that sits idle between requests, and one that drips its
//! headers a byte at a time; at most `max_connections` are open at once (more wait in the
//! kernel's accept queue, none is refused by "Too many open files"); after the shutdown signal
//! the requests in flight get `drain` to finish, then the rest are dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The bounds on client connections (configuration: `max_connections`,
/// `header_read_timeout_seconds`, `shutdown_drain_seconds`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub drain: Duration,
}

/// Room kept for what is not a client connection: the database pool, SQLite's files, the
/// outbox, the listener, logs.
const OTHER_FILES: u64 = 64;

impl ConnectionLimits {
    /// Raises the process's soft open-file limit to its hard limit (the common `ulimit -n 1024`
    /// is a soft limit), and lowers `max_connections` to what then fits beside the other files,
    /// so a flood of sockets waits in the accept queue instead of failing every `accept`.
    pub fn fitted_to_open_files(self, database_connections: u32) -> Self {
        let soft = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(soft) => soft,
            Err(error) => {
                tracing::warn!(%error, "could not read the open-file limit");
                return self;
            }
        };
        let room = soft.saturating_sub(OTHER_FILES + u64::from(database_connections)).max(1);
        let fits = usize::try_from(room).unwrap_or(usize::MAX);
        if fits < self.max_connections {
            tracing::warn!(
                configured = self.max_connections,
                used = fits,
                open_file_limit = soft,
                "max_connections lowered to fit the open-file limit"
            );
            return Self { max_connections: fits, ..self };
        }
        self
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains within the limits.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = app.clone();
        // Peer addresses feed login throttling only; they are never stored raw.
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that hangs up or times out ends its connection: nothing to report.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!(seconds = limits.drain.as_secs(), "connections still open after the drain time: dropped");
        }
    }
}

/// Errors on one connection (reset before accept) are the client's; running out of file
/// descriptors or memory is ours: wait a little instead of spinning.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::warn!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
