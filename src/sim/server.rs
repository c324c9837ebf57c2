//! The simulators' HTTP plumbing shared by every platform: a listener that can really go down
//! (refusing connections), request counting, and the fault-injection middleware.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::faults::{FaultControl, InjectedFault, TIMEOUT_HOLD};

/// A TCP listener that closes its port while the platform is down (clients see "connection
/// refused") and binds it again when the platform comes back up.
pub(crate) struct SimListener {
    addr: SocketAddr,
    inner: Option<TcpListener>,
    down: watch::Receiver<bool>,
}

impl SimListener {
    pub(crate) fn new(listener: TcpListener, control: &FaultControl) -> io::Result<Self> {
        Ok(Self {
            addr: listener.local_addr()?,
            inner: Some(listener),
            down: control.watch_down(),
        })
    }
}

impl Listener for SimListener {
    type Io = SimStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (SimStream, SocketAddr) {
        loop {
            if *self.down.borrow_and_update() {
                self.inner = None;
                // The sender lives in the FaultControl, which outlives the server task.
                if self.down.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
                continue;
            }
            let Self { addr, inner, down } = self;
            let Some(listener) = inner.as_ref() else {
                match TcpListener::bind(*addr).await {
                    Ok(listener) => *inner = Some(listener),
                    Err(error) => {
                        tracing::warn!(%addr, %error, "simulator could not re-bind its port");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                continue;
            };
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        return (SimStream { inner: stream, down: down.clone() }, peer);
                    }
                    Err(error) => {
                        tracing::debug!(%error, "simulator accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                },
                _ = down.changed() => {}
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }
}

/// A connection that fails with "connection reset" once its platform goes down, so pooled
/// keep-alive connections do not keep a downed platform reachable.
pub(crate) struct SimStream {
    inner: TcpStream,
    down: watch::Receiver<bool>,
}

fn reset_if_down(down: &watch::Receiver<bool>) -> io::Result<()> {
    if *down.borrow() {
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "simulated platform is down",
        ))
    } else {
        Ok(())
    }
}

impl AsyncRead for SimStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        reset_if_down(&self.down)?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        reset_if_down(&self.down)?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request asking for a change: any method but GET and HEAD (what `writes` counts and what
/// the `write5xx` fault fails).
fn is_change(request: &Request) -> bool {
    !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    )
}

/// Outermost middleware of every platform: counts requests and 429s for tests.
pub(crate) async fn count_requests(
    State(control): State<Arc<FaultControl>>,
    request: Request,
    next: Next,
) -> Response {
    control.note_arrival();
    if is_change(&request) {
        control.note_write();
    }
    let response = next.run(request).await;
    control.note_response(response.status().as_u16());
    response
}

/// State of the fault middleware: the platform's control and how it shapes error bodies.
#[derive(Clone)]
pub(crate) struct FaultLayer {
    pub control: Arc<FaultControl>,
    /// The platform's JSON error body for an HTTP status (5xx, 429, 504).
    pub error_body: fn(u16) -> serde_json::Value,
}

/// A 429 carrying `Retry-After` (whole seconds, at least 1) and the platform's body.
pub(crate) fn too_many_requests(body: serde_json::Value, retry_after: Duration) -> Response {
    let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Injects latency, forced 429s and seeded random faults in front of a platform's API routes.
pub(crate) async fn inject_faults(
    State(layer): State<FaultLayer>,
    request: Request,
    next: Next,
) -> Response {
    let control = &layer.control;
    let latency = control.rates().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if control.take_forced_429() {
        control.note_injected();
        return too_many_requests((layer.error_body)(429), Duration::from_secs(1));
    }
    if let Some(code) = control.take_forced_5xx() {
        control.note_injected();
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return (status, Json((layer.error_body)(code))).into_response();
    }
    if control.take_forced_malformed(request.uri().path()) {
        control.note_injected();
        return truncate_body(next.run(request).await).await;
    }
    let fault = is_change(&request).then(|| control.roll_write()).flatten();
    let Some(fault) = fault.or_else(|| control.roll()) else {
        return next.run(request).await;
    };
    control.note_injected();
    tracing::debug!(?fault, uri = %request.uri(), "simulator injects a fault");
    match fault {
        InjectedFault::ServerError(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json((layer.error_body)(code))).into_response()
        }
        InjectedFault::TooManyRequests => {
            too_many_requests((layer.error_body)(429), Duration::from_secs(1))
        }
        InjectedFault::Timeout => {
            tokio::select! {
                _ = tokio::time::sleep(TIMEOUT_HOLD) => {}
                _ = control.shutdown_token().cancelled() => {}
            }
            (StatusCode::GATEWAY_TIMEOUT, Json((layer.error_body)(504))).into_response()
        }
        InjectedFault::Malformed => truncate_body(next.run(request).await).await,
    }
}

/// Cuts a real response body in half (or replaces an empty one with a stray `{"`), keeping
/// the JSON content type, so clients meet genuinely malformed JSON.
async fn truncate_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let cut = if bytes.len() >= 2 {
        bytes.slice(..bytes.len() / 2)
    } else {
        axum::body::Bytes::from_static(b"{\"")
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(cut))
}
