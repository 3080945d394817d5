//! Where the plugin listens, as go-plugin does: a unix socket everywhere but
//! Windows, TCP on 127.0.0.1 there, in `PLUGIN_MIN_PORT`..`PLUGIN_MAX_PORT`.
//! `PLUGIN_TRANSPORT=tcp` selects TCP on any system (Terraform's client
//! accepts either on every OS), so that the TCP path is tested where the
//! tests run. The accepted connections, with or without TLS, become one
//! [`Conn`] type for tonic.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

use crate::platform::{BoxIo, LocalSocket, UNIX_SOCKETS};

/// The variable that selects the transport (`unix` or `tcp`).
pub const TRANSPORT_VAR: &str = "PLUGIN_TRANSPORT";

/// The two networks go-plugin's handshake names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Unix,
    Tcp,
}

impl Network {
    /// The handshake's and `TF_REATTACH_PROVIDERS`' name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Unix => "unix",
            Network::Tcp => "tcp",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("{TRANSPORT_VAR} must be \"unix\" or \"tcp\", not {0:?}")]
    Unknown(String),
    #[error("{TRANSPORT_VAR}=unix: this system has no unix sockets; go-plugin serves tcp here")]
    NoUnixSockets,
    #[error("couldn't get value from {var}: {value:?} is not a whole number")]
    Port { var: &'static str, value: String },
    #[error("PLUGIN_MIN_PORT value of {min} is greater than PLUGIN_MAX_PORT value of {max}")]
    PortOrder { min: i64, max: i64 },
    #[error("couldn't bind plugin TCP listener: no free port on 127.0.0.1 in {min}..={max}")]
    PortsTaken { min: i64, max: i64 },
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: io::Error },
}

/// The transport the environment asks for, else this system's default.
pub fn chosen_network(value: Option<&str>) -> Result<Network, TransportError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None if UNIX_SOCKETS => Ok(Network::Unix),
        None => Ok(Network::Tcp),
        Some(v) if v.eq_ignore_ascii_case("tcp") => Ok(Network::Tcp),
        Some(v) if v.eq_ignore_ascii_case("unix") && UNIX_SOCKETS => Ok(Network::Unix),
        Some(v) if v.eq_ignore_ascii_case("unix") => Err(TransportError::NoUnixSockets),
        Some(v) => Err(TransportError::Unknown(v.to_string())),
    }
}

/// go-plugin's port range: each bound from its variable, 0 when unset (so
/// both unset is any free port), an error when not a number or when the
/// minimum is above the maximum.
pub fn port_range(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<RangeInclusive<i64>, TransportError> {
    let parse = |var: &'static str, value: Option<&str>| match value.filter(|v| !v.is_empty()) {
        None => Ok(0),
        Some(v) => v
            .parse::<i32>()
            .map(i64::from)
            .map_err(|_| TransportError::Port {
                var,
                value: v.to_string(),
            }),
    };
    let (min, max) = (
        parse("PLUGIN_MIN_PORT", min)?,
        parse("PLUGIN_MAX_PORT", max)?,
    );
    if min > max {
        return Err(TransportError::PortOrder { min, max });
    }
    Ok(min..=max)
}

/// A bound listener.
pub struct Listener(Bound);

enum Bound {
    Local(LocalSocket),
    Tcp(TcpListener, SocketAddr),
}

impl Listener {
    /// Binds `network`: the socket in `PLUGIN_UNIX_SOCKET_DIR` or the
    /// temporary folder, or the first free port of the range on 127.0.0.1.
    pub fn bind(network: Network) -> Result<Listener, TransportError> {
        match network {
            Network::Unix => {
                let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .unwrap_or_else(std::env::temp_dir);
                LocalSocket::bind(&dir)
                    .map(|s| Listener(Bound::Local(s)))
                    .map_err(|(path, source)| TransportError::Listen {
                        address: path.display().to_string(),
                        source,
                    })
            }
            Network::Tcp => {
                let var = |k| std::env::var(k).ok();
                let range = port_range(
                    var("PLUGIN_MIN_PORT").as_deref(),
                    var("PLUGIN_MAX_PORT").as_deref(),
                )?;
                bind_tcp(range)
            }
        }
    }

    pub fn network(&self) -> Network {
        match self.0 {
            Bound::Local(_) => Network::Unix,
            Bound::Tcp(..) => Network::Tcp,
        }
    }

    /// The address for the handshake line.
    pub fn address(&self) -> String {
        match &self.0 {
            Bound::Local(s) => s.address(),
            Bound::Tcp(_, addr) => addr.to_string(),
        }
    }

    async fn accept(&self) -> io::Result<BoxIo> {
        match &self.0 {
            Bound::Local(s) => s.accept().await,
            Bound::Tcp(l, _) => {
                let (stream, _) = l.accept().await?;
                // Go's net package sets TCP_NODELAY on every connection; gRPC's
                // small frames would otherwise wait on Nagle's algorithm.
                stream.set_nodelay(true)?;
                Ok(Box::new(stream))
            }
        }
    }
}

/// The first port of `range` that binds on 127.0.0.1, as go-plugin tries them.
fn bind_tcp(range: RangeInclusive<i64>) -> Result<Listener, TransportError> {
    let (min, max) = (*range.start(), *range.end());
    for port in range.filter_map(|p| u16::try_from(p).ok()) {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let Ok(std_listener) = std::net::TcpListener::bind(addr) else {
            continue;
        };
        let listener = std_listener
            .set_nonblocking(true)
            .and_then(|()| TcpListener::from_std(std_listener))
            .and_then(|l| Ok((l.local_addr()?, l)));
        return match listener {
            Ok((bound, l)) => Ok(Listener(Bound::Tcp(l, bound))),
            Err(source) => Err(TransportError::Listen {
                address: addr.to_string(),
                source,
            }),
        };
    }
    Err(TransportError::PortsTaken { min, max })
}

/// The connections for tonic, and the future that accepts them: it owns the
/// listener, which (with a socket's file) goes when the future is dropped.
/// Each TLS handshake (when `tls` is given) runs in its own task, so that a
/// slow or refused client never holds up the others.
pub fn incoming(
    listener: Listener,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> (
    ReceiverStream<Result<Conn, io::Error>>,
    impl std::future::Future<Output = ()>,
) {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let accepting = async move {
        loop {
            let stream = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let Some(acceptor) = acceptor.clone() else {
                if tx.send(Ok(Conn(stream))).await.is_err() {
                    break;
                }
                continue;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(Conn(Box::new(tls)))).await;
                    }
                    Err(e) => tracing::warn!(error = %e, "TLS handshake refused"),
                }
            });
        }
    };
    (ReceiverStream::new(rx), accepting)
}

/// An accepted connection (TLS or not, socket or TCP), as tonic wants it.
pub struct Conn(BoxIo);

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_follow_go_plugin() {
        assert_eq!(port_range(None, None).unwrap(), 0..=0);
        assert_eq!(
            port_range(Some("10000"), Some("25000")).unwrap(),
            10000..=25000
        );
        assert_eq!(port_range(Some(""), Some("5")).unwrap(), 0..=5);
        let e = port_range(Some("25000"), Some("10000"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "PLUGIN_MIN_PORT value of 25000 is greater than PLUGIN_MAX_PORT value of 10000"
        );
        let e = port_range(Some("ten"), None).unwrap_err().to_string();
        assert!(
            e.contains("PLUGIN_MIN_PORT") && e.contains("\"ten\""),
            "{e}"
        );
        assert!(
            port_range(None, Some("99999999999")).is_err(),
            "beyond int32, as ParseInt(.., 32)"
        );
    }

    #[test]
    fn the_transport_is_chosen_by_name() {
        assert_eq!(chosen_network(Some("tcp")).unwrap(), Network::Tcp);
        assert_eq!(chosen_network(Some("TCP")).unwrap(), Network::Tcp);
        let default = if UNIX_SOCKETS {
            Network::Unix
        } else {
            Network::Tcp
        };
        assert_eq!(chosen_network(None).unwrap(), default);
        assert_eq!(chosen_network(Some(" ")).unwrap(), default);
        assert!(chosen_network(Some("udp"))
            .unwrap_err()
            .to_string()
            .contains("\"udp\""));
    }

    #[tokio::test]
    async fn tcp_takes_the_first_free_port_of_the_range() {
        let Listener(Bound::Tcp(held, first)) = bind_tcp(0..=0).unwrap() else {
            panic!("not tcp")
        };
        let port = i64::from(first.port());
        // The held port is skipped; the next free one is taken.
        let next = bind_tcp(port..=port + 50).unwrap();
        let Listener(Bound::Tcp(_, addr)) = &next else {
            panic!("not tcp")
        };
        assert!(addr.ip().is_loopback());
        assert!(i64::from(addr.port()) > port && i64::from(addr.port()) <= port + 50);
        assert_eq!(next.address(), addr.to_string());
        let e = bind_tcp(port..=port)
            .err()
            .expect("the only port is taken")
            .to_string();
        assert!(e.contains("couldn't bind plugin TCP listener"), "{e}");
        drop(held);
    }
}
