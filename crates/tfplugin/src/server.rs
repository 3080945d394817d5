//! Serving a provider to Terraform: the go-plugin handshake, AutoMTLS, the
//! helper services go-plugin expects (controller, stdio, broker, health), and
//! the `--debug` mode that prints `TF_REATTACH_PROVIDERS`.

use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, Notify};
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status, Streaming};

use crate::deferred::{deferred, Deferred};
use crate::framework::{Context, Provider};
use crate::grpc::ProviderService;
use crate::proto::plugin as gp;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::tls;

/// The cookie Terraform sets so that plugins know they were started by it.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's core protocol version, and ours.
const CORE_PROTOCOL_VERSION: u32 = 1;
const APP_PROTOCOL_VERSION: u32 = 6;
/// Terraform asks for schemas with a 64 MiB limit; allow as much as HashiCorp's SDK does.
const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How the provider presents itself.
pub struct ServeOptions {
    /// Full source address, such as `registry.terraform.io/acme/example`.
    pub address: &'static str,
    /// The binary's name, for messages.
    pub binary_name: &'static str,
    /// The version, for `--version`.
    pub version: &'static str,
    /// Crate names (tracing target prefixes) whose debug and trace logs to show.
    pub log_targets: &'static [&'static str],
}

/// Runs the provider process: parses the command line, then serves until
/// Terraform shuts it down. Returns the process exit code.
pub fn serve<P: Provider>(
    opts: &ServeOptions,
    provider: impl FnOnce() -> P + Send + 'static,
) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let debug = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => false,
        ["--debug" | "-debug"] => true,
        ["--version" | "-version"] => {
            println!("{} {}", opts.binary_name, opts.version);
            return ExitCode::SUCCESS;
        }
        ["--help" | "-help" | "-h"] => {
            eprintln!("{}", usage(opts));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{}", usage(opts));
            return ExitCode::from(2);
        }
    };
    if !debug && std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        eprintln!("{}", usage(opts));
        return ExitCode::FAILURE;
    }
    crate::logging::init("provider", opts.log_targets);
    // Terraform's certificate for AutoMTLS; none in `--debug` mode.
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|c| !debug && !c.trim().is_empty());
    let start = match start_up(provider, client_cert) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", opts.binary_name);
            return ExitCode::FAILURE;
        }
    };
    // One thread serves every call: Terraform's calls run concurrently on it,
    // each waiting on the network far longer than it computes. Worker threads
    // cost a third of start-up (Terraform starts the provider several times
    // a plan) and, measured over a plan of 100 resources, more CPU than they
    // save: 26.8 ms of provider CPU with them, 20.2 ms without. The schemas
    // and the TLS certificate are made on a thread of their own meanwhile.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", opts.binary_name);
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        if debug {
            run_debug(opts, start.provider).await
        } else {
            run_managed(start).await
        }
    });
    match result {
        Ok(()) => {
            // Exit without waiting for idle connections or blocking threads:
            // Terraform is waiting for us to go.
            runtime.shutdown_background();
            log_cpu_time();
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "plugin server failed");
            eprintln!("{}: {e}", opts.binary_name);
            runtime.shutdown_background();
            ExitCode::FAILURE
        }
    }
}

/// Logs the CPU time and the peak resident memory this process used (debug
/// level), so that benchmarks and tests can tell the provider's own share
/// of a Terraform run.
fn log_cpu_time() {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return;
    }
    // The field types differ between platforms (i32 microseconds on macOS).
    #[allow(clippy::useless_conversion)]
    let us = |t: libc::timeval| i64::from(t.tv_sec) * 1_000_000 + i64::from(t.tv_usec);
    tracing::debug!(
        cpu_user_us = us(ru.ru_utime),
        cpu_system_us = us(ru.ru_stime),
        max_rss_kib = max_rss_kib(&ru),
        "plugin process exiting"
    );
}

/// The peak resident set in KiB: this program's own (`VmHWM` on Linux;
/// `ru_maxrss` there would count the memory of the process that started us,
/// kept across `exec`), else `ru_maxrss` (macOS counts it in bytes).
#[allow(clippy::useless_conversion)]
fn max_rss_kib(ru: &libc::rusage) -> i64 {
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<i64>().ok()
        });
    let raw = i64::from(ru.ru_maxrss);
    match hwm {
        Some(kib) => kib,
        None if cfg!(target_os = "macos") => raw / 1024,
        None => raw,
    }
}

fn usage(opts: &ServeOptions) -> String {
    let bin = opts.binary_name;
    [
        format!("This binary is a plugin for Terraform ({}). It is not meant to be run directly.", opts.address),
        String::new(),
        "Terraform starts it when a configuration uses the provider: list it in required_providers,".to_string(),
        "then run `terraform init` and `terraform plan`.".to_string(),
        String::new(),
        "Usage:".to_string(),
        format!("  {bin} --debug     serve until Ctrl-C and print a TF_REATTACH_PROVIDERS value"),
        "                    that makes Terraform use this process (for debugging)".to_string(),
        format!("  {bin} --version   print the version"),
    ]
    .join("\n")
}

#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("cannot listen on {path}: {source}")]
    Listen {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("gRPC server failed: {0}")]
    Grpc(#[from] tonic::transport::Error),
    #[error("cannot write the handshake: {0}")]
    Stdout(std::io::Error),
    #[error("cannot start a thread: {0}")]
    Thread(std::io::Error),
    #[error("the start-up thread ended before the TLS configuration was made")]
    StartUp,
}

/// The provider's gRPC service as it is served: built on a thread of its own
/// (deriving the schemas is the largest part of start-up), and answered once
/// built. The handshake waits for none of it: Terraform's first call, after
/// its own side of the TLS handshake, finds the service ready or waits.
type Served<P> = Deferred<ProviderServer<ProviderService<P>>>;

/// The start-up work done off the main thread while it makes the runtime and
/// the socket, in the order the handshake needs it: first the TLS
/// configuration (the handshake line carries its certificate), then the
/// provider's service.
struct StartUp<P: Provider> {
    tls: tokio::sync::oneshot::Receiver<Result<Option<tls::ServerTls>, tls::TlsError>>,
    provider: Served<P>,
}

fn start_up<P: Provider>(
    provider: impl FnOnce() -> P + Send + 'static,
    client_cert: Option<String>,
) -> Result<StartUp<P>, ServeError> {
    let (tls_tx, tls_rx) = tokio::sync::oneshot::channel();
    let (promise, served) = deferred();
    std::thread::Builder::new()
        .name("provider-build".into())
        .spawn(move || {
            let _ = tls_tx.send(client_cert.as_deref().map(server_tls).transpose());
            let service = ProviderService::new(provider(), Context::default());
            promise.keep(
                ProviderServer::new(service)
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            );
        })
        .map_err(ServeError::Thread)?;
    Ok(StartUp {
        tls: tls_rx,
        provider: served,
    })
}

/// AutoMTLS's server side, accepting only the client certificate in `pem`.
fn server_tls(pem: &str) -> Result<tls::ServerTls, tls::TlsError> {
    tls::server_tls(tls::parse_pem_cert(pem)?)
}

/// The socket file, removed when the server ends (as go-plugin's listener
/// removes its own).
struct Socket {
    path: PathBuf,
}

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on a fresh `plugin*` socket in `PLUGIN_UNIX_SOCKET_DIR` or the
/// temporary folder, as go-plugin does. The socket is created readable and
/// writable by us alone (0600, whatever the umask: the mask is 177 while it is
/// made), so that no other user can connect to it, which matters in `--debug`
/// mode where it has no TLS. A file rather than a folder of our own: making a
/// folder costs more than the rest of the socket's set-up together.
fn bind() -> Result<(Socket, UnixListener), ServeError> {
    let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let mut attempt = 0;
    loop {
        let path = dir.join(format!("plugin{:016x}", random_u64()));
        // SAFETY: umask only swaps the process's file mode mask; no other
        // thread creates files during start-up.
        let previous = unsafe { libc::umask(0o177) };
        let bound = UnixListener::bind(&path);
        unsafe { libc::umask(previous) };
        match bound {
            Ok(listener) => return Ok((Socket { path }, listener)),
            // Somebody's file by that name: draw another, as mkstemp does.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && attempt < 16 => attempt += 1,
            Err(source) => return Err(ServeError::Listen { path, source }),
        }
    }
}

/// A random number for a file name: std's hash keys are seeded from the
/// operating system's randomness.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// Everything but the provider service: controller, stdio, broker, health.
struct Services {
    shutdown: Arc<Notify>,
}

async fn router<P: Provider>(
    provider: Served<P>,
    services: &Services,
    exit_on_shutdown: bool,
) -> tonic::service::Routes {
    let (health_reporter, health_svc) = tonic_health::server::health_reporter();
    // go-plugin's health check asks for the service named "plugin". The status is
    // set before the router exists, so no check can arrive before it.
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let controller = Controller {
        shutdown: services.shutdown.clone(),
        exit_on_shutdown,
    };
    let mut routes = tonic::service::Routes::new(provider);
    routes = routes
        .add_service(health_svc)
        .add_service(gp::grpc_controller_server::GrpcControllerServer::new(
            controller,
        ))
        .add_service(gp::grpc_stdio_server::GrpcStdioServer::new(Stdio))
        .add_service(gp::grpc_broker_server::GrpcBrokerServer::new(Broker));
    routes
}

async fn run_managed<P: Provider>(start: StartUp<P>) -> Result<(), ServeError> {
    let (socket, listener) = bind()?;
    let path = socket.path.clone();
    ignore_sigint();
    let services = Services {
        shutdown: Arc::new(Notify::new()),
    };
    let routes = router(start.provider, &services, true).await;
    let server_tls = start.tls.await.map_err(|_| ServeError::StartUp)??;

    // The handshake: one line, then nothing more on stdout.
    let cert = server_tls
        .as_ref()
        .map(|t| base64::engine::general_purpose::STANDARD_NO_PAD.encode(&t.cert_der))
        .unwrap_or_default();
    let line = format!(
        "{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|unix|{}|grpc|{cert}\n",
        path.display()
    );
    {
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .map_err(ServeError::Stdout)?;
    }
    tracing::debug!(socket = %path.display(), mtls = server_tls.is_some(), "plugin server started");

    let mut server = tonic::transport::Server::builder();
    let shutdown = services.shutdown.clone();
    let result = match server_tls {
        Some(t) => {
            let incoming = tls_incoming(listener, t.config);
            tokio::select! {
                r = server.add_routes(routes).serve_with_incoming(incoming) => r.map_err(ServeError::from),
                () = shutdown.notified() => Ok(()),
            }
        }
        None => {
            let incoming = UnixListenerStream::new(listener);
            tokio::select! {
                r = server.add_routes(routes).serve_with_incoming(incoming) => r.map_err(ServeError::from),
                () = shutdown.notified() => Ok(()),
            }
        }
    };
    drop(socket);
    result
}

async fn run_debug<P: Provider>(
    opts: &ServeOptions,
    provider: Served<P>,
) -> Result<(), ServeError> {
    let (socket, listener) = bind()?;
    let path = socket.path.clone();
    let services = Services {
        shutdown: Arc::new(Notify::new()),
    };
    let routes = router(provider, &services, false).await;
    let reattach = serde_json::json!({
        opts.address: {
            "Protocol": "grpc",
            "ProtocolVersion": APP_PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "unix", "String": path.display().to_string() },
        }
    });
    {
        let mut out = std::io::stdout().lock();
        let text = format!(
            "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n\nPress Ctrl-C to stop.\n"
        );
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(ServeError::Stdout)?;
    }
    let server = tonic::transport::Server::builder().add_routes(routes);
    let result = tokio::select! {
        r = server.serve_with_incoming(UnixListenerStream::new(listener)) => r.map_err(ServeError::from),
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    drop(socket);
    result
}

/// Ctrl-C in a terminal reaches the whole process group; Terraform asks us to
/// stop with `StopProvider` instead, so the signal itself is ignored.
fn ignore_sigint() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::interrupt()) {
        Ok(mut s) => {
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    tracing::debug!("ignoring SIGINT; Terraform stops providers with StopProvider");
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot install the SIGINT handler"),
    }
}

/// Accepts connections and completes each TLS handshake in its own task, so a
/// slow or refused client never holds up the others.
fn tls_incoming(
    listener: UnixListener,
    config: Arc<rustls::ServerConfig>,
) -> ReceiverStream<Result<TlsConn, std::io::Error>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(TlsConn(tls))).await;
                    }
                    Err(e) => tracing::warn!(error = %e, "TLS handshake refused"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// A TLS connection over the unix socket, as tonic wants it.
pub struct TlsConn(tokio_rustls::server::TlsStream<UnixStream>);

impl Connected for TlsConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

struct Controller {
    shutdown: Arc<Notify>,
    exit_on_shutdown: bool,
}

#[tonic::async_trait]
impl gp::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _r: Request<gp::Empty>) -> Result<Response<gp::Empty>, Status> {
        if self.exit_on_shutdown {
            tracing::debug!("Shutdown requested by Terraform");
            let notify = self.shutdown.clone();
            // Let this response go out first, then stop serving.
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                notify.notify_one();
            });
        } else {
            tracing::debug!("Shutdown ignored in debug mode; press Ctrl-C to stop");
        }
        Ok(Response::new(gp::Empty {}))
    }
}

struct Stdio;

type Pending<T> = Pin<Box<dyn tokio_stream::Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl gp::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = Pending<gp::StdioData>;
    async fn stream_stdio(
        &self,
        _r: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        // We never write to stdout after the handshake and log to stderr
        // directly, so there is nothing to relay: keep the stream open.
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }
}

struct Broker;

#[tonic::async_trait]
impl gp::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = Pending<gp::ConnInfo>;
    async fn start_stream(
        &self,
        _r: Request<Streaming<gp::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        // No extra connections are ever brokered.
        Ok(Response::new(Box::pin(tokio_stream::pending())))
    }
}
