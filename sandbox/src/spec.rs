//! The vendors' OpenAPI specs, for strict request checks (`--strict`) and
//! for the tests that check our responses.
//!
//! ConductorOne publishes OpenAPI 3.1 (JSON Schema 2020-12); Segment's v36
//! spec is OpenAPI 3.0, whose `nullable` we translate. Schemas are compiled
//! per component on first use, from the closure of the components they
//! reference, and cached.
//!
//! Where Segment's v36 spec and today's API differ as Segment documents
//! (pagination is optional; count defaults to 200), we follow today's API:
//! required query parameters are not enforced.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid spec: {message}")]
    Parse { path: String, message: String },
}

pub const C1_SPEC: &str = "conductorone-openapi.yaml";
pub const SEGMENT_SPEC: &str = "segment-public-api-openapi.v36.json";

struct Operation {
    method: String,
    segments: Vec<Option<String>>,
    literal_count: usize,
    path: String,
    parameters: Vec<Value>,
    request_schema: Option<Value>,
    responses: Map<String, Value>,
}

/// One vendor's spec.
pub struct OpenApi {
    name: &'static str,
    components: Map<String, Value>,
    operations: Vec<Operation>,
    openapi30: bool,
    /// The schema used for error bodies the spec does not document.
    error_schema: &'static str,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// Both specs.
pub struct Specs {
    pub conductorone: OpenApi,
    pub segment: OpenApi,
}

impl Specs {
    pub fn load(dir: &Path) -> Result<Specs, SpecError> {
        let c1_path = dir.join(C1_SPEC);
        let text = std::fs::read_to_string(&c1_path).map_err(|source| SpecError::Read {
            path: c1_path.display().to_string(),
            source,
        })?;
        let c1: Value = serde_yaml_ng::from_str(&text).map_err(|e| SpecError::Parse {
            path: c1_path.display().to_string(),
            message: e.to_string(),
        })?;
        let seg_path = dir.join(SEGMENT_SPEC);
        let text = std::fs::read_to_string(&seg_path).map_err(|source| SpecError::Read {
            path: seg_path.display().to_string(),
            source,
        })?;
        let seg: Value = serde_json::from_str(&text).map_err(|e| SpecError::Parse {
            path: seg_path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Specs {
            conductorone: OpenApi::new("ConductorOne", &c1, false, "google.rpc.Status"),
            segment: OpenApi::new("Segment", &seg, true, "RequestErrorEnvelope"),
        })
    }

    /// The spec for a sandbox path, and the path as the spec writes it.
    pub fn for_path<'a>(&self, path: &'a str) -> (&OpenApi, &'a str) {
        match path.strip_prefix("/segment") {
            Some("") => (&self.segment, "/"),
            Some(rest) if rest.starts_with('/') => (&self.segment, rest),
            _ => (&self.conductorone, path),
        }
    }
}

fn split(path: &str) -> Vec<&str> {
    path.trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

impl OpenApi {
    fn new(
        name: &'static str,
        doc: &Value,
        openapi30: bool,
        error_schema: &'static str,
    ) -> OpenApi {
        let components = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut operations = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                let shared: Vec<Value> = item["parameters"].as_array().cloned().unwrap_or_default();
                for method in ["get", "post", "put", "patch", "delete"] {
                    let Some(op) = item.get(method) else { continue };
                    let segments: Vec<Option<String>> = split(path)
                        .iter()
                        .map(|s| {
                            if s.starts_with('{') {
                                None
                            } else {
                                Some((*s).to_string())
                            }
                        })
                        .collect();
                    let mut parameters = shared.clone();
                    parameters.extend(op["parameters"].as_array().cloned().unwrap_or_default());
                    let content = &op["requestBody"]["content"];
                    let request_schema = content["application/json"]["schema"]
                        .as_object()
                        .or_else(|| {
                            content
                                .as_object()
                                .and_then(|c| c.values().next())
                                .and_then(|m| m["schema"].as_object())
                        })
                        .map(|s| Value::Object(s.clone()));
                    operations.push(Operation {
                        method: method.to_ascii_uppercase(),
                        literal_count: segments.iter().filter(|s| s.is_some()).count(),
                        segments,
                        path: path.clone(),
                        parameters,
                        request_schema,
                        responses: op["responses"].as_object().cloned().unwrap_or_default(),
                    });
                }
            }
        }
        OpenApi {
            name,
            components,
            operations,
            openapi30,
            error_schema,
            validators: Mutex::new(HashMap::new()),
        }
    }

    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let parts = split(path);
        self.operations
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method) && op.segments.len() == parts.len())
            .filter(|op| {
                op.segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p))
            })
            .max_by_key(|op| op.literal_count)
    }

    /// True when the spec describes this operation.
    pub fn covers(&self, method: &str, path: &str) -> bool {
        self.find(method, path).is_some()
    }

    /// Checks a request's query and JSON body against the operation's spec.
    /// Requests the spec does not describe pass. The error names the field
    /// (dotted, as Segment reports fields) when it is a query parameter.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<(), (String, Option<String>)> {
        let Some(op) = self.find(method, path) else {
            return Ok(());
        };
        for (key, value) in query {
            self.check_query(op, key, value)
                .map_err(|e| (e, Some(key.replace('[', ".").replace(']', ""))))?;
        }
        if let Some(schema) = &op.request_schema {
            let text = if body.iter().all(u8::is_ascii_whitespace) {
                b"{}".as_slice()
            } else {
                body
            };
            let instance: Value = serde_json::from_slice(text)
                .map_err(|e| (format!("the request body is not JSON: {e}"), None))?;
            self.validate(schema, &instance)
                .map_err(|e| (format!("request body: {e}"), None))?;
        }
        Ok(())
    }

    fn check_query(&self, op: &Operation, key: &str, value: &str) -> Result<(), String> {
        for p in &op.parameters {
            if p["in"] != "query" {
                continue;
            }
            let name = p["name"].as_str().unwrap_or("");
            let schema = self.resolve(&p["schema"]);
            if key == name {
                return check_scalar(&schema, value)
                    .map_err(|e| format!("query parameter {key}: {e}"));
            }
            if p["style"] == "deepObject" {
                let prop = key.strip_prefix(name).and_then(|r| {
                    r.strip_prefix('[')
                        .and_then(|r| r.strip_suffix(']'))
                        .or_else(|| r.strip_prefix('.'))
                });
                if let Some(prop) = prop {
                    let Some(ps) = schema["properties"].get(prop) else {
                        return Err(format!(
                            "query parameter {key}: {name} has no field {prop:?}"
                        ));
                    };
                    return check_scalar(&self.resolve(ps), value)
                        .map_err(|e| format!("query parameter {key}: {e}"));
                }
            }
        }
        Err(format!(
            "unknown query parameter {key:?} for {} {}",
            op.method, op.path
        ))
    }

    fn resolve(&self, schema: &Value) -> Value {
        match schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => self.components.get(name).cloned().unwrap_or(Value::Null),
            None => schema.clone(),
        }
    }

    /// Checks a response body against the schema the spec gives for the
    /// status (or this vendor's error schema for undocumented errors).
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let op = self
            .find(method, path)
            .ok_or_else(|| format!("{} spec has no {method} {path}", self.name))?;
        let documented = op
            .responses
            .get(&status.to_string())
            .or_else(|| op.responses.get("default"));
        let schema = documented
            .and_then(|r| {
                let c = &r["content"];
                c["application/json"]["schema"]
                    .as_object()
                    .or_else(|| {
                        c.as_object()
                            .and_then(|m| m.values().next())
                            .and_then(|m| m["schema"].as_object())
                    })
                    .map(|s| Value::Object(s.clone()))
            })
            .or_else(|| {
                (status >= 400).then(
                    || json!({ "$ref": format!("#/components/schemas/{}", self.error_schema) }),
                )
            });
        match schema {
            Some(s) => self.validate(&s, body),
            None => Err(format!(
                "{} spec documents no {status} body for {method} {}",
                self.name, op.path
            )),
        }
    }

    fn validate(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let key = schema.to_string();
        let validator = {
            let mut cache = self
                .validators
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let v = Arc::new(self.compile(schema)?);
                    cache.insert(key, v.clone());
                    v
                }
            }
        };
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!(
                    "{} {e}",
                    if at.is_empty() {
                        "(root)".to_string()
                    } else {
                        at
                    }
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    fn compile(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        let mut names = BTreeSet::new();
        self.collect_refs(schema, &mut names);
        let mut schemas = Map::new();
        for n in &names {
            if let Some(s) = self.components.get(n) {
                schemas.insert(
                    n.clone(),
                    if self.openapi30 {
                        nullable_to_types(s)
                    } else {
                        s.clone()
                    },
                );
            }
        }
        let mut root = if self.openapi30 {
            nullable_to_types(schema)
        } else {
            schema.clone()
        };
        if let Value::Object(m) = &mut root {
            m.insert("components".into(), json!({ "schemas": schemas }));
        }
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .map_err(|e| format!("cannot compile the spec's schema: {e}"))
    }

    fn collect_refs(&self, v: &Value, names: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(name) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    if names.insert(name.to_string()) {
                        if let Some(s) = self.components.get(name) {
                            self.collect_refs(s, names);
                        }
                    }
                }
                for x in m.values() {
                    self.collect_refs(x, names);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.collect_refs(x, names)),
            _ => {}
        }
    }
}

/// Checks a query string value against a scalar schema.
fn check_scalar(schema: &Value, value: &str) -> Result<(), String> {
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    let ok = match ty {
        "integer" => value.parse::<i64>().is_ok(),
        "number" => value.parse::<f64>().is_ok_and(f64::is_finite),
        "boolean" => value == "true" || value == "false",
        _ => true,
    };
    if !ok {
        return Err(format!("{value:?} is not a {ty}"));
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.iter().any(|a| a.as_str() == Some(value)) {
            return Err(format!(
                "{value:?} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
    }
    Ok(())
}

/// OpenAPI 3.0's `nullable: true` as JSON Schema.
fn nullable_to_types(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out: Map<String, Value> = m
                .iter()
                .map(|(k, x)| (k.clone(), nullable_to_types(x)))
                .collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                    if let Some(Value::Array(e)) = out.get_mut("enum") {
                        e.push(Value::Null);
                    }
                } else {
                    return json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(nullable_to_types).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_type_union() {
        let v = nullable_to_types(&json!({ "type": "string", "nullable": true }));
        assert_eq!(v, json!({ "type": ["string", "null"] }));
        let v = nullable_to_types(&json!({ "$ref": "#/x", "nullable": true }));
        assert_eq!(
            v,
            json!({ "anyOf": [{ "$ref": "#/x" }, { "type": "null" }] })
        );
    }

    #[test]
    fn scalars() {
        assert!(check_scalar(&json!({"type": "integer"}), "25").is_ok());
        assert!(check_scalar(&json!({"type": "integer"}), "x").is_err());
        assert!(check_scalar(&json!({"type": "number"}), "1.5").is_ok());
        assert!(check_scalar(&json!({"type": ["string", "null"], "enum": ["A"]}), "B").is_err());
    }
}
