//! The transport against hostile servers, through both clients and the
//! token source: redirects that would carry a credential or a body to
//! another host or over plain http, and the numbers a server sends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::conductorone::tests_support::{auth, sandbox};
use crate::conductorone::{C1Client, C1Error, Credentials, NewConnector};
use crate::http::Transport;
use crate::secret::Secret;
use crate::segment::{SegmentClient, SegmentError};

/// A listener that counts the connections made to it and answers none.
struct Trap {
    url: String,
    hits: Arc<AtomicUsize>,
}

async fn trap(ip: &str) -> Trap {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    Trap { url, hits }
}

fn redirect(sb: &conductorone_sandbox::Sandbox, method: &str, path: &str, to: &str) {
    let f = json!({"method": method, "path": path, "status": 307, "headers": {"location": to}});
    sb.add_faults(serde_json::from_value(f).unwrap());
}

fn c1(creds: &Credentials) -> C1Client {
    C1Client::new(Transport::new().unwrap(), creds).unwrap()
}

/// Each target a redirect may name: another host (127.0.0.2, loopback too),
/// and plain http to the same host on another port.
async fn targets() -> Vec<Trap> {
    vec![trap("127.0.0.2").await, trap("127.0.0.1").await]
}

fn assert_refused(text: &str, trap: &Trap) {
    assert!(text.contains("HTTP 307 redirecting to"), "{text}");
    assert!(text.contains(&trap.url), "names the target: {text}");
    assert!(text.contains("Nothing was sent there"), "{text}");
    assert_eq!(
        trap.hits.load(Ordering::SeqCst),
        0,
        "the target got a connection"
    );
}

#[tokio::test]
async fn a_token_request_is_never_redirected() {
    for trap in targets().await {
        let (s, sb) = sandbox(&[]).await;
        redirect(
            &sb,
            "POST",
            "/auth/v1/token",
            &format!("{}/auth/v1/token", trap.url),
        );
        let e = c1(&auth(&s.env, None)).caller_user_id().await.unwrap_err();
        assert!(matches!(e, C1Error::Redirect(_)), "{e}");
        assert_refused(&e.to_string(), &trap);
        assert!(e.to_string().contains("server_url"), "{e}");
    }
}

#[tokio::test]
async fn an_oidc_exchange_is_never_redirected() {
    for trap in targets().await {
        let (s, sb) = sandbox(&[]).await;
        redirect(&sb, "POST", "/auth/v1/token", &trap.url);
        let creds = Credentials::WorkloadIdentity {
            server_url: url::Url::parse(&s.env["CONDUCTORONE_SERVER_URL"]).unwrap(),
            client_id: s.env["CONDUCTORONE_SANDBOX_WFE_CLIENT_ID"].clone(),
            subject_token: Secret::new("header.claims.signature"),
        };
        let e = c1(&creds).caller_user_id().await.unwrap_err();
        assert_refused(&e.to_string(), &trap);
    }
}

#[tokio::test]
async fn a_connector_create_is_never_redirected() {
    for trap in targets().await {
        let (s, sb) = sandbox(&[]).await;
        let client = c1(&auth(&s.env, None));
        let app = client.create_app("Segment", "").await.unwrap();
        let path = "/api/v1/apps/*/connectors/create";
        redirect(&sb, "POST", path, &format!("{}/steal", trap.url));
        let token = Secret::new(s.env["SEGMENT_ACCESS_TOKEN"].clone());
        let new = NewConnector {
            app_id: &app.id,
            catalog_id: "2YuQMfugzij8vRI4FGkYNcMxgOe",
            display_name: "Segment",
            description: "",
            user_ids: &[],
            secret: Some(("segment_access_token", &token)),
        };
        let e = client.create_connector(&new).await.unwrap_err();
        assert_refused(&e.to_string(), &trap);
        assert!(!e.may_have_acted(), "a redirect is no lost answer");
    }
}

#[tokio::test]
async fn a_segment_read_is_never_redirected() {
    for trap in targets().await {
        let (s, sb) = sandbox(&[]).await;
        redirect(&sb, "GET", "/segment/", &format!("{}/", trap.url));
        let base = url::Url::parse(&s.env["SEGMENT_API_URL"]).unwrap();
        let seg = SegmentClient::new(Transport::new().unwrap(), base);
        let token = Secret::new(s.env["SEGMENT_ACCESS_TOKEN"].clone());
        let e = seg.workspace(&token).await.unwrap_err();
        assert!(matches!(e, SegmentError::Redirect(_)), "{e}");
        assert_refused(&e.to_string(), &trap);
        assert!(e.to_string().contains("segment_api_url"), "{e}");
    }
}

#[tokio::test]
async fn a_same_origin_read_is_followed_and_a_same_origin_write_is_not() {
    let (s, sb) = sandbox(&[]).await;
    let base = url::Url::parse(&s.env["SEGMENT_API_URL"]).unwrap();
    let seg = SegmentClient::new(Transport::new().unwrap(), base.clone());
    let token = Secret::new(s.env["SEGMENT_ACCESS_TOKEN"].clone());
    // The fault answers once; the redirected request reaches the sandbox.
    redirect(&sb, "GET", "/segment/", base.as_str());
    let ws = seg.workspace(&token).await.unwrap();
    assert!(!ws.id.is_empty());
    let client = c1(&auth(&s.env, None));
    let origin = s.env["CONDUCTORONE_SERVER_URL"]
        .trim_end_matches('/')
        .to_string();
    redirect(
        &sb,
        "POST",
        "/api/v1/apps",
        &format!("{origin}/api/v1/apps"),
    );
    let e = client.create_app("Segment", "").await.unwrap_err();
    assert!(
        e.to_string()
            .contains("it would send a POST request and its body again"),
        "{e}"
    );
}

#[tokio::test]
async fn a_server_asking_for_an_endless_wait_gets_an_error() {
    let (s, sb) = sandbox(&[]).await;
    let base = url::Url::parse(&s.env["SEGMENT_API_URL"]).unwrap();
    let seg = SegmentClient::new(Transport::new().unwrap(), base);
    let token = Secret::new(s.env["SEGMENT_ACCESS_TOKEN"].clone());
    let f = json!({"method": "GET", "path": "/segment/", "status": 429,
        "headers": {"retry-after": "18446744073709551615"}});
    sb.add_faults(serde_json::from_value(f).unwrap());
    let e = seg.workspace(&token).await.unwrap_err().to_string();
    assert!(e.contains("asked to wait 18446744073709551615 s"), "{e}");
    for odd in ["-1", "soon"] {
        let f = json!({"method": "GET", "path": "/segment/", "status": 429,
            "headers": {"retry-after": odd}});
        sb.add_faults(serde_json::from_value(f).unwrap());
        // The policy's own backoff applies, and the next answer is good.
        tokio::time::timeout(Duration::from_secs(10), seg.workspace(&token))
            .await
            .unwrap()
            .unwrap();
    }
}

/// An https server for `localhost` that answers every request with a 307 to
/// `location(own port)`; counts its connections.
async fn https_redirector(
    location: impl Fn(u16) -> String + Send + 'static,
) -> (u16, reqwest::Certificate, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_der = key.cert.der().clone();
    let pkcs8 = rustls::pki_types::PrivatePkcs8KeyDer::from(key.signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], pkcs8.into())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let Ok(mut tls) = acceptor.accept(conn).await else {
                continue;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                location(port)
            );
            let _ = tls.write_all(answer.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    });
    let cert = reqwest::Certificate::from_der(&cert_der).unwrap();
    (port, cert, hits)
}

/// From https, a redirect to plain http on the same host (its own port, or
/// another) is refused, even for a read: nothing goes out in the clear.
#[tokio::test]
async fn https_never_falls_back_to_http_on_the_same_host() {
    let other = trap("127.0.0.1").await;
    let other_port = other.url.rsplit(':').next().unwrap().to_string();
    for same_port in [true, false] {
        let to = other_port.clone();
        let (port, cert, hits) = https_redirector(move |own| {
            let port = if same_port {
                own.to_string()
            } else {
                to.clone()
            };
            format!("http://localhost:{port}/")
        })
        .await;
        let builder = reqwest::Client::builder().add_root_certificate(cert);
        let transport = Transport::from_builder(builder, Default::default()).unwrap();
        let base = url::Url::parse(&format!("https://localhost:{port}/")).unwrap();
        let seg = SegmentClient::new(transport, base);
        let e = seg.workspace(&Secret::new("sgp_token")).await.unwrap_err();
        let text = e.to_string();
        assert!(text.contains("it leaves https for http"), "{text}");
        assert!(text.contains("http://localhost:"), "{text}");
        assert_eq!(hits.load(Ordering::SeqCst), 1, "one connection, over TLS");
    }
    assert_eq!(other.hits.load(Ordering::SeqCst), 0);
}

/// An ID of `.` or `..` (or an empty one), as a server could hand out, would
/// change the path of the request it goes into: `DELETE` of the connector
/// `..` is a `DELETE` of its app. Nothing is sent, not even a token request.
#[tokio::test]
async fn ids_that_would_change_the_path_are_never_sent() {
    let trap = trap("127.0.0.1").await;
    let creds = Credentials::AccessToken {
        server_url: url::Url::parse(&trap.url).unwrap(),
        token: Secret::new("unused"),
    };
    let client = c1(&creds);
    for bad in ["..", ".", ""] {
        let errors = [
            client.delete_connector("app", bad).await.unwrap_err(),
            client.delete_connector(bad, "connector").await.unwrap_err(),
            client.connector("app", bad).await.unwrap_err(),
            client.app(bad).await.unwrap_err(),
            client.delete_app(bad).await.unwrap_err(),
            client.user(bad).await.unwrap_err(),
            client.force_sync("app", bad).await.unwrap_err(),
        ];
        for e in errors {
            assert!(matches!(e, C1Error::NotOneSegment(_)), "{bad:?}: {e}");
            assert!(e.to_string().contains("no request was made"), "{e}");
        }
    }
    let segment = SegmentClient::new(
        Transport::new().unwrap(),
        url::Url::parse(&trap.url).unwrap(),
    );
    let token = Secret::new("sgp_unused");
    for bad in ["..", "."] {
        let e = segment.group(&token, bad).await.unwrap_err();
        assert!(matches!(e, SegmentError::NotOneSegment(_)), "{e}");
        let e = segment.group_members(&token, bad).await.unwrap_err();
        assert!(matches!(e, SegmentError::NotOneSegment(_)), "{e}");
    }
    assert_eq!(
        trap.hits.load(Ordering::SeqCst),
        0,
        "nothing reached the server"
    );
}
