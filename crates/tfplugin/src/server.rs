//! Serving a provider to Terraform: the go-plugin handshake, AutoMTLS, the
//! helper services go-plugin expects (controller, stdio, broker, health), and
//! the `--debug` mode that prints `TF_REATTACH_PROVIDERS`.

use std::io::Write as _;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use tokio::sync::Notify;
use tonic::{Request, Response, Status, Streaming};

use crate::deferred::{deferred, Deferred};
use crate::framework::{Context, Provider};
use crate::grpc::ProviderService;
use crate::platform;
use crate::proto::plugin as gp;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::tls;
use crate::transport::{self, Listener, Network, TransportError};

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
    if let Some(u) = platform::usage() {
        tracing::debug!(
            cpu_user_us = u.cpu_user_us,
            cpu_system_us = u.cpu_system_us,
            max_rss_kib = u.max_rss_kib,
            "plugin process exiting"
        );
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
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("refusing to serve plain TCP, which every local user can reach: Terraform gave no client certificate (PLUGIN_CLIENT_CERT); plain TCP is for --debug mode")]
    PlainTcp,
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

/// The transport `PLUGIN_TRANSPORT` names, else this system's default.
fn listen() -> Result<Listener, ServeError> {
    let chosen = std::env::var(transport::TRANSPORT_VAR).ok();
    let network = transport::chosen_network(chosen.as_deref())?;
    Ok(Listener::bind(network)?)
}

async fn run_managed<P: Provider>(start: StartUp<P>) -> Result<(), ServeError> {
    let listener = listen()?;
    platform::ignore_interrupts();
    let services = Services {
        shutdown: Arc::new(Notify::new()),
    };
    let routes = router(start.provider, &services, true).await;
    let server_tls = start.tls.await.map_err(|_| ServeError::StartUp)??;
    if server_tls.is_none() && listener.network() == Network::Tcp {
        return Err(ServeError::PlainTcp);
    }

    // The handshake: one line, then nothing more on stdout.
    let cert = server_tls
        .as_ref()
        .map(|t| base64::engine::general_purpose::STANDARD_NO_PAD.encode(&t.cert_der))
        .unwrap_or_default();
    let (network, address) = (listener.network().as_str(), listener.address());
    let line =
        format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|{network}|{address}|grpc|{cert}\n");
    {
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .map_err(ServeError::Stdout)?;
    }
    tracing::debug!(
        network,
        address,
        mtls = server_tls.is_some(),
        "plugin server started"
    );

    let (incoming, accepting) = transport::incoming(listener, server_tls.map(|t| t.config));
    let shutdown = services.shutdown.clone();
    let server = tonic::transport::Server::builder().add_routes(routes);
    // Whichever ends first, the listener (and a socket's file) goes with
    // `accepting` as this returns.
    tokio::select! {
        r = server.serve_with_incoming(incoming) => r.map_err(ServeError::from),
        () = accepting => Ok(()),
        () = shutdown.notified() => Ok(()),
    }
}

async fn run_debug<P: Provider>(
    opts: &ServeOptions,
    provider: Served<P>,
) -> Result<(), ServeError> {
    let listener = listen()?;
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
            "Addr": { "Network": listener.network().as_str(), "String": listener.address() },
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
    let (incoming, accepting) = transport::incoming(listener, None);
    tokio::select! {
        r = server.serve_with_incoming(incoming) => r.map_err(ServeError::from),
        () = accepting => Ok(()),
        () = platform::interrupted() => Ok(()),
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
