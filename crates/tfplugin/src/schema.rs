//! Terraform schemas, derived from Rust model structs.
//!
//! A model is declared once, as a struct with doc comments deriving
//! `schemars::JsonSchema`; [`Schema::derive`] turns its JSON Schema into a
//! Terraform schema. Rules:
//! - a field's doc comment is its description (markdown);
//! - a non-`Option` field is required, an `Option` field optional (or
//!   required with `"x-tf-required" = true`, so that a plan can hold it
//!   unknown);
//! - `#[schemars(extend("x-tf-computed" = true))]` makes a field computed (with
//!   `"x-tf-optional" = true` as well: optional and computed);
//! - `"x-tf-sensitive"`, `"x-tf-write-only"` set those flags; `#[deprecated]`
//!   with `"x-tf-deprecation" = "message"` marks a deprecated attribute;
//! - `String` is `string`, `bool` is `bool`, integers and floats are `number`,
//!   `Vec<T>` is a list, `BTreeSet<T>` a set, `BTreeMap<String, T>` a map;
//!   a struct, or a list or set of structs, is a nested attribute;
//! - `"x-tf-version" = N` on the struct sets the schema version.

mod identity;

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex, PoisonError};

use schemars::JsonSchema;
use serde_json::{Map, Value as J};

use crate::proto::tfplugin6 as pb;
use crate::rules::{self, Behaviour};
use crate::value::Type;

pub use identity::{IdentityAttribute, IdentitySchema};

/// How a description is formatted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DescriptionKind {
    #[default]
    Plain,
    Markdown,
}

/// How a nested attribute nests its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

/// What an attribute holds: a value of a type, or nested attributes.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeType {
    Type(Type),
    Nested {
        nesting: Nesting,
        attributes: Vec<Attribute>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: AttributeType,
    pub description: String,
    pub description_kind: DescriptionKind,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub write_only: bool,
    /// `Some(message)` when deprecated (the message may be empty).
    pub deprecated: Option<String>,
    /// Default, plan modifiers and validators (see [`crate::rules`]).
    pub behaviour: Behaviour,
}

impl Attribute {
    /// The attribute's value type as it travels on the wire.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttributeType::Type(t) => t.clone(),
            AttributeType::Nested {
                nesting,
                attributes,
            } => {
                let obj = object_type(attributes);
                match nesting {
                    Nesting::Single => obj,
                    Nesting::List => Type::list(obj),
                    Nesting::Set => Type::set(obj),
                    Nesting::Map => Type::map(obj),
                }
            }
        }
    }

    fn to_proto(&self) -> pb::schema::Attribute {
        let (ty, nested_type) = match &self.ty {
            AttributeType::Type(t) => (t.to_json().to_string().into_bytes(), None),
            AttributeType::Nested {
                nesting,
                attributes,
            } => (
                Vec::new(),
                Some(pb::schema::Object {
                    attributes: attributes.iter().map(Attribute::to_proto).collect(),
                    nesting: match nesting {
                        Nesting::Single => pb::schema::object::NestingMode::Single,
                        Nesting::List => pb::schema::object::NestingMode::List,
                        Nesting::Set => pb::schema::object::NestingMode::Set,
                        Nesting::Map => pb::schema::object::NestingMode::Map,
                    } as i32,
                    ..Default::default()
                }),
            ),
        };
        pb::schema::Attribute {
            name: self.name.clone(),
            r#type: ty,
            nested_type,
            description: self.description.clone(),
            required: self.required,
            optional: self.optional,
            computed: self.computed,
            sensitive: self.sensitive,
            description_kind: kind_to_proto(self.description_kind),
            deprecated: self.deprecated.is_some(),
            write_only: self.write_only,
            deprecation_message: self.deprecated.clone().unwrap_or_default(),
        }
    }
}

fn kind_to_proto(k: DescriptionKind) -> i32 {
    match k {
        DescriptionKind::Plain => pb::StringKind::Plain as i32,
        DescriptionKind::Markdown => pb::StringKind::Markdown as i32,
    }
}

fn object_type(attrs: &[Attribute]) -> Type {
    Type::Object(
        attrs
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect(),
    )
}

/// The top-level block of a provider, resource or data source schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub description: String,
    pub description_kind: DescriptionKind,
    pub deprecated: Option<String>,
    pub attributes: Vec<Attribute>,
}

/// A model that cannot be turned into a Terraform schema (a programming error,
/// caught by each model's unit test).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema of {model}, at {at}: {message}")]
pub struct SchemaError {
    pub model: String,
    pub at: String,
    pub message: String,
}

impl Schema {
    /// Derives the Terraform schema of a model struct, once per process and
    /// type (a list resource derives its resource's model again).
    pub fn derive<T: JsonSchema + 'static>() -> Result<Schema, SchemaError> {
        static DERIVED: LazyLock<Mutex<HashMap<TypeId, Schema>>> = LazyLock::new(Mutex::default);
        let key = TypeId::of::<T>();
        let cached = DERIVED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(s) = cached {
            return Ok(s);
        }
        let s = Self::derive_uncached::<T>()?;
        DERIVED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, s.clone());
        Ok(s)
    }

    fn derive_uncached<T: JsonSchema>() -> Result<Schema, SchemaError> {
        let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        });
        let root = settings.into_generator().into_root_schema_for::<T>();
        let model = T::schema_name().to_string();
        let j = root.as_value();
        let obj = j
            .as_object()
            .ok_or_else(|| err(&model, "", "the model is not an object"))?;
        let attributes = attributes_of(&model, "", obj)?;
        let mut root_doc = obj.clone();
        // schemars titles the root with the type name; the doc comment is the description.
        root_doc.remove("title");
        let schema = Schema {
            version: obj.get("x-tf-version").and_then(J::as_i64).unwrap_or(0),
            description: description_of(&root_doc),
            description_kind: DescriptionKind::Markdown,
            deprecated: deprecation_of(obj),
            attributes,
        };
        schema.validate().map_err(|m| err(&model, "", &m))?;
        rules::check(&schema).map_err(|m| err(&model, "", &m))?;
        Ok(schema)
    }

    /// The object type of values of this schema.
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(pb::schema::Block {
                version: self.version,
                attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
                block_types: Vec::new(),
                description: self.description.clone(),
                description_kind: kind_to_proto(self.description_kind),
                deprecated: self.deprecated.is_some(),
                deprecation_message: self.deprecated.clone().unwrap_or_default(),
            }),
        }
    }

    /// Checks the rules Terraform applies to every schema it loads, so that a
    /// mistake fails a unit test rather than a user's `terraform plan`.
    pub fn validate(&self) -> Result<(), String> {
        fn check(attrs: &[Attribute], prefix: &str, in_set: bool) -> Result<(), String> {
            let mut seen = std::collections::HashSet::new();
            for a in attrs {
                let at = format!("{prefix}{}", a.name);
                if a.name.is_empty()
                    || !a
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    return Err(format!("{at}: names must match ^[a-z0-9_]+$"));
                }
                if !seen.insert(a.name.as_str()) {
                    return Err(format!("{at}: declared twice"));
                }
                if !(a.required || a.optional || a.computed) {
                    return Err(format!("{at}: must be required, optional or computed"));
                }
                if a.required && (a.optional || a.computed) {
                    return Err(format!("{at}: required excludes optional and computed"));
                }
                if a.write_only && (a.computed || in_set) {
                    return Err(format!(
                        "{at}: write-only attributes cannot be computed or inside a set"
                    ));
                }
                if let AttributeType::Nested {
                    nesting,
                    attributes,
                } = &a.ty
                {
                    check(
                        attributes,
                        &format!("{at}."),
                        in_set || *nesting == Nesting::Set,
                    )?;
                }
            }
            Ok(())
        }
        check(&self.attributes, "", false)
    }
}

fn err(model: &str, at: &str, message: &str) -> SchemaError {
    SchemaError {
        model: model.to_string(),
        at: if at.is_empty() {
            "(root)".into()
        } else {
            at.to_string()
        },
        message: message.to_string(),
    }
}

fn description_of(obj: &Map<String, J>) -> String {
    let title = obj.get("title").and_then(J::as_str).unwrap_or("");
    let desc = obj.get("description").and_then(J::as_str).unwrap_or("");
    let text = match (title.is_empty(), desc.is_empty()) {
        (true, _) => desc.to_string(),
        (false, true) => title.to_string(),
        (false, false) => format!("{title}\n\n{desc}"),
    };
    reflow(&text)
}

/// Joins the lines of each paragraph of a doc comment, so descriptions read
/// as prose in Terraform's output; blank lines, lists and code blocks stay.
pub fn reflow(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let mut joinable = false;
    for line in text.lines() {
        let t = line.trim_end();
        let lead = t.trim_start();
        let fence = lead.starts_with("```");
        if in_code || fence || t.is_empty() || lead.starts_with(['|', '#']) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
            joinable = false;
            if fence {
                in_code = !in_code;
            }
        } else if joinable && !lead.starts_with(['-', '*']) {
            out.push(' ');
            out.push_str(lead);
        } else {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
            joinable = true;
        }
    }
    out
}

fn deprecation_of(obj: &Map<String, J>) -> Option<String> {
    let flagged = obj.get("deprecated").and_then(J::as_bool).unwrap_or(false);
    let message = obj.get("x-tf-deprecation").and_then(J::as_str);
    match (flagged, message) {
        (_, Some(m)) => Some(m.to_string()),
        (true, None) => Some(String::new()),
        (false, None) => None,
    }
}

fn flag(obj: &Map<String, J>, key: &str) -> bool {
    obj.get(key).and_then(J::as_bool).unwrap_or(false)
}

/// Drops the `null` alternative that `Option<T>` adds.
fn non_null(obj: &Map<String, J>) -> Map<String, J> {
    for key in ["anyOf", "oneOf"] {
        if let Some(J::Array(alts)) = obj.get(key) {
            let rest: Vec<&J> = alts
                .iter()
                .filter(|a| a.get("type").and_then(J::as_str) != Some("null"))
                .collect();
            if rest.len() == 1 {
                if let Some(inner) = rest[0].as_object() {
                    let mut merged = inner.clone();
                    for (k, v) in obj {
                        if k != key {
                            merged.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                    return merged;
                }
            }
        }
    }
    let mut out = obj.clone();
    if let Some(J::Array(types)) = obj.get("type") {
        let rest: Vec<&J> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .collect();
        if rest.len() == 1 {
            out.insert("type".into(), rest[0].clone());
        }
    }
    out
}

fn attributes_of(
    model: &str,
    prefix: &str,
    obj: &Map<String, J>,
) -> Result<Vec<Attribute>, SchemaError> {
    let required: Vec<&str> = obj
        .get("required")
        .and_then(J::as_array)
        .map(|r| r.iter().filter_map(J::as_str).collect())
        .unwrap_or_default();
    let Some(props) = obj.get("properties").and_then(J::as_object) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(props.len());
    for (name, sub) in props {
        let at = format!("{prefix}{name}");
        let sub = sub
            .as_object()
            .ok_or_else(|| err(model, &at, "property schema is not an object"))?;
        let sub = non_null(sub);
        let computed = flag(&sub, "x-tf-computed");
        let in_required = required.contains(&name.as_str()) || flag(&sub, "x-tf-required");
        let (required, optional) = if computed {
            (false, flag(&sub, "x-tf-optional"))
        } else {
            (in_required, !in_required)
        };
        let mut ty = attribute_type(model, &at, &sub)?;
        if computed && !optional {
            // Everything inside a read-only attribute is read-only too.
            if let AttributeType::Nested { attributes, .. } = &mut ty {
                all_computed(attributes);
            }
        }
        out.push(Attribute {
            name: name.clone(),
            ty,
            description: description_of(&sub),
            description_kind: if sub.get("x-tf-description-kind").and_then(J::as_str)
                == Some("plain")
            {
                DescriptionKind::Plain
            } else {
                DescriptionKind::Markdown
            },
            required,
            optional,
            computed,
            sensitive: flag(&sub, "x-tf-sensitive"),
            write_only: flag(&sub, "x-tf-write-only"),
            deprecated: deprecation_of(&sub),
            behaviour: rules::parse(&sub).map_err(|m| err(model, &at, &m))?,
        });
    }
    Ok(out)
}

fn all_computed(attrs: &mut [Attribute]) {
    for a in attrs {
        a.computed = true;
        a.required = false;
        a.optional = false;
        if let AttributeType::Nested { attributes, .. } = &mut a.ty {
            all_computed(attributes);
        }
    }
}

fn is_struct(obj: &Map<String, J>) -> bool {
    obj.get("type").and_then(J::as_str) == Some("object") && obj.contains_key("properties")
}

fn attribute_type(
    model: &str,
    at: &str,
    obj: &Map<String, J>,
) -> Result<AttributeType, SchemaError> {
    if obj.contains_key("$ref") {
        return Err(err(
            model,
            at,
            "recursive types cannot be Terraform attributes",
        ));
    }
    if is_struct(obj) {
        return Ok(AttributeType::Nested {
            nesting: Nesting::Single,
            attributes: attributes_of(model, &format!("{at}."), obj)?,
        });
    }
    let ty = obj.get("type").and_then(J::as_str);
    match ty {
        Some("array") => {
            let items = obj
                .get("items")
                .and_then(J::as_object)
                .map(non_null)
                .ok_or_else(|| err(model, at, "array without a single item schema"))?;
            let set = flag(obj, "uniqueItems");
            if is_struct(&items) {
                let attributes = attributes_of(model, &format!("{at}."), &items)?;
                return Ok(AttributeType::Nested {
                    nesting: if set { Nesting::Set } else { Nesting::List },
                    attributes,
                });
            }
            let et = primitive_type(model, at, &items)?;
            Ok(AttributeType::Type(if set {
                Type::set(et)
            } else {
                Type::list(et)
            }))
        }
        Some("object") => {
            let values = obj
                .get("additionalProperties")
                .and_then(J::as_object)
                .map(non_null)
                .ok_or_else(|| err(model, at, "object without properties or a value schema"))?;
            if is_struct(&values) {
                let attributes = attributes_of(model, &format!("{at}."), &values)?;
                return Ok(AttributeType::Nested {
                    nesting: Nesting::Map,
                    attributes,
                });
            }
            Ok(AttributeType::Type(Type::map(primitive_type(
                model, at, &values,
            )?)))
        }
        _ => Ok(AttributeType::Type(primitive_type(model, at, obj)?)),
    }
}

/// The Terraform type of a schema that is not a nested attribute.
fn primitive_type(model: &str, at: &str, obj: &Map<String, J>) -> Result<Type, SchemaError> {
    let ty = obj.get("type").and_then(J::as_str).or_else(|| {
        // A unit-only enum is a set of strings.
        obj.get("enum")
            .and_then(J::as_array)
            .filter(|e| e.iter().all(J::is_string))
            .map(|_| "string")
    });
    match ty {
        Some("string") => Ok(Type::String),
        Some("boolean") => Ok(Type::Bool),
        Some("integer" | "number") => Ok(Type::Number),
        Some("array") => {
            let items = obj
                .get("items")
                .and_then(J::as_object)
                .map(non_null)
                .ok_or_else(|| err(model, at, "array without items"))?;
            let et = primitive_type(model, at, &items)?;
            Ok(if flag(obj, "uniqueItems") {
                Type::set(et)
            } else {
                Type::list(et)
            })
        }
        Some("object") => {
            if let Some(props) = obj.get("properties").and_then(J::as_object) {
                let mut attrs = BTreeMap::new();
                for (k, v) in props {
                    let v = v
                        .as_object()
                        .map(non_null)
                        .ok_or_else(|| err(model, at, "bad property"))?;
                    attrs.insert(k.clone(), primitive_type(model, &format!("{at}.{k}"), &v)?);
                }
                return Ok(Type::Object(attrs));
            }
            let values = obj
                .get("additionalProperties")
                .and_then(J::as_object)
                .map(non_null)
                .ok_or_else(|| err(model, at, "object without a value schema"))?;
            Ok(Type::map(primitive_type(model, at, &values)?))
        }
        other => Err(err(
            model,
            at,
            &format!("no Terraform type for JSON Schema type {other:?}"),
        )),
    }
}

#[cfg(test)]
mod tests;
