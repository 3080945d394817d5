//! A typed client for the ConductorOne API: OAuth2 client credentials with the
//! EdDSA JWT client assertion built from a `secret-token:conductorone.com:v1:`
//! secret, or a static `CONDUCTORONE_ACCESS_TOKEN`. One access token per
//! process, refreshed a minute before it expires, with a single token request
//! in flight however many callers ask at once. Errors are typed from
//! `google.rpc.Status` bodies. Calls are retried as Segment's are
//! (`crate::retry`); calls that create something retry only what the server
//! cannot have acted on (429, refused connections).

mod auth;
mod model;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub use auth::{parse_client_secret, TokenSource};
pub use model::{App, Connector, ConnectorStatus, User};

use crate::provider::ConductorOneAuth;
use crate::retry::{self, encode_segment, join_url, RetryPolicy, Retryable};
use crate::secret::Secret;

/// The `@type` of a connector's environment configuration.
pub const ENV_CONFIG_TYPE: &str = "type.googleapis.com/c1.api.app.v1.EnvConfig";

const MAX_MESSAGE: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum C1Error {
    #[error("invalid ConductorOne client secret: {0}")]
    InvalidSecret(String),
    #[error("ConductorOne refused the credentials (HTTP {status}): {message}")]
    Unauthenticated { status: u16, message: String },
    #[error("ConductorOne answered HTTP {status} (code {code}): {message}")]
    Status {
        status: u16,
        code: i64,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("could not reach ConductorOne: {message}")]
    Transport { message: String, connect: bool },
    #[error("ConductorOne's answer could not be read: {0}")]
    Decode(String),
}

impl C1Error {
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            C1Error::Status { status: 404, .. } | C1Error::Status { code: 5, .. }
        )
    }

    /// From a non-2xx response: `google.rpc.Status` when the body is one.
    pub(crate) fn from_response(status: u16, body: &[u8], secrets: &[&str]) -> C1Error {
        #[derive(Deserialize)]
        struct RpcStatus {
            code: Option<i64>,
            message: Option<String>,
        }
        let parsed: Option<RpcStatus> = serde_json::from_slice(body).ok();
        let message = parsed
            .as_ref()
            .and_then(|s| s.message.clone())
            .unwrap_or_else(|| {
                String::from_utf8_lossy(body)
                    .chars()
                    .take(MAX_MESSAGE)
                    .collect()
            });
        let message = scrub(&message, secrets);
        match status {
            401 => C1Error::Unauthenticated { status, message },
            _ => C1Error::Status {
                status,
                code: parsed.and_then(|s| s.code).unwrap_or(0),
                message,
                retry_after: None,
            },
        }
    }

    pub(crate) fn transport(e: &reqwest::Error) -> C1Error {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        C1Error::Transport {
            message: msg,
            connect: e.is_connect(),
        }
    }

    /// True when the server cannot have acted on the request.
    fn not_acted_on(&self) -> bool {
        matches!(
            self,
            C1Error::Status { status: 429, .. } | C1Error::Transport { connect: true, .. }
        )
    }
}

impl Retryable for C1Error {
    fn is_retryable(&self) -> bool {
        match self {
            C1Error::Status { status, .. } => *status == 429 || *status >= 500,
            C1Error::Transport { .. } => true,
            _ => false,
        }
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            C1Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Removes secrets and control characters and bounds the length.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut t = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        t = t.replace(s, "REDACTED");
    }
    let t: String = t.chars().filter(|c| !c.is_control()).collect();
    if t.chars().count() > MAX_MESSAGE {
        t.chars().take(MAX_MESSAGE).collect::<String>() + "…"
    } else {
        t
    }
}

/// The ConductorOne API, sharing the process's HTTP client and token.
#[derive(Clone)]
pub struct C1Client {
    http: reqwest::Client,
    base: url::Url,
    tokens: Arc<TokenSource>,
    retry: RetryPolicy,
}

/// Whether a call may be repeated after an uncertain failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Idempotent {
    Yes,
    No,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectorViewEnvelope {
    connector_view: Option<ConnectorView>,
}

#[derive(Deserialize)]
struct ConnectorView {
    connector: Option<Connector>,
}

#[derive(Deserialize)]
struct AppEnvelope {
    app: Option<App>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserEnvelope {
    user_view: Option<UserView>,
}

#[derive(Deserialize)]
struct UserView {
    user: Option<User>,
}

fn missing(what: &str) -> C1Error {
    C1Error::Decode(format!("the response has no {what}"))
}

impl ConnectorViewEnvelope {
    fn connector(self) -> Result<Connector, C1Error> {
        self.connector_view
            .and_then(|v| v.connector)
            .ok_or_else(|| missing("connectorView.connector"))
    }
}

/// A connector's `config` carrying one secret value, as ConductorOne's
/// `EnvConfig` expects: `{"@type": ..., "configuration": {key: {"stringValue": v}}}`.
/// `None` gives an empty configuration (the secret is removed).
pub fn env_config(key: &str, value: Option<&Secret>) -> Value {
    let mut configuration = serde_json::Map::new();
    if let Some(v) = value {
        configuration.insert(key.to_string(), json!({ "stringValue": v.expose() }));
    }
    json!({ "@type": ENV_CONFIG_TYPE, "configuration": configuration })
}

/// A new connector.
pub struct NewConnector<'a> {
    pub app_id: &'a str,
    pub catalog_id: &'a str,
    pub display_name: &'a str,
    pub description: &'a str,
    pub user_ids: &'a [String],
    /// The secret config key and value; without it the connector is created
    /// delegated (waiting for its owner to configure it).
    pub secret: Option<(&'a str, &'a Secret)>,
}

impl C1Client {
    pub fn new(http: reqwest::Client, auth: &ConductorOneAuth) -> Result<C1Client, C1Error> {
        let base = auth.server_url().clone();
        Ok(C1Client {
            tokens: Arc::new(TokenSource::new(http.clone(), auth)?),
            http,
            base,
            retry: RetryPolicy::default(),
        })
    }

    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// `GET /api/v1/auth/introspect`: the calling principal's user id.
    pub async fn caller_user_id(&self) -> Result<String, C1Error> {
        let v: Value = self.get("/api/v1/auth/introspect").await?;
        v.get("userId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| C1Error::Decode("introspection returned no userId".into()))
    }

    /// `GET /api/v1/users/{id}`; `None` when there is no such user.
    pub async fn user(&self, id: &str) -> Result<Option<User>, C1Error> {
        let r: Result<UserEnvelope, _> = self
            .get(&format!("/api/v1/users/{}", encode_segment(id)))
            .await;
        match r {
            Ok(env) => Ok(env.user_view.and_then(|v| v.user)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /api/v1/apps`: a manual app without a connector.
    pub async fn create_app(&self, display_name: &str, description: &str) -> Result<App, C1Error> {
        let body = json!({ "displayName": display_name, "description": description });
        let env: AppEnvelope = self
            .call(
                Method::POST,
                "/api/v1/apps",
                Some(&body),
                Idempotent::No,
                &[],
            )
            .await?;
        env.app.ok_or_else(|| missing("app"))
    }

    /// `GET /api/v1/apps/{id}`; `None` when it is gone.
    pub async fn app(&self, id: &str) -> Result<Option<App>, C1Error> {
        let r: Result<AppEnvelope, _> = self.get(&app_path(id)).await;
        match r {
            Ok(env) => Ok(env.app.filter(|a| a.deleted_at.is_none())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /api/v1/apps/{id}` with `updateMask: displayName`.
    pub async fn rename_app(&self, id: &str, display_name: &str) -> Result<App, C1Error> {
        let body = json!({
            "app": { "id": id, "displayName": display_name },
            "updateMask": "displayName",
        });
        let env: AppEnvelope = self
            .call(
                Method::POST,
                &app_path(id),
                Some(&body),
                Idempotent::Yes,
                &[],
            )
            .await?;
        env.app.ok_or_else(|| missing("app"))
    }

    /// `DELETE /api/v1/apps/{id}`; deleting what is gone succeeds.
    pub async fn delete_app(&self, id: &str) -> Result<(), C1Error> {
        self.delete(&app_path(id)).await
    }

    /// Creates a connector: with its secret config
    /// (`POST /api/v1/apps/{app_id}/connectors/create`), or delegated, waiting
    /// for its config (`POST /api/v1/apps/{app_id}/connectors`).
    pub async fn create_connector(&self, c: &NewConnector<'_>) -> Result<Connector, C1Error> {
        let base = format!("{}/connectors", app_path(c.app_id));
        let (path, body, secrets) = match c.secret {
            Some((key, value)) => (
                format!("{base}/create"),
                json!({
                    "catalogId": c.catalog_id,
                    "description": c.description,
                    "userIds": c.user_ids,
                    "config": env_config(key, Some(value)),
                }),
                vec![value.expose()],
            ),
            None => (
                base,
                json!({
                    "catalogId": c.catalog_id,
                    "displayName": c.display_name,
                    "description": c.description,
                    "userIds": c.user_ids,
                }),
                Vec::new(),
            ),
        };
        let env: ConnectorViewEnvelope = self
            .call(Method::POST, &path, Some(&body), Idempotent::No, &secrets)
            .await?;
        env.connector()
    }

    /// `GET /api/v1/apps/{app_id}/connectors/{id}`; `None` when it is gone
    /// (404, or `deletedAt` set).
    pub async fn connector(&self, app_id: &str, id: &str) -> Result<Option<Connector>, C1Error> {
        let r: Result<ConnectorViewEnvelope, _> = self.get(&connector_path(app_id, id)).await;
        match r {
            Ok(env) => Ok(Some(env.connector()?).filter(|c| c.deleted_at.is_none())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Updates the fields of `mask` (camelCase names) from `connector`:
    /// `POST .../connectors/{id}`, or `.../delegated` for a connector that
    /// has no config and gets none.
    pub async fn update_connector(
        &self,
        app_id: &str,
        id: &str,
        connector: &Value,
        mask: &[&str],
        delegated: bool,
        secrets: &[&str],
    ) -> Result<Connector, C1Error> {
        let mut path = connector_path(app_id, id);
        if delegated {
            path.push_str("/delegated");
        }
        let body = json!({ "connector": connector, "updateMask": mask.join(",") });
        let env: ConnectorViewEnvelope = self
            .call(Method::POST, &path, Some(&body), Idempotent::Yes, secrets)
            .await?;
        env.connector()
    }

    /// `DELETE /api/v1/apps/{app_id}/connectors/{id}`; deleting what is gone succeeds.
    pub async fn delete_connector(&self, app_id: &str, id: &str) -> Result<(), C1Error> {
        self.delete(&connector_path(app_id, id)).await
    }

    async fn delete(&self, path: &str) -> Result<(), C1Error> {
        let r: Result<Value, _> = self
            .call(Method::DELETE, path, Some(&json!({})), Idempotent::Yes, &[])
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, C1Error> {
        self.call(Method::GET, path, None, Idempotent::Yes, &[])
            .await
    }

    /// One API call with retries; `secrets` are scrubbed from error messages
    /// (the access token always is).
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotent: Idempotent,
        secrets: &[&str],
    ) -> Result<T, C1Error> {
        let url = join_url(&self.base, path);
        let retry_if =
            |e: &C1Error| e.is_retryable() && (idempotent == Idempotent::Yes || e.not_acted_on());
        let bytes = retry::run_if(&self.retry, retry_if, || async {
            let token = self.tokens.token().await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose())
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(self.retry.request_timeout);
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.map_err(|e| C1Error::transport(&e))?;
            let status = resp.status();
            let wait = retry::retry_after(resp.headers());
            let bytes = resp.bytes().await.map_err(|e| C1Error::transport(&e))?;
            if status.is_success() {
                return Ok(bytes);
            }
            let mut all: Vec<&str> = secrets.to_vec();
            all.push(token.expose());
            let mut err = C1Error::from_response(status.as_u16(), &bytes, &all);
            if let C1Error::Status { retry_after, .. } = &mut err {
                *retry_after = wait;
            }
            Err(err)
        })
        .await?;
        serde_json::from_slice(&bytes).map_err(|e| C1Error::Decode(e.to_string()))
    }
}

fn app_path(app_id: &str) -> String {
    format!("/api/v1/apps/{}", encode_segment(app_id))
}

fn connector_path(app_id: &str, id: &str) -> String {
    format!("{}/connectors/{}", app_path(app_id), encode_segment(id))
}
