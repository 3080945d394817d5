//! List resources, actions and generated configuration through the gRPC
//! layer: results stream as they come, limits hold, diagnostics end the
//! stream with paths inside the list block's `config`, and an invocation
//! always ends with a `Completed` event.

use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use tokio_stream::StreamExt;
use tonic::Request;

use super::tests::{dv, thing, ty, Thing};
use super::*;
use crate::diag::AttributePath;
use crate::framework::{ListItem, ListRequest, Sink};
use crate::proto::tfplugin6::provider_server::Provider as _;

/// The test list's configuration.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct FindModel {
    /// How many to find.
    count: Option<i64>,
}

struct FindThings;

#[async_trait]
impl ListResource for FindThings {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        Schema::derive::<FindModel>().unwrap()
    }
    async fn list(
        &self,
        _c: &Context,
        req: ListRequest,
        out: &mut Sink<ListItem>,
        d: &mut Diagnostics,
    ) {
        let Value::Number(n) = req.config.attr("count") else {
            return d.error_at(AttributePath::new("count"), "Count needed", "set it");
        };
        let n = n.to_string().parse::<usize>().unwrap();
        for i in 0..n {
            let id = format!("id-{i}");
            let item = ListItem {
                identity: Value::object([("id", Value::string(&id))]),
                display_name: format!("thing {i}"),
                object: req
                    .include_resource
                    .then(|| thing("x", Value::string(&id), Value::string("never"))),
            };
            if !out.send(item).await {
                break;
            }
        }
    }
}

struct Ping;

#[async_trait]
impl Action for Ping {
    fn type_name(&self) -> &'static str {
        "test_ping"
    }
    fn schema(&self) -> Schema {
        Schema::derive::<FindModel>().unwrap()
    }
    async fn invoke(&self, _c: &Context, config: Value, p: &mut Sink<String>, d: &mut Diagnostics) {
        p.send("started".into()).await;
        p.send("halfway".into()).await;
        if config.attr("count").is_null() {
            d.error_at(AttributePath::new("count"), "Ping failed", "no count");
        }
    }
}

struct StreamProvider;

#[async_trait]
impl Provider for StreamProvider {
    fn type_name(&self) -> &'static str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema::derive::<FindModel>().unwrap()
    }
    async fn configure(&self, _ctx: &Context, _req: ConfigureRequest, _d: &mut Diagnostics) {}
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        vec![Arc::new(FindThings)]
    }
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        vec![Arc::new(Ping)]
    }
}

fn svc() -> ProviderService<StreamProvider> {
    ProviderService::new(StreamProvider, Context::default())
}

fn config(count: Option<i64>) -> Option<pb::DynamicValue> {
    let ty = Schema::derive::<FindModel>().unwrap().value_type();
    let v = Value::object([("count", count.map_or(Value::Null, Value::from))]);
    Some(pb::DynamicValue {
        msgpack: v.to_msgpack(&ty).unwrap(),
        json: Vec::new(),
    })
}

async fn list(count: Option<i64>, include: bool, limit: i64) -> Vec<pb::list_resource::Event> {
    let req = pb::list_resource::Request {
        type_name: "test_thing".into(),
        config: config(count),
        include_resource_object: include,
        limit,
    };
    let stream = svc()
        .list_resource(Request::new(req))
        .await
        .unwrap()
        .into_inner();
    stream.map(Result::unwrap).collect().await
}

#[tokio::test]
async fn list_schemas_and_metadata_are_served() {
    let s = svc();
    let schema = s
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(schema.list_resource_schemas.contains_key("test_thing"));
    assert!(schema.action_schemas["test_ping"].schema.is_some());
    assert!(schema.server_capabilities.unwrap().generate_resource_config);
    let md = s
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(md.list_resources[0].type_name, "test_thing");
    assert_eq!(md.actions[0].type_name, "test_ping");
}

#[tokio::test]
async fn list_streams_identities_and_objects_only_when_asked() {
    let events = list(Some(3), false, 100).await;
    assert_eq!(events.len(), 3);
    let id_ty = Type::object([("id".to_string(), Type::String)]);
    let first = events[0]
        .identity
        .as_ref()
        .unwrap()
        .identity_data
        .as_ref()
        .unwrap();
    let first = Value::from_msgpack(&first.msgpack, &id_ty).unwrap();
    assert_eq!(first.attr("id"), &Value::string("id-0"));
    assert_eq!(events[2].display_name, "thing 2");
    assert!(events
        .iter()
        .all(|e| e.resource_object.is_none() && e.diagnostic.is_empty()));

    let events = list(Some(2), true, 100).await;
    let obj = events[1].resource_object.as_ref().unwrap();
    let obj = Value::from_msgpack(&obj.msgpack, &ty()).unwrap();
    assert_eq!(obj.attr("id"), &Value::string("id-1"));
    assert!(
        obj.attr("secret_wo").is_null(),
        "write-only values never leave"
    );
}

#[tokio::test]
async fn list_stops_at_the_limit() {
    assert_eq!(list(Some(1000), false, 7).await.len(), 7);
    assert_eq!(list(Some(5), false, 0).await.len(), 0);
}

#[tokio::test]
async fn list_errors_end_the_stream_with_paths_inside_config() {
    let events = list(None, false, 100).await;
    assert_eq!(events.len(), 1);
    let d = &events[0].diagnostic[0];
    assert_eq!(d.summary, "Count needed");
    let path = AttributePath::from_proto(d.attribute.as_ref().unwrap());
    assert_eq!(path, AttributePath::new("config").attr("count"));

    let req = pb::list_resource::Request {
        type_name: "test_nothing".into(),
        ..Default::default()
    };
    let events: Vec<_> = svc()
        .list_resource(Request::new(req))
        .await
        .unwrap()
        .into_inner()
        .map(Result::unwrap)
        .collect()
        .await;
    assert!(events[0].diagnostic[0]
        .summary
        .contains("Unknown list resource"));
}

async fn invoke(action: &str, count: Option<i64>) -> Vec<pb::invoke_action::Event> {
    let req = pb::invoke_action::Request {
        action_type: action.into(),
        config: config(count),
        client_capabilities: None,
    };
    let stream = svc()
        .invoke_action(Request::new(req))
        .await
        .unwrap()
        .into_inner();
    stream.map(Result::unwrap).collect().await
}

fn describe(e: &pb::invoke_action::Event) -> String {
    use pb::invoke_action::event::Type as Kind;
    match e.r#type.as_ref().unwrap() {
        Kind::Progress(p) => p.message.clone(),
        Kind::Completed(c) => format!("completed {}", c.diagnostics.len()),
    }
}

#[tokio::test]
async fn actions_stream_progress_then_complete() {
    let seen: Vec<_> = invoke("test_ping", Some(1))
        .await
        .iter()
        .map(describe)
        .collect();
    assert_eq!(seen, ["started", "halfway", "completed 0"]);
    let seen: Vec<_> = invoke("test_ping", None)
        .await
        .iter()
        .map(describe)
        .collect();
    assert_eq!(seen, ["started", "halfway", "completed 1"]);
    let seen: Vec<_> = invoke("test_nope", None)
        .await
        .iter()
        .map(describe)
        .collect();
    assert_eq!(seen, ["completed 1"], "an unknown action still completes");
}

#[tokio::test]
async fn generated_config_leaves_out_computed_and_secret_values() {
    let req = pb::generate_resource_config::Request {
        type_name: "test_thing".into(),
        state: dv(&thing("n", Value::string("id-9"), Value::string("s"))),
    };
    let r = svc()
        .generate_resource_config(Request::new(req))
        .await
        .unwrap()
        .into_inner();
    let config = Value::from_msgpack(&r.config.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(config, thing("n", Value::Null, Value::Null));
}
