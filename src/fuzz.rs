//! Entry points for the fuzz harness (`tests/fuzz.rs`, `make fuzz`): every
//! decoder that reads input from outside the process. None may panic; the
//! harness also bounds what each allocates.

use tfplugin::framework::Provider;
use tfplugin::value::{Type, Value};

use crate::provider::ConductorOneProvider;
use crate::resources::segment_integration::SegmentIntegrationModel;

/// The value type of every schema we publish (provider, resources, data
/// sources, list resources' and actions' configuration), by name, and
/// `dynamic`.
pub fn published_types() -> Vec<(String, Type)> {
    let p = ConductorOneProvider::new();
    let mut out = vec![("provider".to_string(), p.schema().value_type())];
    for r in p.resources() {
        out.push((r.type_name().to_string(), r.schema().value_type()));
    }
    for d in p.data_sources() {
        out.push((d.type_name().to_string(), d.schema().value_type()));
    }
    for l in p.list_resources() {
        out.push((format!("list {}", l.type_name()), l.schema().value_type()));
    }
    for a in p.actions() {
        out.push((a.type_name().to_string(), a.schema().value_type()));
    }
    out.push(("dynamic".to_string(), Type::Dynamic));
    out
}

/// A `DynamicValue` as Terraform sends it (msgpack), then read as the
/// resource's model when it is one.
pub fn terraform_msgpack(bytes: &[u8], ty: &Type, is_resource: bool) {
    if let Ok(v) = Value::from_msgpack(bytes, ty) {
        let _ = v.to_msgpack(ty);
        if is_resource {
            let _ = v.to_model::<SegmentIntegrationModel>();
        }
    }
}

/// Stored state as `UpgradeResourceState` reads it (JSON).
pub fn terraform_json(bytes: &[u8], ty: &Type) {
    if let Ok(v) = Value::from_json(bytes, ty) {
        let _ = v.to_msgpack(ty);
    }
}

/// An import ID.
pub fn import_id(id: &str) {
    crate::resources::segment_integration::check_import_id(id);
}

/// A ConductorOne answer or error body.
pub fn conductorone_answer(body: &[u8]) {
    crate::conductorone::decode_any_answer(body);
}

/// A Segment answer or error body.
pub fn segment_answer(body: &[u8]) {
    crate::segment::decode_any_answer(body);
}

/// The loopback server and runtime the HTTP target shares across inputs.
struct HttpRig {
    runtime: tokio::runtime::Runtime,
    url: url::Url,
    answer: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    transport: crate::http::Transport,
}

static HTTP_RIG: std::sync::LazyLock<Option<HttpRig>> = std::sync::LazyLock::new(http_rig);

fn http_rig() -> Option<HttpRig> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .ok()?;
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().ok()?)).ok()?;
    let answer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let served = answer.clone();
    runtime.spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let raw = served.lock().map(|a| a.clone()).unwrap_or_default();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = conn.write_all(&raw).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    let policy = crate::http::RetryPolicy {
        max_attempts: 2,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(1),
        max_total: std::time::Duration::from_millis(50),
        request_timeout: std::time::Duration::from_secs(2),
    };
    let builder = reqwest::Client::builder().pool_max_idle_per_host(0);
    let transport = crate::http::Transport::from_builder(builder, policy).ok()?;
    Some(HttpRig {
        runtime,
        url,
        answer,
        transport,
    })
}

/// Starts the HTTP target's server and client (outside any measured input).
pub fn http_warm_up() {
    std::sync::LazyLock::force(&HTTP_RIG);
}

/// A raw HTTP answer (status line, headers, body), served on loopback to
/// the transport for a Segment read and a ConductorOne token request: its
/// headers feed the retry arithmetic (`Retry-After`, `X-RateLimit-Reset`),
/// the framing (`Content-Length`, `Transfer-Encoding`) and the redirect
/// policy (`Location`); its body, the decoders.
pub fn http_answer(raw: &[u8]) {
    let Some(rig) = HTTP_RIG.as_ref() else { return };
    if let Ok(mut a) = rig.answer.lock() {
        *a = raw.to_vec();
    }
    let segment = crate::segment::SegmentClient::new(rig.transport.clone(), rig.url.clone());
    let token = crate::secret::Secret::new("sgp_fuzz");
    let _ = rig.runtime.block_on(segment.workspace(&token));
    let auth = crate::conductorone::Credentials::WorkloadIdentity {
        server_url: rig.url.clone(),
        client_id: "fuzz@fuzz.conductor.one/wfe".into(),
        subject_token: token,
    };
    if let Ok(c1) = crate::conductorone::C1Client::new(rig.transport.clone(), &auth) {
        let _ = rig.runtime.block_on(c1.caller_user_id());
    }
}
