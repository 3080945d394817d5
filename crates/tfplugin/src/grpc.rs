//! The `tfplugin6.Provider` gRPC service: decodes requests against schemas,
//! dispatches to the provider's resources and data sources, enforces the
//! rules Terraform checks on responses, and encodes the answers.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use crate::diag::{Diagnostic, Diagnostics};
use crate::framework::{
    Action, ApplyRequest, ClientCapabilities, ConfigureRequest, Context, DataSource, ListResource,
    PlanRequest, Provider, ReadRequest, Resource, ValidateRequest,
};
use crate::proto::tfplugin6 as pb;
use crate::schema::{IdentitySchema, Schema};
use crate::value::{Type, Value};

struct Typed<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
    /// A resource's identity schema and its value type.
    identity: Option<(IdentitySchema, Type)>,
}

/// Serves one provider over gRPC.
pub(crate) struct ProviderService<P: Provider> {
    provider: Arc<P>,
    schema: Schema,
    ty: Type,
    resources: BTreeMap<String, Typed<dyn Resource>>,
    data_sources: BTreeMap<String, Typed<dyn DataSource>>,
    lists: BTreeMap<String, Typed<dyn ListResource>>,
    actions: BTreeMap<String, Typed<dyn Action>>,
    ctx: Context,
}

/// Indexes a provider's list resources or actions by type name.
fn typed_by_name<T: ?Sized>(
    items: Vec<Arc<T>>,
    name: impl Fn(&T) -> &'static str,
    schema: impl Fn(&T) -> Schema,
) -> BTreeMap<String, Typed<T>> {
    items
        .into_iter()
        .map(|imp| {
            let schema = schema(&imp);
            let typed = Typed {
                ty: schema.value_type(),
                schema,
                identity: None,
                imp: imp.clone(),
            };
            (name(&imp).to_string(), typed)
        })
        .collect()
}

impl<P: Provider> ProviderService<P> {
    pub(crate) fn new(provider: P, ctx: Context) -> Self {
        let schema = provider.schema();
        let ty = schema.value_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                let identity = r.identity_schema().map(|s| {
                    let ty = s.value_type();
                    (s, ty)
                });
                (
                    r.type_name().to_string(),
                    Typed {
                        ty: schema.value_type(),
                        schema,
                        identity,
                        imp: r,
                    },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                (
                    d.type_name().to_string(),
                    Typed {
                        ty: schema.value_type(),
                        schema,
                        identity: None,
                        imp: d,
                    },
                )
            })
            .collect();
        let lists = typed_by_name(provider.list_resources(), |l| l.type_name(), |l| l.schema());
        let actions = typed_by_name(provider.actions(), |a| a.type_name(), |a| a.schema());
        ProviderService {
            provider: Arc::new(provider),
            schema,
            ty,
            resources,
            data_sources,
            lists,
            actions,
            ctx,
        }
    }

    fn resource(&self, name: &str) -> Result<&Typed<dyn Resource>, Diagnostics> {
        self.resources.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type {name:?}."),
            )
            .into()
        })
    }

    fn data_source(&self, name: &str) -> Result<&Typed<dyn DataSource>, Diagnostics> {
        self.data_sources.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown data source type",
                format!("This provider has no data source type {name:?}."),
            )
            .into()
        })
    }
}

fn caps(c: Option<&pb::ClientCapabilities>) -> ClientCapabilities {
    c.map(|c| ClientCapabilities {
        deferral_allowed: c.deferral_allowed,
        write_only_attributes_allowed: c.write_only_attributes_allowed,
    })
    .unwrap_or_default()
}

/// Decodes a `DynamicValue`; an absent one is null.
fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let res = if !dv.msgpack.is_empty() {
        Value::from_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        Value::from_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    res.map_err(|e| {
        Diagnostic::error(
            format!("Invalid {what} received from Terraform"),
            format!("The provider could not decode the {what}: {e}. This is a bug in Terraform or the provider."),
        )
        .at(e.path.clone())
        .into()
    })
}

/// The identity of the object `state` describes, for a resource with an
/// identity; `fallback` (what Terraform sent) when the resource names none.
fn identity_data(
    res: &Typed<dyn Resource>,
    state: &Value,
    fallback: Option<pb::ResourceIdentityData>,
) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
    let Some((_, ty)) = &res.identity else {
        return Ok(None);
    };
    if state.is_null() {
        return Ok(None);
    }
    match res.imp.identity_of(state) {
        Some(v) => Ok(Some(pb::ResourceIdentityData {
            identity_data: Some(encode(&v, ty, "identity")?),
        })),
        None => Ok(fallback),
    }
}

fn encode(v: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostics> {
    v.to_msgpack(ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                format!("Provider produced an invalid {what}"),
                format!("{e}. This is a bug in the provider."),
            )
            .into()
        })
}

/// Write-only attributes must be null in every value we return.
fn null_write_only(schema: &Schema, v: &mut Value) {
    if let Value::Object(m) = v {
        for a in &schema.attributes {
            if a.write_only {
                m.insert(a.name.clone(), Value::Null);
            }
        }
    }
}

type RpcResult<T> = Result<Response<T>, Status>;
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

macro_rules! try_diags {
    ($e:expr, $m:ident) => {
        match $e {
            Ok(v) => v,
            Err(d) =>
            {
                #[allow(clippy::needless_update)]
                return Ok(Response::new(pb::$m::Response {
                    diagnostics: d.to_proto(),
                    ..Default::default()
                }))
            }
        }
    };
}

fn unsupported(what: &str) -> Vec<pb::Diagnostic> {
    vec![Diagnostic::error(
        format!("{what} not supported"),
        format!("This provider does not offer {what}."),
    )
    .to_proto()]
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _r: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            list_resources: self
                .lists
                .keys()
                .map(|k| pb::get_metadata::ListResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            actions: self
                .actions
                .keys()
                .map(|k| pb::get_metadata::ActionMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _r: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        tracing::debug!("GetProviderSchema");
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(self.schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(k, r)| (k.clone(), r.schema.to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(k, d)| (k.clone(), d.schema.to_proto()))
                .collect(),
            list_resource_schemas: self
                .lists
                .iter()
                .map(|(k, l)| (k.clone(), l.schema.to_proto()))
                .collect(),
            action_schemas: self
                .actions
                .iter()
                .map(|(k, a)| {
                    let schema = Some(a.schema.to_proto());
                    (k.clone(), pb::ActionSchema { schema })
                })
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> RpcResult<pb::validate_provider_config::Response> {
        tracing::debug!("ValidateProviderConfig");
        let config = try_diags!(
            decode(
                r.get_ref().config.as_ref(),
                &self.ty,
                "provider configuration"
            ),
            validate_provider_config
        );
        let mut diags = Diagnostics::new();
        self.provider.validate_config(&config, &mut diags);
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ValidateResourceConfig");
        let res = try_diags!(self.resource(&req.type_name), validate_resource_config);
        let config = try_diags!(
            decode(req.config.as_ref(), &res.ty, "resource configuration"),
            validate_resource_config
        );
        let mut diags = Diagnostics::new();
        let vr = ValidateRequest {
            config,
            client: caps(req.client_capabilities.as_ref()),
        };
        res.imp.validate(&self.ctx, vr, &mut diags).await;
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ValidateDataResourceConfig");
        let ds = try_diags!(
            self.data_source(&req.type_name),
            validate_data_resource_config
        );
        let config = try_diags!(
            decode(req.config.as_ref(), &ds.ty, "data source configuration"),
            validate_data_resource_config
        );
        let mut diags = Diagnostics::new();
        ds.imp.validate(&self.ctx, &config, &mut diags).await;
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, version = req.version, "UpgradeResourceState");
        let res = try_diags!(self.resource(&req.type_name), upgrade_resource_state);
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            let d = Diagnostic::error(
                "Unsupported state format",
                "This resource's state is in the pre-0.12 flatmap format, which this provider cannot read.",
            );
            return Ok(Response::new(pb::upgrade_resource_state::Response {
                diagnostics: vec![d.to_proto()],
                ..Default::default()
            }));
        }
        let mut diags = Diagnostics::new();
        let upgraded = if req.version == res.schema.version {
            try_diags!(
                Value::from_json(&raw.json, &res.ty).map_err(|e| Diagnostics::from(
                    Diagnostic::error("Stored state does not match the schema", e.to_string())
                        .at(e.path.clone())
                )),
                upgrade_resource_state
            )
        } else if req.version > res.schema.version {
            let d = Diagnostic::error(
                "State written by a newer provider",
                format!(
                    "This {} was stored at schema version {}, newer than this provider's {}. Use the provider version that wrote it, or newer.",
                    req.type_name, req.version, res.schema.version
                ),
            );
            return Ok(Response::new(pb::upgrade_resource_state::Response {
                diagnostics: vec![d.to_proto()],
                ..Default::default()
            }));
        } else {
            match res.imp.upgrade_state(req.version, &raw.json, &mut diags) {
                Some(v) => v,
                None => {
                    return Ok(Response::new(pb::upgrade_resource_state::Response {
                        diagnostics: diags.to_proto(),
                        ..Default::default()
                    }))
                }
            }
        };
        let mut upgraded = upgraded;
        null_write_only(&res.schema, &mut upgraded);
        let dv = try_diags!(
            encode(&upgraded, &res.ty, "upgraded state"),
            upgrade_resource_state
        );
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: Some(dv),
            diagnostics: diags.to_proto(),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _r: Request<pb::get_resource_identity_schemas::Request>,
    ) -> RpcResult<pb::get_resource_identity_schemas::Response> {
        tracing::debug!("GetResourceIdentitySchemas");
        let identity_schemas = self
            .resources
            .iter()
            .filter_map(|(name, r)| {
                r.identity
                    .as_ref()
                    .map(|(s, _)| (name.clone(), s.to_proto()))
            })
            .collect();
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: Vec::new(),
        }))
    }

    /// Identity stored at the current version is read as is; no resource of
    /// ours has had another version yet.
    async fn upgrade_resource_identity(
        &self,
        r: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "UpgradeResourceIdentity");
        let res = try_diags!(self.resource(&req.type_name), upgrade_resource_identity);
        let Some((schema, ty)) = &res.identity else {
            return Ok(Response::new(pb::upgrade_resource_identity::Response {
                diagnostics: unsupported("resource identity"),
                ..Default::default()
            }));
        };
        if req.version != schema.version {
            let d = Diagnostic::error(
                "Unsupported identity version",
                format!(
                    "The identity of this {} was stored at version {}; this provider reads version {}.",
                    req.type_name, req.version, schema.version
                ),
            );
            return Ok(Response::new(pb::upgrade_resource_identity::Response {
                diagnostics: vec![d.to_proto()],
                ..Default::default()
            }));
        }
        let raw = req.raw_identity.unwrap_or_default();
        let v = try_diags!(
            Value::from_json(&raw.json, ty).map_err(|e| Diagnostics::from(Diagnostic::error(
                "Stored identity does not match the identity schema",
                e.to_string()
            ))),
            upgrade_resource_identity
        );
        let dv = try_diags!(
            encode(&v, ty, "upgraded identity"),
            upgrade_resource_identity
        );
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(pb::ResourceIdentityData {
                identity_data: Some(dv),
            }),
            diagnostics: Vec::new(),
        }))
    }

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        let req = r.into_inner();
        tracing::debug!(terraform_version = %req.terraform_version, "ConfigureProvider");
        let config = try_diags!(
            decode(req.config.as_ref(), &self.ty, "provider configuration"),
            configure_provider
        );
        let mut diags = Diagnostics::new();
        let cr = ConfigureRequest {
            terraform_version: req.terraform_version,
            config,
            client: caps(req.client_capabilities.as_ref()),
        };
        self.provider.configure(&self.ctx, cr, &mut diags).await;
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ReadResource");
        let res = try_diags!(self.resource(&req.type_name), read_resource);
        let current_state = try_diags!(
            decode(req.current_state.as_ref(), &res.ty, "current state"),
            read_resource
        );
        let mut diags = Diagnostics::new();
        let rr = ReadRequest {
            current_state,
            private: req.private,
            client: caps(req.client_capabilities.as_ref()),
        };
        let mut out = res.imp.read(&self.ctx, rr, &mut diags).await;
        null_write_only(&res.schema, &mut out.new_state);
        let new_state = try_diags!(encode(&out.new_state, &res.ty, "state"), read_resource);
        let new_identity = try_diags!(
            identity_data(res, &out.new_state, req.current_identity),
            read_resource
        );
        Ok(Response::new(pb::read_resource::Response {
            new_state: Some(new_state),
            diagnostics: diags.to_proto(),
            private: out.private,
            new_identity,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "PlanResourceChange");
        let res = try_diags!(self.resource(&req.type_name), plan_resource_change);
        let prior_state = try_diags!(
            decode(req.prior_state.as_ref(), &res.ty, "prior state"),
            plan_resource_change
        );
        let proposed = try_diags!(
            decode(req.proposed_new_state.as_ref(), &res.ty, "proposed state"),
            plan_resource_change
        );
        let config = try_diags!(
            decode(req.config.as_ref(), &res.ty, "configuration"),
            plan_resource_change
        );
        if proposed.is_null() {
            // Destroy: nothing to plan but the absence.
            let dv = try_diags!(
                encode(&Value::Null, &res.ty, "planned state"),
                plan_resource_change
            );
            return Ok(Response::new(pb::plan_resource_change::Response {
                planned_state: Some(dv),
                planned_private: req.prior_private,
                ..Default::default()
            }));
        }
        let mut diags = Diagnostics::new();
        // An object keeps its identity for life: an update plans the prior one.
        let planned_identity = try_diags!(
            identity_data(res, &prior_state, req.prior_identity),
            plan_resource_change
        );
        let pr = PlanRequest {
            prior_state,
            proposed_new_state: proposed,
            config,
            prior_private: req.prior_private,
            client: caps(req.client_capabilities.as_ref()),
        };
        let mut out = res.imp.plan(&self.ctx, pr, &mut diags).await;
        null_write_only(&res.schema, &mut out.planned_state);
        let planned = try_diags!(
            encode(&out.planned_state, &res.ty, "planned state"),
            plan_resource_change
        );
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state: Some(planned),
            requires_replace: out
                .requires_replace
                .iter()
                .map(crate::diag::AttributePath::to_proto)
                .collect(),
            planned_private: out.planned_private,
            planned_identity,
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ApplyResourceChange");
        let res = try_diags!(self.resource(&req.type_name), apply_resource_change);
        let prior_state = try_diags!(
            decode(req.prior_state.as_ref(), &res.ty, "prior state"),
            apply_resource_change
        );
        let planned_state = try_diags!(
            decode(req.planned_state.as_ref(), &res.ty, "planned state"),
            apply_resource_change
        );
        let config = try_diags!(
            decode(req.config.as_ref(), &res.ty, "configuration"),
            apply_resource_change
        );
        let mut diags = Diagnostics::new();
        let ar = ApplyRequest {
            prior_state,
            planned_state,
            config,
            planned_private: req.planned_private,
        };
        let mut out = res.imp.apply(&self.ctx, ar, &mut diags).await;
        null_write_only(&res.schema, &mut out.new_state);
        let new_state = try_diags!(
            encode(&out.new_state, &res.ty, "new state"),
            apply_resource_change
        );
        let new_identity = try_diags!(
            identity_data(res, &out.new_state, None),
            apply_resource_change
        );
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state: Some(new_state),
            private: out.private,
            new_identity,
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ImportResourceState");
        let res = try_diags!(self.resource(&req.type_name), import_resource_state);
        let mut diags = Diagnostics::new();
        let id = match (
            &res.identity,
            req.identity.as_ref().and_then(|i| i.identity_data.as_ref()),
        ) {
            (Some((_, ty)), Some(dv)) if req.id.is_empty() => {
                let identity = try_diags!(decode(Some(dv), ty, "identity"), import_resource_state);
                match res.imp.import_id_of(&identity, &mut diags) {
                    Some(id) => id,
                    None => {
                        return Ok(Response::new(pb::import_resource_state::Response {
                            diagnostics: diags.to_proto(),
                            ..Default::default()
                        }))
                    }
                }
            }
            _ => req.id.clone(),
        };
        let imported = res.imp.import(&self.ctx, &id, &mut diags).await;
        let mut out = Vec::with_capacity(imported.len());
        for mut i in imported {
            null_write_only(&res.schema, &mut i.state);
            let state = try_diags!(
                encode(&i.state, &res.ty, "imported state"),
                import_resource_state
            );
            let identity = try_diags!(identity_data(res, &i.state, None), import_resource_state);
            out.push(pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: Some(state),
                private: i.private,
                identity,
            });
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: out,
            diagnostics: diags.to_proto(),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        _r: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: unsupported("moving resources between types"),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        r: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ReadDataSource");
        let ds = try_diags!(self.data_source(&req.type_name), read_data_source);
        let config = try_diags!(
            decode(req.config.as_ref(), &ds.ty, "data source configuration"),
            read_data_source
        );
        let mut diags = Diagnostics::new();
        let started = std::time::Instant::now();
        let state = ds.imp.read(&self.ctx, config, &mut diags).await;
        let read_ms = started.elapsed().as_millis();
        if !diags.has_errors() && !state.is_wholly_known() {
            diags.error(
                "Provider produced an unknown value",
                "A data source must return a wholly known value. This is a bug in the provider.",
            );
        }
        let state = if diags.has_errors() {
            Value::Null
        } else {
            state
        };
        let dv = try_diags!(
            encode(&state, &ds.ty, "data source state"),
            read_data_source
        );
        tracing::debug!(
            type_name = %req.type_name,
            read_ms = u64::try_from(read_ms).unwrap_or(u64::MAX),
            total_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            bytes = dv.msgpack.len(),
            "ReadDataSource done"
        );
        Ok(Response::new(pb::read_data_source::Response {
            state: Some(dv),
            diagnostics: diags.to_proto(),
            deferred: None,
        }))
    }

    async fn generate_resource_config(
        &self,
        r: Request<pb::generate_resource_config::Request>,
    ) -> RpcResult<pb::generate_resource_config::Response> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "GenerateResourceConfig");
        let res = try_diags!(self.resource(&req.type_name), generate_resource_config);
        let state = try_diags!(
            decode(req.state.as_ref(), &res.ty, "state"),
            generate_resource_config
        );
        let config = res.imp.generate_config(&state);
        let dv = try_diags!(
            encode(&config, &res.ty, "configuration"),
            generate_resource_config
        );
        Ok(Response::new(pb::generate_resource_config::Response {
            config: Some(dv),
            diagnostics: Vec::new(),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        _r: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<pb::validate_ephemeral_resource_config::Response> {
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: unsupported("ephemeral resources"),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        _r: Request<pb::open_ephemeral_resource::Request>,
    ) -> RpcResult<pb::open_ephemeral_resource::Response> {
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        _r: Request<pb::renew_ephemeral_resource::Request>,
    ) -> RpcResult<pb::renew_ephemeral_resource::Response> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        _r: Request<pb::close_ephemeral_resource::Request>,
    ) -> RpcResult<pb::close_ephemeral_resource::Response> {
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resources"),
        }))
    }

    type ListResourceStream = BoxStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        r: Request<pb::list_resource::Request>,
    ) -> RpcResult<Self::ListResourceStream> {
        let req = r.into_inner();
        tracing::debug!(type_name = %req.type_name, "ListResource");
        Ok(Response::new(self.list(req)))
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<pb::validate_list_resource_config::Request>,
    ) -> RpcResult<pb::validate_list_resource_config::Response> {
        let diagnostics = self.validate_list(r.into_inner()).await.to_proto();
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics,
        }))
    }

    async fn get_functions(
        &self,
        _r: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        r: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!(
                    "This provider has no function named {:?}.",
                    r.get_ref().name
                ),
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        _r: Request<pb::validate_state_store::Request>,
    ) -> RpcResult<pb::validate_state_store::Response> {
        Ok(Response::new(pb::validate_state_store::Response {
            diagnostics: unsupported("state storage"),
        }))
    }

    async fn configure_state_store(
        &self,
        _r: Request<pb::configure_state_store::Request>,
    ) -> RpcResult<pb::configure_state_store::Response> {
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: unsupported("state storage"),
            capabilities: None,
        }))
    }

    type ReadStateBytesStream = BoxStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _r: Request<pb::read_state_bytes::Request>,
    ) -> RpcResult<Self::ReadStateBytesStream> {
        let resp = pb::read_state_bytes::Response {
            diagnostics: unsupported("state storage"),
            ..Default::default()
        };
        Ok(Response::new(Box::pin(tokio_stream::once(Ok(resp)))))
    }

    async fn write_state_bytes(
        &self,
        _r: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> RpcResult<pb::write_state_bytes::Response> {
        Ok(Response::new(pb::write_state_bytes::Response {
            diagnostics: unsupported("state storage"),
        }))
    }

    async fn lock_state(
        &self,
        _r: Request<pb::lock_state::Request>,
    ) -> RpcResult<pb::lock_state::Response> {
        Ok(Response::new(pb::lock_state::Response {
            diagnostics: unsupported("state storage"),
            lock_id: String::new(),
        }))
    }

    async fn unlock_state(
        &self,
        _r: Request<pb::unlock_state::Request>,
    ) -> RpcResult<pb::unlock_state::Response> {
        Ok(Response::new(pb::unlock_state::Response {
            diagnostics: unsupported("state storage"),
        }))
    }

    async fn get_states(
        &self,
        _r: Request<pb::get_states::Request>,
    ) -> RpcResult<pb::get_states::Response> {
        Ok(Response::new(pb::get_states::Response {
            diagnostics: unsupported("state storage"),
            state_id: Vec::new(),
        }))
    }

    async fn delete_state(
        &self,
        _r: Request<pb::delete_state::Request>,
    ) -> RpcResult<pb::delete_state::Response> {
        Ok(Response::new(pb::delete_state::Response {
            diagnostics: unsupported("state storage"),
        }))
    }

    async fn plan_action(
        &self,
        r: Request<pb::plan_action::Request>,
    ) -> RpcResult<pb::plan_action::Response> {
        let diagnostics = self.plan_action_of(r.into_inner()).await.to_proto();
        Ok(Response::new(pb::plan_action::Response {
            diagnostics,
            deferred: None,
        }))
    }

    type InvokeActionStream = BoxStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        r: Request<pb::invoke_action::Request>,
    ) -> RpcResult<Self::InvokeActionStream> {
        Ok(Response::new(self.invoke(r.into_inner())))
    }

    async fn validate_action_config(
        &self,
        r: Request<pb::validate_action_config::Request>,
    ) -> RpcResult<pb::validate_action_config::Response> {
        let diagnostics = self.validate_action(r.into_inner()).await.to_proto();
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics,
        }))
    }

    async fn stop_provider(
        &self,
        _r: Request<pb::stop_provider::Request>,
    ) -> RpcResult<pb::stop_provider::Response> {
        tracing::info!("StopProvider: cancelling work in flight");
        self.ctx.cancel.cancel();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroys need no plan from us: Terraform plans them as null itself.
        plan_destroy: false,
        // Schemas are built at start-up, so Terraform may skip fetching
        // them again from each new process (it caches them per run).
        get_provider_schema_optional: true,
        move_resource_state: false,
        // Generated configuration follows the declared rules
        // (`rules::config_from_state`), so that `-generate-config-out`
        // writes only what a user would.
        generate_resource_config: true,
    }
}

mod action;
mod list;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
