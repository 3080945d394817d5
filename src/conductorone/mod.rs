//! A typed client for the ConductorOne API: OAuth2 client credentials with the
//! EdDSA JWT client assertion built from a `secret-token:conductorone.com:v1:`
//! secret, a workload identity token, or a static `CONDUCTORONE_ACCESS_TOKEN`
//! (`auth`). One access token per process, refreshed a minute before it
//! expires, with a single token request in flight however many callers ask at
//! once. Errors are typed from `google.rpc.Status` bodies (`error`). Requests
//! go through the shared transport (`crate::http`); calls that create
//! something retry only what the server cannot have acted on (429, refused
//! connections). Connector updates are typed (`patch`).

mod auth;
mod discover;
mod error;
mod model;
mod patch;

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The in-process sandbox and credentials the unit tests share.
#[cfg(test)]
pub(crate) use auth::tests as tests_support;
pub use auth::{parse_client_secret, ClientKey, Credentials, TokenSource};
pub use error::C1Error;
pub use model::{
    App, Connector, ConnectorOf, ConnectorStatus, ListedConnector, Present, Role, User,
};
pub use patch::{ConnectorUpdate, EnvConfig, ENV_CONFIG_TYPE};

use bytes::Bytes;

use crate::http::{
    encode_component, encode_segment, join_url, ApiError, Budget, ErrorBody, Failure, Idempotent,
    NotOneSegment, Pager, Prepared, Transport, MAX_BODY,
};
use crate::secret::Secret;

/// The ConductorOne API, sharing the process's transport and token.
#[derive(Clone)]
pub struct C1Client {
    transport: Transport,
    base: url::Url,
    tokens: Arc<TokenSource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectorViewEnvelope {
    connector_view: Option<ConnectorView>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de> + Default"))]
pub(crate) struct ConnectorView<C = Option<Value>> {
    connector: Option<ConnectorOf<C>>,
}

/// A page of a list or search answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_list")]
    list: Vec<T>,
    #[serde(default, deserialize_with = "model::text")]
    next_page_token: String,
}

fn null_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// The most pages a list reads (100 items each): 10,000 apps, users or
/// connectors, within [`crate::http::paging::LIST_BYTES`] in all.
const MAX_PAGES: u32 = 100;

#[derive(Deserialize)]
struct AppEnvelope {
    app: Option<App>,
}

/// One field of a catalog entry's configuration schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogField {
    pub name: String,
    /// A secret field (`RotatableSecretField`), such as a token.
    pub secret: bool,
}

#[derive(Deserialize)]
struct SchemaAnswer {
    #[serde(default)]
    schema: Option<ConfigSchema>,
}

#[derive(Deserialize)]
struct ConfigSchema {
    #[serde(default = "Vec::new", deserialize_with = "null_list")]
    fields: Vec<SchemaField>,
}

#[derive(Deserialize)]
struct SchemaField {
    #[serde(default)]
    name: String,
    #[serde(default)]
    secret: Option<Value>,
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

/// A new connector, in one of the two create forms ConductorOne's own
/// provider sends: with its secret config (`Create`, which takes no name;
/// ConductorOne names it after the catalog), or pending its config
/// (`CreateDelegated`, named). Both may carry a description.
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
    pub fn new(transport: Transport, auth: &Credentials) -> Result<C1Client, C1Error> {
        let base = auth.server_url().clone();
        Ok(C1Client {
            tokens: Arc::new(TokenSource::new(transport.clone(), auth)?),
            transport,
            base,
        })
    }

    /// `GET /api/v1/auth/introspect`: the calling principal's user id;
    /// `None` when it names no user (as for some service principals and
    /// workload identities).
    pub async fn caller_user_id(&self) -> Result<Option<String>, C1Error> {
        let v: Value = self.get("/api/v1/auth/introspect").await?;
        Ok(v.get("userId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string))
    }

    /// `POST /api/v1/connectorcatalog` (`ConfigurationSchema`): the fields
    /// of a catalog entry's connector configuration.
    pub async fn config_fields(&self, catalog_id: &str) -> Result<Vec<CatalogField>, C1Error> {
        let body = json!({ "catalogId": catalog_id });
        let answer: SchemaAnswer = self
            .call(
                Method::POST,
                "/api/v1/connectorcatalog",
                Some(&body),
                Idempotent::Yes,
                &[],
            )
            .await?;
        let fields = answer.schema.map(|s| s.fields).unwrap_or_default();
        Ok(fields
            .into_iter()
            .map(|f| CatalogField {
                secret: f.secret.is_some_and(|v| !v.is_null()),
                name: f.name,
            })
            .collect())
    }

    /// `GET /api/v1/users/{id}`; `None` when there is no such user.
    pub async fn user(&self, id: &str) -> Result<Option<User>, C1Error> {
        let r: Result<UserEnvelope, _> = self
            .get(&format!("/api/v1/users/{}", encode_segment(id)?))
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
        let r: Result<AppEnvelope, _> = self.get(&app_path(id)?).await;
        match r {
            Ok(env) => Ok(env.app.filter(|a| a.deleted_at.is_none())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /api/v1/apps/{id}` with `updateMask: displayName`.
    pub async fn rename_app(&self, id: &str, display_name: &str) -> Result<App, C1Error> {
        self.update_app(id, "displayName", display_name).await
    }

    /// `POST /api/v1/apps/{id}` with `updateMask: description`.
    pub async fn set_app_description(&self, id: &str, description: &str) -> Result<App, C1Error> {
        self.update_app(id, "description", description).await
    }

    /// `POST /api/v1/apps/{id}` setting one string field: a partial app and
    /// `updateMask`, as ConductorOne's docs show it; when ConductorOne
    /// refuses that (400, 403) or answers without taking it, the whole app
    /// with no mask, as ConductorOne's own Terraform provider sends it.
    async fn update_app(&self, id: &str, field: &str, value: &str) -> Result<App, C1Error> {
        let body = json!({
            "app": { "id": id, field: value },
            "updateMask": field,
        });
        match self.post_app(id, &body).await {
            Ok(app) if app_field(&app, field) == value => return Ok(app),
            Ok(_) | Err(C1Error::Status { status: 400, .. } | C1Error::PermissionDenied { .. }) => {
            }
            Err(e) => return Err(e),
        }
        tracing::debug!(
            id,
            field,
            "ConductorOne did not take a masked app update; sending the whole app"
        );
        let mut whole: Value = self.get(&app_path(id)?).await?;
        let mut app = whole
            .get_mut("app")
            .map(Value::take)
            .filter(Value::is_object)
            .ok_or_else(|| missing("app"))?;
        app[field] = json!(value);
        let updated = self.post_app(id, &json!({ "app": app })).await?;
        match app_field(&updated, field) == value {
            true => Ok(updated),
            false => Err(C1Error::NotTaken {
                what: format!("app {id}'s {field}"),
                kept: app_field(&updated, field).to_string(),
            }),
        }
    }

    async fn post_app(&self, id: &str, body: &Value) -> Result<App, C1Error> {
        let env: AppEnvelope = self
            .call(
                Method::POST,
                &app_path(id)?,
                Some(body),
                Idempotent::Yes,
                &[],
            )
            .await?;
        env.app.ok_or_else(|| missing("app"))
    }

    /// `POST /api/v1/search/apps` by display name (ConductorOne matches it
    /// case-insensitively), every page.
    pub async fn apps_named(&self, display_name: &str) -> Result<Vec<App>, C1Error> {
        self.search_apps(json!({ "displayName": display_name }))
            .await
    }

    /// `POST /api/v1/search/apps` with `query` (ConductorOne's fuzzy search
    /// on names and descriptions), every page.
    pub async fn apps_matching(&self, query: &str) -> Result<Vec<App>, C1Error> {
        self.search_apps(json!({ "query": query })).await
    }

    /// `POST /api/v1/search/apps` with the fields of `filter`, every page;
    /// deleted apps are left out.
    async fn search_apps(&self, filter: Value) -> Result<Vec<App>, C1Error> {
        let mut out = Vec::new();
        let mut body = filter;
        body["pageSize"] = json!(100);
        let mut pager = Pager::new("ConductorOne's apps", MAX_PAGES);
        loop {
            let bytes = self
                .call_raw(
                    Method::POST,
                    "/api/v1/search/apps",
                    Some(&body),
                    Idempotent::Yes,
                    &[],
                    pager.room(),
                )
                .await?;
            let page: Page<App> = decode(&bytes)?;
            out.extend(page.list.into_iter().filter(|a| a.deleted_at.is_none()));
            if !pager.advance(bytes.len(), &page.next_page_token)? {
                return Ok(out);
            }
            body["pageToken"] = json!(page.next_page_token);
        }
    }

    /// `GET /api/v1/iam/roles`, every page.
    pub async fn roles(&self) -> Result<Vec<Role>, C1Error> {
        self.every_page("/api/v1/iam/roles").await
    }

    /// The API's base URL.
    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// `GET /api/v1/apps/{app_id}/connectors`, every page.
    pub async fn connectors(&self, app_id: &str) -> Result<Vec<Connector>, C1Error> {
        let path = format!("{}/connectors", app_path(app_id)?);
        let views: Vec<ConnectorView> = self.every_page(&path).await?;
        Ok(views
            .into_iter()
            .filter_map(|v| v.connector)
            .filter(|c| c.deleted_at.is_none())
            .collect())
    }

    /// Every item of a `GET` list, page by page (100 each, at most
    /// [`MAX_PAGES`] pages).
    async fn every_page<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, C1Error> {
        let mut out = Vec::new();
        self.each_page(path, None, |page| out.extend(page)).await?;
        Ok(out)
    }

    /// Reads `path` page by page (100 items each), handing each page to
    /// `take` as soon as it arrives; at most [`MAX_PAGES`] pages and
    /// [`crate::http::paging::LIST_BYTES`] bytes (and what is left of
    /// `budget`), else an error.
    async fn each_page<T: DeserializeOwned>(
        &self,
        path: &str,
        budget: Option<&Budget>,
        mut take: impl FnMut(Vec<T>),
    ) -> Result<(), C1Error> {
        let mut token = String::new();
        let mut pager = Pager::new(format!("ConductorOne's {path}"), MAX_PAGES).within(budget);
        loop {
            let url = format!(
                "{path}?page_size=100&page_token={}",
                encode_component(&token)
            );
            let read = self.call_raw(Method::GET, &url, None, Idempotent::Yes, &[], pager.room());
            let bytes = within(&pager, read.await)?;
            let page: Page<T> = decode(&bytes)?;
            take(page.list);
            if !pager.advance(bytes.len(), &page.next_page_token)? {
                return Ok(());
            }
            token = page.next_page_token;
        }
    }

    /// `DELETE /api/v1/apps/{id}`; deleting what is gone succeeds.
    pub async fn delete_app(&self, id: &str) -> Result<(), C1Error> {
        self.delete(&app_path(id)?).await
    }

    /// Creates a connector: with its secret config
    /// (`POST /api/v1/apps/{app_id}/connectors/create`), or delegated, waiting
    /// for its config (`POST /api/v1/apps/{app_id}/connectors`).
    pub async fn create_connector(&self, c: &NewConnector<'_>) -> Result<Connector, C1Error> {
        let base = format!("{}/connectors", app_path(c.app_id)?);
        let mut body = json!({ "catalogId": c.catalog_id });
        let (path, secrets) = match c.secret {
            Some((key, value)) => {
                body["config"] = EnvConfig::with_secret(key, Some(value)).to_json();
                (format!("{base}/create"), vec![value])
            }
            None => {
                body["displayName"] = json!(c.display_name);
                (base, Vec::new())
            }
        };
        // As ConductorOne's own provider sends them: no empty owner list
        // (ConductorOne then picks the owner); a description only when set.
        if !c.user_ids.is_empty() {
            body["userIds"] = json!(c.user_ids);
        }
        if !c.description.is_empty() {
            body["description"] = json!(c.description);
        }
        let env: ConnectorViewEnvelope = self
            .call(Method::POST, &path, Some(&body), Idempotent::No, &secrets)
            .await?;
        env.connector()
    }

    /// `GET /api/v1/apps/{app_id}/connectors/{id}`; `None` when it is gone
    /// (404, or `deletedAt` set).
    pub async fn connector(&self, app_id: &str, id: &str) -> Result<Option<Connector>, C1Error> {
        let r: Result<ConnectorViewEnvelope, _> = self.get(&connector_path(app_id, id)?).await;
        match r {
            Ok(env) => Ok(Some(env.connector()?).filter(|c| c.deleted_at.is_none())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One update of `current` (as ConductorOne returned it), in one of the
    /// two forms ConductorOne's own code sends (`patch.rs`); ConductorOne's
    /// answer.
    pub async fn update_connector(
        &self,
        current: &Connector,
        update: &ConnectorUpdate,
    ) -> Result<Connector, C1Error> {
        let path = format!(
            "{}{}",
            connector_path(&current.app_id, &current.id)?,
            update.suffix()
        );
        let body = update.request_body(current);
        let env: ConnectorViewEnvelope = self
            .call(
                Method::POST,
                &path,
                Some(&body),
                Idempotent::Yes,
                &update.secrets(),
            )
            .await?;
        env.connector()
    }

    /// `POST /api/v1/apps/{app_id}/connectors/{id}/force_sync`: puts a sync
    /// on the queue (an empty answer; the sync status tells the rest).
    pub async fn force_sync(&self, app_id: &str, id: &str) -> Result<(), C1Error> {
        self.connector_op(app_id, id, "force_sync").await
    }

    /// `POST .../pause`: no syncs, grants or revokes until resumed.
    pub async fn pause_sync(&self, app_id: &str, id: &str) -> Result<(), C1Error> {
        self.connector_op(app_id, id, "pause").await
    }

    /// `POST .../resume`: clears the pause and starts a sync.
    pub async fn resume_sync(&self, app_id: &str, id: &str) -> Result<(), C1Error> {
        self.connector_op(app_id, id, "resume").await
    }

    /// `POST /api/v1/apps/{app_id}/connectors/{id}/{op}` with `{}`, whose
    /// answer is empty.
    async fn connector_op(&self, app_id: &str, id: &str, op: &str) -> Result<(), C1Error> {
        let path = format!("{}/{op}", connector_path(app_id, id)?);
        let _: Value = self
            .call(Method::POST, &path, Some(&json!({})), Idempotent::Yes, &[])
            .await?;
        Ok(())
    }

    /// `DELETE /api/v1/apps/{app_id}/connectors/{id}`; deleting what is gone succeeds.
    pub async fn delete_connector(&self, app_id: &str, id: &str) -> Result<(), C1Error> {
        self.delete(&connector_path(app_id, id)?).await
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

    /// One API call through the transport (`path` may end in `?query`),
    /// its answer decoded.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotent: Idempotent,
        secrets: &[&Secret],
    ) -> Result<T, C1Error> {
        let bytes = self
            .call_raw(method, path, body, idempotent, secrets, MAX_BODY)
            .await?;
        decode(&bytes)
    }

    /// One API call's answer, at most `limit` bytes; `secrets` (and the
    /// access token) are scrubbed from error messages.
    async fn call_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotent: Idempotent,
        secrets: &[&Secret],
        limit: usize,
    ) -> Result<Bytes, C1Error> {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let mut url = join_url(&self.base, path);
        url.set_query(query);
        self.transport
            .send_within(idempotent, limit, || async {
                let token = self.tokens.token().await?;
                let mut request = self
                    .transport
                    .client()
                    .request(method.clone(), url.clone())
                    .bearer_auth(token.expose())
                    .header(reqwest::header::ACCEPT, "application/json");
                if let Some(b) = body {
                    request = request.json(b);
                }
                let mut secrets: Vec<Secret> = secrets.iter().map(|s| (*s).clone()).collect();
                secrets.push(token.clone());
                Ok(Prepared { request, secrets })
            })
            .await
    }
}

/// A page's answer; one too large for what was left of its list is the
/// list's bound.
fn within(pager: &Pager, read: Result<Bytes, C1Error>) -> Result<Bytes, C1Error> {
    match (read, pager.overflowed()) {
        (Err(C1Error::TooLarge { .. }), Some(bound)) => Err(bound.into()),
        (read, _) => read,
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, C1Error> {
    serde_json::from_slice(bytes).map_err(|e| C1Error::Decode(crate::http::decode_error(&e)))
}

/// One of the string fields an app update sets.
fn app_field<'a>(app: &'a App, field: &str) -> &'a str {
    match field {
        "displayName" => &app.display_name,
        _ => &app.description,
    }
}

pub(crate) fn app_path(app_id: &str) -> Result<String, NotOneSegment> {
    Ok(format!("/api/v1/apps/{}", encode_segment(app_id)?))
}

fn connector_path(app_id: &str, id: &str) -> Result<String, NotOneSegment> {
    Ok(format!(
        "{}/connectors/{}",
        app_path(app_id)?,
        encode_segment(id)?
    ))
}

/// Decodes `body` as each answer and each error this client reads (for the
/// fuzz harness: none may panic).
#[doc(hidden)]
pub fn decode_any_answer(body: &[u8]) {
    if let Ok(env) = serde_json::from_slice::<ConnectorViewEnvelope>(body) {
        let _ = env.connector();
    }
    let _ = serde_json::from_slice::<AppEnvelope>(body);
    let _ = serde_json::from_slice::<UserEnvelope>(body);
    let _ = serde_json::from_slice::<Page<App>>(body);
    let _ = serde_json::from_slice::<Page<Role>>(body);
    let _ = serde_json::from_slice::<Page<ConnectorView>>(body);
    let _ = serde_json::from_slice::<SchemaAnswer>(body);
    let _ = serde_json::from_slice::<Value>(body);
    auth::decode_token_answer(body);
    for status in [400, 401, 403, 404, 429, 500, 503] {
        let b = ErrorBody::new(status, None, body, vec![Secret::new("c1_secret")]);
        let _ = C1Error::from_failure(Failure::Status(b)).to_string();
    }
}
