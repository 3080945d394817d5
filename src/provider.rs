//! The `conductorone` provider: its configuration, validated during
//! `terraform validate` without any network, and resolved at configure time
//! into credentials that are checked only when an operation needs them.

use std::sync::{Arc, OnceLock, RwLock};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::framework::{
    Action, ConfigureRequest, Context, DataSource, ListResource, Provider, Resource,
};
use tfplugin::schema::Schema;
use tfplugin::typed::{ActionAdapter, Adapter, DataAdapter, ListAdapter};
use tfplugin::validate;
use tfplugin::value::Value;

use crate::conductorone::{C1Client, Credentials};
use crate::http::{RetryPolicy, Transport};
use crate::resources::segment_integration::SegmentIntegration;
use crate::secret::Secret;

/// Segment's Public API in the US region.
pub const DEFAULT_SEGMENT_API_URL: &str = "https://api.segmentapis.com";

/// The ConductorOne provider registers Segment connectors in ConductorOne and
/// reads Segment's user groups and roles.
///
/// Every attribute may instead come from an environment variable; the
/// attribute wins when both are set. `CONDUCTORONE_ACCESS_TOKEN` (environment
/// only) overrides the client credentials. Credentials are checked only when an
/// operation needs them, so `terraform validate` works without any.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ConductorOneProvider")]
pub struct ProviderModel {
    /// The ConductorOne API address, such as `https://acme.conductor.one`.
    /// Defaults to the tenant named in `client_id`. Environment variable:
    /// `CONDUCTORONE_SERVER_URL`.
    #[schemars(extend("x-tf-validate" = ["url"]))]
    pub server_url: Option<String>,
    /// The client ID of a ConductorOne API key or service principal, such as
    /// `clever-fox-42195@acme.conductor.one/spc`. Environment variable:
    /// `CONDUCTORONE_CLIENT_ID`.
    #[schemars(extend("x-tf-validate" = ["not_empty"]))]
    pub client_id: Option<String>,
    /// The client secret that goes with `client_id`
    /// (`secret-token:conductorone.com:v1:...`). Environment variable:
    /// `CONDUCTORONE_CLIENT_SECRET`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub client_secret: Option<Secret>,
    /// An OIDC token from a workload identity provider, exchanged (RFC 8693)
    /// for a ConductorOne access token through the workload federation trust
    /// named by `client_id` (a `.../wfe` client ID). Environment variables, in
    /// order: `CONDUCTORONE_OIDC_TOKEN`,
    /// `TFC_WORKLOAD_IDENTITY_TOKEN_CONDUCTORONE`,
    /// `TFC_WORKLOAD_IDENTITY_TOKEN_C1`, `TFC_WORKLOAD_IDENTITY_TOKEN` (HCP
    /// Terraform sets these when workload identity is enabled). Used instead of
    /// `client_secret` when set.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub oidc_token: Option<Secret>,
    /// The Segment Public API address. Defaults to
    /// `https://api.segmentapis.com`; EU workspaces use
    /// `https://eu1.api.segmentapis.com`. Environment variable: `SEGMENT_API_URL`.
    #[schemars(extend("x-tf-validate" = ["url"]))]
    pub segment_api_url: Option<String>,
    /// A Segment Public API token with the Workspace Owner access level, used
    /// by the data sources and as the default token for reads. Environment
    /// variable: `SEGMENT_ACCESS_TOKEN`.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-validate" = ["not_empty"]))]
    pub segment_access_token: Option<Secret>,
}

/// Where a workload identity token may come from, in order.
const OIDC_ENV: &[&str] = &[
    "CONDUCTORONE_OIDC_TOKEN",
    "TFC_WORKLOAD_IDENTITY_TOKEN_CONDUCTORONE",
    "TFC_WORKLOAD_IDENTITY_TOKEN_C1",
    "TFC_WORKLOAD_IDENTITY_TOKEN",
];

/// The provider configuration once resolved. Problems with credentials are
/// kept as diagnostics and reported by the operation that needs them.
#[derive(Clone, Debug)]
pub struct Configured {
    pub terraform_version: String,
    pub conductorone: Result<Credentials, Diagnostic>,
    pub segment_api_url: Result<url::Url, Diagnostic>,
    pub segment_access_token: Result<Secret, Diagnostic>,
}

/// What the provider's resources and data sources share: the configuration
/// and one HTTP client (connection pool) for the whole process.
#[derive(Default)]
pub struct Shared {
    configured: RwLock<Option<Arc<Configured>>>,
    transport: OnceLock<Transport>,
    /// One ConductorOne client, hence one cached access token, per process.
    c1: OnceLock<C1Client>,
    /// Reads made once per process (token checks, Segment lists, owners).
    reads: crate::cache::Reads,
}

impl Shared {
    /// The process's cached reads.
    pub fn reads(&self) -> &crate::cache::Reads {
        &self.reads
    }

    /// The configuration, once Terraform has configured the provider.
    pub fn configured(&self) -> Result<Arc<Configured>, Diagnostic> {
        self.configured.read().ok().and_then(|g| g.clone()).ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "Terraform did not configure the provider before using it. This is a bug in the provider.",
            )
        })
    }

    /// The process's HTTP transport, built on first use (not at start-up,
    /// which Terraform pays three times per command).
    pub fn transport(&self) -> Result<Transport, Diagnostic> {
        if let Some(t) = self.transport.get() {
            return Ok(t.clone());
        }
        let policy = RetryPolicy {
            request_timeout: request_timeout()?,
            ..RetryPolicy::default()
        };
        let transport = Transport::with_policy(policy)
            .map_err(|e| Diagnostic::error("Cannot create an HTTP client", e.to_string()))?;
        Ok(self.transport.get_or_init(|| transport).clone())
    }

    /// The process's ConductorOne client, built on first use from the
    /// provider's credentials.
    pub fn conductorone(&self) -> Result<C1Client, Diagnostic> {
        if let Some(c) = self.c1.get() {
            return Ok(c.clone());
        }
        let configured = self.configured()?;
        let auth = configured.conductorone.clone()?;
        let client = C1Client::new(self.transport()?, &auth).map_err(|e| {
            Diagnostic::error("Invalid ConductorOne credentials", e.to_string())
                .at(AttributePath::new("client_secret"))
        })?;
        Ok(self.c1.get_or_init(|| client).clone())
    }
}

/// The provider.
#[derive(Default)]
pub struct ConductorOneProvider {
    shared: Arc<Shared>,
}

impl ConductorOneProvider {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }
}

/// Reads an environment variable, for tests to replace.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Where a setting came from, for messages.
enum Source {
    Attribute(&'static str),
    Env(&'static str),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::Attribute(a) => format!("provider attribute {a}"),
            Source::Env(e) => format!("environment variable {e}"),
        }
    }
}

/// The attribute if set, else the environment variable. An unknown attribute
/// (it depends on something not yet created) is an error when used.
fn setting(
    config: &Value,
    attr: &'static str,
    env_name: &'static str,
    env: EnvLookup<'_>,
) -> Result<Option<(String, Source)>, Diagnostic> {
    match config.attr(attr) {
        Value::String(s) => Ok(Some((s.clone(), Source::Attribute(attr)))),
        Value::Unknown => Err(Diagnostic::error(
            "Provider configuration not yet known",
            format!("{attr} depends on a value that is known only after apply, so this operation cannot run yet. Set it to a value known at plan time."),
        )
        .at(AttributePath::new(attr))),
        _ => Ok(env(env_name).map(|v| (v, Source::Env(env_name)))),
    }
}

fn parse_url(raw: &str, source: &Source, attr: &'static str) -> Result<url::Url, Diagnostic> {
    let mut diags = Diagnostics::new();
    let path = AttributePath::new(attr);
    match validate::service_url(&Value::string(raw), &path, &mut diags) {
        Some(u) => Ok(u),
        None => {
            let detail = diags
                .iter()
                .next()
                .map(|d| d.detail.clone())
                .unwrap_or_default();
            let mut d = Diagnostic::error(
                "Invalid URL",
                format!("{} is not usable: {detail}", source.describe()),
            );
            if let Source::Attribute(_) = source {
                d = d.at(path);
            }
            Err(d)
        }
    }
}

/// The tenant host in a client ID `name@host/use`, as an https URL. The
/// host must be a DNS name: a client ID such as
/// `name@evil.example?.conductor.one/spc` names no tenant at all.
pub fn server_url_from_client_id(client_id: &str) -> Option<url::Url> {
    let (_, rest) = client_id.split_once('@')?;
    let host = rest.split('/').next()?.trim().to_ascii_lowercase();
    if !validate::is_dns_name(&host) {
        return None;
    }
    let host = if host.contains('.') {
        host
    } else {
        format!("{host}.conductor.one")
    };
    url::Url::parse(&format!("https://{host}")).ok()
}

fn missing_credentials() -> Diagnostic {
    Diagnostic::error(
        "Missing ConductorOne credentials",
        "Set client_id and client_secret in the provider block, or the environment variables \
         CONDUCTORONE_CLIENT_ID and CONDUCTORONE_CLIENT_SECRET, or CONDUCTORONE_ACCESS_TOKEN, \
         or client_id with a workload identity token (oidc_token or TFC_WORKLOAD_IDENTITY_TOKEN).",
    )
}

/// A setting's value and where it came from.
type Setting = (String, Source);

/// The client ID (and where it came from) and the ConductorOne server:
/// `server_url` (attribute, else environment), else the tenant host in the
/// client ID (attribute, else environment). The one place that decides the
/// server, for `terraform validate` and configuration alike.
fn client_and_server(
    config: &Value,
    env: EnvLookup<'_>,
) -> Result<(Option<Setting>, Option<url::Url>), Diagnostic> {
    let server = setting(config, "server_url", "CONDUCTORONE_SERVER_URL", env)?;
    let client_id = setting(config, "client_id", "CONDUCTORONE_CLIENT_ID", env)?;
    let server_url = match (&server, &client_id) {
        (Some((raw, src)), _) => Some(parse_url(raw, src, "server_url")?),
        (None, Some((id, src))) => Some(server_url_from_client_id(id).ok_or_else(|| {
            let mut d = Diagnostic::error(
                "Invalid client ID",
                format!(
                    "The {} is not a ConductorOne client ID of the form name@tenant.conductor.one/use, so the server cannot be derived from it. Check it, or set server_url.",
                    src.describe()
                ),
            );
            if let Source::Attribute(a) = src {
                d = d.at(AttributePath::new(a));
            }
            d
        })?),
        (None, None) => None,
    };
    Ok((client_id, server_url))
}

/// The ConductorOne server the configuration and environment name, if any.
pub fn resolve_server(config: &Value, env: EnvLookup<'_>) -> Result<Option<url::Url>, Diagnostic> {
    client_and_server(config, env).map(|(_, server)| server)
}

/// Resolves the ConductorOne credentials from the configuration and environment.
pub fn resolve_conductorone(config: &Value, env: EnvLookup<'_>) -> Result<Credentials, Diagnostic> {
    let (client_id, server_url) = client_and_server(config, env)?;
    if let Some(token) = env("CONDUCTORONE_ACCESS_TOKEN") {
        let server_url = server_url.ok_or_else(|| {
            Diagnostic::error(
                "Missing ConductorOne server",
                "CONDUCTORONE_ACCESS_TOKEN is set, but no server is: set server_url (or CONDUCTORONE_SERVER_URL) to your tenant, such as https://acme.conductor.one.",
            )
        })?;
        return Ok(Credentials::AccessToken {
            server_url,
            token: Secret::new(token),
        });
    }
    let oidc = match config.attr("oidc_token") {
        Value::String(t) => Some(t.clone()),
        Value::Unknown => {
            return Err(Diagnostic::error(
                "Provider configuration not yet known",
                "oidc_token depends on a value that is known only after apply.",
            )
            .at(AttributePath::new("oidc_token")))
        }
        _ => OIDC_ENV.iter().find_map(|k| env(k)),
    };
    if let Some(token) = oidc {
        return match (client_id, server_url) {
            (Some((client_id, _)), Some(server_url)) => Ok(Credentials::WorkloadIdentity {
                server_url,
                client_id,
                subject_token: Secret::new(token),
            }),
            _ => Err(Diagnostic::error(
                "Missing ConductorOne client ID",
                "A workload identity token (oidc_token, CONDUCTORONE_OIDC_TOKEN or TFC_WORKLOAD_IDENTITY_TOKEN) is set, but no client ID: set client_id (or CONDUCTORONE_CLIENT_ID) to the client ID of your ConductorOne workload federation trust (ending in /wfe).",
            )
            .at(AttributePath::new("client_id"))),
        };
    }
    let secret = setting(config, "client_secret", "CONDUCTORONE_CLIENT_SECRET", env)?;
    match (client_id, secret, server_url) {
        (Some((client_id, _)), Some((secret, _)), Some(server_url)) => {
            Ok(Credentials::ClientCredentials { server_url, client_id, client_secret: Secret::new(secret) })
        }
        (None, None, _) => Err(missing_credentials()),
        (None, Some(_), _) => Err(Diagnostic::error(
            "Missing ConductorOne client ID",
            "A client secret is set but no client ID: set client_id in the provider block or CONDUCTORONE_CLIENT_ID.",
        )
        .at(AttributePath::new("client_id"))),
        (Some(_), None, _) => Err(Diagnostic::error(
            "Missing ConductorOne client secret",
            "A client ID is set but no client secret: set client_secret in the provider block or CONDUCTORONE_CLIENT_SECRET.",
        )
        .at(AttributePath::new("client_secret"))),
        (Some(_), Some(_), None) => Err(missing_credentials()),
    }
}

/// Resolves the whole provider configuration.
pub fn resolve(terraform_version: &str, config: &Value, env: EnvLookup<'_>) -> Configured {
    let segment_api_url =
        setting(config, "segment_api_url", "SEGMENT_API_URL", env).and_then(|s| match s {
            Some((raw, src)) => parse_url(&raw, &src, "segment_api_url"),
            None => url::Url::parse(DEFAULT_SEGMENT_API_URL)
                .map_err(|e| Diagnostic::error("Invalid default Segment URL", e.to_string())),
        });
    let segment_access_token = setting(config, "segment_access_token", "SEGMENT_ACCESS_TOKEN", env).and_then(|s| {
        s.map(|(t, _)| Secret::new(t)).ok_or_else(|| {
            Diagnostic::error(
                "Missing Segment access token",
                "Set segment_access_token in the provider block or the environment variable SEGMENT_ACCESS_TOKEN to a Segment Public API token with the Workspace Owner access level.",
            )
        })
    });
    Configured {
        terraform_version: terraform_version.to_string(),
        conductorone: resolve_conductorone(config, env),
        segment_api_url,
        segment_access_token,
    }
}

#[async_trait]
impl Provider for ConductorOneProvider {
    fn type_name(&self) -> &'static str {
        "conductorone"
    }

    fn schema(&self) -> Schema {
        provider_schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        tfplugin::rules::validate(&provider_schema(), config, diags);
        validate_server(config, &process_env, diags);
    }

    async fn configure(&self, _ctx: &Context, req: ConfigureRequest, _diags: &mut Diagnostics) {
        let configured = resolve(&req.terraform_version, &req.config, &process_env);
        tracing::debug!(
            terraform_version = %configured.terraform_version,
            conductorone_auth = match &configured.conductorone {
                Ok(Credentials::AccessToken { .. }) => "access token",
                Ok(Credentials::ClientCredentials { .. }) => "client credentials",
                Ok(Credentials::WorkloadIdentity { .. }) => "workload identity",
                Err(_) => "none",
            },
            "provider configured"
        );
        if let Ok(mut g) = self.shared.configured.write() {
            *g = Some(Arc::new(configured));
        }
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        let integration = SegmentIntegration::new(self.shared.clone());
        vec![Arc::new(Adapter::new(integration))]
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        use crate::list_resources::segment_integration::SegmentIntegrationList;
        vec![Arc::new(ListAdapter::new(SegmentIntegrationList::new(
            self.shared(),
        )))]
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        use crate::actions::segment_sync::SegmentSync;
        vec![Arc::new(ActionAdapter::new(SegmentSync::new(
            self.shared(),
        )))]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        use crate::data_sources::{
            segment_group, segment_groups, segment_role, segment_roles, segment_sync_status,
            segment_workspace,
        };
        let s = || self.shared();
        vec![
            Arc::new(DataAdapter::new(segment_workspace::SegmentWorkspace::new(
                s(),
            ))),
            Arc::new(DataAdapter::new(segment_groups::SegmentGroups::new(s()))),
            Arc::new(DataAdapter::new(segment_group::SegmentGroup::new(s()))),
            Arc::new(DataAdapter::new(segment_roles::SegmentRoles::new(s()))),
            Arc::new(DataAdapter::new(segment_role::SegmentRole::new(s()))),
            Arc::new(DataAdapter::new(
                segment_sync_status::SegmentSyncStatus::new(s()),
            )),
        ]
    }
}

/// Reports a client ID the server cannot be derived from, when nothing else
/// names the server: decided by [`resolve_server`], as configuration does.
fn validate_server(config: &Value, env: EnvLookup<'_>, diags: &mut Diagnostics) {
    if !config.is_wholly_known() || diags.has_errors() {
        return;
    }
    if let Err(d) = resolve_server(config, env) {
        if d.path == Some(AttributePath::new("client_id")) {
            diags.push(d);
        }
    }
}

/// The provider's schema, derived from [`ProviderModel`].
pub fn provider_schema() -> Schema {
    // The model is fixed at compile time and its unit test derives it, so
    // this cannot fail in a released binary.
    Schema::derive::<ProviderModel>().unwrap_or_else(|e| panic!("provider schema: {e}"))
}

/// Each request's timeout: `CONDUCTORONE_REQUEST_TIMEOUT` seconds (1 to
/// 600), else 60.
fn request_timeout() -> Result<std::time::Duration, Diagnostic> {
    const VAR: &str = "CONDUCTORONE_REQUEST_TIMEOUT";
    let Ok(v) = std::env::var(VAR) else {
        return Ok(RetryPolicy::default().request_timeout);
    };
    match v.trim().parse::<u64>() {
        Ok(secs @ 1..=600) => Ok(std::time::Duration::from_secs(secs)),
        _ => Err(Diagnostic::error(
            format!("Invalid {VAR}"),
            format!("{VAR} must be a whole number of seconds from 1 to 600, not {v:?}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use tfplugin::value::Type;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| m.get(k).cloned()
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::null_object(&provider_schema().value_type());
        for (k, x) in pairs {
            v.set_attr(k, x.clone());
        }
        v
    }

    #[test]
    fn schema_is_derived_from_the_model() {
        let s = provider_schema();
        let names: Vec<&str> = s.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "client_secret",
                "oidc_token",
                "segment_access_token",
                "segment_api_url",
                "server_url"
            ]
        );
        for a in &s.attributes {
            assert!(
                a.optional && !a.required && !a.computed,
                "{} should be optional",
                a.name
            );
            assert_eq!(a.value_type(), Type::String);
            assert!(!a.description.is_empty(), "{} needs a description", a.name);
            assert_eq!(
                a.sensitive,
                ["client_secret", "oidc_token", "segment_access_token"].contains(&a.name.as_str()),
                "{}",
                a.name
            );
        }
        assert!(s.description.contains("ConductorOne provider"));
    }

    #[test]
    fn attribute_beats_env_and_client_id_gives_the_host() {
        let env = env_of(&[
            ("CONDUCTORONE_CLIENT_ID", "env-id@other.conductor.one/spc"),
            ("CONDUCTORONE_CLIENT_SECRET", "s3"),
        ]);
        let c = config(&[("client_id", Value::string("fox-1@acme.conductor.one/spc"))]);
        match resolve_conductorone(&c, &env).unwrap() {
            Credentials::ClientCredentials {
                server_url,
                client_id,
                client_secret,
            } => {
                assert_eq!(server_url.as_str(), "https://acme.conductor.one/");
                assert_eq!(client_id, "fox-1@acme.conductor.one/spc");
                assert_eq!(client_secret.expose(), "s3");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn access_token_overrides_credentials() {
        let env = env_of(&[
            ("CONDUCTORONE_ACCESS_TOKEN", "tok"),
            ("CONDUCTORONE_SERVER_URL", "http://127.0.0.1:9/"),
            ("CONDUCTORONE_CLIENT_ID", "a@b.conductor.one/spc"),
            ("CONDUCTORONE_CLIENT_SECRET", "s"),
        ]);
        let got = resolve_conductorone(&config(&[]), &env).unwrap();
        assert!(
            matches!(got, Credentials::AccessToken { ref token, .. } if token.expose() == "tok")
        );
    }

    #[test]
    fn workload_identity_tokens_come_from_hcp_terraform_variables() {
        let env = env_of(&[
            ("TFC_WORKLOAD_IDENTITY_TOKEN", "generic"),
            ("TFC_WORKLOAD_IDENTITY_TOKEN_C1", "c1"),
            ("CONDUCTORONE_CLIENT_ID", "a@b.conductor.one/wfe"),
            ("CONDUCTORONE_CLIENT_SECRET", "s"),
        ]);
        let got = resolve_conductorone(&config(&[]), &env).unwrap();
        assert!(matches!(
            got,
            Credentials::WorkloadIdentity { ref subject_token, ref server_url, .. }
                if subject_token.expose() == "c1" && server_url.as_str() == "https://b.conductor.one/"
        ));
        let got =
            resolve_conductorone(&config(&[("oidc_token", Value::string("attr"))]), &env).unwrap();
        assert!(
            matches!(got, Credentials::WorkloadIdentity { ref subject_token, .. } if subject_token.expose() == "attr")
        );
        let no_id = env_of(&[("TFC_WORKLOAD_IDENTITY_TOKEN", "t")]);
        let d = resolve_conductorone(&config(&[]), &no_id).unwrap_err();
        assert!(d.detail.contains("/wfe"), "{}", d.detail);
    }

    #[test]
    fn missing_credentials_name_attributes_and_env_vars() {
        let none = env_of(&[]);
        let d = resolve_conductorone(&config(&[]), &none).unwrap_err();
        assert!(
            d.detail.contains("client_id") && d.detail.contains("CONDUCTORONE_CLIENT_SECRET"),
            "{d}"
        );
        let d = resolve_conductorone(
            &config(&[("client_id", Value::string("a@acme.conductor.one/spc"))]),
            &none,
        )
        .unwrap_err();
        assert_eq!(d.path, Some(AttributePath::new("client_secret")));
        assert!(d.detail.contains("CONDUCTORONE_CLIENT_SECRET"));
        let configured = resolve("1.11.4", &config(&[]), &none);
        let d = configured.segment_access_token.unwrap_err();
        assert!(
            d.detail.contains("segment_access_token") && d.detail.contains("SEGMENT_ACCESS_TOKEN")
        );
        assert_eq!(
            configured.segment_api_url.unwrap().as_str(),
            "https://api.segmentapis.com/"
        );
    }

    #[test]
    fn bad_env_url_is_reported_with_its_variable() {
        let env = env_of(&[
            ("SEGMENT_API_URL", "http://segment.example.com"),
            ("SEGMENT_ACCESS_TOKEN", "t"),
        ]);
        let c = resolve("1.11.4", &config(&[]), &env);
        let d = c.segment_api_url.unwrap_err();
        assert!(
            d.detail.contains("environment variable SEGMENT_API_URL"),
            "{d}"
        );
        assert_eq!(c.segment_access_token.unwrap().expose(), "t");
    }

    #[test]
    fn unknown_attributes_wait() {
        let c = config(&[("server_url", Value::Unknown)]);
        let d = resolve_conductorone(&c, &env_of(&[])).unwrap_err();
        assert_eq!(d.path, Some(AttributePath::new("server_url")));
    }

    #[test]
    fn validate_names_the_attribute() {
        let p = ConductorOneProvider::new();
        let mut diags = Diagnostics::new();
        p.validate_config(
            &config(&[("server_url", Value::string("true"))]),
            &mut diags,
        );
        let d = diags.iter().next().unwrap();
        assert_eq!(d.path, Some(AttributePath::new("server_url")));
        let mut diags = Diagnostics::new();
        p.validate_config(
            &config(&[("client_id", Value::string("nonsense"))]),
            &mut diags,
        );
        assert_eq!(
            diags.iter().next().unwrap().path,
            Some(AttributePath::new("client_id"))
        );
        let mut diags = Diagnostics::new();
        p.validate_config(&config(&[]), &mut diags);
        assert!(diags.is_empty());
    }

    #[test]
    fn client_id_hosts() {
        assert_eq!(
            server_url_from_client_id("x@acme/pcc").unwrap().as_str(),
            "https://acme.conductor.one/"
        );
        assert_eq!(
            server_url_from_client_id("x@acme.c1eu.ai/spc")
                .unwrap()
                .as_str(),
            "https://acme.c1eu.ai/"
        );
        assert!(server_url_from_client_id("nonsense").is_none());
        assert!(server_url_from_client_id("x@/spc").is_none());
        for hostile in [
            "name@evil.example?.conductor.one/spc",
            "name@evil.example#.conductor.one/spc",
            "name@evil.example\\.conductor.one/spc",
            "name@evil.example:443/spc",
            "a@b@evil.example/spc",
        ] {
            assert!(server_url_from_client_id(hostile).is_none(), "{hostile}");
        }
    }
}
