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
