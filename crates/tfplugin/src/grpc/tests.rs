//! The gRPC layer against a small in-memory provider: decoding, dispatch,
//! unknown types and malformed values become diagnostics, never panics.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use tonic::Request;

use super::*;
use crate::framework::{ApplyResponse, PlanResponse, ReadResponse};
use crate::proto::tfplugin6::provider_server::Provider as _;

/// A test thing.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ThingModel {
    /// Name.
    name: String,
    /// Id.
    #[schemars(extend("x-tf-computed" = true))]
    id: Option<String>,
    /// Secret, write-only.
    #[schemars(extend("x-tf-write-only" = true, "x-tf-sensitive" = true))]
    secret_wo: Option<String>,
}

/// The test thing's identity.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ThingIdentity {
    /// Its ID.
    id: String,
}

pub(super) struct Thing;

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        Schema::derive::<ThingModel>().unwrap()
    }
    async fn plan(&self, _ctx: &Context, req: PlanRequest, _d: &mut Diagnostics) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        if planned.attr("id").is_null() {
            planned.set_attr("id", Value::Unknown);
        }
        // Even if a resource echoes a write-only value, it must not leave the provider.
        planned.set_attr("secret_wo", req.config.attr("secret_wo").clone());
        PlanResponse {
            planned_state: planned,
            ..Default::default()
        }
    }
    async fn apply(
        &self,
        _ctx: &Context,
        req: ApplyRequest,
        _d: &mut Diagnostics,
    ) -> ApplyResponse {
        let mut s = req.planned_state;
        s.set_attr("id", Value::string("id-1"));
        ApplyResponse {
            new_state: s,
            ..Default::default()
        }
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::derive::<ThingIdentity>(0).unwrap())
    }
    fn identity_of(&self, state: &Value) -> Option<Value> {
        let id = state.attr("id");
        (!id.is_null()).then(|| Value::object([("id", id.clone())]))
    }
    fn import_id_of(&self, identity: &Value, _d: &mut Diagnostics) -> Option<String> {
        match identity.attr("id") {
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    async fn import(
        &self,
        _ctx: &Context,
        id: &str,
        _d: &mut Diagnostics,
    ) -> Vec<crate::framework::ImportedResource> {
        vec![crate::framework::ImportedResource {
            state: thing("imported", Value::string(id), Value::Null),
            private: Vec::new(),
        }]
    }
    async fn read(&self, _ctx: &Context, req: ReadRequest, d: &mut Diagnostics) -> ReadResponse {
        if req.current_state.attr("name") == &Value::string("bad") {
            d.error_at(crate::AttributePath::new("name"), "Bad name", "no");
        }
        ReadResponse {
            new_state: req.current_state,
            ..Default::default()
        }
    }
}

struct TestProvider;

#[async_trait]
impl Provider for TestProvider {
    fn type_name(&self) -> &'static str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema::derive::<ThingModel>().unwrap()
    }
    async fn configure(&self, _ctx: &Context, _req: ConfigureRequest, _d: &mut Diagnostics) {}
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
}

fn svc() -> ProviderService<TestProvider> {
    ProviderService::new(TestProvider, Context::default())
}

pub(super) fn ty() -> Type {
    Schema::derive::<ThingModel>().unwrap().value_type()
}

pub(super) fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: v.to_msgpack(&ty()).unwrap(),
        json: Vec::new(),
    })
}

pub(super) fn thing(name: &str, id: Value, secret: Value) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("id", id),
        ("secret_wo", secret),
    ])
}

#[tokio::test]
async fn upgrade_reads_json_state_of_the_current_version() {
    let resp = svc()
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"a","id":"x"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let v = Value::from_msgpack(&resp.upgraded_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(v, thing("a", Value::string("x"), Value::Null));
}

#[tokio::test]
async fn newer_and_flatmap_states_are_refused_with_a_reason() {
    let s = svc();
    let newer = s
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 7,
            raw_state: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(newer.diagnostics[0]
        .detail
        .contains("newer than this provider"));
    let flat = s
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: Vec::new(),
                flatmap: [("id".into(), "x".into())].into(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(flat.diagnostics[0]
        .summary
        .contains("Unsupported state format"));
}

#[tokio::test]
async fn malformed_msgpack_is_a_diagnostic_with_a_path() {
    let resp = svc()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            config: Some(pb::DynamicValue {
                msgpack: vec![0x81, 0xa4, b'n', b'a', b'm', b'e', 0xc3],
                json: Vec::new(),
            }),
            proposed_new_state: dv(&thing("a", Value::Null, Value::Null)),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let d = &resp.diagnostics[0];
    assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
    assert!(d.summary.contains("Invalid configuration"), "{d:?}");
    assert!(d.detail.contains("expected string, found a bool"), "{d:?}");
    assert_eq!(
        crate::AttributePath::from_proto(d.attribute.as_ref().unwrap()),
        crate::AttributePath::new("name")
    );
}

#[tokio::test]
async fn unknown_types_are_diagnostics() {
    let resp = svc()
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics[0]
        .detail
        .contains("no resource type \"test_nope\""));
    let resp = svc()
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "test_nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics[0]
        .summary
        .contains("Unknown data source type"));
}

#[tokio::test]
async fn plan_and_apply_round_trip_and_null_write_only_values() {
    let s = svc();
    let config = thing("a", Value::Null, Value::string("s3cret"));
    let resp = s
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            proposed_new_state: dv(&config),
            config: dv(&config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let planned = Value::from_msgpack(&resp.planned_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(planned, thing("a", Value::Unknown, Value::Null));
    let resp = s
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(&planned),
            config: dv(&config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let state = Value::from_msgpack(&resp.new_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(state, thing("a", Value::string("id-1"), Value::Null));
}

#[tokio::test]
async fn read_diagnostics_carry_attribute_paths() {
    let resp = svc()
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&thing("bad", Value::string("i"), Value::Null)),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let d = &resp.diagnostics[0];
    assert_eq!(
        crate::AttributePath::from_proto(d.attribute.as_ref().unwrap()),
        crate::AttributePath::new("name")
    );
}

#[tokio::test]
async fn rpcs_we_do_not_serve_answer_properly() {
    let s = svc();
    let r = s
        .validate_ephemeral_resource_config(Request::new(
            pb::validate_ephemeral_resource_config::Request::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics[0]
        .summary
        .contains("ephemeral resources not supported"));
    let r = s
        .call_function(Request::new(pb::call_function::Request {
            name: "f".into(),
            arguments: vec![],
        }))
        .await
        .unwrap();
    assert!(r
        .into_inner()
        .error
        .unwrap()
        .text
        .contains("no function named \"f\""));
    let r = s
        .get_functions(Request::new(pb::get_functions::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(r.functions.is_empty() && r.diagnostics.is_empty());
    let md = s
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(md.resources[0].type_name, "test_thing");
}

#[tokio::test]
async fn stop_provider_cancels_the_context() {
    let ctx = Context::default();
    let s = ProviderService::new(TestProvider, ctx.clone());
    assert!(!ctx.is_cancelled());
    s.stop_provider(Request::new(pb::stop_provider::Request {}))
        .await
        .unwrap();
    assert!(ctx.is_cancelled());
}

fn identity_ty() -> Type {
    Type::object([("id", Type::String)])
}

fn identity(id: &str) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: Value::object([("id", Value::string(id))])
                .to_msgpack(&identity_ty())
                .unwrap(),
            json: Vec::new(),
        }),
    })
}

fn identity_id(d: Option<pb::ResourceIdentityData>) -> Value {
    let dv = d.and_then(|d| d.identity_data).expect("an identity");
    Value::from_msgpack(&dv.msgpack, &identity_ty())
        .unwrap()
        .attr("id")
        .clone()
}

/// Identity: its schema is served, apply, read and import return it, an
/// `import` block's identity becomes the import ID, and stored identity of
/// the current version upgrades as is.
#[tokio::test]
async fn identity_is_served_returned_and_imported_by() {
    let s = svc();
    let schemas = s
        .get_resource_identity_schemas(Request::new(pb::get_resource_identity_schemas::Request {}))
        .await
        .unwrap()
        .into_inner();
    let thing_schema = &schemas.identity_schemas["test_thing"];
    assert_eq!(thing_schema.version, 0);
    let attr = &thing_schema.identity_attributes[0];
    assert_eq!((attr.name.as_str(), attr.required_for_import), ("id", true));
    assert_eq!(attr.r#type, b"\"string\"");

    let planned = thing("a", Value::Unknown, Value::Null);
    let applied = s
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(&planned),
            config: dv(&thing("a", Value::Null, Value::Null)),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(identity_id(applied.new_identity), Value::string("id-1"));

    let state = thing("a", Value::string("id-1"), Value::Null);
    let read = s
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&state),
            current_identity: identity("id-1"),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(identity_id(read.new_identity), Value::string("id-1"));

    let plan = s
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&state),
            proposed_new_state: dv(&state),
            config: dv(&thing("a", Value::Null, Value::Null)),
            prior_identity: identity("id-1"),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(identity_id(plan.planned_identity), Value::string("id-1"));

    let imported = s
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "test_thing".into(),
            identity: identity("id-9"),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    let got = imported.imported_resources.into_iter().next().unwrap();
    let got_state = Value::from_msgpack(&got.state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(got_state.attr("id"), &Value::string("id-9"));
    assert_eq!(identity_id(got.identity), Value::string("id-9"));

    let upgraded = s
        .upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_identity: Some(pb::RawState {
                json: br#"{"id":"id-1"}"#.to_vec(),
                ..Default::default()
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        identity_id(upgraded.upgraded_identity),
        Value::string("id-1")
    );
    let newer = s
        .upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: "test_thing".into(),
            version: 3,
            raw_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(newer.diagnostics[0]
        .summary
        .contains("Unsupported identity version"));
}
