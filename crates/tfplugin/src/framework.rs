//! The traits a provider implements, and the requests they receive.
//!
//! Values arrive decoded against the schema, and diagnostics are gathered in a
//! [`Diagnostics`] passed to each call. The gRPC layer (`grpc.rs`) does the
//! encoding, the type-name dispatch and Terraform's cross-version rules.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::diag::{AttributePath, Diagnostics};
use crate::schema::{IdentitySchema, Schema};
use crate::value::Value;

/// What Terraform told us it supports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    pub deferral_allowed: bool,
    pub write_only_attributes_allowed: bool,
}

/// Carried into every call: cancelled when Terraform sends `StopProvider`.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub cancel: CancellationToken,
}

impl Context {
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

pub struct ConfigureRequest {
    pub terraform_version: String,
    pub config: Value,
    pub client: ClientCapabilities,
}

pub struct ValidateRequest {
    pub config: Value,
    pub client: ClientCapabilities,
}

pub struct PlanRequest {
    /// Null when creating.
    pub prior_state: Value,
    /// Terraform's proposal: config merged with prior state for computed attributes.
    pub proposed_new_state: Value,
    /// Null when destroying.
    pub config: Value,
    pub prior_private: Vec<u8>,
    pub client: ClientCapabilities,
}

#[derive(Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
}

pub struct ApplyRequest {
    /// Null when creating.
    pub prior_state: Value,
    /// Null when destroying.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Default)]
pub struct ApplyResponse {
    /// Null after a destroy. On a failed create, whatever exists, so that
    /// Terraform tracks it instead of leaving it orphaned.
    pub new_state: Value,
    pub private: Vec<u8>,
}

pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
    pub client: ClientCapabilities,
}

#[derive(Default)]
pub struct ReadResponse {
    /// Null when the object is gone: Terraform drops it from state.
    pub new_state: Value,
    pub private: Vec<u8>,
}

pub struct ImportedResource {
    pub state: Value,
    pub private: Vec<u8>,
}

/// A provider: its configuration schema, and the resources and data sources it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, the prefix of its resource names.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Checks the configuration without using any API (it may hold unknowns).
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn configure(&self, ctx: &Context, req: ConfigureRequest, diags: &mut Diagnostics);
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
    /// List resources for `terraform query` (Terraform 1.14+), each named
    /// like the managed resource whose objects it lists.
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        Vec::new()
    }
    /// Actions (Terraform 1.14+).
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        Vec::new()
    }
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The full type name, such as `example_thing`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, _ctx: &Context, _req: ValidateRequest, _diags: &mut Diagnostics) {}
    async fn plan(&self, ctx: &Context, req: PlanRequest, diags: &mut Diagnostics) -> PlanResponse;
    async fn apply(
        &self,
        ctx: &Context,
        req: ApplyRequest,
        diags: &mut Diagnostics,
    ) -> ApplyResponse;
    async fn read(&self, ctx: &Context, req: ReadRequest, diags: &mut Diagnostics) -> ReadResponse;
    /// The resource's identity schema, when it has one (Terraform 1.12+
    /// asks; older Terraform never does).
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }
    /// The identity of the object a wholly known `state` describes, as the
    /// identity schema's object; `None` when it names no object.
    fn identity_of(&self, _state: &Value) -> Option<Value> {
        None
    }
    /// The import ID that an `import` block's `identity` stands for.
    fn import_id_of(&self, _identity: &Value, diags: &mut Diagnostics) -> Option<String> {
        diags.error(
            "Import by identity not supported",
            format!(
                "{} has no resource identity; import it by ID.",
                self.type_name()
            ),
        );
        None
    }
    async fn import(
        &self,
        _ctx: &Context,
        _id: &str,
        diags: &mut Diagnostics,
    ) -> Vec<ImportedResource> {
        diags.error(
            "Import not supported",
            format!("{} cannot be imported.", self.type_name()),
        );
        Vec::new()
    }
    /// The configuration that would give `state` (for `-generate-config-out`):
    /// by default the declared rules' [`config_from_state`](crate::rules::config_from_state).
    fn generate_config(&self, state: &Value) -> Value {
        crate::rules::config_from_state(&self.schema(), state)
    }
    /// Upgrades state stored at an older schema version. The default handles
    /// the current version only (Terraform calls this on every run).
    fn upgrade_state(
        &self,
        version: i64,
        _raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        diags.error(
            "Unsupported state version",
            format!(
                "The state of this {} was written at schema version {version}, which this provider version cannot read. Upgrade the provider.",
                self.type_name()
            ),
        );
        None
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, _ctx: &Context, _config: &Value, _diags: &mut Diagnostics) {}
    /// Returns the wholly known state.
    async fn read(&self, ctx: &Context, config: Value, diags: &mut Diagnostics) -> Value;
}

/// Where a streaming call sends what it produces, up to a limit. `send`
/// says whether to go on: false once the limit is reached or Terraform has
/// stopped listening.
pub struct Sink<T> {
    tx: mpsc::Sender<T>,
    left: usize,
}

impl<T> Sink<T> {
    /// A sink taking at most `limit` items, and the receiving end.
    pub fn channel(limit: usize) -> (Sink<T>, mpsc::Receiver<T>) {
        let (tx, rx) = mpsc::channel(32);
        (Sink { tx, left: limit }, rx)
    }

    pub async fn send(&mut self, item: T) -> bool {
        if self.left == 0 || self.tx.send(item).await.is_err() {
            self.left = 0;
            return false;
        }
        self.left -= 1;
        self.left > 0
    }
}

/// What `terraform query` asks a list resource for.
pub struct ListRequest {
    /// The list block's `config`, decoded against the list resource's schema.
    pub config: Value,
    /// Whether each result should carry the full object (its state).
    pub include_resource: bool,
}

/// One object found by a list resource.
pub struct ListItem {
    /// A value of the managed resource's identity schema.
    pub identity: Value,
    pub display_name: String,
    /// The object's state, when asked for.
    pub object: Option<Value>,
}

/// A list resource: finds existing objects of the managed resource type of
/// the same name, so that `terraform query` can import them.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    /// The schema of the list block's `config`.
    fn schema(&self) -> Schema;
    async fn validate(&self, _ctx: &Context, _config: &Value, _diags: &mut Diagnostics) {}
    /// Sends each object found to `out`, stopping when `send` returns false.
    async fn list(
        &self,
        ctx: &Context,
        req: ListRequest,
        out: &mut Sink<ListItem>,
        diags: &mut Diagnostics,
    );
}

/// An action: an operation Terraform runs on request (`-invoke`) or from a
/// resource's `action_trigger`, outside any object's state.
#[async_trait]
pub trait Action: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, _ctx: &Context, _config: &Value, _diags: &mut Diagnostics) {}
    /// Checks made while planning; the configuration may hold unknowns.
    async fn plan(&self, _ctx: &Context, _config: &Value, _diags: &mut Diagnostics) {}
    /// Runs the action, sending progress messages to `progress` as it goes.
    async fn invoke(
        &self,
        ctx: &Context,
        config: Value,
        progress: &mut Sink<String>,
        diags: &mut Diagnostics,
    );
}
