//! A small pool of long-lived HTTP/2 connections to one APNs host.
//!
//! Apple wants providers to keep connections open and multiplex requests on them, with several
//! connections for volume. The pool has `max_connections` slots, opened lazily:
//!
//! * a send takes the open connection with the fewest requests in flight, as long as that is
//!   below the server's SETTINGS_MAX_CONCURRENT_STREAMS;
//! * when every open connection is saturated, the next empty slot gets a new connection;
//! * when all slots are open and saturated, the send joins the least busy connection and hyper
//!   holds it until a stream frees up.
//!
//! So a trickle of sends uses one connection, and a burst grows the pool up to its size. A
//! connection that failed or closed leaves its slot, and the next send that needs it reconnects.

use std::error::Error as StdError;
use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http2::{self, SendRequest};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// PING an idle connection this often so that NATs and load balancers keep it, and a dead peer
/// is noticed before a send needs it.
const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(60);
/// A PING unanswered for this long closes the connection.
const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the pool connects: host and port for TCP, and the name the certificate must carry.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) server_name: ServerName<'static>,
}

pub(crate) struct Pool {
    target: Target,
    tls: TlsConnector,
    slots: Box<[Slot]>,
}

#[derive(Default)]
struct Slot {
    current: Mutex<Option<Arc<Connection>>>,
    /// Held while a connection for this slot is being opened, so one handshake runs per slot.
    opening: tokio::sync::Mutex<()>,
}

struct Connection {
    sender: SendRequest<Full<Bytes>>,
    in_flight: AtomicUsize,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS as the connection task last saw it.
    max_streams: Arc<AtomicUsize>,
}

/// One request's claim on a connection; counts as in flight until dropped.
pub(crate) struct Lease<'a> {
    pool: &'a Pool,
    slot: usize,
    connection: Arc<Connection>,
}

impl Pool {
    pub(crate) fn new(target: Target, tls: TlsConnector, max_connections: usize) -> Pool {
        let slots = (0..max_connections).map(|_| Slot::default()).collect();
        Pool { target, tls, slots }
    }

    /// A connection to send one request on, opened if needed.
    pub(crate) async fn acquire(&self) -> Result<Lease<'_>, String> {
        loop {
            let mut least_busy: Option<(usize, Arc<Connection>)> = None;
            let mut vacant = None;
            for (index, slot) in self.slots.iter().enumerate() {
                match slot.live() {
                    Some(connection) => {
                        if least_busy.as_ref().is_none_or(|(_, best)| connection.in_flight() < best.in_flight()) {
                            least_busy = Some((index, connection));
                        }
                    }
                    None => {
                        vacant.get_or_insert(index);
                    }
                }
            }

            if let Some((index, connection)) = &least_busy
                && connection.has_free_stream()
            {
                return Ok(self.lease(*index, Arc::clone(connection)));
            }
            if let Some(vacant) = vacant {
                match self.open(vacant).await {
                    Ok(Some(lease)) => return Ok(lease),
                    // Someone else filled that slot and it is saturated already: look again.
                    Ok(None) => continue,
                    Err(error) => {
                        // Growing failed, but a busy connection still beats no connection.
                        let Some((index, connection)) = least_busy else { return Err(error) };
                        tracing::debug!(%error, "could not open another APNs connection; queueing on a busy one");
                        return Ok(self.lease(index, connection));
                    }
                }
            }
            return match least_busy {
                // Every slot holds a saturated connection: hyper queues the request on this one.
                Some((index, connection)) => Ok(self.lease(index, connection)),
                None => Err("the APNs connection pool has no slots".to_owned()),
            };
        }
    }

    /// Opens a connection in slot `index`, unless one appeared there while we waited for the
    /// slot; that one is used when it has a free stream, else `None` sends the caller back to
    /// pick again.
    async fn open(&self, index: usize) -> Result<Option<Lease<'_>>, String> {
        let slot = &self.slots[index];
        let _opening = slot.opening.lock().await;
        if let Some(connection) = slot.live() {
            return Ok(connection.has_free_stream().then(|| self.lease(index, connection)));
        }
        let connection = Arc::new(self.connect().await?);
        *slot.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&connection));
        Ok(Some(self.lease(index, connection)))
    }

    fn lease(&self, slot: usize, connection: Arc<Connection>) -> Lease<'_> {
        connection.in_flight.fetch_add(1, Ordering::Relaxed);
        Lease { pool: self, slot, connection }
    }

    async fn connect(&self) -> Result<Connection, String> {
        let Target { host, port, server_name } = &self.target;
        let tcp = TcpStream::connect((host.as_str(), *port))
            .await
            .map_err(|error| format!("connecting to APNs at {host}:{port} failed: {error}"))?;
        // Notifications are small and latency matters more than packet count.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not disable Nagle's algorithm on the APNs connection");
        }
        let tls = self
            .tls
            .connect(server_name.clone(), tcp)
            .await
            .map_err(|error| format!("TLS handshake with APNs at {host}:{port} failed: {}", describe(&error)))?;
        if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
            return Err(format!("APNs at {host}:{port} did not agree to HTTP/2 (ALPN h2)"));
        }

        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .keep_alive_interval(KEEP_ALIVE_INTERVAL)
            .keep_alive_timeout(KEEP_ALIVE_TIMEOUT)
            .keep_alive_while_idle(true)
            // Open one stream until the server's SETTINGS say how many it takes; streams beyond
            // its limit would be refused.
            .initial_max_send_streams(1)
            .handshake::<_, Full<Bytes>>(TokioIo::new(tls))
            .await
            .map_err(|error| format!("HTTP/2 handshake with APNs at {host}:{port} failed: {}", describe(&error)))?;

        let max_streams = Arc::new(AtomicUsize::new(1));
        let published = Arc::clone(&max_streams);
        let peer = format!("{host}:{port}");
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            // Drive the connection, and after every step publish the stream limit, which only
            // the connection object knows and the pool needs to decide when to grow.
            let outcome = poll_fn(|context| {
                let step = connection.as_mut().poll(context);
                published.store(connection.current_max_send_streams(), Ordering::Relaxed);
                step
            })
            .await;
            match outcome {
                Ok(()) => tracing::debug!(%peer, "APNs connection closed"),
                Err(error) => tracing::debug!(%peer, error = %describe(&error), "APNs connection failed"),
            }
        });

        Ok(Connection { sender, in_flight: AtomicUsize::new(0), max_streams })
    }
}

impl Slot {
    /// The slot's connection unless it has closed (peer GOAWAY, failed keep-alive, reset).
    fn live(&self) -> Option<Arc<Connection>> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|connection| connection.sender.is_closed()) {
            *current = None;
        }
        current.clone()
    }
}

impl Connection {
    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn has_free_stream(&self) -> bool {
        self.in_flight() < self.max_streams.load(Ordering::Relaxed)
    }
}

impl Lease<'_> {
    pub(crate) async fn send(&self, request: http::Request<Full<Bytes>>) -> hyper::Result<http::Response<Incoming>> {
        // SendRequest handles of one HTTP/2 connection are cheap clones sharing its streams.
        self.connection.sender.clone().send_request(request).await
    }

    /// The request failed at the connection level: stop handing this connection out, so the
    /// next send opens a fresh one instead of finding a broken one. Requests still running on it
    /// finish or fail on their own.
    pub(crate) fn discard(&self) {
        let slot = &self.pool.slots[self.slot];
        let mut current = slot.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|connection| Arc::ptr_eq(connection, &self.connection)) {
            *current = None;
        }
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.connection.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An error with its causes, which hyper and rustls keep in the source chain ("connection
/// error" alone does not say that the peer reset the stream).
pub(crate) fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
