//! The plugin process itself: run by hand, the go-plugin handshake, pinned
//! mutual TLS, prompt shutdown, and debug (reattach) mode under Terraform.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tonic::transport::{Channel, Endpoint};

use crate::harness::{each_terraform, provider_binary, WorkDir};

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

/// Where the handshake line says the plugin listens.
#[derive(Clone, Debug)]
enum Addr {
    Unix(PathBuf),
    Tcp(std::net::SocketAddr),
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl Addr {
    async fn connect(&self) -> std::io::Result<Box<dyn Io>> {
        Ok(match self {
            Addr::Unix(p) => Box::new(UnixStream::connect(p).await?),
            Addr::Tcp(a) => Box::new(TcpStream::connect(a).await?),
        })
    }

    /// The socket's path (the tests of unix sockets).
    fn socket(&self) -> &std::path::Path {
        match self {
            Addr::Unix(p) => p,
            Addr::Tcp(a) => panic!("served on tcp {a}, not a unix socket"),
        }
    }
}

struct Plugin {
    child: Child,
    addr: Addr,
    server_cert: Option<Vec<u8>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(mut r: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if let Ok(mut g) = b.lock() {
                g.push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        }
    });
    buf
}

/// Starts the plugin as Terraform would and reads its handshake line.
fn start_plugin(client_cert_pem: Option<&str>) -> Plugin {
    start_plugin_by(Command::new(provider_binary()), client_cert_pem)
}

/// Starts the plugin with `cmd` (the binary, or a shell that execs it).
fn start_plugin_by(mut cmd: Command, client_cert_pem: Option<&str>) -> Plugin {
    cmd.env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("TF_LOG_PROVIDER", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env_remove("PLUGIN_CLIENT_CERT");
    if let Some(pem) = client_cert_pem {
        cmd.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = cmd.spawn().expect("start plugin");
    let stderr = collect(child.stderr.take().expect("stderr"));
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("handshake line");
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line {line:?}");
    assert_eq!(&parts[..2], ["1", "6"], "handshake line {line:?}");
    let addr = match parts[2] {
        "unix" => Addr::Unix(PathBuf::from(parts[3])),
        "tcp" => Addr::Tcp(parts[3].parse().expect("host:port")),
        other => panic!("network {other:?} in handshake line {line:?}"),
    };
    assert_eq!(parts[4], "grpc");
    let server_cert = if parts[5].is_empty() {
        None
    } else {
        assert!(
            !parts[5].ends_with('='),
            "go-plugin wants base64 without padding"
        );
        Some(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(parts[5])
                .expect("cert base64"),
        )
    };
    // Anything else on stdout would be a protocol error; keep draining it.
    let _ = collect(stdout);
    Plugin {
        child,
        addr,
        server_cert,
        stderr,
    }
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// A certificate like Terraform's own client certificate: ECDSA P-521, CA flag.
fn terraform_like_cert() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    tfplugin::tls::generate_cert(&rcgen::PKCS_ECDSA_P521_SHA512).expect("generate P-521 cert")
}

/// Trusts exactly the certificate from the handshake line, as go-plugin does.
#[derive(Debug)]
struct PinnedServer {
    der: Vec<u8>,
    algs: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.algs)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.algs)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

async fn tls_channel(
    plugin: &Plugin,
    client: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> Result<Channel, Box<dyn std::error::Error + Send + Sync>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedServer {
        der: plugin
            .server_cert
            .clone()
            .expect("server cert in handshake"),
        algs: provider.signature_verification_algorithms,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match client {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let addr = plugin.addr.clone();
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let connector = connector.clone();
            let addr = addr.clone();
            async move {
                let stream = addr.connect().await?;
                let tls = connector
                    .connect(ServerName::try_from("localhost").expect("name"), stream)
                    .await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await?;
    Ok(channel)
}

async fn plain_channel(plugin: &Plugin) -> Channel {
    try_plain_channel(plugin)
        .await
        .expect("plaintext connection")
}

async fn try_plain_channel(plugin: &Plugin) -> Result<Channel, tonic::transport::Error> {
    let addr = plugin.addr.clone();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let addr = addr.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(addr.connect().await?)) }
        }))
        .await
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The plugin answers GetProviderSchema over plain gRPC with its six types.
fn assert_serves_schemas(plugin: &Plugin, what: &str) {
    let n = runtime()
        .block_on(async { schema_call(plain_channel(plugin).await).await })
        .expect(what);
    assert_eq!(n, 6, "{what}");
}

async fn schema_call(channel: Channel) -> Result<usize, tonic::Status> {
    let resp = ProviderClient::new(channel)
        .get_provider_schema(tfplugin::proto::tfplugin6::get_provider_schema::Request {})
        .await?;
    Ok(resp
        .into_inner()
        .provider
        .and_then(|p| p.block)
        .map_or(0, |b| b.attributes.len()))
}

#[test]
fn running_by_hand_explains_and_exits_non_zero() {
    let out = Command::new(provider_binary())
        .env_remove(COOKIE.0)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("This binary is a plugin for Terraform"),
        "{stderr}"
    );
    assert!(stderr.contains("--debug"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn mtls_accepts_only_the_pinned_client_certificate() {
    let (good_cert, good_key) = terraform_like_cert();
    let (other_cert, other_key) = terraform_like_cert();
    let plugin = start_plugin(Some(&pem(&good_cert)));
    let rt = runtime();

    let channel = rt
        .block_on(tls_channel(&plugin, Some((good_cert.clone(), good_key))))
        .expect("pinned cert connects");
    let n = rt
        .block_on(schema_call(channel))
        .expect("pinned cert gets the schema");
    assert_eq!(n, 6, "provider schema has six attributes");

    let refused = rt.block_on(async {
        match tls_channel(&plugin, Some((other_cert, other_key))).await {
            Ok(ch) => schema_call(ch).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    });
    assert!(
        refused.is_err(),
        "another client certificate must be refused"
    );

    let anonymous = rt.block_on(async {
        match tls_channel(&plugin, None).await {
            Ok(ch) => schema_call(ch).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    });
    assert!(
        anonymous.is_err(),
        "a client without a certificate must be refused"
    );

    crate::harness::wait_until("the refusal to be logged", Duration::from_secs(5), || {
        plugin
            .stderr
            .lock()
            .unwrap()
            .contains("refused a TLS client")
    });
}

#[test]
fn no_client_cert_means_plain_grpc_and_no_cert_in_the_line() {
    let plugin = start_plugin(None);
    assert!(
        plugin.server_cert.is_none(),
        "no certificate without PLUGIN_CLIENT_CERT"
    );
    assert_serves_schemas(&plugin, "plaintext schema");
}

#[test]
fn shutdown_ends_the_process_within_100ms() {
    let mut plugin = start_plugin(None);
    let rt = runtime();
    let channel = rt.block_on(plain_channel(&plugin));
    let start = Instant::now();
    let _ =
        rt.block_on(GrpcControllerClient::new(channel).shutdown(tfplugin::proto::plugin::Empty {}));
    let status = loop {
        if let Some(status) = plugin.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "plugin did not exit after Shutdown"
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    let elapsed = start.elapsed();
    eprintln!("Shutdown to exit: {elapsed:?}");
    assert!(status.success(), "exit status {status:?}");
    assert!(
        elapsed < Duration::from_millis(100),
        "Shutdown took {elapsed:?}"
    );
    assert!(!plugin.addr.socket().exists(), "socket removed on exit");
}

#[test]
fn sigint_is_ignored() {
    let mut plugin = start_plugin(None);
    let pid = plugin.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    crate::harness::wait_until("the plugin to see SIGINT", Duration::from_secs(5), || {
        plugin.stderr.lock().unwrap().contains("ignoring SIGINT")
    });
    assert!(
        plugin.child.try_wait().expect("wait").is_none(),
        "SIGINT must not end the plugin"
    );
    assert_serves_schemas(&plugin, "still serving");
}

#[test]
fn stop_provider_and_health_answer() {
    let plugin = start_plugin(None);
    let rt = runtime();
    rt.block_on(async {
        let ch = plain_channel(&plugin).await;
        let mut health = tonic_health_client(ch.clone());
        let resp = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: "plugin".into(),
            })
            .await
            .expect("health check");
        assert_eq!(
            resp.into_inner().status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
        let stop = ProviderClient::new(ch)
            .stop_provider(tfplugin::proto::tfplugin6::stop_provider::Request {})
            .await
            .expect("StopProvider");
        assert!(stop.into_inner().error.is_empty());
    });
}

/// Where go-plugin asks for it (`PLUGIN_UNIX_SOCKET_DIR`), and under umask 000
/// as a careless shell may have it: the socket is a new file, ours alone
/// (0600), and gone once Terraform shuts the plugin down.
#[test]
fn the_socket_is_ours_alone_where_go_plugin_asks() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new("bash");
    cmd.args(["-c", "umask 000; exec \"$0\""])
        .arg(provider_binary())
        .env("PLUGIN_UNIX_SOCKET_DIR", dir.path());
    let plugin = start_plugin_by(cmd, None);
    assert_eq!(plugin.addr.socket().parent(), Some(dir.path()));
    let mode = std::fs::metadata(plugin.addr.socket())
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o600, "the socket");
    assert_serves_schemas(&plugin, "serving on it");
}

/// A client certificate that is no certificate: the plugin says so and exits
/// without a handshake, leaving no socket behind.
#[test]
fn a_bad_client_certificate_is_named_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(provider_binary())
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_CLIENT_CERT", "not a certificate")
        .env("PLUGIN_UNIX_SOCKET_DIR", dir.path())
        .output()
        .expect("run plugin");
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "no handshake: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PLUGIN_CLIENT_CERT"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "socket left behind"
    );
}

fn tonic_health_client(ch: Channel) -> tonic_health::pb::health_client::HealthClient<Channel> {
    tonic_health::pb::health_client::HealthClient::new(ch)
}

#[test]
fn debug_mode_prints_reattach_and_terraform_plans_through_it() {
    debug_mode_through("unix");
}

/// `--debug` over go-plugin's TCP transport (Windows' own): plain TCP on
/// 127.0.0.1, which Terraform reattaches to.
#[test]
fn debug_mode_over_tcp_reattaches_terraform() {
    debug_mode_through("tcp");
}

fn debug_mode_through(transport: &str) {
    let mock = crate::mock_http::serve(
        "debug-token",
        r#"{"data":{"workspace":{"id":"ws_9","name":"Debug","slug":"debug-ws"}}}"#,
    );
    // Under umask 000, as a careless shell may have it: the socket stays ours.
    let mut child = Command::new("bash")
        .args(["-c", "umask 000; exec \"$0\" --debug"])
        .arg(provider_binary())
        .env_remove(COOKIE.0)
        .env("PLUGIN_TRANSPORT", transport)
        .env("TF_LOG_PROVIDER", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start --debug");
    let stderr = collect(child.stderr.take().expect("stderr"));
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.expect("a TF_REATTACH_PROVIDERS line");
    let j: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    let entry = &j["registry.terraform.io/seed/conductorone"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Addr"]["Network"], transport);
    let address = entry["Addr"]["String"].as_str().expect("address");
    if transport == "tcp" {
        let addr: std::net::SocketAddr = address.parse().expect("host:port");
        assert!(addr.ip().is_loopback(), "{addr}");
    } else {
        use std::os::unix::fs::PermissionsExt as _;
        let socket = PathBuf::from(address);
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o7777;
        assert_eq!(mode(&socket), 0o600, "the socket");
    }

    let result = std::panic::catch_unwind(|| {
        each_terraform(|tf| {
            let mut wd = WorkDir::without_overrides(tf);
            wd.setenv("TF_REATTACH_PROVIDERS", &reattach);
            wd.config(&format!(
                "provider \"conductorone\" {{\n  segment_api_url      = \"{}\"\n  segment_access_token = \"debug-token\"\n}}\n\n\
                 data \"conductorone_segment_workspace\" \"this\" {{}}\n\n\
                 output \"slug\" {{\n  value = data.conductorone_segment_workspace.this.slug\n}}\n",
                mock.url
            ));
            wd.run(&["init", "-no-color"]).success();
            wd.run(&["plan", "-no-color"])
                .success()
                .contains("slug = \"debug-ws\"");
        });
    });
    // Ctrl-C ends debug mode.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while child.try_wait().ok().flatten().is_none() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let exited = child.try_wait().ok().flatten();
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    assert!(
        exited.is_some_and(|s| s.success()),
        "debug mode exits cleanly on SIGINT: {exited:?}"
    );
    let log = stderr.lock().unwrap().clone();
    assert!(
        log.contains("\"@message\":\"ReadDataSource\""),
        "debug provider served the read:\n{log}"
    );
    assert!(
        log.contains("\"@level\":\"debug\""),
        "hclog JSON lines:\n{log}"
    );
}

/// A plugin started with `env`, expected to refuse to start: its stderr.
fn refused_start(env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(provider_binary());
    cmd.env(COOKIE.0, COOKIE.1).env_remove("PLUGIN_CLIENT_CERT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run plugin");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "no handshake: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// go-plugin's TCP transport (its only one on Windows; `PLUGIN_TRANSPORT=tcp`
/// here): 127.0.0.1, a port in Terraform's range, AutoMTLS as on the socket.
/// The pinned certificate gets the schema; no certificate, another one, or
/// no TLS at all gets nothing.
#[test]
fn tcp_serves_pinned_mtls_on_loopback_in_the_port_range() {
    let (good_cert, good_key) = terraform_like_cert();
    let (other_cert, other_key) = terraform_like_cert();
    let mut cmd = Command::new(provider_binary());
    cmd.env("PLUGIN_TRANSPORT", "tcp")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000");
    let plugin = start_plugin_by(cmd, Some(&pem(&good_cert)));
    let Addr::Tcp(addr) = plugin.addr else {
        panic!("not served on tcp: {:?}", plugin.addr)
    };
    assert_eq!(addr.ip(), std::net::Ipv4Addr::LOCALHOST, "{addr}");
    assert!((10000..=25000).contains(&addr.port()), "{addr}");
    let rt = runtime();
    let n = rt
        .block_on(async {
            let ch = tls_channel(&plugin, Some((good_cert, good_key))).await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(schema_call(ch).await?)
        })
        .expect("the pinned certificate gets the schema over tcp");
    assert_eq!(n, 6);
    for (what, client) in [
        ("no certificate", None),
        ("another certificate", Some((other_cert, other_key))),
    ] {
        let refused = rt.block_on(async {
            match tls_channel(&plugin, client).await {
                Ok(ch) => schema_call(ch).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        });
        assert!(refused.is_err(), "{what} must be refused over tcp");
    }
    let plain = rt.block_on(async {
        match try_plain_channel(&plugin).await {
            Ok(ch) => schema_call(ch).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    });
    assert!(plain.is_err(), "plaintext gRPC must be refused over tcp");
}

/// Every local user can reach a TCP port: without Terraform's certificate
/// to pin, the plugin refuses to serve TCP (plain TCP is for --debug).
#[test]
fn plain_tcp_is_refused_outside_debug_mode() {
    let stderr = refused_start(&[("PLUGIN_TRANSPORT", "tcp")]);
    assert!(stderr.contains("refusing to serve plain TCP"), "{stderr}");
    assert!(stderr.contains("PLUGIN_CLIENT_CERT"), "{stderr}");
}

/// go-plugin's rules and words for the port range, and a transport name
/// that is neither.
#[test]
fn port_range_and_transport_errors_are_clear() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = held.local_addr().expect("addr").port().to_string();
    let tcp = ("PLUGIN_TRANSPORT", "tcp");
    let cert = ("PLUGIN_CLIENT_CERT", "");
    let full = refused_start(&[
        tcp,
        cert,
        ("PLUGIN_MIN_PORT", &port),
        ("PLUGIN_MAX_PORT", &port),
    ]);
    assert!(full.contains("couldn't bind plugin TCP listener"), "{full}");
    let order = refused_start(&[
        tcp,
        ("PLUGIN_MIN_PORT", "20000"),
        ("PLUGIN_MAX_PORT", "10000"),
    ]);
    assert!(
        order.contains(
            "PLUGIN_MIN_PORT value of 20000 is greater than PLUGIN_MAX_PORT value of 10000"
        ),
        "{order}"
    );
    let nan = refused_start(&[tcp, ("PLUGIN_MAX_PORT", "lots")]);
    assert!(
        nan.contains("PLUGIN_MAX_PORT") && nan.contains("\"lots\""),
        "{nan}"
    );
    let other = refused_start(&[("PLUGIN_TRANSPORT", "pipe")]);
    assert!(
        other.contains("PLUGIN_TRANSPORT must be \"unix\" or \"tcp\""),
        "{other}"
    );
}
