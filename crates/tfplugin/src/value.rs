//! Terraform values and their wire encodings.
//!
//! A [`Value`] is what Terraform calls a cty value: typed by a [`Type`], possibly
//! null, possibly unknown (not yet known during plan). On the wire values are
//! msgpack ([`Value::from_msgpack`], [`Value::to_msgpack`]); stored state comes
//! back as JSON ([`Value::from_json`]) in `UpgradeResourceState`.
//!
//! Decoding never panics: malformed or mistyped bytes give a [`DecodeError`]
//! that says where in the value the problem is.

mod de;
mod json;
mod msgpack;
mod number;
mod ser;

use std::collections::BTreeMap;
use std::fmt;

pub use de::DeError;
pub use number::Number;
pub use ser::SerError;

use crate::diag::AttributePath;

/// A Terraform type, as written in a schema's `type` JSON.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type; values carry their own type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    pub fn object<I, K>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The type's JSON form as Terraform reads it from `Schema.Attribute.type`
    /// (`"string"`, `["list","string"]`, `["object",{...}]`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => J::Array(vec![J::from("list"), t.to_json()]),
            Type::Set(t) => J::Array(vec![J::from("set"), t.to_json()]),
            Type::Map(t) => J::Array(vec![J::from("map"), t.to_json()]),
            Type::Object(attrs) => J::Array(vec![
                J::from("object"),
                J::Object(
                    attrs
                        .iter()
                        .map(|(k, t)| (k.clone(), t.to_json()))
                        .collect(),
                ),
            ]),
            Type::Tuple(elems) => J::Array(vec![
                J::from("tuple"),
                J::Array(elems.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// Parses a type from its JSON form.
    pub fn from_json(j: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as J;
        match j {
            J::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(parts) => {
                let kind = parts
                    .first()
                    .and_then(J::as_str)
                    .ok_or("type array without a kind")?;
                let arg = parts.get(1).ok_or("type array without an argument")?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg)?)),
                    "set" => Ok(Type::set(Type::from_json(arg)?)),
                    "map" => Ok(Type::map(Type::from_json(arg)?)),
                    "object" => {
                        let attrs = arg
                            .as_object()
                            .ok_or("object type needs a map of attributes")?;
                        let mut out = BTreeMap::new();
                        for (k, v) in attrs {
                            out.insert(k.clone(), Type::from_json(v)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = arg
                            .as_array()
                            .ok_or("tuple type needs a list of elements")?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            _ => Err("a type is a string or an array".to_string()),
        }
    }

    /// A short human name, for error messages: `list of string`.
    pub fn friendly_name(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Dynamic => "any".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}

/// A value of some [`Type`]. Sets keep their elements in a canonical order
/// without duplicates, so two equal sets compare equal.
#[derive(Clone, Debug, Default, PartialEq, PartialOrd)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply. Refinements Terraform may send are accepted
    /// and dropped: a provider that drops them loses nothing but precision.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

impl Value {
    /// What kind of value this is, for messages that must not show it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Unknown => "an unknown value",
            Value::Null => "null",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Tuple(_) => "a tuple",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
        }
    }

    /// Builds a set, sorting and removing duplicates.
    pub fn set(mut elems: Vec<Value>) -> Value {
        canonical_set(&mut elems);
        Value::Set(elems)
    }

    pub fn object<I, K>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// An object of the given type with every attribute null.
    pub fn null_object(ty: &Type) -> Value {
        match ty {
            Type::Object(attrs) => {
                Value::Object(attrs.keys().map(|k| (k.clone(), Value::Null)).collect())
            }
            _ => Value::Null,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// An attribute of an object value; `Null` for a null object or a missing name.
    pub fn attr(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Sets an attribute of an object value (no-op on anything else).
    pub fn set_attr(&mut self, name: &str, v: Value) {
        if let Value::Object(m) = self {
            m.insert(name.to_string(), v);
        }
    }

    /// The elements of a list, set or tuple.
    pub fn elements(&self) -> &[Value] {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v,
            _ => &[],
        }
    }

    /// Follows a path; `None` when it leads nowhere.
    pub fn at(&self, path: &AttributePath) -> Option<&Value> {
        use crate::diag::PathStep;
        let mut cur = self;
        for step in path.steps() {
            cur = match (step, cur) {
                (PathStep::Attribute(name), Value::Object(m)) => m.get(name)?,
                (PathStep::Key(k), Value::Map(m)) => m.get(k)?,
                (PathStep::Index(i), Value::List(v) | Value::Tuple(v)) => {
                    v.get(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Encodes as msgpack for a `DynamicValue`, per the type.
    pub fn to_msgpack(&self, ty: &Type) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64);
        msgpack::encode(self, ty, &mut out, &mut Vec::new())?;
        Ok(out)
    }

    /// Decodes msgpack bytes of the given type.
    pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        msgpack::decode(bytes, ty)
    }

    /// Decodes Terraform's JSON value encoding (stored state) of the given type.
    pub fn from_json(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        json::decode(bytes, ty)
    }

    /// Converts a wholly known value to plain JSON, for typed models via serde.
    /// Returns `None` if any part is unknown.
    pub fn to_plain_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match self {
            Value::Unknown => return None,
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => n.to_json(),
            Value::String(s) => J::String(s.clone()),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                J::Array(v.iter().map(Value::to_plain_json).collect::<Option<_>>()?)
            }
            Value::Map(m) | Value::Object(m) => J::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_plain_json()?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }

    /// Builds a value of the given type straight from a `Serialize` model
    /// (struct fields are attributes; `None` is null).
    pub fn from_model<T: serde::Serialize + ?Sized>(
        model: &T,
        ty: &Type,
    ) -> Result<Value, SerError> {
        ser::to_value(model, ty)
    }

    /// Reads a `Deserialize` model straight from this value (the inverse of
    /// [`Value::from_model`]); parts not yet known read as `None`.
    pub fn to_model<T: serde::de::DeserializeOwned>(&self) -> Result<T, DeError> {
        de::from_value(self)
    }

    /// Builds a value of the given type from plain JSON (the inverse of
    /// [`Value::to_plain_json`]), e.g. from a serialized model struct.
    pub fn from_plain_json(j: &serde_json::Value, ty: &Type) -> Result<Value, DecodeError> {
        json::from_plain(j, ty, &mut Vec::new())
    }
}

pub(crate) fn canonical_set(elems: &mut Vec<Value>) {
    elems.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    elems.dedup();
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from(n))
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

/// A step in a value, for error messages while decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    Attr(String),
    Index(usize),
    Key(String),
}

fn render_loc(loc: &[Loc]) -> String {
    if loc.is_empty() {
        return "the value".to_string();
    }
    let mut s = String::new();
    for (i, l) in loc.iter().enumerate() {
        match l {
            Loc::Attr(a) if i == 0 => s.push_str(a),
            Loc::Attr(a) => {
                s.push('.');
                s.push_str(a);
            }
            Loc::Index(n) => s.push_str(&format!("[{n}]")),
            Loc::Key(k) => s.push_str(&format!("[{k:?}]")),
        }
    }
    s
}

fn loc_to_path(loc: &[Loc]) -> AttributePath {
    let mut p = AttributePath::root();
    for l in loc {
        p = match l {
            Loc::Attr(a) => p.attr(a),
            Loc::Index(n) => p.index(i64::try_from(*n).unwrap_or(i64::MAX)),
            Loc::Key(k) => p.key(k),
        };
    }
    p
}

/// Bytes that do not decode as a value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at {where_})")]
pub struct DecodeError {
    pub message: String,
    pub where_: String,
    pub path: AttributePath,
}

impl DecodeError {
    pub(crate) fn new(loc: &[Loc], message: impl Into<String>) -> Self {
        DecodeError {
            message: message.into(),
            where_: render_loc(loc),
            path: loc_to_path(loc),
        }
    }
}

/// A value that does not fit the type it is encoded as (a provider bug).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode {where_}: {message}")]
pub struct EncodeError {
    pub message: String,
    pub where_: String,
}

impl EncodeError {
    pub(crate) fn new(loc: &[Loc], message: impl Into<String>) -> Self {
        EncodeError {
            message: message.into(),
            where_: render_loc(loc),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.friendly_name())
    }
}

#[cfg(test)]
mod tests;
