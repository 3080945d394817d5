//! The ConductorOne + Segment sandbox: a local server that behaves as the
//! vendors' specs say, for the demo, the acceptance tests, benchmarks and
//! users' offline plan checks.
//!
//! - ConductorOne at the root: `/auth/v1/token`, `/api/v1/...` (`c1/`).
//! - Segment's Public API under `/segment` (`segment/`).
//! - Test controls under `/__sandbox/` (`controls.rs`).

// Handlers return `Result<Response, Response>`: the error is a ready response.
#![allow(clippy::result_large_err)]

pub mod c1;
pub mod config;
pub mod controls;
pub mod files;
pub mod ids;
pub mod segment;
pub mod spec;
pub mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::{Deserialize, Serialize};

pub use config::Config;
use controls::Fault;
use ids::Ids;
use state::{Credentials, Data};

/// One request as the log shows it, secrets replaced by `REDACTED`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// What `--state-file` holds.
#[derive(Serialize, Deserialize)]
struct Saved {
    credentials: Credentials,
    data: Data,
}

pub struct Sandbox {
    pub config: Config,
    pub ids: Ids,
    pub creds: Credentials,
    data: Mutex<Data>,
    log: Mutex<Vec<LogEntry>>,
    faults: Mutex<Vec<Fault>>,
    /// Wakes requests hung by a fault when the faults are cleared.
    release: tokio::sync::Notify,
    /// Segment token -> (window start, unix seconds; requests in the window).
    rate: Mutex<HashMap<String, (u64, u32)>>,
    base_url: OnceLock<String>,
    /// Loaded with `--strict`.
    specs: Option<spec::Specs>,
    /// Segment's (unchanging) objects, serialized once.
    segment_cache: segment::Cache,
    /// The same, of the second workspace.
    segment_other_cache: Option<segment::Cache>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Flags(String),
    #[error("cannot read --state-file {path}: {source}")]
    StateRead {
        path: String,
        source: std::io::Error,
    },
    #[error("--state-file {path} is not a sandbox state: {source}")]
    StateParse {
        path: String,
        source: serde_json::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot write --env-file {path}: {source}")]
    EnvFile {
        path: String,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(std::io::Error),
    #[error("--strict needs the vendors' specs (--spec-dir): {0}")]
    Spec(#[from] spec::SpecError),
}

impl Sandbox {
    pub fn new(config: Config) -> Result<Arc<Sandbox>, StartError> {
        if config.c1_apps == 0 && config.c1_segment_connectors + config.c1_other_connectors > 0 {
            return Err(StartError::Flags(
                "--c1-segment-connectors and --c1-other-connectors need apps to go in: set --c1-apps".into(),
            ));
        }
        let ids = Ids::new(config.seed);
        let saved = match &config.state_file {
            Some(p) if p.exists() => {
                let path = p.display().to_string();
                let text = std::fs::read(p).map_err(|source| StartError::StateRead {
                    path: path.clone(),
                    source,
                })?;
                Some(
                    serde_json::from_slice::<Saved>(&text)
                        .map_err(|source| StartError::StateParse { path, source })?,
                )
            }
            _ => None,
        };
        let (creds, data) = match saved {
            Some(s) => (s.credentials, s.data),
            None => {
                let sizes = state::SeedSizes {
                    groups: config.segment_groups,
                    duplicate_names: config.segment_duplicate_names,
                    roles: config.segment_roles,
                    users: config.segment_users,
                    owner_tokens: config.segment_owner_tokens,
                };
                let (creds, mut data) = state::seed(&ids, &sizes, SystemTime::now());
                let tenant = state::TenantSizes {
                    apps: config.c1_apps,
                    segment_connectors: config.c1_segment_connectors,
                    other_connectors: config.c1_other_connectors,
                };
                state::seed_tenant(&ids, &mut data, &tenant, &creds, SystemTime::now());
                if config.c1_idp_segment_app {
                    state::seed_idp_segment_app(&ids, &mut data, SystemTime::now());
                }
                (creds, data)
            }
        };
        let specs = if config.strict {
            Some(spec::Specs::load(&config.spec_dir)?)
        } else {
            None
        };
        let segment_cache = segment::Cache::new(&data.segment);
        let segment_other_cache = data.segment_other.as_ref().map(segment::Cache::new);
        Ok(Arc::new(Sandbox {
            segment_cache,
            segment_other_cache,
            specs,
            config,
            ids,
            creds,
            data: Mutex::new(data),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            release: tokio::sync::Notify::new(),
            rate: Mutex::new(HashMap::new()),
            base_url: OnceLock::new(),
        }))
    }

    pub fn data(&self) -> MutexGuard<'_, Data> {
        lock(&self.data)
    }

    /// The serialized objects of a workspace.
    fn segment_cache(&self, ws: state::Workspace) -> &segment::Cache {
        match (ws, &self.segment_other_cache) {
            (state::Workspace::Other, Some(c)) => c,
            _ => &self.segment_cache,
        }
    }

    /// Saves the state after a change, when `--state-file` is set.
    pub fn save(&self, data: &Data) {
        let Some(path) = &self.config.state_file else {
            return;
        };
        let saved = Saved {
            credentials: self.creds.clone(),
            data: data.clone(),
        };
        match serde_json::to_vec(&saved) {
            Ok(bytes) => {
                if let Err(e) = files::write_private(path, &bytes) {
                    tracing::error!(error = %e, "cannot save --state-file");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot encode state"),
        }
    }

    pub fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    /// The KEY=VALUE lines that point the provider (and tests) here.
    /// The environment lines; the workload federation client's comes last
    /// (readers may stop there).
    pub fn env_lines(&self) -> String {
        let base = self.base_url();
        let c = &self.creds;
        let mut pairs = vec![
            ("CONDUCTORONE_SERVER_URL".to_string(), base.to_string()),
            ("CONDUCTORONE_CLIENT_ID".into(), c.client_id.clone()),
            ("CONDUCTORONE_CLIENT_SECRET".into(), c.client_secret.clone()),
            (
                "CONDUCTORONE_READONLY_CLIENT_ID".into(),
                c.readonly_client_id.clone(),
            ),
            (
                "CONDUCTORONE_READONLY_CLIENT_SECRET".into(),
                c.readonly_client_secret.clone(),
            ),
            ("SEGMENT_API_URL".into(), format!("{base}/segment")),
            ("SEGMENT_ACCESS_TOKEN".into(), c.segment_owner_token.clone()),
        ];
        for (i, t) in c.more_owner_tokens.iter().enumerate() {
            pairs.push((format!("SEGMENT_ACCESS_TOKEN_{}", i + 2), t.clone()));
        }
        if !c.segment_other_owner_token.is_empty() {
            pairs.push((
                "SEGMENT_OTHER_WORKSPACE_TOKEN".into(),
                c.segment_other_owner_token.clone(),
            ));
        }
        pairs.extend([
            (
                "SEGMENT_MEMBER_TOKEN".into(),
                c.segment_member_token.clone(),
            ),
            (
                "SEGMENT_REVOKED_TOKEN".into(),
                c.segment_revoked_token.clone(),
            ),
            (
                "CONDUCTORONE_SANDBOX_ADMIN_USER_ID".into(),
                c.admin_user_id.clone(),
            ),
        ]);
        // The seeded member (no ConductorOne role: the role warning) and
        // disabled user (the disabled-owner error), by email.
        let d = self.data();
        let by_email = |email: &str| {
            d.users
                .iter()
                .find(|u| u.email == email)
                .map(|u| u.id.clone())
        };
        for (key, email) in [
            (
                "CONDUCTORONE_SANDBOX_MEMBER_USER_ID",
                "member@sandbox.example.com",
            ),
            (
                "CONDUCTORONE_SANDBOX_DISABLED_USER_ID",
                "former@sandbox.example.com",
            ),
        ] {
            if let Some(id) = by_email(email) {
                pairs.push((key.into(), id));
            }
        }
        drop(d);
        pairs.push((
            "CONDUCTORONE_SANDBOX_WFE_CLIENT_ID".into(),
            c.federation_client_id(),
        ));
        pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }

    /// Every secret the sandbox knows, for redaction.
    fn secrets(&self) -> Vec<String> {
        let c = &self.creds;
        let mut s = vec![
            c.client_secret.clone(),
            c.readonly_client_secret.clone(),
            c.segment_owner_token.clone(),
            c.segment_member_token.clone(),
            c.segment_revoked_token.clone(),
        ];
        s.extend(c.more_owner_tokens.iter().cloned());
        s.push(c.segment_other_owner_token.clone());
        s.extend(self.data().access_tokens.keys().cloned());
        s
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in self.secrets() {
            if !s.is_empty() {
                out = out.replace(&s, "REDACTED");
            }
        }
        out
    }

    pub fn requests(&self) -> Vec<LogEntry> {
        lock(&self.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub fn add_faults(&self, f: Fault) {
        lock(&self.faults).push(f);
    }

    /// Drops every pending fault and ends the hangs in progress; returns
    /// how many faults there were.
    pub fn clear_faults(&self) -> usize {
        self.release.notify_waiters();
        let mut faults = lock(&self.faults);
        let n = faults.len();
        faults.clear();
        n
    }

    /// The fault for this request: the first matching fault with a rate that
    /// fires, or the first matching counted fault (whose count it uses up).
    fn take_fault(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        for i in 0..faults.len() {
            if !faults[i].matches(method.as_str(), path) {
                continue;
            }
            if let Some(rate) = faults[i].rate {
                #[allow(clippy::cast_precision_loss)]
                let draw = (self.ids.next_u64() % 1_000_000) as f64 / 1_000_000.0;
                if draw < rate {
                    return Some(faults[i].clone());
                }
                continue;
            }
            if faults[i].skip > 0 {
                faults[i].skip -= 1;
                return None;
            }
            let f = faults[i].clone();
            if faults[i].count <= 1 {
                faults.remove(i);
            } else {
                faults[i].count -= 1;
            }
            return Some(f);
        }
        None
    }

    /// Counts a Segment request against the token's budget; `Err(retry after)` when spent.
    pub fn segment_rate(&self, token: &str) -> Result<(u32, u64), u64> {
        let limit = self.config.segment_rate_limit;
        let now = now_secs();
        let mut rate = lock(&self.rate);
        let entry = rate.entry(token.to_string()).or_insert((now, 0));
        if now >= entry.0 + 60 {
            *entry = (now, 0);
        }
        let reset = entry.0 + 60;
        if limit == 0 {
            entry.1 = entry.1.saturating_add(1);
            return Ok((u32::MAX, reset));
        }
        if entry.1 >= limit {
            return Err(reset.saturating_sub(now).max(1));
        }
        entry.1 += 1;
        Ok((limit - entry.1, reset))
    }
}

/// The whole server.
pub fn router(sb: Arc<Sandbox>) -> Router {
    let api = Router::new()
        .merge(c1::router(sb.clone()))
        .merge(segment::router())
        .layer(axum::middleware::from_fn_with_state(sb.clone(), api_layer));
    Router::new()
        .merge(api)
        .merge(controls::router())
        .with_state(sb)
}

fn is_segment(path: &str) -> bool {
    path == "/segment" || path.starts_with("/segment/")
}

/// Latency, injected faults and the request log, for every API request.
async fn api_layer(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let shown = req
        .uri()
        .path_and_query()
        .map_or(path.clone(), |p| p.as_str().to_string());
    let delay = sb.config.latency_ms
        + if sb.config.latency_jitter_ms > 0 {
            sb.ids.next_u64() % (sb.config.latency_jitter_ms + 1)
        } else {
            0
        };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let resp = match (sb.take_fault(&method, &path), segment_redirect(&sb, &req)) {
        (Some(f), _) => faulty(&sb, &f, &path, req, next).await,
        (None, Some(redirect)) => redirect,
        (None, None) => strictly(&sb, req, next).await,
    };
    let entry = LogEntry {
        method: method.to_string(),
        path: sb.redact(&shown),
        status: resp.status().as_u16(),
    };
    lock(&sb.log).push(entry);
    resp
}

/// With `--segment-redirect-to`, a Segment request's 307 to the same path
/// under that URL.
fn segment_redirect(sb: &Sandbox, req: &Request) -> Option<Response> {
    let to = sb.config.segment_redirect_to.as_deref()?;
    let path = req.uri().path();
    let rest = path.strip_prefix("/segment").filter(|_| is_segment(path))?;
    let query = req.uri().query().map_or(String::new(), |q| format!("?{q}"));
    let location = format!("{}{rest}{query}", to.trim_end_matches('/'));
    let mut resp = segment::error(
        StatusCode::TEMPORARY_REDIRECT,
        "redirect",
        &format!("This workspace is served at {location}"),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
        resp.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Some(resp)
}

/// A request under fault `f`: carried out first when the fault commits, then
/// hung, reset, or answered with the fault's status (or normally).
async fn faulty(sb: &Sandbox, f: &Fault, path: &str, req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let (acted, pending) = if f.commit {
        (Some(strictly(sb, req, next).await), None)
    } else {
        (None, Some((req, next)))
    };
    if let Some(ms) = f.hang_ms {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(ms)) => {}
            () = sb.release.notified() => {}
        }
    }
    if f.reset {
        return reset_response();
    }
    if let (Some(status), Some(body)) = (f.status, &f.body) {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        let echoed = echo(body, "bearer", &bearer, f.wrap);
        let echoed = echo(&echoed, "client_secret", &sb.creds.client_secret, f.wrap);
        let mut resp = Response::new(axum::body::Body::from(echoed));
        *resp.status_mut() = code;
        resp.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/html"),
        );
        return with_headers(resp, &f.headers);
    }
    if let (Some(429), Some(ms), true) = (f.status, f.ms_before_next, is_segment(path)) {
        let mut resp = segment::too_many_requests(ms);
        if let Some(secs) = f.retry_after {
            resp.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from(secs));
        }
        return with_headers(resp, &f.headers);
    }
    if let Some(status) = f.status {
        return with_headers(fault_response(path, status, f.retry_after), &f.headers);
    }
    match (acted, pending) {
        (Some(resp), _) => resp,
        (None, Some((req, next))) => strictly(sb, req, next).await,
        (None, None) => fault_response(path, 500, None),
    }
}

/// `body` with `{NAME}` (and its encoded forms `{NAME_json}`, `{NAME_pct}`,
/// `{NAME_b64}`, `{NAME_u}`) replaced by `value`, as a misbehaving server
/// might echo it: raw (a line break every `wrap` characters; `_json`: the
/// JSON escape `\n` instead), every byte percent-encoded, in base64, every
/// character a JSON `\u` escape.
fn echo(body: &str, name: &str, value: &str, wrap: Option<usize>) -> String {
    use base64::Engine as _;
    let pct: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
    let u: String = value
        .encode_utf16()
        .map(|c| format!("\\u{c:04x}"))
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    body.replace(&format!("{{{name}_json}}"), &wrapped(value, wrap, "\\n"))
        .replace(&format!("{{{name}_pct}}"), &pct)
        .replace(&format!("{{{name}_b64}}"), &b64)
        .replace(&format!("{{{name}_u}}"), &u)
        .replace(&format!("{{{name}}}"), &wrapped(value, wrap, "\n"))
}

/// `token` with `newline` (a line break, or its JSON escape) after every
/// `wrap` characters.
fn wrapped(token: &str, wrap: Option<usize>, newline: &str) -> String {
    match wrap {
        Some(n) if n > 0 => token
            .chars()
            .collect::<Vec<char>>()
            .chunks(n)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<String>>()
            .join(newline),
        _ => token.to_string(),
    }
}

/// `resp` with a fault's headers (checked when the fault was added).
fn with_headers(
    mut resp: Response,
    headers: &std::collections::BTreeMap<String, String>,
) -> Response {
    for (k, v) in headers {
        let name = axum::http::HeaderName::from_bytes(k.as_bytes());
        if let (Ok(name), Ok(value)) = (name, axum::http::HeaderValue::from_str(v)) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

/// A response whose body fails at once: hyper drops the connection, so the
/// client sees it reset with no complete answer.
fn reset_response() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by the sandbox",
        ))
    });
    Response::new(axum::body::Body::from_stream(failing))
}

/// With `--strict`, refuses requests that do not conform to the spec.
async fn strictly(sb: &Sandbox, req: Request, next: Next) -> Response {
    let Some(specs) = &sb.specs else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 16 << 20).await {
        Ok(b) => b,
        Err(e) => {
            return fault_body(
                parts.uri.path(),
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body: {e}"),
            )
        }
    };
    let path = parts.uri.path();
    let (spec, spec_path) = specs.for_path(path);
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if let Err((e, field)) = spec.check_request(parts.method.as_str(), spec_path, &query, &bytes) {
        let msg = format!("the request does not conform to the API spec: {e}");
        if is_segment(path) {
            return segment::field_error("validation", &msg, field.as_deref().unwrap_or(""));
        }
        return fault_body(path, StatusCode::BAD_REQUEST, &msg);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

fn fault_body(path: &str, code: StatusCode, message: &str) -> Response {
    if is_segment(path) {
        segment::error(code, "validation", message)
    } else {
        c1::status_error(c1::grpc_code_for(code), message)
    }
}

fn fault_response(path: &str, status: u16, retry_after: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if is_segment(path) {
        segment::error(
            code,
            "injected-fault",
            &format!("fault injected by the sandbox ({status})"),
        )
    } else {
        c1::status_error(
            c1::grpc_code_for(code),
            &format!("fault injected by the sandbox ({status})"),
        )
        .into_response()
    };
    *resp.status_mut() = code;
    if let Some(secs) = retry_after {
        if let Ok(v) = secs.to_string().parse() {
            resp.headers_mut().insert("retry-after", v);
        }
    }
    resp
}

/// Binds the listen address, records the base URL, and writes the env file.
pub async fn listen(sb: &Sandbox) -> Result<tokio::net::TcpListener, StartError> {
    let addr_text = sb.config.listen.to_string();
    let listener = tokio::net::TcpListener::bind(sb.config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: addr_text.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: addr_text,
        source,
    })?;
    let _ = sb.base_url.set(format!("http://{addr}"));
    if let Some(path) = &sb.config.env_file {
        // Credentials: private, whole, through an unguessable temporary name.
        files::write_private(path, sb.env_lines().as_bytes()).map_err(|source| {
            StartError::EnvFile {
                path: path.display().to_string(),
                source,
            }
        })?;
    }
    Ok(listener)
}

/// Serves on a bound listener until `shutdown` resolves.
pub async fn serve(
    sb: Arc<Sandbox>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    axum::serve(listener, router(sb))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve)
}

/// What the binary does: listen, print the environment lines, serve.
pub async fn run(
    sb: Arc<Sandbox>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let listener = listen(&sb).await?;
    println!("conductorone-sandbox listening on {}", sb.base_url());
    print!("{}", sb.env_lines());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    serve(sb, listener, shutdown).await
}

/// JSON error body helper shared by the parts.
pub fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}
